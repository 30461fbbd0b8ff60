"""Rendering a log summary: rich text for the terminal, and a self-contained HTML page.

The HTML page has no script and no external resource: charts are inline SVG, styles are inline CSS, and a
Content-Security-Policy forbids anything else, so a report mailed around or opened offline renders the same.
Every string that came from a log (URLs, client addresses, file names) is HTML-escaped: logs are written by
clients, and a report must not become an XSS vector for the admin who opens it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["render_text", "render_html"]

_CLASS_COLOURS = {"1xx": "#8c8c8c", "2xx": "#2e9e44", "3xx": "#3a78c9", "4xx": "#e08a1e", "5xx": "#d13b3b"}
_RICH_CLASS = {"1xx": "grey50", "2xx": "green", "3xx": "blue", "4xx": "dark_orange", "5xx": "red"}
_MAX_TEXT_HOURS = 48  # beyond this the text report groups requests per day


def _fmt_int(n: object) -> str:
    return f"{n:,}" if isinstance(n, int) else ("-" if n is None else str(n))


def _win32(code: dict) -> str:
    """The win32 column: the value, and its meaning when the catalog knows it (``2 File not found``)."""
    if code["win32"] is None:
        return "-"
    meaning = code.get("win32_meaning")
    return f"{code['win32']} {meaning}" if meaning else str(code["win32"])


def _per_day(per_hour: Sequence[dict]) -> list[dict]:
    days: dict[str, dict] = {}
    for h in per_hour:
        day = str(h["hour"])[:10]
        d = days.setdefault(day, {"hour": day, "count": 0, "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0})
        for k in ("count", "1xx", "2xx", "3xx", "4xx", "5xx"):
            d[k] += h[k]
    return list(days.values())


# --- text ---------------------------------------------------------------------------------------------------


def render_text(summary: dict, console: Console) -> None:
    """Print ``summary`` as tables."""
    lines = summary["lines"]
    head = Text()
    head.append(f"{_fmt_int(lines['selected'])} requests", style="bold")
    if lines["selected"] != lines["well_formed"]:
        head.append(f" selected of {_fmt_int(lines['well_formed'])}")
    head.append(f" in {len(summary['files'])} file(s)")
    if summary["first"]:
        head.append(f", {summary['first']} – {summary['last']} UTC")
    head.append(f"; {_fmt_int(summary['distinct_clients'])} clients")
    console.print(head)
    for f in summary["files"]:
        if f.get("error"):
            # soft_wrap: a path must stay whole on one line so it can be copied (and grepped)
            console.print(Text(f"cannot read {f['path']}: {f['error']} (skipped)", style="red"), soft_wrap=True)
    if lines["malformed"]:
        console.print(
            Text(f"{_fmt_int(lines['malformed'])} malformed line(s) skipped (not counted above):", style="yellow")
        )
        for m in summary["malformed_samples"]:
            where = f"{m['path']}:{m['line']}" if m["line"] else f"{m['path']}:end"
            console.print(Text(f"  {where}: {m['reason']}: ", style="yellow") + Text(m["text"][:120]), soft_wrap=True)
    if not lines["selected"]:
        return

    if summary.get("sites"):
        t = Table(title="Sites", title_justify="left")
        t.add_column("site")
        t.add_column("requests", justify="right")
        t.add_column("share", justify="right")
        t.add_column("errors", justify="right")
        for site in summary["sites"]:
            t.add_row(Text(str(site["site"] or "-")), _fmt_int(site["count"]), f"{site['share']:.1f}%",
                      _fmt_int(site["errors"]))  # fmt: skip
        console.print(t)

    t = Table(title="Status classes", title_justify="left")
    t.add_column("class")
    t.add_column("requests", justify="right")
    t.add_column("share", justify="right")
    for c in summary["classes"]:
        t.add_row(Text(c["class"], style=_RICH_CLASS.get(c["class"], "")), _fmt_int(c["count"]), f"{c['share']:.1f}%")
    console.print(t)

    t = Table(title="Top status codes", title_justify="left")
    for name, just in (("status", "left"), ("requests", "right"), ("share", "right"), ("win32", "left"),
                       ("meaning", "left")):  # fmt: skip
        t.add_column(name, justify=just)  # type: ignore[arg-type]
    for c in summary["codes"]:
        t.add_row(c["code"], _fmt_int(c["count"]), f"{c['share']:.1f}%", _win32(c), c["meaning"])
    console.print(t)

    if summary.get("reasons"):
        t = Table(title="HTTPERR reasons (s-reason)", title_justify="left")
        t.add_column("reason")
        t.add_column("requests", justify="right")
        t.add_column("share", justify="right")
        t.add_column("status", justify="right")
        for r in summary["reasons"]:
            t.add_row(Text(str(r["reason"])), _fmt_int(r["count"]), f"{r['share']:.1f}%", _fmt_int(r["status"]))
        console.print(t)

    if any(f.get("module") or f.get("setting") for f in summary["failures"]):
        console.print(Text("Failing codes: where to look", style="italic"))
        for f in summary["failures"]:
            line = Text(f"  {f['code']}", style="bold") + Text(f" ({_fmt_int(f['count'])}) {f['meaning']}")
            if f.get("module"):
                line += Text(f" — {f['module']}")
            if f.get("setting"):
                line += Text(f" — {f['setting']}", style="cyan")
            console.print(line)
            if f.get("try"):
                console.print(Text(f"      try: {f['try']}", style="dim"))

    if summary["failures"]:
        t = Table(title="Top URLs of failing codes", title_justify="left")
        t.add_column("status")
        t.add_column("requests", justify="right")
        t.add_column("URL")
        for f in summary["failures"]:
            for i, u in enumerate(f["urls"]):
                t.add_row(f["code"] if i == 0 else "", _fmt_int(u["count"]), Text(str(u["url"])))
            t.add_section()
        console.print(t)

    t = Table(title="Top clients", title_justify="left")
    t.add_column("client")
    t.add_column("requests", justify="right")
    t.add_column("share", justify="right")
    t.add_column("errors", justify="right")
    for c in summary["clients"]:
        t.add_row(Text(str(c["client"])), _fmt_int(c["count"]), f"{c['share']:.1f}%", _fmt_int(c["errors"]))
    console.print(t)

    tt = summary["time_taken"]
    if tt["count"]:
        console.print(
            Text("time-taken (ms): ", style="bold")
            + Text(f"p50 {_fmt_int(tt['p50'])}  p95 {_fmt_int(tt['p95'])}  p99 {_fmt_int(tt['p99'])}  "
                   f"mean {tt['mean']}  max {_fmt_int(tt['max'])}")  # fmt: skip
        )
        t = Table(title="Slowest URLs (by p95 time-taken, ms)", title_justify="left")
        for name in ("requests", "p50", "p95", "p99", "max"):
            t.add_column(name, justify="right")
        t.add_column("URL")
        for u in summary["slowest_urls"]:
            t.add_row(*(_fmt_int(u[k]) for k in ("count", "p50", "p95", "p99", "max")), Text(str(u["url"])))
        console.print(t)

    buckets = summary["per_hour"]
    label = "hour (UTC)"
    if len(buckets) > _MAX_TEXT_HOURS:
        buckets, label = _per_day(buckets), "day (UTC)"
    if buckets:
        peak = max(b["count"] for b in buckets) or 1
        t = Table(title=f"Requests per {label.split()[0]}", title_justify="left")
        t.add_column(label)
        t.add_column("requests", justify="right")
        t.add_column("4xx", justify="right")
        t.add_column("5xx", justify="right")
        t.add_column("")
        for b in buckets:
            bar = "█" * max(1, round(30 * b["count"] / peak)) if b["count"] else ""
            t.add_row(str(b["hour"])[:16], _fmt_int(b["count"]), _fmt_int(b["4xx"]), _fmt_int(b["5xx"]), bar)
        console.print(t)


# --- HTML ---------------------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#222;
padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.url{word-break:break-all;font-family:ui-monospace,Consolas,monospace;font-size:13px}
.meta{color:#555}.warn{color:#a35b00}.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
svg text{font:11px system-ui,sans-serif;fill:#444}
"""


def _e(value: object) -> str:
    return html.escape("-" if value is None else str(value), quote=True)


def _table(headers: Sequence[tuple[str, bool]], rows: Sequence[Sequence[tuple[object, str]]]) -> str:
    out = ["<table><thead><tr>"]
    out += [f'<th class="{"n" if num else ""}">{_e(h)}</th>' for h, num in headers]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f'<td class="{cls}">{_e(v)}</td>' for v, cls in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _time_chart(buckets: Sequence[dict], width: int = 1040, height: int = 240) -> str:
    """Requests over time as stacked bars by status class."""
    if not buckets:
        return "<p class='meta'>No timestamps.</p>"
    left, bottom, top = 56, 36, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(b["count"] for b in buckets) or 1
    bar_w = plot_w / len(buckets)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Requests over time by status class" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">']  # fmt: skip
    for i in range(5):  # horizontal grid with labels
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{int(value):,}</text>')
    for i, b in enumerate(buckets):
        x = left + i * bar_w
        y = top + plot_h
        for cls in ("2xx", "3xx", "1xx", "4xx", "5xx"):
            n = b.get(cls, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            parts.append(
                f'<rect x="{x + 0.5:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 0.5):.1f}" height="{h:.1f}" '
                f'fill="{_CLASS_COLOURS[cls]}"><title>{_e(b["hour"])} {cls}: {n:,}</title></rect>'
            )
    step = max(1, len(buckets) // 12)
    for i in range(0, len(buckets), step):
        x = left + i * bar_w + bar_w / 2
        label = str(buckets[i]["hour"])
        label = label[5:16] if len(buckets) > 24 else label[11:16] or label
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{_e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _bar_chart(items: Sequence[tuple[str, int, str]], width: int = 1040) -> str:
    """Horizontal bars: (label, value, colour)."""
    if not items:
        return "<p class='meta'>No failing requests.</p>"
    row_h, label_w = 24, 90
    height = row_h * len(items) + 8
    peak = max(v for _, v, _ in items) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Top failures" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}">']  # fmt: skip
    for i, (label, value, colour) in enumerate(items):
        y = 4 + i * row_h
        w = (width - label_w - 90) * value / peak
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{_e(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 8}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{value:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(summary: dict, title: str = "w3py log summary") -> str:
    """A self-contained HTML page for ``summary`` (no script, no network)."""
    lines = summary["lines"]
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:\">",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p class='meta' id='totals'>{_fmt_int(lines['selected'])} requests"
        + (f" selected of {_fmt_int(lines['well_formed'])}" if lines["selected"] != lines["well_formed"] else "")
        + f" in {len(summary['files'])} file(s)"
        + (f", {_e(summary['first'])} – {_e(summary['last'])} UTC" if summary["first"] else "")
        + f"; {_fmt_int(summary['distinct_clients'])} clients.</p>",
    ]
    for f in summary["files"]:
        if f.get("error"):
            out.append(f"<p class='warn'>Cannot read {_e(f['path'])}: {_e(f['error'])} (skipped).</p>")
    if lines["malformed"]:
        out.append(f"<p class='warn' id='malformed'>{_fmt_int(lines['malformed'])} malformed line(s) skipped.</p>")
        out.append(
            _table(
                [("file", False), ("line", True), ("problem", False), ("text", False)],
                [
                    [(m["path"], ""), (m["line"] or "end", "n"), (m["reason"], ""), (m["text"][:200], "url")]
                    for m in summary["malformed_samples"]
                ],
            )
        )
    out.append("<h2>Requests over time (UTC)</h2><div class='legend'>")
    out += [f"<span><i style='background:{c}'></i>{k}</span>" for k, c in _CLASS_COLOURS.items()]
    out.append("</div>")
    buckets = summary["per_hour"]
    if len(buckets) > 24 * 14:
        buckets = _per_day(buckets)
    out.append(_time_chart(buckets))
    out.append("<h2>Top failures</h2>")
    out.append(
        _bar_chart(
            [(f["code"], f["count"], _CLASS_COLOURS["5xx" if f["status"] >= 500 else "4xx"]) for f in summary["failures"]]
        )
    )
    if summary.get("sites"):
        out.append("<h2>Sites</h2>")
        out.append(
            _table([("site", False), ("requests", True), ("share", True), ("errors", True)],
                   [[(x["site"], ""), (_fmt_int(x["count"]), "n"), (f"{x['share']:.1f}%", "n"),
                     (_fmt_int(x["errors"]), "n")] for x in summary["sites"]])  # fmt: skip
        )
    out.append("<h2>Status classes</h2>")
    out.append(
        _table([("class", False), ("requests", True), ("share", True)],
               [[(c["class"], ""), (_fmt_int(c["count"]), "n"), (f"{c['share']:.1f}%", "n")]
                for c in summary["classes"]])  # fmt: skip
    )
    out.append("<h2>Top status codes</h2>")
    out.append(
        _table(
            [("status", False), ("requests", True), ("share", True), ("win32", False), ("meaning", False)],
            [[(c["code"], ""), (_fmt_int(c["count"]), "n"), (f"{c['share']:.1f}%", "n"), (_win32(c), ""),
              (c["meaning"], "")] for c in summary["codes"]],
        )  # fmt: skip
    )
    if summary.get("reasons"):
        out.append("<h2>HTTPERR reasons (s-reason)</h2>")
        out.append(
            _table([("reason", False), ("requests", True), ("share", True), ("status", True)],
                   [[(r["reason"], ""), (_fmt_int(r["count"]), "n"), (f"{r['share']:.1f}%", "n"),
                     (_fmt_int(r["status"]), "n")] for r in summary["reasons"]])  # fmt: skip
        )
    if any(f.get("module") or f.get("setting") for f in summary["failures"]):
        out.append("<h2>Failing codes: where to look</h2>")
        out.append(
            _table([("status", False), ("requests", True), ("module", False), ("setting", False),
                    ("first thing to try", False)],
                   [[(f["code"], ""), (_fmt_int(f["count"]), "n"), (f.get("module", ""), ""),
                     (f.get("setting", ""), "url"), (f.get("try", ""), "")] for f in summary["failures"]])  # fmt: skip
        )
    if summary["failures"]:
        out.append("<h2>Top URLs of failing codes</h2>")
        rows = []
        for f in summary["failures"]:
            for i, u in enumerate(f["urls"]):
                rows.append([(f["code"] if i == 0 else "", ""), (_fmt_int(u["count"]), "n"), (u["url"], "url")])
        out.append(_table([("status", False), ("requests", True), ("URL", False)], rows))
    out.append("<h2>Top clients</h2>")
    out.append(
        _table([("client", False), ("requests", True), ("share", True), ("errors", True)],
               [[(c["client"], "url"), (_fmt_int(c["count"]), "n"), (f"{c['share']:.1f}%", "n"),
                 (_fmt_int(c["errors"]), "n")] for c in summary["clients"]])  # fmt: skip
    )
    tt = summary["time_taken"]
    if tt["count"]:
        out.append("<h2>time-taken (ms)</h2>")
        out.append(
            _table([("p50", True), ("p95", True), ("p99", True), ("mean", True), ("max", True)],
                   [[(_fmt_int(tt[k]), "n") for k in ("p50", "p95", "p99", "mean", "max")]])  # fmt: skip
        )
        out.append("<h2>Slowest URLs (by p95)</h2>")
        out.append(
            _table([("requests", True), ("p50", True), ("p95", True), ("p99", True), ("max", True), ("URL", False)],
                   [[*((_fmt_int(u[k]), "n") for k in ("count", "p50", "p95", "p99", "max")), (u["url"], "url")]
                    for u in summary["slowest_urls"]])  # fmt: skip
        )
    out.append("<h2>Files</h2>")
    out.append(
        _table([("file", False), ("bytes", True), ("rows", True), ("malformed", True), ("encoding", False)],
               [[(f["path"], "url"), (_fmt_int(f["bytes"]), "n"), (_fmt_int(f["rows"]), "n"),
                 (_fmt_int(f["malformed"]), "n"), (f["encoding"], "")] for f in summary["files"]])  # fmt: skip
    )
    out.append("<p class='meta'>Generated by w3py logs summary.</p></body></html>")
    return "\n".join(out)
