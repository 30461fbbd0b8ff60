"""Certificates for https bindings: w3py's stand-in for HTTP.sys's SSL bindings and IIS's Central
Certificate Store.

On Windows a certificate is bound to ``ip:port`` (``netsh http add sslcert``) or, with SNI, to
``hostname:port``, or it is taken from the Central Certificate Store, a folder of ``<hostname>.pfx`` files.
None of that lives in applicationHost.config. w3py uses one folder under the server root, ``ssl/``:

* ``<hostname>.pem`` for a binding with a host name (served by SNI), ``<hostname>.crt`` + ``<hostname>.key``
  also accepted, and ``_.example.com.pem`` for a wildcard certificate ``*.example.com``;
* ``default.pem`` (or ``default.crt`` + ``.key``) for bindings without a host name, and for clients that
  send no SNI or an unknown name.

A ``.pem`` holds the certificate chain and the private key (unencrypted).

An https binding without a usable certificate does not stop the server: IIS starts such a site too, and
its TLS handshakes fail. w3py says so in one line naming the binding and the file it looked for, and does
not listen on that endpoint; the site's other bindings are served. (A configuration copied from Windows
usually has ``https *:443:`` bound to a certificate that lives in the Windows store.)
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from w3py.server.bindings import Endpoint

# Where the certificates sit under the server root.
SSL_SUBDIR = "ssl"
DEFAULT_CERT_NAME = "default"


class TLSConfigError(Exception):
    """An https binding without a usable certificate."""


def ssl_directory(root: Path) -> Path:
    return Path(root) / SSL_SUBDIR


def _cert_files(directory: Path, name: str) -> tuple[Path, Path | None] | None:
    pem = directory / f"{name}.pem"
    if pem.is_file():
        return pem, None
    crt, key = directory / f"{name}.crt", directory / f"{name}.key"
    if crt.is_file() and key.is_file():
        return crt, key
    return None


def _context(files: tuple[Path, Path | None], binding: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    try:
        context.load_cert_chain(str(files[0]), str(files[1]) if files[1] else None)
    except (OSError, ssl.SSLError) as exc:
        raise TLSConfigError(f"cannot use the certificate {files[0]} for binding {binding}: {exc}") from exc
    return context


def attach_ssl_contexts(endpoints: list[Endpoint], root: Path) -> list[str]:
    """Give every https endpoint its SSLContext (default certificate + one per host name, chosen by SNI).
    Endpoints without any usable certificate are removed from ``endpoints``. The returned lines say what
    is not served, or served with another name's certificate."""
    problems: list[str] = []
    for endpoint in list(endpoints):
        if not endpoint.tls:
            continue
        try:
            problems.extend(_attach(endpoint, ssl_directory(root)))
        except TLSConfigError as exc:
            endpoints.remove(endpoint)
            problems.append(f"{exc}; not listening on it")
    return problems


def _attach(endpoint: Endpoint, directory: Path) -> list[str]:
    """Attach the endpoint's context; raise ``TLSConfigError`` when it has no usable certificate at all."""
    hosts = sorted({host for (_, host) in endpoint.routes if host})
    by_host: dict[str, ssl.SSLContext] = {}
    notes: list[str] = []
    for host in hosts:
        files = _cert_files(directory, host) or _cert_files(directory, _wildcard_name(host))
        if files is not None:
            try:
                by_host[host] = _context(files, _binding_for(endpoint, host))
            except TLSConfigError as exc:
                notes.append(str(exc))
    default_files = _cert_files(directory, DEFAULT_CERT_NAME)
    default = _context(default_files, _binding_for(endpoint, "")) if default_files is not None else None
    missing = [host for host in hosts if host not in by_host]
    if default is None:
        if not by_host:
            host = missing[0] if missing else ""
            wanted = f"{host}.pem" if host else f"{DEFAULT_CERT_NAME}.pem"
            raise TLSConfigError(
                f"no certificate for binding {_binding_for(endpoint, host)} (looked for {directory / wanted})"
            )
        # Clients without SNI (and the names below) get the first host's certificate, as a browser would
        # see with a wrong certificate bound in IIS.
        default = by_host[hosts[0] if hosts[0] in by_host else next(iter(by_host))]
        if _has_hostless_binding(endpoint):
            missing.insert(0, "")
        for host in missing:  # (with a default.pem, names without their own file simply get that one)
            wanted = f"{host}.pem" if host else f"{DEFAULT_CERT_NAME}.pem"
            notes.append(
                f"no certificate for binding {_binding_for(endpoint, host)} (looked for {directory / wanted});"
                " its clients get another name's certificate"
            )
    if by_host:
        default.sni_callback = _sni_chooser(by_host)
    endpoint.ssl = default
    return notes


def _wildcard_name(host: str) -> str:
    parts = host.split(".", 1)
    return "_." + parts[1] if len(parts) == 2 else host


def _has_hostless_binding(endpoint: Endpoint) -> bool:
    return any(not host for (_, host) in endpoint.routes) or not endpoint.routes


def _binding_for(endpoint: Endpoint, host: str) -> str:
    for text in endpoint.bindings:
        if text.rsplit(":", 1)[-1].lower() == host:
            return text
    return endpoint.bindings[0] if endpoint.bindings else f"https {endpoint.ip}:{endpoint.port}:"


def _sni_chooser(by_host: dict[str, ssl.SSLContext]) -> Any:
    def choose(sslobj: ssl.SSLObject, server_name: str | None, _default: ssl.SSLContext) -> None:
        if server_name:
            name = server_name.lower()
            context = by_host.get(name)
            if context is None and "." in name:  # a wildcard host header binding ("*.contoso.com")
                context = by_host.get("*." + name.split(".", 1)[1])
            if context is not None:
                sslobj.context = context
        return None

    return choose
