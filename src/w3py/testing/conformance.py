"""Helpers for the conformance tests: a server root built around a real IIS-shaped applicationHost.config,
``w3py serve --config`` started as a subprocess (what a user runs), and the W3C log it writes.

    root = ServerRoot.create(tmp, apphost_text, files={"index.html": "hi"}, web_configs={"": "<...>"})
    with serving(root) as srv:
        httpx.get(srv.url("/"))
        srv.log_entry(lambda e: e["cs-uri-stem"] == "/")   # waits (bounded) for the flushed line
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from w3py.config import default_config_path

CUSTERR_SOURCE = Path(__file__).resolve().parents[1] / "config" / "default" / "custerr"
# How long a subprocess server may take to start listening, and the log to be flushed (bounded polls, not
# sleeps: the test goes on as soon as the condition holds).
START_LIMIT_S = 20.0
LOG_LIMIT_S = 5.0

_BINDING = re.compile(r'(<binding\s+protocol="http"\s+bindingInformation=")([^"]*)(")')
_TLS_BINDING = re.compile(r'(<binding\s+protocol="https"\s+bindingInformation=")([^"]*)(")')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rebind(text: str, port: int, others: list[int] | None = None) -> str:
    """The first http binding moved to 127.0.0.1:<port> (keeping its host name); other http bindings are
    moved to free ports (appended to ``others`` in document order) so that nothing needs privileges or
    collides. Bindings that shared a port keep sharing one."""
    seen: dict[str, int] = {}

    def repl(m: re.Match[str]) -> str:
        _ip, old_port, host = (m.group(2).split(":", 2) + ["", ""])[:3]
        if old_port not in seen:
            seen[old_port] = port if not seen else free_port()
            if len(seen) > 1 and others is not None:
                others.append(seen[old_port])
        return f"{m.group(1)}127.0.0.1:{seen[old_port]}:{host}{m.group(3)}"

    return _BINDING.sub(repl, text)


def rebind_tls(text: str, ports: list[int]) -> str:
    """Every https binding moved to 127.0.0.1 and a free port (appended to ``ports`` in document order)."""

    def repl(m: re.Match[str]) -> str:
        host = (m.group(2).split(":", 2) + ["", ""])[2]
        ports.append(free_port())
        return f"{m.group(1)}127.0.0.1:{ports[-1]}:{host}{m.group(3)}"

    return _TLS_BINDING.sub(repl, text)


def write_certificate(root: Path) -> Path:
    """A throw-away CA and a certificate for localhost/127.0.0.1 in ``<root>/ssl/default.pem`` (where w3py
    looks for the certificate of https bindings without a host name); returns the CA file for clients."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    folder = root / "ssl"
    folder.mkdir(parents=True, exist_ok=True)
    cert.private_key_and_cert_chain_pem.write_to_path(str(folder / "default.pem"))
    ca_file = root / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ca_file


def stock_text() -> str:
    return default_config_path().read_text(encoding="utf-8")


def with_locations(apphost: str, xml: str) -> str:
    """``xml`` (``<location>`` blocks) inserted before ``</configuration>``."""
    end = apphost.rindex("</configuration>")
    return apphost[:end] + xml + "\n" + apphost[end:]


def with_sites(apphost: str, xml: str) -> str:
    """``xml`` (``<site>`` elements) added after the last ``</site>``."""
    end = apphost.rindex("</site>") + len("</site>")
    return apphost[:end] + "\n" + xml + apphost[end:]


def wrap_web_config(body: str) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n{body}\n</configuration>\n'


@dataclass
class ServerRoot:
    path: Path
    port: int
    config: Path
    other_ports: list[int] = field(default_factory=list)
    tls_ports: list[int] = field(default_factory=list)
    ca_file: Path | None = None  # the CA that signed ssl/default.pem, when https bindings exist

    @classmethod
    def create(cls, path: Path, apphost: str | None = None, *, files: dict[str, bytes | str] | None = None,
               web_configs: dict[str, str | bytes] | None = None, certificate: bool = True) -> "ServerRoot":
        """``web_configs`` maps a folder under wwwroot ("" = root) to a complete web.config (str or raw
        bytes, written as given). https bindings get free ports and, unless ``certificate`` is false, a
        test certificate (as an admin would install one)."""
        port = free_port()
        (path / "config").mkdir(parents=True, exist_ok=True)
        wwwroot = path / "inetpub" / "wwwroot"
        wwwroot.mkdir(parents=True, exist_ok=True)
        config = path / "config" / "applicationHost.config"
        others: list[int] = []
        tls_ports: list[int] = []
        text = rebind_tls(rebind(apphost if apphost is not None else stock_text(), port, others), tls_ports)
        config.write_text(text, encoding="utf-8")
        ca_file = write_certificate(path) if tls_ports and certificate else None
        for rel, body in (files or {}).items():
            target = wwwroot / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body.encode("utf-8") if isinstance(body, str) else body)
        for rel, body in (web_configs or {}).items():
            folder = wwwroot / rel if rel else wwwroot
            folder.mkdir(parents=True, exist_ok=True)
            data = body if isinstance(body, bytes) else body.encode("utf-8")
            (folder / "web.config").write_bytes(data)
        if not (path / "inetpub" / "custerr").exists():
            shutil.copytree(CUSTERR_SOURCE, path / "inetpub" / "custerr")
        return cls(path, port, config, others, tls_ports, ca_file)

    @property
    def wwwroot(self) -> Path:
        return self.path / "inetpub" / "wwwroot"

    @property
    def log_dir(self) -> Path:
        return self.path / "inetpub" / "logs" / "LogFiles" / "W3SVC1"


def w3py_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "w3py", *args]


@dataclass
class Served:
    root: ServerRoot
    proc: subprocess.Popen
    output: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.root.port

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def connect(self, timeout: float = 10.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def raw(self, data: bytes, timeout: float = 10.0) -> bytes:
        """Send raw bytes, half-close, read until the server closes."""
        with self.connect(timeout) as sock:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)

    # --- the W3C log -------------------------------------------------------------------------------------

    def log_entries(self) -> list[dict[str, str]]:
        """Every data line of every W3C file of site 1, parsed strictly (IIS's framing is asserted too)."""
        from w3py.testing.w3c_log import parse_w3c

        entries: list[dict[str, str]] = []
        if self.root.log_dir.exists():
            for f in sorted(self.root.log_dir.glob("*.log")):
                entries.extend(parse_w3c(f).rows)
        return entries

    def httperr_lines(self) -> list[str]:
        """Data lines of the HTTPERR log (``<root>/logs/HTTPERR``), as written."""
        folder = self.root.path / "logs" / "HTTPERR"
        lines: list[str] = []
        for f in sorted(folder.glob("*.log")) if folder.exists() else []:
            lines.extend(line for line in f.read_text(encoding="utf-8", errors="replace").splitlines()
                         if line and not line.startswith("#"))
        return lines

    def httperr_line(self, needle: str) -> str:
        """The last HTTPERR line containing ``needle``, waiting (bounded) for it to be written."""
        deadline = time.monotonic() + LOG_LIMIT_S
        while True:
            found = [line for line in self.httperr_lines() if needle in line]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no HTTPERR line with {needle!r}; have {self.httperr_lines()[-5:]}")
            time.sleep(0.05)

    def log_entry(self, match: Callable[[dict[str, str]], bool]) -> dict[str, str]:
        """The last log line ``match`` accepts, waiting (bounded) for the server's periodic flush."""
        deadline = time.monotonic() + LOG_LIMIT_S
        while True:
            found = [e for e in self.log_entries() if match(e)]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no matching W3C log line; have {self.log_entries()[-5:]}")
            time.sleep(0.05)


def wait_for(condition: Callable[[], object], what: str = "condition") -> object:
    """Poll ``condition`` until it returns something truthy (bounded by LOG_LIMIT_S); return that."""
    deadline = time.monotonic() + LOG_LIMIT_S
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def start(root: ServerRoot, *extra: str, workers: int = 1) -> Served:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("W3PY_ROOT", None)
    proc = subprocess.Popen(w3py_command("serve", "--config", str(root.config), "--workers", str(workers), *extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            cwd=root.path)
    served = Served(root, proc)
    deadline = time.monotonic() + START_LIMIT_S
    while True:
        try:
            with socket.create_connection(("127.0.0.1", root.port), timeout=1):
                return served
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                out = stop(served)
                raise AssertionError(f"w3py serve did not start (exit {proc.returncode}):\n{out}") from None
            time.sleep(0.05)


def stop(served: Served) -> str:
    proc = served.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    served.output.append(out or "")
    return out or ""


@contextmanager
def serving(root: ServerRoot, *extra: str, workers: int = 1) -> Iterator[Served]:
    served = start(root, *extra, workers=workers)
    try:
        yield served
    finally:
        stop(served)


def run_w3py(*args: str, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("W3PY_ROOT", None)
    return subprocess.run(w3py_command(*args), capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


def headers_as_sent(raw: bytes) -> list[tuple[str, str]]:
    """Header lines of the first response in ``raw`` exactly as the server wrote them (name casing kept)."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return [(line.split(":", 1)[0], line.split(":", 1)[1].strip()) for line in head if ":" in line]


def status_line(raw: bytes) -> str:
    return raw.split(b"\r\n", 1)[0].decode("latin-1")

