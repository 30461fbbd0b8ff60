"""Rule 8 of server/connection.py: an application with ``eager = True`` is started right where the request was
read, with no task; an answer that waits for nothing is written at once, one that waits goes on in a task."""

from __future__ import annotations

import asyncio

from w3py.protocol.messages import Request, Response
from w3py.testing.server import HandlerApp, exchange, mock_connection


class EagerApp(HandlerApp):
    eager = True


def test_an_answer_that_waits_for_nothing_is_written_without_a_task() -> None:
    seen = []

    async def handler(request: Request) -> Response:
        seen.append(asyncio.current_task())
        return Response(200, body=request.path)

    async def main() -> bytes:
        conn, transport = mock_connection(app=EagerApp(handler))
        conn.data_received(b"GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n")
        written = bytes(transport.buffer)  # nothing awaited yet: both answers are already out
        assert not conn.busy
        conn.connection_lost(None)
        return written

    written = asyncio.run(main())
    assert written.count(b"HTTP/1.1 200 OK") == 2 and written.index(b"/a") < written.index(b"/b")
    assert len(seen) == 2


def test_an_answer_that_waits_goes_on_in_a_task_over_a_real_socket(serve) -> None:
    tasks: list = []

    async def handler(request: Request) -> Response:
        tasks.append(asyncio.current_task())  # started where the request was read: no task
        if request.path != b"/now":
            await asyncio.sleep({b"/slow": 0.05, b"/turn": 0}[request.path])
            tasks.append(asyncio.current_task())  # after its first wait: a task runs it
        return Response(200, body=request.path)

    srv = serve(app=EagerApp(handler))
    data = b"".join(b"GET %s HTTP/1.1\r\nHost: a\r\n\r\n" % p for p in (b"/slow", b"/now", b"/turn", b"/now"))
    responses, _ = exchange(srv, data, count=4)
    assert [r.body for r in responses] == [b"/slow", b"/now", b"/turn", b"/now"]
    assert tasks[0] is None and tasks[1] is not None  # /slow: eager, then in a task
    # requests read while a task answered were queued and answered by it, in order
    assert all(r.status == 200 for r in responses)


def test_a_streamed_body_that_waits_is_finished_by_a_task(serve) -> None:
    async def chunks():  # noqa: ANN202
        for part in (b"one ", b"two ", b"three"):
            await asyncio.sleep(0.01)
            yield part

    async def handler(request: Request) -> Response:
        return Response(200, body=chunks())

    srv = serve(app=EagerApp(handler))
    responses, closed = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
                                 count=2)
    assert [r.body for r in responses] == [b"one two three"] * 2


def test_a_handler_that_fails_eagerly_costs_only_its_answer(serve) -> None:
    async def handler(request: Request) -> Response:
        if request.path == b"/boom":
            raise RuntimeError("handler bug")
        return Response(200, body=b"ok")

    srv = serve(app=EagerApp(handler))
    (bad,), _ = exchange(srv, b"GET /boom HTTP/1.1\r\nHost: a\r\n\r\n")
    assert bad.status == 500
    (good,), _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert good.status == 200 and good.body == b"ok"


def test_a_request_with_a_body_gets_a_task_and_no_needless_100_continue() -> None:
    tasks = []

    async def handler(request: Request) -> Response:
        tasks.append(asyncio.current_task())
        return Response(200, body=await request.body.read())

    async def main() -> bytes:
        conn, transport = mock_connection(app=EagerApp(handler))
        # the body comes in the same read as the head: the handler finds it there and no 100 goes out
        conn.data_received(b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody")
        for _ in range(5):
            await asyncio.sleep(0)
        conn.connection_lost(None)
        return bytes(transport.buffer)

    main_task: list = []

    async def outer() -> bytes:
        main_task.append(asyncio.current_task())
        return await main()

    written = asyncio.run(outer())
    assert b"100 Continue" not in written and written.endswith(b"\r\n\r\nbody")
    assert tasks and tasks[0] is not main_task[0]  # answered by a task of its own, not eagerly


def test_each_eager_run_has_its_own_context_variables(serve) -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("w3py_test_eager", default="unset")
    seen = []

    async def handler(request: Request) -> Response:
        seen.append(var.get())
        var.set(request.path.decode())
        if request.path == b"/wait":
            await asyncio.sleep(0.01)
            seen.append(var.get())  # the task that took over keeps the run's context
        return Response(200)

    srv = serve(app=EagerApp(handler))
    data = b"".join(b"GET %s HTTP/1.1\r\nHost: a\r\n\r\n" % p for p in (b"/a", b"/wait", b"/b"))
    responses, _ = exchange(srv, data, count=3)
    assert [r.status for r in responses] == [200] * 3
    # /a and /wait started eagerly, each in a fresh copy; /b was queued behind /wait and answered by its task
    assert seen[:3] == ["unset", "unset", "/wait"]
