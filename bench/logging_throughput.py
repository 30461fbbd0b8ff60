"""What W3C logging costs in throughput: a 1 KB static file served by ``w3py serve`` with the site's
``logFile`` enabled, then disabled, measured with wrk (issue: bar <= 10%).

Run by hand, once, on a quiet machine: ``.venv/bin/python bench/logging_throughput.py [--seconds 10]
[--workers 1] [--connections 50] [--rounds 2]``. Rounds alternate on/off so that drift in machine load
hits both sides; the best round of each side is compared. Needs ``wrk`` on PATH. With ``taskset`` (and 2+
cores) the server is pinned to core 0 and wrk to core 1, as in ``static_1k.sh``.

Besides req/s it prints the server's CPU time per request (user + system, from ``/proc``, all its processes
and threads, the log flusher included): that figure is what logging adds, and it barely moves when other
work on the machine takes wrk's core.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from w3py.testing.live_site import site_root

PAGE = "<p>" + "x" * (1024 - 7) + "</p>"  # 1024 bytes


PIN = shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def _pinned(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if PIN else []


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children still running (the workers), from /proc."""
    total = 0.0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def serve(root: Path, port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        _pinned(0) + [sys.executable, "-m", "w3py", "serve", "--config", str(root / "config" / "applicationHost.config"),
         "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/1k.htm", timeout=5).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"server did not start: {proc.communicate()[1]!r}")
        time.sleep(0.1)


def wrk(port: int, seconds: int, connections: int) -> tuple[float, int]:
    """Requests per second and the number of requests."""
    threads = "-t1" if PIN else "-t2"
    out = subprocess.run(_pinned(1) + ["wrk", threads, f"-c{connections}", f"-d{seconds}s",
                                       f"http://127.0.0.1:{port}/1k.htm"],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if not match or "Non-2xx" in out or "Socket errors" in out:
        print(out)
    return (float(match.group(1)) if match else 0.0), (int(count.group(1)) if count else 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    results: dict[str, list[float]] = {"logging on": [], "logging off": []}
    cpu: dict[str, list[float]] = {"logging on": [], "logging off": []}  # µs of server CPU per request
    with tempfile.TemporaryDirectory() as tmp:
        roots = {
            "logging on": site_root(Path(tmp) / "on", files={"1k.htm": PAGE}),
            "logging off": site_root(Path(tmp) / "off", files={"1k.htm": PAGE}, log_file='enabled="false"'),
        }
        for _ in range(args.rounds):
            for label, (root, port) in roots.items():
                proc = serve(root, port, args.workers)
                try:
                    wrk(port, 2, args.connections)  # warm-up: plans, file cache, log file creation
                    before = cpu_seconds(proc.pid)
                    rate, count = wrk(port, args.seconds, args.connections)
                    used = cpu_seconds(proc.pid) - before
                    results[label].append(rate)
                    cpu[label].append(used / count * 1e6 if count else 0.0)
                finally:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(30)
        lines = sum(1 for p in (roots["logging on"][0] / "inetpub/logs/LogFiles").rglob("*.log")
                    for line in p.open("rb") if not line.startswith(b"#"))
    on, off = max(results["logging on"]), max(results["logging off"])
    print(f"1 KB static file, {args.workers} worker(s), {args.connections} connections, {args.seconds} s x "
          f"{args.rounds} rounds (cores: {os.cpu_count()}, pinned: {PIN})")
    for label, values in results.items():
        print(f"  {label:12s} " + "  ".join(f"{v:9.0f}" for v in values) + " req/s    CPU per request "
              + "  ".join(f"{c:5.1f}" for c in cpu[label]) + " µs")
    print(f"  best on {on:.0f} vs best off {off:.0f} req/s: logging costs {100 * (off - on) / off:.1f}% "
          f"({lines} lines written)")
    c_on, c_off = min(cpu["logging on"]), min(cpu["logging off"])
    print(f"  server CPU per request {c_on:.1f} µs on vs {c_off:.1f} µs off: logging adds {c_on - c_off:.1f} µs "
          f"({100 * (c_on - c_off) / c_on:.1f}% of the CPU per logged request)")


if __name__ == "__main__":
    main()
