"""SPARQL Update at /update and the Graph Store Protocol at /store, over real HTTP.

Tokens (401 with WWW-Authenticate, 403 when writes are off, a read token for private data); both
update body kinds; inference re-run after a write; LOAD refused before any connection; failed writes
changing nothing; and the Graph Store's GET/PUT/POST/DELETE with its status codes, syntax errors
located by line and column, srkb's own graphs refused, and the upload-size limit.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from rdflib import RDF, Dataset, Graph, Namespace, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kb.namespaces import (
    GRAPH_BASE,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
    SRKB,
    source_graph,
)
from tests.support.app_server import API_TOKEN, AppServer, StartServer, assert_problem

EX = Namespace("https://example.org/campus#")
ORG = Namespace("http://www.w3.org/ns/org#")
CAMPUS_GRAPH = source_graph("campus.ttl")
DEFAULT_WRITE_GRAPH = source_graph("default")
NEW_GRAPH = source_graph("library.ttl")
PREFIXES = """PREFIX ex: <https://example.org/campus#>
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX org: <http://www.w3.org/ns/org#>
"""
#: A new organisation that consumes IT's workplace service: it should become a ServiceConsumer.
LIBRARY = """
ex:Library a org:Organization .
ex:rel-it-library a srkb:ServiceRelationship ;
    srkb:hasProvider ex:IT ; srkb:hasConsumer ex:Library ; srkb:concernsService ex:WorkplaceIT .
"""
LIBRARY_TTL = (
    "@prefix ex: <https://example.org/campus#> .\n"
    "@prefix srkb: <https://w3id.org/srkb#> .\n"
    "@prefix org: <http://www.w3.org/ns/org#> .\n" + LIBRARY
).encode()
IS_CONSUMER = (
    "ASK { <https://example.org/campus#Library> a <https://w3id.org/srkb#ServiceConsumer> }"
)
IN_THE_STORE_DEFAULT_GRAPH_ONLY = """
ASK { <https://example.org/campus#Library> ?p ?o
      FILTER NOT EXISTS { GRAPH ?g { <https://example.org/campus#Library> ?p ?o } } }
"""
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
READ_TOKEN = "read-token"  # noqa: S105 - a test fixture, not a secret
UPDATE_TYPE = {"Content-Type": "application/sparql-update"}
TURTLE = {"Content-Type": "text/turtle"}

RDF_FORMATS = [
    pytest.param("text/turtle", "turtle", id="turtle"),
    pytest.param("application/n-triples", "nt", id="n-triples"),
    pytest.param("application/ld+json", "json-ld", id="json-ld"),
    pytest.param("application/rdf+xml", "xml", id="rdf-xml"),
]
DATASET_FORMATS = [
    pytest.param("application/trig", "trig", id="trig"),
    pytest.param("application/n-quads", "nquads", id="n-quads"),
]


@pytest.fixture
def reader(demo_server: AppServer) -> Iterator[httpx.Client]:
    with demo_server.client() as client:
        yield client


@pytest.fixture
def writer(demo_server: AppServer) -> Iterator[httpx.Client]:
    """A client with the write token on the shared server: only for writes that must be refused."""
    with demo_server.client(API_TOKEN) as client:
        yield client


@pytest.fixture
def fresh(start_server: StartServer) -> Iterator[httpx.Client]:
    """A client with the write token on a server of its own (campus demo, memory store)."""
    with start_server(SRKB_API_TOKEN=API_TOKEN).client(API_TOKEN) as client:
        yield client


def ask(client: httpx.Client, query: str) -> bool:
    response = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    answer: bool = response.json()["boolean"]
    return answer


def triple_count(client: httpx.Client) -> int:
    response = client.get(
        "/sparql",
        params={"query": COUNT_TRIPLES},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def get_graph(client: httpx.Client, graph: str) -> Graph:
    response = client.get("/store", params={"graph": graph}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.content, format="turtle")


def data_of(graph: Graph) -> set[tuple[Node, Node, Node]]:
    """The triples of a source graph without the provenance srkb records about the graph itself."""
    return {(s, p, o) for s, p, o in graph if not str(s).startswith(GRAPH_BASE)}


# -- who may update ------------------------------------------------------------------------------

INSERT = "INSERT DATA { GRAPH <urn:test:g> { <urn:test:s> <urn:test:p> <urn:test:o> } }"
WROTE = "ASK { GRAPH ?g { <urn:test:s> ?p ?o } }"


def test_update_without_a_token_is_401_with_a_challenge(reader: httpx.Client) -> None:
    response = reader.post("/update", content=INSERT.encode(), headers=UPDATE_TYPE)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert not ask(reader, WROTE)


@pytest.mark.parametrize("authorization", ["Bearer wrong-token", "Basic dGVzdDp0ZXN0", "Bearer"])
def test_update_with_a_wrong_token_is_401(reader: httpx.Client, authorization: str) -> None:
    response = reader.post(
        "/update", content=INSERT.encode(), headers={**UPDATE_TYPE, "Authorization": authorization}
    )
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert not ask(reader, WROTE)


def test_without_an_api_token_writes_are_403(start_server: StartServer) -> None:
    server = start_server(demo=False)
    with server.client("any-token") as client:
        assert_problem(client.post("/update", content=INSERT.encode(), headers=UPDATE_TYPE), 403)
        put = client.put("/store", params={"graph": NEW_GRAPH}, content=LIBRARY_TTL, headers=TURTLE)
        assert_problem(put, 403)
        assert_problem(client.delete("/store", params={"graph": NEW_GRAPH}), 403)
        assert not ask(client, WROTE)


# -- updates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["form", "sparql-update"])
def test_an_update_is_applied_and_inference_runs_again(fresh: httpx.Client, body: str) -> None:
    update = PREFIXES + "INSERT DATA { GRAPH <" + NEW_GRAPH + "> {" + LIBRARY + "} }"
    assert not ask(fresh, IS_CONSUMER)
    if body == "form":
        response = fresh.post("/update", data={"update": update})
    else:
        response = fresh.post("/update", content=update.encode(), headers=UPDATE_TYPE)
    assert response.status_code == 204, response.text
    assert ask(fresh, IS_CONSUMER)
    assert (EX.Library, RDF.type, ORG.Organization) in get_graph(fresh, NEW_GRAPH)
    assert (EX.Library, RDF.type, SRKB.ServiceConsumer) in get_graph(fresh, INFERRED_GRAPH)


def test_an_update_of_the_default_graph_is_kept_in_a_named_graph_and_inferred(
    fresh: httpx.Client,
) -> None:
    """srkb keeps no data in the store's default graph: inference reads only named graphs."""
    insert = fresh.post(
        "/update",
        content=(PREFIXES + "INSERT DATA {" + LIBRARY + "}").encode(),
        headers=UPDATE_TYPE,
    )
    assert insert.status_code == 204, insert.text
    assert ask(fresh, IS_CONSUMER)
    assert (EX.Library, RDF.type, ORG.Organization) in get_graph(fresh, DEFAULT_WRITE_GRAPH)
    # Nothing about the Library is left outside the named graphs.
    assert not ask(fresh, IN_THE_STORE_DEFAULT_GRAPH_ONLY)
    # The same triples can be deleted through the default graph again.
    delete = fresh.post(
        "/update",
        content=(PREFIXES + "DELETE WHERE { ex:rel-it-library ?p ?o }").encode(),
        headers=UPDATE_TYPE,
    )
    assert delete.status_code == 204, delete.text
    assert not ask(fresh, IS_CONSUMER)
    assert ask(fresh, "ASK { <https://example.org/campus#IT> ?p ?o }")  # other data untouched


def test_load_is_refused_without_connecting(writer: httpx.Client, reader: httpx.Client) -> None:
    before = triple_count(reader)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        for update in (
            f"LOAD <http://127.0.0.1:{port}/x>",
            f"LOAD SILENT <http://127.0.0.1:{port}/x> INTO GRAPH <urn:test:g>",
            f"{INSERT} ; LOAD <http://127.0.0.1:{port}/x>",
        ):
            response = writer.post("/update", content=update.encode(), headers=UPDATE_TYPE)
            assert "LOAD" in assert_problem(response, 400)["detail"]
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert triple_count(reader) == before
    assert not ask(reader, WROTE)


def test_a_malformed_update_is_located_and_changes_nothing(
    writer: httpx.Client, reader: httpx.Client
) -> None:
    before = triple_count(reader)
    update = (
        "INSERT DATA {\n  <urn:test:s> <urn:test:p> <urn:test:o> .\n  <urn:test:s> <urn:test:p> }"
    )
    problem = assert_problem(writer.post("/update", data={"update": update}), 400)
    assert "update does not parse" in problem["detail"]
    assert (problem["line"], problem["column"]) == (3, 29)  # Oxigraph's: where the parse stopped
    assert triple_count(reader) == before
    assert not ask(reader, WROTE)


def test_an_update_that_fails_while_running_changes_nothing(fresh: httpx.Client) -> None:
    before = triple_count(fresh)
    failing = (
        f"{INSERT} ; INSERT DATA {{ <urn:test:d> <urn:test:p> 1 }} ; DROP GRAPH <urn:test:none>"
    )
    response = fresh.post("/update", content=failing.encode(), headers=UPDATE_TYPE)
    assert "changed nothing" in assert_problem(response, 400)["detail"]
    assert triple_count(fresh) == before
    assert not ask(fresh, WROTE)
    assert not ask(fresh, "ASK { <urn:test:d> ?p ?o }")


def test_a_query_sent_to_update_is_400(writer: httpx.Client) -> None:
    response = writer.post("/update", content=b"ASK { ?s ?p ?o }", headers=UPDATE_TYPE)
    assert "/sparql" in assert_problem(response, 400)["detail"]


@pytest.mark.parametrize("update", ["", "# only a comment", "PREFIX ex: <https://x/>"])
def test_an_empty_update_is_a_client_error(writer: httpx.Client, update: str) -> None:
    assert writer.post("/update", data={"update": update}).status_code == 400


def test_an_update_of_another_media_type_is_415(writer: httpx.Client) -> None:
    response = writer.post(
        "/update", content=INSERT.encode(), headers={"Content-Type": "text/plain"}
    )
    assert_problem(response, 415)


# -- Graph Store: reading --------------------------------------------------------------------------


@pytest.mark.parametrize(("media_type", "fmt"), RDF_FORMATS)
def test_get_a_named_graph_in_every_format(reader: httpx.Client, media_type: str, fmt: str) -> None:
    response = reader.get("/store", params={"graph": CAMPUS_GRAPH}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = Graph().parse(data=response.content, format=fmt)
    assert (URIRef(EX + "rel-netco-it-network"), SRKB.hasProvider, EX.NetCo) in graph
    assert (EX.IT, RDF.type, SRKB.ServiceConsumer) not in graph  # inferred, not asserted
    turtle = get_graph(reader, CAMPUS_GRAPH)
    assert len(graph) == len(turtle)


@pytest.mark.parametrize(("media_type", "fmt"), DATASET_FORMATS)
def test_get_a_named_graph_in_a_quad_format(
    reader: httpx.Client, media_type: str, fmt: str
) -> None:
    response = reader.get("/store", params={"graph": CAMPUS_GRAPH}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    dataset = Dataset()
    dataset.parse(data=response.content, format=fmt)
    names = {g for _, _, _, g in dataset.quads()}
    assert names <= {URIRef(CAMPUS_GRAPH), None, DATASET_DEFAULT_GRAPH_ID}, names
    assert {(s, p, o) for s, p, o, _ in dataset.quads()} == set(get_graph(reader, CAMPUS_GRAPH))


@pytest.mark.parametrize(("media_type", "fmt"), RDF_FORMATS)
def test_get_the_default_graph_is_the_users_default_graph_not_the_union(
    reader: httpx.Client, media_type: str, fmt: str
) -> None:
    """``?default`` is the graph writes to the default graph go to (nothing, in the demo)."""
    response = reader.get("/store", params={"default": ""}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert len(Graph().parse(data=response.content, format=fmt)) == 0


def test_the_union_with_inferences_is_the_export(reader: httpx.Client) -> None:
    response = reader.get("/export", params={"format": "ttl"})
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef(EX + "rel-netco-it-network"), SRKB.hasProvider, EX.NetCo) in graph
    assert (EX.IT, RDF.type, SRKB.ServiceConsumer) in graph
    assert (SRKB.ServiceConsumer, None, None) in graph  # the ontology
    assert not any(s.startswith("https://w3id.org/srkb/shapes#") for s in graph.subjects())


@pytest.mark.parametrize(("media_type", "fmt"), DATASET_FORMATS)
def test_the_export_in_a_quad_format_names_each_graph(
    reader: httpx.Client, media_type: str, fmt: str
) -> None:
    response = reader.get("/export", headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    dataset = Dataset()
    dataset.parse(data=response.content, format=fmt)
    names = {str(g) for _, _, _, g in dataset.quads()}
    assert {CAMPUS_GRAPH, ONTOLOGY_GRAPH, INFERRED_GRAPH} <= names
    assert SHAPES_GRAPH not in names


def test_get_by_format_parameter(reader: httpx.Client) -> None:
    response = reader.get("/store", params={"graph": CAMPUS_GRAPH, "format": "nt"})
    assert response.headers["content-type"].startswith("application/n-triples")
    assert len(Graph().parse(data=response.content, format="nt")) > 0
    assert_problem(reader.get("/store", params={"graph": CAMPUS_GRAPH, "format": "png"}), 400)


def test_get_errors(reader: httpx.Client) -> None:
    assert_problem(reader.get("/store", params={"graph": "urn:test:absent"}), 404)
    assert_problem(reader.get("/store"), 400)
    assert_problem(reader.get("/store", params={"graph": CAMPUS_GRAPH, "default": ""}), 400)
    refused = reader.get("/store", params={"graph": CAMPUS_GRAPH}, headers={"Accept": "image/png"})
    assert_problem(refused, 406)


# -- Graph Store: writing --------------------------------------------------------------------------


def test_put_creates_then_replaces_post_merges_delete_drops(fresh: httpx.Client) -> None:
    first = fresh.put("/store", params={"graph": NEW_GRAPH}, content=LIBRARY_TTL, headers=TURTLE)
    assert first.status_code == 201, first.text
    assert data_of(get_graph(fresh, NEW_GRAPH)) == set(Graph().parse(data=LIBRARY_TTL))
    assert ask(fresh, IS_CONSUMER)  # inference ran again

    replacement = b"<urn:test:a> <urn:test:p> <urn:test:b> ."
    second = fresh.put(
        "/store",
        params={"graph": NEW_GRAPH},
        content=replacement,
        headers={"Content-Type": "application/n-triples"},
    )
    assert second.status_code == 204, second.text
    assert data_of(get_graph(fresh, NEW_GRAPH)) == {
        (URIRef("urn:test:a"), URIRef("urn:test:p"), URIRef("urn:test:b"))
    }
    assert not ask(fresh, IS_CONSUMER)  # the replaced triples' inferences are gone

    merged = fresh.post(
        "/store",
        params={"graph": NEW_GRAPH},
        content=b'{"@id": "urn:test:c", "urn:test:p": {"@id": "urn:test:d"}}',
        headers={"Content-Type": "application/ld+json"},
    )
    assert merged.status_code == 204, merged.text
    assert data_of(get_graph(fresh, NEW_GRAPH)) == {
        (URIRef("urn:test:a"), URIRef("urn:test:p"), URIRef("urn:test:b")),
        (URIRef("urn:test:c"), URIRef("urn:test:p"), URIRef("urn:test:d")),
    }

    dropped = fresh.delete("/store", params={"graph": NEW_GRAPH})
    assert dropped.status_code == 204, dropped.text
    assert_problem(fresh.get("/store", params={"graph": NEW_GRAPH}), 404)
    assert_problem(fresh.delete("/store", params={"graph": NEW_GRAPH}), 404)


def test_post_to_a_new_graph_creates_it(fresh: httpx.Client) -> None:
    response = fresh.post(
        "/store", params={"graph": NEW_GRAPH}, content=LIBRARY_TTL, headers=TURTLE
    )
    assert response.status_code == 201, response.text
    assert ask(fresh, IS_CONSUMER)


def test_put_to_the_default_graph_writes_the_default_source_graph(fresh: httpx.Client) -> None:
    response = fresh.put("/store", params={"default": ""}, content=LIBRARY_TTL, headers=TURTLE)
    assert response.status_code == 201, response.text
    assert (EX.Library, RDF.type, ORG.Organization) in get_graph(fresh, DEFAULT_WRITE_GRAPH)
    assert ask(fresh, IS_CONSUMER)


def test_a_turtle_syntax_error_is_located_and_changes_nothing(fresh: httpx.Client) -> None:
    assert (
        fresh.put(
            "/store", params={"graph": NEW_GRAPH}, content=LIBRARY_TTL, headers=TURTLE
        ).status_code
        == 201
    )
    before = set(get_graph(fresh, NEW_GRAPH))
    broken = b"<urn:test:a> <urn:test:p> <urn:test:b> .\n<urn:test:x> <urn:test:y> .\n"
    for method in ("PUT", "POST"):
        response = fresh.request(
            method, "/store", params={"graph": NEW_GRAPH}, content=broken, headers=TURTLE
        )
        problem = assert_problem(response, 400)
        assert (problem["line"], problem["column"]) == (2, 27)
        assert set(get_graph(fresh, NEW_GRAPH)) == before


def test_quads_naming_another_graph_are_refused(writer: httpx.Client, reader: httpx.Client) -> None:
    """A write addressed to one graph must not replace another (here: the ontology)."""
    before = triple_count(reader)
    body = f"<urn:test:s> <urn:test:p> <urn:test:o> <{ONTOLOGY_GRAPH}> .\n".encode()
    for method in ("PUT", "POST"):
        response = writer.request(
            method,
            "/store",
            params={"graph": NEW_GRAPH},
            content=body,
            headers={"Content-Type": "application/n-quads"},
        )
        assert ONTOLOGY_GRAPH in assert_problem(response, 400)["detail"]
    assert triple_count(reader) == before
    assert not ask(reader, WROTE)


def test_quads_in_the_addressed_graph_are_accepted(fresh: httpx.Client) -> None:
    body = f"<urn:test:s> <urn:test:p> <urn:test:o> <{NEW_GRAPH}> .\n".encode()
    response = fresh.put(
        "/store",
        params={"graph": NEW_GRAPH},
        content=body,
        headers={"Content-Type": "application/n-quads"},
    )
    assert response.status_code == 201, response.text
    assert data_of(get_graph(fresh, NEW_GRAPH)) == {
        (URIRef("urn:test:s"), URIRef("urn:test:p"), URIRef("urn:test:o"))
    }


@pytest.mark.parametrize(
    "graph", [ONTOLOGY_GRAPH, INFERRED_GRAPH, SHAPES_GRAPH, GRAPH_BASE + "other"]
)
def test_srkbs_own_graphs_cannot_be_written(
    writer: httpx.Client, reader: httpx.Client, graph: str
) -> None:
    before = triple_count(reader)
    for method in ("PUT", "POST"):
        response = writer.request(
            method, "/store", params={"graph": graph}, content=LIBRARY_TTL, headers=TURTLE
        )
        assert_problem(response, 403)
    assert_problem(writer.delete("/store", params={"graph": graph}), 403)
    assert triple_count(reader) == before


def test_an_unsupported_content_type_is_415(writer: httpx.Client) -> None:
    response = writer.put(
        "/store",
        params={"graph": NEW_GRAPH},
        content=LIBRARY_TTL,
        headers={"Content-Type": "image/png"},
    )
    assert_problem(response, 415)
    missing = writer.put("/store", params={"graph": NEW_GRAPH}, content=LIBRARY_TTL)
    assert_problem(missing, 415)


def test_bodies_over_the_upload_limit_are_413(start_server: StartServer) -> None:
    server = start_server(SRKB_API_TOKEN=API_TOKEN, SRKB_MAX_UPLOAD_BYTES="2000")
    line = b"<urn:test:s> <urn:test:p> <urn:test:o> .\n"
    small, large = line * 10, line * 200  # 410 and 8200 bytes

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(200):
            yield line

    with server.client(API_TOKEN) as client:
        before = triple_count(client)
        target = {"graph": NEW_GRAPH}
        assert_problem(client.put("/store", params=target, content=large, headers=TURTLE), 413)
        streamed = client.put("/store", params=target, content=chunks(), headers=TURTLE)
        assert "content-length" not in streamed.request.headers
        assert_problem(streamed, 413)
        assert_problem(client.post("/store", params=target, content=chunks(), headers=TURTLE), 413)
        update = (
            b"INSERT DATA { GRAPH <urn:test:g> { "
            + b"<urn:test:s> <urn:test:p> 1 . " * 100
            + b"} }"
        )
        assert_problem(client.post("/update", content=update, headers=UPDATE_TYPE), 413)
        query = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * 3000
        assert_problem(
            client.post(
                "/sparql", content=query, headers={"Content-Type": "application/sparql-query"}
            ),
            413,
        )
        assert triple_count(client) == before
        assert client.put("/store", params=target, content=small, headers=TURTLE).status_code == 201


def test_a_read_token_makes_reads_private(start_server: StartServer) -> None:
    server = start_server(SRKB_API_TOKEN=API_TOKEN, SRKB_READ_TOKEN=READ_TOKEN)
    reads = [
        ("/sparql", {"query": "ASK { ?s ?p ?o }"}),
        ("/sparql", {}),
        ("/void", {}),
        ("/store", {"graph": CAMPUS_GRAPH}),
        ("/store", {"default": ""}),
    ]
    with (
        server.client() as anonymous,
        server.client("wrong-token") as wrong,
        server.client(READ_TOKEN) as read,
        server.client(API_TOKEN) as write,
    ):
        for path, params in reads:
            for client in (anonymous, wrong):
                response = client.get(path, params=params)
                assert_problem(response, 401)
                assert response.headers["www-authenticate"].startswith("Bearer")
            assert read.get(path, params=params).status_code == 200, path
            assert write.get(path, params=params).status_code == 200, path
        posted = read.post("/sparql", data={"query": "ASK { ?s ?p ?o }"})
        assert posted.status_code == 200
        assert anonymous.post("/sparql", data={"query": "ASK { ?s ?p ?o }"}).status_code == 401
        # The read token is not a write token.
        assert_problem(read.post("/update", content=INSERT.encode(), headers=UPDATE_TYPE), 401)
        assert anonymous.get("/health").status_code == 200
