"""Static serving against IIS 10's documented behaviour (issue 4 items 3 and 4), over a real server.

Each test names what IIS does; the W3C line is read back for the codes whose win32 status matters."""

from __future__ import annotations

import lxml.html
import pytest

from w3py.testing.live_site import live_site


def _detail(body: bytes, name: str) -> str:
    doc = lxml.html.fromstring(body)
    for th in doc.iter("th"):
        if th.text_content().strip() == name:
            return th.getnext().text_content().replace("\xa0", "").strip()
    raise AssertionError(f"no {name} row")


def test_missing_folder_on_the_path_is_win32_3(tmp_path, client, log_rows) -> None:
    # IIS maps /nodir/x.txt to a path whose folder does not exist: Windows answers ERROR_PATH_NOT_FOUND, so
    # the detailed page says 0x80070003 and the log `404 0 3`; a missing file in an existing folder stays 2.
    with live_site(tmp_path, files={"a.txt": "x", "sub/b.txt": "y"}) as site:
        folder = client.get(site.url("/nodir/x.txt"))
        deeper = client.get(site.url("/sub/nodir/x.txt"))
        file = client.get(site.url("/sub/missing.txt"))
        under_file = client.get(site.url("/a.txt/x.txt"))
        rows = log_rows(site, 4)
    assert [r.status_code for r in (folder, deeper, file, under_file)] == [404] * 4
    assert _detail(folder.content, "Error Code") == "0x80070003"
    assert _detail(file.content, "Error Code") == "0x80070002"
    got = {r["cs-uri-stem"]: (r["sc-status"], r["sc-substatus"], r["sc-win32-status"]) for r in rows}
    assert got["/nodir/x.txt"] == ("404", "0", "3")
    assert got["/sub/nodir/x.txt"] == ("404", "0", "3")
    assert got["/a.txt/x.txt"] == ("404", "0", "3")
    assert got["/sub/missing.txt"] == ("404", "0", "2")


def test_missing_folder_found_case_insensitively_is_still_a_missing_file(tmp_path, client, log_rows) -> None:
    # /SUB/missing.txt: the folder exists (as "sub"), only the file is missing → 2, like on Windows
    with live_site(tmp_path, files={"sub/b.txt": "y"}) as site:
        r = client.get(site.url("/SUB/missing.txt"))
        rows = log_rows(site, 1)
    assert r.status_code == 404
    assert rows[-1]["sc-win32-status"] == "2"


WILDCARD_MIME = ('<system.webServer><staticContent><mimeMap fileExtension=".*" mimeType="application/octet-stream" />'
                 '</staticContent></system.webServer>')


def test_wildcard_mime_map_serves_every_extension(tmp_path, client, log_rows) -> None:
    # IIS: a `.*` mimeMap entry is the catch-all (the documented way to serve any file type); a specific
    # entry still wins over it, and without it an unknown extension is 404.3.
    files = {"w/data.unknownext": "u", "w/page.htm": "<p>", "w/noext": "n", "plain/data.unknownext": "u"}
    with live_site(tmp_path, files=files, web_configs={"w": WILDCARD_MIME}) as site:
        unknown = client.get(site.url("/w/data.unknownext"))
        known = client.get(site.url("/w/page.htm"))
        bare = client.get(site.url("/w/noext"))
        elsewhere = client.get(site.url("/plain/data.unknownext"))
        rows = log_rows(site, 4)
    assert unknown.status_code == 200 and unknown.content == b"u"
    assert unknown.headers["content-type"] == "application/octet-stream"
    assert known.headers["content-type"] == "text/html"
    assert bare.status_code == 200 and bare.headers["content-type"] == "application/octet-stream"
    assert elsewhere.status_code == 404
    assert (rows[-1]["sc-status"], rows[-1]["sc-substatus"], rows[-1]["sc-win32-status"]) == ("404", "3", "50")


FOOTER = "The information in this web site is copyrighted."
DOC_FOOTER = ('<system.webServer><staticContent enableDocFooter="true" '
              f'defaultDocFooter="{FOOTER}" /></system.webServer>')


def test_document_footer_is_appended_to_static_html(tmp_path, client) -> None:
    # The staticContent reference's sample: enableDocFooter + defaultDocFooter puts the text at the end of
    # every static HTML page (IIS has always appended footers to HTML documents only).
    big = "<p>" + "x" * 300_000 + "</p>"
    files = {"f/page.htm": "<p>page</p>", "f/a.txt": "text", "f/big.html": big, "plain/page.htm": "<p>page</p>"}
    with live_site(tmp_path, files=files, web_configs={"f": DOC_FOOTER}) as site:
        page = client.get(site.url("/f/page.htm"))
        again = client.get(site.url("/f/page.htm"))  # a second answer (response cache) is the same
        head = client.head(site.url("/f/page.htm"))
        text = client.get(site.url("/f/a.txt"))
        large = client.get(site.url("/f/big.html"))
        ranged = client.get(site.url("/f/page.htm"), headers={"Range": "bytes=0-2"})
        elsewhere = client.get(site.url("/plain/page.htm"))
    expected = "<p>page</p>" + FOOTER
    assert page.status_code == 200 and page.text == expected
    assert page.headers["content-length"] == str(len(expected))
    assert again.text == expected
    assert head.headers["content-length"] == str(len(expected))
    assert text.text == "text"
    assert large.text == big + FOOTER
    assert ranged.content == (expected.encode()[:3] if ranged.status_code == 206 else expected.encode())
    assert elsewhere.text == "<p>page</p>"


def test_file_url_with_a_trailing_slash_is_not_found(tmp_path, client, log_rows) -> None:
    # "/a.txt/" asks for a folder named a.txt; Windows has no such path, so IIS answers 404.0 rather than
    # serving the file under a second URL (whose relative links would all break).
    with live_site(tmp_path, files={"a.txt": "x", "d/b.txt": "y"}) as site:
        slash = client.get(site.url("/a.txt/"))
        deeper = client.get(site.url("/d/b.txt/"))
        plain = client.get(site.url("/a.txt"))
        rows = log_rows(site, 3)
    assert (slash.status_code, deeper.status_code, plain.status_code) == (404, 404, 200)
    assert [(r["cs-uri-stem"], r["sc-status"], r["sc-substatus"]) for r in rows] == [
        ("/a.txt/", "404", "0"), ("/d/b.txt/", "404", "0"), ("/a.txt", "200", "0")]


def test_multiple_ranges_of_a_large_file_have_a_content_length(tmp_path) -> None:
    # IIS knows the size of a multipart/byteranges body before sending it (the file's size is known), and
    # says so; w3py streamed large files' parts with chunked encoding.
    import os
    import socket

    data = os.urandom(1_000_000)
    with live_site(tmp_path, files={"big.txt": data}) as site:
        with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
            sock.sendall(b"GET /big.txt HTTP/1.1\r\nHost: localhost\r\nRange: bytes=0-9,999990-\r\n"
                         b"Connection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:])
    assert head.startswith(b"HTTP/1.1 206 ")
    assert b"Transfer-Encoding" not in headers
    assert int(headers[b"Content-Length"]) == len(body)
    boundary = headers[b"Content-Type"].split(b"boundary=")[1]
    parts = body.split(b"--" + boundary)
    assert parts[1].endswith(data[:10] + b"\r\n") and parts[2].endswith(data[-10:] + b"\r\n")
    assert parts[3] == b"--\r\n"


def _header_names(port: int, request: bytes) -> list[str]:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    return [line.split(":", 1)[0] for line in head.split("\r\n")[1:]]


def _in_order(names: list[str], expected: list[str]) -> bool:
    positions = [names.index(n) for n in expected]
    return positions == sorted(positions)


def test_static_headers_in_iis_order(tmp_path) -> None:
    # HTTP.sys writes the known response headers in its HTTP_HEADER_ID order: Cache-Control (0) first, then
    # Content-Type (12), Content-Range (17), Expires (18), Last-Modified (19), Accept-Ranges (20), ETag (22)
    maxage = ('<system.webServer><staticContent><clientCache cacheControlMode="UseMaxAge" /></staticContent>'
              '</system.webServer>')
    expires = ('<system.webServer><staticContent><clientCache cacheControlMode="UseExpires" '
               'httpExpires="Tue, 19 Jan 2038 03:14:07 GMT" cacheControlCustom="public" /></staticContent>'
               '</system.webServer>')
    files = {"m/a.txt": "hello", "e/a.txt": "hello"}
    with live_site(tmp_path, files=files, web_configs={"m": maxage, "e": expires}) as site:
        get = b"GET /m/a.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        full = _header_names(site.port, get)
        part = _header_names(site.port, get.replace(b"\r\n\r\n", b"\r\nRange: bytes=0-1\r\n\r\n"))
        exp = _header_names(site.port, get.replace(b"/m/", b"/e/"))
    assert _in_order(full, ["Cache-Control", "Content-Type", "Last-Modified", "Accept-Ranges", "ETag"]), full
    assert _in_order(part, ["Cache-Control", "Content-Type", "Content-Range", "Last-Modified", "Accept-Ranges",
                            "ETag"]), part
    assert _in_order(exp, ["Cache-Control", "Content-Type", "Expires", "Last-Modified", "ETag"]), exp


def test_static_head_ends_with_server_date_content_length(tmp_path) -> None:
    with live_site(tmp_path, files={"a.txt": "hello"}) as site:
        names = _header_names(site.port, b"GET /a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"
                                         b"GET /a.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert names[:7] == ["Content-Type", "Last-Modified", "Accept-Ranges", "ETag", "Server", "Date",
                         "Content-Length"], names


def test_percent_u_escape_is_decoded(tmp_path, client) -> None:
    """HTTP.sys accepts %uNNNN escapes by default (PercentUAllowed=1, reference §1.12): /%u0061.txt is /a.txt;
    an escaped control character or a lone surrogate is an invalid URL (400)."""
    with live_site(tmp_path, files={"a.txt": "hello", "\u65e5.txt": "sun"}) as site:
        r = client.get(site.url("/%u0061.txt"))
        assert r.status_code == 200 and r.text == "hello"
        assert client.get(site.url("/%u65E5.txt")).text == "sun"
        assert client.get(site.url("/%u0000.txt")).status_code == 400
        assert client.get(site.url("/%uD800.txt")).status_code == 400


def test_options_head_order(tmp_path) -> None:
    with live_site(tmp_path, files={"a.txt": "hello"}) as site:
        names = _header_names(site.port, b"OPTIONS /a.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    names = [n for n in names if n != "Connection"]
    assert names == ["Allow", "Server", "Public", "Date", "Content-Length"], names
