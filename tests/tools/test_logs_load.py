"""Loading W3C logs into DuckDB: every #Fields block honoured, malformed lines counted and never shifted,
.gz, UTF-8 and ANSI, CRLF/LF, IPv6, custom fields, filters."""

from __future__ import annotations

import collections
import datetime as dt
import gzip

import pytest

from w3py.core import clock
from w3py.logs.reader import read_log
from w3py.logs.writer import W3CLogWriter, W3CRecord
from w3py.testing.logs import DEFAULT_FIELD_NAMES, write_iis_log
from w3py.tools.logs_load import Filters, load_logs, parse_when

HEADER = "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2026-03-17 00:00:00\r\n"
DEFAULT = "#Fields: " + " ".join(DEFAULT_FIELD_NAMES) + "\r\n"


def line(date="2026-03-17", time="10:00:00", stem="/index.htm", ip="192.0.2.1", status=200, sub=0, win32=0,
         taken=10, ua="Mozilla/5.0+(X11)", query="-") -> str:  # fmt: skip
    return f"{date} {time} 10.0.0.5 GET {stem} {query} 80 - {ip} {ua} - {status} {sub} {win32} {taken}\r\n"


def rows(result, sql="SELECT * FROM logs ORDER BY ts, cs_uri_stem"):
    cur = result.con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_default_fields_typed_and_decoded(tmp_path) -> None:
    p = tmp_path / "u_ex260317.log"
    p.write_text(HEADER + DEFAULT + line(ip="2001:db8::7", query="a=1&b=c+d", status=404, sub=7, win32=0, taken=3))
    result = load_logs([p], columns=None)
    (r,) = rows(result)
    assert r["ts"] == dt.datetime(2026, 3, 17, 10, 0, 0)
    assert (r["sc_status"], r["sc_substatus"], r["sc_win32_status"], r["time_taken"]) == (404, 7, 0, 3)
    assert r["c_ip"] == "2001:db8::7"
    assert r["cs_uri_query"] == "a=1&b=c+d"  # URLs are kept as logged
    assert r["cs_user_agent"] == "Mozilla/5.0 (X11)"  # '+' is a space in free-text fields
    assert r["cs_username"] is None and r["cs_referer"] is None  # '-' is NULL
    assert result.malformed == 0 and result.directive_lines == 4


def test_fields_in_another_order(tmp_path) -> None:
    p = tmp_path / "other.log"
    p.write_text(
        "#Fields: time-taken sc-status c-ip cs-uri-stem time date sc-substatus\n"
        "15 503 10.1.1.1 /api 23:59:58 2026-03-18 2\n"
    )
    (r,) = rows(load_logs([p]))
    assert (r["time_taken"], r["sc_status"], r["sc_substatus"], r["c_ip"], r["cs_uri_stem"]) == (
        15, 503, 2, "10.1.1.1", "/api",
    )  # fmt: skip
    assert r["ts"] == dt.datetime(2026, 3, 18, 23, 59, 58)


def test_second_header_mid_file_with_other_fields_and_line_numbers(tmp_path) -> None:
    p = tmp_path / "u_ex260317.log"
    text = (
        HEADER + DEFAULT + line(stem="/one") + line(stem="/two")
        + HEADER + "#Fields: date time cs-uri-stem sc-status sc-bytes X-Forwarded-For\r\n"
        + "2026-03-17 11:00:00 /three 500 1234 203.0.113.9,10.0.0.1\r\n"
        + "2026-03-17 11:00:01 /bad 500\r\n"  # line 12: too few values for the second #Fields
        + HEADER + DEFAULT + line(stem="/four", time="12:00:00")
        + line(stem="/a b c", ua="x y") + "\r\n"  # line 18: too many values (raw spaces), then a blank line
    )  # fmt: skip
    p.write_bytes(text.encode())
    result = load_logs([p], columns=None)
    got = rows(result)
    assert [r["cs_uri_stem"] for r in got] == ["/one", "/two", "/three", "/four"]
    three = got[2]
    assert (three["sc_status"], three["sc_bytes"], three["x_forwarded_for"]) == (500, 1234, "203.0.113.9,10.0.0.1")
    assert three["c_ip"] is None and three["time_taken"] is None
    assert [(m.line, m.reason) for m in result.malformed_samples] == [
        (12, "fewer values than #Fields"),
        (18, "more values than #Fields"),
    ]
    assert [n for n, _ in read_log(p).malformed] == [12, 18]  # the strict Python reader agrees
    assert result.malformed == 2
    assert result.files[0].field_sets and len(result.files[0].field_sets) == 2


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param("2026-03-17 10:00:05 10.0.0.5 GET /cut - 80 - 192.0.2.1 UA - 200 0 0 12", id="full-count-cut-value"),
        pytest.param("2026-03-17 10:00:05 10.0.0.5 GET /cu", id="short"),
        pytest.param("#Fields: date ti", id="directive"),
    ],
)
def test_truncated_last_line_is_counted_not_loaded(tmp_path, tail) -> None:
    p = tmp_path / "u_ex260317.log"
    p.write_text(HEADER + DEFAULT + line(stem="/ok") + tail)
    result = load_logs([p])
    assert [r["cs_uri_stem"] for r in rows(result)] == ["/ok"]
    assert result.malformed == 1
    (m,) = result.malformed_samples
    assert m.line is None and "cut short" in m.reason and m.text == tail


def test_truncated_tail_of_a_split_file(tmp_path) -> None:
    p = tmp_path / "x.log"
    p.write_text(DEFAULT + line(stem="/a") + "#Fields: date time cs-uri-stem\n2026-03-17 01:00:00 /b\n2026-03-17 01:00:01 /c")
    result = load_logs([p])
    assert sorted(r["cs_uri_stem"] for r in rows(result)) == ["/a", "/b"]
    assert result.malformed == 1


def test_lines_before_any_fields_are_malformed(tmp_path) -> None:
    p = tmp_path / "x.log"
    p.write_text("2026-03-17 00:00:00 /orphan\n" + DEFAULT + line())
    result = load_logs([p])
    assert len(rows(result)) == 1
    assert [(m.line, m.reason) for m in result.malformed_samples] == [(1, "no #Fields line before it")]


def test_gzip_and_folder_with_different_fields_per_file(tmp_path) -> None:
    site = tmp_path / "W3SVC3"
    site.mkdir()
    (site / "u_ex260316.log").write_text(HEADER + DEFAULT + line(stem="/plain"))
    with gzip.open(site / "u_ex260317.log.gz", "wt") as f:
        f.write(HEADER + "#Fields: date time s-sitename cs-uri-stem sc-status\r\n2026-03-17 01:00:00 W3SVC3 /gz 200\r\n")
    (site / "notes.md").write_text("not a log")
    result = load_logs([tmp_path])
    got = rows(result)
    assert sorted(r["cs_uri_stem"] for r in got) == ["/gz", "/plain"]
    assert {r["site"] for r in got} == {"W3SVC3"}  # from s-sitename, or from the folder name
    assert len(result.files) == 2


def test_ansi_file_read_as_windows_1252(tmp_path) -> None:
    p = tmp_path / "ex260317.log"
    p.write_bytes((DEFAULT + line(stem="/caf\u00e9/\u20ac")).encode("cp1252"))
    result = load_logs([p])
    assert [r["cs_uri_stem"] for r in rows(result)] == ["/caf\u00e9/\u20ac"]
    assert result.files[0].encoding == "cp1252"
    assert result.malformed == 0


def test_utf8_with_bom_and_lf_and_mixed_line_endings(tmp_path) -> None:
    bom = tmp_path / "bom.log"
    bom.write_bytes(b"\xef\xbb\xbf" + (HEADER + DEFAULT + line(stem="/\u65e5\u672c")).encode())
    lf = tmp_path / "lf.log"
    lf.write_text((HEADER + DEFAULT + line(stem="/lf")).replace("\r\n", "\n"))
    mixed = tmp_path / "mixed.log"
    mixed.write_text(HEADER + DEFAULT + line(stem="/m1") + line(stem="/m2").replace("\r\n", "\n") + line(stem="/m3"))
    result = load_logs([bom, lf, mixed])
    assert sorted(r["cs_uri_stem"] for r in rows(result)) == ["/lf", "/m1", "/m2", "/m3", "/\u65e5\u672c"]
    assert result.malformed == 0
    assert all(r["time_taken"] == 10 for r in rows(result))


def test_quotes_and_odd_bytes_are_just_text(tmp_path) -> None:
    p = tmp_path / "q.log"
    p.write_text(HEADER + DEFAULT + line(stem='/"quoted"', ua='"Mozilla"') + line(stem="/a,b;c'd"))
    got = rows(load_logs([p], columns=None))
    assert sorted(r["cs_uri_stem"] for r in got) == ['/"quoted"', "/a,b;c'd"]


def test_filters(tmp_path) -> None:
    s1 = tmp_path / "W3SVC1"
    s2 = tmp_path / "W3SVC2"
    s1.mkdir()
    s2.mkdir()
    (s1 / "a.log").write_text(DEFAULT + line(time="09:00:00", status=404, sub=13) + line(time="10:30:00", status=200))
    (s2 / "b.log").write_text(DEFAULT + line(time="11:00:00", status=404, sub=0) + line(time="12:00:00", status=503))

    def count(**kw) -> int:
        result = load_logs([tmp_path], filters=Filters(**kw))
        assert result.data_lines == 4
        return result.rows

    assert count() == 4
    assert count(since=dt.datetime(2026, 3, 17, 10)) == 3
    assert count(until=dt.datetime(2026, 3, 17, 11)) == 2
    assert count(sites=("2",)) == 2
    assert count(sites=("w3svc1",)) == 2
    assert count(statuses=("404",)) == 2
    assert count(statuses=("404.13",)) == 1
    assert count(statuses=("5xx", "404.0")) == 2
    with pytest.raises(ValueError):
        Filters(statuses=("40",)).sql()


def test_parse_when() -> None:
    assert parse_when("2026-03-17") == dt.datetime(2026, 3, 17)
    assert parse_when("2026-03-17T10:00:00+09:00") == dt.datetime(2026, 3, 17, 1)
    assert parse_when("2h", now=dt.datetime(2026, 3, 17, 12)) == dt.datetime(2026, 3, 17, 10)
    with pytest.raises(ValueError):
        parse_when("yesterday")


def test_round_trip_from_our_writer(tmp_path) -> None:
    fixed = clock.FixedClock(1773748800.0)  # 2026-03-17 12:00:00 UTC
    previous = clock.set_clock(fixed)
    try:
        hostile = "Evil\r\n2026-03-17 12:00:00 6.6.6.6 GET /forged - 80 - 6.6.6.6 - - 200 0 0 1"
        with W3CLogWriter(4, tmp_path, log_ext_file_flags={"Date", "Time", "UriStem", "UserAgent", "HttpStatus",
                                                              "HttpSubStatus", "TimeTaken", "ClientIP"}) as w:  # fmt: skip
            w.write(W3CRecord(cs_uri_stem="/x y", cs_user_agent=hostile, sc_status=404, sc_substatus=7, time_taken=5,
                              c_ip="::1"))  # fmt: skip
            fixed.advance(86400)
            w.write(W3CRecord(cs_uri_stem="/next", sc_status=200, sc_substatus=0, time_taken=1, c_ip="::1"))
    finally:
        clock.set_clock(previous)
    result = load_logs([tmp_path], columns=None)
    got = rows(result)
    assert result.malformed == 0
    assert [(r["cs_uri_stem"], r["sc_status"], r["sc_substatus"], r["site"]) for r in got] == [
        ("/x+y", 404, 7, "W3SVC4"),
        ("/next", 200, 0, "W3SVC4"),
    ]
    assert got[0]["cs_user_agent"].startswith("Evil  2026-03-17 12:00:00 6.6.6.6")


@pytest.mark.slow
def test_100k_line_file_matches_a_strict_python_parse(tmp_path) -> None:
    p = write_iis_log(tmp_path / "W3SVC1" / "u_ex260317.log", 100_000, seed=11)
    # Cut the last line short, as a crash would.
    data = p.read_bytes()
    p.write_bytes(data[:-20])
    expected = read_log(p)
    assert len(expected.lines) == 99_999 and len(expected.malformed) == 1
    result = load_logs([p])
    assert result.rows == 99_999 and result.malformed == 1
    want = collections.Counter((int(ln["sc-status"]), int(ln["sc-substatus"])) for ln in expected.lines)
    got = dict(((s, sub), n) for s, sub, n in result.con.execute(
        "SELECT sc_status, sc_substatus, count(*) FROM logs GROUP BY ALL").fetchall())  # fmt: skip
    assert got == dict(want)
    total_taken = sum(int(ln["time-taken"]) for ln in expected.lines)
    assert result.con.execute("SELECT sum(time_taken) FROM logs").fetchone()[0] == total_taken
    ipv6 = sum(1 for ln in expected.lines if ":" in ln["c-ip"])
    assert ipv6 > 0
    assert result.con.execute("SELECT count(*) FROM logs WHERE c_ip LIKE '%:%'").fetchone()[0] == ipv6


def test_empty_and_header_only_files_and_progress(tmp_path) -> None:
    (tmp_path / "empty.log").write_bytes(b"")
    (tmp_path / "header.log").write_text(HEADER + DEFAULT)
    (tmp_path / "one.log").write_text(HEADER + DEFAULT + line())
    seen = []
    result = load_logs([tmp_path], progress=lambda done, total, path: seen.append((done, total)))
    assert result.rows == 1 and result.malformed == 0
    assert len(result.files) == 3
    assert seen[-1][0] == seen[-1][1] == sum(p.stat().st_size for p in tmp_path.iterdir())


def test_hostile_field_names_become_safe_columns(tmp_path) -> None:
    p = tmp_path / "x.log"
    p.write_text('#Fields: date time cs-uri-stem x");DROP_TABLE_logs;-- ts\n2026-03-17 00:00:00 /a evil shadow\n')
    result = load_logs([p], columns=None)
    cols = {r[0] for r in result.con.execute("DESCRIBE logs").fetchall()}
    assert "x_drop_table_logs" in cols
    (r,) = rows(result)
    assert r["x_drop_table_logs"] == "evil"
    assert r["ts"] == dt.datetime(2026, 3, 17)  # a field called "ts" cannot shadow the computed timestamp


def test_httperr_logs_load_for_query(tmp_path) -> None:
    from w3py.logs.httperr import HTTPERREntry, HTTPERRLog

    fixed = clock.FixedClock(1773748800.0)
    previous = clock.set_clock(fixed)
    try:
        with HTTPERRLog(tmp_path / "HTTPERR") as log:
            log.log(HTTPERREntry(c_ip="::1", c_port=5000, s_ip="::1", s_port=80, cs_version="HTTP/1.1",
                                 cs_method="GET", cs_uri="/x?y", sc_status=400, s_reason="Hostname"))  # fmt: skip
            log.log(HTTPERREntry(c_ip="192.0.2.9", c_port=5001, s_reason="Timer_ConnectionIdle"))
    finally:
        clock.set_clock(previous)
    result = load_logs([tmp_path / "HTTPERR"], columns=None)
    got = rows(result, "SELECT ts, c_ip, c_port, cs_uri, sc_status, s_reason FROM logs ORDER BY c_port")
    assert got == [
        # HTTP.sys writes an IPv6 address with its scope id, and the loader keeps the file's value
        {"ts": dt.datetime(2026, 3, 17, 12), "c_ip": "::1%0", "c_port": 5000, "cs_uri": "/x?y", "sc_status": 400,
         "s_reason": "Hostname"},
        {"ts": dt.datetime(2026, 3, 17, 12), "c_ip": "192.0.2.9", "c_port": 5001, "cs_uri": None, "sc_status": None,
         "s_reason": "Timer_ConnectionIdle"},
    ]  # fmt: skip


def test_many_files_read_together_keep_their_own_problems(tmp_path) -> None:
    site = tmp_path / "W3SVC9"
    site.mkdir()
    for day in range(1, 6):
        (site / f"u_ex2603{day:02d}.log").write_text(HEADER + DEFAULT + line(stem=f"/d{day}") + line(stem=f"/e{day}"))
    (site / "u_ex260306.log").write_text(HEADER + DEFAULT + line(stem="/bad1") + "2026-03-06 00:00:00 short\r\n")
    (site / "ex260307.log").write_bytes((HEADER + DEFAULT + line(stem="/ansi-\u00e9")).encode("cp1252"))
    (site / "u_ex260308.log").write_text(HEADER + DEFAULT + line(stem="/mix1") + line(stem="/mix2").replace("\r\n", "\n"))
    result = load_logs([tmp_path])
    stems = sorted(r["cs_uri_stem"] for r in rows(result))
    assert stems == sorted([f"/{p}{d}" for d in range(1, 6) for p in "de"] + ["/bad1", "/ansi-\u00e9", "/mix1", "/mix2"])
    assert [(m.path.rsplit("/", 1)[1], m.line) for m in result.malformed_samples] == [("u_ex260306.log", 6)]
    by_name = {f.path.rsplit("/", 1)[1]: f for f in result.files}
    assert by_name["u_ex260301.log"].rows == 2 and by_name["u_ex260306.log"].malformed == 1
    assert by_name["ex260307.log"].encoding == "cp1252" and by_name["u_ex260303.log"].encoding == "utf-8"
    assert {r["site"] for r in rows(result)} == {"W3SVC9"}


def test_junk_never_crashes_the_loader(tmp_path) -> None:
    import random

    rng = random.Random(5)
    (tmp_path / "random.log").write_bytes(rng.randbytes(50_000))
    (tmp_path / "fields-then-random.log").write_bytes(DEFAULT.encode() + rng.randbytes(50_000))
    stray = tmp_path / "stray-cr.log"
    stray.write_bytes((DEFAULT + line(stem="/a") + "2026-03-17 10:00:00 /b\rc\n" + line(stem="/d")).encode())
    huge = tmp_path / "huge-line.log"
    huge.write_text(DEFAULT + line(stem="/" + "x" * 3_000_000) + line(stem="/after-huge"))
    result = load_logs([tmp_path])
    stems = {r["cs_uri_stem"] for r in rows(result)}
    assert {"/a", "/d", "/after-huge"} <= stems
    assert result.malformed > 3
    alone = load_logs([stray, huge])
    assert [(m.path.rsplit("/", 1)[1], m.line, m.reason) for m in alone.malformed_samples] == [
        ("huge-line.log", 2, "line size over maximum"),
        ("stray-cr.log", 3, "carriage return inside the line"),
    ]


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_LINE = st.text(alphabet=["a", "1", " ", "-", "+", "#", "\u00e9", '"', ","], max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINE, max_size=12), crlf=st.booleans(), cut=st.booleans())
def test_loader_agrees_with_the_strict_reader(tmp_path_factory, lines, crlf, cut) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.log"
    end = "\r\n" if crlf else "\n"
    body = "#Fields: date time c-ip\n".replace("\n", end) + end.join(lines) + ("" if cut or not lines else end)
    path.write_bytes(body.encode())
    expected = read_log(path)
    result = load_logs([path], columns=None)
    assert result.rows == len(expected.lines)
    assert result.malformed == len(expected.malformed)
    assert sorted(m.line or 0 for m in result.malformed_samples) == sorted(
        0 if (n == len(body.split("\n")) and cut) else n for n, _ in expected.malformed
    )


def test_file_without_any_fields_line_and_a_cut_tail(tmp_path) -> None:
    p = tmp_path / "nofields.log"
    p.write_text("2026-03-17 00:00:00 /a 200\n   \n2026-03-17 00:00:01 /b 200\n2026-03-17 00:0")
    result = load_logs([p])
    assert result.rows == 0
    assert result.malformed == result.files[0].malformed == 3
    assert [(m.line, m.reason) for m in result.malformed_samples] == [
        (1, "no #Fields line before it"),
        (3, "no #Fields line before it"),
        (None, "last line cut short (no newline)"),
    ]
