"""Caching and change detection: web.config edits, additions and deletions are seen by the next lookup;
unaffected paths keep their cached objects; caches are bounded."""

from __future__ import annotations

import os

import pytest

from w3py.config import ConfigError, server as server_mod
from w3py.config.sections import DirectoryBrowseSection, StaticContentSection
from w3py.testing.config import ConfigTree

ON = "<system.webServer><directoryBrowse enabled='true'/></system.webServer>"
OFF = "<system.webServer><directoryBrowse enabled='false'/></system.webServer>"


@pytest.fixture
def tree(tmp_path):
    t = ConfigTree(tmp_path)
    t.apphost()
    return t


def _enabled(cfg, vpath):
    return cfg.effective(cfg.sites[0], vpath)[DirectoryBrowseSection].enabled


def test_add_edit_delete_web_config(tree):
    cfg = tree.load()
    assert _enabled(cfg, "/sub/x") is False
    path = tree.web_config("sub", ON)
    assert _enabled(cfg, "/sub/x") is True
    tree.web_config("sub", "<system.webServer><directoryBrowse enabled='false' /></system.webServer>")
    assert _enabled(cfg, "/sub/x") is False
    tree.web_config("sub", ON)
    assert _enabled(cfg, "/sub/x") is True
    path.unlink()
    assert _enabled(cfg, "/sub/x") is False


def test_same_size_edit_within_one_timestamp_tick(tree):
    cfg = tree.load()
    path = tree.web_config("sub", "<system.webServer><directoryBrowse enabled='true' /></system.webServer>")
    st = os.stat(path)
    assert _enabled(cfg, "/sub/") is True
    tree.web_config("sub", "<system.webServer><directoryBrowse enabled='false'/></system.webServer>")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime, same inode
    assert os.stat(path).st_size == st.st_size
    assert _enabled(cfg, "/sub/") is False


def test_fixing_a_broken_file(tree):
    cfg = tree.load()
    tree.web_config("sub", "<system.webServer><directoryBrowse enabled='yes'/></system.webServer>")
    with pytest.raises(ConfigError):
        cfg.effective(cfg.sites[0], "/sub/deeper/x")
    assert _enabled(cfg, "/other/") is False
    tree.web_config("sub", ON)
    assert _enabled(cfg, "/sub/deeper/x") is True


def test_unaffected_paths_keep_their_objects(tree):
    tree.web_config("a", ON)
    tree.web_config("b", OFF)
    cfg = tree.load()
    site = cfg.sites[0]
    a, b = cfg.effective(site, "/a/"), cfg.effective(site, "/b/")
    tree.web_config("b", ON)
    assert cfg.effective(site, "/a/") is a
    b2 = cfg.effective(site, "/b/")
    assert b2 is not b and b2[DirectoryBrowseSection].enabled is True
    assert cfg.effective(site, "/b/") is b2
    # sections nobody touched are shared with the parent level
    assert b2[StaticContentSection] is cfg.effective(site, "/")[StaticContentSection]


def test_poll_interval_defers_checks_until_due(tree):
    cfg = tree.load(poll_interval=3600)
    assert _enabled(cfg, "/sub/") is False
    tree.web_config("sub", ON)
    assert _enabled(cfg, "/sub/") is False        # not re-checked yet: served from the cache
    assert cfg.check_for_changes() is True
    assert _enabled(cfg, "/sub/") is True
    assert cfg.check_for_changes() is False


def test_caches_are_bounded(tree, monkeypatch):
    monkeypatch.setattr(server_mod, "MAX_CACHED_PATHS", 50)
    monkeypatch.setattr(server_mod, "MAX_CACHED_LEVELS", 20)
    cfg = tree.load(poll_interval=3600)
    site = cfg.sites[0]
    for i in range(500):
        cfg.effective(site, f"/d{i}/f{i}.htm")
    assert len(cfg._paths) <= 50 and len(cfg._levels) <= 20
    cfg.check_for_changes()
    assert len(cfg._deps) <= 3 * 20  # files only evicted levels read are forgotten too
    assert _enabled(cfg, "/d1/f1.htm") is False


@pytest.mark.parametrize("vpath", [
    pytest.param("/" + "a" * 300 + "/" + "b" * 5000 + "/x", id="name-too-long"),
    pytest.param("/a\x00b/c", id="nul"),
    pytest.param("/loop/x", id="symlink-loop"),
    pytest.param("/../../etc/", id="dot-segments"),
    pytest.param("//double//slashes/", id="double-slashes"),
    pytest.param("", id="empty"),
    pytest.param("/s" * 3000, id="3000-segments"),  # deeper than MAX_CONFIG_DEPTH
])
def test_hostile_paths_never_crash_the_lookup(tree, vpath):
    (tree.wwwroot / "loop").symlink_to(tree.wwwroot / "loop")
    cfg = tree.load()
    assert cfg.effective(cfg.sites[0], vpath)[DirectoryBrowseSection].enabled is False


def test_a_cached_error_does_not_grow_its_traceback(tree):
    import traceback

    tree.web_config("sub", "<system.webServer><directoryBrowse enabled='x'/></system.webServer>")
    cfg = tree.load(poll_interval=3600)
    depths = []
    for _ in range(5):
        try:
            cfg.effective(cfg.sites[0], "/sub/")
        except ConfigError as exc:
            depths.append(len(traceback.extract_tb(exc.__traceback__)))
    assert len(set(depths[1:])) == 1


def test_last_good_configuration_for_an_error_path(tree):
    tree.web_config("a", ON)
    tree.web_config("a/b", "<system.webServer><directoryBrowse enabled='x'/></system.webServer>")
    cfg = tree.load()
    site = cfg.sites[0]
    good = cfg.last_good(site, "/a/b/c/")
    assert good is cfg.effective(site, "/a") and good[DirectoryBrowseSection].enabled is True
    tree.web_config("", "<system.webServer><directoryBrowse enabled='x'/></system.webServer>")
    assert cfg.last_good(site, "/a/b/c/") is cfg.server_config


EXTRA_VDIR_SITE = """\
      <site name="Default Web Site" id="1">
        <application path="/">
          <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />
          <virtualDirectory path="/extra" physicalPath="%SystemDrive%\\extra" />
        </application>
        <bindings><binding protocol="http" bindingInformation="*:8080:" /></bindings>
      </site>
"""


def test_missing_virtual_directory_folder_is_0x80070003_until_it_appears(tmp_path):
    # IIS: a virtual directory whose physicalPath is not there is 500.19 0x80070003 for every URL under it
    # (reference §5.9); the rest of the site is unaffected, and the folder coming back is noticed by the poll.
    tree = ConfigTree(tmp_path)
    tree.apphost(sites=EXTRA_VDIR_SITE)
    cfg = tree.load(poll_interval=3600)
    site = cfg.sites[0]
    folder = site.map_path("/extra").physical_path
    assert not folder.exists()
    for vpath in ("/extra", "/extra/deeper/report.pdf"):
        with pytest.raises(ConfigError) as err:
            cfg.effective(site, vpath)
        assert err.value.hresult == 0x80070003
        assert str(folder) in err.value.message
    assert _enabled(cfg, "/other/x") is False
    folder.mkdir(parents=True)
    with pytest.raises(ConfigError):  # not re-checked before the poll interval: no stat per lookup
        cfg.effective(site, "/extra/a.txt")
    assert cfg.check_for_changes() is True
    assert _enabled(cfg, "/extra/a.txt") is False
    (folder / "new.txt").write_text("x")  # the folder's content changing is not a configuration change
    assert cfg.check_for_changes() is False
    folder.joinpath("new.txt").unlink()
    folder.rmdir()
    assert cfg.check_for_changes() is True
    with pytest.raises(ConfigError):
        cfg.effective(site, "/extra/a.txt")


def test_missing_site_root_folder_is_0x80070003(tmp_path):
    tree = ConfigTree(tmp_path)
    tree.apphost(sites=EXTRA_VDIR_SITE.replace("inetpub\\wwwroot", "nowhere"))
    cfg = tree.load()
    with pytest.raises(ConfigError) as err:
        cfg.effective(cfg.sites[0], "/a.txt")
    assert err.value.hresult == 0x80070003
