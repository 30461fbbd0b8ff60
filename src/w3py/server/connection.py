"""One client connection: HTTP/1.1 over an asyncio transport (the part of HTTP.sys that owns a TCP
connection: keep-alive, pipelining, timers, refusals).

Theory of operation
-------------------
``data_received`` feeds the bytes to ``RequestParser`` (protocol/), which returns events. A ``Request``
becomes a ``_Cycle`` (one request and its response); cycles are answered strictly in the order they came
(pipelining, RFC 9112 §9.3.2) by one task at a time, which runs ``Application.handle`` and writes the
response. ``Data``/``END_OF_MESSAGE`` go to the body of the cycle being received, which is not always the one
being answered.

Rule 1: exactly one response per request, in order. A cycle whose request the listener refuses (bad
bytes, unknown host) is queued like any other and answered with an HTTP.sys error page in its turn; the
connection closes after it (HTTP.sys closes after its own errors).

Rule 2: ``Response.on_complete`` is called exactly once per response handed to the listener, with
``completed=False`` when the client went away or the write failed.

Rule 3: a protocol error is answered only if no byte of a response is on the wire for that request
(STYLE §2.3); otherwise the connection is aborted.

Rule 4: the body is the pipeline's to read. ``100 Continue`` goes out on its first ``read()`` only. A
request answered without reading its body keeps the connection only if the rest of the body can be
drained cheaply (known length, at most ``MAX_DRAIN_BYTES`` left, and the client was not left waiting for
a 100); otherwise the response says ``Connection: close``.

Rule 5: one timer at a time, from the site's ``limits/@connectionTimeout`` (HTTPERR reason in brackets):
idle between requests [Timer_ConnectionIdle], a head that takes too long in total [Timer_HeaderWait], body
bytes that stop coming while the pipeline waits for them [Timer_EntityBody, restarted on each receipt], a
client that stops taking the response [Timer_MinBytesPerSecond]. The handler's own time is not bounded here.
A timer is a kind and a deadline; the one scheduled callback follows the deadline as it moves, so a request
costs no timer handle. The same mechanism ends a lingering close and a closing transport that never drains.

Rule 6: reading pauses while a handler has ``BODY_HIGH_WATER_BYTES`` unread, while
``MAX_PIPELINED_REQUESTS`` are waiting, or while the client is not taking what we write.

Rule 7: nothing a client sends, and nothing a handler raises, escapes this class: a failure costs that
connection (an error page if nothing was sent, an abort otherwise), never the worker.

Rule 8: an application whose ``eager`` attribute is True promises that its ``handle`` may be started outside
any task (it gets itself into one, by yielding once, before it runs code that may need one: see
``PipelineApplication``). Its cycles without a request body are started right where the request was read,
with no task; one whose answer is written without waiting for anything (a response-cache hit) never gets
one, and saves the task and the loop turn. At its first wait, the rest of the cycle goes on in a task
(``_Started``), as it would have from the start. Requests with a body, and every request of other
applications, get a task as before.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
from collections import deque
from typing import TYPE_CHECKING, Any

from w3py import SERVER_SOFTWARE
from w3py.core import clock
from w3py.errors import ProtocolError
from w3py.protocol.events import END_OF_MESSAGE, Data
from w3py.protocol.messages import FileBody, Request, Response, ResponseResult
from w3py.protocol.parser import RequestParser
from w3py.protocol.wire import KNOWN_RESPONSE_HEADERS, FRAMING_HEADERS, CheckedHeaders
from w3py.server.app_pools import APP_OFFLINE, root_pool
from w3py.server.bindings import normalize_ip
from w3py.server.flow_control import (
    BODY_HIGH_WATER_BYTES,
    FILE_CHUNK_BYTES,
    FIRST_REQUEST_GRACE_S,
    SENDFILE_CHUNK_BYTES,
    LINGER_S,
    MAX_DRAIN_BYTES,
    MAX_PIPELINED_REQUESTS,
    WRITE_HIGH_WATER_BYTES,
    WRITE_LOW_WATER_BYTES,
)
from w3py.server.httperr import HTTPERREntry, log_uri
from w3py.server.pages import error_page
from w3py.status import reason_phrase

if TYPE_CHECKING:
    from w3py.server.bindings import Endpoint
    from w3py.server.listener import ServerState

logger = logging.getLogger("w3py.server")

# Status lines are built once (uvicorn's STATUS_LINE); IIS answers HTTP/1.0 clients with HTTP/1.1 too.
STATUS_LINES = {code: b"HTTP/1.1 %d %s" % (code, reason_phrase(code).encode("ascii")) for code in range(100, 600)}
CONTINUE_LINE = b"HTTP/1.1 100 Continue\r\n\r\n"
SERVER_LINE = b"Server: " + SERVER_SOFTWARE.encode("ascii")

# Header names the listener looks at in a response (lower-case, as the pipeline must send them).
_FRAMING_HEADERS = FRAMING_HEADERS

# Timer kinds and the HTTPERR s-reason each one logs (Rule 5).
IDLE = "Timer_ConnectionIdle"
HEADER_WAIT = "Timer_HeaderWait"
ENTITY_BODY = "Timer_EntityBody"
MIN_BYTES = "Timer_MinBytesPerSecond"
LINGER = "linger"  # not a timeout: the end of a lingering close


def _site(cycle: _Cycle | None) -> Any:
    if cycle is None or cycle.request is None:
        return None
    return cycle.request.site


class _Refusal:
    """A request the listener answers itself: status and HTTPERR s-reason."""

    __slots__ = ("status", "substatus", "reason", "logged", "request_line")

    def __init__(
        self,
        status: int,
        substatus: int,
        reason: str,
        logged: bool = False,
        request_line: tuple[str, str, bytes] | None = None,
    ) -> None:
        self.status = status
        self.substatus = substatus
        self.reason = reason
        self.logged = logged
        # (method, version, target) of a head refused before it became a Request
        self.request_line = request_line


class _Cycle:
    """One request and its response."""

    __slots__ = ("request", "body", "refusal", "started", "bytes_sent", "continue_sent")

    def __init__(self, request: Request | None, refusal: _Refusal | None = None) -> None:
        self.request = request
        self.body: RequestBody | None = None
        self.refusal = refusal
        self.started = False  # a byte of the final response has been written
        self.bytes_sent = 0
        self.continue_sent = False


class RequestBody:
    """``BodyReader`` for one request: bytes the parser delivered, waiting for the pipeline to read them."""

    __slots__ = ("_conn", "_cycle", "_chunks", "_buffered", "received", "complete", "_waiter", "_error", "discard")

    def __init__(self, conn: HTTPConnection, cycle: _Cycle) -> None:
        self._conn = conn
        self._cycle = cycle
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self.received = 0
        self.complete = False
        self._waiter: asyncio.Future[None] | None = None
        self._error: BaseException | None = None
        self.discard = False  # draining: the response is out, the bytes only need to go away

    # --- listener side ----------------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        self.received += len(data)
        if self.discard:
            return
        self._chunks.append(data)
        self._buffered += len(data)
        self._wake()

    def end(self) -> None:
        self.complete = True
        self._wake()

    def fail(self, error: BaseException) -> None:
        if not self.complete:
            self._error = error
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    @property
    def buffered(self) -> int:
        return self._buffered

    @property
    def waiting(self) -> bool:
        return self._waiter is not None

    # --- pipeline side (BodyReader) ---------------------------------------------------------------------

    async def read(self, max_bytes: int = -1) -> bytes:
        conn = self._conn
        while not self._chunks:
            if self._error is not None:
                raise self._error
            if self.complete:
                return b""
            conn._send_continue(self._cycle)
            self._waiter = conn._loop.create_future()
            conn._body_wait_started()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if max_bytes < 0 or max_bytes >= self._buffered:
            data = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
            self._chunks.clear()
        else:
            data = b"".join(self._chunks)
            self._chunks.clear()
            self._chunks.append(data[max_bytes:])
            data = data[:max_bytes]
        self._buffered -= len(data)
        conn._update_reading()
        return data

    def __aiter__(self) -> RequestBody:
        return self

    async def __anext__(self) -> bytes:
        data = await self.read()
        if not data:
            raise StopAsyncIteration
        return data


class HTTPConnection(asyncio.Protocol):
    """The asyncio protocol for one connection. See the module docstring for the rules."""

    def __init__(self, state: ServerState, endpoint: Endpoint) -> None:
        # global state
        self._state = state
        self._endpoint = endpoint
        self._loop = state.loop
        self._app = state.app
        # per-connection state
        self._transport: asyncio.Transport | None = None
        self._parser = RequestParser()
        self._id = state.next_connection_id()
        self._client: tuple[str, int] = ("", 0)
        self._local: tuple[str, int] = ("", 0)
        self._local_ip = "*"
        self._timeout = endpoint.timeout_s
        self._timer: asyncio.TimerHandle | None = None
        self._timer_when = 0.0  # when self._timer fires
        self._timer_kind: str | None = None
        self._deadline = 0.0  # when the current kind times out
        self._queue: deque[_Cycle] = deque()
        self._task: asyncio.Task[None] | None = None
        self._current: _Cycle | None = None  # the cycle being answered
        self._receiving: _Cycle | None = None  # the cycle whose body is being received
        self._reading_paused = False
        self._writing_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._closing = False  # no response after the current one
        self._lost = False  # the transport is gone
        self._lingering = False
        self._site_key: Any = None  # the site this connection's requests went to last
        self._site_counted = False  # ... and whether it counts against that site's maxConnections
        self._requests = 0  # requests received on this connection
        self._eager = getattr(self._app, "eager", False) is True  # Rule 8

    # --- asyncio.Protocol -------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        transport.set_write_buffer_limits(WRITE_HIGH_WATER_BYTES, WRITE_LOW_WATER_BYTES)  # type: ignore[attr-defined]
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        if peer:
            self._client = (normalize_ip(peer[0]), peer[1])
        if local:
            self._local = (normalize_ip(local[0]), local[1])
            self._local_ip = self._local[0]
        self._state.connections.add(self)
        if self._state.stopping:
            self._closing = True
        self._arm(IDLE)

    def data_received(self, data: bytes) -> None:
        if self._lingering or self._parser.finished:
            return  # after the last request, or an error: bytes go nowhere (Rule 3 of the parser)
        try:
            events = self._parser.feed(data)
        except ProtocolError as exc:
            self._handle_events(exc.events)  # type: ignore[attr-defined]
            self._on_protocol_error(exc)
            self._after_read()
            return
        if events:
            self._handle_events(events)
        self._after_read()

    def eof_received(self) -> bool | None:
        # The client finished sending. A half-closed client may still read our answers, so keep the
        # transport open while something is being answered; otherwise close now.
        if self._lingering:
            return None  # the client has read our answer and closed: asyncio closes the transport
        receiving = self._receiving
        if receiving is not None and receiving.body is not None and not receiving.body.complete:
            receiving.body.fail(ConnectionResetError("client closed the connection before the body ended"))
        self._closing = True
        if self._task is None:
            self._cancel_timer()
            return None  # asyncio closes the transport
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._drop_timer()
        self._state.connections.discard(self)
        self._release_site()
        error = ConnectionResetError("client disconnected")
        for cycle in (self._receiving, self._current):
            if cycle is not None and cycle.body is not None:
                cycle.body.fail(error)
        self._queue.clear()
        self._wake_writer()

    def pause_writing(self) -> None:
        self._writing_paused = True
        self._update_reading()

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._wake_writer()
        self._update_reading()

    # --- reading ----------------------------------------------------------------------------------------

    def _handle_events(self, events: list[Any]) -> None:
        for event in events:
            kind = type(event)
            if kind is Request:
                self._on_request(event)
            elif kind is Data:
                cycle = self._receiving
                if cycle is not None and cycle.body is not None:
                    cycle.body.feed(event.data)
            elif event is END_OF_MESSAGE:
                cycle = self._receiving
                if cycle is not None:
                    if cycle.body is not None:
                        cycle.body.end()
                    self._receiving = None

    def _on_request(self, request: Request) -> None:
        self._requests += 1
        request.tls = self._endpoint.tls
        request.client = self._client
        request.server = self._local
        request.connection_id = self._id
        site = self._endpoint.route(self._local_ip, request.host)
        if site is None:
            cycle = _Cycle(request, _Refusal(404, 1, "NotFound"))
        elif self._state.offline_sites and site.id in self._state.offline_sites:
            # The site's application pool is not running: HTTP.sys has no queue to deliver to (app_pools.py).
            request.site = site  # (for HTTPERR's s-siteid and s-queuename)
            cycle = _Cycle(request, _Refusal(503, 0, APP_OFFLINE))
        else:
            request.site = site
            cycle = _Cycle(request)
            if request.content_length or request.chunked:
                cycle.body = RequestBody(self, cycle)
                request.body = cycle.body
        self._receiving = cycle
        self._enqueue(cycle)

    def _enqueue(self, cycle: _Cycle) -> None:
        if self._task is None:
            self._cancel_timer()
            if self._eager and cycle.body is None:
                # (a request with a body is not: its handler would read before the body bytes of this same
                # read were fed to it, and could send a 100 Continue the client no longer needs)
                self._start_eagerly(cycle)
            else:
                self._task = self._loop.create_task(self._run(cycle))
        else:
            self._queue.append(cycle)
            if len(self._queue) >= MAX_PIPELINED_REQUESTS:
                self._update_reading()

    def _on_protocol_error(self, exc: ProtocolError) -> None:
        code, substatus = exc.status_hint
        receiving = self._receiving
        if receiving is not None and receiving.body is not None and not receiving.body.complete:
            self._closing = True
            # The error is in a body (bad chunk framing): the handler reading it gets the error; the
            # response its pipeline makes of it is the last on this connection.
            self._log_httperr(exc.reason, code, receiving.request, _site(receiving))
            receiving.body.fail(exc)
            self._receiving = None
            if receiving.body.discard:  # already answered, only draining
                self._abort()
            return
        request_line = getattr(exc, "request_line", None)
        self._enqueue(_Cycle(None, _Refusal(code, substatus, exc.reason, request_line=request_line)))

    def _after_read(self) -> None:
        if self._lost:
            return
        if self._parser.in_head:
            if self._timer_kind is not HEADER_WAIT:
                self._arm(HEADER_WAIT)
        elif self._receiving is not None and self._receiving.body is not None and (
            self._receiving.body.waiting or self._receiving.body.discard
        ):
            self._arm(ENTITY_BODY)
        elif self._task is None:
            if self._timer_kind is not IDLE:
                self._arm(IDLE)
        elif self._timer_kind is not MIN_BYTES:
            self._cancel_timer()
        self._update_reading()

    def _body_wait_started(self) -> None:
        self._arm(ENTITY_BODY)
        self._update_reading()

    def _update_reading(self) -> None:
        transport = self._transport
        if transport is None or self._lost:
            return
        receiving = self._receiving
        pause = (
            self._writing_paused
            or len(self._queue) >= MAX_PIPELINED_REQUESTS
            or (
                receiving is not None
                and receiving.body is not None
                and receiving.body.buffered >= BODY_HIGH_WATER_BYTES
            )
        )
        if pause != self._reading_paused:
            self._reading_paused = pause
            if pause:
                transport.pause_reading()
            else:
                transport.resume_reading()

    # --- timers -----------------------------------------------------------------------------------------

    # Re-arming a timer per request (cancel + call_later) costs a timer handle each time; instead the kind
    # and deadline are plain fields, and the one scheduled callback re-schedules itself when it finds the
    # deadline moved (nginx's and aiohttp's trick for keep-alive timers).

    def _arm(self, kind: str, delay: float | None = None) -> None:
        deadline = self._loop.time() + (self._timeout if delay is None else delay)
        self._timer_kind = kind
        self._deadline = deadline
        timer = self._timer
        if timer is None or deadline < self._timer_when:
            if timer is not None:
                timer.cancel()
            self._timer_when = deadline
            self._timer = self._loop.call_at(deadline, self._on_timer)

    def _cancel_timer(self) -> None:
        self._timer_kind = None  # the scheduled callback finds nothing to do

    def _drop_timer(self) -> None:
        self._timer_kind = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        kind = self._timer_kind
        if kind is None or self._lost:
            return
        if self._loop.time() < self._deadline:
            self._timer_when = self._deadline
            self._timer = self._loop.call_at(self._deadline, self._on_timer)
            return
        self._timer_kind = None
        if kind is LINGER:
            self._abort()
            return
        cycle = self._receiving if kind == ENTITY_BODY else None
        request = cycle.request if cycle is not None else None
        self._log_httperr(kind, None, request, _site(cycle))
        if cycle is not None and cycle.body is not None:
            cycle.body.fail(ConnectionResetError("request body timed out"))
        self._abort()

    # --- the per-connection task ------------------------------------------------------------------------

    def _start_eagerly(self, cycle: _Cycle) -> None:
        """Rule 8: run ``_run`` here until it finishes or first waits; if it waits, a task takes it over."""
        run = self._run(cycle)
        self._task = _EAGER  # busy: cycles read meanwhile are queued (only re-entrant calls could see it)
        # the run's own copy of the context variables, as a task would have had (and keeps, below)
        context = contextvars.copy_context()
        try:
            waiting = context.run(run.send, None)
        except StopIteration:
            return  # answered without waiting: _run's own bookkeeping already set _task back to None
        except asyncio.CancelledError:
            return  # as a task that ends cancelled: _run's finally has run, nothing more to do
        except Exception:  # _run catches everything of the answer's; this is a bug in its bookkeeping
            logger.exception("connection %d failed", self._id)
            self._task = None
            self._closing = True
            self._abort()
            return
        self._task = self._loop.create_task(_Started(run, waiting).run(), context=context)

    async def _run(self, cycle: _Cycle) -> None:
        try:
            while True:
                self._current = cycle
                try:
                    await self._answer(cycle)
                except Exception:
                    # A listener bug must cost one connection, never the worker (and never a silent hang).
                    logger.exception("connection %d failed", self._id)
                    self._closing = True
                    self._abort()
                    break
                self._current = None
                if self._closing or self._lost or not self._queue:
                    break
                cycle = self._queue.popleft()
                if len(self._queue) == MAX_PIPELINED_REQUESTS - 1:
                    self._update_reading()
        finally:
            self._current = None
            self._task = None
        if self._lost:
            return
        if self._closing:
            self._finish_connection()
        elif self._queue:  # a request arrived while the task was finishing
            self._enqueue(self._queue.popleft())
        elif self._parser.in_head:
            if self._timer_kind is not HEADER_WAIT:
                self._arm(HEADER_WAIT)
        elif self._receiving is not None and self._receiving.body is not None and self._receiving.body.discard:
            self._arm(ENTITY_BODY)
        else:
            self._arm(IDLE)

    async def _answer(self, cycle: _Cycle) -> None:
        refusal = cycle.refusal
        if refusal is not None:
            await self._send_refusal(cycle, refusal)
            return
        request = cycle.request
        assert request is not None
        app = self._app
        try:
            if self._over_site_limit(request):
                if self._task is _EAGER:
                    # Rule 8: reject() may serve a custom error page by a child request, driven to its end
                    # synchronously; the handlers of that child may need a task, as they always had one
                    await asyncio.sleep(0)
                response = app.reject(request, 403, 9)
                response.close = True
            else:
                response = await app.handle(request)
        except asyncio.CancelledError:
            raise
        except ProtocolError as exc:
            # The body was malformed (already logged in HTTPERR when it was detected), or the pipeline found a
            # URL that HTTP.sys would have refused (its defence in depth: not logged yet); either way the
            # listener answers as HTTP.sys would.
            code, substatus = exc.status_hint
            logged = cycle.body is not None and cycle.body._error is exc
            await self._send_refusal(cycle, _Refusal(code, substatus, exc.reason, logged=logged))
            return
        except ConnectionError:
            body = cycle.body
            if self._lost or (body is not None and body._error is not None):
                # The client went away (or its body timed out) while the handler read it: nobody to answer.
                self._closing = True
                return
            logger.exception("handler failed for %s %r", request.method, request.target)
            await self._send_refusal(cycle, _Refusal(500, 0, "Internal", logged=True))
            return
        except Exception:
            logger.exception("handler failed for %s %r", request.method, request.target)
            await self._send_refusal(cycle, _Refusal(500, 0, "Internal", logged=True))
            return
        await self._send_response(cycle, response)

    def _finish_connection(self) -> None:
        """Close once everything queued is written (transport.close flushes)."""
        transport = self._transport
        if transport is not None and not self._lost:
            # A client that never reads would keep a closing transport (and its buffer) forever.
            self._arm(LINGER, self._timeout)
            transport.close()

    def _abort(self) -> None:
        transport = self._transport
        if transport is not None and not self._lost:
            self._cancel_timer()
            transport.abort()

    # --- sites and limits -------------------------------------------------------------------------------

    def _over_site_limit(self, request: Request) -> bool:
        """limits/@maxConnections: count this connection against its site (across all workers); True if
        that would be one too many. Sites without a limit are not counted at all."""
        site = request.site
        if site is self._site_key:
            return False
        self._release_site()
        limit = self._state.site_max_connections(site)
        if limit is None:
            self._site_key = site
            return False
        site_id = getattr(site, "id", 0)
        counts = self._state.site_counts
        if counts.count(site_id) >= limit:
            return True
        counts.add(site_id, 1)
        self._site_key = site
        self._site_counted = True
        return False

    def _release_site(self) -> None:
        if self._site_counted:
            self._state.site_counts.add(getattr(self._site_key, "id", 0), -1)
            self._site_counted = False
        self._site_key = None

    # --- writing ----------------------------------------------------------------------------------------

    def _send_continue(self, cycle: _Cycle) -> None:
        request = cycle.request
        if (
            request is not None
            and request.expect_continue
            and not cycle.continue_sent
            and not cycle.started
            and not self._lost
            and cycle is self._current
        ):
            cycle.continue_sent = True
            cycle.bytes_sent += len(CONTINUE_LINE)
            self._transport.write(CONTINUE_LINE)  # type: ignore[union-attr]

    def _keep_body_framing(self, cycle: _Cycle) -> bool:
        """Rule 4: may the connection stay open although the body was not (fully) read?"""
        body = cycle.body
        request = cycle.request
        if body is None or body.complete or request is None:
            return True
        if request.expect_continue and not cycle.continue_sent and body.received == 0:
            return False  # the client may be waiting for a 100 that will never come
        if request.content_length is None:
            return False
        return request.content_length - body.received <= MAX_DRAIN_BYTES

    async def _send_response(self, cycle: _Cycle, response: Response) -> None:
        request = cycle.request
        assert request is not None
        transport = self._transport
        assert transport is not None
        status = response.status
        keep_alive = (
            request.keep_alive
            and not response.close
            and not self._closing
            and not self._state.stopping
            and self._keep_body_framing(cycle)
        )

        # What the pipeline set that the listener must respect. Names are compared lower-cased: headers
        # passed through from a FastCGI or proxied backend keep the backend's spelling.
        content_length: int | None = None
        has_server = has_date = chunked_by_app = False
        headers = response.headers
        if headers.__class__ is CheckedHeaders:
            # protocol/wire.py: the first pairs were checked once and joined (a response-cache entry's entity
            # headers); only what was added after them is checked here
            block = headers.block  # type: ignore[attr-defined]
            lines: list[bytes] = [b"", block.wire]  # [0] becomes the status line
            headers = headers[len(block.pairs):]
            server_at = None if block.all_known else 2
        else:
            lines = [b""]
            server_at = None
        # HTTP.sys's order: the headers it knows as IIS gave them, Server, the ones it does not know
        # (X-Powered-By, Public, customHeaders), then what it generates: Date, Connection, Content-Length.
        known = KNOWN_RESPONSE_HEADERS
        for name, value in headers:
            line = name + b": " + value
            if b"\r" in line or b"\n" in line or b":" in name:
                # Response splitting (a CR/LF smuggled into a header): never write such a response.
                logger.error("response header %r has CR/LF or ':' in it; answering 500 instead", name)
                await self._send_refusal(cycle, _Refusal(500, 0, "Internal", logged=True), response)
                return
            lname = name.lower()
            if lname in _FRAMING_HEADERS:
                if lname == b"content-length":
                    try:
                        content_length = int(value)
                    except ValueError:
                        content_length = -1  # replaced below, like any wrong length
                    continue  # written below, once
                elif lname == b"connection":
                    if value.lower() == b"close":
                        keep_alive = False
                    continue  # the listener writes Connection itself
                elif lname == b"transfer-encoding":
                    chunked_by_app = True
                elif lname == b"server":
                    has_server = True
                else:
                    has_date = True
            elif server_at is None and lname not in known:
                server_at = len(lines)
            lines.append(line)

        body = response.body
        no_body = request.method == "HEAD" or status < 200 or status == 204 or status == 304
        stream = None
        file_length = 0
        add_chunked = False  # the listener frames a stream of unknown length itself
        if isinstance(body, bytes):
            if status >= 200 and status != 204 and status != 304:
                # A body's length is the body's: a different declared length would break the framing
                # of every later response on the connection. HEAD keeps the length it was given.
                if content_length is None or (content_length != len(body) and request.method != "HEAD"):
                    content_length = len(body)
        elif isinstance(body, FileBody):
            try:
                file_length = self._file_length(body)
            except OSError:
                logger.exception("cannot open %s", body.path)
                await self._send_refusal(cycle, _Refusal(500, 0, "Internal", logged=True), response)
                return
            if content_length is None or (content_length != file_length and not no_body):
                content_length = file_length
        else:
            stream = body
            if content_length is None and not chunked_by_app and not no_body:
                if request.http_version == "1.1":
                    chunked_by_app = add_chunked = True
                else:
                    keep_alive = False  # HTTP/1.0: the end of the body is the end of the connection

        if response.server_header and not has_server:
            if server_at is None:
                lines.append(SERVER_LINE)
            else:
                lines.insert(server_at, SERVER_LINE)
        if not has_date:
            lines.append(b"Date: " + clock.CLOCK.http_date())
        if keep_alive:
            self._closing = False
            if request.http_version == "1.0":
                lines.append(b"Connection: keep-alive")
        else:
            self._closing = True
            lines.append(b"Connection: close")
        if add_chunked:
            lines.append(b"Transfer-Encoding: chunked")
        if content_length is not None and content_length >= 0:
            lines.append(b"Content-Length: %d" % content_length)

        reason = response.reason
        status_line = STATUS_LINES.get(status) if not reason else None
        if status_line is None:
            phrase = reason or reason_phrase(status) or "Unknown"
            phrase_bytes = phrase.encode("latin-1", "replace").replace(b"\r", b"").replace(b"\n", b"")
            status_line = b"HTTP/1.1 %d %s" % (status, phrase_bytes)
        lines[0] = status_line
        head = b"\r\n".join(lines) + b"\r\n\r\n"

        completed = False
        try:
            if self._lost:
                return
            cycle.started = True
            if stream is None and (no_body or isinstance(body, FileBody)):
                transport.write(head)
                cycle.bytes_sent += len(head)
                if not no_body and file_length:
                    await self._send_file(cycle, body, file_length)  # type: ignore[arg-type]
            elif stream is None:
                data = head + body  # type: ignore[operator]
                transport.write(data)
                cycle.bytes_sent += len(data)
            else:
                transport.write(head)
                cycle.bytes_sent += len(head)
                if no_body:
                    await _close_stream(stream)
                else:
                    await self._send_stream(cycle, stream, chunked_by_app and content_length is None)
            completed = not self._lost
            if self._writing_paused:
                await self._drain()
                completed = not self._lost
        except ConnectionError:
            completed = False
        except Exception:
            # The body failed after its head went out (a stream that raised, a file that vanished or
            # shrank): the response cannot be finished, so the connection is cut (Rule 3).
            logger.exception("response body for %s %r failed", request.method, request.target)
            completed = False
            self._abort()
        finally:
            self._complete(cycle, response, completed)
        if completed and not self._closing and cycle.body is not None and not cycle.body.complete:
            cycle.body.discard = True  # Rule 4: drain the rest of the body, then serve the next request
            cycle.body._chunks.clear()
            cycle.body._buffered = 0
            self._update_reading()

    def _complete(self, cycle: _Cycle, response: Response, completed: bool) -> None:
        if not completed and cycle.request is not None and not self._lost:
            self._closing = True
        if not completed and cycle.request is not None:
            self._log_httperr("Connection_Dropped", None, cycle.request, _site(cycle))
        on_complete = response.on_complete
        if on_complete is None:
            return
        request = cycle.request
        received = (request.head_bytes if request else 0) + (cycle.body.received if cycle.body else 0)
        try:
            on_complete(ResponseResult(cycle.bytes_sent, received, completed, clock.CLOCK.monotonic()))
        except Exception:
            logger.exception("on_complete hook failed")

    @staticmethod
    def _file_length(body: FileBody) -> int:
        if body.length >= 0:
            return body.length
        return max(0, os.stat(body.path).st_size - body.offset)

    async def _send_file(self, cycle: _Cycle, body: FileBody, length: int) -> None:
        """The file goes to the socket with sendfile(2) while the socket takes it; when the socket is full,
        one piece goes through the transport instead, and sendfile resumes once the transport has written
        all of it (uvloop has no loop.sendfile, and the transport must stay the only writer while it holds
        data). For the duration, the write-buffer marks are zero: ``resume_writing`` then means "empty"."""
        transport = self._transport
        assert transport is not None
        sock = transport.get_extra_info("socket")
        # Over TLS the bytes must go through the transport's encryption: no sendfile.
        sock_fd = sock.fileno() if sock is not None and _SENDFILE and not self._endpoint.tls else -1
        fd = os.open(body.path, os.O_RDONLY)
        if sock_fd >= 0:
            transport.set_write_buffer_limits(0, 0)
        try:
            offset = body.offset
            remaining = length
            while remaining > 0:
                if self._lost:
                    raise ConnectionResetError("client disconnected")
                if sock_fd >= 0 and transport.get_write_buffer_size() == 0:
                    want = min(SENDFILE_CHUNK_BYTES, remaining)
                    try:
                        sent = os.sendfile(sock_fd, fd, offset, want)
                    except BlockingIOError:
                        sent = -1  # the socket is full: one piece through the transport, then wait
                    except (BrokenPipeError, ConnectionResetError) as exc:
                        raise ConnectionResetError("client disconnected") from exc
                    if sent == 0:
                        raise _FileShrank(body.path)
                    if sent > 0:
                        cycle.bytes_sent += sent
                        offset += sent
                        remaining -= sent
                        if sent == want:
                            await asyncio.sleep(0)  # other connections get a turn between pieces
                        continue  # a short write: the next call meets a full socket and waits below
                chunk = os.pread(fd, min(FILE_CHUNK_BYTES, remaining), offset)
                if not chunk:
                    raise _FileShrank(body.path)
                transport.write(chunk)
                cycle.bytes_sent += len(chunk)
                offset += len(chunk)
                remaining -= len(chunk)
                if self._writing_paused:
                    await self._drain()
        finally:
            os.close(fd)
            if sock_fd >= 0 and not self._lost:
                transport.set_write_buffer_limits(WRITE_HIGH_WATER_BYTES, WRITE_LOW_WATER_BYTES)

    async def _send_stream(self, cycle: _Cycle, stream: Any, chunked: bool) -> None:
        transport = self._transport
        assert transport is not None
        try:
            async for chunk in stream:
                if self._lost:
                    raise ConnectionResetError("client disconnected")
                if not chunk:
                    continue
                data = b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk
                transport.write(data)
                cycle.bytes_sent += len(data)
                if self._writing_paused:
                    await self._drain()
        finally:
            await _close_stream(stream)
        if chunked and not self._lost:
            transport.write(b"0\r\n\r\n")
            cycle.bytes_sent += 5

    async def _drain(self) -> None:
        """Wait until the client has taken enough of what we wrote (or went away)."""
        while self._writing_paused and not self._lost:
            waiter = self._drain_waiter = self._loop.create_future()
            if self._timer_kind is not MIN_BYTES:
                self._arm(MIN_BYTES)
            try:
                await waiter
            finally:
                self._drain_waiter = None
        if self._timer_kind is MIN_BYTES:
            self._cancel_timer()
        if self._lost:
            raise ConnectionResetError("client disconnected")

    def _wake_writer(self) -> None:
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # --- the listener's own answers ---------------------------------------------------------------------

    async def _send_refusal(self, cycle: _Cycle, refusal: _Refusal, response: Response | None = None) -> None:
        """An HTTP.sys error page, an HTTPERR line, and the end of the connection (Rule 1, Rule 3)."""
        request = cycle.request
        self._closing = True
        if not refusal.logged:
            self._log_httperr(refusal.reason, refusal.status, request, _site(cycle), refusal.request_line)
        if cycle.started or self._lost:
            self._abort()
            if response is not None:
                self._complete(cycle, response, False)
            return
        body = error_page(refusal.status, refusal.reason)
        head = b"".join(
            (
                STATUS_LINES.get(refusal.status) or b"HTTP/1.1 %d Error" % refusal.status,
                b"\r\nContent-Type: text/html; charset=us-ascii\r\n",
                SERVER_LINE,
                b"\r\n",
                b"Date: " + clock.CLOCK.http_date() + b"\r\n",
                b"Connection: close\r\n",
                b"Content-Length: %d\r\n\r\n" % len(body),
            )
        )
        method = request.method if request is not None else refusal.request_line and refusal.request_line[0]
        is_head = method == "HEAD"
        data = head if is_head else head + body
        cycle.started = True
        self._transport.write(data)  # type: ignore[union-attr]
        cycle.bytes_sent += len(data)
        if response is not None:
            self._complete(cycle, response, True)
        self._linger()

    def _linger(self) -> None:
        """Lingering close: stop sending, keep reading (and discarding) for a moment, then close; a client
        still sending its request then reads our answer instead of a connection reset."""
        transport = self._transport
        if transport is None or self._lost:
            return
        self._lingering = True
        self._queue.clear()
        if self._reading_paused:
            self._reading_paused = False
            transport.resume_reading()
        if transport.can_write_eof():
            transport.write_eof()
        self._arm(LINGER, min(LINGER_S, self._timeout))

    def _log_httperr(
        self,
        reason: str,
        status: int | None,
        request: Request | None,
        site: Any = None,
        request_line: tuple[str, str, bytes] | None = None,
    ) -> None:
        """One HTTPERR line; ``None`` fields are written ``-`` (a timeout has no status)."""
        version = method = uri = None
        if request is not None:
            version, method, uri = "HTTP/" + request.http_version, request.method, log_uri(request.target)
        elif request_line is not None:
            # A refusal inside the request line (an over-long verb) has no version or target yet: '-'.
            method, version, target = request_line
            version, uri = ("HTTP/" + version if version else None), log_uri(target)
        entry = HTTPERREntry(
            c_ip=self._client[0],
            c_port=self._client[1],
            s_ip=self._local[0],
            s_port=self._local[1],
            cs_version=version,
            cs_method=method,
            cs_uri=uri,
            sc_status=status,
            s_siteid=getattr(site, "id", None),
            s_reason=reason,
            s_queuename=_queue_name(site),
        )
        self._state.log_httperr(entry)

    # --- graceful stop ----------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop after the response in progress. An idle keep-alive connection closes now; a connection that
        has not sent its first request yet (accepted just before the stop, e.g. during a reload) gets a
        short grace to send it, and is answered with ``Connection: close``."""
        self._closing = True
        if self._task is None and not self._lost:
            if self._requests == 0 or self._parser.in_head:
                self._arm(self._timer_kind or IDLE, min(self._timeout, FIRST_REQUEST_GRACE_S))
            else:
                self._finish_connection()

    @property
    def busy(self) -> bool:
        return self._task is not None


# Rule 8: what _task holds while a cycle runs eagerly (not a task, but not None: the connection is busy).
_EAGER: Any = object()


class _Started:
    """A coroutine that was started by hand and is now waiting on ``waiting`` (what it yielded: a future, or
    None for a bare turn of the loop), continued by a task (Rule 8): values and exceptions the task sends
    in go to the coroutine, what it yields goes to the task."""

    __slots__ = ("_coro", "_waiting")

    def __init__(self, coro: Any, waiting: Any) -> None:
        self._coro = coro
        self._waiting = waiting

    async def run(self) -> Any:
        return await self

    def __await__(self) -> Any:
        coro = self._coro
        waiting = self._waiting
        self._coro = self._waiting = None
        try:
            if waiting is None:
                # it only gave the loop a turn, which the task's first step already was
                waiting = coro.send(None)
            while True:
                try:
                    value = yield waiting
                except GeneratorExit:
                    coro.close()
                    raise
                except BaseException as exc:  # CancelledError included: the coroutine decides what it means
                    waiting = coro.throw(exc)
                else:
                    waiting = coro.send(value)
        except StopIteration as stop:
            return stop.value


class _FileShrank(OSError):
    """The file got shorter than the length already announced: the response cannot be completed."""


# sendfile(2) straight to the socket (Linux, macOS); never on a TLS connection.
_SENDFILE = hasattr(os, "sendfile")


def _queue_name(site: Any) -> str | None:
    """s-queuename: the application pool of the site's root application (HTTP.sys's request queue)."""
    return root_pool(site) if site is not None else None


async def _close_stream(stream: Any) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except Exception:
            logger.exception("closing a response body stream failed")
