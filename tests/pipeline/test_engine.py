"""The engine's rules (docstring of w3py/pipeline/engine.py), driven through the real run loop."""

from __future__ import annotations

import asyncio
import logging

import pytest

from w3py import status
from w3py.api import HTTPContext, HTTPError, Module, Notification, NotificationStatus, Priority
from w3py.pipeline import engine
from w3py.testing.pipeline import run_modules

TRACE: list[str] = []


@pytest.fixture(autouse=True)
def _clear_trace() -> None:
    TRACE.clear()


class _Recorder(Module, abstract=True):
    """Records every notification it sees as '<name>:<notification>'."""

    def _hit(self, what: str) -> None:
        TRACE.append(f"{self.name}:{what}")

    def on_begin_request(self, ctx: HTTPContext) -> None:
        self._hit("begin")

    def on_post_begin_request(self, ctx: HTTPContext) -> None:
        self._hit("post_begin")

    def on_authenticate_request(self, ctx: HTTPContext) -> None:
        self._hit("authenticate")

    def on_map_request_handler(self, ctx: HTTPContext) -> None:
        self._hit("map")

    def on_execute_request_handler(self, ctx: HTTPContext) -> None:
        self._hit("execute")

    def on_update_request_cache(self, ctx: HTTPContext) -> None:
        self._hit("update_cache")

    def on_send_response(self, ctx: HTTPContext) -> None:
        self._hit("send")

    def on_log_request(self, ctx: HTTPContext) -> None:
        self._hit("log")

    def on_end_request(self, ctx: HTTPContext) -> None:
        self._hit("end")


class EngineAModule(_Recorder):
    name = "EngineAModule"
    sections = ()


class EngineBModule(_Recorder):
    name = "EngineBModule"
    sections = ()
    priority = {Notification.BEGIN_REQUEST: Priority.HIGH, Notification.SEND_RESPONSE: Priority.HIGH}


class EngineLastModule(_Recorder):
    name = "EngineLastModule"
    sections = ()
    priority = {Notification.BEGIN_REQUEST: Priority.LAST, Notification.SEND_RESPONSE: Priority.LAST}


class EngineRefuseModule(Module):
    """Refuses at BEGIN_REQUEST the IIS way: set_status + FINISH_REQUEST."""

    name = "EngineRefuseModule"
    sections = ()

    def on_begin_request(self, ctx: HTTPContext) -> NotificationStatus:
        TRACE.append("refuse:begin")
        ctx.response.set_status(status.FILE_EXTENSION_DENIED, win32=1)
        return NotificationStatus.FINISH_REQUEST


class EngineRaiseModule(Module):
    """Refuses at AUTHENTICATE_REQUEST the Python way: raise HTTPError from a helper."""

    name = "EngineRaiseModule"
    sections = ()

    def _deep(self) -> None:
        raise HTTPError(status.LOGON_FAILED, win32=5, detail="no", headers=((b"www-authenticate", b"Basic"),))

    async def on_authenticate_request(self, ctx: HTTPContext) -> None:
        await asyncio.sleep(0)
        self._deep()


class EngineCrashModule(Module):
    name = "EngineCrashModule"
    sections = ()

    def on_map_request_handler(self, ctx: HTTPContext) -> None:
        ctx.response.body = b"partial"
        raise ZeroDivisionError("boom")


class EngineBodyModule(Module):
    name = "EngineBodyModule"
    sections = ()

    async def on_execute_request_handler(self, ctx: HTTPContext) -> NotificationStatus:
        await asyncio.sleep(0)
        ctx.response.set_header(b"content-type", b"text/plain")
        ctx.response.body = b"hello"
        return NotificationStatus.FINISH_REQUEST


class EngineCrashLogModule(Module):
    name = "EngineCrashLogModule"
    sections = ()

    def on_log_request(self, ctx: HTTPContext) -> None:
        raise RuntimeError("log broke")


def test_notifications_run_in_iis_order_with_priorities() -> None:
    result = run_modules([EngineAModule, EngineBModule, EngineLastModule], "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
                         handler_modules=("EngineAModule",))
    assert result.status == 200
    assert TRACE == [
        # Rule 2: HIGH before MEDIUM before LAST at BEGIN_REQUEST
        "EngineBModule:begin", "EngineAModule:begin", "EngineLastModule:begin",
        # Rule 1: the post form right after the main one (same priorities)
        "EngineBModule:post_begin", "EngineAModule:post_begin", "EngineLastModule:post_begin",
        "EngineAModule:authenticate", "EngineBModule:authenticate", "EngineLastModule:authenticate",
        "EngineAModule:map", "EngineBModule:map", "EngineLastModule:map",
        # Rule 3: only the handler's modules get EXECUTE_REQUEST_HANDLER
        "EngineAModule:execute",
        "EngineAModule:update_cache", "EngineBModule:update_cache", "EngineLastModule:update_cache",
        # Rule 2: SEND_RESPONSE runs priorities in reverse: LAST, MEDIUM, HIGH
        "EngineLastModule:send", "EngineAModule:send", "EngineBModule:send",
        "EngineAModule:log", "EngineBModule:log", "EngineLastModule:log",
        "EngineAModule:end", "EngineBModule:end", "EngineLastModule:end",
    ]


def test_finish_request_skips_to_end_notifications() -> None:
    result = run_modules([EngineRefuseModule, EngineAModule], "GET /x.exe HTTP/1.1\r\n\r\n",
                         handler_modules=("EngineAModule",))
    assert (result.status, result.substatus, result.win32) == (404, 7, 1)
    assert result.ctx.status_module == "EngineRefuseModule"
    assert result.ctx.status_notification is Notification.BEGIN_REQUEST
    # Rule 5 + 6: the rest of BEGIN_REQUEST and everything up to the end notifications is skipped
    assert TRACE == ["refuse:begin", "EngineAModule:send", "EngineAModule:log", "EngineAModule:end"]


def test_http_error_is_the_same_as_set_status_and_finish() -> None:
    result = run_modules([EngineRaiseModule, EngineAModule], "GET / HTTP/1.1\r\n\r\n",
                         handler_modules=("EngineAModule",))
    assert (result.status, result.substatus, result.win32) == (401, 1, 5)
    assert result.header("WWW-Authenticate") == "Basic"
    assert result.ctx.status_module == "EngineRaiseModule"
    assert result.ctx.status_notification is Notification.AUTHENTICATE_REQUEST
    assert result.ctx.detail == "no"
    assert "EngineAModule:map" not in TRACE and "EngineAModule:log" in TRACE


def test_unhandled_exception_is_500_0_naming_module_and_notification(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="w3py.pipeline"):
        result = run_modules([EngineAModule, EngineCrashModule], "GET /p HTTP/1.1\r\n\r\n",
                             handler_modules=("EngineAModule",))
    assert (result.status, result.substatus) == (500, 0)
    assert result.body == b""  # the partial body is dropped
    ctx = result.ctx
    assert ctx.status_module == "EngineCrashModule"
    assert ctx.status_notification is Notification.MAP_REQUEST_HANDLER
    assert isinstance(ctx.exception, ZeroDivisionError)
    assert "EngineCrashModule at MAP_REQUEST_HANDLER" in (ctx.detail or "")
    assert ctx.error_id and ctx.error_id in caplog.text
    assert "EngineAModule:execute" not in TRACE
    assert TRACE[-3:] == ["EngineAModule:send", "EngineAModule:log", "EngineAModule:end"]


def test_failing_log_module_does_not_stop_end_request(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="w3py.pipeline"):
        result = run_modules([EngineCrashLogModule, EngineAModule], "GET / HTTP/1.1\r\n\r\n")
    assert result.status == 200
    assert "log broke" in caplog.text
    assert TRACE[-2:] == ["EngineAModule:log", "EngineAModule:end"]


def test_async_handler_body() -> None:
    result = run_modules([EngineBodyModule], "GET / HTTP/1.1\r\n\r\n", handler_modules=("EngineBodyModule",))
    assert (result.status, result.body, result.header("content-type")) == (200, b"hello", "text/plain")


def test_plan_has_no_step_for_unhandled_notifications() -> None:
    plan = engine.Plan([EngineBodyModule()])
    notifications = [n for n, _post, _e in plan.steps]
    assert notifications == [Notification.EXECUTE_REQUEST_HANDLER]
    assert plan.send_response == () and plan.log_request == ()


def test_plan_error_answers_at_begin_request_and_still_logs() -> None:
    plan = engine.Plan([EngineAModule()], error=(status.MODULE_NOT_RECOGNIZED, 0, "module X", None))
    from w3py.pipeline.context import HTTPContext as Ctx
    from w3py.testing.pipeline import finish, make_request

    request = make_request("GET / HTTP/1.1\r\n\r\n")
    ctx = Ctx(request)
    ctx.plan = plan

    async def go():
        return await finish(ctx, await engine.run(ctx), request)

    result = asyncio.run(go())
    assert (result.status, result.substatus) == (500, 21)
    assert ctx.status_module == "IIS Web Core"
    assert TRACE == ["EngineAModule:send", "EngineAModule:log", "EngineAModule:end"]
