"""CPU cost of a custom 404 page served with responseMode="File" and with "ExecuteURL" (a child request
through the whole pipeline), in process, no sockets, on the embedded default configuration.

    .venv/bin/python bench/custom_error_execute_url.py

Prints microseconds of process CPU time per request (best of 5 runs of 5 000 requests) for a remote client
(so the custom page, not the detailed one, is sent).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time

from w3py.protocol.messages import Request, ResponseResult
from w3py.testing.pipeline import SiteHarness, location

REQUESTS = 5_000
RUNS = 5
PAGE = "x" * 1024


def cost(mode: str, path: str) -> float:
    rows = (f'<httpErrors errorMode="Custom"><remove statusCode="404"/>'
            f'<error statusCode="404" path="{path}" responseMode="{mode}"/></httpErrors>')
    harness = SiteHarness(tempfile.mkdtemp(prefix="w3py-bench-"), {"errors/404.htm": PAGE},
                          locations=location(rows))
    harness.config.poll_interval = 1.0  # the server's default (the harness polls on every lookup)
    app, site = harness.app, harness.site
    headers = [(b"host", b"localhost"), (b"user-agent", b"wrk")]
    result = ResponseResult(1200, 60, True, 0.0)

    async def run(n: int) -> None:
        for _ in range(n):
            request = Request("GET", b"/missing.txt", b"/missing.txt", b"", "1.1", headers, site,
                              client=("192.0.2.1", 40000), server=("192.0.2.2", 80))
            response = await app.handle(request)
            assert response.status == 404 and response.body == PAGE.encode(), response.status
            if response.on_complete is not None:
                response.on_complete(result)

    asyncio.run(run(500))
    best = float("inf")
    for _ in range(RUNS):
        start = time.process_time()
        asyncio.run(run(REQUESTS))
        best = min(best, (time.process_time() - start) / REQUESTS)
    return best * 1e6


def main() -> None:
    folder = tempfile.mkdtemp(prefix="w3py-bench-page-")
    page = os.path.join(folder, "404.htm")
    with open(page, "w") as f:
        f.write(PAGE)
    print(f"{'404 with a File page':40s} {cost('File', page):6.1f} us/request")
    print(f"{'404 with an ExecuteURL page':40s} {cost('ExecuteURL', '/errors/404.htm'):6.1f} us/request")


if __name__ == "__main__":
    main()
