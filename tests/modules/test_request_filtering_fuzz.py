"""Any request head gets a Denial or None from the rule engine, never an exception (the 'never a 500' rule)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from w3py.modules.request_filtering import Denial, compile_rules
from w3py.modules.request_filtering.url import URLError, decode_path

from test_request_filtering_rules import frule, section

ALPHABET = st.sampled_from([b"/", b"%", b"+", b".", b"\\", b"a", b"B", b"0", b"f", b"u", b"%2e", b"%2f", b"%25",
                            b"%u002e", b"%C0", b"%AE", b"\xc3\xa9", b"\xff", b"bin", b"web.config", b".mdb", b"\x00",
                            b"?", b":", b"%00", b"%zz", b"..", b"%c3%a9"])
PATHS = st.lists(ALPHABET, max_size=30).map(lambda parts: b"/" + b"".join(parts))

RULES = compile_rules(section(
    allow_high_bit_characters=False,
    verbs=(("DELETE", False),),
    header_limits=(("x-h", 5),),
    deny_url_sequences=("..", "\\", ":"),
    deny_query_string_sequences=("<",),
    always_allowed_urls=("/ok",),
    filtering_rules=(frule("all", scan_url=True, scan_query_string=True, scan_all_raw=True, deny_strings=("evil",)),),
))


@settings(max_examples=400, deadline=None)
@given(path=PATHS, query=st.binary(max_size=40), method=st.sampled_from(["GET", "get", "DELETE", "POST"]),
       header=st.binary(max_size=20), length=st.none() | st.integers(min_value=0, max_value=10**12))
def test_rule_engine_never_raises(path: bytes, query: bytes, method: str, header: bytes, length: int | None) -> None:
    result = RULES.check(method, path, query, [(b"x-h", header), (b"user-agent", header)], length)
    assert result is None or isinstance(result, Denial)
    if result is not None:
        assert result.status.code in (400, 404)


@settings(max_examples=400, deadline=None)
@given(path=st.binary(max_size=60))
def test_decoder_raises_only_url_error(path: bytes) -> None:
    try:
        url = decode_path(path)
    except URLError:
        return
    # The canonical path never climbs out of the root and never keeps a dot segment or a backslash.
    assert url.path.startswith("/")
    assert "\\" not in url.path
    assert "/../" not in url.path + "/" and "/./" not in url.path + "/"


# --- any requestFiltering configuration either provisions or is a ConfigError (500.19) ----------------------

VALUES = st.sampled_from(["", " ", ".", "..", "/", "\\", "%", "%zz", "-1", "0", "1", "abc", "4294967296", "true",
                          "false", ".mdb", "bin", "é", "a b", "*", "GET", "get"])


@st.composite
def rf_sections(draw) -> str:
    v = lambda: draw(VALUES).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")  # noqa: E731
    parts = []
    if draw(st.booleans()):
        parts.append(f'<fileExtensions allowUnlisted="{v()}"><add fileExtension="{v()}" allowed="{v()}"/>'
                     "</fileExtensions>")
    if draw(st.booleans()):
        parts.append(f'<requestLimits maxUrl="{v()}" maxQueryString="{v()}" maxAllowedContentLength="{v()}">'
                     f'<headerLimits><add header="{v()}" sizeLimit="{v()}"/></headerLimits></requestLimits>')
    if draw(st.booleans()):
        parts.append(f'<verbs allowUnlisted="{v()}"><add verb="{v()}" allowed="{v()}"/></verbs>')
    if draw(st.booleans()):
        parts.append(f'<hiddenSegments><add segment="{v()}"/></hiddenSegments>')
    if draw(st.booleans()):
        parts.append(f'<denyUrlSequences><add sequence="{v()}"/></denyUrlSequences>'
                     f'<alwaysAllowedUrls><add url="{v()}"/></alwaysAllowedUrls>'
                     f'<alwaysAllowedQueryStrings><add queryString="{v()}"/></alwaysAllowedQueryStrings>')
    if draw(st.booleans()):
        parts.append(f'<filteringRules><filteringRule name="{v()}" scanUrl="{v()}" scanQueryString="{v()}">'
                     f'<appliesTo><add fileExtension="{v()}"/></appliesTo>'
                     f'<denyStrings><add string="{v()}"/></denyStrings></filteringRule></filteringRules>')
    attrs = f'allowDoubleEscaping="{v()}"' if draw(st.booleans()) else ""
    return f"<system.webServer><security><requestFiltering {attrs}>{''.join(parts)}</requestFiltering></security></system.webServer>"


@settings(max_examples=60, deadline=None)
@given(xml=rf_sections())
def test_any_configuration_provisions_or_is_a_config_error(tmp_path_factory, xml: str) -> None:
    from w3py.errors import ConfigError
    from w3py.modules.request_filtering.module import RequestFilteringModule
    from w3py.testing.config import ConfigTree

    tree = ConfigTree(tmp_path_factory.mktemp("rf"))
    tree.apphost(xml)
    try:
        cfg = tree.load()
        RequestFilteringModule().provision(cfg.effective(cfg.sites[0], "/"))
    except ConfigError as exc:
        assert exc.file and exc.line, exc  # 500.19 pages show where
