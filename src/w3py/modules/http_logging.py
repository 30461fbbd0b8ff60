"""HttpLoggingModule (IIS's ``loghttp.dll``): one W3C line per request, in the site's log file.

IIS behaviour reproduced (iis-reference.md §1.9 ``logFile``, §1.11 ``httpLogging``, §2.2):

* The line is written at LOG_REQUEST, which the engine runs from the listener's completion hook, once the
  last byte was handed to the kernel: ``sc-bytes``, ``cs-bytes`` and ``time-taken`` are final then.
  ``time-taken`` runs from the first byte of the request received to the last byte of the response sent, in
  milliseconds, as HTTP.sys measures it.
* ``<siteDefaults>/<site> logFile enabled="false"`` writes nothing for that site; ``system.webServer/httpLogging
  dontLog="true"`` writes nothing for the path it applies to; ``selectiveLogging`` keeps every request
  (``LogAll``), only statuses below 400 (``LogSuccessful``) or only 400 and up (``LogError``).
* Requests refused early (request filtering's 404.x, a 500.19 for a broken web.config) are logged like any
  other: the end notifications run for every request that reached the pipeline.
* A response the client did not receive completely is logged with ``sc-win32-status`` 64
  (ERROR_NETNAME_DELETED) unless a module set a Win32 status of its own.
* ``cs-uri-stem`` is the decoded URL IIS logs (``/a b.htm`` is written ``/a+b.htm`` by the field encoding);
  ``cs-uri-query`` is the query string as sent, without the ``?``.

The file format (names, rollover, header block, value encoding so that no client text can forge a line,
buffering, several processes appending to one file) belongs to ``w3py.logs.writer``; this module only
decides whether a request is logged and fills the record. One writer serves each site's log settings in a
process, whatever the number of configuration paths (and so module instances) the site has.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from w3py.api import HTTPContext, Module
from w3py.config.sections import HttpLoggingSection
from w3py.core import clock
from w3py.logs.fields import encode_value
from w3py.logs.writer import CENTRAL_W3C_MODE, W3CLogWriter

LOG = logging.getLogger("w3py.modules.http_logging")

SELECTIVE_LOG_ALL = "LogAll"
SELECTIVE_LOG_SUCCESSFUL = "LogSuccessful"
SELECTIVE_LOG_ERROR = "LogError"
# sc-win32-status of a response the client did not take in full (the connection went away).
WIN32_NETNAME_DELETED = 64


def should_log(status: int, dont_log: bool, selective_logging: str) -> bool:
    """Whether httpLogging lets a response with ``status`` be logged (IIS: LogSuccessful is 100–399,
    LogError is 400–999)."""
    if dont_log:
        return False
    if selective_logging == SELECTIVE_LOG_SUCCESSFUL:
        return status < 400
    if selective_logging == SELECTIVE_LOG_ERROR:
        return status >= 400
    return True


class SiteLogWriters:
    """The W3C writers of this process: one per site and log settings, shared by every module instance.

    A configuration reload that leaves a site's ``logFile`` unchanged keeps its writer (and its buffer).
    Changed settings get a writer of their own; the previous one stays open (and flushed every second) for
    the requests of the old snapshot still in flight, and is closed with the others at shutdown.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[tuple, W3CLogWriter | None] = {}
        # The hot path: the writer of the last Site object seen per site id (one dict lookup and an identity
        # check per request; the settings key, a repr of logFile, is only computed for a new Site object).
        self._fast: dict[int, tuple[Any, bool, W3CLogWriter | None]] = {}

    def get(self, site: Any, log: Any) -> W3CLogWriter | None:
        """The writer for ``site`` (None when its logging is disabled or cannot be set up).

        ``log`` is the server's ``system.applicationHost/log`` section (or just its ``logInUTF8`` as a bool).
        Under ``centralLogFileMode="CentralW3C"`` every site shares the central writer; a site whose own
        ``logFile`` is disabled still writes nothing."""
        fast = self._fast.get(site.id)
        if fast is not None and fast[0] is site and fast[1] is log:
            return fast[2]
        utf8 = log if isinstance(log, bool) else bool(getattr(log, "log_in_utf8", True))
        central = str(getattr(log, "central_log_file_mode", "Site")) == CENTRAL_W3C_MODE
        if central and getattr(getattr(site, "log_file", None), "enabled", True) is False:
            writer = None
        else:
            if central:
                key: tuple = ("central", repr(log.central_w3c_log_file), utf8)
            else:
                key = (site.id, repr(getattr(site, "log_file", None)), getattr(site, "name", None), utf8)
            with self._lock:
                if key in self._by_key:
                    writer = self._by_key[key]
                else:
                    try:
                        writer = W3CLogWriter.central(log) if central else W3CLogWriter.from_site(site, utf8)
                    except (ValueError, OSError) as exc:
                        log_name = "the central W3C log" if central else f"site {site.id}: W3C logging"
                        LOG.error("%s is off: %s", log_name, exc)
                        writer = None
                    self._by_key[key] = writer
        self._fast[site.id] = (site, log, writer)
        return writer

    def writers(self) -> list[W3CLogWriter]:
        """Every open writer."""
        return [w for w in list(self._by_key.values()) if w is not None]

    def flush_all(self) -> None:
        """Write out every buffered line now."""
        for writer in self.writers():
            writer.flush()

    def close_all(self) -> None:
        """Flush and close every writer (shutdown)."""
        with self._lock:
            writers = self.writers()
            self._by_key.clear()
            self._fast.clear()
        for writer in writers:
            writer.close()


#: The writers of this process. The server closes them at shutdown; tests may build their own.
WRITERS = SiteLogWriters()


class _ServerVariables:
    """Server variables for customFields of sourceType ServerVariable, computed only when asked for."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: HTTPContext) -> None:
        self._ctx = ctx

    def get(self, name: str) -> str | None:
        return self._ctx.server_variable(name)


def _headers(pairs: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.decode("latin-1").lower()
        if key not in out:
            out[key] = value.decode("utf-8", "replace")
    return out


# Request headers that have a W3C field of their own: lower-case name -> record key.
_HEADER_FIELDS = {b"user-agent": "cs_user_agent", b"referer": "cs_referer", b"cookie": "cs_cookie",
                  b"host": "cs_host"}


def build_record(ctx: HTTPContext, with_custom: bool = False) -> dict[str, Any]:
    """The W3C record of a finished request (``ctx.result`` set by the listener): a mapping keyed by the
    field keys of ``w3py.logs.fields`` (``cs_uri_stem`` ...); a missing key is written ``-``.

    This runs once per request, so it is one dict display and one pass over the request headers."""
    request = ctx.request
    response = ctx.response
    result = ctx.result
    status = response.status
    win32 = response.win32
    query = request.query
    record = {
        "s_ip": request.server[0],
        "cs_method": request.method,
        "cs_uri_stem": ctx.url,
        "cs_uri_query": query.decode("utf-8", "replace") if query else None,
        "s_port": request.server[1],
        "cs_username": ctx.user or None,
        "c_ip": request.client[0],
        "cs_version": "HTTP/" + request.http_version,
        "sc_status": status.code,
        "sc_substatus": status.substatus,
    }
    if result is not None:
        record["sc_bytes"] = result.bytes_sent
        record["cs_bytes"] = result.bytes_received
        taken = round((result.finished_at - request.received_at) * 1000)
        record["time_taken"] = taken if taken > 0 else 0
        if not result.completed and win32 == 0:
            win32 = WIN32_NETNAME_DELETED
    record["sc_win32_status"] = win32
    fields = _HEADER_FIELDS
    for name, value in request.headers:
        key = fields.get(name)
        if key is not None and key not in record:
            record[key] = value.decode("utf-8", "replace")
    if with_custom:
        record["request_headers"] = _headers(request.headers)
        record["response_headers"] = _headers(response.headers)
        record["server_variables"] = _ServerVariables(ctx)
    return record


# --- the per-request path: a line straight from the context -------------------------------------------------

# How each standard W3C field is read from a finished request, as a Python expression over the locals of the
# generated function (see ``W3CLine``). Free-text values get the field encoding's ``-`` for empty and ``+``
# for spaces here; controls are replaced on the whole line by ``finish_line``.
_EXPRESSIONS = {
    "date": "date",
    "time": "time",
    "s_sitename": "sitename",
    "s_computername": "computername",
    "s_ip": 'request.server[0] or "-"',
    "cs_method": 'request.method.replace(" ", "+") or "-"',
    "cs_uri_stem": '(ctx.url.replace(" ", "+") if ctx.url else "-")',
    "cs_uri_query": '(request.query.decode("utf-8", "replace").replace(" ", "+") if request.query else "-")',
    "s_port": "request.server[1]",
    "cs_username": '(ctx.user.replace(" ", "+") if ctx.user else "-")',
    "c_ip": 'request.client[0] or "-"',
    "cs_version": '"HTTP/" + request.http_version',
    "cs_user_agent": "text(found[0])",
    "cs_cookie": "text(found[1])",
    "cs_referer": "text(found[2])",
    "cs_host": "text(found[3])",
    "sc_status": "response.status.code",
    "sc_substatus": "response.status.substatus",
    "sc_win32_status": "win32",
    "sc_bytes": '(result.bytes_sent if result is not None else "-")',
    "cs_bytes": '(result.bytes_received if result is not None else "-")',
    "time_taken": '(max(round((result.finished_at - request.received_at) * 1000), 0) if result is not None else "-")',
}
_HEADER_SLOTS = {b"user-agent": 0, b"cookie": 1, b"referer": 2, b"host": 3}
_HEADER_KEYS = ("cs_user_agent", "cs_cookie", "cs_referer", "cs_host")

_PREAMBLE_CLOCK = """
    date, time = clock.CLOCK.w3c()"""
_PREAMBLE_HEADERS = """
    found = [None, None, None, None]
    for name, value in request.headers:
        slot = slots.get(name)
        if slot is not None and found[slot] is None:
            found[slot] = value"""
_PREAMBLE_WIN32 = """
    win32 = response.win32
    if result is not None and not result.completed and win32 == 0:
        win32 = NETNAME_DELETED"""


def _text(value: bytes | None) -> str:
    """A header value as a W3C field, but for the control characters ``finish_line`` replaces."""
    if not value:
        return "-"
    return value.decode("utf-8", "replace").replace(" ", "+")


def _compile_line(keys: tuple[str, ...], namespace: dict[str, Any]) -> Any:
    """A function ``(ctx) -> str`` that joins the fields ``keys`` of a finished request.

    The source is assembled from ``_EXPRESSIONS`` and the fixed preambles only: field keys come from the
    field table (``fields_for_flags`` rejects anything else) and no configuration text (site names, custom
    field names) is ever part of it; those values reach the function through ``namespace``.
    """
    body = []
    if "date" in keys or "time" in keys:
        body.append(_PREAMBLE_CLOCK)
    if any(key in _HEADER_KEYS for key in keys):
        body.append(_PREAMBLE_HEADERS)
    if "sc_win32_status" in keys:
        body.append(_PREAMBLE_WIN32)
    joined = " ".join("{" + _EXPRESSIONS[key] + "}" for key in keys)
    source = (
        "def w3c_line(ctx):\n"
        "    request = ctx.request\n"
        "    response = ctx.response\n"
        "    result = ctx.result"
        + "".join(body)
        + f"\n    line = f'{joined}'"
        # finish_line's three checks inline: it only runs (a Python frame) for a line that needs a change
        + "\n    if len(line) > max_chars or not line.isprintable() or line.startswith('#'):"
        + "\n        line = finish(line)"
        + "\n    return line\n"
    )
    exec(compile(source, "<w3py W3C line>", "exec"), namespace)  # noqa: S102 - source from our own table only
    return namespace["w3c_line"]


class W3CLine:
    """The W3C line of a finished request, built straight from the context for one writer's field set.

    ``build_record`` + ``W3CLogWriter.format_line`` is the general path (any writer, custom fields): a record
    dict, then a per-value type dispatch, about 7 µs per request. This path is one function generated for the
    writer's field list (the way ``dataclasses`` generates ``__init__``): it reads only the logged fields and
    formats them in one f-string, in about a third of that. The encoding is the same (``-`` for empty, spaces as
    ``+``, then ``finish_line`` for controls, line length and a leading ``#``); a property test holds the two
    paths to the same output.
    """

    __slots__ = ("build",)

    def __init__(self, writer: W3CLogWriter) -> None:
        keys = tuple(field.key for field in writer.fields)
        namespace = {
            "clock": clock,
            "slots": _HEADER_SLOTS,
            "text": _text,
            "finish": writer.finish_line,
            "max_chars": writer.max_line_chars,
            "sitename": encode_value(writer.s_sitename),
            "computername": encode_value(writer.s_computername),
            "NETNAME_DELETED": WIN32_NETNAME_DELETED,
        }
        #: ``build(ctx) -> str``: the line (the module calls it directly, saving a Python frame per request)
        self.build = _compile_line(keys, namespace)

    @staticmethod
    def supports(writer: W3CLogWriter) -> bool:
        """Whether this path reproduces ``writer``'s lines: the W3C format without custom fields."""
        return (type(writer) is W3CLogWriter and not writer.custom_fields and bool(writer.fields)
                and not writer.central)

    def __call__(self, ctx: HTTPContext) -> str:
        return self.build(ctx)


class HttpLoggingModule(Module):
    """Writes the request's W3C log line at LOG_REQUEST, as ``logFile`` and ``httpLogging`` say."""

    name = "HttpLoggingModule"
    sections = (HttpLoggingSection,)

    def provision(self, config: Any) -> None:
        # no configuration (a 500.19 plan without a readable ancestor): log with the schema defaults
        section = config.get(HttpLoggingSection) if config is not None else None
        self.dont_log = bool(getattr(section, "dont_log", False))
        self.selective_logging = str(getattr(section, "selective_logging", SELECTIVE_LOG_ALL))
        # httpLogging as a range of logged statuses, so the per-request test is one chained comparison
        if self.dont_log:
            self._logged = (0, 0)
        elif self.selective_logging == SELECTIVE_LOG_SUCCESSFUL:
            self._logged = (0, 400)
        elif self.selective_logging == SELECTIVE_LOG_ERROR:
            self._logged = (400, 1 << 31)
        else:
            self._logged = (0, 1 << 31)
        self.writers = WRITERS
        # The writer of the last Site object seen: a plan (so this instance) serves one site of one snapshot.
        self._site: Any = None
        self._writer: W3CLogWriter | None = None
        self._line: Any = None  # W3CLine(writer).build, when the writer's lines can be built that way
        self._sitename: str | None = None  # s-sitename of this site's lines in the central log

    def on_log_request(self, ctx: HTTPContext) -> None:
        low, high = self._logged
        if not low <= ctx.response.status.code < high:
            return
        site = ctx.site
        if site is not self._site:
            if site is None:
                return
            writer = self.writers.get(site, _log_section(ctx.plan))
            self._writer = writer
            self._line = W3CLine(writer).build if writer is not None and W3CLine.supports(writer) else None
            # the central log names each line's site (IIS: W3SVC<id>)
            self._sitename = f"W3SVC{site.id}" if writer is not None and writer.central else None
            self._site = site
        writer = self._writer
        if writer is not None:
            line = self._line
            if line is not None:
                writer.write_line(line(ctx))
            else:
                record = build_record(ctx, bool(writer.custom_fields))
                if self._sitename is not None:
                    record["s_sitename"] = self._sitename
                writer.write(record)

    def cleanup(self) -> None:
        # The plan is dropped: at a worker's graceful stop (SIGTERM) that is the last moment to write the
        # buffered lines, since a forked worker may leave without running atexit handlers.
        self.writers.flush_all()


def _log_section(plan: Any) -> Any:
    """``system.applicationHost/log`` (``logInUTF8``, ``centralLogFileMode`` ...) from the server configuration
    of the plan; ``True`` (logInUTF8's default, site logging) when the plan has none."""
    server = getattr(plan, "server_config", None)
    if server is None:
        return True
    return getattr(server, "log", True)


__all__ = ["HttpLoggingModule", "SiteLogWriters", "W3CLine", "WRITERS", "build_record", "should_log"]
