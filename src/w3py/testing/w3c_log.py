"""A strict, independent parser of the W3C log files the server writes, for tests (not the analyzer's reader).

Tests of HttpLoggingModule read the files back through this parser rather than grepping them: every line must
end with CRLF, each block must start with IIS's header (#Software, #Version: 1.0, #Date, #Fields), and every
data line must have exactly as many values as its #Fields line, or ``MalformedLog`` is raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


class MalformedLog(AssertionError):
    """The file breaks the W3C framing IIS writes."""


@dataclass
class Block:
    """One header block and the data lines after it."""

    software: str
    date: str
    fields: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)


@dataclass
class W3CFile:
    path: Path
    blocks: list[Block]

    @property
    def rows(self) -> list[dict[str, str]]:
        """Every data line as {field name: raw value} (``-`` kept as written)."""
        return [row for block in self.blocks for row in block.rows]


def parse_w3c(path: Path | str, encoding: str = "utf-8") -> W3CFile:
    """Parse ``path`` strictly; raise ``MalformedLog`` with the line number on the first problem."""
    path = Path(path)
    data = path.read_bytes()
    if data and not data.endswith(b"\r\n"):
        raise MalformedLog(f"{path}: the last line is not terminated by CRLF")
    text = data.decode(encoding)
    lines = text.split("\r\n")[:-1] if text else []
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "\n" in line or "\r" in line:
            raise MalformedLog(f"{path}:{i + 1}: a bare CR or LF inside a line")
        if line.startswith("#"):
            head = lines[i : i + 4]
            if (
                len(head) < 4
                or not head[0].startswith("#Software: ")
                or head[1] != "#Version: 1.0"
                or not head[2].startswith("#Date: ")
                or not head[3].startswith("#Fields: ")
            ):
                raise MalformedLog(f"{path}:{i + 1}: incomplete header block {head!r}")
            date = head[2][len("#Date: ") :]
            if not _DATE.match(date):
                raise MalformedLog(f"{path}:{i + 3}: bad #Date {date!r}")
            blocks.append(Block(head[0][len("#Software: ") :], date, tuple(head[3][len("#Fields: ") :].split(" "))))
            i += 4
            continue
        if not blocks:
            raise MalformedLog(f"{path}:{i + 1}: data before the header")
        values = line.split(" ")
        names = blocks[-1].fields
        if len(values) != len(names) or any(v == "" for v in values):
            raise MalformedLog(f"{path}:{i + 1}: {len(values)} values for {len(names)} fields: {line!r}")
        blocks[-1].rows.append(dict(zip(names, values)))
        i += 1
    return W3CFile(path, blocks)
