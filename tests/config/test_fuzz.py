"""Property: whatever bytes a configuration file holds, loading it either works or raises ConfigError —
never another exception (STYLE §2.7, h11's invariant applied to the XML loader)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w3py.config import ConfigError
from w3py.config.document import read_document
from w3py.config.env import EnvExpander
from w3py.config.schema import SECTIONS
from w3py.testing.config import ConfigTree

ENV = EnvExpander(__import__("pathlib").Path("/srv/w3py"))

# Names that exist somewhere in the schemas, so that random documents often reach deep validation code.
_NAMES = sorted({a.xml for cls in SECTIONS.values() for a in cls._schema.attrs.values()} |
                {"add", "remove", "clear", "location", "path", "overrideMode", "lockAttributes", "lockItem",
                 "lockElements", "fileExtension", "mimeMap", "error", "statusCode", "files", "value"})
_VALUES = st.one_of(st.sampled_from(["true", "false", "0", "-1", "4294967296", "00:00:30", "1.02:03:04",
                                     "Date, Time", "Custom", "", "%SystemDrive%\\x", "*", "Read, Script"]),
                    st.text(max_size=12))
_SECTION_PATHS = [cls.path for cls in SECTIONS.values()] + ["system.web", "appSettings", "nope/nothing"]


@st.composite
def _element(draw, depth=0):
    name = draw(st.sampled_from(_NAMES))
    attrs = draw(st.dictionaries(st.sampled_from(_NAMES), _VALUES, max_size=3))
    children = draw(st.lists(_element(depth + 1), max_size=3)) if depth < 3 else []
    attr_text = "".join(f' {k}="{_esc(v)}"' for k, v in attrs.items())
    return f"<{name}{attr_text}>{''.join(children)}</{name}>"


def _esc(v: str) -> str:
    return v.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@st.composite
def _document(draw):
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_SECTION_PATHS)).split("/")
        inner = draw(_element())
        body = f"<{path[-1]}>{inner}</{path[-1]}>"
        for group in reversed(path[:-1]):
            body = f"<{group}>{body}</{group}>"
        if draw(st.booleans()):
            body = f'<location path="{_esc(draw(st.text(max_size=8)))}">{body}</location>'
        parts.append(body)
    return "<configuration>" + "".join(parts) + "</configuration>"


def _load(data: bytes, apphost: bool) -> None:
    try:
        read_document("fuzz.config", data, is_apphost=apphost, env=ENV)
    except ConfigError as exc:
        assert exc.hresult and exc.message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _load(data, False)
    _load(b"<configuration>" + data + b"</configuration>", True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_random_schema_shaped_xml(text):
    _load(text.encode(), False)
    _load(text.encode(), True)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_document(), st.sampled_from(["/", "/sub/x", "/sub/a/b/"]))
def test_random_web_config_through_effective(tmp_path, text, vpath):
    tree = ConfigTree(tmp_path)
    tree.apphost()
    tree.web_config("sub", text, raw=True)
    cfg = tree.load()
    try:
        cfg.effective(cfg.sites[0], vpath)
    except ConfigError as exc:
        assert exc.file and exc.file.endswith("web.config")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_document(), st.booleans())
def test_random_apphost_through_load(tmp_path, text, with_site):
    from w3py.config import load_server_config
    from w3py.testing.config import site_xml

    if with_site:
        text = text.replace("<configuration>", "<configuration><system.applicationHost><sites>" + site_xml() +
                            "</sites></system.applicationHost>", 1)
    path = tmp_path / "applicationHost.config"
    path.write_text(text, encoding="utf-8")
    try:
        cfg = load_server_config(path, root=tmp_path, poll_interval=0)
    except ConfigError as exc:
        assert exc.file == str(path)
        return
    for site in cfg.sites:
        try:
            cfg.effective(site, "/a/b/")
        except ConfigError:
            pass
