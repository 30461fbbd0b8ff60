"""The admin tools on what admins bring: a real-shaped IIS 10 log day (``data/iislogs``: header blocks repeated
after a restart, IPv6 clients, ``+`` in user agents, a Windows-auth handshake, a field set that changes
mid-file, a short line and a line cut by a crash) and the ``status substatus win32`` triples they copy from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from w3py.testing.conformance import run_w3py

LOGS = Path(__file__).parent / "data" / "iislogs"


@pytest.fixture(scope="module")
def summary() -> dict:
    result = run_w3py("logs", "summary", str(LOGS), "--json", "--top", "100")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_line_is_read_or_reported(summary) -> None:
    assert summary["lines"]["well_formed"] == 23
    assert summary["lines"]["malformed"] == 2
    reasons = sorted(sample["reason"] for sample in summary["malformed_samples"])
    assert any("cut" in r for r in reasons) and any("fewer" in r for r in reasons)


def test_codes_and_clients_from_a_real_log(summary) -> None:
    codes = {c["code"]: c["count"] for c in summary["codes"]}
    assert codes["200.0"] == 9
    for code in ("404.13", "404.8", "404.7", "404.3", "500.19", "500.21", "401.2", "401.1", "501.0", "503.0"):
        assert codes.get(code) == 1, code
    clients = {c["client"] for c in summary["clients"]}
    assert {"2001:db8::17", "::1", "203.0.113.7"} <= clients
    assert summary["first"] == "2026-03-17 00:00:01" and summary["last"] == "2026-03-17 12:00:04"


@pytest.mark.parametrize("triple, expected", [
    ("404 13 0", "404.13"),
    ("500 19 13", "500.19"),
    ("401 1 2148074254", "401.1"),
    ("500 21 126", "500.21"),
])
def test_explain_takes_the_log_triple(triple, expected) -> None:
    result = run_w3py("explain", "--json", triple)
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)["results"][0]["entries"]
    assert entries[0]["status"] == expected


def test_explain_unknown_code_fails_clearly() -> None:
    result = run_w3py("explain", "404.99")
    assert result.returncode == 1
    assert "404." in (result.stdout + result.stderr)
