#!/usr/bin/env python3
"""Per-request cost of the listener's Python code, without sockets: one HTTPConnection on a mock transport,
fed the same keep-alive GET over and over, answered by the fixed-response app.

    .venv/bin/python bench/engine_micro.py [--requests 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import uvloop

from w3py.testing.server import mock_connection

REQUEST = b"GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"


async def run(requests: int) -> float:
    conn, transport = mock_connection()
    start = time.perf_counter()
    for _ in range(requests):
        conn.data_received(REQUEST)
        await asyncio.sleep(0)  # the cycle task runs and writes
        await asyncio.sleep(0)  # ... and finishes (as the loop would before the next read)
    assert transport.buffer.count(b"HTTP/1.1 200 OK") == requests
    elapsed = time.perf_counter() - start
    conn.connection_lost(None)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200_000)
    args = parser.parse_args()
    elapsed = uvloop.run(run(args.requests))
    print(f"{args.requests} requests in {elapsed:.2f} s: {elapsed / args.requests * 1e6:.2f} us/request, "
          f"{args.requests / elapsed:.0f} requests/s of pure listener code")


if __name__ == "__main__":
    main()
