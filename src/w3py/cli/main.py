"""The ``w3py`` command: a click group; each subcommand lives in its own file under ``cli/`` and only parses
arguments and prints. The work is done in ``tools/``, ``server/`` and ``process/``."""

from __future__ import annotations

import importlib

import click

from w3py import __version__

# Subcommand name -> "module:attribute". Imported lazily so that `w3py explain` never pays for uvloop and
# `w3py serve` never pays for duckdb.
_COMMANDS = {
    "serve": "w3py.cli.serve:serve",
    "explain": "w3py.cli.explain:explain",
    "logs": "w3py.cli.logs:logs",
    "config": "w3py.cli.config:config",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = _COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a command whose module is not there yet
            if exc.name == module_name:
                return None
            raise
        return getattr(module, attr)


@click.group(cls=_LazyGroup)
@click.version_option(__version__, prog_name="w3py")
def main() -> None:
    """w3py: an IIS-compatible web server for Linux and macOS."""
