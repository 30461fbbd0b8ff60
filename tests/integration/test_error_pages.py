"""Error pages over a real socket, on the embedded default configuration: what a browser gets for each
httpErrors errorMode, in English and Japanese (iis-reference.md §4.2–§4.4)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import httpx
import lxml.html
import pytest

from w3py.testing.live_site import live_site
from w3py.testing.server import ResponseReader

CUSTOM = "<system.webServer><httpErrors errorMode=\"Custom\" /></system.webServer>"


def _doc(body: bytes) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(body)


def _title_and_heading(body: bytes) -> tuple[str, str]:
    doc = _doc(body)
    return doc.findtext(".//title"), doc.xpath("string(//h3)")


@pytest.fixture
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def test_local_client_gets_the_detailed_page_by_default(tmp_path, client) -> None:
    with live_site(tmp_path, files={"a.txt": "hello"}) as site:
        r = client.get(site.url("/missing.txt"))
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    title, heading = _title_and_heading(r.content)
    assert title == "IIS 10.0 Detailed Error - 404.0 - Not Found"
    assert heading == "HTTP Error 404.0 - Not Found"
    doc = _doc(r.content)
    rows = {th.text_content(): td.text_content().strip("\xa0") for th, td in
            zip(doc.xpath("//tr/th"), doc.xpath("//tr/td"))}
    assert rows["Error Code"] == "0x80070002"
    assert rows["Requested URL"] == f"http://127.0.0.1:{site.port}/missing.txt"
    assert rows["Physical Path"] == str(site.root / "inetpub" / "wwwroot" / "missing.txt")
    assert doc.xpath("//fieldset/h4/text()")[:2] == ["Most likely causes:", "Things you can try:"]
    assert doc.xpath("//ul/li")  # the catalog's causes and remedies


def test_detailed_page_in_japanese(tmp_path, client) -> None:
    with live_site(tmp_path) as site:
        r = client.get(site.url("/missing.txt"), headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"})
    assert r.status_code == 404
    _, heading = _title_and_heading(r.content)
    assert heading == "HTTP エラー 404.0 - Not Found"
    assert "モジュール" in r.text and "要求された URL" in r.text


@pytest.mark.parametrize("accept, lang, needle", [
    (None, "en", "File or directory not found"),
    ("ja", "ja", "ファイルまたはディレクトリが見つかりません"),
    ("fr-CA, ja;q=0.4", "ja", "ファイルまたはディレクトリが見つかりません"),
    ("de-DE", "en", "File or directory not found"),
])
def test_custom_page_by_language(tmp_path, client, accept, lang, needle) -> None:
    with live_site(tmp_path, web_configs={"": CUSTOM}) as site:
        headers = {"Accept-Language": accept} if accept else {}
        r = client.get(site.url("/nothing/here.txt"), headers=headers)
    assert r.status_code == 404  # the custom page keeps the status
    assert r.headers["content-type"] == "text/html"
    doc = _doc(r.content)
    assert doc.get("lang") == lang
    assert needle in doc.findtext(".//title")
    # the custom page tells nothing about the server's inside
    assert str(site.root) not in r.text and "Module" not in r.text and "wwwroot" not in r.text


def test_every_shipped_code_is_served_in_custom_mode(tmp_path, client) -> None:
    # 405 from the static file handler (POST to a file), 404 for a missing file: both from shipped pages.
    with live_site(tmp_path, files={"a.txt": "x"}, web_configs={"": CUSTOM}) as site:
        post = client.post(site.url("/a.txt"), content=b"x")
        missing = client.get(site.url("/b.txt"))
    assert post.status_code == 405
    assert post.headers.get("allow")  # the producer's header survives the custom page
    assert _doc(post.content).findtext(".//title").startswith("405 - ")
    assert _doc(missing.content).findtext(".//title").startswith("404 - ")


def test_substatus_row_and_relative_path(tmp_path, client) -> None:
    config = ('<system.webServer><httpErrors errorMode="Custom">'
              '<error statusCode="404" subStatusCode="3" path="errors\\no-mime.htm" responseMode="File" />'
              '</httpErrors></system.webServer>')
    files = {"file.unknownext": "data", "errors/no-mime.htm": "<p>no MIME map for that</p>"}
    with live_site(tmp_path, files=files, web_configs={"": config}) as site:
        nomime = client.get(site.url("/file.unknownext"))
        other = client.get(site.url("/missing.txt"))
    assert nomime.status_code == 404
    assert nomime.text == "<p>no MIME map for that</p>"
    assert other.status_code == 404 and "no MIME map" not in other.text  # 404.0 keeps the stock page
    assert _doc(other.content).findtext(".//title").startswith("404 - ")


def test_redirect_mode(tmp_path, client) -> None:
    config = ('<system.webServer><httpErrors errorMode="Custom" existingResponse="Replace">'
              '<remove statusCode="404" />'
              '<error statusCode="404" path="/sorry.html" responseMode="Redirect" /></httpErrors></system.webServer>')
    with live_site(tmp_path, files={"sorry.html": "sorry"}, web_configs={"": config}) as site:
        r = client.get(site.url("/gone.txt"))
        followed = client.get(site.url("/gone.txt"), follow_redirects=True)
    assert r.status_code == 302
    assert r.headers["location"] == f"http://127.0.0.1:{site.port}/sorry.html"
    assert (followed.status_code, followed.text) == (200, "sorry")


def test_500_19_detailed_shows_the_config_source_custom_shows_nothing(tmp_path, client) -> None:
    broken = '<system.webServer>\n  <defaultDocument enabled="maybe" />\n</system.webServer>'
    with live_site(tmp_path, files={"app/page.txt": "x"}, web_configs={"app": broken}) as site:
        local = client.get(site.url("/app/page.txt"))
    assert (local.status_code) == 500
    doc = _doc(local.content)
    assert doc.xpath("string(//h3)") == "HTTP Error 500.19 - Internal Server Error"
    rows = {th.text_content(): td.text_content().strip("\xa0") for th, td in
            zip(doc.xpath("//tr/th"), doc.xpath("//tr/td"))}
    assert rows["Config File"] == str(site.root / "inetpub" / "wwwroot" / "app" / "web.config")
    assert rows["Error Code"] == "0x8007000d"
    source = doc.xpath("string(//pre)")
    assert source.splitlines()[1] == '    4:   <defaultDocument enabled="maybe" />'
    assert doc.xpath('string(//span[@class="highlight-code"])') == source.splitlines()[1]
    with live_site(tmp_path / "remote", files={"app/page.txt": "x"},
                   web_configs={"app": broken, "": CUSTOM}) as site:
        remote = client.get(site.url("/app/page.txt"))
    assert remote.status_code == 500
    assert "web.config" not in remote.text and "maybe" not in remote.text
    assert _doc(remote.content).findtext(".//title").startswith("500 - ")


def test_values_are_escaped_on_the_detailed_page(tmp_path, client) -> None:
    with live_site(tmp_path) as site:
        r = client.get(site.url("/%3Cscript%3Ealert(1)%3C%2Fscript%3E.txt"))
    assert r.status_code == 404
    assert "<script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.txt" in r.text


def test_head_gets_the_error_head_without_a_body(tmp_path) -> None:
    with live_site(tmp_path) as site:
        with httpx.Client() as c:
            get = c.get(site.url("/missing.txt"))
        sock = site.server.connect()
        try:
            sock.sendall(b"HEAD /missing.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            head = ResponseReader(sock).read(head_only=True)
        finally:
            sock.close()
    assert head.status == 404
    assert head.header("content-length") == str(len(get.content))
    assert head.header("content-type") == "text/html; charset=utf-8"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.needs_tool("chromium")
@pytest.mark.slow
def test_detailed_page_renders_in_headless_chromium(tmp_path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed")
    with live_site(tmp_path) as site, tempfile.TemporaryDirectory() as profile:
        out = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--dump-dom", site.url("/no/such/page.htm")],
            capture_output=True, timeout=90, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    doc = lxml.html.fromstring(out.stdout)
    assert doc.findtext(".//title") == "IIS 10.0 Detailed Error - 404.0 - Not Found"
    assert doc.xpath("string(//h3)") == "HTTP Error 404.0 - Not Found"
    # the browser built the tables from our markup: the rows are there as elements, not as text
    assert doc.xpath("//div[@id='details-left']//th/text()")[:2] == ["Module", "Notification"]


def test_500_19_for_a_broken_root_web_config(tmp_path, client) -> None:
    with live_site(tmp_path, files={"a.txt": "x"}, web_configs={"": "<system.webServer><bogus /></system.webServer>"}) as site:
        r = client.get(site.url("/a.txt"))
    assert r.status_code == 500
    assert "HTTP Error 500.19" in r.text
    assert len(site.log_files()) == 1
