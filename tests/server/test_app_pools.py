"""Which sites HTTP.sys answers with 503 because their application pool is not running (server/app_pools.py):
read from a real applicationHost.config."""

from __future__ import annotations

from pathlib import Path

import pytest

from w3py.config.server import load_server_config
from w3py.server.app_pools import offline_site_ids, root_pool, started_pools
from w3py.testing.conformance import stock_text, with_sites
from w3py.testing.server import FakeServerConfig, site

SITES = """
            <site name="Second" id="2">
                <application path="/" applicationPool="{pool}">
                    <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\second" />
                </application>
                <bindings><binding protocol="http" bindingInformation="*:8082:" /></bindings>
            </site>"""


def _config(tmp_path, pools: str, pool: str = "SecondPool"):
    text = with_sites(stock_text(), SITES.format(pool=pool))
    text = text.replace('<add name="DefaultAppPool" />', pools)
    path = tmp_path / "applicationHost.config"
    path.write_text(text, encoding="utf-8")
    return load_server_config(path, root=tmp_path)


@pytest.mark.parametrize(
    "pools, pool, offline",
    [
        pytest.param('<add name="DefaultAppPool" /><add name="SecondPool" />', "SecondPool", set(), id="both-start"),
        pytest.param(
            '<add name="DefaultAppPool" /><add name="SecondPool" autoStart="false" />', "SecondPool", {2},
            id="auto-start-false",
        ),
        pytest.param('<add name="DefaultAppPool" />', "SecondPool", {2}, id="missing-pool"),
        pytest.param('<add name="DefaultAppPool" /><add name="secondpool" />', "SECONDPOOL", set(), id="name-case"),
        pytest.param('<add name="SecondPool" />', "SecondPool", {1}, id="default-site-pool-missing"),
    ],
)
def test_offline_sites(tmp_path, pools: str, pool: str, offline: set[int]) -> None:
    assert offline_site_ids(_config(tmp_path, pools, pool)) == offline


def test_application_pool_defaults_supply_auto_start(tmp_path) -> None:
    pools = '<add name="DefaultAppPool" autoStart="true" /><add name="SecondPool" />'
    config = _config(tmp_path, pools)
    path = config.path
    text = path.read_text(encoding="utf-8")
    text = text.replace("<applicationPoolDefaults ", '<applicationPoolDefaults autoStart="false" ')
    path.write_text(text, encoding="utf-8")
    config = load_server_config(path, root=tmp_path)
    # the pool that says autoStart="true" itself starts; the one that inherits false does not
    assert started_pools(config) == frozenset({"defaultapppool"})
    assert offline_site_ids(config) == {2}


def test_root_pool_and_test_doubles() -> None:
    assert root_pool(site()) is None  # a test double without applications
    assert offline_site_ids(FakeServerConfig(root=Path("."), sites=(site(),))) == frozenset()
