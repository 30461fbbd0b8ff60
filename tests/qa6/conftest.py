"""Fixtures for the conformance tests of issue 6: a frozen process clock, restored afterwards."""

from __future__ import annotations

import calendar

import pytest

from w3py.core import clock


@pytest.fixture
def fixed_clock():
    """The process clock frozen at 2026-03-17 12:00:00 UTC; tests move it with ``.advance()``."""
    fixed = clock.FixedClock(calendar.timegm((2026, 3, 17, 12, 0, 0)))
    previous = clock.set_clock(fixed)
    try:
        yield fixed
    finally:
        clock.set_clock(previous)
