"""srkb's own graphs cannot be changed through /update or /store (issue 12, items 6 and 13).

Each refused write answers 403 naming the graph and applies nothing: the graph's triples are the
same before and after, and the service keeps working (the next write answers 204, validation still
sees the shapes). ``DROP ALL``, ``CLEAR ALL``, ``CLEAR NAMED`` and ``DROP SILENT ALL`` empty the
user's graphs and leave the model alone.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kb.namespaces import (
    GRAPH_BASE,
    HISTORY_GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
    source_graph,
)
from tests.support.app_server import API_TOKEN, AppServer, assert_problem, start_app

UPDATE = {"Content-Type": "application/sparql-update"}
TURTLE = {"Content-Type": "text/turtle"}
CAMPUS = source_graph("campus.ttl")
OWN = (ONTOLOGY_GRAPH, SHAPES_GRAPH, INFERRED_GRAPH, HISTORY_GRAPH, GRAPH_BASE + "validation")
COUNT = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:

    started = start_app(
        tmp_path_factory.mktemp("protected"), demo=True, settings={"SRKB_API_TOKEN": API_TOKEN}
    )
    yield started
    started.stop()


@pytest.fixture(scope="module")
def writer(server: AppServer) -> Iterator[httpx.Client]:
    with server.client(API_TOKEN) as client:
        yield client


def counts(client: httpx.Client) -> dict[str, int]:
    """Triples per graph, as /sparql sees them."""
    answer = client.get(
        "/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    rows = answer.json()["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def own_graphs(client: httpx.Client) -> dict[str, int]:
    return {g: n for g, n in counts(client).items() if g in (ONTOLOGY_GRAPH, SHAPES_GRAPH)}


@pytest.mark.parametrize(
    ("update", "graph"),
    [
        (f"DROP GRAPH <{SHAPES_GRAPH}>", SHAPES_GRAPH),
        (f"CLEAR GRAPH <{HISTORY_GRAPH}>", HISTORY_GRAPH),
        (
            f"INSERT DATA {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <https://w3id.org/srkb#ServiceRelationship>"
            ' <http://www.w3.org/2004/02/skos/core#definition> "<script>alert(1)</script>" } }',
            ONTOLOGY_GRAPH,
        ),
        (f"DELETE WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}", INFERRED_GRAPH),
        (f"MOVE <{SHAPES_GRAPH}> TO <http://example.org/stolen>", SHAPES_GRAPH),
    ],
)
def test_an_update_of_srkbs_graph_is_refused_and_changes_nothing(
    writer: httpx.Client, update: str, graph: str
) -> None:
    before = counts(writer)
    problem = assert_problem(writer.post("/update", content=update, headers=UPDATE), 403)
    assert f"<{graph}>" in problem["detail"]
    assert counts(writer) == before
    # The service still writes: no 500 after the refusal.
    ok = writer.post(
        "/update", content="INSERT DATA { <http://e/a> <http://e/b> 1 }", headers=UPDATE
    )
    assert ok.status_code == 204, ok.text


@pytest.mark.parametrize("graph", [SHAPES_GRAPH, ONTOLOGY_GRAPH, HISTORY_GRAPH, INFERRED_GRAPH])
@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_a_graph_store_write_to_srkbs_graph_is_refused(
    writer: httpx.Client, method: str, graph: str
) -> None:
    before = counts(writer)
    body = b"<http://e/a> <http://e/b> 1 ." if method != "DELETE" else None
    answer = writer.request(method, "/store", params={"graph": graph}, content=body, headers=TURTLE)
    problem = assert_problem(answer, 403)
    assert f"<{graph}>" in problem["detail"]
    assert counts(writer) == before


@pytest.mark.parametrize("update", ["DROP ALL", "CLEAR ALL", "CLEAR NAMED", "DROP SILENT ALL"])
def test_all_and_named_empty_the_users_graphs_and_keep_the_model(
    writer: httpx.Client, update: str
) -> None:
    user = "http://example.org/user-graph"
    put = writer.put(
        "/store", params={"graph": user}, content=b"<http://e/a> <http://e/b> 1 .", headers=TURTLE
    )
    assert put.status_code in (201, 204), put.text
    model = own_graphs(writer)
    assert counts(writer)[user] == 1
    answer = writer.post("/update", content=update, headers=UPDATE)
    assert answer.status_code == 204, answer.text
    after = counts(writer)
    assert user not in after
    assert CAMPUS not in after
    assert own_graphs(writer) == model
    # The model is intact: validation still runs with the shapes, and writes go on.
    assert writer.get("/validation").status_code == 200
    again = writer.post(
        "/update", content="INSERT DATA { <http://e/a> <http://e/b> 2 }", headers=UPDATE
    )
    assert again.status_code == 204, again.text


def test_get_with_an_update_parameter_is_refused(writer: httpx.Client) -> None:
    before = counts(writer)
    assert_problem(writer.get("/sparql", params={"update": "CLEAR ALL"}), 400)
    assert counts(writer) == before


@pytest.mark.parametrize("graph", ["", "notanabsoluteiri"])
def test_an_empty_or_relative_graph_parameter_is_refused(writer: httpx.Client, graph: str) -> None:
    before = counts(writer)
    answer = writer.put(
        "/store", params={"graph": graph}, content=b"<http://e/a> <http://e/b> 2 .", headers=TURTLE
    )
    assert_problem(answer, 400)
    assert counts(writer) == before
