"""What an admin does to a running server: edit a web.config, edit applicationHost.config — IIS applies both
without a restart — and what a client that gives up mid-download leaves in the log."""

from __future__ import annotations

import socket

import httpx
import pytest

from w3py.testing import conformance
from w3py.testing.conformance import ServerRoot, serving, wait_for, wrap_web_config

pytestmark = pytest.mark.slow

BIG = b"z" * 24_000_000  # far more than loopback socket buffers hold


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = ServerRoot.create(tmp_path_factory.mktemp("live"), files={"big.bin": BIG, "d/a.txt": "a", "e/b.txt": "b"})
    with serving(root) as served:
        yield served


def test_web_config_edit_applies_without_restart(server) -> None:
    assert httpx.get(server.url("/d/")).status_code == 403  # 403.14: browsing off
    (server.root.wwwroot / "d" / "web.config").write_text(
        wrap_web_config('  <system.webServer>\n    <directoryBrowse enabled="true" />\n  </system.webServer>'))
    wait_for(lambda: httpx.get(server.url("/d/")).status_code == 200, "the edited web.config to apply")


def test_application_host_edit_applies_without_restart(server, monkeypatch) -> None:
    assert httpx.get(server.url("/e/")).status_code == 403
    config = server.root.config
    config.write_text(config.read_text(encoding="utf-8").replace(
        '<directoryBrowse enabled="false"', '<directoryBrowse enabled="true"'), encoding="utf-8")
    monkeypatch.setattr(conformance, "LOG_LIMIT_S", 3.0)  # bounded: 3 s is far above a 1 s poll
    wait_for(lambda: httpx.get(server.url("/e/")).status_code == 200, "the edited applicationHost.config")


def test_the_log_line_waits_for_the_last_byte(server, monkeypatch) -> None:
    """time-taken runs to the last byte sent (reference §2.2): while a slow client has read 1 MB of a large
    file and holds the connection, the request is not logged yet."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel cannot swallow the body
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nUser-Agent: slow-reader\r\n\r\n")
        received = 0
        while received < 1_000_000:
            received += len(sock.recv(65536))
        # the response is far from sent: no log line may exist yet (the writer flushes within 1 s, so 1.5 s
        # of absence is conclusive)
        monkeypatch.setattr(conformance, "LOG_LIMIT_S", 1.5)
        with pytest.raises(AssertionError):
            wait_for(lambda: [e for e in server.log_entries() if e["cs(User-Agent)"] == "slow-reader"],
                     "a premature log line")
        while received < len(BIG):
            chunk = sock.recv(1 << 20)
            assert chunk
            received += len(chunk)
    monkeypatch.undo()
    entry = server.log_entry(lambda e: e["cs(User-Agent)"] == "slow-reader")
    assert (entry["sc-status"], entry["sc-win32-status"]) == ("200", "0")


def test_in_place_edit_that_keeps_size_and_mtime_is_served(server, monkeypatch) -> None:
    import os

    monkeypatch.setattr(conformance, "LOG_LIMIT_S", 1.5)  # the cache re-checks the file on every hit
    target = server.root.wwwroot / "same.txt"
    target.write_text("version-1")
    for _ in range(3):  # warm every cache
        assert httpx.get(server.url("/same.txt")).text == "version-1"
    before = target.stat()
    target.write_text("version-2")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    wait_for(lambda: httpx.get(server.url("/same.txt")).text == "version-2", "the new content")


def test_client_reset_mid_download_is_logged_200_0_64(server) -> None:
    """IIS logs a download the client abandoned as 200 with sc-win32-status 64 (ERROR_NETNAME_DELETED, §2.3)."""
    import struct

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nUser-Agent: gives-up\r\n\r\n")
        sock.recv(65536)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    entry = server.log_entry(lambda e: e["cs(User-Agent)"] == "gives-up")
    assert (entry["sc-status"], entry["sc-substatus"], entry["sc-win32-status"]) == ("200", "0", "64")


def test_stop_during_a_download_finishes_it_and_logs_it(tmp_path) -> None:
    """A service stop (SIGTERM) while a client downloads: the download completes, its W3C line is written,
    and the server exits 0 — as IIS drains requests within shutdownTimeLimit. (w3py's drain limit is a fixed
    10 s, IIS's the pool's processModel/@shutdownTimeLimit, 90 s by default: this client reads at full speed.)"""
    import signal

    from w3py.testing.conformance import start, stop
    from w3py.testing.w3c_log import parse_w3c

    root = ServerRoot.create(tmp_path, files={"big.bin": BIG})
    served = start(root)
    try:
        with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
            sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nUser-Agent: during-stop\r\nConnection: close\r\n\r\n")
            data = sock.recv(65536)
            served.proc.send_signal(signal.SIGTERM)
            while chunk := sock.recv(1 << 20):
                data += chunk
        served.proc.wait(timeout=30)  # one SIGTERM only: a second one during the exit would be a kill
    finally:
        stop(served)
    assert served.proc.returncode == 0
    assert data.split(b"\r\n\r\n", 1)[1] == BIG
    rows = [row for f in root.log_dir.glob("*.log") for row in parse_w3c(f).rows]
    assert [(r["sc-status"], r["sc-win32-status"]) for r in rows if r["cs(User-Agent)"] == "during-stop"] == [
        ("200", "0")]
