"""The supervisor (WAS's role): binds the sites' sockets once, forks N worker processes that share them,
restarts a worker that dies, reloads on SIGHUP, stops gracefully on SIGTERM/SIGINT.

Theory of operation
-------------------
The supervisor never serves a request. It holds the listening sockets (so a worker restart or a reload
never closes a port) and a *generation* of workers built from one configuration snapshot.

Rule 1: a worker that exits while its generation is current is restarted, with the same configuration.
A worker that dies right after starting is restarted after a growing pause (``RESTART_BACKOFF_S``), so a
crashing application cannot turn the supervisor into a fork loop.

Rule 2: SIGHUP reloads: the configuration is read again; if it is broken, the error is printed and the
current generation keeps serving. Otherwise sockets of unchanged endpoints are reused, new ones are bound
(a bind failure also keeps the current generation), a new generation starts, and only then is the old one
asked to stop gracefully. Connections are never dropped: old workers finish what they are answering.

Rule 3: SIGTERM/SIGINT stop everything: every worker is told to stop gracefully (they finish in-flight
requests within ``GRACEFUL_STOP_S`` and flush their logs); stragglers are killed after ``KILL_AFTER_S``;
the supervisor exits 0.

Rule 4: a change of the configuration file (``watch``: modification time, size or inode) is a SIGHUP:
WAS does the same for applicationHost.config. It is polled every ``TICK_S``; a file caught half-written
fails to load and keeps the running generation, and the completed write changes the stamp again.

Rule 5: ``limits/@maxConnections`` is counted across workers in a shared table (server/site_limits.py):
each worker slot owns a row; a worker's row is zeroed when it exits.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from w3py.errors import ConfigError
from w3py.server.bindings import Endpoint, binding_text, plan_endpoints
from w3py.server.listener import GRACEFUL_STOP_S, BindError, bind_sockets
from w3py.server.site_limits import SharedSiteCounts, create_shared_table, zero_row
from w3py.server.tls import attach_ssl_contexts

logger = logging.getLogger("w3py.process")

# A worker that lived shorter than this is considered to have crashed on start.
MIN_HEALTHY_LIFETIME_S = 2.0
# Pauses before restarting a worker that keeps crashing on start: 0.5 s, doubled each time up to the cap.
RESTART_BACKOFF_S = 0.5
RESTART_BACKOFF_MAX_S = 10.0
# After asking workers to stop, how long before they are killed.
KILL_AFTER_S = GRACEFUL_STOP_S + 5.0
# The supervisor's wake-up period when no signal arrives (restarts that are due, reaping).
TICK_S = 0.5


@dataclass
class _Generation:
    config: Any
    endpoints: list[tuple[Endpoint, socket.socket]]
    pids: dict[int, float] = field(default_factory=dict)  # pid -> start time
    backoff_s: float = 0.0
    restart_at: float = 0.0
    pending_restarts: int = 0


def endpoint_key(endpoint: Endpoint) -> tuple[str, int]:
    return (endpoint.ip, endpoint.port)


def default_workers() -> int:
    return os.cpu_count() or 1


def binding_lines(config: Any, endpoints: list[tuple[Endpoint, socket.socket]]) -> list[str]:
    """One line per binding the server listens on (with the real port when the binding asked for 0)."""
    lines = []
    for site in config.sites:
        for binding in getattr(site, "bindings", ()):
            protocol = str(getattr(binding, "protocol", "http")).lower()
            if protocol not in ("http", "https"):
                continue
            text = binding_text(binding)
            port = None
            for endpoint, _ in endpoints:
                if text in endpoint.bindings:
                    port = endpoint.port
                    break
            if port is None:
                continue  # not listened on (an https binding without a certificate, reported already)
            state = "" if getattr(site, "server_auto_start", True) else " (site stopped: answers 404.1)"
            host = binding.host or ("localhost" if binding.ip in ("*", "", "0.0.0.0") else binding.ip)
            shown = f"{binding.ip}:{port}:{binding.host}"
            lines.append(
                f"Listening on {protocol}://{host}:{port}/ for site {site.name!r} (id {site.id}),"
                f" binding {shown if protocol == 'http' else protocol + ' ' + shown}{state}"
            )
    return lines


class Supervisor:
    """Runs ``workers`` processes serving ``config``; ``reload`` builds a new configuration on SIGHUP."""

    def __init__(
        self,
        config: Any,
        app_factory: Callable[[Any], Any],
        workers: int | None = None,
        reload: Callable[[], Any] | None = None,
        out: Callable[[str], None] | None = None,
        watch: Path | None = None,
    ) -> None:
        self.app_factory = app_factory
        self.workers = max(1, workers or default_workers())
        self.reload = reload
        self.out = out or (lambda line: print(line, flush=True))
        self._config = config
        self._current: _Generation | None = None
        self._retiring: dict[int, float] = {}  # pid -> time it was asked to stop
        self._sockets: dict[tuple[str, int], socket.socket] = {}
        self._stopping = False
        self._reload_requested = False
        self._wakeup_r = self._wakeup_w = -1
        # Rule 4: the configuration file whose changes trigger a reload, and its last seen stamp.
        self._watch = watch
        self._watch_stamp = _stamp(watch) if watch is not None else None
        # maxConnections across workers: a shared table with a row per worker slot (server/site_limits.py).
        # Slots for two generations at once (a reload) plus restarts in between.
        self._slot_count = 2 * self.workers + 2
        self._counts_table = create_shared_table(self._slot_count)
        self._free_slots = list(range(self._slot_count))
        self._slot_of: dict[int, int] = {}  # pid -> slot

    # --- start ------------------------------------------------------------------------------------------

    def _plan(self, config: Any) -> list[Endpoint]:
        endpoints = plan_endpoints(config.sites)
        if any(e.tls for e in endpoints):
            for problem in attach_ssl_contexts(endpoints, Path(getattr(config, "root", "."))):
                self.out(problem)
        return endpoints

    def bind(self) -> None:
        """Bind the sockets of the configuration. Raises ``BindError``. An https binding without a
        certificate is reported and skipped (server/tls.py)."""
        endpoints = bind_sockets(self._plan(self._config))
        self._sockets = {endpoint_key(e): s for e, s in endpoints}
        self._current = _Generation(self._config, endpoints)
        for line in binding_lines(self._config, endpoints):
            self.out(line)

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT; returns the exit status (0 after a graceful stop)."""
        if self._current is None:
            self.bind()
        self._install_signals()
        try:
            generation = self._current
            assert generation is not None
            for _ in range(self.workers):
                self._spawn(generation)
            while True:
                self._wait()
                self._reap()
                if self._stopping:
                    return self._stop_all()
                if self._watch is not None and self.reload is not None:
                    stamp = _stamp(self._watch)
                    if stamp != self._watch_stamp:
                        self._watch_stamp = stamp
                        self._reload_requested = True
                if self._reload_requested:
                    self._reload_requested = False
                    self._do_reload()
                self._restart_due()
        finally:
            self._restore_signals()
            for sock in self._sockets.values():
                sock.close()
            self._sockets.clear()

    # --- signals ----------------------------------------------------------------------------------------

    def _install_signals(self) -> None:
        self._wakeup_r, self._wakeup_w = os.pipe()
        os.set_blocking(self._wakeup_r, False)
        os.set_blocking(self._wakeup_w, False)
        signal.set_wakeup_fd(self._wakeup_w)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_hup)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the select below

    def _restore_signals(self) -> None:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        for fd in (self._wakeup_r, self._wakeup_w):
            if fd >= 0:
                os.close(fd)
        self._wakeup_r = self._wakeup_w = -1

    def _on_stop(self, signum: int, frame: Any) -> None:
        self._stopping = True

    def _on_hup(self, signum: int, frame: Any) -> None:
        self._reload_requested = True

    def _wait(self) -> None:
        try:
            select.select([self._wakeup_r], [], [], TICK_S)
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for safety
            pass
        try:
            while os.read(self._wakeup_r, 512):
                pass
        except BlockingIOError:
            pass

    # --- workers ----------------------------------------------------------------------------------------

    def _spawn(self, generation: _Generation) -> None:
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        slot = self._free_slots.pop(0) if self._free_slots else None
        pid = os.fork()
        if pid == 0:  # the worker
            status = 1
            try:
                from w3py.process.worker import worker_main

                counts = (
                    SharedSiteCounts(self._counts_table, self._slot_count, slot) if slot is not None else None
                )
                status = worker_main(generation.config, self.app_factory, generation.endpoints, parent, counts)
            finally:
                os._exit(status)
        if slot is not None:
            self._slot_of[pid] = slot
        generation.pids[pid] = time.monotonic()
        logger.info("worker %d started", pid)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._retiring.pop(pid, None)
            self._free_slot(pid)
            generation = self._current
            if generation is None or pid not in generation.pids:
                continue
            started = generation.pids.pop(pid)
            if self._stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            self.out(f"worker {pid} exited ({_describe(code)}); starting a new one")
            # Rule 1: restart, with a pause if it died young.
            if time.monotonic() - started < MIN_HEALTHY_LIFETIME_S:
                generation.backoff_s = min(
                    RESTART_BACKOFF_MAX_S, generation.backoff_s * 2 if generation.backoff_s else RESTART_BACKOFF_S
                )
            else:
                generation.backoff_s = 0.0
            generation.restart_at = time.monotonic() + generation.backoff_s
            generation.pending_restarts += 1

    def _restart_due(self) -> None:
        generation = self._current
        if generation is None or not generation.pending_restarts or time.monotonic() < generation.restart_at:
            return
        while generation.pending_restarts:
            generation.pending_restarts -= 1
            self._spawn(generation)

    def _free_slot(self, pid: int) -> None:
        slot = self._slot_of.pop(pid, None)
        if slot is not None:
            zero_row(self._counts_table, slot)  # its connections are gone with it
            self._free_slots.append(slot)

    # --- reload (Rule 2) --------------------------------------------------------------------------------

    def _do_reload(self) -> None:
        if self.reload is None:
            return
        try:
            config = self.reload()
        except ConfigError as exc:
            self.out(f"reload failed, keeping the running configuration: {exc.one_line()}")
            return
        planned = self._plan(config)
        new_sockets: dict[tuple[str, int], socket.socket] = {}
        endpoints: list[tuple[Endpoint, socket.socket]] = []
        try:
            for endpoint in planned:
                sock = self._sockets.get(endpoint_key(endpoint))
                if sock is None:
                    ((_, sock),) = bind_sockets([endpoint])
                    new_sockets[endpoint_key(endpoint)] = sock
                endpoints.append((endpoint, sock))
        except BindError as exc:
            for sock in new_sockets.values():
                sock.close()
            self.out(f"reload failed, keeping the running configuration: {exc.strerror}")
            return
        old = self._current
        self._config = config
        self._current = generation = _Generation(config, endpoints)
        for _ in range(self.workers):
            self._spawn(generation)
        if old is not None:
            now = time.monotonic()
            for pid in old.pids:
                _signal(pid, signal.SIGTERM)
                self._retiring[pid] = now
        keep = {endpoint_key(e) for e, _ in endpoints}
        for key, sock in list(self._sockets.items()):
            if key not in keep:
                sock.close()  # the retiring workers hold their own copies until they exit
                del self._sockets[key]
        self._sockets.update(new_sockets)
        self.out("configuration reloaded")
        for line in binding_lines(config, endpoints):
            self.out(line)

    # --- stop (Rule 3) ----------------------------------------------------------------------------------

    def _stop_all(self) -> int:
        pids = set(self._retiring)
        if self._current is not None:
            pids |= set(self._current.pids)
        for pid in pids:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + KILL_AFTER_S
        while pids and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                self._wait()
                continue
            pids.discard(pid)
        for pid in pids:
            _signal(pid, signal.SIGKILL)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        return 0


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells a changed file apart: modification time, size, inode (an editor may replace the file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except OSError as exc:
        if exc.errno != errno.ESRCH:
            raise


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def run_server(
    server_config: Any,
    app_factory: Callable[[Any], Any],
    workers: int | None = None,
    reload: Callable[[], Any] | None = None,
    out: Callable[[str], None] | None = None,
    watch: Path | None = None,
) -> int:
    """Serve ``server_config`` with ``workers`` processes (default: one per core), each running
    ``app_factory(server_config)``. ``reload`` re-reads the configuration (SIGHUP, or a change of the
    ``watch`` file). Returns the exit status. Raises ``BindError`` before any worker starts when a binding's
    socket cannot be opened."""
    supervisor = Supervisor(server_config, app_factory, workers, reload, out, watch)
    supervisor.bind()
    return supervisor.run()
