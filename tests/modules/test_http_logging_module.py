"""HttpLoggingModule driven through the real pipeline engine; the log files are read back with a strict parser
(iis-reference.md §1.9 logFile, §1.11 httpLogging, §2.2 W3C format)."""

from __future__ import annotations

import asyncio
import calendar
from pathlib import Path
from types import SimpleNamespace

import pytest

from w3py import status
from w3py.api import HTTPContext, Module, NotificationStatus
from w3py.config.sections import HttpLoggingSection
from w3py.core import clock
from w3py.modules import http_logging
from w3py.modules.http_logging import HttpLoggingModule, SiteLogWriters, should_log
from w3py.pipeline import engine
from w3py.pipeline.context import HTTPContext as _Ctx
from w3py.pipeline.paths import url_from_raw
from w3py.protocol.messages import ResponseResult
from w3py.testing.pipeline import make_request
from w3py.testing.w3c_log import parse_w3c

DEFAULT_FIELDS = ("date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
                  "cs(Referer) sc-status sc-substatus sc-win32-status time-taken").split()
ALL_FLAGS = frozenset({
    "Date", "Time", "SiteName", "ComputerName", "ServerIP", "Method", "UriStem", "UriQuery", "ServerPort",
    "UserName", "ClientIP", "ProtocolVersion", "UserAgent", "Cookie", "Referer", "Host", "HttpStatus",
    "HttpSubStatus", "Win32Status", "BytesSent", "BytesRecv", "TimeTaken"})
DEFAULT_FLAGS = frozenset({"Date", "Time", "ClientIP", "UserName", "ServerIP", "Method", "UriStem", "UriQuery",
                           "TimeTaken", "HttpStatus", "Win32Status", "ServerPort", "UserAgent", "HttpSubStatus",
                           "Referer"})
NOON = calendar.timegm((2026, 3, 17, 12, 0, 0))


class StatusModule(Module):
    """Answers with the status in X-Test-Status, a small body, and a response header."""

    name = "TestLoggingStatusModule"
    sections = ()

    def on_begin_request(self, ctx: HTTPContext) -> NotificationStatus:
        raw = (ctx.request.header(b"x-test-status") or b"200.0").decode()
        code, _, sub = raw.partition(".")
        ctx.response.set_status(status.Status(int(code), int(sub or 0)), int(ctx.request.header(b"x-win32") or 0))
        ctx.response.body = b"hello"
        ctx.response.set_header(b"x-served-by", b"unit test")
        user = ctx.request.header(b"x-user")
        if user:
            ctx.user = user.decode()
        return NotificationStatus.FINISH_REQUEST


class ServerPlan(engine.Plan):
    """A plan that knows its server configuration, as the application's SitePlan does."""

    __slots__ = ("server_config",)


@pytest.fixture(autouse=True)
def fixed_clock():
    fixed = clock.FixedClock(NOON)
    previous = clock.set_clock(fixed)
    yield fixed
    clock.set_clock(previous)


@pytest.fixture
def writers(monkeypatch):
    w = SiteLogWriters()
    monkeypatch.setattr(http_logging, "WRITERS", w)
    yield w
    w.close_all()


def _site(directory: Path, site_id=3, **log_file):
    lf = dict(enabled=True, directory=directory, period="Daily", truncate_size=20971520, local_time_rollover=False,
              log_ext_file_flags=DEFAULT_FLAGS, log_format="W3C", custom_fields=())
    lf.update(log_file)
    return SimpleNamespace(id=site_id, name="Contoso", log_file=SimpleNamespace(**lf))


def _request(site, headers="", target="/a%20b/c.txt?x=1&y=2", method="GET", received=500.0):
    raw = f"{method} {target} HTTP/1.1\r\nHost: example.test\r\n{headers}\r\n"
    request = make_request(raw.encode("utf-8"), site=site, client=("192.0.2.10", 51000), server=("10.0.0.1", 8080))
    request.received_at = received
    return request


def serve(site, headers="", *, dont_log=False, selective="LogAll", log_in_utf8=True, completed=True,
          took=0.1234, **kw):
    """One request through [StatusModule, HttpLoggingModule]; the listener's completion played by hand."""
    request = _request(site, headers, **kw)
    section = SimpleNamespace(dont_log=dont_log, selective_logging=selective)
    config = {HttpLoggingSection: section}
    modules = []
    for cls in (StatusModule, HttpLoggingModule):
        module = cls()
        module.provision(config)
        modules.append(module)
    ctx = _Ctx(request)
    ctx.plan = ServerPlan(modules, config=config)
    ctx.plan.server_config = SimpleNamespace(log=SimpleNamespace(log_in_utf8=log_in_utf8))
    ctx.config = config
    ctx.url = url_from_raw(request.path)
    response = asyncio.run(engine.run(ctx))
    response.on_complete(ResponseResult(bytes_sent=321, bytes_received=request.head_bytes, completed=completed,
                                        finished_at=request.received_at + took))
    return ctx


def _flush(writers):
    writers.flush_all()


def _files(directory: Path, site_id=3) -> list[Path]:
    folder = directory / f"W3SVC{site_id}"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_default_fields_one_line(tmp_path, writers) -> None:
    site = _site(tmp_path)
    serve(site, "User-Agent: Mozilla/5.0 (X11; Linux)\r\nReferer: http://ref.test/p?q=1\r\nX-Test-Status: 404.7\r\n")
    _flush(writers)
    (path,) = _files(tmp_path)
    assert path.name == "u_ex260317.log"
    log = parse_w3c(path)
    assert len(log.blocks) == 1
    assert log.blocks[0].software == "Microsoft Internet Information Services 10.0"
    assert log.blocks[0].fields == tuple(DEFAULT_FIELDS)
    assert log.rows == [{
        "date": "2026-03-17", "time": "12:00:00", "s-ip": "10.0.0.1", "cs-method": "GET",
        "cs-uri-stem": "/a+b/c.txt", "cs-uri-query": "x=1&y=2", "s-port": "8080", "cs-username": "-",
        "c-ip": "192.0.2.10", "cs(User-Agent)": "Mozilla/5.0+(X11;+Linux)", "cs(Referer)": "http://ref.test/p?q=1",
        "sc-status": "404", "sc-substatus": "7", "sc-win32-status": "0", "time-taken": "123",
    }]


def test_every_flag(tmp_path, writers) -> None:
    site = _site(tmp_path, log_ext_file_flags=ALL_FLAGS)
    serve(site, "Cookie: a=1; b=2\r\nX-User: alice\r\n", target="/x", took=0.0006)
    _flush(writers)
    row, = parse_w3c(_files(tmp_path)[0]).rows
    assert list(row) == ("date time s-sitename s-computername s-ip cs-method cs-uri-stem cs-uri-query s-port "
                         "cs-username c-ip cs-version cs(User-Agent) cs(Cookie) cs(Referer) cs-host sc-status "
                         "sc-substatus sc-win32-status sc-bytes cs-bytes time-taken").split()
    assert row["s-sitename"] == "W3SVC3"
    assert row["s-computername"] not in ("", "-")
    assert row["cs-uri-query"] == "-"
    assert row["cs-username"] == "alice"
    assert row["cs-version"] == "HTTP/1.1"
    assert row["cs(Cookie)"] == "a=1;+b=2"
    assert row["cs-host"] == "example.test"
    assert row["sc-bytes"] == "321"
    assert int(row["cs-bytes"]) > 20
    assert row["time-taken"] == "1"


@pytest.mark.parametrize("dont_log, selective, code, logged", [
    (True, "LogAll", 200, False),
    (False, "LogAll", 404, True),
    (False, "LogSuccessful", 200, True),
    (False, "LogSuccessful", 399, True),
    (False, "LogSuccessful", 400, False),
    (False, "LogError", 200, False),
    (False, "LogError", 500, True),
])
def test_http_logging_section(tmp_path, writers, dont_log, selective, code, logged) -> None:
    serve(_site(tmp_path), f"X-Test-Status: {code}.0\r\n", dont_log=dont_log, selective=selective)
    _flush(writers)
    rows = [r for f in _files(tmp_path) for r in parse_w3c(f).rows]
    assert len(rows) == (1 if logged else 0)
    assert should_log(code, dont_log, selective) is logged


def test_site_logging_disabled_writes_nothing(tmp_path, writers) -> None:
    serve(_site(tmp_path, enabled=False))
    _flush(writers)
    assert _files(tmp_path) == []


def test_hostile_values_cannot_forge_lines(tmp_path, writers) -> None:
    site = _site(tmp_path, log_ext_file_flags=ALL_FLAGS)
    # Control characters in the URL path are refused by the pipeline (400); the raw query string, headers
    # and the decoded path still carry anything else a client sends.
    headers = "User-Agent: a\x0bb\x00c\u2028d\r\nReferer: r\x85s\x1b[31m\r\nCookie: \x7f#Fields: x\r\n"
    serve(site, headers, target="/%23Fields:%20date/y?q=\x0b\x0c2026-01-01+00:00:00")
    _flush(writers)
    log = parse_w3c(_files(tmp_path)[0])  # strict: raises on any extra line, field or control character
    assert len(log.blocks) == 1 and len(log.rows) == 1
    row = log.rows[0]
    assert row["cs(User-Agent)"] == "a+b+c+d"
    assert row["cs(Referer)"] == "r+s+[31m"
    assert row["cs(Cookie)"] == "+#Fields:+x"
    assert row["cs-uri-query"] == "q=++2026-01-01+00:00:00"
    for value in row.values():
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in value)


def test_incomplete_response_logs_win32_64(tmp_path, writers) -> None:
    serve(_site(tmp_path), completed=False)
    serve(_site(tmp_path), "X-Test-Status: 500.0\r\nX-Win32: 5\r\n", completed=False)
    _flush(writers)
    rows = parse_w3c(_files(tmp_path)[0]).rows
    assert [(r["sc-status"], r["sc-win32-status"]) for r in rows] == [("200", "64"), ("500", "5")]


def test_custom_fields(tmp_path, writers) -> None:
    custom = SimpleNamespace(max_custom_field_length=4096, items=(
        SimpleNamespace(log_field_name="X-Forwarded-For", source_name="X-Forwarded-For", source_type="RequestHeader"),
        SimpleNamespace(log_field_name="served-by", source_name="X-Served-By", source_type="ResponseHeader"),
        SimpleNamespace(log_field_name="method-var", source_name="REQUEST_METHOD", source_type="ServerVariable"),
        SimpleNamespace(log_field_name="absent", source_name="X-Nope", source_type="RequestHeader"),
    ))
    serve(_site(tmp_path, custom_fields=custom), "X-Forwarded-For: 198.51.100.7, 10.1.1.1\r\n")
    _flush(writers)
    log = parse_w3c(_files(tmp_path)[0])
    assert log.blocks[0].fields[-4:] == ("X-Forwarded-For", "served-by", "method-var", "absent")
    row = log.rows[0]
    assert (row["X-Forwarded-For"], row["served-by"], row["method-var"], row["absent"]) == (
        "198.51.100.7,+10.1.1.1", "unit+test", "GET", "-")


def test_ansi_file_name_when_log_in_utf8_is_false(tmp_path, writers) -> None:
    serve(_site(tmp_path), log_in_utf8=False)
    _flush(writers)
    assert [p.name for p in _files(tmp_path)] == ["ex260317.log"]


def test_rollover_at_midnight_utc(tmp_path, writers, fixed_clock) -> None:
    site = _site(tmp_path)
    fixed_clock.now = calendar.timegm((2026, 3, 17, 23, 59, 59))
    serve(site, target="/before")
    fixed_clock.advance(2)
    serve(site, target="/after")
    _flush(writers)
    files = _files(tmp_path)
    assert [p.name for p in files] == ["u_ex260317.log", "u_ex260318.log"]
    assert [(r["date"], r["time"], r["cs-uri-stem"]) for f in files for r in parse_w3c(f).rows] == [
        ("2026-03-17", "23:59:59", "/before"), ("2026-03-18", "00:00:01", "/after")]
    assert all(len(parse_w3c(f).blocks) == 1 for f in files)


def test_one_writer_per_site_across_module_instances(tmp_path, writers) -> None:
    site = _site(tmp_path)
    for _ in range(3):
        serve(site)
    _flush(writers)
    assert len(writers.writers()) == 1
    log = parse_w3c(_files(tmp_path)[0])
    assert len(log.blocks) == 1 and len(log.rows) == 3


def test_reload_with_new_log_settings_keeps_both_snapshots_writing(tmp_path, writers) -> None:
    old = _site(tmp_path)
    new = _site(tmp_path, log_ext_file_flags=DEFAULT_FLAGS | {"Host"})
    for site in (old, new, old, new):  # requests of the old snapshot still in flight during a reload
        serve(site, target="/x")
    _flush(writers)
    assert len(writers.writers()) == 2
    log = parse_w3c(_files(tmp_path)[0])
    # each writer's lines sit under a header block of their own field set (written again when it changes)
    assert sum(len(b.rows) for b in log.blocks) == 4
    assert sorted("cs-host" in b.fields for b in log.blocks) == [False, True]


# --- the compiled per-request line equals the general path ---------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from w3py.logs.fields import FIELDS  # noqa: E402
from w3py.logs.writer import W3CLogWriter  # noqa: E402
from w3py.modules.http_logging import W3CLine, build_record  # noqa: E402
from w3py.protocol.messages import Request  # noqa: E402

# Text a client controls: spaces, controls (C0, DEL, C1, U+2028), '#', '+', non-ASCII, empty.
_CLIENT_TEXT = st.text(alphabet=st.sampled_from(list("ab #+-/é日\t\x00\x1f\x7f\x85\u2028 ")), max_size=12)
_HEADER = st.tuples(st.sampled_from([b"user-agent", b"referer", b"cookie", b"host", b"accept"]),
                    _CLIENT_TEXT.map(lambda t: t.encode("utf-8")))


@settings(max_examples=300, deadline=None)
@given(
    flags=st.sets(st.sampled_from([f.flag for f in FIELDS]), min_size=1),
    method=st.sampled_from(["GET", "POST", "PROPFIND", "get"]),
    url=_CLIENT_TEXT,
    query=_CLIENT_TEXT.map(lambda t: t.encode("utf-8")),
    user=st.one_of(st.none(), _CLIENT_TEXT),
    headers=st.lists(_HEADER, max_size=6),
    server_ip=st.sampled_from(["10.0.0.1", "::1", ""]),
    code=st.sampled_from([(200, 0), (404, 7), (500, 19), (304, 0)]),
    win32=st.sampled_from([0, 5, 64]),
    result=st.one_of(st.none(), st.tuples(st.integers(0, 10**9), st.integers(0, 10**6), st.booleans(),
                                          st.one_of(st.floats(-1.0, 100.0),
                                                    st.sampled_from([0.0, 0.0004, 0.0006, 0.0012, -0.0004])))),
    site_name=st.sampled_from(["Default Web Site", "Contoso"]),
    log_site_id=st.booleans(),
)
def test_compiled_line_equals_record_and_format_line(flags, method, url, query, user, headers, server_ip, code,
                                                     win32, result, site_name, log_site_id) -> None:
    writer = W3CLogWriter(2, "/nonexistent-never-written", log_ext_file_flags=flags, site_name=site_name,
                          log_site_id=log_site_id, computer_name="WEB 01")
    try:
        request = Request(method=method, target=b"/t", path=b"/t", query=query, http_version="1.1",
                          headers=headers, site=None, client=("192.0.2.7", 5000), server=(server_ip, 8080),
                          received_at=10.0)
        ctx = _Ctx(request)
        ctx.url = url
        ctx.user = user
        ctx.response.set_status(status.Status(*code), win32)
        if result is not None:
            sent, received, completed, took = result
            ctx.result = ResponseResult(sent, received, completed, 10.0 + took)
        assert W3CLine.supports(writer)
        assert W3CLine(writer)(ctx) == writer.format_line(build_record(ctx))
    finally:
        writer.close()


def test_compiled_line_is_not_used_where_it_cannot_reproduce_the_writer(tmp_path) -> None:
    with_custom = W3CLogWriter(1, tmp_path, custom_fields=[{"log_field_name": "X-Id", "source_name": "x-id"}])
    ncsa = http_logging.W3CLogWriter.from_site(_site(tmp_path, log_format="NCSA"))
    try:
        assert not W3CLine.supports(with_custom)
        assert ncsa is not None and not W3CLine.supports(ncsa)
    finally:
        with_custom.close()
        ncsa.close()
