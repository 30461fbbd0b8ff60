"""Builders for configuration tests: write an applicationHost.config (and web.config files) under a server
root in ``tmp_path`` and load it.

    root = ConfigTree(tmp_path)
    root.apphost(sections='<system.webServer>...</system.webServer>')   # one site on *:8080 at wwwroot
    root.web_config("sub", '<system.webServer>...</system.webServer>')
    cfg = root.load()
"""

from __future__ import annotations

from pathlib import Path

from w3py.config import ServerConfig, load_server_config

SITE_TEMPLATE = """\
      <site name="{name}" id="{id}">
        <application path="/">
          <virtualDirectory path="/" physicalPath="{physical}" />
        </application>
        <bindings><binding protocol="http" bindingInformation="{binding}" /></bindings>
      </site>
"""


def site_xml(name: str = "Default Web Site", id: int = 1, physical: str = r"%SystemDrive%\inetpub\wwwroot",
             binding: str = "*:8080:") -> str:
    return SITE_TEMPLATE.format(name=name, id=id, physical=physical, binding=binding)


def apphost_xml(sections: str = "", sites: str | None = None, config_sections: str = "",
                locations: str = "") -> str:
    """A small applicationHost.config. Without ``config_sections`` the stock declarations are implied."""
    sites = site_xml() if sites is None else sites
    cs = f"  <configSections>\n{config_sections}\n  </configSections>\n" if config_sections else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n{cs}'
            f"  <system.applicationHost>\n    <sites>\n{sites}    </sites>\n  </system.applicationHost>\n"
            f"{sections}\n{locations}\n</configuration>\n")


def web_config_xml(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n{body}\n</configuration>\n'


class ConfigTree:
    """A server root on disk: ``config/applicationHost.config`` and ``inetpub/wwwroot``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.wwwroot = self.root / "inetpub" / "wwwroot"
        self.wwwroot.mkdir(parents=True, exist_ok=True)
        (self.root / "config").mkdir(exist_ok=True)
        self.apphost_path = self.root / "config" / "applicationHost.config"

    def apphost(self, sections: str = "", **kw: str) -> Path:
        self.apphost_path.write_text(apphost_xml(sections, **kw), encoding="utf-8")
        return self.apphost_path

    def write_apphost(self, text: str) -> Path:
        self.apphost_path.write_text(text, encoding="utf-8")
        return self.apphost_path

    def web_config(self, rel: str, body: str | bytes, raw: bool = False) -> Path:
        """Write ``<rel>/web.config`` under wwwroot: ``body`` wrapped in <configuration>, or as is when
        ``raw`` (bytes are always written as is)."""
        folder = self.wwwroot / rel if rel not in ("", "/") else self.wwwroot
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "web.config"
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body if raw else web_config_xml(body), encoding="utf-8")
        return path

    def load(self, poll_interval: float = 0.0) -> ServerConfig:
        return load_server_config(self.apphost_path, poll_interval=poll_interval, root=self.root)
