"""Sites, bindings, applications and virtual directories from ``system.applicationHost/sites``.

``siteDefaults``/``applicationDefaults``/``virtualDirectoryDefaults`` fill in what a site, an application or a
virtual directory leaves unset, attribute by attribute, as IIS does. ``Site.map_path`` maps a virtual path to
(application, virtual directory, physical path) by longest segment-prefix match, case-insensitively.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from w3py.config.document import HR_ALREADY_EXISTS, HR_INVALID_DATA
from w3py.config.schema import ConfigElement
from w3py.errors import ConfigError

# Where W3C logs go when neither siteDefaults nor the site names a directory (IIS's schema default).
DEFAULT_LOG_DIRECTORY = "%SystemDrive%\\inetpub\\logs\\LogFiles"
DEFAULT_FREB_DIRECTORY = "%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles"


class Binding(NamedTuple):
    """One ``<binding>``: ``ip`` is ``"*"`` for all addresses, ``host`` ``""`` for any Host header. For
    protocols other than http/https, ``ip``/``host`` are empty, ``port`` 0, and ``information`` has the text."""

    protocol: str
    ip: str
    port: int
    host: str
    information: str = ""
    ssl_flags: int = 0


class VirtualDirectory(NamedTuple):
    path: str
    physical_path: Path
    allow_sub_dir_config: bool = True
    origin: tuple[str, int] | None = None  # (file, line) of the physicalPath, for errors about it


class MappedPath(NamedTuple):
    application: "Application"
    vdir: VirtualDirectory
    physical_path: Path


@dataclass(frozen=True, eq=False)
class Application:
    path: str
    application_pool: str
    virtual_directories: tuple[VirtualDirectory, ...]
    enabled_protocols: str = "http"
    preload_enabled: bool = False


@dataclass(frozen=True, eq=False)
class Site:
    id: int
    name: str
    server_auto_start: bool
    bindings: tuple[Binding, ...]
    limits: ConfigElement
    log_file: ConfigElement
    applications: tuple[Application, ...]
    trace_failed_requests_logging: ConfigElement | None = None
    origin: tuple[str, int] | None = None
    # applications sorted longest path first, for map_path
    _apps_by_len: tuple[Application, ...] = field(default=(), repr=False)

    def map_path(self, vpath: str) -> MappedPath:
        """Map a virtual path (``/app/dir/file``) to its application, virtual directory and physical path.
        ``.``/``..`` segments are refused with ValueError: the caller normalises URLs first, and nothing may
        resolve outside a virtual directory's physical path."""
        if not vpath.startswith("/"):
            vpath = "/" + vpath
        low = vpath.lower()
        for app in self._apps_by_len:
            if _under(low, app.path.lower()):
                break
        else:  # pragma: no cover - every valid site has a root application (checked when built)
            raise ValueError(f"site {self.name} has no root application")
        rel_app = vpath[len(app.path):] if app.path != "/" else vpath
        if not rel_app.startswith("/"):
            rel_app = "/" + rel_app
        rel_low = rel_app.lower()
        for vdir in app.virtual_directories:
            if _under(rel_low, vdir.path.lower()):
                break
        else:
            raise ValueError(f"no virtual directory of application {app.path} maps {vpath}")
        rest = rel_app[len(vdir.path):] if vdir.path != "/" else rel_app
        parts = [p for p in rest.split("/") if p]
        if any(p in (".", "..") for p in parts):
            raise ValueError(f"{vpath!r} contains a dot segment")
        return MappedPath(app, vdir, vdir.physical_path.joinpath(*parts) if parts else vdir.physical_path)


def _under(path: str, prefix: str) -> bool:
    if prefix == "/":
        return True
    return path == prefix or path.startswith(prefix + "/")


def parse_binding(protocol: str, info: str, ssl_flags: int) -> Binding:
    """``IP:port:host`` for http/https (``[::1]:80:`` for IPv6); anything else is kept as text."""
    if protocol.lower() not in ("http", "https"):
        return Binding(protocol, "", 0, "", info, ssl_flags)
    if info.startswith("["):
        end = info.find("]")
        if end < 0:
            raise ValueError(f"'{info}' is not a valid binding (unclosed IPv6 address)")
        ip, rest = info[1:end], info[end + 1:]
        if not rest.startswith(":"):
            raise ValueError(f"'{info}' is not a valid binding")
        rest = rest[1:]
    else:
        ip, sep, rest = info.partition(":")
        if not sep:
            raise ValueError(f"'{info}' is not a valid binding (expected IP:port:host)")
    port_s, sep, host = rest.partition(":")
    # Port 0 (any free port) is accepted for tests; IIS itself would not offer it.
    if not sep or not port_s.isdigit() or not 0 <= int(port_s) < 65536:
        raise ValueError(f"'{info}' is not a valid binding (expected IP:port:host with a port 0-65535)")
    return Binding(protocol, ip or "*", int(port_s), host, info, ssl_flags)


def _fill(elem: ConfigElement, defaults: ConfigElement) -> ConfigElement:
    """Attributes (and child elements, recursively) ``elem`` does not set come from ``defaults``."""
    values: dict[str, Any] = elem._values()
    schema = elem._schema
    dschema = defaults._schema
    for a in schema.attrs.values():
        if a.py not in elem._explicit and a.py in dschema.attrs_by_py:
            values[a.py] = getattr(defaults, a.py)
    for c in schema.children.values():
        if hasattr(defaults, c.py):
            values[c.py] = _fill(getattr(elem, c.py), getattr(defaults, c.py))
    if schema.collection is not None and not elem.items and getattr(defaults, "items", None):
        values["items"] = defaults.items
    if elem.origin is None:
        values["origin"] = defaults.origin
    return type(elem)._make(values)


def build_sites(section: ConfigElement, expand_path: Any) -> tuple[Site, ...]:
    """Build :class:`Site` objects from the merged sites section; ``expand_path(text) -> Path`` expands
    environment variables for defaults given as text."""
    sites: list[Site] = []
    ids: dict[int, tuple[str, int] | None] = {}
    site_defaults = section.site_defaults
    for s in section.items:
        where = s.origin or ("", 0)
        if s.id in ids:
            raise ConfigError(f"duplicate <site> entry: another site already has id='{s.id}'", where[0], where[1], "system.applicationHost/sites", "id",
                              HR_ALREADY_EXISTS)
        ids[s.id] = s.origin
        limits = _fill(s.limits, site_defaults.limits)
        log_file = _fill(s.log_file, site_defaults.log_file)
        if "directory" not in s.log_file._explicit and "directory" not in site_defaults.log_file._explicit:
            vals = log_file._values()
            vals["directory"] = expand_path(DEFAULT_LOG_DIRECTORY)
            log_file = type(log_file)._make(vals)
        tfrl = _fill(s.trace_failed_requests_logging, site_defaults.trace_failed_requests_logging)
        if "directory" not in tfrl._explicit and \
                "directory" not in site_defaults.trace_failed_requests_logging._explicit:
            vals = tfrl._values()
            vals["directory"] = expand_path(DEFAULT_FREB_DIRECTORY)
            tfrl = type(tfrl)._make(vals)
        server_auto_start = s.server_auto_start if "server_auto_start" in s._explicit \
            else site_defaults.server_auto_start
        bindings = []
        for b in s.bindings.items:
            try:
                bindings.append(parse_binding(b.protocol, b.binding_information, b.ssl_flags))
            except ValueError as exc:
                bw = b.origin or where
                raise ConfigError(str(exc), bw[0], bw[1], "system.applicationHost/sites", "bindingInformation",
                                  HR_INVALID_DATA) from None
        app_defaults = _fill(s.application_defaults, section.application_defaults)
        site_vdir_defaults = _fill(s.virtual_directory_defaults, section.virtual_directory_defaults)
        apps = []
        for a in s.items:
            a_full = _fill(a, app_defaults)
            vdd = _fill(a.virtual_directory_defaults, site_vdir_defaults)
            vdirs = []
            for v in a.items:
                v_full = _fill(v, vdd)
                if "physical_path" not in v._explicit and "physical_path" not in vdd._explicit:
                    vw = v.origin or where
                    raise ConfigError("missing required attribute 'physicalPath'", vw[0], vw[1],
                                      "system.applicationHost/sites", "physicalPath", HR_INVALID_DATA)
                vdirs.append(VirtualDirectory(v.path, v_full.physical_path, v_full.allow_sub_dir_config,
                                              v_full.origin_of("physical_path") or v.origin or where))
            if not any(v.path == "/" for v in vdirs):
                aw = a.origin or where
                raise ConfigError(f"application '{a.path}' of site '{s.name}' has no root virtual directory "
                                  "(path=\"/\")", aw[0], aw[1], "system.applicationHost/sites", None,
                                  HR_INVALID_DATA)
            vdirs.sort(key=lambda v: -len(v.path))
            apps.append(Application(a.path, a_full.application_pool, tuple(vdirs), a_full.enabled_protocols,
                                    a_full.preload_enabled))
        if not any(a.path == "/" for a in apps):
            raise ConfigError(f"site '{s.name}' has no root application (path=\"/\")", where[0], where[1],
                              "system.applicationHost/sites", None, HR_INVALID_DATA)
        by_len = tuple(sorted(apps, key=lambda a: -len(a.path)))
        sites.append(Site(s.id, s.name, server_auto_start, tuple(bindings), limits, log_file, tuple(apps), tfrl,
                          s.origin, by_len))
    return tuple(sites)


__all__ = ["Site", "Binding", "Application", "VirtualDirectory", "MappedPath", "build_sites", "parse_binding"]
