"""limits/@connectionTimeout timers (HTTPERR Timer_*), and clients that go away mid-request or mid-response
(on_complete called once, completed=False). The sites here use a 0.3 s timeout."""

from __future__ import annotations

import asyncio
import socket
import time

from w3py.protocol.messages import Request, Response
from w3py.testing.server import HELLO, HandlerApp, ResponseReader, site

TIMEOUT_S = 0.3


def reasons(srv) -> list[str]:
    return [line.split(" ")[-2] for line in srv.httperr_lines()]


def wait_for(predicate, limit_s: float = 5.0) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_idle_connection_is_closed_with_timer_connection_idle(serve) -> None:
    srv = serve(sites=[site(1, timeout_s=TIMEOUT_S)])
    with srv.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        reader = ResponseReader(sock)
        assert reader.read().body == HELLO
        assert reader.at_eof()  # nothing more sent: the idle timer closes it
    wait_for(lambda: reasons(srv))
    assert reasons(srv) == ["Timer_ConnectionIdle"]


def test_connection_that_never_sends_is_closed(serve) -> None:
    srv = serve(sites=[site(1, timeout_s=TIMEOUT_S)])
    with srv.connect() as sock:
        assert ResponseReader(sock).at_eof()
    wait_for(lambda: reasons(srv))
    assert reasons(srv) == ["Timer_ConnectionIdle"]


def test_slow_headers_are_cut_with_timer_header_wait(serve) -> None:
    srv = serve(sites=[site(1, timeout_s=TIMEOUT_S)])
    with srv.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")
        # trickling more header bytes does not restart the header-wait timer
        reader = ResponseReader(sock)
        closed = False
        for _ in range(20):
            try:
                sock.sendall(b"X: y\r\n")
            except OSError:
                closed = True
                break
            time.sleep(TIMEOUT_S / 5)
        assert closed or reader.at_eof()
    wait_for(lambda: reasons(srv))
    assert reasons(srv) == ["Timer_HeaderWait"]


def test_body_that_stops_coming_is_cut_with_timer_entity_body(serve) -> None:
    outcome = []

    async def reader(request: Request) -> Response:
        try:
            while await request.body.read():
                pass
        except ConnectionResetError:
            outcome.append("reset")
        return Response(200)

    srv = serve(sites=[site(1, timeout_s=TIMEOUT_S)], app=HandlerApp(reader))
    with srv.connect() as sock:
        sock.sendall(b"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        assert ResponseReader(sock).at_eof()
    wait_for(lambda: reasons(srv))
    assert outcome == ["reset"]
    assert reasons(srv)[0] == "Timer_EntityBody"
    assert " POST /up - 1 Timer_EntityBody " in srv.httperr_lines()[0]


def test_slow_handler_is_not_cut_by_the_connection_timer(serve) -> None:
    async def slow(request: Request) -> Response:
        await asyncio.sleep(TIMEOUT_S * 2)
        return Response(200, body=b"done")

    srv = serve(sites=[site(1, timeout_s=TIMEOUT_S)], app=HandlerApp(slow))
    with srv.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert ResponseReader(sock).read().body == b"done"


def test_on_complete_reports_bytes_once(serve) -> None:
    app = HandlerApp(lambda_ok)
    srv = serve(app=app)
    with srv.connect() as sock:
        request = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        sock.sendall(request)
        ResponseReader(sock).read()
    wait_for(lambda: app.results)
    (result,) = app.results
    assert result.completed and result.bytes_received == len(request) and result.bytes_sent > len(b"ok")


async def lambda_ok(request: Request) -> Response:
    return Response(200, body=b"ok")


def test_client_gone_mid_response_completes_false_once(serve) -> None:
    async def endless(request: Request) -> Response:
        async def forever():
            while True:
                yield b"x" * 65536
                await asyncio.sleep(0)

        return Response(200, body=forever())

    app = HandlerApp(endless)
    srv = serve(app=app)
    sock = srv.connect()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    sock.recv(100)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
    sock.close()
    wait_for(lambda: app.results)
    time.sleep(0.05)  # room for a (wrong) second call to show up
    assert len(app.results) == 1 and app.results[0].completed is False
    # the server goes on
    with srv.connect() as again:
        again.sendall(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert ResponseReader(again).read(head_only=True).status == 200


def test_client_that_stops_reading_is_cut_with_min_bytes_timer(serve) -> None:
    async def big(request: Request) -> Response:
        async def lots():
            for _ in range(10_000):
                yield b"x" * 65536

        return Response(200, body=lots())

    app = HandlerApp(big)
    srv = serve(sites=[site(1, timeout_s=TIMEOUT_S)], app=app)
    with srv.connect() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        wait_for(lambda: app.results)
    assert app.results and app.results[0].completed is False
    assert "Timer_MinBytesPerSecond" in reasons(srv)


def test_graceful_stop_still_answers_a_connection_that_had_not_sent_its_request(serve) -> None:
    srv = serve()
    with srv.connect() as fresh, srv.connect() as used:
        used.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        used_reader = ResponseReader(used)
        assert used_reader.read().status == 200
        wait_for(lambda: len(srv.call(lambda: srv.server.connections)) == 2)
        stopping = asyncio.run_coroutine_threadsafe(srv.server.stop(5), srv.loop)
        wait_for(lambda: srv.call(lambda: srv.server._state.stopping))
        # the idle keep-alive connection is closed at once ...
        assert used_reader.at_eof()
        # ... the fresh one may still send its first request, answered with Connection: close
        fresh.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        reader = ResponseReader(fresh)
        response = reader.read()
        assert response.body == HELLO and response.header("connection") == "close"
        assert reader.at_eof()
        stopping.result(10)
