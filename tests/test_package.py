"""The package imports, the CLI answers, and the layers only import downwards (STYLE.md §2.1)."""

import ast
import pathlib
import subprocess
import sys

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "w3py"

# layer -> the w3py layers it may import (besides itself and the top-level helpers)
ALLOWED = {
    "core": set(),
    "protocol": {"core"},
    "config": {"core"},
    "catalog": {"core"},
    "logs": {"core", "catalog"},
}
TOP_LEVEL_OK = {"w3py", "w3py.errors", "w3py.status"}


def test_cli_version() -> None:
    out = subprocess.run([sys.executable, "-m", "w3py", "--version"], capture_output=True, text=True, check=True)
    assert "w3py" in out.stdout


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_point_down(layer: str) -> None:
    bad = []
    for path in (SRC / layer).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if not name.startswith("w3py") or name in TOP_LEVEL_OK:
                    continue
                target = name.split(".")[1]
                if target != layer and target not in ALLOWED[layer]:
                    bad.append(f"{path.relative_to(SRC)} imports {name}")
    assert not bad, bad
