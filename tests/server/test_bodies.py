"""Request bodies: Content-Length and chunked, Expect: 100-continue on the first read only, draining or
closing after a response that left the body unread, flow control on big uploads, bad chunk framing."""

from __future__ import annotations

import asyncio
import socket

import httpx

from w3py.errors import ProtocolError
from w3py.protocol.messages import Request, Response
from w3py.testing.server import HandlerApp, ResponseReader, exchange


async def echo(request: Request) -> Response:
    body = b""
    async for chunk in request.body:
        body += chunk
    return Response(200, body=b"%d:%s" % (len(body), body[:20]))


async def ignore_body(request: Request) -> Response:
    return Response(413, body=b"no thanks")


def test_content_length_body_is_read(serve) -> None:
    srv = serve(app=HandlerApp(echo))
    assert httpx.post(srv.url("/"), content=b"hello").text == "5:hello"


def test_chunked_body_is_read(serve) -> None:
    srv = serve(app=HandlerApp(echo))

    def parts():
        yield b"hel"
        yield b"lo"

    assert httpx.post(srv.url("/"), content=parts()).text == "5:hello"


def test_large_body_passes_through_flow_control(serve) -> None:
    async def slow_echo(request: Request) -> Response:
        total = 0
        while chunk := await request.body.read(4096):
            total += len(chunk)
            await asyncio.sleep(0)
        return Response(200, body=str(total).encode())

    srv = serve(app=HandlerApp(slow_echo))
    payload = b"x" * (4 * 1024 * 1024)
    assert httpx.post(srv.url("/"), content=payload, timeout=30).text == str(len(payload))


def test_100_continue_is_sent_on_the_first_read(serve) -> None:
    srv = serve(app=HandlerApp(echo))
    with srv.connect() as sock:
        sock.sendall(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        reader = ResponseReader(sock)
        interim = reader.read()
        assert interim.status == 100
        sock.sendall(b"body")
        assert reader.read().body == b"4:body"


def test_no_100_when_the_request_is_answered_without_reading(serve) -> None:
    srv = serve(app=HandlerApp(ignore_body))
    with srv.connect() as sock:
        sock.sendall(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        reader = ResponseReader(sock)
        response = reader.read()
        # the final status comes first, and the client that never sent its body is not kept waiting
        assert response.status == 413 and response.header("connection") == "close"
        assert reader.at_eof()


def test_small_unread_body_is_drained_and_the_connection_kept(serve) -> None:
    app = HandlerApp(ignore_body)
    srv = serve(app=app)
    data = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
    responses, _ = exchange(srv, data, count=2)
    assert [r.status for r in responses] == [413, 413]
    assert responses[0].header("connection") is None
    assert [r.path for r in app.requests] == [b"/", b"/next"]


def test_large_unread_body_closes_the_connection(serve) -> None:
    srv = serve(app=HandlerApp(ignore_body))
    with srv.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 1000)
        reader = ResponseReader(sock)
        response = reader.read()
        assert response.status == 413 and response.header("connection") == "close"
        assert reader.at_eof()


def test_unread_chunked_body_closes_the_connection(serve) -> None:
    srv = serve(app=HandlerApp(ignore_body))
    (response,), closed = exchange(
        srv, b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe", check_close=True
    )
    assert response.header("connection") == "close" and closed


def test_bad_chunk_framing_reaches_the_reader_as_protocol_error(serve) -> None:
    seen = []

    async def reader(request: Request) -> Response:
        try:
            await echo(request)
        except ProtocolError as exc:
            seen.append(exc.reason)
            raise
        return Response(200)

    srv = serve(app=HandlerApp(reader))
    (response,), closed = exchange(
        srv, b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nZZ\r\n", check_close=True
    )
    assert response.status == 400 and closed and seen == ["BadRequest"]
    (line,) = srv.httperr_lines()
    assert " POST / 400 1 BadRequest " in line


def test_client_that_disconnects_mid_body_gives_the_reader_connection_reset(serve) -> None:
    outcome = []

    async def reader(request: Request) -> Response:
        try:
            await echo(request)
            outcome.append("completed")
        except ConnectionResetError:
            outcome.append("reset")
        return Response(200, body=b"late")

    app = HandlerApp(reader)
    srv = serve(app=app)
    with srv.connect() as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly-part")
        sock.shutdown(socket.SHUT_WR)
        ResponseReader(sock).at_eof()
    for _ in range(100):
        if app.results:
            break
        srv.call(lambda: None)
    assert outcome == ["reset"]
