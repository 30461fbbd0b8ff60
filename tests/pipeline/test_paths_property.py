"""Property: any raw path either is refused with 400.0 or becomes a clean virtual path that maps inside the
root (Hypothesis; the invariant of w3py/pipeline/paths.py)."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from w3py.errors import HTTPError
from w3py.pipeline.paths import is_inside, join_physical, url_from_raw

ROOT = "/srv/site"

# raw paths built from the pieces attackers use, plus arbitrary bytes
PIECES = st.sampled_from([b"/", b".", b"..", b"%2e", b"%2E%2e", b"%2f", b"%5c", b"\\", b"%00", b"%c0%ae", b"%25",
                          b"a", b"B", b"%41", b"\xff", b"%e2%80%ae", b"//", b"%252e", b"~", b" "])
RAW = st.one_of(st.lists(PIECES, max_size=30).map(b"".join), st.binary(max_size=60))


@settings(max_examples=500, deadline=None)
@given(RAW)
def test_any_raw_path_is_refused_or_clean(raw: bytes) -> None:
    try:
        url = url_from_raw(b"/" + raw)
    except HTTPError as exc:
        assert (exc.status.code, exc.status.substatus) == (400, 0)
        return
    assert url.startswith("/")
    segments = url.split("/")
    assert "." not in segments and ".." not in segments
    assert "\\" not in url and "\x00" not in url
    assert all(ord(c) >= 0x20 and c != "\x7f" for c in url)
    physical = join_physical(ROOT, url)
    assert is_inside(ROOT, os.path.normpath(physical))
