"""The effective configuration as XML, with where each value came from (``w3py config show``, golden tests).

Each element is printed with all its attributes in schema order, followed by a comment naming the
file:line of every attribute that some file set (``default`` when none did). Collection entries show where
they were added. File names are shown relative to the server root so that dumps are stable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import quoteattr

from w3py.config.schema import ConfigElement, ElementSchema, Section
from w3py.config.server import EffectiveConfig, ServerConfig

INDENT = "  "


def _where(origin: tuple[str, int] | None, root: Path) -> str:
    if origin is None:
        return "default"
    file, line = origin
    try:
        shown = Path(file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = file
    return f"{shown}:{line}"


def _path_text(value: str, root: Path) -> str:
    """Expanded paths under the server root are shown as %SystemDrive%/..., so dumps do not depend on where
    the root is."""
    r = str(root)
    if value == r or value.startswith(r + "/"):
        return "%SystemDrive%" + value[len(r):]
    return value


def _attr_text(elem: ConfigElement, schema: ElementSchema, root: Path) -> str:
    parts = []
    for a in schema.attrs.values():
        value = getattr(elem, a.py)
        text = _path_text(value.as_posix(), root) if isinstance(value, Path) else a.type.format(value)
        if isinstance(value, str):
            text = _path_text(text, root)
        parts.append(f" {a.xml}={quoteattr(text)}")
    return "".join(parts)


def _comment(elem: ConfigElement, root: Path, item: bool) -> str:
    if item:
        return f"<!-- {_where(elem.origin, root)} -->"
    by_file: dict[str, list[str]] = {}
    for a in elem._schema.attrs.values():
        o = elem.origin_of(a.py)
        if o is not None:
            by_file.setdefault(_where(o, root), []).append(a.xml)
    if not by_file:
        return "<!-- default -->"
    return "<!-- " + "; ".join(f"{w} ({', '.join(names)})" for w, names in by_file.items()) + " -->"


def dump_element(elem: ConfigElement, schema: ElementSchema, root: Path, depth: int, out: list[str],
                 item: bool = False, tag: str | None = None) -> None:
    pad = INDENT * depth
    name = tag or schema.xml
    head = f"{pad}<{name}{_attr_text(elem, schema, root)}"
    comment = _comment(elem, root, item)
    inner: list[str] = []
    for child in schema.children.values():
        dump_element(getattr(elem, child.py), child, root, depth + 1, inner)
    coll = schema.collection
    if coll is not None:
        for entry in elem.items:
            dump_element(entry, coll.item, root, depth + 1, inner, item=True)
    if inner:
        out.append(f"{head}> {comment}")
        out.extend(inner)
        out.append(f"{pad}</{name}>")
    else:
        out.append(f"{head} /> {comment}")


def select_sections(name: str | None) -> list[type[Section]]:
    """Section classes whose path equals ``name`` or ends with ``/name`` (case-insensitive); all when None."""
    from w3py.config.schema import SECTIONS

    classes = list(SECTIONS.values())
    if not name:
        return classes
    low = name.lower().strip("/")
    return [c for c in classes if c.path.lower() == low or c.path.lower().endswith("/" + low)]


def dump_effective(cfg: ServerConfig, effective: EffectiveConfig, sections: Iterable[type[Section]]) -> str:
    """The chosen sections of ``effective`` as XML, grouped under their section groups."""
    out: list[str] = []
    open_groups: list[str] = []
    for cls in sorted(sections, key=lambda c: c.path):
        groups = cls.path.split("/")[:-1]
        common = 0
        while common < min(len(groups), len(open_groups)) and groups[common] == open_groups[common]:
            common += 1
        while len(open_groups) > common:
            out.append(f"{INDENT * (len(open_groups) - 1)}</{open_groups.pop()}>")
        while len(open_groups) < len(groups):
            out.append(f"{INDENT * len(open_groups)}<{groups[len(open_groups)]}>")
            open_groups.append(groups[len(open_groups)])
        dump_element(effective[cls], cls._schema, cfg.root, len(open_groups), out)
    while open_groups:
        out.append(f"{INDENT * (len(open_groups) - 1)}</{open_groups.pop()}>")
    return "\n".join(out) + "\n"


__all__ = ["dump_effective", "dump_element", "select_sections"]
