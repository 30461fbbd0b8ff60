"""Conformance tests: w3py against real IIS configuration files, real HTTP clients and IIS's documented
behaviour, through ``w3py serve --config`` started as a subprocess (what a user runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA
