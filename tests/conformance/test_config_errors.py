"""The web.config mistakes IIS admins actually make (and the encodings editors save in), served by ``w3py
serve``: each either loads, or is a 500.19 logged with the HRESULT IIS reports (reference §5.9), for that
folder only."""

from __future__ import annotations

import pytest

from w3py.testing.conformance import ServerRoot, serving, status_line, wait_for, wrap_web_config

pytestmark = pytest.mark.slow


def _ws(body: str) -> str:
    return wrap_web_config("  <system.webServer>\n    " + body + "\n  </system.webServer>")


BROWSE = _ws('<directoryBrowse enabled="true" />')

# folder -> (web.config bytes, expected (status, substatus, win32) for /<folder>/a.txt)
CASES: dict[str, tuple[bytes, tuple[str, str, str]]] = {
    # the classic: adding a MIME type IIS 10 already maps (duplicate key, 0x800700b7)
    "dup-mime": (_ws('<staticContent><mimeMap fileExtension=".json" mimeType="application/json" /></staticContent>')
                 .encode(), ("500", "19", "183")),
    "unknown-section": (_ws('<defaultDocuments enabled="true" />').encode(), ("500", "19", "13")),
    "unknown-attribute": (_ws('<defaultDocument enabeld="true" />').encode(), ("500", "19", "13")),
    "bad-boolean": (_ws('<directoryBrowse enabled="yes" />').encode(), ("500", "19", "13")),
    "empty-file": (b"", ("500", "19", "13")),
    "dtd": (b'<?xml version="1.0"?>\n<!DOCTYPE configuration [<!ENTITY x "y">]>\n<configuration/>',
            ("500", "19", "13")),
    "undeclared-root-section": (b'<?xml version="1.0"?>\n<configuration>\n<myCustomSection foo="1"/>\n</configuration>',
                                ("500", "19", "13")),
    "locked-attribute": (_ws('<httpErrors defaultPath="C:\\errors\\x.htm" />').encode(), ("500", "19", "33")),
    # what editors save: Notepad's "Unicode" (UTF-16 with BOM), a BOM without a declaration, ANSI
    "utf16": (BROWSE.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16"), ("200", "0", "0")),
    "bom-no-declaration": (b"\xef\xbb\xbf<configuration><system.webServer><directoryBrowse enabled=\"true\"/>"
                           b"</system.webServer></configuration>", ("200", "0", "0")),
    "windows-1252": (('<?xml version="1.0" encoding="windows-1252"?>\n<configuration>\n<!-- caf\xe9 -->\n'
                      '<appSettings><add key="k" value="caf\xe9"/></appSettings>\n</configuration>\n'
                      ).encode("cp1252"), ("200", "0", "0")),
    # Visual Studio 2005-era files carry the .NET 2.0 namespace on <configuration>
    "net20-namespace": (b'<?xml version="1.0"?>\n'
                        b'<configuration xmlns="http://schemas.microsoft.com/.NetConfiguration/v2.0">'
                        b'\n<system.webServer><directoryBrowse enabled="true"/></system.webServer>\n</configuration>',
                        ("200", "0", "0")),
    "comments-and-cdata": (wrap_web_config('  <!-- <system.webServer><bogus/></system.webServer> -->\n'
                                           '  <appSettings><add key="a" value="b"/></appSettings>\n'
                                           '  <system.web><pages><namespaces><![CDATA[ignored]]></namespaces>'
                                           '</pages></system.web>').encode(), ("200", "0", "0")),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    files = {f"{name}/a.txt": "ok" for name in CASES} | {"fine/a.txt": "fine"}
    root = ServerRoot.create(tmp_path_factory.mktemp("cfgerr"), files=files,
                             web_configs={name: data for name, (data, _) in CASES.items()})
    with serving(root) as served:
        yield served


@pytest.fixture(scope="module")
def answers(server) -> dict[str, bytes]:
    """Each folder requested once; then one bounded wait until the log holds every request."""
    out = {name: server.raw(f"GET /{name}/a.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: cfg-{name}\r\n"
                            "Connection: close\r\n\r\n".encode()) for name in CASES}
    wanted = {f"cfg-{name}" for name in CASES}
    wait_for(lambda: wanted <= {e["cs(User-Agent)"] for e in server.log_entries()}, "every W3C line")
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_web_config_outcome(server, answers, name) -> None:
    _, (status, substatus, win32) = CASES[name]
    raw = answers[name]
    assert status_line(raw).startswith(f"HTTP/1.1 {status} ")
    if status == "500":
        assert b"HTTP Error 500.19" in raw
        assert b"Config Error" in raw
    else:
        assert raw.endswith(b"ok")
    entry = server.log_entry(lambda e: e["cs(User-Agent)"] == f"cfg-{name}")
    assert (entry["sc-status"], entry["sc-substatus"], entry["sc-win32-status"]) == (status, substatus, win32)


def test_a_broken_folder_does_not_break_its_siblings(server) -> None:
    raw = server.raw(b"GET /fine/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_line(raw) == "HTTP/1.1 200 OK"
    assert raw.endswith(b"fine")
