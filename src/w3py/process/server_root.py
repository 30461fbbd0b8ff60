"""The server root used when ``w3py serve`` gets no ``--config``: IIS's on-disk layout under one folder
(``%SystemDrive%``), created on first run from the embedded default configuration.

    <root>/config/applicationHost.config     the embedded default ("Default Web Site", id 1, *:8080:)
    <root>/inetpub/wwwroot/iisstart.htm      a welcome page (a default document of the default config)
    <root>/inetpub/custerr/<lang>/*.htm      the custom error pages httpErrors points at
    <root>/inetpub/logs/LogFiles/            the sites' W3C logs
    <root>/logs/HTTPERR/                     the listener's error log

Existing files are never overwritten: a root is created once, then it belongs to its user.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from w3py.server.httperr import httperr_directory

# The folder used when neither --config nor W3PY_ROOT says otherwise (relative to the working directory).
DEFAULT_ROOT_NAME = "w3py-root"
ROOT_ENV = "W3PY_ROOT"

WELCOME_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>w3py</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 3em auto; max-width: 40em; color: #222; }
  h1 { font-weight: 400; color: #0b5394; }
  code { background: #f2f2f2; padding: 0 .3em; }
</style>
</head>
<body>
<h1>w3py is running</h1>
<p>This is the welcome page of the <strong>Default Web Site</strong>, served from
<code>inetpub/wwwroot/iisstart.htm</code> under the server root.</p>
<p>Put your files in <code>inetpub/wwwroot/</code>, or describe your sites in
<code>config/applicationHost.config</code> exactly as you would for IIS, then reload with
<code>kill -HUP</code> or restart <code>w3py serve</code>.</p>
</body>
</html>
"""


def default_root() -> Path:
    """``$W3PY_ROOT`` if set, else ``./w3py-root``."""
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT_NAME).absolute()


def ensure_server_root(root: Path) -> Path:
    """Create the layout above under ``root`` where it is missing; returns the applicationHost.config path."""
    from w3py.config import default_config_path

    root = Path(root)
    config_path = root / "config" / "applicationHost.config"
    if not config_path.exists():
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_bytes(default_config_path().read_bytes())
    wwwroot = root / "inetpub" / "wwwroot"
    wwwroot.mkdir(parents=True, exist_ok=True)
    welcome = wwwroot / "iisstart.htm"
    if not welcome.exists() and not any(wwwroot.iterdir()):
        welcome.write_text(WELCOME_PAGE, encoding="utf-8")
    custerr = root / "inetpub" / "custerr"
    if not custerr.exists():
        source = Path(str(default_config_path())).parent / "custerr"
        if source.is_dir():
            shutil.copytree(source, custerr)
    (root / "inetpub" / "logs" / "LogFiles").mkdir(parents=True, exist_ok=True)
    httperr_directory(root).mkdir(parents=True, exist_ok=True)
    return config_path
