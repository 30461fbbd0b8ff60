"""The listener of one worker process: the sockets of the sites' bindings, the connections on them, and a
graceful stop (HTTP.sys's request queue, for the sites this process serves).

``Server(server_config, app)`` serves ``server_config.sites`` through ``app`` (``Application.handle``).
Sockets are either bound here (one process, tests) or handed in already bound (``process/`` binds them in the
supervisor and every worker inherits them).
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import logging
import socket
from pathlib import Path
from typing import Any, Iterable

from w3py.server.app_pools import offline_site_ids
from w3py.server.bindings import Endpoint, max_connections, plan_endpoints, socket_address
from w3py.server.httperr import HTTPERREntry, HTTPERRSink, httperr_directory, open_httperr_log
from w3py.server.site_limits import LocalSiteCounts, SiteCounts

logger = logging.getLogger("w3py.server")

# What socket_address() gives for the wildcard binding (*): tried as dual-stack [::] first.
WILDCARD_BIND = "0.0.0.0"

# Pending connections the kernel may queue per listening socket before the server accepts them.
LISTEN_BACKLOG = 1024

# How long a graceful stop waits for responses in progress before cutting the remaining connections.
GRACEFUL_STOP_S = 10.0


class BindError(OSError):
    """A binding's socket could not be opened (port in use, address not on this machine, no permission)."""

    def __init__(self, binding: str, cause: OSError) -> None:
        if cause.errno == errno.EADDRINUSE:
            what = "address already in use"
        elif cause.errno == errno.EADDRNOTAVAIL:
            what = "address not available on this machine"
        elif cause.errno == errno.EACCES:
            what = "permission denied"
        else:
            what = cause.strerror or str(cause)
        super().__init__(cause.errno, f"cannot listen on binding {binding}: {what}")
        self.binding = binding


def _open_socket(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port). The wildcard is dual-stack ``[::]`` where IPv6 exists, so that ``*``
    means every address, IPv4 and IPv6, as in IIS."""
    if host == WILDCARD_BIND and socket.has_ipv6:
        try:
            sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        except OSError:
            pass
        else:
            try:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("::", port))
                sock.listen(LISTEN_BACKLOG)
                sock.setblocking(False)
                return sock
            except OSError as exc:
                sock.close()
                if exc.errno not in (errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL, errno.EPROTONOSUPPORT):
                    raise
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(LISTEN_BACKLOG)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def bind_sockets(endpoints: Iterable[Endpoint]) -> list[tuple[Endpoint, socket.socket]]:
    """Open a listening socket per endpoint. Raises ``BindError`` naming the binding that failed (and closes
    the sockets already opened)."""
    opened: list[tuple[Endpoint, socket.socket]] = []
    try:
        for endpoint in endpoints:
            host, port = socket_address(endpoint)
            try:
                sock = _open_socket(host, port)
            except OSError as exc:
                raise BindError(endpoint.bindings[0] if endpoint.bindings else f"{host}:{port}", exc) from exc
            if endpoint.port == 0:  # tests: the kernel picked the port
                endpoint.port = sock.getsockname()[1]
            opened.append((endpoint, sock))
    except BaseException:
        for _, sock in opened:
            sock.close()
        raise
    return opened


class ServerState:
    """What all connections of one worker share."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        app: Any,
        httperr: HTTPERRSink | None,
        site_counts: SiteCounts | None = None,
        offline_sites: frozenset[int] = frozenset(),
    ) -> None:
        self.loop = loop
        self.app = app
        self.connections: set[Any] = set()
        # connections per site id, for maxConnections (shared between workers under the supervisor)
        self.site_counts: SiteCounts = site_counts if site_counts is not None else LocalSiteCounts()
        self.stopping = False
        # ids of the sites whose application pool is not running: HTTP.sys answers them 503 (app_pools.py)
        self.offline_sites = offline_sites
        self._httperr = httperr
        self._ids = itertools.count(1)
        self._max_connections: dict[int, int | None] = {}

    def next_connection_id(self) -> int:
        return next(self._ids)

    def site_max_connections(self, site: Any) -> int | None:
        key = id(site)
        try:
            return self._max_connections[key]
        except KeyError:
            value = self._max_connections[key] = max_connections(site)
            return value

    def log_httperr(self, entry: HTTPERREntry) -> None:
        if self._httperr is None:
            return
        try:
            self._httperr.log(entry)
        except OSError:
            logger.exception("cannot write the HTTPERR log")


class Server:
    """Serves the sites of ``server_config`` through ``app`` on this process's event loop."""

    def __init__(
        self,
        server_config: Any,
        app: Any,
        *,
        httperr_dir: Path | None = None,
        site_counts: SiteCounts | None = None,
    ) -> None:
        self.config = server_config
        self.app = app
        self.site_counts = site_counts
        root = getattr(server_config, "root", None)
        if httperr_dir is None and root is not None:
            httperr_dir = httperr_directory(Path(root))
        self.httperr_dir = httperr_dir
        self._httperr = open_httperr_log(httperr_dir) if httperr_dir is not None else None
        self._servers: list[asyncio.AbstractServer] = []
        self._state: ServerState | None = None
        self.endpoints: list[Endpoint] = []
        self._owned_sockets: list[socket.socket] = []

    def plan(self) -> list[Endpoint]:
        return plan_endpoints(self.config.sites)

    async def start(self, sockets: list[tuple[Endpoint, socket.socket]] | None = None) -> None:
        """Start accepting. ``sockets``: already bound (a worker); None: bind them here."""
        loop = asyncio.get_running_loop()
        self._state = state = ServerState(
            loop, self.app, self._httperr, self.site_counts, offline_site_ids(self.config)
        )
        if sockets is None:
            planned = self.plan()
            if any(e.tls for e in planned):
                from w3py.server.tls import attach_ssl_contexts

                for problem in attach_ssl_contexts(planned, Path(getattr(self.config, "root", "."))):
                    logger.warning("%s", problem)
            sockets = bind_sockets(planned)
            self._owned_sockets = [sock for _, sock in sockets]
        from w3py.server.connection import HTTPConnection

        for endpoint, sock in sockets:
            self.endpoints.append(endpoint)

            def factory(endpoint: Endpoint = endpoint) -> HTTPConnection:
                return HTTPConnection(state, endpoint)

            if endpoint.tls:
                server = await loop.create_server(
                    factory, sock=sock, backlog=LISTEN_BACKLOG, ssl=endpoint.ssl,
                    ssl_handshake_timeout=endpoint.timeout_s,
                )
            else:
                server = await loop.create_server(factory, sock=sock, backlog=LISTEN_BACKLOG)
            self._servers.append(server)

    @property
    def connections(self) -> set[Any]:
        return self._state.connections if self._state is not None else set()

    async def stop(self, grace_s: float = GRACEFUL_STOP_S) -> None:
        """Stop accepting, let responses in progress finish (up to ``grace_s``), close everything, flush the
        HTTPERR log."""
        state = self._state
        for server in self._servers:
            server.close()
        if state is not None:
            state.stopping = True
            for conn in list(state.connections):
                conn.shutdown()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + grace_s
            while state.connections and loop.time() < deadline:
                await asyncio.sleep(0.05)
            for conn in list(state.connections):
                conn._abort()
            # let connection_lost callbacks run
            await asyncio.sleep(0)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        for sock in self._owned_sockets:
            sock.close()
        self._owned_sockets.clear()
        if self._httperr is not None:
            self._httperr.flush()
            self._httperr.close()
