"""How a raw request path becomes text: the one decoding that both HTTP.sys's canonicalisation (the listener,
``protocol/parser.py``) and IIS's URL mapping (``pipeline/paths.py``) apply, kept here so the two never disagree.

Rules (the pipeline's Rule 1-3, see ``pipeline/paths.py``):

- the path is percent-decoded exactly once, then decoded as strict UTF-8; invalid UTF-8, which includes the
  overlong forms (``%C0%AF`` for ``/``, ``%C0%AE`` for ``.``), cannot be decoded;
- ``%uNNNN`` is the code point U+NNNN, as HTTP.sys accepts by default (``PercentUAllowed=1``); a surrogate
  (U+D800-U+DFFF) cannot be decoded (request filtering's own decoder, ``modules/request_filtering/url.py``,
  reads ``%u`` the same way);
- a control character (U+0000-U+001F, U+007F) in the decoded path is refused;
- ``\\`` separates segments as ``/`` does, and a ``..`` segment removes the segment before it. HTTP.sys
  refuses a path whose ``..`` would climb above ``/`` (``/../x``, ``/a%2F..%2F..%2Fetc``) as an invalid URL;
  the pipeline's ``normalize_path`` refuses the same climbs (defence in depth).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

_CONTROL = frozenset(chr(c) for c in range(0x20)) | {"\x7f"}
_PERCENT_U = re.compile(rb"%[uU]([0-9A-Fa-f]{4})")


class UndecodablePath(ValueError):
    """A raw request path that cannot be turned into text (the message says why)."""


def decode_path(raw: bytes) -> str:
    """The raw (percent-encoded) request path as text, decoded once. Raises ``UndecodablePath``."""
    if b"%" not in raw:
        data = raw
    else:
        if b"%u" in raw or b"%U" in raw:
            raw = _PERCENT_U.sub(_percent_u_as_utf8, raw)
        data = unquote_to_bytes(raw)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UndecodablePath("the URL is not valid UTF-8 after decoding") from exc
    if not _CONTROL.isdisjoint(text):
        raise UndecodablePath("the URL contains a control character")
    return text


def _percent_u_as_utf8(match: re.Match[bytes]) -> bytes:
    """``%uNNNN`` as the percent-escaped UTF-8 of U+NNNN, so that the one percent-decoding pass reads it."""
    code = int(match.group(1), 16)
    if 0xD800 <= code <= 0xDFFF:
        raise UndecodablePath(f"the %u escape U+{code:04X} is a lone surrogate")
    return b"".join(b"%%%02X" % byte for byte in chr(code).encode("utf-8"))


def climbs_above_root(text: str) -> bool:
    """Whether a ``..`` segment of the decoded path ``text`` would go above ``/``."""
    if ".." not in text:
        return False  # the common case: no segment can climb
    depth = 0
    for segment in text.replace("\\", "/").split("/"):
        if segment == "" or segment == ".":
            continue
        if segment == "..":
            if depth == 0:
                return True
            depth -= 1
        else:
            depth += 1
    return False
