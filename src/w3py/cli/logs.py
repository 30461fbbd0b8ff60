"""``w3py logs summary`` and ``w3py logs query``: read IIS W3C logs (files, folders, .gz) with DuckDB."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

#: Inputs at least this large get a progress bar on stderr (when it is a terminal): a few seconds of work.
PROGRESS_MIN_BYTES = 64 * 1024 * 1024
#: Rows a `query --format table` prints (a terminal table of a million rows helps nobody).
MAX_TABLE_ROWS = 10_000


def _default_lang() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def _filters(since: str | None, until: str | None, sites: tuple[str, ...], statuses: tuple[str, ...]):
    from w3py.tools.logs_load import Filters, parse_when

    def split(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip() for value in values for v in value.split(",") if v.strip())

    try:
        filters = Filters(
            since=parse_when(since) if since else None,
            until=parse_when(until) if until else None,
            sites=split(sites),
            statuses=split(statuses),
        )
        filters.sql()  # validates --status
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return filters


def _load(paths: tuple[str, ...], filters, columns, declare: bool = True):
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from w3py.tools.logs_load import collect_files, load_logs

    try:
        files = collect_files(paths)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    if not files:
        raise click.ClickException("no log files found (looked for *.log and *.gz)")
    total = 0
    for f in files:
        try:
            total += f.stat().st_size
        except OSError:  # reported by the loader
            pass
    err = Console(stderr=True)
    if total < PROGRESS_MIN_BYTES or not err.is_terminal:
        return load_logs(files, columns=columns, declare_columns=declare, filters=filters)
    with Progress(
        TextColumn("reading logs"), BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("logs", total=total)
        return load_logs(
            files, columns=columns, declare_columns=declare, filters=filters,
            progress=lambda done, _total, _path: bar.update(task, completed=done),
        )  # fmt: skip


@click.group()
def logs() -> None:
    """Read IIS W3C logs (ours and real IIS ones): summaries and SQL queries."""


_COMMON = [
    click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=str)),
    click.option("--since", help="Only requests at or after this UTC time (2026-03-17, 2026-03-17T10:00, 24h)."),
    click.option("--until", help="Only requests before this UTC time."),
    click.option("--site", "sites", multiple=True, help="Only this site: id, W3SVC<id> or s-sitename (repeatable)."),
    click.option("--status", "statuses", multiple=True, help="Only these codes: 404, 404.13, 4xx (repeatable)."),
]


def _common(f):
    for decorator in reversed(_COMMON):
        f = decorator(f)
    return f


@logs.command()
@_common
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000), help="Rows in each top list.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write an HTML report.")
@click.option("--lang", type=click.Choice(["en", "ja"]), default=None, help="Language of status meanings.")
def summary(paths, since, until, sites, statuses, top, as_json, html_path, lang) -> None:
    """Summarize W3C logs: status classes, top status.substatus codes and their URLs, top clients,
    time-taken percentiles, slowest URLs, requests per hour.

    PATHS are log files or folders (searched for *.log and *.gz); every #Fields line is honoured, and lines
    that do not match theirs are counted and reported, never misread.
    """
    from rich.console import Console

    from w3py.tools.logs_report import render_html, render_text
    from w3py.tools.logs_summary import summarize

    result = _load(paths, _filters(since, until, sites, statuses), columns=_summary_columns())
    data = summarize(result, top=top, lang=lang or _default_lang())
    if html_path is not None:
        html_path.write_text(render_html(data), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        render_text(data, Console(highlight=False))
        if html_path is not None:
            Console(stderr=True).print(f"HTML report written to {html_path}")


def _summary_columns():
    from w3py.tools.logs_load import SUMMARY_COLUMNS

    return SUMMARY_COLUMNS


@logs.command()
@_common
@click.option("--sql", "sql", required=True, help="SQL over the table `logs` (one row per request; '-' reads stdin).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
    help="Output format.",
)  # fmt: skip
def query(paths, since, until, sites, statuses, sql, fmt) -> None:
    """Run SQL over W3C logs loaded as the DuckDB table `logs`.

    Columns are the W3C fields in snake_case (cs-uri-stem -> cs_uri_stem, cs(User-Agent) -> cs_user_agent,
    X-Forwarded-For -> x_forwarded_for), typed (sc_status INTEGER, time_taken BIGINT, date DATE ...), plus
    ts (TIMESTAMP, UTC), site (W3SVC<id>) and file. Example:

    \b
      w3py logs query W3SVC1/ --sql "SELECT sc_status, sc_substatus, count(*) FROM logs GROUP BY ALL"
    """
    import duckdb

    from w3py.tools.logs_load import columns_for_sql

    if sql == "-":
        sql = sys.stdin.read()
    result = _load(paths, _filters(since, until, sites, statuses), columns=columns_for_sql(sql), declare=False)
    for f in result.files:
        if f.error:
            click.echo(f"warning: cannot read {f.path}: {f.error} (skipped)", err=True)
    for m in result.malformed_samples[:5]:
        click.echo(f"warning: {m.path}:{m.line or 'end'}: {m.reason}", err=True)
    if result.malformed:
        click.echo(f"warning: {result.malformed} malformed line(s) skipped", err=True)
    try:
        rel = result.con.sql(sql)
    except duckdb.Error as exc:
        raise click.ClickException(f"SQL error: {exc}") from None
    if rel is None:
        return
    try:
        columns = rel.columns
        rows = rel.fetchall()
    except duckdb.Error as exc:
        raise click.ClickException(f"SQL error: {exc}") from None
    if fmt == "json":
        click.echo(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], ensure_ascii=False, default=str, indent=1))
    elif fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(*columns)
        for r in rows[:MAX_TABLE_ROWS]:
            table.add_row(*(Text("NULL" if v is None else str(v)) for v in r))
        Console(highlight=False).print(table)
        if len(rows) > MAX_TABLE_ROWS:
            click.echo(f"({len(rows):,} rows; the first {MAX_TABLE_ROWS:,} shown: use --format csv for all)", err=True)
