from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from w3py.testing.server import RunningServer, running_server


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Start a real listener on 127.0.0.1 (free port): ``serve(sites=..., app=...)``; stopped at teardown."""
    stack: list[Any] = []

    def start(sites: Any = None, app: Any = None) -> RunningServer:
        cm = running_server(tmp_path, sites=sites, app=app)
        server = cm.__enter__()
        stack.append(cm)
        return server

    yield start
    while stack:
        stack.pop().__exit__(None, None, None)
