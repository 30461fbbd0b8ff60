"""The response cache's one rule: a hit answers exactly as the full pipeline would (w3py/pipeline/cache.py).

The same request stream goes to two applications over the same files and configuration, one with the cache
and one without; every answer must be identical, and the cached one must really have been served from the
cache for the repeated requests.
"""

from __future__ import annotations

import asyncio
import os

from w3py.api import SiteOptions
from w3py.pipeline.application import PipelineApplication
from w3py.testing.pipeline import finish, location, make_request, stock_apphost

FILES = {
    "a.txt": "alpha",
    "page.htm": "<p>page</p>",
    "dir/index.html": "<p>index</p>",
    "dir/other.txt": "other",
    "Mixed.TXT": "mixed",
}


def answer(app: PipelineApplication, site, raw: str):  # noqa: ANN001, ANN201
    async def go():  # noqa: ANN202
        request = make_request(raw, site=site, client=("192.0.2.7", 1234))
        ctx = await app.run_context(request)
        result = await finish(ctx, app.finish(ctx), request)
        return (result.status, result.substatus, result.win32, sorted(result.headers), result.body,
                result.response.close, result.response.server_header, ctx.handler_name, ctx.user)

    return asyncio.run(go())


def test_hits_equal_full_runs(site) -> None:
    s = site(FILES, locations=location('<httpProtocol><customHeaders><add name="X-Test" value="1"/>'
                                       "</customHeaders></httpProtocol>"))
    cached = s.app
    plain = PipelineApplication(s.config, options=SiteOptions(response_cache=False))
    etag = None

    def both(raw: str) -> tuple:
        a, b = answer(cached, s.site, raw), answer(plain, s.site, raw)
        assert a == b, raw
        return a

    def get(path: str, headers: str = "", method: str = "GET", host: str = "localhost") -> tuple:
        return both(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n")

    for _ in range(3):
        first = get("/a.txt")
        etag = dict(first[3])[b"ETag"].decode()
        get("/a.txt", method="HEAD")
        get("/a.txt", host="other.example")
        get("/a.txt?q=1")
        get("/a.txt", f"If-None-Match: {etag}\r\n")
        get("/a.txt", "Range: bytes=1-2\r\n")
        get("/a.txt", "Accept: image/png\r\n")
        get("/a.txt", "Accept: text/*\r\n")
        get("/a.txt", "Content-Length: 3\r\n", method="POST")
        get("/page.htm")
        get("/dir/")
        get("/dir")
        get("/mixed.txt")
        get("/nope.txt")
    assert cached.cache.hits >= 10

    # the file changes: the next answer is the new file, on both
    path = s.wwwroot / "a.txt"
    path.write_text("alpha, second version")
    os.utime(path, ns=(5_000_000_000, 5_000_000_000))
    assert get("/a.txt")[4] == b"alpha, second version"
    get("/a.txt")

    # a better default document appears: the directory's cached answer must not survive it
    assert get("/dir/")[4] == b"<p>index</p>"
    (s.wwwroot / "dir" / "Default.htm").write_text("<p>default</p>")
    assert get("/dir/")[4] == b"<p>default</p>"

    # the configuration changes: a hit from the old snapshot must not be used
    get("/dir/other.txt")
    s.web_config("dir", '<system.webServer><staticContent><clientCache cacheControlMode="DisableCache"/>'
                        "</staticContent></system.webServer>")
    changed = get("/dir/other.txt")
    assert dict(changed[3])[b"Cache-Control"] == b"no-cache"

    # the file disappears
    os.unlink(s.wwwroot / "page.htm")
    assert get("/page.htm")[:2] == (404, 0)


def test_cache_off_when_http_cache_module_removed(site) -> None:
    # stock <modules> entries carry lockItem="true" (a <remove> below would be 500.19): drop it at the top
    text = stock_apphost().replace('<add name="HttpCacheModule" lockItem="true" />', "")
    s = site(FILES, apphost=text)
    for _ in range(3):
        assert s.get("/a.txt").status == 200
    assert s.app.cache.hits == 0 and len(s.app.cache) == 0


def test_every_module_runs_on_a_hit(site) -> None:
    s = site(FILES)
    s.get("/a.txt")
    hit = s.get("/a.txt")
    assert s.app.cache.hits == 1
    # the log stage ran (on_complete was wired) and the end notifications saw the real status
    assert hit.response.on_complete is not None or not hit.ctx.plan.log_request
    assert hit.ctx.handler_name == "StaticFile"
