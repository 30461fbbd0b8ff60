"""A response-cache hit's stored headers are spelled and checked once (w3py/protocol/wire.py); whatever a module
adds on the way out is still checked on every response, so a CR/LF from a module never reaches the wire."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

import pytest

from w3py.api import HTTPContext, Module
from w3py.protocol.wire import CheckedHeaders, checked_headers, header_block
from w3py.testing.pipeline import ServedSite

FILES = {"a.txt": "alpha"}


class PipelineEchoHeaderModule(Module):
    """Adds ``X-Echo`` with the percent-decoded query at SEND_RESPONSE: a module passing on what a client chose
    (the way a careless application would)."""

    name = "PipelineEchoHeaderModule"
    sections = ()

    def on_send_response(self, ctx: HTTPContext) -> None:
        if ctx.request.query:
            ctx.response.add_header(b"x-echo", unquote_to_bytes(ctx.request.query))


@pytest.mark.parametrize(
    "pairs",
    [
        pytest.param([(b"X-A", b"1\r\nSet-Cookie: s=1")], id="crlf-in-value"),
        pytest.param([(b"X-A", b"1\nx")], id="lf-in-value"),
        pytest.param([(b"X-A", b"1\rx")], id="cr-in-value"),
        pytest.param([(b"X-A: b", b"1")], id="colon-in-name"),
        pytest.param([(b"X\r\nA", b"1")], id="crlf-in-name"),
        pytest.param([(b"Content-Length", b"5")], id="framing-header"),
        pytest.param([(b"connection", b"close")], id="framing-header-lower-case"),
        pytest.param([(b"", b"1")], id="empty-name"),
    ],
)
def test_header_block_refuses_what_the_listener_would(pairs) -> None:
    assert header_block([(b"Content-Type", b"text/plain"), *pairs]) is None


def test_no_block_without_headers() -> None:
    # an empty block would put a blank line, the end of the head, into the middle of the headers
    assert header_block([]) is None


def test_header_block_joins_lines() -> None:
    block = header_block([(b"Content-Type", b"text/plain"), (b"ETag", b'"1"')])
    assert block is not None and block.wire == b'Content-Type: text/plain\r\nETag: "1"'
    headers = checked_headers(block)
    assert type(headers) is CheckedHeaders and headers.block is block
    assert headers == [(b"Content-Type", b"text/plain"), (b"ETag", b'"1"')]


def test_a_hit_carries_the_checked_block_and_equals_the_miss(site) -> None:
    s = site(FILES, extra_modules={"PipelineEchoHeaderModule": PipelineEchoHeaderModule})
    miss = s.get("/a.txt?v=1")
    hit = s.get("/a.txt?v=1")
    assert s.app.cache.hits == 1
    assert type(hit.response.headers) is CheckedHeaders
    assert type(miss.response.headers) is list
    assert hit.response.headers == miss.response.headers
    # the module's header comes after the checked block: the listener checks it per response
    assert hit.response.headers[len(hit.response.headers.block.pairs):] == [(b"X-Echo", b"v=1")]


def test_a_module_header_with_crlf_on_a_hit_never_reaches_the_wire(site) -> None:
    s = site(FILES, extra_modules={"PipelineEchoHeaderModule": PipelineEchoHeaderModule})
    served = ServedSite(s)
    try:
        bad = "/a.txt?x%0d%0aSet-Cookie:%20stolen=1"
        answers = [served.get(bad) for _ in range(3)]
        assert s.app.cache.hits >= 1  # the later ones were cache hits, with the checked block
        for answer in answers:
            assert answer.status == 500
            assert answer.header("set-cookie") is None
            assert b"stolen" not in answer.body
        assert served.get("/a.txt?fine").status == 200
        assert served.get("/a.txt?fine").header("x-echo") == "fine"
    finally:
        served.stop()
