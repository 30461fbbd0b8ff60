"""Reading W3C extended logs (IIS's and ours) with the field table the writer uses.

Two readers share the rules here:

* :func:`read_log` parses a file line by line in Python; it is for tests and small files, and is the
  reference for what "well-formed" means.
* :func:`scan_file` splits a (possibly huge or gzipped) file into *segments*, one per ``#Fields`` block, with
  a fast byte scan and no per-line Python work; the analyzer (``w3py.tools.logs_load``) hands the segments
  to DuckDB for the bulk read.

The rules, from IIS's format (iis-reference.md §2.2) and from what production files look like:

* Every ``#Fields`` directive applies to the lines after it, until the next one. Header blocks repeat
  (restarts), and the field list may change mid-file or between files of one folder.
* A data line whose number of space-separated values differs from its ``#Fields`` is *malformed*: it is
  counted and reported with its file and line number, never shifted into other columns. The same holds for
  a data line before any ``#Fields``, and for a last line without its newline (a write cut short by a crash).
* ``-`` (or an empty value between two spaces) is "no value"; ``+`` is a space in free-text fields
  (:func:`w3py.logs.fields.decode_value`). A line of nothing but spaces counts as blank, and spaces after
  the last value are tolerated (DuckDB's reader does the same; no value changes column).
* Lines end with CRLF (IIS) or LF (ours on request, or after a Unix tool touched the file).
* Text is UTF-8 (``u_ex`` files, IIS's default) or the ANSI code page (``ex`` files written with
  ``logInUTF8=false``): bytes that are not valid UTF-8 are read as Windows-1252, falling back to Latin-1.
"""

from __future__ import annotations

import gzip
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from w3py.logs.fields import ANSI_ENCODING, decode_value, field_for_name

__all__ = ["LogLine", "ParsedLog", "read_log", "Segment", "FileScan", "scan_file", "decode_text", "open_bytes"]

_UTF8_BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes) -> tuple[str, str]:
    """``data`` as text and the encoding used: UTF-8, else Windows-1252, else Latin-1 (never fails)."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(ANSI_ENCODING), ANSI_ENCODING
    except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
        return data.decode("latin-1"), "latin-1"


def open_bytes(path: Path) -> bytes:
    """The whole file's bytes, gunzipped when the name ends in ``.gz``."""
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as f:
            return f.read()
    return path.read_bytes()


# --- the line-by-line reader -----------------------------------------------------------------------------


@dataclass(slots=True)
class LogLine:
    """One well-formed data line: its line number and its values by field name (``None`` for ``-``)."""

    lineno: int
    values: dict[str, str | None]

    def __getitem__(self, name: str) -> str | None:
        return self.values[name]


@dataclass(slots=True)
class ParsedLog:
    """A file as :func:`read_log` sees it."""

    directives: list[tuple[int, str]] = field(default_factory=list)  # (line number, "#Fields: ...")
    lines: list[LogLine] = field(default_factory=list)
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line number, raw text)
    encoding: str = "utf-8"

    @property
    def fields_lines(self) -> list[str]:
        return [text for _, text in self.directives if text.startswith("#Fields:")]


def read_log(path: Path | str) -> ParsedLog:
    """Parse a W3C/HTTPERR log file strictly (see the module docstring for the rules)."""
    text, encoding = decode_text(open_bytes(Path(path)))
    result = ParsedLog(encoding=encoding)
    names: tuple[str, ...] | None = None
    known = ()
    raw_lines = text.split("\n")
    complete = len(raw_lines) - 1  # the last element follows the last newline
    for index, raw in enumerate(raw_lines):
        lineno = index + 1
        if index == complete:
            if raw:  # cut short: no newline
                result.malformed.append((lineno, raw))
            break
        line = raw[:-1] if raw.endswith("\r") else raw
        if line.startswith("#"):
            result.directives.append((lineno, line))
            if line.startswith("#Fields:"):
                names = tuple(line[len("#Fields:") :].split())
                known = tuple(field_for_name(n) for n in names)
            continue
        if not line.strip(" "):  # blank (or only spaces, which IIS never writes): not a line of data
            continue
        parts = line.split(" ")
        if names is not None and len(parts) > len(names) and not any(parts[len(names) :]):
            del parts[len(names) :]  # spaces after the last value are tolerated (no value moves)
        if names is None or len(parts) != len(names):
            result.malformed.append((lineno, line))
            continue
        result.lines.append(
            LogLine(lineno, {n: decode_value(v, k) for n, v, k in zip(names, parts, known, strict=True)})
        )
    return result


# --- the segment scanner ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Segment:
    """A run of lines governed by one ``#Fields`` directive (or by none, before the first)."""

    fields: tuple[str, ...] | None
    start: int  # byte offset of the first line after the directive
    end: int  # byte offset just past the segment's last complete line


@dataclass(slots=True)
class FileScan:
    """What a fast byte scan of one file found."""

    path: Path
    size: int
    segments: list[Segment]
    encoding: str  # "utf-8", "cp1252" or "latin-1"
    truncated_tail: bytes  # bytes after the last newline (a line cut short), b"" if none
    directive_lines: int  # number of lines starting with '#'
    bom: bool = False

    @property
    def field_sets(self) -> set[tuple[str, ...]]:
        return {s.fields for s in self.segments if s.fields is not None}


def scan_file(path: Path | str, data: bytes | None = None, *, detect_encoding: bool = True) -> FileScan:
    """Split ``path`` into ``#Fields`` segments with a byte scan (``bytes.find``; no per-line Python loop).

    ``data`` may be given when the caller already holds the bytes (a gunzipped file); otherwise the file
    is memory-mapped. With ``detect_encoding=False`` the text is assumed to be UTF-8 (the caller validates
    it some other way, e.g. DuckDB's reader reports invalid bytes), which saves a pass over the file.
    """
    path = Path(path)
    if data is None and path.name.lower().endswith(".gz"):
        data = open_bytes(path)
    if data is not None:
        return _scan(path, data, detect_encoding)
    size = os.path.getsize(path)
    if size == 0:
        return _scan(path, b"", detect_encoding)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return _scan(path, mm, detect_encoding)


def _scan(path: Path, data, detect_encoding: bool) -> FileScan:
    size = len(data)
    bom = data[:3] == _UTF8_BOM
    body_start = 3 if bom else 0
    last_nl = data.rfind(b"\n")
    complete_end = last_nl + 1  # 0 when there is no newline at all
    tail = bytes(data[complete_end:size])
    segments: list[Segment] = []
    directives = 0
    fields: tuple[str, ...] | None = None
    seg_start = body_start
    seg_has_data = False  # a non-blank, non-directive line since seg_start
    prev_end = body_start  # end of the previous directive line
    # Directive lines start with '#' at the start of the file or after a newline. '#' itself is rare in
    # data, so searching for it (memchr speed) beats searching for "\n#" (which stops at every newline).
    pos = data.find(b"#", body_start)
    while 0 <= pos < complete_end:
        if pos != body_start and data[pos - 1 : pos] != b"\n":
            pos = data.find(b"#", pos + 1)
            continue
        eol = data.find(b"\n", pos)
        if not seg_has_data and pos > prev_end:
            gap = pos - prev_end
            seg_has_data = gap > 256 or bool(bytes(data[prev_end:pos]).strip())
        directive = bytes(data[pos:eol]).rstrip(b"\r")
        directives += 1
        if directive.startswith(b"#Fields:"):
            if seg_has_data:
                segments.append(Segment(fields, seg_start, pos))
            fields = tuple(directive[len(b"#Fields:") :].decode("latin-1").split())
            seg_start = eol + 1
            seg_has_data = False
        prev_end = eol + 1
        pos = data.find(b"#", eol)
    if not seg_has_data and complete_end > prev_end:
        seg_has_data = complete_end - prev_end > 256 or bool(bytes(data[prev_end:complete_end]).strip())
    if seg_has_data:
        segments.append(Segment(fields, seg_start, complete_end))
    encoding = _detect_encoding(data, body_start, complete_end) if detect_encoding else "utf-8"
    return FileScan(path, size, segments, encoding, tail, directives, bom)


def _detect_encoding(data, start: int, end: int) -> str:
    # Chunked so that a 200 MB file is never copied whole; ASCII chunks (the usual case) cost a memchr-like
    # pass each.
    chunk = 8 * 1024 * 1024
    pos = start
    while pos < end:
        block = bytes(data[pos : min(end, pos + chunk)])
        if not block.isascii():
            # Extend to the next newline so a multi-byte character is never cut at the chunk boundary.
            nl = data.find(b"\n", pos + len(block))
            if nl >= 0 and pos + len(block) < end:
                block = bytes(data[pos : nl + 1])
            try:
                block.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    bytes(data[start:end]).decode(ANSI_ENCODING)
                    return ANSI_ENCODING
                except UnicodeDecodeError:
                    return "latin-1"
            pos += len(block)
            continue
        pos += len(block)
    return "utf-8"


def iter_segment_lines(data: bytes, segment: Segment) -> Iterator[bytes]:
    """The lines of ``segment`` (helper for tests and small inputs)."""
    for raw in data[segment.start : segment.end].split(b"\n"):
        if raw:
            yield raw.rstrip(b"\r")
