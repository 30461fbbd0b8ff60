#!/usr/bin/env python3
"""Hello-world throughput of the listener: w3py (1 worker, fixed response behind the Application seam)
against uvicorn (httptools + uvloop, a minimal ASGI app), same run, both pinned to the same core, wrk on
another. Prints requests/s for each, the ratio, and the idle RSS of the w3py worker.

    .venv/bin/python bench/engine_hello.py [--duration 10] [--connections 64] [--rounds 3]

Needs wrk (apt-get install wrk) and taskset (util-linux); run it by hand, on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVER_CPU = "0"
CLIENT_CPU = "1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, limit_s: float = 20.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def wrk(port: int, duration: int, connections: int, path: str = "/") -> float:
    out = subprocess.run(
        ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if match is None or errors:
        raise SystemExit(f"wrk run failed:\n{out}")
    return float(match.group(1))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (apt-get install wrk util-linux)")

    python = sys.executable
    bindir = Path(python).parent
    tmp = Path(tempfile.mkdtemp(prefix="w3py-bench-"))
    from w3py.process.server_root import ensure_server_root

    config = ensure_server_root(tmp)
    w3py_port, uvicorn_port = free_port(), free_port()
    text = config.read_text(encoding="utf-8").replace('"*:8080:"', f'"127.0.0.1:{w3py_port}:"')
    config.write_text(text, encoding="utf-8")

    env = dict(os.environ, W3PY_ROOT=str(tmp))
    w3py = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, python, "-m", "w3py", "serve", "--config", str(config), "--workers", "1",
         "--app", "w3py.testing.server:fixed_response_app"],
        env=env, stdout=subprocess.DEVNULL,
    )
    uvicorn = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, str(bindir / "uvicorn"), "engine_asgi_hello:app", "--port", str(uvicorn_port),
         "--http", "httptools", "--loop", "uvloop", "--no-access-log", "--log-level", "warning"],
        cwd=HERE, stdout=subprocess.DEVNULL,
    )
    try:
        wait_port(w3py_port)
        wait_port(uvicorn_port)
        time.sleep(1.0)
        workers = children(w3py.pid)
        idle_rss = rss_kib(workers[0]) if workers else 0
        uvicorn_idle_rss = rss_kib(uvicorn.pid)
        wrk(w3py_port, 2, args.connections)  # warm-up
        wrk(uvicorn_port, 2, args.connections)
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(wrk(w3py_port, args.duration, args.connections))
            theirs.append(wrk(uvicorn_port, args.duration, args.connections))
        busy_rss = rss_kib(workers[0]) if workers else 0
    finally:
        for proc in (w3py, uvicorn):
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)

    w3, uv = statistics.median(ours), statistics.median(theirs)
    print(f"wrk -t1 -c{args.connections} -d{args.duration}s, {args.rounds} rounds, servers on CPU {SERVER_CPU}")
    print(f"w3py    (1 worker, fixed app): {w3:10.0f} req/s   rounds: {', '.join(f'{x:.0f}' for x in ours)}")
    print(f"uvicorn (httptools + uvloop) : {uv:10.0f} req/s   rounds: {', '.join(f'{x:.0f}' for x in theirs)}")
    print(f"ratio w3py / uvicorn         : {w3 / uv:10.2f}x")
    print(f"w3py worker RSS: idle {idle_rss / 1024:.1f} MB, after load {busy_rss / 1024:.1f} MB"
          f" (uvicorn idle {uvicorn_idle_rss / 1024:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
