"""httpRedirect and the courtesy slash redirect against IIS 10's observed behaviour, over a real server.

IIS facts used here: with ``exactDestination="false"`` the part of the URL below the configured folder is
appended to the destination, so the folder's own URL with its slash (suffix ``/``) ends in ``/`` too
(``/mysite/`` → ``http://www.bing.com/sales/``); ``childOnly`` still redirects requests for the folder itself
and its files, only not those of sub-folders. An HTTP/1.0 request without Host gets an absolute Location
built from ``serverRuntime/@alternateHostName`` or else the server's address (IIS never sends a relative one
for its courtesy redirect)."""

from __future__ import annotations

import socket

from w3py.testing.live_site import live_site
from w3py.testing.pipeline import location

FILES = {"old/c.htm": "c", "old/sub/d.htm": "d", "dir/x.txt": "x"}


def _redirect(attrs: str) -> dict[str, str]:
    return {"old": f'<system.webServer><httpRedirect enabled="true" {attrs} /></system.webServer>'}


def test_folder_url_with_slash_keeps_the_slash(tmp_path, client, log_rows) -> None:
    with live_site(tmp_path, files=FILES,
                   web_configs=_redirect('destination="http://new.example/sales"')) as site:
        folder = client.get(site.url("/old/"))
        bare = client.get(site.url("/old"))
        page = client.get(site.url("/old/c.htm"))
        rows = log_rows(site, 3)
    assert (folder.status_code, folder.headers["location"]) == (302, "http://new.example/sales/")
    assert bare.headers["location"] == "http://new.example/sales"
    assert page.headers["location"] == "http://new.example/sales/c.htm"
    assert [(r["cs-uri-stem"], r["sc-status"]) for r in rows] == [("/old/", "302"), ("/old", "302"),
                                                                  ("/old/c.htm", "302")]


def test_destination_with_trailing_slash_is_not_doubled(tmp_path, client) -> None:
    with live_site(tmp_path, files=FILES, web_configs=_redirect('destination="http://new.example/"')) as site:
        folder = client.get(site.url("/old/"))
        page = client.get(site.url("/old/sub/d.htm"))
    assert folder.headers["location"] == "http://new.example/"
    assert page.headers["location"] == "http://new.example/sub/d.htm"


def test_child_only_redirects_the_folder_and_its_files_not_subfolders(tmp_path, client) -> None:
    with live_site(tmp_path, files=FILES,
                   web_configs=_redirect('destination="http://new.example/x" childOnly="true"')) as site:
        folder = client.get(site.url("/old/"))
        page = client.get(site.url("/old/c.htm"))
        deeper = client.get(site.url("/old/sub/d.htm"))
    assert (folder.status_code, folder.headers["location"]) == (302, "http://new.example/x/")
    assert page.headers["location"] == "http://new.example/x/c.htm"
    assert deeper.status_code == 200 and deeper.text == "d"


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def _location(answer: bytes) -> str:
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"location":
            return value.strip().decode("latin-1")
    raise AssertionError(answer[:300])


def test_courtesy_redirect_without_host_is_absolute(tmp_path) -> None:
    with live_site(tmp_path, files=FILES) as site:
        answer = _raw(site.port, b"GET /dir?a=1 HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 301 ")
    assert _location(answer) == f"http://127.0.0.1:{site.port}/dir/?a=1"


def test_courtesy_redirect_without_host_uses_alternate_host_name(tmp_path) -> None:
    runtime = location('<serverRuntime alternateHostName="www.example.com" />')
    with live_site(tmp_path, files=FILES, locations=runtime) as site:
        answer = _raw(site.port, b"GET /dir HTTP/1.0\r\n\r\n")
        with_host = _raw(site.port, b"GET /dir HTTP/1.0\r\nHost: shop.example\r\n\r\n")
    assert _location(answer) == f"http://www.example.com:{site.port}/dir/"
    assert _location(with_host) == "http://shop.example/dir/"  # the client's Host wins


def test_alternate_host_name_with_its_own_port(tmp_path) -> None:
    runtime = location('<serverRuntime alternateHostName="www.example.com:8443" />')
    with live_site(tmp_path, files=FILES, locations=runtime) as site:
        answer = _raw(site.port, b"GET /dir HTTP/1.0\r\n\r\n")
    assert _location(answer) == "http://www.example.com:8443/dir/"


def test_wildcard_rules_apply_only_without_a_destination(tmp_path, client) -> None:
    # learn.microsoft.com, httpRedirect/add: "If you add wildcard redirection rules, you must remove the
    # default destination value in the httpRedirect section in order for the wildcard rules to work."
    rules = '<add wildcard="*.htm" destination="/moved.htm" />'
    both = {"old": '<system.webServer><httpRedirect enabled="true" destination="http://new.example/site" '
                   f'exactDestination="true">{rules}</httpRedirect></system.webServer>'}
    only = {"old": '<system.webServer><httpRedirect enabled="true" exactDestination="true">'
                   f'{rules}</httpRedirect></system.webServer>'}
    with live_site(tmp_path / "both", files=FILES, web_configs=both) as site:
        with_destination = client.get(site.url("/old/c.htm"))
    with live_site(tmp_path / "only", files=FILES, web_configs=only) as site:
        wildcard = client.get(site.url("/old/c.htm"))
        other = client.get(site.url("/old/sub/d.txt"))
    assert with_destination.headers["location"] == "http://new.example/site"
    assert wildcard.headers["location"].endswith("/moved.htm")
    assert other.status_code == 404  # no rule matches: served normally (the file does not exist)


def _status_line(port: int, path: str) -> bytes:
    answer = _raw(port, f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
    return answer.split(b"\r\n", 1)[0]


def test_redirect_status_lines(tmp_path) -> None:
    # The httpRedirect reference: "IIS 7 will respectively return the following actual HTTP response
    # statuses": 301 Moved Permanently, 302 Redirect, 307 Redirect.
    configs = {f"s{mode}": '<system.webServer><httpRedirect enabled="true" destination="http://new.example/" '
                           f'httpResponseStatus="{mode}" /></system.webServer>'
               for mode in ("Permanent", "Found", "Temporary")}
    with live_site(tmp_path, files={f"{d}/a.txt": "a" for d in configs}, web_configs=configs) as site:
        lines = {mode: _status_line(site.port, f"/s{mode}/a.txt") for mode in ("Permanent", "Found", "Temporary")}
        courtesy = _status_line(site.port, "/sFound")
    assert lines == {"Permanent": b"HTTP/1.1 301 Moved Permanently", "Found": b"HTTP/1.1 302 Redirect",
                     "Temporary": b"HTTP/1.1 307 Redirect"}
    assert courtesy == b"HTTP/1.1 302 Redirect"  # the folder URL itself is redirected by the module too


def test_redirect_body_is_iis_document_moved_page(tmp_path) -> None:
    # IIS's redirect entity (courtesy slash redirect and HttpRedirectionModule alike): the "Document Moved"
    # page, no <html> element, the Location repeated in the link.
    with live_site(tmp_path, files=FILES, web_configs=_redirect('destination="http://new.example/x"')) as site:
        courtesy = _raw(site.port, b"GET /dir HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        module = _raw(site.port, b"GET /old/c.htm HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    for answer, location in ((courtesy, "http://localhost/dir/"), (module, "http://new.example/x/c.htm")):
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"\r\nContent-Type: text/html; charset=UTF-8\r\n" in head + b"\r\n"
        assert body == (b'<head><title>Document Moved</title></head>\n<body><h1>Object Moved</h1>'
                        b'This document may be found <a HREF="' + location.encode() + b'">here</a></body>')
        assert f"Content-Length: {len(body)}".encode() in head


def test_relative_destinations_become_absolute(tmp_path) -> None:
    # IHttpResponse::Redirect, which IIS's modules redirect with: "If the URL specified ... is a relative
    # path, the URL will be converted to an absolute URL within the request domain." The reference's own
    # wildcard sample redirects *.asp to "/default.htm".
    configs = {
        "wild": '<system.webServer><httpRedirect enabled="true" exactDestination="true" httpResponseStatus="Found">'
                '<add wildcard="*.asp" destination="/default.htm" /></httpRedirect></system.webServer>',
        "rel": '<system.webServer><httpRedirect enabled="true" destination="/new" /></system.webServer>',
        "noscheme": '<system.webServer><httpRedirect enabled="true" destination="www.example.com" '
                    'exactDestination="true" /></system.webServer>',
    }
    files = {"wild/old.asp": "a", "rel/a b.htm": "b", "noscheme/x.htm": "c"}
    with live_site(tmp_path, files=files, web_configs=configs) as site:
        def get(path: str) -> str:
            return _location(_raw(site.port, f"GET {path} HTTP/1.1\r\nHost: shop.example:8080\r\n"
                                             "Connection: close\r\n\r\n".encode()))
        wild, rel, noscheme = get("/wild/old.asp"), get("/rel/a%20b.htm?q=1"), get("/noscheme/x.htm")
    assert wild == "http://shop.example:8080/default.htm"
    assert rel == "http://shop.example:8080/new/a%20b.htm?q=1"
    # an admin's classic mistake: no scheme means a relative path, resolved against the request
    assert noscheme == "http://shop.example:8080/noscheme/www.example.com"


def test_redirect_headers_in_iis_order(tmp_path) -> None:
    # HTTP.sys's header order: Content-Type (12) before Location (23)
    with live_site(tmp_path, files=FILES) as site:
        answer = _raw(site.port, b"GET /dir HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    names = [line.split(b":", 1)[0] for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]]
    assert names.index(b"Content-Type") < names.index(b"Location"), names
