"""Loading W3C log files (IIS's and ours) into DuckDB for ``w3py logs summary`` and ``w3py logs query``.

Theory of operation
-------------------
Python never loops over the lines of a well-formed file.

1. ``w3py.logs.reader.scan_file`` finds each file's ``#Fields`` segments with a byte scan and a last line cut
   short (``.gz`` files are first inflated into a temporary file, streaming).
2. A file with one field list (however often its header block repeats) is a *source* as it is. A file with
   several, or with data before its first ``#Fields``, is cut into one temporary file per segment, each
   remembering the line number it starts at (data before any ``#Fields`` is malformed).
3. All sources that share a field list are read by one ``read_csv`` call over the list of files (a year of
   daily files is one call); a source with a cut last line is read alone. ``read_csv`` runs space-delimited,
   without quoting, with every column VARCHAR in the explicit column list of the ``#Fields``, and projects
   only the columns the caller needs (DuckDB's projection pushdown keeps that fast). ``strict_mode`` makes a
   line with too many or too few values a *rejected* line (DuckDB's ``store_rejects`` tables give its file,
   line number and text) instead of padding or cutting it: that is the "malformed" count, never a shifted
   row. Directive lines (``#...``) and blank lines are neither rows nor rejects.
4. A last line without its newline (a write cut short) is counted as malformed and removed if DuckDB read it
   as a row: rows keep file order, so it is the source's last row.
5. Values are typed once (``TRY_CAST``; ``-`` becomes NULL, ``+`` becomes a space in free-text fields) into
   table ``all_logs``; the filters (``--since/--until/--site/--status``) make the view ``logs``.

Recovery, each in a transaction that is rolled back first: a file DuckDB reports as not UTF-8 (an ANSI ``ex``
file) is transcoded from Windows-1252 and read again; a file whose line endings defeat DuckDB's newline
detection (CRLF mixed with LF) is normalised, and a line with a carriage return inside it is then reported
as malformed and blanked out, so no input makes the loader fail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import mmap
import os
import re
import shutil
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from w3py.logs.fields import FIELDS, field_for_name, sql_column
from w3py.logs.reader import FileScan, decode_text, scan_file

__all__ = [
    "SUMMARY_COLUMNS",
    "Filters",
    "LoadResult",
    "Malformed",
    "collect_files",
    "columns_for_sql",
    "load_logs",
    "parse_when",
]

#: Columns the summary needs (SQL names); ``query`` loads every column instead.
SUMMARY_COLUMNS = (
    "cs_uri_stem", "c_ip", "sc_status", "sc_substatus", "sc_win32_status", "time_taken",
    "s_reason",  # HTTPERR files (loaded only when present)
)  # fmt: skip
#: How many malformed lines are kept with their text for the report (all are counted).
MAX_MALFORMED_SAMPLES = 20
#: Bytes read per chunk when inflating or transcoding into a temporary file.
_COPY_CHUNK = 8 * 1024 * 1024
_LOG_SUFFIXES = (".log", ".log.gz", ".gz", ".txt")
_SITE_DIR = re.compile(r"W3SVC(\d+)", re.IGNORECASE)

_CSV_OPTIONS = (
    "delim=' ', quote='', escape='', header=false, auto_detect=false, strict_mode=true, "
    "null_padding=false, ignore_errors=true, store_rejects=true"
)


@dataclass(slots=True)
class Malformed:
    """A line that does not match its ``#Fields`` (or has none, or was cut short)."""

    path: str
    line: int | None
    reason: str
    text: str


@dataclass(slots=True)
class Filters:
    """Row filters applied while loading. Times are naive UTC datetimes."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    sites: tuple[str, ...] = ()  # "3", "W3SVC3" or a site name (matched against s-sitename)
    statuses: tuple[str, ...] = ()  # "404", "404.13", "4xx"

    def sql(self) -> str:
        """The WHERE clause over the typed columns (``ts``, ``site``, ``sc_status``, ``sc_substatus``)."""
        parts = []
        if self.since is not None:
            parts.append(f"ts >= TIMESTAMP '{self.since.isoformat(sep=' ')}'")
        if self.until is not None:
            parts.append(f"ts < TIMESTAMP '{self.until.isoformat(sep=' ')}'")
        if self.sites:
            names = []
            for site in self.sites:
                s = site.strip()
                if s.isdigit():
                    s = f"W3SVC{int(s)}"
                names.append(_sql_str(s.lower()))
            parts.append(f"lower(site) IN ({', '.join(names)})")
        if self.statuses:
            alts = []
            for status in self.statuses:
                alts.append(_status_condition(status))
            parts.append("(" + " OR ".join(alts) + ")")
        return " AND ".join(parts)


def _status_condition(status: str) -> str:
    s = status.strip().lower()
    m = re.fullmatch(r"([1-5])xx", s)
    if m:
        return f"(sc_status BETWEEN {m.group(1)}00 AND {m.group(1)}99)"
    m = re.fullmatch(r"(\d{3})(?:\.(\d+))?", s)
    if not m:
        raise ValueError(f"not a status filter: {status!r} (use 404, 404.13 or 4xx)")
    if m.group(2) is None:
        return f"(sc_status = {int(m.group(1))})"
    return f"(sc_status = {int(m.group(1))} AND sc_substatus = {int(m.group(2))})"


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def columns_for_sql(sql: str) -> set[str] | None:
    """The columns a ``query`` must load for ``sql``: every identifier it mentions (a superset is harmless),
    or ``None`` (all columns) when it uses ``*`` or ``COLUMNS(...)``, which name columns indirectly.

    Loading only what the query reads lets DuckDB's CSV reader skip building the other columns, which is
    most of the load time on wide logs.
    """
    # A '*' other than count(*) may be a star expression (SELECT *, t.*); a multiplication only costs speed.
    if re.search(r"(?<!\()\s*\*", sql.replace("( *", "(*").replace("(\t*", "(*")) or re.search(
        r"\bcolumns\s*\(", sql, re.IGNORECASE
    ):
        return None
    return {w.lower() for w in _WORD.findall(sql)}


_RELATIVE = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_when(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """``--since``/``--until`` values: an ISO date or date-time (UTC), or an age such as ``24h``/``7d``."""
    text = text.strip()
    m = _RELATIVE.fullmatch(text)
    if m:
        now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return now - dt.timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2).lower()])
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a date/time: {text!r} (use 2026-03-17, 2026-03-17T10:00 or 24h)") from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(slots=True)
class FileInfo:
    """One input file as loaded."""

    path: str
    size: int
    encoding: str
    field_sets: list[tuple[str, ...]]
    rows: int = 0
    malformed: int = 0
    error: str | None = None  # why the file could not be read at all (it is skipped)


@dataclass(slots=True)
class LoadResult:
    """The DuckDB connection and what loading found: table ``all_logs`` holds every well-formed line, view
    ``logs`` the lines that pass the filters."""

    con: duckdb.DuckDBPyConnection
    files: list[FileInfo] = field(default_factory=list)
    rows: int = 0  # rows in the view ``logs`` (after filters)
    data_lines: int = 0  # well-formed data lines read (table ``all_logs``, before filters)
    malformed: int = 0
    malformed_samples: list[Malformed] = field(default_factory=list)
    directive_lines: int = 0
    columns: list[str] = field(default_factory=list)

    def add_malformed(self, item: Malformed) -> None:
        self.malformed += 1
        if len(self.malformed_samples) < MAX_MALFORMED_SAMPLES:
            self.malformed_samples.append(item)


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """The log files named by ``paths``: files as given, folders searched recursively (``*.log``, ``*.gz``)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs.sort()
                for name in sorted(names):
                    if name.lower().endswith(_LOG_SUFFIXES):
                        found.append(Path(root) / name)
        elif os.path.lexists(p):  # a dangling link is reported as unreadable later, not as a usage error
            found.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return found


@dataclass(slots=True)
class _Source:
    """One read_csv input: a file or a temporary file holding one segment of a file."""

    read_path: str
    fields: tuple[str, ...]
    origin: str  # the original file, for reports
    first_line: int  # line number in the original file of read_path's line 1
    site: str | None  # W3SVC<n> from the folder name, when no s-sitename field
    tail: bytes = b""  # a last line cut short (only on the source that ends the file)
    size: int = 0
    normalised: bool = False  # already rewritten with LF line endings
    transcoded: bool = False  # already rewritten from ANSI to UTF-8
    encoding: str = "utf-8"


class _Loader:
    def __init__(
        self, columns: Iterable[str] | None, filters: Filters | None, tmp: Path, declare: bool = True
    ) -> None:
        self.con = duckdb.connect()
        self.want = None if columns is None else set(columns)
        self.declare = declare
        self.filters = filters or Filters()
        self.tmp = tmp
        self.result = LoadResult(self.con)
        self._tmp_count = 0
        self.infos: dict[str, FileInfo] = {}
        self._table_columns: dict[str, str] = {}  # name -> SQL type, in creation order
        self._create_table()

    # --- the table ------------------------------------------------------------------------------------------
    def _create_table(self) -> None:
        cols = {"ts": "TIMESTAMP", "site": "VARCHAR", "file": "VARCHAR"}
        if self.declare and self.want is not None:
            # The summary's columns exist even when no file has the field (its queries name them).
            for f in FIELDS:
                if f.key in self.want:
                    cols[f.key] = f.sql_type
        self._table_columns = cols
        self.con.execute(f"CREATE TABLE all_logs ({', '.join(f'{_q(n)} {t}' for n, t in cols.items())})")

    def _ensure_column(self, name: str, sql_type: str = "VARCHAR") -> None:
        if name not in self._table_columns:
            self.con.execute(f"ALTER TABLE all_logs ADD COLUMN {_q(name)} {sql_type}")
            self._table_columns[name] = sql_type

    # --- planning -------------------------------------------------------------------------------------------
    def plan(self, path: Path) -> list[_Source]:
        origin = str(path)
        site = None
        for part in reversed(path.parts[:-1]):
            m = _SITE_DIR.fullmatch(part)
            if m:
                site = f"W3SVC{int(m.group(1))}"
                break
        read_path = path
        if path.name.lower().endswith(".gz"):
            read_path = self._temp(".log")
            with gzip.open(path, "rb") as src, open(read_path, "wb") as dst:
                shutil.copyfileobj(src, dst, _COPY_CHUNK)
        scan = scan_file(read_path, detect_encoding=False)  # DuckDB validates UTF-8 (see read())
        info = FileInfo(origin, scan.size, scan.encoding, sorted(scan.field_sets))
        self.result.files.append(info)
        self.result.directive_lines += scan.directive_lines
        # One field list (however often the header block repeats), UTF-8: DuckDB reads the file itself.
        simple = scan.encoding == "utf-8" and len(scan.field_sets) <= 1 and all(s.fields for s in scan.segments)
        if simple:
            if scan.segments:
                fields = scan.segments[0].fields
                return [_Source(str(read_path), fields, origin, 1, site, scan.truncated_tail, scan.size)]
            if scan.truncated_tail:
                self._malformed_tail(info, scan)
            return []
        return self._split(read_path, scan, origin, site, info)

    def _split(self, read_path: Path, scan: FileScan, origin: str, site: str | None, info: FileInfo) -> list[_Source]:
        sources = []
        with open(read_path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            line_no = 1
            pos = 0
            for i, seg in enumerate(scan.segments):
                line_no += data[pos : seg.start].count(b"\n")
                pos = seg.start
                if seg.fields is None:
                    # Data before any #Fields: nothing says what the values are.
                    for offset, raw in enumerate(data[seg.start : seg.end].split(b"\n")):
                        text = raw.rstrip(b"\r").removeprefix(b"\xef\xbb\xbf")
                        if text.strip(b" ") and not text.startswith(b"#"):
                            self._add_malformed(info, line_no + offset, "no #Fields line before it", _show(text))
                    continue
                last = i == len(scan.segments) - 1
                tmp = self._temp(".log")
                with open(tmp, "wb") as out:
                    with memoryview(data) as view, view[seg.start : seg.end] as segment:
                        out.write(segment)  # no copy of the segment in memory
                    if last and scan.truncated_tail:
                        out.write(scan.truncated_tail)
                tail = scan.truncated_tail if last else b""
                sources.append(_Source(str(tmp), seg.fields, origin, line_no, site, tail, seg.end - seg.start))
        if not scan.segments and scan.truncated_tail:
            self._malformed_tail(info, scan)
        elif scan.truncated_tail and scan.segments and scan.segments[-1].fields is None:
            self._malformed_tail(info, scan)
        return sources

    def _malformed_tail(self, info: FileInfo, scan: FileScan) -> None:
        self._add_malformed(info, None, "last line cut short (no newline)", _show(scan.truncated_tail))

    def _temp(self, suffix: str) -> Path:
        self._tmp_count += 1
        return self.tmp / f"src{self._tmp_count}{suffix}"

    # --- reading --------------------------------------------------------------------------------------------
    def read_all(
        self, sources: list[_Source], infos: dict[str, FileInfo], report: Callable[[int], None] | None = None
    ) -> None:
        """Read ``sources``: those that share a field list in one ``read_csv`` call each (a year of daily
        files costs one call, not 365), those with a cut last line one by one (see ``_read``)."""
        groups: dict[tuple[str, ...], list[_Source]] = {}
        singles = []
        for source in sources:
            if source.tail:
                singles.append(source)
            else:
                groups.setdefault(source.fields, []).append(source)
        done = 0
        for group in [*groups.values(), *([s] for s in singles)]:
            size = sum(s.size for s in group)
            if report is None:
                self._read(group, infos)
                continue
            with _ProgressPoller(self.con, lambda pct, d=done, sz=size: report(d + int(sz * pct / 100))):
                self._read(group, infos)
            done += size
            report(done)

    def _read(self, sources: list[_Source], infos: dict[str, FileInfo]) -> None:
        fields = sources[0].fields
        names = [sql_column(n) for n in fields]
        # Positional CSV columns: duplicate names in one #Fields (hand-edited files) must not collide.
        csv_cols = [f"c{i}" for i in range(len(names))]
        col_of: dict[str, str] = {}
        for i, name in enumerate(names):
            col_of.setdefault(name, csv_cols[i])
        select: dict[str, str] = {}
        for raw_name, name in zip(fields, names, strict=True):
            if name in select or name in ("ts", "site", "file"):
                continue
            if self.want is not None and name not in self.want:
                continue
            known = field_for_name(raw_name)
            if name not in self._table_columns:  # custom fields, HTTPERR fields
                self._ensure_column(name, known.sql_type if known is not None else "VARCHAR")
            value = f"NULLIF({col_of[name]}, '-')"
            if known is not None and known.plus_is_space:
                value = f"replace({value}, '+', ' ')"
            sql_type = self._table_columns.get(name, "VARCHAR")
            if sql_type != "VARCHAR":
                value = f"TRY_CAST({value} AS {sql_type})"
            select[name] = value
        if "date" in col_of and "time" in col_of:
            select["ts"] = (
                f"TRY_CAST(NULLIF({col_of['date']}, '-') AS DATE) + TRY_CAST(NULLIF({col_of['time']}, '-') AS TIME)"
            )
        # The original file and its site per source. read_csv's filename column is constant within a chunk,
        # so these CASEs are evaluated once per chunk, not per row.
        if len(sources) == 1:
            origin_expr = _sql_str(sources[0].origin)
            site_expr = _sql_str(sources[0].site) if sources[0].site else "NULL"
        else:
            # Most batches are plain files (read where they are) of one site folder: then the file is read_csv's
            # own filename column and the site a constant; only temporary copies need a CASE to map back.
            renamed = [s for s in sources if s.read_path != s.origin]
            origin_expr = "filename" if not renamed else "CASE filename " + " ".join(
                f"WHEN {_sql_str(s.read_path)} THEN {_sql_str(s.origin)}" for s in renamed
            ) + " ELSE filename END"
            sites = {s.site for s in sources}
            if len(sites) == 1:
                site = sites.pop()
                site_expr = _sql_str(site) if site else "NULL"
            else:
                site_expr = "CASE filename " + " ".join(
                    f"WHEN {_sql_str(s.read_path)} THEN {_sql_str(s.site)}" for s in sources if s.site
                ) + " END"  # fmt: skip
        if "s_sitename" in col_of:
            select["site"] = f"coalesce(NULLIF({col_of['s_sitename']}, '-'), {site_expr})"
        else:
            select["site"] = site_expr
        select["file"] = origin_expr
        first = csv_cols[0]
        columns_spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in csv_cols) + "}"
        paths = "[" + ", ".join(_sql_str(s.read_path) for s in sources) + "]"
        sql = (
            f"INSERT INTO all_logs BY NAME SELECT {', '.join(f'{v} AS {_q(k)}' for k, v in select.items())} "
            f"FROM read_csv({paths}, columns={columns_spec}, filename=true, {_CSV_OPTIONS}) "
            # Directives are not rows. A first value that is empty (a line starting with a space) is NULL, so
            # the test must not let NULL drop the row; a line of nothing but spaces (all NULL) is blank.
            f"WHERE NOT coalesce(starts_with({first}, '#') OR starts_with({first}, '\ufeff#'), false) "
            f"AND NOT ({' AND '.join(f'{c} IS NULL' for c in csv_cols)})"
        )
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(sql)
        except duckdb.InvalidInputException:
            # Mixed CRLF/LF line endings defeat DuckDB's newline detection: normalise and read again.
            self.con.execute("ROLLBACK")
            if len(sources) > 1:
                for source in sources:
                    self._read([source], infos)
            elif sources[0].normalised:
                raise
            else:
                self._read([self._rewritten(sources[0], normalise=True)], infos)
            return
        bad = self._reject_table()
        if bad:
            # Not UTF-8: an ANSI file (logInUTF8=false). Read it again as Windows-1252 text.
            self.con.execute("ROLLBACK")
            good = [s for s in sources if s.read_path not in bad]
            if good:
                self._read(good, infos)
            for source in sources:
                if source.read_path in bad:
                    if source.transcoded:  # decode_text always yields valid UTF-8: cannot happen
                        raise RuntimeError(f"{source.origin}: still not UTF-8 after transcoding")
                    source = self._rewritten(source, transcode=True)
                    infos[source.origin].encoding = source.encoding
                    self._read([source], infos)
            return
        self.con.execute("COMMIT")
        by_path = {s.read_path: s for s in sources}
        # Counted in SQL (a file of a million bad lines must not cost a million Python objects); only the first
        # few come to Python, as samples.
        counts = dict(self.con.execute("SELECT path, count(*) FROM _rejects GROUP BY path").fetchall())
        samples = self.con.execute(
            "SELECT path, line, text, reason FROM _rejects ORDER BY path, line LIMIT ?", [MAX_MALFORMED_SAMPLES + 1]
        ).fetchall()
        if len(sources) == 1 and sources[0].tail:
            source = sources[0]
            tail_text = _show(source.tail, limit=1 << 30)
            self._add_malformed(infos[source.origin], None, "last line cut short (no newline)", _show(source.tail))
            if tail_text.lstrip("\ufeff").startswith("#"):
                pass  # a directive cut short: filtered from rows and rejects like any directive
            elif _parses_as_row(tail_text, len(csv_cols)):
                # Rows keep file order, so the cut line is the last row this source produced.
                self.con.execute("DELETE FROM all_logs WHERE rowid = (SELECT max(rowid) FROM all_logs)")
            else:
                # The cut line is the source's last line, so its reject (if any) is the last one: not a second
                # problem of the same line.
                last = self.con.execute(
                    "SELECT line, text FROM _rejects WHERE path = ? ORDER BY line DESC LIMIT 1", [source.read_path]
                ).fetchone()
                if last is not None and last[1] == tail_text:
                    counts[source.read_path] -= 1
                    samples = [r for r in samples if not (r[0] == source.read_path and r[1] == last[0])]
        for path, n in counts.items():
            infos[(by_path.get(path) or sources[0]).origin].malformed += n
            self.result.malformed += n
        for path, line, text, reason in samples:
            if len(self.result.malformed_samples) >= MAX_MALFORMED_SAMPLES:
                break
            source = by_path.get(path) or sources[0]
            self.result.malformed_samples.append(
                Malformed(source.origin, source.first_line + line - 1, reason, _show(text))
            )

    def _add_malformed(self, info: FileInfo, line: int | None, reason: str, text: str) -> None:
        info.malformed += 1
        self.result.add_malformed(Malformed(info.path, line, reason, text))

    def _reject_table(self) -> set[str]:
        """Build ``_rejects`` (path, line, text, reason) from the lines the last scan rejected, directives and
        blank lines left out; return the paths DuckDB found not to be UTF-8."""
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _rejects AS
            WITH r AS (
                SELECT s.file_path AS path, e.line AS line,
                       coalesce(rtrim(ltrim(any_value(e.csv_line), chr(13) || chr(10) || chr(65279)), chr(13)), '')
                           AS text,
                       list(DISTINCT e.error_type ORDER BY e.error_type) AS types
                FROM reject_errors e JOIN reject_scans s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
                WHERE e.scan_id = (SELECT max(scan_id) FROM reject_scans)
                GROUP BY s.file_path, e.line
            )
            SELECT path, line, text,
                   CASE WHEN list_contains(types, 'INVALID ENCODING') THEN 'invalid encoding'
                        WHEN types[1] = 'TOO MANY COLUMNS' THEN 'more values than #Fields'
                        WHEN types[1] = 'MISSING COLUMNS' THEN 'fewer values than #Fields'
                        ELSE lower(types[1]) END AS reason
            FROM r
            WHERE list_contains(types, 'INVALID ENCODING') OR NOT (starts_with(text, '#') OR trim(text) = '')
            """
        )
        rows = self.con.execute("SELECT DISTINCT path FROM _rejects WHERE reason = 'invalid encoding'").fetchall()
        return {path for (path,) in rows}

    def _rewritten(self, source: _Source, *, normalise: bool = False, transcode: bool = False) -> _Source:
        """A copy of ``source`` in a temporary file, with LF line endings or transcoded to UTF-8."""
        tmp = self._temp(".log")
        with open(source.read_path, "rb") as src:
            data = src.read()
        encoding = source.encoding
        if transcode:
            text, encoding = decode_text(data)
            data = text.encode("utf-8")
        if normalise:
            data = data.replace(b"\r\n", b"\n")
            if b"\r" in data:
                # A carriage return inside a line (binary junk, a broken writer) stops DuckDB's reader for the
                # whole file. Such a line is malformed: report it and blank it out, which keeps the line
                # numbers of the others (DuckDB skips empty lines but counts them).
                lines = data.split(b"\n")
                for index, raw in enumerate(lines):
                    if b"\r" in raw:
                        self._add_malformed(
                            self.infos[source.origin], source.first_line + index, "carriage return inside the line",
                            _show(raw.replace(b"\r", b"\\r")),
                        )  # fmt: skip
                        lines[index] = b""
                data = b"\n".join(lines)
        tmp.write_bytes(data)
        return dataclasses.replace(
            source,
            read_path=str(tmp),
            normalised=source.normalised or normalise,
            transcoded=source.transcoded or transcode,
            encoding=encoding,
        )


def _parses_as_row(text: str, count: int) -> bool:
    """Whether DuckDB's reader (as configured) makes a row of ``text``: ``count`` values, spaces after the last
    one ignored, and not a line of nothing but spaces."""
    parts = text.split(" ")
    if not any(parts):
        return False
    if len(parts) > count and not any(parts[count:]):
        del parts[count:]
    return len(parts) == count




def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _show(text: bytes | str, limit: int = 300) -> str:
    if isinstance(text, bytes):
        text = text.rstrip(b"\r").decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "…"


def load_logs(
    paths: Iterable[Path | str],
    *,
    columns: Iterable[str] | None = SUMMARY_COLUMNS,
    declare_columns: bool = True,
    filters: Filters | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    threads: int | None = None,
) -> LoadResult:
    """Load the W3C logs under ``paths`` into table ``logs`` of a fresh in-memory DuckDB.

    ``columns`` limits the W3C columns loaded (``None``: every field found, including custom ones). With
    ``declare_columns`` the known fields among ``columns`` exist in the table even if no file has them;
    otherwise the table has the columns of the fields found (plus ``ts``, ``site``, ``file``).
    ``progress(done_bytes, total_bytes, "")`` is called after each DuckDB read and several times a second
    during one (from ``query_progress()``).
    """
    files = collect_files(paths)
    total = sum(_size(p) for p in files)
    with tempfile.TemporaryDirectory(prefix="w3py-logs-") as tmp:
        loader = _Loader(columns, filters, Path(tmp), declare_columns)
        if threads:
            loader.con.execute(f"SET threads = {int(threads)}")
        sources: list[_Source] = []
        for path in files:  # the byte scans: fast, so they count for little in the progress
            try:
                sources += loader.plan(path)
            except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
                # Unreadable, vanished, or a broken archive: report it and go on with the other files.
                if loader.result.files and loader.result.files[-1].path == str(path):
                    loader.result.files.pop()
                loader.result.files.append(FileInfo(str(path), _size(path), "-", [], error=_describe(exc)))
        infos = loader.infos = {f.path: f for f in loader.result.files}
        source_total = sum(s.size for s in sources) or 1

        def report(done: int) -> None:
            progress(min(total, int(total * done / source_total)), total, "")  # type: ignore[misc]

        loader.read_all(sources, infos, report if progress is not None else None)
        if progress is not None:
            progress(total, total, "")
        loader.result.malformed_samples.sort(key=lambda m: (m.path, m.line if m.line is not None else 1 << 62))
        for origin, n in loader.con.execute("SELECT file, count(*) FROM all_logs GROUP BY file").fetchall():
            if origin in infos:
                infos[origin].rows = n
        result = loader.result
        result.data_lines = sum(f.rows for f in result.files)
        where = (filters or Filters()).sql()
        result.con.execute(f"CREATE VIEW logs AS SELECT * FROM all_logs{' WHERE ' + where if where else ''}")
        result.rows = result.con.execute("SELECT count(*) FROM logs").fetchone()[0]
        result.columns = [r[0] for r in result.con.execute("DESCRIBE logs").fetchall()]
        for table in ("reject_errors", "reject_scans"):
            try:
                result.con.execute(f"DROP TABLE IF EXISTS {table}")
            except duckdb.Error:
                pass
    return result


class _ProgressPoller:
    """Reports DuckDB's progress on the running query from a helper thread while a big file loads."""

    INTERVAL_S = 0.2

    def __init__(self, con: duckdb.DuckDBPyConnection, report: Callable[[float], None]) -> None:
        self._con, self._report = con, report
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="w3py-logs-progress", daemon=True)
        # DuckDB tracks progress only with its progress bar on; ours is drawn instead of its own.
        con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")

    def _run(self) -> None:
        while not self._stop.wait(self.INTERVAL_S):
            try:
                pct = self._con.query_progress()
            except duckdb.Error:
                continue
            if pct is not None and 0 <= pct <= 100:
                self._report(pct)

    def __enter__(self) -> _ProgressPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
