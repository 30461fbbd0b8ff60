"""ProtocolSupportModule (protsup.dll): ``system.webServer/httpProtocol`` and the OPTIONS/TRACE handlers.

IIS behaviour reproduced (reference §1.11, §3.3, §5.7, §5.8):

* as the module of ``OPTIONSVerbHandler``: 200 with ``Allow`` and ``Public`` listing
  ``OPTIONS, TRACE, GET, HEAD, POST`` and an empty body;
* as the module of ``TRACEVerbHandler``: 501.0 — IIS ships with TRACE disabled (``EnableTraceMethod``), and
  so does w3py (echoing requests back helps cross-site tracing, CVE-2003-1567);
* at SEND_RESPONSE, on every response including errors: ``customHeaders`` are added, their names spelled on
  the wire exactly as configured (IIS does not re-case them: ``x-frame-options`` stays lower-case) (a ``<remove>`` in
  config, e.g. of ``X-Powered-By``, is already applied by the configuration merge), ``redirectHeaders`` are
  added to redirects (3xx with a Location), and ``allowKeepAlive="false"`` makes the listener close the
  connection after the response.
"""

from __future__ import annotations

from typing import Any

from w3py import status
from w3py.api import HTTPContext, Module, Notification, NotificationStatus
from w3py.config.sections import HttpProtocolSection

CONTINUE = NotificationStatus.CONTINUE
FINISH = NotificationStatus.FINISH_REQUEST

OPTIONS_VERBS = b"OPTIONS, TRACE, GET, HEAD, POST"


def _pairs(collection: Any) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(
        (entry.name.strip().lower().encode("latin-1"), (entry.value or "").encode("latin-1"))
        for entry in collection.items
    )


class ProtocolSupportModule(Module):
    """Custom and redirect headers, keep-alive policy, OPTIONS and TRACE."""

    name = "ProtocolSupportModule"
    sections = (HttpProtocolSection,)

    def provision(self, config: Any) -> None:
        section = config[HttpProtocolSection]
        self.custom_headers = _pairs(section.custom_headers)
        self.redirect_headers = _pairs(section.redirect_headers)
        self.allow_keep_alive = bool(section.allow_keep_alive)
        # IIS writes configured header names as configured; headers travel lower-cased through the pipeline
        # (internals contract), so the plan keeps each one's spelling for the wire (engine.to_response).
        spellings = {}
        for entry in (*section.custom_headers.items, *section.redirect_headers.items):
            name = entry.name.strip()
            spellings[name.lower().encode("latin-1")] = name.encode("latin-1")
        self.header_spelling = spellings or None
        if not self.custom_headers and not self.redirect_headers and self.allow_keep_alive:
            # Nothing to add or change on the way out under this configuration (the stock one): the plan,
            # built from each module's notifications after provision, then has no SEND_RESPONSE step for it.
            self.notifications = type(self).notifications & ~Notification.SEND_RESPONSE

    def on_execute_request_handler(self, ctx: HTTPContext) -> NotificationStatus:
        method = ctx.request.method
        response = ctx.response
        if method == "OPTIONS":
            response.set_header(b"allow", OPTIONS_VERBS)
            response.set_header(b"public", OPTIONS_VERBS)
            response.body = b""
            return FINISH
        if method == "TRACE":
            response.set_status(status.NOT_IMPLEMENTED, 0, "the TRACE verb is disabled")
            return FINISH
        return CONTINUE

    def on_send_response(self, ctx: HTTPContext) -> None:
        response = ctx.response
        headers = response.headers
        if self.custom_headers:
            headers.extend(self.custom_headers)
        if self.redirect_headers and 300 <= response.status.code < 400:
            for name, _ in headers:
                if name == b"location":
                    headers.extend(self.redirect_headers)
                    break
        if not self.allow_keep_alive:
            response.close = True
