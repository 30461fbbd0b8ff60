"""DirectoryListingModule's page against IIS 10 (reference §1.7 layout), over a real server."""

from __future__ import annotations

import os
import re
import time

from w3py.testing.live_site import live_site

BROWSE = '<system.webServer><directoryBrowse enabled="true" /></system.webServer>'


def _names(html: str) -> list[str]:
    return re.findall(r'<A HREF="[^"]*">([^<]*)</A>', html)


def test_entries_come_in_ntfs_order(tmp_path, client) -> None:
    # IIS lists what FindFirstFile returns, which on NTFS is the order of the upper-cased names: "_" (0x5F)
    # sorts after the letters, and a name and its case variants sort together.
    files = {"d/_private.txt": "1", "d/b.txt": "2", "d/a.txt": "3", "d/B2.txt": "4", "d/Zed.txt": "5",
             "d/sub/x.txt": "6"}
    with live_site(tmp_path, files=files, web_configs={"d": BROWSE}) as site:
        r = client.get(site.url("/d/"))
    assert r.status_code == 200
    assert _names(r.text) == ["[To Parent Directory]", "a.txt", "b.txt", "B2.txt", "sub", "Zed.txt",
                              "_private.txt"]


def _stamp(path) -> str:
    t = time.localtime(os.stat(path).st_mtime)
    hour = t.tm_hour % 12 or 12
    return f"{t.tm_mon}/{t.tm_mday}/{t.tm_year}".rjust(10) + " " + \
        f"{hour}:{t.tm_min:02d} {'PM' if t.tm_hour >= 12 else 'AM'}".rjust(8)


def test_listing_layout(tmp_path, client) -> None:
    # <title>/<H1> "HOST - /path/", parent link, then per row: date (M/D/YYYY, 10 wide), time (h:mm AM/PM,
    # 8 wide), size (12 wide) or &lt;dir&gt;, the link; one space between columns.
    with live_site(tmp_path, files={"d/a.txt": "abc", "d/sub/x.txt": "x"}, web_configs={"d": BROWSE}) as site:
        r = client.get(site.url("/d/"))
        www = site.root / "inetpub" / "wwwroot"
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    expected = ("<html><head><title>127.0.0.1 - /d/</title></head><body><H1>127.0.0.1 - /d/</H1><hr>\n\n"
                '<pre><A HREF="/">[To Parent Directory]</A><br><br>'
                f'{_stamp(www / "d" / "a.txt")}            3 <A HREF="/d/a.txt">a.txt</A><br>'
                f'{_stamp(www / "d" / "sub")}        &lt;dir&gt; <A HREF="/d/sub/">sub</A><br>'
                "</pre><hr></body></html>")
    assert r.text == expected
