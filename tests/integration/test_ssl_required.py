"""``<access sslFlags="Ssl"/>`` end to end: the same folder over plain HTTP (IIS 403.4, reference §5.3) and over
https (served), through the real listener and TLS."""

from __future__ import annotations

import socket
import ssl

import pytest
import trustme

from w3py.testing.live_site import free_port, site_root
from w3py.testing.pipeline import location

pytestmark = pytest.mark.slow


def fetch(port: int, path: str, context: ssl.SSLContext | None = None) -> bytes:
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock = context.wrap_socket(raw, server_hostname="127.0.0.1") if context is not None else raw
    with sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_ssl_required_folder_over_http_and_https(tmp_path) -> None:
    from w3py.config import load_server_config
    from w3py.modules.http_logging import WRITERS
    from w3py.pipeline.application import PipelineApplication
    from w3py.testing.server import RunningServer

    root, port = site_root(tmp_path, files={"secure/a.txt": "tls-only", "open.txt": "open"},
                           locations=location('<security><access sslFlags="Ssl"/></security>',
                                              "Default Web Site/secure"))
    https_port = free_port()
    apphost = root / "config" / "applicationHost.config"
    text = apphost.read_text(encoding="utf-8")
    plain = f'<binding protocol="http" bindingInformation="127.0.0.1:{port}:" />'
    assert plain in text
    apphost.write_text(text.replace(plain, plain + f'<binding protocol="https" '
                                                   f'bindingInformation="127.0.0.1:{https_port}:" />'), encoding="utf-8")
    ca = trustme.CA()
    (root / "ssl").mkdir()
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(root / "ssl" / "default.pem"))
    client = ssl.create_default_context()
    ca.configure_trust(client)

    config = load_server_config(apphost, root=root, poll_interval=0)
    app = PipelineApplication(config)
    server = RunningServer(config, app).start()
    try:
        over_http = fetch(port, "/secure/a.txt")
        over_https = fetch(https_port, "/secure/a.txt", client)
        open_http = fetch(port, "/open.txt")
    finally:
        server.stop()
        app.close()
        WRITERS.close_all()
    assert over_http.startswith(b"HTTP/1.1 403 ") and b"tls-only" not in over_http
    assert over_https.startswith(b"HTTP/1.1 200 ") and over_https.endswith(b"tls-only")
    assert open_http.startswith(b"HTTP/1.1 200 ")
