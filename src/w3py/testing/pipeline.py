"""Drive the real pipeline engine without a network, or a whole site behind the real listener: the test
harnesses for modules and for the pipeline.

* ``run_modules(module_classes, request)`` runs a hand-built plan (module classes in ``<modules>`` order,
  optionally a config object and the modules of the handler) — engine and module unit tests.
* ``SiteHarness(root, files, locations=location("..."), options=..., extra_modules=...)`` (also spelled
  ``pipeline_harness``) writes the embedded default applicationHost.config (plus ``<location>`` elements)
  under ``root``, the site's files under ``root/inetpub/wwwroot``, and runs requests through a real
  ``PipelineApplication`` in memory: ``harness.get("/a.txt", "Range: bytes=0-1\r\n")``.
* ``ServedSite(harness)`` puts that application behind the real listener on 127.0.0.1 and reads the W3C
  log back (``log_rows()``).

Results hold what a client would see (status, headers, body) plus the context, so tests can also assert
substatus, win32 and who set the status. The completion hook (LOG_REQUEST, END_REQUEST) is called as the
listener would, with a ``ResponseResult``.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from w3py.pipeline import engine
from w3py.pipeline.context import HTTPContext
from w3py.pipeline.module import Module
from w3py.pipeline.paths import url_from_raw
from w3py.protocol.messages import FileBody, Request, Response, ResponseResult


def make_request(
    raw: bytes | str,
    site: Any = None,
    client: tuple[str, int] = ("127.0.0.1", 50000),
    server: tuple[str, int] = ("127.0.0.1", 80),
    tls: bool = False,
    body: Any = None,
) -> Request:
    """A ``Request`` from request-head text: ``"GET /a?b HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"`` (``\\n`` works
    too). A minimal parser for tests only; the listener's real parser lives in ``w3py.protocol``."""
    if isinstance(raw, str):
        raw = raw.encode("latin-1")
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    lines = head.split(b"\n")
    method, target, version = lines[0].split(b" ")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(b":")
        headers.append((name.strip().lower(), value.strip()))
    path, _, query = target.partition(b"?")
    length = None
    for name, value in headers:
        if name == b"content-length":
            length = int(value)
    request = Request(
        method=method.decode("ascii"),
        target=target,
        path=path,
        query=query,
        http_version=version.decode("ascii").split("/", 1)[1],
        headers=headers,
        site=site,
        client=client,
        server=server,
        tls=tls,
        content_length=length,
        head_bytes=len(head) + 4,
        received_at=0.0,
    )
    if body is not None:
        request.body = body
    return request


@dataclass
class HarnessResult:
    """What the client saw, and the context behind it."""

    status: int
    substatus: int
    win32: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    ctx: HTTPContext
    response: Response
    log: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        key = name.lower().encode("latin-1")
        for k, v in self.headers:
            if k.lower() == key:
                return v.decode("latin-1")
        return None

    def header_list(self, name: str) -> list[str]:
        key = name.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self.headers if k.lower() == key]


async def read_body(body: Any) -> bytes:
    """The bytes of a response body: bytes, a FileBody, or an async iterator of bytes."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, FileBody):
        with open(body.path, "rb") as f:
            f.seek(body.offset)
            return f.read() if body.length < 0 else f.read(body.length)
    chunks = []
    async for chunk in body:
        chunks.append(bytes(chunk))
    return b"".join(chunks)


async def finish(ctx: HTTPContext, response: Response, request: Request) -> HarnessResult:
    """Play the listener: read the body, drop it for HEAD/304, call on_complete with a ResponseResult."""
    body = await read_body(response.body)
    if request.method == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200:
        body = b""
    if response.on_complete is not None:
        head = sum(len(k) + len(v) + 4 for k, v in response.headers) + 17
        response.on_complete(
            ResponseResult(
                bytes_sent=head + len(body),
                bytes_received=request.head_bytes,
                completed=True,
                finished_at=0.0,
            )
        )
    return HarnessResult(
        status=response.status,
        substatus=response.substatus,
        win32=response.win32,
        headers=list(response.headers),
        body=body,
        ctx=ctx,
        response=response,
    )


class _Handler:
    """A stand-in for a handler-mapping entry: its name and EXECUTE_REQUEST_HANDLER entries."""

    def __init__(self, name: str, entries: tuple) -> None:
        self.name = name
        self.entries = entries


async def run_modules_async(
    module_classes: Sequence[type[Module]],
    request: Request | bytes | str,
    *,
    config: Any = None,
    handler_modules: Iterable[str] = (),
    physical_path: str = "",
) -> HarnessResult:
    """Run a plan of ``module_classes`` (provisioned with ``config``) on ``request``."""
    if not isinstance(request, Request):
        request = make_request(request)
    modules = []
    for cls in module_classes:
        module = cls()
        module.provision(config)
        module.validate()
        modules.append(module)
    plan = engine.Plan(modules, config=config)
    ctx = HTTPContext(request)
    ctx.plan = plan
    ctx.config = config
    ctx.url = url_from_raw(request.path)
    ctx.physical_path = physical_path
    names = tuple(handler_modules)
    if names:
        ctx.handler = _Handler(",".join(names), plan.handler_entries(names))
        ctx.handler_name = ctx.handler.name
    response = await engine.run(ctx)
    return await finish(ctx, response, request)


def run_modules(module_classes: Sequence[type[Module]], request: Request | bytes | str, **kwargs: Any) -> HarnessResult:
    """Synchronous ``run_modules_async`` (for plain pytest functions)."""
    return asyncio.run(run_modules_async(module_classes, request, **kwargs))


def write_tree(root: str | os.PathLike[str], files: dict[str, bytes | str]) -> None:
    """Create files below ``root``: ``{"a/b.txt": "text", "dir/": ""}`` (a trailing / makes a directory)."""
    for rel, content in files.items():
        path = os.path.join(os.fspath(root), rel)
        if rel.endswith("/"):
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        with open(path, "wb") as f:
            f.write(data)


# --- a whole site on the embedded default configuration ------------------------------------------------------
def stock_apphost(locations: str = "", webserver: str = "", only_implemented: bool = True,
                  extra_modules: tuple[str, ...] = ()) -> str:
    """The embedded default applicationHost.config, with ``locations`` (``<location>`` elements) appended
    and ``webserver`` (elements) inserted at the top of its ``<system.webServer>``. With
    ``only_implemented``, ``<modules>`` entries w3py does not implement in this checkout are dropped, so the
    stock pipeline runs with what exists."""
    import re

    from w3py.config import default_config_path
    from w3py.modules import MODULES

    text = default_config_path().read_text(encoding="utf-8")
    if only_implemented:
        start = text.index("<modules")
        end = text.index("</modules>", start)
        block = text[start:end]
        block = re.sub(
            r'\s*<add name="([^"]+)"[^>]*/>',
            lambda m: m.group(0) if m.group(1) in MODULES else "",
            block,
        )
        text = text[:start] + block + text[end:]
    for name in extra_modules:  # appended to both <globalModules> and <modules>
        text = text.replace("</globalModules>", f'<add name="{name}" image="w3py" /></globalModules>', 1)
        text = text.replace("</modules>", f'<add name="{name}" /></modules>', 1)
    if webserver:
        text = text.replace("<system.webServer>", "<system.webServer>\n" + webserver, 1)
    return text.replace("</configuration>", locations + "\n</configuration>")


class SiteHarness:
    """A server root in ``root`` (wwwroot = ``root/inetpub/wwwroot``) served by a real PipelineApplication.

    ``request(raw)`` runs ``Application.handle`` and plays the listener (body read, HEAD/304 bodies dropped,
    ``on_complete`` called)."""

    def __init__(self, root: str | os.PathLike[str], files: dict[str, bytes | str] | None = None,
                 locations: str = "", webserver: str = "", apphost: str | None = None, options: Any = None,
                 extra_modules: dict[str, type] | None = None) -> None:
        from pathlib import Path

        from w3py.config import load_server_config
        from w3py.pipeline.application import PipelineApplication

        self.root = Path(root)
        self.wwwroot = self.root / "inetpub" / "wwwroot"
        self.wwwroot.mkdir(parents=True, exist_ok=True)
        (self.root / "config").mkdir(exist_ok=True)
        self.apphost_path = self.root / "config" / "applicationHost.config"
        extra = dict(extra_modules or {})
        text = apphost if apphost is not None else stock_apphost(locations, webserver, extra_modules=tuple(extra))
        self.apphost_path.write_text(text, encoding="utf-8")
        if files:
            write_tree(self.wwwroot, files)
        self.config = load_server_config(self.apphost_path, poll_interval=0, root=self.root)
        self.site = self.config.sites[0]
        from w3py.modules import MODULES

        self.app = PipelineApplication(self.config, options=options, modules={**MODULES, **extra})

    def web_config(self, rel: str, body: str) -> None:
        """Write ``<rel>/web.config`` below wwwroot with ``body`` inside ``<configuration>``."""
        folder = self.wwwroot / rel.strip("/")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "web.config").write_text(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n{body}\n</configuration>\n', encoding="utf-8"
        )

    async def request_async(self, raw: bytes | str, **kwargs: Any) -> HarnessResult:
        request = make_request(raw, site=self.site, **kwargs)
        ctx = await self.app.run_context(request)
        return await finish(ctx, self.app.finish(ctx), request)

    def request(self, raw: bytes | str, **kwargs: Any) -> HarnessResult:
        return asyncio.run(self.request_async(raw, **kwargs))

    def get(self, path: str, headers: str = "", method: str = "GET", **kwargs: Any) -> HarnessResult:
        """Shorthand: ``get("/a.txt", "Range: bytes=0-1\\r\\n")``."""
        return self.request(f"{method} {path} HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n", **kwargs)


def pipeline_harness(root: str | os.PathLike[str], files: dict[str, bytes | str] | None = None,
                     **kwargs: Any) -> SiteHarness:
    """A ``SiteHarness`` (see there): the real engine and configuration on in-memory requests."""
    return SiteHarness(root, files, **kwargs)


def location(body: str, path: str = "Default Web Site") -> str:
    """A ``<location>`` element for the default site (or ``path``) carrying ``body`` as system.webServer
    content, for ``SiteHarness(locations=...)``."""
    return f'<location path="{path}" overrideMode="Allow"><system.webServer>{body}</system.webServer></location>'


# --- a whole site over a real socket ---------------------------------------------------------------------------
class ServedSite:
    """A ``SiteHarness``'s application behind the real listener on 127.0.0.1 (an ephemeral port), on its own
    event-loop thread. ``raw(bytes)`` sends one request and returns h11's parse of the answer;
    ``log_rows()`` flushes the W3C writers and returns the site's log lines as dicts."""

    def __init__(self, harness: SiteHarness) -> None:
        import socket as _socket
        import threading

        from w3py.server.bindings import plan_endpoints
        from w3py.server.listener import Server

        self.harness = harness
        self.server = Server(harness.config, harness.app)
        endpoint = plan_endpoints(harness.config.sites)[0]
        self._sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._endpoint = endpoint
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="w3py-served-site", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _main(self) -> None:
        import uvloop

        loop = self.loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        self._sock.listen(128)
        self._sock.setblocking(False)
        loop.run_until_complete(self.server.start(sockets=[(self._endpoint, self._sock)]))
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    def stop(self) -> None:
        loop = self.loop
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.server.stop(1.0), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        self._sock.close()
        self.loop = None

    def raw(self, data: bytes | str, timeout: float = 5.0) -> "RawAnswer":
        """Send ``data`` (a whole request) on a new connection; read until the server closes or one response
        is complete. Returns status, headers and body as an independent HTTP client (h11) saw them."""
        import socket as _socket

        import h11

        if isinstance(data, str):
            data = data.encode("latin-1")
        method = data.split(b" ", 1)[0]
        conn = h11.Connection(h11.CLIENT)
        with _socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(data)
            conn.send(h11.Request(method=method, target=b"/", headers=[(b"host", b"x")]))  # align h11's state
            conn.send(h11.EndOfMessage())
            status, headers, body = 0, [], b""
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    chunk = sock.recv(65536)
                    conn.receive_data(chunk)
                    continue
                if isinstance(event, h11.Response):
                    status, headers = event.status_code, [(k.lower(), v) for k, v in event.headers]
                elif isinstance(event, h11.Data):
                    body += bytes(event.data)
                elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                    break
        return RawAnswer(status, headers, body)

    def get(self, path: str, headers: str = "", method: str = "GET") -> "RawAnswer":
        return self.raw(f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n")

    def log_rows(self) -> list[dict[str, str]]:
        from w3py.modules.http_logging import WRITERS
        from w3py.testing.w3c_log import parse_w3c

        assert self.loop is not None
        asyncio.run_coroutine_threadsafe(_call(WRITERS.close_all), self.loop).result(10)
        rows: list[dict[str, str]] = []
        folder = self.harness.root / "inetpub" / "logs" / "LogFiles" / f"W3SVC{self.harness.site.id}"
        for path in sorted(folder.glob("*.log")):
            rows.extend(parse_w3c(path).rows)
        return rows


async def _call(fn: Any) -> Any:
    return fn()


@dataclass
class RawAnswer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str | None:
        key = name.lower().encode("latin-1")
        for k, v in self.headers:
            if k == key:
                return v.decode("latin-1")
        return None
