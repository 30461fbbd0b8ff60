"""URL → virtual path → physical path, safely (the work HTTP.sys canonicalisation and IIS MapPath do).

Security rules, each enforced here and nowhere else:

Rule 1. The raw path is percent-decoded exactly once, then decoded as strict UTF-8. Invalid UTF-8 (which
        includes overlong forms such as ``%C0%AE`` for ``.``) is refused with 400.0, so no alternative
        spelling of ``.`` or ``/`` survives to the file system. A second layer of escapes (``%252e``) stays
        literal: it names a file called ``%2e``, never a dot (request filtering answers 404.11 for it first).
Rule 2. NUL and every other control character (U+0000–U+001F, U+007F) in the decoded path are refused with
        400.0: they have no business in a file name and NUL truncates paths in C APIs.
Rule 3. ``\\`` is a path separator, as on Windows and in HTTP.sys; then ``.`` and ``..`` segments are resolved
        against the virtual path (RFC 3986 §5.2.4) and empty segments dropped. A ``..`` that would climb above
        ``/`` makes the URL invalid (400.0, as HTTP.sys refuses it): the result always starts with ``/``. The
        listener refuses such URLs (and Rule 1-2's) first, with the same rules (``w3py.core.url``), as HTTP.sys
        does; these checks are defence in depth.
Rule 4. The physical path is the virtual directory's physical path joined with the remaining segments, and
        after resolving symlinks (``os.path.realpath``) it must still lie inside that directory's real path;
        a symlink that points outside the site is refused (404.0) exactly as if the file were absent.
Rule 5. On a file system that is case-sensitive, a file that does not exist under the exact spelling may be
        found case-insensitively (``/Default.HTM`` → ``default.htm``), as Windows users expect. The cost: one
        directory listing per directory on the lookup's miss path, cached and invalidated by the directory's
        mtime. When two names differ only by case the exact spelling always wins; among case-variants the
        first in sorted order does (deterministic).
"""

from __future__ import annotations

import os
import stat

from w3py.core.url import UndecodablePath
from w3py.core.url import decode_path as core_decode_path
from w3py.errors import HTTPError
from w3py.status import BAD_REQUEST

# Directory listings kept for case-insensitive lookups (bounded: a hostile client could otherwise make us
# remember every directory of a large tree).
MAX_CASE_CACHE_DIRS = 4096


def decode_path(raw: bytes) -> str:
    """Rule 1 and 2: the raw (percent-encoded) request path as text, decoded once. Raises HTTPError 400.0.

    The decoding itself is ``w3py.core.url.decode_path``, which the listener applies first and answers with
    HTTP.sys's 400; this check stays as defence in depth for paths that did not come through the listener
    (child requests, tests driving the pipeline directly)."""
    try:
        return core_decode_path(raw)
    except UndecodablePath as exc:
        raise HTTPError(BAD_REQUEST, detail=str(exc)) from exc


def normalize_path(text: str) -> str:
    """Rule 3: resolve ``\\``, ``.``, ``..`` and empty segments. Keeps a trailing slash. Raises HTTPError 400.0
    for a ``..`` above the root."""
    if "\\" in text:
        text = text.replace("\\", "/")
    if "/." not in text and "//" not in text and text.startswith("/"):
        return text  # the common case: nothing to resolve
    trailing = text.endswith("/") or text.endswith("/.") or text.endswith("/..") or text in (".", "..")
    out: list[str] = []
    for segment in text.split("/"):
        if segment == "" or segment == ".":
            continue
        if segment == "..":
            if not out:
                raise HTTPError(BAD_REQUEST, detail="the URL climbs above the site root")
            out.pop()
            continue
        out.append(segment)
    path = "/" + "/".join(out)
    if trailing and path != "/":
        path += "/"
    return path


def url_from_raw(raw: bytes) -> str:
    """The virtual path for a raw request path: decoded once, then normalised."""
    return normalize_path(decode_path(raw))


def join_physical(root: str, relative: str) -> str:
    """Join a virtual directory's physical ``root`` and the URL remainder ``relative`` (``a/b.txt``).

    ``relative`` comes from ``normalize_path``, so it has no ``..`` segment; this is a plain join that keeps
    the root as prefix (no absolute component can replace it).
    """
    relative = relative.strip("/")
    if not relative:
        return root
    return root.rstrip("/") + "/" + relative


def is_inside(root_real: str, path_real: str) -> bool:
    """Rule 4: whether ``path_real`` is ``root_real`` or below it (both already through realpath)."""
    if path_real == root_real:
        return True
    prefix = root_real if root_real.endswith(os.sep) else root_real + os.sep
    return path_real.startswith(prefix)


class CaseFolder:
    """Rule 5: case-insensitive lookup of a path below a root, with per-directory listing caches."""

    __slots__ = ("_dirs",)

    def __init__(self) -> None:
        # directory path -> (mtime_ns, {casefolded name: actual name})
        self._dirs: dict[str, tuple[int, dict[str, str]]] = {}

    def _listing(self, directory: str) -> dict[str, str] | None:
        try:
            st = os.stat(directory)
        except OSError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            return None
        cached = self._dirs.get(directory)
        if cached is not None and cached[0] == st.st_mtime_ns:
            return cached[1]
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            return None
        table: dict[str, str] = {}
        for name in names:
            table.setdefault(name.casefold(), name)
        if len(self._dirs) >= MAX_CASE_CACHE_DIRS:
            self._dirs.clear()
        self._dirs[directory] = (st.st_mtime_ns, table)
        return table

    def resolve(self, root: str, relative: str) -> str | None:
        """The existing path below ``root`` that matches ``relative`` ignoring case, or None."""
        current = root.rstrip("/") or "/"
        for segment in relative.strip("/").split("/"):
            if not segment:
                continue
            exact = current + "/" + segment if current != "/" else "/" + segment
            if os.path.lexists(exact):
                current = exact
                continue
            table = self._listing(current)
            if table is None:
                return None
            actual = table.get(segment.casefold())
            if actual is None:
                return None
            current = current + "/" + actual if current != "/" else "/" + actual
        return current
