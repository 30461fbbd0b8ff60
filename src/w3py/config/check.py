"""``w3py config check``: validate applicationHost.config and every web.config under every site.

Every web.config is checked through the same code path a request takes (``ServerConfig.effective``), so a file
that check accepts is one the server accepts. Sections that are declared but not implemented by w3py are
listed with where they appear: they load and are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from w3py.config.document import HR_INVALID_DATA, ConfigDocument, SectionEntry
from w3py.config.env import unexpanded
from w3py.config.server import ServerConfig, load_server_config
from w3py.errors import ConfigError


@dataclass
class CheckReport:
    config: ServerConfig | None = None
    files: list[str] = field(default_factory=list)                       # every file read
    errors: list[ConfigError] = field(default_factory=list)
    not_implemented: list[tuple[str, str, int]] = field(default_factory=list)  # (section, file, line)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _unimplemented(doc: ConfigDocument) -> list[tuple[str, str, int]]:
    out = []
    for e in doc.entries:
        if e.node is None:
            out.append((e.decl.path, e.origin[0], e.origin[1]))
    return out


def _check_log_directory(site, report: CheckReport) -> None:
    """A site's log directory naming a variable that is not set (IIS Express's ``%IIS_USER_HOME%\\Logs``)
    would be created relative to the current directory: an error, with where it was written."""
    directory = str(site.log_file.directory or "")
    missing = unexpanded(directory)
    if missing:
        where = site.log_file.origin_of("directory") or site.origin or (None, None)
        report.errors.append(ConfigError(
            f"the logFile directory of site '{site.name}' ({directory}) uses {', '.join(missing)}, which is not "
            "set in the environment; logs would be written relative to the current directory",
            where[0], where[1], "system.applicationHost/sites", "directory", HR_INVALID_DATA))


def check_server(path: str | Path, root: Path | None = None) -> CheckReport:
    report = CheckReport()
    report.files.append(str(path))
    try:
        cfg = load_server_config(path, poll_interval=0, root=root)
    except ConfigError as exc:
        report.errors.append(exc)
        return report
    report.config = cfg
    report.not_implemented.extend(_unimplemented(cfg.document))
    site_names = {s.name.lower() for s in cfg.sites}
    for e in cfg.document.entries:
        if e.location:
            site = e.location.split("/", 1)[0].lower()
            if site not in site_names:
                report.warnings.append(f"{e.origin[0]}:{e.origin[1]}: <location path=\"{e.location}\"> names no "
                                       "site; it is never applied")
    seen: set[tuple] = set()

    def visit(site, vpath: str) -> None:
        try:
            cfg.effective(site, vpath)
        except ConfigError as exc:
            key = (exc.file, exc.line, exc.message)
            if key not in seen:
                seen.add(key)
                report.errors.append(exc)

    for site in cfg.sites:
        _check_log_directory(site, report)
        visit(site, "/")
        # applicationHost.config <location path="Site/..."> blocks are merged when their path is used
        for e in cfg.document.entries:
            if e.location and e.location.split("/", 1)[0].lower() == site.name.lower():
                visit(site, "/" + e.location.split("/", 1)[1] if "/" in e.location else "/")
        for vpath, file in cfg.iter_web_configs(site):
            if str(file) not in report.files:  # a folder reachable through two virtual paths counts once
                report.files.append(str(file))
            visit(site, vpath.rstrip("/") + "/")
    for doc in cfg.documents():
        report.not_implemented.extend(_unimplemented(doc))
    report.not_implemented.sort(key=lambda t: (t[0], t[1], t[2]))
    return report


__all__ = ["CheckReport", "check_server", "SectionEntry"]
