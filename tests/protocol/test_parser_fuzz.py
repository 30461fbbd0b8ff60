"""h11's invariant for our parser: any bytes either parse into events or raise ProtocolError, nothing else."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from w3py.errors import ProtocolError
from w3py.protocol.events import END_OF_MESSAGE, Data
from w3py.protocol.messages import Request
from w3py.protocol.parser import BODY_METHODS, RequestParser

VALID = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /p?q HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    b"PUT /x HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
]


def _check(pieces: list[bytes]) -> None:
    parser = RequestParser()
    for piece in pieces:
        try:
            events = parser.feed(piece)
        except ProtocolError as exc:
            assert isinstance(exc.status_hint, tuple) and exc.reason
            return
        for event in events:
            assert type(event) in (Request, Data) or event is END_OF_MESSAGE


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=5))
def test_random_bytes_only_give_events_or_protocol_error(pieces: list[bytes]) -> None:
    _check(pieces)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(VALID), st.integers(0, 200), st.binary(min_size=1, max_size=8), st.integers(1, 50))
def test_mutated_requests_only_give_events_or_protocol_error(base: bytes, at: int, junk: bytes, split: int) -> None:
    at = at % (len(base) + 1)
    data = base[:at] + junk + base[at:]
    _check([data[:split], data[split:]])


# --- verbs: any RFC 9110 token reaches IIS, anything else is 400 Verb ---------------------------------------

TCHARS = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Verbs with meanings of their own to llhttp: CONNECT (an authority-form tunnel) and PRI (the HTTP/2 preface).
SPECIAL_VERBS = {b"CONNECT", b"PRI"}
token_verbs = st.binary(min_size=1, max_size=24).map(lambda raw: bytes(TCHARS[b % len(TCHARS)] for b in raw)).filter(
    lambda verb: verb not in SPECIAL_VERBS
)
bodies = st.one_of(st.just(None), st.binary(max_size=20))


def _message(verb: bytes, target: bytes, body: bytes | None, chunked: bool) -> bytes:
    head = verb + b" " + target + b" HTTP/1.1\r\nHost: a\r\n"
    if body is None and verb.decode("latin-1") in BODY_METHODS:
        body = b""  # these need a length (411 without one)
    if body is None:
        return head + b"\r\n"
    if chunked:
        framed = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + framed
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def _pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


def _run(pieces: list[bytes]) -> list:
    parser = RequestParser()
    events: list = []
    for piece in pieces:
        events += parser.feed(piece)
    return events


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.one_of(token_verbs, st.sampled_from([b"GET", b"POST", b"get", b"DEBUG"])), bodies,
                       st.booleans()), min_size=1, max_size=4),
    st.lists(st.integers(0, 2000), max_size=6),
)
def test_token_verbs_pipelined_and_cut_anywhere_reach_the_pipeline_as_sent(messages, cuts) -> None:
    data = b"".join(_message(verb, b"/%d" % i, body, chunked) for i, (verb, body, chunked) in enumerate(messages))
    expected_bodies = b"".join(body or b"" for _, body, _ in messages)
    for pieces in ([data], _pieces(data, cuts)):
        events = _run(pieces)
        requests = [(e.method, e.target) for e in events if type(e) is Request]
        assert requests == [(verb.decode(), b"/%d" % i) for i, (verb, _, _) in enumerate(messages)]
        assert b"".join(e.data for e in events if type(e) is Data) == expected_bodies
        assert sum(1 for e in events if e is END_OF_MESSAGE) == len(messages)


@settings(max_examples=300, deadline=None)
@given(
    token_verbs,
    st.integers(0, 23),
    st.sampled_from([b"(", b")", b",", b"/", b":", b";", b"<", b"=", b">", b"?", b"@", b"[", b"\\", b"]", b"{",
                     b"}", b'"', b"\t", b"\x00", b"\x01", b"\x7f", b"\x80", b"\xc3\xa9", b"\r", b"\n"]),
    st.lists(st.integers(0, 200), max_size=3),
)
def test_a_verb_with_a_non_token_byte_is_400_verb_after_the_good_requests(verb, at, bad, cuts) -> None:
    at = at % (len(verb) + 1)
    if bad in (b"\r", b"\n") and at == 0:
        at = 1  # empty lines before a request line are skipped, as HTTP.sys does
    odd = verb[:at] + bad + verb[at:]
    data = _message(b"GET", b"/ok", None, False) + _message(odd, b"/bad", None, False)
    parser = RequestParser()
    events: list = []
    try:
        for piece in _pieces(data, cuts):
            events += parser.feed(piece)
    except ProtocolError as exc:
        events += exc.events
        assert (exc.status_hint, exc.reason) == ((400, 0), "Verb"), exc
    else:
        raise AssertionError(f"{odd!r} was taken as a verb")
    assert [(e.method, e.target) for e in events if type(e) is Request] == [("GET", b"/ok")]
