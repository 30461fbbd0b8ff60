"""The seam between the listener and the pipeline: what a request looks like once the listener has parsed
its head, and what the pipeline hands back.

The listener (``server/``) builds a ``Request`` as soon as the request head is complete and valid, and calls
``Application.handle(request)``. The body has *not* been read at that point: the pipeline reads it through
``request.body`` only if and when it wants it. That is what lets a request refused on its headers (404.13
from Content-Length, 404.7 from the extension, ...) be answered without reading the body, and what decides
when ``100 Continue`` is sent: on the first ``body.read()``, never before.

No I/O lives here; ``BodyReader`` is a protocol the listener implements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Protocol


class BodyReader(Protocol):
    """The request body as a stream. Implemented by the listener.

    The first call to ``read`` sends ``100 Continue`` if the client asked for it. ``read`` returns ``b""``
    at the end of the body. A client that disconnects mid-body raises ``ConnectionResetError``; a malformed
    chunked body raises ``w3py.errors.ProtocolError``.
    """

    async def read(self, max_bytes: int = -1) -> bytes: ...

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    @property
    def received(self) -> int:
        """Body bytes received so far (after de-chunking)."""
        ...

    @property
    def complete(self) -> bool:
        """True once the whole body has been received."""
        ...


class _EmptyBody:
    """The body of a request that has none (also handy in tests)."""

    received = 0
    complete = True

    async def read(self, max_bytes: int = -1) -> bytes:
        return b""

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._gen()

    async def _gen(self) -> AsyncIterator[bytes]:
        return
        yield b""  # pragma: no cover - makes this an async generator


EMPTY_BODY: BodyReader = _EmptyBody()


@dataclass(slots=True, eq=False)
class Request:
    """A parsed request head, plus the facts of the connection it came on."""

    method: str  # as sent: verbs are case-sensitive in IIS request filtering
    target: bytes  # the raw request-target, still percent-encoded
    path: bytes  # the raw path part of the target (before '?'), still percent-encoded
    query: bytes  # the raw query string without '?', b"" when absent
    http_version: str  # "1.0" or "1.1"
    headers: list[tuple[bytes, bytes]]  # names lower-cased, values as sent, in order received
    site: Any  # the w3py.config site object the binding + Host header selected
    client: tuple[str, int] = ("", 0)  # (ip, port) of the peer
    server: tuple[str, int] = ("", 0)  # (ip, port) of the local socket
    tls: bool = False
    content_length: int | None = None  # None when absent (or chunked)
    chunked: bool = False
    expect_continue: bool = False
    keep_alive: bool = True  # what the client asked for (HTTP/1.0 defaults, Connection header)
    head_bytes: int = 0  # size of the request line + headers on the wire (for cs-bytes)
    received_at: float = 0.0  # time.monotonic() when the first byte of this request arrived
    received_wall: float = 0.0  # time.time() at the same moment (log timestamps)
    connection_id: int = 0
    body: BodyReader = EMPTY_BODY
    # Added by the listener: the host name the site was chosen by (Host header, or the absolute-form
    # target's authority), lower-cased, without the port; "" for an HTTP/1.0 request without Host.
    host: str = ""

    def header(self, name: bytes) -> bytes | None:
        """The first value of header ``name`` (lower-case bytes), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class FileBody:
    """A response body that is (part of) a file: the listener sends it with ``loop.sendfile``."""

    path: str
    offset: int = 0
    length: int = -1  # -1: to the end of the file


@dataclass(slots=True)
class ResponseResult:
    """What the listener reports once a response is done (for the W3C log's sc-bytes, cs-bytes, time-taken).
    Treat it as read-only; it is not frozen because a frozen dataclass costs 0.35 µs more to build, once per
    request."""

    bytes_sent: int  # sc-bytes: status line + headers + body as written to the socket
    bytes_received: int  # cs-bytes: request head + body bytes read
    completed: bool  # False when the client went away or the write failed
    finished_at: float  # time.monotonic() when the last byte was handed to the kernel (or the abort)


@dataclass(slots=True, eq=False)
class Response:
    """What the pipeline hands back. The listener adds ``Date``, ``Server`` (unless ``server_header`` is False
    or a Server header is present), ``Content-Length`` or chunked framing, and ``Connection``; it drops the
    body of a HEAD response and of 1xx/204/304 responses but keeps their Content-Length."""

    status: int
    reason: str = ""  # empty: the standard phrase for ``status``
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    # bytes, a FileBody, or an async iterator of bytes (sent chunked to HTTP/1.1 clients)
    body: bytes | FileBody | AsyncIterator[bytes] = b""
    substatus: int = 0  # not on the wire; for logs and error pages
    win32: int = 0
    close: bool = False  # close the connection after this response
    server_header: bool = True
    # Called exactly once after the last byte was written (or the send failed): the logging hook.
    on_complete: Callable[[ResponseResult], None] | None = None


class Application(Protocol):
    """What the listener calls. The pipeline implements it; tests may use a trivial one."""

    async def handle(self, request: Request) -> Response: ...

    def reject(self, request: Request, status: int, substatus: int) -> Response:
        """A response for a request the listener refuses on behalf of its site (403.9: too many
        connections), rendered and logged by the site's pipeline like any other response."""
        ...
