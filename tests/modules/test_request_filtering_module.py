"""RequestFilteringModule in the real pipeline engine (in-memory requests): the body is never read on a
404.13 decided from Content-Length, and a chunked body is stopped as soon as it passes the limit."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from w3py.api import HTTPContext, Module, NotificationStatus
from w3py.errors import ConfigError
from w3py.modules.request_filtering.module import RequestFilteringModule
from w3py.testing.config import ConfigTree
from w3py.testing.pipeline import make_request, run_modules

LIMIT_100 = """
<system.webServer><security><requestFiltering>
  <requestLimits maxAllowedContentLength="100"/>
  <hiddenSegments><add segment="bin"/></hiddenSegments>
</requestFiltering></security></system.webServer>
"""


class CountingBody:
    """A request body in chunks of ``size`` bytes that counts how much was asked of it."""

    def __init__(self, total: int, size: int = 40) -> None:
        self.total = total
        self.size = size
        self.received = 0
        self.reads = 0

    @property
    def complete(self) -> bool:
        return self.received >= self.total

    async def read(self, max_bytes: int = -1) -> bytes:
        self.reads += 1
        n = min(self.size, self.total - self.received)
        self.received += n
        return b"x" * n

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while data := await self.read():
            yield data


class BodyReaderForRFTests(Module):
    """A handler that reads the whole request body and answers with its length."""

    name = "BodyReaderForRFTests"
    sections = ()

    async def on_execute_request_handler(self, ctx: HTTPContext) -> NotificationStatus:
        total = 0
        async for chunk in ctx.request.body:
            total += len(chunk)
        ctx.response.body = str(total).encode()
        return NotificationStatus.FINISH_REQUEST


@pytest.fixture
def effective(tmp_path: Path):
    tree = ConfigTree(tmp_path)
    tree.apphost(LIMIT_100)
    cfg = tree.load()
    return cfg.effective(cfg.sites[0], "/")


def post(body: CountingBody, chunked: bool, length: int | None = None):
    head = "POST /upload HTTP/1.1\r\nHost: x\r\n"
    if length is not None:
        head += f"Content-Length: {length}\r\n"
    request = make_request(head + "\r\n", body=body)
    request.chunked = chunked
    return request


def run(effective, request):
    return run_modules([RequestFilteringModule, BodyReaderForRFTests], request, config=effective,
                       handler_modules=("BodyReaderForRFTests",))


def test_declared_length_over_limit_never_touches_the_body(effective) -> None:
    body = CountingBody(1000)
    result = run(effective, post(body, chunked=False, length=1000))
    assert (result.status, result.substatus) == (404, 13)
    assert result.response.close
    assert body.reads == 0


def test_chunked_body_stopped_when_running_total_passes_limit(effective) -> None:
    body = CountingBody(10_000, size=40)
    result = run(effective, post(body, chunked=True))
    assert (result.status, result.substatus) == (404, 13)
    assert result.response.close
    assert body.reads == 3  # 40, 80, 120 > 100: the rest of the body is never asked for
    assert result.ctx.status_module == "BodyReaderForRFTests"  # raised in the reader's hands


def test_chunked_body_within_limit_is_delivered(effective) -> None:
    body = CountingBody(100, size=40)
    result = run(effective, post(body, chunked=True))
    assert result.status == 200 and result.body == b"100"
    assert not result.response.close


def test_refusal_names_the_module_and_rule(effective) -> None:
    result = run_modules([RequestFilteringModule], make_request("GET /bin/x.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                         config=effective)
    assert (result.status, result.substatus) == (404, 8)
    assert result.ctx.status_module == "RequestFilteringModule"
    assert "hiddenSegments" in result.ctx.detail and "bin" in result.ctx.detail


def test_nonsense_value_fails_provision(tmp_path: Path) -> None:
    tree = ConfigTree(tmp_path)
    tree.apphost('<system.webServer><security><requestFiltering><fileExtensions>'
                 '<add fileExtension=" " allowed="false"/></fileExtensions></requestFiltering></security>'
                 '</system.webServer>')
    cfg = tree.load()
    with pytest.raises(ConfigError) as info:
        RequestFilteringModule().provision(cfg.effective(cfg.sites[0], "/"))
    assert info.value.line is not None and info.value.file.endswith("applicationHost.config")


def test_iis10_switch_read_from_the_compatibility_section(effective, monkeypatch) -> None:
    from types import SimpleNamespace

    from w3py.config import schema
    from w3py.modules.request_filtering.module import COMPATIBILITY_SECTION, iis10_status_codes

    assert iis10_status_codes(effective) is False  # default: IIS 7–8.5 codes
    if schema.section_for_path(COMPATIBILITY_SECTION) is None:
        # stand-in for the schema declaration, so the lookup path is exercised
        class Compat:
            pass

        monkeypatch.setitem(schema.SECTIONS, COMPATIBILITY_SECTION.lower(), Compat)
        config = {Compat: SimpleNamespace(iis10_status_codes=True)}
        assert iis10_status_codes(config) is True
        module = RequestFilteringModule()
        merged = dict(effective)
        merged[Compat] = SimpleNamespace(iis10_status_codes=True)
        module.provision(merged)
        request = post(CountingBody(1000), chunked=False, length=1000)
        result = run_modules([RequestFilteringModule], request, config=merged)
        assert (result.status, result.substatus) == (413, 1)
