"""A worker process (w3wp's role): serves the listening sockets it inherited from the supervisor until told
to stop.

Signals: SIGTERM or SIGINT -> graceful stop (stop accepting, finish responses in progress within
``GRACEFUL_STOP_S``, flush the HTTPERR log, exit 0). SIGHUP is the supervisor's business and is ignored here.
A worker whose supervisor has gone away stops by itself, so no orphan keeps the ports.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from typing import Any, Callable

from w3py.server.bindings import Endpoint
from w3py.server.listener import GRACEFUL_STOP_S, Server
from w3py.server.site_limits import SiteCounts

logger = logging.getLogger("w3py.process")

# How often a worker checks that its supervisor is still there.
PARENT_CHECK_S = 1.0

# Exit status of a worker that could not start (its app factory failed): the supervisor does not restart
# such a worker in a tight loop.
EXIT_START_FAILED = 3


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every platform we run on
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


async def serve_until_stopped(
    config: Any,
    app_factory: Callable[[Any], Any],
    sockets: list[tuple[Endpoint, socket.socket]] | None,
    parent_pid: int | None = None,
    ready: Callable[[Server], None] | None = None,
    site_counts: SiteCounts | None = None,
) -> int:
    """Serve ``config`` through ``app_factory(config)`` until SIGTERM/SIGINT (or the parent is gone)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if hasattr(signal, "SIGHUP"):
        loop.add_signal_handler(signal.SIGHUP, lambda: None)

    try:
        app = app_factory(config)
    except Exception:
        logger.exception("the application could not be built")
        return EXIT_START_FAILED
    server = Server(config, app, site_counts=site_counts)
    await server.start(sockets)
    if ready is not None:
        ready(server)

    async def watch_parent() -> None:
        while parent_pid is not None and os.getppid() == parent_pid:
            await asyncio.sleep(PARENT_CHECK_S)
        stop.set()

    watcher = loop.create_task(watch_parent()) if parent_pid is not None else None
    await stop.wait()
    if watcher is not None:
        watcher.cancel()
    await server.stop(GRACEFUL_STOP_S)
    close = getattr(app, "close", None)
    if close is not None:
        result = close()
        if asyncio.iscoroutine(result):
            await result
    return 0


def worker_main(
    config: Any,
    app_factory: Callable[[Any], Any],
    sockets: list[tuple[Endpoint, socket.socket]],
    parent_pid: int,
    site_counts: SiteCounts | None = None,
) -> int:
    """The body of a forked worker; returns its exit status."""
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    loop = new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(
            serve_until_stopped(config, app_factory, sockets, parent_pid, site_counts=site_counts)
        )
    except Exception:
        logger.exception("worker %d failed", os.getpid())
        return 1
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
        sys.stdout.flush()
        sys.stderr.flush()
