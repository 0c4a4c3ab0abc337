"""Servers for the HTTP tests: one shared read-only demo server, and fresh ones on demand.

Tests that only read (or whose writes must be refused) share ``demo_server``; a test that changes
data or needs other settings starts its own with ``start_server``, each on a fresh memory store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import VirtuosoFactory
from tests.support.app_server import API_TOKEN, AppServer, StartServer, start_app


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("memory", id="memory"),
        pytest.param("virtuoso", id="virtuoso", marks=pytest.mark.virtuoso),
    ],
)
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[AppServer]:
    """The campus demo, writes allowed with API_TOKEN; for read-only tests.

    On a memory store, and on Virtuoso (a server of its own, given by its query URL only), so the
    SPARQL protocol, Graph Store and governance routes are checked on both.
    """
    store = "memory"
    if request.param == "virtuoso":
        factory: VirtuosoFactory = request.getfixturevalue("virtuoso_server_factory")
        store = factory().sparql_url
    server = start_app(
        tmp_path_factory.mktemp("demo-server"),
        store=store,
        demo=True,
        settings={"SRKB_API_TOKEN": API_TOKEN},
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
