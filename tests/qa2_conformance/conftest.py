"""Fixtures for the IIS conformance audit of issues 4 and 6: a real server (listener + PipelineApplication on
127.0.0.1) built by ``w3py.testing.live_site``, an httpx client, and a reader of the W3C lines it wrote."""

from __future__ import annotations

from typing import Callable, Iterator

import httpx
import pytest

from w3py.testing.live_site import LiveSite
from w3py.testing.w3c_log import parse_w3c


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, follow_redirects=False) as c:
        yield c


def _log_rows(site: LiveSite) -> list[dict[str, str]]:
    """Every W3C line the site wrote so far, parsed strictly (CRLF, header block, field count)."""
    site.flush_logs()
    rows: list[dict[str, str]] = []
    for path in site.log_files():
        rows.extend(parse_w3c(path).rows)
    return rows


@pytest.fixture
def log_rows() -> Callable[[LiveSite], list[dict[str, str]]]:
    """``log_rows(site)``: the W3C lines the site wrote so far (a fixture, so test modules need no import)."""
    return _log_rows
