"""Micro-benchmark: HttpLoggingModule's per-request work (build the record, format and buffer the line).

Run by hand: ``.venv/bin/python bench/logging_record.py``. Prints microseconds per request for the default
field set and for every field, through the general path (a record, then ``format_line``) and through the
module's per-request path (``W3CLine``), writing to a temporary folder (the flusher thread writes it out).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from w3py import status
from w3py.modules.http_logging import W3CLine, build_record
from w3py.logs.writer import W3CLogWriter
from w3py.pipeline.context import HTTPContext
from w3py.protocol.messages import ResponseResult
from w3py.testing.pipeline import make_request

ALL = ("Date, Time, SiteName, ComputerName, ServerIP, Method, UriStem, UriQuery, ServerPort, UserName, ClientIP, "
       "ProtocolVersion, UserAgent, Cookie, Referer, Host, HttpStatus, HttpSubStatus, Win32Status, BytesSent, "
       "BytesRecv, TimeTaken")
N = 200_000


def main() -> None:
    request = make_request(
        "GET /images/logo.png?v=3 HTTP/1.1\r\nHost: www.example.test\r\n"
        "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36\r\n"
        "Referer: https://www.example.test/index.html\r\nCookie: session=abc123; theme=dark\r\n\r\n",
        client=("192.0.2.44", 51234), server=("10.0.0.1", 443))
    ctx = HTTPContext(request)
    ctx.url = "/images/logo.png"
    ctx.response.set_status(status.OK)
    ctx.result = ResponseResult(bytes_sent=1400, bytes_received=300, completed=True, finished_at=0.002)
    with tempfile.TemporaryDirectory() as tmp:
        for label, flags in (("default fields", None), ("every field", ALL)):
            kwargs = {} if flags is None else {"log_ext_file_flags": flags}
            writer = W3CLogWriter(1, Path(tmp) / label.replace(" ", "_"), **kwargs)
            line = W3CLine(writer)
            start = time.perf_counter()
            for _ in range(N):
                writer.write(build_record(ctx))
            general = time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(N):
                writer.write_line(line(ctx))
            compiled = time.perf_counter() - start
            writer.close()
            print(f"{label:15s} record + format_line {general / N * 1e6:6.2f} µs/request, "
                  f"W3CLine {compiled / N * 1e6:6.2f} µs/request  ({N} requests each)")


if __name__ == "__main__":
    main()
