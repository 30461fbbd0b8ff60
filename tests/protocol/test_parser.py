"""The sans-I/O request parser: events for good bytes, ProtocolError (status, HTTPERR reason) for bad ones."""

from __future__ import annotations

import pytest

from w3py.errors import ProtocolError
from w3py.protocol.events import END_OF_MESSAGE, Data
from w3py.protocol.limits import MAX_FIELD_LENGTH, MAX_REQUEST_BYTES, MAX_URL_BYTES, URL_SEGMENT_MAX_LENGTH
from w3py.protocol.messages import Request
from w3py.protocol.parser import RequestParser


def parse(data: bytes) -> list:
    return RequestParser().feed(data)


def refused(data: bytes | list[bytes]) -> ProtocolError:
    parser = RequestParser()
    with pytest.raises(ProtocolError) as info:
        for piece in [data] if isinstance(data, bytes) else data:
            parser.feed(piece)
    return info.value


def body_of(events: list) -> bytes:
    return b"".join(e.data for e in events if type(e) is Data)


def test_simple_get() -> None:
    events = parse(b"GET /a/b?x=1 HTTP/1.1\r\nHost: Example.COM:8080\r\nUser-Agent: t\r\n\r\n")
    assert len(events) == 2 and events[1] is END_OF_MESSAGE
    request = events[0]
    assert isinstance(request, Request)
    assert (request.method, request.target, request.path, request.query) == ("GET", b"/a/b?x=1", b"/a/b", b"x=1")
    assert request.http_version == "1.1" and request.keep_alive
    assert request.host == "example.com"
    assert request.headers == [(b"host", b"Example.COM:8080"), (b"user-agent", b"t")]
    assert request.head_bytes == len(b"GET /a/b?x=1 HTTP/1.1\r\nHost: Example.COM:8080\r\nUser-Agent: t\r\n\r\n")


def test_pipelined_requests_in_one_feed_come_out_in_order() -> None:
    events = parse(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert [e.path for e in events if type(e) is Request] == [b"/1", b"/2"]


def test_byte_at_a_time_gives_the_same_events() -> None:
    data = b"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    parser = RequestParser()
    events = []
    for i in range(len(data)):
        events += parser.feed(data[i : i + 1])
    assert type(events[0]) is Request and events[0].content_length == 5
    assert body_of(events) == b"hello" and events[-1] is END_OF_MESSAGE


def test_chunked_body_is_dechunked() -> None:
    events = parse(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    assert events[0].chunked and events[0].content_length is None
    assert body_of(events) == b"hello world"


def test_http10_defaults_to_close_and_may_ask_for_keep_alive() -> None:
    assert not parse(b"GET / HTTP/1.0\r\n\r\n")[0].keep_alive
    assert parse(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")[0].keep_alive


def test_http10_without_host_is_allowed() -> None:
    assert parse(b"GET / HTTP/1.0\r\n\r\n")[0].host == ""


def test_connection_close_ends_parsing() -> None:
    parser = RequestParser()
    events = parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\n\r\n")
    assert [e.path for e in events if type(e) is Request] == [b"/"]
    assert parser.finished
    assert parser.feed(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n") == []


def test_expect_100_continue_is_flagged() -> None:
    request = parse(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")[0]
    assert request.expect_continue


def test_absolute_form_target_names_the_host() -> None:
    request = parse(b"GET http://Other.example:81/p?q HTTP/1.1\r\nHost: a\r\n\r\n")[0]
    assert (request.host, request.path, request.query) == ("other.example", b"/p", b"q")


def test_ipv6_host_literal() -> None:
    assert parse(b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")[0].host == "[::1]"


# --- refusals: (status, substatus) and HTTPERR s-reason --------------------------------------------------


@pytest.mark.parametrize(
    "data, status, reason",
    [
        pytest.param(b"GET / HTTP/1.1\r\n\r\n", 400, "Hostname", id="http11-without-host"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "Hostname", id="host-with-space"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "Hostname", id="host-with-slash"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n", 400, "Hostname", id="host-port-out-of-range"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Hostname", id="two-hosts"),
        pytest.param(b"BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Verb", id="unknown-verb"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400, "Header", id="space-in-header-name"),
        pytest.param(b"GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="control-char-in-url"),
        pytest.param(b"GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="relative-target"),
        pytest.param(b"GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="escaped-nul"),
        pytest.param(b"GET /a%0d%0A HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="escaped-crlf"),
        pytest.param(b"GET /a%7f HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="escaped-del"),
        pytest.param(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "Version_N/S", id="http2-version"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            400,
            "BadRequest",
            id="content-length-and-chunked",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            400,
            None,
            id="two-content-lengths",
        ),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400, "Number", id="bad-length"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "N/I", id="unknown-coding"
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            501,
            "N/I",
            id="coding-before-chunked",
        ),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\n\r\n", 411, "LengthRequired", id="post-without-length"),
        pytest.param(b"PUT / HTTP/1.0\r\n\r\n", 411, "LengthRequired", id="put-http10-without-length"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, None, id="bad-chunk-size"
        ),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400, None, id="bare-lf"),
    ],
)
def test_refusals(data: bytes, status: int, reason: str | None) -> None:
    error = refused(data)
    assert error.status_hint == (status, 0)
    if reason is not None:
        assert error.reason == reason


def test_header_field_over_max_field_length() -> None:
    error = refused(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * MAX_FIELD_LENGTH + b"\r\n\r\n")
    assert (error.status_hint, error.reason) == ((400, 0), "FieldLength")


def test_header_field_at_the_limit_is_not_a_field_length_error() -> None:
    # name + value of exactly MaxFieldLength passes the field check; the whole head is then over
    # MaxRequestBytes (both are 16 KB), which is the error HTTP.sys reports.
    value = b"a" * (MAX_FIELD_LENGTH - len(b"X-Big"))
    error = refused(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + value + b"\r\n\r\n")
    assert error.reason == "RequestLength"


def test_large_header_within_both_limits_is_accepted() -> None:
    value = b"a" * (MAX_REQUEST_BYTES - 100)
    assert parse(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + value + b"\r\n\r\n")[0].header(b"x-big") == value


def test_headers_over_max_request_bytes() -> None:
    headers = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 1000) for i in range(17))
    error = refused(b"GET / HTTP/1.1\r\nHost: a\r\n" + headers + b"\r\n")
    assert (error.status_hint, error.reason) == ((400, 0), "RequestLength")


def test_unfinished_header_streamed_in_pieces_is_cut_at_max_request_bytes() -> None:
    # One header value that never ends: llhttp would buffer it forever; the raw-byte guard stops it.
    pieces = [b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: "] + [b"a" * 1000] * (MAX_REQUEST_BYTES // 1000 + 2)
    error = refused(pieces)
    assert error.reason in ("RequestLength", "FieldLength")


def test_url_over_16k_is_414() -> None:
    error = refused(b"GET /" + b"a/" * (MAX_URL_BYTES // 2) + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    assert (error.status_hint, error.reason) == ((414, 0), "URL_Length")


def test_url_segment_over_260_characters_is_400_url() -> None:
    error = refused(b"GET /" + b"s" * (URL_SEGMENT_MAX_LENGTH + 1) + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    assert (error.status_hint, error.reason) == ((400, 0), "URL")


def test_url_segment_of_260_characters_is_accepted() -> None:
    assert parse(b"GET /" + b"s" * URL_SEGMENT_MAX_LENGTH + b" HTTP/1.1\r\nHost: a\r\n\r\n")[0]


def test_segment_length_counts_decoded_characters() -> None:
    # 200 percent-encoded bytes are 600 raw characters but only 200 decoded ones.
    assert parse(b"GET /" + b"%41" * 200 + b" HTTP/1.1\r\nHost: a\r\n\r\n")[0]


def test_too_many_segments_is_400_url() -> None:
    error = refused(b"GET " + b"/a" * 256 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    assert (error.status_hint, error.reason) == ((400, 0), "URL")


def test_events_before_an_error_are_kept_and_the_parser_stays_poisoned() -> None:
    parser = RequestParser()
    with pytest.raises(ProtocolError) as info:
        parser.feed(b"GET /ok HTTP/1.1\r\nHost: a\r\n\r\nBREW / HTTP/1.1\r\n\r\n")
    assert [e.path for e in info.value.events if type(e) is Request] == [b"/ok"]
    with pytest.raises(ProtocolError):
        parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert parser.finished


def test_upgrade_request_is_answered_plainly_and_ends_the_connection() -> None:
    parser = RequestParser()
    events = parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x00")
    assert type(events[0]) is Request and not events[0].keep_alive and events[-1] is END_OF_MESSAGE
    assert parser.finished


def test_in_head_tracks_a_partial_head() -> None:
    parser = RequestParser()
    parser.feed(b"GET / HTTP/1.1\r\nHo")
    assert parser.in_head
    parser.feed(b"st: a\r\n\r\n")
    assert not parser.in_head


def test_escaped_printable_characters_and_query_controls_are_left_to_the_pipeline() -> None:
    request = parse(b"GET /a%20b%2F%7e?x=%00 HTTP/1.1\r\nHost: a\r\n\r\n")[0]
    assert request.path == b"/a%20b%2F%7e" and request.query == b"x=%00"


def test_raw_utf8_in_the_request_target_is_taken_percent_encoded() -> None:
    # HTTP.sys: EnableNonUTF8=1, FavorUTF8=1 (curl and scripts send UTF-8 unescaped)
    request = parse(b"GET /caf\xc3\xa9.txt?q=\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n")[0]
    assert (request.path, request.query) == (b"/caf%C3%A9.txt", b"q=%C3%A9")


def test_raw_utf8_request_line_cut_by_a_read() -> None:
    parser = RequestParser()
    events = parser.feed(b"GET /caf\xc3") + parser.feed(b"\xa9.txt HTTP/1.1\r\nHost: a\r\n\r\n")
    assert events[0].path == b"/caf%C3%A9.txt"


def test_high_bit_bytes_outside_the_request_line_are_left_alone() -> None:
    parser = RequestParser()
    events = parser.feed(b"POST / HTTP/1.1\r\n") + parser.feed(
        b"X-Name: caf\xc3\xa9\r\nHost: a\r\nContent-Length: 2\r\n\r\n\xff\xfe"
    )
    assert events[0].header(b"x-name") == b"caf\xc3\xa9"
    assert body_of(events) == b"\xff\xfe"
