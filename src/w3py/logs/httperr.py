"""The HTTPERR log: what HTTP.sys writes for the requests it refuses before any site sees them.

Reproduced from IIS (iis-reference.md §2.5):

* Files ``httperr1.log``, ``httperr2.log`` … in one folder (on Windows ``System32\\LogFiles\\HTTPERR``); a new
  file is started when the current one reaches ``ErrorLogFileTruncateSize`` (1 MB by default). After a
  restart, logging continues in the highest-numbered file while it has room.
* The W3C framing with HTTP API 2.0's header and fixed field list
  ``date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename``;
  times in UTC; ``-`` for anything unknown (a timed-out connection has no method, URL or status).
* ``cs-method`` is cut at 255 bytes and ``cs-uri`` at 4096 bytes, as HTTP.sys does.
* An IPv6 ``c-ip`` or ``s-ip`` carries its scope id, ``%0`` when it has none (``::1%0``, as in captured
  HTTPERR logs: "If the client IP address is an IPv6 address, the ScopeId field is also included").

The listener calls ``HTTPERRLog.log(entry)`` for each refusal, timeout or dropped connection; the entry is a
mapping or an object with the attributes of :class:`HTTPERREntry`.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from w3py.core import clock
from w3py.logs._files import BufferedLog, LogFile, highest_sequence
from w3py.logs.fields import HTTPERR_FIELDS, HTTPERR_SOFTWARE, encode_value

__all__ = ["HTTPERRLog", "HTTPERREntry", "DEFAULT_TRUNCATE_SIZE", "LINE_END"]

#: HTTP.sys's ``ErrorLogFileTruncateSize`` default: a new ``httperrN.log`` after 1 MB.
DEFAULT_TRUNCATE_SIZE = 1024 * 1024
#: HTTP.sys's lower bound for ``ErrorLogFileTruncateSize`` (smaller values are raised to it).
MIN_TRUNCATE_SIZE = 1024 * 1024
#: Windows line ending, as in every IIS/HTTP.sys log file.
LINE_END = "\r\n"
#: HTTP.sys truncates these fields (bytes of the logged value).
MAX_METHOD_CHARS = 255
MAX_URI_CHARS = 4096
_FILE_PREFIX = "httperr"

_ENTRY_KEYS = tuple(f.key for f in HTTPERR_FIELDS[2:])  # date and time come from the clock
# Indexes in _ENTRY_KEYS of the addresses HTTP.sys writes with an IPv6 scope id.
_ADDRESS_INDEXES = (_ENTRY_KEYS.index("c_ip"), _ENTRY_KEYS.index("s_ip"))
#: The scope id HTTP.sys writes for an IPv6 address that has none (global and loopback addresses).
DEFAULT_IPV6_SCOPE = "%0"


def with_scope_id(address: object) -> object:
    """``address`` as HTTP.sys writes it in the error log: an IPv6 address with its numeric scope id
    (``::1%0``; a link-local ``fe80::1%eth0`` as the socket layer names it becomes ``fe80::1%2``)."""
    if not isinstance(address, str) or ":" not in address:
        return address
    host, sep, scope = address.partition("%")
    if not sep:
        return address + DEFAULT_IPV6_SCOPE
    if not scope.isdigit():
        try:
            return f"{host}%{socket.if_nametoindex(scope)}"
        except OSError:
            pass  # an interface that is gone: keep the name rather than lose the address
    return address


@dataclass(slots=True)
class HTTPERREntry:
    """One HTTPERR line. ``None`` (or ``""``) is written ``-``."""

    c_ip: str | None = None
    c_port: int | None = None
    s_ip: str | None = None
    s_port: int | None = None
    cs_version: str | None = None
    cs_method: str | None = None
    cs_uri: str | None = None
    sc_status: int | None = None
    s_siteid: int | str | None = None
    s_reason: str | None = None
    s_queuename: str | None = None


class HTTPERRLog(BufferedLog):
    """HTTP.sys's error log in ``directory``: buffered, flushed every second, size-based rollover."""

    def __init__(self, directory: Path | str, truncate_size: int = DEFAULT_TRUNCATE_SIZE) -> None:
        self.directory = Path(directory)
        self.truncate_size = max(int(truncate_size), MIN_TRUNCATE_SIZE)
        self._fields_line = "#Fields: " + " ".join(f.name for f in HTTPERR_FIELDS)
        self._sequence = 0  # found on first flush
        self._file: LogFile | None = None
        super().__init__(f"the HTTPERR log in {self.directory}")

    @property
    def current_path(self) -> Path:
        """The file the next lines go to (``httperrN.log``)."""
        return self.directory / f"{_FILE_PREFIX}{max(self._sequence, 1)}.log"

    def log(self, entry: Mapping[str, object] | HTTPERREntry | object) -> None:
        """Buffer one line for ``entry``, stamped with the current UTC time."""
        if self._closed:
            return
        if isinstance(entry, Mapping):
            values = [entry.get(k) for k in _ENTRY_KEYS]
        else:
            values = [getattr(entry, k, None) for k in _ENTRY_KEYS]
        date, time_ = clock.CLOCK.w3c()
        for index in _ADDRESS_INDEXES:
            values[index] = with_scope_id(values[index])
        method, uri = values[5], values[6]
        if isinstance(method, str) and len(method) > MAX_METHOD_CHARS:
            values[5] = method[:MAX_METHOD_CHARS]
        if isinstance(uri, str) and len(uri) > MAX_URI_CHARS:
            values[6] = uri[:MAX_URI_CHARS]
        line = " ".join([date, time_, *map(encode_value, values)])
        if line[0] == "#":  # cannot happen with a date first; kept for symmetry with the W3C writer
            line = "+" + line[1:]
        self._add(None, line + LINE_END)

    # --- BufferedLog ----------------------------------------------------------------------------------------
    def _write_batches(self, batches: list[tuple[object, list[str], str]]) -> None:
        body = "".join(line for _, lines, _ in batches for line in lines).encode("utf-8", "replace")
        header = (
            f"#Software: {HTTPERR_SOFTWARE}{LINE_END}#Version: 1.0{LINE_END}"
            f"#Date: {batches[0][2]}{LINE_END}{self._fields_line}{LINE_END}"
        ).encode("ascii")
        if self._sequence == 0:
            self._sequence = max(highest_sequence(self.directory, _FILE_PREFIX), 1)
        while True:
            if self._file is None or self._file.path != self.current_path:
                if self._file is not None:
                    self._file.close()
                self._file = LogFile(self.current_path, self._fields_line)
            if self._file.append(body, header, self.truncate_size) is not None:
                return
            self._sequence += 1  # full: continue in the next file of the series

    def _close_files(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
