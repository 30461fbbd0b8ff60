"""A module may narrow its notifications in provision (engine.Plan): ProtocolSupportModule has nothing to do at
SEND_RESPONSE under the stock configuration, and is left out of that step; any httpProtocol setting that acts on
the way out brings it back."""

from __future__ import annotations

import pytest

from w3py.testing.pipeline import location


def _send_response_modules(s, path: str = "/a.txt") -> list[str]:  # noqa: ANN001
    return [module.name for _fn, _async, module in s.app.plan_for(s.site, path).send_response]


def test_stock_configuration_has_no_protocol_support_step_on_the_way_out(site) -> None:
    s = site({"a.txt": "alpha"})
    assert "ProtocolSupportModule" not in _send_response_modules(s)
    r = s.get("/a.txt")
    assert r.status == 200 and not r.response.close
    # still the OPTIONS handler's module
    assert s.get("/a.txt", method="OPTIONS").header("allow") == "OPTIONS, TRACE, GET, HEAD, POST"


@pytest.mark.parametrize(
    ("setting", "check"),
    [
        pytest.param('<httpProtocol><customHeaders><add name="X-A" value="1"/></customHeaders></httpProtocol>',
                     lambda r: r.header("x-a") == "1", id="custom-header"),
        pytest.param('<httpProtocol allowKeepAlive="false"/>', lambda r: r.response.close, id="no-keep-alive"),
        pytest.param('<httpProtocol><redirectHeaders><add name="X-R" value="2"/></redirectHeaders></httpProtocol>',
                     lambda r: r.status == 200, id="redirect-headers"),
    ],
)
def test_a_setting_that_acts_on_the_way_out_keeps_the_step(site, setting, check) -> None:  # noqa: ANN001
    s = site({"a.txt": "alpha"}, locations=location(setting))
    # custom headers, then the error page (reversed priorities, ties in <modules> order: engine.py Rule 2)
    assert _send_response_modules(s) == ["ProtocolSupportModule", "CustomErrorModule"]
    for _ in range(2):  # a miss, then a response-cache hit
        assert check(s.get("/a.txt"))
