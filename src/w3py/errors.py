"""The error types that cross layer boundaries (STYLE.md §2.3).

Each layer raises its own type; conversion happens once, at the boundary:
- ``ProtocolError`` is raised by ``protocol/`` and poisons the connection (the listener answers and closes);
- ``ConfigError`` is raised by ``config/``; at start-up it stops the server with one line, at request time
  it becomes 500.19 for the paths under the broken file;
- ``HTTPError`` is raised by modules and handlers; the pipeline turns it into status.substatus.win32.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from w3py.status import Status


class W3PYError(Exception):
    """Base of every error w3py raises on purpose."""


class ProtocolError(W3PYError):
    """The client broke HTTP (or an HTTP.sys limit). ``status_hint`` is (code, substatus); ``reason`` is the
    HTTPERR log's s-reason (``BadRequest``, ``Hostname``, ``FieldLength``, ...)."""

    def __init__(self, msg: str, status_hint: tuple[int, int] = (400, 0), reason: str = "BadRequest") -> None:
        super().__init__(msg)
        self.status_hint = status_hint
        self.reason = reason


class ConfigError(W3PYError):
    """A configuration problem, located: the file, the line, the section and attribute when known, and the
    HRESULT IIS reports for the same problem (it is also logged as sc-win32-status with a 500.19)."""

    def __init__(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        section: str | None = None,
        attribute: str | None = None,
        hresult: int = 0x8007000D,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.section = section
        self.attribute = attribute
        self.hresult = hresult

    def one_line(self) -> str:
        """The readable single line printed at start-up: ``file:line: message (attribute ...)``."""
        where = self.file or "<config>"
        if self.line:
            where = f"{where}:{self.line}"
        extra = []
        if self.section:
            extra.append(f"section {self.section}")
        if self.attribute:
            extra.append(f"attribute '{self.attribute}'")
        tail = f" [{', '.join(extra)}]" if extra else ""
        return f"{where}: {self.message}{tail} (HRESULT 0x{self.hresult:08x})"

    def __str__(self) -> str:
        return self.one_line()


class HTTPError(W3PYError):
    """Raised by module or handler code to end a request with ``status`` (IIS's SetStatus)."""

    def __init__(
        self,
        status: "Status",
        win32: int = 0,
        detail: str | None = None,
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        super().__init__(f"{status.code}.{status.substatus}" + (f": {detail}" if detail else ""))
        self.status = status
        self.win32 = win32
        self.detail = detail
        self.headers = headers
