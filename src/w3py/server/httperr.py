"""The listener's side of the HTTPERR log (HTTP.sys's error log, iis-reference §2.5).

What HTTP.sys refuses or drops never reaches a site's W3C log; it goes here, one line per event, with the
fields ``date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason
s-queuename``. The file machinery (header block, O_APPEND whole lines, rollover at ErrorLogFileTruncateSize)
belongs to ``w3py.logs.httperr``; ``open_httperr_log`` is the one place that picks the writer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from w3py.protocol.limits import MAX_URI_LOG_BYTES

# Where the HTTPERR folder sits under the server root (IIS: %SystemRoot%\System32\LogFiles\HTTPERR).
HTTPERR_SUBDIR = ("logs", "HTTPERR")

FIELDS = (
    "date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename"
)


def httperr_directory(root: Path) -> Path:
    """The HTTPERR log folder of the server whose root (``%SystemDrive%``) is ``root``."""
    return Path(root).joinpath(*HTTPERR_SUBDIR)


@dataclass(frozen=True, slots=True)
class HTTPERREntry:
    """One HTTPERR line. ``-`` stands for a field HTTP.sys could not fill (a timeout has no status)."""

    date: str
    time: str
    c_ip: str
    c_port: int
    s_ip: str
    s_port: int
    cs_version: str = "-"
    cs_method: str = "-"
    cs_uri: str = "-"
    sc_status: str = "-"
    s_siteid: str = "-"
    s_reason: str = "BadRequest"
    s_queuename: str = "-"

    def fields(self) -> tuple[str, ...]:
        return (
            self.date,
            self.time,
            self.c_ip or "-",
            str(self.c_port),
            self.s_ip or "-",
            str(self.s_port),
            self.cs_version,
            self.cs_method,
            self.cs_uri,
            self.sc_status,
            self.s_siteid,
            self.s_reason,
            self.s_queuename,
        )

    def line(self) -> str:
        return " ".join(self.fields())


def log_uri(target: bytes) -> str:
    """cs-uri as HTTP.sys writes it: truncated, and never with a space (which would shift the fields)."""
    text = target[:MAX_URI_LOG_BYTES].decode("latin-1")
    return text.replace(" ", "+") if text else "-"


class HTTPERRSink(Protocol):
    def log(self, entry: HTTPERREntry) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class _InterimHTTPERRLog:
    """A plain writer used until ``w3py.logs.httperr`` lands: one file, a header block when the file is new,
    each line written whole with O_APPEND so that worker processes never interleave."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / "httperr1.log"
        self._fd: int | None = None

    def _open(self) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if os.fstat(fd).st_size == 0:
            from w3py.core import clock

            date, time = clock.CLOCK.w3c()
            header = (
                "#Software: Microsoft HTTP API 2.0\r\n#Version: 1.0\r\n"
                f"#Date: {date} {time}\r\n#Fields: {FIELDS}\r\n"
            )
            os.write(fd, header.encode("ascii"))
        return fd

    def log(self, entry: HTTPERREntry) -> None:
        if self._fd is None:
            self._fd = self._open()
        os.write(self._fd, (entry.line() + "\r\n").encode("utf-8", "replace"))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def open_httperr_log(directory: Path) -> HTTPERRSink:
    """The HTTPERR writer for ``directory``: the one-line switch to ``w3py.logs.httperr.HTTPERRLog``."""
    return _InterimHTTPERRLog(directory)
