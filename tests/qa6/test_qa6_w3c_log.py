"""Conformance of the W3C site log with IIS 10's, over a real socket, where w3py differed from IIS."""

from __future__ import annotations

import httpx
import lxml.html
import pytest

from w3py.testing.live_site import live_site
from w3py.testing.w3c_log import parse_w3c


@pytest.mark.xfail(strict=True, reason="pipeline/files.py answers ERROR_FILE_NOT_FOUND (2) for a missing folder; "
                   "the fix belongs to the pipeline owner (qa6 may not edit src/w3py/pipeline)")
def test_a_missing_folder_is_404_0_with_win32_3(tmp_path) -> None:
    """IIS maps the URL with the Win32 file APIs: a folder on the way that does not exist is
    ERROR_PATH_NOT_FOUND (3), logged ``404 0 3`` and shown as Error Code 0x80070003 (a missing file in an
    existing folder stays ``404 0 2``). w3py's own catalog text for 404.0 says the same."""
    with live_site(tmp_path, files={"d/a.txt": "x"}) as site:
        page = httpx.get(site.url("/nowhere/a.txt"))
        httpx.get(site.url("/d/missing.txt"))
        site.flush_logs()
        rows = parse_w3c(site.log_files()[0]).rows
    assert page.status_code == 404
    doc = lxml.html.fromstring(page.content)
    cells = {th.text_content(): td.text_content().strip("\xa0") for th, td in
             zip(doc.xpath("//tr/th"), doc.xpath("//tr/td"))}
    assert cells["Error Code"] == "0x80070003"
    assert [(r["cs-uri-stem"], r["sc-status"], r["sc-substatus"], r["sc-win32-status"]) for r in rows] == [
        ("/nowhere/a.txt", "404", "0", "3"),
        ("/d/missing.txt", "404", "0", "2"),
    ]
