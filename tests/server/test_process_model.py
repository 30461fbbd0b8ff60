"""The process model: workers sharing the sockets, restart of a dead worker, SIGHUP reload, graceful
SIGTERM, a port in use. Runs the supervisor in a subprocess (``python -m w3py.testing.server``)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Supervised:
    def __init__(
        self,
        tmp_path: Path,
        workers: int = 2,
        name: str = "One",
        port: int | None = None,
        watch: bool = False,
        **site_fields,
    ) -> None:
        self.port = port or free_port()
        self.config = tmp_path / "server.json"
        self.root = tmp_path / "root"
        self.write(name, **site_fields)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "w3py.testing.server", str(self.config), "--workers", str(workers)]
            + (["--watch"] if watch else []),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, like a server started from a shell
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def write(self, name: str, **site_fields) -> None:
        entry = {"id": 1, "name": name, "bindings": [{"port": self.port}], **site_fields}
        self.config.write_text(json.dumps({"root": str(self.root), "sites": [entry]}))

    def get(self, path: str = "/", timeout: float = 10.0) -> tuple[str, int]:
        text = httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=timeout).text
        name, pid = text.rsplit(" ", 1)
        return name, int(pid)

    def wait_serving(self, limit_s: float = 10.0) -> None:
        deadline = time.monotonic() + limit_s
        while True:
            try:
                self.get()
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self, signum: int = signal.SIGTERM, group: bool = False) -> int:
        if self.proc.poll() is None:
            if group:  # Ctrl+C in a terminal: the signal reaches the supervisor and every worker
                os.killpg(self.proc.pid, signum)
            else:
                self.proc.send_signal(signum)
        try:
            return self.proc.wait(20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._reader.join(5)
            if self.proc.stdout is not None:
                self.proc.stdout.close()


@pytest.fixture
def supervised(tmp_path):
    started: list[Supervised] = []

    def start(**kwargs) -> Supervised:
        sup = Supervised(tmp_path, **kwargs)
        started.append(sup)
        sup.wait_serving()
        return sup

    yield start
    for sup in started:
        sup.stop()


def pids_seen(sup: Supervised, tries: int = 40) -> set[int]:
    # new connections are spread over the workers by the kernel; several tries see them all
    return {sup.get()[1] for _ in range(tries)}


def test_workers_share_the_listening_socket(supervised) -> None:
    sup = supervised(workers=2)
    pids = pids_seen(sup)
    assert sup.proc.pid not in pids and 1 <= len(pids) <= 2
    assert any("Listening on http://localhost:%d/" % sup.port in line for line in sup.lines)


def test_a_dead_worker_is_replaced(supervised) -> None:
    sup = supervised(workers=1)
    (_, pid) = sup.get()
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while True:
        try:
            _, new_pid = sup.get()
            if new_pid != pid:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, sup.lines
        time.sleep(0.05)
    assert any(f"worker {pid} exited (killed by SIGKILL)" in line for line in sup.lines)


def test_sighup_reloads_the_configuration_without_dropping_a_request(supervised) -> None:
    sup = supervised(workers=1)
    assert sup.get()[0] == "One"
    result: dict[str, tuple[str, int]] = {}
    slow = threading.Thread(target=lambda: result.setdefault("slow", sup.get("/sleep?0.5")))
    slow.start()
    time.sleep(0.1)  # the slow request is in flight on an old worker
    sup.write("Two")
    sup.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while sup.get()[0] != "Two":
        assert time.monotonic() < deadline, sup.lines
        time.sleep(0.05)
    slow.join(10)
    assert result["slow"][0] == "One"  # finished by the old generation
    assert "configuration reloaded" in sup.lines


def test_broken_configuration_on_reload_keeps_serving(supervised) -> None:
    sup = supervised(workers=1)
    sup.config.write_text("{ not json")
    sup.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while not any(line.startswith("reload failed") for line in sup.lines):
        assert time.monotonic() < deadline, sup.lines
        time.sleep(0.05)
    assert sup.get()[0] == "One"


@pytest.mark.parametrize(
    "signum, group",
    [
        pytest.param(signal.SIGTERM, False, id="sigterm"),
        pytest.param(signal.SIGINT, False, id="sigint"),
        pytest.param(signal.SIGINT, True, id="ctrl-c-to-the-group"),
    ],
)
def test_stop_signal_finishes_in_flight_requests_and_exits_0(supervised, signum: int, group: bool) -> None:
    sup = supervised(workers=2)
    result: dict[str, tuple[str, int]] = {}
    slow = threading.Thread(target=lambda: result.setdefault("slow", sup.get("/sleep?0.5")))
    slow.start()
    time.sleep(0.2)
    assert sup.stop(signum, group) == 0
    slow.join(10)
    assert result["slow"][0] == "One"
    with pytest.raises(httpx.TransportError):
        sup.get(timeout=2)


def test_port_in_use_is_one_line_and_exit_2(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        sup = Supervised(tmp_path, workers=1, port=port)
        code = sup.proc.wait(20)
        sup.stop()
    assert code == 2
    assert sup.lines == [f"cannot listen on binding *:{port}:: address already in use"]


def test_reload_opens_a_new_binding_and_closes_a_removed_one(supervised) -> None:
    sup = supervised(workers=1)
    new_port = free_port()
    old_port = sup.port
    sup.config.write_text(
        json.dumps({"root": str(sup.root), "sites": [{"id": 1, "name": "Moved", "bindings": [{"port": new_port}]}]})
    )
    sup.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while True:
        try:
            text = httpx.get(f"http://127.0.0.1:{new_port}/", timeout=5).text
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, sup.lines
            time.sleep(0.05)
    assert text.startswith("Moved ")
    # the old port stops answering once the old generation has finished
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{old_port}/", timeout=2)
        except httpx.TransportError:
            break
        assert time.monotonic() < deadline, sup.lines
        time.sleep(0.05)


def test_a_changed_configuration_file_is_reloaded_without_a_signal(supervised) -> None:
    sup = supervised(workers=1, watch=True)
    assert sup.get()[0] == "One"
    sup.write("Changed")
    deadline = time.monotonic() + 10
    while sup.get()[0] != "Changed":
        assert time.monotonic() < deadline, sup.lines
        time.sleep(0.05)
    assert "configuration reloaded" in sup.lines



def test_max_connections_is_counted_across_workers(supervised) -> None:
    sup = supervised(workers=2)  # serving first with no limit: wait_serving's probe must not count
    sup.write("Limited", max_connections=1)
    sup.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "configuration reloaded" not in sup.lines:
        assert time.monotonic() < deadline, sup.lines
        time.sleep(0.05)
    while True:  # the first request that reaches the new generation takes the only place
        held = socket.create_connection(("127.0.0.1", sup.port), timeout=5)
        held.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        if b"Limited" in held.recv(65536):
            break
        held.close()
        assert time.monotonic() < deadline
    with held:
        # whichever worker takes the next connections, the site is full
        statuses = [httpx.get(f"http://127.0.0.1:{sup.port}/", timeout=5).status_code for _ in range(8)]
    assert statuses == [403] * 8
    # once the held connection is gone, its place is free again
    while httpx.get(f"http://127.0.0.1:{sup.port}/", timeout=5).status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
