"""What the listener refuses itself (HTTP.sys's role): status, HTTP.sys error page, HTTPERR line, closed
connection. One test per rule; each also checks the next client is still served."""

from __future__ import annotations

import pytest

from w3py.protocol.limits import MAX_FIELD_LENGTH, MAX_URL_BYTES
from w3py.testing.server import HELLO, exchange


def _fields(line: str) -> dict[str, str]:
    names = "date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename"
    return dict(zip(names.split(), line.split(" ")))


CASES = [
    pytest.param(b"GARBAGE\r\n\r\n", 400, "Verb", "Bad Request - Invalid Verb", id="verb"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n", 400, "Header", "Invalid Header", id="header"),
    pytest.param(b"GET / HTTP/1.1\r\n\r\n", 400, "Hostname", "Invalid Hostname", id="no-host"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: bad host!\r\n\r\n", 400, "Hostname", "Invalid Hostname", id="bad-host"),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"x" * MAX_FIELD_LENGTH + b"\r\n\r\n",
        400,
        "FieldLength",
        "Header Field Too Long",
        id="field-length",
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 2000) for i in range(9)) + b"\r\n",
        400,
        "RequestLength",
        "Request Too Long",
        id="request-length",
    ),
    pytest.param(
        b"GET /" + b"u" * MAX_URL_BYTES + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414, "URL_Length", "URL Too Long", id="414"
    ),
    pytest.param(b"GET /" + b"s" * 261 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", "Invalid URL", id="segment"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\n\r\n", 411, "LengthRequired", "Length Required", id="411"),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "N/I", "Not Implemented", id="501"
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        "BadRequest",
        "Bad Request",
        id="smuggling-cl-te",
    ),
    pytest.param(b"GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505, "Version_N/S", "Version Not Supported", id="505"),
    # a head with bare LF line ends is a parse error to HTTP.sys (400), not an unsupported version
    pytest.param(b"GET / HTTP/1.1\nHost: a\n\n", 400, "BadRequest", "Bad Request", id="bare-lf"),
    # what HTTP.sys cannot canonicalise is its own 400 Invalid URL, before any site sees it
    pytest.param(b"GET /%C0%AF HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", "Invalid URL", id="overlong-utf8"),
    pytest.param(b"GET /a/../../x HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", "Invalid URL", id="climb"),
]


@pytest.mark.parametrize("data, status, reason, heading", CASES)
def test_listener_refusal(serve, data: bytes, status: int, reason: str, heading: str) -> None:
    srv = serve()
    (response,), closed = exchange(srv, data, check_close=True)
    assert response.status == status
    assert heading.encode() in response.body and b"HTTP Error %d." % status in response.body
    assert response.header("content-type") == "text/html; charset=us-ascii"
    assert response.header("connection") == "close" and closed
    (line,) = srv.httperr_lines()
    fields = _fields(line)
    assert (fields["sc-status"], fields["s-reason"], fields["c-ip"]) == (str(status), reason, "127.0.0.1")
    assert fields["s-port"] == str(srv.port)
    # the listener is unharmed: the next client is served
    (ok,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert ok.body == HELLO


def test_httperr_log_has_the_http_api_header_block(serve) -> None:
    srv = serve()
    exchange(srv, b"GARBAGE\r\n\r\n", check_close=True)
    assert len(srv.httperr_lines()) == 1  # (flushes the buffered writer)
    (path,) = srv.server.httperr_dir.glob("*.log")
    lines = path.read_text().splitlines()
    assert lines[0] == "#Software: Microsoft HTTP API 2.0"
    assert lines[3] == (
        "#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason"
        " s-queuename"
    )


def test_httperr_folder_is_under_the_server_root(serve, tmp_path) -> None:
    srv = serve()
    assert srv.server.httperr_dir == tmp_path / "logs" / "HTTPERR"


def test_refused_request_after_good_pipelined_ones_is_answered_last(serve) -> None:
    srv = serve()
    data = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nBREW / HTTP/1.1\r\n\r\n"
    responses, closed = exchange(srv, data, count=3, check_close=True)
    assert [r.status for r in responses] == [200, 200, 400] and closed


def test_head_request_refusal_has_no_body(serve) -> None:
    srv = serve()
    with srv.connect() as sock:
        sock.sendall(b"HEAD /" + b"s" * 300 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and body == b""


def test_error_page_lengths_match_http_sys(serve) -> None:
    # Content-Length values captured from HTTP.sys (iis-reference §4.5).
    srv = serve()
    (bad,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
    (length,), _ = exchange(srv, b"POST / HTTP/1.1\r\nHost: a\r\n\r\n")
    (big,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X: y\r\n" * 3000 + b"\r\n")
    assert (bad.header("content-length"), length.header("content-length"), big.header("content-length")) == (
        "311",
        "344",
        "346",
    )


def test_url_refused_by_the_pipeline_is_answered_and_logged_as_http_sys(serve) -> None:
    # The pipeline's defence in depth: a URL it cannot map raises ProtocolError (400, "URL"); the listener
    # answers HTTP.sys's page and writes the HTTPERR line (nothing logged it before).
    from w3py.errors import ProtocolError
    from w3py.testing.server import HandlerApp

    async def handler(request):
        raise ProtocolError("invalid URL", (400, 0), "URL")

    srv = serve(app=HandlerApp(handler))
    (response,), closed = exchange(srv, b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n", check_close=True)
    assert response.status == 400 and closed and b"Bad Request - Invalid URL" in response.body
    (line,) = srv.httperr_lines()
    assert " GET /x 400 1 URL " in line


def test_handler_exception_becomes_500_and_the_server_goes_on(serve) -> None:
    from w3py.testing.server import HandlerApp

    async def handler(request):
        raise RuntimeError("boom")

    srv = serve(app=HandlerApp(handler))
    (response,), closed = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", check_close=True)
    assert response.status == 500 and closed
    (again,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert again.status == 500


def test_response_header_with_crlf_is_not_written(serve) -> None:
    from w3py.protocol.messages import Response
    from w3py.testing.server import HandlerApp

    async def handler(request):
        return Response(302, headers=[(b"location", b"/x\r\nSet-Cookie: evil=1")])

    srv = serve(app=HandlerApp(handler))
    (response,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert response.status == 500 and response.header("set-cookie") is None


def test_connection_error_inside_a_handler_is_500_not_silence(serve) -> None:
    from w3py.testing.server import HandlerApp

    async def handler(request):
        raise ConnectionRefusedError("the backend is down")

    srv = serve(app=HandlerApp(handler))
    (response,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert response.status == 500


# --- verbs: HTTP.sys takes any token and leaves it to IIS; only a non-token verb is its own 400 ------------


def _echo_method_app():
    from w3py.protocol.messages import Response
    from w3py.testing.server import HandlerApp

    async def handler(request):
        body = request.method.encode() + b" " + request.target
        async for chunk in request.body:
            body += b" " + chunk
        return Response(200, body=body)

    return HandlerApp(handler)


def test_token_verbs_pipelined_with_known_ones_reach_the_application(serve) -> None:
    srv = serve(app=_echo_method_app())
    data = (
        b"DEBUG /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"GET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"get /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nBREW"
        b"BREW /4 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntea\r\n0\r\n\r\n"
    )
    responses, closed = exchange(srv, data, count=4, check_close=False)
    assert [r.body for r in responses] == [b"DEBUG /1", b"GET /2", b"get /3 BREW", b"BREW /4 tea"]
    assert srv.httperr_lines() == []


def test_verb_cut_across_packets_reaches_the_application(serve) -> None:
    import time

    srv = serve(app=_echo_method_app())
    with srv.connect() as sock:
        for piece in (b"TR", b"ACK /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"):
            sock.sendall(piece)
            time.sleep(0.05)  # let the server read the first piece on its own (not a timed assertion)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"\r\n\r\nTRACK /t")


def test_httperr_names_the_real_verb_of_a_refused_request(serve) -> None:
    srv = serve()
    (response,), _ = exchange(srv, b"BREW /pot HTTP/1.1\r\n\r\n", check_close=True)
    assert response.status == 400
    fields = _fields(srv.httperr_lines()[0])
    assert (fields["cs-method"], fields["cs-version"], fields["cs-uri"], fields["s-reason"]) == (
        "BREW", "HTTP/1.1", "/pot", "Hostname")


def test_non_token_verb_is_400_verb_with_no_request_line_logged(serve) -> None:
    srv = serve()
    (response,), closed = exchange(srv, b"BR@W / HTTP/1.1\r\nHost: a\r\n\r\n", check_close=True)
    assert response.status == 400 and b"Invalid Verb" in response.body and closed
    fields = _fields(srv.httperr_lines()[0])
    assert (fields["cs-method"], fields["cs-version"], fields["cs-uri"], fields["s-reason"]) == ("-", "-", "-", "Verb")


def test_verb_over_max_field_length_is_field_length_and_logged_cut_at_255(serve) -> None:
    srv = serve()
    verb = b"V" * (MAX_FIELD_LENGTH + 1)
    (response,), closed = exchange(srv, verb + b" / HTTP/1.1\r\nHost: a\r\n\r\n", check_close=True)
    assert response.status == 400 and b"Header Field Too Long" in response.body and closed
    fields = _fields(srv.httperr_lines()[0])
    assert (fields["cs-method"], fields["cs-version"], fields["cs-uri"], fields["s-reason"]) == (
        "V" * 255, "-", "-", "FieldLength")
    (ok,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert ok.body == HELLO
