"""A real w3py server for integration tests: the embedded default applicationHost.config (with the changes a
test asks for) under a server root in ``tmp_path``, the real PipelineApplication, the real listener on
127.0.0.1, and the shipped custom error pages copied to ``<root>/inetpub/custerr`` as a new server root has.

    with live_site(tmp_path, files={"a.txt": "hi"}, web_configs={"": "<system.webServer>...</system.webServer>"}) as s:
        httpx.get(s.url("/a.txt"))
        s.flush_logs(); s.log_files()
"""

from __future__ import annotations

import re
import shutil
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from w3py.testing.pipeline import stock_apphost, write_tree

CUSTERR_SOURCE = Path(__file__).resolve().parents[1] / "config" / "default" / "custerr"


def free_port() -> int:
    """A TCP port that was free a moment ago (configuration needs a real port number; 0 is not valid)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_root(root: Path, *, files: dict[str, bytes | str] | None = None, locations: str = "",
              webserver: str = "", web_configs: dict[str, str] | None = None, log_file: str = "",
              log_file_body: str = "", log_in_utf8: bool = True, port: int | None = None) -> tuple[Path, int]:
    """Write a server root: applicationHost.config (stock, site bound to 127.0.0.1:<port>), wwwroot content,
    web.config files (``{"sub": "<system.webServer>..."}``, ``""`` for the site root), custerr pages.

    ``log_file`` is extra attributes for ``<siteDefaults><logFile .../>`` (``enabled="false"``),
    ``log_file_body`` its children (``<customFields>...``)."""
    port = port or free_port()
    (root / "config").mkdir(parents=True, exist_ok=True)
    wwwroot = root / "inetpub" / "wwwroot"
    wwwroot.mkdir(parents=True, exist_ok=True)
    text = stock_apphost(locations, webserver)
    text = re.sub(r'bindingInformation="\*:8080:"', f'bindingInformation="127.0.0.1:{port}:"', text, count=1)
    if log_file or log_file_body:
        start = text.index('<logFile logFormat="W3C"')
        end = text.index("/>", start)
        element = text[start:end].rstrip() + (f" {log_file}" if log_file else "")
        element += f">{log_file_body}</logFile>" if log_file_body else " />"
        text = text[:start] + element + text[end + 2:]
    if not log_in_utf8:
        text = text.replace('logInUTF8="true"', 'logInUTF8="false"', 1)
    (root / "config" / "applicationHost.config").write_text(text, encoding="utf-8")
    if files:
        write_tree(wwwroot, files)
    for rel, body in (web_configs or {}).items():
        folder = wwwroot / rel.strip("/") if rel.strip("/") else wwwroot
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "web.config").write_text(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n{body}\n</configuration>\n', encoding="utf-8")
    custerr = root / "inetpub" / "custerr"
    if not custerr.exists():
        shutil.copytree(CUSTERR_SOURCE, custerr)
    return root, port


@dataclass
class LiveSite:
    root: Path
    port: int
    server: Any
    app: Any
    config: Any

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def log_dir(self) -> Path:
        return self.root / "inetpub" / "logs" / "LogFiles" / "W3SVC1"

    def flush_logs(self) -> None:
        """Write out every buffered W3C line now (the flusher would within a second)."""
        from w3py.logs import _files

        _files.flush_all()

    def log_files(self) -> list[Path]:
        return sorted(self.log_dir.glob("*.log")) if self.log_dir.exists() else []


@contextmanager
def live_site(tmp_path: Path, **kwargs: Any) -> Iterator[LiveSite]:
    """A running server for the root ``site_root(tmp_path, **kwargs)`` writes; stopped (logs flushed) after."""
    from w3py.config import load_server_config
    from w3py.modules.http_logging import WRITERS
    from w3py.pipeline.application import PipelineApplication
    from w3py.testing.server import RunningServer

    root, port = site_root(Path(tmp_path), **kwargs)
    config = load_server_config(root / "config" / "applicationHost.config", root=root, poll_interval=0)
    app = PipelineApplication(config)
    server = RunningServer(config, app).start()
    try:
        yield LiveSite(root, port, server, app, config)
    finally:
        server.stop()
        app.close()
        WRITERS.close_all()
