"""h11's invariant for our parser: any bytes either parse into events or raise ProtocolError, nothing else."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from w3py.errors import ProtocolError
from w3py.protocol.events import END_OF_MESSAGE, Data
from w3py.protocol.messages import Request
from w3py.protocol.parser import RequestParser

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
