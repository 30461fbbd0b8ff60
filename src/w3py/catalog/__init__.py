"""The status catalog: what every IIS status.substatus (and the Win32/HRESULT codes IIS logs beside them) means.

IIS tells an admin *why* it refused a request through the substatus (404.7, 500.19 ...) and the Win32 status in
the log; the detailed error page then explains it. This package holds those explanations, in English and
Japanese, for the detailed error pages, ``w3py explain`` and the log analyzer. Nothing else in w3py hard-codes
a description (DESIGN.md, "catalog/").

The data is one TOML file beside this module (``catalog.toml``), read once on first use and cached. The file's
header documents its layout; ``docs/catalog.md`` explains how to add or correct an entry.

    >>> from w3py import catalog
    >>> entry = catalog.lookup(404, 13)
    >>> entry.module, entry.one_line("en")
    ('RequestFilteringModule', 'Request body declared larger than allowed (IIS 7–8.5)')
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, NamedTuple

from w3py.core.accept_language import parse_accept_language

__all__ = [
    "LANGUAGES",
    "CatalogError",
    "Entry",
    "Text",
    "Win32Entry",
    "entries",
    "layer_names",
    "lookup",
    "negotiate_language",
    "preload",
    "substatuses",
    "win32",
    "win32_entries",
]

#: Languages every entry is written in; the first is the fallback for unknown language tags.
LANGUAGES = ("en", "ja")

_DATA_FILE = "catalog.toml"

#: Components that set a status but are not modules in IIS's <modules> list. IIS's detailed error page says
#: "IIS Web Core" when the core engine (config, handler mapping, access checks) set it; HTTP.sys answers before
#: IIS sees the request; WAS decides whether an application pool is running.
_LAYERS = ("HTTP.sys", "IIS Web Core", "WAS")


class CatalogError(Exception):
    """The catalog data file is malformed (a packaging or editing mistake, caught by the catalog tests)."""


class Text(NamedTuple):
    """The human-readable part of an entry in one language."""

    title: str
    description: str
    causes: tuple[str, ...]
    things_to_try: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One status.substatus: its meaning, the module and setting behind it, and what an admin can do.

    ``modules`` lists the IIS module (or layer: ``HTTP.sys``, ``IIS Web Core``, ``WAS``) that sets the code,
    the usual one first. ``config`` lists the configuration section/attribute paths that control it.
    ``typical_win32`` lists the sc-win32-status values usually logged with it. ``verified`` is False where the
    IIS behaviour is not confirmed by a primary source; ``note`` then says what we chose and why.
    """

    code: int
    substatus: int
    reason: str
    modules: tuple[str, ...]
    config: tuple[str, ...]
    produced_by_w3py: bool
    typical_win32: tuple[int, ...]
    verified: bool
    note: str
    # texts stay out of ==, hash() and repr(): entries are used as dict keys and printed in test failures
    _texts: dict[str, Text] = field(compare=False, repr=False)

    @property
    def status(self) -> str:
        """``"404.13"``; codes without a substatus in IIS's list still print as ``"404.0"``."""
        return f"{self.code}.{self.substatus}"

    @property
    def module(self) -> str:
        """The IIS module (or layer) that usually sets this code, or ``""`` when many modules do."""
        return self.modules[0] if self.modules else ""

    def text(self, lang: str = "en") -> Text:
        """Title, description, likely causes and things to try in ``lang`` (``"en"`` or ``"ja"``)."""
        return self._texts.get(lang) or self._texts[LANGUAGES[0]]

    def one_line(self, lang: str = "en") -> str:
        """A short meaning for tables (the log analyzer's "top codes" column)."""
        return self.text(lang).title


@dataclass(frozen=True, slots=True)
class Win32Entry:
    """A Win32 error or HRESULT as it appears in sc-win32-status or on a detailed error page."""

    code: int
    name: str
    statuses: tuple[str, ...]
    _texts: dict[str, tuple[str, str]] = field(compare=False, repr=False)

    @property
    def hex(self) -> str:
        """``"0x80070005"`` for HRESULTs, ``"0x00000002"`` for plain Win32 codes."""
        return f"0x{self.code:08X}"

    def text(self, lang: str = "en") -> tuple[str, str]:
        """(title, description) in ``lang``."""
        return self._texts.get(lang) or self._texts[LANGUAGES[0]]

    def one_line(self, lang: str = "en") -> str:
        return self.text(lang)[0]


class _Catalog(NamedTuple):
    by_key: dict[tuple[int, int], Entry]
    ordered: tuple[Entry, ...]
    win32: dict[int, Win32Entry]


# --- public API --------------------------------------------------------------------------------------------


def lookup(code: int, substatus: int = 0, *, fallback: bool = False) -> Entry | None:
    """The entry for ``code.substatus`` (``lookup(404)`` is 404.0), or None if the catalog has none.

    With ``fallback=True`` a substatus the catalog does not know (an application's own 404.99) gives the
    code's general entry (404.0) instead, which is what an error page should show.
    """
    by_key = _catalog().by_key
    found = by_key.get((code, substatus))
    if found is None and fallback:
        found = by_key.get((code, 0))
    return found


def entries() -> tuple[Entry, ...]:
    """Every entry, ordered by code then substatus."""
    return _catalog().ordered


def substatuses(code: int) -> tuple[Entry, ...]:
    """The entries of ``code`` (404.0, 404.1 ... 404.504), ordered by substatus; empty if the code is unknown."""
    return tuple(e for e in _catalog().ordered if e.code == code)


def win32(code: int) -> Win32Entry | None:
    """The entry for a Win32 code or HRESULT as logged (``2``, ``64``, ``0x8007000D`` or its decimal form).

    An HRESULT wrapping a Win32 code (``0x8007xxxx``) without its own entry falls back to the plain code's
    entry, since the detailed error page shows ``0x80070002`` where the log shows ``2``.
    """
    table = _catalog().win32
    found = table.get(code)
    if found is None and code >> 16 == _FACILITY_WIN32_HRESULT:
        found = table.get(code & 0xFFFF)
    return found


def win32_entries() -> tuple[Win32Entry, ...]:
    """Every Win32/HRESULT entry, ordered by value."""
    return tuple(sorted(_catalog().win32.values(), key=lambda w: w.code))


def negotiate_language(accept_language: str | None, default: str = "en") -> str:
    """The catalog language that best fits an ``Accept-Language`` header (``"ja,en-US;q=0.8"`` -> ``"ja"``).

    The header is untrusted input: ``w3py.core.accept_language`` bounds it and skips anything malformed.
    """
    # Tags come most preferred first (q=0 and "*" dropped), so the first one in a catalog language wins.
    for tag in parse_accept_language(accept_language):
        lang = tag.lower().split("-", 1)[0]
        if lang in LANGUAGES:
            return lang
    return default


def preload() -> None:
    """Read the data file now rather than on first use.

    Parsing takes tens of milliseconds; a worker process calls this at start-up so that its first error page
    does not pay for it. Calling it again costs nothing.
    """
    _catalog()


def layer_names() -> tuple[str, ...]:
    """Names allowed in ``Entry.modules`` besides real IIS module names (see ``_LAYERS``)."""
    return _LAYERS


# HRESULT_FROM_WIN32: severity bit + FACILITY_WIN32 (7) in the high word.
_FACILITY_WIN32_HRESULT = 0x8007


# --- loading -----------------------------------------------------------------------------------------------


@functools.cache
def _catalog() -> _Catalog:
    raw = resources.files(__name__).joinpath(_DATA_FILE).read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:  # includes a status defined twice
        raise CatalogError(f"{_DATA_FILE}: {exc}") from exc
    return _build(data)


def _build(data: dict[str, Any]) -> _Catalog:
    reasons = {int(k): v for k, v in data.get("reason", {}).items()}
    by_key: dict[tuple[int, int], Entry] = {}
    for key, raw in data.get("status", {}).items():
        code, substatus = _parse_status_key(key)
        if (code, substatus) in by_key:
            raise CatalogError(f"{_DATA_FILE}: status {key} is defined twice")
        if code not in reasons:
            raise CatalogError(f"{_DATA_FILE}: status {key}: no reason phrase for {code} in [reason]")
        by_key[(code, substatus)] = _entry(key, code, substatus, reasons[code], raw)
    table: dict[int, Win32Entry] = {}
    for key, raw in data.get("win32", {}).items():
        try:
            value = int(key, 0)
        except ValueError:
            raise CatalogError(f"{_DATA_FILE}: win32 key {key!r} is not a number") from None
        if value in table:
            raise CatalogError(f"{_DATA_FILE}: win32 {key} is defined twice")
        table[value] = _win32_entry(key, value, raw)
    ordered = tuple(by_key[k] for k in sorted(by_key))
    return _Catalog(by_key, ordered, table)


def _parse_status_key(key: str) -> tuple[int, int]:
    code_s, _, sub_s = key.partition(".")
    if not (code_s.isdigit() and len(code_s) == 3 and sub_s.isdigit()):
        raise CatalogError(f"{_DATA_FILE}: status key {key!r} is not CODE.SUBSTATUS")
    return int(code_s), int(sub_s)


def _entry(key: str, code: int, substatus: int, reason: str, raw: dict[str, Any]) -> Entry:
    texts = {}
    for lang in LANGUAGES:
        part = raw.get(lang)
        if not isinstance(part, dict):
            raise CatalogError(f"{_DATA_FILE}: status {key}: no [{lang}] text")
        texts[lang] = Text(
            _str(part, "title", key, lang),
            _str(part, "description", key, lang),
            _str_list(part, "causes", key, lang),
            _str_list(part, "try", key, lang),
        )
    return Entry(
        code=code,
        substatus=substatus,
        reason=raw.get("reason", reason),
        modules=tuple(raw.get("modules", ())),
        config=tuple(raw.get("config", ())),
        produced_by_w3py=bool(raw.get("w3py", False)),
        typical_win32=tuple(int(v) for v in raw.get("win32", ())),
        verified=bool(raw.get("verified", True)),
        note=raw.get("note", ""),
        _texts=texts,
    )


def _win32_entry(key: str, value: int, raw: dict[str, Any]) -> Win32Entry:
    texts = {}
    for lang in LANGUAGES:
        part = raw.get(lang)
        if not isinstance(part, dict):
            raise CatalogError(f"{_DATA_FILE}: win32 {key}: no [{lang}] text")
        texts[lang] = (_str(part, "title", key, lang), _str(part, "description", key, lang))
    return Win32Entry(
        code=value,
        name=raw.get("name", ""),
        statuses=tuple(raw.get("statuses", ())),
        _texts=texts,
    )


def _str(part: dict[str, Any], field: str, key: str, lang: str) -> str:
    value = part.get(field)
    if not isinstance(value, str):
        raise CatalogError(f"{_DATA_FILE}: {key}.{lang}.{field} must be a string")
    return value


def _str_list(part: dict[str, Any], field: str, key: str, lang: str) -> tuple[str, ...]:
    value = part.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{_DATA_FILE}: {key}.{lang}.{field} must be a list of strings")
    return tuple(value)
