"""HttpRedirectionModule (redirect.dll): ``system.webServer/httpRedirect``.

IIS behaviour reproduced (reference §1.11, §5.8):

* ``enabled="true"`` with a ``destination`` redirects every request under the path where the section was
  configured. ``httpResponseStatus`` picks the code: Found 302 (default), Permanent 301, Temporary 307,
  PermRedirect 308; the status lines are IIS's documented ones (``302 Redirect``, ``307 Redirect``).
* ``exactDestination="false"`` (default): the part of the request path below the configured path is appended
  to the destination, and the query string is kept (``/old/a/b.htm?x`` with destination
  ``http://new/site`` → ``http://new/site/a/b.htm?x``; ``/old/`` → ``http://new/site/``, ``/old`` →
  ``http://new/site``); ``"true"``: the destination is used as is.
* ``childOnly="true"``: only the configured directory itself and the files directly in it are redirected,
  not the content of its sub-directories.
* wildcard rules ``<add wildcard="*.php" destination="/x$Q"/>`` apply when the section has no
  ``destination`` (IIS documents that the destination must be removed for them to work), in order; a
  wildcard with a ``/`` matches the path below the configured path, one without matches the last segment; the
  first match redirects to its destination (exact), a request no rule matches is not redirected. Variables
  in any destination: ``$S`` the path below the configured path (with its leading ``/``), ``$V`` the request
  path, ``$Q`` ``?`` + query (or nothing), ``$P`` the query without ``?``.

A destination without a scheme is made absolute within the request's domain, as IIS's redirect API does
(``/default.htm`` → ``http://host/default.htm``; ``www.example.com`` is a relative path).

It runs at BEGIN_REQUEST with LOW priority, so refusals made at BEGIN_REQUEST by request filtering (and IP
restrictions) come first.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any
from urllib.parse import quote, urljoin

from w3py import status
from w3py.api import HTTPContext, Module, Notification, NotificationStatus, Priority
from w3py.config.sections import HttpRedirectSection, ServerRuntimeSection
from w3py.modules.default_document import config_host_name, absolute_location, set_redirect

CONTINUE = NotificationStatus.CONTINUE
FINISH = NotificationStatus.FINISH_REQUEST

_STATUS = {
    "Permanent": status.MOVED_PERMANENTLY,
    "Found": status.FOUND,
    "Temporary": status.TEMPORARY_REDIRECT,
    "PermRedirect": status.PERMANENT_REDIRECT,
}
# The status lines IIS's httpRedirect reference lists: "301 Moved Permanently", "302 Redirect", "307 Redirect"
# (clients act on the code; tools that compare status lines see IIS's phrase). 308 keeps the standard one.
_REASON = {302: "Redirect", 307: "Redirect"}
# characters a Location may carry as they are; anything else (spaces, non-ASCII) is percent-encoded
_LOCATION_SAFE = ":/?#[]@!$&'()*+,;=%~"
_VARIABLE = re.compile(r"\$([SVQP])")
_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def substitute(destination: str, suffix: str, url: str, query: str) -> str:
    """Replace ``$S``, ``$V``, ``$Q`` and ``$P`` in a destination."""
    if "$" not in destination:
        return destination
    values = {"S": suffix, "V": url, "Q": ("?" + query) if query else "", "P": query}
    return _VARIABLE.sub(lambda m: values[m.group(1)], destination)


class HttpRedirectionModule(Module):
    """Redirects requests per ``httpRedirect``."""

    name = "HttpRedirectionModule"
    sections = (HttpRedirectSection, ServerRuntimeSection)
    priority = {Notification.BEGIN_REQUEST: Priority.LOW}

    def provision(self, config: Any) -> None:
        section = config[HttpRedirectSection]
        self.section = section
        self.enabled = bool(section.enabled)
        self.destination = section.destination or ""
        self.exact = bool(section.exact_destination)
        self.child_only = bool(section.child_only)
        self.status = _STATUS.get(section.http_response_status, status.FOUND)
        self.reason = _REASON.get(self.status.code, "")
        # IIS documents that wildcard rules only work once the section's own destination is removed: with a
        # destination, every request goes there and the rules are not consulted.
        self.wildcards = () if self.destination else tuple(
            (re.compile(fnmatch.translate(entry.wildcard), re.IGNORECASE), "/" in entry.wildcard, entry.destination)
            for entry in section.items
        )
        self.alternate_host = config_host_name(config[ServerRuntimeSection].alternate_host_name or "")
        self._base: str | None = None  # the virtual path the section was configured at, found on first use

    def _configured_at(self, ctx: HTTPContext) -> str:
        """The highest directory above the request whose effective httpRedirect is this same section."""
        base = self._base
        if base is not None:
            return base
        plan = ctx.plan
        server_config = getattr(plan, "server_config", None)
        directory = getattr(plan, "directory", "/")
        base = directory
        if server_config is not None:
            current = directory
            while current != "/":
                parent = current.rsplit("/", 1)[0] or "/"
                try:
                    other = server_config.effective(plan.site, parent)[HttpRedirectSection]
                except Exception:
                    break
                if other is not self.section:
                    break
                base = current = parent
        self._base = base
        return base

    def on_begin_request(self, ctx: HTTPContext) -> NotificationStatus:
        if not self.enabled:
            return CONTINUE
        url = ctx.url
        base = self._configured_at(ctx).rstrip("/")
        suffix = url[len(base):] if url.lower().startswith(base.lower()) else url
        query = ctx.request.query.decode("latin-1")
        target: str | None = None
        for pattern, with_slash, destination in self.wildcards:
            subject = suffix if with_slash else url.rsplit("/", 1)[-1]
            if pattern.match(subject):
                target = substitute(destination, suffix, url, query)
                break
        if target is None:
            if not self.destination:
                return CONTINUE
            if self.child_only and "/" in suffix.lstrip("/"):
                return CONTINUE  # a sub-folder's content (the folder itself and its files are redirected)
            if self.exact:
                target = substitute(self.destination, suffix, url, query)
            else:
                dest = substitute(self.destination, suffix, url, query)
                if "$" in self.destination:
                    target = dest
                else:
                    # the folder's own URL with its slash has the suffix "/": it ends in "/" too
                    target = dest.rstrip("/") + suffix if suffix else dest
                    if query and "?" not in target:
                        target += "?" + query
        location = quote(target, safe=_LOCATION_SAFE)
        if not _HAS_SCHEME.match(location):
            # IIS redirects through IHttpResponse::Redirect, which makes a relative URL absolute within the
            # request's domain ("/x" → "http://host/x"; "x" → relative to the requested URL)
            base = absolute_location(ctx, ctx.request.path, b"", self.alternate_host).decode("latin-1")
            location = urljoin(base, location)
        set_redirect(ctx.response, self.status, location.encode("ascii"), self.reason)
        return FINISH
