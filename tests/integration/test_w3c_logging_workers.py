"""The W3C log under ``w3py serve`` with several worker processes: lines from different processes never
interleave, each file has one header block, and a graceful stop (SIGTERM) writes every buffered line."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from w3py.logs.reader import read_log
from w3py.testing.live_site import site_root
from w3py.testing.w3c_log import parse_w3c

pytestmark = pytest.mark.slow
import w3py.process.supervisor  # noqa: F401,E402 - fail, never skip, if the process model is missing

REQUESTS = 1000
# Connections in flight at once: all of them, when the open-files limit allows (it is raised to the hard limit
# for this process; a few descriptors are kept for the test itself).
CONCURRENCY = REQUESTS
FD_RESERVE = 64


def _allow_connections(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < target:
        new = target if hard == resource.RLIM_INFINITY else min(target, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return wanted if soft == resource.RLIM_INFINITY else max(1, min(wanted, soft - FD_RESERVE))


def start(root: Path, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("W3PY_ROOT", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "w3py", "serve", "--config", str(root / "config" / "applicationHost.config"),
         "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/__w3py_probe__", timeout=5)
            return proc
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(proc.communicate()) from None
            time.sleep(0.05)


def stop(proc: subprocess.Popen) -> tuple[int, str, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    if not path.exists():
        return []
    return [int(p) for p in path.read_text().split()]


async def fire(port: int, count: int) -> list[bytes]:
    """``count`` requests over as many connections, ``CONCURRENCY`` at a time; each returns its status line."""
    gate = asyncio.Semaphore(_allow_connections(CONCURRENCY))

    async def one(i: int) -> bytes:
        async with gate:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(f"GET /page.htm?i={i} HTTP/1.1\r\nHost: w\r\nUser-Agent: load {i}\r\n"
                             "Connection: close\r\n\r\n".encode())
                await writer.drain()
                data = await reader.read()
            finally:
                writer.close()
                await writer.wait_closed()
            return data.split(b"\r\n", 1)[0]

    return await asyncio.gather(*(one(i) for i in range(count)))


def logged_rows(root: Path) -> tuple[list[dict[str, str]], list[Path]]:
    files = sorted((root / "inetpub" / "logs" / "LogFiles" / "W3SVC1").glob("*.log"))
    return [row for path in files for row in parse_w3c(path).rows], files


def test_concurrent_requests_across_two_workers_give_exactly_one_line_each(tmp_path) -> None:
    root, port = site_root(tmp_path, files={"page.htm": "<p>" + "x" * 1000 + "</p>"})
    proc = start(root, port, workers=2)
    try:
        if sys.platform.startswith("linux"):
            assert len(children(proc.pid)) == 2
        statuses = asyncio.run(fire(port, REQUESTS))
    finally:
        code, out, err = stop(proc)
    assert code == 0, err
    assert statuses == [b"HTTP/1.1 200 OK"] * REQUESTS
    rows, files = logged_rows(root)  # parse_w3c is strict: an interleaved or cut line fails here
    probe, load = [r for r in rows if r["cs-uri-stem"] != "/page.htm"], [r for r in rows if r["cs-uri-stem"] == "/page.htm"]
    assert len(probe) >= 1
    assert len(load) == REQUESTS
    assert sorted(int(r["cs-uri-query"][2:]) for r in load) == list(range(REQUESTS))
    assert all(r["cs(User-Agent)"] == f"load+{r['cs-uri-query'][2:]}" for r in load)
    for path in files:  # several processes append to one file, and it still has a single header block
        assert len(parse_w3c(path).blocks) == 1
        assert read_log(path).malformed == []  # the analyzer's reader agrees


def test_sigterm_writes_every_buffered_line(tmp_path) -> None:
    root, port = site_root(tmp_path, files={"page.htm": "hello"})
    proc = start(root, port, workers=1)
    try:
        statuses = asyncio.run(fire(port, 50))
    finally:
        # Stop at once: the lines are still in the worker's buffer (flushed every second otherwise).
        code, out, err = stop(proc)
    assert code == 0, err
    assert statuses == [b"HTTP/1.1 200 OK"] * 50
    rows, _ = logged_rows(root)
    assert sorted(int(r["cs-uri-query"][2:]) for r in rows if r["cs-uri-stem"] == "/page.htm") == list(range(50))
