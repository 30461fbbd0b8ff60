"""The URL as request filtering sees it: decoded once, canonicalised the way HTTP.sys hands it to IIS.

IIS never filters the bytes on the wire. HTTP.sys first decodes the path (UTF-8 preferred, ``%uNNNN``
accepted), refuses escaped control characters, resolves ``.`` and ``..`` and treats ``\\`` as a separator;
only then does RequestFilteringModule look at segments and extensions. The double-escaping rule (404.11)
asks whether a *second* decoding pass would change that result.

w3py's choices where HTTP.sys's behaviour is configurable or undocumented (docs/request_filtering.md,
"Odd encodings", lists them with the answer each gets):

* ``%`` not followed by two hex digits (``%``, ``%z``, ``%zz``) in the path → 400: there is no single
  reading of it, and the file mapper must not guess differently from the filter.
* ``%00`` and every other escaped control character (``%01``–``%1F``, ``%7F``) → 400
  (HTTP.sys's ``AllowRestrictedChars=0``); raw control bytes likewise.
* ``%uNNNN`` is decoded to that code point (``PercentUAllowed=1``); a surrogate or a malformed one → 400.
* Bytes that are not valid UTF-8 after decoding → 400. Python's decoder rejects overlong forms
  (``%C0%AE`` is not ``.``), truncated sequences and encoded surrogates, so none of them can smuggle a
  ``.`` or ``/`` past the segment rules.
* ``..`` that would climb above the root → 400.

Everything here is pure: bytes in, a ``DecodedURL`` (or a ``URLError``) out. No regex is compiled per call.
"""

from __future__ import annotations

import re

__all__ = ["DecodedURL", "URLError", "decode_path", "unescape_query", "second_pass_changes", "segment_key"]

_HEX = frozenset(b"0123456789abcdefABCDEF")
# A control character that HTTP.sys refuses when it arrives escaped (and that httptools refuses raw).
_RESTRICTED = frozenset(range(0x20)) | {0x7F}
_RAW_RESTRICTED = re.compile(rb"[\x00-\x1f\x7f]")
# What a second decoding pass would act on: a %XX or %uXXXX escape, or a '+' (read as a space by the
# form-style decoders the double-escaping rule guards against; IIS refuses a '+' in the path for it).
_SECOND_PASS = re.compile(r"%[0-9A-Fa-f]{2}|%[uU][0-9A-Fa-f]{4}|\+")
# Trailing dots and spaces that Windows drops from a file name: `web.config.` names `web.config` there,
# so the segment and extension rules compare names without them.
_WINDOWS_TRAILING = ". "


class URLError(ValueError):
    """The path cannot be decoded to one unambiguous URL: HTTP.sys's 400 "Invalid URL"."""


class DecodedURL:
    """A request path decoded once.

    ``decoded`` is the path after percent-decoding only (``\\`` and dot segments still in place: the form
    ``denyUrlSequences`` also scans, so that ``..`` and ``\\`` rules can fire). ``path`` is the canonical
    form: ``\\`` turned into ``/``, ``.`` and ``..`` resolved. ``high_bit`` tells whether any decoded
    byte was ≥ 0x80.
    """

    __slots__ = ("decoded", "path", "high_bit")

    def __init__(self, decoded: str, path: str, high_bit: bool) -> None:
        self.decoded = decoded
        self.path = path
        self.high_bit = high_bit

    def __repr__(self) -> str:
        return f"DecodedURL(decoded={self.decoded!r}, path={self.path!r}, high_bit={self.high_bit})"


def decode_path(raw: bytes) -> DecodedURL:
    """Decode the raw path of a request target (``request.path``) as HTTP.sys would; raise ``URLError``."""
    if b"%" in raw:
        data = _percent_decode_strict(raw)
    else:
        bad = _RAW_RESTRICTED.search(raw)  # the fast path: nothing escaped, only raw control bytes to refuse
        if bad is not None:
            raise URLError(f"control character 0x{raw[bad.start()]:02x} in the URL")
        data = raw
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise URLError(f"the decoded URL is not valid UTF-8 ({exc.reason})") from None
    high_bit = not text.isascii()
    if not text.startswith("/"):
        # An absolute-form target's path, or '*' (OPTIONS *): filter what is there as if rooted.
        text = "/" + text
    return DecodedURL(text, _canonicalise(text), high_bit)


def _percent_decode_strict(raw: bytes) -> bytes:
    bad = _RAW_RESTRICTED.search(raw)
    if bad is not None:
        raise URLError(f"control character 0x{raw[bad.start()]:02x} in the URL")
    parts = raw.split(b"%")
    out = bytearray(parts[0])
    for part in parts[1:]:
        if len(part) >= 2 and part[0] in _HEX and part[1] in _HEX:
            value = int(part[:2], 16)
            if value in _RESTRICTED:
                raise URLError(f"escaped control character %{part[:2].decode()} in the URL")
            out.append(value)
            rest = part[2:]
        elif len(part) >= 5 and part[0] in b"uU" and all(b in _HEX for b in part[1:5]):
            code = int(part[1:5], 16)
            if code in _RESTRICTED or 0xD800 <= code <= 0xDFFF:
                raise URLError(f"%u escape U+{code:04X} is not allowed in the URL")
            out += chr(code).encode("utf-8")
            rest = part[5:]
        else:
            shown = part[:2].decode("latin-1")
            raise URLError(f"'%{shown}' is not a valid escape in the URL")
        out += rest
    return bytes(out)


def _canonicalise(text: str) -> str:
    """``\\`` → ``/`` and dot segments resolved (RFC 3986 §5.2.4 semantics, refusing to climb above root)."""
    if "\\" in text:
        text = text.replace("\\", "/")
    if "/." not in text:
        return text  # the common case: no dot segment can be present
    out: list[str] = []
    segments = text.split("/")
    last = len(segments) - 1
    for index, segment in enumerate(segments[1:], start=1):
        if segment == ".":
            if index == last:
                out.append("")  # '/a/.' names the directory '/a/'
            continue
        if segment == "..":
            if not out:
                raise URLError("the URL climbs above the site root")
            out.pop()
            if index == last:
                out.append("")
            continue
        out.append(segment)
    return "/" + "/".join(out)


def second_pass_changes(decoded: str) -> bool:
    """True when decoding ``decoded`` once more would change it (404.11 with allowDoubleEscaping=false)."""
    if "%" not in decoded and "+" not in decoded:
        return False
    return _SECOND_PASS.search(decoded) is not None


def segment_key(segment: str) -> str:
    """The form a path segment is compared in: case-folded (``str.casefold``, as the case-insensitive file
    lookup folds), Windows' trailing dots and spaces removed."""
    return segment.rstrip(_WINDOWS_TRAILING).casefold()


def unescape_query(raw: bytes) -> str:
    """The query string decoded once, leniently (an invalid escape stays as typed), for sequence scans."""
    if b"%" not in raw:
        return _text(raw)
    parts = raw.split(b"%")
    out = bytearray(parts[0])
    for part in parts[1:]:
        if len(part) >= 2 and part[0] in _HEX and part[1] in _HEX:
            out.append(int(part[:2], 16))
            out += part[2:]
        elif len(part) >= 5 and part[0] in b"uU" and all(b in _HEX for b in part[1:5]):
            code = int(part[1:5], 16)
            out += chr(code).encode("utf-8", "surrogatepass")
            out += part[5:]
        else:
            out.append(0x25)
            out += part
    return _text(bytes(out))


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8: read each byte as one character so that an ASCII deny sequence still matches.
        return data.decode("latin-1")
