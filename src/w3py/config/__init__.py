"""The configuration system: applicationHost.config + web.config, read and merged as IIS does.

Public surface (docs/internals.md, "Configuration")::

    cfg = load_server_config(path)          # ServerConfig; raises ConfigError
    cfg.sites, cfg.site_by_id(1), cfg.log, cfg.root, cfg.path
    cfg.effective(site, "/a/b")[StaticContentSection]
"""

from w3py.config.server import EffectiveConfig, ServerConfig, load_server_config, server_root
from w3py.config.sites import Application, Binding, MappedPath, Site, VirtualDirectory
from w3py.errors import ConfigError

DEFAULT_APPLICATION_HOST_CONFIG = "default/applicationHost.config"


def default_config_path():
    """The embedded default applicationHost.config (package data)."""
    from importlib.resources import files

    return files("w3py.config").joinpath(DEFAULT_APPLICATION_HOST_CONFIG)


__all__ = [
    "load_server_config", "ServerConfig", "EffectiveConfig", "Site", "Binding", "Application",
    "VirtualDirectory", "MappedPath", "ConfigError", "server_root", "default_config_path",
]
