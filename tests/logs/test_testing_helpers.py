"""The shipped test helpers for logs: the generator writes what the strict reader accepts, and
read_site_logs rejects what the writer must never produce."""

from __future__ import annotations

import pytest

from w3py.testing.logs import DEFAULT_FIELD_NAMES, read_log, read_site_logs, write_iis_log


def test_generator_output_is_well_formed_with_any_fields(tmp_path) -> None:
    fields = ("date", "time", "s-sitename", "cs-uri-stem", "sc-status", "X-Forwarded-For", "time-taken")
    write_iis_log(tmp_path / "a.log", 500, seed=1)
    write_iis_log(tmp_path / "b.log", 300, fields=fields, seed=2, line_end="\n")
    lines = read_site_logs(tmp_path)
    assert len(lines) == 800
    assert set(lines[0].values) == set(DEFAULT_FIELD_NAMES)
    assert set(lines[-1].values) == set(fields)
    statuses = {ln["sc-status"] for ln in lines}
    assert {"200", "404", "500"} <= statuses
    assert read_log(tmp_path / "a.log").fields_lines == ["#Fields: " + " ".join(DEFAULT_FIELD_NAMES)]


def test_read_site_logs_rejects_malformed_and_repeated_headers(tmp_path) -> None:
    p = write_iis_log(tmp_path / "u_ex260317.log", 3)
    with open(p, "ab") as f:
        f.write(b"2026-03-17 00:00:00 cut")
    with pytest.raises(AssertionError, match="malformed"):
        read_site_logs(tmp_path)
    data = p.read_bytes()
    header = data[: data.index(b"\n", data.index(b"#Fields")) + 1]
    p.write_bytes(header + header)
    with pytest.raises(AssertionError, match="repeated"):
        read_site_logs(tmp_path)
