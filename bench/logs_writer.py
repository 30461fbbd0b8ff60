#!/usr/bin/env python3
"""Micro-bench: cost of one W3C log line on the request path (format + buffer), and of flushing.

    .venv/bin/python bench/logs_writer.py [--records 200000]

Prints microseconds per `W3CLogWriter.write()` for the default field set with a W3CRecord and with a dict,
and the time `flush()` takes for the buffered lines (that part runs on the flusher thread, not per request).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from w3py.logs.writer import W3CLogWriter, W3CRecord

UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    n = parser.parse_args().records
    with tempfile.TemporaryDirectory() as tmp:
        for label, make in (
            ("W3CRecord", lambda i: W3CRecord(s_ip="10.0.0.5", cs_method="GET", cs_uri_stem=f"/p/{i}.htm",
                                              cs_uri_query="a=1", s_port=443, c_ip="192.0.2.10", cs_user_agent=UA,
                                              cs_referer="https://example.com/", sc_status=200, sc_substatus=0,
                                              sc_win32_status=0, time_taken=12)),
            ("dict", lambda i: {"s_ip": "10.0.0.5", "cs_method": "GET", "cs_uri_stem": f"/p/{i}.htm",
                                "cs_uri_query": "a=1", "s_port": 443, "c_ip": "192.0.2.10", "cs_user_agent": UA,
                                "cs_referer": "https://example.com/", "sc_status": 200, "sc_substatus": 0,
                                "sc_win32_status": 0, "time_taken": 12}),
        ):  # fmt: skip
            records = [make(i) for i in range(n)]
            writer = W3CLogWriter(1, Path(tmp) / label)
            # Keep the flusher thread out of the measurement: it only wakes at 64 KB, and we flush ourselves.
            t = time.perf_counter()
            for r in records:
                writer.write(r)
            per = (time.perf_counter() - t) / n * 1e6
            t = time.perf_counter()
            writer.flush()
            flush = time.perf_counter() - t
            writer.close()
            print(f"{label:10s} write(): {per:.2f} µs/line   flush of the remainder: {flush * 1000:.1f} ms")


if __name__ == "__main__":
    main()
