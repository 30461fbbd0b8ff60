"""Fixtures for pipeline tests: a site on the embedded default configuration, driven in memory."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from w3py.testing.pipeline import SiteHarness


@pytest.fixture
def site(tmp_path) -> Callable[..., SiteHarness]:  # noqa: ANN001
    """``site(files, locations=..., options=..., extra_modules=...)`` → a SiteHarness rooted in tmp_path."""

    def make(files: dict[str, Any] | None = None, **kwargs: Any) -> SiteHarness:
        return SiteHarness(tmp_path / "server", files, **kwargs)

    return make
