"""``w3py serve``: the server root created on first run, one line per binding, a broken configuration or a
busy port as one line and exit 2, the real applicationHost.config driving the listener."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from w3py.process.server_root import WELCOME_PAGE, ensure_server_root

pytestmark = pytest.mark.slow

FIXED_APP = "w3py.testing.server:fixed_response_app"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def w3py(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
    full_env = dict(os.environ)
    full_env.pop("W3PY_ROOT", None)
    full_env.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "w3py", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
        cwd=cwd,
    )


def wait_serving(proc: subprocess.Popen, port: int, limit_s: float = 15.0) -> httpx.Response:
    deadline = time.monotonic() + limit_s
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(proc.communicate()) from None
            time.sleep(0.05)


def stop(proc: subprocess.Popen) -> tuple[int, str, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    """Wait for a process that is expected to exit by itself."""
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


def rebind(config: Path, port: int) -> None:
    text = config.read_text(encoding="utf-8")
    text = re.sub(r'bindingInformation="\*:\d+:"', f'bindingInformation="*:{port}:"', text)
    config.write_text(text, encoding="utf-8")


def test_server_root_layout_is_created_from_the_default(tmp_path) -> None:
    config = ensure_server_root(tmp_path / "root")
    root = tmp_path / "root"
    assert config == root / "config" / "applicationHost.config"
    assert "Default Web Site" in config.read_text(encoding="utf-8")
    assert (root / "inetpub" / "wwwroot" / "iisstart.htm").read_text(encoding="utf-8") == WELCOME_PAGE
    assert (root / "inetpub" / "logs" / "LogFiles").is_dir()
    assert (root / "logs" / "HTTPERR").is_dir()


def test_existing_root_is_left_alone(tmp_path) -> None:
    config = ensure_server_root(tmp_path)
    config.write_text("<configuration/>", encoding="utf-8")
    (tmp_path / "inetpub" / "wwwroot" / "iisstart.htm").write_text("mine", encoding="utf-8")
    ensure_server_root(tmp_path)
    assert config.read_text(encoding="utf-8") == "<configuration/>"
    assert (tmp_path / "inetpub" / "wwwroot" / "iisstart.htm").read_text(encoding="utf-8") == "mine"


def test_serve_without_config_uses_w3py_root(tmp_path) -> None:
    root = tmp_path / "root"
    port = free_port()
    rebind(ensure_server_root(root), port)
    proc = w3py("--workers", "1", "--app", FIXED_APP, env={"W3PY_ROOT": str(root)})
    try:
        assert wait_serving(proc, port).text == "Hello, world!"
        httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "bad host"})
    finally:
        code, out, err = stop(proc)
    assert code == 0, err
    assert f"Listening on http://localhost:{port}/ for site 'Default Web Site' (id 1), binding *:{port}:" in out
    # the HTTPERR folder is the root's, and the log was flushed at the graceful stop
    assert "Hostname" in (root / "logs" / "HTTPERR" / "httperr1.log").read_text()


def test_serve_without_config_or_env_creates_w3py_root_in_the_working_directory(tmp_path) -> None:
    proc = w3py("--workers", "1", "--app", FIXED_APP, cwd=tmp_path)
    # the default site binds *:8080, which may be taken on a shared machine: only the layout is checked
    deadline = time.monotonic() + 15
    while not (tmp_path / "w3py-root" / "logs" / "HTTPERR").is_dir() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop(proc)
    assert (tmp_path / "w3py-root" / "config" / "applicationHost.config").is_file()


def test_serve_with_config_serves_exactly_its_sites(tmp_path) -> None:
    port = free_port()
    config = tmp_path / "applicationHost.config"
    ensure_server_root(tmp_path / "root")
    text = (tmp_path / "root" / "config" / "applicationHost.config").read_text(encoding="utf-8")
    text = text.replace('bindingInformation="*:8080:"', f'bindingInformation="127.0.0.1:{port}:only.example"')
    config.write_text(text, encoding="utf-8")
    proc = w3py("--config", str(config), "--workers", "1", "--app", FIXED_APP, env={"W3PY_ROOT": str(tmp_path)})
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                ok = httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "only.example"}, timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
        other = httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "other.example"}, timeout=5)
    finally:
        code, out, err = stop(proc)
    assert ok.status_code == 200 and other.status_code == 404
    assert code == 0 and f"binding 127.0.0.1:{port}:only.example" in out


def test_broken_config_is_one_line_and_exit_2(tmp_path) -> None:
    config = tmp_path / "applicationHost.config"
    config.write_text("<configuration>\n  <system.applicationHost>\n  <oops\n</configuration>\n", encoding="utf-8")
    code, out, err = finish(w3py("--config", str(config)))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(config) in lines[0] and "Traceback" not in err


def test_missing_config_is_one_line_and_exit_2(tmp_path) -> None:
    code, out, err = finish(w3py("--config", str(tmp_path / "nope.config")))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "nope.config" in err


def test_port_in_use_names_the_binding_and_exits_2(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        rebind(ensure_server_root(tmp_path), port)
        code, out, err = finish(w3py("--workers", "1", env={"W3PY_ROOT": str(tmp_path)}))
    assert code == 2
    assert err.strip() == f"cannot listen on binding *:{port}:: address already in use"


def test_default_site_serves_the_welcome_page_through_the_pipeline(tmp_path) -> None:
    port = free_port()
    rebind(ensure_server_root(tmp_path), port)
    proc = w3py("--workers", "1", env={"W3PY_ROOT": str(tmp_path)})
    try:
        response = wait_serving(proc, port)
    finally:
        stop(proc)
    assert response.status_code == 200 and "w3py is running" in response.text


def test_https_binding_without_certificate_is_reported_and_the_rest_is_served(tmp_path) -> None:
    config = ensure_server_root(tmp_path)
    port, https_port = free_port(), free_port()
    text = config.read_text(encoding="utf-8").replace(
        '<binding protocol="http" bindingInformation="*:8080:" />',
        f'<binding protocol="http" bindingInformation="*:{port}:" />'
        f'<binding protocol="https" bindingInformation="*:{https_port}:secure.example" />',
    )
    config.write_text(text, encoding="utf-8")
    proc = w3py("--workers", "1", "--app", FIXED_APP, env={"W3PY_ROOT": str(tmp_path)})
    try:
        assert wait_serving(proc, port).status_code == 200
    finally:
        code, out, err = stop(proc)
    assert code == 0
    assert f"no certificate for binding https *:{https_port}:secure.example" in out
    assert f"binding https *:{https_port}" not in out.replace("no certificate for binding https", "")


def test_server_root_that_cannot_be_created_is_one_line_and_exit_2(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, out, err = finish(w3py(env={"W3PY_ROOT": str(blocker / "root")}))
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith(f"cannot create the server root {blocker / 'root'}")
