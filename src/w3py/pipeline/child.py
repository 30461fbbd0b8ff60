"""Child requests: another URL of the same site run through the integrated pipeline on behalf of a request.

IIS gives native modules ``IHttpContext::ExecuteRequest`` to run a child request; CustomErrorModule's
``responseMode="ExecuteURL"`` is one user, and modules w3py may add later (server-side includes' ``<!--#include
virtual-->``, a URL Rewrite that executes rather than rewrites) are others. The child is a request of
its own as far as configuration goes (its URL's web.config, handler mapping, default document, request
filtering, mimeMap), but it belongs to the request that started it: same site, same connection, same client.
``execute_child(ctx, url)`` is w3py's equivalent; it returns what the child produced and sends nothing.

Rules:

Rule 1. The URL is site-relative: it starts with one ``/``, as written on the wire (percent-escapes kept;
        spaces and non-ASCII characters are escaped as UTF-8), with an optional ``?query``. An absolute URL
        (``http://…``), a network-path reference (``//host/x``), an empty string or a URL that canonicalises
        above the site root (``/../x``) is refused with ``ChildRequestRefused`` and nothing runs.
Rule 2. The child is a GET with no body. It carries the parent's client and server addresses, TLS flag,
        connection id, Host, and request headers, except ``DROPPED_HEADERS``: the validators and range
        headers (``If-Match``, ``If-None-Match``, ``If-Modified-Since``, ``If-Unmodified-Since``, ``If-Range``,
        ``Range``), which were about the parent's resource — applied to the child they would turn its answer
        into a 304, 412, 206 or 416 about another file — and the headers that frame a request body
        (``Content-*``, ``Transfer-Encoding``, ``Expect``), since the child has none. A caller may drop more
        (CustomErrorModule drops ``Accept``, see there).
Rule 3. The child's configuration path is its own URL's: the plan comes from ``PipelineApplication.lookup``
        (cached per path, so no configuration file is read per request). A broken web.config on the child's
        path gives the child a 500.19, as it would any request.
Rule 4. Same application pool only: a URL whose application runs in another pool is not executed; the child
        is answered 403.18 (IIS's "cannot execute in this application pool") without running.
Rule 5. Nesting is bounded by ``MAX_CHILD_DEPTH``: a child of a child … beyond it is refused.
Rule 6. The child runs BEGIN_REQUEST … UPDATE_REQUEST_CACHE, SEND_RESPONSE and END_REQUEST. Its LOG_REQUEST
        does not run: IIS writes one W3C line per client request, the parent's. The response cache is neither
        read nor filled by a child (its key would be the synthetic request, and a child's output is consumed
        by a parent whose own answer is never cached unless it is a plain 200 of its own).
Rule 7. A child never runs custom errors for its own error status unless the caller asked for it
        (``custom_errors=True``): the caller sees the child's real status and decides (CustomErrorModule
        falls back to its built-in text, so an error page that itself fails cannot loop).
Rule 8. Whatever happens inside the child (HTTPError, a module's exception) stays in the child's status, as
        for any request (engine Rules 5 and 7); ``CancelledError`` propagates.
"""

from __future__ import annotations

from typing import AsyncIterator, Iterable, Mapping
from urllib.parse import quote

from w3py.core import clock
from w3py.errors import ProtocolError
from w3py.pipeline import engine
from w3py.pipeline.context import HTTPContext
from w3py.protocol.messages import EMPTY_BODY, FileBody, Request, ResponseResult
from w3py.status import CANNOT_EXECUTE_IN_APP_POOL, Status

# Children nested inside children (an error page that includes a page that executes another …): w3py's own
# bound, more than any real use needs, so that a loop between pages stops early.
MAX_CHILD_DEPTH = 4
# The longest child URL accepted, in bytes once escaped (request filtering's maxUrl default is 4096 and
# maxQueryString 2048; a configured URL longer than both together is a mistake).
MAX_CHILD_URL_BYTES = 8192

# Rule 2: request headers a child does not inherit.
CONDITIONAL_HEADERS = frozenset({
    b"if-match", b"if-none-match", b"if-modified-since", b"if-unmodified-since", b"if-range", b"range",
})
BODY_HEADERS = frozenset({b"transfer-encoding", b"expect"})  # and every Content-* header
DROPPED_HEADERS = CONDITIONAL_HEADERS | BODY_HEADERS

# Characters kept as they are when a configured URL is turned into a request target: RFC 3986 unreserved,
# sub-delims, ':', '@', '/', and '%' so that escapes an admin wrote stay escapes.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class ChildRequestRefused(Exception):
    """The URL cannot be executed as a child request (Rule 1, Rule 5); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChildInfo:
    """What a child context knows about where it came from: the parent context, its nesting depth (1 for a
    child of a client request), and whether CustomErrorModule may replace its error responses (Rule 7)."""

    __slots__ = ("parent", "depth", "custom_errors")

    def __init__(self, parent: HTTPContext, depth: int, custom_errors: bool) -> None:
        self.parent = parent
        self.depth = depth
        self.custom_errors = custom_errors


class ChildResult:
    """What the child produced: its status (with substatus and win32), headers (lower-case names), body
    (bytes, a ``FileBody`` or an async iterator — hand it on, do not read it twice) and its context (URL,
    physical path, handler, for diagnostics)."""

    __slots__ = ("status", "win32", "headers", "body", "ctx")

    def __init__(self, ctx: HTTPContext) -> None:
        response = ctx.response
        self.status: Status = response.status
        self.win32 = response.win32
        self.headers: list[tuple[bytes, bytes]] = response.headers
        self.body: bytes | FileBody | AsyncIterator[bytes] = response.body
        self.ctx = ctx

    def header(self, name: bytes) -> bytes | None:
        """The first value of the child's response header ``name`` (lower-case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def __repr__(self) -> str:
        return f"<ChildResult {self.ctx.url} {self.status}>"


def child_target(url: str) -> bytes:
    """Rule 1: the request-target for a configured site-relative URL, or ``ChildRequestRefused``."""
    if not url.startswith("/") or url.startswith("//") or url.startswith("/\\"):
        raise ChildRequestRefused(f"{url!r} is not a URL of this site (it must start with a single /)")
    path, sep, query = url.partition("?")
    target = quote(path, safe=_PATH_SAFE).encode("ascii")
    if sep:
        target += b"?" + quote(query, safe=_QUERY_SAFE).encode("ascii")
    if len(target) > MAX_CHILD_URL_BYTES:
        raise ChildRequestRefused(f"the URL is longer than {MAX_CHILD_URL_BYTES} bytes")
    return target


def child_headers(headers: Iterable[tuple[bytes, bytes]], drop: frozenset[bytes] = frozenset()) -> list[tuple[bytes, bytes]]:
    """Rule 2: the parent's request headers a child inherits (``drop`` names more to leave out)."""
    return [(name, value) for name, value in headers
            if name not in DROPPED_HEADERS and not name.startswith(b"content-") and name not in drop]


def depth_of(ctx: HTTPContext) -> int:
    """0 for a client's request, 1 for its child, and so on."""
    child = ctx.child
    return child.depth if child is not None else 0


async def execute_child(
    ctx: HTTPContext,
    url: str,
    *,
    drop_headers: frozenset[bytes] = frozenset(),
    server_variables: Mapping[str, str] | None = None,
    custom_errors: bool = False,
) -> ChildResult:
    """Run ``url`` (site-relative) as a child request of ``ctx`` and return what it produced (Rules 1–8).

    ``drop_headers``: more request headers (lower-case) the child does not inherit; ``server_variables``:
    values the child's modules see through ``server_variable`` (IIS hands an ExecuteURL error page
    ``QUERY_STRING`` ``404;http://host/original``); ``custom_errors``: let CustomErrorModule replace the
    child's own error response (Rule 7). Raises ``ChildRequestRefused`` when the URL is not executed at all.
    """
    depth = depth_of(ctx) + 1
    if depth > MAX_CHILD_DEPTH:
        raise ChildRequestRefused(f"child requests nest deeper than {MAX_CHILD_DEPTH}")
    pipeline = getattr(ctx.plan, "pipeline", None)
    if pipeline is None:
        raise ChildRequestRefused("this request has no pipeline application to run a child in")
    target = child_target(url)
    parent_request = ctx.request
    path, _, query = target.partition(b"?")
    request = Request(
        method="GET",
        target=target,
        path=path,
        query=query,
        http_version=parent_request.http_version,
        headers=child_headers(parent_request.headers, drop_headers),
        site=parent_request.site,
        client=parent_request.client,
        server=parent_request.server,
        tls=parent_request.tls,
        keep_alive=parent_request.keep_alive,
        received_at=parent_request.received_at,
        received_wall=parent_request.received_wall,
        connection_id=parent_request.connection_id,
        body=EMPTY_BODY,
        host=parent_request.host,
    )
    try:
        child = pipeline.prepare(request)
    except ProtocolError as exc:  # a URL that cannot be canonicalised (climbs above the root, bad escape)
        raise ChildRequestRefused(f"{url!r} is not a valid URL of this site: {exc}") from exc
    except Exception as exc:  # a bug below (configuration lookup, mapping): the child's 500.0, as run_context
        child = HTTPContext(request)
        child.child = ChildInfo(ctx, depth, custom_errors)
        child.plan = ctx.plan
        child.module_data = []
        engine.fail(child, exc)
        return ChildResult(child)
    child.child = ChildInfo(ctx, depth, custom_errors)
    if server_variables:
        for name, value in server_variables.items():
            child.set_server_variable(name, value)
    if not _same_pool(ctx, child):
        # Rule 4: IIS Web Core refuses before the child runs any module
        child.module_data = [None] * len(child.plan.modules)
        child.current_notification = None
        child.response.set_status(CANNOT_EXECUTE_IN_APP_POOL, 0,
                                  f"{child.url} belongs to another application pool than {ctx.url}")
        return ChildResult(child)
    completed = False
    try:
        await engine.run_request_notifications(child)
        pending = engine.run_send_response(child)
        if pending is not None:
            await pending
        completed = True
    finally:
        # Rule 6: END_REQUEST, never LOG_REQUEST; also when the parent is cancelled mid-child
        engine.run_completion(child, ResponseResult(0, 0, completed, clock.CLOCK.monotonic()), log_request=False)
    return ChildResult(child)


def _same_pool(parent: HTTPContext, child: HTTPContext) -> bool:
    mine = getattr(parent.application, "application_pool", None)
    theirs = getattr(child.application, "application_pool", None)
    return mine is None or theirs is None or mine == theirs


__all__ = [
    "ChildInfo",
    "ChildRequestRefused",
    "ChildResult",
    "DROPPED_HEADERS",
    "MAX_CHILD_DEPTH",
    "child_headers",
    "child_target",
    "execute_child",
]
