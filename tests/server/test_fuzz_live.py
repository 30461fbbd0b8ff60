"""Random bytes at a live listener: it never crashes, answers only well-formed responses (or nothing), and
keeps serving the next client."""

from __future__ import annotations

import socket

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w3py.testing.server import HELLO, ResponseReader, read_to_close, running_server, site

SEEDS = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
    b"HEAD / HTTP/1.0\r\n\r\n",
]

junk = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda seed, at, noise: seed[: at % (len(seed) + 1)] + noise + seed[at % (len(seed) + 1) :],
        st.sampled_from(SEEDS),
        st.integers(0, 200),
        st.binary(min_size=1, max_size=10),
    ),
)


def test_random_bytes_never_break_the_server(tmp_path) -> None:
    examples = 0
    with running_server(tmp_path, sites=[site(1, timeout_s=2.0)]) as srv:

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(junk)
        def check(data: bytes) -> None:
            nonlocal examples
            examples += 1
            with srv.connect() as sock:
                try:
                    sock.sendall(data)
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                received = read_to_close(sock)
                # nothing, or responses that start with a status line and a complete head
                assert received == b"" or (received.startswith(b"HTTP/1.1 ") and b"\r\n\r\n" in received)
                status = int(received[9:12]) if received else 0
                assert received == b"" or 100 <= status < 600
            with srv.connect() as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                assert ResponseReader(sock).read().body == HELLO

        check()
    assert examples >= 100  # hypothesis really drove the server


async def _echo_length(request):
    from w3py.protocol.messages import Response

    data = b""
    async for chunk in request.body:
        data += chunk
    return Response(200, body=b"%d" % len(data))


pipelines = st.builds(
    lambda parts: b"".join(parts),
    st.lists(st.one_of(st.sampled_from(SEEDS), st.binary(max_size=20)), max_size=6),
)


def test_random_pipelines_against_a_body_reading_app_never_break_the_server(tmp_path) -> None:
    from w3py.testing.server import HandlerApp

    examples = 0
    with running_server(tmp_path, sites=[site(1, timeout_s=2.0)], app=HandlerApp(_echo_length)) as srv:

        @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(pipelines, st.integers(1, 40))
        def check(data: bytes, piece: int) -> None:
            nonlocal examples
            examples += 1
            with srv.connect() as sock:
                try:  # in small pieces, so bodies and heads arrive split at random places
                    for i in range(0, len(data), piece):
                        sock.sendall(data[i : i + piece])
                    sock.shutdown(socket.SHUT_WR)
                    while sock.recv(65536):
                        pass
                except OSError:
                    pass
            with srv.connect() as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                assert ResponseReader(sock).read().body == b"0"

        check()
    assert examples >= 50
