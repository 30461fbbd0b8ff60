"""The ASGI app uvicorn serves in bench/engine_hello.py: the same 13-byte response as w3py's fixed app."""

BODY = b"Hello, world!"
START = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
MESSAGE = {"type": "http.response.body", "body": BODY}


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send(START)
    await send(MESSAGE)
