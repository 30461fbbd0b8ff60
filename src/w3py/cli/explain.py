"""``w3py explain CODE...``: argument parsing and printing only; the work is in ``w3py.tools.explain``."""

from __future__ import annotations

import json
import sys

import click


@click.command()
@click.argument("codes", nargs=-1, required=True, metavar="CODE...")
@click.option("--lang", type=click.Choice(["en", "ja"]), default=None,
              help="Language of the explanation (default: from LC_ALL / LC_MESSAGES / LANG).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of text.")
@click.option("--all", "-a", "expand_all", is_flag=True,
              help="With a bare code (404), explain every substatus in full instead of a table.")
def explain(codes: tuple[str, ...], lang: str | None, as_json: bool, expand_all: bool) -> None:
    """Explain IIS status codes: what they mean, why they happen, what to change.

    CODE is what you saw: 404.13 (an error page), "404 13 0" or 404.13.0 (sc-status, sc-substatus and
    sc-win32-status from a log line), 404 (the code and all its substatuses), or a Win32 code / HRESULT
    such as 64 or 0x80070021. Give several to explain them all, or - to read one per line from standard
    input (e.g. the status columns cut from a log). Exits 1 if any CODE is unknown.
    """
    from rich.console import Console

    from w3py.tools import explain as tool

    language = lang or tool.default_language()
    if codes == ("-",):
        # one query per line, duplicates once: `awk '{print $12, $13, $14}' u_ex*.log | w3py explain -`
        # ("#" lines are W3C directives, in case whole header lines come through)
        lines = (line.strip() for line in sys.stdin)
        queries = list(dict.fromkeys(line for line in lines if line and not line.startswith("#")))
    else:
        queries = tool.group_arguments(codes)
    found, failed = tool.explain_all(queries)
    if as_json:
        click.echo(json.dumps(tool.to_json(found, failed, language), ensure_ascii=False, indent=2))
    else:
        tool.render(Console(highlight=False), found, language, expand_all=expand_all)
        if failed:
            tool.render_errors(Console(stderr=True, highlight=False), failed, language)
    if failed:
        sys.exit(1)
