"""``PipelineApplication``: the pipeline side of the listener seam (``w3py.protocol.messages.Application``).

Per request: decode the URL once, find (or build) the plan for (site, configuration path — the URL without a
trailing slash, as IIS evaluates it), map the physical path, run the engine; serve repeats of cacheable static
responses from the response cache (``cache.py``). Plans are built from the effective configuration:

* the module list is the effective ``<modules>`` (native entries must also be in ``<globalModules>``); a name
  that w3py does not implement (``w3py.modules.MODULES``) → 500.21 for every request of that path, except the
  native modules in ``w3py.modules.SKIPPABLE_NATIVE`` (handler providers, caches, compression, tracing …),
  which are left out — a request whose handler names one still gets 500.21; managed entries with the
  ``managedHandler`` precondition never run (no managed handlers exist in w3py) and are skipped, other managed
  entries → 500.21;
* the handler map from ``<handlers>``;
* a ``ConfigError`` from ``effective()`` → 500.19 for that path, with the error on ``ctx.config_error``; the
  plan then uses the modules of the nearest ancestor path whose configuration loads (else applicationHost's
  server level), so errors are still rendered and logged, and the rest of the site is unaffected.

Plans are looked up per (site id, configuration path) and rebuilt when ``effective()`` returns a different
object (the configuration layer hands out a new snapshot when a file changes); paths whose configuration is
made of the same section objects share one plan.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from w3py.core import clock
from w3py.errors import ConfigError, HTTPError, ProtocolError
from w3py.pipeline import engine, win32
from w3py.pipeline.cache import NO_FILE, CacheEntry, ResponseCache, install_hit
from w3py.pipeline.context import HTTPContext
from w3py.pipeline.files import DEFAULT_OPTIONS, Mapper, SiteOptions
from w3py.pipeline.handlers import (
    RESOURCE_DIRECTORY,
    RESOURCE_EITHER,
    RESOURCE_FILE,
    HandlerMap,
    PreconditionError,
)
from w3py.pipeline.notifications import Notification, NotificationStatus
from w3py.pipeline.paths import url_from_raw
from w3py.protocol.messages import Request, Response, ResponseResult
from w3py.status import (
    CONCURRENT_REQUEST_LIMIT,
    CONFIG_DATA_INVALID,
    INTERNAL_SERVER_ERROR,
    LOGON_FAILED_SERVER_CONFIG,
    MODULE_NOT_RECOGNIZED,
    NO_HANDLER,
    NOT_FOUND,
    SSL_REQUIRED,
    Status,
)

log = logging.getLogger("w3py.pipeline")

# (site, configuration path) → plan entries kept. Bounded: URLs come from clients, and a path that does not
# exist still gets an entry (its parent's configuration).
MAX_PLANS = 4096
# Distinct plans (different configuration or virtual directory) kept; beyond it all are dropped and rebuilt.
MAX_SHARED_PLANS = 512

FINISH = NotificationStatus.FINISH_REQUEST
CONTINUE = NotificationStatus.CONTINUE

_LOOPBACK_PREFIXES = ("127.", "::1", "::ffff:127.")


def _empty_plan() -> "SitePlan":
    plan = SitePlan([])
    plan.application = plan.vdir = None
    plan.mapper = None
    plan.remove_server_header = False
    plan.site = None
    plan.server_config = None
    plan.pipeline = None
    plan.directory = "/"
    plan.use_cache = False
    plan.concurrency = None
    return plan


def config_path(url: str) -> str:
    """The configuration path IIS evaluates for ``url``: the URL itself without a trailing slash
    (``/a/b.txt``, ``/a/`` → ``/a``), so ``<location path="Site/a/b.txt">`` and a redirect configured for
    ``/a`` apply to exactly the requests IIS applies them to."""
    return url.rstrip("/") or "/"


class SitePlan(engine.Plan):
    """A plan plus what the application needs per path: the application and virtual directory, the mapper
    to physical paths, and the Server-header and response-cache switches."""

    __slots__ = ("mapper", "remove_server_header", "site", "server_config", "directory", "use_cache",
                 "application", "vdir", "pipeline", "concurrency")


_EMPTY_PLAN: "SitePlan"


class PipelineApplication:
    """The integrated pipeline for every site of a ``ServerConfig`` (``Application`` protocol).

    ``options`` holds w3py-specific site behaviour (``SiteOptions``), either one for all sites or a dict
    ``{site_id: SiteOptions}``.
    """

    # server/connection.py Rule 8: ``handle`` may be started outside a task; the engine gets into one before
    # it runs anything that may need one (engine Rule 9)
    eager = True

    def __init__(
        self,
        server_config: Any,
        options: SiteOptions | dict[int, SiteOptions] | None = None,
        modules: dict[str, type] | None = None,
    ) -> None:
        from w3py.modules import MODULES, SKIPPABLE_NATIVE  # the module list sits above the engine

        if modules is None:
            modules = MODULES
        self.skippable = SKIPPABLE_NATIVE
        self.config = server_config
        self.implemented = dict(modules)
        self._options = options
        # (site id, configuration path) -> (the EffectiveConfig or ConfigError it was built for, plan)
        self._dirs: dict[tuple[int, str], tuple[Any, SitePlan]] = {}
        # (site id, vdir, physical root, ids of the section objects) -> plan, shared by such directories
        self._shared: dict[tuple[Any, ...], SitePlan] = {}
        self._errors: dict[tuple[Any, ...], SitePlan] = {}
        self._skipped_logged: set[str] = set()
        self.cache = ResponseCache()
        # (site id, application path) -> requests of that application in progress in this process
        # (serverRuntime/@appConcurrentRequestLimit, counted per worker process as IIS counts per w3wp)
        self._running: dict[tuple[int, str], int] = {}

    # --- options / plans ----------------------------------------------------------------------------------
    def options_for(self, site: Any, effective: Any = None) -> SiteOptions:
        """The w3py-specific behaviour for a path: ``options`` given to the application win (tests, embedding);
        otherwise the path's ``<w3py><staticFiles caseInsensitiveFileNames serveDotFiles/></w3py>``."""
        opts = self._options
        if opts is not None:
            if isinstance(opts, SiteOptions):
                return opts
            return opts.get(getattr(site, "id", 0), DEFAULT_OPTIONS)
        if effective is not None:
            try:
                from w3py.config.sections import StaticFilesSection
            except ImportError:  # a configuration layer without w3py's own sections
                return DEFAULT_OPTIONS
            section = effective.get(StaticFilesSection)
            if section is not None:
                return SiteOptions(
                    case_insensitive_files=bool(section.case_insensitive_file_names),
                    serve_dot_files=bool(section.serve_dot_files),
                )
        return DEFAULT_OPTIONS

    def plan_for(self, site: Any, directory: str) -> SitePlan:
        """The plan for (site, directory) (see ``lookup``)."""
        return self.lookup(site, directory)[1]

    def lookup(self, site: Any, directory: str) -> tuple[Any, SitePlan]:
        """(effective configuration or ConfigError, plan) for (site, directory): one dictionary lookup when
        nothing changed.

        Directories whose effective configuration is made of the very same section objects (everything a
        directory without its own web.config or <location> inherits) and that lie in the same virtual
        directory share one plan, so a client walking thousands of made-up directories costs a configuration
        lookup each, not a plan build (module provisioning) each.
        """
        key = (site.id, directory.lower())
        try:
            effective: Any = self.config.effective(site, directory)
        except ConfigError as exc:
            effective = exc
        cached = self._dirs.get(key)
        if cached is not None and cached[0] is effective:
            return cached
        if isinstance(effective, ConfigError):
            plan = self._error_plan(site, directory, effective)
        else:
            plan = self._shared_plan(site, directory, effective)
        if len(self._dirs) >= MAX_PLANS:
            self._dirs.clear()
        found = self._dirs[key] = (effective, plan)
        return found

    def _shared_plan(self, site: Any, directory: str, effective: Any) -> SitePlan:
        mapped = site.map_path(directory)
        vdir_path = (mapped.application.path.rstrip("/") + mapped.vdir.path.rstrip("/")) or ""
        fingerprint = (site.id, vdir_path.lower(), str(mapped.vdir.physical_path),
                       tuple(id(section) for section in effective.values()))
        plan = self._shared.get(fingerprint)
        if plan is not None:
            return plan
        try:
            plan = self._build_plan(site, directory, effective, mapped)
        except ConfigError as exc:
            return self._error_plan(site, directory, exc)
        if len(self._shared) >= MAX_SHARED_PLANS:
            self._drop_all()
        self._shared[fingerprint] = plan
        return plan

    def _drop_all(self) -> None:
        for plan in self._shared.values():
            plan.cleanup()
        self._shared.clear()
        self._errors.clear()
        self._dirs.clear()
        self.cache.clear()

    def _error_plan(self, site: Any, directory: str, error: ConfigError) -> SitePlan:
        """500.19 for this directory, using the modules of the nearest ancestor whose configuration loads."""
        parent = directory
        base: SitePlan | None = None
        while parent != "/":
            parent = parent.rsplit("/", 1)[0] or "/"
            try:
                effective = self.config.effective(site, parent)
            except ConfigError:
                continue
            base = self._shared_plan(site, parent, effective)
            break
        if base is None:
            # even the site root is broken: applicationHost.config's server level still names the modules
            # that render and log the error
            server_level = getattr(self.config, "server_config", None)
            if server_level is not None:
                try:
                    base = self._shared_plan(site, "/", server_level)
                except Exception:  # nothing better to offer: an empty plan below
                    log.exception("no plan for the 500.19 of %s", directory)
                    base = None
                if base is not None and base.error is not None:
                    base = None
        error_key = (site.id, error.file, error.line, error.message, id(base))
        plan = self._errors.get(error_key)
        if plan is not None:
            return plan
        status_error = (CONFIG_DATA_INVALID, win32.from_hresult(error.hresult), error.message, error)
        if base is None:
            plan = SitePlan([], config=None, error=status_error)
            plan.application = plan.vdir = None
            plan.mapper = None
            plan.remove_server_header = False
            plan.use_cache = False
            plan.concurrency = None
        else:
            # the ancestor's modules (already provisioned) render and log the 500.19
            plan = SitePlan(list(base.modules), config=base.config, error=status_error)
            plan.application, plan.vdir = base.application, base.vdir
            plan.mapper = base.mapper
            plan.remove_server_header = base.remove_server_header
            plan.header_spelling = base.header_spelling
            plan.use_cache = False
            plan.concurrency = None  # a 500.19 is answered whatever the load
        plan.site = site
        plan.server_config = self.config
        plan.pipeline = self  # child requests (child.py) run in the same application
        plan.directory = directory
        if len(self._errors) >= MAX_SHARED_PLANS:
            self._errors.clear()
        self._errors[error_key] = plan
        return plan

    def _build_plan(self, site: Any, directory: str, effective: Any, mapped: Any) -> SitePlan:
        from w3py.config.sections import (
            AccessSection,
            GlobalModulesSection,
            HandlersSection,
            ModulesSection,
            RequestFilteringSection,
            ServerRuntimeSection,
        )

        error: tuple[Status, int, str | None, ConfigError | None] | None = None
        global_names = {entry.name for entry in effective[GlobalModulesSection].items}
        classes = []
        for entry in effective[ModulesSection].items:
            name = entry.name
            if entry.type:
                tokens = {t.strip().lower() for t in (entry.pre_condition or "").split(",")}
                if "managedhandler" in tokens:
                    continue  # runs only for managed handlers, which w3py does not have
                error = error or (MODULE_NOT_RECOGNIZED, win32.ERROR_MOD_NOT_FOUND,
                                  f'Managed module "{name}" ({entry.type}) is not supported by w3py', None)
                continue
            cls = self.implemented.get(name)
            if cls is None and name in self.skippable and name in global_names:
                if name not in self._skipped_logged:
                    self._skipped_logged.add(name)
                    log.info("module %s is not implemented by w3py; left out of the pipeline (a handler that "
                             "needs it answers 500.21)", name)
                continue
            if cls is None or name not in global_names:
                why = "is not implemented by w3py" if cls is None else "is not registered in <globalModules>"
                error = error or (MODULE_NOT_RECOGNIZED, win32.ERROR_MOD_NOT_FOUND, f'Module "{name}" {why}', None)
                continue
            classes.append(cls)
        modules = []
        for cls in classes:
            module = cls()
            try:
                module.provision(effective)
                module.validate()
            except ConfigError:
                raise
            except Exception as exc:  # a module bug must not take the site down: 500.0 for this path
                log.exception("%s could not be provisioned for %s", cls.name, directory)
                error = error or (INTERNAL_SERVER_ERROR, 0, f"{cls.name} could not be set up: "
                                  f"{type(exc).__name__}: {exc}", None)
                continue
            modules.append(module)
        try:
            handler_map = HandlerMap.build(effective[HandlersSection], {m.name for m in modules})
        except PreconditionError as exc:
            handler_map = HandlerMap(())
            error = error or (INTERNAL_SERVER_ERROR, win32.ERROR_INVALID_DATA, f"bad precondition: {exc}", None)
        core: dict[Notification, tuple[Any, ...]] = {
            Notification.AUTHORIZE_REQUEST: (require_user,),
            Notification.MAP_REQUEST_HANDLER: (map_request_handler,),
        }
        # Decided here, once per plan: a folder without sslFlags="Ssl" pays nothing per request (STYLE §2.4).
        if "Ssl" in effective[AccessSection].ssl_flags:
            core[Notification.AUTHENTICATE_REQUEST] = (require_ssl,)
        plan = SitePlan(
            modules,
            config=effective,
            core=core,
            error=error,
            handlers=handler_map,
        )
        for handler in handler_map.handlers:
            handler.entries = plan.handler_entries(handler.modules)
        options = self.options_for(site, effective)
        vdir_path = (mapped.application.path.rstrip("/") + mapped.vdir.path.rstrip("/")) or ""
        plan.mapper = Mapper(str(mapped.vdir.physical_path), vdir_path, options)
        plan.application = mapped.application
        plan.vdir = mapped.vdir
        try:
            plan.remove_server_header = bool(effective[RequestFilteringSection].remove_server_header)
        except (KeyError, AttributeError):
            plan.remove_server_header = False
        plan.site = site
        plan.server_config = self.config
        plan.pipeline = self  # child requests (child.py) run in the same application
        plan.directory = directory
        protocol = plan.by_name.get("ProtocolSupportModule")
        plan.header_spelling = getattr(protocol, "header_spelling", None)  # decided once per plan
        # the response cache serves this path only while HttpCacheModule is in its module list (IIS)
        plan.use_cache = options.response_cache and "HttpCacheModule" in plan.by_name
        runtime = effective[ServerRuntimeSection]
        # serverRuntime/@appConcurrentRequestLimit: requests of one application in progress at once
        plan.concurrency = ((site.id, mapped.application.path), runtime.app_concurrent_request_limit)
        return plan

    # --- requests -----------------------------------------------------------------------------------------
    def prepare(self, request: Request) -> HTTPContext:
        """A context with URL, plan, configuration and physical path set (nothing run yet)."""
        return self._prepare(request, None)

    def _prepare(self, request: Request, cached: CacheEntry | None) -> HTTPContext:
        """``prepare``; ``cached`` is the response-cache entry stored under this request's key (``ResponseCache.peek``), if
        any: its URL is what this request's path decodes to, and its physical path what the URL maps to under
        the entry's plan, so a repeated request is not decoded and mapped again (the plan itself is still
        looked up: a configuration change must be seen)."""
        if cached is not None:
            url = cached.url
        else:
            try:
                url = url_from_raw(request.path)
            except HTTPError as exc:
                # A URL HTTP.sys cannot canonicalise (invalid UTF-8 such as overlong %C0%AF, a control
                # character, a climb above the root) never reaches IIS: the listener answers its own 400
                # "Invalid URL" and logs it in HTTPERR, not in the site's W3C log (reference §4.5, §5.1).
                raise ProtocolError(exc.detail or "invalid URL", (400, 0), "URL") from exc
        ctx = HTTPContext(request)
        ctx.url = url
        effective, plan = self.lookup(ctx.site, config_path(url))
        ctx.plan = plan
        ctx.application = plan.application
        ctx.vdir = plan.vdir
        ctx.config = plan.config if isinstance(effective, ConfigError) else effective
        mapper = plan.mapper
        if mapper is not None:
            ctx.physical_path = cached.physical_path if cached is not None and cached.plan is plan else mapper.physical(url)
        return ctx

    async def handle(self, request: Request) -> Response:
        """Run the pipeline for one request (``Application.handle``)."""
        return self._finish(await self.run_context(request))

    async def run_context(self, request: Request) -> HTTPContext:
        """Everything but building the listener's Response: the context after SEND_RESPONSE. Raises
        ``ProtocolError`` (400, "URL") for a URL that cannot be canonicalised: the listener answers that one.

        If the request is cancelled mid-pipeline (server stop), LOG_REQUEST and END_REQUEST still run — the
        engine's Rule 6 — with a result saying nothing was sent (win32 64, ERROR_NETNAME_DELETED, as IIS logs
        requests whose client went away), then the cancellation goes on."""
        cache = self.cache
        cached = cache.peek(request) if cache.enabled else None
        try:
            ctx = self._prepare(request, cached)
        except ProtocolError:
            raise  # the listener's own refusal (an invalid URL)
        except Exception as exc:  # a bug below us (configuration lookup, path mapping): 500.0, worker lives
            ctx = HTTPContext(request)
            ctx.plan = _EMPTY_PLAN
            ctx.module_data = []
            ctx.current_notification = Notification.BEGIN_REQUEST
            engine.fail(ctx, exc)
            return ctx
        concurrency = ctx.plan.concurrency
        if concurrency is not None:
            key, limit = concurrency
            running = self._running
            count = running.get(key, 0)
            if count >= limit:
                return await self._over_concurrent_limit(ctx, limit)
            running[key] = count + 1
            ctx.concurrency_key = key
        try:
            if ctx.plan.use_cache and cache.enabled:
                hit = cache.lookup(ctx, cached)
                if hit is not None:
                    # pipeline/cache.py Rule 1: the whole pipeline, with mapping and the handler replaced
                    ctx.cache_state = hit
                    await engine.run_request_notifications(ctx)
                else:
                    url = ctx.url
                    await engine.run_request_notifications(ctx)
                    cache.store(ctx, url)
            else:
                await engine.run_request_notifications(ctx)
            pending = engine.run_send_response(ctx)
            if pending is not None:  # engine Rule 8: a SEND_RESPONSE handler waits (an ExecuteURL child)
                if engine.outside_task():
                    await asyncio.sleep(0)  # engine Rule 9: the child may run any async code; into a task first
                await pending
        except asyncio.CancelledError:
            if not ctx.response.win32:
                ctx.response.win32 = win32.ERROR_NETNAME_DELETED
            received = request.head_bytes + request.body.received
            self._release(ctx)
            engine.run_completion(ctx, ResponseResult(0, received, False, clock.CLOCK.monotonic()))
            raise
        except BaseException:
            # a bug below the engine (it turns module failures into 500.0 itself): the request must not stay
            # counted, or the application would refuse everything with 503.2 once enough of them leaked
            self._release(ctx)
            raise
        return ctx

    async def _over_concurrent_limit(self, ctx: HTTPContext, limit: int) -> HTTPContext:
        """IIS Web Core at BEGIN_REQUEST: the application already has ``limit`` requests in progress
        (``serverRuntime/@appConcurrentRequestLimit``), so this one is refused with 503.2 before any module's
        request notification; its error page (SEND_RESPONSE) and log line (LOG_REQUEST) still happen."""
        ctx.module_data = [None] * len(ctx.plan.modules)
        ctx.current_notification = Notification.BEGIN_REQUEST
        ctx.response.set_status(CONCURRENT_REQUEST_LIMIT, 0,
                                f"the application already has {limit} requests in progress "
                                "(serverRuntime/@appConcurrentRequestLimit)")
        ctx.finished = True
        pending = engine.run_send_response(ctx)
        if pending is not None:
            if engine.outside_task():
                await asyncio.sleep(0)
            await pending
        return ctx

    def _release(self, ctx: HTTPContext) -> None:
        """The request no longer counts in its application's requests in progress."""
        key = ctx.concurrency_key
        if key is not None:
            ctx.concurrency_key = None
            running = self._running
            left = running.get(key, 1) - 1
            if left > 0:
                running[key] = left
            else:
                running.pop(key, None)

    def finish(self, ctx: HTTPContext) -> Response:
        """The listener's Response for a context that went through ``run_context``."""
        return self._finish(ctx)

    def _finish(self, ctx: HTTPContext) -> Response:
        response = engine.to_response(ctx)
        if ctx.plan.remove_server_header:
            response.server_header = False
        if ctx.concurrency_key is not None:
            # IIS counts a request in progress until its response has been sent (the listener's completion
            # hook, called exactly once, also when the client went away)
            complete = response.on_complete
            if complete is None:
                self._release(ctx)
            else:
                def release_then_complete(result: ResponseResult) -> None:
                    self._release(ctx)
                    complete(result)

                response.on_complete = release_then_complete
        return response

    def reject(self, request: Request, status: int, substatus: int) -> Response:
        """A refusal the listener makes on behalf of a site (403.9), rendered and logged by its pipeline."""
        ctx = HTTPContext(request)
        try:
            ctx.url = url_from_raw(request.path)
        except HTTPError:
            ctx.url = "/"
        effective, ctx.plan = self.lookup(ctx.site, config_path(ctx.url))
        ctx.config = ctx.plan.config if isinstance(effective, ConfigError) else effective
        ctx.application, ctx.vdir = ctx.plan.application, ctx.plan.vdir
        ctx.module_data = [None] * len(ctx.plan.modules)
        ctx.current_notification = Notification.BEGIN_REQUEST
        ctx.response.set_status(Status(status, substatus))
        ctx.response.close = True
        ctx.finished = True
        engine.complete_now(engine.run_send_response(ctx))  # synchronous: the listener's call
        return self._finish(ctx)

    def close(self) -> None:
        """Release every plan's modules (server shutdown)."""
        self._drop_all()


def uncacheable(ctx: HTTPContext) -> None:
    """Mark the request's answer as not reusable by the response cache."""
    if ctx.cache_depends is None:
        ctx.cache_depends = []
    ctx.cache_depends.append(("", NO_FILE))


_EMPTY_PLAN = _empty_plan()


def is_local(ctx: HTTPContext) -> bool:
    """Whether the client is on this machine (loopback), for IIS's local/remote distinctions."""
    ip = ctx.request.client[0]
    return ip.startswith(_LOOPBACK_PREFIXES) or ip == ctx.request.server[0]


def require_ssl(ctx: HTTPContext) -> NotificationStatus:
    """IIS Web Core at AUTHENTICATE_REQUEST, before the authentication modules: a folder whose
    ``system.webServer/security/access/@sslFlags`` contains ``Ssl`` refuses a request that did not arrive over
    TLS with 403.4 "SSL required" (reference §5.3: set by the core at AuthenticateRequest, not by a module of
    §3.3's list, so removing modules does not turn it off).

    Only plans of such folders carry this step (``_build_plan``), and its cost is one attribute check.
    ``Ssl128`` needs no check of its own: w3py's TLS contexts negotiate no cipher weaker than 128 bits, so
    403.5 cannot arise. ``SslRequireCert`` (403.7) is not enforced: the listener never asks the client for a
    certificate (``server/tls.py``), so it cannot tell whether one would have been presented."""
    if ctx.request.tls:
        return CONTINUE
    ctx.response.set_status(SSL_REQUIRED, win32.ERROR_ACCESS_DENIED, "the folder requires SSL (sslFlags=\"Ssl\")")
    return FINISH


def require_user(ctx: HTTPContext) -> NotificationStatus:
    """IIS Web Core after AUTHENTICATE_REQUEST: a request no authentication module accepted (not even the
    anonymous one) is 401.2 (reference §3.2, §5.10 note 5). Runs first at AUTHORIZE_REQUEST, so it is
    reported at AUTHENTICATE_REQUEST as IIS does."""
    if ctx.user is None:
        ctx.current_notification = Notification.AUTHENTICATE_REQUEST
        ctx.response.set_status(LOGON_FAILED_SERVER_CONFIG, win32.ERROR_ACCESS_DENIED,
                                "no authentication module accepted the request (anonymous access is off)")
        return FINISH
    return CONTINUE


def map_request_handler(ctx: HTTPContext) -> NotificationStatus:
    """IIS Web Core at MAP_REQUEST_HANDLER: pick the handler, check access and the resource type
    (rules in ``handlers.py``)."""
    if ctx.cache_state.__class__ is CacheEntry and install_hit(ctx):
        return CONTINUE
    plan = ctx.plan
    handlers = plan.handlers
    handler = None
    if handlers.path_info:  # handlers.py Rule 5: /x.php/extra → script /x.php, PATH_INFO /extra
        info = ctx.file_info = plan.mapper.lookup(ctx.url, ctx.physical_path)
        if not info.exists and not info.denied:
            split = handlers.split_path_info(ctx.request.method, ctx.url)
            if split is not None:
                handler, script, ctx.path_info = split
                ctx.physical_path = plan.mapper.physical(script)
                ctx.file_info = plan.mapper.lookup(script, ctx.physical_path)
    if handler is None:
        handler = handlers.select(ctx.request.method, ctx.url)
    if handler is None:
        ctx.response.set_status(NO_HANDLER, win32.ERROR_FILE_NOT_FOUND, "no handler mapping matches the request")
        return FINISH
    ctx.handler = handler
    ctx.handler_name = handler.name
    if handler.bad_module is not None:
        ctx.response.set_status(
            MODULE_NOT_RECOGNIZED, win32.ERROR_MOD_NOT_FOUND, f'Handler "{handler.name}" has a bad module "{handler.bad_module}" '
            "in its module list",
        )
        return FINISH
    denied = handler.denied
    if denied is None and handler.remote_denied is not None and not is_local(ctx):
        denied = handler.remote_denied
    if denied is not None:
        ctx.response.set_status(denied, win32.ERROR_ACCESS_DENIED, f'accessPolicy does not grant "{handler.require_access}" '
                                f'required by handler "{handler.name}"')
        return FINISH
    kind = handler.resource_type
    if kind == RESOURCE_FILE or kind == RESOURCE_DIRECTORY or kind == RESOURCE_EITHER:
        info = ctx.file_info
        if info is None:
            info = ctx.file_info = plan.mapper.lookup(ctx.url, ctx.physical_path)
            if info.path != ctx.physical_path:
                # found by case-insensitive lookup: a file later created under the exact spelling would
                # change the answer, so this answer is not cached
                uncacheable(ctx)
            ctx.physical_path = info.path
        ok = (
            info.is_file if kind == RESOURCE_FILE else info.is_dir if kind == RESOURCE_DIRECTORY
            else info.is_file or info.is_dir
        )
        if not ok and not info.denied:
            ctx.response.set_status(NOT_FOUND, info.win32 or win32.ERROR_FILE_NOT_FOUND,
                                    "the file or directory does not exist")
            return FINISH
    return CONTINUE
