"""Every configuration error kind carries file, line and the HRESULT IIS reports (reference §5.9)."""

from __future__ import annotations

import pytest

from w3py.config import ConfigError, load_server_config
from w3py.config.sections import StaticContentSection
from w3py.testing.config import ConfigTree, apphost_xml, site_xml

INVALID, DUPLICATE, LOCKED = 0x8007000D, 0x800700B7, 0x80070021


@pytest.fixture
def tree(tmp_path):
    return ConfigTree(tmp_path)


def _web_error(tree, body, raw=False) -> ConfigError:
    tree.apphost()
    tree.web_config("sub", body, raw=raw)
    cfg = tree.load()
    with pytest.raises(ConfigError) as ei:
        cfg.effective(cfg.sites[0], "/sub/page.htm")
    assert ei.value.file == str(tree.wwwroot / "sub" / "web.config")
    return ei.value


@pytest.mark.parametrize("body,line,hresult,attribute,words", [
    pytest.param("<system.webServer>\n<security><requestFiltering><requestLimits maxUrl='abc'/></requestFiltering>"
                 "</security></system.webServer>", 4, INVALID, "maxUrl", "uint", id="maxUrl-not-a-number"),
    pytest.param("<system.webServer>\n\n<httpErrors errorMode='Verbose'/></system.webServer>", 5, INVALID,
                 "errorMode", "DetailedLocalOnly", id="enum-value-does-not-exist"),
    pytest.param("<system.webServer><directoryBrowse showFlags='Date, Colour'/></system.webServer>", 3, INVALID,
                 "showFlags", "Colour", id="flag-does-not-exist"),
    pytest.param("<system.webServer><staticContent enableDocFooter='yes'/></system.webServer>", 3, INVALID,
                 "enableDocFooter", "Boolean", id="bad-boolean"),
    pytest.param("<system.webServer><staticContent><clientCache cacheControlMaxAge='1 day'/></staticContent>"
                 "</system.webServer>", 3, INVALID, "cacheControlMaxAge", "timeSpan", id="bad-timespan"),
    pytest.param("<system.webServer><httpErrors><error statusCode='200' path='x'/></httpErrors></system.webServer>",
                 3, INVALID, "statusCode", "400", id="integer-out-of-range"),
    pytest.param("<system.webServer><staticContent enableDocFooterr='true'/></system.webServer>", 3, INVALID,
                 "enableDocFooterr", "unrecognized attribute", id="unknown-attribute"),
    pytest.param("<system.webServer><staticContent><mimeMapp fileExtension='.a'/></staticContent>"
                 "</system.webServer>", 3, INVALID, None, "unrecognized element", id="unknown-element"),
    pytest.param("<system.webServer><staticContent><mimeMap fileExtension='.a'/></staticContent>"
                 "</system.webServer>", 3, INVALID, "mimeType", "missing required", id="missing-required"),
    pytest.param("<system.webServer><notASection/></system.webServer>", 3, INVALID, None,
                 "is not declared in <configSections>", id="undeclared-section"),
    pytest.param("<system.webServer>\n<staticContent>\n<mimeMap fileExtension='.a' mimeType='a/a'/>\n"
                 "<mimeMap fileExtension='.A' mimeType='a/b'/></staticContent></system.webServer>", 6, DUPLICATE,
                 None, "duplicate <mimeMap> entry", id="duplicate-key-same-file"),
    pytest.param("<system.webServer><staticContent/></system.webServer>\n<system.webServer><staticContent/>"
                 "</system.webServer>", 4, DUPLICATE, None, "duplicate", id="duplicate-section"),
    pytest.param("<system.webServer><handlers><clear/></handlers></system.webServer>", 3, LOCKED, None,
                 "locked", id="locked-section"),
])
def test_web_config_errors(tree, body, line, hresult, attribute, words):
    e = _web_error(tree, body)
    assert (e.line, e.hresult, e.attribute) == (line, hresult, attribute)
    assert words.lower() in e.message.lower()
    assert f"{e.file}:{e.line}:" in e.one_line() and f"0x{hresult:08x}" in e.one_line()


def test_duplicate_key_with_an_inherited_entry(tree):
    tree.apphost("<system.webServer><staticContent><mimeMap fileExtension='.txt' mimeType='text/plain'/>"
                 "</staticContent></system.webServer>")
    tree.web_config("sub", "<system.webServer><staticContent><mimeMap fileExtension='.txt' mimeType='a/b'/>"
                           "</staticContent></system.webServer>")
    cfg = tree.load()
    with pytest.raises(ConfigError) as ei:
        cfg.effective(cfg.sites[0], "/sub/")
    assert ei.value.hresult == DUPLICATE and ei.value.line == 3
    assert "'.txt'" in ei.value.message


@pytest.mark.parametrize("text,line", [
    pytest.param("<configuration>\n<system.webServer>\n</configuration>", 3, id="mismatched-tag"),
    pytest.param("<configuration><system.webServer a='1' a='2'/></configuration>", 1, id="duplicate-attribute"),
    pytest.param("", 1, id="empty"),
    pytest.param("<?xml version='1.0'?>\n<notconfiguration/>", 2, id="wrong-root"),
    pytest.param("\x00\x01garbage", 1, id="binary"),
])
def test_malformed_xml(tree, text, line):
    e = _web_error(tree, text, raw=True)
    assert e.hresult == INVALID and e.line == line


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<configuration><appSettings><add key="a" value="&lol4;"/></appSettings></configuration>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE configuration [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<configuration><system.webServer><staticContent defaultDocFooter="&xxe;"/></system.webServer></configuration>"""


@pytest.mark.parametrize("text", [pytest.param(BILLION_LAUGHS, id="billion-laughs"), pytest.param(XXE, id="xxe"),
                                  pytest.param(XXE.encode("utf-16"), id="xxe-utf16")])
def test_dtds_and_entities_are_refused(tree, text):
    e = _web_error(tree, text, raw=True)
    assert e.hresult == INVALID and "DTD" in e.message and e.line == 2


def test_oversized_web_config_is_refused(tree):
    body = "<appSettings>" + "<add key='k' value='v'/>" * 12000 + "</appSettings>"
    e = _web_error(tree, body)
    assert e.hresult == INVALID and "limit" in e.message


def test_unimplemented_but_known_sections_load(tree):
    tree.apphost()
    tree.web_config("sub", """<configSections><section name="myCustom"/></configSections>
      <myCustom anything="goes"><nested/></myCustom>
      <system.web><compilation debug="true"/></system.web>
      <appSettings><add key="a" value="b"/></appSettings>
      <system.webServer><rewrite><rules/></rewrite><aspNetCore processPath="dotnet"/>
        <validation validateIntegratedModeConfiguration="false"/>
        <staticContent><mimeMap fileExtension=".q" mimeType="a/q"/></staticContent>
      </system.webServer>""", raw=False)
    tree.web_config("", "<system.webServer><security><authentication><anonymousAuthentication/>"
                        "</authentication></security></system.webServer>")
    cfg = tree.load()
    with pytest.raises(ConfigError):  # anonymousAuthentication is locked (overrideModeDefault=Deny)
        cfg.effective(cfg.sites[0], "/sub/")
    tree.web_config("", "<system.webServer/>")
    assert cfg.effective(cfg.sites[0], "/sub/")[StaticContentSection].items[0].file_extension == ".q"


# ------------------------------------------------------------------------------- applicationHost.config
def _load_error(tree, text) -> ConfigError:
    tree.write_apphost(text)
    with pytest.raises(ConfigError) as ei:
        tree.load()
    assert ei.value.file == str(tree.apphost_path)
    return ei.value


@pytest.mark.parametrize("sites,words,hresult", [
    pytest.param(site_xml() + site_xml(), "duplicate", DUPLICATE, id="duplicate-site-name"),
    pytest.param(site_xml() + site_xml("Two", 1), "duplicate", DUPLICATE, id="duplicate-site-id"),
    pytest.param(site_xml(binding="*:http:"), "binding", INVALID, id="bad-binding"),
    pytest.param(site_xml(name="a/b"), "site name", INVALID, id="bad-site-name"),
    pytest.param('<site name="S" id="1"><bindings/></site>', "root application", INVALID, id="no-root-app"),
    pytest.param('<site name="S" id="1"><application path="/"/></site>', "root virtual directory", INVALID,
                 id="no-root-vdir"),
    pytest.param('<site name="S" id="x"/>', "uint", INVALID, id="bad-id"),
])
def test_apphost_site_errors(tree, sites, words, hresult):
    e = _load_error(tree, apphost_xml(sites=sites))
    assert e.hresult == hresult and words in e.message and e.line and e.line >= 4


def test_apphost_with_config_sections_is_authoritative(tree):
    text = apphost_xml("<system.webServer><staticContent/></system.webServer>",
                       config_sections='<sectionGroup name="system.applicationHost"><section name="sites"/>'
                                       '</sectionGroup>')
    e = _load_error(tree, text)
    assert "is not declared in <configSections>" in e.message and e.section == "system.webServer"


def test_apphost_only_section_in_site_location(tree):
    e = _load_error(tree, apphost_xml(locations='<location path="Default Web Site"><system.webServer>'
                                                '<globalModules/></system.webServer></location>'))
    assert e.hresult == LOCKED


def test_missing_apphost(tmp_path):
    with pytest.raises(ConfigError) as ei:
        load_server_config(tmp_path / "nope.config")
    assert ei.value.hresult == 0x80070002


@pytest.mark.parametrize("text,words", [
    pytest.param('<configuration><location path="a"><location path="b"/></location></configuration>', "nested",
                 id="nested-location"),
    pytest.param('<configuration><location path="a" overrideMode="Maybe"/></configuration>', "overrideMode",
                 id="bad-override-mode"),
    pytest.param('<configuration><appSettings/><configSections/></configuration>', "first",
                 id="config-sections-not-first"),
])
def test_structural_errors(tree, text, words):
    e = _web_error(tree, text, raw=True)
    assert e.hresult == INVALID and words in e.message


def test_utf16_web_config_loads(tree):
    tree.apphost()
    text = ('<?xml version="1.0" encoding="utf-16"?>\n<configuration><system.webServer>'
            '<staticContent enableDocFooter="true"/></system.webServer></configuration>')
    tree.web_config("sub", text.encode("utf-16"))
    tree.web_config("nobom", text.encode("utf-16-le").replace(b"utf-16", b"utf-16"))
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/sub/")[StaticContentSection].enable_doc_footer is True


def test_allow_location_false(tree):
    text = apphost_xml(config_sections='<sectionGroup name="system.applicationHost"><section name="sites"/>'
                                       '</sectionGroup><sectionGroup name="system.webServer">'
                                       '<section name="staticContent" allowLocation="false"/></sectionGroup>',
                       locations='<location path="Default Web Site">\n<system.webServer><staticContent/>'
                                 '</system.webServer></location>')
    e = _load_error(tree, text)
    assert e.hresult == LOCKED and "allowLocation" in e.message


def test_custom_sections_declared_in_a_parent_web_config(tree):
    tree.apphost()
    tree.web_config("", '<configSections><sectionGroup name="myGroup"><section name="mySection"/></sectionGroup>'
                        '</configSections><myGroup><mySection a="1"/></myGroup>')
    tree.web_config("sub", '<myGroup><mySection b="2"/></myGroup>'
                           '<system.webServer><staticContent enableDocFooter="true"/></system.webServer>')
    tree.web_config("other", '<undeclaredThing/>')
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/sub/")[StaticContentSection].enable_doc_footer is True
    with pytest.raises(ConfigError) as ei:
        cfg.effective(cfg.sites[0], "/other/")
    assert "undeclaredThing" in ei.value.message
