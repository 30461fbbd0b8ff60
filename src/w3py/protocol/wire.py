"""Response header lines checked once and kept ready for the wire (``CheckedHeaders``).

The listener checks every response header before it writes the head (``server/connection.py``): a name or
value with CR or LF, or a name with ``:``, would let whoever chose it write headers of their own (response
splitting), so such a response is never written; the framing headers (``Content-Length``,
``Transfer-Encoding``, ``Connection``, ``Server``, ``Date``) are the listener's to write. Most responses are
different every time, and each pays that check. A response served again and again from the pipeline's
response cache has the same entity headers every time, though: they are checked once, when the cache entry
is first used, and joined into the bytes that go on the wire (``header_block``). Only headers added on top
of them on the way out (by SEND_RESPONSE modules) are checked per request.

Rule 1: a ``HeaderBlock`` is made only by ``header_block``, which applies the listener's rule; so no byte of
        its ``wire`` can split a response, whatever later happens to the list that carries it.
Rule 2: the first ``len(block.pairs)`` pairs of a ``CheckedHeaders`` are what ``block.wire`` says; pairs after
        them are checked by the listener as any header. The producer (``pipeline/engine.py to_response``)
        builds the list and hands it over; nobody changes it in between. (Were someone to change one of
        those first pairs anyway, the wire would carry the checked original: stale, never unsafe.)
"""

from __future__ import annotations

from typing import Iterable

# Header names (lower-case) the listener writes itself or reads to frame the response.
FRAMING_HEADERS = frozenset({b"content-length", b"transfer-encoding", b"connection", b"server", b"date"})


# The response headers HTTP.sys knows by id (HTTP_HEADER_ID), lower-case. It writes them first, in the order
# IIS gave them, with its own Server among them; headers it does not know (X-Powered-By, Public, customHeaders)
# come after Server, and the ones it generates (Date, Connection, Content-Length) last.
KNOWN_RESPONSE_HEADERS = frozenset({
    b"cache-control", b"connection", b"date", b"keep-alive", b"pragma", b"trailer", b"transfer-encoding",
    b"upgrade", b"via", b"warning", b"allow", b"content-length", b"content-type", b"content-encoding",
    b"content-language", b"content-location", b"content-md5", b"content-range", b"expires", b"last-modified",
    b"accept-ranges", b"age", b"etag", b"location", b"proxy-authenticate", b"retry-after", b"server",
    b"set-cookie", b"vary", b"www-authenticate",
})


def header_line_ok(name: bytes, value: bytes) -> bool:
    """The listener's rule for one response header: no CR or LF anywhere, no ``:`` in the name."""
    return not (b"\r" in name or b"\n" in name or b":" in name or b"\r" in value or b"\n" in value)


class HeaderBlock:
    """Header pairs spelled for the wire, checked by the listener's rule, and their joined lines. Made only by
    ``header_block``."""

    __slots__ = ("pairs", "wire", "all_known")

    def __init__(self, pairs: tuple[tuple[bytes, bytes], ...], wire: bytes) -> None:
        self.pairs = pairs
        self.wire = wire  # "Name: value" lines joined by CRLF, without a trailing CRLF; never empty
        # whether every name is one HTTP.sys knows (then the Server line goes after the whole block)
        self.all_known = all(name.lower() in KNOWN_RESPONSE_HEADERS for name, _ in pairs)


def header_block(pairs: Iterable[tuple[bytes, bytes]]) -> HeaderBlock | None:
    """The checked block for pairs already spelled for the wire; None if any pair breaks the listener's
    rule, is a framing header, or there is no pair at all (the list is then left to the listener's
    per-request check)."""
    pairs = tuple(pairs)
    for name, value in pairs:
        if not name or not header_line_ok(name, value) or name.lower() in FRAMING_HEADERS:
            return None
    if not pairs:
        return None
    return HeaderBlock(pairs, b"\r\n".join(name + b": " + value for name, value in pairs))


class CheckedHeaders(list):  # type: ignore[type-arg]
    """A response's header list (``Response.headers``) that starts with the pairs of a ``HeaderBlock``;
    pairs appended after them are checked by the listener as usual. To anyone else who reads it, it is a
    plain list of ``(name, value)`` pairs. Made by ``checked_headers``."""

    __slots__ = ("block",)
    block: HeaderBlock


def checked_headers(block: HeaderBlock) -> CheckedHeaders:
    """A new header list that starts with ``block``'s pairs and carries it (list's own constructor: no
    Python ``__init__`` per response)."""
    headers = CheckedHeaders(block.pairs)
    headers.block = block
    return headers
