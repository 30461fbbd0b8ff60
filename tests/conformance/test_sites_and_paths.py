"""Sites as real applicationHost.config files describe them: several applications and virtual directories
(physical paths on other drives), host-header bindings shared on one port, a non-HTTP binding, a per-site
logFile with every field and an hourly period, and access settings in ``<location>``."""

from __future__ import annotations

import socket

import pytest

from w3py.testing.conformance import (
    ServerRoot,
    headers_as_sent,
    serving,
    status_line,
    stock_text,
    wait_for,
    with_locations,
    with_sites,
)

pytestmark = pytest.mark.slow

CONTOSO = r"""
            <site name="Contoso" id="2" serverAutoStart="true">
                <application path="/" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="D:\sites\contoso" />
                    <virtualDirectory path="/images" physicalPath="%SystemDrive%\shared\images" />
                    <virtualDirectory path="/gone" physicalPath="D:\sites\removed-last-year" />
                </application>
                <application path="/shop" applicationPool="DefaultAppPool">
                    <virtualDirectory path="/" physicalPath="D:\sites\shop" />
                </application>
                <bindings>
                    <binding protocol="http" bindingInformation="*:8095:www.contoso.com" />
                    <binding protocol="http" bindingInformation="*:8095:contoso.com" />
                    <binding protocol="net.tcp" bindingInformation="808:*" />
                </bindings>
                <logFile directory="%SystemDrive%\logs" period="Hourly" logExtFileFlags="Date, Time, ClientIP, UserName, SiteName, ComputerName, ServerIP, Method, UriStem, UriQuery, HttpStatus, Win32Status, BytesSent, BytesRecv, TimeTaken, ServerPort, UserAgent, Cookie, Referer, ProtocolVersion, Host, HttpSubStatus" />
            </site>
"""

ADMIN_LOCKED = r"""
    <location path="Default Web Site/secure">
        <system.webServer>
            <security>
                <access sslFlags="Ssl, SslNegotiateCert" />
            </security>
        </system.webServer>
    </location>
    <location path="Default Web Site/admin">
        <system.webServer>
            <security>
                <authentication>
                    <anonymousAuthentication enabled="false" />
                </authentication>
            </security>
        </system.webServer>
    </location>
"""

# IIS's order of W3C fields, whatever the order of the flags (reference §2.2)
ALL_FIELDS = ("date time s-sitename s-computername s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
              "cs-version cs(User-Agent) cs(Cookie) cs(Referer) cs-host sc-status sc-substatus sc-win32-status "
              "sc-bytes cs-bytes time-taken")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sites")
    text = with_locations(with_sites(stock_text(), CONTOSO), ADMIN_LOCKED)
    root = ServerRoot.create(tmp, text, files={"a.txt": "x", "admin/a.txt": "secret", "secure/a.txt": "tls-only"})
    for folder, name, body in [("sites/contoso", "index.htm", "contoso"), ("shared/images", "logo.txt", "img"),
                               ("sites/shop", "Default.htm", "shop")]:
        (tmp / folder).mkdir(parents=True, exist_ok=True)
        (tmp / folder / name).write_text(body)
    with serving(root) as served:
        yield served


def get(port: int, host: str, path: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def body(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[1]


@pytest.mark.parametrize("host, path, expected", [
    ("www.contoso.com", "/", b"contoso"),
    ("contoso.com", "/images/logo.txt", b"img"),  # a virtual directory elsewhere on disk
    ("WWW.CONTOSO.COM", "/shop/", b"shop"),  # host names match case-insensitively; a child application
])
def test_host_header_sites_applications_and_virtual_directories(server, host, path, expected) -> None:
    port = server.root.other_ports[0]
    raw = get(port, f"{host}:{port}", path)
    assert status_line(raw) == "HTTP/1.1 200 OK"
    assert body(raw) == expected


def test_per_site_log_file_with_every_field_hourly(server) -> None:
    port = server.root.other_ports[0]
    get(port, f"www.contoso.com:{port}", "/?q=1")
    folder = server.root.path / "logs" / "W3SVC2"
    from w3py.testing.w3c_log import parse_w3c

    def lines():
        files = sorted(folder.glob("u_ex*.log")) if folder.exists() else []
        return [(f, row) for f in files for row in parse_w3c(f).rows if row.get("cs-uri-query") == "q=1"]

    path, row = wait_for(lambda: lines()[-1:], "site 2's log line")[0]
    assert len(path.stem) == len("u_exYYMMDDHH")  # hourly period
    assert " ".join(parse_w3c(path).blocks[-1].fields) == ALL_FIELDS
    assert row["s-sitename"] == "W3SVC2"
    assert row["cs-host"].lower().startswith("www.contoso.com")
    assert row["cs-version"] == "HTTP/1.1"
    assert int(row["sc-bytes"]) > len(b"contoso")


@pytest.mark.parametrize("path", ["/shop", "/images"])
def test_application_and_vdir_root_without_slash_is_a_301(server, path) -> None:
    port = server.root.other_ports[0]
    raw = get(port, f"www.contoso.com:{port}", path)
    assert status_line(raw) == "HTTP/1.1 301 Moved Permanently"
    assert dict(headers_as_sent(raw))["Location"] == f"http://www.contoso.com:{port}{path}/"


def test_plain_directory_without_slash_is_a_301(server) -> None:
    raw = server.raw(b"GET /admin HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    # /admin has no anonymous access, but the courtesy redirect for a directory comes from StaticFile after
    # authentication in IIS; so only check the shape when w3py gets that far
    if status_line(raw).startswith("HTTP/1.1 301"):
        assert dict(headers_as_sent(raw))["Location"] == "http://h/admin/"


def test_disabled_anonymous_authentication_is_401_2(server) -> None:
    raw = server.raw(b"GET /admin/a.txt HTTP/1.1\r\nHost: h\r\nUser-Agent: anon-off\r\nConnection: close\r\n\r\n")
    assert status_line(raw).startswith("HTTP/1.1 401 ")
    assert b"secret" not in body(raw)
    entry = server.log_entry(lambda e: e["cs(User-Agent)"] == "anon-off")
    assert (entry["sc-status"], entry["sc-substatus"], entry["sc-win32-status"]) == ("401", "2", "5")


def test_unknown_host_on_a_host_header_endpoint_is_not_served(server) -> None:
    port = server.root.other_ports[0]
    raw = get(port, "fabrikam.com", "/")
    assert status_line(raw) == "HTTP/1.1 404 Not Found"
    assert b"contoso" not in body(raw)


def test_ssl_required_folder_is_403_4_over_http(server) -> None:
    raw = server.raw(b"GET /secure/a.txt HTTP/1.1\r\nHost: h\r\nUser-Agent: ssl-req\r\nConnection: close\r\n\r\n")
    assert b"tls-only" not in body(raw)
    assert status_line(raw).startswith("HTTP/1.1 403 ")
    entry = server.log_entry(lambda e: e["cs(User-Agent)"] == "ssl-req")
    assert (entry["sc-status"], entry["sc-substatus"]) == ("403", "4")


def test_missing_virtual_directory_folder_is_500_19_0x80070003(server) -> None:
    port = server.root.other_ports[0]
    raw = get(port, f"www.contoso.com:{port}", "/gone/report.pdf")
    assert status_line(raw).startswith("HTTP/1.1 500 ")
    assert b"0x80070003" in raw
