"""CustomErrorModule driven through the real pipeline engine (w3py.testing.pipeline): what a client sees for
each errorMode / existingResponse / responseMode, in both languages (iis-reference.md §4.2–§4.4)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from w3py import status
from w3py.api import ConfigError, HTTPContext, HTTPError, Module, NotificationStatus
from w3py.config.sections import HttpErrorsSection
from w3py.modules.custom_error import CustomErrorModule
from w3py.testing.pipeline import make_request, run_modules

REMOTE = ("203.0.113.9", 40000)
LOCAL = ("127.0.0.1", 40000)
SERVER = ("127.0.0.1", 8080)


def _status_from(request) -> tuple[status.Status, int]:
    raw = (request.header(b"x-test-status") or b"404.0").decode()
    code, _, sub = raw.partition(".")
    win32 = int((request.header(b"x-test-win32") or b"0").decode())
    return status.Status(int(code), int(sub or 0)), win32


class RefusingModule(Module):
    """Stands in for a module that refuses at BEGIN_REQUEST (request filtering, say)."""

    name = "TestRefusingModule"
    sections = ()

    def on_begin_request(self, ctx: HTTPContext) -> NotificationStatus:
        st, win32 = _status_from(ctx.request)
        body = ctx.request.header(b"x-test-body")
        if body is not None:
            ctx.response.body = body
            ctx.response.set_header(b"content-type", b"text/plain")
        ctx.response.set_header(b"allow", b"GET, HEAD")
        ctx.response.set_status(st, win32, skip_custom_errors=ctx.request.header(b"x-test-skip") is not None)
        return NotificationStatus.FINISH_REQUEST


class ExplodingModule(Module):
    name = "TestExplodingModule"
    sections = ()

    def on_authorize_request(self, ctx: HTTPContext) -> None:
        raise ValueError("secret internal state /srv/private")


class ConfigBrokenModule(Module):
    name = "TestConfigBrokenModule"
    sections = ()

    def on_begin_request(self, ctx: HTTPContext) -> NotificationStatus:
        ctx.config_error = ConfigError("Unrecognized attribute 'bogus'", file=ctx.request.header(b"x-file").decode(),
                                       line=3, hresult=0x8007000D)
        raise HTTPError(status.CONFIG_DATA_INVALID, 0x8007000D)


def _row(code, sub=-1, path="", mode="File", prefix="", origin=None):
    return SimpleNamespace(status_code=code, sub_status_code=sub, path=path, response_mode=mode,
                           prefix_language_file_path=prefix, origin=origin)


def _section(mode="DetailedLocalOnly", existing="Auto", rows=(), default_path="", default_mode="File",
             allow_abs=False):
    return SimpleNamespace(error_mode=mode, existing_response=existing, items=tuple(rows),
                           default_path=default_path, default_response_mode=default_mode,
                           detailed_more_information_link="http://go.microsoft.com/fwlink/?LinkID=62293",
                           allow_absolute_paths_when_delegated=allow_abs, origin=None)


@pytest.fixture
def custerr(tmp_path) -> Path:
    root = tmp_path / "custerr"
    for lang, word in (("en-US", "English"), ("ja-JP", "日本語")):
        (root / lang).mkdir(parents=True)
        for code in (404, 500):
            (root / lang / f"{code}.htm").write_text(f"<p>{word} {code}</p>", encoding="utf-8")
    (root / "en-US" / "410.htm").write_text("<p>English 410</p>")
    return root


def _run(section, headers="", client=REMOTE, modules=(RefusingModule,), site=None, method="GET", target="/a.txt"):
    raw = f"{method} {target} HTTP/1.1\r\nHost: example.test:8080\r\n{headers}\r\n"
    request = make_request(raw, site=site, client=client, server=SERVER)
    return run_modules([CustomErrorModule, *modules], request, config={HttpErrorsSection: section},
                       physical_path="/srv/www/a.txt")


# --- modes ----------------------------------------------------------------------------------------------


def test_detailed_page_for_local_client_by_default() -> None:
    r = _run(_section(), "X-Test-Status: 404.7\r\n", client=LOCAL)
    assert (r.status, r.substatus) == (404, 7)
    assert r.header("content-type") == "text/html; charset=utf-8"
    page = r.body.decode()
    assert "<h3>HTTP Error 404.7 - Not Found</h3>" in page
    assert "TestRefusingModule" in page and "BeginRequest" in page
    assert "http://example.test:8080/a.txt" in page and "/srv/www/a.txt" in page
    assert r.header("allow") == "GET, HEAD"  # the producer's headers survive
    assert r.header("cache-control") == "private"


def test_remote_client_gets_custom_page_without_internals(custerr) -> None:
    rows = [_row(404, path="404.htm", prefix=str(custerr))]
    r = _run(_section(rows=rows), "X-Test-Status: 404.7\r\n")
    assert (r.status, r.substatus) == (404, 7)  # never turned into a 200
    assert r.body == "<p>English 404</p>".encode()
    assert r.header("content-type") == "text/html"
    assert r.header("allow") == "GET, HEAD"


@pytest.mark.parametrize("mode, client, detailed", [
    ("Detailed", REMOTE, True), ("Detailed", LOCAL, True), ("Custom", LOCAL, False), ("Custom", REMOTE, False),
    ("DetailedLocalOnly", LOCAL, True), ("DetailedLocalOnly", REMOTE, False)])
def test_error_modes(mode, client, detailed) -> None:
    r = _run(_section(mode), "X-Test-Status: 403.14\r\n", client=client)
    assert r.status == 403 and r.substatus == 14
    assert ("HTTP Error 403.14" in r.body.decode()) is detailed


@pytest.mark.parametrize("accept, word", [
    ("ja", "日本語"), ("ja-JP,en;q=0.5", "日本語"), ("en-US,ja;q=0.9", "English"), ("fr-FR", "English"),
    ("", "English"), ("de;q=1, ja;q=0.1", "日本語"), ("ja;q=0, en", "English"), ("../../../etc", "English")])
def test_custom_page_language_from_accept_language(custerr, accept, word) -> None:
    rows = [_row(404, path="404.htm", prefix=str(custerr))]
    headers = "X-Test-Status: 404.0\r\n" + (f"Accept-Language: {accept}\r\n" if accept else "")
    r = _run(_section("Custom", rows=rows), headers)
    assert r.body.decode() == f"<p>{word} 404</p>"


def test_missing_page_in_language_falls_back_to_en_us(custerr) -> None:
    rows = [_row(410, path="410.htm", prefix=str(custerr))]
    r = _run(_section("Custom", rows=rows), "X-Test-Status: 410.0\r\nAccept-Language: ja\r\n")
    assert r.body == b"<p>English 410</p>"


def test_missing_file_gives_builtin_text(custerr) -> None:
    rows = [_row(404, path="nope.htm", prefix=str(custerr))]
    r = _run(_section("Custom", rows=rows), "X-Test-Status: 404.0\r\n")
    assert r.status == 404
    assert r.header("content-type") == "text/html"
    assert b"<" not in r.body and r.body


def test_exact_substatus_row_beats_wildcard(tmp_path) -> None:
    (tmp_path / "all.htm").write_text("all 404")
    (tmp_path / "big.htm").write_text("too big")
    rows = [_row(404, path=str(tmp_path / "all.htm")), _row(404, 13, path=str(tmp_path / "big.htm"))]
    assert _run(_section("Custom", rows=rows), "X-Test-Status: 404.13\r\n").body == b"too big"
    assert _run(_section("Custom", rows=rows), "X-Test-Status: 404.7\r\n").body == b"all 404"


def test_relative_path_resolves_against_declaring_config(tmp_path) -> None:
    (tmp_path / "errors").mkdir()
    (tmp_path / "errors" / "nf.htm").write_text("site page")
    rows = [_row(404, path="errors\\nf.htm", origin=(str(tmp_path / "web.config"), 4))]
    assert _run(_section("Custom", rows=rows), "X-Test-Status: 404.0\r\n").body == b"site page"


def test_delegated_row_cannot_leave_its_folder(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    origin = (str(site_dir / "web.config"), 4)
    for path in (str(secret), "..\\secret.txt"):
        r = _run(_section("Custom", rows=[_row(404, path=path, origin=origin)]), "X-Test-Status: 404.0\r\n")
        assert b"top secret" not in r.body
    allowed = _section("Custom", rows=[_row(404, path=str(secret), origin=origin)], allow_abs=True)
    assert _run(allowed, "X-Test-Status: 404.0\r\n").body == b"top secret"
    apphost = (str(tmp_path / "config" / "applicationHost.config"), 9)
    r = _run(_section("Custom", rows=[_row(404, path=str(secret), origin=apphost)]), "X-Test-Status: 404.0\r\n")
    assert r.body == b"top secret"  # the server admin may point anywhere


def test_default_path_when_no_row(tmp_path) -> None:
    (tmp_path / "any.htm").write_text("default page")
    section = _section("Custom", default_path=str(tmp_path / "any.htm"))
    r = _run(section, "X-Test-Status: 500.0\r\n")
    assert (r.status, r.body) == (500, b"default page")


def test_redirect_mode_sends_302_to_absolute_location() -> None:
    rows = [_row(404, path="/errors/missing.html", mode="Redirect")]
    r = _run(_section("Custom", rows=rows), "X-Test-Status: 404.0\r\n")
    assert r.status == 302
    assert r.header("location") == "http://example.test:8080/errors/missing.html"
    assert b'<a HREF="http://example.test:8080/errors/missing.html">here</a>' in r.body  # IIS's Document Moved


# ExecuteURL runs a real child request: tests/modules/test_custom_error_execute_url.py and
# tests/integration/test_error_pages_execute_url.py.


# --- existingResponse -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode, existing, extra, kept", [
    ("Detailed", "Auto", "", True),  # the handler's own body wins on the detailed branch
    ("Detailed", "Replace", "", False),
    ("Custom", "Auto", "", False),
    ("Custom", "Auto", "X-Test-Skip: 1\r\n", True),  # TrySkipIisCustomErrors
    ("Custom", "Replace", "X-Test-Skip: 1\r\n", False),
    ("Custom", "PassThrough", "", True),
])
def test_existing_response(mode, existing, extra, kept) -> None:
    r = _run(_section(mode, existing), "X-Test-Status: 500.0\r\nX-Test-Body: app says no\r\n" + extra)
    assert r.status == 500
    assert (r.body == b"app says no") is kept
    if kept:
        assert r.header("content-type") == "text/plain"


def test_pass_through_keeps_an_empty_body() -> None:
    r = _run(_section("Detailed", "PassThrough"), "X-Test-Status: 404.0\r\n")
    assert (r.status, r.body) == (404, b"")


def test_success_is_untouched() -> None:
    r = _run(_section("Detailed"), "X-Test-Status: 200.0\r\nX-Test-Body: fine\r\n")
    assert (r.status, r.body) == (200, b"fine")


# --- detailed page contents -----------------------------------------------------------------------------


def test_detailed_page_in_japanese() -> None:
    r = _run(_section("Detailed"), "X-Test-Status: 404.0\r\nX-Test-Win32: 2\r\nAccept-Language: ja-JP\r\n")
    page = r.body.decode()
    assert "HTTP エラー 404.0 - Not Found" in page
    assert "0x80070002" in page and "モジュール" in page


def test_detailed_page_escapes_request_values() -> None:
    r = _run(_section("Detailed"), "X-Test-Status: 404.0\r\n", target="/%3Cscript%3Ealert(1)%3C/script%3E")
    page = r.body.decode()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_unhandled_exception_detailed_shows_error_id_custom_shows_nothing() -> None:
    r = _run(_section("Detailed"), modules=(ExplodingModule,))
    assert (r.status, r.substatus) == (500, 0)
    page = r.body.decode()
    assert "TestExplodingModule" in page and "AuthorizeRequest" in page
    assert r.ctx.error_id and r.ctx.error_id in page
    remote = _run(_section("Custom"), modules=(ExplodingModule,))
    assert remote.status == 500
    assert not re.search(rb"Exploding|ValueError|/srv/private|secret", remote.body)


def test_500_19_detailed_shows_config_file_line_and_source(tmp_path) -> None:
    web_config = tmp_path / "web.config"
    web_config.write_text('<configuration>\n  <system.webServer>\n    <x bogus="1" />\n  </system.webServer>\n'
                          '</configuration>\n')
    r = _run(_section("Detailed"), f"X-File: {web_config}\r\n", modules=(ConfigBrokenModule,))
    assert (r.status, r.substatus) == (500, 19)
    page = r.body.decode()
    assert "Unrecognized attribute &#x27;bogus&#x27;" in page
    assert str(web_config) in page
    assert "0x8007000d" in page
    assert '<span class="highlight-code">    3:     &lt;x bogus=&quot;1&quot; /&gt;</span>' in page
    remote = _run(_section("Custom"), f"X-File: {web_config}\r\n", modules=(ConfigBrokenModule,))
    assert (remote.status, remote.substatus) == (500, 19)
    assert b"web.config" not in remote.body and b"bogus" not in remote.body


def test_head_keeps_the_head_without_body() -> None:
    r = _run(_section("Detailed"), "X-Test-Status: 404.0\r\n", client=LOCAL, method="HEAD")
    assert r.status == 404 and r.body == b""
    assert r.header("content-type") == "text/html; charset=utf-8"


SHIPPED = Path(__file__).resolve().parents[2] / "src" / "w3py" / "config" / "default" / "custerr"


@pytest.mark.parametrize("lang, html_lang", [("en-US", "en"), ("ja-JP", "ja")])
@pytest.mark.parametrize("code", [401, 403, 404, 405, 406, 412, 500, 501, 502])
def test_every_stock_row_keeps_its_status_and_serves_the_shipped_page(code, lang, html_lang) -> None:
    rows = [_row(c, path=f"{c}.htm", prefix=str(SHIPPED)) for c in (401, 403, 404, 405, 406, 412, 500, 501, 502)]
    r = _run(_section(rows=rows), f"X-Test-Status: {code}.3\r\nAccept-Language: {lang}\r\n")
    assert (r.status, r.substatus) == (code, 3)
    assert r.body == (SHIPPED / lang / f"{code}.htm").read_bytes()
    assert f'lang="{html_lang}"'.encode() in r.body
