"""503.2: IIS Web Core refuses a request at BEGIN_REQUEST when the application already has
``system.webServer/serverRuntime/@appConcurrentRequestLimit`` requests in progress (reference §1.11, §5).

A request is in progress from its arrival until its response has been sent: a client that does not read a
large file keeps its request counted."""

from __future__ import annotations

import socket
import time

import httpx

from w3py.testing.live_site import live_site
from w3py.testing.w3c_log import parse_w3c

BIG = b"x" * (8 * 1024 * 1024)  # far more than the socket buffers hold


def _stalled_download(port: int) -> socket.socket:
    """A GET for the big file whose client reads nothing, so that its response cannot finish."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: localhost\r\nUser-Agent: stalled\r\n\r\n")
    return sock


def _wait_for(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_request_over_the_concurrent_limit_is_503_2_until_the_first_finishes(tmp_path) -> None:
    locations = ('<location path="Default Web Site"><system.webServer>'
                 '<serverRuntime appConcurrentRequestLimit="1" /></system.webServer></location>')
    with live_site(tmp_path, files={"a.txt": "hello", "big.bin": BIG}, locations=locations) as site:
        stalled = _stalled_download(site.port)
        try:
            stalled.recv(1)  # the response has started: the request is in progress
            with httpx.Client() as client:
                refused = client.get(site.url("/a.txt"), headers={"User-Agent": "second"})
                assert refused.status_code == 503
                # a loopback client gets the detailed page (DetailedLocalOnly): IIS Web Core at BeginRequest
                assert b"HTTP Error 503.2" in refused.content
                assert b"IIS Web Core" in refused.content and b"BeginRequest" in refused.content
            # the stalled client takes the rest: its request ends, the application has room again
            stalled.settimeout(10)
            got = 1
            while got < len(BIG):
                chunk = stalled.recv(1 << 20)
                assert chunk
                got += len(chunk)
        finally:
            stalled.close()
        with httpx.Client() as client:
            _wait_for(lambda: client.get(site.url("/a.txt"), headers={"User-Agent": "third"}).status_code == 200,
                      "the limit to free up")
        site.flush_logs()
        (path,) = site.log_files()
        rows = [r for r in parse_w3c(path).rows]
    by_agent = {r["cs(User-Agent)"]: r for r in rows}
    assert (by_agent["second"]["sc-status"], by_agent["second"]["sc-substatus"]) == ("503", "2")
    assert (by_agent["stalled"]["sc-status"], by_agent["stalled"]["sc-substatus"]) == ("200", "0")
    assert by_agent["third"]["sc-status"] == "200"


def test_default_limit_lets_concurrent_requests_through(tmp_path) -> None:
    with live_site(tmp_path, files={"a.txt": "hello", "big.bin": BIG}) as site:
        stalled = _stalled_download(site.port)
        try:
            stalled.recv(1)
            assert httpx.get(site.url("/a.txt")).status_code == 200
        finally:
            stalled.close()


def test_a_request_that_fails_below_the_engine_is_not_left_counted(tmp_path, monkeypatch) -> None:
    """An unexpected error between admission and the response (here: the response cache's store) must not
    leave the request counted, or a limit of 1 would refuse every later request with 503.2."""
    from w3py.pipeline.cache import ResponseCache

    locations = ('<location path="Default Web Site"><system.webServer>'
                 '<serverRuntime appConcurrentRequestLimit="1" /></system.webServer></location>')
    with live_site(tmp_path, files={"a.txt": "hello"}, locations=locations) as site:
        calls = {"n": 0}
        original = ResponseCache.store

        def failing_store(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("simulated bug in the response cache")
            return original(self, *args, **kwargs)

        monkeypatch.setattr(ResponseCache, "store", failing_store)
        with httpx.Client() as client:
            assert client.get(site.url("/a.txt")).status_code == 500  # the listener's answer to the bug
        with httpx.Client() as client:
            assert client.get(site.url("/a.txt")).status_code == 200
        assert site.app._running == {}
