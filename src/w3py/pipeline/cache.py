"""The response cache: w3py's equivalent of HTTP.sys's kernel response cache for static responses.

IIS serves a repeated request for a cacheable static file straight from HTTP.sys, without the handler, yet
logs it like any request. Here the cache replaces exactly two pieces of the pipeline — IIS Web Core's handler
mapping (with its file-system lookup) and the handler's execution — and nothing else.

The rule that may never bend: a cache hit gives exactly the answer the full pipeline would give. How it holds:

Rule 1. Every module still runs on a hit, on every notification, in the same order, with the same context:
        request filtering, authentication, redirects, custom headers at SEND_RESPONSE, logging. So whatever
        depends on the client (IP, headers and their limits, body length, credentials) is decided by the same
        code as on a miss. Only MAP_REQUEST_HANDLER's core mapping and EXECUTE_REQUEST_HANDLER are replaced.
Rule 2. A handler output is stored only when its handler said so (``ctx.cache_state = CacheCandidate``),
        which StaticFileModule does only for a full 200 to a GET/HEAD with no conditional or range header;
        the candidate carries a predicate (``reusable``) that the module uses to say which later requests
        would get the same output (e.g. ``Accept`` admitting the type).
Rule 3. The key is (site, method, Host, raw request-target): handler selection depends on the verb, a
        response may depend on the host, and the raw target (query included) fixes the URL the modules see.
Rule 4. An entry is valid only for the configuration snapshot it was built under (the very plan object) and
        while the file is unchanged: each hit re-stats the file (inode, device, size, mtime) and drops the entry
        on any difference. A request with a body, or whose URL was rewritten by a module before mapping, never
        uses an entry, and the output for a rewritten URL is not stored: so an entry's URL is always the one
        its key's request-target decodes to, and the application takes it from the entry instead of decoding
        the target again (``PipelineApplication._prepare``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable

from w3py.pipeline.notifications import NotificationStatus

if TYPE_CHECKING:
    from w3py.pipeline.context import HTTPContext
    from w3py.protocol.messages import Request

# Entries kept (bounded: keys come from clients) and the body size one entry may hold (IIS caching's
# maxResponseSize default is 262144 bytes).
MAX_ENTRIES = 8192
MAX_BODY_BYTES = 262144
# Body bytes all entries may hold together (bodies are usually shared with the static file cache, so this
# over-counts; it bounds the worst case).
MAX_TOTAL_BYTES = 64 * 1024 * 1024


class CacheCandidate:
    """A handler's offer to have its output reused (Rule 2)."""

    __slots__ = ("status", "headers", "body", "depends", "reusable")

    def __init__(
        self,
        status: Any,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        depends: tuple[tuple[str, tuple[int, int, int, int]], ...],
        reusable: Callable[["Request"], bool],
    ) -> None:
        self.status = status
        self.headers = tuple(headers)
        self.body = body
        # (path, file_signature) of every file and directory the output was derived from: the served file,
        # plus e.g. the directory whose listing chose a default document or resolved a name's case
        self.depends = depends
        self.reusable = reusable


# A dependency that can never be satisfied: an answer that records it is not cached.
NO_FILE = (-1, -1, -1, -1)


def file_signature(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """What identifies one version of a file: a change to any part invalidates cached output.

    ctime is in the signature because deployments that rewrite a file in place with the same size and then
    restore its timestamp (rsync -t, tar, robocopy) leave size and mtime unchanged; no user call can set
    ctime back, so any write shows there."""
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class CacheEntry:
    __slots__ = ("plan", "url", "physical_path", "handler", "candidate", "file_info", "headers", "wire")

    def __init__(self, plan: Any, url: str, physical_path: str, handler: Any, candidate: CacheCandidate,
                 file_info: Any) -> None:
        self.plan = plan
        self.url = url
        self.physical_path = physical_path
        self.handler = handler
        self.candidate = candidate
        self.file_info = file_info
        # the stored headers as a list, to compare with a hit's response headers in one C-level comparison
        self.headers = list(candidate.headers)
        # the stored headers spelled for the wire and checked once (a protocol.wire.HeaderBlock), built by
        # engine.to_response on the first hit; None: not built yet, False: they cannot be (the listener
        # checks them on every response instead)
        self.wire: Any = None


class _CachedHandler:
    """Stands in for the real handler on a hit: same name, and an EXECUTE step that installs the stored
    output instead of running the handler's modules."""

    __slots__ = ("name", "entries", "real")

    def __init__(self, real: Any, candidate: CacheCandidate) -> None:
        self.name = real.name
        self.real = real

        def install(ctx: "HTTPContext") -> NotificationStatus:
            response = ctx.response
            response.status = candidate.status
            response.headers = list(candidate.headers)
            response.body = candidate.body
            return NotificationStatus.CONTINUE

        self.entries = ((install, False, None),)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def install_hit(ctx: "HTTPContext") -> bool:
    """Called by core mapping: on a hit whose URL is still the one stored (no module rewrote it), install
    the cached handler and file facts instead of mapping (Rule 1, Rule 4)."""
    entry = ctx.cache_state
    if ctx.url != entry.url or ctx.physical_path != entry.physical_path:
        ctx.cache_state = None
        return False
    ctx.handler = entry.handler
    ctx.handler_name = entry.handler.name
    ctx.file_info = entry.file_info
    if entry.file_info is not None:
        ctx.physical_path = entry.file_info.path
    return True


class ResponseCache:
    """Cached static outputs by (site, method, host, target); see the module docstring for the rules."""

    __slots__ = ("_entries", "enabled", "hits", "misses", "_bytes")

    def __init__(self, enabled: bool = True) -> None:
        self._entries: dict[tuple[Any, ...], CacheEntry] = {}
        self._bytes = 0
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _key(request: "Request") -> tuple[Any, ...]:
        return (id(request.site), request.method, request.header(b"host"), request.target)

    def peek(self, request: "Request") -> CacheEntry | None:
        """The entry stored under the request's key, checked for nothing else yet (``lookup`` does that). Its
        ``url`` is the URL this request decodes to (``store`` keeps only entries where they agree), which
        spares the application decoding it again."""
        if request.method not in ("GET", "HEAD") or request.chunked or request.content_length:
            return None
        return self._entries.get(self._key(request))

    def lookup(self, ctx: "HTTPContext", entry: Any = ...) -> CacheEntry | None:
        """The entry for the context's request if it may answer it (Rule 4 and the candidate's predicate);
        ``entry`` is what ``peek`` found for this request, when the caller already asked."""
        request = ctx.request
        if entry is ...:
            entry = self.peek(request)
        if entry is None:
            if request.method in ("GET", "HEAD") and not request.chunked and not request.content_length:
                self.misses += 1
            return None
        if entry.plan is not ctx.plan or entry.url != ctx.url or entry.physical_path != ctx.physical_path:
            self._entries.pop(self._key(request), None)
            return None
        candidate = entry.candidate
        for path, signature in candidate.depends:
            try:
                st = os.stat(path)
            except OSError:
                self._entries.pop(self._key(request), None)
                return None
            if file_signature(st) != signature:
                self._entries.pop(self._key(request), None)
                return None
        if not candidate.reusable(request):
            return None
        self.hits += 1
        return entry

    def store(self, ctx: "HTTPContext", url: str | None = None) -> None:
        """Keep the handler's output (Rule 2) for later requests with the same key. ``url`` is the URL the
        request arrived with (before the modules ran): output for a request whose URL a module rewrote is
        not kept (Rule 4: such a request never uses an entry)."""
        candidate = ctx.cache_state
        if not isinstance(candidate, CacheCandidate) or len(candidate.body) > MAX_BODY_BYTES:
            return
        if url is not None and url != ctx.url:
            return
        if any(signature == NO_FILE for _path, signature in candidate.depends):
            return
        handler = ctx.handler
        if handler is None or isinstance(handler, _CachedHandler):
            return
        request = ctx.request
        if request.method not in ("GET", "HEAD") or request.chunked or request.content_length:
            return
        if len(self._entries) >= MAX_ENTRIES or self._bytes + len(candidate.body) > MAX_TOTAL_BYTES:
            self.clear()
        self._bytes += len(candidate.body)
        mapper = ctx.plan.mapper
        if mapper is None:
            return
        self._entries[self._key(request)] = CacheEntry(
            ctx.plan, ctx.url, mapper.physical(ctx.url), _CachedHandler(handler, candidate), candidate,
            ctx.file_info,
        )

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
