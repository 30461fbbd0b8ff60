"""RequestFilteringModule's rule engine: every rule, its IIS default, and which rule wins when several apply.

The sections here are built in memory with the shape ``w3py.config`` gives a merged
``RequestFilteringSection`` (snake_case fields, collections in ``.items``); the integration tests load the
real configuration. Expected answers come from iis-reference.md §1.3, §5.4 and §5.10.
"""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from w3py import status
from w3py.errors import ConfigError
from w3py.modules.request_filtering import CHECK_ORDER, compile_rules

# IIS 10 with ASP.NET 4.x: the stock deny list and hidden segments (iis-reference.md §1.3).
STOCK_DENIED_EXTENSIONS = (
    ".asax .ascx .master .skin .browser .sitemap .config .cs .csproj .vb .vbproj .webinfo .licx .resx .resources "
    ".mdb .vjsproj .java .jsl .ldb .dsdgm .ssdgm .lsad .ssmap .cd .dsprototype .lsaprototype .sdm .sdmDocument "
    ".mdf .ldf .ad .dd .ldd .sd .adprototype .lddprototype .exclude .refresh .compiled .msgx .vsdisco .rules"
).split()
STOCK_HIDDEN = ("web.config", "bin", "App_code", "App_GlobalResources", "App_LocalResources",
                "App_WebReferences", "App_Data", "App_Browsers")


def coll(*items, **attrs):
    return NS(items=tuple(items), **attrs)


def section(
    *,
    allow_double_escaping=False,
    allow_high_bit_characters=True,
    unescape_query_string=True,
    extensions=tuple((e, False) for e in STOCK_DENIED_EXTENSIONS),
    extensions_allow_unlisted=True,
    extensions_apply_to_webdav=True,
    hidden=STOCK_HIDDEN,
    verbs=(),
    verbs_allow_unlisted=True,
    max_allowed_content_length=30000000,
    max_url=4096,
    max_query_string=2048,
    header_limits=(),
    always_allowed_urls=(),
    always_allowed_query_strings=(),
    deny_url_sequences=(),
    deny_query_string_sequences=(),
    filtering_rules=(),
):
    return NS(
        allow_double_escaping=allow_double_escaping,
        allow_high_bit_characters=allow_high_bit_characters,
        unescape_query_string=unescape_query_string,
        origin=("applicationHost.config", 10),
        file_extensions=coll(
            *(NS(file_extension=e, allowed=a, origin=("applicationHost.config", 20 + i)) for i, (e, a) in enumerate(extensions)),
            allow_unlisted=extensions_allow_unlisted, apply_to_web_dav=extensions_apply_to_webdav),
        hidden_segments=coll(*(NS(segment=s, origin=("applicationHost.config", 80)) for s in hidden), apply_to_web_dav=True),
        verbs=coll(*(NS(verb=v, allowed=a) for v, a in verbs), allow_unlisted=verbs_allow_unlisted, apply_to_web_dav=True),
        request_limits=NS(
            max_allowed_content_length=max_allowed_content_length, max_url=max_url, max_query_string=max_query_string,
            header_limits=coll(*(NS(header=h, size_limit=n) for h, n in header_limits))),
        always_allowed_urls=coll(*(NS(url=u) for u in always_allowed_urls)),
        always_allowed_query_strings=coll(*(NS(query_string=q) for q in always_allowed_query_strings)),
        deny_url_sequences=coll(*(NS(sequence=s) for s in deny_url_sequences)),
        deny_query_string_sequences=coll(*(NS(sequence=s) for s in deny_query_string_sequences)),
        filtering_rules=coll(*filtering_rules),
    )


def frule(name="r", *, scan_url=False, scan_query_string=False, scan_all_raw=False, deny_unescaped_percent=True,
          headers=(), applies_to=(), deny_strings=()):
    return NS(
        name=name, scan_url=scan_url, scan_query_string=scan_query_string, scan_all_raw=scan_all_raw,
        deny_unescaped_percent=deny_unescaped_percent,
        scan_headers=coll(*(NS(request_header=h) for h in headers)),
        applies_to=coll(*(NS(file_extension=e) for e in applies_to)),
        deny_strings=coll(*(NS(string=s) for s in deny_strings)),
    )


def judge(target: bytes, method="GET", headers=(), content_length=None, max_url_segments=32, iis10=False,
          webdav=False, **cfg):
    rules = compile_rules(section(**cfg), max_url_segments=max_url_segments, iis10_status_codes=iis10)
    path, _, query = target.partition(b"?")
    return rules.check(method, path, query, list(headers), content_length, webdav=webdav)


def code(target: bytes, **kw) -> str:
    denial = judge(target, **kw)
    return "pass" if denial is None else str(denial.status)


# --- the defaults deny what IIS denies ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(b"/", "pass", id="root"),
        pytest.param(b"/index.html", "pass", id="plain"),
        pytest.param(b"/web.config", "404.8", id="web.config-hidden-before-extension"),
        pytest.param(b"/WEB.CONFIG", "404.8", id="web.config-case"),
        pytest.param(b"/sub/dir/Web.Config", "404.8", id="web.config-any-depth"),
        pytest.param(b"/db.mdb", "404.7", id="mdb"),
        pytest.param(b"/x.MDB", "404.7", id="mdb-case"),
        pytest.param(b"/a/b/Global.asax", "404.7", id="asax"),
        pytest.param(b"/Program.cs", "404.7", id="cs"),
        pytest.param(b"/x.sdmDocument", "404.7", id="mixed-case-entry"),
        pytest.param("/x.c\u017f".encode(), "404.7", id="long-s-folds-to-cs"),
        pytest.param("/Global.a\u017fax".encode(), "404.7", id="long-s-asax"),
        pytest.param("/\u212aeys/App_Data/x".encode(), "404.8", id="kelvin-sign-elsewhere"),
        pytest.param(b"/bin/app.dll", "404.8", id="bin"),
        pytest.param(b"/a/bin/x", "404.8", id="bin-deep"),
        pytest.param(b"/binary/x", "pass", id="binary-not-bin"),
        pytest.param(b"/a/bin", "404.8", id="bin-last"),
        pytest.param(b"/a/bin/", "404.8", id="bin-dir"),
        pytest.param(b"/App_Data/db.txt", "404.8", id="app_data"),
        pytest.param(b"/app_data/db.txt", "404.8", id="app_data-case"),
        pytest.param(b"/App_Code/x.txt", "404.8", id="app_code"),
        pytest.param(b"/mybin.txt", "pass", id="substring"),
        pytest.param(b"/x.config.txt", "pass", id="extension-is-last-dot"),
        pytest.param(b"/db.mdb/", "404.7", id="trailing-slash-keeps-extension"),
        pytest.param(b"/db.mdb//", "404.7", id="trailing-slashes-keep-extension"),
        pytest.param(b"/settings.config", "404.7", id="config-not-hidden"),
        pytest.param(b"/%77eb.config", "404.8", id="escaped-letter"),
        pytest.param(b"/web.config.", "404.8", id="windows-trailing-dot"),
        pytest.param(b"/db.mdb%20", "404.7", id="windows-trailing-space"),
        pytest.param(b"/x/..%2fweb.config", "404.8", id="encoded-slash-dotdot"),
        pytest.param(b"/a\\web.config", "404.8", id="backslash-separator"),
        pytest.param(b"/a/./bin/x", "404.8", id="dot-segment"),
        pytest.param(b"/bin/../ok.txt", "pass", id="dotdot-out-of-bin"),
    ],
)
def test_stock_defaults(target: bytes, expected: str) -> None:
    assert code(target) == expected


def test_denial_names_rule_setting_and_origin() -> None:
    denial = judge(b"/db.mdb")
    assert denial.status == status.FILE_EXTENSION_DENIED
    assert denial.rule == "fileExtensions"
    assert ".mdb" in denial.setting and denial.value == ".mdb"
    assert denial.origin[0] == "applicationHost.config"
    assert denial.close
    assert "fileExtensions" in denial.detail and ".mdb" in denial.detail


# --- limits -----------------------------------------------------------------------------------------------


def test_content_length_default_limit() -> None:
    assert code(b"/up", method="POST", content_length=30000000) == "pass"
    assert code(b"/up", method="POST", content_length=30000001) == "404.13"
    assert code(b"/up", method="POST", content_length=10000000000) == "404.13"


def test_content_length_configured_and_iis10() -> None:
    assert code(b"/up", method="POST", content_length=1001, max_allowed_content_length=1000) == "404.13"
    assert code(b"/up", method="POST", content_length=1000, max_allowed_content_length=1000) == "pass"
    assert code(b"/up", method="POST", content_length=1001, max_allowed_content_length=1000, iis10=True) == "413.1"


def test_chunked_body_limit() -> None:
    rules = compile_rules(section(max_allowed_content_length=100))
    assert rules.body_denial(100) is None
    assert rules.body_denial(101).status == status.CONTENT_LENGTH_TOO_LARGE


def test_max_url_counts_path_bytes_only() -> None:
    assert code(b"/" + b"a" * 39, max_url=40) == "pass"
    assert code(b"/" + b"a" * 40, max_url=40) == "404.14"
    assert code(b"/a?" + b"q" * 100, max_url=40) == "pass"
    assert code(b"/" + b"a" * 4095) == "pass"
    assert code(b"/" + b"a" * 4096) == "404.14"


def test_max_query_string_excludes_question_mark() -> None:
    assert code(b"/a?" + b"q" * 20, max_query_string=20) == "pass"
    assert code(b"/a?" + b"q" * 21, max_query_string=20) == "404.15"
    assert code(b"/a?" + b"q" * 2049) == "404.15"


def test_max_url_segments() -> None:
    assert code(b"/a" * 32) == "pass"
    assert code(b"/a" * 33) == "404.20"
    assert code(b"/a/b/c", max_url_segments=2) == "404.20"
    assert code(b"/a/b/", max_url_segments=2) == "pass"


def test_header_limits() -> None:
    limits = (("X-Big", 10),)
    assert code(b"/", headers=[(b"x-big", b"12345")], header_limits=limits) == "pass"
    assert code(b"/", headers=[(b"x-big", b"x" * 24)], header_limits=limits) == "404.10"
    assert code(b"/", headers=[(b"x-big", b"x" * 24)], header_limits=limits, iis10=True) == "431.0"
    # repeating the header does not split the limit
    assert code(b"/", headers=[(b"x-big", b"123456"), (b"x-big", b"123456")], header_limits=limits) == "404.10"


def test_header_size_limit_zero_forbids_the_header() -> None:
    limits = (("Translate", 0),)
    assert code(b"/", headers=[(b"translate", b"")], header_limits=limits) == "404.10"
    assert code(b"/", headers=[(b"host", b"x")], header_limits=limits) == "pass"


# --- verbs ------------------------------------------------------------------------------------------------


def test_verbs_allow_list_is_exact_and_case_sensitive() -> None:
    cfg = dict(verbs=(("GET", True), ("POST", True)), verbs_allow_unlisted=False)
    assert code(b"/", method="GET", **cfg) == "pass"
    assert code(b"/", method="POST", **cfg) == "pass"
    for verb in ("PUT", "OPTIONS", "HEAD", "get"):
        assert code(b"/", method=verb, **cfg) == "404.6", verb


def test_verbs_deny_row() -> None:
    cfg = dict(verbs=(("DELETE", False), ("TRACE", False)))
    assert code(b"/", method="DELETE", **cfg) == "404.6"
    assert code(b"/", method="TRACE", **cfg) == "404.6"
    assert code(b"/", method="PUT", **cfg) == "pass"  # left to the handler (405)
    assert code(b"/", method="delete", **cfg) == "pass"


# --- escaping and characters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(b"/sp%20ace.txt", "pass", id="single-escape"),
        pytest.param(b"/sp%2520ace.txt", "404.11", id="double-escape"),
        pytest.param(b"/a+b.txt", "404.11", id="plus-in-path"),
        pytest.param(b"/a%2Bb.txt", "404.11", id="escaped-plus"),
        pytest.param(b"/ab.txt?x=a+b", "pass", id="plus-in-query"),
        pytest.param(b"/%25", "pass", id="lone-percent-after-decoding"),
        pytest.param(b"/%25u0041", "404.11", id="double-percent-u"),
    ],
)
def test_double_escaping(target: bytes, expected: str) -> None:
    assert code(target) == expected


def test_double_escaping_allowed() -> None:
    assert code(b"/sp%2520ace.txt", allow_double_escaping=True) == "pass"
    assert code(b"/a+b.txt", allow_double_escaping=True) == "pass"


def test_high_bit_characters() -> None:
    assert code(b"/caf%C3%A9.txt") == "pass"
    assert code(b"/caf%C3%A9.txt", allow_high_bit_characters=False) == "404.12"
    assert code("/café.txt".encode(), allow_high_bit_characters=False) == "404.12"
    assert code(b"/cafe.txt", allow_high_bit_characters=False) == "pass"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(b"/%", "400.0", id="bare-percent"),
        pytest.param(b"/a%z", "400.0", id="short-escape"),
        pytest.param(b"/a%zz", "400.0", id="bad-hex"),
        pytest.param(b"/a%00b", "400.0", id="nul"),
        pytest.param(b"/a%0a", "400.0", id="escaped-lf"),
        pytest.param(b"/a%7f", "400.0", id="escaped-del"),
        pytest.param(b"/%C0%AE%C0%AE/web.config", "400.0", id="overlong-utf8-dot"),
        pytest.param(b"/%c0%af", "400.0", id="overlong-utf8-slash"),
        pytest.param(b"/%C3", "400.0", id="truncated-utf8"),
        pytest.param(b"/%ED%A0%80", "400.0", id="encoded-surrogate"),
        pytest.param(b"/%FF", "400.0", id="invalid-utf8-byte"),
        pytest.param(b"/%u0041.txt", "pass", id="percent-u"),
        pytest.param(b"/web%u002econfig", "404.8", id="percent-u-dot"),
        pytest.param(b"/%uD800", "400.0", id="percent-u-surrogate"),
        pytest.param(b"/%u0000", "400.0", id="percent-u-nul"),
        pytest.param(b"/%u00zz", "400.0", id="percent-u-bad"),
        pytest.param(b"/..", "400.0", id="above-root"),
        pytest.param(b"/a/../../b", "400.0", id="above-root-deep"),
        pytest.param(b"/a/%2e%2e/%2e%2e/b", "400.0", id="encoded-above-root"),
    ],
)
def test_odd_encodings_have_a_fixed_answer(target: bytes, expected: str) -> None:
    assert code(target) == expected


def test_bad_encoding_wins_over_every_rule() -> None:
    # HTTP.sys refuses the URL before IIS sees it (§5.10 rule 1).
    assert code(b"/web.config%zz", method="POST", content_length=10**12) == "400.0"


# --- sequences and always-allowed -------------------------------------------------------------------------


def test_deny_url_sequences() -> None:
    cfg = dict(deny_url_sequences=("_vti_", "..", "\\", ":"))
    assert code(b"/_vti_bin/probe.aspx", **cfg) == "404.5"
    assert code(b"/_VTI_bin/x", **cfg) == "404.5"
    assert code(b"/a/../b", **cfg) == "404.5"  # as sent, before canonicalisation
    assert code(b"/a\\b", **cfg) == "404.5"
    assert code(b"/a%3ab", **cfg) == "404.5"
    assert code(b"/ok.txt", **cfg) == "pass"


def test_always_allowed_url_overrides_sequences_only() -> None:
    cfg = dict(deny_url_sequences=("_vti_",), always_allowed_urls=("/_vti_bin/ok.txt",))
    assert code(b"/_vti_bin/ok.txt", **cfg) == "pass"
    assert code(b"/_VTI_BIN/OK.TXT", **cfg) == "pass"
    assert code(b"/_vti_bin/other.txt", **cfg) == "404.5"
    # limits and extensions still apply to an always-allowed URL
    cfg = dict(always_allowed_urls=("/x.mdb",), deny_url_sequences=("x",))
    assert code(b"/x.mdb", **cfg) == "404.7"


def test_deny_query_string_sequences_raw_and_unescaped() -> None:
    cfg = dict(deny_query_string_sequences=("<script",))
    assert code(b"/a?x=<script>", **cfg) == "404.18"
    assert code(b"/a?x=%3Cscript%3E", **cfg) == "404.18"
    assert code(b"/a?x=%3cSCRIPT%3e", **cfg) == "404.18"
    assert code(b"/a?x=%3Cscript%3E", unescape_query_string=False, **cfg) == "pass"
    assert code(b"/a?x=script", **cfg) == "pass"


def test_always_allowed_query_string() -> None:
    cfg = dict(deny_query_string_sequences=("select",), always_allowed_query_strings=("q=select",))
    assert code(b"/a?q=select", **cfg) == "pass"
    assert code(b"/a?q=SELECT", **cfg) == "pass"
    assert code(b"/a?q=select&x=1", **cfg) == "404.18"


# --- filtering rules --------------------------------------------------------------------------------------


def test_filtering_rule_scans_query_for_extensions() -> None:
    rule = frule("sqli", scan_query_string=True, applies_to=(".asp", ".aspx"), deny_strings=("--", ";"))
    assert code(b"/a.aspx?id=1;drop", filtering_rules=(rule,)) == "404.19"
    assert code(b"/a.ASPX?id=1%3bdrop", filtering_rules=(rule,)) == "404.19"
    assert code(b"/a.html?id=1;drop", filtering_rules=(rule,)) == "pass"
    assert code(b"/a.aspx?id=1", filtering_rules=(rule,)) == "pass"


def test_filtering_rule_scans_url_and_headers() -> None:
    url_rule = frule("u", scan_url=True, deny_strings=("secret",))
    assert code(b"/my/SECRET/x.txt", filtering_rules=(url_rule,)) == "404.19"
    assert code(b"/my/SECRET/x.txt", filtering_rules=(url_rule,), always_allowed_urls=("/my/secret/x.txt",)) == "pass"
    hdr_rule = frule("h", headers=("User-Agent",), deny_strings=("sqlmap",))
    assert code(b"/", headers=[(b"user-agent", b"SQLMap/1.0")], filtering_rules=(hdr_rule,)) == "404.19"
    assert code(b"/", headers=[(b"referer", b"sqlmap")], filtering_rules=(hdr_rule,)) == "pass"
    raw_rule = frule("raw", scan_all_raw=True, deny_strings=("evil",))
    assert code(b"/", headers=[(b"x-anything", b"EVIL")], filtering_rules=(raw_rule,)) == "404.19"


def test_filtering_rule_deny_unescaped_percent() -> None:
    rule = frule("pct", scan_query_string=True)
    assert code(b"/a?x=%zz", filtering_rules=(rule,)) == "404.19"
    assert code(b"/a?x=%41", filtering_rules=(rule,)) == "pass"
    lax = frule("pct", scan_query_string=True, deny_unescaped_percent=False)
    assert code(b"/a?x=%zz", filtering_rules=(lax,)) == "pass"


# --- file extensions and the allow list -------------------------------------------------------------------


def test_extension_allow_list_mode() -> None:
    cfg = dict(extensions=((".html", True), (".txt", True)), extensions_allow_unlisted=False)
    assert code(b"/a.html", **cfg) == "pass"
    assert code(b"/a.TXT", **cfg) == "pass"
    assert code(b"/a.php", **cfg) == "404.7"
    assert code(b"/extensionless", **cfg) == "404.7"
    assert code(b"/", **cfg) == "404.7"
    assert code(b"/dir/", **cfg) == "404.7"
    assert code(b"/pages.html/", **cfg) == "pass"
    cfg["extensions"] += ((".", True),)
    assert code(b"/extensionless", **cfg) == "pass"


def test_apply_to_webdav() -> None:
    assert code(b"/x.mdb", webdav=True) == "404.7"
    assert code(b"/x.mdb", webdav=True, extensions_apply_to_webdav=False) == "pass"
    assert code(b"/x.mdb", webdav=False, extensions_apply_to_webdav=False) == "404.7"


def test_allowed_row_overrides_nothing_else() -> None:
    # an allowed row for .config does not un-hide web.config
    assert code(b"/web.config", extensions=((".config", True),)) == "404.8"


# --- precedence (§5.10) -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        pytest.param(dict(target=b"/bin/x.mdb"), "404.8", id="hidden-before-extension"),
        pytest.param(dict(target=b"/web.config", method="POST", content_length=10**9), "404.13", id="length-first"),
        pytest.param(dict(target=b"/" + b"a" * 5000 + b"/web.config"), "404.14", id="maxurl-before-hidden"),
        pytest.param(dict(target=b"/x.mdb?" + b"q" * 3000), "404.15", id="maxquery-before-extension"),
        pytest.param(dict(target=b"/x.mdb", method="DELETE", verbs=(("DELETE", False),)), "404.6", id="verb-before-extension"),
        pytest.param(dict(target=b"/x+y.mdb"), "404.11", id="double-escape-before-extension"),
        pytest.param(dict(target=b"/_vti_/x.mdb", deny_url_sequences=("_vti_",)), "404.5", id="sequence-before-extension"),
        pytest.param(dict(target=b"/bin/x?a=b", deny_query_string_sequences=("a=b",)), "404.8", id="hidden-before-query"),
        pytest.param(dict(target=b"/a/b/c/web.config", max_url_segments=2), "404.20", id="segments-before-hidden"),
        pytest.param(dict(target=b"/x", headers=[(b"x-big", b"toolong")], header_limits=(("x-big", 1),),
                          method="DELETE", verbs=(("DELETE", False),)), "404.10", id="headers-before-verbs"),
    ],
)
def test_precedence(kw: dict, expected: str) -> None:
    assert code(**kw) == expected


def test_check_order_table_is_the_reference_order() -> None:
    names = [name for name, _ in CHECK_ORDER]
    assert names.index("hiddenSegments") < names.index("fileExtensions")
    assert names[0] == "maxAllowedContentLength"
    assert "davToStaticHandler" in names and "dynamicContentAsStatic" in names
    assert len(set(names)) == len(names)


def test_inactive_rules_cost_nothing() -> None:
    rules = compile_rules(section())
    assert "denyUrlSequences" not in rules.active_rules
    assert "verbs" not in rules.active_rules
    assert rules.active_rules.index("hiddenSegments") < rules.active_rules.index("fileExtensions")


# --- bad configuration is a ConfigError (500.19) ----------------------------------------------------------


@pytest.mark.parametrize(
    "cfg",
    [
        pytest.param(dict(extensions=(("", False),)), id="empty-extension"),
        pytest.param(dict(hidden=(" ",)), id="empty-segment"),
        pytest.param(dict(max_url=-1), id="negative-maxurl"),
        pytest.param(dict(max_allowed_content_length="big"), id="not-a-number"),
        pytest.param(dict(deny_url_sequences=("",)), id="empty-sequence"),
        pytest.param(dict(always_allowed_urls=("nolead",)), id="always-allowed-without-slash"),
        pytest.param(dict(header_limits=(("X", -5),)), id="negative-size-limit"),
    ],
)
def test_bad_values_are_config_errors(cfg: dict) -> None:
    with pytest.raises(ConfigError) as info:
        compile_rules(section(**cfg))
    assert info.value.section == "system.webServer/security/requestFiltering"


def test_config_error_carries_file_and_line() -> None:
    with pytest.raises(ConfigError) as info:
        compile_rules(section(extensions=((".ok", False), ("", False))))
    assert info.value.file == "applicationHost.config" and info.value.line == 21


# --- the decoded-path cache -------------------------------------------------------------------------------


def test_path_cache_gives_the_same_answer_twice_and_stays_bounded() -> None:
    from w3py.modules.request_filtering import rules as rules_module

    rules = compile_rules(section())
    for _ in range(2):
        assert str(rules.check("GET", b"/a%zz").status) == "400.0"
        assert str(rules.check("GET", b"/db.mdb").status) == "404.7"
        assert rules.check("GET", b"/ok.txt") is None
    for i in range(rules_module.PATH_CACHE_ENTRIES + 10):
        rules.check("GET", b"/p%d" % i)
    assert len(rules_module._path_cache) <= rules_module.PATH_CACHE_ENTRIES
    long_path = b"/" + b"a" * rules_module.PATH_CACHE_MAX_PATH_BYTES + b".mdb"
    assert str(rules.check("GET", long_path).status) == "404.7"
    assert long_path not in rules_module._path_cache
