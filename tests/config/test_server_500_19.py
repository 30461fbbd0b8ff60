"""Over a real server on a real socket: a broken web.config in /sub gives 500.19 under /sub only (the detailed
page names the file and line), and fixing the file fixes /sub with no restart."""

from __future__ import annotations

import http.client
import re

import pytest

from w3py.testing.config import ConfigTree, site_xml
from w3py.testing.pipeline import stock_apphost

import w3py.pipeline.application  # noqa: F401,E402 - fail, never skip, if a layer is missing

BROKEN = "<system.webServer>\n  <directoryBrowse enabled='sometimes' />\n</system.webServer>"
FIXED = "<system.webServer>\n  <directoryBrowse enabled='true' />\n</system.webServer>"


def _get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.fixture
def served(tmp_path):
    from w3py.pipeline.application import PipelineApplication
    from w3py.testing.server import RunningServer

    tree = ConfigTree(tmp_path)
    text = stock_apphost()
    start = text.index("<site ")
    end = text.index("</site>") + len("</site>")
    tree.write_apphost(text[:start] + site_xml(binding="127.0.0.1:0:") + text[end:])
    (tree.wwwroot / "index.html").write_text("home")
    (tree.wwwroot / "sub").mkdir()
    (tree.wwwroot / "sub" / "page.html").write_text("sub page")
    cfg = tree.load(poll_interval=0)
    srv = RunningServer(cfg, PipelineApplication(cfg)).start()
    try:
        yield tree, srv
    finally:
        srv.stop()


def test_broken_web_config_is_500_19_under_its_folder_only(served):
    tree, srv = served
    tree.web_config("sub", BROKEN)
    status, body = _get(srv.port, "/sub/page.html")
    assert status == 500
    assert _get(srv.port, "/sub/")[0] == 500
    # the detailed page (a loopback client gets it under DetailedLocalOnly) names file, line and HRESULT
    assert "500.19" in body and "0x8007000d" in body.lower()
    assert str(tree.wwwroot / "sub" / "web.config") in body
    written = (tree.wwwroot / "sub" / "web.config").read_text().splitlines()
    bad_line = next(i for i, text in enumerate(written, 1) if "sometimes" in text)
    assert re.search(rf'<span class="highlight-code">\s*{bad_line}: ', body), \
        f"the config source excerpt marks line {bad_line} (IIS: span.highlight-code)"
    assert _get(srv.port, "/index.html") == (200, "home")
    tree.web_config("sub", FIXED)
    assert _get(srv.port, "/sub/page.html") == (200, "sub page")
