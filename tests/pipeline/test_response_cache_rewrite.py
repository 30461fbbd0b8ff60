"""The response cache and a module that rewrites the URL before mapping (pipeline/cache.py Rule 4): such a
request never uses an entry, and its output is not stored under its key, so a repeated request is decoded,
rewritten and mapped like the first one (the application reuses a stored entry's URL only when it is the URL
the request arrived with)."""

from __future__ import annotations

from w3py.api import HTTPContext, Module

FILES = {"a.txt": "alpha", "b.txt": "bravo"}


class PipelineRewriteModule(Module):
    """Serves /b.txt for /a.txt while ``flip`` is set (a URL rewrite that depends on more than the URL)."""

    name = "PipelineRewriteModule"
    sections = ()
    flip = False

    def on_begin_request(self, ctx: HTTPContext) -> None:
        if ctx.url == "/a.txt" and PipelineRewriteModule.flip:
            ctx.url = "/b.txt"
            ctx.physical_path = ctx.plan.mapper.physical("/b.txt")


def test_a_rewritten_request_is_not_stored_and_never_served_from_the_cache(site) -> None:
    s = site(FILES, extra_modules={"PipelineRewriteModule": PipelineRewriteModule})
    try:
        PipelineRewriteModule.flip = True
        for _ in range(3):
            assert s.get("/a.txt").body == b"bravo"
        assert len(s.app.cache) == 0 and s.app.cache.hits == 0
        PipelineRewriteModule.flip = False
        assert [s.get("/a.txt").body for _ in range(3)] == [b"alpha"] * 3
        assert s.app.cache.hits == 2
        # the stored entry is for the URL as it arrived: once a module rewrites it, the full pipeline answers
        PipelineRewriteModule.flip = True
        rewritten = s.get("/a.txt")
        assert rewritten.body == b"bravo" and rewritten.ctx.physical_path.endswith("/b.txt")
    finally:
        PipelineRewriteModule.flip = False
