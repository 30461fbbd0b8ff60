"""The W3C log a real server writes, read back with a strict parser: fields, options and hostile input
(iis-reference.md §1.9 logFile, §1.11 httpLogging, §2.1–§2.2)."""

from __future__ import annotations

import calendar
import json
import shutil
import socket
import subprocess
import time

import httpx
import pytest

from w3py.core import clock
from w3py.testing.live_site import live_site
from w3py.testing.server import ResponseReader
from w3py.testing.w3c_log import parse_w3c

DEFAULT_FIELDS = ("date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
                  "cs(Referer) sc-status sc-substatus sc-win32-status time-taken").split()
EVERY_FIELD = ("date time s-sitename s-computername s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username "
               "c-ip cs-version cs(User-Agent) cs(Cookie) cs(Referer) cs-host sc-status sc-substatus "
               "sc-win32-status sc-bytes cs-bytes time-taken").split()
ALL_FLAGS = ('logExtFileFlags="Date, Time, SiteName, ComputerName, ServerIP, Method, UriStem, UriQuery, ServerPort, '
             'UserName, ClientIP, ProtocolVersion, UserAgent, Cookie, Referer, Host, HttpStatus, HttpSubStatus, '
             'Win32Status, BytesSent, BytesRecv, TimeTaken"')


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` on a fresh connection and return every byte of the one response (the request asks
    for ``Connection: close``, or is HTTP/1.0)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def rows(site) -> list[dict[str, str]]:
    """Every logged row; call after the ``live_site`` block: the server has stopped, so every response's
    completion ran and the writers were flushed (a line is written after the client got its last byte)."""
    return [row for path in site.log_files() for row in parse_w3c(path).rows]


def wait_for_rows(site, count: int) -> None:
    """Block until ``count`` lines were logged (the server is still running); fails after 10 s."""
    deadline = time.monotonic() + 10
    while True:
        site.flush_logs()
        if sum(len(parse_w3c(p).rows) for p in site.log_files()) >= count:
            return
        assert time.monotonic() < deadline, f"fewer than {count} lines were logged"
        time.sleep(0.01)


def test_one_line_per_request_with_the_default_fields(tmp_path) -> None:
    with live_site(tmp_path, files={"a.txt": "hello"}) as site:
        with httpx.Client() as c:
            c.get(site.url("/a.txt?v=1&w=two"), headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)",
                                                       "Referer": "http://example.test/from"})
            c.get(site.url("/missing.txt"))
            c.get(site.url("/caf%C3%A9%20menu.txt"))
    (path,) = site.log_files()
    log = parse_w3c(path)
    today = time.strftime("%y%m%d", time.gmtime())
    assert path.name == f"u_ex{today}.log"
    assert len(log.blocks) == 1
    assert log.blocks[0].software == "Microsoft Internet Information Services 10.0"
    assert list(log.blocks[0].fields) == DEFAULT_FIELDS
    first, missing, cafe = log.rows
    assert first["s-ip"] == first["c-ip"] == "127.0.0.1"
    assert first["s-port"] == str(site.port)
    assert (first["cs-method"], first["cs-uri-stem"], first["cs-uri-query"]) == ("GET", "/a.txt", "v=1&w=two")
    assert first["cs-username"] == "-"
    assert first["cs(User-Agent)"] == "Mozilla/5.0+(X11;+Linux+x86_64)"
    assert first["cs(Referer)"] == "http://example.test/from"
    assert (first["sc-status"], first["sc-substatus"], first["sc-win32-status"]) == ("200", "0", "0")
    assert int(first["time-taken"]) >= 0
    assert (missing["sc-status"], missing["sc-substatus"], missing["sc-win32-status"]) == ("404", "0", "2")
    assert (missing["cs-uri-query"], missing["cs(User-Agent)"] != "-") == ("-", True)
    assert cafe["cs-uri-stem"] == "/café+menu.txt"
    assert time.strptime(first["date"] + " " + first["time"], "%Y-%m-%d %H:%M:%S")


def test_every_field_and_the_byte_counts(tmp_path) -> None:
    with live_site(tmp_path, files={"a.txt": "x" * 1000}, log_file=ALL_FLAGS) as site:
        request = (b"GET /a.txt?q=1 HTTP/1.1\r\nHost: www.example.test\r\nUser-Agent: probe 1\r\n"
                   b"Cookie: a=1; b=2\r\nConnection: close\r\n\r\n")
        response = raw_exchange(site.port, request)
        old = raw_exchange(site.port, b"GET /a.txt HTTP/1.0\r\n\r\n")
    found = rows(site)
    assert response.startswith(b"HTTP/1.1 200") and old.startswith(b"HTTP/1.1 200")
    row, row10 = found
    assert list(row) == EVERY_FIELD
    assert row["s-sitename"] == "W3SVC1"
    assert row["s-computername"] == socket.gethostname().split(".")[0][:15].upper()  # the NetBIOS name
    assert row["cs-version"] == "HTTP/1.1" and row10["cs-version"] == "HTTP/1.0"
    assert row["cs-host"] == "www.example.test" and row10["cs-host"] == "-"
    assert row["cs(Cookie)"] == "a=1;+b=2"
    assert row["cs(User-Agent)"] == "probe+1"
    # what the client saw on the wire, byte for byte
    assert int(row["sc-bytes"]) == len(response)
    assert int(row["cs-bytes"]) == len(request)
    assert int(row10["sc-bytes"]) == len(old)


def test_time_taken_runs_from_the_first_byte_received(tmp_path) -> None:
    with live_site(tmp_path, files={"a.txt": "x"}) as site:
        with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
            # A first request on the connection: accepted, plan built, the server idle before we start.
            sock.sendall(b"GET /a.txt?warm HTTP/1.1\r\nHost: x\r\n\r\n")
            ResponseReader(sock).read()
            slow = b"GET /a.txt?slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            sock.sendall(slow[:10])
            time.sleep(0.3)
            sock.sendall(slow[10:])
            assert ResponseReader(sock).read().status == 200
    warm, slow_row = rows(site)
    # The head took 300 ms to arrive: that is part of the request's time (a lower bound, not a timing race).
    assert slow_row["cs-uri-query"] == "slow"
    assert int(slow_row["time-taken"]) >= 300


# (request, whether it reaches the pipeline). The listener refuses control characters other than TAB in
# header values and an encoded CR/LF in the path, as HTTP.sys does: those go to the HTTPERR log, never to
# the W3C log.
ATTACKS = [
    (b"GET /a.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: evil\t2026-01-01 00:00:00 6.6.6.6 GET /admin\r\n"
     b"Connection: close\r\n\r\n", True),
    ("GET /a.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: line\u2028sep\u2029para\u0085nel\r\nConnection: close\r\n\r\n"
     .encode("utf-8"), True),
    (b"GET /a.txt HTTP/1.1\r\nHost: x\r\nReferer: #Fields: date\r\nUser-Agent: #Software: x\r\n"
     b"Connection: close\r\n\r\n", True),
    # escaped CR/LF in the path: HTTP.sys refuses escaped control characters (400 URL, HTTPERR log)
    (b"GET /%0d%0a2026-01-01%2000:00:00%20evil HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", False),
    (b"GET /a%20b.txt?x=%0d%0a#Fields:%20y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", True),
    (b"GET /a.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: \xff\xfe\xc2\x85bytes\r\nConnection: close\r\n\r\n", True),
    (b"GET /a.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: bell\x07\x0b\x7f\r\nConnection: close\r\n\r\n", False),
]


def test_hostile_client_values_cannot_forge_lines_or_fields(tmp_path) -> None:
    with live_site(tmp_path, files={"a.txt": "x"}, log_file=ALL_FLAGS) as site:
        answers = [raw_exchange(site.port, attack)[:12] for attack, _ in ATTACKS]
    (path,) = site.log_files()
    log = parse_w3c(path)  # strict: any extra line, field, CR, LF or header block fails here
    assert len(log.blocks) == 1
    assert len(log.rows) == sum(1 for _, logged in ATTACKS if logged), answers
    for row in log.rows:
        for value in row.values():
            assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029" for ch in value)
    ua = [row["cs(User-Agent)"] for row in log.rows]
    assert ua[0] == "evil+2026-01-01+00:00:00+6.6.6.6+GET+/admin"
    assert ua[1] == "line+sep+para+nel"
    assert ua[2] == "#Software:+x" and log.rows[2]["cs(Referer)"] == "#Fields:+date"
    assert log.rows[3]["cs-uri-query"] == "x=%0d%0a#Fields:%20y"  # the query is logged as sent (still encoded)
    # refused by the listener (a CR/LF in the decoded path, a control character in a header): HTTPERR only
    assert answers[3] == answers[-1] == b"HTTP/1.1 400"


def test_logging_disabled_for_the_site(tmp_path) -> None:
    with live_site(tmp_path, files={"a.txt": "x"}, log_file='enabled="false"') as site:
        with httpx.Client() as c:
            assert c.get(site.url("/a.txt")).status_code == 200
            assert c.get(site.url("/nope")).status_code == 404
    assert not site.log_dir.exists() or site.log_files() == []


LOCATIONS = """
<location path="Default Web Site/quiet"><system.webServer><httpLogging dontLog="true" /></system.webServer></location>
<location path="Default Web Site/errors-only">
  <system.webServer><httpLogging selectiveLogging="LogError" /></system.webServer></location>
<location path="Default Web Site/ok-only">
  <system.webServer><httpLogging selectiveLogging="LogSuccessful" /></system.webServer></location>
"""


def test_dont_log_and_selective_logging_per_path(tmp_path) -> None:
    files = {"quiet/a.txt": "x", "errors-only/a.txt": "x", "ok-only/a.txt": "x", "a.txt": "x"}
    with live_site(tmp_path, files=files, locations=LOCATIONS) as site:
        with httpx.Client() as c:
            for path in ("/quiet/a.txt", "/quiet/none.txt", "/errors-only/a.txt", "/errors-only/none.txt",
                         "/ok-only/a.txt", "/ok-only/none.txt", "/a.txt", "/none.txt"):
                c.get(site.url(path))
    logged = [(r["cs-uri-stem"], r["sc-status"]) for r in rows(site)]
    assert logged == [("/errors-only/none.txt", "404"), ("/ok-only/a.txt", "200"), ("/a.txt", "200"),
                      ("/none.txt", "404")]


def test_custom_fields(tmp_path) -> None:
    body = ('<customFields>'
            '<add logFieldName="X-Forwarded-For" sourceName="X-Forwarded-For" sourceType="RequestHeader" />'
            '<add logFieldName="Content-Type" sourceName="Content-Type" sourceType="ResponseHeader" />'
            '<add logFieldName="REMOTE_PORT" sourceName="REMOTE_PORT" sourceType="ServerVariable" />'
            '</customFields>')
    with live_site(tmp_path, files={"a.txt": "x"}, log_file_body=body) as site:
        with httpx.Client() as c:
            c.get(site.url("/a.txt"), headers={"X-Forwarded-For": "198.51.100.7, 10.0.0.9"})
            c.get(site.url("/a.txt"))
    (path,) = site.log_files()
    log = parse_w3c(path)
    assert list(log.blocks[0].fields) == DEFAULT_FIELDS + ["X-Forwarded-For", "Content-Type", "REMOTE_PORT"]
    first, second = log.rows
    assert first["X-Forwarded-For"] == "198.51.100.7,+10.0.0.9" and second["X-Forwarded-For"] == "-"
    assert first["Content-Type"] == "text/plain"
    assert int(first["REMOTE_PORT"]) > 0


def test_ansi_log_when_log_in_utf8_is_false(tmp_path) -> None:
    with live_site(tmp_path, files={"caf\u00e9.txt": "x"}, log_in_utf8=False) as site:
        with httpx.Client() as c:
            assert c.get(site.url("/caf%C3%A9.txt")).status_code == 200
    (path,) = site.log_files()
    assert path.name.startswith("ex") and not path.name.startswith("u_")
    assert b" /caf\xe9.txt " in path.read_bytes()  # Windows-1252, as IIS writes a non-UTF-8 log
    assert parse_w3c(path, encoding="cp1252").rows[0]["cs-uri-stem"] == "/café.txt"


@pytest.fixture
def frozen_clock():
    fixed = clock.FixedClock(calendar.timegm((2026, 3, 17, 23, 59, 59)))
    previous = clock.set_clock(fixed)
    yield fixed
    clock.set_clock(previous)


def test_rollover_at_midnight_utc(tmp_path, frozen_clock) -> None:
    with live_site(tmp_path, files={"a.txt": "x"}) as site:
        with httpx.Client() as c:
            c.get(site.url("/a.txt?before"))
            wait_for_rows(site, 1)  # logged at 23:59:59, before the clock moves
            frozen_clock.advance(2)
            c.get(site.url("/a.txt?after"))
    files = site.log_files()
    parsed = [parse_w3c(p) for p in files]
    assert [p.name for p in files] == ["u_ex260317.log", "u_ex260318.log"]
    assert [(r["date"], r["time"], r["cs-uri-query"]) for log in parsed for r in log.rows] == [
        ("2026-03-17", "23:59:59", "before"), ("2026-03-18", "00:00:01", "after")]
    assert [log.blocks[0].date for log in parsed] == ["2026-03-17 23:59:59", "2026-03-18 00:00:01"]


def test_unwritable_log_folder_is_reported_once_and_serving_goes_on(tmp_path, caplog) -> None:
    blocked = tmp_path / "inetpub" / "logs" / "LogFiles" / "W3SVC1"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the site's log folder should be")  # even root cannot mkdir over it
    with live_site(tmp_path, files={"a.txt": "x"}) as site, httpx.Client() as c:
        for _ in range(3):
            assert c.get(site.url("/a.txt")).status_code == 200
            site.flush_logs()
        assert c.get(site.url("/a.txt")).status_code == 200
    reports = [r for r in caplog.records if r.levelname == "ERROR" and "W3SVC1" in r.getMessage()]
    assert len(reports) == 1


@pytest.mark.needs_tool("goaccess")
def test_goaccess_reads_the_log_as_iis_w3c(tmp_path) -> None:
    """An off-the-shelf IIS log analyzer (GoAccess's W3C format) reads every line of a file with IIS's default
    fields. (GoAccess 1.7 cannot skip fields it does not know, such as s-sitename or cs(Cookie), in IIS's
    files either, so the test keeps to the default set, which is what most IIS sites log.)"""
    goaccess = shutil.which("goaccess")
    if goaccess is None:
        pytest.skip("goaccess is not installed")
    with live_site(tmp_path, files={"a.txt": "x" * 100}) as site, httpx.Client() as c:
        for path in ("/a.txt", "/a.txt?x=1", "/missing.txt", "/a%20b.txt"):
            c.get(site.url(path), headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Test/1.0",
                                           "Referer": "http://ref.example/"})
    (path,) = site.log_files()
    report = tmp_path / "report.json"
    subprocess.run([goaccess, str(path), "--log-format=W3C", "--no-global-config", "-o", str(report)],
                   check=True, capture_output=True, timeout=60)
    general = json.loads(report.read_text())["general"]
    assert (general["total_requests"], general["valid_requests"], general["failed_requests"]) == (4, 4, 0)
    assert general["unique_not_found"] == 2
    assert general["unique_referrers"] == 1
