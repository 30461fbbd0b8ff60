#!/usr/bin/env python3
"""Per-request CPU cost of the whole in-process stack for a cached 1 KB static file: the listener's
``HTTPConnection`` on a mock transport (parse, route, write the head and body) in front of the real
``PipelineApplication`` on the embedded default configuration (every default module on, response cache on,
W3C logging on). Only the sockets and the event loop's I/O are missing, which is what wrk against a real
server adds on top.

    .venv/bin/python bench/static_stack_micro.py            # µs/request, best of --runs
    .venv/bin/python bench/static_stack_micro.py --profile  # a cProfile of one run, by own time
    .venv/bin/python bench/static_stack_micro.py --show     # the bytes of one response (a sanity check)

It counts process CPU time, not wall-clock time: the machine is shared, and CPU time is what other load
inflates least. Each request is fed to the connection and the loop is turned twice (the task answers and
finishes), as the event loop would between two reads of a keep-alive connection.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time

import uvloop

from w3py.testing.pipeline import SiteHarness, stock_apphost
from w3py.testing.server import mock_connection

REQUEST = b"GET /1k.txt HTTP/1.1\r\nHost: localhost\r\nUser-Agent: wrk\r\n\r\n"
WARMUP_REQUESTS = 2000


def _harness() -> SiteHarness:
    harness = SiteHarness(tempfile.mkdtemp(prefix="w3py-bench-"), {"1k.txt": "x" * 1024}, apphost=stock_apphost())
    harness.config.poll_interval = 1.0  # the server's default (the harness polls on every lookup)
    return harness


async def _run(requests: int, profile: cProfile.Profile | None = None) -> float:
    """Seconds of process CPU time per request over ``requests`` keep-alive requests."""
    harness = _harness()
    conn, transport = mock_connection(app=harness.app, sites=[harness.site])
    for _ in range(WARMUP_REQUESTS):  # fills the response cache and every lazily built table
        conn.data_received(REQUEST)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    transport.buffer.clear()
    if profile is not None:
        profile.enable()
    start = time.process_time()
    for _ in range(requests):
        conn.data_received(REQUEST)
        await asyncio.sleep(0)  # the cycle task runs and writes
        await asyncio.sleep(0)  # ... and finishes
    elapsed = time.process_time() - start
    if profile is not None:
        profile.disable()
    answered = transport.buffer.count(b"HTTP/1.1 200 OK\r\n")
    conn.connection_lost(None)
    harness.app.close()
    if answered != requests:
        raise SystemExit(f"expected {requests} answers of 200, got {answered}")
    return elapsed / requests


async def _show() -> bytes:
    harness = _harness()
    conn, transport = mock_connection(app=harness.app, sites=[harness.site])
    for _ in range(2):  # the second answer comes from the response cache
        transport.buffer.clear()
        conn.data_received(REQUEST)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    conn.connection_lost(None)
    harness.app.close()
    return bytes(transport.buffer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000, help="requests per run (default 20000)")
    parser.add_argument("--runs", type=int, default=5, help="runs; the best is printed (default 5)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run instead")
    parser.add_argument("--show", action="store_true", help="print one cached response instead")
    args = parser.parse_args()
    if args.show:
        print(uvloop.run(_show()).decode("latin-1")[:600])
        return
    if args.profile:
        profile = cProfile.Profile()
        uvloop.run(_run(args.requests, profile))
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        return
    best = min(uvloop.run(_run(args.requests)) for _ in range(args.runs))
    print(f"listener + pipeline, cached 1 KB file: {best * 1e6:6.1f} us/request "
          f"(best of {args.runs} x {args.requests}, process CPU time)")


if __name__ == "__main__":
    main()
