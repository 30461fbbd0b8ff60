"""No spelling of a URL gets a hidden segment or a denied extension served: the filter and the pipeline's
file mapping must agree on what a URL names (case folding, escapes, dot segments, separators, trailing dots).

A Hypothesis test mutates the URLs of protected files (case, %-escapes, Unicode characters that case-fold to
ASCII, dot segments, backslashes, trailing dots and slashes) and runs each through the real pipeline with the
stock configuration. Any 200 must have come from a file whose on-disk path is neither hidden nor denied.
"""

from __future__ import annotations

import os
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

from w3py.testing.pipeline import SiteHarness

PROTECTED = {
    "db.mdb": "secret-mdb",
    "bin/app.txt": "secret-bin",
    "App_Data/data.txt": "secret-data",
    "App_Browsers/b.txt": "secret-browsers",
    "web.config": "<configuration/>",
    "sub/web.config": "<configuration/>",
}
PUBLIC = {"ok/readme.txt": "public"}
HIDDEN = {"web.config", "bin", "app_code", "app_globalresources", "app_localresources", "app_webreferences",
          "app_data", "app_browsers"}
DENIED_EXT = {".mdb", ".config", ".cs"}

_root = tempfile.TemporaryDirectory()
HARNESS = SiteHarness(_root.name, files={**PROTECTED, **PUBLIC})

# Unicode characters whose case fold (the file lookup's) is an ASCII letter
FOLDS_TO = {"s": ["\u017f"], "k": ["\u212a"]}


@st.composite
def spellings(draw) -> bytes:
    target = draw(st.sampled_from(sorted(PROTECTED)))
    out = []
    for ch in target:
        choice = draw(st.integers(0, 9))
        low = ch.lower()
        if ch == "/" and choice == 0:
            out.append(draw(st.sampled_from(["\\", "%2f", "%2F", "%5c", "//", "/./", "/x/../"])))
        elif low in FOLDS_TO and choice == 1:
            out.append(draw(st.sampled_from(FOLDS_TO[low])))
        elif choice == 2:
            out.append(ch.swapcase())
        elif choice == 3 and ch.isascii():
            out.append("%{:02x}".format(ord(ch)) if draw(st.booleans()) else "%{:02X}".format(ord(ch)))
        else:
            out.append(ch)
    tail = draw(st.sampled_from(["", "", ".", "%20", "/", "..", "%2e", "::$DATA", "?x=1"]))
    return ("/" + "".join(out) + tail).encode("utf-8")


def served_relpath(result) -> str | None:
    if result.status != 200:
        return None
    return os.path.relpath(result.ctx.physical_path, HARNESS.wwwroot)


@settings(max_examples=300, deadline=None)
@given(url=spellings())
def test_no_spelling_serves_a_protected_file(url: bytes) -> None:
    result = HARNESS.request(b"GET " + url + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert result.status < 500, url
    served = served_relpath(result)
    if served is None:
        return
    parts = [p.casefold() for p in served.split(os.sep)]
    assert not HIDDEN.intersection(parts), (url, served)
    name = parts[-1]
    assert os.path.splitext(name)[1] not in DENIED_EXT, (url, served)
    assert b"secret" not in result.body, (url, served)


def test_the_public_file_is_served() -> None:
    # the property above is not vacuous: the same harness does serve files
    result = HARNESS.request(b"GET /OK/ReadMe.TXT HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert result.status == 200 and result.body == b"public"
