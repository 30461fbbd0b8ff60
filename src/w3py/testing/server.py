"""Test helpers for the listener: small site/binding/limits objects shaped like ``w3py.config``'s, a fixed
response application, and a real server on 127.0.0.1 running in a background thread.

    with running_server(sites=[site(bindings=[binding(port=0)])]) as srv:
        httpx.get(srv.url("/"))
        srv.httperr_lines()
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator
from contextlib import contextmanager

from w3py.protocol.messages import Request, Response
from w3py.server.listener import Server

UNLIMITED = 4294967295


@dataclass(frozen=True)
class FakeBinding:
    protocol: str = "http"
    ip: str = "*"
    port: int = 0
    host: str = ""


@dataclass(frozen=True)
class FakeLimits:
    connection_timeout: timedelta = timedelta(minutes=2)
    max_connections: int = UNLIMITED
    max_bandwidth: int = UNLIMITED
    max_url_segments: int = 32


@dataclass(frozen=True)
class FakeSite:
    id: int = 1
    name: str = "Default Web Site"
    server_auto_start: bool = True
    bindings: tuple[FakeBinding, ...] = (FakeBinding(),)
    limits: FakeLimits = field(default_factory=FakeLimits)


@dataclass
class FakeServerConfig:
    root: Path
    sites: tuple[FakeSite, ...]


def site(id: int = 1, name: str | None = None, bindings: Any = None, timeout_s: float | None = None,
         max_connections: int = UNLIMITED, started: bool = True) -> FakeSite:
    """A site bound to ``*:0:`` (any address, a free port, any host) unless ``bindings`` say otherwise."""
    limits = FakeLimits(max_connections=max_connections)
    if timeout_s is not None:
        limits = FakeLimits(connection_timeout=timedelta(seconds=timeout_s), max_connections=max_connections)
    return FakeSite(
        id=id,
        name=name or f"Site {id}",
        server_auto_start=started,
        bindings=tuple(bindings) if bindings is not None else (FakeBinding(),),
        limits=limits,
    )


HELLO = b"Hello, world!"


class FixedResponseApp:
    """The tiniest Application: the same small response for every request (tests and the benchmark)."""

    def __init__(self, body: bytes = HELLO, content_type: bytes = b"text/plain") -> None:
        self.body = body
        self.headers = [(b"Content-Type", content_type)]

    async def handle(self, request: Request) -> Response:
        return Response(200, headers=list(self.headers), body=self.body)

    def reject(self, request: Request, status: int, substatus: int) -> Response:
        return Response(status, headers=[(b"Content-Type", b"text/plain")], body=f"{status}.{substatus}".encode(),
                        substatus=substatus)


def fixed_response_app(server_config: Any = None) -> FixedResponseApp:
    """App factory for ``w3py serve --app w3py.testing.server:fixed_response_app`` (the benchmark)."""
    return FixedResponseApp()


class HandlerApp:
    """An Application made of one ``async def handler(request) -> Response`` (tests). It records the requests
    it saw, and the results ``on_complete`` reported for its responses, in order."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self.results: list[Any] = []
        self.rejected: list[tuple[int, int]] = []

    async def handle(self, request: Request) -> Response:
        self.requests.append(request)
        response = await self.handler(request)
        if response.on_complete is None:
            response.on_complete = self.results.append
        return response

    def reject(self, request: Request, status: int, substatus: int) -> Response:
        self.rejected.append((status, substatus))
        return Response(status, body=f"{status}.{substatus}".encode(), substatus=substatus,
                        on_complete=self.results.append)


class RunningServer:
    """A ``Server`` on its own event loop thread. ``port`` is the first endpoint's port."""

    def __init__(self, config: FakeServerConfig, app: Any) -> None:
        self.config = config
        self.app = app
        self.server = Server(config, app)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        # Errors the event loop caught outside any handler (a callback that raised): a listener bug.
        self.loop_errors: list[dict[str, Any]] = []

    # --- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> RunningServer:
        self._thread = threading.Thread(target=self._main, name="w3py-test-server", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def _main(self) -> None:
        import uvloop

        loop = self.loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(lambda _loop, context: self.loop_errors.append(context))
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    def stop(self, grace_s: float = 2.0) -> None:
        loop = self.loop
        if loop is None or self._thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self.server.stop(grace_s), loop)
        try:
            future.result(grace_s + 5)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(10)

    def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the server's loop and return its result (inspect server state safely)."""
        assert self.loop is not None

        async def run() -> Any:
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(5)

    # --- addresses and logs -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self.server.endpoints[0].port

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def connect(self, host: str = "127.0.0.1", timeout: float = 5.0) -> socket.socket:
        sock = socket.create_connection((host, self.port), timeout=timeout)
        return sock

    def httperr_lines(self) -> list[str]:
        """The HTTPERR log's entry lines (header lines left out)."""
        directory = self.server.httperr_dir
        if self.server._httperr is not None:
            self.server._httperr.flush()  # the writer buffers; tests read what was logged so far
        if directory is None or not directory.exists():
            return []
        lines: list[str] = []
        for path in sorted(directory.glob("*.log")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#"):
                    lines.append(line)
        return lines


@contextmanager
def running_server(root: Path, sites: Any = None, app: Any = None) -> Iterator[RunningServer]:
    """A real listener on 127.0.0.1 for the duration of a ``with`` block."""
    config = FakeServerConfig(root=Path(root), sites=tuple(sites) if sites is not None else (site(),))
    server = RunningServer(config, app if app is not None else FixedResponseApp()).start()
    try:
        yield server
    finally:
        server.stop()
    if server.loop_errors:
        raise AssertionError(f"the listener's event loop caught errors: {server.loop_errors!r}")


# --- a connection without a socket (unit tests, micro-benchmarks) --------------------------------------


class MockTransport(asyncio.Transport):
    """Collects what a connection writes; reports fixed addresses (uvicorn's MockTransport idea)."""

    def __init__(self, peer: tuple[str, int] = ("127.0.0.1", 40000), local: tuple[str, int] = ("127.0.0.1", 80)):
        super().__init__()
        self.buffer = bytearray()
        self.closed = False
        self.read_paused = False
        self._extra = {"peername": peer, "sockname": local}

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._extra.get(name, default)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def write(self, data: bytes) -> None:
        self.buffer += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def can_write_eof(self) -> bool:
        return False

    def pause_reading(self) -> None:
        self.read_paused = True

    def resume_reading(self) -> None:
        self.read_paused = False


class ListSink:
    """An HTTPERR sink that keeps the entries in a list."""

    def __init__(self) -> None:
        self.entries: list[Any] = []

    def log(self, entry: Any) -> None:
        self.entries.append(entry)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def mock_connection(app: Any = None, sites: Any = None, httperr: Any = None) -> tuple[Any, MockTransport]:
    """An HTTPConnection on a MockTransport, on the running loop (call from a coroutine)."""
    from w3py.server.bindings import plan_endpoints
    from w3py.server.connection import HTTPConnection
    from w3py.server.listener import ServerState

    state = ServerState(asyncio.get_running_loop(), app if app is not None else FixedResponseApp(), httperr)
    endpoint = plan_endpoints(sites if sites is not None else [site(1)])[0]
    conn = HTTPConnection(state, endpoint)
    transport = MockTransport()
    conn.connection_made(transport)
    return conn, transport


# --- raw socket helpers ---------------------------------------------------------------------------------


@dataclass
class RawResponse:
    """A response as read off a raw socket: status, lower-cased header names, de-chunked body."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


class ResponseReader:
    """Reads consecutive responses from a socket (pipelined responses included)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self, want: int = 0) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        if want > len(self.buffer) + len(data):
            # a big body: collect pieces, join once (bytes += in a loop is quadratic)
            pieces = [self.buffer, data]
            size = len(self.buffer) + len(data)
            while size < want:
                more = self.sock.recv(min(want - size, 1 << 20))
                if not more:
                    break
                pieces.append(more)
                size += len(more)
            self.buffer = b"".join(pieces)
            return True
        self.buffer += data
        return True

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            if not self._fill():
                raise EOFError(f"connection closed; got {self.buffer[:200]!r}")
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _read_exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            if not self._fill(n):
                raise EOFError("connection closed in a body")
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read(self, head_only: bool = False) -> RawResponse:
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status_line, *lines = head.split("\r\n")
        _, code, *reason = status_line.split(" ", 2)
        headers = []
        for line in lines:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        response = RawResponse(int(code), reason[0] if reason else "", headers, b"")
        status = response.status
        if head_only or status < 200 or status in (204, 304):
            return response
        if response.header("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int(self._read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    self._read_until(b"\r\n")
                    break
                body += self._read_exactly(size)
                self._read_exactly(2)
            response.body = body
        elif response.header("content-length") is not None:
            response.body = self._read_exactly(int(response.header("content-length") or 0))
        else:
            while self._fill():
                pass
            response.body, self.buffer = self.buffer, b""
        return response

    def at_eof(self, timeout: float = 5.0) -> bool:
        """True when the server has closed the connection (after any bytes still buffered)."""
        if self.buffer:
            return False
        self.sock.settimeout(timeout)
        try:
            return not self._fill()
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False


def read_to_close(sock: socket.socket) -> bytes:
    """Everything the server sends on ``sock`` until it closes the connection. A reset after (or instead
    of) the data ends the read too: a server that closes with unread request bytes pending resets."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def exchange(
    server: RunningServer, data: bytes, count: int = 1, check_close: bool = False
) -> tuple[list[RawResponse], bool | None]:
    """Send ``data`` on a new connection and read ``count`` responses; with ``check_close``, also wait to see
    whether the server then closes the connection (True) or keeps it (False, after a 2 s wait)."""
    with server.connect() as sock:
        sock.sendall(data)
        reader = ResponseReader(sock)
        responses = [reader.read() for _ in range(count)]
        return responses, (reader.at_eof(2.0) if check_close else None)


# --- the process model under test: `python -m w3py.testing.server CONFIG.json [--workers N]` -----------


def load_json_config(path: Path) -> FakeServerConfig:
    """A FakeServerConfig from a small JSON file (tests of the supervisor, before and beside the real
    configuration system): ``{"root": ..., "sites": [{"id", "name", "bindings": [{"ip","port","host"}],
    "timeout_s", "started"}]}``. A missing or unreadable file raises ConfigError like the real loader."""
    import json

    from w3py.errors import ConfigError

    try:
        data = json.loads(Path(path).read_text())
        sites = tuple(
            site(
                s["id"],
                s.get("name"),
                bindings=[
                    FakeBinding(ip=b.get("ip", "*"), port=b["port"], host=b.get("host", "")) for b in s["bindings"]
                ],
                timeout_s=s.get("timeout_s"),
                max_connections=s.get("max_connections", UNLIMITED),
                started=s.get("started", True),
            )
            for s in data["sites"]
        )
        return FakeServerConfig(root=Path(data["root"]), sites=sites)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read test configuration: {exc}", file=str(path)) from exc


class WhoAmIApp:
    """Answers ``<site name> <worker pid>``; ``/sleep?S`` waits S seconds first (in-flight requests)."""

    async def handle(self, request: Request) -> Response:
        import os

        if request.path == b"/sleep":
            await asyncio.sleep(float(request.query or b"1"))
        return Response(200, body=f"{request.site.name} {os.getpid()}".encode())

    def reject(self, request: Request, status: int, substatus: int) -> Response:
        return Response(status, substatus=substatus)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from w3py.errors import ConfigError
    from w3py.process.supervisor import run_server
    from w3py.server.listener import BindError

    parser = argparse.ArgumentParser(prog="python -m w3py.testing.server")
    parser.add_argument("config", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--watch", action="store_true", help="reload when the JSON file changes")
    args = parser.parse_args(argv)
    try:
        config = load_json_config(args.config)
        return run_server(
            config,
            lambda cfg: WhoAmIApp(),
            args.workers,
            reload=lambda: load_json_config(args.config),
            watch=args.config if args.watch else None,
        )
    except ConfigError as exc:
        print(exc.one_line())
        return 2
    except BindError as exc:
        print(exc.strerror)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
