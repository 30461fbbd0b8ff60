"""URL decoding and path normalisation (rules in w3py/pipeline/paths.py)."""

from __future__ import annotations

import os

import pytest

from w3py.errors import HTTPError
from w3py.pipeline.paths import CaseFolder, decode_path, is_inside, join_physical, normalize_path, url_from_raw


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        pytest.param(b"/", "/", id="root"),
        pytest.param(b"/a/b.txt", "/a/b.txt", id="plain"),
        pytest.param(b"/a/../b", "/b", id="dotdot"),
        pytest.param(b"/a/b/%2e%2e/%2E%2E/c", "/c", id="encoded-dotdot"),
        pytest.param(b"/a/%252e%252e/b", "/a/%2e%2e/b", id="double-encoded-stays-literal"),
        pytest.param(b"/a\\b\\..\\c", "/a/c", id="backslashes"),
        pytest.param(b"/a%5cb%5c..%5cc", "/a/c", id="encoded-backslashes"),
        pytest.param(b"/a/./b/.", "/a/b/", id="dot-segments"),
        pytest.param(b"//a///b/", "/a/b/", id="empty-segments"),
        pytest.param(b"/dir/", "/dir/", id="trailing-slash-kept"),
        pytest.param("/caf\u00e9".encode(), "/caf\u00e9", id="utf8"),
        pytest.param(b"/caf%C3%A9", "/caf\u00e9", id="utf8-encoded"),
    ],
)
def test_url_from_raw(raw: bytes, url: str) -> None:
    assert url_from_raw(raw) == url


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"/%C0%AE%C0%AE/etc/passwd", id="overlong-utf8-dot"),
        pytest.param(b"/%c0%af", id="overlong-utf8-slash"),
        pytest.param(b"/a%00.txt", id="nul"),
        pytest.param(b"/a%0d%0a", id="crlf"),
        pytest.param(b"/a%7f", id="del"),
        pytest.param(b"/\xff", id="raw-invalid-utf8"),
        # a climb above the root is invalid, as HTTP.sys has it (never clamped into the site)
        pytest.param(b"/../../etc/passwd", id="dotdot-above-root"),
        pytest.param(b"/%2e%2e/%2E%2E/etc/passwd", id="encoded-dotdot-above-root"),
        pytest.param(b"/a/..%2F..%2Fetc", id="encoded-slash-climb"),
        pytest.param(b"/a\\..\\..\\b", id="backslash-climb"),
    ],
)
def test_refused_with_400(raw: bytes) -> None:
    with pytest.raises(HTTPError) as info:
        url_from_raw(raw)
    assert (info.value.status.code, info.value.status.substatus) == (400, 0)


def test_decode_is_once() -> None:
    assert decode_path(b"/%2541") == "/%41"


def test_normalize_common_case_is_identity() -> None:
    assert normalize_path("/a/b/c.html") == "/a/b/c.html"


def test_join_and_inside(tmp_path) -> None:  # noqa: ANN001
    root = str(tmp_path)
    assert join_physical(root, "/a/b") == root + "/a/b"
    assert join_physical(root, "/") == root
    assert is_inside(root, root + "/a")
    assert not is_inside(root, root + "x/a")
    assert is_inside(root, root)


def test_case_folder(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "Sub").mkdir()
    (tmp_path / "Sub" / "default.htm").write_text("x")
    folder = CaseFolder()
    found = folder.resolve(str(tmp_path), "sub/Default.HTM")
    assert found == os.path.join(str(tmp_path), "Sub", "default.htm")
    assert folder.resolve(str(tmp_path), "sub/missing.htm") is None
    # a new file invalidates the cached listing (directory mtime changes)
    (tmp_path / "Sub" / "New.txt").write_text("y")
    assert folder.resolve(str(tmp_path), "SUB/new.TXT") == os.path.join(str(tmp_path), "Sub", "New.txt")
