"""The listener's side of the HTTPERR log (HTTP.sys's error log, iis-reference §2.5).

What HTTP.sys refuses or drops never reaches a site's W3C log; it goes here, one line per event, with the
fields ``date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason
s-queuename``. The file machinery (header block, O_APPEND whole lines, rollover at ErrorLogFileTruncateSize)
belongs to ``w3py.logs.httperr``; ``open_httperr_log`` is the one place that picks the writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from w3py.logs.httperr import HTTPERREntry, HTTPERRLog
from w3py.protocol.limits import MAX_URI_LOG_BYTES

__all__ = ["HTTPERREntry", "HTTPERRSink", "httperr_directory", "log_uri", "open_httperr_log"]

# Where the HTTPERR folder sits under the server root (IIS: %SystemRoot%\System32\LogFiles\HTTPERR).
HTTPERR_SUBDIR = ("logs", "HTTPERR")


def httperr_directory(root: Path) -> Path:
    """The HTTPERR log folder of the server whose root (``%SystemDrive%``) is ``root``."""
    return Path(root).joinpath(*HTTPERR_SUBDIR)


def log_uri(target: bytes) -> str:
    """cs-uri as HTTP.sys writes it: truncated, and never with a space (which would shift the fields)."""
    text = target[:MAX_URI_LOG_BYTES].decode("latin-1")
    return text.replace(" ", "+") if text else "-"


class HTTPERRSink(Protocol):
    def log(self, entry: Any) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


def open_httperr_log(directory: Path) -> HTTPERRSink:
    """The HTTPERR writer for ``directory`` (buffered, flushed by the logs' flusher thread, rolled at 1 MB)."""
    return HTTPERRLog(directory)
