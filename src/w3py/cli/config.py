"""``w3py config show`` and ``w3py config check``: argument parsing and printing only; the work is in
``w3py.config.dump`` and ``w3py.config.check``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


def _default_config() -> str:
    """The server root's config/applicationHost.config when W3PY_ROOT is set, else the embedded default."""
    root = os.environ.get("W3PY_ROOT")
    if root and (Path(root) / "config" / "applicationHost.config").is_file():
        return str(Path(root) / "config" / "applicationHost.config")
    from w3py.config import default_config_path

    return str(default_config_path())


@click.group()
def config() -> None:
    """Inspect and validate applicationHost.config and web.config files."""


@config.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="applicationHost.config to read (default: $W3PY_ROOT/config/, else the embedded default).")
@click.option("--site", "site_name", default=None, help="Site name or id (default: the first site).")
@click.option("--path", "vpath", default="/", show_default=True, help="Virtual path inside the site.")
@click.option("--section", default=None, help="Only this section (e.g. staticContent or system.webServer/httpErrors).")
def show(config_path: str | None, site_name: str | None, vpath: str, section: str | None) -> None:
    """Print the effective configuration for a site and path, with where each value came from."""
    from w3py.config import ConfigError, load_server_config
    from w3py.config.dump import dump_effective, select_sections

    try:
        cfg = load_server_config(config_path or _default_config(), poll_interval=0)
    except ConfigError as exc:
        click.echo(exc.one_line(), err=True)
        sys.exit(2)
    cfg.check_folders = False  # `show` describes configuration (like appcmd); content folders need not exist
    site = cfg.sites[0] if cfg.sites and site_name is None else None
    if site_name is not None:
        site = cfg.site_by_name(site_name) or (cfg.site_by_id(int(site_name)) if site_name.isdigit() else None)
    if site is None:
        click.echo(f"no such site: {site_name}", err=True)
        sys.exit(2)
    classes = select_sections(section)
    if not classes:
        click.echo(f"no such section: {section}", err=True)
        sys.exit(2)
    try:
        effective = cfg.effective(site, vpath if vpath.startswith("/") else "/" + vpath)
    except ConfigError as exc:
        click.echo(exc.one_line(), err=True)
        sys.exit(1)
    click.echo(f"<!-- site \"{site.name}\" (id {site.id}), path {vpath}, root {cfg.root} -->")
    click.echo(dump_effective(cfg, effective, classes), nl=False)


@config.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="applicationHost.config to validate (default: $W3PY_ROOT/config/, else the embedded default).")
def check(config_path: str | None) -> None:
    """Validate applicationHost.config and every web.config under every site; exit 1 on any error."""
    from w3py.config.check import check_server

    report = check_server(config_path or _default_config())
    for err in report.errors:
        click.echo(f"error: {err.one_line()}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}")
    if report.not_implemented:
        click.echo("not implemented (accepted and ignored):")
        for section, file, line in report.not_implemented:
            click.echo(f"  {section}  {file}:{line}")
    status = "OK" if report.ok else f"{len(report.errors)} error(s)"
    click.echo(f"{len(report.files)} file(s) checked: {status}")
    sys.exit(0 if report.ok else 1)
