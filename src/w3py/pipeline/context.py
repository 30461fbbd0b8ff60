"""The per-request state: ``HTTPContext`` (IIS's IHttpContext) and the response it builds (IHttpResponse).

Both are slotted and small (STYLE.md §2.4): everything that could be computed once per path lives on the plan,
not here. Server variables are computed on demand, never eagerly.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable

from w3py.errors import ConfigError
from w3py.protocol.messages import FileBody, Request
from w3py.status import OK, Status

if TYPE_CHECKING:
    from w3py.pipeline.module import Module
    from w3py.pipeline.notifications import Notification

log = logging.getLogger("w3py.pipeline")

# The name the detailed error page shows when the engine itself (config, mapping, access checks) set the
# status rather than a module (IIS labels these "IIS Web Core").
WEB_CORE = "IIS Web Core"


class HTTPResponse:
    """The response being built: status (with IIS substatus and win32 code), headers, body.

    Headers are ``(name, value)`` byte pairs with lower-case names. ``set_status`` records which module and
    notification set the status, for the detailed error page and ``w3py explain``.
    """

    __slots__ = (
        "_ctx",
        "status",
        "win32",
        "reason",
        "headers",
        "body",
        "close",
        "server_header",
        "skip_custom_errors",
    )

    def __init__(self, ctx: "HTTPContext") -> None:
        self._ctx = ctx
        self.status: Status = OK
        self.win32 = 0
        self.reason = ""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: bytes | FileBody | AsyncIterator[bytes] = b""
        self.close = False
        self.server_header = True
        # IIS's fTrySkipCustomErrors: the producer asks CustomErrorModule to leave its body alone
        self.skip_custom_errors = False

    def set_status(
        self,
        status: Status,
        win32: int = 0,
        detail: str | None = None,
        *,
        reason: str = "",
        skip_custom_errors: bool = False,
    ) -> None:
        """Set the status (IIS SetStatus): code and substatus, the Win32/HRESULT behind it, and a detail line
        for the error page. The current module and notification are recorded as the setter."""
        self.status = status
        self.win32 = win32
        self.reason = reason
        self.skip_custom_errors = skip_custom_errors
        ctx = self._ctx
        ctx.detail = detail
        module = ctx.current_module
        ctx.status_module = module.name if module is not None else WEB_CORE
        ctx.status_notification = ctx.current_notification

    # --- headers -----------------------------------------------------------------------------------------
    def get_header(self, name: bytes) -> bytes | None:
        """The first value of header ``name`` (lower-case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def set_header(self, name: bytes, value: bytes) -> None:
        """Replace every ``name`` header with one ``name: value``."""
        self.remove_header(name)
        self.headers.append((name, value))

    def add_header(self, name: bytes, value: bytes) -> None:
        """Append a ``name: value`` header, keeping existing ones."""
        self.headers.append((name, value))

    def remove_header(self, name: bytes) -> None:
        """Drop every ``name`` header."""
        headers = self.headers
        if any(key == name for key, _ in headers):
            self.headers = [(k, v) for k, v in headers if k != name]

    def clear(self) -> None:
        """Drop the body and the entity headers (an error replaces what a handler had started)."""
        self.body = b""
        self.headers = [
            (k, v) for k, v in self.headers if k not in _ENTITY_HEADERS
        ]


_ENTITY_HEADERS = frozenset(
    {
        b"content-type",
        b"content-length",
        b"content-range",
        b"content-encoding",
        b"etag",
        b"last-modified",
        b"accept-ranges",
        b"cache-control",
        b"expires",
    }
)


class HTTPContext:
    """One request on its way through the pipeline (IIS IHttpContext).

    Attributes a module reads:

    * ``request`` — the listener's ``Request`` (method, raw target, lower-cased headers, body stream, peer).
    * ``response`` — the ``HTTPResponse`` being built.
    * ``site`` — the configuration site the listener chose; ``application`` and ``vdir`` from path mapping.
    * ``url`` — the virtual path, percent-decoded once and with dot segments resolved (``/a/b.txt``).
    * ``physical_path`` — the file-system path the URL maps to (not checked for existence), ``""`` if none;
      for a URL split by a handler with ``allowPathInfo`` (``/x.php/extra``), the script's path.
    * ``path_info`` — the part of ``url`` after the script name when such a split happened (``/extra``), else "".
    * ``config`` — the effective configuration for the URL: ``ctx.config[StaticContentSection]``; None when
      the configuration for this path is broken (``config_error`` then holds the ConfigError, status 500.19).
    * ``status``, ``substatus``, ``win32`` — the current status; ``status_module`` and
      ``status_notification`` name who set it; ``detail`` is a line for the detailed error page;
      ``exception`` is the unhandled exception behind a 500.0 and ``error_id`` its log correlation id.
    * ``handler_name`` — the ``<handlers>`` entry chosen at MAP_REQUEST_HANDLER (None before that).
    * ``module_data`` — a list with one slot per module of the plan, indexed by ``module.index``, for
      module-private per-request state.
    * ``user`` — the authenticated user: None until an authentication module accepts the request, "" for the
      anonymous user (IIS Web Core answers 401.2 when AUTHENTICATE_REQUEST leaves it None).
    * ``result`` — the listener's ``ResponseResult`` (bytes sent, time) once the response is written: set
      before LOG_REQUEST runs.
    * ``started`` — ``time.monotonic()`` when the request arrived.
    * ``child`` — None for a client's request; for a child request (``pipeline/child.py``) a ``ChildInfo``
      with the parent context and the nesting depth.
    """

    __slots__ = (
        "request",
        "response",
        "site",
        "application",
        "vdir",
        "url",
        "physical_path",
        "path_info",
        "config",
        "config_error",
        "plan",
        "handler",
        "handler_name",
        "current_module",
        "current_notification",
        "status_module",
        "status_notification",
        "detail",
        "exception",
        "error_id",
        "module_data",
        "result",
        "started",
        "finished",
        "file_info",
        "user",
        "cache_state",
        "cache_depends",
        "child",
        "_server_variables",
        "concurrency_key",
    )

    def __init__(self, request: Request, site: Any = None) -> None:
        self.request = request
        self.response = HTTPResponse(self)
        self.site = site if site is not None else request.site
        self.application: Any = None
        self.vdir: Any = None
        self.url = "/"
        self.physical_path = ""
        self.path_info = ""
        self.config: Any = None
        self.config_error: ConfigError | None = None
        self.plan: Any = None
        self.handler: Any = None
        self.handler_name: str | None = None
        self.current_module: Module | None = None
        self.current_notification: Notification | None = None
        self.status_module: str | None = None
        self.status_notification: Notification | None = None
        self.detail: str | None = None
        self.exception: BaseException | None = None
        self.error_id: str | None = None
        self.module_data: list[Any] = []
        self.result: Any = None
        self.started = request.received_at
        self.finished = False
        # stat of the physical path, shared by handler mapping and the static handlers (None: not looked up)
        self.file_info: Any = None
        # the authenticated user (cs-username): None until an authentication module accepts the request, ""
        # for the anonymous user; IIS Web Core answers 401.2 when AUTHENTICATE_REQUEST leaves it None
        self.user: str | None = None
        self.cache_state: Any = None  # the response cache's note about this request
        # (path, signature) pairs a cacheable output depends on beyond the served file (see pipeline/cache.py)
        self.cache_depends: list[tuple[str, tuple[int, int, int, int]]] | None = None
        # a ChildInfo (parent, depth) when this is a child request (pipeline/child.py), None for a client's
        self.child: Any = None
        self._server_variables: dict[str, str] | None = None
        # the application this request is counted in (serverRuntime/@appConcurrentRequestLimit), until its
        # response is sent; None when it is not counted
        self.concurrency_key: Any = None

    # --- status -------------------------------------------------------------------------------------------
    @property
    def status(self) -> Status:
        """The response status as a ``Status`` (code and substatus)."""
        return self.response.status

    @property
    def substatus(self) -> int:
        return self.response.status.substatus

    @property
    def win32(self) -> int:
        return self.response.win32

    def set_status(self, status: Status, win32: int = 0, detail: str | None = None) -> None:
        """Shorthand for ``ctx.response.set_status``."""
        self.response.set_status(status, win32, detail)

    # --- server variables (IIS names) ---------------------------------------------------------------------
    def server_variable(self, name: str) -> str | None:
        """The IIS server variable ``name`` (``HTTP_HOST``, ``URL``, ``QUERY_STRING``, ``REMOTE_ADDR`` ...),
        or None if it is not defined for this request. ``HTTP_<NAME>`` gives any request header."""
        overrides = self._server_variables
        if overrides is not None and name in overrides:
            return overrides[name]
        getter = _SERVER_VARIABLES.get(name)
        if getter is not None:
            return getter(self)
        if name.startswith("HTTP_"):
            header = name[5:].lower().replace("_", "-").encode("latin-1")
            value = self.request.header(header)
            return value.decode("latin-1") if value is not None else None
        return None

    def set_server_variable(self, name: str, value: str) -> None:
        """Set (or override) a server variable for this request (URL Rewrite's serverVariables)."""
        if self._server_variables is None:
            self._server_variables = {}
        self._server_variables[name] = value

    def __repr__(self) -> str:
        return f"<HTTPContext {self.request.method} {self.url} {self.status}>"


def _header_var(name: bytes) -> Callable[[HTTPContext], str | None]:
    def get(ctx: HTTPContext) -> str | None:
        value = ctx.request.header(name)
        return value.decode("latin-1") if value is not None else None

    return get


def _app_physical(ctx: HTTPContext) -> str:
    vdir = ctx.vdir
    path = getattr(vdir, "physical_path", None)
    if path is None:
        return ""
    text = str(path)
    return text if text.endswith("/") else text + "/"


def _server_name(ctx: HTTPContext) -> str:
    host = (ctx.request.header(b"host") or b"").decode("latin-1")
    if host.startswith("["):  # IPv6 literal: [::1]:80
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host else ctx.request.server[0]


def _app_path(ctx: HTTPContext) -> str:
    return str(getattr(ctx.application, "path", "/") or "/")


_SERVER_VARIABLES: dict[str, Callable[[HTTPContext], str | None]] = {
    "REQUEST_METHOD": lambda c: c.request.method,
    "URL": lambda c: c.url,
    "SCRIPT_NAME": lambda c: c.url[: len(c.url) - len(c.path_info)] if c.path_info else c.url,
    "PATH_INFO": lambda c: c.path_info or c.url,
    "UNENCODED_URL": lambda c: c.request.target.decode("latin-1"),
    "REQUEST_URI": lambda c: c.request.target.decode("latin-1"),
    "QUERY_STRING": lambda c: c.request.query.decode("latin-1"),
    "HTTP_HOST": _header_var(b"host"),
    "HTTP_USER_AGENT": _header_var(b"user-agent"),
    "HTTP_REFERER": _header_var(b"referer"),
    "HTTP_COOKIE": _header_var(b"cookie"),
    "SERVER_NAME": lambda c: _server_name(c),
    "REMOTE_ADDR": lambda c: c.request.client[0],
    "REMOTE_HOST": lambda c: c.request.client[0],
    "REMOTE_PORT": lambda c: str(c.request.client[1]),
    "LOCAL_ADDR": lambda c: c.request.server[0],
    "SERVER_PORT": lambda c: str(c.request.server[1]),
    "SERVER_PORT_SECURE": lambda c: "1" if c.request.tls else "0",
    "HTTPS": lambda c: "on" if c.request.tls else "off",
    "SERVER_PROTOCOL": lambda c: "HTTP/" + c.request.http_version,
    "SERVER_SOFTWARE": lambda c: "w3py",
    "CONTENT_LENGTH": lambda c: str(c.request.content_length or 0),
    "CONTENT_TYPE": lambda c: (c.request.header(b"content-type") or b"").decode("latin-1"),
    "APPL_MD_PATH": lambda c: f"/LM/W3SVC/{getattr(c.site, 'id', 0)}/ROOT"
    + ("" if _app_path(c) == "/" else _app_path(c)),
    "APPL_PHYSICAL_PATH": _app_physical,
    "APP_POOL_ID": lambda c: str(getattr(c.application, "application_pool", "") or ""),
    "INSTANCE_ID": lambda c: str(getattr(c.site, "id", 0)),
    "INSTANCE_NAME": lambda c: str(getattr(c.site, "name", "")),
    "PATH_TRANSLATED": lambda c: c.physical_path,
    "REQUEST_FILENAME": lambda c: c.physical_path,
    "SCRIPT_FILENAME": lambda c: c.physical_path,
    "AUTH_USER": lambda c: c.user or "",
    "LOGON_USER": lambda c: c.user or "",
    "REMOTE_USER": lambda c: c.user or "",
    "AUTH_TYPE": lambda c: "",
}
