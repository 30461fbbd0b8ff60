"""w3py's own sections (``<w3py><compatibility/><staticFiles/></w3py>``): the group is declared implicitly in
every applicationHost.config, an explicit declaration is honoured, and the sections load, merge and lock like
IIS sections (compatibility is AppHostOnly/Deny, staticFiles delegated everywhere)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from w3py.config import ConfigError, default_config_path, load_server_config
from w3py.config.sections import CompatibilitySection, StaticContentSection, StaticFilesSection
from w3py.modules.request_filtering.module import iis10_status_codes
from w3py.testing.config import ConfigTree

LOCKED = 0x80070021
INVALID = 0x8007000D
DUPLICATE = 0x800700B7
IIS_LIKE = Path(__file__).parent / "data" / "iis_like_applicationHost.config"


@pytest.fixture
def tree(tmp_path):
    return ConfigTree(tmp_path)


def _err(cfg, vpath="/sub/x") -> ConfigError:
    with pytest.raises(ConfigError) as ei:
        cfg.effective(cfg.sites[0], vpath)
    return ei.value


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


# --- the implicit declaration ------------------------------------------------------------------------------
def test_windows_file_accepts_w3py_without_declaring_it(tree):
    # A Windows-shaped file with a full <configSections> that never mentions w3py.
    text = IIS_LIKE.read_text(encoding="utf-8")
    assert "<w3py" not in text and 'name="w3py"' not in text
    text = text.replace("</configuration>", '<w3py><compatibility iis10StatusCodes="true"/>\n'
                                            '<staticFiles serveDotFiles="true"/></w3py>\n</configuration>')
    tree.write_apphost(text)
    cfg = tree.load()
    web = cfg.sites[0]
    eff = cfg.effective(web, "/")
    assert eff[CompatibilitySection].iis10_status_codes is True
    assert eff[StaticFilesSection].serve_dot_files is True
    assert eff[StaticFilesSection].case_insensitive_file_names is True   # default
    assert iis10_status_codes(eff) is True
    decl = cfg.declarations["w3py/compatibility"]
    assert (decl.override_mode_default, decl.allow_definition, decl.cls) == ("Deny", "AppHostOnly",
                                                                             CompatibilitySection)
    decl = cfg.declarations["w3py/staticFiles"]
    assert (decl.override_mode_default, decl.allow_definition, decl.cls) == ("Allow", "Everywhere",
                                                                             StaticFilesSection)
    # w3py's sections are implemented, so config check does not list them as ignored
    assert not any(p.startswith("w3py") for p in cfg.not_implemented)


def test_defaults_when_absent(tree):
    shutil.copy(IIS_LIKE, tree.apphost_path)
    cfg = tree.load()
    eff = cfg.effective(cfg.sites[0], "/a/b.txt")
    assert eff[CompatibilitySection].iis10_status_codes is False
    assert (eff[StaticFilesSection].case_insensitive_file_names, eff[StaticFilesSection].serve_dot_files) == \
        (True, False)
    assert eff[StaticFilesSection].origin is None
    assert iis10_status_codes(eff) is False


def test_shorthand_file_without_config_sections(tree):
    tree.apphost('<w3py><staticFiles caseInsensitiveFileNames="false"/></w3py>')
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/")[StaticFilesSection].case_insensitive_file_names is False


def test_embedded_default_carries_both_sections_with_their_defaults(tmp_path):
    path = Path(str(default_config_path()))
    (tmp_path / "inetpub/wwwroot").mkdir(parents=True)  # a missing site folder is 500.19 0x80070003
    cfg = load_server_config(path, root=tmp_path)
    eff = cfg.effective(cfg.sites[0], "/")
    compat, files = eff[CompatibilitySection], eff[StaticFilesSection]
    assert compat.iis10_status_codes is False and files.serve_dot_files is False
    assert files.case_insensitive_file_names is True
    # written in the file (not just schema defaults), and not declared there: the group is built in
    assert compat.origin == (str(path), _line_of(path, "<compatibility iis10StatusCodes="))
    assert files.origin_of("serve_dot_files") == (str(path), _line_of(path, "<staticFiles "))
    assert 'name="w3py"' not in path.read_text(encoding="utf-8")


# --- explicit declarations -----------------------------------------------------------------------------------
def test_explicit_declaration_does_not_clash(tree):
    tree.apphost('<w3py><compatibility iis10StatusCodes="true"/><staticFiles serveDotFiles="true"/></w3py>',
                 config_sections='<sectionGroup name="system.applicationHost"><section name="sites" '
                                 'overrideModeDefault="Deny" allowDefinition="AppHostOnly"/></sectionGroup>'
                                 '<sectionGroup name="w3py"><section name="compatibility" '
                                 'overrideModeDefault="Deny" allowDefinition="AppHostOnly"/></sectionGroup>')
    cfg = tree.load()
    eff = cfg.effective(cfg.sites[0], "/")
    # compatibility from the file's own declaration, staticFiles from the implicit one
    assert eff[CompatibilitySection].iis10_status_codes is True
    assert eff[StaticFilesSection].serve_dot_files is True


def test_explicit_declaration_delegation_is_honoured(tree):
    # The file is authoritative for what it declares: here it locks staticFiles at server level.
    tree.apphost("", config_sections='<sectionGroup name="system.applicationHost"><section name="sites" '
                                     'allowDefinition="AppHostOnly"/></sectionGroup><sectionGroup name="w3py">'
                                     '<section name="staticFiles" overrideModeDefault="Deny"/></sectionGroup>')
    wc = tree.web_config("sub", '<w3py>\n<staticFiles serveDotFiles="true"/>\n</w3py>')
    cfg = tree.load()
    e = _err(cfg)
    assert (e.hresult, e.file, e.line, e.section) == (LOCKED, str(wc), 4, "w3py/staticFiles")


def test_web_config_cannot_redeclare_a_w3py_section(tree):
    tree.apphost()
    wc = tree.web_config("sub", '<configSections>\n<sectionGroup name="w3py"><section name="staticFiles"/>'
                                '</sectionGroup></configSections>')
    cfg = tree.load()
    e = _err(cfg)
    assert (e.hresult, e.file, e.line) == (DUPLICATE, str(wc), 4)
    assert "already declared" in e.message


# --- compatibility: server level only ------------------------------------------------------------------------
def test_compatibility_in_web_config_is_500_19_with_file_and_line(tree):
    tree.apphost()
    wc = tree.web_config("sub", '<w3py>\n  <compatibility iis10StatusCodes="true" />\n</w3py>')
    cfg = tree.load()
    e = _err(cfg, "/sub/page.htm")
    assert (e.hresult, e.file, e.line, e.section) == (LOCKED, str(wc), 4, "w3py/compatibility")
    assert "AppHostOnly" in e.message
    assert f"{wc}:4:" in e.one_line() and "0x80070021" in e.one_line()
    # the rest of the site keeps working, with the switch off
    assert cfg.effective(cfg.sites[0], "/other/x")[CompatibilitySection].iis10_status_codes is False


def test_compatibility_cannot_be_unlocked_for_a_web_config(tree):
    # overrideMode="Allow" lifts the Deny, but AppHostOnly still keeps it out of every web.config.
    tree.apphost(locations='<location path="Default Web Site" overrideMode="Allow"><w3py><staticFiles/></w3py>'
                           '</location>')
    wc = tree.web_config("", '<w3py><compatibility iis10StatusCodes="true"/></w3py>')
    cfg = tree.load()
    e = _err(cfg, "/x")
    assert (e.hresult, e.file, e.line, e.section) == (LOCKED, str(wc), 3, "w3py/compatibility")


def test_compatibility_in_a_site_location_is_refused_at_load(tree):
    path = tree.apphost(locations='<location path="Default Web Site">\n<w3py><compatibility '
                                  'iis10StatusCodes="true"/></w3py></location>')
    with pytest.raises(ConfigError) as ei:
        tree.load()
    e = ei.value
    assert (e.hresult, e.file, e.section) == (LOCKED, str(path), "w3py/compatibility")
    assert e.line == _line_of(path, "<w3py><compatibility")


def test_compatibility_in_the_server_wide_location(tree):
    tree.apphost(locations='<location path=""><w3py><compatibility iis10StatusCodes="true"/></w3py></location>')
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/a/b")[CompatibilitySection].iis10_status_codes is True


# --- staticFiles: delegated, merged per directory --------------------------------------------------------
def test_static_files_merge_down_the_tree(tree):
    tree.apphost('<w3py><staticFiles caseInsensitiveFileNames="true" serveDotFiles="false"/></w3py>',
                 locations='<location path="Default Web Site/loc"><w3py><staticFiles serveDotFiles="true"/>'
                           '</w3py></location>')
    root_wc = tree.web_config("", '<w3py><staticFiles caseInsensitiveFileNames="false"/></w3py>')
    sub_wc = tree.web_config("a/b", '<w3py><staticFiles serveDotFiles="true"/></w3py>')
    cfg = tree.load()
    site = cfg.sites[0]

    def values(vpath):
        s = cfg.effective(site, vpath)[StaticFilesSection]
        return s.case_insensitive_file_names, s.serve_dot_files

    assert values("/") == (False, False)
    assert values("/a/x") == (False, False)
    assert values("/a/b/x") == (False, True)
    assert values("/loc/x") == (False, True)
    leaf = cfg.effective(site, "/a/b/c/d")[StaticFilesSection]
    assert leaf.origin_of("case_insensitive_file_names") == (str(root_wc), 3)
    assert leaf.origin_of("serve_dot_files") == (str(sub_wc), 3)
    # sections are independent: staticFiles in a web.config does not disturb IIS's staticContent
    assert cfg.effective(site, "/a/b/x")[StaticContentSection] == cfg.effective(site, "/")[StaticContentSection]


def test_static_files_can_be_locked_for_a_site(tree):
    tree.apphost(locations='<location path="Default Web Site" overrideMode="Deny"><w3py><staticFiles/></w3py>'
                           '</location>')
    wc = tree.web_config("sub", '<w3py><staticFiles serveDotFiles="true"/></w3py>')
    cfg = tree.load()
    e = _err(cfg)
    assert (e.hresult, e.file, e.line, e.section) == (LOCKED, str(wc), 3, "w3py/staticFiles")


def test_static_files_lock_attributes(tree):
    tree.apphost('<w3py><staticFiles lockAttributes="serveDotFiles"/></w3py>')
    tree.web_config("ok", '<w3py><staticFiles caseInsensitiveFileNames="false"/></w3py>')
    wc = tree.web_config("sub", '<w3py><staticFiles serveDotFiles="true"/></w3py>')
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/ok/x")[StaticFilesSection].case_insensitive_file_names is False
    e = _err(cfg)
    assert (e.hresult, e.file, e.line, e.attribute) == (LOCKED, str(wc), 3, "serveDotFiles")


# --- bad input -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "hresult", "text"), [
    pytest.param('<w3py>\n<staticFiles serveDotFiles="yes"/></w3py>', INVALID, "Boolean", id="bad-bool"),
    pytest.param('<w3py>\n<staticFiles hidden="true"/></w3py>', INVALID, "unrecognized attribute", id="unknown-attr"),
    pytest.param('<w3py>\n<mimeTypes/></w3py>', INVALID, "not declared", id="unknown-section"),
    pytest.param('<w3py><staticFiles/>\n<staticFiles/></w3py>', DUPLICATE, "duplicate", id="duplicate"),
    pytest.param('<w3py>\n<staticFiles><child/></staticFiles></w3py>', INVALID, "unrecognized element",
                 id="unknown-element"),
    pytest.param('<w3py enabled="true">\n</w3py>', INVALID, "section group", id="attribute-on-group"),
])
def test_bad_w3py_markup_in_web_config(tree, body, hresult, text):
    tree.apphost()
    wc = tree.web_config("sub", body)
    cfg = tree.load()
    e = _err(cfg)
    assert (e.hresult, e.file) == (hresult, str(wc)) and text in e.message
    assert e.line in (3, 4)


def test_config_show_prints_the_w3py_group(tree, monkeypatch):
    from w3py.cli.main import main

    monkeypatch.delenv("W3PY_ROOT", raising=False)
    tree.apphost('<w3py><compatibility iis10StatusCodes="true"/></w3py>')
    tree.web_config("a", '<w3py><staticFiles serveDotFiles="true"/></w3py>')
    for section in ("w3py/staticFiles", "staticFiles"):
        r = CliRunner().invoke(main, ["config", "show", "--config", str(tree.apphost_path), "--path", "/a/x",
                                      "--section", section], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        assert "<w3py>" in r.output and 'serveDotFiles="true"' in r.output and "</w3py>" in r.output
    r = CliRunner().invoke(main, ["config", "show", "--config", str(tree.apphost_path), "--section",
                                  "compatibility"], catch_exceptions=False)
    assert 'iis10StatusCodes="true"' in r.output
