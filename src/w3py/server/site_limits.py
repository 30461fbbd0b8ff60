"""Connections counted per site, for ``limits/@maxConnections`` (403.9), across every worker process.

IIS counts a site's connections once for the whole server. With several workers sharing the sockets, a
count per process would let each of N workers admit the limit (N times too many), so the counts live in an
anonymous shared mapping that the supervisor creates before it forks:

* one row per worker *slot*, one column per site (``site id % COLUMNS``);
* a worker only ever writes its own row, so no lock is needed; the count of a site is the sum of its column
  over all rows (a read may be a moment old, which the limit tolerates, as HTTP.sys's does);
* when a worker dies, the supervisor zeroes its row, so the connections it held are no longer counted.

A single process (tests, embedding) uses ``LocalSiteCounts``.
"""

from __future__ import annotations

import mmap
from typing import Protocol

# Sites are spread over this many columns by id. Two sites whose ids are equal modulo COLUMNS would share a
# count; IIS site ids are small integers, so that does not happen in practice.
COLUMNS = 1024
_CELL_BYTES = 8


class SiteCounts(Protocol):
    def count(self, site_id: int) -> int: ...

    def add(self, site_id: int, delta: int) -> None: ...


class LocalSiteCounts:
    """Counts for one process."""

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}

    def count(self, site_id: int) -> int:
        return self._counts.get(site_id, 0)

    def add(self, site_id: int, delta: int) -> None:
        self._counts[site_id] = self._counts.get(site_id, 0) + delta


def create_shared_table(rows: int) -> mmap.mmap:
    """The shared mapping for ``rows`` worker slots (create it before forking)."""
    return mmap.mmap(-1, rows * COLUMNS * _CELL_BYTES)


def zero_row(table: mmap.mmap, row: int) -> None:
    """Forget what the worker in slot ``row`` counted (it has exited)."""
    view = memoryview(table).cast("q")
    try:
        view[row * COLUMNS : (row + 1) * COLUMNS] = memoryview(bytes(COLUMNS * _CELL_BYTES)).cast("q")
    finally:
        view.release()


class SharedSiteCounts:
    """This worker's row of the shared table, and the sums over every row."""

    def __init__(self, table: mmap.mmap, rows: int, row: int) -> None:
        self._view = memoryview(table).cast("q")
        self._rows = rows
        self._row = row

    def count(self, site_id: int) -> int:
        column = site_id % COLUMNS
        view = self._view
        return sum(view[r * COLUMNS + column] for r in range(self._rows))

    def add(self, site_id: int, delta: int) -> None:
        cell = self._row * COLUMNS + site_id % COLUMNS
        self._view[cell] += delta

    def close(self) -> None:
        """Release the view (the table can then be closed)."""
        self._view.release()
