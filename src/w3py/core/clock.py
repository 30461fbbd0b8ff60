"""One clock for the whole process: the ``Date`` header, W3C log timestamps and log rollover all read it.

Formatting a date per request is wasted work, so the strings are cached per second (nginx's
ngx_cached_http_time, uvicorn's on_tick). Tests replace ``CLOCK`` with a ``FixedClock`` so that Date headers,
log lines and midnight rollover are deterministic without sleeping.
"""

from __future__ import annotations

import time
from email.utils import formatdate


class Clock:
    """Wall-clock time with per-second caches of the strings the server writes most."""

    __slots__ = ("_second", "_http_date", "_w3c")

    def __init__(self) -> None:
        self._second = -1
        self._http_date = b""
        self._w3c = ("", "")

    # Seconds since the epoch (UTC), and the monotonic clock: the C functions themselves, so that the
    # per-request reads (request arrival, Date, log time, completion) cost no Python frame. A test clock
    # overrides them with methods.
    monotonic = staticmethod(time.monotonic)
    time = staticmethod(time.time)  # (last: from here on, "time" in this class body is this attribute)

    def _refresh(self) -> None:
        now = self.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._http_date = formatdate(second, usegmt=True).encode("ascii")
            t = time.gmtime(second)
            self._w3c = (time.strftime("%Y-%m-%d", t), time.strftime("%H:%M:%S", t))

    # Both read once or twice per request: the second is compared here, and _refresh only runs when it changed.
    def http_date(self) -> bytes:
        """The current time as an RFC 9110 IMF-fixdate, for the ``Date`` header."""
        if int(self.time()) != self._second:
            self._refresh()
        return self._http_date

    def w3c(self) -> tuple[str, str]:
        """The current UTC date and time as the W3C log's ``date`` and ``time`` fields."""
        if int(self.time()) != self._second:
            self._refresh()
        return self._w3c


class FixedClock(Clock):
    """A clock that only moves when told to (tests)."""

    __slots__ = ("now", "mono")

    def __init__(self, now: float, mono: float = 1000.0) -> None:
        super().__init__()
        self.now = now
        self.mono = mono

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.mono += seconds


CLOCK: Clock = Clock()


def set_clock(clock: Clock) -> Clock:
    """Install ``clock`` as the process clock and return the previous one."""
    global CLOCK
    previous, CLOCK = CLOCK, clock
    return previous
