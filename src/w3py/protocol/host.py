"""The Host header as HTTP.sys checks it: a syntactically invalid host is 400 with s-reason ``Hostname``.

RFC 9110 §7.2 and RFC 3986 §3.2.2: ``host [ ":" port ]`` where host is an IP-literal in brackets, an IPv4
address or a reg-name (unreserved, pct-encoded, sub-delims). Bindings match host names case-insensitively,
so the parsed name is lower-cased here, once per request.
"""

from __future__ import annotations

import re

# reg-name or IPv4 (a subset of reg-name), or a bracketed IPv6/IPvFuture literal; then an optional port.
_HOST_RE = re.compile(
    rb"(?:(?P<name>[A-Za-z0-9\-._~!$&'()*+,;=%]+)|\[(?P<literal>[0-9A-Za-z:.\-_~!$&'()*+,;=]+)\])"
    rb"(?::(?P<port>[0-9]{0,5}))?"
)

# A Host longer than this is not a host name (DNS names stop at 253 bytes; leave room for a port and brackets).
MAX_HOST_BYTES = 300


def parse_host(value: bytes) -> str | None:
    """The host name of a Host header value (lower-case, without the port; IPv6 keeps its brackets), or
    None when the value is not a valid host."""
    if len(value) > MAX_HOST_BYTES:
        return None
    match = _HOST_RE.fullmatch(value)
    if match is None:
        return None
    port = match.group("port")
    if port and int(port) > 65535:
        return None
    name = match.group("name")
    if name is not None:
        return name.decode("ascii").lower()
    return "[" + match.group("literal").decode("ascii").lower() + "]"
