"""``w3py logs summary``: what an IIS admin wants to know from a folder of W3C logs, computed by DuckDB.

The summary is a plain dict (the ``--json`` output as it is) built by SQL over the view ``logs`` that
``logs_load.load_logs`` prepared: totals by status class; the top status.substatus codes with their share,
their most frequent ``sc-win32-status`` and the catalog's one-line meaning; the top URLs of each failing
code; the top clients; ``time-taken`` percentiles overall and for the slowest URLs; requests per hour by
status class. Unlike tools that only know ``sc-status``, a 404.7 (request filtering) is never merged with a
404.0 (file missing): the substatus is what tells the admin which setting to look at.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from w3py.status import reason_phrase
from w3py.tools.logs_load import LoadResult

__all__ = ["TOP_DEFAULT", "status_meaning", "summarize", "win32_meaning"]

#: Rows in each "top" list unless ``--top`` says otherwise.
TOP_DEFAULT = 10
#: URLs shown under each failing code.
URLS_PER_CODE = 5
#: Failing codes that get their own URL list.
FAILING_CODES_WITH_URLS = 8
#: A URL needs this many requests before its percentiles count as "slowest" (one slow hit is noise).
MIN_REQUESTS_FOR_LATENCY = 5
_PERCENTILES = (0.5, 0.95, 0.99)


@functools.lru_cache(maxsize=1024)
def status_meaning(code: int, substatus: int | None, lang: str = "en") -> str:
    """The status catalog's one-line meaning of ``code.substatus`` (a substatus the catalog does not know, such
    as an application's 404.99, gets the code's general line); the reason phrase if the catalog has nothing.
    """
    try:
        from w3py.catalog import lookup
    except ImportError:  # a build without the catalog: degrade to the reason phrase
        return reason_phrase(code)
    try:
        entry = lookup(code, substatus or 0, fallback=True)
    except Exception:  # a broken catalog must not break log analysis
        entry = None
    return entry.one_line(lang) if entry is not None else reason_phrase(code)


@functools.lru_cache(maxsize=1024)
def status_hints(code: int, substatus: int | None, lang: str = "en") -> dict:
    """What the catalog says an admin should look at for a failing code: the module that sets it, the setting
    that controls it, and the first thing to try (empty strings when the catalog has no entry)."""
    try:
        from w3py.catalog import lookup

        entry = lookup(code, substatus or 0)
    except Exception:  # no catalog, or a broken one: the summary goes on without hints
        entry = None
    if entry is None:
        return {"module": "", "setting": "", "try": ""}
    tries = entry.text(lang).things_to_try
    return {
        "module": entry.module,
        "setting": entry.config[0] if entry.config else "",
        "try": tries[0] if tries else "",
    }


@functools.lru_cache(maxsize=1024)
def win32_meaning(code: int | None, lang: str = "en") -> str:
    """The catalog's one-line meaning of an ``sc-win32-status`` value ("" when unknown or 0)."""
    if not code:
        return ""
    try:
        from w3py.catalog import win32

        entry = win32(code)
    except Exception:
        return ""
    return entry.one_line(lang) if entry is not None else ""


def _iso(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


def _share(n: int, total: int) -> float:
    return round(100.0 * n / total, 2) if total else 0.0


def summarize(
    result: LoadResult,
    *,
    top: int = TOP_DEFAULT,
    lang: str = "en",
    meaning: Callable[[int, int | None, str], str] = status_meaning,
) -> dict:
    """The summary of the rows in view ``logs`` (see the module docstring) as JSON-ready data."""
    con = result.con
    q = con.execute
    total, first, last, clients = q(
        "SELECT count(*), min(ts), max(ts), approx_count_distinct(c_ip) FROM logs"
    ).fetchone()
    summary: dict = {
        "files": [
            {"path": f.path, "bytes": f.size, "rows": f.rows, "malformed": f.malformed, "encoding": f.encoding,
             "fields": [" ".join(fs) for fs in f.field_sets], "error": f.error}
            for f in result.files
        ],  # fmt: skip
        "lines": {
            "well_formed": result.data_lines,
            "selected": total,
            "malformed": result.malformed,
            "directives": result.directive_lines,
        },
        "malformed_samples": [
            {"path": m.path, "line": m.line, "reason": m.reason, "text": m.text} for m in result.malformed_samples
        ],
        "first": _iso(first),
        "last": _iso(last),
        "distinct_clients": clients,
    }

    # Sites, when the input spans several.
    sites = q(
        """
        SELECT site, count(*) AS n, count(*) FILTER (WHERE sc_status >= 400) AS errors
        FROM logs GROUP BY site ORDER BY n DESC, site
        """
    ).fetchall()
    summary["sites"] = [
        {"site": site, "count": n, "share": _share(n, total), "errors": e} for site, n, e in sites
    ] if len(sites) > 1 else []  # fmt: skip

    # Status classes.
    classes = q(
        "SELECT sc_status // 100 AS k, count(*) FROM logs GROUP BY k ORDER BY k NULLS LAST"
    ).fetchall()
    summary["classes"] = [
        {"class": f"{k}xx" if k is not None else "-", "count": n, "share": _share(n, total)} for k, n in classes
    ]

    # Top status.substatus codes, with their most frequent win32 status.
    codes = q(
        """
        SELECT sc_status, sc_substatus, count(*) AS n, mode(sc_win32_status) AS win32
        FROM logs GROUP BY sc_status, sc_substatus ORDER BY n DESC, sc_status, sc_substatus LIMIT ?
        """,
        [max(top, 1) * 2],
    ).fetchall()
    summary["codes"] = [
        {
            "status": s, "substatus": sub, "code": _code(s, sub), "count": n, "share": _share(n, total),
            "win32": w, "win32_meaning": win32_meaning(w, lang),
            "meaning": meaning(s, sub, lang) if s is not None else "",
        }
        for s, sub, n, w in codes[: max(top, 1) * 2]
    ]  # fmt: skip

    # Failing codes: their top URLs.
    failing = q(
        """
        SELECT sc_status, sc_substatus, count(*) AS n FROM logs WHERE sc_status >= 400
        GROUP BY ALL ORDER BY n DESC, sc_status, sc_substatus LIMIT ?
        """,
        [FAILING_CODES_WITH_URLS],
    ).fetchall()
    urls = q(
        """
        WITH f AS (
            SELECT sc_status, sc_substatus, count(*) AS n FROM logs WHERE sc_status >= 400
            GROUP BY ALL ORDER BY n DESC, sc_status, sc_substatus LIMIT ?
        )
        SELECT l.sc_status, l.sc_substatus, l.cs_uri_stem, count(*) AS n
        FROM logs l SEMI JOIN f ON l.sc_status = f.sc_status AND l.sc_substatus IS NOT DISTINCT FROM f.sc_substatus
        GROUP BY l.sc_status, l.sc_substatus, l.cs_uri_stem
        QUALIFY row_number() OVER (PARTITION BY l.sc_status, l.sc_substatus ORDER BY n DESC, l.cs_uri_stem) <= ?
        """,
        [FAILING_CODES_WITH_URLS, URLS_PER_CODE],
    ).fetchall()
    by_code: dict[tuple, list] = {}
    for s, sub, stem, n in urls:
        by_code.setdefault((s, sub), []).append({"url": stem, "count": n})
    summary["failures"] = [
        {
            "code": _code(s, sub), "status": s, "substatus": sub, "count": n, "share": _share(n, total),
            "meaning": meaning(s, sub, lang), **status_hints(s, sub, lang),
            "urls": sorted(by_code.get((s, sub), []), key=lambda u: (-u["count"], u["url"] or "")),
        }
        for s, sub, n in failing
    ]  # fmt: skip

    # Top clients, with how many of their requests failed.
    clients_rows = q(
        """
        SELECT c_ip, count(*) AS n, count(*) FILTER (WHERE sc_status >= 400) AS errors
        FROM logs GROUP BY c_ip ORDER BY n DESC, c_ip LIMIT ?
        """,
        [top],
    ).fetchall()
    summary["clients"] = [
        {"client": ip, "count": n, "share": _share(n, total), "errors": e} for ip, n, e in clients_rows
    ]

    # time-taken percentiles: overall and for the slowest URLs.
    pcts = list(_PERCENTILES)
    row = q(
        "SELECT count(time_taken), quantile_disc(time_taken, ?), avg(time_taken), max(time_taken) FROM logs",
        [pcts],
    ).fetchone()
    timed, quantiles, mean, worst = row
    summary["time_taken"] = {
        "count": timed,
        "p50": quantiles[0] if quantiles else None,
        "p95": quantiles[1] if quantiles else None,
        "p99": quantiles[2] if quantiles else None,
        "mean": round(mean, 1) if mean is not None else None,
        "max": worst,
    }
    slow = q(
        """
        SELECT cs_uri_stem, count(*) AS n, quantile_disc(time_taken, ?) AS p, max(time_taken)
        FROM logs WHERE time_taken IS NOT NULL GROUP BY cs_uri_stem HAVING count(*) >= ?
        ORDER BY p[2] DESC, n DESC, cs_uri_stem LIMIT ?
        """,
        [pcts, MIN_REQUESTS_FOR_LATENCY, top],
    ).fetchall()
    summary["slowest_urls"] = [
        {"url": stem, "count": n, "p50": p[0], "p95": p[1], "p99": p[2], "max": mx} for stem, n, p, mx in slow
    ]

    # Requests per hour, by status class (the HTML chart stacks them).
    hours = q(
        """
        SELECT date_trunc('hour', ts) AS h,
               count(*) AS n,
               count(*) FILTER (WHERE sc_status < 200) AS c1,
               count(*) FILTER (WHERE sc_status BETWEEN 200 AND 299) AS c2,
               count(*) FILTER (WHERE sc_status BETWEEN 300 AND 399) AS c3,
               count(*) FILTER (WHERE sc_status BETWEEN 400 AND 499) AS c4,
               count(*) FILTER (WHERE sc_status >= 500) AS c5
        FROM logs WHERE ts IS NOT NULL GROUP BY h ORDER BY h
        """
    ).fetchall()
    summary["per_hour"] = [
        {"hour": _iso(h), "count": n, "1xx": c1, "2xx": c2, "3xx": c3, "4xx": c4, "5xx": c5}
        for h, n, c1, c2, c3, c4, c5 in hours
    ]
    # HTTPERR logs: why HTTP.sys refused or dropped (s-reason).
    summary["reasons"] = []
    if "s_reason" in result.columns:
        reasons = q(
            """
            SELECT s_reason, count(*) AS n, mode(sc_status) FROM logs WHERE s_reason IS NOT NULL
            GROUP BY s_reason ORDER BY n DESC, s_reason LIMIT ?
            """,
            [top],
        ).fetchall()
        summary["reasons"] = [
            {"reason": r, "count": n, "share": _share(n, total), "status": st} for r, n, st in reasons
        ]
    summary["codes"] = summary["codes"][:top]
    return summary


def _code(status: int | None, substatus: int | None) -> str:
    if status is None:
        return "-"
    return f"{status}.{substatus if substatus is not None else 0}"
