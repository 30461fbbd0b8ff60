"""HttpCacheModule (cachhttp.dll): IIS's output cache, the module behind HTTP.sys's kernel response cache.

In w3py the cache itself lives in the pipeline (``w3py.pipeline.cache``: it replaces handler mapping and
handler execution for repeated static requests, and states the rules that keep a hit identical to a full
run). This module is its switch, as in IIS: a path whose effective ``<modules>`` list has HttpCacheModule may
be answered from the cache; removing the module (``<remove name="HttpCacheModule"/>``) turns caching off
for that path. It handles no notification of its own.
"""

from __future__ import annotations

from w3py.api import Module


class HttpCacheModule(Module):
    """Enables the response cache for the paths whose module list holds it."""

    name = "HttpCacheModule"
    sections = ()
