#!/usr/bin/env python3
"""Per-request cost of the listener's Python code, without sockets: one HTTPConnection on a mock transport,
fed the same keep-alive GET over and over, answered by the fixed-response app.

    .venv/bin/python bench/engine_micro.py [--requests 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import uvloop

from w3py.server.bindings import plan_endpoints
from w3py.server.connection import HTTPConnection
from w3py.server.listener import ServerState
from w3py.testing.server import FixedResponseApp, site

REQUEST = b"GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"


class MockTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self.writes = 0
        self.done: asyncio.Future[None] | None = None

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8080)}.get(name, default)

    def set_write_buffer_limits(self, high=None, low=None) -> None:
        pass

    def write(self, data) -> None:
        self.written += len(data)
        self.writes += 1
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def run(requests: int) -> float:
    loop = asyncio.get_running_loop()
    state = ServerState(loop, FixedResponseApp(), None)
    (endpoint,) = plan_endpoints([site(1)])
    conn = HTTPConnection(state, endpoint)
    transport = MockTransport()
    conn.connection_made(transport)
    start = time.perf_counter()
    for _ in range(requests):
        transport.done = loop.create_future()
        conn.data_received(REQUEST)
        await transport.done
        await asyncio.sleep(0)  # let the cycle task finish (as the loop would before the next read)
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
