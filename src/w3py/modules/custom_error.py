"""CustomErrorModule (IIS's ``custerr.dll``): what the client sees when a request ends with status >= 400.

IIS behaviour reproduced (iis-reference.md §4.2; the ``system.webServer/httpErrors`` section, §1.5). The module
runs at SEND_RESPONSE, when the head is about to leave, for every request that reached the pipeline:

1. Statuses below 400 are never touched, nor is the error of a child request (``w3py.pipeline.child`` Rule 7:
   whoever ran the child sees its real status; this is what stops an error page that fails from looping).
2. ``existingResponse``: ``PassThrough`` sends whatever the handler produced; ``Replace`` always replaces it;
   ``Auto`` (the default) leaves it alone when the producer asked to skip custom errors (ASP.NET's
   ``TrySkipIisCustomErrors``, our ``set_status(..., skip_custom_errors=True)``), else goes on.
3. ``errorMode`` × where the client is: ``Detailed`` → the detailed page, ``Custom`` → the custom page,
   ``DetailedLocalOnly`` (the default) → detailed for a local client (loopback, or the server's own address),
   custom for everybody else.
4. The detailed page is generated only when the response has no body yet (under ``Auto``): a handler's own
   error body (a framework's debug page) is sent unchanged.
5. The custom branch discards the body and uses the ``<error>`` row for (statusCode, subStatusCode): an exact
   substatus row wins over a ``subStatusCode="-1"`` row, which matches every substatus. ``responseMode``:
   ``File`` (prefixLanguageFilePath / language folder / path), ``ExecuteURL`` or ``Redirect`` (302 to
   ``path``). With no row, ``defaultPath`` with ``defaultResponseMode`` is used when set, else a built-in
   one-line text; a missing file also gives the one-line text.
6. ``ExecuteURL``: ``path`` (a URL of the same site) runs as a child request of the failed one through the
   integrated pipeline (``w3py.api.execute_child``): its own configuration path, web.config, handler mapping,
   default document for a directory URL, request filtering and mimeMap. Its body and Content-Type (with
   Content-Language and Content-Encoding) become the error body; not its validators, ranges or caching
   headers, which describe the page and not what the client asked for. The child gets the client's request
   headers minus validators, ranges and ``Accept`` (``CHILD_DROPPED_REQUEST_HEADERS``), and, as in IIS,
   ``QUERY_STRING`` = ``<status>;<the failed request's absolute URL>``. A URL that is not of this site
   (``http://…``, ``//host``, relative, climbing above the root), another application pool (403.18), or a
   child that does not answer 200 (missing page, its own 500.19, a redirect) gives the built-in text for
   the failed request's status; each such problem is logged once.
7. Headers the producer set survive any replacement (``Allow`` on 405, ``WWW-Authenticate`` on 401, custom
   headers, ``Connection: close``, and ``Content-Range: bytes */N`` on a 416, which states the resource's
   length rather than describing the body); only the headers describing the old body are dropped
   (``custom_error_pages.replace_entity_headers``).
8. A row declared in a web.config (delegated configuration) may not point outside that web.config's folder
   unless ``allowAbsolutePathsWhenDelegated`` is true (IIS's guard; the attribute is locked in stock config).

Choices where w3py's issue asks for something IIS does not do, documented in docs/errors.md:
- the status line always carries the status the pipeline set, and the W3C line records it: a custom page
  (File or ExecuteURL) never turns a 404 into a 200 (IIS lets an ExecuteURL child decide the final status,
  and then logs that 200). ``Redirect`` is a 302, as in IIS;
- the language folder is chosen from ``Accept-Language`` among the folders that exist, else ``en-US`` (also
  when the header is absent, where IIS sends its one-line text).

The custom page never shows internals (paths, module names, tracebacks): it is a file or a page of the site
the admin chose, or a fixed one-line text. The detailed page shows them, HTML-escaped, with the texts of
``w3py.catalog``. The pure parts (the decision, the languages, the renderers) are in ``custom_error_pages``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Awaitable

from w3py import catalog, status
from w3py.api import WEB_CORE, ChildRequestRefused, HTTPContext, Module, Notification, execute_child
from w3py.config.sections import HttpErrorsSection, StaticContentSection
from w3py.modules import custom_error_pages as pages
from w3py.modules.custom_error_pages import Action

log = logging.getLogger("w3py.modules.custom_error")

# The biggest configuration file we read to show its source on the 500.19 detailed page.
MAX_CONFIG_SOURCE_BYTES = 4 * 1024 * 1024

_NOT_YET = {"en": "Not yet determined", "ja": "未確定"}
_ANONYMOUS = {"en": "Anonymous", "ja": "匿名"}
# Content types for the custom error files IIS ships and admins usually write, when staticContent has none.
_FALLBACK_TYPES = {".htm": b"text/html", ".html": b"text/html", ".txt": b"text/plain"}
# Distinct ExecuteURL problems reported in the server log per plan (each once, not once per request).
MAX_WARNINGS = 64
# ExecuteURL: request headers the error page's child request does not get, beyond the validators and ranges
# it never gets (pipeline/child.py Rule 2). Accept: the error page is the admin's choice of representation;
# negotiating it against what the client wanted of the missing resource would only turn the page into a 406.
CHILD_DROPPED_REQUEST_HEADERS = frozenset({b"accept"})
# ExecuteURL: the child's response headers that describe the bytes handed on and so come with them. Not its
# ETag, Last-Modified, Accept-Ranges, Content-Range, Cache-Control or Expires: those describe the error page
# as a resource of its own, and sent with the parent's status they would let a client revalidate or range
# over the page as if it were what the client asked for.
CHILD_RESPONSE_HEADERS = frozenset({b"content-type", b"content-language", b"content-encoding"})


class _Defaults:
    """httpErrors as the schema defines it, for a path whose configuration could not be read (500.19)."""

    error_mode = pages.ERROR_MODE_DETAILED_LOCAL_ONLY
    existing_response = pages.EXISTING_AUTO
    default_path = ""
    default_response_mode = pages.RESPONSE_MODE_FILE
    detailed_more_information_link = "http://go.microsoft.com/fwlink/?LinkID=62293"
    allow_absolute_paths_when_delegated = False
    items: tuple = ()
    origin = None


def iis_notification_name(notification: Notification | None) -> str:
    """``BeginRequest`` for BEGIN_REQUEST: how IIS names a notification on the detailed page."""
    if notification is None or not notification.name:
        return "BeginRequest"
    return "".join(part.capitalize() for part in notification.name.split("_"))


def _has_body(body: Any) -> bool:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return len(body) > 0
    return body is not None  # a FileBody or a stream


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


class CustomErrorModule(Module):
    """Replaces error responses with the detailed or the custom error page, as ``httpErrors`` says."""

    name = "CustomErrorModule"
    sections = (HttpErrorsSection, StaticContentSection)

    def provision(self, config: Any) -> None:
        section = config.get(HttpErrorsSection) if config is not None else None
        # httpErrors as the schema defines it when this path has no readable configuration (500.19 plans)
        self.section: Any = section if section is not None else _Defaults()
        self._static = config.get(StaticContentSection) if config is not None else None
        self._mime: dict[str, bytes] | None = None  # built on the first custom page served from a file
        self.files = pages.FileCache()
        self._folders: dict[Path, dict[str, str]] = {}
        self._warned: set[Path] = set()
        self._warned_urls: set[tuple[str, str]] = set()

    # --- SEND_RESPONSE ------------------------------------------------------------------------------------
    def on_send_response(self, ctx: HTTPContext) -> Awaitable[None] | None:
        response = ctx.response
        code = response.status.code
        if code < 400:
            return None
        child = ctx.child
        if child is not None and not child.custom_errors:
            return None  # a child's error goes back to whoever ran it (child.py Rule 7): no loop, no nesting
        section = self.section
        request = ctx.request
        action = pages.decide(
            code,
            error_mode=section.error_mode,
            existing_response=section.existing_response,
            is_local=pages.is_local_client(request.client[0], request.server[0]),
            has_body=_has_body(response.body),
            skip_custom_errors=response.skip_custom_errors,
        )
        if action is Action.LEAVE:
            return None
        tags = pages.parse_accept_language(request.header(b"accept-language"))
        if action is Action.DETAILED:
            lang = pages.page_language(tags)
            body = pages.render_detailed(self._facts(ctx, lang), _texts(code, response.status.substatus, lang), lang)
            # IIS sends its detailed page with "Cache-Control: private": it holds paths no shared cache should keep
            # (set first: HTTP.sys writes Cache-Control ahead of Content-Type)
            response.set_header(b"cache-control", b"private")
            self._replace(ctx, body, pages.DETAILED_CONTENT_TYPE)
            return None
        return self._custom(ctx, tags)

    # --- the custom branch --------------------------------------------------------------------------------
    def _custom(self, ctx: HTTPContext, tags: list[str]) -> Awaitable[None] | None:
        response = ctx.response
        code = response.status.code
        choice = pages.choose_error_page(self.section, code, response.status.substatus)
        if choice is not None:
            if choice.mode == pages.RESPONSE_MODE_REDIRECT:
                self._redirect(ctx, choice.path)
                return None
            if choice.mode == pages.RESPONSE_MODE_EXECUTE_URL:
                # the built-in text first: it is the answer whenever the child cannot give the page
                self._replace(ctx, pages.render_builtin(code), pages.BUILTIN_CONTENT_TYPE)
                return self._execute_url(ctx, choice.path)
            found = self._file(choice, tags, getattr(getattr(ctx.plan, "server_config", None), "root", None))
            if found is not None:
                data, content_type = found
                self._replace(ctx, data, content_type)
                return None
        self._replace(ctx, pages.render_builtin(code), pages.BUILTIN_CONTENT_TYPE)
        return None

    def _file(self, choice: pages.ErrorPageChoice, tags: list[str], root: Any) -> tuple[bytes, bytes] | None:
        relative = choice.path.replace("\\", "/")
        candidates: list[Path] = []
        if choice.prefix:
            base = pages.config_path(choice.prefix, root)
            folders = self._folders.get(base)
            if folders is None:
                folders = self._folders[base] = pages.language_folders(base)
            candidates = [base / folder / relative for folder in pages.language_candidates(tags, folders)]
        else:
            path = pages.config_path(choice.path, root)
            if not path.is_absolute() and choice.origin_dir:
                path = Path(choice.origin_dir) / path
            candidates = [path]
        for path in candidates:
            if not self._allowed(choice, path):
                if path not in self._warned:  # once per path, not once per request
                    self._warned.add(path)
                    log.warning("custom error page %s is outside the folder of the web.config that names it "
                                "(allowAbsolutePathsWhenDelegated is false): the built-in text is sent", path)
                return None
            data = self.files.read(path)
            if data is not None:
                return data, self._content_type(path)
        return None

    def _allowed(self, choice: pages.ErrorPageChoice, path: Path) -> bool:
        """IIS's allowAbsolutePathsWhenDelegated guard: a web.config's row stays inside its own folder."""
        if not choice.delegated or self.section.allow_absolute_paths_when_delegated:
            return True
        return bool(choice.origin_dir) and _inside(path, Path(choice.origin_dir))

    async def _execute_url(self, ctx: HTTPContext, url: str) -> None:
        """ExecuteURL: run ``url`` as a child request of this one (``w3py.pipeline.child``) and send its body
        and Content-Type under this request's status. The built-in text is already in place and stays when
        the URL is refused (not of this site) or the child does not answer 200 (missing page, its own 500.19,
        a redirect): custom errors never run for the child, so a failing error page cannot loop."""
        response = ctx.response
        code = response.status.code
        try:
            child = await execute_child(ctx, url, drop_headers=CHILD_DROPPED_REQUEST_HEADERS,
                                        server_variables=_child_variables(ctx, code, url))
        except ChildRequestRefused as exc:
            self._warn_once(url, f"is not executed ({exc.reason})")
            return
        if child.status.code != 200:
            self._warn_once(url, f"answered {child.status.code}.{child.status.substatus} to its child request")
            return
        response.headers = pages.replace_entity_headers(response.headers, None, code)
        response.headers.extend((name, value) for name, value in child.headers if name in CHILD_RESPONSE_HEADERS)
        response.body = child.body

    def _warn_once(self, url: str, what: str) -> None:
        key = (url, what)
        if key in self._warned_urls or len(self._warned_urls) >= MAX_WARNINGS:
            return
        self._warned_urls.add(key)
        log.warning("httpErrors ExecuteURL %s %s: the built-in error text is sent instead", url, what)

    def _redirect(self, ctx: HTTPContext, target: str) -> None:
        if "\r" in target or "\n" in target:
            self._replace(ctx, pages.render_builtin(ctx.response.status.code), pages.BUILTIN_CONTENT_TYPE)
            return
        if target.startswith("/"):
            request = ctx.request
            scheme = "https" if request.tls else "http"
            host = (request.header(b"host") or b"").decode("latin-1") or _host_port(request.server)
            target = f"{scheme}://{host}{target}"
        response = ctx.response
        response.set_status(status.FOUND)
        self._replace(ctx, pages.render_redirect(target), pages.REDIRECT_CONTENT_TYPE)
        response.set_header(b"location", target.encode("latin-1", "replace"))

    def _content_type(self, path: Path) -> bytes:
        """The file's Content-Type from staticContent's mimeMap, as IIS picks it for custom error files."""
        mime = self._mime
        if mime is None:
            mime = self._mime = {}
            for item in getattr(self._static, "items", ()):
                mime[item.file_extension.lower()] = item.mime_type.encode("latin-1", "replace")
        ext = path.suffix.lower()
        return mime.get(ext) or _FALLBACK_TYPES.get(ext, b"application/octet-stream")

    @staticmethod
    def _replace(ctx: HTTPContext, body: bytes, content_type: bytes) -> None:
        response = ctx.response
        response.headers = pages.replace_entity_headers(response.headers, content_type, response.status.code)
        response.body = body

    # --- the detailed page --------------------------------------------------------------------------------
    def _facts(self, ctx: HTTPContext, lang: str) -> pages.DetailFacts:
        response = ctx.response
        request = ctx.request
        config_error = ctx.config_error
        notification = ctx.status_notification
        before_auth = notification is None or notification <= Notification.BEGIN_REQUEST
        logon = (_NOT_YET if before_auth else _ANONYMOUS).get(lang, "")
        user = ctx.user or logon
        scheme = "https" if request.tls else "http"
        host = _host_name(request) or request.server[0]
        # IIS shows the cooked URL: the decoded path, then the query as the client sent it
        query = request.query
        url = f"{scheme}://{host}:{request.server[1]}{ctx.url}"
        if query:
            url += "?" + query.decode("utf-8", "replace")
        source = None
        error_code = pages.hresult_of(response.win32)
        if config_error is not None:
            error_code = config_error.hresult
            excerpt: tuple[tuple[int, str], ...] = ()
            if config_error.file and config_error.line:
                excerpt = pages.config_excerpt(_read_text(config_error.file), config_error.line)
            source = pages.ConfigSource(config_error.message, config_error.file or "", config_error.line or 0,
                                        excerpt)
        return pages.DetailFacts(
            status=response.status.code,
            substatus=response.status.substatus,
            reason=response.reason,
            error_code=error_code,
            module=ctx.status_module or WEB_CORE,
            notification=iis_notification_name(notification),
            handler=ctx.handler_name or _NOT_YET.get(lang, ""),
            requested_url=url,
            physical_path=ctx.physical_path,
            logon_method=logon,
            logon_user=user,
            detail="" if config_error is not None else (ctx.detail or ""),  # 500.19 shows Config Error instead
            config=source,
            more_information_link=self.section.detailed_more_information_link,
        )


def _texts(code: int, substatus: int, lang: str) -> pages.PageTexts:
    try:
        entry = catalog.lookup(code, substatus) or catalog.lookup(code, 0)
    except Exception:  # a broken catalog must not turn an error page into a crash
        log.exception("status catalog unavailable for %s.%s", code, substatus)
        entry = None
    if entry is None:
        reason = status.reason_phrase(code) or "Error"
        return pages.PageTexts(reason, reason)
    text = entry.text(lang)
    return pages.PageTexts(text.title, text.description, tuple(text.causes), tuple(text.things_to_try))


def _child_variables(ctx: HTTPContext, code: int, url: str) -> dict[str, str]:
    """What IIS hands an ExecuteURL error page about the failed request: ``QUERY_STRING`` is
    ``<status>;<absolute URL of the request, query included>`` (``404;http://host:8080/a/b.txt?x=1``) and
    ``UNENCODED_URL`` the page's URL with that query, unless the configured URL has a query of its own;
    ``REQUEST_URI`` stays the client's (iis-reference.md §4.2 5)."""
    request = ctx.request
    target = request.target.decode("latin-1")
    variables = {"REQUEST_URI": target}
    if "?" not in url:
        scheme = "https" if request.tls else "http"
        host = (request.header(b"host") or b"").decode("latin-1") or _host_port(request.server)
        query = f"{code};{scheme}://{host}{target}"
        variables["QUERY_STRING"] = query
        variables["UNENCODED_URL"] = f"{url}?{query}"
    return variables


def _host_name(request: Any) -> str:
    host = (request.header(b"host") or b"").decode("latin-1")
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host else ""


def _host_port(server: tuple[str, int]) -> str:
    ip, port = server
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_SOURCE_BYTES)
    except OSError:
        return ""
    return data.decode("utf-8", "replace")


__all__ = ["CustomErrorModule", "iis_notification_name"]
