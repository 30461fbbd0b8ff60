#!/usr/bin/env python3
"""The whole stack on a small static file: `w3py serve` (1 worker, the real pipeline, default server root)
serving inetpub/wwwroot/iisstart.htm against nginx (1 worker, access log off) serving the same file. Both
are pinned to CPU 0, wrk to CPU 1, in the same run.

    .venv/bin/python bench/engine_static.py [--duration 10] [--connections 64] [--rounds 3]

Needs wrk, nginx and taskset (apt-get install wrk nginx util-linux); run it by hand.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_hello import SERVER_CPU, children, free_port, rss_kib, wait_port, wrk  # noqa: E402

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for tool in ("wrk", "taskset", "nginx"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (apt-get install wrk nginx util-linux)")

    tmp = Path(tempfile.mkdtemp(prefix="w3py-bench-static-"))
    tmp.chmod(0o755)  # nginx's workers run as an unprivileged user when started by root
    from w3py.process.server_root import ensure_server_root

    config = ensure_server_root(tmp)
    w3py_port, nginx_port = free_port(), free_port()
    config.write_text(
        config.read_text(encoding="utf-8").replace('"*:8080:"', f'"127.0.0.1:{w3py_port}:"'), encoding="utf-8"
    )
    wwwroot = tmp / "inetpub" / "wwwroot"
    nginx_conf = tmp / "nginx.conf"
    nginx_conf.write_text(NGINX_CONF.format(tmp=tmp, port=nginx_port, root=wwwroot))

    w3py = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, sys.executable, "-m", "w3py", "serve", "--config", str(config),
         "--workers", "1"],
        env=dict(os.environ, W3PY_ROOT=str(tmp)), stdout=subprocess.DEVNULL,
    )
    nginx = subprocess.Popen(["taskset", "-c", SERVER_CPU, "nginx", "-c", str(nginx_conf), "-p", str(tmp)])
    url_path = "/iisstart.htm"
    try:
        wait_port(w3py_port)
        wait_port(nginx_port)
        workers = children(w3py.pid)
        wrk(w3py_port, 2, args.connections, url_path)
        wrk(nginx_port, 2, args.connections, url_path)
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(wrk(w3py_port, args.duration, args.connections, url_path))
            theirs.append(wrk(nginx_port, args.duration, args.connections, url_path))
        rss = rss_kib(workers[0]) if workers else 0
    finally:
        for proc in (w3py, nginx):
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)

    w3, ng = statistics.median(ours), statistics.median(theirs)
    print(f"GET {url_path}, wrk -t1 -c{args.connections} -d{args.duration}s, {args.rounds} rounds, servers on CPU {SERVER_CPU}")
    print(f"w3py  (1 worker, pipeline): {w3:10.0f} req/s   rounds: {', '.join(f'{x:.0f}' for x in ours)}")
    print(f"nginx (1 worker)          : {ng:10.0f} req/s   rounds: {', '.join(f'{x:.0f}' for x in theirs)}")
    print(f"ratio w3py / nginx        : {w3 / ng:10.2f}x   (w3py worker RSS after load {rss / 1024:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
