#!/usr/bin/env python3
"""Bench: `w3py logs summary` against GoAccess on the same 1,000,000-line IIS W3C log, in the same run.

Usage (run by hand, once; it needs `goaccess`, e.g. `apt-get install goaccess`):

    .venv/bin/python bench/logs_goaccess.py [--lines 1000000] [--rounds 3] [--keep DIR]

It writes a realistic IIS 10 log (default 15 fields, a production-like mix of status.substatus.win32 codes,
IPv4/IPv6 clients, long-tailed time-taken) with `w3py.testing.logs.write_iis_log`, warms the page cache, then
alternates GoAccess (`--log-format=W3C`, HTML report) and `w3py logs summary --html` as whole processes
(start to exit), and prints each wall time, the medians and the ratio. The bar is a ratio of at least 5.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from w3py.testing.logs import write_iis_log


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to write (and keep) the log and the reports in")
    args = parser.parse_args()
    goaccess = shutil.which("goaccess")
    if goaccess is None:
        print("goaccess is not installed (apt-get install goaccess)", file=sys.stderr)
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="w3py-bench-"))
    log = work / "W3SVC1" / "u_ex260317.log"
    if not log.exists() or sum(1 for _ in open(log, "rb")) != args.lines + 4:
        t = time.perf_counter()
        write_iis_log(log, args.lines)
        print(f"generated {args.lines:,} lines ({log.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s")
    with open(log, "rb") as f:  # page cache warm for both tools
        while f.read(1 << 24):
            pass
    version = subprocess.run([goaccess, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    go_cmd = [goaccess, str(log), "--log-format=W3C", "-o", str(work / "goaccess.html")]
    w3_cmd = [sys.executable, "-m", "w3py", "logs", "summary", str(log), "--html", str(work / "w3py.html")]
    go_times, w3_times = [], []
    for i in range(args.rounds):
        go_times.append(timed(go_cmd))
        w3_times.append(timed(w3_cmd))
        print(f"round {i + 1}: goaccess {go_times[-1]:.2f}s   w3py logs summary {w3_times[-1]:.2f}s")
    go, w3 = statistics.median(go_times), statistics.median(w3_times)
    print(f"{version}: median {go:.2f}s ({args.lines / go:,.0f} lines/s)")
    print(f"w3py logs summary: median {w3:.2f}s ({args.lines / w3:,.0f} lines/s)")
    print(f"ratio (goaccess / w3py): {go / w3:.1f}x  (bar: >= 5x)")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
