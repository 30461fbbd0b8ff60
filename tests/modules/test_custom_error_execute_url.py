"""httpErrors responseMode="ExecuteURL" through the whole application (configuration, plans, the engine), in
memory: the error page is a child request of the failed one (w3py.pipeline.child), resolved with its own
configuration, and its body is sent under the parent's status. The same over a real socket, with the W3C
log, is in tests/integration/test_error_pages_execute_url.py."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w3py.api import ChildRequestRefused, HTTPContext, Module, NotificationStatus, execute_child
from w3py.pipeline import child as child_mod
from w3py.testing.pipeline import SiteHarness, location, make_request, stock_apphost

PAGES = {
    "a.txt": "hello world",
    "errors/404.htm": "<p>custom 404</p>",
    "errors/index.htm": "<p>the errors folder's default document</p>",
    "errors/denied.htm": "<p>404.7 page</p>",
    "special/page.err": "<p>typed by the folder's own mimeMap</p>",
    "broken/page.htm": "<p>never served: the folder's web.config is broken</p>",
}


def _rows(*rows: str, existing: str = "Auto", mode: str = "Custom") -> str:
    return location(f'<httpErrors errorMode="{mode}" existingResponse="{existing}">'
                    '<remove statusCode="404"/><remove statusCode="403"/>' + "".join(rows) + "</httpErrors>")


def _row(path: str, code: int = 404, sub: int = -1) -> str:
    return f'<error statusCode="{code}" subStatusCode="{sub}" path="{path}" responseMode="ExecuteURL"/>'


class ChildProbeModule(Module):
    """Records what each child request looks like from inside the pipeline."""

    name = "TestChildProbeModule"
    sections = ()
    seen: list[dict] = []

    def on_begin_request(self, ctx: HTTPContext) -> NotificationStatus:
        if ctx.child is not None:
            type(self).seen.append({
                "url": ctx.url, "method": ctx.request.method, "headers": dict(ctx.request.headers),
                "query_string": ctx.server_variable("QUERY_STRING"),
                "request_uri": ctx.server_variable("REQUEST_URI"), "depth": ctx.child.depth,
                "unencoded_url": ctx.server_variable("UNENCODED_URL"),
                "client": ctx.request.client,
            })
        return NotificationStatus.CONTINUE


@pytest.fixture
def site(tmp_path):
    def make(*rows: str, files: dict | None = None, probe: bool = False, **kwargs) -> SiteHarness:
        ChildProbeModule.seen = []
        extra = {"TestChildProbeModule": ChildProbeModule} if probe else None
        return SiteHarness(tmp_path, {**PAGES, **(files or {})}, locations=_rows(*rows, **kwargs),
                           extra_modules=extra)
    return make


def test_static_page_is_sent_under_the_parents_status(site) -> None:
    s = site(_row("/errors/404.htm"))
    r = s.get("/missing.txt")
    assert (r.status, r.substatus, r.win32) == (404, 0, 2)  # never the child's 200
    assert r.body == b"<p>custom 404</p>"
    assert r.header("content-type") == "text/html"
    # the page's validators and ranges describe the page, not the missing resource
    for name in ("etag", "last-modified", "accept-ranges", "content-range", "cache-control"):
        assert r.header(name) is None, name
    assert r.ctx.url == "/missing.txt" and r.ctx.status_module == "IIS Web Core"


def test_directory_url_is_served_by_its_default_document(site) -> None:
    r = site(_row("/errors/")).get("/missing.txt")
    assert (r.status, r.body) == (404, b"<p>the errors folder's default document</p>")


def test_child_uses_the_configuration_of_its_own_folder(site) -> None:
    s = site(_row("/special/page.err"))
    s.web_config("special", '<system.webServer><staticContent>'
                 '<mimeMap fileExtension=".err" mimeType="text/x-error-page"/></staticContent></system.webServer>')
    r = s.get("/nothing/here.htm")
    assert (r.status, r.body) == (404, b"<p>typed by the folder's own mimeMap</p>")
    assert r.header("content-type") == "text/x-error-page"
    # the mapping exists only below /special: the same extension elsewhere is still 404.3
    (s.wwwroot / "b.err").write_text("x")
    assert (s.get("/b.err").status, s.get("/b.err").substatus) == (404, 3)


@pytest.mark.parametrize("target, why", [
    pytest.param("/errors/nope.htm", "answered 404.0", id="missing-page"),
    pytest.param("/broken/page.htm", "answered 500.19", id="broken-web-config"),
    pytest.param("http://example.com/404.htm", "is not executed", id="absolute-url"),
    pytest.param("//example.com/404.htm", "is not executed", id="network-path"),
    pytest.param("/../outside.htm", "is not executed", id="escapes-the-site"),
    pytest.param("errors/404.htm", "is not executed", id="relative"),
    pytest.param("/errors", "answered 301.0", id="directory-without-slash"),
])
def test_a_page_that_cannot_be_executed_falls_back_to_the_builtin_text(site, caplog, tmp_path, target, why) -> None:
    (tmp_path / "outside.htm").write_text("outside the site")
    s = site(_row(target))
    s.web_config("broken", "<system.webServer><bogusSection/></system.webServer>")
    with caplog.at_level(logging.WARNING, "w3py.modules.custom_error"):
        first = s.get("/missing.txt")
        second = s.get("/other-missing.txt")
    for r in (first, second):
        assert (r.status, r.substatus) == (404, 0)
        assert r.header("content-type") == "text/html"
        assert b"does not exist" in r.body  # w3py's one-line text for 404
        assert b"outside" not in r.body and b"never served" not in r.body
    warnings = [rec.getMessage() for rec in caplog.records if "ExecuteURL" in rec.getMessage()]
    assert len(warnings) == 1 and why in warnings[0]  # once, not once per request


def test_an_error_page_that_fails_does_not_run_custom_errors_again(site) -> None:
    # the 404 page is itself missing, and 404s are what it would be asked for: one child, no loop
    s = site(_row("/errors/nope.htm"), probe=True)
    r = s.get("/missing.txt")
    assert (r.status, b"does not exist" in r.body) == (404, True)
    assert [seen["url"] for seen in ChildProbeModule.seen] == ["/errors/nope.htm"]
    # and a 500 page that 500s (its folder's web.config is broken) is tried once
    s = site(_row("/broken/page.htm", code=404), probe=True)
    s.web_config("broken", "<system.webServer><bogusSection/></system.webServer>")
    r = s.get("/missing.txt")
    assert (r.status, b"does not exist" in r.body) == (404, True)
    assert ChildProbeModule.seen == []  # the child's 500.19 is answered before any module runs


def test_per_substatus_rows_pick_different_pages(site) -> None:
    s = site(_row("/errors/404.htm"), _row("/errors/denied.htm", sub=7))
    denied = s.get("/db.mdb")  # request filtering's fileExtensions: 404.7
    assert (denied.status, denied.substatus, denied.body) == (404, 7, b"<p>404.7 page</p>")
    missing = s.get("/missing.txt")
    assert (missing.status, missing.substatus, missing.body) == (404, 0, b"<p>custom 404</p>")


def test_the_child_request_it_is_given(site) -> None:
    s = site(_row("/errors/404.htm"), probe=True)
    r = s.request("HEAD /missing.txt?q=1&r=2 HTTP/1.1\r\nHost: example.test:8080\r\nUser-Agent: probe\r\n"
                  "Accept: application/json\r\nIf-None-Match: *\r\nIf-Modified-Since: Sun, 06 Nov 2044 08:49:37 GMT\r\n"
                  "If-Match: \"nope\"\r\nIf-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                  "Range: bytes=0-3\r\nIf-Range: \"x\"\r\nCookie: a=b\r\n\r\n", client=("203.0.113.7", 4000))
    assert (r.status, r.body) == (404, b"")  # HEAD: no body
    assert r.header("content-type") == "text/html"
    (seen,) = ChildProbeModule.seen
    assert (seen["url"], seen["method"], seen["depth"], seen["client"]) == (
        "/errors/404.htm", "GET", 1, ("203.0.113.7", 4000))
    headers = seen["headers"]
    assert headers[b"host"] == b"example.test:8080" and headers[b"user-agent"] == b"probe"
    assert headers[b"cookie"] == b"a=b"
    for dropped in (b"accept", b"if-none-match", b"if-modified-since", b"if-match", b"if-unmodified-since",
                    b"range", b"if-range"):
        assert dropped not in headers
    # what IIS hands an ExecuteURL page about the failed request
    assert seen["query_string"] == "404;http://example.test:8080/missing.txt?q=1&r=2"
    assert seen["request_uri"] == "/missing.txt?q=1&r=2"
    assert seen["unencoded_url"] == "/errors/404.htm?404;http://example.test:8080/missing.txt?q=1&r=2"


def test_conditional_and_range_headers_never_reach_the_page(site) -> None:
    s = site(_row("/errors/404.htm"))
    for extra in ("If-None-Match: *\r\n", "Range: bytes=0-3\r\n", "If-Match: \"x\"\r\n",
                  "If-Modified-Since: Sun, 06 Nov 2044 08:49:37 GMT\r\n", "Accept: application/json\r\n"):
        r = s.get("/missing.txt", extra)
        assert (r.status, r.body) == (404, b"<p>custom 404</p>"), extra


def test_japanese_accept_language_gets_the_same_page(site) -> None:
    s = site(_row("/errors/404.htm"))
    r = s.get("/missing.txt", "Accept-Language: ja-JP,ja;q=0.9\r\n")
    assert (r.status, r.body, r.header("content-type")) == (404, b"<p>custom 404</p>", "text/html")


@pytest.mark.parametrize("existing, body", [
    ("Auto", b"<p>custom 404</p>"),
    ("Replace", b"<p>custom 404</p>"),
    ("PassThrough", b""),  # StaticFile's 404 has no body of its own: sent as it is
])
def test_existing_response_modes(site, existing, body) -> None:
    r = site(_row("/errors/404.htm"), existing=existing).get("/missing.txt")
    assert (r.status, r.body) == (404, body)


def test_detailed_mode_does_not_run_the_page(site) -> None:
    s = site(_row("/errors/404.htm"), mode="Detailed", probe=True)
    r = s.get("/missing.txt")
    assert r.status == 404 and b"HTTP Error 404.0" in r.body
    assert ChildProbeModule.seen == []


def test_a_changed_page_is_sent_at_once_with_the_response_cache_on(site) -> None:
    s = site(_row("/errors/404.htm"))
    page = s.wwwroot / "errors" / "404.htm"
    assert s.get("/errors/404.htm").status == 200  # the page itself, now in the response cache
    assert s.get("/errors/404.htm").ctx.cache_state is not None
    assert s.get("/missing.txt").body == b"<p>custom 404</p>"
    page.write_text("<p>a new, longer custom 404 page</p>")
    st = page.stat()
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert s.get("/missing.txt").body == b"<p>a new, longer custom 404 page</p>"
    assert s.get("/missing.txt").body == b"<p>a new, longer custom 404 page</p>"
    assert s.get("/errors/404.htm").body == b"<p>a new, longer custom 404 page</p>"
    assert len(s.app.cache) >= 1
    # no entry was made for the failed URL or for a synthetic child request
    assert all(key[3] in (b"/errors/404.htm",) for key in s.app.cache._entries)


def test_another_application_pool_is_not_executed(tmp_path, caplog) -> None:
    other = tmp_path / "otherapp"
    other.mkdir()
    (other / "404.htm").write_text("<p>from another pool</p>")
    text = stock_apphost(_rows(_row("/other/404.htm"))).replace(
        '<virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />',
        '<virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" /></application>'
        f'<application path="/other" applicationPool="OtherPool"><virtualDirectory path="/" physicalPath="{other}" />',
    )
    s = SiteHarness(tmp_path / "srv", PAGES, apphost=text)
    assert s.get("/other/404.htm").body == b"<p>from another pool</p>"
    with caplog.at_level(logging.WARNING, "w3py.modules.custom_error"):
        r = s.get("/missing.txt")
    assert (r.status, b"does not exist" in r.body) == (404, True)
    assert any("403.18" in rec.getMessage() for rec in caplog.records)


# --- the child-request API itself -------------------------------------------------------------------------


def test_execute_child_directly_and_its_depth_bound(site) -> None:
    s = site(_row("/errors/404.htm"))

    async def go() -> None:
        ctx = s.app.prepare(make_request("GET /a.txt HTTP/1.1\r\nHost: localhost\r\nRange: bytes=0-1\r\n\r\n",
                                         site=s.site))
        result = await execute_child(ctx, "/a.txt")
        assert (result.status.code, result.body) == (200, b"hello world")  # the Range did not apply
        assert result.header(b"content-type") == b"text/plain"
        assert result.ctx.child.parent is ctx
        ctx.child = child_mod.ChildInfo(ctx, child_mod.MAX_CHILD_DEPTH, False)
        with pytest.raises(ChildRequestRefused, match="deeper"):
            await execute_child(ctx, "/a.txt")

    asyncio.run(go())


@pytest.mark.parametrize("url, target", [
    ("/errors/404.htm", b"/errors/404.htm"),
    ("/err pages/ページ.htm?x=a b", b"/err%20pages/%E3%83%9A%E3%83%BC%E3%82%B8.htm?x=a%20b"),
    ("/already%20escaped.htm", b"/already%20escaped.htm"),
])
def test_child_target_escapes_what_the_wire_cannot_carry(url, target) -> None:
    assert child_mod.child_target(url) == target


@pytest.mark.parametrize("url", ["", "404.htm", "http://x/y", "https://x/y", "//x/y", "/\\x\\y", "/" + "a" * 9000])
def test_child_target_refuses_what_is_not_a_url_of_this_site(url) -> None:
    with pytest.raises(ChildRequestRefused):
        child_mod.child_target(url)


def test_a_refusal_the_listener_makes_gets_the_page_too(site) -> None:
    """Application.reject is synchronous (the listener's 403.9): a child served from memory completes there."""
    s = site(_row("/errors/404.htm", code=403))
    request = make_request("GET /a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n", site=s.site,
                           client=("203.0.113.7", 4000))
    response = s.app.reject(request, 403, 9)
    assert (response.status, response.substatus, response.body) == (403, 9, b"<p>custom 404</p>")
    assert (b"Content-Type", b"text/html") in response.headers


def test_a_crash_while_preparing_the_child_keeps_the_parents_status(site, monkeypatch) -> None:
    s = site(_row("/errors/404.htm"))
    real = s.app.prepare

    def prepare(request):
        if request.path.startswith(b"/errors/"):
            raise RuntimeError("configuration layer bug")
        return real(request)

    monkeypatch.setattr(s.app, "prepare", prepare)
    r = s.get("/missing.txt")
    assert (r.status, r.substatus, b"does not exist" in r.body) == (404, 0, True)


def test_default_path_with_default_response_mode_execute_url(tmp_path) -> None:
    """A status without a row (416 has none in the stock configuration) uses defaultPath/defaultResponseMode
    (server level: the stock configuration locks defaultPath below it); the 416 keeps its Content-Range."""
    stock = '<httpErrors lockAttributes="allowAbsolutePathsWhenDelegated,defaultPath">'
    text = stock_apphost().replace(stock, stock[:-1] + ' errorMode="Custom" defaultPath="/errors/404.htm" '
                                   'defaultResponseMode="ExecuteURL">')
    assert text != stock_apphost()
    s = SiteHarness(tmp_path, PAGES, apphost=text)
    r = s.get("/a.txt", "Range: bytes=99-\r\n")
    assert (r.status, r.body, r.header("content-range")) == (416, b"<p>custom 404</p>", "bytes */11")
    assert r.header("content-type") == "text/html"
    # a status with a stock File row still uses it (the shipped pages are not in this root: built-in text)
    assert b"does not exist" in s.get("/missing.txt").body


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_child_target_is_always_a_clean_origin_form_target_or_a_refusal(url) -> None:
    try:
        target = child_mod.child_target(url)
    except ChildRequestRefused:
        return
    assert target.startswith(b"/") and not target.startswith(b"//")
    assert all(0x21 <= byte <= 0x7E for byte in target)  # no space, control or non-ASCII byte on the wire
    assert b"#" not in target
