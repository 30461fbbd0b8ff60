"""HTTPConnection on a mock transport (no socket): exact bytes under a frozen clock, HTTPERR entries."""

from __future__ import annotations

import asyncio

import pytest

from w3py.core import clock
from w3py.testing.server import ListSink, mock_connection

FROZEN = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT


@pytest.fixture
def frozen_clock():
    previous = clock.set_clock(clock.FixedClock(FROZEN))
    yield
    clock.set_clock(previous)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_response_bytes_under_a_frozen_clock(frozen_clock) -> None:
    async def main() -> bytes:
        conn, transport = mock_connection()
        conn.data_received(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        await settle()
        conn.connection_lost(None)
        return bytes(transport.buffer)

    assert asyncio.run(main()) == (
        b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: text/plain\r\n"
        b"Server: w3py/0.1.0\r\n"
        b"Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
        b"Content-Length: 13\r\n"
        b"\r\n"
        b"Hello, world!"
    )


def test_httperr_entry_fields_for_a_refusal(frozen_clock) -> None:
    async def main() -> list:
        sink = ListSink()
        conn, transport = mock_connection(httperr=sink)
        conn.data_received(b"GET /" + b"x" * 300 + b"?q=1 HTTP/1.1\r\nHost: a\r\n\r\n")
        await settle()
        conn.connection_lost(None)
        return sink.entries

    (entry,) = asyncio.run(main())
    assert (entry.c_ip, entry.c_port, entry.s_ip, entry.s_port) == ("127.0.0.1", 40000, "127.0.0.1", 80)
    assert (entry.cs_version, entry.cs_method, entry.cs_uri) == ("HTTP/1.1", "GET", "/" + "x" * 300 + "?q=1")
    assert (entry.sc_status, entry.s_siteid, entry.s_reason) == (400, None, "URL")


def test_reading_pauses_when_too_many_requests_wait() -> None:
    from w3py.protocol.messages import Response
    from w3py.server.flow_control import MAX_PIPELINED_REQUESTS
    from w3py.testing.server import HandlerApp

    async def main() -> tuple[bool, bool]:
        gate = asyncio.Event()

        async def slow(request):
            await gate.wait()
            return Response(200, body=b"ok")

        conn, transport = mock_connection(app=HandlerApp(slow))
        conn.data_received(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" * (MAX_PIPELINED_REQUESTS + 1))
        await settle()
        paused = transport.read_paused
        gate.set()
        await settle()
        for _ in range(10):
            await settle()
        resumed = not transport.read_paused
        conn.connection_lost(None)
        return paused, resumed

    assert asyncio.run(main()) == (True, True)
