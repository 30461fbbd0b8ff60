"""CustomErrorModule's pure parts: the decision (iis-reference.md §4.2), the <error> row and language choice,
and the pages (§4.3 detailed layout, §4.4 terse pages, the shipped custerr files)."""

from __future__ import annotations

import os
import pathlib
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from w3py.modules import custom_error_pages as ce
from w3py.modules.custom_error_pages import Action

XHTML = "{http://www.w3.org/1999/xhtml}"
CUSTERR = pathlib.Path(ce.__file__).resolve().parents[2] / "config" / "default" / "custerr"
STOCK_CODES = (401, 403, 404, 405, 406, 412, 500, 501, 502)


# --- decision ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, mode, existing, local, body, skip, expected",
    [
        pytest.param(200, "Detailed", "Replace", True, False, False, Action.LEAVE, id="success-untouched"),
        pytest.param(304, "Custom", "Replace", False, False, False, Action.LEAVE, id="redirect-class-untouched"),
        pytest.param(404, "DetailedLocalOnly", "Auto", True, False, False, Action.DETAILED, id="dlo-local"),
        pytest.param(404, "DetailedLocalOnly", "Auto", False, False, False, Action.CUSTOM, id="dlo-remote"),
        pytest.param(404, "Custom", "Auto", True, False, False, Action.CUSTOM, id="custom-local"),
        pytest.param(404, "Detailed", "Auto", False, False, False, Action.DETAILED, id="detailed-remote"),
        pytest.param(500, "Detailed", "Auto", True, True, False, Action.LEAVE, id="detailed-keeps-handler-body"),
        pytest.param(500, "Detailed", "Replace", True, True, False, Action.DETAILED, id="replace-detailed-body"),
        pytest.param(500, "Custom", "Auto", False, True, False, Action.CUSTOM, id="custom-discards-body"),
        pytest.param(500, "Custom", "Auto", False, True, True, Action.LEAVE, id="auto-honours-skip"),
        pytest.param(500, "Custom", "Replace", False, True, True, Action.CUSTOM, id="replace-ignores-skip"),
        pytest.param(404, "Custom", "PassThrough", False, False, False, Action.LEAVE, id="passthrough-empty"),
        pytest.param(404, "Detailed", "PassThrough", True, True, False, Action.LEAVE, id="passthrough-body"),
        pytest.param(400, "Custom", "Auto", False, False, False, Action.CUSTOM, id="400-is-an-error"),
    ],
)
def test_decide(status, mode, existing, local, body, skip, expected) -> None:
    got = ce.decide(status, error_mode=mode, existing_response=existing, is_local=local, has_body=body,
                    skip_custom_errors=skip)
    assert got is expected


@pytest.mark.parametrize(
    "client, server, local",
    [
        ("127.0.0.1", "127.0.0.1", True),
        ("127.5.6.7", "10.0.0.1", True),
        ("::1", "::1", True),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1", True),
        ("10.0.0.5", "10.0.0.5", True),  # the server's own address counts as local, as in IIS
        ("10.0.0.5", "10.0.0.6", False),
        ("192.0.2.1", "", False),
        ("fe80::1%eth0", "::1", False),
        ("", "", False),
        ("not-an-ip", "", False),
    ],
)
def test_is_local_client(client, server, local) -> None:
    assert ce.is_local_client(client, server) is local


# --- rows -------------------------------------------------------------------------------------------------


def _row(status, sub=-1, path="x.htm", mode="File", prefix="", origin=None):
    return SimpleNamespace(status_code=status, sub_status_code=sub, path=path, response_mode=mode,
                           prefix_language_file_path=prefix, origin=origin)


def test_exact_substatus_row_wins_over_wildcard_in_any_order() -> None:
    wild, exact = _row(404, -1, "all.htm"), _row(404, 13, "big.htm")
    for rows in ([wild, exact], [exact, wild]):
        assert ce.find_error_row(rows, 404, 13) is exact
        assert ce.find_error_row(rows, 404, 7) is wild
    assert ce.find_error_row([exact], 404, 7) is None  # an exact row matches only its substatus
    assert ce.find_error_row([wild], 403, 0) is None


def test_choose_error_page_row_default_path_and_builtin() -> None:
    section = SimpleNamespace(items=(_row(404, -1, "404.htm", prefix="%SystemDrive%\\inetpub\\custerr",
                                          origin=("/srv/site/web.config", 3)),),
                              default_path="", default_response_mode="File", origin=None)
    choice = ce.choose_error_page(section, 404, 2)
    assert choice == ce.ErrorPageChoice("File", "404.htm", "%SystemDrive%\\inetpub\\custerr", "/srv/site", True)
    assert ce.choose_error_page(section, 500, 0) is None
    with_default = SimpleNamespace(items=(), default_path="/errors/all.html", default_response_mode="ExecuteURL",
                                   origin=None)
    assert ce.choose_error_page(with_default, 500, 0) == ce.ErrorPageChoice("ExecuteURL", "/errors/all.html")


# --- languages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, tags",
    [
        (b"ja,en-US;q=0.9,en;q=0.8", ["ja", "en-US", "en"]),
        (b"en;q=0.2, ja-JP;q=0.7", ["ja-JP", "en"]),
        (b"fr;q=0, de", ["de"]),
        (b"*, ja;q=0.5", ["ja"]),
        (b"en;q=abc, ja;q=2, de;foo=1, it", ["it"]),
        (b"../../etc, ja-JP/../x, ja", ["ja"]),
        (b"", []),
        (None, []),
        ("ja-JP", ["ja-JP"]),
    ],
)
def test_parse_accept_language(header, tags) -> None:
    assert ce.parse_accept_language(header) == tags


def test_parse_accept_language_is_bounded() -> None:
    hostile = b",".join([b"x"] * 100_000) + b",ja"
    assert ce.parse_accept_language(hostile) == ["x"] * ce.MAX_ACCEPT_LANGUAGE_RANGES


AVAILABLE = {"en-us": "en-US", "ja-jp": "ja-JP"}


@pytest.mark.parametrize(
    "tags, folders",
    [
        (["ja"], ["ja-JP", "en-US"]),
        (["ja-jp"], ["ja-JP", "en-US"]),
        (["fr-FR", "ja-JP"], ["ja-JP", "en-US"]),
        (["en-GB"], ["en-US"]),
        (["de"], ["en-US"]),
        ([], ["en-US"]),
        (["..", "ja-JP/../../etc"], ["en-US"]),
    ],
)
def test_language_candidates(tags, folders) -> None:
    assert ce.language_candidates(tags, AVAILABLE) == folders


def test_language_candidates_without_fallback_folder() -> None:
    assert ce.language_candidates(["de"], {"ja-jp": "ja-JP"}) == []


@pytest.mark.parametrize(
    "tags, lang", [(["ja-JP"], "ja"), (["fr", "ja"], "ja"), (["en-GB", "ja"], "en"), (["de"], "en"), ([], "en")]
)
def test_page_language(tags, lang) -> None:
    assert ce.page_language(tags) == lang


def test_language_folders_lists_only_directories(tmp_path) -> None:
    (tmp_path / "en-US").mkdir()
    (tmp_path / "ja-JP").mkdir()
    (tmp_path / "readme.txt").write_text("x")
    (tmp_path / "bad name").mkdir()
    assert ce.language_folders(tmp_path) == {"en-us": "en-US", "ja-jp": "ja-JP"}
    assert ce.language_folders(tmp_path / "missing") == {}


def test_config_path_maps_system_drive_and_separators(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("W3PY_TEST_DIR", "/opt/x")
    assert ce.config_path("%SystemDrive%\\inetpub\\custerr", tmp_path) == tmp_path / "inetpub" / "custerr"
    assert ce.config_path("%systemdrive%/a", tmp_path) == tmp_path / "a"
    assert ce.config_path("%W3PY_TEST_DIR%\\b", None) == pathlib.Path("/opt/x/b")
    assert ce.config_path("%UNSET_W3PY_VARIABLE%\\c", None) == pathlib.Path("%UNSET_W3PY_VARIABLE%/c")
    assert ce.config_path("C:\\inetpub\\custerr", tmp_path) == tmp_path / "inetpub" / "custerr"
    assert ce.config_path("d:/x", tmp_path) == tmp_path / "x"


# --- the detailed page ------------------------------------------------------------------------------------

TEXTS = ce.PageTexts(
    title="Not Found",
    description="Request filtering denies this file extension.",
    causes=("The extension is listed with allowed=false.",),
    things_to_try=("Change fileExtensions.", "Rename the file."),
)


def _parse(page: bytes) -> ET.Element:
    # The page is XHTML: it must be well-formed XML (after the doctype, which ElementTree accepts).
    return ET.fromstring(page.replace(b"&nbsp;", b"&#160;").replace(b"&raquo;", b"&#187;"))


def _text(el: ET.Element) -> str:
    return "".join(el.itertext())


def test_detailed_page_layout() -> None:
    facts = ce.DetailFacts(
        status=404, substatus=7, error_code=0, module="RequestFilteringModule", notification="BeginRequest",
        handler="StaticFile", requested_url="http://localhost:8080/a.config", physical_path="/srv/www/a.config",
        logon_method="Anonymous", logon_user="Anonymous",
        more_information_link="http://go.microsoft.com/fwlink/?LinkID=62293",
    )
    page = ce.render_detailed(facts, TEXTS, "en")
    root = _parse(page)
    assert _text(root.find(f"{XHTML}head/{XHTML}title")) == "IIS 10.0 Detailed Error - 404.7 - Not Found"
    container = root.find(f".//{XHTML}div[@class='content-container']")
    assert _text(container.find(f"{XHTML}h3")) == "HTTP Error 404.7 - Not Found"
    assert _text(container.find(f"{XHTML}h4")) == TEXTS.description
    headings = [_text(h) for h in root.iter(f"{XHTML}h4")][1:]
    assert headings == ["Most likely causes:", "Things you can try:", "Detailed Error Information:",
                        "More Information:"]
    rows = {_text(tr.find(f"{XHTML}th")): _text(tr.find(f"{XHTML}td")).strip("\xa0")
            for tr in root.iter(f"{XHTML}tr")}
    assert rows == {
        "Module": "RequestFilteringModule", "Notification": "BeginRequest", "Handler": "StaticFile",
        "Error Code": "0x00000000", "Requested URL": "http://localhost:8080/a.config",
        "Physical Path": "/srv/www/a.config", "Logon Method": "Anonymous", "Logon User": "Anonymous",
    }
    items = [_text(li) for li in root.iter(f"{XHTML}li")]
    assert items == list(TEXTS.causes + TEXTS.things_to_try)
    link = root.find(f".//{XHTML}a").get("href")
    # status, substatus, HRESULT and the OS build, as IIS writes it (reference §4.3)
    assert link == "http://go.microsoft.com/fwlink/?LinkID=62293&IIS70Error=404,7,0x00000000,20348"


def test_detailed_page_in_japanese() -> None:
    page = ce.render_detailed(ce.DetailFacts(status=404, substatus=0, error_code=0x80070002), TEXTS, "ja")
    root = _parse(page)
    assert root.get("lang") == "ja"
    assert _text(root.find(f".//{XHTML}h3")) == "HTTP エラー 404.0 - Not Found"
    labels = [_text(th) for th in root.iter(f"{XHTML}th")]
    assert labels[:4] == ["モジュール", "通知", "ハンドラー", "エラー コード"]
    assert "0x80070002" in page.decode()


def test_detailed_page_escapes_every_value() -> None:
    hostile = '<script>alert("x")</script>&'
    facts = ce.DetailFacts(status=404, substatus=0, module=hostile, handler=hostile,
                           requested_url="http://h/" + hostile, physical_path=hostile, logon_user=hostile,
                           more_information_link='http://x/?a="><script>',
                           config=ce.ConfigSource(hostile, hostile, 2, ((2, hostile),)))
    texts = ce.PageTexts(hostile, hostile, (hostile,), (hostile,))
    page = ce.render_detailed(facts, texts, "en").decode()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    _parse(page.encode())  # still well-formed


def test_detailed_500_19_shows_config_file_line_and_source() -> None:
    text = "\n".join(f"line {n}" for n in range(1, 21))
    excerpt = ce.config_excerpt(text, 10)
    assert [n for n, _ in excerpt] == [9, 10, 11]  # IIS: the line before, the line, the line after
    facts = ce.DetailFacts(status=500, substatus=19, error_code=0x8007000D, module="IIS Web Core",
                           notification="BeginRequest",
                           config=ce.ConfigSource("Unrecognized attribute 'foo'", "/srv/www/web.config", 10, excerpt))
    root = _parse(ce.render_detailed(facts, TEXTS, "en"))
    rows = {_text(tr.find(f"{XHTML}th")): _text(tr.find(f"{XHTML}td")).strip("\xa0") for tr in root.iter(f"{XHTML}tr")}
    assert rows["Config Error"] == "Unrecognized attribute 'foo'"
    assert rows["Config File"] == "/srv/www/web.config"
    assert rows["Error Code"] == "0x8007000d"
    pre = _text(root.find(f".//{XHTML}pre")).splitlines()
    assert pre == ["    9: line 9", "   10: line 10", "   11: line 11"]
    assert _text(root.find(f".//{XHTML}span[@class='highlight-code']")) == "   10: line 10"


@pytest.mark.parametrize("line, numbers", [(1, [1, 2]), (3, [2, 3, 4]), (5, [4, 5]), (0, []), (6, [])])
def test_config_excerpt_edges(line, numbers) -> None:
    assert [n for n, _ in ce.config_excerpt("a\nb\nc\nd\ne", line)] == numbers


def test_config_excerpt_cuts_long_lines() -> None:
    (_, text), = ce.config_excerpt("x" * 10_000, 1, context=0)
    assert len(text) == ce.CONFIG_SOURCE_MAX_LINE_CHARS


@pytest.mark.parametrize("win32, hresult", [(0, 0), (2, 0x80070002), (50, 0x80070032),
                                             (2148074254, 0x8009030E), (0x8007000D, 0x8007000D)])
def test_hresult_of(win32, hresult) -> None:
    assert ce.hresult_of(win32) == hresult


# --- built-in texts, redirect body, headers ---------------------------------------------------------------


@pytest.mark.parametrize("status", STOCK_CODES + (400, 410, 503, 599))
def test_builtin_text_is_one_plain_line(status) -> None:
    body = ce.render_builtin(status)
    assert body and b"<" not in body and b"\n" not in body
    body.decode("ascii")


def test_redirect_body_escapes_location() -> None:
    body = ce.render_redirect('/x?a=1&b="<>"').decode()
    # the quote and '<' cannot leave the attribute; '>' inside a quoted attribute is plain text
    assert 'HREF="/x?a=1&amp;b=&quot;&lt;>&quot;"' in body
    assert "<title>Document Moved</title>" in body


def test_replace_entity_headers_keeps_the_others() -> None:
    headers = [(b"allow", b"GET"), (b"content-type", b"text/plain"), (b"content-length", b"3"),
               (b"www-authenticate", b"Basic"), (b"etag", b'"1"'), (b"x-powered-by", b"w3py")]
    assert ce.replace_entity_headers(headers, b"text/html") == [
        (b"allow", b"GET"), (b"www-authenticate", b"Basic"), (b"x-powered-by", b"w3py"),
        (b"content-type", b"text/html")]


# --- custom error files -----------------------------------------------------------------------------------


def test_file_cache_reads_rereads_and_refuses(tmp_path) -> None:
    cache = ce.FileCache()
    page = tmp_path / "404.htm"
    assert cache.read(page) is None
    page.write_bytes(b"one")
    assert cache.read(page) == b"one"
    page.write_bytes(b"second")
    os.utime(page, ns=(1, 1))  # a different mtime, as a real edit would give
    assert cache.read(page) == b"second"
    assert cache.read(tmp_path) is None  # a directory is not a page
    big = tmp_path / "big.htm"
    big.write_bytes(b"x" * (ce.MAX_CUSTOM_ERROR_FILE_BYTES + 1))
    assert cache.read(big) is None


@pytest.mark.parametrize("lang, html_lang", [("en-US", "en"), ("ja-JP", "ja")])
@pytest.mark.parametrize("code", STOCK_CODES)
def test_shipped_custerr_files(code, lang, html_lang) -> None:
    data = (CUSTERR / lang / f"{code}.htm").read_bytes()
    root = ET.fromstring(data)  # well-formed XHTML
    assert root.get("lang") == html_lang
    title = _text(root.find(f"{XHTML}head/{XHTML}title"))
    assert title.startswith(f"{code} - ")
    assert _text(root.find(f".//{XHTML}h2")) == title
    assert _text(root.find(f".//{XHTML}h3")).strip()
    assert len(data) < 2048  # terse, like IIS's ~1.2 KB pages
    # A custom page never shows internals.
    assert not re.search(rb"Module|Handler|Physical|[A-Za-z]:\\\\|/srv/|Traceback", data)


def test_custerr_ships_the_same_codes_in_both_languages() -> None:
    names = {lang: sorted(p.name for p in (CUSTERR / lang).glob("*.htm")) for lang in ("en-US", "ja-JP")}
    assert names["en-US"] == names["ja-JP"] == sorted(f"{c}.htm" for c in STOCK_CODES)


def test_rows_from_applicationhost_are_not_delegated() -> None:
    section = SimpleNamespace(items=(_row(404, origin=("/root/config/applicationHost.config", 9)),
                                     _row(500, origin=("/srv/www/web.config", 2)), _row(403)),
                              default_path="", default_response_mode="File", origin=None)
    assert ce.choose_error_page(section, 404, 0).delegated is False
    assert ce.choose_error_page(section, 500, 0).delegated is True
    assert ce.choose_error_page(section, 403, 0).delegated is False  # schema default: no origin


def test_detail_line_is_shown_only_when_set() -> None:
    plain = ce.render_detailed(ce.DetailFacts(status=500), TEXTS).decode()
    assert "<th>Detail</th>" not in plain
    page = ce.render_detailed(ce.DetailFacts(status=500, detail="ValueError in X (error id ab12)"), TEXTS)
    assert "<th>Detail</th><td>&nbsp;&nbsp;&nbsp;ValueError in X (error id ab12)</td>" in page.decode()


# --- properties -------------------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(_any_text, min_size=8, max_size=8), causes=st.lists(_any_text, max_size=3),
       lang=st.sampled_from(["en", "ja", "xx"]))
def test_detailed_page_is_well_formed_for_any_values(values, causes, lang) -> None:
    v = iter(values)
    facts = ce.DetailFacts(status=404, substatus=7, module=next(v), handler=next(v), requested_url=next(v),
                           physical_path=next(v), logon_user=next(v), detail=next(v),
                           config=ce.ConfigSource(next(v), next(v), 1, ((1, "<a>"),)))
    page = ce.render_detailed(facts, ce.PageTexts("t", "d", tuple(causes), ()), lang)
    root = _parse(page)  # always well-formed XHTML
    module_cell = _text(next(root.iter(f"{XHTML}td")))
    # XML parsers turn CR LF and a lone CR into LF; characters XML forbids are shown as U+FFFD
    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]", "\ufffd", values[0])
    assert module_cell == "\xa0\xa0\xa0" + expected.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_accept_language_never_raises_and_yields_only_tags(raw) -> None:
    tags = ce.parse_accept_language(raw)
    assert all(re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", t) for t in tags)
    assert set(ce.language_candidates(tags, AVAILABLE)) <= set(AVAILABLE.values())
