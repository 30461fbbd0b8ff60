"""``w3py serve``: argument parsing and printing only; the work is in ``w3py.process`` and ``w3py.server``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

# The application every worker builds from the configuration: the integrated pipeline.
APP_FACTORY = "w3py.pipeline.application:PipelineApplication"


def _resolve(spec: str):
    import importlib

    module_name, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module_name), attr)


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="applicationHost.config to serve. Default: the server root's (./w3py-root, or $W3PY_ROOT), "
                   "created from the built-in default on first run.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes sharing the listening sockets (default: one per CPU core).")
@click.option("--app", "app_spec", default=APP_FACTORY, hidden=True,
              help="module:callable building the Application from the configuration (benchmarks, tests).")
def serve(config_path: Path | None, workers: int | None, app_spec: str) -> None:
    """Serve the sites of an IIS applicationHost.config.

    Prints one line per binding. A change of the configuration file, or SIGHUP, reloads it without dropping
    a connection; SIGTERM or Ctrl+C stops after the requests in progress.
    """
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(process)d %(name)s %(levelname)s: %(message)s")
    from w3py.config import load_server_config
    from w3py.errors import ConfigError
    from w3py.process.supervisor import run_server
    from w3py.server.listener import BindError

    if config_path is None:
        from w3py.process.server_root import default_root, ensure_server_root

        root = default_root()
        created = not root.exists()
        try:
            config_path = ensure_server_root(root)
        except OSError as exc:
            click.echo(f"cannot create the server root {root}: {exc.strerror or exc}", err=True)
            sys.exit(2)
        if created:
            click.echo(f"Created the server root {root} from the built-in default configuration")
    try:
        app_factory = _resolve(app_spec)
        config = load_server_config(config_path)
        code = run_server(
            config, app_factory, workers, reload=lambda: load_server_config(config_path), watch=config_path
        )
    except ConfigError as exc:
        click.echo(exc.one_line(), err=True)
        sys.exit(2)
    except BindError as exc:
        click.echo(exc.strerror, err=True)
        sys.exit(2)
    except KeyboardInterrupt:  # Ctrl+C while still starting (afterwards the supervisor handles SIGINT)
        sys.exit(130)
    sys.exit(code)
