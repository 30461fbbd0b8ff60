"""``w3py config show`` / ``w3py config check`` through click, as a user runs them."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from w3py.cli.main import main
from w3py.testing.config import ConfigTree


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.delenv("W3PY_ROOT", raising=False)
    t = ConfigTree(tmp_path)
    t.apphost("<system.webServer><staticContent><mimeMap fileExtension='.txt' mimeType='text/plain'/>"
              "</staticContent></system.webServer>",
              locations='<location path="Default Web Site/loc"><system.webServer><staticContent>'
                        '<mimeMap fileExtension=".txt" mimeType="x/dup"/></staticContent></system.webServer>'
                        '</location>')
    return t


def run(*args):
    return CliRunner().invoke(main, ["config", *args], catch_exceptions=False)


def test_show_prints_values_and_origins(tree):
    tree.web_config("a", "<system.webServer>\n<staticContent enableDocFooter='true'/></system.webServer>")
    r = run("show", "--config", str(tree.apphost_path), "--path", "/a/x.htm", "--section", "staticContent")
    assert r.exit_code == 0, r.output
    assert 'enableDocFooter="true"> <!-- inetpub/wwwroot/a/web.config:4 (enableDocFooter) -->' in r.output
    assert '<mimeMap fileExtension=".txt" mimeType="text/plain" /> <!-- config/applicationHost.config:' in r.output
    assert "<clientCache" in r.output and "<!-- default -->" in r.output
    assert "<defaultDocument" not in r.output


def test_show_errors(tree):
    assert run("show", "--config", str(tree.apphost_path), "--site", "Nope").exit_code == 2
    assert run("show", "--config", str(tree.apphost_path), "--section", "nothing").exit_code == 2
    r = run("show", "--config", str(tree.apphost_path), "--path", "/loc/")
    assert r.exit_code == 1 and "0x800700b7" in r.output


def test_show_embedded_default(monkeypatch):
    monkeypatch.delenv("W3PY_ROOT", raising=False)
    r = run("show", "--section", "handlers", "--site", "1")
    assert r.exit_code == 0 and 'name="StaticFile"' in r.output


def test_check_lists_errors_and_not_implemented(tree):
    tree.web_config("ok", "<system.web><compilation debug='true'/></system.web>"
                          "<system.webServer><rewrite><rules/></rewrite></system.webServer>")
    tree.web_config("bad", "<system.webServer>\n<directoryBrowse enabled='perhaps'/></system.webServer>")
    r = run("check", "--config", str(tree.apphost_path))
    assert r.exit_code == 1
    bad = str(tree.wwwroot / "bad" / "web.config")
    assert f"error: {bad}:4: " in r.output and "0x8007000d" in r.output
    assert "0x800700b7" in r.output  # the duplicate inside applicationHost.config's <location path=".../loc">
    assert "not implemented" in r.output
    assert "system.web " in r.output and "system.webServer/rewrite/rules" in r.output
    assert "3 file(s) checked: 2 error(s)" in r.output


def test_check_ok(tmp_path, monkeypatch):
    monkeypatch.delenv("W3PY_ROOT", raising=False)
    t = ConfigTree(tmp_path)
    t.apphost()
    t.web_config("x", "<system.webServer><directoryBrowse enabled='true'/></system.webServer>")
    r = run("check", "--config", str(t.apphost_path))
    assert r.exit_code == 0 and "2 file(s) checked: OK" in r.output


def test_check_broken_apphost(tmp_path):
    t = ConfigTree(tmp_path)
    t.write_apphost("<configuration>")
    r = run("check", "--config", str(t.apphost_path))
    assert r.exit_code == 1 and "error:" in r.output and "0x8007000d" in r.output


def test_check_walks_every_site_and_virtual_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("W3PY_ROOT", raising=False)
    t = ConfigTree(tmp_path)
    sites = """<site name="One" id="1">
        <application path="/"><virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot"/>
          <virtualDirectory path="/media" physicalPath="%SystemDrive%\\media"/></application>
        <application path="/app"><virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot\\app"/>
        </application></site>
      <site name="Two" id="2"><application path="/"><virtualDirectory path="/" physicalPath="%SystemDrive%\\two"/>
        </application></site>"""
    t.apphost(sites=sites)
    t.web_config("app/x", "<system.webServer><directoryBrowse enabled='true'/></system.webServer>")
    for rel, body in (("media/sub", "<system.webServer><bogus/></system.webServer>"),
                      ("two", "<system.webServer><directoryBrowse enabled='2'/></system.webServer>")):
        (tmp_path / rel).mkdir(parents=True)
        (tmp_path / rel / "web.config").write_text(f"<configuration>{body}</configuration>")
    r = run("check", "--config", str(t.apphost_path))
    assert r.exit_code == 1
    assert f"{tmp_path}/media/sub/web.config:1:" in r.output and "is not declared in <configSections>" in r.output
    assert f"{tmp_path}/two/web.config:1:" in r.output
    assert "4 file(s) checked: 2 error(s)" in r.output
