"""AnonymousAuthenticationModule (authanon.dll): authenticates every request as the anonymous user.

IIS runs the request as IUSR when anonymous authentication is enabled (the stock default); w3py has no
Windows accounts, so the anonymous user is the empty user name, which the W3C log writes as ``-``
(``cs-username``). Other authentication modules, when they exist, set ``ctx.user`` after it.
Known limit: the ``anonymousAuthentication`` section is not read yet (w3py's configuration does not
implement it), so ``enabled="false"`` is not honoured.
"""

from __future__ import annotations

from w3py.api import HTTPContext, Module


class AnonymousAuthenticationModule(Module):
    """The anonymous user for every request."""

    name = "AnonymousAuthenticationModule"
    sections = ()

    def on_authenticate_request(self, ctx: HTTPContext) -> None:
        if not ctx.user:
            ctx.user = ""
