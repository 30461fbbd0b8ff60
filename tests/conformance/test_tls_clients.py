"""Real clients over an https binding (``*:443:`` with ``sslFlags="0"``, as in a stock IIS config) with a
certificate in ``<root>/ssl/default.pem``: curl, Python's http.client and headless Chromium."""

from __future__ import annotations

import hashlib
import http.client
import random
import shutil
import socket
import ssl
import subprocess

import pytest

from w3py.testing.conformance import ServerRoot, serving, stock_text

pytestmark = pytest.mark.slow

CURL = shutil.which("curl")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")

BIG = random.Random(443).randbytes(6 * 1024 * 1024)
FILES = {"index.html": b"<!DOCTYPE html><title>tls</title><h1 id=t>over tls</h1>", "big.bin": BIG,
         "a.txt": b"abcdefghij"}
HTTPS_BINDING = '<binding protocol="https" bindingInformation="*:443:" sslFlags="0" />'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    text = stock_text().replace('<binding protocol="http" bindingInformation="*:8080:" />',
                                '<binding protocol="http" bindingInformation="*:8080:" />\n' + HTTPS_BINDING)
    root = ServerRoot.create(tmp_path_factory.mktemp("tls"), text, files=FILES)
    with serving(root) as served:
        yield served


def https(server, path: str) -> str:
    return f"https://127.0.0.1:{server.root.tls_ports[0]}{path}"


def curl(server, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([CURL, "-sS", "--cacert", str(server.root.ca_file), *args], capture_output=True,
                          timeout=60)


@needs_curl
def test_curl_keeps_the_tls_connection(server) -> None:
    result = curl(server, "-v", "-o", "/dev/null", "-o", "/dev/null", https(server, "/index.html"),
                  https(server, "/a.txt"))
    assert result.returncode == 0, result.stderr
    assert b"Re-using existing connection" in result.stderr


@needs_curl
def test_curl_large_download_and_range_over_tls(server) -> None:
    # a FileBody cannot use sendfile under TLS: the bytes must still arrive intact
    full = curl(server, https(server, "/big.bin"))
    assert hashlib.sha256(full.stdout).digest() == hashlib.sha256(BIG).digest()
    assert curl(server, "-r", "1000-1999", https(server, "/big.bin")).stdout == BIG[1000:2000]


def test_http_client_keep_alive_over_tls(server) -> None:
    context = ssl.create_default_context(cafile=str(server.root.ca_file))
    conn = http.client.HTTPSConnection("127.0.0.1", server.root.tls_ports[0], context=context, timeout=10)
    try:
        conn.request("GET", "/a.txt")
        first = conn.getresponse()
        etag = first.getheader("ETag")
        assert first.read() == FILES["a.txt"]
        sock = conn.sock
        for method, path, headers, status in [("HEAD", "/big.bin", {}, 200),
                                              ("GET", "/a.txt", {"If-None-Match": etag}, 304),
                                              ("GET", "/missing", {}, 404)]:
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == status
            assert conn.sock is sock
    finally:
        conn.close()


def test_plain_http_to_the_tls_port_does_not_hurt_the_server(server) -> None:
    with socket.create_connection(("127.0.0.1", server.root.tls_ports[0]), timeout=10) as sock:
        sock.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            data = b""
        assert b"abcdefghij" not in data
    context = ssl.create_default_context(cafile=str(server.root.ca_file))
    conn = http.client.HTTPSConnection("127.0.0.1", server.root.tls_ports[0], context=context, timeout=10)
    try:
        conn.request("GET", "/a.txt")
        assert conn.getresponse().read() == FILES["a.txt"]
    finally:
        conn.close()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_chromium_over_tls(server, tmp_path) -> None:
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--ignore-certificate-errors", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         https(server, "/index.html")],
        capture_output=True, text=True, timeout=90)
    assert "over tls" in result.stdout, result.stderr[-2000:]
    entry = server.log_entry(lambda e: e["cs-uri-stem"] == "/index.html" and "Chrome" in e["cs(User-Agent)"])
    assert (entry["sc-status"], entry["s-port"]) == ("200", str(server.root.tls_ports[0]))
