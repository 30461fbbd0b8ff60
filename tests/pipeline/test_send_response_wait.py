"""engine.py Rule 8: a SEND_RESPONSE handler stays a plain def but may return an awaitable when it must wait
(a child request); the engine awaits it, then runs the handlers after it, and treats its failures like any
handler's (Rule 7). The synchronous path (the listener's reject) finishes it with complete_now."""

from __future__ import annotations

import asyncio

import pytest

from w3py import status
from w3py.api import HTTPContext, HTTPError, Module, Notification, NotificationStatus, Priority
from w3py.pipeline import engine
from w3py.testing.pipeline import run_modules

ORDER: list[str] = []


@pytest.fixture(autouse=True)
def _clear() -> None:
    ORDER.clear()


class WaitingSendModule(Module):
    """Returns a coroutine from SEND_RESPONSE; what it does is chosen by the X-Wait request header."""

    name = "TestWaitingSendModule"
    sections = ()
    priority = {Notification.SEND_RESPONSE: Priority.LOW}  # reversed at SEND_RESPONSE: runs before MEDIUM

    def on_begin_request(self, ctx: HTTPContext) -> NotificationStatus:
        ctx.response.set_status(status.NOT_FOUND)
        return NotificationStatus.FINISH_REQUEST

    def on_send_response(self, ctx: HTTPContext):
        ORDER.append("waiting:start")
        return self._later(ctx, (ctx.request.header(b"x-wait") or b"ok").decode())

    async def _later(self, ctx: HTTPContext, how: str) -> None:
        await asyncio.sleep(0) if how == "suspend" else None
        if how == "raise":
            raise ValueError("broken page")
        if how == "http-error":
            raise HTTPError(status.BAD_REQUEST)
        ctx.response.body = b"from the awaited work"
        ORDER.append("waiting:done")


class AfterSendModule(Module):
    name = "TestAfterSendModule"
    sections = ()

    def on_send_response(self, ctx: HTTPContext) -> None:
        ORDER.append("after")
        ctx.response.set_header(b"x-after", ctx.response.body[:4] if isinstance(ctx.response.body, bytes) else b"")


def _run(how: str = "ok"):
    return run_modules([WaitingSendModule, AfterSendModule], f"GET / HTTP/1.1\r\nX-Wait: {how}\r\n\r\n")


def test_the_awaitable_is_awaited_before_the_next_handler() -> None:
    r = _run("suspend")
    assert ORDER == ["waiting:start", "waiting:done", "after"]
    assert (r.status, r.body, r.header("x-after")) == (404, b"from the awaited work", "from")


def test_a_failure_while_waiting_is_a_500_0_and_the_rest_still_runs() -> None:
    r = _run("raise")
    assert (r.status, r.substatus) == (500, 0)
    assert r.ctx.status_module == "TestWaitingSendModule" and "ValueError" in (r.ctx.detail or "")
    assert ORDER == ["waiting:start", "after"]
    assert _run("http-error").status == 400


def test_complete_now_finishes_work_that_does_not_suspend_and_abandons_the_rest() -> None:
    async def quick() -> None:
        ORDER.append("quick")

    async def slow() -> None:
        ORDER.append("slow:start")
        await asyncio.sleep(0)
        ORDER.append("slow:never")

    assert engine.complete_now(None) is True
    assert engine.complete_now(quick()) is True
    assert engine.complete_now(slow()) is False
    assert ORDER == ["quick", "slow:start"]
