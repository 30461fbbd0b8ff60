"""A configuration shaped like a real Windows applicationHost.config loads: declarations with type=,
configProtectedData, pools with attributes w3py does not model, FTP and net.tcp sites, sections w3py does not
implement, and <location> blocks."""

from __future__ import annotations

import shutil
from pathlib import Path

from w3py.config import load_server_config
from w3py.config.sections import (
    AccessSection, AnonymousAuthenticationSection, CachingSection, DirectoryBrowseSection, HandlersSection,
    IPSecuritySection, StaticContentSection, WindowsAuthenticationSection,
)
from w3py.testing.config import ConfigTree

DATA = Path(__file__).parent / "data" / "iis_like_applicationHost.config"


def test_iis_like_file_loads(tmp_path):
    tree = ConfigTree(tmp_path)
    shutil.copy(DATA, tree.apphost_path)
    (tmp_path / "apps/api").mkdir(parents=True)  # a missing vdir folder is 500.19 0x80070003
    cfg = load_server_config(tree.apphost_path, root=tmp_path, poll_interval=0)
    web, ftp = cfg.sites
    assert [b[:4] for b in web.bindings[:2]] == [("http", "*", 80, ""), ("https", "*", 443, "www.example.com")]
    assert web.bindings[1].ssl_flags == 1
    assert web.bindings[2].protocol == "net.tcp" and web.bindings[2].information == "808:*"
    assert ftp.bindings[0].protocol == "ftp"
    api = web.map_path("/api/v1/x")
    assert api.application.application_pool == "api" and api.physical_path == tmp_path / "apps/api/v1/x"
    assert web.map_path("/").application.application_pool == "DefaultAppPool"
    assert cfg.effective(web, "/api/")[DirectoryBrowseSection].enabled is True
    assert cfg.effective(web, "/")[DirectoryBrowseSection].enabled is False
    # <location path="" overrideMode="Allow"> unlocked handlers for web.config files
    tree.web_config("", "<system.webServer><handlers><remove name='StaticFile'/></handlers></system.webServer>")
    assert cfg.effective(web, "/x/")[HandlersSection].items == ()
    assert set(cfg.not_implemented) == {
        "system.webServer/asp", "system.webServer/httpCompression", "configProtectedData",
        "system.applicationHost/configHistory", "system.applicationHost/listenerAdapters"}
    e = cfg.effective(web, "/")
    assert e[AnonymousAuthenticationSection].enabled is True and e[AnonymousAuthenticationSection].user_name == "IUSR"
    assert e[WindowsAuthenticationSection].enabled is False
    assert cfg.effective(web, "/api/")[WindowsAuthenticationSection].enabled is True
    assert e[IPSecuritySection].allow_unlisted is True and e[AccessSection].ssl_flags == frozenset()
    assert e[CachingSection].enable_kernel_cache is True
    assert cfg.effective(web, "/")[StaticContentSection].items[0].mime_type == "text/html"
