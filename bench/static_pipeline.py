"""Per-request CPU cost of the pipeline alone (no sockets) for a cached 1 KB static file, on the embedded
default configuration, with and without the modules other layers own — where the time goes.

    .venv/bin/python bench/static_pipeline.py

Prints microseconds of process CPU time per request (best of 5 runs of 20 000 requests), so other load on
the machine does not inflate it much.
"""

from __future__ import annotations

import asyncio
import tempfile
import time

from w3py.protocol.messages import Request, ResponseResult
from w3py.testing.pipeline import SiteHarness, stock_apphost

REQUESTS = 20_000
RUNS = 5


def cost(without: tuple[str, ...], cache: bool = True) -> float:
    text = stock_apphost()
    for name in without + (() if cache else ("HttpCacheModule",)):
        text = text.replace(f'<add name="{name}" lockItem="true" />', "")
    harness = SiteHarness(tempfile.mkdtemp(prefix="w3py-bench-"), {"1k.txt": "x" * 1024}, apphost=text)
    harness.config.poll_interval = 1.0  # the server's default (the harness polls on every lookup)
    app, site = harness.app, harness.site
    headers = [(b"host", b"localhost"), (b"user-agent", b"wrk")]
    result = ResponseResult(1200, 60, True, 0.0)

    async def run(n: int) -> None:
        for _ in range(n):
            response = await app.handle(Request("GET", b"/1k.txt", b"/1k.txt", b"", "1.1", headers, site))
            if response.on_complete is not None:
                response.on_complete(result)

    asyncio.run(run(2000))
    best = float("inf")
    for _ in range(RUNS):
        start = time.process_time()
        asyncio.run(run(REQUESTS))
        best = min(best, time.process_time() - start)
    return best / REQUESTS * 1e6


def main() -> None:
    rows = [
        ("stock pipeline, response cache on", (), True),
        ("stock pipeline, response cache off", (), False),
        ("without HttpLoggingModule", ("HttpLoggingModule",), True),
        ("without logging and request filtering", ("HttpLoggingModule", "RequestFilteringModule"), True),
    ]
    for label, without, cache in rows:
        print(f"{label:45s} {cost(without, cache):7.1f} us/request")


if __name__ == "__main__":
    main()
