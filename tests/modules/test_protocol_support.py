"""ProtocolSupportModule: OPTIONS, TRACE, customHeaders, redirectHeaders, allowKeepAlive."""

from __future__ import annotations

from w3py.testing.pipeline import location

FILES = {"a.txt": "a", "dir/x.txt": "x"}


def test_options(site) -> None:
    r = site(FILES).get("/a.txt", method="OPTIONS")
    assert (r.status, r.body) == (200, b"")
    assert r.header("allow") == "OPTIONS, TRACE, GET, HEAD, POST"
    assert r.header("public") == "OPTIONS, TRACE, GET, HEAD, POST"
    assert r.ctx.handler_name == "OPTIONSVerbHandler"


def test_trace_is_501(site) -> None:
    r = site(FILES).get("/a.txt", method="TRACE")
    assert (r.status, r.substatus) == (501, 0)
    assert r.ctx.status_module == "ProtocolSupportModule"


def test_custom_headers_on_success_and_errors(site) -> None:
    s = site(FILES, locations=location('<httpProtocol><customHeaders><add name="X-Frame-Options" value="DENY"/>'
                                       "</customHeaders></httpProtocol>"))
    assert s.get("/a.txt").header("x-frame-options") == "DENY"
    missing = s.get("/nope.txt")
    assert (missing.status, missing.header("x-frame-options")) == (404, "DENY")


def test_custom_header_removed_below(site) -> None:
    s = site(FILES, locations=location('<httpProtocol><customHeaders><add name="X-Powered-By" value="w3py"/>'
                                       "</customHeaders></httpProtocol>")
             + location('<httpProtocol><customHeaders><remove name="X-Powered-By"/></customHeaders>'
                        "</httpProtocol>", "Default Web Site/dir"))
    assert s.get("/a.txt").header("x-powered-by") == "w3py"
    assert s.get("/dir/x.txt").header("x-powered-by") is None


def test_redirect_headers_only_on_redirects(site) -> None:
    s = site(FILES, locations=location('<httpProtocol><redirectHeaders><add name="X-Moved" value="yes"/>'
                                       "</redirectHeaders></httpProtocol>"))
    assert s.get("/dir").header("x-moved") == "yes"
    assert s.get("/a.txt").header("x-moved") is None


def test_keep_alive_off_closes(site) -> None:
    s = site(FILES, locations=location('<httpProtocol allowKeepAlive="false"/>'))
    assert s.get("/a.txt").response.close is True
    assert site(FILES).get("/a.txt").response.close is False


def test_custom_header_names_are_sent_exactly_as_configured(tmp_path) -> None:
    # IIS writes customHeaders names as configured (no re-casing), while built-in headers keep IIS's own
    # spelling. Read off the socket as raw bytes: HTTP clients lower-case names and would hide the casing.
    import socket

    from w3py.testing.pipeline import ServedSite, SiteHarness

    harness = SiteHarness(tmp_path / "server", FILES, locations=location(
        '<httpProtocol><customHeaders><add name="x-frame-options" value="DENY"/>'
        '<add name="X-CONTENT-type-Options" value="nosniff"/></customHeaders></httpProtocol>'))
    served = ServedSite(harness)
    try:
        raw = b""
        for path in (b"/a.txt", b"/missing.txt"):
            with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
                sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                while chunk := sock.recv(65536):
                    raw += chunk
            head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            names = [line.split(b":", 1)[0] for line in head[1:]]
            assert b"x-frame-options" in names and b"X-CONTENT-type-Options" in names
            assert b"X-Frame-Options" not in names
            assert b"Content-Type" in names and b"Date" in names  # built-in spelling untouched
            raw = b""
    finally:
        served.stop()
        harness.app.close()
