"""A frozen process clock for tests: Date headers, W3C log times and rollover become deterministic.

    with frozen_clock(calendar.timegm((2026, 3, 17, 12, 0, 0))) as clock:
        ...
        clock.advance(3600)  # an hour later, without sleeping
"""

from __future__ import annotations

import calendar
from contextlib import contextmanager
from typing import Iterator

from w3py.core import clock

#: 2026-03-17 12:00:00 UTC, the moment most log tests freeze the clock at.
NOON_2026_03_17 = float(calendar.timegm((2026, 3, 17, 12, 0, 0)))


@contextmanager
def frozen_clock(at: float = NOON_2026_03_17) -> Iterator[clock.FixedClock]:
    """Install a ``FixedClock`` at ``at`` (seconds since the epoch, UTC) as the process clock; the previous
    clock comes back afterwards, whatever happens inside."""
    fixed = clock.FixedClock(at)
    previous = clock.set_clock(fixed)
    try:
        yield fixed
    finally:
        clock.set_clock(previous)
