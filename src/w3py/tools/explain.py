"""``w3py explain``: what a status code seen in a log or a browser means, and what to do about it.

An admin pastes what they see: ``404.13`` from an error page, ``404 13 0`` (sc-status, sc-substatus,
sc-win32-status) from a W3C log line, ``HTTP Error 500.19``, a bare ``404`` for the whole family, or an
HRESULT such as ``0x80070021`` from a detailed error page. This module turns each of those into catalog
entries (``w3py.catalog``) and renders them for a terminal (rich) or as JSON for scripts. The CLI in
``w3py.cli.explain`` only parses options and calls :func:`explain_all`, :func:`render` and :func:`to_json`.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from w3py import catalog
from w3py.status import CONFIG_DATA_INVALID

__all__ = [
    "Explanation",
    "QueryError",
    "default_language",
    "explain",
    "explain_all",
    "group_arguments",
    "render",
    "to_json",
]

# HTTP status codes are three digits 100-599; any other bare number is read as a Win32 code.
_STATUS_RANGE = range(100, 600)
# How many near matches to offer for a code the catalog does not know.
_MAX_SUGGESTIONS = 4
# Column widths (terminal cells) of the substatus table shown for a bare code.
_MEANING_MIN_WIDTH = 34
_MODULE_MAX_WIDTH = 26
# Characters of an unparseable query repeated in the error message.
_MAX_QUERY_ECHO = 40

# "HTTP Error 404.13 - Not Found", "404.13", "404 13 0", "404.13.0", "404 13", "500 19 0x8007000d"
_STATUS_QUERY = re.compile(
    r"""^(?:http\s+)?(?:error\s+)?             # pasted from a browser: "HTTP Error 404.13"
        (?P<code>\d{3})
        (?:[.\s]+(?P<sub>\d{1,10}))?
        (?:[.\s]+(?P<win32>0x[0-9a-f]{1,8}|\d{1,10}))?
        (?:\s*[-–—:].*)?$                       # " - Not Found" after the number
    """,
    re.IGNORECASE | re.VERBOSE | re.ASCII,
)
_WIN32_QUERY = re.compile(r"^(?:win32[:=\s]*)?(?P<value>0x[0-9a-f]{1,8}|\d{1,10})$", re.IGNORECASE | re.ASCII)


class QueryError(Exception):
    """The query names no code the catalog knows. ``suggestions`` lists nearby codes that it does."""

    def __init__(self, query: str, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.query = query
        self.message = message
        self.suggestions = tuple(suggestions)


@dataclass(frozen=True)
class Explanation:
    """What one query resolved to.

    ``kind`` is ``"status"`` (one status.substatus), ``"code"`` (a bare code: the code and all its
    substatuses), ``"log"`` (a log triple: status plus win32) or ``"win32"`` (a Win32 code or HRESULT alone).
    ``win32_value`` is set whenever the query carried a Win32 value, even if the catalog has no entry for it.
    """

    query: str
    kind: str
    entries: tuple[catalog.Entry, ...] = ()
    win32: catalog.Win32Entry | None = None
    win32_value: int | None = None


# --- parsing -----------------------------------------------------------------------------------------------


def group_arguments(args: Sequence[str]) -> list[str]:
    """Join log triples the shell split apart: ``404 13 0`` typed unquoted becomes one query ``"404 13 0"``.

    A bare status code followed by bare numbers that are not themselves status codes (a substatus such as 13,
    then a win32 value) is one log triple. Anything else stays a separate query, so ``404 500`` still means
    two codes. A substatus that looks like a status (``403 501 0``) must be quoted or written ``403.501``.
    """
    grouped: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i].strip()
        if _is_decimal(arg) and int(arg) in _STATUS_RANGE:
            parts = [arg]
            while len(parts) < 3 and i + len(parts) < len(args):
                nxt = args[i + len(parts)].strip()
                # a substatus is decimal; only the win32 part may be an HRESULT in hex
                numeric = _is_decimal(nxt) or (len(parts) == 2 and _is_hex(nxt))
                if not numeric or (_is_decimal(nxt) and int(nxt) in _STATUS_RANGE):
                    break
                parts.append(nxt)
            grouped.append(" ".join(parts))
            i += len(parts)
        else:
            grouped.append(arg)
            i += 1
    return grouped


def _is_hex(text: str) -> bool:
    return bool(re.fullmatch(r"0x[0-9a-fA-F]{1,8}", text))


def _is_decimal(text: str) -> bool:
    # str.isdigit() accepts "²" and other digits int() refuses
    return bool(re.fullmatch(r"[0-9]{1,10}", text))


def _number(text: str) -> int:
    """A decimal or 0x-prefixed hexadecimal number as typed ("02" is 2, not an error)."""
    return int(text, 16) if text[:2].lower() == "0x" else int(text, 10)


def explain(query: str) -> Explanation:
    """Resolve one query; raise :class:`QueryError` (with suggestions) if the catalog knows no such code."""
    text = " ".join(query.split())
    if not text:
        raise QueryError(query, "empty code")
    match = _STATUS_QUERY.match(text)
    if match and int(match["code"]) in _STATUS_RANGE:
        return _explain_status(query, int(match["code"]), match["sub"], match["win32"])
    match = _WIN32_QUERY.match(text)
    if match:
        value = _number(match["value"])
        entry = catalog.win32(value)
        if entry is None:
            raise QueryError(query, f"no description for Win32 code / HRESULT {_format_win32(value)}",
                             _nearest_strings(text))
        return Explanation(query, "win32", win32=entry, win32_value=value)
    raise QueryError(
        query,
        f"{_shorten(text)!r} is not a status code; use CODE, CODE.SUBSTATUS or the log's 'STATUS SUBSTATUS WIN32'",
        _nearest_strings(text),
    )


def explain_all(queries: Iterable[str]) -> tuple[list[Explanation], list[QueryError]]:
    """Resolve every query, keeping the ones that failed apart so the caller can report them all."""
    found: list[Explanation] = []
    failed: list[QueryError] = []
    for query in queries:
        try:
            found.append(explain(query))
        except QueryError as exc:
            failed.append(exc)
    return found, failed


def _explain_status(query: str, code: int, sub: str | None, win32_text: str | None) -> Explanation:
    family = catalog.substatuses(code)
    if not family:
        raise QueryError(query, f"{code} is not a status code IIS uses", _nearest_codes(code))
    if sub is None:
        return Explanation(query, "code", entries=family)
    substatus = int(sub)
    entry = catalog.lookup(code, substatus)
    if entry is None:
        raise QueryError(query, f"{code}.{substatus} is not a known substatus of {code}",
                         _nearest_substatuses(family, substatus))
    if win32_text is None:
        return Explanation(query, "status", entries=(entry,))
    value = _number(win32_text)
    return Explanation(query, "log", entries=(entry,), win32=_win32_for(entry, value), win32_value=value)


def _win32_for(entry: catalog.Entry, value: int) -> catalog.Win32Entry | None:
    # The log keeps only the low word of a config HRESULT (0x80070021 -> 33); beside 500.19 the HRESULT's
    # configuration-specific explanation is the useful one.
    if (entry.code, entry.substatus) == (CONFIG_DATA_INVALID.code, CONFIG_DATA_INVALID.substatus) and value <= 0xFFFF:
        hresult = catalog.win32(0x80070000 | value)
        if hresult is not None and hresult.code != value:
            return hresult
    return catalog.win32(value)


def _format_win32(value: int) -> str:
    return f"0x{value:08X}" if value > 0xFFFF else str(value)


# --- suggestions -------------------------------------------------------------------------------------------


def _nearest_codes(code: int) -> list[str]:
    codes = sorted({e.code for e in catalog.entries()}, key=lambda c: (abs(c - code), c))
    return [str(c) for c in codes[:_MAX_SUGGESTIONS]]


def _nearest_substatuses(family: Sequence[catalog.Entry], substatus: int) -> list[str]:
    nearest = sorted(family, key=lambda e: (abs(e.substatus - substatus), e.substatus))
    return [e.status for e in nearest[: _MAX_SUGGESTIONS - 1]] + [str(family[0].code)]


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_QUERY_ECHO else text[: _MAX_QUERY_ECHO - 1] + "…"


def _nearest_strings(text: str) -> list[str]:
    text = text[:_MAX_QUERY_ECHO]  # a typo'd code is short; do not compare megabytes of pasted text
    known = [e.status for e in catalog.entries()] + sorted({str(e.code) for e in catalog.entries()})
    known += [w.hex.lower() for w in catalog.win32_entries()]
    return difflib.get_close_matches(text.lower(), known, n=_MAX_SUGGESTIONS, cutoff=0.6)


# --- language ----------------------------------------------------------------------------------------------


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """``"ja"`` when the locale is Japanese, else ``"en"``; POSIX precedence LC_ALL > LC_MESSAGES > LANG."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


# --- JSON --------------------------------------------------------------------------------------------------


def entry_dict(entry: catalog.Entry, lang: str) -> dict[str, Any]:
    """An entry as plain data in one language (the ``--json`` shape, also usable by the log analyzer)."""
    text = entry.text(lang)
    return {
        "status": entry.status,
        "code": entry.code,
        "substatus": entry.substatus,
        "reason": entry.reason,
        "title": text.title,
        "description": text.description,
        "causes": list(text.causes),
        "things_to_try": list(text.things_to_try),
        "module": entry.module,
        "modules": list(entry.modules),
        "config": list(entry.config),
        "typical_win32": list(entry.typical_win32),
        "produced_by_w3py": entry.produced_by_w3py,
        "verified": entry.verified,
        "note": entry.note,
    }


def win32_dict(entry: catalog.Win32Entry, lang: str) -> dict[str, Any]:
    title, description = entry.text(lang)
    return {
        "code": entry.code,
        "hex": entry.hex,
        "name": entry.name,
        "title": title,
        "description": description,
        "statuses": list(entry.statuses),
    }


def to_json(found: Sequence[Explanation], failed: Sequence[QueryError], lang: str) -> dict[str, Any]:
    """``{"lang", "results": [...], "errors": [...]}``; one result per query, in the order given."""
    results = []
    for exp in found:
        item: dict[str, Any] = {
            "query": exp.query,
            "kind": exp.kind,
            "entries": [entry_dict(e, lang) for e in exp.entries],
        }
        if exp.win32_value is not None:
            item["win32"] = win32_dict(exp.win32, lang) if exp.win32 else {"code": exp.win32_value, "known": False}
        results.append(item)
    errors = [{"query": f.query, "error": f.message, "suggestions": list(f.suggestions)} for f in failed]
    return {"lang": lang, "results": results, "errors": errors}


# --- terminal ----------------------------------------------------------------------------------------------

_LABELS = {
    "en": {
        "causes": "Likely causes",
        "try": "Things to try",
        "module": "Set by",
        "config": "Setting",
        "win32": "Usual win32",
        "w3py": "w3py",
        "w3py_yes": "produces this code",
        "w3py_no": "does not produce this code yet",
        "note": "Note",
        "unverified": "not confirmed against IIS",
        "family": "Substatuses of {code}",
        "meaning": "Meaning",
        "full": "Run `w3py explain {code}.N` for one substatus, or add --all to show every one in full.",
        "log_win32": "sc-win32-status",
        "did_you_mean": "Did you mean",
        "any_module": "(several modules)",
        "seen_with": "Logged with",
        "unknown_win32": "sc-win32-status {value}: no description in the catalog",
    },
    "ja": {
        "causes": "考えられる原因",
        "try": "対処方法",
        "module": "この状態を返すモジュール",
        "config": "関連する設定",
        "win32": "よく記録される win32",
        "w3py": "w3py",
        "w3py_yes": "この状態を返します",
        "w3py_no": "この状態はまだ返しません",
        "note": "注記",
        "unverified": "IIS での動作は未確認",
        "family": "{code} の副状態",
        "meaning": "意味",
        "full": "1 つの副状態は `w3py explain {code}.N`、すべてを詳しく見るには --all を付けてください。",
        "log_win32": "sc-win32-status",
        "did_you_mean": "候補",
        "any_module": "(複数のモジュール)",
        "seen_with": "主に記録される状態",
        "unknown_win32": "sc-win32-status {value}: カタログに説明がありません",
    },
}


def render(console: Console, found: Sequence[Explanation], lang: str, *, expand_all: bool = False) -> None:
    """Print explanations for a person. Colour only when ``console`` is a terminal (rich decides)."""
    with _plain_when_piped(console):
        _render(console, found, lang, expand_all)


def _render(console: Console, found: Sequence[Explanation], lang: str, expand_all: bool) -> None:
    labels = _LABELS.get(lang, _LABELS["en"])
    for index, exp in enumerate(found):
        if index:
            console.print()
        if exp.kind == "win32" and exp.win32 is not None:
            console.print(_win32_block(exp.win32, lang, labels, heading=True))
            continue
        if exp.kind == "code" and not expand_all:
            head = next((e for e in exp.entries if e.substatus == 0), exp.entries[0])
            console.print(_entry_block(head, lang, labels))
            if len(exp.entries) > 1:
                console.print()
                console.print(_family_table(exp.entries, lang, labels))
                console.print(_Wrapped(labels["full"].format(code=head.code), style="dim"))
            continue
        for n, entry in enumerate(exp.entries):
            if n:
                console.print()
            console.print(_entry_block(entry, lang, labels))
        if exp.win32 is not None:
            console.print()
            console.print(_win32_block(exp.win32, lang, labels, heading=False))
        elif exp.win32_value is not None:
            console.print()
            console.print(Text(labels["unknown_win32"].format(value=_format_win32(exp.win32_value)), style="yellow"))


def render_errors(console: Console, failed: Sequence[QueryError], lang: str) -> None:
    """Print what could not be explained, with the nearest known codes."""
    labels = _LABELS.get(lang, _LABELS["en"])
    with _plain_when_piped(console):
        _render_errors(console, failed, labels)


def _render_errors(console: Console, failed: Sequence[QueryError], labels: dict[str, str]) -> None:
    for err in failed:
        line = Text("w3py explain: ", style="bold red")
        line.append(err.message)
        console.print(line)
        if err.suggestions:
            console.print(Text(f"  {labels['did_you_mean']}: {', '.join(err.suggestions)}"))


def _entry_block(entry: catalog.Entry, lang: str, labels: dict[str, str]) -> Group:
    text = entry.text(lang)
    heading = Text()
    heading.append(entry.status, style="bold cyan")
    heading.append(f"  {entry.code} {entry.reason}", style="bold")
    heading.append(" — ")
    heading.append(text.title, style="bold")
    parts: list[Any] = [heading, _pad(_Wrapped(text.description), (0, 0, 0, 2))]
    parts.append(_bullets(labels["causes"], text.causes))
    parts.append(_bullets(labels["try"], text.things_to_try))
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column()
    facts.add_row(labels["module"], _Wrapped(", ".join(entry.modules) or labels["any_module"]))
    if entry.config:
        facts.add_row(labels["config"], Group(*(_Wrapped(c) for c in entry.config)))
    if entry.typical_win32:
        facts.add_row(labels["win32"], ", ".join(_format_win32(v) for v in entry.typical_win32))
    facts.add_row(labels["w3py"], labels["w3py_yes"] if entry.produced_by_w3py else labels["w3py_no"])
    if entry.note or not entry.verified:
        note = entry.note if entry.verified else f"{labels['unverified']}. {entry.note}".strip()
        facts.add_row(labels["note"], _Wrapped(note))
    parts.append(_pad(facts, (1, 0, 0, 2)))
    return Group(*parts)


def _bullets(title: str, items: Sequence[str]) -> Padding:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for item in items:
        grid.add_row("•", _Wrapped(item))
    return _pad(Group(Text(title, style="bold"), _pad(grid, (0, 0, 0, 2))), (1, 0, 0, 2))


def _win32_block(entry: catalog.Win32Entry, lang: str, labels: dict[str, str], *, heading: bool) -> Group:
    title, description = entry.text(lang)
    line = Text()
    if heading:
        line.append(entry.hex if entry.code > 0xFFFF else str(entry.code), style="bold cyan")
    else:
        line.append(f"{labels['log_win32']} ", style="bold")
        line.append(_format_win32(entry.code), style="bold cyan")
    line.append(f"  {entry.name}", style="dim")
    line.append(" — ")
    line.append(title, style="bold")
    parts: list[Any] = [line, _pad(_Wrapped(description), (0, 0, 0, 2))]
    if heading and entry.statuses:
        seen = Text(f"{labels['seen_with']}: ", style="dim")
        seen.append(", ".join(entry.statuses))
        parts.append(_pad(seen, (0, 0, 0, 2)))
    return Group(*parts)


def _family_table(entries: Sequence[catalog.Entry], lang: str, labels: dict[str, str]) -> Table:
    table = Table(title=labels["family"].format(code=entries[0].code), title_justify="left", box=None,
                  show_edge=False, pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column("", style="cyan", no_wrap=True)
    # the meaning is what the reader came for: it keeps its width and long module names fold instead
    table.add_column(labels["meaning"], min_width=_MEANING_MIN_WIDTH)
    table.add_column(labels["module"], style="dim", max_width=_MODULE_MAX_WIDTH)
    table.add_column("w3py", no_wrap=True)
    for entry in entries:
        table.add_row(entry.status, _Wrapped(entry.one_line(lang)), _Wrapped(entry.module or "-"),
                      "✓" if entry.produced_by_w3py else "")
    return table


@contextlib.contextmanager
def _plain_when_piped(console: Console) -> Iterator[None]:
    # rich pads table and padded lines with spaces up to the width; harmless on a terminal, but noise in a
    # file or a pipe, so there the output is captured and written back without trailing spaces.
    if console.is_terminal:
        yield
        return
    with console.capture() as captured:
        yield
    text = "\n".join(line.rstrip() for line in captured.get().splitlines())
    console.file.write(text + "\n" if text else "")
    console.file.flush()


def _pad(renderable: Any, pad: tuple[int, int, int, int]) -> Padding:
    # expand=False: no trailing spaces up to the terminal width, so piped output stays clean
    return Padding(renderable, pad, expand=False)


# Japanese has no spaces between words and may break between almost any two characters; rich wraps only at
# spaces, which leaves ragged half-empty lines. _Wrapped breaks between CJK characters and at spaces, keeps
# ASCII words (paths, attribute names) whole when they fit, and does not start a line with closing punctuation.
_CJK = "\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
_NO_LINE_START = set("、。，．・：；？！）」』】〕｝〉》ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ")


def _wrap(text: str, width: int) -> list[str]:
    width = max(width, 2)
    lines: list[str] = []
    line: list[str] = []
    used = 0
    pending_space = False
    for token in _TOKEN.findall(text):
        if token.isspace():
            pending_space = bool(line)
            continue
        size = cell_len(token)
        gap = 1 if pending_space else 0
        pending_space = False
        if used + gap + size <= width:
            if gap:
                line.append(" ")
            line.append(token)
            used += gap + size
            continue
        carry: list[str] = []
        if token in _NO_LINE_START and len(line) > 1:
            carry = [line.pop()]
        if line:
            lines.append("".join(line).rstrip())
        line, used = carry, sum(cell_len(t) for t in carry)
        if used + size <= width:
            line.append(token)
            used += size
        else:  # a token wider than the line (a long path): fold it
            pieces = chop_cells(token, width)
            lines.extend(pieces[:-1])
            line, used = [pieces[-1]], cell_len(pieces[-1])
    if line:
        lines.append("".join(line).rstrip())
    return lines or [""]


class _Wrapped:
    """Text that wraps correctly for both English and Japanese (see _wrap)."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text = text
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in _wrap(self.text, options.max_width):
            yield Text(line, style=self.style, no_wrap=True, overflow="fold")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        tokens = [t for t in _TOKEN.findall(self.text) if not t.isspace()] or [""]
        longest = max(cell_len(t) for t in tokens)
        return Measurement(min(longest, options.max_width, 24), min(cell_len(self.text), options.max_width))
