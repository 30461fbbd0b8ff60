"""The W3C extended log fields as IIS writes them: the one definition shared by the writer and the reader.

What IIS reproduces here (iis-reference.md §2.2, §2.5):

* Each ``logFile/@logExtFileFlags`` flag enables one field; fields always appear in IIS's canonical order
  (``date time s-sitename s-computername s-ip cs-method ...``), whatever the order of the flags in the config.
  ``customFields`` (IIS 8.5+) come after the standard fields, in configuration order.
* Values are separated by one space; an empty or unknown value is written ``-``.

Value encoding (decided here, used by every writer, reversed by the reader):

* A space inside a value is written ``+`` (IIS does this for User-Agent, Referer, Cookie and URLs).
* Every character that could end a line or a field, or that a terminal would interpret, is written ``+`` as
  IIS does with non-printable characters: the C0 controls (including TAB, CR, LF), DEL, the C1 controls and
  the Unicode line/paragraph separators (U+2028, U+2029). A hostile User-Agent or URL therefore can never
  start a new line or add a field.
* A value that would make the line start with ``#`` (only possible when the first field is client-controlled)
  has that ``#`` written ``+``, so no request can forge a ``#Fields`` directive.
* Other non-ASCII characters are kept: written as UTF-8 when ``log/@logInUTF8`` is true (IIS's default and
  the ``u_`` file prefix), else in the ANSI code page (Windows-1252 here), where a character it cannot
  represent becomes ``?`` as on Windows.
* The encoding is lossy on purpose (``+`` is also a literal ``+``); the reader turns ``+`` back into a space
  only for the free-text header fields (``cs(User-Agent)``, ``cs(Cookie)``, custom header fields), where a
  space is far more likely than a literal ``+``. URLs are kept exactly as logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "W3CField",
    "FIELDS",
    "FIELDS_BY_NAME",
    "FIELDS_BY_FLAG",
    "DEFAULT_FLAGS",
    "HTTPERR_FIELDS",
    "W3C_SOFTWARE",
    "HTTPERR_SOFTWARE",
    "ANSI_ENCODING",
    "fields_for_flags",
    "encode_value",
    "decode_value",
    "sql_column",
    "parse_fields_directive",
    "field_for_name",
]

#: ``#Software`` of the files HttpLoggingModule writes. Kept as IIS 10 writes it: log tools that check the
#: header (Log Parser's IISW3C input, some SIEM sourcetypes) expect it.
W3C_SOFTWARE = "Microsoft Internet Information Services 10.0"
#: ``#Software`` of the HTTPERR log (HTTP.sys on Windows Server 2008 R2 and later).
HTTPERR_SOFTWARE = "Microsoft HTTP API 2.0"
#: The "ANSI" code page used when ``logInUTF8`` is false (the US/Western European Windows default).
ANSI_ENCODING = "cp1252"


@dataclass(frozen=True, slots=True)
class W3CField:
    """One W3C field.

    ``name`` is the name in ``#Fields``; ``flag``/``bit`` the ``logExtFileFlags`` value that enables it
    (``None``/0 for fields that no flag controls, e.g. HTTPERR's); ``key`` the record attribute the writer
    reads and the SQL column name the reader exposes; ``sql_type`` the DuckDB type of the column;
    ``plus_is_space`` whether the reader turns ``+`` back into a space.
    """

    name: str
    flag: str | None
    bit: int
    key: str
    sql_type: str = "VARCHAR"
    plus_is_space: bool = False


# IIS's canonical order (iis-reference.md §2.2, confirmed by full-field captures).
FIELDS: tuple[W3CField, ...] = (
    W3CField("date", "Date", 1, "date", "DATE"),
    W3CField("time", "Time", 2, "time", "TIME"),
    W3CField("s-sitename", "SiteName", 16, "s_sitename"),
    W3CField("s-computername", "ComputerName", 32, "s_computername"),
    W3CField("s-ip", "ServerIP", 64, "s_ip"),
    W3CField("cs-method", "Method", 128, "cs_method"),
    W3CField("cs-uri-stem", "UriStem", 256, "cs_uri_stem"),
    W3CField("cs-uri-query", "UriQuery", 512, "cs_uri_query"),
    W3CField("s-port", "ServerPort", 32768, "s_port", "INTEGER"),
    W3CField("cs-username", "UserName", 8, "cs_username"),
    W3CField("c-ip", "ClientIP", 4, "c_ip"),
    W3CField("cs-version", "ProtocolVersion", 524288, "cs_version"),
    W3CField("cs(User-Agent)", "UserAgent", 65536, "cs_user_agent", plus_is_space=True),
    W3CField("cs(Cookie)", "Cookie", 131072, "cs_cookie", plus_is_space=True),
    W3CField("cs(Referer)", "Referer", 262144, "cs_referer"),
    W3CField("cs-host", "Host", 1048576, "cs_host"),
    W3CField("sc-status", "HttpStatus", 1024, "sc_status", "INTEGER"),
    W3CField("sc-substatus", "HttpSubStatus", 2097152, "sc_substatus", "INTEGER"),
    W3CField("sc-win32-status", "Win32Status", 2048, "sc_win32_status", "BIGINT"),
    W3CField("sc-bytes", "BytesSent", 4096, "sc_bytes", "BIGINT"),
    W3CField("cs-bytes", "BytesRecv", 8192, "cs_bytes", "BIGINT"),
    W3CField("time-taken", "TimeTaken", 16384, "time_taken", "BIGINT"),
)

FIELDS_BY_NAME: dict[str, W3CField] = {f.name.lower(): f for f in FIELDS}
FIELDS_BY_FLAG: dict[str, W3CField] = {f.flag.lower(): f for f in FIELDS if f.flag}

#: The IIS 8.0+ default ``logExtFileFlags`` (iis-reference.md §1.9).
DEFAULT_FLAGS: frozenset[str] = frozenset(
    {
        "Date", "Time", "ClientIP", "UserName", "ServerIP", "Method", "UriStem", "UriQuery", "TimeTaken",
        "HttpStatus", "Win32Status", "ServerPort", "UserAgent", "HttpSubStatus", "Referer",
    }
)  # fmt: skip

# The HTTPERR log's fields (HTTP.sys 2.0, iis-reference.md §2.5): fixed, no flags.
HTTPERR_FIELDS: tuple[W3CField, ...] = (
    W3CField("date", None, 0, "date", "DATE"),
    W3CField("time", None, 0, "time", "TIME"),
    W3CField("c-ip", None, 0, "c_ip"),
    W3CField("c-port", None, 0, "c_port", "INTEGER"),
    W3CField("s-ip", None, 0, "s_ip"),
    W3CField("s-port", None, 0, "s_port", "INTEGER"),
    W3CField("cs-version", None, 0, "cs_version"),
    W3CField("cs-method", None, 0, "cs_method"),
    W3CField("cs-uri", None, 0, "cs_uri"),
    W3CField("sc-status", None, 0, "sc_status", "INTEGER"),
    W3CField("s-siteid", None, 0, "s_siteid"),
    W3CField("s-reason", None, 0, "s_reason"),
    W3CField("s-queuename", None, 0, "s_queuename"),
)
_HTTPERR_BY_NAME = {f.name: f for f in HTTPERR_FIELDS}


def fields_for_flags(flags: frozenset[str] | set[str] | tuple[str, ...] | str) -> tuple[W3CField, ...]:
    """The fields the given ``logExtFileFlags`` enable, in IIS's order.

    Accepts flag names in any case, or the attribute's own comma-separated form
    (``"Date, Time, ClientIP"``). An unknown flag raises ``ValueError``: the config layer validates flags
    against the schema, so one reaching here is a programming error, not user input.
    """
    if isinstance(flags, str):
        flags = [f for f in (p.strip() for p in flags.split(",")) if f]
    wanted = set()
    for flag in flags:
        field = FIELDS_BY_FLAG.get(flag.lower())
        if field is None:
            raise ValueError(f"unknown logExtFileFlags value: {flag!r}")
        wanted.add(field)
    return tuple(f for f in FIELDS if f in wanted)


# --- value encoding --------------------------------------------------------------------------------------

# Characters written as "+" besides the space: C0 controls, DEL, C1 controls, U+2028/U+2029 (line separators
# that some viewers honour).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def encode_value(value: object) -> str:
    """``value`` as a W3C field: ``-`` when empty or ``None``, spaces and controls as ``+``."""
    if value is None:
        return "-"
    if type(value) is not str:
        value = str(value)
    if not value:
        return "-"
    if " " in value:
        value = value.replace(" ", "+")
    # Most values (IPs, numbers, paths, User-Agents once their spaces are gone) need nothing more.
    if _CONTROLS.search(value) is None:
        return value
    return _CONTROLS.sub("+", value)


def decode_value(text: str, field: W3CField | None = None) -> str | None:
    """The value a W3C field holds: ``None`` for ``-`` (or empty); ``+`` turned back into spaces in free-text
    fields."""
    if text == "-" or not text:
        return None
    if field is not None and field.plus_is_space:
        return text.replace("+", " ")
    return text


# --- the #Fields directive -------------------------------------------------------------------------------

_SQL_NAME = re.compile(r"[^0-9a-z]+")


def sql_column(name: str) -> str:
    """The SQL column name for a W3C field name: ``cs(User-Agent)`` -> ``cs_user_agent``.

    Known fields use their table key; any other (custom fields such as ``X-Forwarded-For``) is lower-cased
    with runs of other characters turned into ``_``.
    """
    field = FIELDS_BY_NAME.get(name.lower()) or _HTTPERR_BY_NAME.get(name.lower())
    if field is not None:
        return field.key
    column = _SQL_NAME.sub("_", name.lower()).strip("_")
    if not column:
        column = "field"
    if column[0].isdigit():
        column = "f_" + column
    return column


def parse_fields_directive(line: str) -> tuple[str, ...] | None:
    """The field names of a ``#Fields:`` line, or ``None`` if ``line`` is not one."""
    line = line.rstrip("\r\n")
    if not line.startswith("#Fields:"):
        return None
    return tuple(line[len("#Fields:") :].split())


def field_for_name(name: str) -> W3CField | None:
    """The known W3C (or HTTPERR) field called ``name`` (case-insensitive), else ``None``."""
    return FIELDS_BY_NAME.get(name.lower()) or _HTTPERR_BY_NAME.get(name.lower())
