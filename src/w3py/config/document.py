"""Reading one configuration file (applicationHost.config or a web.config) into validated section entries.

The XML parser is hardened: no DTD at all (so no entity expansion, no billion laughs, no external entities),
no network, a size limit per file kind, lxml's default depth limit. Every node keeps the file and line it came
from, so every later error (bad value, duplicate key, lock violation) can name them.

A file becomes a :class:`ConfigDocument`: its ``<configSections>`` declarations and a list of
:class:`SectionEntry` (section, validated :class:`Node`, the ``<location>`` it sits in). Nodes are validated
against the section's schema here, once per file version: unknown attributes and elements, bad values and
missing required attributes are errors (HRESULT 0x8007000d, reference §5.9).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from w3py.config.schema import ElementSchema, Expander, Section, SECTIONS, snake
from w3py.config.sections.not_implemented import DOTNET_DECLARED, IIS_DECLARED
from w3py.errors import ConfigError

# HRESULTs IIS reports with 500.19 (reference §5.9).
HR_INVALID_DATA = 0x8007000D        # malformed XML, unknown element/attribute, bad value
HR_LOCK_VIOLATION = 0x80070021      # section/attribute/element/item locked at a parent level
HR_ALREADY_EXISTS = 0x800700B7      # duplicate collection entry or duplicate section
HR_ACCESS_DENIED = 0x80070005       # the file cannot be read (permissions)
HR_PATH_NOT_FOUND = 0x80070003      # the file cannot be read (missing)

# Size limits: IIS refuses web.config files over maxWebConfigFileSizeInKB (default 250 KB); the server file
# is allowed to be much larger (stock ones are ~80 KB with ASP.NET).
MAX_WEB_CONFIG_BYTES = 250 * 1024
MAX_APPHOST_BYTES = 16 * 1024 * 1024

_META_ATTRS = {"lockAttributes", "lockAllAttributesExcept", "lockElements", "lockAllElementsExcept", "lockItem"}
_NETCONFIG_PREFIX = "{http://schemas.microsoft.com/.NetConfiguration/v2.0}"
_NETCONFIG_ROOT = _NETCONFIG_PREFIX + "configuration"
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """The hardened parser, one per thread (lxml parsers must not be shared between threads)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
            remove_comments=True, remove_pis=True)
    return parser


@dataclass(frozen=True)
class Declaration:
    """A ``<section>`` declared in ``<configSections>`` (or implied): its delegation rules and, when w3py
    implements it, its class."""

    path: str
    override_mode_default: str = "Allow"
    allow_definition: str = "Everywhere"
    cls: type[Section] | None = None
    allow_location: bool = True


class Node:
    """One element of one file, validated against its schema: the attributes it sets (Python values by
    field name), its child elements, its collection operations and its lock attributes."""

    __slots__ = ("schema", "attrs", "children", "ops", "origin", "lock_attrs", "lock_all_attrs_except",
                 "lock_elems", "lock_all_elems_except", "lock_item")

    def __init__(self, schema: ElementSchema, origin: tuple[str, int]) -> None:
        self.schema = schema
        self.origin = origin
        self.attrs: dict[str, Any] = {}
        self.children: dict[str, Node] = {}
        self.ops: list[tuple[str, Any, Node | None, tuple[str, int]]] = []
        self.lock_attrs: frozenset[str] = frozenset()
        self.lock_all_attrs_except: frozenset[str] | None = None
        self.lock_elems: frozenset[str] = frozenset()
        self.lock_all_elems_except: frozenset[str] | None = None
        self.lock_item = False


@dataclass(eq=False)
class SectionEntry:
    """A section as written in one place of one file."""

    decl: Declaration
    node: Node | None              # None for sections w3py does not implement
    location: str | None            # None: not in a <location>; else the normalised location path
    override_mode: str | None       # "Allow" / "Deny" from <location overrideMode>/allowOverride, else None
    inherit_in_child_apps: bool
    origin: tuple[str, int]


@dataclass(eq=False)
class ConfigDocument:
    path: str
    is_apphost: bool
    declarations: dict[str, Declaration] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    entries: list[SectionEntry] = field(default_factory=list)
    has_config_sections: bool = False
    own_declarations: frozenset[str] = frozenset()   # sections a web.config declares for itself and below


def key_of(coll_item: ElementSchema, key_attrs: tuple[str, ...], values: dict[str, Any]) -> tuple:
    """A collection entry's key: the key attributes' values, strings case-folded unless the schema says the
    key is case-sensitive (IIS keys are case-insensitive by default, reference §1.1)."""
    out = []
    for py in key_attrs:
        a = coll_item.attrs_by_py[py]
        v = values.get(py, a.default)
        if isinstance(v, str) and not a.case_sensitive:
            v = v.lower()
        out.append(v)
    return tuple(out)


def implied_declarations() -> tuple[dict[str, Declaration], set[str]]:
    """Declarations for every section w3py knows, with stock IIS delegation: used when an
    applicationHost.config has no ``<configSections>`` (w3py's shorthand for small test files) and for
    writing the embedded default."""
    decls: dict[str, Declaration] = {}
    for cls in SECTIONS.values():
        decls[cls.path] = Declaration(cls.path, cls.override_mode_default, cls.allow_definition, cls)
    for path, (omd, ad) in IIS_DECLARED.items():
        decls.setdefault(path, Declaration(path, omd, ad, None))
    groups = set()
    for path in decls:
        parts = path.split("/")
        for i in range(1, len(parts)):
            groups.add("/".join(parts[:i]))
    return decls, groups


# w3py's own section group (sections/extensions.py): built in, so every applicationHost.config declares its
# sections implicitly — a file copied from a Windows server has never heard of it, and adding <w3py> to it must
# not require a <configSections> edit. A declaration the file makes itself (group or section) is honoured
# instead, with its own delegation, as for any section; the implicit ones only fill what it leaves out.
BUILTIN_GROUP = "w3py"


def builtin_declarations() -> dict[str, Declaration]:
    """The implicit declarations of the ``w3py`` group's sections, with the delegation their classes state."""
    prefix = BUILTIN_GROUP + "/"
    return {cls.path: Declaration(cls.path, cls.override_mode_default, cls.allow_definition, cls)
            for cls in SECTIONS.values() if cls.path.startswith(prefix)}


class _Reader:
    def __init__(self, path: str, is_apphost: bool, env: Expander | None,
                 inherited: dict[str, Declaration], groups: set[str]) -> None:
        self.file = path
        self.is_apphost = is_apphost
        self.env = env
        self.doc = ConfigDocument(path, is_apphost)
        self.decls = dict(inherited)
        self.groups = set(groups)

    def error(self, msg: str, line: int | None, hresult: int = HR_INVALID_DATA, section: str | None = None,
              attribute: str | None = None) -> ConfigError:
        return ConfigError(msg, self.file, line, section, attribute, hresult)

    # ----------------------------------------------------------------------------------------- parsing
    def parse_bytes(self, data: bytes) -> etree._Element:
        limit = MAX_APPHOST_BYTES if self.is_apphost else MAX_WEB_CONFIG_BYTES
        if len(data) > limit:
            raise self.error(f"the configuration file is larger than the {limit // 1024} KB limit", None)
        text_probe = data
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                text_probe = data.decode("utf-16").encode("utf-8")
            except UnicodeDecodeError:
                raise self.error("the configuration file is not valid UTF-16", None) from None
        probe = text_probe.decode("utf-8", "replace")
        m = _DTD.search(probe)
        if m:
            line = probe.count("\n", 0, m.start()) + 1
            raise self.error("DTDs and entity declarations are not allowed in configuration files", line)
        parser = _parser()
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
            raise self.error(f"the configuration file is not well-formed XML ({exc.msg})", line) from None
        except ValueError as exc:  # lxml refuses some inputs (e.g. encodings) with ValueError
            raise self.error(f"the configuration file cannot be parsed ({exc})", None) from None
        if root is None:
            raise self.error("the configuration file is empty", None)
        if root.tag == _NETCONFIG_ROOT:
            # Visual Studio 2005 templates put <configuration> in .NET 2.0's config namespace; IIS and ASP.NET
            # read such files as if it were absent.
            for el in root.iter():
                if isinstance(el.tag, str) and el.tag.startswith(_NETCONFIG_PREFIX):
                    el.tag = el.tag[len(_NETCONFIG_PREFIX):]
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:  # e.g. a BOM-less UTF-16 file the probe missed
            raise self.error("DTDs and entity declarations are not allowed in configuration files", 1)
        return root

    def read(self, data: bytes) -> ConfigDocument:
        root = self.parse_bytes(data)
        if root.tag != "configuration":
            raise self.error(f"the root element must be <configuration>, not <{root.tag}>", root.sourceline)
        first = True
        for el in root:
            if not isinstance(el.tag, str):
                continue
            if el.tag == "configSections":
                if not first:
                    raise self.error("<configSections> must be the first element of <configuration>",
                                     el.sourceline)
                self.read_config_sections(el, "")
                self.doc.has_config_sections = True
            first = False
        if self.is_apphost and not self.doc.has_config_sections:
            # An applicationHost.config without <configSections> gets the stock declarations (a w3py
            # shorthand for small hand-written files); one that has them is authoritative, as in IIS.
            self.decls, self.groups = implied_declarations()
        elif self.is_apphost:
            for path, decl in builtin_declarations().items():
                self.decls.setdefault(path, decl)
            self.groups.add(BUILTIN_GROUP)
        self.doc.declarations = self.decls
        self.doc.groups = self.groups
        seen: dict[tuple[str | None, str], int] = {}
        for el in root:
            if not isinstance(el.tag, str) or el.tag == "configSections":
                continue
            if el.tag == "location":
                self.read_location(el, seen)
            else:
                self.read_member(el, "", None, None, True, seen)
        return self.doc

    def read_config_sections(self, el: etree._Element, prefix: str) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = child.get("name", "")
            if child.tag not in ("section", "sectionGroup") or not name:
                raise self.error(f"unrecognized element <{child.tag}> in <configSections>", child.sourceline)
            path = f"{prefix}{name}"
            if child.tag == "sectionGroup":
                self.groups.add(path)
                self.read_config_sections(child, path + "/")
                continue
            omd = child.get("overrideModeDefault", "Allow")
            if omd not in ("Allow", "Deny"):
                raise self.error(f"invalid overrideModeDefault '{omd}'", child.sourceline)
            ad = child.get("allowDefinition", "Everywhere")
            if ad not in ("Everywhere", "MachineOnly", "MachineToWebRoot", "MachineToApplication", "AppHostOnly"):
                raise self.error(f"invalid allowDefinition '{ad}'", child.sourceline)
            allow_location = child.get("allowLocation", "true").strip().lower()
            if allow_location not in ("true", "false"):
                raise self.error(f"invalid allowLocation '{allow_location}'", child.sourceline)
            cls = SECTIONS.get(path.lower())
            if cls is not None and cls.path != path:
                cls = None
            if not self.is_apphost and path in self.decls:
                raise self.error(f"section '{path}' is already declared", child.sourceline, HR_ALREADY_EXISTS)
            # Sections declared in a web.config are custom (application) sections: accepted, never read.
            self.decls[path] = Declaration(path, omd, ad, cls if self.is_apphost else None,
                                           allow_location == "true")
            if not self.is_apphost:
                self.doc.own_declarations |= {path}

    def read_location(self, el: etree._Element, seen: dict) -> None:
        raw = el.get("path", "")
        path = normalise_location(raw, self.is_apphost)
        override = el.get("overrideMode")
        if override is not None and override not in ("Allow", "Deny", "Inherit"):
            raise self.error(f"invalid overrideMode '{override}' (Allow, Deny or Inherit)", el.sourceline,
                             attribute="overrideMode")
        allow_override = el.get("allowOverride")
        mode: str | None = None if override in (None, "Inherit") else override
        if allow_override is not None:
            low = allow_override.lower()
            if low not in ("true", "false"):
                raise self.error(f"invalid allowOverride '{allow_override}'", el.sourceline,
                                 attribute="allowOverride")
            if override is not None:
                raise self.error("overrideMode and allowOverride cannot both be set", el.sourceline)
            mode = "Allow" if low == "true" else "Deny"
        inherit = el.get("inheritInChildApplications", "true").lower() != "false"
        for name in el.attrib:
            if name not in ("path", "overrideMode", "allowOverride", "inheritInChildApplications") \
                    and not name.startswith("{"):
                raise self.error(f"unrecognized attribute '{name}' on <location>", el.sourceline, attribute=name)
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "location":
                raise self.error("<location> elements cannot be nested", child.sourceline)
            if child.tag == "configSections":
                raise self.error("<configSections> is not allowed inside <location>", child.sourceline)
            self.read_member(child, "", path, mode, inherit, seen)

    def read_member(self, el: etree._Element, prefix: str, location: str | None, mode: str | None,
                    inherit: bool, seen: dict) -> None:
        path = f"{prefix}{el.tag}"
        decl = self.decls.get(path)
        line = el.sourceline
        if decl is None and path in self.groups:
            for name in el.attrib:
                if not name.startswith("{"):
                    raise self.error(f"unrecognized attribute '{name}' on section group <{el.tag}>", line)
            for child in el:
                if isinstance(child.tag, str):
                    self.read_member(child, path + "/", location, mode, inherit, seen)
            return
        if decl is None:
            if not prefix and path in DOTNET_DECLARED:
                decl = Declaration(path, "Allow", "Everywhere", None)
            else:
                raise self.error(f"section '{path}' is not declared in <configSections> (unknown section, or the "
                                 "IIS feature that declares it is not installed)", line, section=path)
        if location and not decl.allow_location:
            raise self.error(f"the configuration section '{path}' cannot be used inside a <location> element "
                             "(allowLocation=\"false\")", line, HR_LOCK_VIOLATION, path)
        key = (location, path)
        if key in seen:
            raise self.error(f"there is a duplicate '{path}' section defined", line, HR_ALREADY_EXISTS, path)
        seen[key] = line
        node = None
        if decl.cls is not None:
            node = self.read_node(el, decl.cls._schema, path)
        self.doc.entries.append(SectionEntry(decl, node, location, mode, inherit, (self.file, line)))

    def read_node(self, el: etree._Element, schema: ElementSchema, section: str) -> Node:
        line = el.sourceline
        node = Node(schema, (self.file, line))
        for name, value in el.attrib.items():
            if name.startswith("{"):  # xmlns declarations, xdt: transforms and other namespaced markup
                continue
            if name in _META_ATTRS:
                self.read_meta(node, name, value, line, section)
                continue
            a = schema.attrs.get(name)
            if a is None:
                if schema.open:
                    continue
                raise self.error(f"unrecognized attribute '{name}'", line, section=section, attribute=name)
            try:
                node.attrs[a.py] = a.type.parse(value, self.env)
            except ValueError as exc:
                raise self.error(f"invalid value for attribute '{name}': {exc}", line, section=section,
                                 attribute=name) from None
        coll = schema.collection
        for child in el:
            if not isinstance(child.tag, str):
                continue
            tag = child.tag
            sub = schema.children.get(tag)
            cline = child.sourceline
            if sub is not None:
                if sub.py in node.children:
                    raise self.error(f"element <{tag}> may only appear once in <{schema.xml}>", cline,
                                     section=section)
                node.children[sub.py] = self.read_node(child, sub, section)
            elif coll is not None and tag in coll.add:
                item = self.read_node(child, coll.item, section)
                for a in coll.item.attrs.values():
                    if a.required and a.py not in item.attrs:
                        raise self.error(f"missing required attribute '{a.xml}'", cline, section=section,
                                         attribute=a.xml)
                node.ops.append(("add", key_of(coll.item, coll.key, item.attrs), item, (self.file, cline)))
            elif coll is not None and tag == coll.remove:
                values: dict[str, Any] = {}
                for name, value in child.attrib.items():
                    if name.startswith("{"):
                        continue
                    a = coll.item.attrs.get(name)
                    if a is None or not a.key:
                        raise self.error(f"unrecognized attribute '{name}' on <{tag}>", cline, section=section,
                                         attribute=name)
                    try:
                        values[a.py] = a.type.parse(value, self.env)
                    except ValueError as exc:
                        raise self.error(f"invalid value for attribute '{name}': {exc}", cline,
                                         section=section, attribute=name) from None
                for py in coll.key:
                    a = coll.item.attrs_by_py[py]
                    if a.required and py not in values:
                        raise self.error(f"missing required attribute '{a.xml}'", cline, section=section,
                                         attribute=a.xml)
                node.ops.append(("remove", key_of(coll.item, coll.key, values), None, (self.file, cline)))
            elif coll is not None and tag == coll.clear:
                if any(not n.startswith("{") for n in child.attrib):
                    raise self.error(f"<{tag}> takes no attributes", cline, section=section)
                node.ops.append(("clear", None, None, (self.file, cline)))
            elif not schema.open:
                raise self.error(f"unrecognized element '{tag}'", cline, section=section)
        return node

    def read_meta(self, node: Node, name: str, value: str, line: int, section: str) -> None:
        if name == "lockItem":
            low = value.strip().lower()
            if low not in ("true", "false"):
                raise self.error(f"invalid value for attribute 'lockItem': '{value}'", line, section=section,
                                 attribute=name)
            node.lock_item = low == "true"
            return
        names = [v.strip() for v in value.split(",") if v.strip() and v.strip() != "*"]
        schema = node.schema
        if name in ("lockAttributes", "lockAllAttributesExcept"):
            pys = []
            for n in names:
                a = schema.attrs.get(n)
                if a is None:
                    raise self.error(f"'{n}' in {name} is not an attribute of <{schema.xml}>", line,
                                     section=section, attribute=name)
                pys.append(a.py)
            if name == "lockAttributes":
                node.lock_attrs = frozenset(pys) if value.strip() != "*" else frozenset(schema.attrs_by_py)
            else:
                node.lock_all_attrs_except = frozenset(pys)
        else:
            known = set(schema.children)
            if schema.collection is not None:
                c = schema.collection
                known |= set(c.add) | {x for x in (c.remove, c.clear) if x}
            for n in names:
                if n not in known:
                    raise self.error(f"'{n}' in {name} is not an element of <{schema.xml}>", line,
                                     section=section, attribute=name)
            if name == "lockElements":
                node.lock_elems = frozenset(names) if value.strip() != "*" else frozenset(known)
            else:
                node.lock_all_elems_except = frozenset(names)


def normalise_location(raw: str, is_apphost: bool) -> str:
    """A ``<location path>`` as a comparable string: slashes trimmed, ``.`` -> ``""``; apphost paths start
    with the site name (``Default Web Site/app``), web.config paths are relative to the file's directory."""
    p = raw.strip().replace("\\", "/").strip("/")
    if p == ".":
        p = ""
    return p


def read_document(path: str | Path, data: bytes, *, is_apphost: bool, env: Expander | None,
                  declarations: dict[str, Declaration] | None = None,
                  groups: set[str] | None = None) -> ConfigDocument:
    """Parse and validate one file. ``declarations``/``groups`` are those in force above the file (for a
    web.config: applicationHost.config's, plus any parent web.config's own). Raises ConfigError."""
    if declarations is None:
        declarations, groups = ({}, set()) if is_apphost else implied_declarations()
    reader = _Reader(str(path), is_apphost, env, declarations, groups or set())
    return reader.read(data)


__all__ = [
    "ConfigDocument", "Declaration", "Node", "SectionEntry", "read_document", "implied_declarations",
    "key_of", "builtin_declarations", "BUILTIN_GROUP", "HR_INVALID_DATA", "HR_LOCK_VIOLATION",
    "HR_ALREADY_EXISTS", "snake",
]
