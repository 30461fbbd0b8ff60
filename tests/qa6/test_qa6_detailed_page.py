"""Conformance of the detailed error page with IIS 10's, over a real socket (iis-reference.md §4.3 and captured
IIS 10 / IIS Express 500.19 pages).

IIS shows the broken configuration of a 500.19 in a container of its own after "Detailed Error Information":
``<div class="config_source content-container"><fieldset><h4>Config Source:</h4><pre><code>`` with the line
before, the offending line and the line after, each as ``%5d: text``, the offending one wrapped in
``<span class="highlight-code">``.
"""

from __future__ import annotations

import httpx
import pytest
import lxml.html

from w3py.testing.live_site import live_site

BROKEN = """<system.webServer>
  <directoryBrowse enabled="maybe" />
</system.webServer>"""


def test_500_19_config_source_is_iis_shaped(tmp_path) -> None:
    with live_site(tmp_path, files={"app/page.txt": "x"}, web_configs={"app": BROKEN}) as site:
        r = httpx.get(site.url("/app/page.txt"))
    assert r.status_code == 500
    doc = lxml.html.fromstring(r.content)
    containers = doc.xpath('//div[contains(concat(" ", @class, " "), " config_source ")]')
    assert len(containers) == 1
    container = containers[0]
    assert "content-container" in container.get("class").split()
    # its own container, not inside the "Detailed Error Information" fieldset
    assert not container.xpath('ancestor::fieldset')
    assert container.xpath("string(fieldset/h4)") == "Config Source:"
    code = container.xpath("fieldset/pre/code")
    assert len(code) == 1
    lines = code[0].text_content().splitlines()
    # live_site writes '<?xml ...?>', '<configuration>', then the body: the attribute is on line 4
    assert lines == [
        "    3: <system.webServer>",
        '    4:   <directoryBrowse enabled="maybe" />',
        "    5: </system.webServer>",
    ]
    highlighted = code[0].xpath('span[@class="highlight-code"]')
    assert [s.text_content() for s in highlighted] == ['    4:   <directoryBrowse enabled="maybe" />']
    # the details fieldset still has the Config Error / Config File rows
    rows = [th.text_content() for th in doc.xpath('//div[@id="details-left"]//th')]
    assert rows[:4] == ["Module", "Notification", "Handler", "Error Code"]
    assert "Config Error" in rows and "Config File" in rows


@pytest.mark.xfail(strict=True, reason="the configuration layer reports a locked attribute for every URL of the "
                   "path; IIS reads httpErrors only when a response fails (fix belongs to config/pipeline owners)")
def test_a_locked_httperrors_attribute_fails_only_erroring_requests(tmp_path) -> None:
    """``httpErrors/@defaultPath`` is locked at server level in the stock configuration: a web.config that sets
    it gets 500.19 (0x80070021) for every request that ends in an error, because CustomErrorModule reads
    httpErrors only then; a request that succeeds never reads the section and is served (reference §4.2 8)."""
    config = '<system.webServer><httpErrors defaultPath="C:\\\\err.htm" /></system.webServer>'
    with live_site(tmp_path, files={"a.txt": "hello"}, web_configs={"": config}) as site:
        missing = httpx.get(site.url("/missing.txt"))
        ok = httpx.get(site.url("/a.txt"))
    assert missing.status_code == 500
    assert "0x80070021" in missing.text
    assert (ok.status_code, ok.text) == (200, "hello")


def test_requested_url_carries_the_query_string(tmp_path) -> None:
    """IIS's "Requested URL" is the cooked URL HTTP.sys hands over: scheme, host, port, the decoded path and
    the query as sent (captured IIS 7 page: ``http://localhost:80/timetrakker/bin/wc.dll?wwMaint~ShowStatus``).
    Every part is HTML-escaped."""
    with live_site(tmp_path) as site:
        r = httpx.get(site.url("/no%20such.txt?a=1&b=%3Cscript%3E"))
    assert r.status_code == 404
    assert "<script>" not in r.text
    doc = lxml.html.fromstring(r.content)
    cells = {th.text_content(): td.text_content().strip("\xa0") for th, td in
             zip(doc.xpath("//tr/th"), doc.xpath("//tr/td"))}
    assert cells["Requested URL"] == f"http://127.0.0.1:{site.port}/no such.txt?a=1&b=%3Cscript%3E"
