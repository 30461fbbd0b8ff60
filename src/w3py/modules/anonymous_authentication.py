"""AnonymousAuthenticationModule (authanon.dll): authenticates a request as the anonymous user.

IIS runs the request as IUSR when anonymous authentication is enabled (the stock default); w3py has no
Windows accounts, so the anonymous user is the empty user name, which the W3C log writes as ``-``
(``cs-username``). With ``<anonymousAuthentication enabled="false"/>`` it accepts nobody, and a request that no
other authentication module accepted gets IIS Web Core's 401.2 after AUTHENTICATE_REQUEST
(``pipeline/application.py``, ``require_user``).
"""

from __future__ import annotations

from typing import Any

from w3py.api import HTTPContext, Module
from w3py.config.sections import AnonymousAuthenticationSection


class AnonymousAuthenticationModule(Module):
    """The anonymous user, when ``anonymousAuthentication/@enabled`` (default true)."""

    name = "AnonymousAuthenticationModule"
    sections = (AnonymousAuthenticationSection,)

    def provision(self, config: Any) -> None:
        self.enabled = bool(config[AnonymousAuthenticationSection].enabled)

    def on_authenticate_request(self, ctx: HTTPContext) -> None:
        if self.enabled and ctx.user is None:
            ctx.user = ""
