"""Drive the real pipeline engine with an in-memory request (no sockets): the module test harness.

Two levels:

* ``run_modules(module_classes, request)`` runs a hand-built plan (module classes in ``<modules>`` order,
  optionally a config object and the modules of the handler) — for engine and module unit tests.
* ``pipeline_harness(config_xml, request)`` runs a whole ``PipelineApplication`` built from an
  applicationHost.config text, with the site's content in a temp directory — for module tests that need the
  real configuration.

Both return a ``HarnessResult`` holding what a client would see (status, headers, body) plus the context, so
tests can also assert substatus, win32 and who set the status. The completion hook (LOG_REQUEST,
END_REQUEST) is called as the listener would, with a ``ResponseResult``.
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
            if k == key:
                return v.decode("latin-1")
        return None

    def header_list(self, name: str) -> list[str]:
        key = name.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self.headers if k == key]


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
