"""HttpRedirectionModule: httpRedirect destinations, codes, exactDestination, childOnly, wildcards."""

from __future__ import annotations

import pytest

from w3py.testing.pipeline import location

FILES = {"old/a/b.htm": "x", "old/c.htm": "c", "keep.htm": "k"}


def redirect(attrs: str, body: str = "", path: str = "Default Web Site/old") -> str:
    return location(f"<httpRedirect {attrs}>{body}</httpRedirect>", path)


@pytest.mark.parametrize(
    ("mode", "code"),
    [("Permanent", 301), ("Found", 302), ("Temporary", 307), ("PermRedirect", 308)],
)
def test_status_codes(site, mode: str, code: int) -> None:
    s = site(FILES, locations=redirect(f'enabled="true" destination="http://new.example/site" '
                                       f'httpResponseStatus="{mode}"'))
    r = s.get("/old/c.htm")
    assert (r.status, r.header("location")) == (code, "http://new.example/site/c.htm")
    assert r.ctx.status_module == "HttpRedirectionModule"


def test_default_is_302_and_appends_path_and_query(site) -> None:
    s = site(FILES, locations=redirect('enabled="true" destination="http://new.example/site"'))
    r = s.get("/old/a/b.htm?x=1")
    assert (r.status, r.header("location")) == (302, "http://new.example/site/a/b.htm?x=1")
    assert s.get("/keep.htm").status == 200  # outside the configured path


def test_exact_destination(site) -> None:
    s = site(FILES, locations=redirect('enabled="true" destination="http://new.example/x" exactDestination="true"'))
    assert s.get("/old/a/b.htm?q").header("location") == "http://new.example/x"


def test_child_only(site) -> None:
    s = site(FILES, locations=redirect('enabled="true" destination="http://new.example/x" childOnly="true"'))
    assert s.get("/old/c.htm").header("location") == "http://new.example/x/c.htm"
    assert s.get("/old/a/b.htm").status == 200  # a sub-directory: not redirected


def test_wildcards_and_variables(site) -> None:
    rules = ('<add wildcard="*.htm" destination="/new$S$Q"/>'
             '<add wildcard="/a/*" destination="/v$V?p=$P"/>')
    s = site(FILES, locations=redirect('enabled="true" exactDestination="true"', rules))
    assert s.get("/old/c.htm?z=9").header("location") == "http://localhost/new/c.htm?z=9"
    r = s.get("/old/a/x.txt?k=v")
    assert r.header("location") == "http://localhost/v/old/a/x.txt?p=k=v"


def test_disabled_does_nothing(site) -> None:
    s = site(FILES, locations=redirect('enabled="false" destination="http://new.example/"'))
    assert s.get("/old/c.htm").status == 200


def test_the_configured_directory_itself_redirects_without_a_slash(site) -> None:
    # IIS evaluates the configuration of "/old" for the URL "/old": the redirect, not the courtesy 301
    s = site(FILES, locations=redirect('enabled="true" destination="http://new.example/site" '
                                       'httpResponseStatus="Permanent"'))
    r = s.get("/old")
    assert (r.status, r.header("location")) == (301, "http://new.example/site")
