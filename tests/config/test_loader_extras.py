"""Server root, environment variables, the .NET config namespace, inheritInChildApplications, reload."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from w3py.config import ConfigError, load_server_config, server_root
from w3py.config.env import EnvExpander
from w3py.config.sections import DirectoryBrowseSection, HttpErrorsSection, StaticContentSection
from w3py.testing.config import ConfigTree, apphost_xml

APPS = """<site name="Default Web Site" id="1">
  <application path="/"><virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot"/></application>
  <application path="/app"><virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot\\app"/></application>
  <bindings><binding protocol="http" bindingInformation="*:80:"/></bindings></site>"""


def test_server_root_rules(tmp_path, monkeypatch):
    monkeypatch.delenv("W3PY_ROOT", raising=False)
    (tmp_path / "config").mkdir()
    assert server_root(tmp_path / "config" / "applicationHost.config") == tmp_path.resolve()
    assert server_root(tmp_path / "elsewhere" / "applicationHost.config") == (tmp_path / "elsewhere").resolve()
    monkeypatch.setenv("W3PY_ROOT", str(tmp_path / "r"))
    assert server_root(tmp_path / "config" / "applicationHost.config") == (tmp_path / "r").resolve()


def test_environment_variables():
    env = EnvExpander(Path("/srv/root"), {"TEMP": "/var/tmp", "MyVar": "v"})
    assert env.expand("%SystemDrive%\\inetpub") == "/srv/root\\inetpub"
    assert env.to_path("%SystemDrive%\\inetpub\\wwwroot") == Path("/srv/root/inetpub/wwwroot")
    assert env.to_path("%systemdrive%\\x") == Path("/srv/root/x")
    assert env.to_path("C:\\inetpub\\wwwroot") == Path("/srv/root/inetpub/wwwroot")
    assert env.expand("%TEMP%/a %myvar% %NOPE%") == "/var/tmp/a v %NOPE%"
    assert env.expand("100%") == "100%"


def test_dotnet_config_namespace_is_ignored(tmp_path):
    tree = ConfigTree(tmp_path)
    tree.apphost()
    tree.web_config("sub", '<configuration xmlns="http://schemas.microsoft.com/.NetConfiguration/v2.0">'
                           '<system.webServer><directoryBrowse enabled="true"/></system.webServer></configuration>',
                    raw=True)
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], "/sub/")[DirectoryBrowseSection].enabled is True


def test_other_namespaces_are_not_config(tmp_path):
    tree = ConfigTree(tmp_path)
    tree.apphost()
    tree.web_config("sub", '<configuration xmlns="urn:other"><system.webServer/></configuration>', raw=True)
    cfg = tree.load()
    with pytest.raises(ConfigError):
        cfg.effective(cfg.sites[0], "/sub/")


def test_inherit_in_child_applications(tmp_path):
    tree = ConfigTree(tmp_path)
    tree.apphost(sites=APPS, locations='<location path="Default Web Site" inheritInChildApplications="false">'
                                       '<system.webServer><httpErrors errorMode="Detailed"/></system.webServer>'
                                       '</location>')
    tree.web_config("", '<location path="." inheritInChildApplications="false"><system.webServer>'
                        '<directoryBrowse enabled="true"/></system.webServer></location>'
                        '<system.webServer><staticContent enableDocFooter="true"/></system.webServer>')
    (tree.wwwroot / "app").mkdir()  # a missing application folder is 500.19 0x80070003
    cfg = tree.load()
    site = cfg.sites[0]
    root, sub, app = (cfg.effective(site, p) for p in ("/", "/dir/", "/app/x"))
    assert root[DirectoryBrowseSection].enabled is True and sub[DirectoryBrowseSection].enabled is True
    assert root[HttpErrorsSection].error_mode == "Detailed" and sub[HttpErrorsSection].error_mode == "Detailed"
    assert app[DirectoryBrowseSection].enabled is False
    assert app[HttpErrorsSection].error_mode == "DetailedLocalOnly"
    assert app[StaticContentSection].enable_doc_footer is True  # inherited normally


def test_reload_keeps_last_good_configuration(tmp_path, caplog):
    tree = ConfigTree(tmp_path)
    tree.apphost()
    cfg = tree.load()
    assert not cfg.apphost_changed()
    tree.write_apphost(apphost_xml("<system.webServer><directoryBrowse enabled='true'/></system.webServer>"))
    assert cfg.apphost_changed()
    new = cfg.reload()
    assert new is not cfg and new.effective(new.sites[0], "/")[DirectoryBrowseSection].enabled is True
    tree.write_apphost("<configuration><oops></configuration>")
    with caplog.at_level(logging.ERROR, logger="w3py.config"):
        assert new.reload() is new
    assert "keeping the last good configuration" in caplog.text and "0x8007000d" in caplog.text


def test_start_up_error_is_one_readable_line(tmp_path):
    tree = ConfigTree(tmp_path)
    tree.write_apphost("<configuration>\n<system.webServer>\n<staticContent enableDocFooter='maybe'/>\n"
                       "</system.webServer>\n</configuration>")
    with pytest.raises(ConfigError) as ei:
        load_server_config(tree.apphost_path, root=tmp_path)
    line = ei.value.one_line()
    assert "\n" not in line and line.startswith(f"{tree.apphost_path}:3: ") and "0x8007000d" in line


def test_expanded_strings_map_drives_too():
    env = EnvExpander(Path("/srv/root"), {})
    assert env.to_path_text("C:\\php\\php-cgi.exe|-c x") == "/srv/root/php/php-cgi.exe|-c x"
    assert env.to_path_text("http://example.com/x") == "http://example.com/x"
    assert env.to_path_text("/errors/404.htm") == "/errors/404.htm"


def test_unset_variable_in_physical_path_is_refused_not_made_relative(tmp_path, monkeypatch):
    # IIS Express's %IIS_SITES_HOME% is set by iisexpress.exe only; left literal it would be a path relative to
    # the current directory. Serving refuses it with where it was written; config check reports it.
    monkeypatch.delenv("IIS_SITES_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "%IIS_SITES_HOME%" / "WebSite1").mkdir(parents=True)  # must not be served from the cwd
    tree = ConfigTree(tmp_path)
    tree.apphost(sites=APPS.replace('%SystemDrive%\\inetpub\\wwwroot"', '%IIS_SITES_HOME%\\WebSite1"'))
    cfg = tree.load()
    with pytest.raises(ConfigError) as err:
        cfg.effective(cfg.sites[0], "/a.txt")
    assert "%IIS_SITES_HOME%" in err.value.message and err.value.attribute == "physicalPath"
    assert err.value.file == str(tree.apphost_path) and err.value.line
