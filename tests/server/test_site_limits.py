"""The shared per-site connection counts behind maxConnections (server/site_limits.py)."""

from __future__ import annotations

from w3py.server.site_limits import LocalSiteCounts, SharedSiteCounts, create_shared_table, zero_row


def test_each_worker_writes_its_row_and_reads_the_sum() -> None:
    table = create_shared_table(3)
    first, second = SharedSiteCounts(table, 3, 0), SharedSiteCounts(table, 3, 1)
    first.add(7, 1)
    second.add(7, 2)
    second.add(8, 1)
    assert (first.count(7), second.count(7), first.count(8)) == (3, 3, 1)
    zero_row(table, 1)  # the second worker died: its connections no longer count
    assert (first.count(7), first.count(8)) == (1, 0)
    first.close()
    second.close()
    table.close()


def test_local_counts() -> None:
    counts = LocalSiteCounts()
    counts.add(1, 1)
    counts.add(1, 1)
    counts.add(1, -1)
    assert (counts.count(1), counts.count(2)) == (1, 0)
