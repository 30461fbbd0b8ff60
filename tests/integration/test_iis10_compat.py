"""``<w3py><compatibility iis10StatusCodes="..."/></w3py>`` over a real server: the embedded default
applicationHost.config with the switch flipped in place, a real listener on 127.0.0.1, what a client sees and
what the W3C log records. Off (the default): IIS 7–8.5's 404.13 and 404.10. On: IIS 10's 413.1 and 431."""

from __future__ import annotations

import pytest

from w3py.testing.pipeline import stock_apphost

SWITCH_OFF = '<compatibility iis10StatusCodes="false" />'
SWITCH_ON = '<compatibility iis10StatusCodes="true" />'

# A web.config limiting one header, so the header-limit check has something to refuse.
HEADER_LIMIT = ('<configuration><system.webServer><security><requestFiltering><requestLimits><headerLimits>'
                '<add header="X-Big" sizeLimit="10" /></headerLimits></requestLimits></requestFiltering>'
                '</security></system.webServer></configuration>')
FILES = {"index.html": "<p>home</p>", "web.config": HEADER_LIMIT}

# Over the stock maxAllowedContentLength (30000000); no body is sent: the refusal comes from the header.
OVER_LIMIT_POST = ("POST /index.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40000000\r\n"
                   "Connection: close\r\n\r\n")


def apphost(iis10: bool) -> str:
    text = stock_apphost()
    assert SWITCH_OFF in text  # the embedded default carries the section, switched off
    return text.replace(SWITCH_OFF, SWITCH_ON) if iis10 else text


@pytest.mark.parametrize(("iis10", "content_length", "header_limit"), [
    pytest.param(False, (404, "13"), (404, "10"), id="iis7-8.5"),
    pytest.param(True, (413, "1"), (431, "0"), id="iis10"),
])
def test_limit_status_codes_follow_the_switch(served, iis10, content_length, header_limit) -> None:
    site = served(FILES, apphost=apphost(iis10))
    assert site.get("/index.html", "X-Big: 12345\r\n").status == 200   # within the limit

    big_body = site.raw(OVER_LIMIT_POST)
    assert big_body.status == content_length[0]
    big_header = site.get("/index.html", "X-Big: 123456789012345678901234\r\n")
    assert big_header.status == header_limit[0]
    # the detailed error page (a loopback client) names the same code
    assert f"{content_length[0]}.{content_length[1]}".encode() in big_body.body

    rows = [(r["cs-method"], r["cs-uri-stem"], r["sc-status"], r["sc-substatus"]) for r in site.log_rows()]
    assert rows == [
        ("GET", "/index.html", "200", "0"),
        ("POST", "/index.html", str(content_length[0]), content_length[1]),
        ("GET", "/index.html", str(header_limit[0]), header_limit[1]),
    ]


def test_the_switch_is_server_level_only(served) -> None:
    # A site's web.config cannot turn it on: 500.19 (locked, AppHostOnly) for that directory, and the rest of
    # the site keeps IIS 7-8.5's codes.
    files = {"index.html": "home", "sub/index.html": "sub",
             "sub/web.config": '<configuration><w3py><compatibility iis10StatusCodes="true" /></w3py>'
                               '</configuration>'}
    site = served(files)
    answer = site.get("/sub/index.html")
    assert answer.status == 500 and b"500.19" in answer.body
    assert site.raw(OVER_LIMIT_POST).status == 404
    rows = [(r["cs-uri-stem"], r["sc-status"], r["sc-substatus"], r["sc-win32-status"]) for r in site.log_rows()]
    assert rows[0][:3] == ("/sub/index.html", "500", "19")
    assert rows[1][:3] == ("/index.html", "404", "13")
