"""The HTTPERR log: IIS's header and field list, '-' for unknowns, size rollover, several processes."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from w3py.logs.httperr import DEFAULT_TRUNCATE_SIZE, HTTPERREntry, HTTPERRLog
from w3py.logs.reader import read_log

HTTPERR_FIELDS_LINE = (
    "#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename"
)


def test_one_refusal_is_one_line_with_iis_header(tmp_path, fixed_clock) -> None:
    with HTTPERRLog(tmp_path) as log:
        log.log(
            HTTPERREntry(
                c_ip="127.0.0.1", c_port=50123, s_ip="127.0.0.1", s_port=80, cs_version="HTTP/1.1",
                cs_method="GET", cs_uri="/ThisIsMyUrl.htm", sc_status=400, s_siteid=None, s_reason="Hostname",
            )
        )  # fmt: skip
    raw = (tmp_path / "httperr1.log").read_bytes()
    assert raw == (
        b"#Software: Microsoft HTTP API 2.0\r\n#Version: 1.0\r\n#Date: 2026-03-17 12:00:00\r\n"
        + HTTPERR_FIELDS_LINE.encode()
        + b"\r\n2026-03-17 12:00:00 127.0.0.1 50123 127.0.0.1 80 HTTP/1.1 GET /ThisIsMyUrl.htm 400 - Hostname -\r\n"
    )


def test_timeout_line_has_dashes_and_mapping_entries_work(tmp_path, fixed_clock) -> None:
    with HTTPERRLog(tmp_path) as log:
        log.log({"c_ip": "::1", "c_port": 4242, "s_ip": "::1", "s_port": 8080, "s_reason": "Timer_ConnectionIdle"})
    parsed = read_log(tmp_path / "httperr1.log")
    assert parsed.malformed == []
    (line,) = parsed.lines
    assert line["c-ip"] == "::1%0"  # HTTP.sys writes an IPv6 address with its scope id
    assert line["cs-method"] is None and line["cs-uri"] is None and line["sc-status"] is None
    assert line["s-reason"] == "Timer_ConnectionIdle"


def test_hostile_uri_and_method_cannot_forge_lines(tmp_path, fixed_clock) -> None:
    evil_uri = "/a b\r\n2026-03-17 12:00:00 1.2.3.4 1 1.2.3.4 80 HTTP/1.1 GET /forged 200 1 OK -\r\n#Fields: x"
    with HTTPERRLog(tmp_path) as log:
        log.log(HTTPERREntry(c_ip="10.0.0.1", cs_method="G\nET", cs_uri=evil_uri, sc_status=400, s_reason="URL"))
    parsed = read_log(tmp_path / "httperr1.log")
    assert parsed.malformed == []
    assert len(parsed.fields_lines) == 1
    (line,) = parsed.lines
    assert line["cs-method"] == "G+ET"
    assert line["cs-uri"].startswith("/a+b++2026-03-17+12:00:00")


def test_long_method_and_uri_are_cut_like_http_sys(tmp_path, fixed_clock) -> None:
    with HTTPERRLog(tmp_path) as log:
        log.log(HTTPERREntry(cs_method="X" * 1000, cs_uri="/" + "u" * 10000, sc_status=414, s_reason="URL_Length"))
    (line,) = read_log(tmp_path / "httperr1.log").lines
    assert len(line["cs-method"]) == 255
    assert len(line["cs-uri"]) == 4096


def test_size_rollover_starts_httperr2_with_its_own_header(tmp_path, fixed_clock) -> None:
    with HTTPERRLog(tmp_path, truncate_size=DEFAULT_TRUNCATE_SIZE) as log:
        uri = "/" + "p" * 1000
        n = 0
        while not (tmp_path / "httperr2.log").exists():
            log.log(HTTPERREntry(c_ip="10.0.0.1", cs_uri=uri, sc_status=400, s_reason="BadRequest"))
            log.flush()
            n += 1
        log.log(HTTPERREntry(c_ip="10.0.0.2", cs_uri="/last", sc_status=400, s_reason="BadRequest"))
    first = read_log(tmp_path / "httperr1.log")
    second = read_log(tmp_path / "httperr2.log")
    assert (tmp_path / "httperr1.log").stat().st_size >= DEFAULT_TRUNCATE_SIZE
    assert len(first.fields_lines) == 1 and len(second.fields_lines) == 1
    assert len(first.lines) + len(second.lines) == n + 1
    assert second.lines[-1]["cs-uri"] == "/last"


def test_restart_continues_in_the_highest_file_without_a_second_header(tmp_path, fixed_clock) -> None:
    for i in range(2):
        with HTTPERRLog(tmp_path) as log:
            log.log(HTTPERREntry(c_ip=f"10.0.0.{i}", sc_status=503, s_reason="QueueFull"))
    (tmp_path / "httperr7.log").write_bytes(b"")
    with HTTPERRLog(tmp_path) as log:
        log.log(HTTPERREntry(c_ip="10.0.0.9", sc_status=503, s_reason="QueueFull"))
    first = read_log(tmp_path / "httperr1.log")
    assert len(first.fields_lines) == 1 and len(first.lines) == 2
    assert len(read_log(tmp_path / "httperr7.log").lines) == 1


def test_unwritable_directory_reported_once_and_logging_goes_on(tmp_path, fixed_clock, caplog) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    log = HTTPERRLog(blocker / "HTTPERR")
    for _ in range(3):
        log.log(HTTPERREntry(c_ip="10.0.0.1", s_reason="BadRequest"))
        log.flush()
    log.close()
    errors = [r for r in caplog.records if r.name == "w3py.logs" and r.levelname == "ERROR"]
    assert len(errors) == 1
    assert log.dropped_lines == 3


def _worker(directory: str, tag: int, count: int) -> None:
    log = HTTPERRLog(directory)
    for i in range(count):
        log.log(HTTPERREntry(c_ip=f"10.0.{tag}.1", c_port=i, cs_uri=f"/w{tag}/{i}", sc_status=400, s_reason="URL"))
        if i % 50 == 0:
            log.flush()
    log.close()


def test_two_processes_share_one_file_with_one_header(tmp_path) -> None:
    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), t, 500)) for t in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    parsed = read_log(tmp_path / "httperr1.log")
    assert parsed.malformed == []
    assert len(parsed.fields_lines) == 1
    assert sorted(line["cs-uri"] for line in parsed.lines) == sorted(
        f"/w{t}/{i}" for t in range(2) for i in range(500)
    )


@pytest.mark.parametrize("garbage", [b"2026-03-17 12:00:00 1.2.3.4 5", b""])
def test_partial_last_line_is_not_glued_to_the_next(tmp_path, fixed_clock, garbage) -> None:
    with HTTPERRLog(tmp_path) as log:
        log.log(HTTPERREntry(c_ip="10.0.0.1", s_reason="BadRequest"))
    with open(tmp_path / "httperr1.log", "ab") as f:
        f.write(garbage)
    with HTTPERRLog(tmp_path) as log:
        log.log(HTTPERREntry(c_ip="10.0.0.2", s_reason="BadRequest"))
    parsed = read_log(tmp_path / "httperr1.log")
    assert [line["c-ip"] for line in parsed.lines] == ["10.0.0.1", "10.0.0.2"]
    assert len(parsed.malformed) == (1 if garbage else 0)
    assert len(parsed.fields_lines) == 1
