#!/usr/bin/env python3
"""Per-request cost of the listener's Python code, without sockets: one HTTPConnection on a mock transport,
fed the same keep-alive GET over and over, answered by the fixed-response app.

    .venv/bin/python bench/engine_micro.py [--requests 200000] [--runs 5] [--eager]

``--eager`` marks the app as one the listener may start without a task (server/connection.py Rule 8), as
the pipeline application is. Prints process CPU time per request (best of ``--runs``; the machine is shared)
and the wall-clock rate of the best run.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import uvloop

from w3py.testing.server import FixedResponseApp, mock_connection

REQUEST = b"GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"


class EagerFixedResponseApp(FixedResponseApp):
    eager = True


async def run(requests: int, eager: bool) -> tuple[float, float]:
    """(CPU seconds, wall seconds) for ``requests`` requests."""
    conn, transport = mock_connection(app=EagerFixedResponseApp() if eager else FixedResponseApp())
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        conn.data_received(REQUEST)
        await asyncio.sleep(0)  # the cycle task runs and writes
        await asyncio.sleep(0)  # ... and finishes (as the loop would before the next read)
    cpu, elapsed = time.process_time() - cpu, time.perf_counter() - start
    assert transport.buffer.count(b"HTTP/1.1 200 OK") == requests
    conn.connection_lost(None)
    return cpu, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--eager", action="store_true", help="an app the listener may start without a task")
    args = parser.parse_args()
    cpu, elapsed = min(uvloop.run(run(args.requests, args.eager)) for _ in range(args.runs))
    print(f"{args.requests} requests: {cpu / args.requests * 1e6:.2f} us/request (process CPU time, best of "
          f"{args.runs}), {args.requests / elapsed:.0f} requests/s of pure listener code")


if __name__ == "__main__":
    main()
