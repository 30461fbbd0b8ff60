"""RequestFilteringModule: runs the compiled rule set at BeginRequest, before any byte of the body is read.

IIS behaviour reproduced (iis-reference.md §5.4, §5.10; S9 RL1–RL24):

* every refusal happens at BEGIN_REQUEST, sets 404.x (or 400 for a URL HTTP.sys would refuse) and closes the
  connection (``Connection: close``), so no later module — and no handler's 405 — gets a say;
* 404.13 is decided from the declared ``Content-Length``: the body is never read, so the listener never
  sends ``100 Continue`` and a client announcing 10 GB gets its answer at once;
* beyond IIS (which does not measure chunked bodies, RL4): a chunked body is wrapped so that the reader
  that makes the running total pass ``maxAllowedContentLength`` gets 404.13 instead of more data.

The rule set is compiled in ``provision``, once per distinct merged section (plans are per (site,
directory)); a request costs one ``RuleSet.check`` over its head.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

from w3py.api import HTTPContext, HTTPError, Module, NotificationStatus
from w3py.config.sections import RequestFilteringSection

from .rules import DEFAULT_MAX_URL_SEGMENTS, RuleSet, compile_rules

__all__ = ["RequestFilteringModule", "LimitedBody"]

CONTINUE = NotificationStatus.CONTINUE
FINISH = NotificationStatus.FINISH_REQUEST


class RequestFilteringModule(Module):
    """IIS's RequestFilteringModule (``modRqFlt.dll``): ``system.webServer/security/requestFiltering``."""

    name = "RequestFilteringModule"
    sections = (RequestFilteringSection,)

    def provision(self, config: Any) -> None:
        site = getattr(config, "site", None)
        limits = getattr(site, "limits", None)
        max_segments = getattr(limits, "max_url_segments", DEFAULT_MAX_URL_SEGMENTS)
        # Compiled now so that a nonsensical value is a ConfigError (500.19) for this path, not a request error.
        self._rules = rules_for(config[RequestFilteringSection], max_segments, iis10_status_codes(config))

    def on_begin_request(self, ctx: HTTPContext) -> NotificationStatus:
        rules = self._rules
        request = ctx.request
        denial = rules.check(request.method, request.path, request.query, request.headers, request.content_length)
        if denial is None:
            if request.chunked:
                request.body = LimitedBody(request.body, rules, ctx)
            return CONTINUE
        response = ctx.response
        response.set_status(denial.status, 0, denial.detail)
        response.close = denial.close
        return FINISH


class LimitedBody:
    """A request body that refuses to deliver more than ``maxAllowedContentLength`` bytes (404.13).

    Wraps the listener's ``BodyReader`` for chunked requests, whose size is unknown at BeginRequest. The
    read that makes the running total pass the limit raises ``HTTPError`` (the engine turns it into the
    status) and marks the response to close the connection; the rest of the body is never read.
    """

    __slots__ = ("_inner", "_rules", "_ctx")

    def __init__(self, inner: Any, rules: RuleSet, ctx: HTTPContext) -> None:
        self._inner = inner
        self._rules = rules
        self._ctx = ctx

    @property
    def received(self) -> int:
        return self._inner.received

    @property
    def complete(self) -> bool:
        return self._inner.complete

    async def read(self, max_bytes: int = -1) -> bytes:
        self._check()  # a reader that ignored the first refusal gets it again
        data = await self._inner.read(max_bytes)
        if data:
            self._check()
        return data

    def _check(self) -> None:
        denial = self._rules.body_denial(self._inner.received)
        if denial is not None:
            self._ctx.response.close = True
            raise HTTPError(denial.status, detail=denial.detail)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            data = await self.read(65536)
            if not data:
                return
            yield data


# Plans are per (site, directory), and directories without a web.config of their own usually share one merged
# section object: compile each distinct (section, limit, mode) once. Bounded like every client-driven table.
RULE_SET_CACHE_ENTRIES = 1024
_rule_sets: dict[tuple[int, int, bool], tuple[Any, RuleSet]] = {}


def rules_for(section: Any, max_url_segments: int, iis10: bool) -> RuleSet:
    """The compiled rule set for a merged section (cached by identity; the entry keeps the section alive so
    its id cannot be reused while cached)."""
    key = (id(section), max_url_segments, iis10)
    cached = _rule_sets.get(key)
    if cached is not None and cached[0] is section:
        return cached[1]
    rules = compile_rules(section, max_url_segments, iis10)
    if len(_rule_sets) >= RULE_SET_CACHE_ENTRIES:
        _rule_sets.clear()
    _rule_sets[key] = (section, rules)
    return rules


# The w3py-specific, server-level section that holds the IIS 10 switch (docs/request_filtering.md, "IIS 10
# status codes"): <w3py><compatibility iis10StatusCodes="true"/></w3py>, field ``iis10_status_codes``. Its
# declaration belongs to the configuration schema (w3py.config.sections); until it is declared there the
# switch reads as off.
COMPATIBILITY_SECTION = "w3py/compatibility"


def iis10_status_codes(config: Any) -> bool:
    """Whether the server answers the content-length and header-limit checks as IIS 10 does (413.1, 431)
    instead of IIS 7–8.5's 404.13 and 404.10. Off by default."""
    from w3py.config.schema import section_for_path

    cls = section_for_path(COMPATIBILITY_SECTION)
    if cls is None:
        return False
    try:
        section = config[cls]
    except (KeyError, TypeError):
        return False
    return bool(getattr(section, "iis10_status_codes", False))
