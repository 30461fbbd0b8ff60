"""DefaultDocumentModule (defdoc.dll): a directory URL inside the ``StaticFile`` handler.

IIS behaviour reproduced (reference §1.7, §3.4, §5.10 note 6):

* a directory requested without its trailing slash gets IIS's courtesy redirect: 301 to the same URL with
  ``/`` added, query string kept (``Location`` absolute, built from the request's scheme and Host; without a
  Host, from ``serverRuntime/@alternateHostName`` or else the server's address, as IIS does);
* with the slash, the ``defaultDocument/files`` list is tried in order (when ``enabled``): the first name
  that exists as a file is served as if it had been requested — handler mapping runs again for that name, so
  a default document owned by another handler goes to that handler, and a static one is served by
  StaticFileModule (which answers 405.0 to a POST, as IIS does). The URL the pipeline logs stays the
  directory's;
* no default document: the request goes on to DirectoryListingModule (listing or 403.14).

A hidden (dot-named) directory answers 404.9, like a hidden file.
"""

from __future__ import annotations

import os
from typing import Any

from w3py import status
from w3py.api import HTTPContext, Module, NotificationStatus, file_signature, win32
from w3py.config.sections import DefaultDocumentSection, ServerRuntimeSection

CONTINUE = NotificationStatus.CONTINUE
FINISH = NotificationStatus.FINISH_REQUEST

# The body IIS sends with its redirects (a wire-format fact like HTTP.sys's error pages: clients and tools
# that compare responses see the same bytes and Content-Length).
MOVED_TEMPLATE = (b'<head><title>Document Moved</title></head>\n<body><h1>Object Moved</h1>'
                  b'This document may be found <a HREF="%s">here</a></body>')


def absolute_location(ctx: HTTPContext, raw_path: bytes, raw_query: bytes, alternate_host: bytes = b"") -> bytes:
    """``scheme://host`` + path (+ ``?query``) for a Location header. The host is the request's Host; a
    request without one (HTTP/1.0) gets ``serverRuntime/@alternateHostName`` or else the address the
    request came in on (with the port unless it is the scheme's default), as IIS builds it: its courtesy
    redirect is always absolute."""
    request = ctx.request
    location = raw_path + (b"?" + raw_query if raw_query else b"")
    scheme = b"https://" if request.tls else b"http://"
    host = request.header(b"host")
    if host:
        return scheme + host + location
    address, port = request.server[0], request.server[1]
    name = alternate_host or (b"[%s]" % address.encode("ascii") if ":" in address else address.encode("ascii"))
    if port != (443 if request.tls else 80) and not name.rpartition(b"]")[2].count(b":"):
        name += b":%d" % port  # unless the configured name already carries one
    return scheme + name + location


def config_host_name(name: str) -> bytes:
    """A configured host name as it may appear in a Location header: IDNA for non-ASCII names, and never a
    space or control character (a value that would break the header is dropped)."""
    name = name.strip()
    try:
        raw = name.encode("ascii")
    except UnicodeEncodeError:
        try:
            raw = name.encode("idna")
        except UnicodeError:
            return b""
    return raw if all(0x21 <= c < 0x7F for c in raw) else b""


def moved_body(location: bytes) -> bytes:
    """IIS's redirect entity, the same for its courtesy redirect and HttpRedirectionModule: the "Document
    Moved" page with the Location as the link (escaped for HTML, so a Location can never break out of it)."""
    href = location.replace(b"&", b"&amp;").replace(b'"', b"&quot;").replace(b"<", b"&lt;")
    return MOVED_TEMPLATE % href


def set_redirect(response: Any, redirect_status: Any, location: bytes, reason: str = "") -> None:
    """Make ``response`` a redirect to ``location``: the courtesy slash redirect and HttpRedirectionModule
    answer the same way, with Location and a short HTML body (``reason``: a status-line phrase other than
    the standard one)."""
    response.set_status(redirect_status, reason=reason)
    # HTTP.sys's header order: Content-Type before Location
    response.set_header(b"content-type", b"text/html; charset=UTF-8")
    response.set_header(b"location", location)
    response.body = moved_body(location)


class DefaultDocumentModule(Module):
    """Courtesy slash redirect and default documents for directory URLs."""

    name = "DefaultDocumentModule"
    sections = (DefaultDocumentSection, ServerRuntimeSection)

    def provision(self, config: Any) -> None:
        section = config[DefaultDocumentSection]
        self.enabled = bool(section.enabled)
        self.files = tuple(entry.value for entry in section.files.items)
        self.alternate_host = config_host_name(config[ServerRuntimeSection].alternate_host_name or "")

    async def on_execute_request_handler(self, ctx: HTTPContext) -> NotificationStatus:
        info = ctx.file_info
        plan = ctx.plan
        if info is None:
            info = ctx.file_info = plan.mapper.lookup(ctx.url, ctx.physical_path)
            ctx.physical_path = info.path
        if not info.is_dir:
            return CONTINUE
        if info.hidden:
            ctx.response.set_status(status.FILE_ATTRIBUTE_HIDDEN, win32.ERROR_FILE_NOT_FOUND, "dot-directories are hidden")
            return FINISH
        request = ctx.request
        if not ctx.url.endswith("/"):
            set_redirect(ctx.response, status.MOVED_PERMANENTLY,
                         absolute_location(ctx, request.path + b"/", request.query, self.alternate_host))
            return FINISH
        if not self.enabled or not self.files:
            return CONTINUE
        mapper = plan.mapper
        # the choice depends on which names exist in the directory: a cached answer must notice changes
        try:
            dir_st = os.stat(info.path)
        except OSError:
            return CONTINUE
        if ctx.cache_depends is None:
            ctx.cache_depends = []
        ctx.cache_depends.append((info.path, file_signature(dir_st)))
        for name in self.files:
            doc_url = ctx.url + name
            doc = mapper.lookup(doc_url)
            if not doc.is_file:
                continue
            ctx.file_info = doc
            ctx.physical_path = doc.path
            handler = plan.handlers.select(request.method, doc_url)
            if handler is None or handler is ctx.handler:
                return CONTINUE  # the same StaticFile handler: StaticFileModule serves it next
            # another handler owns this document (e.g. a script): the same checks as at MAP_REQUEST_HANDLER,
            # then run it in place of ours
            ctx.handler = handler
            ctx.handler_name = handler.name
            if handler.bad_module is not None:
                ctx.response.set_status(status.MODULE_NOT_RECOGNIZED, win32.ERROR_MOD_NOT_FOUND,
                                        f'Handler "{handler.name}" has a bad module "{handler.bad_module}" '
                                        "in its module list")
                return FINISH
            if handler.denied is not None:
                ctx.response.set_status(handler.denied, win32.ERROR_ACCESS_DENIED, f'accessPolicy does not grant "{handler.require_access}"'
                                        f' required by handler "{handler.name}"')
                return FINISH
            for fn, is_async, module in handler.entries:
                if module is self:
                    continue
                rv = fn(ctx)
                if is_async:
                    rv = await rv
                if rv is FINISH:
                    break
            return FINISH
        return CONTINUE
