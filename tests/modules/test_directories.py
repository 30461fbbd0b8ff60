"""Directory URLs: courtesy 301, DefaultDocumentModule, DirectoryListingModule (403.14 or a listing)."""

from __future__ import annotations

import os
import time

from w3py.api import SiteOptions
from w3py.testing.pipeline import location

FILES = {
    "docs/readme.txt": "r",
    "docs/sub/": "",
    "docs/a b&c<d>.txt": "x",
    "docs/.hidden": "h",
    "docs/web.config": '<?xml version="1.0"?><configuration/>',
    "withdefault/index.htm": "<p>index</p>",
    "withdefault/Default.htm": "<p>default</p>",
    "onlyindex/index.html": "<p>index.html</p>",
}

BROWSE = location('<directoryBrowse enabled="true"/>')


def test_directory_without_slash_redirects_keeping_query(site) -> None:
    r = site(FILES).get("/docs?x=1&y=2")
    assert (r.status, r.header("location")) == (301, "http://localhost/docs/?x=1&y=2")
    assert r.ctx.status_module == "DefaultDocumentModule"


def test_redirect_keeps_client_encoding(site) -> None:
    s = site({"my dir/f.txt": "x"})
    assert s.get("/my%20dir").header("location") == "http://localhost/my%20dir/"


def test_default_document_order(site) -> None:
    s = site(FILES)
    r = s.get("/withdefault/")
    assert (r.status, r.body, r.header("content-type")) == (200, b"<p>default</p>", "text/html")
    assert s.get("/onlyindex/").body == b"<p>index.html</p>"
    assert s.get("/withdefault/?q=1").body == b"<p>default</p>"


def test_default_document_list_from_config(site) -> None:
    s = site(FILES, locations=location('<defaultDocument><files><clear/><add value="index.htm"/></files>'
                                       "</defaultDocument>"))
    assert s.get("/withdefault/").body == b"<p>index</p>"


def test_default_document_disabled_falls_to_403_14(site) -> None:
    s = site(FILES, locations=location('<defaultDocument enabled="false"/>'))
    r = s.get("/withdefault/")
    assert (r.status, r.substatus, r.win32) == (403, 14, 0)
    assert r.ctx.status_module == "DirectoryListingModule"


def test_post_to_directory_with_static_default_is_405(site) -> None:
    r = site(FILES).get("/withdefault/", method="POST")
    assert (r.status, r.substatus, r.header("allow")) == (405, 0, "GET, HEAD, OPTIONS, TRACE")


def test_no_default_document_no_browsing_is_403_14(site) -> None:
    r = site(FILES).get("/docs/")
    assert (r.status, r.substatus) == (403, 14)


def test_listing(site) -> None:
    s = site(FILES, locations=BROWSE)
    os.utime(s.wwwroot / "docs" / "readme.txt", (0, time.mktime((2026, 4, 13, 14, 25, 0, 0, 0, -1))))
    r = s.get("/docs/")
    assert r.status == 200
    assert r.header("content-type") == "text/html; charset=utf-8"
    page = r.body.decode()
    assert "<title>localhost - /docs/</title>" in page
    assert '<A HREF="/">[To Parent Directory]</A>' in page
    assert ' 4/13/2026  2:25 PM            1 <A HREF="/docs/readme.txt">readme.txt</A><br>' in page
    assert '&lt;dir&gt; <A HREF="/docs/sub/">sub</A>' in page
    # names are escaped, links encoded
    assert '<A HREF="/docs/a%20b%26c%3Cd%3E.txt">a b&amp;c&lt;d&gt;.txt</A>' in page
    # hidden: dot-files and requestFiltering hiddenSegments (web.config)
    assert ".hidden" not in page and "web.config" not in page


def test_listing_root_has_no_parent_link(site) -> None:
    page = site(FILES, locations=BROWSE).get("/").body.decode()
    assert "[To Parent Directory]" not in page and '<A HREF="/docs/">docs</A>' in page


def test_listing_show_flags(site) -> None:
    s = site(FILES, locations=location('<directoryBrowse enabled="true" showFlags="Size"/>'))
    page = s.get("/docs/").body.decode()
    # no date or time, and without Extension the extension is not shown
    assert '           1 <A HREF="/docs/readme.txt">readme</A><br>' in page
    assert "AM" not in page and "PM" not in page


def test_listing_shows_dot_files_when_served(site) -> None:
    s = site(FILES, locations=BROWSE, options=SiteOptions(serve_dot_files=True))
    assert ">.hidden</A>" in s.get("/docs/").body.decode()


def test_head_listing_has_no_body(site) -> None:
    r = site(FILES, locations=BROWSE).get("/docs/", method="HEAD")
    assert (r.status, r.body) == (200, b"")


def test_listing_leaves_out_symlinks_that_leave_the_site(site) -> None:
    s = site(FILES, locations=BROWSE)
    outside = s.root / "outside.txt"
    outside.write_text("secret size")
    os.symlink(outside, s.wwwroot / "docs" / "escape.txt")
    os.symlink(s.wwwroot / "docs" / "readme.txt", s.wwwroot / "docs" / "alias.txt")
    page = s.get("/docs/").body.decode()
    assert "escape.txt" not in page
    assert ">alias.txt</A>" in page
