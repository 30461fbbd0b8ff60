"""Bindings -> site: specific host beats any host, specific address beats *, unknown host and stopped site
are 404.1 in HTTPERR, maxConnections is 403.9 through the site's pipeline."""

from __future__ import annotations

import socket

import pytest

from w3py.protocol.messages import Request, Response
from w3py.server.bindings import plan_endpoints
from w3py.testing.server import FakeBinding, HandlerApp, ResponseReader, exchange, site


async def site_name(request: Request) -> Response:
    return Response(200, body=request.site.name.encode())


def get(srv, host: bytes, address: str = "127.0.0.1") -> tuple[int, bytes]:
    with socket.create_connection((address, srv.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
        response = ResponseReader(sock).read()
    return response.status, response.body


def test_host_header_binding_beats_the_any_host_binding(serve) -> None:
    sites = [
        site(1, "catch-all", bindings=[FakeBinding(host="")]),
        site(2, "named", bindings=[FakeBinding(host="www.example.com")]),
    ]
    srv = serve(sites=sites, app=HandlerApp(site_name))
    assert get(srv, b"WWW.Example.com:1234") == (200, b"named")
    assert get(srv, b"other.example.com") == (200, b"catch-all")


def test_specific_address_beats_the_wildcard(serve) -> None:
    sites = [
        site(1, "wildcard", bindings=[FakeBinding(ip="*")]),
        site(2, "loopback-1", bindings=[FakeBinding(ip="127.0.0.1")]),
    ]
    srv = serve(sites=sites, app=HandlerApp(site_name))
    assert get(srv, b"a", "127.0.0.1") == (200, b"loopback-1")
    try:
        assert get(srv, b"a", "127.0.0.2") == (200, b"wildcard")
    except OSError:  # pragma: no cover - a system without the whole 127/8 on loopback
        pytest.skip("127.0.0.2 is not reachable here")


def test_host_on_wildcard_beats_any_host_on_specific_address(serve) -> None:
    sites = [
        site(1, "address", bindings=[FakeBinding(ip="127.0.0.1", host="")]),
        site(2, "host", bindings=[FakeBinding(ip="*", host="h.example")]),
    ]
    srv = serve(sites=sites, app=HandlerApp(site_name))
    assert get(srv, b"h.example") == (200, b"host")
    assert get(srv, b"x.example") == (200, b"address")


def test_unknown_host_is_404_1_in_httperr(serve) -> None:
    srv = serve(sites=[site(7, bindings=[FakeBinding(host="only.example")])], app=HandlerApp(site_name))
    (response,), closed = exchange(srv, b"GET /x?y HTTP/1.1\r\nHost: nobody.example\r\n\r\n", check_close=True)
    assert response.status == 404 and b"HTTP Error 404." in response.body
    (line,) = srv.httperr_lines()
    assert line.endswith(" HTTP/1.1 GET /x?y 404 - NotFound -")


def test_stopped_site_is_404_1(serve) -> None:
    app = HandlerApp(site_name)
    srv = serve(sites=[site(3, "stopped", started=False)], app=app)
    (response,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert response.status == 404 and not app.requests
    assert srv.httperr_lines()[0].split(" ")[-2] == "NotFound"


def test_stopped_site_leaves_its_host_to_the_next_binding(serve) -> None:
    sites = [
        site(1, "stopped", bindings=[FakeBinding(host="a.example")], started=False),
        site(2, "running", bindings=[FakeBinding(host="")]),
    ]
    srv = serve(sites=sites, app=HandlerApp(site_name))
    assert get(srv, b"a.example") == (200, b"running")


def test_max_connections_rejects_with_403_9_through_the_site(serve) -> None:
    app = HandlerApp(site_name)
    srv = serve(sites=[site(1, "limited", max_connections=1)], app=app)
    with srv.connect() as first:
        first.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert ResponseReader(first).read().status == 200
        (second,), closed = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", check_close=True)
        assert second.status == 403 and closed
        assert app.rejected == [(403, 9)]
        # the first connection still works
        first.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert ResponseReader(first).read().status == 200
    # once the first connection is gone its place is free again (the server notices the close first)
    for _ in range(50):
        (again,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        if again.status == 200:
            break
    assert again.status == 200


def test_one_socket_per_port_when_a_wildcard_binding_exists() -> None:
    sites = [
        site(1, bindings=[FakeBinding(ip="*", port=8080), FakeBinding(ip="127.0.0.1", port=8080, host="x")]),
        site(2, bindings=[FakeBinding(ip="127.0.0.1", port=9090), FakeBinding(ip="127.0.0.2", port=9090)]),
    ]
    endpoints = {(e.ip, e.port) for e in plan_endpoints(sites)}
    assert endpoints == {("*", 8080), ("127.0.0.1", 9090), ("127.0.0.2", 9090)}


def test_non_http_bindings_open_no_socket() -> None:
    assert plan_endpoints([site(1, bindings=[FakeBinding(protocol="net.tcp", port=808)])]) == []


def test_wildcard_binding_listens_on_ipv6_too(serve) -> None:
    srv = serve(app=HandlerApp(site_name))
    try:
        sock = socket.create_connection(("::1", srv.port), timeout=5)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n")
        assert ResponseReader(sock).read().body == b"Site 1"
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock4:
        sock4.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert ResponseReader(sock4).read().status == 200
    # IPv4 clients on the dual-stack socket are seen as plain IPv4 addresses (not ::ffff:...)
    assert [r.client[0] for r in srv.app.requests] == ["::1", "127.0.0.1"]
    assert srv.app.requests[1].server[0] == "127.0.0.1"


def test_wildcard_host_header_serves_names_below_the_domain(serve) -> None:
    sites = [
        site(1, "catch-all", bindings=[FakeBinding(host="")]),
        site(2, "wild", bindings=[FakeBinding(host="*.contoso.example")]),
        site(3, "deeper", bindings=[FakeBinding(host="*.shop.contoso.example")]),
        site(4, "exact", bindings=[FakeBinding(host="www.contoso.example")]),
    ]
    srv = serve(sites=sites, app=HandlerApp(site_name))
    assert get(srv, b"a.contoso.example") == (200, b"wild")
    assert get(srv, b"a.b.CONTOSO.example") == (200, b"wild")
    assert get(srv, b"x.shop.contoso.example") == (200, b"deeper")  # the longest suffix wins
    assert get(srv, b"www.contoso.example") == (200, b"exact")  # an exact name beats the wildcard
    assert get(srv, b"contoso.example") == (200, b"catch-all")  # the domain itself is not below it


def test_wildcard_host_header_without_a_fallback_is_404(serve) -> None:
    srv = serve(sites=[site(2, "wild", bindings=[FakeBinding(host="*.contoso.example")])], app=HandlerApp(site_name))
    assert get(srv, b"www.contoso.example") == (200, b"wild")
    assert get(srv, b"contoso.example")[0] == 404
