"""The generic, schema-driven merge: one file's section node applied on top of the inherited frozen element.

Theory of operation
-------------------
The effective value of a section for a configuration path is built by folding *layers* (section nodes from
applicationHost.config, its ``<location>`` tags and the web.config files down the path, in IIS order — see
``effective.py``) over the schema's all-defaults element: ``apply(inherited, node) -> new element``.
Frozen elements are never mutated, so a parent's result can be shared by every child path that does not
touch the section.

Rule 1 (attributes): an attribute a layer sets replaces the inherited value; the rest are inherited.
Rule 2 (child elements): merged recursively with the same rules.
Rule 3 (collections, IIS_schema.xml ``<collection>``): a layer's operations run in document order on the
    inherited entries — ``<clear/>`` drops everything inherited so far, ``<remove>`` drops the entry with that
    key (a missing key is not an error), ``<add>`` appends an entry built from the schema defaults and its own
    attributes (never from the entry it might shadow). Adding a key already present is IIS's
    0x800700b7 (duplicate collection entry). Collections declared ``mergeAppend="false"``
    (defaultDocument/files, handlers) put the layer's new entries *before* the inherited ones; there, an
    inherited entry removed and re-added in the same layer keeps its place.
Rule 4 (locks): ``lockAttributes``/``lockAllAttributesExcept``, ``lockElements``/``lockAllElementsExcept``
    and ``lockItem`` written at one layer bind every later layer: setting a locked attribute, writing a
    locked element (including ``add``/``remove``/``clear``), or removing/clearing a locked entry is IIS's
    0x80070021 lock violation. Locks accumulate; a later layer cannot lift them.
Rule 5 (origin): an element's ``origin`` is (file, line) of the last layer that wrote it.
"""

from __future__ import annotations

from typing import Any

from w3py.config.document import HR_ALREADY_EXISTS, HR_LOCK_VIOLATION, Node
from w3py.config.schema import ConfigElement, ElementSchema
from w3py.errors import ConfigError


def _lock_error(msg: str, origin: tuple[str, int], section: str, attribute: str | None = None) -> ConfigError:
    return ConfigError(msg, origin[0], origin[1], section, attribute, HR_LOCK_VIOLATION)


def _attr_locked(base: ConfigElement, py: str) -> bool:
    if py in base._lock_attrs:
        return True
    except_ = base._lock_all_attrs_except
    return except_ is not None and py not in except_


def _elem_locked(base: ConfigElement, xml: str) -> bool:
    if xml in base._lock_elems:
        return True
    except_ = base._lock_all_elems_except
    return except_ is not None and xml not in except_


def apply(base: ConfigElement, node: Node, section: str) -> ConfigElement:
    """Return ``base`` with ``node`` merged on top (rules 1–5 above). Raises ConfigError."""
    schema: ElementSchema = node.schema
    values: dict[str, Any] = base._values()

    # Rule 4 + Rule 1: attributes.
    if node.attrs:
        for py in node.attrs:
            if _attr_locked(base, py):
                xml = schema.attrs_by_py[py].xml
                raise _lock_error(f"attribute '{xml}' is locked at a parent level (lockAttributes) and cannot be "
                                  "set in this file", node.origin, section, xml)
        values.update(node.attrs)
        values["_explicit"] = base._explicit | node.attrs.keys()
        origins = dict(base._attr_origins)
        for py in node.attrs:
            origins[py] = node.origin
        values["_attr_origins"] = origins

    # Rule 2: child elements.
    for py, child in node.children.items():
        if _elem_locked(base, child.schema.xml):
            raise _lock_error(f"element <{child.schema.xml}> is locked at a parent level (lockElements) and "
                              "cannot be set in this file", child.origin, section)
        values[py] = apply(values[py], child, section)

    # Rule 3: the collection.
    if node.ops:
        index = _apply_collection(base, node, section)
        values["items"] = tuple(index.values())
        values["_index"] = index  # the next layer's merge starts from it instead of re-indexing the items

    # Rule 4: this layer's own locks bind the layers after it.
    if node.lock_attrs:
        values["_lock_attrs"] = base._lock_attrs | node.lock_attrs
    if node.lock_all_attrs_except is not None:
        prev = base._lock_all_attrs_except
        values["_lock_all_attrs_except"] = node.lock_all_attrs_except if prev is None \
            else prev & node.lock_all_attrs_except
    if node.lock_elems:
        values["_lock_elems"] = base._lock_elems | node.lock_elems
    if node.lock_all_elems_except is not None:
        prev = base._lock_all_elems_except
        values["_lock_all_elems_except"] = node.lock_all_elems_except if prev is None \
            else prev & node.lock_all_elems_except
    values["origin"] = node.origin
    return type(base)._make(values)


def _apply_collection(base: ConfigElement, node: Node, section: str) -> dict[Any, ConfigElement]:
    """The collection after ``node``'s operations, as an ordered {key: entry} map."""
    coll = node.schema.collection
    assert coll is not None
    # Entries by key, in order (keys are unique in every effective collection, so a dict keeps both).
    index = base.__dict__.get("_index")
    if index is None:  # built once per frozen element, then copied (a C-level dict copy) per layer
        index = base.__dict__["_index"] = {it._key: it for it in base.items}
    inherited: dict[Any, ConfigElement] = dict(index)
    added: dict[Any, ConfigElement] = {}
    # mergeAppend="false": an inherited entry removed and re-added in the same layer keeps its place among
    # the inherited entries (reference §3.4 step 1, "a re-added inherited name keeps its tier").
    removed_inherited: set[Any] = set()
    readded = False
    default_item = coll.item.default
    for op, key, item_node, origin in node.ops:
        xml_name = coll.clear if op == "clear" else coll.remove if op == "remove" else coll.add[0]
        if _elem_locked(base, xml_name):
            raise _lock_error(f"<{xml_name}> is locked at a parent level (lockElements) and cannot be used in "
                              "this file", origin, section)
        if op == "clear":
            for it in (*inherited.values(), *added.values()):
                if it._lock_item:
                    raise _lock_error("<clear/> would drop an inherited entry that is locked (lockItem)", origin,
                                      section)
            inherited, added = {}, {}
            removed_inherited.clear()
        elif op == "remove":
            it = inherited.get(key) or added.get(key)
            if it is not None:  # removing a key that is not there is not an error in IIS
                if it._lock_item:
                    raise _lock_error("this entry is locked at a parent level (lockItem) and cannot be "
                                      "removed", origin, section)
                if key in inherited:
                    removed_inherited.add(key)
                    del inherited[key]
                else:
                    del added[key]
        else:
            assert item_node is not None
            if key in inherited or key in added:
                raise ConfigError(_duplicate_message(coll, item_node), origin[0], origin[1], section, None,
                                  HR_ALREADY_EXISTS)
            vals = apply(default_item, item_node, section)._values()
            vals["_key"] = key
            vals["_lock_item"] = item_node.lock_item
            new_item = type(default_item)._make(vals)
            if not coll.merge_append and key in removed_inherited:
                removed_inherited.discard(key)
                inherited[key] = new_item
                readded = True
            else:
                added[key] = new_item
    if readded:  # put re-added entries back at their inherited positions
        position = {k: i for i, k in enumerate(index)}
        inherited = dict(sorted(inherited.items(), key=lambda kv: position[kv[0]]))
    if coll.merge_append:
        inherited.update(added)
        return inherited
    added.update(inherited)
    return added


def _duplicate_message(coll: Any, item_node: Node) -> str:
    """Names the collection's element, its key attribute(s) and the values as written."""
    attrs = [coll.item.attrs_by_py[py] for py in coll.key]
    shown = ", ".join(f"{a.xml}='{_attr_text(a, item_node)}'" for a in attrs)
    kind = "key" if len(attrs) == 1 else "combined key"
    return (f"duplicate <{coll.add[0]}> entry: an entry with {kind} {shown} is already in the collection "
            "(added earlier in this file or at a parent level; <remove> it first to replace it)")


def _attr_text(a: Any, node: Node) -> str:
    return a.type.format(node.attrs.get(a.py, a.default))


__all__ = ["apply"]
