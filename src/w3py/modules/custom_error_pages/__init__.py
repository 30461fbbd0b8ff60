"""The pure parts of CustomErrorModule (``w3py.modules.custom_error``): inputs in, decisions or bytes out.

- ``decide``: IIS's httpErrors algorithm (iis-reference.md §4.2 steps 1–4) over errorMode, existingResponse,
  where the client is and whether the handler wrote a body;
- ``choose_error_page``: the ``<error>`` row (or defaultPath) for status.substatus (§4.2 step 5);
- ``parse_accept_language`` / ``language_candidates`` / ``page_language``: the custerr language folder and
  the detailed page's language, chosen from ``Accept-Language`` without ever putting client text in a path;
- ``render_detailed`` (IIS's detailed page layout, §4.3, skeleton in ``detailed.html`` beside this file),
  ``render_builtin`` (the one-line fallback text), ``render_redirect``;
- ``FileCache``: custom error files read once, re-read when they change.

Everything here is deterministic and free of pipeline types, so it is tested on its own
(tests/modules/test_custom_error_pages.py) and reusable by ``w3py explain``.
"""

from __future__ import annotations

import enum
import html
import ipaddress
import os
import re
import string
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

# Accept-Language parsing (and its limits on client input) is shared with the catalog; re-exported here as
# part of the page logic's language API.
from w3py.core.accept_language import (  # noqa: F401
    LANGUAGE_TAG_RE as _TAG_RE,
    MAX_ACCEPT_LANGUAGE_BYTES,
    MAX_ACCEPT_LANGUAGE_RANGES,
    MAX_LANGUAGE_TAG_CHARS,
    parse_accept_language,
)
from w3py.status import reason_phrase

# --- limits ---------------------------------------------------------------------------------------------
# A custom error file is read into memory on every use (cached by mtime); a larger file is not served.
MAX_CUSTOM_ERROR_FILE_BYTES = 1024 * 1024
# Lines of the broken configuration file shown before and after the offending one on the 500.19 detailed
# page: IIS shows one on each side.
CONFIG_SOURCE_CONTEXT_LINES = 1
# Width of the right-aligned line number in that excerpt (IIS writes "%5d: text").
CONFIG_SOURCE_NUMBER_WIDTH = 5
# Longest source line shown in that excerpt (characters); longer lines are cut with an ellipsis.
CONFIG_SOURCE_MAX_LINE_CHARS = 200

FALLBACK_LANGUAGE_FOLDER = "en-US"  # the language IIS ships its custerr pages in
PAGE_LANGUAGES = ("en", "ja")  # languages of the detailed page (the catalog's languages)
DEFAULT_PAGE_LANGUAGE = "en"
# The product label in the detailed page's <title>, as IIS 10 writes it: tools that scrape error pages match it.
DETAILED_TITLE_PRODUCT = "IIS 10.0"
# IIS ends the "View more information" link's IIS70Error query with the Windows build it runs on (9600 = 2012
# R2, 17763 = 2019, 20348 = 2022; reference §4.3). w3py presents itself as IIS 10.0 on the current server.
DETAILED_LINK_OS_BUILD = 20348

DETAILED_CONTENT_TYPE = b"text/html; charset=utf-8"
BUILTIN_CONTENT_TYPE = b"text/html"  # IIS sends its one-line texts without a charset
REDIRECT_CONTENT_TYPE = b"text/html; charset=UTF-8"

# Response headers that describe the entity being replaced: dropped when a page replaces the body.
ENTITY_HEADERS = frozenset(
    {
        b"content-type",
        b"content-length",
        b"content-encoding",
        b"content-range",
        b"content-language",
        b"content-disposition",
        b"content-md5",
        b"etag",
        b"last-modified",
        b"accept-ranges",
        b"transfer-encoding",
    }
)


# =====================================================================================================
# The decision (§4.2 steps 1–4)
# =====================================================================================================


class Action(enum.Enum):
    """What CustomErrorModule does with a response."""

    LEAVE = "leave"  # send the response as the pipeline produced it
    DETAILED = "detailed"  # replace the body with the detailed error page
    CUSTOM = "custom"  # replace the body with the custom error (File / ExecuteURL / Redirect / built-in)


ERROR_MODE_CUSTOM = "Custom"
ERROR_MODE_DETAILED = "Detailed"
ERROR_MODE_DETAILED_LOCAL_ONLY = "DetailedLocalOnly"
EXISTING_AUTO = "Auto"
EXISTING_REPLACE = "Replace"
EXISTING_PASS_THROUGH = "PassThrough"
RESPONSE_MODE_FILE = "File"
RESPONSE_MODE_EXECUTE_URL = "ExecuteURL"
RESPONSE_MODE_REDIRECT = "Redirect"


def wants_detailed(error_mode: str, is_local: bool) -> bool:
    """Whether ``errorMode`` gives this client the detailed page (the table of §4.2 step 3)."""
    if error_mode == ERROR_MODE_DETAILED:
        return True
    if error_mode == ERROR_MODE_CUSTOM:
        return False
    return is_local  # DetailedLocalOnly, IIS's default


def decide(
    status: int,
    *,
    error_mode: str,
    existing_response: str,
    is_local: bool,
    has_body: bool,
    skip_custom_errors: bool = False,
) -> Action:
    """CustomErrorModule's decision for a response with ``status``, following IIS's algorithm (§4.2)."""
    if status < 400:
        return Action.LEAVE
    if existing_response == EXISTING_PASS_THROUGH:
        return Action.LEAVE
    replace = existing_response == EXISTING_REPLACE
    if not replace and skip_custom_errors:
        return Action.LEAVE
    if wants_detailed(error_mode, is_local):
        # Auto keeps a body the handler wrote (its own error page is more useful than ours).
        if has_body and not replace:
            return Action.LEAVE
        return Action.DETAILED
    return Action.CUSTOM


def is_local_client(client_ip: str, server_ip: str = "") -> bool:
    """True for a request IIS calls local: from a loopback address or from the server's own address."""
    if not client_ip:
        return False
    try:
        addr = ipaddress.ip_address(client_ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.is_loopback:
        return True
    return bool(server_ip) and client_ip == server_ip


# =====================================================================================================
# Which <error> row (§4.2 step 5)
# =====================================================================================================


@dataclass(frozen=True, slots=True)
class ErrorPageChoice:
    """How the custom error is produced: ``mode`` is File / ExecuteURL / Redirect, ``path`` its target,
    ``prefix`` the prefixLanguageFilePath (File only), ``origin_dir`` the folder of the config file that
    declared the row (relative File paths resolve against it), ``delegated`` whether that file is a
    web.config rather than applicationHost.config (IIS's allowAbsolutePathsWhenDelegated applies)."""

    mode: str
    path: str
    prefix: str = ""
    origin_dir: str = ""
    delegated: bool = False


def _origin(element: Any) -> tuple[str, bool]:
    """(folder of the declaring file, whether that file is delegated configuration) for a config element."""
    origin = getattr(element, "origin", None)
    if origin and origin[0]:
        file = str(origin[0])
        return os.path.dirname(file), os.path.basename(file).lower() != "applicationhost.config"
    return "", False


def find_error_row(rows: Iterable[Any], status: int, substatus: int) -> Any | None:
    """The ``<error>`` row for status.substatus: the exact (statusCode, subStatusCode) row, else the row with
    subStatusCode -1 (every substatus), else None. Rows carry ``status_code`` and ``sub_status_code``."""
    wildcard = None
    for row in rows:
        if row.status_code != status:
            continue
        if row.sub_status_code == substatus:
            return row
        if row.sub_status_code == -1 and wildcard is None:
            wildcard = row
    return wildcard


def choose_error_page(section: Any, status: int, substatus: int) -> ErrorPageChoice | None:
    """The custom error for status.substatus under an ``httpErrors`` section, or None for the built-in text.

    A matching row uses its own ``responseMode``; without one, ``defaultPath`` (when set) is used with
    ``defaultResponseMode``."""
    row = find_error_row(section.items, status, substatus)
    if row is not None:
        if not row.path:
            return None
        folder, delegated = _origin(row)
        return ErrorPageChoice(
            mode=row.response_mode,
            path=row.path,
            prefix=row.prefix_language_file_path or "",
            origin_dir=folder,
            delegated=delegated,
        )
    if section.default_path:
        folder, delegated = _origin(section)
        return ErrorPageChoice(mode=section.default_response_mode, path=section.default_path,
                               origin_dir=folder, delegated=delegated)
    return None


# =====================================================================================================
# Languages
# =====================================================================================================



def language_candidates(tags: Sequence[str], available: Mapping[str, str]) -> list[str]:
    """The language folders to try, in order, for a client preferring ``tags``: for each tag, the folder of
    that name (matched case-insensitively, ``ja-jp`` → ``ja-JP``) or, for a bare primary tag, a regional
    folder of that language (``ja`` → ``ja-JP``); ``en-US`` last, when it exists.

    ``available`` maps each folder name lower-cased to its real name. Only its values are returned: a
    client's header never becomes part of a path."""
    out: list[str] = []
    for tag in tags:
        if not _TAG_RE.match(tag):
            continue
        lower = tag.lower()
        found = available.get(lower)
        if found is None:
            primary = lower.split("-", 1)[0]
            for folder_lower in sorted(available):
                if folder_lower.split("-", 1)[0] == primary:
                    found = available[folder_lower]
                    break
        if found is not None and found not in out:
            out.append(found)
    fallback = available.get(FALLBACK_LANGUAGE_FOLDER.lower())
    if fallback is not None and fallback not in out:
        out.append(fallback)
    return out


def page_language(tags: Sequence[str]) -> str:
    """The language of the detailed page (one the catalog speaks) for a client preferring ``tags``."""
    for tag in tags:
        primary = tag.split("-", 1)[0].lower()
        if primary in PAGE_LANGUAGES:
            return primary
    return DEFAULT_PAGE_LANGUAGE


def language_folders(prefix: Path) -> dict[str, str]:
    """The language folders under a prefixLanguageFilePath directory: lower-cased name → real name."""
    try:
        entries = list(os.scandir(prefix))
    except OSError:
        return {}
    return {e.name.lower(): e.name for e in entries if e.is_dir() and _TAG_RE.match(e.name)}


# =====================================================================================================
# Paths from configuration
# =====================================================================================================


def config_path(value: str, root: Path | str | None) -> Path:
    """A file path written in IIS configuration, as a local path: ``%SystemDrive%`` and a drive letter
    (``C:\\inetpub``) are the server root (the layout's convention, DESIGN.md "Files on disk"), other ``%VAR%``
    expand from the environment, and Windows separators become ``/``."""
    if root is not None:
        value = re.sub(r"%SystemDrive%", lambda _m: str(root).replace("\\", "/"), value, flags=re.IGNORECASE)
    value = re.sub(r"%([A-Za-z_][A-Za-z0-9_]*)%", lambda m: os.environ.get(m.group(1), m.group(0)), value)
    value = value.replace("\\", "/")
    if root is not None and re.match(r"^[A-Za-z]:(/|$)", value):
        value = str(root) + value[2:]
    return Path(value)


# =====================================================================================================
# Page bodies
# =====================================================================================================


@dataclass(frozen=True, slots=True)
class PageTexts:
    """The human texts of one status.substatus in one language (from ``w3py.catalog``)."""

    title: str
    description: str
    causes: tuple[str, ...] = ()
    things_to_try: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConfigSource:
    """Where a configuration error was found, for the 500.19 detailed page."""

    message: str
    file: str = ""
    line: int = 0
    excerpt: tuple[tuple[int, str], ...] = ()  # (line number, text) around ``line``


@dataclass(frozen=True, slots=True)
class DetailFacts:
    """What the detailed page's "Detailed Error Information" shows (every value is escaped on output)."""

    status: int
    substatus: int = 0
    reason: str = ""
    error_code: int = 0  # the HRESULT shown as "Error Code"
    module: str = ""
    notification: str = ""
    handler: str = ""
    requested_url: str = ""
    physical_path: str = ""
    logon_method: str = ""
    logon_user: str = ""
    detail: str = ""  # the line the module gave with its status (500.0: the exception and its error id)
    config: ConfigSource | None = None
    more_information_link: str = ""


def hresult_of(win32: int) -> int:
    """The HRESULT IIS shows for a win32 status: 0 stays 0, a win32 code becomes 0x8007xxxx, a value that is
    already an HRESULT (SEC_E_..., 0x8007000D) is kept."""
    if win32 <= 0:
        return 0
    if win32 > 0xFFFF:
        return win32 & 0xFFFFFFFF
    return 0x80070000 | win32


def config_excerpt(text: str, line: int, context: int = CONFIG_SOURCE_CONTEXT_LINES) -> tuple[tuple[int, str], ...]:
    """The lines of a configuration file around ``line`` (1-based), as (number, text) pairs."""
    if line <= 0:
        return ()
    lines = text.splitlines()
    if line > len(lines):
        return ()
    first = max(1, line - context)
    last = min(len(lines), line + context)
    out = []
    for number in range(first, last + 1):
        source = lines[number - 1].rstrip().expandtabs(4)
        if len(source) > CONFIG_SOURCE_MAX_LINE_CHARS:
            source = source[: CONFIG_SOURCE_MAX_LINE_CHARS - 1] + "…"
        out.append((number, source))
    return tuple(out)


# Section titles and row labels of the detailed page. Texts about the error itself come from the catalog.
_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "{product} Detailed Error - {status} - {reason}",
        "heading": "HTTP Error {status} - {reason}",
        "causes": "Most likely causes:",
        "try": "Things you can try:",
        "details": "Detailed Error Information:",
        "more": "More Information:",
        "module": "Module",
        "notification": "Notification",
        "handler": "Handler",
        "error_code": "Error Code",
        "detail": "Detail",
        "config_error": "Config Error",
        "config_file": "Config File",
        "config_source": "Config Source:",
        "requested_url": "Requested URL",
        "physical_path": "Physical Path",
        "logon_method": "Logon Method",
        "logon_user": "Logon User",
        "more_text": "The server ended this request with status {status}. On the server, "
        "<code>w3py explain {status}</code> names the module and the setting behind it.",
        "more_link": "View more information &raquo;",
    },
    "ja": {
        "title": "{product} 詳細エラー - {status} - {reason}",
        "heading": "HTTP エラー {status} - {reason}",
        "causes": "考えられる原因:",
        "try": "対処方法:",
        "details": "エラーの詳細情報:",
        "more": "詳細情報:",
        "module": "モジュール",
        "notification": "通知",
        "handler": "ハンドラー",
        "error_code": "エラー コード",
        "detail": "詳細",
        "config_error": "構成エラー",
        "config_file": "構成ファイル",
        "config_source": "構成ソース:",
        "requested_url": "要求された URL",
        "physical_path": "物理パス",
        "logon_method": "ログオン方法",
        "logon_user": "ログオン ユーザー",
        "more_text": "サーバーはこの要求を状態 {status} で終了しました。サーバー上で "
        "<code>w3py explain {status}</code> を実行すると、原因となったモジュールと設定がわかります。",
        "more_link": "詳細情報を表示 &raquo;",
    },
}

_VALUE_PREFIX = "&nbsp;&nbsp;&nbsp;"  # IIS indents every value of the details tables this way


# C0 controls (but TAB, LF, CR), DEL, C1 controls and the non-characters U+FFFE/U+FFFF are not allowed in
# XHTML: a value carrying them (a hostile URL, a header) would make the page malformed. Shown as U+FFFD.
_NOT_XML = {c: "\ufffd" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
                                   0xFFFE, 0xFFFF)}


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True).translate(_NOT_XML)


def _bullets(items: Sequence[str]) -> str:
    return "<ul>\n" + "".join(f"<li>{_esc(item)}</li>\n" for item in items) + "</ul>"


def _fieldset(title: str, body: str) -> str:
    return f'<div class="content-container">\n<fieldset><h4>{_esc(title)}</h4>\n{body}\n</fieldset>\n</div>'


def _table(rows: Sequence[tuple[str, str]]) -> str:
    out = ['<table border="0" cellpadding="0" cellspacing="0">']
    for index, (label, value) in enumerate(rows):
        alt = ' class="alt"' if index % 2 == 0 else ""
        out.append(f"<tr{alt}><th>{_esc(label)}</th><td>{_VALUE_PREFIX}{_esc(value)}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def _more_info_href(base: str, facts: DetailFacts) -> str:
    if not base:
        return ""
    joiner = "&" if "?" in base else "?"
    return (f"{base}{joiner}IIS70Error={facts.status},{facts.substatus},0x{facts.error_code:08x},"
            f"{DETAILED_LINK_OS_BUILD}")


def _config_source(title: str, config: ConfigSource) -> str:
    """The 500.19 page's "Config Source" container, laid out as IIS does: a container of its own after the
    details, each line ``%5d: text``, the offending line in ``<span class="highlight-code">``."""
    lines = []
    for number, text in config.excerpt:
        line = _esc(f"{number:>{CONFIG_SOURCE_NUMBER_WIDTH}}: {text}")
        if number == config.line:
            line = f'<span class="highlight-code">{line}</span>'
        lines.append(line + "\n")
    return (f'<div class="config_source content-container">\n<fieldset><h4>{_esc(title)}</h4>\n'
            f'<pre><code>{"".join(lines)}</code></pre>\n</fieldset>\n</div>')


_DETAILED_TEMPLATE: string.Template | None = None


def _detailed_template() -> string.Template:
    global _DETAILED_TEMPLATE
    if _DETAILED_TEMPLATE is None:
        text = resources.files(__name__).joinpath("detailed.html").read_text("utf-8")
        _DETAILED_TEMPLATE = string.Template(text)
    return _DETAILED_TEMPLATE


def render_detailed(facts: DetailFacts, texts: PageTexts, lang: str = DEFAULT_PAGE_LANGUAGE) -> bytes:
    """IIS's detailed error page (§4.3) for ``facts`` with ``texts`` in ``lang`` ("en" or "ja"), UTF-8."""
    labels = _LABELS.get(lang) or _LABELS[DEFAULT_PAGE_LANGUAGE]
    code = f"{facts.status}.{facts.substatus}"
    reason = facts.reason or reason_phrase(facts.status) or "Error"
    sections: list[str] = []
    if texts.causes:
        sections.append(_fieldset(labels["causes"], _bullets(texts.causes)))
    if texts.things_to_try:
        sections.append(_fieldset(labels["try"], _bullets(texts.things_to_try)))

    left = [
        (labels["module"], facts.module),
        (labels["notification"], facts.notification),
        (labels["handler"], facts.handler),
        (labels["error_code"], f"0x{facts.error_code:08x}"),
    ]
    if facts.detail:
        left.append((labels["detail"], facts.detail))
    config_block = ""
    if facts.config is not None:
        left.append((labels["config_error"], facts.config.message))
        left.append((labels["config_file"], facts.config.file))
        if facts.config.excerpt:
            config_block = _config_source(labels["config_source"], facts.config)
    right = [
        (labels["requested_url"], facts.requested_url),
        (labels["physical_path"], facts.physical_path),
        (labels["logon_method"], facts.logon_method),
        (labels["logon_user"], facts.logon_user),
    ]
    details = (
        f'<div id="details-left">\n{_table(left)}\n</div>\n'
        f'<div id="details-right">\n{_table(right)}\n</div>\n<div class="clear"></div>'
    )
    sections.append(_fieldset(labels["details"], details))
    if config_block:
        sections.append(config_block)

    more = "<p>" + labels["more_text"].format(status=_esc(code)) + "</p>"
    href = _more_info_href(facts.more_information_link, facts)
    if href:
        more += f'\n<p><a href="{_esc(href)}">{labels["more_link"]}</a></p>'
    sections.append(_fieldset(labels["more"], more))

    page = _detailed_template().substitute(
        lang=_esc(lang),
        title=_esc(labels["title"].format(product=DETAILED_TITLE_PRODUCT, status=code, reason=reason)),
        heading=_esc(labels["heading"].format(status=code, reason=reason)),
        short=_esc(texts.description),
        sections="\n".join(sections),
    )
    return page.encode("utf-8")


# The one-line bodies sent when no custom page applies (no row, no file). Our own wording, one per status
# IIS ships a custerr page for; other statuses get the generic line.
_BUILTIN_TEXTS = {
    401: "You are not allowed to view this directory or page.",
    403: "You are not allowed to view this directory or page.",
    404: "The resource you asked for does not exist here, or is not available right now.",
    405: "This page cannot be shown because the request used an HTTP method (verb) that is not allowed for it.",
    406: "This resource is not available in a form the client said it accepts.",
    412: "A precondition sent with the request was not met.",
    500: "The page cannot be shown because the server ran into an internal error.",
    501: "The server does not implement what this request asks for.",
    502: "The server, acting as a gateway, received an invalid response from the server behind it.",
}


def render_builtin(status: int) -> bytes:
    """The built-in one-line text for ``status``: no markup, no internals (IIS's fallback, §4.4)."""
    text = _BUILTIN_TEXTS.get(status)
    if text is None:
        reason = reason_phrase(status) or "Error"
        text = f"The request failed: {status} {reason}."
    return text.encode("ascii")


def render_redirect(location: str) -> bytes:
    """The body sent with a Redirect-mode 302 (§4.2 step 5): IIS's "Document Moved" entity, the same as every
    other IIS redirect carries (``default_document.moved_body``, which escapes the link)."""
    from w3py.modules.default_document import moved_body  # one redirect entity for the whole server

    return moved_body(location.encode("utf-8"))


def replace_entity_headers(
    headers: Iterable[tuple[bytes, bytes]], content_type: bytes | None, status: int = 0
) -> list[tuple[bytes, bytes]]:
    """The producer's headers minus those describing the old body (``ENTITY_HEADERS``), plus the new
    ``Content-Type``. Every other header survives: ``Allow`` on a 405, ``WWW-Authenticate`` on a 401, custom
    headers, and on a 416 the ``Content-Range: bytes */N`` that states the resource's current length rather
    than describing the body (RFC 9110 §15.5.17) — the one Content-* header that is not about the body."""
    drop = ENTITY_HEADERS if status != 416 else _ENTITY_HEADERS_416
    kept = [(name, value) for name, value in headers if name.lower() not in drop]
    if content_type:
        kept.append((b"content-type", content_type))
    return kept


_ENTITY_HEADERS_416 = ENTITY_HEADERS - {b"content-range"}


@dataclass(slots=True)
class _CachedFile:
    mtime_ns: int
    size: int
    data: bytes


@dataclass(slots=True)
class FileCache:
    """Custom error files read once and re-read when they change (one ``stat`` per use, no reads)."""

    entries: dict[str, _CachedFile] = field(default_factory=dict)

    def read(self, path: Path) -> bytes | None:
        """The bytes of ``path``, or None when it is missing, not a regular file, or too large."""
        key = str(path)
        try:
            st = os.stat(key)
        except OSError:
            self.entries.pop(key, None)
            return None
        if not (st.st_mode & 0o170000 == 0o100000) or st.st_size > MAX_CUSTOM_ERROR_FILE_BYTES:
            return None
        cached = self.entries.get(key)
        if cached is not None and cached.mtime_ns == st.st_mtime_ns and cached.size == st.st_size:
            return cached.data
        try:
            with open(key, "rb") as fh:
                data = fh.read(MAX_CUSTOM_ERROR_FILE_BYTES + 1)
        except OSError:
            return None
        if len(data) > MAX_CUSTOM_ERROR_FILE_BYTES:
            return None
        self.entries[key] = _CachedFile(st.st_mtime_ns, st.st_size, data)
        return data
