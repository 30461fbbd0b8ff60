"""PipelineApplication: plans from configuration, handler mapping codes, config errors, crashes, caching of plans."""

from __future__ import annotations

import logging

import pytest

from w3py import status
from w3py.api import HTTPContext, Module, Notification
from w3py.testing.pipeline import location

FILES = {"a.txt": "alpha", "tool.exe": "MZ", "sub/b.txt": "beta", "bad/c.txt": "gamma"}


STOCK_TAIL = (
    '<add name="TRACEVerbHandler" path="*" verb="TRACE" modules="ProtocolSupportModule" requireAccess="None"/>'
    '<add name="OPTIONSVerbHandler" path="*" verb="OPTIONS" modules="ProtocolSupportModule" requireAccess="None"/>'
    '<add name="StaticFile" path="*" verb="*" modules="StaticFileModule,DefaultDocumentModule,'
    'DirectoryListingModule" resourceType="Either" requireAccess="Read"/>'
)


def handlers(body: str, policy: str = "Read, Script", path: str = "Default Web Site") -> str:
    return location(f'<handlers accessPolicy="{policy}">{body}</handlers>', path)


def handlers_before_stock(body: str, policy: str = "Read, Script") -> str:
    """``body`` entries ahead of the stock ones (spelled out with <clear/>, independent of merge order)."""
    return handlers("<clear/>" + body + STOCK_TAIL, policy)


def test_no_handler_is_404_4(site) -> None:
    r = site(FILES, locations=handlers("<clear/>")).get("/a.txt")
    assert (r.status, r.substatus, r.win32) == (404, 4, 2)
    assert r.ctx.status_module == "IIS Web Core"
    assert r.ctx.status_notification is Notification.MAP_REQUEST_HANDLER
    assert r.ctx.handler_name is None


def test_handler_with_module_the_path_lacks_is_500_21(site) -> None:
    s = site(FILES, locations=handlers_before_stock('<add name="PHP" path="*.php" verb="*" modules="FastCgiModule"/>'))
    r = s.get("/x.php")
    assert (r.status, r.substatus) == (500, 21)
    assert 'Handler "PHP" has a bad module "FastCgiModule"' in (r.ctx.detail or "")
    assert s.get("/a.txt").status == 200


def test_unimplemented_module_in_modules_is_500_21_for_that_path_only(site) -> None:
    s = site(FILES, locations=location('<modules><add name="NoSuchModule"/></modules>', "Default Web Site/sub"))
    r = s.get("/sub/b.txt")
    assert (r.status, r.substatus) == (500, 21)
    assert "NoSuchModule" in (r.ctx.detail or "")
    assert s.get("/a.txt").status == 200


def test_access_policy_without_read_is_403_2(site) -> None:
    r = site(FILES, locations=handlers("", policy="Script")).get("/a.txt")
    assert (r.status, r.substatus) == (403, 2)


def test_execute_handler_without_execute_is_403_1(site) -> None:
    s = site(FILES, locations=handlers_before_stock(
        '<add name="Run-exe" path="*.exe" verb="*" modules="StaticFileModule" resourceType="File" '
        'requireAccess="Execute"/>'))
    r = s.get("/tool.exe")
    assert (r.status, r.substatus) == (403, 1)
    assert r.ctx.handler_name == "Run-exe"


def test_write_handler_without_write_is_403_3(site) -> None:
    s = site(FILES, locations=handlers_before_stock(
        '<add name="Upload" path="*" verb="PUT" modules="StaticFileModule" requireAccess="Write"/>'))
    assert (s.get("/a.txt", method="PUT").status, s.get("/a.txt", method="PUT").substatus) == (403, 3)
    assert s.get("/a.txt").status == 200  # verbs are part of selection: GET still finds StaticFile


def test_handlers_added_below_are_tried_first(site) -> None:
    s = site(FILES, locations=handlers('<add name="Run-exe" path="*.exe" verb="*" modules="StaticFileModule" '
                                       'requireAccess="Execute"/>'))
    assert s.get("/tool.exe").ctx.handler_name == "Run-exe"


def test_broken_web_config_is_500_19_for_its_path_only(site) -> None:
    s = site(FILES)
    (s.wwwroot / "bad" / "web.config").write_text("<configuration><system.webServer><oops")
    r = s.get("/bad/c.txt")
    assert (r.status, r.substatus) == (500, 19)
    assert r.ctx.config_error is not None and "web.config" in (r.ctx.config_error.file or "")
    assert r.win32 == 13  # 0x8007000d
    assert s.get("/a.txt").status == 200
    assert s.get("/sub/b.txt").status == 200


def test_locked_section_in_web_config_is_500_19(site) -> None:
    s = site(FILES)
    s.web_config("sub", "<system.webServer><handlers><clear/></handlers></system.webServer>")
    r = s.get("/sub/b.txt")
    assert (r.status, r.substatus, r.win32) == (500, 19, 0x21)


class PipelineCrashModule(Module):
    name = "PipelineCrashModule"
    sections = ()

    def on_authorize_request(self, ctx: HTTPContext) -> None:
        if ctx.url == "/a.txt":
            raise KeyError("kaboom")


def test_crash_is_500_0_and_the_worker_carries_on(site, caplog: pytest.LogCaptureFixture) -> None:
    s = site(FILES, extra_modules={"PipelineCrashModule": PipelineCrashModule})
    with caplog.at_level(logging.ERROR, logger="w3py.pipeline"):
        r = s.get("/a.txt")
    assert (r.status, r.substatus) == (500, 0)
    assert r.ctx.status_module == "PipelineCrashModule"
    assert r.ctx.status_notification is Notification.AUTHORIZE_REQUEST
    assert "kaboom" in caplog.text
    # the detailed error page (a local request) names the module and the notification
    page = r.body.decode("utf-8")
    assert "PipelineCrashModule" in page and "AuthorizeRequest" in page
    assert s.get("/sub/b.txt").status == 200


def test_plan_is_built_once_and_rebuilt_on_change(site) -> None:
    s = site(FILES)
    first = s.get("/sub/b.txt").ctx.plan
    assert s.get("/sub/b.txt").ctx.plan is first
    s.web_config("sub", '<system.webServer><directoryBrowse enabled="true"/></system.webServer>')
    assert s.get("/sub/b.txt").ctx.plan is not first


def test_server_variables(site) -> None:
    s = site(FILES)
    ctx = s.request("GET /sub/b.txt?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t/1\r\n\r\n",
                    client=("10.0.0.5", 4242), server=("10.0.0.1", 8080)).ctx
    v = ctx.server_variable
    assert v("REQUEST_METHOD") == "GET"
    assert v("URL") == "/sub/b.txt"
    assert v("QUERY_STRING") == "x=1"
    assert v("HTTP_HOST") == "example.com:8080"
    assert v("SERVER_NAME") == "example.com"
    assert v("HTTP_USER_AGENT") == "t/1"
    assert v("REMOTE_ADDR") == "10.0.0.5"
    assert v("SERVER_PORT") == "8080"
    assert v("HTTPS") == "off"
    assert v("REQUEST_FILENAME") == str(s.wwwroot / "sub" / "b.txt")
    assert v("APPL_PHYSICAL_PATH") == str(s.wwwroot) + "/"
    assert v("APPL_MD_PATH") == "/LM/W3SVC/1/ROOT"
    assert v("INSTANCE_ID") == "1" and v("APP_POOL_ID") == "DefaultAppPool"
    assert v("SCRIPT_NAME") == "/sub/b.txt" and v("PATH_INFO") == "/sub/b.txt"
    assert v("NO_SUCH_VARIABLE") is None


def test_remove_server_header(site) -> None:
    assert site(FILES).get("/a.txt").response.server_header is True
    s = site(FILES, locations=location('<security><requestFiltering removeServerHeader="true"/></security>'))
    assert s.get("/a.txt").response.server_header is False


@pytest.mark.parametrize("target", ["/%C0%AE%C0%AE/a.txt", "/a%2F..%2F..%2Fetc/passwd", "/../a.txt"])
def test_url_that_cannot_be_canonicalised_is_the_listeners_400(site, target: str) -> None:
    from w3py.errors import ProtocolError

    with pytest.raises(ProtocolError) as info:
        site(FILES).get(target)
    assert (info.value.status_hint, info.value.reason) == ((400, 0), "URL")


def test_reject_renders_through_the_site_pipeline(site) -> None:
    from w3py.testing.pipeline import make_request

    s = site(FILES)
    response = s.app.reject(make_request("GET /a.txt HTTP/1.1\r\n\r\n", site=s.site), 403, 9)
    assert (response.status, response.substatus, response.close) == (403, 9, True)


def test_status_constants_cover_the_codes() -> None:
    assert str(status.NO_HANDLER) == "404.4" and str(status.MODULE_NOT_RECOGNIZED) == "500.21"


def test_directories_with_the_same_configuration_share_a_plan(site) -> None:
    s = site({"x/a.txt": "1", "y/b.txt": "2", "z/c.txt": "3"})
    s.web_config("z", '<system.webServer><directoryBrowse enabled="true"/></system.webServer>')
    plans = {path: s.get(path).ctx.plan for path in ("/x/a.txt", "/y/b.txt", "/nowhere/at/all.txt", "/z/c.txt")}
    assert plans["/x/a.txt"] is plans["/y/b.txt"] is plans["/nowhere/at/all.txt"]
    assert plans["/z/c.txt"] is not plans["/x/a.txt"]
    # each request still sees the configuration of its own path
    assert s.get("/y/b.txt").ctx.config.path.lower() == "/y/b.txt"


def test_location_for_a_single_file(site) -> None:
    s = site({"d/one.txt": "1", "d/two.txt": "2"}, locations=location(
        '<staticContent><clientCache cacheControlMode="DisableCache"/></staticContent>', "Default Web Site/d/one.txt"))
    assert s.get("/d/one.txt").header("cache-control") == "no-cache"
    assert s.get("/d/two.txt").header("cache-control") is None


def test_failure_before_the_pipeline_is_500_0(site, caplog: pytest.LogCaptureFixture) -> None:
    s = site(FILES)

    def broken(*_args):  # noqa: ANN002, ANN202
        raise RuntimeError("configuration lookup bug")

    s.config.effective = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="w3py.pipeline"):
        r = s.get("/a.txt")
    assert (r.status, r.substatus) == (500, 0)
    assert "configuration lookup bug" in caplog.text


def test_path_info_split_by_a_handler_that_allows_it(site) -> None:
    s = site({"app/run.exe": "MZ", "app/page.txt": "p"}, locations=handlers_before_stock(
        '<add name="Run" path="*.exe" verb="*" modules="StaticFileModule" resourceType="File" '
        'requireAccess="Read" allowPathInfo="true"/>', policy="Read"))
    r = s.get("/app/run.exe/extra/more?q=1")
    ctx = r.ctx
    assert ctx.handler_name == "Run"
    assert ctx.path_info == "/extra/more"
    assert ctx.server_variable("SCRIPT_NAME") == "/app/run.exe"
    assert ctx.server_variable("PATH_INFO") == "/extra/more"
    assert ctx.server_variable("URL") == "/app/run.exe/extra/more"
    assert ctx.physical_path.endswith("/app/run.exe")
    # without allowPathInfo the same URL is just a missing file
    assert s.get("/app/page.txt/extra").status == 404


def test_script_handler_skipped_by_precondition_is_404_17(site) -> None:
    s = site({"page.aspx": "<%@ Page %> secret source", "a.txt": "a"}, locations=handlers_before_stock(
        '<add name="PageHandlerFactory-Integrated-4.0" path="*.aspx" verb="GET,HEAD,POST,DEBUG" '
        'type="System.Web.UI.PageHandlerFactory" preCondition="integratedMode,runtimeVersionv4.0"/>')
        + location('<staticContent><mimeMap fileExtension=".aspx" mimeType="text/plain"/></staticContent>'))
    r = s.get("/page.aspx")
    assert (r.status, r.substatus, r.win32) == (404, 17, 50)
    assert b"secret source" not in r.body
    assert r.ctx.handler_name == "StaticFile"
    assert s.get("/a.txt").status == 200


class PipelineBadProvisionModule(Module):
    name = "PipelineBadProvisionModule"
    sections = ()

    def provision(self, config: object) -> None:
        raise ValueError("cannot set up")


def test_module_that_fails_to_provision_is_500_0(site, caplog: pytest.LogCaptureFixture) -> None:
    s = site(FILES, extra_modules={"PipelineBadProvisionModule": PipelineBadProvisionModule})
    with caplog.at_level(logging.ERROR, logger="w3py.pipeline"):
        r = s.get("/a.txt")
        again = s.get("/a.txt")
    assert (r.status, r.substatus) == (500, 0)
    assert "PipelineBadProvisionModule could not be set up" in (r.ctx.detail or "")
    assert again.ctx.plan is r.ctx.plan  # built once, not on every request
    assert caplog.text.count("could not be provisioned") == 1


def test_broken_root_web_config_still_renders_and_logs(site) -> None:
    s = site(FILES)
    s.web_config("", "<system.webServer><bogus /></system.webServer>")
    r = s.get("/a.txt")
    assert (r.status, r.substatus) == (500, 19)
    assert b"500.19" in r.body  # CustomErrorModule ran, from the server-level module list
    assert r.ctx.plan.log_request  # and HttpLoggingModule will write the line


class PipelineSlowModule(Module):
    name = "PipelineSlowModule"
    sections = ()

    async def on_authorize_request(self, ctx: HTTPContext) -> None:
        import asyncio

        await asyncio.sleep(3600)


class PipelineEndProbeModule(Module):
    name = "PipelineEndProbeModule"
    sections = ()
    seen: list[tuple[str, bool, int]] = []

    def on_log_request(self, ctx: HTTPContext) -> None:
        PipelineEndProbeModule.seen.append(("log", ctx.result.completed, ctx.win32))

    def on_end_request(self, ctx: HTTPContext) -> None:
        PipelineEndProbeModule.seen.append(("end", ctx.result.completed, ctx.win32))


def test_cancelled_request_still_runs_the_end_notifications(site) -> None:
    import asyncio

    from w3py.testing.pipeline import make_request

    PipelineEndProbeModule.seen.clear()
    s = site(FILES, extra_modules={"PipelineSlowModule": PipelineSlowModule,
                                   "PipelineEndProbeModule": PipelineEndProbeModule})

    async def go() -> None:
        task = asyncio.ensure_future(s.app.handle(make_request("GET /a.txt HTTP/1.1\r\n\r\n", site=s.site)))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert PipelineEndProbeModule.seen == [("log", False, 64), ("end", False, 64)]


def test_virtual_directories_and_applications_map_to_their_own_folders(site, tmp_path) -> None:
    from w3py.testing.pipeline import stock_apphost

    other = tmp_path / "elsewhere"
    (other / "sub").mkdir(parents=True)
    (other / "v.txt").write_text("from the vdir")
    (other / "index.htm").write_text("vdir home")
    app_dir = tmp_path / "appdir"
    app_dir.mkdir()
    (app_dir / "x.txt").write_text("from the app")
    text = stock_apphost().replace(
        '<virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />',
        '<virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />'
        f'<virtualDirectory path="/v" physicalPath="{other}" /></application>'
        f'<application path="/app" applicationPool="DefaultAppPool"><virtualDirectory path="/" physicalPath="{app_dir}" />',
    )
    s = site({"a.txt": "root"}, apphost=text)
    assert s.get("/v/v.txt").body == b"from the vdir"
    assert s.get("/V/V.TXT").body == b"from the vdir"
    assert s.get("/v").header("location") == "http://localhost/v/"
    assert s.get("/v/").body == b"vdir home"
    r = s.get("/app/x.txt")
    assert r.body == b"from the app"
    assert r.ctx.server_variable("APPL_PHYSICAL_PATH") == str(app_dir) + "/"
    assert r.ctx.server_variable("APPL_MD_PATH") == "/LM/W3SVC/1/ROOT/app"
    assert s.get("/a.txt").body == b"root"


def test_stock_plan_shape(site) -> None:
    """The stock configuration's plan: who runs where, in which order (engine.py Rules 1-3)."""
    plan = site(FILES).get("/a.txt").ctx.plan
    by_step = {(n.name, post): [m.name if m else "core" for _f, _a, m in entries]
               for n, post, entries in plan.steps if entries is not None}
    assert by_step[("BEGIN_REQUEST", False)] == ["RequestFilteringModule", "HttpRedirectionModule"]
    assert by_step[("AUTHENTICATE_REQUEST", False)] == ["AnonymousAuthenticationModule"]
    assert by_step[("MAP_REQUEST_HANDLER", False)] == ["core"]
    # SEND_RESPONSE: the error page; ProtocolSupportModule has nothing to do there without custom headers
    # (its order with them: test_plan_narrowing.py)
    assert [m.name for _f, _a, m in plan.send_response] == ["CustomErrorModule"]
    assert [m.name for _f, _a, m in plan.log_request] == ["HttpLoggingModule"]
    static = plan.handlers.select("GET", "/a.txt")
    assert static.name == "StaticFile"
    assert [m.name for _f, _a, m in static.entries] == [
        "DefaultDocumentModule", "DirectoryListingModule", "StaticFileModule"]


def test_unimplemented_native_modules_that_change_no_answer_are_left_out(site) -> None:
    from w3py.testing.pipeline import stock_apphost

    text = stock_apphost(extra_modules=("IsapiModule", "StaticCompressionModule", "RewriteModule",
                                        "AspNetCoreModuleV2", "ConfigurationValidationModule"))
    s = site(FILES, apphost=text, locations="")
    assert s.get("/a.txt").status == 200
    # ... but a handler that needs one still cannot run
    s2 = site(FILES, apphost=stock_apphost(
        handlers_before_stock('<add name="ISAPI-dll" path="*.dll" verb="*" modules="IsapiModule" '
                              'resourceType="File" requireAccess="Read"/>'),
        extra_modules=("IsapiModule",)))
    (s2.wwwroot / "x.dll").write_bytes(b"MZ")
    r = s2.get("/x.dll")
    assert (r.status, r.substatus) == (500, 21)
    assert 'bad module "IsapiModule"' in (r.ctx.detail or "")


def test_unimplemented_security_module_fails_closed(site) -> None:
    from w3py.testing.pipeline import stock_apphost

    s = site(FILES, apphost=stock_apphost(extra_modules=("IpRestrictionModule",)))
    r = s.get("/a.txt")
    assert (r.status, r.substatus) == (500, 21)
    assert "IpRestrictionModule" in (r.ctx.detail or "")


def test_404_17_only_for_files_a_skipped_script_handler_maps(site) -> None:
    # the extensionless routing handler of ASP.NET (skipped: no CLR) does not make "/" or a file 404.17
    s = site({"index.htm": "home", "LICENSE": "text", "Default.aspx": "<%@ Page %>"}, locations=handlers_before_stock(
        '<add name="ExtensionlessUrlHandler-Integrated-4.0" path="*." verb="GET,HEAD,POST,DEBUG" '
        'type="System.Web.Handlers.TransferRequestHandler" preCondition="integratedMode,runtimeVersionv4.0"/>'
        '<add name="PageHandlerFactory-Integrated-4.0" path="*.aspx" verb="GET,HEAD,POST,DEBUG" '
        'type="System.Web.UI.PageHandlerFactory" preCondition="integratedMode,runtimeVersionv4.0"/>')
        + location('<defaultDocument><files><clear/><add value="Default.aspx"/><add value="index.htm"/></files>'
                   "</defaultDocument>"))
    r = s.get("/")
    assert (r.status, r.substatus) == (404, 17)  # the default document is a script w3py cannot run
    assert s.get("/LICENSE").substatus == 3  # extensionless file: no MIME type, not "dynamic content"
    (s.wwwroot / "Default.aspx").unlink()
    assert s.get("/").body == b"home"


def test_anonymous_access_off_is_401_2(site) -> None:
    s = site(FILES, locations=location('<security><authentication><anonymousAuthentication enabled="false"/>'
                                       "</authentication></security>", "Default Web Site/sub"))
    r = s.get("/sub/b.txt")
    assert (r.status, r.substatus, r.win32) == (401, 2, 5)
    assert r.ctx.status_module == "IIS Web Core"
    assert r.ctx.status_notification is Notification.AUTHENTICATE_REQUEST
    assert b"beta" not in r.body
    ok = s.get("/a.txt")
    assert ok.status == 200 and ok.ctx.user == "" and ok.ctx.server_variable("AUTH_USER") == ""


def test_missing_virtual_directory_folder_is_500_19_until_it_returns(site, tmp_path) -> None:
    from w3py.testing.pipeline import stock_apphost

    gone = tmp_path / "gone"
    text = stock_apphost().replace(
        '<virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />',
        '<virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />'
        f'<virtualDirectory path="/gone" physicalPath="{gone}" />')
    s = site(FILES, apphost=text)
    r = s.get("/gone/report.pdf")
    assert (r.status, r.substatus, r.win32) == (500, 19, 3)
    assert r.ctx.config_error is not None and r.ctx.config_error.hresult == 0x80070003
    assert s.get("/a.txt").status == 200
    gone.mkdir()
    (gone / "report.txt").write_text("back")
    assert s.get("/gone/report.txt").body == b"back"


# --- security/access sslFlags (reference §5.3: 403.4, core at AUTHENTICATE_REQUEST) -------------------------
SSL_FOLDER = location('<security><access sslFlags="Ssl, SslNegotiateCert"/></security>', "Default Web Site/sub")


def test_ssl_folder_is_403_4_without_tls_and_served_with_it(site) -> None:
    s = site(FILES, locations=SSL_FOLDER)
    plain = s.get("/sub/b.txt")
    assert (plain.status, plain.substatus, plain.win32) == (403, 4, 5)
    assert b"beta" not in plain.body
    secure = s.get("/sub/b.txt", tls=True)
    assert (secure.status, secure.body) == (200, b"beta")
    # the response cache now holds /sub/b.txt: a plain request must still be refused
    again = s.get("/sub/b.txt")
    assert (again.status, again.substatus) == (403, 4)
    # the rest of the site does not require SSL
    assert s.get("/a.txt").status == 200


def test_ssl_flags_without_ssl_do_not_require_tls(site) -> None:
    s = site(FILES, locations=location('<security><access sslFlags="SslNegotiateCert"/></security>'))
    assert s.get("/a.txt").status == 200
