"""Conformance of the HTTPERR log with HTTP.sys's (Format of the HTTP Server API Error Logs; captured IIS lines).

HTTP.sys writes an IPv6 address in c-ip and s-ip with its scope id (``::1%0``,
``2001:4898:0:fff:0:5efe:10.85.220.4%0``): "If the client IP address is an IPv6 address, the ScopeId field is
also included in the address". IPv4 addresses are written as they are.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from w3py.logs.httperr import HTTPERREntry, HTTPERRLog
from w3py.logs.reader import read_log
from w3py.testing.live_site import free_port, site_root
from w3py.testing.server import read_to_close


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def _free_port6() -> int:
    with socket.socket(socket.AF_INET6) as sock:
        sock.bind(("::1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="no IPv6 loopback on this machine")
def test_ipv6_addresses_carry_their_scope_id_over_a_real_socket(tmp_path) -> None:
    from w3py.config import load_server_config
    from w3py.modules.http_logging import WRITERS
    from w3py.pipeline.application import PipelineApplication
    from w3py.testing.server import RunningServer

    root, port = site_root(Path(tmp_path), port=free_port())
    port6 = _free_port6()
    apphost = root / "config" / "applicationHost.config"
    apphost.write_text(apphost.read_text(encoding="utf-8").replace(
        f'bindingInformation="127.0.0.1:{port}:"', f'bindingInformation="[::1]:{port6}:"'), encoding="utf-8")
    config = load_server_config(apphost, root=root, poll_interval=0)
    app = PipelineApplication(config)
    server = RunningServer(config, app).start()
    try:
        with socket.create_connection(("::1", port6), timeout=5) as conn:
            conn.sendall(b"GET /a.txt HTTP/1.1\r\nHost: bad host\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 400 ")
        lines = []
        deadline = time.monotonic() + 5
        while not lines and time.monotonic() < deadline:
            lines = server.httperr_lines()
    finally:
        server.stop()
        app.close()
        WRITERS.close_all()
    files = sorted((root / "logs" / "HTTPERR").glob("httperr*.log"))
    (line,) = read_log(files[0]).lines
    assert line["c-ip"] == "::1%0"
    assert line["s-ip"] == "::1%0"
    assert line["s-port"] == str(port6)
    assert line["s-reason"] == "Hostname"


def test_scope_ids_in_the_log_writer(tmp_path, fixed_clock) -> None:
    with HTTPERRLog(tmp_path) as log:
        log.log(HTTPERREntry(c_ip="2001:db8::7", c_port=1, s_ip="2001:db8::1", s_port=80, s_reason="Timer_ConnectionIdle"))
        log.log(HTTPERREntry(c_ip="fe80::1%0", c_port=2, s_ip="10.0.0.1", s_port=80, s_reason="Timer_ConnectionIdle"))
        log.log(HTTPERREntry(c_ip="::ffff:192.0.2.1", c_port=3, s_ip="::ffff:192.0.2.2", s_port=80,
                             s_reason="Timer_ConnectionIdle"))
    first, second, third = read_log(tmp_path / "httperr1.log").lines
    assert (first["c-ip"], first["s-ip"]) == ("2001:db8::7%0", "2001:db8::1%0")
    assert (second["c-ip"], second["s-ip"]) == ("fe80::1%0", "10.0.0.1")  # a scope already there is kept
    assert (third["c-ip"], third["s-ip"]) == ("::ffff:192.0.2.1%0", "::ffff:192.0.2.2%0")


def test_a_scope_named_by_interface_is_written_as_its_index(tmp_path, fixed_clock) -> None:
    index, name = socket.if_nameindex()[0]
    with HTTPERRLog(tmp_path) as log:
        log.log(HTTPERREntry(c_ip=f"fe80::1%{name}", c_port=1, s_ip=f"fe80::2%{name}", s_port=80,
                             s_reason="Timer_ConnectionIdle"))
    (line,) = read_log(tmp_path / "httperr1.log").lines
    assert (line["c-ip"], line["s-ip"]) == (f"fe80::1%{index}", f"fe80::2%{index}")


def _refusal_lines(tmp_path, heads: list[bytes]) -> list[dict]:
    from w3py.testing.live_site import live_site

    with live_site(tmp_path, files={"a.txt": "x"}) as site:
        for head in heads:
            with socket.create_connection(("127.0.0.1", site.port), timeout=5) as conn:
                conn.sendall(head)
                answer = read_to_close(conn)
            assert answer.startswith(b"HTTP/1.1 400 ")
        deadline = time.monotonic() + 5
        while len(site.server.httperr_lines()) < len(heads) and time.monotonic() < deadline:
            time.sleep(0.01)
    return read_log(site.root / "logs" / "HTTPERR" / "httperr1.log").lines


def test_a_header_refusal_logs_the_request_line_it_follows(tmp_path) -> None:
    """HTTP.sys logs the request line it already parsed when a header breaks a limit (captured lines in
    Microsoft's Exchange support article: ``HTTP/1.1 GET /owa/ 400 - FieldLength -`` and
    ``HTTP/1.1 GET /owa/ 400 - RequestLength -``); cs-method is "the verb state passed by the last request
    parsed"."""
    field = b"GET /owa/ HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"
    many = b"GET /owa/ HTTP/1.1\r\nHost: localhost\r\n" + b"".join(
        b"X-H%d: " % i + b"b" * 8000 + b"\r\n" for i in range(4)) + b"\r\n"
    lines = _refusal_lines(tmp_path, [field, many])
    assert [(l["cs-version"], l["cs-method"], l["cs-uri"], l["sc-status"], l["s-reason"]) for l in lines] == [
        ("HTTP/1.1", "GET", "/owa/", "400", "FieldLength"),
        ("HTTP/1.1", "GET", "/owa/", "400", "RequestLength"),
    ]
