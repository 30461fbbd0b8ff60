"""HTTP/1.1 over a real socket: keep-alive, pipelining, HEAD, HTTP/1.0, Connection: close, Date/Server."""

from __future__ import annotations

import asyncio
import email.utils

import h11
import httpx

from w3py.protocol.messages import Request, Response
from w3py.testing.server import HELLO, HandlerApp, ResponseReader, exchange, read_to_close


def test_keep_alive_serves_many_requests_on_one_connection(serve) -> None:
    async def handler(request: Request) -> Response:
        return Response(200, body=b"conn %d" % request.connection_id)

    srv = serve(app=HandlerApp(handler))
    with httpx.Client() as client:
        bodies = {client.get(srv.url(f"/{i}")).text for i in range(5)}
    assert len(bodies) == 1  # the same connection answered all five


def test_fixed_app_answers_with_date_and_server(serve) -> None:
    srv = serve()
    response = httpx.get(srv.url("/"))
    assert response.status_code == 200 and response.content == HELLO
    assert response.headers["server"].startswith("w3py/")
    assert email.utils.parsedate_to_datetime(response.headers["date"]).tzinfo is not None


def test_server_header_can_be_left_out(serve) -> None:
    async def handler(request: Request) -> Response:
        return Response(200, body=b"x", server_header=False)

    srv = serve(app=HandlerApp(handler))
    assert "server" not in httpx.get(srv.url("/")).headers


def test_server_header_from_the_pipeline_is_not_doubled(serve) -> None:
    async def handler(request: Request) -> Response:
        return Response(200, headers=[(b"server", b"Microsoft-IIS/10.0")], body=b"x")

    srv = serve(app=HandlerApp(handler))
    (response,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert [v for k, v in response.headers if k == "server"] == ["Microsoft-IIS/10.0"]


def test_pipelined_responses_come_back_in_request_order(serve) -> None:
    async def handler(request: Request) -> Response:
        # the first request is the slowest: a server answering out of order would send /3 first
        await asyncio.sleep({b"/1": 0.05, b"/2": 0.01, b"/3": 0}[request.path])
        return Response(200, body=request.path)

    srv = serve(app=HandlerApp(handler))
    data = b"".join(b"GET /%d HTTP/1.1\r\nHost: a\r\n\r\n" % i for i in (1, 2, 3))
    responses, _ = exchange(srv, data, count=3)
    assert [r.body for r in responses] == [b"/1", b"/2", b"/3"]


def test_many_pipelined_requests_beyond_the_queue_bound_are_all_answered(serve) -> None:
    srv = serve()
    count = 200
    data = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" * count
    responses, _ = exchange(srv, data, count=count)
    assert all(r.status == 200 and r.body == HELLO for r in responses)


def test_head_gets_headers_and_length_but_no_body(serve) -> None:
    srv = serve()
    with srv.connect() as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        reader = ResponseReader(sock)
        head = reader.read(head_only=True)
        assert head.status == 200 and head.header("content-length") == str(len(HELLO))
        # the next bytes on the wire are the second response, not a body
        assert reader.read().body == HELLO


def test_http10_request_is_answered_and_closed(serve) -> None:
    srv = serve()
    (response,), closed = exchange(srv, b"GET / HTTP/1.0\r\n\r\n", check_close=True)
    assert response.status == 200 and response.body == HELLO
    assert closed


def test_http10_keep_alive_is_honoured(serve) -> None:
    srv = serve()
    data = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" * 2
    responses, _ = exchange(srv, data, count=2)
    assert responses[0].header("connection") == "keep-alive"
    assert responses[1].body == HELLO


def test_connection_close_is_answered_then_closed(serve) -> None:
    srv = serve()
    (response,), closed = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", check_close=True)
    assert response.header("connection") == "close" and closed


def test_response_close_flag_closes_the_connection(serve) -> None:
    async def handler(request: Request) -> Response:
        return Response(200, body=b"bye", close=True)

    srv = serve(app=HandlerApp(handler))
    (response,), closed = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", check_close=True)
    assert response.header("connection") == "close" and closed


def test_no_body_statuses_carry_no_body(serve) -> None:
    async def handler(request: Request) -> Response:
        return Response(int(request.path[1:]), body=b"must not be sent")

    srv = serve(app=HandlerApp(handler))
    data = b"".join(b"GET /%d HTTP/1.1\r\nHost: a\r\n\r\n" % code for code in (204, 304, 200))
    responses, _ = exchange(srv, data, count=3)
    assert [r.status for r in responses] == [204, 304, 200]
    assert responses[0].header("content-length") is None
    assert responses[2].body == b"must not be sent"


def test_custom_reason_phrase(serve) -> None:
    async def handler(request: Request) -> Response:
        return Response(404, reason="Nope", body=b"")

    srv = serve(app=HandlerApp(handler))
    (response,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert (response.status, response.reason) == (404, "Nope")


def test_streamed_body_is_chunked_for_http11(serve) -> None:
    async def handler(request: Request) -> Response:
        async def parts():
            for piece in (b"one ", b"two ", b"three"):
                yield piece

        return Response(200, body=parts())

    srv = serve(app=HandlerApp(handler))
    response = httpx.get(srv.url("/"))
    assert response.headers["transfer-encoding"] == "chunked" and response.text == "one two three"


def test_streamed_body_to_http10_ends_with_the_connection(serve) -> None:
    async def handler(request: Request) -> Response:
        async def parts():
            yield b"a"
            yield b"b"

        return Response(200, body=parts())

    srv = serve(app=HandlerApp(handler))
    (response,), closed = exchange(srv, b"GET / HTTP/1.0\r\n\r\n", check_close=True)
    assert response.body == b"ab" and response.header("transfer-encoding") is None and closed


def test_file_body_is_sent_with_its_length(serve, tmp_path) -> None:
    path = tmp_path / "big.bin"
    payload = bytes(range(256)) * 4096  # 1 MiB, several write-buffer fills
    path.write_bytes(payload)

    async def handler(request: Request) -> Response:
        from w3py.protocol.messages import FileBody

        if request.path == b"/part":
            return Response(206, body=FileBody(str(path), offset=10, length=100))
        return Response(200, body=FileBody(str(path)))

    srv = serve(app=HandlerApp(handler))
    with httpx.Client() as client:
        whole = client.get(srv.url("/"))
        part = client.get(srv.url("/part"))
    assert whole.content == payload and whole.headers["content-length"] == str(len(payload))
    assert part.content == payload[10:110]


def test_h11_client_accepts_our_responses(serve) -> None:
    """An independent HTTP/1.1 implementation (h11) as the oracle for our framing."""
    srv = serve()
    conn = h11.Connection(h11.CLIENT)
    with srv.connect() as sock:
        for _ in range(3):
            sock.sendall(conn.send(h11.Request(method="GET", target="/", headers=[("Host", "a")])))
            sock.sendall(conn.send(h11.EndOfMessage()))
            body = b""
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    conn.receive_data(sock.recv(65536))
                elif isinstance(event, h11.Response):
                    assert event.status_code == 200
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
            assert body == HELLO
            conn.start_next_cycle()


def test_framing_headers_from_a_backend_are_recognised_in_any_case(serve) -> None:
    async def handler(request: Request) -> Response:
        # as a proxied or FastCGI backend might spell them; the declared length is wrong on purpose
        return Response(200, headers=[(b"Content-Length", b"999"), (b"Server", b"backend")], body=b"four")

    srv = serve(app=HandlerApp(handler))
    data = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" * 2
    responses, _ = exchange(srv, data, count=2)
    for response in responses:
        assert [v for k, v in response.headers if k == "content-length"] == ["4"]
        assert [v for k, v in response.headers if k == "server"] == ["backend"]
        assert response.body == b"four"


def test_head_keeps_the_length_the_pipeline_declared(serve) -> None:
    async def handler(request: Request) -> Response:
        return Response(200, headers=[(b"content-length", b"1234")], body=b"")

    srv = serve(app=HandlerApp(handler))
    with srv.connect() as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert ResponseReader(sock).read(head_only=True).header("content-length") == "1234"


def test_connection_close_from_the_pipeline_closes(serve) -> None:
    async def handler(request: Request) -> Response:
        return Response(200, headers=[(b"Connection", b"close")], body=b"x")

    srv = serve(app=HandlerApp(handler))
    (response,), closed = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", check_close=True)
    assert [v for k, v in response.headers if k == "connection"] == ["close"] and closed


def test_large_file_to_a_slow_reader_arrives_whole(serve, tmp_path) -> None:
    import socket as socketlib
    import time

    from w3py.protocol.messages import FileBody

    path = tmp_path / "large.bin"
    payload = bytes(range(251)) * (8 * 1024 * 1024 // 251)
    path.write_bytes(payload)

    async def handler(request: Request) -> Response:
        return Response(200, body=FileBody(str(path)))

    srv = serve(app=HandlerApp(handler))
    with srv.connect() as sock:
        sock.setsockopt(socketlib.SOL_SOCKET, socketlib.SO_RCVBUF, 65536)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        time.sleep(0.2)  # let the server fill the socket and fall back to the transport
        reader = ResponseReader(sock)
        first, second = reader.read(), reader.read()
    assert first.body == payload and second.body == payload


def test_body_stream_that_fails_midway_cuts_the_connection(serve) -> None:
    async def handler(request: Request) -> Response:
        async def broken():
            yield b"partial"
            raise RuntimeError("backend went away")

        if request.path == b"/ok":
            return Response(200, body=b"fine")
        return Response(200, body=broken())

    app = HandlerApp(handler)
    srv = serve(app=app)
    with srv.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        data = read_to_close(sock)
    assert data.startswith(b"HTTP/1.1 200") and not data.endswith(b"0\r\n\r\n")  # no terminating chunk
    (result,) = app.results
    assert result.completed is False
    (again,), _ = exchange(srv, b"GET /ok HTTP/1.1\r\nHost: a\r\n\r\n")
    assert again.body == b"fine"


def test_missing_file_body_is_500(serve, tmp_path) -> None:
    from w3py.protocol.messages import FileBody

    async def handler(request: Request) -> Response:
        return Response(200, body=FileBody(str(tmp_path / "gone.bin")))

    srv = serve(app=HandlerApp(handler))
    (response,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert response.status == 500
