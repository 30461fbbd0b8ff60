"""Real clients against ``w3py serve`` on the embedded default configuration: curl, Python's http.client,
httpx, h11 as a strict HTTP/1.1 framing oracle, and headless Chromium. What each client observes (status,
headers, bytes) and what the W3C log records is asserted; nothing is timed."""

from __future__ import annotations

import hashlib
import http.client
import random
import shutil
import socket
import subprocess
from email.utils import formatdate
from pathlib import Path

import h11
import httpx
import pytest

from w3py.testing.conformance import ServerRoot, serving, wait_for

pytestmark = pytest.mark.slow

CURL = shutil.which("curl")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")

BIG = random.Random(20261127).randbytes(8 * 1024 * 1024)
PAGE = b"""<!DOCTYPE html>
<html><head><title>w3py</title><link rel="stylesheet" href="style.css"><script src="app.js" defer></script></head>
<body><h1 id="title">static</h1><img src="logo.png" alt=""></body></html>
"""
APP_JS = b"""fetch('data.json').then(r => r.json())
  .then(d => { document.getElementById('title').textContent = d.msg; });
"""
FILES = {
    "index.html": PAGE,
    "style.css": b"body { color: #222 }\n",
    "app.js": APP_JS,
    "data.json": b'{"msg": "loaded-by-fetch"}',
    "logo.png": b"\x89PNG\r\n\x1a\n" + bytes(64),
    "big.bin": BIG,
    "text.txt": b"0123456789" * 400,
    "docs/readme.txt": b"read me",
    # a media element: Chromium fetches it with "Range: bytes=0-" and expects 206
    "video.html": b'<!DOCTYPE html><video src="clip.webm" preload="auto" autoplay muted></video>',
    "clip.webm": b"\x1a\x45\xdf\xa3" + bytes(300_000),
    # always revalidated (Cache-Control: no-cache from clientCache DisableCache): heuristic freshness from
    # Last-Modified would otherwise let a browser skip the request, depending on the files' age
    "fresh/index.html": PAGE,
    "fresh/style.css": b"body { color: #333 }\n",
    "fresh/app.js": APP_JS,
    "fresh/data.json": b'{"msg": "fresh"}',
    "fresh/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(16),
}
WEB_CONFIGS = {"fresh": '<?xml version="1.0" encoding="utf-8"?>\n<configuration><system.webServer><staticContent>'
                        '<clientCache cacheControlMode="DisableCache" /></staticContent></system.webServer>'
                        '</configuration>\n'}


@pytest.fixture(scope="module", params=[1, 2], ids=["1-worker", "2-workers"])
def server(request, tmp_path_factory):
    """The same site served by one worker and by two (requests spread over processes sharing the socket)."""
    root = ServerRoot.create(tmp_path_factory.mktemp("clients"), files=FILES, web_configs=WEB_CONFIGS)
    with serving(root, workers=request.param) as served:
        yield served


@pytest.fixture(scope="module")
def uploads(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("uploads")
    small = folder / "two_mb.bin"
    small.write_bytes(b"u" * 2_000_000)  # above curl's 1 MB threshold for Expect: 100-continue
    huge = folder / "thirty_one_mb.bin"
    with huge.open("wb") as f:  # above the default maxAllowedContentLength (30,000,000)
        f.truncate(31_000_000)
    return {"small": small, "huge": huge}


def curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CURL, "-sS", *args], capture_output=True, text=True, errors="replace", timeout=60)


def curl_bytes(*args: str) -> bytes:
    result = subprocess.run([CURL, "-sS", *args], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- curl -------------------------------------------------------------------------------------------------


@needs_curl
def test_curl_reuses_the_connection_for_two_urls(server) -> None:
    result = curl("-v", "-o", "/dev/null", "-o", "/dev/null", server.url("/index.html"), server.url("/text.txt"))
    assert result.returncode == 0, result.stderr
    assert "Re-using existing connection" in result.stderr


@needs_curl
def test_curl_head_reports_the_get_headers_without_a_body(server) -> None:
    result = curl("-I", server.url("/big.bin"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HTTP/1.1 200 OK")
    assert f"Content-Length: {len(BIG)}\n" in result.stdout
    assert "Accept-Ranges: bytes\n" in result.stdout


@needs_curl
def test_curl_large_download_is_byte_identical(server) -> None:
    assert hashlib.sha256(curl_bytes(server.url("/big.bin"))).digest() == hashlib.sha256(BIG).digest()


@needs_curl
@pytest.mark.parametrize("spec, expected", [
    ("0-99", BIG[0:100]),
    ("-100", BIG[-100:]),
    ("8388000-", BIG[8388000:]),
    ("1000-1000", BIG[1000:1001]),
])
def test_curl_single_ranges(server, spec, expected) -> None:
    assert curl_bytes("-r", spec, server.url("/big.bin")) == expected


@needs_curl
def test_curl_multiple_ranges_come_back_as_multipart(server) -> None:
    result = curl("-i", "-r", "0-9,100-109", server.url("/text.txt"))
    assert result.returncode == 0
    assert "206 Partial Content" in result.stdout
    assert "Content-Type: multipart/byteranges; boundary=" in result.stdout
    assert "Content-Range: bytes 0-9/4000" in result.stdout
    assert "Content-Range: bytes 100-109/4000" in result.stdout


@needs_curl
def test_curl_etag_revalidation_gets_304(server, tmp_path) -> None:
    saved = tmp_path / "etag"
    first = curl("--etag-save", str(saved), "-o", "/dev/null", "-w", "%{http_code}", server.url("/style.css"))
    assert first.stdout == "200"
    assert saved.read_text().strip().startswith('"')
    second = curl("--etag-compare", str(saved), "-o", "/dev/null", "-w", "%{http_code}", server.url("/style.css"))
    assert second.stdout == "304"


@needs_curl
def test_curl_if_modified_since_gets_304(server, tmp_path) -> None:
    later = formatdate(usegmt=True)  # now: after the file's Last-Modified
    result = curl("-z", later, "-o", "/dev/null", "-w", "%{http_code}", server.url("/style.css"))
    assert result.stdout == "304"
    older = "Sat, 01 Jan 2000 00:00:00 GMT"
    assert curl("-z", older, "-o", "/dev/null", "-w", "%{http_code}", server.url("/style.css")).stdout == "200"


@needs_curl
def test_curl_compressed_body_is_the_file(server) -> None:
    # IIS compresses static files only after repeated hits and above a size; whatever w3py chooses, curl
    # --compressed must end up with the exact file.
    assert curl_bytes("--compressed", server.url("/text.txt")) == FILES["text.txt"]


@needs_curl
def test_curl_http10(server) -> None:
    result = subprocess.run([CURL, "-sS", "-0", "-i", server.url("/text.txt")], capture_output=True, timeout=30)
    assert result.returncode == 0
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert body == FILES["text.txt"]
    assert b"Transfer-Encoding" not in head  # no chunked framing for an HTTP/1.0 client


@needs_curl
def test_curl_upload_with_expect_to_a_static_file_is_405(server, uploads) -> None:
    result = curl("-v", "--data-binary", f"@{uploads['small']}", "-o", "/dev/null", "-w", "%{http_code}",
                  server.url("/index.html"))
    assert result.returncode == 0, result.stderr
    assert "> Expect: 100-continue" in result.stderr
    assert result.stdout == "405"
    assert "< Allow: GET, HEAD, OPTIONS, TRACE" in result.stderr
    entry = server.log_entry(lambda e: e["cs-method"] == "POST" and e["cs-uri-stem"] == "/index.html")
    assert (entry["sc-status"], entry["sc-substatus"]) == ("405", "0")


@needs_curl
def test_curl_oversize_upload_is_404_13_without_100_continue(server, uploads) -> None:
    result = curl("-v", "--data-binary", f"@{uploads['huge']}", "-o", "/dev/null", "-w", "%{http_code}",
                  server.url("/docs/readme.txt"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "404"
    assert "< HTTP/1.1 100 Continue" not in result.stderr
    entry = server.log_entry(lambda e: e["cs-method"] == "POST" and e["cs-uri-stem"] == "/docs/readme.txt")
    assert (entry["sc-status"], entry["sc-substatus"]) == ("404", "13")


# --- Python's http.client: one keep-alive connection through a mix of responses -----------------------------


def test_http_client_keeps_one_connection_across_mixed_responses(server) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/style.css")
        first = conn.getresponse()
        etag = first.getheader("ETag")
        assert first.read() == FILES["style.css"]
        sock = conn.sock
        steps = [
            ("HEAD", "/big.bin", {}, 200, b""),
            ("GET", "/style.css", {"If-None-Match": etag}, 304, b""),
            ("GET", "/nothing-here.txt", {}, 404, None),
            ("GET", "/text.txt", {"Range": "bytes=10-19"}, 206, FILES["text.txt"][10:20]),
            ("OPTIONS", "/index.html", {}, 200, b""),
            ("GET", "/data.json", {}, 200, FILES["data.json"]),
        ]
        for method, path, headers, status, body in steps:
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            data = response.read()
            assert response.status == status, (method, path)
            if body is not None:
                assert data == body, (method, path)
            assert conn.sock is sock, f"connection not kept after {method} {path}"
    finally:
        conn.close()


# --- h11: a strict framing oracle for every kind of response -------------------------------------------------


def _h11_exchange(sock: socket.socket, conn: h11.Connection, method: bytes, target: bytes,
                  headers: list[tuple[bytes, bytes]], body: bytes = b"") -> tuple[h11.Response, bytes]:
    headers = [(b"Host", b"127.0.0.1")] + headers
    if body:
        headers.append((b"Content-Length", str(len(body)).encode()))
    sock.sendall(conn.send(h11.Request(method=method, target=target, headers=headers)))
    if body:
        sock.sendall(conn.send(h11.Data(data=body)))
    sock.sendall(conn.send(h11.EndOfMessage()))
    response = None
    data = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            chunk = sock.recv(65536)
            conn.receive_data(chunk)
            continue
        if isinstance(event, h11.InformationalResponse):
            continue
        if isinstance(event, h11.Response):
            response = event
        elif isinstance(event, h11.Data):
            data += event.data
        elif isinstance(event, h11.EndOfMessage):
            assert response is not None
            return response, bytes(data)
        elif isinstance(event, h11.ConnectionClosed):
            raise AssertionError(f"closed mid-response to {method!r} {target!r}")


H11_CASES = [
    (b"GET", b"/index.html", [], b"", 200),
    (b"HEAD", b"/index.html", [], b"", 200),
    (b"GET", b"/text.txt", [(b"Range", b"bytes=0-4")], b"", 206),
    (b"GET", b"/text.txt", [(b"Range", b"bytes=0-1,5-6")], b"", 206),
    (b"GET", b"/text.txt", [(b"Range", b"bytes=99999-")], b"", 416),
    (b"GET", b"/text.txt", [(b"If-Modified-Since", b"Fri, 01 Jan 2100 00:00:00 GMT")], b"", 304),
    (b"GET", b"/missing", [], b"", 404),
    (b"POST", b"/index.html", [], b"form=1", 405),
    (b"OPTIONS", b"*", [], b"", 200),
    (b"GET", b"/docs", [], b"", 301),
    (b"GET", b"/docs/", [], b"", 403),
    (b"TRACE", b"/index.html", [], b"", None),
    # last: every request-filtering refusal ends the connection (reference §5.10, RL24)
    (b"GET", b"/web.config", [], b"", 404),
]


def test_h11_parses_every_response_on_one_connection(server) -> None:
    """h11 refuses any framing mistake (a body on HEAD/304, a wrong Content-Length, bad chunking)."""
    with server.connect() as sock:
        conn = h11.Connection(h11.CLIENT)
        for method, target, headers, body, status in H11_CASES:
            response, data = _h11_exchange(sock, conn, method, target, headers, body)
            if status is not None:
                assert response.status_code == status, (method, target)
            if method == b"HEAD":
                assert data == b""
            if target == b"/web.config":
                assert conn.their_state is h11.MUST_CLOSE
                break
            assert conn.their_state is not h11.MUST_CLOSE, f"closed after {method!r} {target!r}"
            conn.start_next_cycle()


def test_h11_conditional_requests_as_a_browser_sends_them(server) -> None:
    """Browsers revalidate with both If-None-Match and If-Modified-Since; IIS answers 304 with the ETag."""
    first = httpx.get(server.url("/app.js"))
    validators = {"If-None-Match": first.headers["ETag"], "If-Modified-Since": first.headers["Last-Modified"]}
    again = httpx.get(server.url("/app.js"), headers=validators)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    changed = httpx.get(server.url("/app.js"), headers={"If-None-Match": '"other:0"',
                                                          "If-Modified-Since": first.headers["Last-Modified"]})
    assert changed.status_code == 200  # If-None-Match wins over If-Modified-Since (RFC 7232 §6)


def test_pipelined_requests_answered_in_order(server) -> None:
    paths = [b"/style.css", b"/missing-1", b"/data.json", b"/text.txt"]
    raw = b"".join(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % p for p in paths)
    with server.connect() as sock:
        sock.sendall(raw)
        conn = h11.Connection(h11.CLIENT)
        for path in paths:
            conn.send(h11.Request(method=b"GET", target=path, headers=[(b"Host", b"x")]))
            conn.send(h11.EndOfMessage())
            response, body = None, bytearray()
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    conn.receive_data(sock.recv(65536))
                elif isinstance(event, h11.Response):
                    response = event
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
            expected = FILES.get(path.decode().lstrip("/"))
            if expected is None:
                assert response.status_code == 404
            else:
                assert (response.status_code, bytes(body)) == (200, expected)
            conn.start_next_cycle()


def test_http10_keep_alive_is_honoured(server) -> None:
    with server.connect() as sock:
        for _ in range(2):
            sock.sendall(b"GET /style.css HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(4096)
            header_part, _, rest = head.partition(b"\r\n\r\n")
            assert header_part.startswith(b"HTTP/1.1 200 OK")
            assert b"\r\nConnection: keep-alive" in header_part  # an HTTP/1.0 client closes without it
            length = int(next(line.split(b":")[1] for line in header_part.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")))
            while len(rest) < length:
                rest += sock.recv(4096)
            assert rest == FILES["style.css"]


# --- headless Chromium ----------------------------------------------------------------------------------------


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_chromium_renders_the_page_and_its_subresources(server, tmp_path) -> None:
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
         server.url("/")],
        capture_output=True, text=True, timeout=90)
    assert "loaded-by-fetch" in result.stdout, result.stderr[-2000:]
    for path in ("/style.css", "/app.js", "/data.json", "/logo.png"):
        entry = server.log_entry(lambda e, p=path: e["cs-uri-stem"] == p and "Chrome" in e["cs(User-Agent)"])
        assert entry["sc-status"] == "200", path
    root = server.log_entry(lambda e: e["cs-uri-stem"] == "/" and "Chrome" in e["cs(User-Agent)"])
    assert root["sc-status"] == "200"
    referer = server.log_entry(lambda e: e["cs-uri-stem"] == "/data.json" and "Chrome" in e["cs(User-Agent)"])
    assert referer["cs(Referer)"] == server.url("/")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_chromium_revalidates_with_a_warm_cache_and_gets_304s(server, tmp_path) -> None:
    """A second visit with the same profile: Chromium revalidates (If-None-Match / If-Modified-Since) and
    w3py answers 304 for the page and each subresource, as IIS's StaticFileModule does."""
    profile = tmp_path / "profile"
    agent = "w3py-revalidation-check"
    for _ in range(2):
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={profile}", f"--user-agent={agent}", "--virtual-time-budget=3000", "--dump-dom",
             server.url("/fresh/index.html")],
            capture_output=True, text=True, timeout=90)
    for path in ("/fresh/index.html", "/fresh/style.css", "/fresh/app.js"):
        # two workers flush their buffers independently: the lines may be in either order in the file
        wait_for(lambda p=path: sorted(e["sc-status"] for e in server.log_entries()
                                       if e["cs-uri-stem"] == p and e["cs(User-Agent)"] == agent) == ["200", "304"],
                 f"a 200 and a 304 for {path}")


@pytest.mark.skipif(shutil.which("wget") is None, reason="wget is not installed")
def test_wget_resumes_a_partial_download(server, tmp_path) -> None:
    """wget -c asks for the rest with a Range request; the joined file must be the original."""
    target = tmp_path / "big.bin"
    target.write_bytes(BIG[:3_000_000])
    result = subprocess.run(["wget", "-q", "-c", "-O", str(target), server.url("/big.bin")],
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(BIG).digest()
    entry = server.log_entry(lambda e: e["cs-uri-stem"] == "/big.bin" and "Wget" in e["cs(User-Agent)"])
    assert entry["sc-status"] == "206"


@needs_curl
def test_curl_chunked_upload_to_a_static_file_is_405(server, uploads) -> None:
    result = curl("-H", "Transfer-Encoding: chunked", "--data-binary", f"@{uploads['small']}", "-o", "/dev/null",
                  "-w", "%{http_code}", server.url("/style.css"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "405"


def test_httpx_concurrent_keep_alive_clients_lose_nothing(server) -> None:
    """300 requests over a pool of 30 keep-alive connections: every answer right, every request logged once."""
    import asyncio

    agent = "w3py-concurrency-check"
    paths = ["/style.css", "/data.json", "/text.txt", "/missing-x"] * 75

    async def main() -> list[tuple[int, bytes]]:
        limits = httpx.Limits(max_connections=30, max_keepalive_connections=30)
        async with httpx.AsyncClient(limits=limits, headers={"User-Agent": agent}, timeout=30) as client:
            responses = await asyncio.gather(*(client.get(server.url(p)) for p in paths))
            return [(r.status_code, r.content) for r in responses]

    results = asyncio.run(main())
    for path, (status, content) in zip(paths, results):
        expected = FILES.get(path.lstrip("/"))
        if expected is None:
            assert status == 404
        else:
            assert (status, content) == (200, expected)
    logged = wait_for(lambda: (lambda n: n if n >= len(paths) else 0)(
        sum(1 for e in server.log_entries() if e["cs(User-Agent)"] == agent)), "every request in the log")
    assert logged == len(paths)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_chromium_media_element_gets_a_206(server, tmp_path) -> None:
    agent = "w3py-media-check"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--autoplay-policy=no-user-gesture-required", f"--user-agent={agent}",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=4000", "--dump-dom",
         server.url("/video.html")],
        capture_output=True, text=True, timeout=90)
    entry = server.log_entry(lambda e: e["cs-uri-stem"] == "/clip.webm" and e["cs(User-Agent)"] == agent)
    assert entry["sc-status"] == "206"
