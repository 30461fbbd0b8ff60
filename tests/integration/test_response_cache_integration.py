"""The response cache over the wire: the same request stream, cache on and off, gives the same answers and the
same W3C log lines (apart from the clock and the ports)."""

from __future__ import annotations

import os

from w3py.api import SiteOptions
from w3py.testing.pipeline import location

FILES = {"index.htm": "<p>home</p>", "a.txt": "hello world", "s/style.css": "body{}"}
VARYING = {"date", "time", "time-taken", "c-port", "s-port", "sc-bytes", "cs-bytes"}


def _stream(site) -> list[tuple]:  # noqa: ANN001
    out = []
    for _ in range(3):
        for path, headers, method in [
            ("/a.txt", "", "GET"),
            ("/a.txt", "", "HEAD"),
            ("/", "", "GET"),
            ("/s/style.css", "Accept: text/css\r\n", "GET"),
            ("/s/style.css", "Accept: image/*\r\n", "GET"),
            ("/a.txt", "Range: bytes=0-1\r\n", "GET"),
            ("/a.txt?x=1", "", "GET"),
            ("/nope", "", "GET"),
            ("/a.txt", "Content-Length: 2\r\n\r\nab", "POST"),
        ]:
            answer = site.get(path, headers, method)
            headers_seen = sorted((k, v) for k, v in answer.headers if k != b"date")
            out.append((answer.status, headers_seen, answer.body))
    return out


def test_same_answers_and_log_lines(served) -> None:
    # custom error pages: detailed ones name the physical path, which differs between the two trees
    errors = location('<httpErrors errorMode="Custom"/>')
    on = served(FILES, locations=errors)
    off = served(FILES, locations=errors, options=SiteOptions(response_cache=False))
    for rel in ("index.htm", "a.txt", "s/style.css"):  # same validators in both trees
        for s in (on, off):
            os.utime(s.harness.wwwroot / rel, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert _stream(on) == _stream(off)
    assert on.harness.app.cache.hits > 0 and off.harness.app.cache.hits == 0

    def rows(site) -> list[dict[str, str]]:  # noqa: ANN001
        return [{k: v for k, v in row.items() if k not in VARYING} for row in site.log_rows()]

    on_rows, off_rows = rows(on), rows(off)
    assert len(on_rows) == 27
    assert on_rows == off_rows
