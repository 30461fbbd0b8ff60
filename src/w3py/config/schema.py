"""The schema DSL: one declaration per configuration section, mirroring IIS_schema.xml.

A section is declared once, as a subclass of :class:`Section` whose ``members`` list its attributes
(:func:`attr`), child elements (:func:`element`) and at most one collection (:func:`collection`)::

    class DefaultDocumentSection(Section):
        path = "system.webServer/defaultDocument"
        members = (
            attr("enabled", BOOL, True),
            element("files", collection("add", attr("value", STRING, required=True, key=True),
                                        merge_append=False)),
        )

XML names appear only in these declarations. ``__init_subclass__`` compiles the members into an
:class:`ElementSchema` tree, generates one frozen class per child element, and registers the section by its
path, so adding a section is exactly one declaration. Python field names are the snake_case of the XML names
(``allowDoubleEscaping`` -> ``allow_double_escaping``).

Value types follow IIS_schema.xml (reference §1.1): ``bool``, ``uint``/``int``/``int64`` with ranges,
``timeSpan`` (``[-][d.]hh:mm:ss[.fffffff]``), ``enum`` (canonical name, numeric values accepted), ``flags``
(comma list or number -> ``frozenset`` of canonical names) and ``string`` (optionally with environment
variables expanded, or turned into a :class:`~pathlib.Path`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, ClassVar

__all__ = [
    "BOOL", "INT", "INT64", "UINT", "STRING", "EXPANDED_STRING", "PATH", "TIMESPAN",
    "Enum", "Flags", "UInt", "Int", "TimeSpan", "ValueType",
    "attr", "element", "collection", "Section", "ConfigElement", "ElementSchema", "AttrSchema",
    "CollectionSchema", "snake", "SECTIONS", "section_for_path",
]

_SNAKE_1 = re.compile(r"(.)([A-Z][a-z]+)")
_SNAKE_2 = re.compile(r"([a-z])([A-Z])")


def snake(name: str) -> str:
    """The Python field name for an XML name: ``logExtFileFlags`` -> ``log_ext_file_flags``,
    ``applyToWebDAV`` -> ``apply_to_web_dav``, ``CLRConfigFile`` -> ``clr_config_file``."""
    s = _SNAKE_1.sub(r"\1_\2", name.replace(".", "_").replace("-", "_"))
    return _SNAKE_2.sub(r"\1_\2", s).lower()


# --------------------------------------------------------------------------------------------- value types
class ValueType:
    """How one attribute's text becomes a Python value (``parse``) and back (``format``, for dumps)."""

    name = "string"

    def parse(self, text: str, env: "Expander | None") -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)


class Expander:
    """Expands %VARS% in strings; provided by the loader (it knows the server root). See ``env.py``."""

    def expand(self, text: str) -> str:  # pragma: no cover - interface
        return text

    def to_path(self, text: str) -> Path:  # pragma: no cover - interface
        return Path(text)

    def to_path_text(self, text: str) -> str:  # pragma: no cover - interface
        return text


class _Bool(ValueType):
    name = "bool"

    def parse(self, text: str, env: Expander | None) -> bool:
        # IIS's config system accepts true/false in any case; anything else is "not a valid Boolean".
        low = text.strip().lower()
        if low == "true":
            return True
        if low == "false":
            return False
        raise ValueError(f"'{text}' is not a valid value for a Boolean (use true or false)")

    def format(self, value: Any) -> str:
        return "true" if value else "false"


class Int(ValueType):
    """A signed or unsigned integer with IIS's ``integerRange`` validator (``min,max[,exclude]``)."""

    def __init__(self, lo: int, hi: int, *, exclude: bool = False, name: str = "int") -> None:
        self.lo, self.hi, self.exclude, self.name = lo, hi, exclude, name

    def range(self, lo: int, hi: int, exclude: bool = False) -> "Int":
        return Int(lo, hi, exclude=exclude, name=self.name)

    def parse(self, text: str, env: Expander | None) -> int:
        t = text.strip()
        if not re.fullmatch(r"[+-]?[0-9]+", t):
            raise ValueError(f"'{text}' is not a valid {self.name} value")
        value = int(t)
        inside = self.lo <= value <= self.hi
        if inside == self.exclude:
            how = "outside" if self.exclude else "between"
            raise ValueError(f"{value} is not valid: the value must be {how} {self.lo} and {self.hi}")
        return value


def UInt(lo: int = 0, hi: int = 4294967295, exclude: bool = False) -> Int:
    return Int(lo, hi, exclude=exclude, name="uint")


_TIMESPAN = re.compile(r"(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?")


class TimeSpan(ValueType):
    """``[-][d.]hh:mm:ss[.fffffff]`` (the .NET TimeSpan text IIS writes); ``seconds``/``minutes`` for
    attributes IIS declares with ``timeSpanFormat``; optional ``timeSpanRange`` bounds."""

    name = "timeSpan"

    def __init__(self, unit: str | None = None, lo: timedelta | None = None, hi: timedelta | None = None):
        self.unit, self.lo, self.hi = unit, lo, hi

    def parse(self, text: str, env: Expander | None) -> timedelta:
        t = text.strip()
        m = _TIMESPAN.fullmatch(t)
        if m:
            sign, days, h, mi, s, frac = m.groups()
            if int(h) > 23 or int(mi) > 59 or int(s) > 59:
                raise ValueError(f"'{text}' is not a valid timeSpan value")
            value = timedelta(days=int(days or 0), hours=int(h), minutes=int(mi), seconds=int(s),
                              microseconds=int((frac or "0").ljust(7, "0")) // 10)
            if sign:
                value = -value
        elif self.unit and re.fullmatch(r"[0-9]+", t):
            value = timedelta(seconds=int(t)) if self.unit == "seconds" else timedelta(minutes=int(t))
        else:
            raise ValueError(f"'{text}' is not a valid timeSpan value (expected hh:mm:ss or d.hh:mm:ss)")
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise ValueError(f"'{text}' is outside the allowed range")
        return value

    def format(self, value: Any) -> str:
        neg = value < timedelta(0)
        value = abs(value)
        total = value.days * 86400 + value.seconds
        days, rest = divmod(total, 86400)
        h, rest = divmod(rest, 3600)
        m, s = divmod(rest, 60)
        text = f"{h:02d}:{m:02d}:{s:02d}"
        if value.microseconds:
            text += f".{value.microseconds * 10:07d}"
        if days:
            text = f"{days}.{text}"
        return ("-" if neg else "") + text


class Enum(ValueType):
    """An IIS enum: canonical names with numeric values; matching is case-insensitive and the number is
    accepted too. The parsed value is the canonical name (a ``str``)."""

    name = "enum"

    def __init__(self, **values: int) -> None:
        self.values = dict(values)
        self._by_lower = {k.lower(): k for k in values}
        self._by_number = {}
        for k, v in values.items():
            self._by_number.setdefault(v, k)

    def parse(self, text: str, env: Expander | None) -> str:
        t = text.strip()
        canon = self._by_lower.get(t.lower())
        if canon is None and re.fullmatch(r"-?[0-9]+", t):
            canon = self._by_number.get(int(t))
        if canon is None:
            raise ValueError(f"'{text}' is not a valid value; expected one of {', '.join(self.values)}")
        return canon


class Flags(ValueType):
    """IIS flags: ``"Date, Time, ClientIP"`` or a number -> ``frozenset`` of canonical names. A zero-valued
    name (``None``) contributes nothing."""

    name = "flags"

    def __init__(self, **values: int) -> None:
        self.values = dict(values)
        self._by_lower = {k.lower(): k for k in values}

    def parse(self, text: str, env: Expander | None) -> frozenset[str]:
        t = text.strip()
        if re.fullmatch(r"[0-9]+", t):
            n = int(t)
            names = {k for k, v in self.values.items() if v and n & v == v}
            known = 0
            for k in names:
                known |= self.values[k]
            if known != n:
                raise ValueError(f"'{text}' contains bits that are not valid flags")
            return frozenset(names)
        out = set()
        for part in t.split(","):
            p = part.strip()
            if not p:
                continue
            canon = self._by_lower.get(p.lower())
            if canon is None:
                raise ValueError(f"'{p}' is not a valid flag; expected some of {', '.join(self.values)}")
            if self.values[canon]:
                out.add(canon)
        return frozenset(out)

    def format(self, value: Any) -> str:
        if not value:
            zero = [k for k, v in self.values.items() if v == 0]
            return zero[0] if zero else ""
        return ", ".join(k for k in self.values if k in value)


class _String(ValueType):
    name = "string"

    def __init__(self, mode: str = "plain", non_empty: bool = False, validator: Callable[[str], None] | None = None):
        self.mode, self.non_empty, self.validator = mode, non_empty, validator

    def parse(self, text: str, env: Expander | None) -> Any:
        if self.non_empty and not text.strip():
            raise ValueError("the value must not be empty")
        if self.validator is not None:
            self.validator(text)
        if self.mode == "expand":
            # File-system values: %VARS% expanded, Windows separators translated and a drive letter mapped to
            # the server root (DESIGN: files on disk).
            return env.to_path_text(text) if env is not None else text.replace("\\", "/")
        if self.mode == "path":
            return env.to_path(text) if env is not None else Path(text.replace("\\", "/"))
        return text

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)


BOOL = _Bool()
INT = Int(-2147483648, 2147483647)
INT64 = Int(-(2**63), 2**63 - 1, name="int64")
UINT = UInt()
STRING = _String()
NON_EMPTY_STRING = _String(non_empty=True)
EXPANDED_STRING = _String("expand")
PATH = _String("path")
TIMESPAN = TimeSpan()


def string(validator: Callable[[str], None] | None = None, non_empty: bool = False) -> _String:
    return _String(non_empty=non_empty, validator=validator)


# --------------------------------------------------------------------------------------------- declarations
@dataclass(eq=False)
class AttrSchema:
    xml: str
    type: ValueType
    default: Any = None
    required: bool = False
    key: bool = False
    case_sensitive: bool = False
    doc: str = ""
    py: str = ""


@dataclass(eq=False)
class CollectionSchema:
    add: tuple[str, ...]
    item: "ElementSchema"
    remove: str | None = "remove"
    clear: str | None = "clear"
    key: tuple[str, ...] = ()          # py names of the key attributes (isUniqueKey / isCombinedKey)
    merge_append: bool = True           # False: entries added below come before inherited ones


@dataclass(eq=False)
class ElementSchema:
    xml: str
    attrs: dict[str, AttrSchema] = field(default_factory=dict)            # by XML name
    children: dict[str, "ElementSchema"] = field(default_factory=dict)     # by XML name
    collection: CollectionSchema | None = None
    py: str = ""
    cls: type = None  # type: ignore[assignment]  # the frozen class instances are made of
    default: Any = None                                                     # the all-defaults instance
    attrs_by_py: dict[str, AttrSchema] = field(default_factory=dict)
    attrs_lower: dict[str, AttrSchema] = field(default_factory=dict)
    open: bool = False      # unknown attributes/elements are accepted and ignored (see element(open=True))


@dataclass(eq=False)
class _ElementDecl:
    xml: str
    members: tuple
    open: bool = False


@dataclass(eq=False)
class _CollectionDecl:
    add: tuple[str, ...]
    members: tuple
    remove: str | None
    clear: str | None
    merge_append: bool
    open: bool = False


def attr(xml: str, type: ValueType = STRING, default: Any = None, *, required: bool = False, key: bool = False,
         case_sensitive: bool = False, doc: str = "") -> AttrSchema:
    """Declare an attribute: XML name, value type, default (``None`` -> the type's empty value), ``required``,
    ``key`` (part of the collection key; keys are case-insensitive unless ``case_sensitive``)."""
    if default is None:
        default = _EMPTY_DEFAULTS.get(type.name, "")
        if isinstance(type, Flags):
            default = frozenset()
    return AttrSchema(xml, type, default, required, key, case_sensitive, doc, snake(xml))


def element(xml: str, *members: Any, open: bool = False) -> _ElementDecl:
    """Declare a child element with its own attributes, children and collection. ``open=True`` accepts (and
    ignores) attributes and elements the declaration does not list: only for parts of IIS's schema w3py does
    not model (FTP, application-pool tuning), so that real files still load."""
    return _ElementDecl(xml, members, open)


def collection(add: str | tuple[str, ...], *members: Any, remove: str | None = "remove",
               clear: str | None = "clear", merge_append: bool = True, open: bool = False) -> _CollectionDecl:
    """Declare the collection held by the enclosing element: the ``add`` element name(s) (IIS lets a
    collection rename them: ``mimeMap``, ``error``, ``site``...), the entry's members, and the
    ``remove``/``clear`` element names (``None`` when the collection has none)."""
    adds = (add,) if isinstance(add, str) else tuple(add)
    return _CollectionDecl(adds, members, remove, clear, merge_append, open)


_EMPTY_DEFAULTS = {"bool": False, "int": 0, "uint": 0, "int64": 0, "timeSpan": timedelta(0), "enum": "",
                   "string": ""}


# --------------------------------------------------------------------------------------------- frozen values
_MISSING = object()


class ConfigElement:
    """A frozen configuration element: snake_case fields, ``.origin`` ((file, line) of the last file that
    set it, ``None`` for schema defaults), ``.items`` when it holds a collection.

    Hidden bookkeeping used by the merge: ``_explicit`` (fields set in some file), lock sets, and for
    collection entries their ``_key`` and ``_lock_item``."""

    _schema: ClassVar[ElementSchema]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __repr__(self) -> str:
        fields = ", ".join(f"{a.py}={getattr(self, a.py)!r}" for a in self._schema.attrs.values())
        if self._schema.collection is not None:
            fields += f", items=<{len(self.items)}>"
        return f"{type(self).__name__}({fields})"

    def _fields(self) -> tuple:
        s = self._schema
        names = [a.py for a in s.attrs.values()] + [c.py for c in s.children.values()]
        if s.collection is not None:
            names.append("items")
        return tuple(getattr(self, n) for n in names)

    def __eq__(self, other: object) -> bool:
        # Value equality on the configured fields (origins and lock bookkeeping do not count).
        if type(other) is not type(self):
            return NotImplemented
        return self is other or self._fields() == other._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())

    @classmethod
    def _make(cls, values: dict[str, Any]) -> "ConfigElement":
        obj = object.__new__(cls)
        obj.__dict__.update(values)
        return obj

    def _values(self) -> dict[str, Any]:
        values = dict(self.__dict__)
        values.pop("_index", None)  # the merge's key index belongs to this instance's items only
        return values

    def origin_of(self, field: str) -> tuple[str, int] | None:
        """(file, line) of the layer that set attribute ``field`` (snake_case), None for a default."""
        return self._attr_origins.get(field)


def _class_name(xml: str) -> str:
    return xml[:1].upper() + xml[1:] + "Element"


def _compile(xml: str, members: tuple, base: type = ConfigElement, cls: type | None = None,
             open: bool = False) -> ElementSchema:
    schema = ElementSchema(xml=xml, py=snake(xml), open=open)
    for m in members:
        if isinstance(m, AttrSchema):
            schema.attrs[m.xml] = m
        elif isinstance(m, _ElementDecl):
            schema.children[m.xml] = _compile(m.xml, m.members, open=m.open)
        elif isinstance(m, _CollectionDecl):
            if schema.collection is not None:
                raise TypeError(f"<{xml}> declares two collections")
            item = _compile(m.add[0], m.members, open=m.open)
            key = tuple(a.py for a in item.attrs.values() if a.key)
            schema.collection = CollectionSchema(m.add, item, m.remove, m.clear, key, m.merge_append)
        else:
            raise TypeError(f"unexpected member {m!r} in <{xml}>")
    schema.attrs_by_py = {a.py: a for a in schema.attrs.values()}
    schema.attrs_lower = {a.xml.lower(): a for a in schema.attrs.values()}
    if cls is None:
        cls = type(_class_name(xml), (base,), {"_schema": schema})
    else:
        cls._schema = schema
    schema.cls = cls
    schema.default = cls._make(default_values(schema))
    return schema


_NO_ORIGINS: dict[str, tuple[str, int]] = {}


def default_values(schema: ElementSchema) -> dict[str, Any]:
    """The field values of an element nobody configured: schema defaults, default children, no items."""
    values: dict[str, Any] = {a.py: a.default for a in schema.attrs.values()}
    for child in schema.children.values():
        values[child.py] = child.default
    if schema.collection is not None:
        values["items"] = ()
    values.update(origin=None, _explicit=frozenset(), _lock_attrs=frozenset(), _lock_all_attrs_except=None,
                  _lock_elems=frozenset(), _lock_all_elems_except=None, _key=None, _lock_item=False,
                  _attr_origins=_NO_ORIGINS)
    return values


# --------------------------------------------------------------------------------------------- sections
SECTIONS: dict[str, type["Section"]] = {}     # lower-cased path -> class, in declaration order


class Section(ConfigElement):
    """Base of every section class. Subclasses set ``path`` (``"system.webServer/staticContent"``),
    ``members``, and the stock delegation: ``override_mode_default`` (``"Allow"``/``"Deny"``) and
    ``allow_definition`` (``"Everywhere"``, ``"MachineToApplication"``, ``"AppHostOnly"``...)."""

    path: ClassVar[str]
    members: ClassVar[tuple] = ()
    override_mode_default: ClassVar[str] = "Allow"
    allow_definition: ClassVar[str] = "Everywhere"

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "path" not in cls.__dict__:
            return
        name = cls.path.rsplit("/", 1)[-1]
        _compile(name, cls.members, cls=cls)
        key = cls.path.lower()
        if key in SECTIONS:
            raise TypeError(f"section {cls.path} declared twice")
        SECTIONS[key] = cls


def section_for_path(path: str) -> type[Section] | None:
    return SECTIONS.get(path.lower())
