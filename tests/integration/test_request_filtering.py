"""Request filtering over a real server: the embedded default applicationHost.config, a real listener on
127.0.0.1, raw requests on a socket. What is asserted is what a client sees (status line, Connection: close,
the connection closing, no 100 Continue) — iis-reference.md §1.3, §5.4, §5.10.
"""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w3py.config import load_server_config
from w3py.pipeline.application import PipelineApplication
from w3py.testing.pipeline import stock_apphost, write_tree
from w3py.testing.w3c_log import parse_w3c
from w3py.testing.server import FakeBinding, FakeServerConfig, ResponseReader, RunningServer

FILES = {
    "index.html": "<p>home</p>",
    "ok.txt": "ok",
    "db.mdb": "secret database",
    "binary/ok.txt": "binary is not bin",
    "a/b/c/d/deep.txt": "deep",
    "_vti_bin/x.txt": "vti",
    "allowed/_vti_/page.txt": "always allowed",
    "page.aspx": "not really aspx",
    "café.txt": "high bit",
    "a+b.txt": "plus",
    "src/Program.cs": "class Program {}",
    "App_Browsers/private.txt": "private",
}


@dataclasses.dataclass
class Result:
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool | None
    code: str  # "404.7": the status line's code with the substatus the pipeline handed the listener


class RecordingApp:
    """The pipeline, with a note of the (status, substatus) of each response it hands to the listener: the
    values the W3C log's sc-status and sc-substatus are written from."""

    def __init__(self, app: PipelineApplication) -> None:
        self.app = app
        self.codes: list[str] = []

    async def handle(self, request):
        response = await self.app.handle(request)
        self.codes.append(f"{response.status}.{response.substatus}")
        return response

    def reject(self, request, status, substatus):
        return self.app.reject(request, status, substatus)


class Site:
    """A server root with the stock configuration (plus what a test adds), served on a free port."""

    def __init__(self, root: Path, locations: str = "", site_limits: str = "", web_config: str = "") -> None:
        self.root = root
        wwwroot = root / "inetpub" / "wwwroot"
        wwwroot.mkdir(parents=True)
        (root / "config").mkdir()
        write_tree(wwwroot, FILES)
        if web_config:
            (wwwroot / "web.config").write_text(
                f'<?xml version="1.0"?>\n<configuration>\n{web_config}\n</configuration>\n', encoding="utf-8")
        text = stock_apphost(locations=locations)
        if site_limits:
            text = text.replace("<bindings>", f"{site_limits}\n<bindings>", 1)
        path = root / "config" / "applicationHost.config"
        path.write_text(text, encoding="utf-8")
        self.config = load_server_config(path, poll_interval=0, root=root)
        # The binding in the file is *:8080; the listener gets the same site on a kernel-chosen port.
        site = dataclasses.replace(self.config.sites[0], bindings=(FakeBinding(ip="127.0.0.1", port=0),))
        self.app = PipelineApplication(self.config)
        self.recorder = RecordingApp(self.app)
        self.server = RunningServer(FakeServerConfig(root=root, sites=(site,)), self.recorder).start()

    def close(self) -> None:
        """Stop the server (idempotent); the W3C log is flushed by then."""
        if self.server is None:
            return
        self.server.stop()
        self.server = None
        self.app.close()

    def log_rows(self) -> list[dict[str, str]]:
        rows = []
        for path in sorted((self.root / "inetpub" / "logs" / "LogFiles").rglob("*.log")):
            rows.extend(parse_w3c(path).rows)
        return rows

    def send(self, data: bytes, check_close: bool = True, head: bool = False) -> Result:
        """One request on a new connection, and whether the server closed it afterwards."""
        self.recorder.codes.clear()
        with self.server.connect() as sock:
            sock.sendall(data)
            reader = ResponseReader(sock)
            response = reader.read(head_only=head)
            closed = reader.at_eof(2.0) if check_close else None
        # a refusal the listener makes itself (HTTP.sys's role) never reaches the pipeline: code "400.0"-like
        code = self.recorder.codes[-1] if self.recorder.codes else f"{response.status}.listener"
        assert code.split(".")[0] == str(response.status)
        return Result(response.status, dict(response.headers), response.body, closed, code)

    def get(self, target: str | bytes, method: str = "GET", headers: str = "", check_close: bool = False):
        if isinstance(target, str):
            target = target.encode("utf-8")
        head = method.encode() + b" " + target + b" HTTP/1.1\r\nHost: localhost\r\n" + headers.encode() + b"\r\n"
        return self.send(head, check_close, head=method == "HEAD")


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """NO site-level configuration at all: only the embedded default applicationHost.config."""
    site = Site(tmp_path_factory.mktemp("stock"))
    yield site
    site.close()


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator:
    sites: list[Site] = []

    def make(**kw) -> Site:
        site = Site(tmp_path / f"s{len(sites)}", **kw)
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.close()


def code_of(site: Site, target: str | bytes, **kw) -> str:
    return site.get(target, **kw).code


# --- the stock rules deny what IIS denies, with no site configuration ----------------------------------


@pytest.mark.parametrize(
    ("target", "code"),
    [
        pytest.param("/index.html", "200.0", id="allowed"),
        pytest.param("/web.config", "404.8", id="web.config"),
        pytest.param("/WEB.CONFIG", "404.8", id="web.config-upper"),
        pytest.param("/db.mdb", "404.7", id="mdb"),
        pytest.param("/x.MDB", "404.7", id="mdb-upper"),
        pytest.param("/Global.asax", "404.7", id="asax"),
        pytest.param("/bin/app.dll", "404.8", id="bin"),
        pytest.param("/a/bin/x", "404.8", id="bin-deep"),
        pytest.param("/binary/ok.txt", "200.0", id="binary-is-not-bin"),
        pytest.param("/App_Data/x.txt", "404.8", id="app_data"),
        pytest.param("/src/Program.cs", "404.7", id="source"),
        pytest.param("/db.mdb/", "404.7", id="mdb-trailing-slash"),
        # U+017F (long s) case-folds to "s": the case-insensitive file lookup would find Program.cs
        pytest.param("/src/Program.c%C5%BF", "404.7", id="long-s-spelling-of-cs"),
        pytest.param("/src/PROGRAM.CS", "404.7", id="source-upper"),
        # ...and App_Browsers/private.txt, a .txt the static handler would serve (a real bypass with .lower())
        pytest.param("/App_Brow%C5%BFers/private.txt", "404.8", id="long-s-spelling-of-hidden-segment"),
    ],
)
def test_stock_rules(stock: Site, target: str, code: str) -> None:
    result = stock.get(target)
    assert result.code == code
    if result.status == 404:
        assert result.headers.get("connection", "").lower() == "close"


def test_refusal_closes_the_connection(stock: Site) -> None:
    result = stock.get("/web.config", check_close=True)
    assert result.status == 404 and result.closed is True
    result = stock.get("/index.html", check_close=True)
    assert result.status == 200 and result.closed is False


def test_detailed_page_names_the_substatus_rule_and_setting(stock: Site) -> None:
    # errorMode DetailedLocalOnly (the default) and a loopback client: IIS's detailed page.
    body = stock.get("/db.mdb").body.decode("utf-8")
    assert "404.7" in body
    assert "fileExtensions" in body and ".mdb" in body and "applicationHost.config" in body
    body = stock.get("/bin/x.txt").body.decode("utf-8")
    assert "404.8" in body and "hiddenSegments" in body


def test_every_denial_is_logged_with_its_substatus(make_site) -> None:
    site = make_site(web_config=rf('<requestLimits maxQueryString="3"/>'))
    for target in ("/db.mdb", "/web.config", "/a+b.txt", "/index.html?abcd", "/index.html"):
        site.get(target)
    site.close()
    logged = [(r["cs-uri-stem"], r["sc-status"], r["sc-substatus"]) for r in site.log_rows()]
    assert logged == [
        ("/db.mdb", "404", "7"),
        ("/web.config", "404", "8"),
        ("/a+b.txt", "404", "11"),
        ("/index.html", "404", "15"),
        ("/index.html", "200", "0"),
    ]


def test_existing_file_with_denied_extension_is_never_served(stock: Site) -> None:
    assert b"secret database" not in stock.get("/db.mdb").body


# --- 404.13: judged from Content-Length before the body -------------------------------------------------


def test_huge_content_length_answered_at_once_without_reading_the_body(stock: Site) -> None:
    # No body follows the head: if the server waited for it, the read would time out instead.
    head = b"POST /index.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000000000\r\n\r\n"
    result = stock.send(head, check_close=True)
    assert result.code == "404.13"
    assert result.headers.get("connection") == "close"
    assert result.closed is True


def test_no_100_continue_before_a_404_13(stock: Site) -> None:
    head = (b"PUT /up.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 30000001\r\n"
            b"Expect: 100-continue\r\n\r\n")
    result = stock.send(head, check_close=True)
    assert result.code == "404.13"  # the first thing the client hears is the refusal, not 100 Continue
    assert result.closed is True


def test_content_length_limit_from_web_config(make_site) -> None:
    site = make_site(web_config=rf('<requestLimits maxAllowedContentLength="10"/>'))
    ok = b"POST /index.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n0123456789"
    assert site.send(ok, check_close=False).code == "405.0"  # past filtering, the static handler refuses POST
    over = b"POST /index.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\n01234567890"
    assert site.send(over, check_close=False).code == "404.13"


# --- each rule, configured per site ----------------------------------------------------------------------


RF = "<system.webServer><security><requestFiltering {attrs}>{body}</requestFiltering></security></system.webServer>"


def rf(body: str = "", attrs: str = "") -> str:
    return RF.format(attrs=attrs, body=body)


def test_verbs_404_6_wins_over_405(make_site) -> None:
    site = make_site(web_config=rf('<verbs><add verb="DELETE" allowed="false"/></verbs>'))
    assert code_of(site, "/index.html", method="DELETE") == "404.6"
    # unlisted: the handler's answer
    assert code_of(site, "/index.html", method="PUT", headers="Content-Length: 0\r\n") == "405.0"


def test_verbs_allow_list(make_site) -> None:
    site = make_site(web_config=rf('<verbs allowUnlisted="false"><add verb="GET" allowed="true"/></verbs>'))
    assert code_of(site, "/index.html") == "200.0"
    assert code_of(site, "/index.html", method="HEAD") == "404.6"
    assert code_of(site, "/index.html", method="OPTIONS") == "404.6"
    # (lower-case "get" is refused by the listener's parser before the pipeline; the rule engine's
    # case-sensitivity is covered by tests/modules/test_request_filtering_rules.py)


def test_max_url_and_query_string(make_site) -> None:
    site = make_site(web_config=rf('<requestLimits maxUrl="20" maxQueryString="5"/>'))
    assert code_of(site, "/index.html?abcde") == "200.0"
    assert code_of(site, "/index.html?abcdef") == "404.15"
    assert code_of(site, "/aaaaaaaaaaaaaaaaaaaa.txt") == "404.14"


def test_header_limits(make_site) -> None:
    site = make_site(web_config=rf('<requestLimits><headerLimits><add header="X-Big" sizeLimit="10"/>'
                                   '<add header="Translate" sizeLimit="0"/></headerLimits></requestLimits>'))
    assert code_of(site, "/index.html", headers="X-Big: 12345\r\n") == "200.0"
    assert code_of(site, "/index.html", headers="X-Big: 123456789012345678901234\r\n") == "404.10"
    assert code_of(site, "/index.html", headers="Translate: f\r\n") == "404.10"


def test_url_segments_from_site_limits(make_site) -> None:
    site = make_site(site_limits='<limits maxUrlSegments="3"/>')
    assert code_of(site, "/binary/ok.txt") == "200.0"
    assert code_of(site, "/a/b/c/d/deep.txt") == "404.20"


def test_double_escaping_and_plus(stock: Site) -> None:
    assert code_of(stock, "/sp%2520ace.txt") == "404.11"
    assert code_of(stock, "/a+b.txt") == "404.11"


def test_plus_allowed_with_double_escaping(make_site) -> None:
    site = make_site(web_config=rf(attrs='allowDoubleEscaping="true"'))
    assert code_of(site, "/a+b.txt") == "200.0"


def test_high_bit_characters(make_site) -> None:
    assert code_of(make_site(), "/caf%C3%A9.txt") == "200.0"
    site = make_site(web_config=rf(attrs='allowHighBitCharacters="false"'))
    assert code_of(site, "/caf%C3%A9.txt") == "404.12"


def test_url_sequences_and_always_allowed_urls(make_site) -> None:
    site = make_site(web_config=rf('<denyUrlSequences><add sequence="_vti_"/></denyUrlSequences>'
                                   '<alwaysAllowedUrls><add url="/allowed/_vti_/page.txt"/></alwaysAllowedUrls>'))
    assert code_of(site, "/_vti_bin/x.txt") == "404.5"
    assert code_of(site, "/allowed/_vti_/page.txt") == "200.0"


def test_query_sequences_and_always_allowed_query_strings(make_site) -> None:
    site = make_site(web_config=rf(
        '<denyQueryStringSequences><add sequence="&lt;script"/></denyQueryStringSequences>'
        '<alwaysAllowedQueryStrings><add queryString="q=%3Cscript"/></alwaysAllowedQueryStrings>'))
    assert code_of(site, "/index.html?x=%3Cscript%3E") == "404.18"
    assert code_of(site, "/index.html?q=%3Cscript") == "200.0"
    assert code_of(site, "/index.html?x=safe") == "200.0"


def test_filtering_rules(make_site) -> None:
    site = make_site(web_config=rf(
        '<filteringRules><filteringRule name="SQLi" scanUrl="false" scanQueryString="true">'
        '<appliesTo><add fileExtension=".aspx"/></appliesTo>'
        '<denyStrings><add string="--"/></denyStrings></filteringRule>'
        '<filteringRule name="agent"><scanHeaders><add requestHeader="User-Agent"/></scanHeaders>'
        '<denyStrings><add string="sqlmap"/></denyStrings></filteringRule></filteringRules>'))
    assert code_of(site, "/page.aspx?id=1--") == "404.19"
    assert code_of(site, "/index.html?id=1--") == "200.0"
    assert code_of(site, "/index.html", headers="User-Agent: sqlmap/1.7\r\n") == "404.19"


def test_allow_list_of_extensions(make_site) -> None:
    site = make_site(web_config=rf('<fileExtensions allowUnlisted="false"><add fileExtension=".html" allowed="true"/>'
                                   '</fileExtensions>'))
    assert code_of(site, "/index.html") == "200.0"
    assert code_of(site, "/ok.txt") == "404.7"


def test_web_config_change_recompiles_the_rules_without_restart(make_site) -> None:
    site = make_site()
    assert code_of(site, "/ok.txt") == "200.0"
    assert code_of(site, "/ok.txt") == "200.0"  # now possibly from the response cache: filtering still runs
    deny_txt = rf('<fileExtensions><add fileExtension=".txt" allowed="false"/></fileExtensions>')
    web_config = site.root / "inetpub" / "wwwroot" / "web.config"
    web_config.write_text(f'<?xml version="1.0"?>\n<configuration>\n{deny_txt}\n</configuration>\n')
    assert code_of(site, "/ok.txt") == "404.7"


# --- precedence ------------------------------------------------------------------------------------------


def test_hidden_segment_before_extension_and_length_before_all(stock: Site) -> None:
    assert code_of(stock, "/bin/x.mdb") == "404.8"
    head = b"POST /web.config HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999\r\n\r\n"
    assert stock.send(head, check_close=False).code == "404.13"


def test_filtering_answers_before_a_site_wide_redirect(make_site) -> None:
    site = make_site(web_config='<system.webServer><httpRedirect enabled="true" destination="http://example.test/"'
                                ' /></system.webServer>')
    assert code_of(site, "/index.html").startswith("30")
    assert code_of(site, "/db.mdb") == "404.7"


# --- odd encodings: 400 or a 404.x, never 500 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "code"),
    [
        pytest.param(b"/a%zz", "400.0", id="bad-escape"),
        pytest.param(b"/a%00b", "400.listener", id="nul"),  # HTTP.sys refuses escaped controls (400 URL)
        pytest.param(b"/%C0%AE%C0%AE/web.config", "400.listener", id="overlong"),  # not UTF-8: HTTP.sys's 400 URL
        pytest.param(b"/web%u002econfig", "404.8", id="percent-u"),
        pytest.param(b"/x/..%2fweb.config", "404.8", id="encoded-dotdot"),
    ],
)
def test_odd_encodings(stock: Site, target: bytes, code: str) -> None:
    assert code_of(stock, target) == code


# --- bad configuration is 500.19 for that path only -------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param('<fileExtensions><add fileExtension="" allowed="false"/></fileExtensions>', id="empty-extension"),
        pytest.param('<requestLimits maxUrl="-1"/>', id="negative-maxurl"),
    ],
)
def test_nonsense_values_are_500_19_under_their_folder(make_site, bad: str) -> None:
    site = make_site()
    sub = site.root / "inetpub" / "wwwroot" / "sub"
    sub.mkdir()
    (sub / "page.txt").write_text("x")
    (sub / "web.config").write_text(f'<?xml version="1.0"?>\n<configuration>\n{rf(bad)}\n</configuration>\n')
    assert code_of(site, "/sub/page.txt") == "500.19"
    assert code_of(site, "/index.html") == "200.0"


# --- fuzz: random URLs never give a 500 -------------------------------------------------------------------

PIECES = st.sampled_from(["/", "%", "+", ".", "..", "\\", "a", "Z", "0", "%2e", "%2f", "%25", "%u002e", "%C0", "%AE",
                          "%c3%a9", "%ff", "bin", "web.config", ".mdb", "%00", "?", ":", "%zz", "~", "&", "=", ";"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(PIECES, max_size=16))
def test_random_urls_never_500(stock: Site, parts: list[str]) -> None:
    target = ("/" + "".join(parts)).encode()
    result = stock.get(target)
    assert result.status < 500, (target, result.code)
