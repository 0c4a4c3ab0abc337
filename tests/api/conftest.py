"""Servers for the HTTP tests: one shared read-only demo server, and fresh ones on demand.

Tests that only read (or whose writes must be refused) share ``demo_server``; a test that changes
data or needs other settings starts its own with ``start_server``, each on a fresh memory store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.app_server import API_TOKEN, AppServer, StartServer, start_app


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The campus demo on a memory store, writes allowed with API_TOKEN; for read-only tests."""
    server = start_app(
        tmp_path_factory.mktemp("demo-server"), demo=True, settings={"SRKB_API_TOKEN": API_TOKEN}
    )
    yield server
    server.stop()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start servers on fresh memory stores: ``start_server(demo=True, SRKB_X="...")``.

    Every SRKB_* keyword becomes an environment variable of the server; each server is stopped
    when the test ends.
    """
    started: list[AppServer] = []

    def start(*, demo: bool = True, **settings: str) -> AppServer:
        server = start_app(tmp_path, demo=demo, settings=settings)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
