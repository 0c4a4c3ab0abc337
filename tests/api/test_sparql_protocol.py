"""The SPARQL 1.1 Protocol at /sparql over real HTTP, with ``srkb serve`` in a subprocess.

Query by GET, form POST and direct POST; the dataset from default-graph-uri / named-graph-uri;
every results and graph format parsed back and compared; the errors (400, 406, 422, 503) as problem
JSON; the service description and VoID; the read-only and no-network policies; the result limit
and the timeout (with the server still answering while a slow query runs); and two real clients,
SPARQLWrapper and rdflib's SPARQLStore.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from kb.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, SRKB, source_graph
from tests.support.app_server import AppServer, StartServer, assert_problem
from tests.support.expected import load_expected

EX = Namespace("https://example.org/campus#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
CAMPUS_GRAPH = source_graph("campus.ttl")

WHO_PROVIDES_WHAT = """
PREFIX srkb: <https://w3id.org/srkb#>
SELECT DISTINCT ?provider ?service ?consumer WHERE {
  ?r a srkb:ServiceRelationship ;
     srkb:hasProvider ?provider ; srkb:concernsService ?service ; srkb:hasConsumer ?consumer .
}
"""
PROVIDES = """
PREFIX srkb: <https://w3id.org/srkb#>
CONSTRUCT { ?provider <urn:test:provides> ?consumer } WHERE {
  ?r a srkb:ServiceRelationship ; srkb:hasProvider ?provider ; srkb:hasConsumer ?consumer .
}
"""
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
#: Literals with every character CSV and TSV must escape, a language tag, numbers, an unbound cell.
AWKWARD = r"""
SELECT ?x ?y WHERE {
  VALUES (?x ?y) { ("a, \"b\"\tc\nd \\ é" <urn:test:1>) ("plain"@en-gb 42) (UNDEF 1.5) }
}
"""
#: Several seconds on the campus demo (~100 million solutions to count): a cross product of two
#: unrestricted patterns with a property path. It ends by itself, so a server stops soon after.
SLOW = """
PREFIX org: <http://www.w3.org/ns/org#>
SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e (org:unitOf|org:memberOf)+ ?f }
"""

SELECT_FORMATS = [
    pytest.param("application/sparql-results+json", "json", id="json"),
    pytest.param("application/sparql-results+xml", "xml", id="xml"),
    pytest.param("text/csv", "csv", id="csv"),
    pytest.param("text/tab-separated-values", "tsv", id="tsv"),
]
GRAPH_FORMATS = [
    pytest.param("text/turtle", "turtle", id="turtle"),
    pytest.param("application/n-triples", "nt", id="n-triples"),
    pytest.param("application/ld+json", "json-ld", id="json-ld"),
    pytest.param("application/rdf+xml", "xml", id="rdf-xml"),
]

Row = tuple[str | None, ...]


@pytest.fixture
def http(demo_server: AppServer) -> Iterator[httpx.Client]:
    with demo_server.client() as client:
        yield client


def expected_who_provides_what() -> set[Row]:
    expected = load_expected("campus")
    rows = expected.answers["who-provides-what-to-whom"][0]["rows"]
    return {tuple(expected.cell(c) for c in row) for row in rows}


def expected_provides() -> set[tuple[URIRef, URIRef, URIRef]]:
    """What PROVIDES constructs on the campus demo."""
    return {
        (URIRef(str(p)), URIRef("urn:test:provides"), URIRef(str(c)))
        for p, _, c in expected_who_provides_what()
    }


def parse_results(body: bytes, fmt: str) -> Result:
    return Result.parse(io.BytesIO(body), format=fmt)


def text_rows(result: Result) -> set[Row]:
    return {tuple(None if v is None else str(v) for v in row) for row in result}


def json_rows(document: dict[str, Any]) -> set[Row]:
    names = document["head"]["vars"]
    return {
        tuple(b[n]["value"] if n in b else None for n in names)
        for b in document["results"]["bindings"]
    }


def select(client: httpx.Client, query: str, **params: str) -> set[Row]:
    response = client.get(
        "/sparql",
        params={"query": query, **params},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    return json_rows(response.json())


def count(client: httpx.Client, query: str = COUNT_TRIPLES, **params: str) -> int:
    (row,) = select(client, query, **params)
    assert row[0] is not None
    return int(row[0])


# -- the three ways to send a query --------------------------------------------------------------


def test_get_with_query_parameter(http: httpx.Client) -> None:
    assert select(http, WHO_PROVIDES_WHAT) == expected_who_provides_what()


def test_post_form_encoded(http: httpx.Client) -> None:
    response = http.post(
        "/sparql", data={"query": WHO_PROVIDES_WHAT}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert json_rows(response.json()) == expected_who_provides_what()


def test_post_sparql_query_body(http: httpx.Client) -> None:
    response = http.post(
        "/sparql",
        content=WHO_PROVIDES_WHAT.encode(),
        headers={"Content-Type": "application/sparql-query; charset=utf-8"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert json_rows(response.json()) == expected_who_provides_what()


def test_post_of_another_media_type_is_unsupported(http: httpx.Client) -> None:
    response = http.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert_problem(response, 415)


# -- the RDF dataset: default-graph-uri and named-graph-uri ---------------------------------------


def test_default_graph_uri_restricts_the_default_graph_to_the_ontology(http: httpx.Client) -> None:
    in_ontology = count(
        http, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
    )
    everything = count(http)
    restricted = count(http, **{"default-graph-uri": ONTOLOGY_GRAPH})
    assert restricted == in_ontology < everything
    # The campus relationships are not in the ontology graph.
    assert select(http, WHO_PROVIDES_WHAT, **{"default-graph-uri": ONTOLOGY_GRAPH}) == set()


def test_default_graph_uri_in_a_form_post_and_with_a_direct_post(http: httpx.Client) -> None:
    in_ontology = count(
        http, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
    )
    form = http.post(
        "/sparql",
        data={"query": COUNT_TRIPLES, "default-graph-uri": ONTOLOGY_GRAPH},
        headers={"Accept": "application/sparql-results+json"},
    )
    direct = http.post(
        "/sparql",
        params={"default-graph-uri": ONTOLOGY_GRAPH},
        content=COUNT_TRIPLES.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    for response in (form, direct):
        assert response.status_code == 200, response.text
        assert json_rows(response.json()) == {(str(in_ontology),)}


def test_named_graph_uri_sets_the_named_graphs_and_empties_the_default(
    http: httpx.Client,
) -> None:
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    named = [ONTOLOGY_GRAPH, CAMPUS_GRAPH]
    response = http.get(
        "/sparql",
        params={"query": graphs, "named-graph-uri": named},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    assert json_rows(response.json()) == {(g,) for g in named}
    # With named graphs only, the default graph is empty.
    assert count(http, **{"named-graph-uri": ONTOLOGY_GRAPH}) == 0
    # Both: the campus data as the default graph, the ontology as the one named graph.
    both = http.get(
        "/sparql",
        params={
            "query": "ASK { ?r a <https://w3id.org/srkb#ServiceRelationship> "
            f"GRAPH <{ONTOLOGY_GRAPH}> {{ <https://w3id.org/srkb#ServiceRelationship> ?p ?o }} }}",
            "default-graph-uri": CAMPUS_GRAPH,
            "named-graph-uri": ONTOLOGY_GRAPH,
        },
        headers={"Accept": "application/sparql-results+json"},
    )
    assert both.json()["boolean"] is True


def test_from_and_from_named_in_the_query_are_its_dataset(
    http: httpx.Client, request: pytest.FixtureRequest
) -> None:
    """Without protocol parameters, the query's own FROM/FROM NAMED replace the union."""
    if request.node.callspec.params.get("demo_server") == "virtuoso":
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason="Virtuoso 7.2 adds a query's FROM to the protocol's default-graph-uri "
                "instead of letting the protocol's dataset win (SPARQL 1.1 Protocol 2.1.4)",
            )
        )
    in_ontology = count(
        http, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
    )
    from_ontology = f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }}"  # noqa: S608
    assert count(http, from_ontology) == in_ontology < count(http)
    # FROM NAMED alone: that graph is the only named graph, and the default graph is empty.
    only_campus = (
        f"SELECT DISTINCT ?g FROM NAMED <{CAMPUS_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"  # noqa: S608
    )
    assert select(http, only_campus) == {(CAMPUS_GRAPH,)}
    named_only = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{CAMPUS_GRAPH}> {{ ?s ?p ?o }}"  # noqa: S608
    assert count(http, named_only) == 0
    # Protocol parameters win over the query's own dataset.
    assert count(http, from_ontology, **{"default-graph-uri": CAMPUS_GRAPH}) == count(
        http, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{CAMPUS_GRAPH}> {{ ?s ?p ?o }} }}"
    )


# -- content negotiation -------------------------------------------------------------------------


@pytest.mark.parametrize(("media_type", "fmt"), SELECT_FORMATS)
def test_select_in_every_results_format(http: httpx.Client, media_type: str, fmt: str) -> None:
    response = http.get(
        "/sparql", params={"query": WHO_PROVIDES_WHAT}, headers={"Accept": media_type}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "accept" in response.headers["vary"].lower()
    assert text_rows(parse_results(response.content, fmt)) == expected_who_provides_what()


@pytest.mark.parametrize(("media_type", "fmt"), SELECT_FORMATS)
def test_awkward_values_survive_every_results_format(
    http: httpx.Client, media_type: str, fmt: str
) -> None:
    response = http.get("/sparql", params={"query": AWKWARD}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    rows = {tuple(row) for row in parse_results(response.content, fmt)}
    xsd = "http://www.w3.org/2001/XMLSchema#"
    if fmt == "csv":  # CSV keeps only lexical forms
        assert text_rows(parse_results(response.content, fmt)) == {
            ('a, "b"\tc\nd \\ é', "urn:test:1"),
            ("plain", "42"),
            (None, "1.5"),
        }
        return
    assert rows == {
        (Literal('a, "b"\tc\nd \\ é'), URIRef("urn:test:1")),
        (Literal("plain", lang="en-gb"), Literal("42", datatype=URIRef(xsd + "integer"))),
        (None, Literal("1.5", datatype=URIRef(xsd + "decimal"))),
    }


@pytest.mark.parametrize(
    ("media_type", "fmt"), [p for p in SELECT_FORMATS if p.id in ("json", "xml")]
)
@pytest.mark.parametrize(
    ("query", "answer"),
    [
        ("ASK { ?r a <https://w3id.org/srkb#ServiceRelationship> }", True),
        ("ASK { <urn:test:nothing> ?p ?o }", False),
    ],
)
def test_ask(http: httpx.Client, media_type: str, fmt: str, query: str, answer: bool) -> None:
    response = http.get("/sparql", params={"query": query}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert parse_results(response.content, fmt).askAnswer is answer


@pytest.mark.parametrize(("media_type", "fmt"), GRAPH_FORMATS)
def test_construct_in_every_graph_format(http: httpx.Client, media_type: str, fmt: str) -> None:
    response = http.get("/sparql", params={"query": PROVIDES}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = Graph().parse(data=response.content, format=fmt)
    assert set(graph) == expected_provides()


def test_construct_without_accept_is_turtle(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": PROVIDES}, headers={"Accept": "*/*"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        pytest.param(WHO_PROVIDES_WHAT, "image/png", id="select-as-png"),
        pytest.param(WHO_PROVIDES_WHAT, "text/turtle", id="select-as-turtle"),
        pytest.param(PROVIDES, "application/sparql-results+json", id="construct-as-results"),
        pytest.param(PROVIDES, "text/turtle;q=0", id="construct-refusing-turtle"),
    ],
)
def test_an_accept_nothing_matches_is_406(http: httpx.Client, query: str, accept: str) -> None:
    response = http.get("/sparql", params={"query": query}, headers={"Accept": accept})
    problem = assert_problem(response, 406)
    assert "available" in problem["detail"]


def test_accept_quality_values_choose_the_format(http: httpx.Client) -> None:
    response = http.get(
        "/sparql",
        params={"query": WHO_PROVIDES_WHAT},
        headers={"Accept": "application/sparql-results+json;q=0.5, text/csv"},
    )
    assert response.headers["content-type"].startswith("text/csv")


# -- errors and policies ---------------------------------------------------------------------------


def test_a_malformed_query_is_400_with_the_parsers_message(
    http: httpx.Client, request: pytest.FixtureRequest
) -> None:
    if "virtuoso" in request.node.name:
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason="on Virtuoso the store's own message comes back (a 400, without Oxigraph's "
                "line and column): the query is checked by the engine that runs it",
            )
        )
    response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    problem = assert_problem(response, 400)
    assert "does not parse" in problem["detail"]
    assert "expected" in problem["detail"]  # the parser's own words (Oxigraph's)
    assert (problem["line"], problem["column"]) == (1, 25)  # where the parse stopped
    posted = http.post(
        "/sparql",
        content=b"SELECT ?x WHERE {\n  ?x ?y \n}",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert assert_problem(posted, 400)["line"] == 3  # the "}" where an object was expected


UPDATE = "INSERT DATA { GRAPH <urn:test:g> { <urn:test:s> <urn:test:p> <urn:test:o> } }"


@pytest.mark.parametrize("how", ["get", "form-query", "form-update", "body"])
def test_an_update_sent_to_sparql_is_refused_and_changes_nothing(
    http: httpx.Client, how: str
) -> None:
    if how == "get":
        response = http.get("/sparql", params={"query": UPDATE})
    elif how == "form-query":
        response = http.post("/sparql", data={"query": UPDATE})
    elif how == "form-update":
        response = http.post("/sparql", data={"update": UPDATE})
    else:
        response = http.post(
            "/sparql", content=UPDATE.encode(), headers={"Content-Type": "application/sparql-query"}
        )
    problem = assert_problem(response, 400)
    assert "/update" in problem["detail"]
    ask = http.get("/sparql", params={"query": "ASK { GRAPH ?g { <urn:test:s> ?p ?o } }"})
    assert ask.json()["boolean"] is False


def test_service_is_refused_without_contacting_the_endpoint(http: httpx.Client) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        problem = assert_problem(http.get("/sparql", params={"query": query}), 400)
        assert "SERVICE" in problem["detail"]
        assert "SRKB_ALLOW_SERVICE" in problem["hint"]
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()


# -- descriptions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("media_type", "fmt"), GRAPH_FORMATS)
def test_sparql_without_query_is_the_service_description(
    demo_server: AppServer, http: httpx.Client, media_type: str, fmt: str
) -> None:
    response = http.get("/sparql", headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = Graph().parse(data=response.content, format=fmt)
    (service,) = graph.subjects(SD.endpoint, URIRef(demo_server.url("/sparql")))
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.feature, SD.BasicFederatedQuery) not in graph  # SERVICE is off
    formats = {str(f).rsplit("/", 1)[-1] for f in graph.objects(service, SD.resultFormat)}
    assert formats == {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    }
    inputs = {str(f).rsplit("/", 1)[-1] for f in graph.objects(service, SD.inputFormat)}
    assert {"Turtle", "TriG", "N-Triples", "N-Quads", "JSON-LD", "RDF_XML"} == inputs
    # The default dataset: its default graph says inferred triples are part of it, and every
    # graph of the store is listed as a named graph, the inferred one included.
    dataset = graph.value(service, SD.defaultDataset)
    default = graph.value(dataset, SD.defaultGraph)
    note = str(graph.value(default, URIRef("http://purl.org/dc/terms/description")))
    assert "inferred" in note
    assert INFERRED_GRAPH in note
    names = {graph.value(n, SD.name) for n in graph.objects(dataset, SD.namedGraph)}
    assert URIRef(INFERRED_GRAPH) in names
    assert URIRef(CAMPUS_GRAPH) in names
    # The update service beside it.
    (update,) = graph.subjects(SD.endpoint, URIRef(demo_server.url("/update")))
    assert (update, SD.supportedLanguage, SD.SPARQL11Update) in graph


def test_void_counts_the_triples_of_every_graph(demo_server: AppServer, http: httpx.Client) -> None:
    response = http.get("/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.content, format="turtle")
    (dataset,) = (
        d for d in graph.subjects(RDF.type, VOID.Dataset) if (d, VOID.subset, None) in graph
    )
    per_graph = select(
        http, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    counts = {URIRef(str(g)): int(str(n)) for g, n in per_graph}
    assert {
        subset: int(str(graph.value(subset, VOID.triples)))
        for subset in graph.objects(dataset, VOID.subset)
    } == counts
    assert int(str(graph.value(dataset, VOID.triples))) == sum(counts.values())
    assert counts[URIRef(CAMPUS_GRAPH)] > 0
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(demo_server.url("/sparql"))


# -- limits ----------------------------------------------------------------------------------------


def test_result_limit(start_server: StartServer) -> None:
    server = start_server(SRKB_RESULT_LIMIT="5")
    subjects = "SELECT DISTINCT ?s WHERE {{ ?s ?p ?o }} LIMIT {}"
    triples = "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} LIMIT {}"
    with server.client() as client:
        for n in (4, 5):
            assert len(select(client, subjects.format(n))) == n
            assert client.get("/sparql", params={"query": triples.format(n)}).status_code == 200
        over = client.get("/sparql", params={"query": subjects.format(6)})
        assert "more than 5 rows" in assert_problem(over, 422)["detail"]
        graph = client.get("/sparql", params={"query": triples.format(6)})
        assert "more than 5 triples" in assert_problem(graph, 422)["detail"]
        assert_problem(client.get("/sparql", params={"query": WHO_PROVIDES_WHAT}), 422)


def test_a_slow_query_times_out_while_the_server_keeps_answering(
    start_server: StartServer,
) -> None:
    # 3 s: /health and a small query must be answered while the slow query runs, which leaves
    # 2.6 s for them even when other processes keep the machine's cores busy (1 s did not).
    limit = 3.0
    server = start_server(SRKB_QUERY_TIMEOUT=f"{limit:g}")
    finished: dict[str, float] = {}
    slow: dict[str, httpx.Response] = {}

    def run_slow() -> None:
        with server.client(timeout=30) as client:
            slow["response"] = client.get("/sparql", params={"query": SLOW})
        finished["slow"] = time.monotonic()

    started = time.monotonic()
    thread = threading.Thread(target=run_slow)
    thread.start()
    try:
        time.sleep(0.4)  # the slow query is now running (it is abandoned at the limit)
        with server.client(timeout=5) as client:
            health = client.get("/health")
            finished["health"] = time.monotonic()
            small = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
            finished["small"] = time.monotonic()
        assert "slow" not in finished, "the slow query returned before the others were answered"
    finally:
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert health.status_code == 200
    assert small.status_code == 200
    assert small.json()["boolean"] is True
    assert finished["small"] < finished["slow"]
    problem = assert_problem(slow["response"], 503)
    assert f"{limit:g} s" in problem["detail"]
    assert slow["response"].headers["retry-after"]
    # Abandoned at the limit, not when the query happened to end.
    assert limit <= finished["slow"] - started < limit + 2.0


# -- real clients ----------------------------------------------------------------------------------


def test_sparqlwrapper_select_ask_construct(demo_server: AppServer) -> None:
    wrapper = SPARQLWrapper(demo_server.url("/sparql"))
    wrapper.setReturnFormat(JSON)
    wrapper.setQuery(WHO_PROVIDES_WHAT)
    assert json_rows(wrapper.queryAndConvert()) == expected_who_provides_what()
    wrapper.setQuery("ASK { ?r a <https://w3id.org/srkb#ServiceRelationship> }")
    assert wrapper.queryAndConvert()["boolean"] is True
    wrapper.setQuery(PROVIDES)
    wrapper.setReturnFormat(TURTLE)
    graph = Graph().parse(data=wrapper.queryAndConvert(), format="turtle")
    assert set(graph) == expected_provides()


def test_rdflib_sparqlstore_gives_the_rows_of_a_direct_query(
    demo_server: AppServer, http: httpx.Client
) -> None:
    store = SPARQLStore(query_endpoint=demo_server.url("/sparql"))
    try:
        graph = Graph(store=store)
        rows = {tuple(str(v) for v in row) for row in graph.query(WHO_PROVIDES_WHAT)}
        assert rows == select(http, WHO_PROVIDES_WHAT) == expected_who_provides_what()
        assert (
            graph.query("ASK { ?o a <https://w3id.org/srkb#ConsumerTurnedProvider> }").askAnswer
            is True
        )
        constructed = graph.query(PROVIDES).graph
        assert constructed is not None
        assert set(constructed) == expected_provides()
        assert (EX.IT, RDF.type, SRKB.ServiceConsumer) in graph
    finally:
        store.close()
