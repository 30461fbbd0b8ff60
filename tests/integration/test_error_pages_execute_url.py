"""httpErrors responseMode="ExecuteURL" over a real socket, and what the W3C log records for it: the error page
runs as a child request of the failed one, the client gets the page under the failed request's status, and
the admin reads exactly one line, the client's request with its own status.substatus (IIS writes one line per
client request; the child is not logged)."""

from __future__ import annotations

import httpx
import pytest

from w3py.testing.live_site import live_site
from w3py.testing.server import ResponseReader
from w3py.testing.w3c_log import parse_w3c

FILES = {
    "a.txt": "hello world",
    "errors/404.htm": "<p>custom 404</p>",
    "errors/index.htm": "<p>errors index</p>",
    "errors/range.htm": "<p>no such range</p>",
    "special/page.err": "<p>typed by its folder</p>",
}
HTTP_ERRORS = """<system.webServer><httpErrors errorMode="Custom">
  <remove statusCode="404"/><remove statusCode="405"/><remove statusCode="412"/>
  <error statusCode="404" path="/errors/404.htm" responseMode="ExecuteURL"/>
  <error statusCode="404" subStatusCode="7" path="/errors/" responseMode="ExecuteURL"/>
  <error statusCode="404" subStatusCode="3" path="/special/page.err" responseMode="ExecuteURL"/>
  <error statusCode="405" path="/errors/missing-page.htm" responseMode="ExecuteURL"/>
  <error statusCode="416" path="/errors/range.htm" responseMode="ExecuteURL"/>
  <error statusCode="412" path="http://example.com/412.htm" responseMode="ExecuteURL"/>
</httpErrors></system.webServer>"""
SPECIAL = ('<system.webServer><staticContent><mimeMap fileExtension=".err" mimeType="text/x-error-page"/>'
           '</staticContent></system.webServer>')


def _rows(site) -> list[dict[str, str]]:
    return [row for path in site.log_files() for row in parse_w3c(path).rows]


def _serve(tmp_path):
    return live_site(tmp_path, files=FILES, web_configs={"": HTTP_ERRORS, "special": SPECIAL})


def test_pages_statuses_and_one_log_line_per_request(tmp_path) -> None:
    with _serve(tmp_path) as site:
        with httpx.Client(timeout=10) as c:
            missing = c.get(site.url("/missing.txt?x=1"), headers={"Accept-Language": "ja-JP,ja;q=0.9"})
            denied = c.get(site.url("/db.mdb"))
            post = c.post(site.url("/a.txt"), content=b"x")
            precondition = c.get(site.url("/a.txt"), headers={"If-Match": '"other"'})
    # the page of the row, under the request's own status
    assert (missing.status_code, missing.content, missing.headers["content-type"]) == (
        404, b"<p>custom 404</p>", "text/html")
    assert "etag" not in missing.headers and "last-modified" not in missing.headers
    assert "accept-ranges" not in missing.headers
    assert (denied.status_code, denied.content) == (404, b"<p>errors index</p>")  # 404.7: a directory URL
    # a missing page and an absolute URL fall back to the built-in text, with the producer's headers
    assert (post.status_code, post.headers["allow"]) == (405, "GET, HEAD, OPTIONS, TRACE")
    assert post.headers["content-type"] == "text/html" and b"<p>" not in post.content
    assert precondition.status_code == 412 and b"example.com" not in precondition.content

    rows = _rows(site)
    assert [(r["cs-method"], r["cs-uri-stem"], r["sc-status"], r["sc-substatus"]) for r in rows] == [
        ("GET", "/missing.txt", "404", "0"),
        ("GET", "/db.mdb", "404", "7"),
        ("POST", "/a.txt", "405", "0"),
        ("GET", "/a.txt", "412", "0"),
    ]
    assert rows[0]["cs-uri-query"] == "x=1" and rows[0]["sc-win32-status"] == "2"
    assert not any(r["cs-uri-stem"].startswith(("/errors", "/special")) for r in rows)  # no child lines


def test_404_3_gets_the_content_type_its_folder_maps(tmp_path) -> None:
    files = {**FILES, "file.unmapped": "exists, but no mimeMap entry"}
    with live_site(tmp_path, files=files, web_configs={"": HTTP_ERRORS, "special": SPECIAL}) as site:
        with httpx.Client(timeout=10) as c:
            r = c.get(site.url("/file.unmapped"))
    assert (r.status_code, r.content, r.headers["content-type"]) == (
        404, b"<p>typed by its folder</p>", "text/x-error-page")
    ((row,),) = [[r for r in _rows(site)]]
    assert (row["cs-uri-stem"], row["sc-status"], row["sc-substatus"]) == ("/file.unmapped", "404", "3")


def test_head_gets_the_pages_length_and_no_body(tmp_path) -> None:
    with _serve(tmp_path) as site:
        sock = site.server.connect()
        try:
            sock.sendall(b"HEAD /missing.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                         b"GET /missing.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            reader = ResponseReader(sock)
            head = reader.read(head_only=True)
            get = reader.read()
        finally:
            sock.close()
    assert (head.status, head.header("content-length"), head.header("content-type")) == (
        404, str(len(b"<p>custom 404</p>")), "text/html")
    assert (get.status, get.body) == (404, b"<p>custom 404</p>")  # HEAD's answer had no body before it
    assert [(r["cs-method"], r["sc-status"]) for r in _rows(site)] == [("HEAD", "404"), ("GET", "404")]


@pytest.mark.parametrize("mode, page", [
    pytest.param("Custom", b"<p>no such range</p>", id="ExecuteURL-page"),
    pytest.param("Detailed", b"HTTP Error 416", id="detailed-page"),
])
def test_416_keeps_content_range_under_any_error_page(tmp_path, mode, page) -> None:
    config = HTTP_ERRORS.replace('errorMode="Custom"', f'errorMode="{mode}"')
    with live_site(tmp_path, files=FILES, web_configs={"": config}) as site:
        with httpx.Client(timeout=10) as c:
            r = c.get(site.url("/a.txt"), headers={"Range": "bytes=99-"})
    assert r.status_code == 416
    assert r.headers["content-range"] == "bytes */11"  # the file's length, RFC 9110 §15.5.17
    assert page in r.content
    assert "accept-ranges" not in r.headers and "etag" not in r.headers
