"""https bindings: certificates from <root>/ssl (default + one per host name, chosen by SNI), the same
HTTP/1.1 engine behind TLS, a clear start-up error for a binding without a certificate."""

from __future__ import annotations

import socket
import ssl

import httpx
import pytest
import trustme

from w3py.protocol.messages import FileBody, Request, Response
from w3py.testing.server import FakeBinding, HandlerApp, running_server, site


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def install(root, ca: trustme.CA, name: str, *hosts: str) -> None:
    cert = ca.issue_cert(*hosts)
    (root / "ssl").mkdir(parents=True, exist_ok=True)
    cert.private_key_and_cert_chain_pem.write_to_path(str(root / "ssl" / f"{name}.pem"))


def client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


async def describe(request: Request) -> Response:
    return Response(200, body=f"{request.site.name} tls={request.tls}".encode())


def test_https_binding_serves_over_tls(tmp_path, ca) -> None:
    install(tmp_path, ca, "default", "127.0.0.1", "localhost")
    sites = [site(1, "Secure", bindings=[FakeBinding(protocol="https", ip="127.0.0.1")])]
    with running_server(tmp_path, sites=sites, app=HandlerApp(describe)) as srv:
        with httpx.Client(verify=client_context(ca)) as client:
            responses = [client.get(f"https://127.0.0.1:{srv.port}/") for _ in range(3)]
    assert [r.text for r in responses] == ["Secure tls=True"] * 3


def test_sni_picks_the_certificate_of_the_host(tmp_path, ca) -> None:
    install(tmp_path, ca, "a.example", "a.example")
    install(tmp_path, ca, "b.example", "b.example")
    sites = [
        site(1, "A", bindings=[FakeBinding(protocol="https", host="a.example")]),
        site(2, "B", bindings=[FakeBinding(protocol="https", host="b.example")]),
    ]
    with running_server(tmp_path, sites=sites, app=HandlerApp(describe)) as srv:
        for host, name in (("a.example", "A"), ("b.example", "B")):
            raw = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            # verification with server_hostname=host fails unless the server chose that host's certificate
            with client_context(ca).wrap_socket(raw, server_hostname=host) as tls:
                tls.sendall(b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := tls.recv(65536):
                    data += chunk
            assert data.endswith(f"{name} tls=True".encode())


def test_file_body_over_tls_goes_through_the_encryption(tmp_path, ca) -> None:
    install(tmp_path, ca, "default", "127.0.0.1")
    payload = bytes(range(256)) * 8192  # 2 MiB
    (tmp_path / "f.bin").write_bytes(payload)

    async def file(request: Request) -> Response:
        return Response(200, body=FileBody(str(tmp_path / "f.bin")))

    sites = [site(1, bindings=[FakeBinding(protocol="https", ip="127.0.0.1")])]
    with running_server(tmp_path, sites=sites, app=HandlerApp(file)) as srv:
        response = httpx.get(f"https://127.0.0.1:{srv.port}/", verify=client_context(ca))
    assert response.content == payload


def test_plain_http_on_a_tls_port_does_not_hurt_the_server(tmp_path, ca) -> None:
    install(tmp_path, ca, "default", "127.0.0.1")
    sites = [site(1, bindings=[FakeBinding(protocol="https", ip="127.0.0.1")])]
    with running_server(tmp_path, sites=sites, app=HandlerApp(describe)) as srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            try:
                while sock.recv(65536):
                    pass
            except ConnectionResetError:
                pass
        assert httpx.get(f"https://127.0.0.1:{srv.port}/", verify=client_context(ca)).status_code == 200


def test_https_binding_without_a_certificate_is_reported_and_not_listened_on(tmp_path) -> None:
    from w3py.server.bindings import plan_endpoints
    from w3py.server.tls import attach_ssl_contexts

    sites = [
        site(1, bindings=[FakeBinding(protocol="https", port=443, host="www.example"), FakeBinding(port=80)]),
    ]
    endpoints = plan_endpoints(sites)
    problems = attach_ssl_contexts(endpoints, tmp_path)
    assert [(e.tls, e.port) for e in endpoints] == [(False, 80)]  # the http binding is still served
    (line,) = problems
    assert line.startswith("no certificate for binding https *:443:www.example (looked for ")
    assert line.endswith("www.example.pem); not listening on it")


def test_a_host_without_its_certificate_gets_another_one_and_a_warning(tmp_path, ca) -> None:
    from w3py.server.bindings import plan_endpoints
    from w3py.server.tls import attach_ssl_contexts

    install(tmp_path, ca, "a.example", "a.example")
    sites = [
        site(1, bindings=[FakeBinding(protocol="https", port=443, host="a.example")]),
        site(2, bindings=[FakeBinding(protocol="https", port=443, host="b.example")]),
    ]
    endpoints = plan_endpoints(sites)
    (problem,) = attach_ssl_contexts(endpoints, tmp_path)
    assert endpoints[0].ssl is not None
    assert "binding https *:443:b.example" in problem and "another name's certificate" in problem
