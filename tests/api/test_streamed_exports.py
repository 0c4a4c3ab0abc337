"""Graph Store GETs and /export stream under the query timeout, over HTTP (``srkb serve``).

On an on-disk store with a 20 MB graph and ``SRKB_QUERY_TIMEOUT=2``, a client that stalls past the
timeout after the first bytes gets a body cut short with a read error (never a complete-looking
one); the server logs one line and no traceback, and goes on answering. (Whole bodies, streamed
the same way, are checked in test_linked_data_and_exports.py and test_update_and_graph_store.py.)
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.app_server import REPOSITORY, AppServer, server_env, start_app

pytestmark = pytest.mark.extended
TRIPLES = 100_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, str]]:
    directory = tmp_path_factory.mktemp("streamed")
    data = directory / "big.nt"
    filler = "x" * 120
    data.write_text(
        "".join(f'<urn:s{i}> <urn:p> "{i} {filler}" .\n' for i in range(TRIPLES)),
        encoding="utf-8",
    )
    store = directory / "store"
    subprocess.run(
        [sys.executable, "-m", "kb", "--store", str(store), "load", "--no-infer", str(data)],
        check=True,
        capture_output=True,
        cwd=REPOSITORY,
        env=server_env({}),
        timeout=300,
    )
    app = start_app(
        directory,
        store=str(store),
        demo=False,
        settings={"SRKB_QUERY_TIMEOUT": "2", "SRKB_QUERY_WORKERS": "0"},
    )
    try:
        with app.client() as client:
            graphs = client.get(
                "/sparql",
                params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { <urn:s1> ?p ?o } }"},
                headers={"Accept": "application/sparql-results+json"},
            )
            graph = graphs.json()["results"]["bindings"][0]["g"]["value"]
        yield app, graph
    finally:
        app.stop()


def read_slowly(client: httpx.Client, path: str, params: dict[str, str]) -> int:
    """Read the first chunk, stall past the timeout, read on; the bytes received."""
    received = 0
    with client.stream("GET", path, params=params, timeout=30) as response:
        assert response.status_code == 200
        chunks = response.iter_raw()
        received = len(next(chunks))
        time.sleep(3)  # past SRKB_QUERY_TIMEOUT=2
        try:
            for chunk in chunks:
                received += len(chunk)
        except httpx.RemoteProtocolError:  # the body was not ended: cut short
            return received
    raise AssertionError(f"GET {path}: the whole body came ({received} bytes)")


def test_a_stream_past_the_timeout_is_cut_short_with_a_read_error(
    server: tuple[AppServer, str],
) -> None:
    app, graph = server
    with app.client() as client:
        received = read_slowly(client, "/store", {"graph": graph, "format": "nt"})
        assert 0 < received < TRIPLES * 140
        assert read_slowly(client, "/export", {"format": "nq"}) > 0
        assert client.get("/health").status_code == 200
    log = app.log_text()
    assert "the stream was closed unfinished" in log
    assert "Traceback" not in log
