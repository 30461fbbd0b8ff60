"""Shared fixtures for the log writer/reader tests: a frozen process clock, restored afterwards."""

from __future__ import annotations

import pytest

from w3py.testing.clock import frozen_clock


@pytest.fixture
def fixed_clock():
    """The process clock frozen at 2026-03-17 12:00:00 UTC; tests move it with ``.advance()``."""
    with frozen_clock() as fixed:
        yield fixed
