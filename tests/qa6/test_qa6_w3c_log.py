"""Conformance of the W3C site log with IIS 10's, over a real socket, where w3py differed from IIS."""

from __future__ import annotations

import httpx
import lxml.html
import pytest

from w3py.testing.live_site import live_site
from w3py.testing.w3c_log import parse_w3c


def test_a_missing_folder_is_404_0_with_win32_3(tmp_path) -> None:
    """IIS maps the URL with the Win32 file APIs: a folder on the way that does not exist is
    ERROR_PATH_NOT_FOUND (3), logged ``404 0 3`` and shown as Error Code 0x80070003 (a missing file in an
    existing folder stays ``404 0 2``). w3py's own catalog text for 404.0 says the same."""
    with live_site(tmp_path, files={"d/a.txt": "x"}) as site:
        page = httpx.get(site.url("/nowhere/a.txt"))
        httpx.get(site.url("/d/missing.txt"))
        site.flush_logs()
        rows = parse_w3c(site.log_files()[0]).rows
    assert page.status_code == 404
    doc = lxml.html.fromstring(page.content)
    cells = {th.text_content(): td.text_content().strip("\xa0") for th, td in
             zip(doc.xpath("//tr/th"), doc.xpath("//tr/td"))}
    assert cells["Error Code"] == "0x80070003"
    assert [(r["cs-uri-stem"], r["sc-status"], r["sc-substatus"], r["sc-win32-status"]) for r in rows] == [
        ("/nowhere/a.txt", "404", "0", "3"),
        ("/d/missing.txt", "404", "0", "2"),
    ]


def _two_site_server(tmp_path, log_element: str):
    """A running server whose applicationHost.config has two sites and the ``<log>`` element given."""
    import re

    from w3py.config import load_server_config
    from w3py.pipeline.application import PipelineApplication
    from w3py.testing.live_site import free_port, site_root
    from w3py.testing.server import RunningServer

    root, port = site_root(tmp_path, files={"a.txt": "one"})
    port2 = free_port()
    apphost = root / "config" / "applicationHost.config"
    text = apphost.read_text(encoding="utf-8")
    text = re.sub(r"<log centralLogFileMode=.*?</log>", lambda _m: log_element, text, count=1, flags=re.S)
    second = (f'<site name="Second" id="7"><application path="/"><virtualDirectory path="/" '
              f'physicalPath="%SystemDrive%\\inetpub\\wwwroot" /></application><bindings>'
              f'<binding protocol="http" bindingInformation="127.0.0.1:{port2}:" /></bindings></site>')
    text = text.replace("</site>", "</site>" + second, 1)
    apphost.write_text(text, encoding="utf-8")
    config = load_server_config(apphost, root=root, poll_interval=0)
    app = PipelineApplication(config)
    return root, (port, port2), app, RunningServer(config, app).start()


def test_central_w3c_logging_writes_one_file_for_every_site(tmp_path) -> None:
    """``system.applicationHost/log centralLogFileMode="CentralW3C"`` (IIS Manager: one log file per server):
    every site logs into ``<centralW3CLogFile directory>/W3SVC/`` (no site id in the folder), with the central
    element's period and fields; ``s-sitename`` tells the sites apart (its default field set has SiteName).
    This is how IIS containers stream their log (``W3SVC\\u_extend1.log`` with period MaxSize)."""
    from w3py.logs import _files
    from w3py.modules.http_logging import WRITERS

    log = ('<log centralLogFileMode="CentralW3C" logInUTF8="true"><centralBinaryLogFile enabled="true" '
           'directory="%SystemDrive%\\inetpub\\logs\\LogFiles" /><centralW3CLogFile enabled="true" '
           'directory="%SystemDrive%\\central" period="MaxSize" /></log>')
    root, ports, app, server = _two_site_server(tmp_path, log)
    try:
        assert httpx.get(f"http://127.0.0.1:{ports[0]}/a.txt").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{ports[1]}/missing.txt").status_code == 404
        _files.flush_all()
    finally:
        server.stop()
        app.close()
        WRITERS.close_all()
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.log") if "HTTPERR" not in p.parts)
    assert files == ["central/W3SVC/u_extend1.log"]
    parsed = parse_w3c(root / files[0])
    assert len(parsed.blocks) == 1
    assert parsed.blocks[0].fields == ("date", "time", "s-sitename", "s-ip", "cs-method", "cs-uri-stem",
                                       "cs-uri-query", "s-port", "cs-username", "c-ip", "cs(User-Agent)",
                                       "cs(Referer)", "sc-status", "sc-substatus", "sc-win32-status", "time-taken")
    assert [(r["s-sitename"], r["s-port"], r["cs-uri-stem"], r["sc-status"]) for r in parsed.rows] == [
        ("W3SVC1", str(ports[0]), "/a.txt", "200"),
        ("W3SVC7", str(ports[1]), "/missing.txt", "404"),
    ]


def test_central_w3c_logging_uses_the_central_period_and_flags(tmp_path) -> None:
    """The central element's ``period`` names the file (``u_exYYMMDDHH.log`` for Hourly) and its
    ``logExtFileFlags`` choose the fields, whatever the sites' own ``logFile`` say."""
    from w3py.logs import _files
    from w3py.modules.http_logging import WRITERS

    log = ('<log centralLogFileMode="CentralW3C"><centralW3CLogFile period="Hourly" '
           'logExtFileFlags="Date, Time, SiteName, Method, UriStem, HttpStatus, Host" /></log>')
    root, ports, app, server = _two_site_server(tmp_path, log)
    try:
        httpx.get(f"http://127.0.0.1:{ports[1]}/a.txt")
        _files.flush_all()
    finally:
        server.stop()
        app.close()
        WRITERS.close_all()
    (path,) = [p for p in root.rglob("*.log") if "HTTPERR" not in p.parts]
    assert path.parent == root / "inetpub" / "logs" / "LogFiles" / "W3SVC"
    assert len(path.name) == len("u_exYYMMDDHH.log") and path.name.startswith("u_ex")
    (row,) = parse_w3c(path).rows
    assert row == {"date": row["date"], "time": row["time"], "s-sitename": "W3SVC7", "cs-method": "GET",
                   "cs-uri-stem": "/a.txt", "cs-host": f"127.0.0.1:{ports[1]}", "sc-status": "200"}
