"""Fixtures for the IIS conformance audit of issues 4 and 6: a real server (listener + PipelineApplication on
127.0.0.1) built by ``w3py.testing.live_site``, an httpx client, and a reader of the W3C lines it wrote."""

from __future__ import annotations

import time
from typing import Callable, Iterator

import httpx
import pytest

from w3py.testing.live_site import LiveSite
from w3py.testing.w3c_log import parse_w3c


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, follow_redirects=False) as c:
        yield c


# Bounded wait for the lines of requests already answered: the line is written after the last byte is sent,
# so a client can see the response a moment before its line is buffered. Not a timing assertion.
LOG_WAIT_S = 10.0


def _log_rows(site: LiveSite, count: int) -> list[dict[str, str]]:
    """The W3C lines the site wrote, parsed strictly (CRLF, header block, field count), once there are at
    least ``count`` of them (or the wait ran out: the caller's assertions then show what is missing)."""
    deadline = time.monotonic() + LOG_WAIT_S
    while True:
        site.flush_logs()
        rows: list[dict[str, str]] = []
        for path in site.log_files():
            rows.extend(parse_w3c(path).rows)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.02)


@pytest.fixture
def log_rows() -> Callable[[LiveSite, int], list[dict[str, str]]]:
    """``log_rows(site, n)``: the W3C lines of the ``n`` requests made (a fixture, so test modules need no
    import)."""
    return _log_rows
