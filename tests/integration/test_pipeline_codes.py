"""The codes the engine and handler mapping produce, over a real socket, each with its W3C log line."""

from __future__ import annotations

from w3py.api import HTTPContext, Module
from w3py.testing.pipeline import location

STOCK = (
    '<add name="TRACEVerbHandler" path="*" verb="TRACE" modules="ProtocolSupportModule" requireAccess="None"/>'
    '<add name="OPTIONSVerbHandler" path="*" verb="OPTIONS" modules="ProtocolSupportModule" requireAccess="None"/>'
    '<add name="StaticFile" path="*" verb="*" modules="StaticFileModule,DefaultDocumentModule,'
    'DirectoryListingModule" resourceType="Either" requireAccess="Read"/>'
)


class WireCrashModule(Module):
    name = "WireCrashModule"
    sections = ()

    def on_pre_execute_request_handler(self, ctx: HTTPContext) -> None:
        if ctx.url.startswith("/crash/"):
            raise RuntimeError("boom")


def where(path: str, body: str) -> str:
    return location(body, f"Default Web Site/{path}")


LOCATIONS = "".join([
    where("nohandler", "<handlers><clear/></handlers>"),
    where("noread", '<handlers accessPolicy="Script"/>'),
    where("noexec", '<handlers accessPolicy="Read, Script"><clear/><add name="Run" path="*.exe" verb="*" '
                    'modules="StaticFileModule" resourceType="File" requireAccess="Execute"/>' + STOCK + "</handlers>"),
    where("nowrite", '<handlers accessPolicy="Read"><clear/><add name="Put" path="*" verb="PUT" '
                     'modules="StaticFileModule" requireAccess="Write"/>' + STOCK + "</handlers>"),
    where("badmodule", '<modules><add name="NotAModule"/></modules>'),
    where("found", '<httpRedirect enabled="true" destination="/x"/>'),
    where("temp", '<httpRedirect enabled="true" destination="/x" httpResponseStatus="Temporary"/>'),
    where("perm", '<httpRedirect enabled="true" destination="/x" httpResponseStatus="PermRedirect"/>'),
])

FILES = {f"{d}/f.txt": d for d in ("nohandler", "noread", "noexec", "nowrite", "badmodule", "crash")}
FILES["noexec/tool.exe"] = "MZ"


def test_engine_and_mapping_codes_with_log_lines(served) -> None:
    site = served(FILES, locations=LOCATIONS, extra_modules={"WireCrashModule": WireCrashModule})
    cases = [
        ("GET", "/nohandler/f.txt", 404, 4),
        ("GET", "/noread/f.txt", 403, 2),
        ("GET", "/noexec/tool.exe", 403, 1),
        ("PUT", "/nowrite/f.txt", 403, 3),
        ("GET", "/badmodule/f.txt", 500, 21),
        ("GET", "/crash/f.txt", 500, 0),
        ("GET", "/found/f.txt", 302, 0),
        ("GET", "/temp/f.txt", 307, 0),
        ("GET", "/perm/f.txt", 308, 0),
        ("GET", "/noread/../badmodule/f.txt", 500, 21),
        # refused at BEGIN_REQUEST by request filtering: the end notifications still log it
        ("GET", "/data.mdb", 404, 7),
    ]
    for method, path, code, _sub in cases:
        extra = "Content-Length: 0\r\n" if method == "PUT" else ""
        answer = site.get(path, extra, method)
        assert answer.status == code, (path, answer.status)
        if code in (302, 307, 308):
            assert answer.header("location") == "http://localhost/x/f.txt"  # IIS makes it absolute
    rows = site.log_rows()
    assert [(r["cs-method"], r["sc-status"], r["sc-substatus"]) for r in rows] == \
        [(m, str(c), str(s)) for m, _p, c, s in cases]
    # the log's URI is the URL the pipeline resolved (dot segments removed)
    assert rows[-2]["cs-uri-stem"] == "/badmodule/f.txt"
