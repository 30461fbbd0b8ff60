"""Test helpers for W3C logs: a generator of realistic IIS log files and a strict parser re-export.

``write_iis_log`` produces what an IIS 10 site log looks like in production: the header block, the default
15 fields (or any field list), a realistic mix of status.substatus.win32 codes, IPv4 and IPv6 clients,
browser and bot User-Agents, query strings, referers, and time-taken with a long tail. It is used by the
analyzer tests and by ``bench/logs_goaccess.py``; the output is deterministic for a given seed.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from pathlib import Path

from w3py.logs.fields import DEFAULT_FLAGS, encode_value, fields_for_flags
from w3py.logs.reader import LogLine, ParsedLog, read_log

__all__ = ["DEFAULT_FIELD_NAMES", "STATUS_MIX", "ParsedLog", "read_log", "read_site_logs", "write_iis_log"]

DEFAULT_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields_for_flags(DEFAULT_FLAGS))

# (status, substatus, win32, weight): roughly what a busy public IIS site logs.
STATUS_MIX: tuple[tuple[int, int, int, int], ...] = (
    (200, 0, 0, 7000),
    (304, 0, 0, 900),
    (206, 0, 0, 40),
    (301, 0, 0, 150),
    (302, 0, 0, 200),
    (404, 0, 2, 700),
    (404, 0, 64, 10),
    (404, 7, 0, 60),
    (404, 11, 0, 5),
    (404, 13, 0, 3),
    (404, 3, 50, 10),
    (401, 2, 5, 250),
    (401, 1, 2148074254, 60),
    (403, 14, 0, 30),
    (403, 4, 5, 10),
    (400, 0, 0, 20),
    (405, 0, 1, 15),
    (500, 0, 0, 60),
    (500, 19, 13, 8),
    (502, 3, 12002, 6),
    (503, 0, 0, 12),
    (200, 0, 64, 40),
    (200, 0, 995, 10),
)

_PAGES = ("/", "/index.htm", "/default.aspx", "/login.aspx", "/api/orders", "/api/items", "/search",
          "/products/list.aspx", "/cart", "/checkout", "/account/profile", "/news/2026/03/launch.htm",
          "/images/logo.png", "/css/site.css", "/js/app.js", "/favicon.ico", "/robots.txt",
          "/wp-login.php", "/.env", "/admin/config.php", "/bin/app.dll", "/web.config",
          "/docs/r\u00e9sum\u00e9.pdf", "/\u65e5\u672c\u8a9e/\u30da\u30fc\u30b8.htm")  # fmt: skip
_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "",
)
_METHODS = ("GET",) * 40 + ("POST",) * 6 + ("HEAD", "OPTIONS", "PUT", "DELETE")
_REFERERS = ("", "", "https://www.example.com/", "https://www.google.com/", "https://shop.example.com/cart")


def read_site_logs(directory: Path | str, pattern: str = "*.log") -> list[LogLine]:
    """Every line of the W3C files in ``directory`` (e.g. ``.../LogFiles/W3SVC1``), in file then line order,
    after checking what the writer guarantees: no malformed line, no line cut short, and one header block per
    file and field set (a ``#Fields`` line only when the field set changes). Raises ``AssertionError`` with
    the file and line otherwise. For tests that read what the server wrote: parse, don't grep.
    """
    lines: list[LogLine] = []
    for path in sorted(Path(directory).glob(pattern)):
        parsed = read_log(path)
        if parsed.malformed:
            n, text = parsed.malformed[0]
            raise AssertionError(f"{path}:{n}: malformed W3C line {text!r}")
        fields = parsed.fields_lines
        repeated = [a for a, b in zip(fields, fields[1:], strict=False) if a == b]
        if repeated:
            raise AssertionError(f"{path}: header block repeated without a change of fields: {repeated[0]!r}")
        lines.extend(parsed.lines)
    return lines


def _clients(rng: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        if i % 10 == 0:
            out.append(f"2001:db8:{rng.randrange(65536):x}::{rng.randrange(65536):x}")
        else:
            out.append(f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
    return out


def write_iis_log(
    path: Path | str,
    lines: int,
    *,
    fields: Sequence[str] = DEFAULT_FIELD_NAMES,
    start: float = 1773705600.0,  # 2026-03-17 00:00:00 UTC
    seconds: float = 86400.0,
    seed: int = 7,
    header: bool = True,
    line_end: str = "\r\n",
    encoding: str = "utf-8",
) -> Path:
    """Write a ``lines``-line IIS W3C log to ``path`` and return the path.

    ``fields`` may be any W3C field list (known names get realistic values; others, such as
    ``X-Forwarded-For``, get an IP or ``-``). Timestamps run from ``start`` over ``seconds`` along a day's
    traffic curve.
    """
    import time as _time

    path = Path(path)
    rng = random.Random(seed)
    clients = _clients(rng, 5000)
    pages = [*_PAGES, *(f"/catalog/item{i}.aspx" for i in range(300))]
    weights = [w for *_, w in STATUS_MIX]
    statuses = rng.choices(STATUS_MIX, weights=weights, k=lines)
    hot_clients = clients[:50]
    out: list[str] = []
    if header:
        stamp = _time.strftime("%Y-%m-%d %H:%M:%S", _time.gmtime(start))
        out.append(f"#Software: Microsoft Internet Information Services 10.0{line_end}#Version: 1.0{line_end}")
        out.append(f"#Date: {stamp}{line_end}#Fields: {' '.join(fields)}{line_end}")
    # Timestamps follow a day's traffic curve (quiet at night, busiest mid-afternoon UTC): the i-th line sits
    # where the cumulative traffic reaches i/lines.
    span = max(int(seconds), 1)
    cumulative = list(itertools.accumulate(
        1.0 + 0.7 * math.sin(2 * math.pi * ((start + s) % 86400 / 86400 - 0.375)) for s in range(span)
    ))  # fmt: skip
    scale = cumulative[-1] / max(lines, 1)
    last_second = -1
    date = clock = ""
    for i in range(lines):
        second = int(start) + min(bisect.bisect_left(cumulative, (i + 0.5) * scale), span - 1)
        if second != last_second:
            last_second = second
            t = _time.gmtime(second)
            date, clock = _time.strftime("%Y-%m-%d", t), _time.strftime("%H:%M:%S", t)
        status, sub, win32, _ = statuses[i]
        stem = rng.choice(pages)
        taken = int(rng.lognormvariate(3.0, 1.2)) if status < 500 else int(rng.lognormvariate(7.0, 1.0))
        client = rng.choice(hot_clients) if rng.random() < 0.3 else rng.choice(clients)
        values = {
            "date": date,
            "time": clock,
            "s-sitename": "W3SVC1",
            "s-computername": "WEB01",
            "s-ip": "10.0.0.5",
            "cs-method": rng.choice(_METHODS),
            "cs-uri-stem": stem,
            "cs-uri-query": f"id={rng.randrange(1000)}&q=a+b" if rng.random() < 0.2 else None,
            "s-port": 443 if rng.random() < 0.8 else 80,
            "cs-username": "CONTOSO\\alice" if status == 200 and rng.random() < 0.05 else None,
            "c-ip": client,
            "cs-version": "HTTP/2.0" if rng.random() < 0.6 else "HTTP/1.1",
            "cs(User-Agent)": rng.choice(_AGENTS),
            "cs(Cookie)": "ASP.NET_SessionId=abc123; theme=dark" if rng.random() < 0.3 else None,
            "cs(Referer)": rng.choice(_REFERERS),
            "cs-host": "www.example.com",
            "sc-status": status,
            "sc-substatus": sub,
            "sc-win32-status": win32,
            "sc-bytes": rng.randrange(200, 200000),
            "cs-bytes": rng.randrange(150, 3000),
            "time-taken": taken,
            "X-Forwarded-For": client if rng.random() < 0.5 else None,
        }
        out.append(" ".join(encode_value(values.get(name)) for name in fields) + line_end)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(out).encode(encoding, "replace"))
    return path
