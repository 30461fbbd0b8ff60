"""Which sites have no running application pool: HTTP.sys answers their requests itself with 503.

In IIS a started site's bindings are registered with HTTP.sys, but the requests are delivered to the request
queue of the application pool named by the site's root application. WAS does not start a pool whose
``applicationPools/add/@autoStart`` is ``false``, and a pool that does not exist has no queue at all; either
way HTTP.sys answers 503 Service Unavailable and logs it in HTTPERR with s-reason ``AppOffline`` and the pool
as ``s-queuename`` (iis-reference §5.7 503.0, §2.5). The site's W3C log never sees these requests.

w3py has no separate worker per pool, so "running" is decided once from the configuration a worker serves:
a reload (which starts new workers) is how an administrator starts or stops a pool, as ``appcmd start
apppool`` would. Only the root application's pool is consulted (HTTP.sys's routing here is per site);
applications below the root that name a stopped pool are still served.
"""

from __future__ import annotations

from typing import Any

from w3py.config.sections import ApplicationPoolsSection

# The HTTPERR s-reason HTTP.sys logs for a request whose application pool is not running.
APP_OFFLINE = "AppOffline"


def root_pool(site: Any) -> str | None:
    """The application pool of ``site``'s root application (HTTP.sys's request queue), or None."""
    for application in getattr(site, "applications", ()) or ():
        if getattr(application, "path", None) == "/":
            return getattr(application, "application_pool", None) or None
    return None


def started_pools(server_config: Any) -> frozenset[str] | None:
    """Names (lower-case: IIS compares pool names case-insensitively) of the pools WAS starts with IIS.
    None when ``server_config`` carries no ``applicationPools`` section (a test double): then no pool is
    treated as stopped."""
    sections = getattr(server_config, "server_config", None)
    if sections is None:
        return None
    section = sections[ApplicationPoolsSection]
    defaults = section.application_pool_defaults
    started = set()
    for pool in section.items:
        # applicationPoolDefaults supplies autoStart to a pool that does not set it.
        auto_start = pool.auto_start if pool.origin_of("auto_start") is not None else defaults.auto_start
        if auto_start:
            started.add(pool.name.lower())
    return frozenset(started)


def offline_site_ids(server_config: Any) -> frozenset[int]:
    """Ids of the sites whose root application's pool is missing or not started."""
    started = started_pools(server_config)
    if started is None:
        return frozenset()
    offline = set()
    for site in getattr(server_config, "sites", ()):
        pool = root_pool(site)
        if pool is not None and pool.lower() not in started:
            offline.add(site.id)
    return frozenset(offline)
