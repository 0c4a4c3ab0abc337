"""The servers the suites run against: srkb on its embedded store, srkb on a remote Oxigraph, and
a bare ``oxigraph serve`` (the reference the runner is checked against).

Each is started for real on 127.0.0.1 with the tests' own helpers and stopped by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.app_server import API_TOKEN, start_app
from tests.support.servers import start_oxigraph
from tests.w3c.player import Target

BACKENDS = ("embedded", "remote")


def _srkb_target(name: str, base: str) -> Target:
    return Target(
        name=name,
        base=base,
        query_path="/sparql",
        update_path="/update",
        store_path="/store",
        headers=(("Authorization", f"Bearer {API_TOKEN}"),),
    )


@contextmanager
def srkb_target(backend: str, folder: Path) -> Iterator[Target]:
    """``srkb serve`` (no demo data, writes with the test token) on ``backend``'s store."""
    stops: list[Callable[[], None]] = []
    try:
        store = "memory"
        if backend == "remote":
            oxigraph = start_oxigraph(folder / "oxigraph")
            stops.append(oxigraph.stop)
            store = oxigraph.query_url
        server = start_app(folder, store=store, demo=False, settings={"SRKB_API_TOKEN": API_TOKEN})
        stops.append(server.stop)
        yield _srkb_target(f"srkb-{backend}", server.base)
    finally:
        for stop in reversed(stops):
            stop()


@contextmanager
def oxigraph_target(folder: Path) -> Iterator[Target]:
    """A bare ``oxigraph serve``: its own /query, /update and /store URLs."""
    server = start_oxigraph(folder / "oxigraph-reference")
    try:
        yield Target("oxigraph", server.base, "/query", "/update", "/store")
    finally:
        server.stop()
