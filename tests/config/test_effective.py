"""Loader + merge: sites, inheritance through applicationHost.config, <location> and web.config files."""

from __future__ import annotations

from datetime import timedelta

import pytest

from w3py.config import ConfigError, load_server_config, default_config_path
from w3py.config.sections import (
    DefaultDocumentSection, DirectoryBrowseSection, HandlersSection, HttpErrorsSection, LogSection,
    RequestFilteringSection, StaticContentSection,
)
from w3py.testing.config import ConfigTree, site_xml


@pytest.fixture
def tree(tmp_path):
    return ConfigTree(tmp_path)


def test_sites_bindings_and_defaults(tree):
    tree.apphost(sites=site_xml() + site_xml("Other", 7, r"C:\sites\other", "127.0.0.1:81:example.com") +
                 '<siteDefaults><logFile period="Hourly" logExtFileFlags="Date, Time, ClientIP"/>'
                 '<limits connectionTimeout="00:00:30"/></siteDefaults>')
    cfg = tree.load()
    assert cfg.root == tree.root
    assert [s.name for s in cfg.sites] == ["Default Web Site", "Other"]
    site = cfg.site_by_id(7)
    assert site.bindings[0][:4] == ("http", "127.0.0.1", 81, "example.com")
    assert cfg.site_by_id(1).bindings[0][:4] == ("http", "*", 8080, "")
    assert site.limits.connection_timeout == timedelta(seconds=30)
    assert site.limits.max_url_segments == 32
    assert site.log_file.period == "Hourly"
    assert site.log_file.log_ext_file_flags == frozenset({"Date", "Time", "ClientIP"})
    assert site.log_file.directory == tree.root / "inetpub/logs/LogFiles"
    assert site.applications[0].virtual_directories[0].physical_path == tree.root / "sites/other"
    assert cfg.site_by_id(3) is None
    mapped = cfg.site_by_id(1).map_path("/a/b.txt")
    assert mapped.physical_path == tree.wwwroot / "a" / "b.txt"
    assert cfg.log.central_log_file_mode == "Site" and cfg.log is cfg.server_config[LogSection]


def test_applications_and_virtual_directories(tree):
    sites = """
      <site name="S" id="1">
        <application path="/"><virtualDirectory path="/" physicalPath="%SystemDrive%\\www" />
          <virtualDirectory path="/img" physicalPath="%SystemDrive%\\images" /></application>
        <application path="/App" applicationPool="P"><virtualDirectory path="/" physicalPath="%SystemDrive%\\app" />
        </application>
        <bindings><binding protocol="http" bindingInformation="[::1]:80:" /></bindings>
      </site>
      <applicationDefaults applicationPool="DefaultAppPool" />"""
    tree.apphost(sites=sites)
    site = tree.load().sites[0]
    assert site.bindings[0].ip == "::1"
    m = site.map_path("/IMG/x/y.png")
    assert m.physical_path == tree.root / "images/x/y.png" and m.application.path == "/"
    assert m.application.application_pool == "DefaultAppPool"
    m = site.map_path("/app/z")
    assert m.application.path == "/App" and m.application.application_pool == "P"
    assert m.physical_path == tree.root / "app/z"
    assert site.map_path("/apple").physical_path == tree.root / "www/apple"
    with pytest.raises(ValueError):
        site.map_path("/a/../../etc/passwd")


def test_inheritance_clear_remove_and_merge_append(tree):
    tree.apphost("""<system.webServer>
      <defaultDocument><files><add value="index.html"/><add value="default.htm"/></files></defaultDocument>
      <staticContent><mimeMap fileExtension=".txt" mimeType="text/plain"/>
                     <mimeMap fileExtension=".css" mimeType="text/css"/></staticContent>
      <security><requestFiltering><hiddenSegments><add segment="bin"/></hiddenSegments></requestFiltering></security>
    </system.webServer>""")
    tree.web_config("a", """<system.webServer>
      <defaultDocument><files><add value="home.htm"/></files></defaultDocument>
      <staticContent><remove fileExtension=".TXT"/><mimeMap fileExtension=".md" mimeType="text/markdown"/></staticContent>
    </system.webServer>""")
    tree.web_config("a/b", """<system.webServer>
      <staticContent><clear/><mimeMap fileExtension=".txt" mimeType="text/x"/></staticContent>
      <security><requestFiltering allowDoubleEscaping="true"><hiddenSegments><clear/></hiddenSegments></requestFiltering></security>
    </system.webServer>""")
    cfg = tree.load()
    site = cfg.sites[0]
    root = cfg.effective(site, "/")
    a = cfg.effective(site, "/a/page.htm")
    b = cfg.effective(site, "/a/b/c/d")
    assert [m.file_extension for m in root[StaticContentSection].items] == [".txt", ".css"]
    assert [m.file_extension for m in a[StaticContentSection].items] == [".css", ".md"]
    assert [(m.file_extension, m.mime_type) for m in b[StaticContentSection].items] == [(".txt", "text/x")]
    # defaultDocument/files is mergeAppend="false": entries added below come first.
    assert [f.value for f in a[DefaultDocumentSection].files.items] == ["home.htm", "index.html", "default.htm"]
    assert b[RequestFilteringSection].allow_double_escaping is True
    assert a[RequestFilteringSection].allow_double_escaping is False
    assert b[RequestFilteringSection].hidden_segments.items == ()
    assert [s.segment for s in a[RequestFilteringSection].hidden_segments.items] == ["bin"]
    # origins: file and line of the last writer, None for schema defaults
    assert a[StaticContentSection].origin[0].endswith("a/web.config")
    assert root[DirectoryBrowseSection].origin is None
    # cached and shared
    assert cfg.effective(site, "/a/page.htm") is a


def test_location_paths_in_apphost_and_web_config(tree):
    tree.apphost(
        "<system.webServer><directoryBrowse enabled=\"false\"/></system.webServer>",
        locations="""<location path="Default Web Site/pub"><system.webServer><directoryBrowse enabled="true"/>
        </system.webServer></location>
        <location path="Default Web Site"><system.webServer><directoryBrowse showFlags="Date"/></system.webServer>
        </location>""")
    tree.web_config("", """<location path="docs/old"><system.webServer>
        <httpRedirect enabled="true" destination="/new"/></system.webServer></location>""")
    cfg = tree.load()
    site = cfg.sites[0]
    assert cfg.effective(site, "/")[DirectoryBrowseSection].enabled is False
    assert cfg.effective(site, "/")[DirectoryBrowseSection].show_flags == frozenset({"Date"})
    assert cfg.effective(site, "/PUB/x")[DirectoryBrowseSection].enabled is True
    from w3py.config.sections import HttpRedirectSection
    assert cfg.effective(site, "/docs/old/a.htm")[HttpRedirectSection].enabled is True
    assert cfg.effective(site, "/docs")[HttpRedirectSection].enabled is False


def test_types_enums_flags_timespans(tree):
    tree.apphost("""<system.webServer>
      <httpErrors errorMode="detailed" existingResponse="2">
        <error statusCode="404" subStatusCode="7" path="/e/404-7.htm" responseMode="ExecuteURL"/>
      </httpErrors>
      <handlers accessPolicy="Read, Script"><add name="X" path="*.x" verb="GET" modules="M"/></handlers>
      <staticContent><clientCache cacheControlMode="UseMaxAge" cacheControlMaxAge="1.02:03:04"/></staticContent>
    </system.webServer>""")
    e = tree.load().effective(tree.load().sites[0], "/")
    he = e[HttpErrorsSection]
    assert he.error_mode == "Detailed" and he.existing_response == "PassThrough"
    assert (he.items[0].status_code, he.items[0].sub_status_code, he.items[0].response_mode) == (404, 7, "ExecuteURL")
    assert e[HandlersSection].access_policy == frozenset({"Read", "Script"})
    assert e[HandlersSection].items[0].require_access == "Script"
    cc = e[StaticContentSection].client_cache
    assert cc.cache_control_max_age == timedelta(days=1, hours=2, minutes=3, seconds=4)


def test_embedded_default_config(tmp_path):
    (tmp_path / "inetpub/wwwroot").mkdir(parents=True)  # a missing site folder is 500.19 0x80070003
    cfg = load_server_config(str(default_config_path()), root=tmp_path)
    site = cfg.site_by_id(1)
    assert site.name == "Default Web Site"
    assert site.bindings[0][:4] == ("http", "*", 8080, "")
    assert site.map_path("/").physical_path == tmp_path / "inetpub/wwwroot"
    e = cfg.effective(site, "/")
    mime = {m.file_extension: m.mime_type for m in e[StaticContentSection].items}
    assert len(mime) == 378 and mime[".json"] == "application/json" and mime[".htm"] == "text/html"
    last = e[HandlersSection].items[-1]
    assert (last.name, last.path, last.verb, last.resource_type, last.require_access) == \
        ("StaticFile", "*", "*", "Either", "Read")
    assert last.modules == "StaticFileModule,DefaultDocumentModule,DirectoryListingModule"
    errs = e[HttpErrorsSection].items
    assert [x.status_code for x in errs] == [401, 403, 404, 405, 406, 412, 500, 501, 502]
    assert errs[0].prefix_language_file_path == f"{tmp_path}/inetpub/custerr"
    rf = e[RequestFilteringSection]
    assert ".config" in {x.file_extension for x in rf.file_extensions.items}
    assert [x.value for x in e[DefaultDocumentSection].files.items][:1] == ["Default.htm"]
    assert site.log_file.directory == tmp_path / "inetpub/logs/LogFiles"


def test_broken_web_config_only_breaks_its_subtree(tree):
    tree.apphost()
    tree.web_config("sub", "<system.webServer><directoryBrowse enabled='maybe'/></system.webServer>")
    cfg = tree.load()
    site = cfg.sites[0]
    cfg.effective(site, "/other")
    with pytest.raises(ConfigError) as ei:
        cfg.effective(site, "/sub/x")
    assert ei.value.hresult == 0x8007000D and ei.value.line == 3 and ei.value.file.endswith("sub/web.config")
    # fixed file picked up with no restart
    tree.web_config("sub", "<system.webServer><directoryBrowse enabled='true'/></system.webServer>")
    assert cfg.effective(site, "/sub/x")[DirectoryBrowseSection].enabled is True


def test_handlers_added_below_come_first_and_readded_entries_keep_their_place(tree):
    tree.apphost("<system.webServer><handlers><add name='A' path='*.a' verb='*'/><add name='B' path='*.b' verb='*'/>"
                 "<add name='StaticFile' path='*' verb='*'/></handlers></system.webServer>",
                 locations='<location path="" overrideMode="Allow"><system.webServer><handlers/></system.webServer>'
                           '</location>')
    tree.web_config("sub", "<system.webServer><handlers><add name='X' path='*.x' verb='GET'/>"
                           "<remove name='B'/><add name='B' path='*.bb' verb='GET'/></handlers></system.webServer>")
    tree.web_config("sub/deeper", "<system.webServer><handlers><add name='Y' path='*.y' verb='GET'/>"
                                  "</handlers></system.webServer>")
    cfg = tree.load()
    items = cfg.effective(cfg.sites[0], "/sub/")[HandlersSection].items
    assert [(h.name, h.path) for h in items] == [("X", "*.x"), ("A", "*.a"), ("B", "*.bb"), ("StaticFile", "*")]
    deeper = cfg.effective(cfg.sites[0], "/sub/deeper/")[HandlersSection].items
    assert [h.name for h in deeper] == ["Y", "X", "A", "B", "StaticFile"]


def test_path_defaults_are_expanded_under_the_root(tree):
    tree.apphost()
    cfg = tree.load()
    site = cfg.sites[0]
    assert site.trace_failed_requests_logging.directory == tree.root / "inetpub/logs/FailedReqLogFiles"
    assert cfg.log.central_w3c_log_file.directory == tree.root / "inetpub/logs/LogFiles"
    assert cfg.effective(site, "/")[LogSection] is cfg.log


def test_elements_compare_and_hash_by_value(tree):
    tree.apphost("<system.webServer><staticContent><mimeMap fileExtension='.a' mimeType='x/a'/></staticContent>"
                 "</system.webServer>")
    tree.web_config("sub", "<system.webServer><staticContent><remove fileExtension='.a'/>"
                           "<mimeMap fileExtension='.a' mimeType='x/a'/></staticContent></system.webServer>")
    cfg = tree.load()
    a = cfg.effective(cfg.sites[0], "/")[StaticContentSection]
    b = cfg.effective(cfg.sites[0], "/sub/")[StaticContentSection]
    assert a is not b and a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a.items[0].origin != b.items[0].origin


def test_merge_order_by_path_depth_then_file(tree):
    """For /a/b: apphost, apphost <location "Site">, root web.config, apphost <location "Site/a">, root
    web.config's <location "a">, a/web.config, then the same for b."""
    tree.apphost(locations="""
      <location path="Default Web Site"><system.webServer><staticContent defaultDocFooter="loc-site"
          enableDocFooter="true"/></system.webServer></location>
      <location path="Default Web Site/a"><system.webServer><staticContent defaultDocFooter="loc-a"/>
          <directoryBrowse enabled="true"/></system.webServer></location>""")
    tree.web_config("", """<system.webServer><staticContent defaultDocFooter="root-wc"/></system.webServer>
      <location path="a"><system.webServer><directoryBrowse enabled="false" showFlags="Date"/></system.webServer>
      </location>""")
    tree.web_config("a/b", "<system.webServer><directoryBrowse enabled='true'/></system.webServer>")
    cfg = tree.load()
    site = cfg.sites[0]
    assert cfg.effective(site, "/")[StaticContentSection].default_doc_footer == "root-wc"
    a = cfg.effective(site, "/a/")
    assert a[StaticContentSection].default_doc_footer == "loc-a"
    assert a[StaticContentSection].enable_doc_footer is True
    assert a[DirectoryBrowseSection].enabled is False and a[DirectoryBrowseSection].show_flags == {"Date"}
    b = cfg.effective(site, "/a/b/")
    assert b[DirectoryBrowseSection].enabled is True and b[DirectoryBrowseSection].show_flags == {"Date"}


def test_allow_sub_dir_config_false_ignores_web_configs_below_the_vdir_root(tree):
    sites = """<site name="Default Web Site" id="1">
        <application path="/"><virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot"/>
          <virtualDirectory path="/shared" physicalPath="%SystemDrive%\\shared" allowSubDirConfig="false"/>
        </application></site>"""
    tree.apphost(sites=sites)
    for rel in ("shared", "shared/deep"):
        folder = tree.root / rel
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "web.config").write_text(
            f"<configuration><system.webServer><staticContent defaultDocFooter='{rel}'/></system.webServer>"
            "</configuration>")
    cfg = tree.load()
    site = cfg.sites[0]
    assert cfg.effective(site, "/shared/")[StaticContentSection].default_doc_footer == "shared"
    assert cfg.effective(site, "/shared/deep/x")[StaticContentSection].default_doc_footer == "shared"


def test_embedded_default_declares_every_known_section(tmp_path):
    from w3py.config.document import implied_declarations

    cfg = load_server_config(str(default_config_path()), root=tmp_path)
    implied, _ = implied_declarations()
    assert set(cfg.declarations) >= set(implied)
    for path, decl in implied.items():
        got = cfg.declarations[path]
        assert (got.override_mode_default, got.allow_definition, got.cls) == \
            (decl.override_mode_default, decl.allow_definition, decl.cls), path


def test_file_level_locations(tree):
    tree.apphost(locations='<location path="Default Web Site/docs/secret.txt"><system.webServer>'
                           '<staticContent enableDocFooter="true"/></system.webServer></location>')
    tree.web_config("docs", '<location path="page.htm"><system.webServer><directoryBrowse enabled="true"/>'
                            '</system.webServer></location>')
    cfg = tree.load()
    site = cfg.sites[0]
    assert cfg.effective(site, "/docs/secret.txt")[StaticContentSection].enable_doc_footer is True
    assert cfg.effective(site, "/docs/")[StaticContentSection].enable_doc_footer is False
    assert cfg.effective(site, "/docs/page.htm")[DirectoryBrowseSection].enabled is True
    assert cfg.effective(site, "/docs/other.htm")[DirectoryBrowseSection].enabled is False
