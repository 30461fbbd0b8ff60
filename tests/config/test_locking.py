"""Delegation and locking (reference §1.2, §5.9): overrideModeDefault, <location overrideMode|allowOverride>,
allowDefinition, lockAttributes/lockAllAttributesExcept, lockElements, lockItem -> 0x80070021 with file:line."""

from __future__ import annotations

import pytest

from w3py.config import ConfigError
from w3py.config.sections import (
    DefaultDocumentSection, HandlersSection, HttpErrorsSection, ModulesSection, StaticContentSection,
)
from w3py.testing.config import ConfigTree

LOCKED = 0x80070021


@pytest.fixture
def tree(tmp_path):
    return ConfigTree(tmp_path)


def _err(cfg, vpath="/sub/x") -> ConfigError:
    with pytest.raises(ConfigError) as ei:
        cfg.effective(cfg.sites[0], vpath)
    return ei.value


def test_section_locked_by_override_mode_default(tree):
    tree.apphost()
    wc = tree.web_config("sub", '<system.webServer>\n<handlers><clear/></handlers>\n</system.webServer>')
    cfg = tree.load()
    e = _err(cfg)
    assert (e.hresult, e.file, e.line, e.section) == (LOCKED, str(wc), 4, "system.webServer/handlers")
    assert cfg.effective(cfg.sites[0], "/other")[HandlersSection].items == ()


@pytest.mark.parametrize("location", [
    pytest.param('<location path="" overrideMode="Allow"><system.webServer><handlers/></system.webServer></location>',
                 id="server-wide-allow"),
    pytest.param('<location path="Default Web Site" overrideMode="Allow"><system.webServer><handlers/>'
                 '</system.webServer></location>', id="site-allow"),
    pytest.param('<location path="Default Web Site" allowOverride="true"><system.webServer><handlers/>'
                 '</system.webServer></location>', id="legacy-allowOverride"),
])
def test_location_override_mode_unlocks(tree, location):
    tree.apphost("<system.webServer><handlers><add name='A' path='*' verb='*'/></handlers></system.webServer>",
                 locations=location)
    tree.web_config("sub", "<system.webServer><handlers><add name='B' path='*.b' verb='GET'/></handlers>"
                           "</system.webServer>")
    cfg = tree.load()
    assert [h.name for h in cfg.effective(cfg.sites[0], "/sub/x")[HandlersSection].items] == ["B", "A"]


def test_location_override_mode_deny_locks_a_delegated_section(tree):
    tree.apphost(locations='<location path="Default Web Site/sub" overrideMode="Deny"><system.webServer>'
                           '<defaultDocument enabled="true"/></system.webServer></location>')
    tree.web_config("", "<system.webServer><defaultDocument enabled='false'/></system.webServer>")
    tree.web_config("sub", "<system.webServer><defaultDocument enabled='false'/></system.webServer>")
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/")[DefaultDocumentSection].enabled is False
    assert _err(cfg, "/sub/").hresult == LOCKED


def test_web_config_location_deny_locks_deeper_files(tree):
    tree.apphost()
    tree.web_config("", '<location path="sub" allowOverride="false"><system.webServer><staticContent/>'
                        '</system.webServer></location>')
    tree.web_config("sub/deeper", "<system.webServer><staticContent enableDocFooter='true'/></system.webServer>")
    cfg = tree.load()
    cfg.effective(cfg.sites[0], "/sub/")
    assert _err(cfg, "/sub/deeper/x").hresult == LOCKED


@pytest.mark.parametrize("body", [
    pytest.param("<system.applicationHost><log logInUTF8='false'/></system.applicationHost>", id="AppHostOnly"),
    pytest.param("<system.webServer><globalModules/></system.webServer>", id="globalModules-AppHostOnly"),
])
def test_allow_definition_apphost_only(tree, body):
    tree.apphost()
    tree.web_config("sub", body)
    assert _err(tree.load()).hresult == LOCKED


def test_allow_definition_machine_to_application(tree):
    sites = """<site name="Default Web Site" id="1">
        <application path="/"><virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot"/></application>
        <application path="/app"><virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot\\app"/></application>
        <bindings><binding protocol="http" bindingInformation="*:80:"/></bindings></site>"""
    tree.apphost(sites=sites, locations='<location path="" overrideMode="Allow"><system.webServer><modules/>'
                                        '</system.webServer></location>')
    tree.web_config("app", "<system.webServer><modules><add name='M' type='T'/></modules></system.webServer>")
    tree.web_config("app/dir", "<system.webServer><modules><add name='N' type='T'/></modules></system.webServer>")
    cfg = tree.load()
    assert [m.name for m in cfg.effective(cfg.sites[0], "/app/")[ModulesSection].items] == ["M"]
    assert _err(cfg, "/app/dir/x").hresult == LOCKED


def test_lock_attributes(tree):
    tree.apphost("<system.webServer><httpErrors lockAttributes='defaultPath,allowAbsolutePathsWhenDelegated'/>"
                 "</system.webServer>")
    tree.web_config("ok", "<system.webServer><httpErrors errorMode='Custom'/></system.webServer>")
    tree.web_config("sub", "<system.webServer>\n<httpErrors defaultPath='x.htm'/></system.webServer>")
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/ok/")[HttpErrorsSection].error_mode == "Custom"
    e = _err(cfg)
    assert (e.hresult, e.line, e.attribute) == (LOCKED, 4, "defaultPath")


def test_lock_all_attributes_except(tree):
    tree.apphost("<system.webServer><staticContent lockAllAttributesExcept='enableDocFooter'/></system.webServer>")
    tree.web_config("ok", "<system.webServer><staticContent enableDocFooter='true'/></system.webServer>")
    tree.web_config("sub", "<system.webServer><staticContent defaultDocFooter='x'/></system.webServer>")
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/ok/")[StaticContentSection].enable_doc_footer is True
    assert _err(cfg).hresult == LOCKED


def test_lock_elements(tree):
    tree.apphost("<system.webServer><staticContent lockElements='clientCache,clear'/></system.webServer>")
    tree.web_config("ok", "<system.webServer><staticContent><mimeMap fileExtension='.q' mimeType='a/q'/>"
                          "</staticContent></system.webServer>")
    tree.web_config("sub", "<system.webServer><staticContent><clientCache setEtag='false'/></staticContent>"
                           "</system.webServer>")
    tree.web_config("sub2", "<system.webServer><staticContent><clear/></staticContent></system.webServer>")
    cfg = tree.load()
    assert len(cfg.effective(cfg.sites[0], "/ok/")[StaticContentSection].items) == 1
    assert _err(cfg).hresult == LOCKED
    assert _err(cfg, "/sub2/").hresult == LOCKED


def test_lock_item_blocks_remove_and_clear(tree):
    tree.apphost("<system.webServer><defaultDocument><files><add value='a.htm' lockItem='true'/><add value='b.htm'/>"
                 "</files></defaultDocument></system.webServer>")
    tree.web_config("ok", "<system.webServer><defaultDocument><files><remove value='B.HTM'/></files>"
                          "</defaultDocument></system.webServer>")
    tree.web_config("sub", "<system.webServer><defaultDocument><files><remove value='a.htm'/></files>"
                           "</defaultDocument></system.webServer>")
    tree.web_config("sub2", "<system.webServer><defaultDocument><files><clear/></files>"
                            "</defaultDocument></system.webServer>")
    cfg = tree.load()
    assert [f.value for f in cfg.effective(cfg.sites[0], "/ok/")[DefaultDocumentSection].files.items] == ["a.htm"]
    assert _err(cfg).hresult == LOCKED
    assert _err(cfg, "/sub2/").hresult == LOCKED


def test_locks_are_not_inherited_by_siblings(tree):
    tree.apphost()
    tree.web_config("a", "<system.webServer><staticContent lockAttributes='enableDocFooter'/></system.webServer>")
    tree.web_config("a/b", "<system.webServer><staticContent enableDocFooter='true'/></system.webServer>")
    tree.web_config("c", "<system.webServer><staticContent enableDocFooter='true'/></system.webServer>")
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/c/")[StaticContentSection].enable_doc_footer is True
    assert _err(cfg, "/a/b/").hresult == LOCKED


def test_lock_all_elements_except(tree):
    tree.apphost("<system.webServer><security><requestFiltering lockAllElementsExcept='hiddenSegments'/>"
                 "</security></system.webServer>")
    tree.web_config("ok", "<system.webServer><security><requestFiltering><hiddenSegments><add segment='x'/>"
                          "</hiddenSegments></requestFiltering></security></system.webServer>")
    tree.web_config("sub", "<system.webServer><security><requestFiltering><verbs allowUnlisted='false'/>"
                           "</requestFiltering></security></system.webServer>")
    cfg = tree.load()
    from w3py.config.sections import RequestFilteringSection
    assert cfg.effective(cfg.sites[0], "/ok/")[RequestFilteringSection].hidden_segments.items[0].segment == "x"
    assert _err(cfg).hresult == LOCKED


def test_override_mode_inherit_keeps_the_default(tree):
    tree.apphost(locations='<location path="Default Web Site" overrideMode="Inherit"><system.webServer>'
                           '<handlers/><defaultDocument/></system.webServer></location>')
    tree.web_config("ok", "<system.webServer><defaultDocument enabled='false'/></system.webServer>")
    tree.web_config("sub", "<system.webServer><handlers/></system.webServer>")
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/ok/")[DefaultDocumentSection].enabled is False
    assert _err(cfg).hresult == LOCKED
