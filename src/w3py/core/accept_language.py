"""``Accept-Language`` (RFC 9110 §12.5.4), parsed once for everyone who picks a language: the custom error
pages (which language folder) and the status catalog (which language of the detailed page's texts).

The header is untrusted input: it is cut to a bounded size, malformed ranges are skipped, nothing raises.
"""

from __future__ import annotations

import re

MAX_ACCEPT_LANGUAGE_BYTES = 1024  # longer headers are cut here before parsing
MAX_ACCEPT_LANGUAGE_RANGES = 16  # language ranges considered, in header order
MAX_LANGUAGE_TAG_CHARS = 35  # RFC 5646 §4.4.1 recommends supporting tags of at least 35 characters

LANGUAGE_TAG_RE = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")


def parse_accept_language(value: bytes | str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most preferred first (RFC 9110 §12.5.4).

    Tags with ``q=0``, the ``*`` range and malformed entries are dropped; equal weights keep header order.
    Only the first ``MAX_ACCEPT_LANGUAGE_BYTES``/``MAX_ACCEPT_LANGUAGE_RANGES`` are looked at."""
    if not value:
        return []
    if isinstance(value, bytes):
        value = value[:MAX_ACCEPT_LANGUAGE_BYTES].decode("latin-1")
    else:
        value = value[:MAX_ACCEPT_LANGUAGE_BYTES]
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(value.split(",")[:MAX_ACCEPT_LANGUAGE_RANGES]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if len(tag) > MAX_LANGUAGE_TAG_CHARS or not LANGUAGE_TAG_RE.match(tag):
            continue
        q = 1.0
        params = params.strip()
        if params:
            name, _, number = params.partition("=")
            if name.strip().lower() != "q":
                continue
            try:
                q = float(number.strip())
            except ValueError:
                continue
            if not 0.0 <= q <= 1.0:
                continue
        if q > 0.0:
            weighted.append((-q, index, tag))
    weighted.sort()
    return [tag for _, _, tag in weighted]
