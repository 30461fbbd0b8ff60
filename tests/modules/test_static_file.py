"""StaticFileModule: the codes and headers of serving a file (docstring of w3py/modules/static_file.py)."""

from __future__ import annotations

import os
import re
from email.utils import formatdate

import pytest

from w3py.api import SiteOptions
from w3py.protocol.messages import FileBody
from w3py.testing.pipeline import location

FILES = {
    "a.txt": "hello world",
    "page.htm": "<p>page</p>",
    "x.unknownext": "u",
    ".env": "SECRET=1",
    ".git/config": "[core]",
    ".well-known/acme": "token",
    "pkg.tar.zz": "two",
    "pkg.zz": "one",
    "big.bin": b"",
}


def test_get_serves_file_with_validators(site) -> None:
    s = site(FILES)
    r = s.get("/a.txt")
    assert (r.status, r.substatus, r.body) == (200, 0, b"hello world")
    assert r.header("content-type") == "text/plain"
    assert r.header("accept-ranges") == "bytes"
    assert re.fullmatch(r'"[0-9a-f]+:0"', r.header("etag") or "")
    mtime = int(os.stat(s.wwwroot / "a.txt").st_mtime)
    assert r.header("last-modified") == formatdate(mtime, usegmt=True)
    assert r.header("cache-control") is None  # clientCache NoControl by default


def test_head_has_the_headers_without_the_body(site) -> None:
    s = site(FILES)
    get, head = s.get("/a.txt"), s.get("/a.txt", method="HEAD")
    assert (head.status, head.body) == (200, b"")
    assert head.header("etag") == get.header("etag")
    assert head.response.body == b"hello world"  # the listener sends Content-Length for it, then no body


@pytest.mark.parametrize(
    ("path", "code", "sub", "win32"),
    [
        pytest.param("/missing.txt", 404, 0, 2, id="missing-404.0"),
        pytest.param("/missing.unknownext", 404, 0, 2, id="missing-beats-mime-404.0"),
        pytest.param("/x.unknownext", 404, 3, 50, id="no-mime-404.3"),
        pytest.param("/.env", 404, 9, 2, id="dot-file-404.9"),
        pytest.param("/.git/config", 404, 9, 2, id="dot-directory-404.9"),
        pytest.param("/.git/", 404, 9, 2, id="dot-directory-itself-404.9"),
    ],
)
def test_refusals(site, path: str, code: int, sub: int, win32: int) -> None:
    r = site(FILES).get(path)
    assert (r.status, r.substatus, r.win32) == (code, sub, win32)
    assert b"SECRET" not in r.body


def test_well_known_is_public(site) -> None:
    # not hidden: an extensionless file is refused for its MIME type (404.3), not as hidden (404.9) ...
    r = site(FILES).get("/.well-known/acme")
    assert (r.status, r.substatus) == (404, 3)
    # ... and served once the site maps extensionless files, as IIS admins do for ACME challenges
    s = site(FILES, locations=location('<staticContent><mimeMap fileExtension="." mimeType="text/plain"/>'
                                       "</staticContent>"))
    assert (s.get("/.well-known/acme").status, s.get("/.well-known/acme").body) == (200, b"token")


def test_dot_files_served_when_the_site_says_so(site) -> None:
    s = site(FILES, locations=location('<staticContent><mimeMap fileExtension=".env" mimeType="text/plain"/>'
                                       "</staticContent>"), options=SiteOptions(serve_dot_files=True))
    r = s.get("/.env")
    assert (r.status, r.body) == (200, b"SECRET=1")


def test_multi_dot_extension_wins(site) -> None:
    s = site(FILES, locations=location('<staticContent><mimeMap fileExtension=".zz" mimeType="application/one"/>'
                                       '<mimeMap fileExtension=".tar.zz" mimeType="application/two"/>'
                                       "</staticContent>"))
    assert s.get("/pkg.tar.zz").header("content-type") == "application/two"
    assert s.get("/pkg.zz").header("content-type") == "application/one"


def test_post_to_static_file_is_405(site) -> None:
    r = site(FILES).get("/a.txt", method="POST")
    assert (r.status, r.substatus, r.win32) == (405, 0, 1)
    assert r.header("allow") == "GET, HEAD, OPTIONS, TRACE"
    assert r.ctx.status_module == "StaticFileModule"


def test_conditional_get(site) -> None:
    s = site(FILES)
    first = s.get("/a.txt")
    etag, lm = first.header("etag"), first.header("last-modified")
    r = s.get("/a.txt", f"If-None-Match: {etag}\r\n")
    assert (r.status, r.body, r.header("etag"), r.header("last-modified")) == (304, b"", etag, lm)
    assert s.get("/a.txt", 'If-None-Match: "other"\r\n').status == 200
    assert s.get("/a.txt", f"If-None-Match: W/{etag}\r\n").status == 304  # weak comparison
    assert s.get("/a.txt", f"If-Modified-Since: {lm}\r\n").status == 304
    assert s.get("/a.txt", "If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT\r\n").status == 200
    assert s.get("/a.txt", "If-Modified-Since: garbage\r\n").status == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
    assert s.get("/a.txt", f'If-None-Match: "x"\r\nIf-Modified-Since: {lm}\r\n').status == 200


def test_preconditions_412(site) -> None:
    s = site(FILES)
    etag = s.get("/a.txt").header("etag")
    r = s.get("/a.txt", 'If-Match: "nope"\r\n')
    assert (r.status, r.substatus) == (412, 0)
    assert s.get("/a.txt", f"If-Match: {etag}\r\n").status == 200
    assert s.get("/a.txt", "If-Match: *\r\n").status == 200
    assert s.get("/a.txt", "If-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 GMT\r\n").status == 412
    assert s.get("/a.txt", "If-Unmodified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n").status == 200


def test_single_range(site) -> None:
    s = site(FILES)
    r = s.get("/a.txt", "Range: bytes=0-4\r\n")
    assert (r.status, r.body, r.header("content-range")) == (206, b"hello", "bytes 0-4/11")
    r = s.get("/a.txt", "Range: bytes=-5\r\n")
    assert (r.status, r.body, r.header("content-range")) == (206, b"world", "bytes 6-10/11")
    r = s.get("/a.txt", "Range: bytes=6-\r\n")
    assert r.body == b"world"
    r = s.get("/a.txt", "Range: bytes=6-1000\r\n")
    assert (r.body, r.header("content-range")) == (b"world", "bytes 6-10/11")


def test_multiple_ranges_are_multipart(site) -> None:
    r = site(FILES).get("/a.txt", "Range: bytes=0-1,6-7\r\n")
    assert r.status == 206
    ctype = r.header("content-type") or ""
    assert ctype.startswith("multipart/byteranges; boundary=")
    boundary = ctype.split("boundary=")[1].encode()
    parts = r.body.split(b"--" + boundary)
    assert parts[-1] == b"--\r\n"
    assert b"Content-Range: bytes 0-1/11\r\n\r\nhe\r\n" in parts[1]
    assert b"Content-Range: bytes 6-7/11\r\n\r\nwo\r\n" in parts[2]
    assert b"Content-Type: text/plain" in parts[1]


def test_unsatisfiable_range_is_416(site) -> None:
    r = site(FILES).get("/a.txt", "Range: bytes=100-200\r\n")
    assert (r.status, r.substatus, r.header("content-range")) == (416, 0, "bytes */11")
    assert b"416" in r.body  # the error page is there too
    # what StaticFileModule itself answers (custom errors would replace the entity headers)
    s = site(FILES, locations=location('<httpErrors existingResponse="PassThrough"/>'))
    r = s.get("/a.txt", "Range: bytes=100-200\r\n")
    assert (r.status, r.header("content-range")) == (416, "bytes */11")


@pytest.mark.parametrize("header", ["Range: items=0-1", "Range: bytes=5-1", "Range: bytes=a-b"])
def test_malformed_range_is_ignored(site, header: str) -> None:
    r = site(FILES).get("/a.txt", header + "\r\n")
    assert (r.status, r.body) == (200, b"hello world")


def test_if_range(site) -> None:
    s = site(FILES)
    etag = s.get("/a.txt").header("etag")
    assert s.get("/a.txt", f"Range: bytes=0-1\r\nIf-Range: {etag}\r\n").status == 206
    r = s.get("/a.txt", 'Range: bytes=0-1\r\nIf-Range: "old"\r\n')
    assert (r.status, r.body) == (200, b"hello world")


def test_accept_excluding_type_is_406(site) -> None:
    s = site(FILES)
    r = s.get("/a.txt", "Accept: image/png\r\n")
    assert (r.status, r.substatus) == (406, 0)
    assert s.get("/a.txt", "Accept: text/*\r\n").status == 200
    assert s.get("/a.txt", "Accept: text/html, */*;q=0.1\r\n").status == 200
    assert s.get("/a.txt", "Accept: text/plain;q=0, */*\r\n").status == 406


@pytest.mark.parametrize(
    ("client_cache", "expected"),
    [
        pytest.param('cacheControlMode="UseMaxAge" cacheControlMaxAge="00:00:30"', ("cache-control", "max-age=30"),
                     id="max-age"),
        pytest.param('cacheControlMode="UseMaxAge" cacheControlMaxAge="1.00:00:00" cacheControlCustom="public"',
                     ("cache-control", "public,max-age=86400"), id="custom-prefix"),
        pytest.param('cacheControlMode="DisableCache"', ("cache-control", "no-cache"), id="disable"),
        pytest.param('cacheControlMode="UseExpires" httpExpires="Fri, 01 Jan 2100 00:00:00 GMT"',
                     ("expires", "Fri, 01 Jan 2100 00:00:00 GMT"), id="expires"),
    ],
)
def test_client_cache(site, client_cache: str, expected: tuple[str, str]) -> None:
    s = site(FILES, locations=location(f"<staticContent><clientCache {client_cache}/></staticContent>"))
    r = s.get("/a.txt")
    assert r.header(expected[0]) == expected[1]
    etag = r.header("etag")
    not_modified = s.get("/a.txt", f"If-None-Match: {etag}\r\n")
    assert (not_modified.status, not_modified.header(expected[0])) == (304, expected[1])


def test_set_etag_false_drops_only_etag(site) -> None:
    s = site(FILES, locations=location('<staticContent><clientCache setEtag="false"/></staticContent>'))
    r = s.get("/a.txt")
    assert r.header("etag") is None and r.header("last-modified") is not None


def test_case_insensitive_lookup(site) -> None:
    assert site(FILES).get("/A.TXT").body == b"hello world"
    off = site(FILES, options=SiteOptions(case_insensitive_files=False))
    assert (off.get("/A.TXT").status, off.get("/A.TXT").substatus) == (404, 0)


def test_large_file_goes_out_as_file_body(site) -> None:
    data = os.urandom(300_000)
    s = site({"big.bin": data})
    r = s.get("/big.bin")
    assert isinstance(r.response.body, FileBody)
    assert r.body == data
    r = s.get("/big.bin", "Range: bytes=1000-1999\r\n")
    assert r.response.body == FileBody(str(s.wwwroot / "big.bin"), 1000, 1000)
    assert r.body == data[1000:2000]
    r = s.get("/big.bin", "Range: bytes=0-9,-10\r\n")
    assert data[:10] in r.body and data[-10:] in r.body


def test_changed_file_is_served_fresh(site) -> None:
    s = site(FILES)
    assert s.get("/a.txt").body == b"hello world"
    path = s.wwwroot / "a.txt"
    path.write_text("changed content")
    os.utime(path, ns=(1, 2_000_000_000))
    r = s.get("/a.txt")
    assert r.body == b"changed content"


_UNREADABLE_PROBE = """
import os, sys
from w3py.testing.pipeline import SiteHarness
s = SiteHarness(sys.argv[1])
assert s.get("/open.txt").status == 200 and s.get("/missing.txt").status == 404  # imports everything first
if os.geteuid() == 0:
    os.setgid(65534); os.setuid(65534)
r = s.get("/locked.txt")
print(r.status, r.substatus, r.win32)
"""


def test_unreadable_file_is_401_3() -> None:
    """A file the server process may not read is 401.3 (IIS's ACL refusal). Run as an unprivileged user:
    root reads everything. (Not in tmp_path: its parent folders are private to root.)"""
    import shutil
    import subprocess
    import sys
    import tempfile

    from w3py.testing.pipeline import SiteHarness

    base = tempfile.mkdtemp(prefix="w3py-401-")
    try:
        root = os.path.join(base, "server")
        SiteHarness(root, {"locked.txt": "no", "open.txt": "yes"})  # lays out the server root
        for folder, dirs, _files in os.walk(base):
            os.chmod(folder, 0o777)
        os.chmod(os.path.join(root, "inetpub", "wwwroot", "locked.txt"), 0o600 if os.geteuid() == 0 else 0)
        out = subprocess.run([sys.executable, "-c", _UNREADABLE_PROBE, root], capture_output=True, text=True,
                             timeout=60)
        if out.returncode != 0 and "PermissionError" in out.stderr and "setuid" in out.stderr:
            pytest.skip("cannot drop privileges here")
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.split()[-3:] == ["401", "3", "5"]
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the superuser rule applies to root")
def test_file_nobody_may_read_is_401_3_even_for_root(tmp_path) -> None:
    """Root reads every file, yet a file whose mode grants read to nobody (chmod 000) is not served: w3py
    answers as IIS does for a file its worker identity may not read. A file readable by its owner only is
    served (it is the site's own file)."""
    from w3py.testing.pipeline import SiteHarness

    s = SiteHarness(tmp_path / "server", {"locked.txt": "secret", "mine.txt": "ok"})
    wwwroot = tmp_path / "server" / "inetpub" / "wwwroot"
    os.chmod(wwwroot / "locked.txt", 0)
    os.chmod(wwwroot / "mine.txt", 0o600)
    r = s.get("/locked.txt")
    assert (r.status, r.substatus, r.win32) == (401, 3, 5)
    assert b"secret" not in r.body
    assert s.get("/mine.txt").status == 200
