"""A real w3py server (listener + PipelineApplication) on 127.0.0.1, serving a site tree built by the test."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from w3py.testing.pipeline import ServedSite, SiteHarness


@pytest.fixture
def served(tmp_path) -> Iterator[Callable[..., ServedSite]]:  # noqa: ANN001
    started: list[ServedSite] = []

    def start(files: dict[str, Any] | None = None, **kwargs: Any) -> ServedSite:
        site = ServedSite(SiteHarness(tmp_path / f"server{len(started)}", files, **kwargs))
        started.append(site)
        return site

    yield start
    for site in started:
        site.stop()
