"""HttpLoggingModule's file format: the per-site W3C extended log, named and rolled over as IIS does (and the
NCSA Common Log Format, ``NCSALogWriter`` at the end, for ``logFormat="NCSA"``).

Reproduced from IIS (iis-reference.md §1.9 ``logFile``, §2.1, §2.2):

* Files live in ``<logFile/@directory>/W3SVC<siteId>/``. The name is ``u_`` (when
  ``system.applicationHost/log/@logInUTF8`` is true, its default) + ``ex`` + a period stamp + ``.log``:
  ``exYYMMDDHH`` (Hourly), ``exYYMMDD`` (Daily, the default), ``exYYMMWW`` (Weekly: ``WW`` is the week of
  the month, weeks starting on Sunday, so a new file starts each Sunday and on the 1st), ``exYYMM``
  (Monthly), ``extendN`` (MaxSize: a new N when the file reaches ``truncateSize``; "Unlimited", IIS
  Manager's "do not create new log files", is MaxSize without a size limit).
* A period's file is created lazily by its first line. The boundary is midnight/the hour in UTC, or in local
  time when ``localTimeRollover`` is true; the ``date``/``time`` fields are always UTC.
* Each file starts with ``#Software``, ``#Version: 1.0``, ``#Date`` (UTC start of the section) and
  ``#Fields``; the block is written again when the field set changes (see ``_files`` for how several
  processes agree on that). Lines end with CRLF as on Windows.
* Fields come from ``logExtFileFlags`` in IIS's order (``fields.FIELDS``), then ``customFields`` in
  configuration order; a custom field's value is cut at ``maxCustomFieldLength`` and a line longer than
  ``maxLogLineLength`` has its longest values shortened so it keeps its field count.
* ``s-sitename`` is ``W3SVC<id>`` (``logSiteId`` true, the default) or the site's name.
* ``flushByEntryCountW3CLog`` (0, the default: IIS's 64 KB buffer) makes the flusher write after that many
  lines; ``logTargetW3C`` without ``File`` (ETW only) writes no file.

The record handed to :meth:`W3CLogWriter.write` is a mapping or an object whose keys/attributes are the
field keys of ``fields.FIELDS`` (``cs_uri_stem``, ``sc_status``, ``time_taken`` in milliseconds …, see
:class:`W3CRecord`). ``date``/``time`` default to the clock's current UTC time; ``s_sitename`` and
``s_computername`` default to the writer's. Custom fields are read from ``request_headers``,
``response_headers`` and ``server_variables`` (mappings with lower-case keys for headers), or from a
``custom`` mapping keyed by ``logFieldName`` when the caller resolved them itself.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import operator
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from w3py.core import clock
from w3py.logs._files import BufferedLog, LogFile, highest_sequence
from w3py.logs.fields import (
    ANSI_ENCODING,
    DEFAULT_FLAGS,
    W3C_SOFTWARE,
    W3CField,
    encode_value,
    fields_for_flags,
)

__all__ = [
    "W3CLogWriter",
    "W3CRecord",
    "CustomField",
    "log_file_name",
    "period_stamp",
    "DEFAULT_TRUNCATE_SIZE",
    "LINE_END",
    "CENTRAL_FOLDER",
    "CENTRAL_W3C_MODE",
]

log = logging.getLogger("w3py.logs")

#: ``logFile/@truncateSize`` default (20 MB) and the smallest value IIS accepts (smaller ones become 1 MB).
DEFAULT_TRUNCATE_SIZE = 20971520
MIN_TRUNCATE_SIZE = 1048576
#: ``logFile/@maxLogLineLength`` default: a longer line has its longest values shortened.
DEFAULT_MAX_LINE_CHARS = 65536
#: ``customFields/@maxCustomFieldLength`` default.
DEFAULT_MAX_CUSTOM_FIELD_CHARS = 4096
#: Windows line ending, as in every IIS log file.
LINE_END = "\r\n"
#: The folder of the central W3C log (``centralLogFileMode="CentralW3C"``) under its directory: one log for
#: every site, so no site id (IIS writes ``...\LogFiles\W3SVC\u_exYYMMDD.log``).
CENTRAL_FOLDER = "W3SVC"
#: ``system.applicationHost/log/@centralLogFileMode`` value for the central W3C log.
CENTRAL_W3C_MODE = "CentralW3C"

# The characters fields.encode_value writes as "+" besides the space (C0, DEL, C1, U+2028/U+2029).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

_PERIODS = {"maxsize": "MaxSize", "unlimited": "Unlimited", "daily": "Daily", "weekly": "Weekly",
            "monthly": "Monthly", "hourly": "Hourly"}  # fmt: skip
_SOURCE_TYPES = {"requestheader": "RequestHeader", "responseheader": "ResponseHeader",
                 "servervariable": "ServerVariable"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class CustomField:
    """One ``logFile/customFields/add``: the column ``log_field_name`` filled from ``source_name``."""

    log_field_name: str
    source_name: str
    source_type: str = "RequestHeader"


@dataclass(slots=True)
class W3CRecord:
    """The values of one request's log line. ``None`` is written ``-``."""

    date: str | None = None
    time: str | None = None
    s_sitename: str | None = None
    s_computername: str | None = None
    s_ip: str | None = None
    cs_method: str | None = None
    cs_uri_stem: str | None = None
    cs_uri_query: str | None = None
    s_port: int | None = None
    cs_username: str | None = None
    c_ip: str | None = None
    cs_version: str | None = None
    cs_user_agent: str | None = None
    cs_cookie: str | None = None
    cs_referer: str | None = None
    cs_host: str | None = None
    sc_status: int | None = None
    sc_substatus: int | None = None
    sc_win32_status: int | None = None
    sc_bytes: int | None = None
    cs_bytes: int | None = None
    time_taken: int | None = None
    request_headers: Mapping[str, str] | None = None
    response_headers: Mapping[str, str] | None = None
    server_variables: Mapping[str, str] | None = None
    custom: Mapping[str, str] | None = None


# --- file names -------------------------------------------------------------------------------------------


def _week_of_month(day: dt.date) -> int:
    # Week 1 runs from the 1st to the first Saturday; each Sunday starts the next week (KB Q242898 "ww").
    first_sunday_based = (day.replace(day=1).weekday() + 1) % 7  # Sunday = 0
    return (day.day - 1 + first_sunday_based) // 7 + 1


def _to_timestamp(naive: dt.datetime, local: bool) -> float:
    if local:
        return naive.timestamp()  # a naive datetime is taken as local time
    return float(calendar.timegm(naive.timetuple()))


def period_stamp(period: str, now: float, local: bool = False) -> tuple[str, float]:
    """The file-name stamp for ``period`` at ``now`` and the timestamp at which the next period starts.

    ``period`` is Hourly, Daily, Weekly or Monthly (case-insensitive).
    """
    moment = dt.datetime.fromtimestamp(now) if local else dt.datetime.fromtimestamp(now, dt.UTC).replace(tzinfo=None)
    kind = period.lower()
    yymm = f"{moment.year % 100:02d}{moment.month:02d}"
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "hourly":
        start = moment.replace(minute=0, second=0, microsecond=0)
        return f"{yymm}{moment.day:02d}{moment.hour:02d}", _to_timestamp(start + dt.timedelta(hours=1), local)
    if kind == "daily":
        return f"{yymm}{moment.day:02d}", _to_timestamp(midnight + dt.timedelta(days=1), local)
    next_month = (midnight.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if kind == "monthly":
        return yymm, _to_timestamp(next_month, local)
    if kind == "weekly":
        days_to_sunday = 7 - (moment.weekday() + 1) % 7
        boundary = min(midnight + dt.timedelta(days=days_to_sunday), next_month)
        return f"{yymm}{_week_of_month(moment.date()):02d}", _to_timestamp(boundary, local)
    raise ValueError(f"not a time-based logFile period: {period!r}")


def log_file_name(period: str, now: float, *, utf8: bool = True, local: bool = False, sequence: int = 1,
                  prefix: str = "ex", size_prefix: str = "extend") -> str:
    """IIS's file name for ``period`` at ``now`` (``u_ex260317.log``, ``u_extend3.log`` …). ``prefix`` and
    ``size_prefix`` name the format: ``ex``/``extend`` for W3C, ``nc``/``ncsa`` for NCSA (reference §2.1)."""
    utf8_mark = "u_" if utf8 else ""
    if period.lower() in ("maxsize", "unlimited"):
        return f"{utf8_mark}{size_prefix}{sequence}.log"
    return f"{utf8_mark}{prefix}{period_stamp(period, now, local)[0]}.log"


# --- the writer -------------------------------------------------------------------------------------------

#: A NetBIOS computer name has at most 15 characters.
NETBIOS_NAME_CHARS = 15


def netbios_name(hostname: str | None = None) -> str:
    """The computer name as IIS writes it in ``s-computername`` (and the IIS format's server name): Windows'
    NetBIOS name, i.e. the first label of the host name, upper-case, at most 15 characters
    (``web-01.example.com`` → ``WEB-01``)."""
    name = (hostname if hostname is not None else socket.gethostname()).split(".", 1)[0]
    return name[:NETBIOS_NAME_CHARS].upper() or "-"



def _get(obj: object, key: str):
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _normalise_custom(custom_fields: object) -> tuple[CustomField, ...]:
    """Accept the config layer's collection (``.items``), a list of objects, or a list of dicts."""
    if custom_fields is None:
        return ()
    items = getattr(custom_fields, "items", custom_fields)
    if callable(items):  # a plain dict passed by mistake: its keys are not entries
        items = custom_fields.values()  # type: ignore[union-attr]
    result = []
    for item in items:  # type: ignore[union-attr]
        name, source, kind = (
            _get(item, "log_field_name"),
            _get(item, "source_name"),
            _get(item, "source_type") or "RequestHeader",
        )
        canonical = _SOURCE_TYPES.get(str(kind).replace("_", "").lower())
        if not name or not source or canonical is None:
            raise ValueError(f"invalid logFile customFields entry: {item!r}")
        result.append(CustomField(str(name), str(source), canonical))
    return tuple(result)


class W3CLogWriter(BufferedLog):
    """One site's W3C log files. ``write(record)`` never touches the disk; see ``_files`` for flushing."""

    # File names of this format (reference §2.1): <u_><prefix><period stamp>.log, <u_><size prefix>N.log.
    FILE_PREFIX = "ex"
    SIZE_PREFIX = "extend"

    def __init__(
        self,
        site_id: int,
        directory: Path | str,
        *,
        period: str = "Daily",
        truncate_size: int = DEFAULT_TRUNCATE_SIZE,
        local_time_rollover: bool = False,
        log_ext_file_flags: Iterable[str] | str = DEFAULT_FLAGS,
        custom_fields: object = (),
        log_in_utf8: bool = True,
        site_name: str | None = None,
        log_site_id: bool = True,
        computer_name: str | None = None,
        max_log_line_length: int = DEFAULT_MAX_LINE_CHARS,
        max_custom_field_length: int = DEFAULT_MAX_CUSTOM_FIELD_CHARS,
        flush_by_entry_count_w3c_log: int = 0,
        folder: str | None = None,
    ) -> None:
        self.site_id = int(site_id)
        # W3SVC<id> for a site's log; the central log (one file for every site) lives in W3SVC
        self.directory = Path(directory) / (folder or f"W3SVC{self.site_id}")
        #: Whether this is the server's central W3C log: its lines carry each request's own s-sitename.
        self.central = folder == CENTRAL_FOLDER
        canonical = _PERIODS.get(str(period).lower())
        if canonical is None:
            raise ValueError(f"unknown logFile period: {period!r}")
        self.period = canonical
        self.size_based = canonical in ("MaxSize", "Unlimited")
        self.truncate_size = None if canonical == "Unlimited" else max(int(truncate_size), MIN_TRUNCATE_SIZE)
        self.local_time_rollover = bool(local_time_rollover)
        self.utf8 = bool(log_in_utf8)
        self.fields: tuple[W3CField, ...] = fields_for_flags(
            log_ext_file_flags if isinstance(log_ext_file_flags, str) else frozenset(log_ext_file_flags)
        )
        self.custom_fields = _normalise_custom(custom_fields)
        self.max_line_chars = max(int(max_log_line_length), 1)
        self.max_custom_chars = max(int(max_custom_field_length), 1)
        self.field_names = tuple(f.name for f in self.fields) + tuple(c.log_field_name for c in self.custom_fields)
        self.fields_line = "#Fields: " + " ".join(self.field_names)
        # flushByEntryCountW3CLog: wake the flusher after this many lines (0: by size and time only).
        self._flush_every = max(int(flush_by_entry_count_w3c_log), 0)
        self._unflushed = 0
        self._site_name = f"W3SVC{self.site_id}" if log_site_id or not site_name else site_name
        self._computer_name = computer_name or netbios_name()
        self._encoding = "utf-8" if self.utf8 else ANSI_ENCODING
        # Compiled once (STYLE §2.4): the record keys in field order, and which ones the writer fills.
        self._keys = tuple(f.key for f in self.fields)
        self._attrgetter = operator.attrgetter(*self._keys) if self._keys else (lambda r: ())
        defaults = {
            "date": lambda: clock.CLOCK.w3c()[0],
            "time": lambda: clock.CLOCK.w3c()[1],
            "s_sitename": lambda: self._site_name,
            "s_computername": lambda: self._computer_name,
        }
        self._defaults = tuple((i, defaults[k]) for i, k in enumerate(self._keys) if k in defaults)
        # Rollover state: the current period's file name and when the next period starts.
        self._period: tuple[float, float, str] = (float("inf"), float("-inf"), "")  # (rolled at, next, name)
        self._sequence = 0
        self._file: LogFile | None = None
        owner = "the central W3C log" if self.central else f"the W3C log of site {self.site_id}"
        super().__init__(f"{owner} in {self.directory}")

    @property
    def s_sitename(self) -> str:
        """The value of the ``s-sitename`` field (``W3SVC<id>`` or the site's name)."""
        return self._site_name

    @property
    def s_computername(self) -> str:
        """The value of the ``s-computername`` field."""
        return self._computer_name

    @classmethod
    def from_site(cls, site: object, log_in_utf8: object = True) -> W3CLogWriter | None:
        """The writer for a config ``Site`` (``site.id``, ``site.name``, ``site.log_file``), or ``None`` when
        the site's logging is off or its format is not W3C (the only one w3py writes; reported once).

        ``log_in_utf8`` is a bool or the server's ``log`` section (its ``log_in_utf8``).
        """
        lf = site.log_file  # type: ignore[attr-defined]
        if not getattr(lf, "enabled", True):
            return None
        targets = getattr(lf, "log_target_w3c", None)
        if targets is not None and "File" not in targets:
            return None  # logTargetW3C="ETW" only: IIS writes no file (ETW itself is not reproduced)
        fmt = str(getattr(lf, "log_format", "W3C") or "W3C")
        if fmt.upper() in _OTHER_FORMATS and cls is W3CLogWriter:
            cls = _OTHER_FORMATS[fmt.upper()]
        elif fmt.upper() != "W3C":
            # Say plainly that the site goes unlogged: the admin chose a format w3py does not write (Custom:
            # a third-party logging module), and writing W3C files in its place would break their tools.
            site_id = site.id  # type: ignore[attr-defined]
            log.warning("site %s: logFile logFormat=%s is not supported (w3py writes W3C, IIS and NCSA): "
                        "requests to this site are not logged; set logFormat=\"W3C\" to log them", site_id, fmt)
            return None
        if getattr(lf, "directory", None) is None:
            raise ValueError(f"site {site.id}: logFile has no directory")  # type: ignore[attr-defined]
        utf8 = log_in_utf8 if isinstance(log_in_utf8, bool) else getattr(log_in_utf8, "log_in_utf8", True)
        kwargs = {}
        for attr in ("max_log_line_length", "log_site_id", "flush_by_entry_count_w3c_log"):
            if hasattr(lf, attr):
                kwargs[attr] = getattr(lf, attr)
        custom = getattr(lf, "custom_fields", ())
        if hasattr(custom, "max_custom_field_length"):
            kwargs["max_custom_field_length"] = custom.max_custom_field_length
        return cls(
            site.id,  # type: ignore[attr-defined]
            lf.directory,
            period=lf.period,
            truncate_size=lf.truncate_size,
            local_time_rollover=lf.local_time_rollover,
            log_ext_file_flags=lf.log_ext_file_flags,
            custom_fields=custom,
            log_in_utf8=bool(utf8),
            site_name=getattr(site, "name", None),
            **kwargs,
        )

    @classmethod
    def central(cls, log_section: object) -> W3CLogWriter | None:
        """The server's central W3C log, when ``system.applicationHost/log`` asks for one
        (``centralLogFileMode="CentralW3C"`` and ``centralW3CLogFile enabled="true"``), else ``None``.

        One file for every site in ``<centralW3CLogFile directory>/W3SVC/``, named, rolled over and filled as
        the central element's ``period``, ``truncateSize``, ``localTimeRollover`` and ``logExtFileFlags`` say
        (the default adds SiteName to the site default). The record's ``s_sitename`` names each line's site.
        The central element has no ``customFields``: they belong to a site's ``logFile``.
        """
        if str(getattr(log_section, "central_log_file_mode", "Site")) != CENTRAL_W3C_MODE:
            return None
        central = log_section.central_w3c_log_file  # type: ignore[attr-defined]
        if not getattr(central, "enabled", True):
            return None
        if getattr(central, "directory", None) is None:
            raise ValueError("centralW3CLogFile has no directory")
        return cls(
            0,
            central.directory,
            period=central.period,
            truncate_size=central.truncate_size,
            local_time_rollover=central.local_time_rollover,
            log_ext_file_flags=central.log_ext_file_flags,
            log_in_utf8=bool(getattr(log_section, "log_in_utf8", True)),
            folder=CENTRAL_FOLDER,
        )

    # --- formatting (the per-request path) --------------------------------------------------------------
    def format_line(self, record: object) -> str:
        """The encoded line for ``record`` (without the line ending).

        The per-request path (STYLE §2.4): values are fetched with one ``attrgetter`` call, spaces are
        replaced per value with ``str.replace`` and the controls in one regex pass over the joined line.
        That pass is safe on the whole line because no separator is a control character, and gives the
        same result as ``fields.encode_value`` on each value (a property test checks it).
        """
        if isinstance(record, Mapping):
            getter = record.get
            values = [getter(k) for k in self._keys]
        else:
            try:
                values = list(self._attrgetter(record)) if len(self._keys) > 1 else [self._attrgetter(record)]
            except AttributeError:  # an object with only some of the attributes
                values = [getattr(record, k, None) for k in self._keys]

            def getter(key: str, _r=record):
                return getattr(_r, key, None)

        for index, default in self._defaults:
            if values[index] is None:
                values[index] = default()
        if self.custom_fields:
            for custom in self.custom_fields:
                value = self._custom_value(getter, custom)
                if value is not None and len(value) > self.max_custom_chars:
                    value = value[: self.max_custom_chars]
                values.append(value)
        parts = []
        for value in values:
            kind = type(value)
            if kind is str:
                if not value:
                    value = "-"
                elif " " in value:
                    value = value.replace(" ", "+")
            elif kind is int:
                value = str(value)
            else:
                value = encode_value(value)
            parts.append(value)
        return self.finish_line(" ".join(parts))

    def finish_line(self, line: str) -> str:
        """The last steps of the value encoding, done once on the joined line: controls become ``+`` (safe on
        the whole line because no separator is a control character), a line longer than
        ``maxLogLineLength`` has its longest values shortened, and a line never starts with ``#`` (a
        directive). For callers that join the fields themselves (``HttpLoggingModule``'s compiled lines)."""
        # isprintable() is a fast C scan that is False for every character _CONTROLS matches (and for a few
        # more, such as a no-break space, which the substitution then leaves alone).
        if not line.isprintable():
            line = _CONTROLS.sub("+", line)
        if len(line) > self.max_line_chars:
            line = self._shorten(line.split(" "))
        if line.startswith("#"):  # only possible when the first field is client-controlled
            line = "+" + line[1:]
        return line

    @staticmethod
    def _custom_value(getter, custom: CustomField) -> str | None:
        resolved = getter("custom")
        if resolved and custom.log_field_name in resolved:
            return resolved[custom.log_field_name]
        if custom.source_type == "ServerVariable":
            source = getter("server_variables")
            return source.get(custom.source_name) if source else None
        source = getter("request_headers" if custom.source_type == "RequestHeader" else "response_headers")
        if not source:
            return None
        value = source.get(custom.source_name.lower())
        return source.get(custom.source_name) if value is None else value

    def _shorten(self, values: list[str]) -> str:
        excess = sum(map(len, values)) + len(values) - 1 - self.max_line_chars
        while excess > 0:
            longest = max(range(len(values)), key=lambda i: len(values[i]))
            cut = min(excess, len(values[longest]) - 1)
            if cut <= 0:
                break
            values[longest] = values[longest][: len(values[longest]) - cut]
            excess -= cut
        return " ".join(values)

    def write(self, record: object) -> None:
        """Buffer the line for ``record`` in the file of the current period."""
        if not self._closed:
            self.write_line(self.format_line(record))

    def write_line(self, line: str) -> None:
        """Buffer ``line`` (already encoded: ``format_line`` or ``finish_line`` made it) in the file of the
        current period."""
        if self._closed:
            return
        if self.size_based:
            target = ""
        else:
            now = clock.CLOCK.time()
            rolled_at, boundary, target = self._period
            if not rolled_at <= now < boundary:  # a new period, or the clock was set back
                target = self._roll(now)
        self._add(target, line + LINE_END)
        if self._flush_every:
            self._unflushed += 1
            if self._unflushed >= self._flush_every:
                self._unflushed = 0
                self.request_flush()

    def _roll(self, now: float) -> str:
        stamp, boundary = period_stamp(self.period, now, self.local_time_rollover)
        name = f"{'u_' if self.utf8 else ''}{self.FILE_PREFIX}{stamp}.log"
        # One assignment, so a thread never sees the new boundary with the old file name.
        self._period = (now, boundary, name)
        return name

    @property
    def current_path(self) -> Path:
        """The file the next lines go to."""
        if self.size_based:
            seq = max(self._sequence, 1)
            return self.directory / log_file_name(self.period, 0, utf8=self.utf8, sequence=seq,
                                                  prefix=self.FILE_PREFIX, size_prefix=self.SIZE_PREFIX)
        name = self._period[2] or self._roll(clock.CLOCK.time())
        return self.directory / name

    # --- BufferedLog --------------------------------------------------------------------------------------
    def _header(self, started: str) -> bytes:
        return (
            f"#Software: {W3C_SOFTWARE}{LINE_END}#Version: 1.0{LINE_END}#Date: {started}{LINE_END}"
            f"{self.fields_line}{LINE_END}"
        ).encode("ascii", "replace")

    def _open(self, path: Path) -> LogFile:
        if self._file is None or self._file.path != path:
            if self._file is not None:
                self._file.close()
            self._file = LogFile(path, self.fields_line)
        return self._file

    def _write_batches(self, batches: list[tuple[object, list[str], str]]) -> None:
        for target, lines, started in batches:
            body = "".join(lines).encode(self._encoding, "replace")
            header = self._header(started)
            if not self.size_based:
                self._open(self.directory / str(target)).append(body, header)
                continue
            if self._sequence == 0:
                series = ("u_" if self.utf8 else "") + self.SIZE_PREFIX
                self._sequence = max(highest_sequence(self.directory, series), 1)
            while self._open(self.current_path).append(body, header, self.truncate_size) is None:
                self._sequence += 1

    def _close_files(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Characters of a URL path written as they are in the NCSA request line; the rest is percent-encoded so that a
# decoded path with a space, a quote or a control character cannot break the line's fields.
_NCSA_PATH_SAFE = "/:@!$&'()*+,;=~-._%"


class NCSALogWriter(W3CLogWriter):
    """``logFormat="NCSA"``: the NCSA Common Log Format IIS writes (reference §2.4, file names §2.1).

    One line per request, space-separated, no header block::

        203.0.113.7 - alice [17/Mar/2026:09:12:44 +0000] "GET /a/b.htm?x=1 HTTP/1.1" 200 1234

    remote host, ``-`` (remote log name), user (``-`` for anonymous), local time with its UTC offset, the
    request line (method, path with its query, version), status, bytes sent. Files are ``ncYYMMDD.log`` …
    (``ncsaN.log`` for MaxSize), with the ``u_`` prefix when logs are UTF-8; period, rollover and flushing are
    the W3C writer's. ``logExtFileFlags`` and ``customFields`` do not apply: the format is fixed.
    """

    FILE_PREFIX = "nc"
    SIZE_PREFIX = "ncsa"

    def __init__(self, site_id: int, directory: Path | str, **kwargs: object) -> None:
        kwargs.pop("custom_fields", None)  # fixed format: no custom fields (and no custom-field lookups)
        super().__init__(site_id, directory, **kwargs)  # type: ignore[arg-type]

    def format_line(self, record: object) -> str:
        get = record.get if isinstance(record, Mapping) else (lambda key, _r=record: getattr(_r, key, None))
        moment = dt.datetime.fromtimestamp(clock.CLOCK.time()).astimezone()
        offset = moment.strftime("%z") or "+0000"
        stamp = (f"{moment.day:02d}/{_MONTHS[moment.month - 1]}/{moment.year}:"
                 f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {offset}")
        path = quote(str(get("cs_uri_stem") or "/"), safe=_NCSA_PATH_SAFE)
        query = get("cs_uri_query")
        if query:
            path += "?" + quote(str(query), safe=_NCSA_PATH_SAFE + "?")
        request_line = f"{get('cs_method') or '-'} {path} {get('cs_version') or 'HTTP/1.1'}"
        sent = get("sc_bytes")
        fields = [encode_value(get("c_ip")), "-", encode_value(get("cs_username")), f"[{stamp}]",
                  f'"{_CONTROLS.sub("+", request_line)}"', str(get("sc_status") or 0),
                  str(sent) if sent is not None else "-"]
        line = " ".join(fields)
        return line if len(line) <= self.max_line_chars else line[: self.max_line_chars]

    def _header(self, started: str) -> bytes:
        return b""  # NCSA files have no directives


class IISLogWriter(NCSALogWriter):
    """``logFormat="IIS"``: IIS's own fixed, comma-separated format (reference §2.4, file names §2.1)::

        203.0.113.7, -, 03/17/26, 9:12:44, W3SVC1, WEB01, 10.0.0.5, 15, 348, 1234, 200, 0, GET, /a/b.htm, x=1,

    client IP, user, local date (mm/dd/yy) and time, service and instance, server name, server IP, time taken
    (ms), bytes received, bytes sent, status, Win32 status, method, URI stem, query (``-`` when empty), each
    followed by ``, `` and the line by a final ``,``. Files are ``inYYMMDD.log`` … (``inetsvN.log`` for
    MaxSize). Commas and spaces inside the path and query are percent-encoded so that they cannot shift fields.
    """

    FILE_PREFIX = "in"
    SIZE_PREFIX = "inetsv"

    def format_line(self, record: object) -> str:
        get = record.get if isinstance(record, Mapping) else (lambda key, _r=record: getattr(_r, key, None))
        moment = dt.datetime.fromtimestamp(clock.CLOCK.time()).astimezone()

        def text(value: object) -> str:
            return "-" if value is None or value == "" else _CONTROLS.sub("+", str(value)).replace(",", "%2C")

        safe = _NCSA_PATH_SAFE.replace(",", "")
        query = get("cs_uri_query")
        fields = [
            text(get("c_ip")), text(get("cs_username")),
            f"{moment.month:02d}/{moment.day:02d}/{moment.year % 100:02d}",
            f"{moment.hour}:{moment.minute:02d}:{moment.second:02d}",
            self._site_name, self._computer_name, text(get("s_ip")),
            text(get("time_taken")), text(get("cs_bytes")), text(get("sc_bytes")),
            text(get("sc_status")), text(get("sc_win32_status") or 0), text(get("cs_method")),
            quote(str(get("cs_uri_stem") or "/"), safe=safe),
            quote(str(query), safe=safe + "?") if query else "-",
        ]
        line = "".join(f"{value}, " for value in fields[:-1]) + f"{fields[-1]},"
        return line if len(line) <= self.max_line_chars else line[: self.max_line_chars]


# logFormat values written by the writers above besides W3C.
_OTHER_FORMATS: dict[str, type[W3CLogWriter]] = {"NCSA": NCSALogWriter, "IIS": IISLogWriter}
