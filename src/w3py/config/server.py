"""The server's configuration: applicationHost.config loaded, sites built, and the effective configuration
for any (site, virtual path), cached and kept fresh.

Theory of operation
-------------------
IIS resolves a configuration path (``MACHINE/WEBROOT/APPHOST/Site/a/b``) by walking it from the top. At the
server level: applicationHost.config's sections, then its ``<location path="">`` tags. Then for each level
of the path, starting at the site root:

1. applicationHost.config's ``<location path="Site/a">`` tags for that level (document order);
2. ``<location path="a">`` tags of web.config files higher up that target that level;
3. the level's own web.config (the physical directory the level maps to), whose ``<location>`` tags are
   queued for the deeper levels they target.

Each section entry is folded over the inherited value by ``merge.apply``. Before a web.config entry is
applied, delegation is checked: the section's ``allowDefinition`` (AppHostOnly sections never come from a
web.config; MachineToApplication only at an application root) and its current override mode, which starts
at the declaration's ``overrideModeDefault`` and is changed by ``<location overrideMode|allowOverride>`` on
the entries that carry it. A denied section in a web.config is 0x80070021.

Every level's result is cached (shared by all deeper paths), as is every full path's :class:`EffectiveConfig`
— both in bounded LRU maps. An error at a level is cached too and raised for every path below it: IIS answers
500.19 for those paths while the rest of the site keeps working.

Change detection: each level records the web.config files it looked at (present or absent) with their stat
stamps. At most once per ``poll_interval`` seconds (and on :meth:`ServerConfig.check_for_changes`), a lookup
re-stats every recorded file; any difference drops the caches. A cached lookup therefore costs one dict
lookup and one clock read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator

from w3py.config.document import (
    HR_ACCESS_DENIED, HR_INVALID_DATA, HR_LOCK_VIOLATION, HR_PATH_NOT_FOUND, ConfigDocument, Declaration, SectionEntry,
    read_document,
)
from w3py.config.env import EnvExpander, unexpanded
from w3py.config.merge import apply
from w3py.config.schema import SECTIONS, ConfigElement, Section
from w3py.config.sections import LogSection, SitesSection
from w3py.config.sites import Site, build_sites
from w3py.errors import ConfigError

log = logging.getLogger("w3py.config")

# Bounds on the caches (entries). A level is one (site, directory) pair; a path is one requested URL path.
MAX_CACHED_LEVELS = 4096
MAX_CACHED_PATHS = 8192
MAX_CACHED_DOCUMENTS = 4096
# Configuration levels looked at below a site root; deeper paths use the level at this depth. HTTP.sys itself
# refuses URLs with more segments (UrlSegmentMaxCount, reference §1.12), so this only bounds hostile callers.
MAX_CONFIG_DEPTH = 255
# How often a lookup re-stats the web.config files the caches depend on (seconds). 0 = on every lookup.
DEFAULT_POLL_INTERVAL_S = 1.0
WEB_CONFIG = "web.config"

# A file modified less than this long before we stat it may be modified again within the same timestamp
# tick (file systems stamp with a coarse clock); its content digest is kept too ("racy git" problem).
RACY_WINDOW_NS = 2_000_000_000

_Stamp = tuple[int, int, int] | None


def _stamp(path: str) -> _Stamp:
    try:
        st = os.stat(path)
    except PermissionError:
        return (-1, -1, -1)
    except (OSError, ValueError):  # absent, not a directory, name too long, symlink loop, NUL in the name
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _digest(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.blake2b(fh.read(MAX_DIGEST_BYTES), digest_size=16).digest()
    except (OSError, ValueError):
        return None


MAX_DIGEST_BYTES = 2 * 1024 * 1024


class _Dep:
    """A web.config path some cached level depends on, present or not, with what it looked like."""

    __slots__ = ("path", "stamp", "digest")

    def __init__(self, path: str) -> None:
        self.path = path
        self.stamp = _stamp(path)
        self.digest = _digest(path) if self._racy(self.stamp) else None

    @staticmethod
    def _racy(stamp: _Stamp) -> bool:
        return stamp is not None and time.time_ns() - stamp[0] < RACY_WINDOW_NS

    def changed(self) -> bool:
        stamp = _stamp(self.path)
        if stamp != self.stamp:
            return True
        if self.digest is not None:
            if _digest(self.path) != self.digest:
                return True
            if not self._racy(stamp):
                self.digest = None  # settled: the timestamp alone is reliable from now on
        return False


class _FolderDep(_Dep):
    """A virtual directory's physical folder: only whether it exists as a directory matters (files added to
    it change its mtime, which must not drop any configuration). Checked with the web.config files, once per
    poll interval, so a folder that disappears or comes back is noticed without a stat per request."""

    __slots__ = ()

    def __init__(self, path: str) -> None:
        self.path = path
        self.stamp = _folder_stamp(path)
        self.digest = None

    def changed(self) -> bool:
        return _folder_stamp(self.path) != self.stamp


def _folder_stamp(path: str) -> _Stamp:
    """``None`` when ``path`` is not a usable directory, else a constant: presence is all that is compared."""
    try:
        st = os.stat(path)
    except PermissionError:
        return (-1, -1, -1)
    except (OSError, ValueError):
        return None
    return (0, 0, 0) if stat.S_ISDIR(st.st_mode) else None


class EffectiveConfig(dict):
    """The merged sections for one (site, path): ``cfg[StaticContentSection]`` -> frozen section instance.
    Read-only; every implemented section is present (schema defaults when nobody set it)."""

    __slots__ = ("site", "path")

    def __init__(self, sections: dict[type[Section], ConfigElement], site: Site | None, path: str) -> None:
        super().__init__(sections)
        self.site = site
        self.path = path

    def _readonly(self, *a: Any, **k: Any) -> None:
        raise TypeError("EffectiveConfig is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore


class _Level:
    """The configuration state after one level of one site's path."""

    __slots__ = ("sections", "modes", "pending", "deps", "error", "extra_decls", "config", "chain")

    def __init__(self) -> None:
        self.sections: dict[type[Section], ConfigElement] = {}
        self.modes: dict[str, str] = {}                           # section path -> "Allow"/"Deny"
        self.pending: tuple[tuple[str, SectionEntry, ConfigDocument], ...] = ()  # (target level, entry, doc)
        self.deps: tuple[_Dep, ...] = ()
        self.error: ConfigError | None = None
        self.extra_decls: frozenset[str] = frozenset()
        self.config: EffectiveConfig | None = None
        self.chain: tuple[SectionEntry, ...] = ()                  # entries applied so far, in order


class ServerConfig:
    """applicationHost.config, loaded: ``path``, ``root``, ``sites``, ``log``, ``effective(site, vpath)``."""

    def __init__(self, path: Path, root: Path, doc: ConfigDocument, env: EnvExpander,
                 poll_interval: float = DEFAULT_POLL_INTERVAL_S) -> None:
        self.path = path
        self.root = root
        self.env = env
        self.document = doc
        self.poll_interval = poll_interval
        # Whether a level whose virtual directory folder is missing is 0x80070003 (serving, IIS); ``w3py config
        # show`` turns it off to describe configuration of content that is not on this machine.
        self.check_folders = True
        self.declarations: dict[str, Declaration] = doc.declarations
        self._levels: OrderedDict[tuple[int, str], _Level] = OrderedDict()
        self._paths: OrderedDict[tuple[int, str], EffectiveConfig | ConfigError] = OrderedDict()
        self._docs: OrderedDict[tuple[str, frozenset[str]], tuple[Any, Any]] = OrderedDict()
        self._last_poll = time.monotonic()
        self._deps: dict[str, _Dep] = {}   # the files cached levels depend on, one record per path (polled)
        # applicationHost.config <location path="Site/..."> entries by lower-cased path, in document order
        self._located: dict[str, list[SectionEntry]] = {}
        for entry in doc.entries:
            if entry.location:
                self._located.setdefault(entry.location.lower(), []).append(entry)
        self._server = self._build_server_level()
        self.sites: tuple[Site, ...] = build_sites(self._server.sections[SitesSection], env.to_path)
        self._sites_by_id = {s.id: s for s in self.sites}
        self.log = self._server.sections[LogSection]
        self.not_implemented = sorted({e.decl.path for e in doc.entries if e.node is None})
        self._apphost_stamp = _stamp(str(path))

    # ------------------------------------------------------------------------------------------ public API
    def site_by_id(self, site_id: int) -> Site | None:
        return self._sites_by_id.get(site_id)

    def site_by_name(self, name: str) -> Site | None:
        low = name.lower()
        for s in self.sites:
            if s.name.lower() == low:
                return s
        return None

    @property
    def server_config(self) -> EffectiveConfig:
        """The server-level sections (applicationHost.config without site locations)."""
        assert self._server.config is not None
        return self._server.config

    def effective(self, site: Site, vpath: str) -> EffectiveConfig:
        """The effective configuration for a virtual path of ``site`` (cached). Raises ConfigError when a
        configuration file on that path is broken (the request gets 500.19)."""
        key = (site.id, vpath)
        hit = self._paths.get(key)
        if hit is not None and (self.poll_interval and time.monotonic() - self._last_poll < self.poll_interval):
            if hit.__class__ is EffectiveConfig:
                return hit  # type: ignore[return-value]
            raise hit.with_traceback(None)  # type: ignore[union-attr]  # a cached error: do not grow its traceback
        return self._effective_slow(site, vpath, key)

    def last_good(self, site: Site, vpath: str) -> EffectiveConfig:
        """The effective configuration of the deepest level of ``vpath`` that loads (the server level when
        even the site root fails): what a 500.19 for ``vpath`` is rendered and logged with."""
        self._maybe_poll()
        segs = _segments(vpath)[:MAX_CONFIG_DEPTH]
        best = self.server_config
        for i in range(len(segs) + 1):
            level = self._level(site, segs[:i])
            if level.error is not None:
                break
            best = level.config  # type: ignore[assignment]
        return best

    def apphost_changed(self) -> bool:
        """True when applicationHost.config on disk is not the file this configuration was loaded from."""
        return _stamp(str(self.path)) != self._apphost_stamp

    def reload(self) -> "ServerConfig":
        """A freshly loaded configuration from the same file, or ``self`` if the file is now broken: IIS keeps
        serving with the last good configuration and logs why (issue 3, item 4)."""
        try:
            return load_server_config(self.path, poll_interval=self.poll_interval, root=self.root)
        except ConfigError as exc:
            log.error("applicationHost.config not reloaded, keeping the last good configuration: %s",
                      exc.one_line())
            return self

    def check_for_changes(self) -> bool:
        """Re-stat every web.config the caches depend on; drop the caches if any changed. True if so."""
        self._last_poll = time.monotonic()
        if len(self._deps) > 2 * MAX_CACHED_LEVELS:  # forget files only evicted levels depended on
            self._deps = {d.path: d for lv in self._levels.values() for d in lv.deps}
        changed: set[int] = set()
        for path, dep in list(self._deps.items()):
            if dep.changed():
                log.info("configuration file changed: %s", path)
                changed.add(id(dep))
                del self._deps[path]
        if not changed:
            return False
        # Drop the levels that read a changed file (their descendants carry the same dep); unaffected levels
        # keep their EffectiveConfig objects, so callers that cache by identity keep their work.
        for key in [k for k, lv in self._levels.items() if any(id(d) in changed for d in lv.deps)]:
            del self._levels[key]
        self._paths.clear()
        return True

    # ------------------------------------------------------------------------------------------ internals
    def _maybe_poll(self) -> None:
        if not self.poll_interval or time.monotonic() - self._last_poll >= self.poll_interval:
            self.check_for_changes()

    def _effective_slow(self, site: Site, vpath: str, key: tuple[int, str]) -> EffectiveConfig:
        self._maybe_poll()
        level = self._level(site, _segments(vpath))
        result: EffectiveConfig | ConfigError = level.error if level.error is not None else level.config  # type: ignore
        self._paths[key] = result
        if len(self._paths) > MAX_CACHED_PATHS:
            self._paths.popitem(last=False)
        if isinstance(result, ConfigError):
            raise result.with_traceback(None)
        return result

    def _level(self, site: Site, segs: tuple[str, ...]) -> _Level:
        """The cached level for ``segs`` (computed from its deepest cached ancestor down, iteratively). Paths
        deeper than MAX_CONFIG_DEPTH share the level at that depth: no web.config is looked for below it."""
        segs = segs[:MAX_CONFIG_DEPTH]
        keys = [(site.id, "/".join(segs[:i]).lower()) for i in range(len(segs) + 1)]
        start = len(segs)
        while start >= 0:
            level = self._levels.get(keys[start])
            if level is not None:
                self._levels.move_to_end(keys[start])
                break
            start -= 1
        else:
            level = self._server
        for i in range(start + 1, len(segs) + 1):
            level = self._compute_level(site, segs[:i], level)
            self._levels[keys[i]] = level
            if len(self._levels) > MAX_CACHED_LEVELS:
                self._levels.popitem(last=False)
        return level

    def _build_server_level(self) -> _Level:
        level = _Level()
        sections: dict[type[Section], ConfigElement] = {cls: cls._schema.default for cls in SECTIONS.values()}
        modes = {d.path: d.override_mode_default for d in self.declarations.values()}
        located: list[SectionEntry] = []
        chain: list[SectionEntry] = []
        for entry in self.document.entries:
            decl = entry.decl
            if entry.location not in (None, ""):
                if decl.allow_definition in ("AppHostOnly", "MachineOnly", "MachineToWebRoot"):
                    raise ConfigError(f"the configuration section '{decl.path}' cannot be used in a <location> "
                                      f"with a path (allowDefinition={decl.allow_definition})", entry.origin[0],
                                      entry.origin[1], decl.path, None, HR_LOCK_VIOLATION)
                continue
            if entry.location == "":
                located.append(entry)
                continue
            self._apply_entry(sections, entry, chain)
        for entry in located:
            self._apply_entry(sections, entry, chain)
            if entry.override_mode is not None:
                modes[entry.decl.path] = entry.override_mode
        sections[LogSection] = _log_with_directories(sections[LogSection], self.env)
        level.sections = sections
        level.modes = modes
        level.chain = tuple(chain)
        level.config = EffectiveConfig(sections, None, "")
        return level

    @staticmethod
    def _apply_entry(sections: dict[type[Section], ConfigElement], entry: SectionEntry,
                     chain: list[SectionEntry]) -> None:
        cls = entry.decl.cls
        if cls is None or entry.node is None:
            return
        sections[cls] = apply(sections[cls], entry.node, entry.decl.path)
        chain.append(entry)

    def _refold(self, chain: tuple[SectionEntry, ...]) -> tuple[dict, dict]:
        """Sections and override modes from the schema defaults and ``chain`` (checks were made when the
        entries were first applied)."""
        sections: dict[type[Section], ConfigElement] = {cls: cls._schema.default for cls in SECTIONS.values()}
        modes = {d.path: d.override_mode_default for d in self.declarations.values()}
        scratch: list[SectionEntry] = []
        apphost = str(self.path)
        for entry in chain:
            self._apply_entry(sections, entry, scratch)
            if entry.override_mode is not None and (entry.origin[0] == apphost or entry.override_mode == "Deny"):
                modes[entry.decl.path] = entry.override_mode
        sections[LogSection] = _log_with_directories(sections[LogSection], self.env)
        return sections, modes

    def _compute_level(self, site: Site, segs: tuple[str, ...], parent: _Level) -> _Level:
        level = _Level()
        level.deps = parent.deps
        level.extra_decls = parent.extra_decls
        if parent.error is not None:
            level.error = parent.error
            return level
        rel = "/".join(segs)
        rel_low = rel.lower()
        vpath = "/" + rel
        chain = list(parent.chain)
        if rel and any(not e.inherit_in_child_apps for e in chain) and \
                any(a.path.lower() == vpath.lower() for a in site.applications):
            # A child application's root: entries written with inheritInChildApplications="false" above stop
            # here (IIS: "<location inheritInChildApplications>"), so the fold restarts without them.
            chain = [e for e in chain if e.inherit_in_child_apps]
            sections, modes = self._refold(tuple(chain))
        else:
            sections = dict(parent.sections)
            modes = dict(parent.modes)
        try:
            # 1. applicationHost.config <location path="Site/rel">
            target = f"{site.name}/{rel}".rstrip("/").lower()
            for entry in self._located.get(target, ()):
                self._apply_entry(sections, entry, chain)
                if entry.override_mode is not None:
                    modes[entry.decl.path] = entry.override_mode
            # 2. <location path> of higher web.config files aimed at this level
            pending = []
            for tgt, entry, doc in parent.pending:
                if tgt == rel_low:
                    self._apply_web_entry(sections, modes, chain, entry, vpath, location=True)
                else:
                    pending.append((tgt, entry, doc))
            # 3. this level's web.config
            try:
                mapped = site.map_path(vpath)
            except ValueError:
                mapped = None
            if mapped is not None and self.check_folders and _is_vdir_root(mapped, vpath):
                self._check_vdir_folder(level, mapped, vpath)
            if mapped is not None and (mapped.vdir.allow_sub_dir_config or _is_vdir_root(mapped, vpath)):
                wc = os.path.join(str(mapped.physical_path), WEB_CONFIG)
                dep = self._deps.get(wc)
                if dep is None:
                    dep = self._deps[wc] = _Dep(wc)
                level.deps = level.deps + (dep,)  # recorded first: a broken file must be re-checked too
                doc = self._document(wc, dep, level.extra_decls)
                if doc is not None:
                    if doc.own_declarations:
                        level.extra_decls = level.extra_decls | doc.own_declarations
                    for entry in doc.entries:
                        if entry.location:
                            pending.append(((rel + "/" + entry.location).strip("/").lower(), entry, doc))
                        else:
                            self._apply_web_entry(sections, modes, chain, entry, vpath,
                                                  app_root=mapped.application.path.lower() == (vpath.lower()
                                                                                               if rel else "/"))
            level.pending = tuple(pending)
        except ConfigError as exc:
            level.error = exc
            return level
        level.sections = sections
        level.modes = modes
        level.chain = tuple(chain)
        level.config = EffectiveConfig(sections, site, vpath)
        return level

    def _check_vdir_folder(self, level: _Level, mapped: Any, vpath: str) -> None:
        """A virtual directory (or application root) whose physicalPath is not a folder: IIS cannot read the
        web.config there and answers 500.19 with 0x80070003 for every URL under it (reference §5.9), while the
        rest of the site keeps serving. The folder is a dependency of the level like a web.config: when it
        comes back (next poll), the level is recomputed and the URLs are served again."""
        folder = str(mapped.physical_path)
        missing = unexpanded(folder)
        if missing or not mapped.physical_path.is_absolute():
            origin = mapped.vdir.origin or (None, None)
            why = (f"uses {', '.join(missing)}, which is not set in the environment" if missing
                   else "is a relative path")
            raise ConfigError(f"the physicalPath of virtual directory '{vpath}' ({folder}) {why}; w3py does not "
                              "resolve it against the current directory", origin[0], origin[1],
                              "system.applicationHost/sites", "physicalPath", HR_INVALID_DATA)
        dep = self._deps.get(folder)
        if dep is None or not isinstance(dep, _FolderDep):
            dep = self._deps[folder] = _FolderDep(folder)
        level.deps = level.deps + (dep,)  # recorded before raising: the folder's return must be noticed
        if dep.stamp is None:
            raise ConfigError(f"cannot read configuration file: the physical path of virtual directory "
                              f"'{vpath}' ({folder}) does not exist or is not a folder",
                              os.path.join(folder, WEB_CONFIG), None, None, None, HR_PATH_NOT_FOUND)

    def _apply_web_entry(self, sections: dict, modes: dict, chain: list, entry: SectionEntry, vpath: str,
                         location: bool = False, app_root: bool = False) -> None:
        decl = entry.decl
        ad = decl.allow_definition
        if ad in ("AppHostOnly", "MachineOnly", "MachineToWebRoot") or \
                (ad == "MachineToApplication" and (location or not app_root)):
            where = "applicationHost.config" if ad != "MachineToApplication" \
                else "applicationHost.config or an application root web.config"
            raise ConfigError(f"section '{decl.path}' is not allowed here: its allowDefinition={ad} permits it "
                              f"only in {where}", entry.origin[0], entry.origin[1], decl.path, None,
                              HR_LOCK_VIOLATION)
        if modes.get(decl.path, decl.override_mode_default) == "Deny":
            raise ConfigError(f"section '{decl.path}' is locked at a parent level and cannot be set in this file "
                              "(its declaration says overrideModeDefault=\"Deny\", or a <location> above says "
                              "overrideMode=\"Deny\" / allowOverride=\"false\"; unlock it in applicationHost.config "
                              "with <location overrideMode=\"Allow\">)", entry.origin[0], entry.origin[1],
                              decl.path, None, HR_LOCK_VIOLATION)
        self._apply_entry(sections, entry, chain)
        if entry.override_mode == "Deny":
            modes[decl.path] = "Deny"

    def _document(self, path: str, dep: _Dep, extra: frozenset[str]) -> ConfigDocument | None:
        if dep.stamp is None:
            return None
        stamp = (dep.stamp, dep.digest)
        key = (path, extra)
        cached = self._docs.get(key)
        if cached is not None and cached[0] == stamp and dep.digest is None:
            value = cached[1]
        else:
            value = self._read_web_config(path, stamp, extra)
            self._docs[key] = (stamp, value)
            if len(self._docs) > MAX_CACHED_DOCUMENTS:
                self._docs.popitem(last=False)
        if isinstance(value, ConfigError):
            raise value.with_traceback(None)
        return value

    def _read_web_config(self, path: str, stamp: Any, extra: frozenset[str]) -> ConfigDocument | ConfigError:
        try:
            with open(path, "rb") as fh:
                data = fh.read(2 * 1024 * 1024)
        except PermissionError:
            return ConfigError("cannot read configuration file due to insufficient permissions", path, None,
                               None, None, HR_ACCESS_DENIED)
        except OSError as exc:
            return ConfigError(f"cannot read configuration file ({exc.strerror})", path, None, None, None,
                               HR_INVALID_DATA)
        decls = self.declarations
        groups = self.document.groups
        if extra:  # custom sections a parent web.config declared (and their groups)
            decls = dict(decls)
            groups = set(groups)
            for p in extra:
                decls[p] = Declaration(p)
                parts = p.split("/")
                groups.update("/".join(parts[:i]) for i in range(1, len(parts)))
        try:
            return read_document(path, data, is_apphost=False, env=self.env, declarations=decls, groups=groups)
        except ConfigError as exc:
            return exc

    def documents(self) -> list[ConfigDocument]:
        """The web.config documents parsed so far (valid ones), most recent version of each file."""
        latest: dict[str, ConfigDocument] = {}
        for (path, _extra), (_stamp_, value) in self._docs.items():
            if isinstance(value, ConfigDocument):
                latest[path] = value
        return list(latest.values())

    def iter_web_configs(self, site: Site) -> Iterator[tuple[str, Path]]:
        """Every (virtual path, web.config path) under a site's virtual directories (for ``config check``)."""
        for app in site.applications:
            for vdir in app.virtual_directories:
                base = vdir.physical_path
                if not base.is_dir():
                    continue
                prefix = (app.path.rstrip("/") + vdir.path).replace("//", "/")
                for dirpath, dirnames, filenames in os.walk(base):
                    dirnames.sort()
                    if WEB_CONFIG in filenames:
                        rel = os.path.relpath(dirpath, base).replace(os.sep, "/")
                        vp = prefix.rstrip("/") + ("" if rel == "." else "/" + rel)
                        yield (vp or "/"), Path(dirpath) / WEB_CONFIG


def _log_with_directories(log_section: ConfigElement, env: EnvExpander) -> ConfigElement:
    """The central log files default to the same folder as site logs when no file names one."""
    from w3py.config.sites import DEFAULT_LOG_DIRECTORY

    values = log_section._values()
    for py in ("central_binary_log_file", "central_w3c_log_file"):
        child = getattr(log_section, py)
        if "directory" not in child._explicit:
            cv = child._values()
            cv["directory"] = env.to_path(DEFAULT_LOG_DIRECTORY)
            values[py] = type(child)._make(cv)
    return type(log_section)._make(values)


def _is_vdir_root(mapped: Any, vpath: str) -> bool:
    return mapped.physical_path == mapped.vdir.physical_path


def _segments(vpath: str) -> tuple[str, ...]:
    return tuple(p for p in vpath.split("/") if p)


def server_root(path: Path) -> Path:
    """W3PY_ROOT if set; else the parent of a ``config/`` folder holding the file; else the file's folder."""
    env = os.environ.get("W3PY_ROOT")
    if env:
        return Path(env).resolve()
    folder = path.resolve().parent
    if folder.name.lower() == "config":
        return folder.parent
    return folder


def load_server_config(path: str | Path, *, poll_interval: float | None = None,
                       root: Path | None = None) -> ServerConfig:
    """Load applicationHost.config. Raises ConfigError (file, line, HRESULT) if it cannot be used."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError("cannot read configuration file: it does not exist", str(p), None, None, None,
                          0x80070002) from None
    except PermissionError:
        raise ConfigError("cannot read configuration file due to insufficient permissions", str(p), None, None,
                          None, HR_ACCESS_DENIED) from None
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file ({exc.strerror})", str(p), None, None, None,
                          HR_INVALID_DATA) from None
    r = root if root is not None else server_root(p)
    env = EnvExpander(r)
    doc = read_document(p, data, is_apphost=True, env=env)
    if poll_interval is None:
        poll_interval = float(os.environ.get("W3PY_CONFIG_POLL_INTERVAL", DEFAULT_POLL_INTERVAL_S))
    return ServerConfig(p, r, doc, env, poll_interval)


__all__ = ["ServerConfig", "EffectiveConfig", "load_server_config", "server_root"]
