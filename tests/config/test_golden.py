"""Golden configuration tests (STYLE §2.7): each ``tests/golden/config/*.test`` holds the input files in
``==> path <==`` sections (paths relative to the server root; a ``# site:``/``# path:``/``# sections:`` header
chooses what to dump), a ``----------`` line, and the expected ``w3py config show`` output — or the
configuration error it must produce. Set W3PY_UPDATE_GOLDEN=1 to rewrite the expectations after a deliberate
change (then read the diff)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from w3py.config import ConfigError, load_server_config
from w3py.config.dump import dump_effective, select_sections

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "config"
SEPARATOR = "----------"
CASES = sorted(GOLDEN.glob("*.test"))


def _run(case: Path, root: Path) -> tuple[str, str]:
    text = case.read_text(encoding="utf-8")
    source, _, expected = text.partition("\n" + SEPARATOR + "\n")
    header = dict(re.findall(r"^# (\w+): (.*)$", source.split("==>", 1)[0], re.M))
    for name, body in re.findall(r"^==> (.+?) <==\n(.*?)(?=^==> |\Z)", source, re.M | re.S):
        target = root / name.strip()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    (root / "inetpub" / "wwwroot").mkdir(parents=True, exist_ok=True)
    rel = lambda s: s.replace(str(root) + "/", "")  # noqa: E731
    try:
        cfg = load_server_config(root / "config" / "applicationHost.config", poll_interval=0, root=root)
        site = cfg.site_by_name(header.get("site", "Default Web Site"))
        assert site is not None, "the case names no existing site"
        classes = [c for name in header.get("sections", "").split(",") if name.strip()
                   for c in select_sections(name.strip())]
        effective = cfg.effective(site, header.get("path", "/"))
        got = dump_effective(cfg, effective, classes)
    except ConfigError as exc:
        got = "error: " + rel(exc.one_line()) + "\n"
    return got, expected


@pytest.mark.parametrize("case", [pytest.param(c, id=c.stem) for c in CASES])
def test_golden(case, tmp_path):
    got, expected = _run(case, tmp_path)
    if os.environ.get("W3PY_UPDATE_GOLDEN"):
        text = case.read_text(encoding="utf-8")
        source = text.partition("\n" + SEPARATOR + "\n")[0]
        case.write_text(source + "\n" + SEPARATOR + "\n" + got, encoding="utf-8")
        return
    assert got == expected


def test_there_are_golden_cases():
    assert len(CASES) >= 8
