"""The protocol suite's queries, asked again through independent clients: SPARQLWrapper and
rdflib's SPARQLStore, which build their own requests (form-encoded POSTs, their own Accept).

Each positive query test of the manifest is set up as the suite does, then its query and dataset
go through the client; the answer must be what the manifest expects (the ASK answer, a table, a
graph).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

from tests.w3c.manifest import Request, SuiteTest, protocol_tests
from tests.w3c.player import Target, reset, target_path

pytestmark = pytest.mark.w3c
#: The clients meet srkb's HTTP layer, the same whatever the store: the embedded one is enough.
EMBEDDED = pytest.mark.parametrize("target", ["embedded"], indirect=True)


def _is_query_test(test: SuiteTest) -> bool:
    request = test.requests[0]
    return (
        len(test.requests) == 1
        and request.expected.result_format is not None
        and target_path(Target("", "", "/q", "/u", "/s"), request, request.path).startswith("/q")
    )


QUERIES = [t for t in protocol_tests() if _is_query_test(t)]


def operation(request: Request) -> tuple[str, list[str], list[str]]:
    """The query text and protocol dataset of a manifest request, read independently of kb."""
    params = parse_qsl(urlsplit(request.path).query, keep_blank_values=True)
    kind = (request.header("content-type") or "").split(";")[0].strip()
    if kind == "application/x-www-form-urlencoded":
        params += parse_qsl(request.body or "", keep_blank_values=True)
    text = request.body if kind == "application/sparql-query" else None
    text = text or next(value for key, value in params if key == "query")
    defaults = [value for key, value in params if key == "default-graph-uri"]
    named = [value for key, value in params if key == "named-graph-uri"]
    return text, defaults, named


def test_the_client_tests_cover_every_positive_query_test() -> None:
    assert len(QUERIES) == 13


@EMBEDDED
@pytest.mark.parametrize("test", QUERIES, ids=[t.id for t in QUERIES])
def test_sparqlwrapper_gets_the_suites_answers(target: Target, test: SuiteTest) -> None:
    assert reset(target, test) is None
    request = test.requests[0]
    text, defaults, named = operation(request)
    client = SPARQLWrapper(target.base + target.query_path)
    client.setMethod(POST)
    client.setQuery(text)
    for graph in defaults:
        client.addDefaultGraph(graph)
    for graph in named:
        client.addNamedGraph(graph)
    graph_result = request.expected.result_format == "RDF"
    client.setReturnFormat(TURTLE if graph_result else JSON)
    answer = client.queryAndConvert()
    if graph_result:
        assert isinstance(Graph().parse(data=answer, format="turtle"), Graph)
    elif request.expected.result_format == "boolean":
        assert isinstance(answer, dict)
        assert answer["boolean"] is (request.expected.boolean is not False)
    else:
        assert isinstance(answer, dict)
        assert answer["head"]["vars"] == ["value"]
        assert answer["results"]["bindings"][0]["value"]["value"] == "1"


STORE_QUERIES = [t for t in QUERIES if not operation(t.requests[0])[2]]
STORE_QUERIES = [t for t in STORE_QUERIES if len(operation(t.requests[0])[1]) <= 1]


@EMBEDDED
@pytest.mark.parametrize("test", STORE_QUERIES, ids=[t.id for t in STORE_QUERIES])
def test_rdflibs_sparqlstore_gets_the_suites_answers(target: Target, test: SuiteTest) -> None:
    """SPARQLStore sends one default graph as the graph's identifier, and no named graphs."""
    assert reset(target, test) is None
    request = test.requests[0]
    text, defaults, _named = operation(request)
    store = SPARQLStore(target.base + target.query_path, method="POST_FORM")
    graph = Graph(store=store, identifier=defaults[0]) if defaults else Graph(store=store)
    result = graph.query(text)
    if request.expected.result_format == "boolean":
        assert result.askAnswer is (request.expected.boolean is not False)
    elif request.expected.result_format == "RDF":
        assert result.graph is not None
    else:
        assert [str(row[0]) for row in result] == ["1"]  # type: ignore[index]
