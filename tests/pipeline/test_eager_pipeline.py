"""Engine Rule 9: the listener starts the pipeline outside any task (server/connection.py Rule 8), yet every
``async def`` handler, and every child request a SEND_RESPONSE handler waits for, runs inside a task."""

from __future__ import annotations

import asyncio

from w3py.api import HTTPContext, Module, NotificationStatus
from w3py.testing.pipeline import ServedSite

FILES = {"a.txt": "alpha"}


class PipelineTaskProbeModule(Module):
    """An async module that, like anyio or asyncio.timeout, needs the task it runs in."""

    name = "PipelineTaskProbeModule"
    sections = ()
    seen: list = []

    async def on_authorize_request(self, ctx: HTTPContext) -> NotificationStatus:
        async with asyncio.timeout(5):  # raises RuntimeError outside a task
            PipelineTaskProbeModule.seen.append(asyncio.current_task())
            await asyncio.sleep(0)
        return NotificationStatus.CONTINUE


def test_an_async_module_runs_in_a_task(site) -> None:
    PipelineTaskProbeModule.seen = []
    s = site(FILES, extra_modules={"PipelineTaskProbeModule": PipelineTaskProbeModule})
    assert s.app.eager is True
    served = ServedSite(s)
    try:
        answers = [served.get("/a.txt") for _ in range(3)]  # a miss, then response-cache hits
    finally:
        served.stop()
    assert [(a.status, a.body) for a in answers] == [(200, b"alpha")] * 3
    assert len(PipelineTaskProbeModule.seen) == 3 and None not in PipelineTaskProbeModule.seen
