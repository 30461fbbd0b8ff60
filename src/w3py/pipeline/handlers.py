"""Handler mapping (IIS Web Core at MAP_REQUEST_HANDLER): choose the ``<handlers>`` entry for a request.

The effective ``<handlers>`` list is compiled once per plan into ``HandlerMap``; a request walks it in order
(IIS reference §3.4):

Rule 1. An entry is a candidate when its ``path`` matches the URL (case-insensitive: ``*`` anything, ``*.``
        no extension in the last segment, ``*suffix``/``*.ext`` a suffix of the last segment, other wildcards
        against the last segment, a plain name the last segment(s) at a segment boundary), its ``verb`` list
        contains the method exactly (verbs are case-sensitive) or is ``*``, and its ``preCondition`` holds.
        A verb mismatch only skips the entry: there is no 405 at mapping time (POST to a static file falls
        through to ``StaticFile`` whose module answers 405.0).
Rule 2. The first candidate wins. If ``accessPolicy`` does not grant what it requires (``requireAccess``) the
        request is refused with 403.1 (Execute or Script), 403.2 (Read) or 403.3 (Write). IIS documents that a
        denied handler is "not selected"; we answer the classic 403.x instead of falling through to a later
        handler because falling through would hand a ``.exe`` or ``.dll`` to the static handler as a download
        — the opposite of what an administrator who removed Execute wants. (Choice recorded in docs/pipeline.md.)
Rule 3. No candidate → 404.4. A winning handler whose ``modules`` names a module absent from the path's
        effective ``<modules>`` → 500.21 (``Handler "X" has a bad module "Y" in its module list``).
Rule 4. ``resourceType`` File / Directory / Either require the physical resource to exist as that kind →
        else 404.0 (win32 2, ERROR_FILE_NOT_FOUND); ``Unspecified`` checks nothing. Done by the caller, which
        owns the file-system lookup (``application.py``).
Rule 6. An entry whose preCondition does not hold is skipped; if the request then lands on the static file
        handler, StaticFileModule answers 404.17 ("dynamic content mapped to the static file handler") rather
        than serving a script's source.
Rule 5. PATH_INFO: when the whole URL names no existing file or directory, and a leading part of it ending at
        a segment boundary selects an entry with ``allowPathInfo="true"`` (``/app/x.php`` in
        ``/app/x.php/extra``), that entry handles the request with the leading part as the script name and the
        rest as PATH_INFO (leftmost such split wins). Entries without ``allowPathInfo`` never split.

preCondition tokens: ``integratedMode`` and ``bitness64`` (on a 64-bit Python) hold; ``classicMode``/
``ISAPIMode``, ``bitness32`` and ``runtimeVersion*`` do not (w3py hosts no CLR, so ASP.NET handlers are
skipped as on an IIS without ASP.NET, and ``*.aspx`` falls through to ``StaticFile`` → 404.3).
``managedHandler`` (a modules token) is ignored here. Any other token makes the configuration invalid:
500.0 for every request, as IIS reports a "bad precondition".
"""

from __future__ import annotations

import fnmatch
import re
import sys
from typing import Any, Sequence

from w3py.status import (
    EXECUTE_ACCESS_FORBIDDEN,
    READ_ACCESS_FORBIDDEN,
    WRITE_ACCESS_FORBIDDEN,
    Status,
)

# Handler selections remembered per plan, keyed by (method, last URL segment). Bounded because both parts
# come from the client.
MAX_SELECTION_CACHE = 2048

RESOURCE_FILE = "File"
RESOURCE_DIRECTORY = "Directory"
RESOURCE_EITHER = "Either"
RESOURCE_UNSPECIFIED = "Unspecified"

_TRUE_TOKENS = frozenset({"integratedmode", "managedhandler"} | ({"bitness64"} if sys.maxsize > 2**32 else {"bitness32"}))
_FALSE_TOKENS = frozenset(
    {"classicmode", "isapimode", "runtimeversionv1.1", "runtimeversionv2.0", "runtimeversionv4.0"}
    | ({"bitness32"} if sys.maxsize > 2**32 else {"bitness64"})
)

# requireAccess -> (accessPolicy flags that grant it, status when none does)
_ACCESS: dict[str, tuple[frozenset[str], Status | None]] = {
    "None": (frozenset(), None),
    "Read": (frozenset({"Read"}), READ_ACCESS_FORBIDDEN),
    "Write": (frozenset({"Write"}), WRITE_ACCESS_FORBIDDEN),
    "Script": (frozenset({"Script", "Execute"}), EXECUTE_ACCESS_FORBIDDEN),
    "Execute": (frozenset({"Execute"}), EXECUTE_ACCESS_FORBIDDEN),
}
# accessPolicy flags that withdraw a right from remote (non-loopback) clients
_NO_REMOTE = {"Read": "NoRemoteRead", "Write": "NoRemoteWrite", "Execute": "NoRemoteExecute",
              "Script": "NoRemoteScript"}

_ANY, _NOEXT, _SUFFIX, _NAME, _GLOB = range(5)


class PreconditionError(ValueError):
    """A ``preCondition`` token w3py does not know (IIS: 500.0 "bad precondition")."""


def precondition_holds(text: str | None) -> bool:
    """Whether a ``preCondition`` list holds in w3py (see module docstring). Raises PreconditionError."""
    if not text:
        return True
    for token in text.split(","):
        low = token.strip().lower()
        if not low:
            continue
        if low in _TRUE_TOKENS:
            continue
        if low in _FALSE_TOKENS:
            return False
        raise PreconditionError(f"unknown preCondition token {token.strip()!r}")
    return True


class Handler:
    """One compiled ``<handlers>`` entry, with its EXECUTE_REQUEST_HANDLER plan entries."""

    __slots__ = (
        "name",
        "path",
        "kind",
        "pattern",
        "verbs",
        "modules",
        "resource_type",
        "require_access",
        "denied",
        "remote_denied",
        "bad_module",
        "entries",
        "script_processor",
        "type",
        "allow_path_info",
        "origin",
    )

    def __init__(self, entry: Any, access_policy: frozenset[str], known_modules: Any) -> None:
        self.name: str = entry.name
        self.path: str = entry.path
        self.kind, self.pattern = _compile_path(entry.path)
        verb = entry.verb.strip()
        self.verbs: frozenset[str] | None = (
            None if verb == "*" else frozenset(v.strip() for v in verb.split(",") if v.strip())
        )
        self.modules: tuple[str, ...] = tuple(m.strip() for m in (entry.modules or "").split(",") if m.strip())
        self.resource_type: str = entry.resource_type
        self.require_access: str = entry.require_access
        granting, refusal = _ACCESS.get(entry.require_access, (frozenset(), None))
        self.denied: Status | None = None
        self.remote_denied: Status | None = None
        if granting:
            held = granting & access_policy
            if not held:
                self.denied = refusal
            elif all(_NO_REMOTE.get(flag, "") in access_policy for flag in held):
                self.remote_denied = refusal
        self.bad_module: str | None = next((m for m in self.modules if m not in known_modules), None)
        self.entries: tuple = ()
        self.script_processor = getattr(entry, "script_processor", "") or ""
        self.type = getattr(entry, "type", "") or ""
        self.allow_path_info = bool(getattr(entry, "allow_path_info", False))
        self.origin = getattr(entry, "origin", None)

    def matches_path(self, url_lower: str, last: str) -> bool:
        kind = self.kind
        if kind == _ANY:
            return True
        if kind == _SUFFIX:
            return last.endswith(self.pattern)
        if kind == _NOEXT:
            return "." not in last
        if kind == _NAME:
            name = self.pattern
            return last == name if "/" not in name else (url_lower == "/" + name or url_lower.endswith("/" + name))
        return self.pattern.match(last) is not None

    def __repr__(self) -> str:
        return f"<Handler {self.name} {self.path} {self.verbs or '*'}>"


def _compile_path(path: str) -> tuple[int, Any]:
    p = path.strip().lower()
    if p == "*":
        return _ANY, None
    if p == "*.":
        return _NOEXT, None
    if p.startswith("*") and "*" not in p[1:] and "?" not in p and "/" not in p:
        return _SUFFIX, p[1:]
    if "*" not in p and "?" not in p:
        return _NAME, p.lstrip("/")
    return _GLOB, re.compile(fnmatch.translate(p), re.IGNORECASE)


class HandlerMap:
    """The compiled ``<handlers>`` list of one plan, with a bounded selection cache."""

    __slots__ = ("handlers", "_cache", "_url_dependent", "path_info", "skipped")

    def __init__(self, handlers: Sequence[Handler], skipped: Sequence[Handler] = ()) -> None:
        self.handlers = tuple(handlers)
        # entries left out by their preCondition (ASP.NET's, when copied from Windows): a request they would
        # have taken that reaches StaticFile is 404.17, not served
        self.skipped = tuple(skipped)
        self._cache: dict[tuple[str, str], Handler | None] = {}
        # whether any entry splits PATH_INFO (Rule 5): only then is a URL searched for a script segment
        self.path_info = any(h.allow_path_info for h in self.handlers)
        # a name with a "/" matches on more than the last segment: those URLs cannot share a cache key
        self._url_dependent = any(h.kind == _NAME and "/" in h.pattern for h in self.handlers)

    @classmethod
    def build(cls, section: Any, known_modules: Any) -> "HandlerMap":
        """Compile a ``HandlersSection``. Raises PreconditionError for an unknown preCondition token."""
        policy = frozenset(section.access_policy)
        handlers = []
        skipped = []
        for entry in section.items:
            if not precondition_holds(entry.pre_condition):
                skipped.append(Handler(entry, policy, known_modules))
                continue
            handlers.append(Handler(entry, policy, known_modules))
        return cls(handlers, skipped)

    def skipped_for(self, method: str, url: str) -> Handler | None:
        """The first precondition-skipped entry that would have matched (for 404.17), or None."""
        if not self.skipped:
            return None
        last = url[url.rfind("/") + 1 :].lower()
        url_lower = url.lower().rstrip("/")
        for handler in self.skipped:
            # catch-alls (``*``) and the extensionless routing handlers (``*.``) map no kind of file: a
            # static file they would have taken is not "dynamic content"
            if handler.kind in (_ANY, _NOEXT):
                continue
            if (handler.verbs is None or method in handler.verbs) and handler.matches_path(url_lower, last):
                return handler
        return None

    def split_path_info(self, method: str, url: str) -> tuple[Handler, str, str] | None:
        """Rule 5: the leftmost proper prefix of ``url`` ending in a segment that selects a handler with
        ``allowPathInfo`` → (handler, script URL, path info); None when there is no such split."""
        if not self.path_info:
            return None
        end = url.find("/", 1)
        while end != -1:
            script = url[:end]
            handler = self.select(method, script)
            if handler is not None and handler.allow_path_info:
                return handler, script, url[end:]
            end = url.find("/", end + 1)
        return None

    def select(self, method: str, url: str) -> Handler | None:
        """Rule 1 and 2's walk: the first entry whose path and verb match, or None (→ 404.4)."""
        last_slash = url.rfind("/")
        last = url[last_slash + 1 :].lower()
        if not self._url_dependent:
            key = (method, last)
            try:
                return self._cache[key]
            except KeyError:
                pass
        found = None
        url_lower = url.lower().rstrip("/") if self._url_dependent else ""
        for handler in self.handlers:
            verbs = handler.verbs
            if verbs is not None and method not in verbs:
                continue
            if handler.matches_path(url_lower, last):
                found = handler
                break
        if not self._url_dependent:
            if len(self._cache) >= MAX_SELECTION_CACHE:
                self._cache.clear()
            self._cache[(method, last)] = found
        return found
