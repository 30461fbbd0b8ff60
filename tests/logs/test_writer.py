"""The W3C writer: IIS file names and rollover, one header per file and field set, IIS line encoding,
custom fields, several processes on one file, and a log directory that cannot be written."""

from __future__ import annotations

import calendar
import multiprocessing
import time
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from w3py.logs.fields import DEFAULT_FLAGS, FIELDS
from w3py.logs.reader import read_log
from w3py.testing.logs import read_site_logs
from w3py.logs.writer import (
    CustomField,
    W3CLogWriter,
    W3CRecord,
    log_file_name,
    period_stamp,
)

DEFAULT_FIELDS_LINE = (
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
    "cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
)


def ts(y, mo, d, h=0, mi=0, s=0) -> float:
    return float(calendar.timegm((y, mo, d, h, mi, s)))


def request(**overrides) -> W3CRecord:
    values = dict(
        s_ip="10.0.0.5", cs_method="GET", cs_uri_stem="/index.htm", cs_uri_query=None, s_port=80,
        cs_username=None, c_ip="192.0.2.7", cs_user_agent="Mozilla/5.0 (X11; Linux x86_64)",
        cs_referer="http://example.com/", sc_status=200, sc_substatus=0, sc_win32_status=0, time_taken=15,
    )  # fmt: skip
    values.update(overrides)
    return W3CRecord(**values)


def test_default_site_file_is_byte_for_byte_iis_shaped(tmp_path, fixed_clock) -> None:
    with W3CLogWriter(1, tmp_path) as w:
        w.write(request())
        w.write(request(cs_uri_stem="/missing", cs_uri_query="a=1&b=2", sc_status=404, sc_substatus=0,
                        sc_win32_status=2, time_taken=0, cs_referer=None))  # fmt: skip
    path = tmp_path / "W3SVC1" / "u_ex260317.log"
    assert path.read_bytes() == (
        b"#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n"
        b"#Date: 2026-03-17 12:00:00\r\n" + DEFAULT_FIELDS_LINE.encode() + b"\r\n"
        b"2026-03-17 12:00:00 10.0.0.5 GET /index.htm - 80 - 192.0.2.7 Mozilla/5.0+(X11;+Linux+x86_64) "
        b"http://example.com/ 200 0 0 15\r\n"
        b"2026-03-17 12:00:00 10.0.0.5 GET /missing a=1&b=2 80 - 192.0.2.7 Mozilla/5.0+(X11;+Linux+x86_64) "
        b"- 404 0 2 0\r\n"
    )


def test_dict_records_work_like_objects(tmp_path, fixed_clock) -> None:
    with W3CLogWriter(3, tmp_path, log_ext_file_flags={"Date", "Time", "UriStem", "HttpStatus"}) as w:
        w.write({"cs_uri_stem": "/a b", "sc_status": 304})
    parsed = read_log(tmp_path / "W3SVC3" / "u_ex260317.log")
    assert parsed.fields_lines == ["#Fields: date time cs-uri-stem sc-status"]
    assert [ln.values for ln in parsed.lines] == [
        {"date": "2026-03-17", "time": "12:00:00", "cs-uri-stem": "/a+b", "sc-status": "304"}
    ]


@pytest.mark.parametrize(
    ("period", "when", "utf8", "name"),
    [
        pytest.param("Daily", ts(2026, 3, 17, 23, 59, 59), True, "u_ex260317.log", id="daily"),
        pytest.param("Daily", ts(2026, 3, 17, 23, 59, 59), False, "ex260317.log", id="daily-ansi"),
        pytest.param("Hourly", ts(2026, 3, 17, 9, 30), True, "u_ex26031709.log", id="hourly"),
        pytest.param("Monthly", ts(2026, 3, 17), True, "u_ex2603.log", id="monthly"),
        pytest.param("Weekly", ts(2026, 3, 17), True, "u_ex260303.log", id="weekly-3rd-week"),
        pytest.param("Weekly", ts(2026, 5, 2), True, "u_ex260501.log", id="weekly-first-partial-week"),
        pytest.param("Weekly", ts(2026, 5, 31), True, "u_ex260506.log", id="weekly-sixth-week"),
        pytest.param("MaxSize", ts(2026, 3, 17), True, "u_extend1.log", id="maxsize"),
        pytest.param("Unlimited", ts(2026, 3, 17), False, "extend1.log", id="unlimited-ansi"),
    ],
)
def test_file_names(period, when, utf8, name) -> None:
    assert log_file_name(period, when, utf8=utf8) == name


@pytest.mark.parametrize(
    ("period", "when", "boundary"),
    [
        pytest.param("Hourly", ts(2026, 3, 17, 23, 10), ts(2026, 3, 18), id="hourly"),
        pytest.param("Daily", ts(2026, 12, 31, 5), ts(2027, 1, 1), id="daily-new-year"),
        pytest.param("Weekly", ts(2026, 3, 17), ts(2026, 3, 22), id="weekly-next-sunday"),
        pytest.param("Weekly", ts(2026, 3, 30), ts(2026, 4, 1), id="weekly-month-ends-first"),
        pytest.param("Monthly", ts(2026, 2, 27), ts(2026, 3, 1), id="monthly"),
    ],
)
def test_period_boundaries(period, when, boundary) -> None:
    assert period_stamp(period, when)[1] == boundary


def test_rollover_at_midnight_utc(tmp_path, fixed_clock) -> None:
    fixed_clock.now = ts(2026, 3, 17, 23, 59, 59)
    with W3CLogWriter(1, tmp_path) as w:
        w.write(request(cs_uri_stem="/before"))
        fixed_clock.advance(1)
        w.write(request(cs_uri_stem="/after"))
        w.flush()
        fixed_clock.advance(3600)
        w.write(request(cs_uri_stem="/later"))
    before = read_log(tmp_path / "W3SVC1" / "u_ex260317.log")
    after = read_log(tmp_path / "W3SVC1" / "u_ex260318.log")
    assert [(ln["date"], ln["time"], ln["cs-uri-stem"]) for ln in before.lines] == [
        ("2026-03-17", "23:59:59", "/before")
    ]
    assert [(ln["date"], ln["time"], ln["cs-uri-stem"]) for ln in after.lines] == [
        ("2026-03-18", "00:00:00", "/after"),
        ("2026-03-18", "01:00:00", "/later"),
    ]
    assert len(before.fields_lines) == 1 and len(after.fields_lines) == 1
    assert [t for _, t in after.directives if t.startswith("#Date")] == ["#Date: 2026-03-18 00:00:00"]


def test_header_date_is_the_first_lines_time_not_the_flush_time(tmp_path, fixed_clock) -> None:
    fixed_clock.now = ts(2026, 3, 17, 23, 59, 59)
    with W3CLogWriter(1, tmp_path) as w:
        w.write(request())
        fixed_clock.advance(5)  # the flusher runs after midnight
        w.flush()
    parsed = read_log(tmp_path / "W3SVC1" / "u_ex260317.log")
    assert [t for _, t in parsed.directives if t.startswith("#Date")] == ["#Date: 2026-03-17 23:59:59"]


@pytest.fixture
def tokyo(monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("no tzset")
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_time_rollover_names_by_local_date_but_logs_utc(tmp_path, fixed_clock, tokyo) -> None:
    fixed_clock.now = ts(2026, 3, 17, 14, 59, 59)  # 23:59:59 in Tokyo
    with W3CLogWriter(1, tmp_path, local_time_rollover=True) as w:
        w.write(request(cs_uri_stem="/before"))
        fixed_clock.advance(1)  # midnight in Tokyo, 15:00 UTC
        w.write(request(cs_uri_stem="/after"))
    assert read_log(tmp_path / "W3SVC1" / "u_ex260317.log").lines[0]["time"] == "14:59:59"
    after = read_log(tmp_path / "W3SVC1" / "u_ex260318.log").lines
    assert [(ln["date"], ln["time"]) for ln in after] == [("2026-03-17", "15:00:00")]


def test_utc_rollover_ignores_local_midnight(tmp_path, fixed_clock, tokyo) -> None:
    fixed_clock.now = ts(2026, 3, 17, 14, 59, 59)
    with W3CLogWriter(1, tmp_path) as w:
        w.write(request())
        fixed_clock.advance(1)
        w.write(request())
    assert sorted(p.name for p in (tmp_path / "W3SVC1").iterdir()) == ["u_ex260317.log"]


def test_maxsize_rolls_to_next_extend_file(tmp_path, fixed_clock) -> None:
    with W3CLogWriter(2, tmp_path, period="MaxSize", truncate_size=1) as w:  # raised to IIS's 1 MB minimum
        assert w.truncate_size == 1048576
        count = 0
        while not (tmp_path / "W3SVC2" / "u_extend2.log").exists():
            w.write(request(cs_uri_stem="/" + "x" * 2000))
            w.flush()
            count += 1
        w.write(request(cs_uri_stem="/tail"))
    first = read_log(tmp_path / "W3SVC2" / "u_extend1.log")
    second = read_log(tmp_path / "W3SVC2" / "u_extend2.log")
    assert len(first.lines) + len(second.lines) == count + 1
    assert len(first.fields_lines) == len(second.fields_lines) == 1
    assert second.lines[-1]["cs-uri-stem"] == "/tail"


def test_unlimited_never_rolls(tmp_path, fixed_clock) -> None:
    with W3CLogWriter(2, tmp_path, period="Unlimited") as w:
        w.write(request())
        fixed_clock.advance(86400 * 40)
        w.write(request())
    assert [p.name for p in (tmp_path / "W3SVC2").iterdir()] == ["u_extend1.log"]
    assert len(read_log(tmp_path / "W3SVC2" / "u_extend1.log").lines) == 2


def test_header_repeated_only_when_field_set_changes(tmp_path, fixed_clock) -> None:
    path = tmp_path / "W3SVC1" / "u_ex260317.log"
    with W3CLogWriter(1, tmp_path) as w:
        w.write(request())
    with W3CLogWriter(1, tmp_path) as w:  # a restart with the same fields: no new header
        w.write(request())
    with W3CLogWriter(1, tmp_path, log_ext_file_flags=DEFAULT_FLAGS | {"BytesSent"}) as w:
        w.write(request(sc_bytes=1234))
    with W3CLogWriter(1, tmp_path, log_ext_file_flags=DEFAULT_FLAGS | {"BytesSent"}) as w:
        w.write(request(sc_bytes=99))
    parsed = read_log(path)
    assert parsed.malformed == []
    assert parsed.fields_lines == [DEFAULT_FIELDS_LINE, DEFAULT_FIELDS_LINE.replace("sc-win32-status", "sc-win32-status sc-bytes")]
    assert [ln.values.get("sc-bytes") for ln in parsed.lines] == [None, None, "1234", "99"]


def test_two_writers_with_different_fields_alternating_each_get_their_header(tmp_path, fixed_clock) -> None:
    a = W3CLogWriter(1, tmp_path)
    b = W3CLogWriter(1, tmp_path, log_ext_file_flags={"Date", "Time", "UriStem"})
    try:
        for i in range(3):
            a.write(request(cs_uri_stem=f"/a{i}"))
            a.flush()
            b.write(request(cs_uri_stem=f"/b{i}"))
            b.flush()
    finally:
        a.close()
        b.close()
    parsed = read_log(tmp_path / "W3SVC1" / "u_ex260317.log")
    assert parsed.malformed == []
    assert len(parsed.fields_lines) == 6
    assert [ln["cs-uri-stem"] for ln in parsed.lines] == ["/a0", "/b0", "/a1", "/b1", "/a2", "/b2"]


def test_all_fields_and_custom_fields_in_iis_order(tmp_path, fixed_clock) -> None:
    custom = [
        CustomField("X-Forwarded-For", "X-Forwarded-For", "RequestHeader"),
        SimpleNamespace(log_field_name="ContentType", source_name="Content-Type", source_type="ResponseHeader"),
        {"log_field_name": "CertSubject", "source_name": "CERT_SUBJECT", "source_type": "ServerVariable"},
    ]
    flags = {f.flag for f in FIELDS}
    with W3CLogWriter(7, tmp_path, log_ext_file_flags=flags, custom_fields=custom, computer_name="web01") as w:
        w.write(
            request(
                cs_version="HTTP/1.1", cs_cookie="a=1; b=2", cs_host="example.com", sc_bytes=512, cs_bytes=300,
                request_headers={"x-forwarded-for": "203.0.113.9, 10.0.0.1"},
                response_headers={"content-type": "text/html"},
                server_variables={"CERT_SUBJECT": ""},
            )
        )
    parsed = read_log(tmp_path / "W3SVC7" / "u_ex260317.log")
    names = parsed.fields_lines[0].split()[1:]
    assert names == [f.name for f in FIELDS] + ["X-Forwarded-For", "ContentType", "CertSubject"]
    (line,) = parsed.lines
    assert line["s-sitename"] == "W3SVC7"
    assert line["s-computername"] == "web01"
    assert line["cs(Cookie)"] == "a=1; b=2"  # '+' decoded back to spaces in free-text fields
    assert line["X-Forwarded-For"] == "203.0.113.9,+10.0.0.1"
    assert line["ContentType"] == "text/html"
    assert line["CertSubject"] is None


def test_custom_field_is_cut_at_max_length(tmp_path, fixed_clock) -> None:
    custom = [CustomField("X-Big", "X-Big")]
    with W3CLogWriter(1, tmp_path, custom_fields=custom, max_custom_field_length=10) as w:
        w.write(request(request_headers={"x-big": "y" * 100}))
    assert read_log(tmp_path / "W3SVC1" / "u_ex260317.log").lines[0]["X-Big"] == "y" * 10


def test_overlong_line_keeps_its_field_count(tmp_path, fixed_clock) -> None:
    with W3CLogWriter(1, tmp_path, max_log_line_length=300) as w:
        w.write(request(cs_user_agent="U" * 5000, cs_referer="http://r/" + "r" * 4000))
    raw = (tmp_path / "W3SVC1" / "u_ex260317.log").read_bytes().split(b"\r\n")[4]
    assert len(raw) == 300
    (line,) = read_log(tmp_path / "W3SVC1" / "u_ex260317.log").lines
    assert line["sc-status"] == "200" and line["time-taken"] == "15"


HOSTILE = [
    pytest.param({"cs_user_agent": "x\r\n2026-03-17 12:00:00 6.6.6.6 GET /forged - 80 - 6.6.6.6 - - 200 0 0 1"}, id="ua-crlf"),
    pytest.param({"cs_uri_stem": "/a\n#Fields: date"}, id="uri-newline-directive"),
    pytest.param({"cs_user_agent": "a\tb\x00c\x0bd\x0ce\x1bf\u2028g\u0085h"}, id="ua-controls"),
    pytest.param({"cs_referer": "http://x/ extra fields here"}, id="referer-spaces"),
    pytest.param({"cs_username": "DOMAIN\\user name"}, id="username-space"),
]  # fmt: skip


@pytest.mark.parametrize("evil", HOSTILE)
def test_hostile_values_cannot_forge_lines_or_fields(tmp_path, fixed_clock, evil) -> None:
    with W3CLogWriter(1, tmp_path) as w:
        w.write(request(**evil))
        w.write(request(cs_uri_stem="/next"))
    parsed = read_log(tmp_path / "W3SVC1" / "u_ex260317.log")
    assert parsed.malformed == []
    assert len(parsed.directives) == 4
    assert [ln["cs-uri-stem"] for ln in parsed.lines][-1] == "/next"
    assert len(parsed.lines) == 2


def test_client_controlled_first_field_cannot_start_a_directive(tmp_path, fixed_clock) -> None:
    with W3CLogWriter(1, tmp_path, log_ext_file_flags={"UserAgent", "HttpStatus"}) as w:
        w.write(request(cs_user_agent="#Fields: sc-status"))
    parsed = read_log(tmp_path / "W3SVC1" / "u_ex260317.log")
    assert len(parsed.fields_lines) == 1
    assert [ln.values for ln in parsed.lines] == [{"cs(User-Agent)": " Fields: sc-status", "sc-status": "200"}]


def test_non_ascii_utf8_and_ansi(tmp_path, fixed_clock) -> None:
    with W3CLogWriter(1, tmp_path) as w:
        w.write(request(cs_uri_stem="/caf\u00e9/\u65e5\u672c"))
    with W3CLogWriter(2, tmp_path, log_in_utf8=False) as w:
        w.write(request(cs_uri_stem="/caf\u00e9/\u65e5\u672c"))
    assert "/caf\u00e9/\u65e5\u672c".encode() in (tmp_path / "W3SVC1" / "u_ex260317.log").read_bytes()
    ansi = tmp_path / "W3SVC2" / "ex260317.log"
    assert b" /caf\xe9/?? " in ansi.read_bytes()
    parsed = read_log(ansi)
    assert parsed.encoding == "cp1252"
    assert parsed.lines[0]["cs-uri-stem"] == "/caf\u00e9/??"


def test_unwritable_directory_reported_once_and_serving_goes_on(tmp_path, fixed_clock, caplog) -> None:
    blocker = tmp_path / "LogFiles"
    blocker.write_text("not a directory")
    w = W3CLogWriter(1, blocker)
    for _ in range(3):
        w.write(request())
        w.flush()
    w.close()
    errors = [r for r in caplog.records if r.name == "w3py.logs" and r.levelname == "ERROR"]
    assert len(errors) == 1 and "site 1" in errors[0].getMessage()
    assert w.dropped_lines == 3


def test_lines_are_flushed_without_an_explicit_flush(tmp_path, fixed_clock) -> None:
    w = W3CLogWriter(1, tmp_path)
    try:
        w.write(request())
        path = tmp_path / "W3SVC1" / "u_ex260317.log"
        deadline = time.monotonic() + 10  # the flusher runs every second; generous bound for a loaded CI
        while time.monotonic() < deadline and not (path.exists() and b"/index.htm" in path.read_bytes()):
            time.sleep(0.05)
        assert len(read_log(path).lines) == 1
    finally:
        w.close()


def test_from_site_reads_duck_typed_config(tmp_path, fixed_clock) -> None:
    log_file = SimpleNamespace(
        directory=tmp_path, period="Hourly", truncate_size=20971520, local_time_rollover=False,
        log_ext_file_flags=frozenset({"Date", "Time", "SiteName", "HttpStatus"}), enabled=True,
        log_format="W3C", custom_fields=SimpleNamespace(items=(), max_custom_field_length=4096),
    )  # fmt: skip
    site = SimpleNamespace(id=5, name="Contoso", log_file=log_file)
    w = W3CLogWriter.from_site(site, SimpleNamespace(log_in_utf8=False))
    assert w is not None
    with w:
        w.write({"sc_status": 200})
    assert read_log(tmp_path / "W3SVC5" / "ex26031712.log").lines[0]["s-sitename"] == "W3SVC5"
    assert W3CLogWriter.from_site(SimpleNamespace(id=6, name="x", log_file=SimpleNamespace(enabled=False))) is None
    ncsa = SimpleNamespace(**{**vars(log_file), "log_format": "NCSA"})
    assert type(W3CLogWriter.from_site(SimpleNamespace(id=6, name="x", log_file=ncsa))).__name__ == "NCSALogWriter"
    custom = SimpleNamespace(**{**vars(log_file), "log_format": "Custom"})
    assert W3CLogWriter.from_site(SimpleNamespace(id=6, name="x", log_file=custom)) is None  # not written: reported


def _worker(directory: str, tag: int, count: int) -> None:
    w = W3CLogWriter(1, directory)
    for i in range(count):
        w.write(request(cs_uri_stem=f"/w{tag}/{i}", c_ip=f"10.0.0.{tag}"))
        if i % 37 == 0:
            w.flush()
    w.close()


def test_two_processes_one_file_one_header_no_interleaving(tmp_path) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), t, 500)) for t in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    (path,) = (tmp_path / "W3SVC1").iterdir()
    parsed = read_log(path)
    assert parsed.malformed == []
    assert parsed.fields_lines == [DEFAULT_FIELDS_LINE]
    assert len(parsed.directives) == 4
    assert sorted(ln["cs-uri-stem"] for ln in parsed.lines) == sorted(f"/w{t}/{i}" for t in range(2) for i in range(500))


def test_closed_writer_ignores_lines(tmp_path, fixed_clock) -> None:
    w = W3CLogWriter(1, tmp_path)
    w.close()
    w.write(request())
    w.close()
    assert not (tmp_path / "W3SVC1").exists()


_TEXT = st.one_of(st.none(), st.text(), st.integers(min_value=0, max_value=2**32), st.sampled_from(["", " ", "#x"]))


@given(values=st.lists(_TEXT, min_size=len(FIELDS), max_size=len(FIELDS)), as_dict=st.booleans())
def test_fast_formatting_equals_field_by_field_encoding(values, as_dict) -> None:
    from w3py.logs.fields import encode_value

    writer = _PROPERTY_WRITER
    keys = [f.key for f in FIELDS]
    record = dict(zip(keys, values, strict=True))
    for k in ("date", "time", "s_sitename", "s_computername"):
        record[k] = record[k] if record[k] is not None else "x"
    line = writer.format_line(record if as_dict else W3CRecord(**record))
    expected = " ".join(encode_value(record[k]) for k in keys)
    if expected.startswith("#"):
        expected = "+" + expected[1:]
    assert line == expected
    assert len(line.split(" ")) == len(FIELDS)


_PROPERTY_WRITER = W3CLogWriter(1, "/nonexistent-never-written", log_ext_file_flags={f.flag for f in FIELDS})
_PROPERTY_WRITER.close()


def _inherited_worker(writer: W3CLogWriter, tag: int) -> None:
    for i in range(200):
        writer.write(request(cs_uri_stem=f"/child{tag}/{i}"))
    # No explicit flush: the child's own flusher thread or close() must write the lines.
    writer.close()


def test_writer_inherited_across_fork_neither_duplicates_nor_loses_lines(tmp_path) -> None:
    writer = W3CLogWriter(1, tmp_path)
    writer.write(request(cs_uri_stem="/parent/flushed"))
    writer.flush()  # the parent has the file open
    writer.write(request(cs_uri_stem="/parent/buffered"))  # still buffered when the children fork
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_inherited_worker, args=(writer, t)) for t in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    writer.close()
    (path,) = (tmp_path / "W3SVC1").iterdir()
    parsed = read_log(path)
    stems = [ln["cs-uri-stem"] for ln in parsed.lines]
    assert parsed.malformed == [] and len(parsed.fields_lines) == 1
    assert sorted(stems) == sorted(["/parent/flushed", "/parent/buffered"] + [f"/child{t}/{i}" for t in range(2) for i in range(200)])


def test_threads_writing_at_once_lose_and_garble_nothing(tmp_path) -> None:
    import threading

    writer = W3CLogWriter(1, tmp_path)
    barrier = threading.Barrier(8)

    def work(tag: int) -> None:
        barrier.wait()
        for i in range(400):
            writer.write(request(cs_uri_stem=f"/t{tag}/{i}"))
            if i % 97 == 0:
                writer.flush()

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    lines = read_site_logs(tmp_path / "W3SVC1")
    assert sorted(ln["cs-uri-stem"] for ln in lines) == sorted(f"/t{t}/{i}" for t in range(8) for i in range(400))


def test_etw_only_target_writes_no_file_and_entry_count_flush(tmp_path, fixed_clock) -> None:
    base = dict(
        directory=tmp_path, period="Daily", truncate_size=20971520, local_time_rollover=False,
        log_ext_file_flags=DEFAULT_FLAGS, enabled=True, log_format="W3C", custom_fields=(),
    )  # fmt: skip
    etw = SimpleNamespace(**base, log_target_w3c=frozenset({"ETW"}))
    assert W3CLogWriter.from_site(SimpleNamespace(id=1, name="a", log_file=etw)) is None
    both = SimpleNamespace(**base, log_target_w3c=frozenset({"File", "ETW"}), flush_by_entry_count_w3c_log=3)
    w = W3CLogWriter.from_site(SimpleNamespace(id=1, name="a", log_file=both))
    assert w is not None
    asked = []
    w.request_flush = lambda: asked.append(w._unflushed)  # type: ignore[method-assign]
    try:
        for _ in range(7):
            w.write(request())
        assert asked == [0, 0]  # the flusher is woken after the 3rd and the 6th line
    finally:
        w.close()
    assert len(read_log(tmp_path / "W3SVC1" / "u_ex260317.log").lines) == 7


@pytest.mark.parametrize(("hostname", "name"), [
    ("web-01.example.com", "WEB-01"),
    ("a-very-long-container-hostname-1234", "A-VERY-LONG-CON"),
    ("WIN-PC1", "WIN-PC1"),
    ("3f2c9a1b7d4e", "3F2C9A1B7D4E"),
])
def test_computer_name_is_the_netbios_form(hostname, name) -> None:
    from w3py.logs.writer import netbios_name

    assert netbios_name(hostname) == name
