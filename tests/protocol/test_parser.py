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


def test_every_field_of_the_request_built_positionally() -> None:
    """The parser builds Request with positional arguments: each field must get its own value."""
    from w3py.protocol.messages import EMPTY_BODY

    raw = b"PUT /u?q HTTP/1.0\r\nHost: h\r\nContent-Length: 2\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\nab"
    request = parse(raw)[0]
    assert (request.method, request.target, request.path, request.query, request.http_version) == (
        "PUT", b"/u?q", b"/u", b"q", "1.0")
    assert request.site is None and request.client == ("", 0) and request.server == ("", 0)
    assert request.tls is False and request.connection_id == 0 and request.body is EMPTY_BODY
    assert (request.content_length, request.chunked, request.expect_continue, request.keep_alive) == (2, False, False, True)
    assert request.head_bytes == len(raw) - 2 and request.host == "h"
    assert request.received_at > 0 and request.received_wall > 1e9


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
        pytest.param(b"BR(W / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Verb", id="separator-in-verb"),
        pytest.param(b"BR\x01W / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Verb", id="control-in-verb"),
        pytest.param(b"G\xc3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Verb", id="high-bit-in-verb"),
        pytest.param(b"GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Verb", id="tab-after-known-verb"),
        pytest.param(b"BREW / HTTP/1.1\r\n\r\n", 400, "Hostname", id="token-verb-reaches-host-check"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400, "Header", id="space-in-header-name"),
        pytest.param(b"GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="control-char-in-url"),
        pytest.param(b"GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="relative-target"),
        pytest.param(b"GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="escaped-nul"),
        pytest.param(b"GET /a%0d%0A HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="escaped-crlf"),
        pytest.param(b"GET /a%7f HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="escaped-del"),
        pytest.param(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "Version_N/S", id="http2-version"),
        pytest.param(b"GET / HTTP/1.1\nHost: a\n\n", 400, "BadRequest", id="bare-lf-head"),
        pytest.param(b"GET / HTTP/1.0\n\n", 400, "BadRequest", id="bare-lf-http10"),
        pytest.param(b"GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400, "BadRequest", id="junk-after-version"),
        pytest.param(b"GET /%C0%AF.txt HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="overlong-utf8"),
        pytest.param(b"GET /%E9.txt HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="invalid-utf8"),
        pytest.param(b"GET /\xe9.txt HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="raw-invalid-utf8"),
        pytest.param(b"GET /../a HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="climb-above-root"),
        pytest.param(b"GET /a/../.. HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="climb-to-above-root"),
        pytest.param(
            b"GET /a%2F..%2F..%2Fetc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="encoded-climb"
        ),
        pytest.param(b"GET /a\\..\\..\\x HTTP/1.1\r\nHost: a\r\n\r\n", 400, "URL", id="backslash-climb"),
        pytest.param(b"GET http://a/../x HTTP/1.1\r\n\r\n", 400, "URL", id="absolute-form-climb"),
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
        parser.feed(b"GET /ok HTTP/1.1\r\nHost: a\r\n\r\nBR@W / HTTP/1.1\r\n\r\n")
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


@pytest.mark.parametrize(
    "target",
    [
        b"/a/../b.txt", b"/a/%2e%2e/b", b"/a%2F..", b"/x..y/..z", b"/caf%C3%A9.txt", b"/%25C0%25AF",
        b"/a?x=%C0%AF&y=/../..",
    ],
)
def test_paths_that_canonicalise_inside_the_root_pass_unchanged(target: bytes) -> None:
    # Only what HTTP.sys cannot canonicalise is refused; the rest reaches the pipeline as sent (the query is
    # never decoded by the listener, and a second layer of escapes stays literal).
    request = parse(b"GET " + target + b" HTTP/1.1\r\nHost: a\r\n\r\n")[0]
    assert request.target == target


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


# --- verbs llhttp does not know: HTTP.sys takes any token and lets IIS decide ------------------------------


def requests_of(events: list) -> list[tuple[str, bytes]]:
    return [(e.method, e.target) for e in events if type(e) is Request]


@pytest.mark.parametrize("verb", [b"DEBUG", b"TRACK", b"BREW", b"get", b"Get", b"PLAY", b"X-MS-ENUMATTS", b"!#$%&'*+-.^_`|~9"])
def test_any_token_verb_is_passed_on_as_sent(verb: bytes) -> None:
    events = parse(verb + b" /a.txt?q HTTP/1.1\r\nHost: a\r\n\r\n")
    assert requests_of(events) == [(verb.decode(), b"/a.txt?q")] and events[-1] is END_OF_MESSAGE
    assert events[0].path == b"/a.txt" and events[0].keep_alive


def test_lower_case_get_is_not_get() -> None:
    # verbs are case-sensitive (request filtering's <verbs>, handler verb lists): 'get' is its own verb
    (request, _) = parse(b"get / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert request.method == "get"


def test_odd_verb_body_is_framed_by_content_length_and_chunking() -> None:
    events = parse(
        b"BREW /pot HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
        b"BREW /pot HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    )
    assert requests_of(events) == [("BREW", b"/pot")] * 2
    assert [r.content_length for r in events if type(r) is Request] == [5, None]
    assert body_of(events) == b"helloabc"


def test_odd_verb_cut_by_reads_waits_for_the_rest() -> None:
    parser = RequestParser()
    assert parser.feed(b"DEB") == [] and parser.in_head
    assert parser.feed(b"U") == [] and parser.in_head
    events = parser.feed(b"G /x HTTP/1.1\r\nHost: a\r\n\r\n")
    assert requests_of(events) == [("DEBUG", b"/x")]


def test_verb_cut_inside_a_known_prefix() -> None:
    # 'DE' is how DELETE starts: llhttp only refuses at the third byte, in the next read
    parser = RequestParser()
    events = parser.feed(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nDE")
    events += parser.feed(b"BUG /2 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert requests_of(events) == [("GET", b"/1"), ("DEBUG", b"/2")]


def test_odd_verb_byte_at_a_time_gives_the_same_events() -> None:
    data = b"TRACK /t HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokget /u HTTP/1.1\r\nHost: a\r\n\r\n"
    parser = RequestParser()
    events = []
    for i in range(len(data)):
        events += parser.feed(data[i : i + 1])
    assert requests_of(events) == [("TRACK", b"/t"), ("get", b"/u")] and body_of(events) == b"ok"


def test_pipelined_odd_verbs_between_known_ones() -> None:
    events = parse(
        b"POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nBREW"  # a body that looks like a verb
        b"BREW /2 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"get /4 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"DEBUG /5 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nGET"
    )
    assert requests_of(events) == [("POST", b"/1"), ("BREW", b"/2"), ("GET", b"/3"), ("get", b"/4"), ("DEBUG", b"/5")]
    assert body_of(events) == b"BREWGET"


def test_bad_verb_after_good_pipelined_odd_verbs_keeps_their_events() -> None:
    parser = RequestParser()
    with pytest.raises(ProtocolError) as info:
        parser.feed(b"BREW /1 HTTP/1.1\r\nHost: a\r\n\r\nBR<W /2 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert (info.value.status_hint, info.value.reason) == ((400, 0), "Verb")
    assert requests_of(info.value.events) == [("BREW", b"/1")]
    assert info.value.request_line is None  # HTTPERR: cs-method '-'


def test_odd_verb_after_connection_close_is_not_parsed() -> None:
    parser = RequestParser()
    events = parser.feed(b"BREW / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nDEBUG / HTTP/1.1\r\n\r\n")
    assert requests_of(events) == [("BREW", b"/")] and parser.finished


def test_refusal_of_an_odd_verb_request_names_the_real_verb() -> None:
    error = refused(b"BREW /pot HTTP/1.1\r\n\r\n")
    assert error.reason == "Hostname" and error.request_line == ("BREW", "1.1", b"/pot")


def test_odd_verb_keeps_the_time_its_first_byte_arrived() -> None:
    from w3py.core import clock

    parser = RequestParser()
    before = clock.CLOCK.monotonic()
    parser.feed(b"BR")
    (request, _) = parser.feed(b"EW / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert before <= request.received_at <= clock.CLOCK.monotonic()


def test_verb_longer_than_max_field_length_is_field_length() -> None:
    error = refused(b"B" * (MAX_FIELD_LENGTH + 1) + b" / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert (error.status_hint, error.reason) == ((400, 0), "FieldLength")
    method, version, target = error.request_line
    assert method == "B" * MAX_FIELD_LENGTH and (version, target) == ("", b"")  # HTTPERR: '-' for both


def test_verb_streamed_without_end_is_cut_at_max_field_length() -> None:
    parser = RequestParser()
    with pytest.raises(ProtocolError) as info:
        for _ in range(MAX_FIELD_LENGTH // 1000 + 2):
            parser.feed(b"B" * 1000)
    assert info.value.reason == "FieldLength"


def test_long_verb_within_both_limits_is_taken() -> None:
    verb = b"B" * 8000
    (request, _) = parse(verb + b" / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert request.method == verb.decode() and request.head_bytes > 8000


def test_verb_at_max_field_length_makes_the_head_too_long() -> None:
    # the verb alone is a legal field, but with the rest of the request line the head passes MaxRequestBytes
    assert refused(b"B" * MAX_FIELD_LENGTH + b" / HTTP/1.1\r\nHost: a\r\n\r\n").reason == "RequestLength"


def test_raw_utf8_after_an_odd_verb_is_percent_encoded_but_not_in_the_verb() -> None:
    (request, _) = parse(b"BREW /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert (request.method, request.path) == ("BREW", b"/caf%C3%A9")
    parser = RequestParser()
    parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nDE")
    with pytest.raises(ProtocolError) as info:  # high-bit bytes inside a verb cut by a read: still no token
        parser.feed(b"L\xc3\xa9TE / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert info.value.reason == "Verb"


def test_connect_is_unchanged() -> None:
    # CONNECT is llhttp's own (an upgrade): never replaced. Its authority-form target is HTTP.sys's 400 URL.
    error = refused(b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n")
    assert (error.reason, error.request_line) == ("URL", ("CONNECT", "1.1", b"a:443"))
    # ... and its lower-case spelling is just another verb, with a target no verb may have
    assert refused(b"connect a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n").reason == "URL"


def test_upgrade_on_an_odd_verb_still_ends_the_connection() -> None:
    parser = RequestParser()
    events = parser.feed(b"BREW / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\nBREW")
    assert requests_of(events) == [("BREW", b"/")] and not events[0].keep_alive and parser.finished


def test_odd_verb_pipelined_behind_a_large_upload_cut_into_reads() -> None:
    body = bytes(range(256)) * 1024  # 256 KB, more than the replay log keeps
    data = b"PUT /up HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    data += b"BREW /pot HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nBREW"
    parser = RequestParser()
    events = []
    for i in range(0, len(data), 10_000):
        events += parser.feed(data[i : i + 10_000])
    assert requests_of(events) == [("PUT", b"/up"), ("BREW", b"/pot")] and body_of(events) == body + b"BREW"


def test_odd_verb_behind_a_large_chunked_body_is_refused_not_misparsed() -> None:
    # the limitation: the replay log is dropped inside a long chunked body, so the verb cannot be located
    chunk = b"x" * 4096
    data = b"PUT /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    data += (b"1000\r\n" + chunk + b"\r\n") * 40 + b"0\r\n\r\nBREW / HTTP/1.1\r\nHost: a\r\n\r\n"
    parser = RequestParser()
    events = []
    with pytest.raises(ProtocolError) as info:
        for i in range(0, len(data), 10_000):
            events += parser.feed(data[i : i + 10_000])
    events += info.value.events
    assert info.value.reason == "Verb" and requests_of(events) == [("PUT", b"/up")]
    assert body_of(events) == chunk * 40
