"""StaticFileModule (static.dll): serves files for the ``StaticFile`` handler at EXECUTE_REQUEST_HANDLER.

What IIS does, and we do, in this order (IIS reference §3.4, §5.4, §5.5, §5.10):

1. a verb other than GET/HEAD → 405.0 with ``Allow: GET, HEAD, OPTIONS, TRACE`` (win32 1);
2. a file that is not there (the mapping race, or a handler with ``resourceType="Unspecified"``) → 404.0;
   a directory is left to DefaultDocumentModule/DirectoryListingModule;
3. a hidden file → 404.9: Linux has no hidden attribute, so a dot-name segment (``.git``, ``.env``) counts
   as hidden unless the site serves dot files (``SiteOptions.serve_dot_files``); ``.well-known`` is public;
4. a file whose extension belongs to a handler skipped for its preCondition (ASP.NET's, in a configuration
   copied from Windows) → 404.17: its source is not served;
5. an extension with no ``staticContent/mimeMap`` entry → 404.3 (win32 50; multi-dot keys such as
   ``.dll.config`` win over ``.config``; a ``.*`` entry is the catch-all for every other name, with or
   without an extension); the check comes after existence, so a missing file is 404.0;
6. a file the server process may not read → 401.3 (IIS's ACL refusal, win32 5);
7. an ``Accept`` header that admits no form of the file's type → 406.0;
8. preconditions in RFC 9110 §13.2.2 order: If-Match / If-Unmodified-Since → 412.0;
   If-None-Match / If-Modified-Since → 304 (with the validators and ``clientCache`` headers);
9. ``Range`` (honoured when ``If-Range`` still matches): one range → 206 with Content-Range, several →
   206 ``multipart/byteranges``, none satisfiable → 416 with ``Content-Range: bytes */size``;
10. otherwise 200 with Content-Type, Last-Modified, ETag (unless ``clientCache/@setEtag`` is false),
   Accept-Ranges: bytes and the ``clientCache`` headers;
11. with ``staticContent/@enableDocFooter``, ``text/html`` files get ``defaultDocFooter`` (or, with
   ``isDocFooterFileName``, the content of that file) appended, as IIS appends footers to HTML documents;
   such a document is always sent whole (no Accept-Ranges, Range ignored).

Files up to ``MAX_MEMORY_FILE_BYTES`` are kept in memory (validated by each request's stat: inode, size,
mtime); larger ones go to the listener as a ``FileBody`` for ``loop.sendfile``, so they never block the
event loop nor sit in memory. A full 200 to an unconditional GET/HEAD is offered to the response cache.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from email.utils import formatdate, parsedate_to_datetime
from typing import Any, AsyncIterator

from w3py import status
from w3py.api import (
    CacheCandidate,
    FileBody,
    HTTPContext,
    Module,
    NotificationStatus,
    file_signature,
    win32,
)
from w3py.config.sections import StaticContentSection

CONTINUE = NotificationStatus.CONTINUE
FINISH = NotificationStatus.FINISH_REQUEST

# Files up to this size are read once and served from memory (IIS's caching maxResponseSize default).
MAX_MEMORY_FILE_BYTES = 262144
# Memory all cached file contents may take together; beyond it the cache is emptied and refilled.
MAX_MEMORY_CACHE_BYTES = 64 * 1024 * 1024
# Files whose validators are remembered (large files keep no content but still an entry).
MAX_FILE_ENTRIES = 65536
# Byte ranges honoured in one request; more is treated as no Range at all (serving the whole file is always
# correct, and it stops a request for thousands of tiny overlapping ranges from amplifying work).
MAX_RANGES = 64
# Parsed Accept headers remembered (browsers send a handful of distinct values).
MAX_ACCEPT_CACHE = 256
# Chunk size for streaming multipart/byteranges bodies of files not held in memory.
MULTIPART_CHUNK_BYTES = 65536
# A document footer read from a file (staticContent/@isDocFooterFileName) is cut at this size.
MAX_FOOTER_BYTES = 65536

ALLOW_VALUE = b"GET, HEAD, OPTIONS, TRACE"
# The mimeMap key that matches any file name no other entry matches (``<mimeMap fileExtension=".*" .../>``).
WILDCARD_EXTENSION = ".*"
_EPOCH_AS_FILETIME = 116444736000000000  # 1970-01-01 in 100 ns ticks since 1601-01-01

_CONDITIONAL_HEADERS = frozenset({b"if-match", b"if-none-match", b"if-modified-since", b"if-unmodified-since",
                                  b"if-range", b"range"})


class FileEntry:
    """Facts about one version of a file, computed once: validators, and the bytes of a small file."""

    __slots__ = ("signature", "size", "mtime", "etag", "last_modified", "content")

    def __init__(self, st: os.stat_result, content: bytes | None) -> None:
        self.signature = file_signature(st)
        self.size = st.st_size
        self.mtime = int(st.st_mtime)
        # IIS's ETag: the file time as a FILETIME in hex, ":" and a change number
        filetime = st.st_mtime_ns // 100 + _EPOCH_AS_FILETIME
        self.etag = b'"%x:0"' % filetime
        self.last_modified = formatdate(self.mtime, usegmt=True).encode("ascii")
        self.content = content


class _FileCache:
    """Small files' contents and every served file's validators, by physical path."""

    __slots__ = ("entries", "bytes")

    def __init__(self) -> None:
        self.entries: dict[str, FileEntry] = {}
        self.bytes = 0

    def get(self, path: str, st: os.stat_result) -> FileEntry:
        entry = self.entries.get(path)
        signature = file_signature(st)
        if entry is not None and entry.signature == signature:
            return entry
        content = None
        if st.st_size <= MAX_MEMORY_FILE_BYTES:
            with open(path, "rb") as f:
                content = f.read(MAX_MEMORY_FILE_BYTES + 1)
            if len(content) != st.st_size:  # changed while we read it: serve what we read, do not keep it
                return FileEntry(os.stat(path), content)
        entry = FileEntry(st, content)
        old = self.entries.get(path)
        if old is not None and old.content is not None:
            self.bytes -= len(old.content)
        if (content is not None and self.bytes + len(content) > MAX_MEMORY_CACHE_BYTES) \
                or len(self.entries) >= MAX_FILE_ENTRIES:
            self.entries.clear()
            self.bytes = 0
        if content is not None:
            self.bytes += len(content)
        self.entries[path] = entry
        return entry


FILE_CACHE = _FileCache()


def _parse_http_date(value: bytes) -> int | None:
    try:
        dt = parsedate_to_datetime(value.decode("latin-1"))
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    return int(dt.timestamp())


def _etag_list(value: bytes) -> list[bytes]:
    return [v.strip() for v in value.split(b",") if v.strip()]


def _weak_match(a: bytes, b: bytes) -> bool:
    return a.removeprefix(b"W/") == b.removeprefix(b"W/")


def _accept_admits(accept: bytes, mime: str, cache: dict[bytes, list[tuple[str, str, float]]]) -> bool:
    """Whether an Accept header admits ``mime`` with q > 0 (RFC 9110 §12.5.1; most specific range wins)."""
    ranges = cache.get(accept)
    if ranges is None:
        ranges = []
        for part in accept.decode("latin-1").split(","):
            fields = part.strip().split(";")
            media = fields[0].strip().lower()
            if "/" not in media:
                continue
            q = 1.0
            for param in fields[1:]:
                name, _, value = param.strip().partition("=")
                if name.strip().lower() == "q":
                    try:
                        q = float(value)
                    except ValueError:
                        q = 0.0
            main, _, sub = media.partition("/")
            ranges.append((main, sub, q))
        if len(cache) >= MAX_ACCEPT_CACHE:
            cache.clear()
        cache[accept] = ranges
    if not ranges:
        return True  # nothing usable in the header: treat as absent
    main, _, sub = mime.lower().split(";")[0].strip().partition("/")
    best = -1
    best_q = 0.0
    for r_main, r_sub, q in ranges:
        if r_main == main and r_sub == sub:
            rank = 2
        elif r_main == main and r_sub == "*":
            rank = 1
        elif r_main == "*" and r_sub == "*":
            rank = 0
        else:
            continue
        if rank > best:
            best, best_q = rank, q
    return best >= 0 and best_q > 0


def parse_ranges(value: bytes, size: int) -> list[tuple[int, int]] | None:
    """``Range: bytes=...`` → satisfiable (first, last) pairs; None when the header is to be ignored (not
    bytes, malformed, too many ranges). An empty list means nothing satisfiable (416)."""
    text = value.decode("latin-1").strip()
    unit, sep, spec = text.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) > MAX_RANGES:
        return None
    out = []
    for part in parts:
        if not part:
            continue
        first, dash, last = part.partition("-")
        first, last = first.strip(), last.strip()
        if not dash or (first and not first.isdigit()) or (last and not last.isdigit()) or (not first and not last):
            return None
        if not first:  # suffix range: the last N bytes
            n = int(last)
            if n == 0 or size == 0:
                continue
            out.append((max(0, size - n), size - 1))
            continue
        start = int(first)
        if last and int(last) < start:
            return None  # invalid syntax (RFC 9110 §14.1.1): the whole header is ignored
        if start >= size:
            continue  # unsatisfiable
        end = int(last) if last else size - 1
        out.append((start, min(end, size - 1)))
    return out


class StaticFileModule(Module):
    """Serves static files (see the module docstring for the order of checks)."""

    name = "StaticFileModule"
    sections = (StaticContentSection,)

    def provision(self, config: Any) -> None:
        section = config[StaticContentSection]
        mime: dict[str, str] = {}
        for entry in section.items:
            ext = entry.file_extension.lower()
            mime[ext if ext.startswith(".") else "." + ext] = entry.mime_type
        self.mime = mime
        self.max_dots = max((k.count(".") for k in mime), default=1)
        cc = section.client_cache
        custom = (cc.cache_control_custom or "").strip()
        mode = cc.cache_control_mode
        cache_control: str | None = custom or None
        expires: str | None = None
        if mode == "DisableCache":
            cache_control = "no-cache"
        elif mode == "UseMaxAge":
            seconds = int(cc.cache_control_max_age.total_seconds())
            cache_control = f"{custom},max-age={seconds}" if custom else f"max-age={seconds}"
        elif mode == "UseExpires" and cc.http_expires:
            expires = cc.http_expires.strip()
        self.cache_control = cache_control.encode("latin-1") if cache_control else None
        self.expires = expires.encode("latin-1") if expires else None
        self.set_etag = bool(cc.set_etag)
        self._accept_cache: dict[bytes, list[tuple[str, str, float]]] = {}
        self.footer = _doc_footer(section)

    def mime_type(self, path: str) -> str | None:
        """The mimeMap type for a file name (longest multi-dot extension first; ``.`` for a name without
        extension), else the ``.*`` catch-all entry when there is one (IIS's way to serve every type), or
        None (404.3)."""
        name = path.rsplit("/", 1)[-1].lower()
        mime = self.mime
        if "." not in name:
            found = mime.get(".")
            return found if found is not None else mime.get(WILDCARD_EXTENSION)
        parts = name.split(".")
        for dots in range(min(self.max_dots, len(parts) - 1), 0, -1):
            found = mime.get("." + ".".join(parts[-dots:]))
            if found is not None:
                return found
        return mime.get(WILDCARD_EXTENSION)

    def on_execute_request_handler(self, ctx: HTTPContext) -> NotificationStatus:
        request = ctx.request
        method = request.method
        response = ctx.response
        if method != "GET" and method != "HEAD":
            response.set_status(status.METHOD_NOT_ALLOWED, win32.ERROR_INVALID_FUNCTION, f"the {method} verb is not allowed for static files")
            response.set_header(b"allow", ALLOW_VALUE)
            return FINISH
        info = ctx.file_info
        if info is None:
            info = ctx.file_info = ctx.plan.mapper.lookup(ctx.url, ctx.physical_path)
            ctx.physical_path = info.path
        if info.is_dir:
            return CONTINUE
        if not info.is_file:
            if info.denied:
                response.set_status(status.UNAUTHORIZED_ACL, win32.ERROR_ACCESS_DENIED, "the server cannot read this path")
                return FINISH
            response.set_status(status.NOT_FOUND, info.win32 or win32.ERROR_FILE_NOT_FOUND, "the file does not exist")
            return FINISH
        if info.hidden:
            response.set_status(status.FILE_ATTRIBUTE_HIDDEN, win32.ERROR_FILE_NOT_FOUND, "dot-files and dot-directories are hidden")
            return FINISH
        handlers = ctx.plan.handlers
        if handlers is not None and handlers.skipped:
            # the file actually served (a default document is not the URL's last segment)
            script = handlers.skipped_for(method, "/" + info.path.rsplit("/", 1)[-1])
            if script is not None:
                response.set_status(status.DYNAMIC_CONTENT_AS_STATIC, win32.ERROR_NOT_SUPPORTED,
                                    f'handler "{script.name}" for this file was skipped (preCondition '
                                    "not satisfied); static files are not served in its place")
                return FINISH
        mime = self.mime_type(info.path)
        if mime is None:
            response.set_status(status.MIME_MAP_DENIED, win32.ERROR_NOT_SUPPORTED, "the extension has no staticContent/mimeMap entry")
            return FINISH
        if info.denied:
            response.set_status(status.UNAUTHORIZED_ACL, win32.ERROR_ACCESS_DENIED,
                                "the server process may not read the file")
            return FINISH
        accept = request.header(b"accept")
        if accept is not None and accept != b"*/*" and not _accept_admits(accept, mime, self._accept_cache):
            response.set_status(status.NOT_ACCEPTABLE, 0, f"the Accept header does not admit {mime}")
            return FINISH
        try:
            entry = FILE_CACHE.get(info.path, info.st)
        except PermissionError:
            response.set_status(status.UNAUTHORIZED_ACL, win32.ERROR_ACCESS_DENIED,
                                "the server process may not read the file")
            return FINISH
        except OSError:
            response.set_status(status.NOT_FOUND, win32.ERROR_FILE_NOT_FOUND, "the file disappeared while being read")
            return FINISH
        return self._respond(ctx, entry, mime)

    def _headers(self, entry: FileEntry, content_type: bytes | None, content_range: bytes | None = None,
                 ranges: bool = True) -> list[tuple[bytes, bytes]]:
        """The static response's headers in the order HTTP.sys writes known headers (its HTTP_HEADER_ID
        order): Cache-Control, Content-Type, Content-Range, Expires, Last-Modified, Accept-Ranges, ETag."""
        headers = []
        if self.cache_control is not None:
            headers.append((b"cache-control", self.cache_control))
        if content_type is not None:
            headers.append((b"content-type", content_type))
        if content_range is not None:
            headers.append((b"content-range", content_range))
        if self.expires is not None:
            headers.append((b"expires", self.expires))
        headers.append((b"last-modified", entry.last_modified))
        if ranges:
            headers.append((b"accept-ranges", b"bytes"))
        if self.set_etag:
            headers.append((b"etag", entry.etag))
        return headers

    def _respond(self, ctx: HTTPContext, entry: FileEntry, mime: str) -> NotificationStatus:
        request = ctx.request
        response = ctx.response
        headers = request.headers
        conditional = any(name in _CONDITIONAL_HEADERS for name, _ in headers)
        # staticContent's document footer rides HTML files; such a document is served whole (no ranges)
        footer = self.footer if self.footer and mime[:9].lower() == "text/html" else b""
        if conditional:
            outcome = self._preconditions(request, entry)
            if outcome is not None:
                if outcome == 412:
                    response.set_status(status.PRECONDITION_FAILED, 0, "a request precondition failed")
                else:
                    response.set_status(status.NOT_MODIFIED)
                    response.headers.extend(self._headers(entry, None, ranges=not footer))
                return FINISH
            range_header = request.header(b"range")
            if range_header is not None and not footer and request.method == "GET" \
                    and self._if_range_holds(request, entry):
                ranges = parse_ranges(range_header, entry.size)
                if ranges is not None:
                    return self._partial(ctx, entry, mime, ranges)
        response.headers.extend(self._headers(entry, mime.encode("latin-1"), ranges=not footer))
        if entry.content is not None:
            response.body = entry.content + footer if footer else entry.content
            if not conditional:
                depends = ((ctx.file_info.path, entry.signature),) + tuple(ctx.cache_depends or ())
                accept_cache = self._accept_cache

                def reusable(req: Any, mime: str = mime) -> bool:
                    for name, value in req.headers:
                        if name in _CONDITIONAL_HEADERS:
                            return False
                        if name == b"accept" and value != b"*/*" and not _accept_admits(value, mime, accept_cache):
                            return False
                    return True

                ctx.cache_state = CacheCandidate(response.status, response.headers, response.body, depends, reusable)
        elif footer:
            response.headers.append((b"content-length", b"%d" % (entry.size + len(footer))))
            response.body = _stream_with_footer(ctx.file_info.path, entry.size, footer)
        else:
            response.body = FileBody(ctx.file_info.path, 0, entry.size)
        return FINISH

    @staticmethod
    def _preconditions(request: Any, entry: FileEntry) -> int | None:
        """RFC 9110 §13.2.2 steps 1–4: 412, 304, or None to go on."""
        if_match = request.header(b"if-match")
        if if_match is not None:
            tags = _etag_list(if_match)
            if b"*" not in tags and not any(t == entry.etag for t in tags):  # strong comparison
                return 412
        else:
            ius = request.header(b"if-unmodified-since")
            if ius is not None:
                when = _parse_http_date(ius)
                if when is not None and entry.mtime > when:
                    return 412
        inm = request.header(b"if-none-match")
        if inm is not None:
            tags = _etag_list(inm)
            if b"*" in tags or any(_weak_match(t, entry.etag) for t in tags):
                return 304
        else:
            ims = request.header(b"if-modified-since")
            if ims is not None:
                when = _parse_http_date(ims)
                if when is not None and entry.mtime <= when:
                    return 304
        return None

    @staticmethod
    def _if_range_holds(request: Any, entry: FileEntry) -> bool:
        value = request.header(b"if-range")
        if value is None:
            return True
        value = value.strip()
        if value.startswith(b'"') or value.startswith(b"W/"):
            return value == entry.etag  # strong comparison only (RFC 9110 §13.1.5)
        when = _parse_http_date(value)
        return when is not None and when == entry.mtime

    def _partial(self, ctx: HTTPContext, entry: FileEntry, mime: str, ranges: list[tuple[int, int]]) -> NotificationStatus:
        response = ctx.response
        size = entry.size
        if not ranges:
            response.set_status(status.RANGE_NOT_SATISFIABLE, 0, "no requested range is inside the file")
            # survives CustomErrorModule's page: it states the length, not the body (RFC 9110 §15.5.17)
            response.headers.append((b"content-range", b"bytes */%d" % size))
            return FINISH
        response.set_status(status.PARTIAL_CONTENT)
        path = ctx.file_info.path
        if len(ranges) == 1:
            first, last = ranges[0]
            response.headers.extend(self._headers(entry, mime.encode("latin-1"),
                                                  b"bytes %d-%d/%d" % (first, last, size)))
            if entry.content is not None:
                response.body = entry.content[first : last + 1]
            else:
                response.body = FileBody(path, first, last - first + 1)
            return FINISH
        boundary = secrets.token_hex(12).encode("ascii")
        parts = []
        for first, last in ranges:
            parts.append(
                (b"--%s\r\nContent-Type: %s\r\nContent-Range: bytes %d-%d/%d\r\n\r\n"
                 % (boundary, mime.encode("latin-1"), first, last, size), first, last)
            )
        closing = b"\r\n--%s--\r\n" % boundary
        response.headers.extend(self._headers(entry, b"multipart/byteranges; boundary=" + boundary))
        if entry.content is not None:
            chunks = []
            for i, (head, first, last) in enumerate(parts):
                chunks.append((b"\r\n" if i else b"") + head)
                chunks.append(entry.content[first : last + 1])
            chunks.append(closing)
            response.body = b"".join(chunks)
        else:
            # the length is known before the first byte: say so, as for any static response (no chunking)
            length = sum(len(head) + last - first + 1 for head, first, last in parts)
            length += 2 * (len(parts) - 1) + len(closing)
            response.headers.append((b"content-length", b"%d" % length))
            response.body = _stream_parts(path, parts, closing)
        return FINISH


def _doc_footer(section: Any) -> bytes:
    """The ``staticContent`` document footer: ``defaultDocFooter`` as text, or with ``isDocFooterFileName`` the
    content of the file it names (read once per plan; an unreadable file gives no footer)."""
    if not section.enable_doc_footer or not section.default_doc_footer:
        return b""
    if not section.is_doc_footer_file_name:
        return section.default_doc_footer.encode("utf-8")
    try:
        with open(section.default_doc_footer, "rb") as f:
            return f.read(MAX_FOOTER_BYTES)
    except OSError:
        return b""


async def _stream_with_footer(path: str, size: int, footer: bytes) -> AsyncIterator[bytes]:
    """A large HTML file followed by the document footer, read in chunks off the event loop."""
    loop = asyncio.get_running_loop()
    fd = await loop.run_in_executor(None, os.open, path, os.O_RDONLY)
    try:
        offset = 0
        while offset < size:
            data = await loop.run_in_executor(None, os.pread, fd, min(MULTIPART_CHUNK_BYTES, size - offset), offset)
            if not data:
                break
            yield data
            offset += len(data)
    finally:
        os.close(fd)
    yield footer


async def _stream_parts(path: str, parts: list[tuple[bytes, int, int]], closing: bytes) -> AsyncIterator[bytes]:
    """multipart/byteranges for a large file: read each range in chunks off the event loop."""
    loop = asyncio.get_running_loop()
    fd = await loop.run_in_executor(None, os.open, path, os.O_RDONLY)
    try:
        for i, (head, first, last) in enumerate(parts):
            yield (b"\r\n" if i else b"") + head
            offset = first
            while offset <= last:
                n = min(MULTIPART_CHUNK_BYTES, last - offset + 1)
                data = await loop.run_in_executor(None, os.pread, fd, n, offset)
                if not data:
                    return
                yield data
                offset += len(data)
        yield closing
    finally:
        os.close(fd)
