"""`w3py logs summary` and `w3py logs query` as an admin runs them: text, --json, --html (rendered in headless
Chromium when it is installed), filters, SQL, and clear errors."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from w3py.cli.logs import logs
from w3py.testing.logs import DEFAULT_FIELD_NAMES

HEADER = "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2026-03-17 00:00:00\r\n"
DEFAULT = "#Fields: " + " ".join(DEFAULT_FIELD_NAMES) + "\r\n"
EVIL_URL = "/<script>alert(1)</script>"


def line(time, stem, status, sub, win32, taken, ip="192.0.2.1") -> str:
    return f"2026-03-17 {time} 10.0.0.5 GET {stem} - 443 - {ip} Mozilla/5.0 - {status} {sub} {win32} {taken}\r\n"


@pytest.fixture
def site_logs(tmp_path):
    folder = tmp_path / "LogFiles" / "W3SVC1"
    folder.mkdir(parents=True)
    body = [line("09:00:00", "/", 200, 0, 0, 5)] * 6
    body += [line("09:10:00", "/missing.htm", 404, 0, 2, 1, ip="2001:db8::1")] * 3
    body += [line("10:00:00", "/web.config", 404, 8, 0, 0)] * 2
    body += [line("10:05:00", EVIL_URL, 404, 7, 0, 0)]
    body += [line("10:30:00", "/api/slow", 500, 19, 13, 900 + i) for i in range(5)]
    body += ["2026-03-17 10:31:00 truncated"]
    (folder / "u_ex260317.log").write_text(HEADER + DEFAULT + "".join(body))
    return tmp_path / "LogFiles"


def run(*args):
    result = CliRunner().invoke(logs, [str(a) for a in args], catch_exceptions=False)
    return result


def test_summary_json_has_substatus_percentiles_and_malformed(site_logs) -> None:
    result = run("summary", site_logs, "--json", "--lang", "en")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["lines"] == {"well_formed": 17, "selected": 17, "malformed": 1, "directives": 4}
    codes = {c["code"]: c["count"] for c in data["codes"]}
    assert codes == {"200.0": 6, "404.0": 3, "404.8": 2, "404.7": 1, "500.19": 5}  # 404.x never merged
    assert [c["class"] for c in data["classes"]] == ["2xx", "4xx", "5xx"]
    failures = {f["code"]: f for f in data["failures"]}
    assert failures["404.0"]["urls"] == [{"url": "/missing.htm", "count": 3}]
    assert failures["500.19"]["meaning"]  # the catalog's line, or at least the reason phrase
    assert next(c for c in data["codes"] if c["code"] == "404.0")["win32"] == 2
    assert data["time_taken"]["p99"] == 904 and data["time_taken"]["max"] == 904
    assert data["slowest_urls"][0]["url"] == "/api/slow"
    assert [h["count"] for h in data["per_hour"]] == [9, 8]
    assert data["clients"][0] == {"client": "192.0.2.1", "count": 14, "share": 82.35, "errors": 8}
    assert data["malformed_samples"][0]["reason"].startswith("last line cut short")


def test_summary_text_and_filters(site_logs) -> None:
    result = run("summary", site_logs, "--status", "404", "--since", "2026-03-17T09:05")
    assert result.exit_code == 0, result.output
    assert "6 requests selected of 17" in result.output
    assert "404.8" in result.output and "200.0" not in result.output
    assert "malformed" in result.output


def test_summary_bad_status_filter_is_a_usage_error(site_logs) -> None:
    result = CliRunner().invoke(logs, ["summary", str(site_logs), "--status", "forty"])
    assert result.exit_code == 2
    assert "404.13" in result.output


def test_query_sql_csv_and_json(site_logs) -> None:
    sql = "SELECT sc_status, sc_substatus, count(*) AS n FROM logs GROUP BY ALL ORDER BY n DESC, sc_substatus"
    result = run("query", site_logs, "--sql", sql, "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["sc_status,sc_substatus,n", "200,0,6", "500,19,5", "404,0,3", "404,8,2", "404,7,1"]
    result = run("query", site_logs, "--site", "1", "--sql", "SELECT c_ip, ts FROM logs WHERE c_ip LIKE '%:%' LIMIT 1",
                 "--format", "json")  # fmt: skip
    assert json.loads(result.stdout) == [{"c_ip": "2001:db8::1", "ts": "2026-03-17 09:10:00"}]
    assert "1 malformed line(s)" in result.stderr


def test_query_sql_error_is_reported_cleanly(site_logs) -> None:
    result = CliRunner().invoke(logs, ["query", str(site_logs), "--sql", "SELECT nope FROM logs"])
    assert result.exit_code == 1
    assert "SQL error" in result.output


def test_missing_path_and_empty_folder(tmp_path) -> None:
    assert CliRunner().invoke(logs, ["summary", str(tmp_path / "nope")]).exit_code == 2
    result = CliRunner().invoke(logs, ["summary", str(tmp_path)])
    assert result.exit_code == 1 and "no log files" in result.output


def test_html_report_is_self_contained_and_escaped(site_logs, tmp_path) -> None:
    out = tmp_path / "report.html"
    result = run("summary", site_logs, "--html", out)
    assert result.exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    assert page.count("<svg") == 2
    assert "default-src 'none'" in page


@pytest.mark.needs_tool("chromium")
def test_html_report_renders_in_headless_chromium(site_logs, tmp_path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed")
    out = tmp_path / "report.html"
    assert run("summary", site_logs, "--html", out).exit_code == 0
    profile = tmp_path / "chromium-profile"
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--dump-dom", out.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "w3py log summary" in dom
    assert "17 requests" in dom
    assert "500.19" in dom and "/api/slow" in dom
    assert dom.count("<rect") >= 5  # the charts were parsed as SVG
    assert "<script>alert(1)" not in dom


def test_query_select_star_has_the_fields_of_the_files(site_logs) -> None:
    result = run("query", site_logs, "--sql", "SELECT * FROM logs LIMIT 1", "--format", "json")
    (row,) = json.loads(result.stdout)
    assert list(row) == ["ts", "site", "file", *(n.replace("(", "_").replace(")", "").replace("-", "_").lower()
                                                 for n in DEFAULT_FIELD_NAMES)]  # fmt: skip
    assert row["site"] == "W3SVC1" and row["cs_user_agent"] == "Mozilla/5.0"


def test_query_loads_only_the_columns_it_names() -> None:
    from w3py.tools.logs_load import columns_for_sql

    assert columns_for_sql("SELECT * FROM logs") is None
    assert columns_for_sql("SELECT l.* FROM logs l") is None
    assert columns_for_sql("select COLUMNS('sc_.*') from logs") is None
    assert columns_for_sql("SELECT c_ip, count(*) FROM logs GROUP BY 1") == {"select", "c_ip", "count", "from",
                                                                             "logs", "group", "by"}  # fmt: skip
    cols = columns_for_sql("SELECT CS_URI_STEM, max(time_taken) FROM logs WHERE sc_status >= 500 GROUP BY 1")
    assert {"cs_uri_stem", "time_taken", "sc_status"} <= cols and "c_ip" not in cols


def test_summary_breaks_down_several_sites(site_logs) -> None:
    other = site_logs / "W3SVC2"
    other.mkdir()
    (other / "u_ex260317.log").write_text(HEADER + DEFAULT + line("11:00:00", "/b", 503, 0, 0, 1) * 2)
    data = json.loads(run("summary", site_logs, "--json").output)
    assert data["sites"] == [
        {"site": "W3SVC1", "count": 17, "share": 89.47, "errors": 11},
        {"site": "W3SVC2", "count": 2, "share": 10.53, "errors": 2},
    ]
    text = run("summary", site_logs, "--site", "W3SVC2").output
    assert "2 requests selected of 19" in text and "Sites" not in text


def test_meanings_come_from_the_catalog_in_both_languages(site_logs, monkeypatch) -> None:
    from w3py.catalog import lookup

    en = {c["code"]: c["meaning"] for c in json.loads(run("summary", site_logs, "--json", "--lang", "en").output)["codes"]}
    assert en["404.8"] == lookup(404, 8).one_line("en")
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    ja = json.loads(run("summary", site_logs, "--json").output)["codes"]
    assert {c["code"]: c["meaning"] for c in ja}["404.8"] == lookup(404, 8).one_line("ja") != en["404.8"]
    assert next(c for c in ja if c["code"] == "404.0")["win32_meaning"]  # win32 2, from the catalog too
    failure = {f["code"]: f for f in json.loads(run("summary", site_logs, "--json").output)["failures"]}["404.8"]
    entry = lookup(404, 8)
    assert failure["module"] == entry.module and failure["setting"] == entry.config[0]
    assert failure["try"] == entry.text("ja").things_to_try[0]
    assert "where to look" in run("summary", site_logs).output


def test_summary_of_httperr_logs_counts_reasons(tmp_path) -> None:
    from w3py.core import clock
    from w3py.logs.httperr import HTTPERREntry, HTTPERRLog

    previous = clock.set_clock(clock.FixedClock(1773748800.0))
    try:
        with HTTPERRLog(tmp_path / "HTTPERR") as log:
            for _ in range(3):
                log.log(HTTPERREntry(c_ip="192.0.2.1", c_port=1, cs_method="GET", cs_uri="/x", sc_status=400,
                                     s_reason="Hostname"))  # fmt: skip
            log.log(HTTPERREntry(c_ip="192.0.2.2", c_port=2, s_reason="Timer_ConnectionIdle"))
    finally:
        clock.set_clock(previous)
    data = json.loads(run("summary", tmp_path / "HTTPERR", "--json").output)
    assert data["reasons"] == [
        {"reason": "Hostname", "count": 3, "share": 75.0, "status": 400},
        {"reason": "Timer_ConnectionIdle", "count": 1, "share": 25.0, "status": None},
    ]
    assert "HTTPERR reasons" in run("summary", tmp_path / "HTTPERR").output
    assert json.loads(run("summary", tmp_path / "HTTPERR", "--json", "--status", "400").output)["lines"]["selected"] == 3


def test_progress_bar_on_a_terminal_does_not_disturb_the_output(site_logs, monkeypatch) -> None:
    import rich.console

    import w3py.cli.logs as cli

    monkeypatch.setattr(cli, "PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr(rich.console.Console, "is_terminal", property(lambda self: True))
    result = run("summary", site_logs, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["lines"]["selected"] == 17


def test_unreadable_files_are_reported_and_skipped(site_logs) -> None:
    folder = site_logs / "W3SVC1"
    (folder / "gone.log").symlink_to(folder / "nowhere.log")
    (folder / "u_ex260101.log.gz").write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    result = run("summary", site_logs)
    assert result.exit_code == 0
    assert "cannot read" in result.output and "gone.log" in result.output and "u_ex260101.log.gz" in result.output
    data = json.loads(run("summary", site_logs, "--json").output)
    assert data["lines"]["selected"] == 17
    assert sorted(f["path"].rsplit("/", 1)[1] for f in data["files"] if f["error"]) == ["gone.log", "u_ex260101.log.gz"]
    assert "cannot read" in run("query", site_logs, "--sql", "SELECT count(*) FROM logs").stderr
