"""Serving a site over a real socket: the status codes a client sees, and the W3C log lines they leave."""

from __future__ import annotations

import os

import pytest

from w3py.testing.pipeline import location

FILES = {
    "index.htm": "<p>home</p>",
    "a.txt": "hello world",
    "x.unknownext": "u",
    ".env": "SECRET",
    "docs/readme.txt": "r",
    "big.bin": os.urandom(2_000_000),
}


def test_codes_and_log_lines(served) -> None:
    site = served(FILES, locations=location('<httpRedirect enabled="true" destination="http://new.example/x" '
                                            'httpResponseStatus="Permanent"/>', "Default Web Site/old"))
    expected = []

    def check(path: str, code: int, sub: int, method: str = "GET", headers: str = "") -> object:
        answer = site.get(path, headers, method)
        assert answer.status == code, (path, answer.status)
        expected.append((method, path.split("?")[0], str(code), str(sub)))
        return answer

    home = check("/", 200, 0)
    assert home.body == b"<p>home</p>" and home.header("server")
    check("/a.txt", 200, 0)
    etag = site.get("/a.txt").header("etag")
    expected.append(("GET", "/a.txt", "200", "0"))
    check("/a.txt", 304, 0, headers=f"If-None-Match: {etag}\r\n")
    assert check("/a.txt", 206, 0, headers="Range: bytes=0-4\r\n").body == b"hello"
    check("/a.txt", 412, 0, headers='If-Match: "x"\r\n')
    check("/a.txt", 416, 0, headers="Range: bytes=99-\r\n")
    check("/a.txt", 406, 0, headers="Accept: image/png\r\n")
    check("/missing.txt", 404, 0)
    check("/x.unknownext", 404, 3)
    check("/.env", 404, 9)
    assert check("/docs", 301, 0).header("location") == "http://localhost/docs/"
    check("/docs/", 403, 14)
    assert check("/a.txt", 405, 0, method="POST", headers="Content-Length: 0\r\n").header("allow") == \
        "GET, HEAD, OPTIONS, TRACE"
    assert check("/a.txt", 200, 0, method="OPTIONS").header("public") == "OPTIONS, TRACE, GET, HEAD, POST"
    check("/a.txt", 501, 0, method="TRACE")
    assert check("/old/page.htm", 301, 0).header("location") == "http://new.example/x/page.htm"
    rows = site.log_rows()
    seen = [(r["cs-method"], r["cs-uri-stem"], r["sc-status"], r["sc-substatus"]) for r in rows]
    assert seen == expected


def test_large_file_is_sent_whole(served) -> None:
    site = served(FILES)
    answer = site.get("/big.bin")
    assert answer.status == 200 and answer.body == FILES["big.bin"]
    assert answer.header("content-length") == str(len(FILES["big.bin"]))
    part = site.get("/big.bin", "Range: bytes=1000000-1000099\r\n")
    assert (part.status, part.body) == (206, FILES["big.bin"][1000000:1000100])
    multi = site.get("/big.bin", "Range: bytes=0-9,-10\r\n")
    assert multi.status == 206 and FILES["big.bin"][:10] in multi.body and FILES["big.bin"][-10:] in multi.body


def test_head_gets_length_without_body(served) -> None:
    site = served(FILES)
    answer = site.get("/a.txt", method="HEAD")
    assert (answer.status, answer.body, answer.header("content-length")) == (200, b"", "11")


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/%252e%252e/secret.txt",
                                  "/..%5csecret.txt", "/%c0%ae%c0%ae/secret.txt", "/link.txt", "/linkdir/secret.txt"])
def test_traversal_over_the_wire(served, path: str) -> None:
    site = served(FILES)
    root = site.harness.root
    (root / "secret.txt").write_text("TOP-SECRET")
    os.symlink(root / "secret.txt", site.harness.wwwroot / "link.txt")
    os.symlink(root, site.harness.wwwroot / "linkdir")
    answer = site.raw(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert b"TOP-SECRET" not in answer.body
    assert answer.status in (400, 404)


def test_keep_alive_connection_with_stdlib_client(served) -> None:
    """http.client as an independent client: one connection, cached and uncached answers interleaved."""
    import http.client

    site = served(FILES)
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        seen = []
        for path in ["/a.txt", "/a.txt", "/missing.txt", "/a.txt", "/docs", "/", "/a.txt"]:
            conn.request("GET", path)
            response = conn.getresponse()
            seen.append((response.status, response.read()))
        assert [s for s, _ in seen] == [200, 200, 404, 200, 301, 200, 200]
        assert seen[0][1] == seen[1][1] == seen[3][1] == seen[6][1] == b"hello world"
    finally:
        conn.close()
    assert site.harness.app.cache.hits >= 3


def test_server_header_and_remove_server_header(served) -> None:
    assert served(FILES).get("/a.txt").header("server") is not None
    quiet = served(FILES, locations=location('<security><requestFiltering removeServerHeader="true"/></security>'))
    answer = quiet.get("/a.txt")
    assert answer.status == 200 and answer.header("server") is None
    assert quiet.get("/missing.txt").header("server") is None  # error pages too
