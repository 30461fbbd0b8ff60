"""Bindings -> listening endpoints, and (local address, Host) -> site: the part of HTTP.sys's URL-group
routing that IIS sites use.

A binding is ``ip:port:host`` (iis-reference §1.9): ``*`` for any local address, an empty host for any Host
header. For each port w3py opens one socket on the wildcard address if any binding of that port uses ``*``
(a connection then tells its local address through getsockname), otherwise one socket per specific address.

Which site serves a request, most specific first (IIS: a host-header binding beats one without; an
address binding beats ``*``):

1. this address + this host   2. ``*`` + this host   3. this address + any host   4. ``*`` + any host

IIS 10 also takes wildcard host headers (``*:80:*.contoso.com``): they serve every name below the domain
(www.contoso.com, a.b.contoso.com, never contoso.com itself), after the exact host names and before the
bindings without a host; the longest suffix wins.

Stopped sites (``serverAutoStart="false"``) take no part: their requests fall through to the next rule, and
if nothing matches the listener answers 404.1 (site not found) and logs it in HTTPERR.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable

WILDCARD = "*"

# Binding protocols the listener serves.
HTTP_PROTOCOLS = ("http", "https")

# An IIS site whose connectionTimeout is not set times out after two minutes (limits/@connectionTimeout).
DEFAULT_CONNECTION_TIMEOUT_S = 120.0


def normalize_ip(ip: str) -> str:
    """``*``, or the canonical text of an address (brackets dropped, IPv4-mapped IPv6 unwrapped)."""
    ip = ip.strip()
    if ip in ("*", "", "0.0.0.0"):
        return WILDCARD
    if ip.startswith("[") and ip.endswith("]"):
        ip = ip[1:-1]
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


def binding_text(binding: Any) -> str:
    """A binding as IIS writes its bindingInformation, ``ip:port:host``, after its protocol when that is
    not plain http (``https *:443:``)."""
    info = f"{binding.ip}:{binding.port}:{binding.host}"
    protocol = str(getattr(binding, "protocol", "http")).lower()
    return info if protocol == "http" else f"{protocol} {info}"


def timeout_seconds(site: Any) -> float:
    limits = getattr(site, "limits", None)
    value = getattr(limits, "connection_timeout", None)
    if value is None:
        return DEFAULT_CONNECTION_TIMEOUT_S
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value)
    return seconds if seconds > 0 else DEFAULT_CONNECTION_TIMEOUT_S


def max_connections(site: Any) -> int | None:
    limits = getattr(site, "limits", None)
    value = getattr(limits, "max_connections", None)
    # 4294967295 is IIS's "unlimited".
    if value is None or value >= 4294967295:
        return None
    return int(value)


@dataclass(slots=True)
class Endpoint:
    """One listening socket: an address (``*`` for all) and a port, with the sites that may answer on it."""

    ip: str
    port: int
    # (ip, host) -> site, for the running sites bound on this port (ip is * or a specific address)
    routes: dict[tuple[str, str], Any] = field(default_factory=dict)
    bindings: list[str] = field(default_factory=list)  # binding texts, for messages
    timeout_s: float = DEFAULT_CONNECTION_TIMEOUT_S  # before a request names its site
    tls: bool = False  # an https endpoint
    ssl: Any = None  # its ssl.SSLContext, attached by server/tls.py before the sockets are used
    # IIS 10 wildcard host headers ("*.contoso.com"): (ip, ".contoso.com", site), longest suffix first
    wildcard_hosts: list[tuple[str, str, Any]] = field(default_factory=list)

    def route(self, local_ip: str, host: str) -> Any | None:
        """The site for a request that arrived on ``local_ip`` with host name ``host`` (rules 1-4, with
        wildcard host headers between an exact host and any host)."""
        routes = self.routes
        site = routes.get((local_ip, host))
        if site is None:
            site = routes.get((WILDCARD, host))
            if site is None:
                if self.wildcard_hosts:
                    site = self._route_wildcard(local_ip, host)
                    if site is not None:
                        return site
                site = routes.get((local_ip, ""))
                if site is None:
                    site = routes.get((WILDCARD, ""))
        return site

    def _route_wildcard(self, local_ip: str, host: str) -> Any | None:
        # "*.contoso.com" serves www.contoso.com and a.b.contoso.com, never contoso.com itself; the longest
        # matching suffix wins, and for one suffix this address beats *.
        best = None
        for ip, suffix, site in self.wildcard_hosts:
            if host.endswith(suffix) and len(host) > len(suffix):
                if ip == local_ip:
                    return site
                if ip == WILDCARD and best is None:
                    best = (suffix, site)
            elif best is not None and len(suffix) < len(best[0]):
                break
        return best[1] if best is not None else None


def plan_endpoints(sites: Iterable[Any]) -> list[Endpoint]:
    """The sockets to open for the http bindings of ``sites``, with their routing tables.

    The first site to claim an ``ip:port:host`` keeps it (IIS refuses to start a second site on a binding
    that is already taken)."""
    per_port: dict[tuple[str, int], list[tuple[str, str, Any, str]]] = {}
    for site in sites:
        for binding in getattr(site, "bindings", ()):
            protocol = str(getattr(binding, "protocol", "http")).lower()
            if protocol not in HTTP_PROTOCOLS:
                continue  # net.tcp, ftp, ... are not HTTP
            ip = normalize_ip(str(binding.ip))
            host = str(binding.host or "").strip().lower()
            text = binding_text(binding)
            per_port.setdefault((protocol, int(binding.port)), []).append((ip, host, site, text))

    # http and https on one port: both are planned, and the second socket fails to bind with a message
    # naming its binding, as IIS fails to start the second site.
    endpoints: list[Endpoint] = []
    for (protocol, port), entries in per_port.items():
        wildcard = any(ip == WILDCARD for ip, _, _, _ in entries)
        by_ip: dict[str, Endpoint] = {}
        for ip, host, site, text in entries:
            key = WILDCARD if wildcard else ip
            endpoint = by_ip.get(key)
            if endpoint is None:
                endpoint = by_ip[key] = Endpoint(
                    ip=key, port=port, timeout_s=timeout_seconds(site), tls=protocol == "https"
                )
            endpoint.bindings.append(text)
            endpoint.timeout_s = min(endpoint.timeout_s, timeout_seconds(site))
            if not getattr(site, "server_auto_start", True):
                continue
            if host.startswith("*."):
                entry = (ip, host[1:], site)
                if not any(e[0] == ip and e[1] == entry[1] for e in endpoint.wildcard_hosts):
                    endpoint.wildcard_hosts.append(entry)
            elif (ip, host) not in endpoint.routes:
                endpoint.routes[(ip, host)] = site
        endpoints.extend(by_ip.values())
    for endpoint in endpoints:
        endpoint.wildcard_hosts.sort(key=lambda e: -len(e[1]))
    return endpoints


def socket_address(endpoint: Endpoint) -> tuple[str, int]:
    """The address to bind for ``endpoint``."""
    if endpoint.ip == WILDCARD:
        return ("0.0.0.0", endpoint.port)
    return (endpoint.ip, endpoint.port)
