"""Request filtering's rules: the merged ``requestFiltering`` section compiled once into a ``RuleSet``, and
the one ordered table of checks that decides which substatus a request gets.

Theory of operation
-------------------
``compile_rules(section, max_url_segments=...)`` runs once per (site, path) configuration snapshot. It turns
every collection into what the hot path needs — frozensets and dicts of case-folded keys whose values are
ready-made ``Denial`` objects — and keeps only the checks whose settings can refuse something (an empty
``denyUrlSequences`` costs nothing per request). ``RuleSet.check(...)`` then runs over the request head
only; it never reads configuration and never touches the body.

Rule 1: the order is ``CHECK_ORDER`` and nothing else. IIS does not document its internal order;
    iis-reference.md §5.10 gives the facts (hidden segments before extensions: ``/web.config`` is 404.8;
    the content length is judged from the header before the body; a verb deny row beats the handler's
    405) and a proposed order, which the table follows. Correcting it against a real IIS is a one-line
    move in that tuple.
Rule 2: the first check that refuses wins; the request ends with that status and ``Connection: close``
    (every request-filtering refusal closes the connection in IIS 10 — reference S9 RL24).
Rule 3: before the table, the path is decoded once the way HTTP.sys does (``url.py``). A path HTTP.sys
    would refuse is a 400 here, ahead of every 404.x, because in IIS it never reaches the module.
Rule 4: matching is case-insensitive (Windows file-name semantics), except verbs, which IIS compares
    exactly (``get`` is not ``GET``; RL16). Case is folded with ``str.casefold``, the fold the pipeline's
    case-insensitive file lookup uses: with ``.lower()``, ``/x.cſ`` (long s) would pass as not-``.cs`` and
    then be found as ``x.cs`` on disk.
Rule 5: ``alwaysAllowedUrls`` lifts the rules that scan the URL's text (``denyUrlSequences`` and the URL
    part of ``filteringRules``); ``alwaysAllowedQueryStrings`` lifts the query-string ones
    (``denyQueryStringSequences`` and the query part of ``filteringRules``). Limits, verbs, escaping,
    hidden segments and extensions still apply: they protect what is served, not what the URL says.
Rule 6: a rule set remembers the raw paths (with the WebDAV switch) of requests it let through. The checks
    of ``PATH_CHECKS`` read nothing but the path and that switch, so for such a path they would pass again,
    and with all of them passing the first refusal can only come from the other checks, in the same
    order: only those run. A path a check refused, or one seen only with a request refused otherwise, is
    not remembered, and goes through the whole table each time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from w3py.errors import ConfigError
from w3py.status import (
    BAD_REQUEST,
    CONTENT_LENGTH_TOO_LARGE,
    CONTENT_TOO_LARGE_IIS10,
    FILE_EXTENSION_DENIED,
    FILTERING_RULE_DENIED,
    HEADERS_TOO_LARGE,
    HIDDEN_NAMESPACE,
    QUERY_STRING_SEQUENCE_DENIED,
    QUERY_STRING_TOO_LONG,
    REQUEST_HEADER_TOO_LONG,
    TOO_MANY_URL_SEGMENTS,
    URL_DOUBLE_ESCAPED,
    URL_HIGH_BIT_CHARACTERS,
    URL_SEQUENCE_DENIED,
    URL_TOO_LONG,
    VERB_DENIED,
    Status,
)

from .url import URLError, decode_path, second_pass_changes, segment_key, unescape_query

__all__ = ["CHECK_ORDER", "DEFAULT_MAX_URL_SEGMENTS", "Denial", "RuleSet", "compile_rules"]

logger = logging.getLogger("w3py.modules.request_filtering")

SECTION = "system.webServer/security/requestFiltering"
# sites/site/limits/@maxUrlSegments (IIS 8.0+): how many path segments a URL may have before 404.20.
DEFAULT_MAX_URL_SEGMENTS = 32
# Windows ignores trailing dots and spaces in a file name (see segment_key).
_TRAILING = (".", " ")
# A bare '%' that starts no escape: what a filtering rule's denyUnescapedPercent refuses.
_BARE_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2}|[uU][0-9A-Fa-f]{4})")


@dataclass(frozen=True, slots=True)
class Denial:
    """Why request filtering refused a request.

    ``status`` is what the client and the log get (404.7 ...); ``rule`` names the check in
    ``CHECK_ORDER``; ``setting`` is the configuration path that caused it (shown on the detailed error
    page); ``value`` is the offending part of the request (``.mdb``, ``bin``, ``Content-Length 1000``);
    ``origin`` is the (file, line) of the configuration entry that matched, when one did.
    """

    status: Status
    rule: str
    setting: str
    value: str = ""
    origin: tuple[str, int] | None = None
    close: bool = True  # every refusal closes the connection (RL24)

    @property
    def detail(self) -> str:
        """One line for the detailed error page and the trace log: rule, offending value, setting, origin."""
        if self.status.code == 400:
            return f"The URL cannot be decoded ({self.setting}): {self.value}"
        text = f"Request filtering rule {self.rule} denied the request"
        if self.value:
            text += f" ({self.value})"
        text += f"; setting: {self.setting}"
        if self.origin:
            text += f" at {self.origin[0]}:{self.origin[1]}"
        return text

    def with_value(self, value: str) -> "Denial":
        return Denial(self.status, self.rule, self.setting, value, self.origin, self.close)


class _PathFacts:
    """What the rules need from a raw path, which depends on nothing else: the decoded URL, its segments
    (compare form) and the extension of the last non-empty one. Shared by every rule set through
    ``_path_facts``; ``path_lower`` is the canonical path case-folded."""

    __slots__ = ("url", "segments", "extension", "path_lower", "raw_path", "_sequence_texts")

    def __init__(self, raw_path: bytes) -> None:
        self.raw_path = raw_path
        self.url = url = decode_path(raw_path)  # raises URLError (Rule 3)
        low = url.path.casefold()
        self.path_lower = low
        self._sequence_texts: tuple[str, ...] | None = None
        if low.endswith(_TRAILING) or "./" in low or " /" in low:
            # Windows drops trailing dots and spaces from names: compare without them (segment_key)
            self.segments = tuple(segment_key(s) for s in low.split("/") if s)
        else:
            self.segments = tuple(s for s in low.split("/") if s)
        # The extension is the last non-empty segment's: '/db.mdb/' must not reach a file system that
        # ignores the trailing slash with no extension at all.
        last = self.segments[-1] if self.segments else ""
        dot = last.rfind(".")
        self.extension = last[dot:] if dot >= 0 else ""

    def sequence_texts(self) -> tuple[str, ...]:
        """The forms ``denyUrlSequences`` scans: decoded, canonical and raw, lower-cased. A '..' or '\\'
        rule fires on what the client sent although canonicalisation removes it (IIS only sees the
        canonical form; reference S10 #299)."""
        texts = self._sequence_texts
        if texts is None:
            texts = self._sequence_texts = (
                self.url.decoded.casefold(), self.path_lower, self.raw_path.decode("latin-1").casefold())
        return texts


# Decoding a path is pure, and the same paths come back again and again: remember the last few thousand
# (a URLError is remembered too). Bounded in entries and in the length of the paths it keeps, so that a
# client sending endless distinct (or 16 KB) URLs costs only time, never more than a few MB.
PATH_CACHE_ENTRIES = 4096
PATH_CACHE_MAX_PATH_BYTES = 256
_path_cache: dict[bytes, "_PathFacts | URLError"] = {}


def _path_facts(raw_path: bytes) -> "_PathFacts | URLError":
    """The facts for ``raw_path``, or the URLError that refuses it (returned, not raised: a cached
    exception raised again would grow its traceback on every request)."""
    facts = _path_cache.get(raw_path)
    if facts is None:
        try:
            facts = _PathFacts(raw_path)
        except URLError as exc:
            exc.__traceback__ = None
            facts = exc
        if len(raw_path) <= PATH_CACHE_MAX_PATH_BYTES:
            if len(_path_cache) >= PATH_CACHE_ENTRIES:
                _path_cache.clear()
            _path_cache[raw_path] = facts
    return facts


class _View:
    """The request head as the checks read it: raw parts plus the path facts (built per request)."""

    __slots__ = (
        "method",
        "raw_path",
        "raw_query",
        "headers",
        "content_length",
        "webdav",
        "facts",
        "url",
        "segments",
        "extension",
        "url_allowed",
        "query_allowed",
        "_unescaped_query",
    )

    def __init__(
        self,
        method: str,
        raw_path: bytes,
        raw_query: bytes,
        headers: Sequence[tuple[bytes, bytes]],
        content_length: int | None,
        webdav: bool,
        facts: _PathFacts,
    ) -> None:
        self.method = method
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.headers = headers
        self.content_length = content_length
        self.webdav = webdav
        self.facts = facts
        self.url = facts.url
        self.segments = facts.segments
        self.extension = facts.extension
        self.url_allowed = False
        self.query_allowed = False
        self._unescaped_query: str | None = None

    def unescaped_query(self) -> str:
        if self._unescaped_query is None:
            self._unescaped_query = unescape_query(self.raw_query).casefold()
        return self._unescaped_query


# --- the checks ------------------------------------------------------------------------------------------
# Each takes (rules, view) and returns a Denial or None. They read only what compile_rules prepared.


def _content_length(rs: "RuleSet", v: _View) -> Denial | None:
    # Judged from the declared Content-Length, before any byte of the body is read (RL2, RL3). A chunked
    # body is limited while it is read (RuleSet.body_denial), which IIS does not do (RL4).
    if v.content_length is not None and v.content_length > rs.max_allowed_content_length:
        return _content_length_denial(rs, v.content_length)
    return None


def _content_length_denial(rs: "RuleSet", content_length: int) -> Denial:
    return rs.content_length_denial.with_value(f"Content-Length {content_length} > {rs.max_allowed_content_length}")


def _max_url(rs: "RuleSet", v: _View) -> Denial | None:
    # Bytes of the path as sent (query excluded; RL8). IIS leaves out PATH_INFO after a mapped script
    # (RL9); that needs the handler map, which BeginRequest does not have yet.
    if len(v.raw_path) > rs.max_url:
        return rs.max_url_denial.with_value(f"URL of {len(v.raw_path)} bytes > {rs.max_url}")
    return None


def _max_url_segments(rs: "RuleSet", v: _View) -> Denial | None:
    if len(v.segments) > rs.max_url_segments:
        return rs.segments_denial.with_value(f"{len(v.segments)} URL segments > {rs.max_url_segments}")
    return None


def _max_query_string(rs: "RuleSet", v: _View) -> Denial | None:
    # Bytes after '?', as sent (RL11).
    if len(v.raw_query) > rs.max_query_string:
        return _max_query_denial(rs, len(v.raw_query))
    return None


def _max_query_denial(rs: "RuleSet", length: int) -> Denial:
    return rs.max_query_denial.with_value(f"query string of {length} bytes > {rs.max_query_string}")


def _header_limits(rs: "RuleSet", v: _View) -> Denial | None:
    limits = rs.header_limits
    totals: dict[bytes, int] | None = None
    for name, value in v.headers:
        entry = limits.get(name)
        if entry is None:
            continue
        limit, denial = entry
        if limit == 0:  # sizeLimit="0" forbids the header outright
            return denial.with_value(f"header {name.decode('latin-1')} (forbidden)")
        # A repeated header counts as its combined value, so splitting it cannot slip past the limit.
        if totals is None:
            totals = {}
        size = totals[name] + 2 + len(value) if name in totals else len(value)
        totals[name] = size
        if size > limit:
            return denial.with_value(f"header {name.decode('latin-1')} of {size} bytes > {limit}")
    return None


def _verbs(rs: "RuleSet", v: _View) -> Denial | None:
    if v.webdav and not rs.verbs_apply_to_webdav:
        return None
    denial = rs.verb_rows.get(v.method, rs.verb_unlisted)  # exact, case-sensitive (RL16)
    if denial is not None:
        return denial.with_value(f"verb {v.method}")
    return None


def _double_escaping(rs: "RuleSet", v: _View) -> Denial | None:
    if second_pass_changes(v.url.decoded):
        return rs.double_escaping_denial.with_value(f"URL {v.url.decoded!r}")
    return None


def _high_bit(rs: "RuleSet", v: _View) -> Denial | None:
    if v.url.high_bit:
        return rs.high_bit_denial.with_value(f"URL {v.url.decoded!r}")
    return None


def _deny_url_sequences(rs: "RuleSet", v: _View) -> Denial | None:
    if v.url_allowed:
        return None
    texts = v.facts.sequence_texts()
    for sequence, denial in rs.url_sequences:
        for text in texts:
            if sequence in text:
                return denial
    return None


def _hidden_segments(rs: "RuleSet", v: _View) -> Denial | None:
    if v.webdav and not rs.hidden_apply_to_webdav:
        return None
    hidden = rs.hidden_segments
    for segment in v.segments:
        denial = hidden.get(segment)
        if denial is not None:
            return denial
    for parts, denial in rs.hidden_multi:  # entries that span several segments ("a/b")
        n = len(parts)
        for i in range(len(v.segments) - n + 1):
            if v.segments[i : i + n] == parts:
                return denial
    return None


def _file_extensions(rs: "RuleSet", v: _View) -> Denial | None:
    if v.webdav and not rs.extensions_apply_to_webdav:
        return None
    ext = v.extension
    if ext in rs.extension_rows:
        return rs.extension_rows[ext]  # None when the row allows it
    if rs.extension_unlisted is not None:
        return rs.extension_unlisted.with_value(f"extension {ext or '(none)'!r}")
    return None


def _deny_query_sequences(rs: "RuleSet", v: _View) -> Denial | None:
    if v.query_allowed or not v.raw_query:
        return None
    raw = v.raw_query.decode("latin-1").casefold()
    unescaped = v.unescaped_query() if rs.unescape_query_string else None
    for sequence, denial in rs.query_sequences:
        if sequence in raw or (unescaped is not None and sequence in unescaped):
            return denial
    return None


def _filtering_rules(rs: "RuleSet", v: _View) -> Denial | None:
    for rule in rs.filtering_rules:
        denial = rule.match(rs, v)
        if denial is not None:
            return denial
    return None


Check = Callable[["RuleSet", _View], "Denial | None"]

# The checks whose verdict depends on the raw path (and the WebDAV switch) alone (Rule 6): not on the verb,
# the query string, the headers or the content length. A check added to CHECK_ORDER that reads anything else
# from the view must not be named here.
PATH_CHECKS = frozenset({
    "maxUrl", "maxUrlSegments", "allowDoubleEscaping", "allowHighBitCharacters", "denyUrlSequences",
    "hiddenSegments", "fileExtensions",
})
# Paths remembered per rule set as passing every path check (Rule 6), and the longest path remembered:
# bounded, since paths come from clients (at most about 300 KB per rule set).
PASSED_PATH_ENTRIES = 1024
PASSED_PATH_MAX_BYTES = 256

# THE ORDER (Rule 1). iis-reference.md §5.10's proposed order, with the two rules it leaves out placed
# beside their kin: 404.20 (too many segments) with the URL-length limit, and the WebDAV ones (404.16,
# 404.17) at the end: those are decided by the handler stage (StaticFileModule), not at BeginRequest,
# so their rows hold no check here (None) and only mark where they stand.
CHECK_ORDER: tuple[tuple[str, Check | None], ...] = (
    ("maxAllowedContentLength", _content_length),  # 404.13 (IIS 10: 413.1)
    ("maxUrl", _max_url),  # 404.14
    ("maxUrlSegments", _max_url_segments),  # 404.20
    ("maxQueryString", _max_query_string),  # 404.15
    ("headerLimits", _header_limits),  # 404.10 (IIS 10: 431)
    ("verbs", _verbs),  # 404.6
    ("allowDoubleEscaping", _double_escaping),  # 404.11
    ("allowHighBitCharacters", _high_bit),  # 404.12
    ("denyUrlSequences", _deny_url_sequences),  # 404.5
    ("hiddenSegments", _hidden_segments),  # 404.8
    ("fileExtensions", _file_extensions),  # 404.7
    ("denyQueryStringSequences", _deny_query_sequences),  # 404.18
    ("filteringRules", _filtering_rules),  # 404.19
    ("davToStaticHandler", None),  # 404.16: StaticFileModule, once WebDAV exists
    ("dynamicContentAsStatic", None),  # 404.17: StaticFileModule, once handler preconditions exist
)


# --- filtering rules (404.19) ----------------------------------------------------------------------------


class _FilteringRule:
    """One compiled ``<filteringRule>``: which parts it scans, for which extensions, for which strings."""

    __slots__ = ("name", "scan_url", "scan_query", "scan_all_raw", "deny_percent", "headers", "applies_to",
                 "strings", "denial")

    def __init__(self, entry: Any) -> None:
        self.name = str(entry.name)
        self.scan_url = bool(entry.scan_url)
        self.scan_query = bool(entry.scan_query_string)
        self.scan_all_raw = bool(entry.scan_all_raw)
        self.deny_percent = bool(entry.deny_unescaped_percent)
        origin = _origin(entry)
        self.headers = tuple(
            _nonempty(h.request_header, "requestHeader", h, origin).lower().encode("latin-1")
            for h in _items(entry.scan_headers)
        )
        self.applies_to = frozenset(
            _extension_key(_nonempty(a.file_extension, "fileExtension", a, origin)) for a in _items(entry.applies_to)
        )
        self.strings = tuple(
            _nonempty(s.string, "string", s, origin).casefold() for s in _items(entry.deny_strings)
        )
        self.denial = Denial(FILTERING_RULE_DENIED, "filteringRules", f"requestFiltering/filteringRules/filteringRule[@name='{self.name}']", origin=origin)

    def match(self, rs: "RuleSet", v: _View) -> Denial | None:
        if self.applies_to and v.extension not in self.applies_to:
            return None
        texts: list[str] = []
        if self.scan_url and not v.url_allowed:
            if self.deny_percent and b"%" in v.raw_path and _BARE_PERCENT.search(v.raw_path):
                return self.denial.with_value("unescaped '%' in the URL")
            texts.append(v.facts.path_lower)
        if self.scan_query and not v.query_allowed and v.raw_query:
            if self.deny_percent and b"%" in v.raw_query and _BARE_PERCENT.search(v.raw_query):
                return self.denial.with_value("unescaped '%' in the query string")
            texts.append(v.raw_query.decode("latin-1").casefold())
            if rs.unescape_query_string:
                texts.append(v.unescaped_query())
        if self.scan_all_raw:
            # Every header line as received (names are already lower-case; values matched case-insensitively).
            texts.append(b"\r\n".join(n + b": " + val for n, val in v.headers).decode("latin-1").casefold())
        elif self.headers:
            for name, value in v.headers:
                if name in self.headers:
                    # The whole header line is scanned, not only its value (enhanced RF article).
                    texts.append((name + b": " + value).decode("latin-1").casefold())
        for text in texts:
            for string in self.strings:
                if string in text:
                    return self.denial.with_value(f"deny string {string!r}")
        return None


# --- compilation -----------------------------------------------------------------------------------------


class RuleSet:
    """The compiled, immutable rules for one (site, path) configuration snapshot."""

    def __init__(self, section: Any, max_url_segments: int = DEFAULT_MAX_URL_SEGMENTS, iis10_status_codes: bool = False) -> None:
        so = _origin(section)
        self.allow_double_escaping = bool(section.allow_double_escaping)
        self.allow_high_bit_characters = bool(section.allow_high_bit_characters)
        self.unescape_query_string = bool(section.unescape_query_string)
        self.iis10_status_codes = iis10_status_codes

        limits = section.request_limits
        lo = _origin(limits) or so
        self.max_allowed_content_length = _uint(limits.max_allowed_content_length, "maxAllowedContentLength", lo)
        self.max_url = _uint(limits.max_url, "maxUrl", lo)
        self.max_query_string = _uint(limits.max_query_string, "maxQueryString", lo)
        self.max_url_segments = _uint(max_url_segments, "maxUrlSegments", None)
        self.content_length_denial = Denial(
            CONTENT_TOO_LARGE_IIS10 if iis10_status_codes else CONTENT_LENGTH_TOO_LARGE,
            "maxAllowedContentLength", "requestFiltering/requestLimits/@maxAllowedContentLength", origin=lo)
        self.max_url_denial = Denial(URL_TOO_LONG, "maxUrl", "requestFiltering/requestLimits/@maxUrl", origin=lo)
        self.max_query_denial = Denial(
            QUERY_STRING_TOO_LONG, "maxQueryString", "requestFiltering/requestLimits/@maxQueryString", origin=lo)
        self.segments_denial = Denial(TOO_MANY_URL_SEGMENTS, "maxUrlSegments", "sites/site/limits/@maxUrlSegments")
        self.double_escaping_denial = Denial(
            URL_DOUBLE_ESCAPED, "allowDoubleEscaping", "requestFiltering/@allowDoubleEscaping", origin=so)
        self.high_bit_denial = Denial(
            URL_HIGH_BIT_CHARACTERS, "allowHighBitCharacters", "requestFiltering/@allowHighBitCharacters", origin=so)

        header_status = HEADERS_TOO_LARGE if iis10_status_codes else REQUEST_HEADER_TOO_LONG
        self.header_limits: dict[bytes, tuple[int, Denial]] = {}
        for entry in _items(limits.header_limits):
            eo = _origin(entry) or lo
            header = _nonempty(entry.header, "header", entry, lo)
            size = _uint(entry.size_limit, "sizeLimit", eo)
            self.header_limits[header.strip().lower().encode("latin-1")] = (size, Denial(
                header_status, "headerLimits",
                f"requestFiltering/requestLimits/headerLimits/add[@header='{header}']", origin=eo))

        verbs = section.verbs
        self.verbs_apply_to_webdav = bool(verbs.apply_to_web_dav)
        self.verb_rows: dict[str, Denial | None] = {}
        for entry in _items(verbs):
            verb = _nonempty(entry.verb, "verb", entry, _origin(verbs) or so)
            self.verb_rows[verb] = None if entry.allowed else Denial(
                VERB_DENIED, "verbs", f"requestFiltering/verbs/add[@verb='{verb}']", origin=_origin(entry))
        self.verb_unlisted = None if verbs.allow_unlisted else Denial(
            VERB_DENIED, "verbs", "requestFiltering/verbs/@allowUnlisted", origin=_origin(verbs) or so)

        hidden = section.hidden_segments
        self.hidden_apply_to_webdav = bool(hidden.apply_to_web_dav)
        self.hidden_segments: dict[str, Denial] = {}
        multi: list[tuple[tuple[str, ...], Denial]] = []
        for entry in _items(hidden):
            segment = _nonempty(entry.segment, "segment", entry, _origin(hidden) or so)
            denial = Denial(HIDDEN_NAMESPACE, "hiddenSegments",
                            f"requestFiltering/hiddenSegments/add[@segment='{segment}']", segment, _origin(entry))
            parts = tuple(segment_key(p) for p in segment.replace("\\", "/").split("/") if p)
            if len(parts) == 1:
                self.hidden_segments.setdefault(parts[0], denial)
            elif parts:
                multi.append((parts, denial))
        self.hidden_multi = tuple(multi)

        extensions = section.file_extensions
        self.extensions_apply_to_webdav = bool(extensions.apply_to_web_dav)
        self.extension_rows: dict[str, Denial | None] = {}
        for entry in _items(extensions):
            raw = _nonempty(entry.file_extension, "fileExtension", entry, _origin(extensions) or so)
            key = _extension_key(raw)
            if not key.startswith(".") and key:
                logger.warning("requestFiltering fileExtension %r does not start with '.': it never matches "
                               "(as in IIS) [%s]", raw, _where(entry))
            self.extension_rows[key] = None if entry.allowed else Denial(
                FILE_EXTENSION_DENIED, "fileExtensions",
                f"requestFiltering/fileExtensions/add[@fileExtension='{raw}']", key or "(no extension)",
                _origin(entry))
        self.extension_unlisted = None if extensions.allow_unlisted else Denial(
            FILE_EXTENSION_DENIED, "fileExtensions", "requestFiltering/fileExtensions/@allowUnlisted",
            origin=_origin(extensions) or so)

        self.always_allowed_urls = frozenset(
            _always_url(e, so) for e in _items(section.always_allowed_urls))
        self.always_allowed_queries = frozenset(
            _nonempty(e.query_string, "queryString", e, so).casefold() for e in _items(section.always_allowed_query_strings))
        self.url_sequences = tuple(
            (seq.casefold(), Denial(URL_SEQUENCE_DENIED, "denyUrlSequences",
                                 f"requestFiltering/denyUrlSequences/add[@sequence='{seq}']", seq, _origin(e)))
            for e in _items(section.deny_url_sequences)
            for seq in (_nonempty(e.sequence, "sequence", e, so),))
        self.query_sequences = tuple(
            (seq.casefold(), Denial(QUERY_STRING_SEQUENCE_DENIED, "denyQueryStringSequences",
                                 f"requestFiltering/denyQueryStringSequences/add[@sequence='{seq}']", seq, _origin(e)))
            for e in _items(section.deny_query_string_sequences)
            for seq in (_nonempty(e.sequence, "sequence", e, so),))
        self.filtering_rules = tuple(_FilteringRule(e) for e in _items(section.filtering_rules))

        # Keep only the checks that can refuse something under this configuration (STYLE §2.4).
        active = {
            "maxAllowedContentLength": True,
            "maxUrl": True,
            "maxUrlSegments": True,
            "maxQueryString": True,
            "headerLimits": bool(self.header_limits),
            "verbs": bool(self.verb_rows) or self.verb_unlisted is not None,
            "allowDoubleEscaping": not self.allow_double_escaping,
            "allowHighBitCharacters": not self.allow_high_bit_characters,
            "denyUrlSequences": bool(self.url_sequences),
            "hiddenSegments": bool(self.hidden_segments or self.hidden_multi),
            "fileExtensions": bool(self.extension_rows) or self.extension_unlisted is not None,
            "denyQueryStringSequences": bool(self.query_sequences),
            "filteringRules": bool(self.filtering_rules),
        }
        self.steps: tuple[Check, ...] = tuple(fn for name, fn in CHECK_ORDER if fn is not None and active[name])
        self.active_rules: tuple[str, ...] = tuple(name for name, fn in CHECK_ORDER if fn is not None and active[name])
        # Rule 6: what still runs for a path that passed before (CHECK_ORDER order), and the raw paths that did
        # (one table per value of the WebDAV switch, which the path checks also read)
        self.request_steps: tuple[Check, ...] = tuple(
            fn for name, fn in CHECK_ORDER if fn is not None and active[name] and name not in PATH_CHECKS)
        # the common case: nothing but the two length limits is left, and they need no view of the request
        self._limits_only = self.request_steps == (_content_length, _max_query_string)
        self._passed: dict[bytes, _PathFacts] = {}
        self._passed_webdav: dict[bytes, _PathFacts] = {}

    # -- per request ---------------------------------------------------------------------------------------

    def check(
        self,
        method: str,
        raw_path: bytes,
        raw_query: bytes = b"",
        headers: Sequence[tuple[bytes, bytes]] = (),
        content_length: int | None = None,
        webdav: bool = False,
    ) -> Denial | None:
        """Judge a request head. ``headers`` have lower-case names; ``raw_path``/``raw_query`` are as sent.

        Returns None to let the request through, else the first ``Denial`` in ``CHECK_ORDER`` order.
        ``webdav`` marks a request the WebDAV module will handle (for the ``applyToWebDAV`` switches).
        """
        passed = self._passed_webdav if webdav else self._passed
        facts = passed.get(raw_path)
        if facts is not None:
            # Rule 6: every path check passed for this path before and would again
            if self._limits_only:
                if content_length is not None and content_length > self.max_allowed_content_length:
                    return _content_length_denial(self, content_length)
                if len(raw_query) > self.max_query_string:
                    return _max_query_denial(self, len(raw_query))
                return None
            steps = self.request_steps
        else:
            facts = _path_facts(raw_path)
            if facts.__class__ is not _PathFacts:
                return Denial(BAD_REQUEST, "urlCanonicalization", "HTTP.sys URL canonicalisation", str(facts))
            steps = self.steps
        view = _View(method, raw_path, raw_query, headers, content_length, webdav, facts)
        if self.always_allowed_urls and facts.path_lower in self.always_allowed_urls:
            view.url_allowed = True
        if self.always_allowed_queries and raw_query and (
            raw_query.decode("latin-1").casefold() in self.always_allowed_queries
            or view.unescaped_query() in self.always_allowed_queries
        ):
            view.query_allowed = True
        for step in steps:
            denial = step(self, view)
            if denial is not None:
                return denial
        if steps is self.steps and len(raw_path) <= PASSED_PATH_MAX_BYTES:
            if len(passed) >= PASSED_PATH_ENTRIES:
                passed.clear()
            passed[raw_path] = facts
        return None

    def check_request(self, request: Any, webdav: bool = False) -> Denial | None:
        """``check`` over a ``w3py.protocol.messages.Request``."""
        return self.check(request.method, request.path, request.query, request.headers, request.content_length, webdav)

    def body_denial(self, received: int) -> Denial | None:
        """The refusal for a body (chunked, or longer than declared) once ``received`` bytes have arrived."""
        if received > self.max_allowed_content_length:
            return self.content_length_denial.with_value(
                f"request body passed {self.max_allowed_content_length} bytes ({received} received)")
        return None


def compile_rules(section: Any, max_url_segments: int = DEFAULT_MAX_URL_SEGMENTS, iis10_status_codes: bool = False) -> RuleSet:
    """Compile a merged ``RequestFilteringSection`` (and the site's ``limits.max_url_segments``).

    Raises ``ConfigError`` (→ 500.19) with the file and line of an entry that makes no sense: an empty
    extension, segment, sequence, verb or header name, a negative limit, an ``alwaysAllowedUrls`` entry
    that does not start with ``/``.
    """
    return RuleSet(section, max_url_segments, iis10_status_codes)


# --- helpers ---------------------------------------------------------------------------------------------


def _items(collection: Any) -> Iterable[Any]:
    if collection is None:
        return ()
    return getattr(collection, "items", ())


def _origin(element: Any) -> tuple[str, int] | None:
    origin = getattr(element, "origin", None)
    if not origin:
        return None
    return (str(origin[0]), int(origin[1]))


def _where(element: Any) -> str:
    origin = _origin(element)
    return f"{origin[0]}:{origin[1]}" if origin else "default"


def _error(message: str, attribute: str, origin: tuple[str, int] | None) -> ConfigError:
    return ConfigError(message, file=origin[0] if origin else None, line=origin[1] if origin else None,
                       section=SECTION, attribute=attribute)


def _nonempty(value: Any, attribute: str, element: Any, fallback: tuple[str, int] | None) -> str:
    text = "" if value is None else str(value)
    if not text.strip():
        raise _error(f"'{attribute}' must not be empty", attribute, _origin(element) or fallback)
    return text


def _uint(value: Any, attribute: str, origin: tuple[str, int] | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _error(f"'{attribute}' must be a whole number of 0 or more, not {value!r}", attribute, origin)
    return value


def _extension_key(raw: str) -> str:
    key = raw.strip().casefold()
    # fileExtension="." is IIS's way of naming URLs that have no extension.
    return "" if key == "." else key


def _always_url(entry: Any, fallback: tuple[str, int] | None) -> str:
    url = _nonempty(entry.url, "url", entry, fallback)
    if not url.startswith("/"):
        raise _error(f"alwaysAllowedUrls entry {url!r} must start with '/'", "url", _origin(entry) or fallback)
    return url.casefold()
