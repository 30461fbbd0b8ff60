"""The integrated pipeline engine: runs a request through the modules of its plan, in IIS notification order.

Theory of operation
-------------------

A *plan* is everything the engine needs for one (site, configuration path): the module instances, provisioned
with that path's effective configuration, and the notifications flattened into a tuple of *steps* (nginx's
phase array). Each step is ``(notification, is_post, entries)`` and each entry ``(bound_method, is_async,
module)``, already sorted; a notification nobody handles has no step at all. Plans are built once and cached
by ``PipelineApplication``; a request pays one lookup, then a plain ``for`` over tuples.

Ordering (IIS reference §3.2, "Request-Processing Constants"):

Rule 1. Notifications run in IIS order: BEGIN_REQUEST, AUTHENTICATE_REQUEST, AUTHORIZE_REQUEST,
        RESOLVE_REQUEST_CACHE, MAP_REQUEST_HANDLER, ACQUIRE_REQUEST_STATE, PRE_EXECUTE_REQUEST_HANDLER,
        EXECUTE_REQUEST_HANDLER, RELEASE_REQUEST_STATE, UPDATE_REQUEST_CACHE, then SEND_RESPONSE, LOG_REQUEST,
        END_REQUEST. Each deterministic notification's ``on_post_*`` handlers run right after all of its main
        handlers.
Rule 2. Within one notification, modules run by priority (FIRST, HIGH, MEDIUM, LOW, LAST), then in the order
        of the effective ``<modules>`` list. For SEND_RESPONSE the priority order is reversed (LAST first), as
        IIS documents; ties still follow the ``<modules>`` order.
Rule 3. EXECUTE_REQUEST_HANDLER is not broadcast: only the modules named by the handler chosen at
        MAP_REQUEST_HANDLER receive it (the StaticFile handler's DefaultDocumentModule,
        DirectoryListingModule and StaticFileModule, in ``<modules>`` order).
Rule 4. "IIS Web Core" work is done by the engine itself, before the modules of the same notification: the
        configuration check (500.19 for a broken web.config, 500.21 for a module w3py does not implement) at
        BEGIN_REQUEST, handler mapping and access checks at MAP_REQUEST_HANDLER.

Finishing early, and what always runs:

Rule 5. A handler that returns FINISH_REQUEST, raises ``HTTPError`` or raises anything else ends the request
        notifications: no further module of that notification runs, and no later request notification
        (including its post form) runs.
Rule 6. The end notifications SEND_RESPONSE, LOG_REQUEST and END_REQUEST run for every request that reached
        the pipeline, however it finished (IIS: after a request-filtering refusal, LogRequest, EndRequest and
        PreSendRequestHeaders still fire). Every subscriber of an end notification runs; their return value is
        ignored. SEND_RESPONSE runs before the head is handed to the listener; LOG_REQUEST and END_REQUEST run
        from ``Response.on_complete``, once the listener knows the bytes sent, with ``ctx.result`` set. A
        request cancelled mid-pipeline (server stop) gets LOG_REQUEST and END_REQUEST too, with a result that
        says nothing was sent (``PipelineApplication.run_context``).
Rule 7. An exception other than ``HTTPError`` (or ``CancelledError``, which always propagates) becomes 500.0:
        the body is dropped, the module and notification are recorded on the context for the detailed page,
        the traceback is logged under a short correlation id (``ctx.error_id``), and the worker carries on. An
        exception in an end notification is treated the same way (SEND_RESPONSE) or only logged (LOG_REQUEST,
        END_REQUEST: the response is already gone).
Rule 8. End-notification handlers are plain ``def``. One that must wait (a child request, ``child.py``) returns
        an awaitable instead of None — IIS's RQ_NOTIFICATION_PENDING — and ``run_send_response`` hands back a
        coroutine that awaits it and then runs the remaining SEND_RESPONSE handlers; the caller awaits that.
        Handlers that return None (all of them, almost always) cost nothing more.
Rule 9. The engine may be started outside any task (the listener starts ``PipelineApplication.handle`` right
        where it read the request: ``server/connection.py`` Rule 8). Plain ``def`` handlers run there as
        anywhere; before it starts an ``async def`` handler (here), or awaits what an end-notification
        handler returned (``PipelineApplication.run_context``), the pipeline yields once if no task is
        running it (``outside_task``), so that the listener moves the request into a task first: async code
        (``asyncio.timeout``, anyio, an ASGI application) may count on ``asyncio.current_task()``. A request
        whose handlers are all plain ``def`` (a response-cache hit, a static file) never needs a task.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
from asyncio import current_task
from typing import Any, Awaitable, Callable, Iterable, Sequence

from w3py.errors import ConfigError, HTTPError
from w3py.pipeline.cache import CacheEntry
from w3py.pipeline.context import HTTPContext
from w3py.pipeline.module import Module
from w3py.pipeline.notifications import (
    END_NOTIFICATIONS,
    REQUEST_ORDER,
    Notification,
    NotificationStatus,
    Priority,
)
from w3py.protocol.messages import Response, ResponseResult
from w3py.protocol.wire import HeaderBlock, checked_headers, header_block
from w3py.status import INTERNAL_SERVER_ERROR, Status

log = logging.getLogger("w3py.pipeline")

FINISH = NotificationStatus.FINISH_REQUEST

Entry = tuple[Callable[[HTTPContext], Any], bool, "Module | None"]
Step = tuple[Notification, bool, "tuple[Entry, ...] | None"]

_BEFORE_END = tuple(n for n in REQUEST_ORDER if n not in END_NOTIFICATIONS)


def order_modules(notification: Notification, modules: Sequence[Module], post: bool = False) -> list[Module]:
    """The modules of ``modules`` (in ``<modules>`` order) that handle ``notification``, in run order.

    This is Rule 2 of the module docstring, the one place the ordering is written: priority first
    (reversed for SEND_RESPONSE), then list position (stable sort).
    """
    if post:
        chosen = [m for m in modules if m.post_notifications & notification]
    else:
        chosen = [m for m in modules if m.notifications & notification]
    reverse = notification is Notification.SEND_RESPONSE

    def key(m: Module) -> int:
        prio = int(m.priority.get(notification, Priority.MEDIUM))
        return -prio if reverse else prio

    chosen.sort(key=key)  # stable: ties keep <modules> order
    return chosen


def entries_for(notification: Notification, modules: Sequence[Module], post: bool = False) -> tuple[Entry, ...]:
    """Bound handlers for ``notification``, sorted, with their async flag computed once."""
    name = notification.post_method_name if post else notification.method_name
    out: list[Entry] = []
    for module in order_modules(notification, modules, post):
        fn = getattr(module, name)
        out.append((fn, inspect.iscoroutinefunction(fn), module))
    return tuple(out)


class Plan:
    """The flattened module plan for one (site, configuration path). Immutable once built.

    The steps come from each module instance's ``notifications`` after ``provision``: a module with nothing
    to do at a notification under its configuration may narrow its own mask there (ProtocolSupportModule
    without custom headers leaves SEND_RESPONSE), and costs that notification nothing per request.

    ``core`` maps a notification to engine callables ("IIS Web Core" work) that run before that
    notification's modules; ``error`` is a (Status, win32, detail, ConfigError | None) the plan answers every
    request with at BEGIN_REQUEST (500.19, 500.21) while still running the end notifications.
    """

    __slots__ = (
        "modules",
        "config",
        "steps",
        "send_response",
        "log_request",
        "end_request",
        "error",
        "handlers",
        "by_name",
        "extra",
        "header_spelling",
        "completion",
        "completion_unlogged",
    )

    def __init__(
        self,
        modules: Sequence[Module],
        config: Any = None,
        core: dict[Notification, Sequence[Callable[[HTTPContext], Any]]] | None = None,
        error: tuple[Status, int, str | None, ConfigError | None] | None = None,
        handlers: Any = None,
    ) -> None:
        self.modules = tuple(modules)
        for i, module in enumerate(self.modules):
            module.index = i
        self.by_name = {m.name: m for m in self.modules}
        self.config = config
        self.error = error
        self.handlers = handlers
        self.extra: dict[str, Any] = {}
        # lower-case name -> the exact spelling configuration gave it (httpProtocol customHeaders), or None
        self.header_spelling: dict[bytes, bytes] | None = None
        core = core or {}
        steps: list[Step] = []
        for notification in _BEFORE_END:
            main: list[Entry] = [(fn, inspect.iscoroutinefunction(fn), None) for fn in core.get(notification, ())]
            if notification is Notification.EXECUTE_REQUEST_HANDLER:
                # Rule 3: the chosen handler's modules, resolved per request from ctx.handler
                steps.append((notification, False, None))
            else:
                main.extend(entries_for(notification, self.modules))
                if main:
                    steps.append((notification, False, tuple(main)))
            post = entries_for(notification, self.modules, post=True)
            if post:
                steps.append((notification, True, post))
        self.steps: tuple[Step, ...] = tuple(steps)
        self.send_response = entries_for(Notification.SEND_RESPONSE, self.modules)
        self.log_request = entries_for(Notification.LOG_REQUEST, self.modules)
        self.end_request = entries_for(Notification.END_REQUEST, self.modules)
        # what run_completion walks, with or without LOG_REQUEST, without the notifications nobody handles
        self.completion = tuple((n, entries) for n, entries in (
            (Notification.LOG_REQUEST, self.log_request), (Notification.END_REQUEST, self.end_request)) if entries)
        self.completion_unlogged = tuple((n, entries) for n, entries in self.completion
                                         if n is not Notification.LOG_REQUEST)

    def handler_entries(self, module_names: Iterable[str]) -> tuple[Entry, ...]:
        """EXECUTE_REQUEST_HANDLER entries for a handler provided by ``module_names`` (Rule 3)."""
        wanted = set(module_names)
        return entries_for(
            Notification.EXECUTE_REQUEST_HANDLER, [m for m in self.modules if m.name in wanted]
        )

    def cleanup(self) -> None:
        for module in self.modules:
            try:
                module.cleanup()
            except Exception:  # a failing cleanup must not stop the others
                log.exception("cleanup of %s failed", module.name)


def new_error_id() -> str:
    """A short id that ties a 500.0 page to its traceback in the server log (Caddy's HandlerError.ID)."""
    return secrets.token_hex(4)


def fail(ctx: HTTPContext, exc: BaseException) -> None:
    """Rule 7: turn an unhandled exception into 500.0 naming the module and notification."""
    ctx.exception = exc
    ctx.error_id = new_error_id()
    module = ctx.current_module
    where = f"{module.name if module else 'IIS Web Core'} at {_notification_name(ctx)}"
    log.error("500.0 [%s] %s %s: unhandled %s in %s", ctx.error_id, ctx.request.method, ctx.url,
              type(exc).__name__, where, exc_info=exc)
    response = ctx.response
    response.clear()
    response.set_status(INTERNAL_SERVER_ERROR, 0, f"{type(exc).__name__} in {where} (error id {ctx.error_id})")


def apply_http_error(ctx: HTTPContext, exc: HTTPError) -> None:
    """An HTTPError ends the request the same way as set_status + FINISH_REQUEST (STYLE.md §2.3)."""
    response = ctx.response
    response.clear()
    response.set_status(exc.status, exc.win32, exc.detail)
    for name, value in exc.headers:
        response.set_header(name, value)


def _notification_name(ctx: HTTPContext) -> str:
    n = ctx.current_notification
    return n.name if n is not None and n.name else "BEGIN_REQUEST"


async def run_request_notifications(ctx: HTTPContext) -> None:
    """Run BEGIN_REQUEST … UPDATE_REQUEST_CACHE (Rules 1–5, 7). Stops at the first FINISH_REQUEST."""
    plan: Plan = ctx.plan
    ctx.module_data = [None] * len(plan.modules)
    error = plan.error
    if error is not None:
        # Rule 4: configuration problems for this path are answered by IIS Web Core at BEGIN_REQUEST
        status, win32, detail, config_error = error
        ctx.current_notification = Notification.BEGIN_REQUEST
        ctx.config_error = config_error
        ctx.response.set_status(status, win32, detail)
        ctx.finished = True
        return
    for notification, _post, entries in plan.steps:
        if entries is None:
            handler = ctx.handler
            if handler is None:
                continue
            entries = handler.entries
        ctx.current_notification = notification
        for fn, is_async, module in entries:
            ctx.current_module = module
            try:
                rv = fn(ctx)
                if is_async:
                    if outside_task():
                        await asyncio.sleep(0)  # Rule 9: the listener moves us into a task
                    rv = await rv
            except HTTPError as exc:
                apply_http_error(ctx, exc)
                rv = FINISH
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                fail(ctx, exc)
                rv = FINISH
            if rv is FINISH:
                ctx.current_module = None
                ctx.finished = True
                return
    ctx.current_module = None


def outside_task() -> bool:
    """Rule 9: whether this runs inside a running loop but outside any task (started eagerly by the listener);
    the caller then awaits ``asyncio.sleep(0)`` once, and the listener moves the request into a task. Code
    driven by hand without a loop (``complete_now``) has no task to move into: False."""
    try:
        return current_task() is None
    except RuntimeError:  # no running loop
        return False


def run_send_response(ctx: HTTPContext) -> Awaitable[None] | None:
    """SEND_RESPONSE (Rule 6): every subscriber runs, in reversed-priority order.

    Returns None, or — Rule 8 — an awaitable the caller must await to finish the notification when a
    handler had to wait."""
    ctx.current_notification = Notification.SEND_RESPONSE
    return _send_response_from(ctx, ctx.plan.send_response)


def _send_response_from(ctx: HTTPContext, entries: Sequence[Entry]) -> Awaitable[None] | None:
    """Run ``entries`` until one returns an awaitable (Rule 8); then the rest run after it is awaited."""
    for index, (fn, _is_async, module) in enumerate(entries):
        ctx.current_module = module
        try:
            rv = fn(ctx)
        except HTTPError as exc:
            apply_http_error(ctx, exc)
            continue
        except Exception as exc:
            fail(ctx, exc)
            continue
        if rv is not None:  # Rule 8 (rare: an ExecuteURL error page); the common path pays this test only
            return _send_response_after(ctx, rv, entries[index + 1:])
    ctx.current_module = None
    return None


async def _send_response_after(ctx: HTTPContext, waiting: Awaitable[Any], rest: Sequence[Entry]) -> None:
    """Rule 8: await what a SEND_RESPONSE handler returned, then run the handlers after it."""
    try:
        await waiting
    except HTTPError as exc:
        apply_http_error(ctx, exc)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        fail(ctx, exc)
    pending = _send_response_from(ctx, rest)
    if pending is not None:
        await pending


def complete_now(pending: Awaitable[None] | None) -> bool:
    """Finish ``run_send_response``'s pending work from code that cannot await (the listener's synchronous
    ``reject``): it completes when nothing it waits for actually suspends (a child request served from
    memory or a file does not). Returns False, after closing it, when it would have had to wait."""
    if pending is None:
        return True
    coro = pending if inspect.iscoroutine(pending) else None
    if coro is None:
        return False
    try:
        coro.send(None)
    except StopIteration:
        return True
    coro.close()
    log.warning("SEND_RESPONSE work that has to wait was abandoned on a synchronous path")
    return False


def run_completion(ctx: HTTPContext, result: ResponseResult, log_request: bool = True) -> None:
    """LOG_REQUEST then END_REQUEST, once the response is written (Rule 6). Failures are only logged.
    ``log_request=False`` runs END_REQUEST only (a child request is not logged: ``child.py`` Rule 6)."""
    ctx.result = result
    plan: Plan = ctx.plan
    for notification, entries in plan.completion if log_request else plan.completion_unlogged:
        ctx.current_notification = notification
        for fn, _is_async, module in entries:
            ctx.current_module = module
            try:
                fn(ctx)
            except Exception:
                log.exception("%s failed at %s for %s %s", module.name if module else "core",
                              notification.name, ctx.request.method, ctx.url)
    ctx.current_notification = Notification.END_REQUEST  # where the request ends, handled or not
    ctx.current_module = None


# Inside the pipeline header names are lower-case bytes (one spelling to compare); on the wire they get the
# spelling IIS uses (``Content-Type``, ``ETag``, ``WWW-Authenticate``). Names are memoised, bounded because
# modules may echo client-chosen names.
MAX_HEADER_SPELLINGS = 1024
_SPELLING: dict[bytes, bytes] = {
    b"etag": b"ETag",
    b"www-authenticate": b"WWW-Authenticate",
    b"x-powered-by": b"X-Powered-By",
    b"content-md5": b"Content-MD5",
}


def wire_name(name: bytes) -> bytes:
    """The IIS spelling of a lower-case header name: ``content-type`` → ``Content-Type``."""
    spelled = _SPELLING.get(name)
    if spelled is None:
        spelled = b"-".join(part[:1].upper() + part[1:] for part in name.split(b"-"))
        if len(_SPELLING) < MAX_HEADER_SPELLINGS:
            _SPELLING[name] = spelled
    return spelled


def _spelled(pairs: Iterable[tuple[bytes, bytes]], configured: dict[bytes, bytes] | None) -> list[tuple[bytes, bytes]]:
    spelling = _SPELLING
    if configured is None:
        return [(spelling.get(name) or wire_name(name), value) for name, value in pairs]
    # IIS sends a configured header name exactly as written (``x-frame-options`` stays lower-case)
    return [(configured.get(name) or spelling.get(name) or wire_name(name), value) for name, value in pairs]


def _entry_block(entry: CacheEntry) -> HeaderBlock | None:
    """The response-cache entry's stored headers, spelled and checked once (protocol/wire.py), built on the
    entry's first hit. The entry belongs to one plan, so the plan's header spelling is fixed for it."""
    block = entry.wire
    if block is None:
        block = entry.wire = header_block(_spelled(entry.headers, entry.plan.header_spelling)) or False
    return block or None


def to_response(ctx: HTTPContext) -> Response:
    """The listener's ``Response`` for the context, with LOG_REQUEST/END_REQUEST on its completion hook."""
    r = ctx.response
    status = r.status
    pairs = r.headers
    entry = ctx.cache_state
    headers: list[tuple[bytes, bytes]] | None = None
    if entry.__class__ is CacheEntry:
        # A response-cache hit: its headers start with the entry's stored ones (unless a module replaced
        # them), which were spelled and checked once; only what modules added on the way out is done here.
        stored = entry.headers
        if pairs[: len(stored)] == stored:
            block = _entry_block(entry)
            if block is not None:
                headers = checked_headers(block)
                if len(pairs) > len(stored):
                    headers.extend(_spelled(pairs[len(stored):], ctx.plan.header_spelling))
    if headers is None:
        headers = _spelled(pairs, ctx.plan.header_spelling)
    response = Response(
        status=status.code,
        reason=r.reason,
        headers=headers,
        body=r.body,
        substatus=status.substatus,
        win32=r.win32,
        close=r.close,
        server_header=r.server_header,
    )
    plan: Plan = ctx.plan
    if plan.log_request or plan.end_request:
        response.on_complete = lambda result: run_completion(ctx, result)
    return response


async def run(ctx: HTTPContext) -> Response:
    """The whole pipeline for a context whose plan, URL and paths are set: request notifications, then
    SEND_RESPONSE; LOG_REQUEST/END_REQUEST ride on the returned response's completion hook."""
    await run_request_notifications(ctx)
    pending = run_send_response(ctx)
    if pending is not None:
        await pending
    return to_response(ctx)


__all__ = [
    "Plan",
    "apply_http_error",
    "entries_for",
    "fail",
    "order_modules",
    "run",
    "run_completion",
    "run_request_notifications",
    "run_send_response",
    "complete_now",
    "outside_task",
    "to_response",
]
