"""No request returns a byte from outside the site (rules in w3py/pipeline/paths.py and files.py)."""

from __future__ import annotations

import os

import pytest

from w3py.errors import ProtocolError

SECRET = b"TOP-SECRET-OUTSIDE-THE-SITE"

ATTACKS = [
    "/../secret.txt",
    "/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/%252e%252e/secret.txt",
    "/%252e%252e%252fsecret.txt",
    "/..%5csecret.txt",
    "/..%255csecret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/%c0%af..%c0%afsecret.txt",
    "/%e0%80%ae%e0%80%ae/secret.txt",
    "/./../secret.txt",
    "/sub/../../secret.txt",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "/link.txt",
    "/LINK.TXT",
    "/linkdir/secret.txt",
    "/LinkDir/Secret.TXT",
    "/linkdir/",
    "/sub/..%00/secret.txt",
    "/secret.txt%00.htm",
    "//../secret.txt",
    "/sub\\..\\..\\secret.txt",
]


@pytest.fixture
def tree(site):  # noqa: ANN001, ANN201
    s = site({"sub/inside.txt": "inside", "real.txt": "real"},
             locations='<location path="Default Web Site" overrideMode="Allow"><system.webServer>'
                       '<directoryBrowse enabled="true"/></system.webServer></location>')
    outside = s.root / "secret.txt"
    outside.write_bytes(SECRET)
    (s.root / "inetpub" / "secret.txt").write_bytes(SECRET)
    os.symlink(outside, s.wwwroot / "link.txt")
    os.symlink(s.root, s.wwwroot / "linkdir")
    os.symlink(s.wwwroot / "real.txt", s.wwwroot / "alias.txt")
    return s


@pytest.mark.parametrize("path", ATTACKS)
def test_traversal_never_leaks(tree, path: str) -> None:  # noqa: ANN001
    for method in ("GET", "HEAD"):
        try:
            r = tree.request(f"{method} {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode("latin-1"))
        except ProtocolError as exc:  # an invalid URL: the listener's own 400 (HTTP.sys "Invalid URL")
            assert exc.status_hint == (400, 0) and exc.reason == "URL"
            continue
        assert SECRET not in r.body
        assert r.status != 200 or b"secret.txt" not in r.body
        assert not (r.ctx.physical_path and os.path.realpath(r.ctx.physical_path) == str(tree.root / "secret.txt")
                    and r.status == 200)


def test_symlink_inside_the_site_is_served(tree) -> None:  # noqa: ANN001
    assert tree.get("/alias.txt").body == b"real"


def test_symlink_outside_reads_as_missing(tree) -> None:  # noqa: ANN001
    r = tree.get("/link.txt")
    assert (r.status, r.substatus) == (404, 0)
