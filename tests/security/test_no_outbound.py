"""Nobody in, nothing out: srkb makes no network request unless an operator configured it.

Everything that could make srkb (or pyoxigraph underneath it, which executes ``SERVICE`` and
``LOAD <url>`` over HTTP itself) reach the network is pointed at a TCP listener on 127.0.0.1 that
records connections: SPARQL ``SERVICE`` (kb's policy, ``srkb query``, ``/sparql``), ``LOAD`` and
``SERVICE`` in updates (kb's policy, ``/update``), remote JSON-LD contexts and XML external
entities (``srkb load``, ``PUT /store``), dataset IRIs (``FROM``, ``default-graph-uri``), IRIs
looked up (``/id``, ``/data``, questions) and ``owl:imports`` in data that is validated. Each is
refused with a clear error, or answered locally, and the listener sees no connection. Positive
controls show that the listener does see pyoxigraph connect when SERVICE or LOAD is allowed.

The policy is checked on hand-written variants (case, codepoint escapes, nesting in OPTIONAL,
EXISTS, subqueries, HAVING, ORDER BY, variable and relative endpoints) and by hypothesis: whatever
query or update passes the policy, generated or mutated from a refused one, does not connect when
pyoxigraph runs it.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.errors import (
    ForbiddenOperationError,
    InputError,
    NetworkAccessRefusedError,
    QuerySyntaxError,
)
from kb.namespaces import source_graph
from kb.protocol.sparql_endpoint import check_query, check_update, run_query, run_update
from kb.store import open_store
from tests.support.app_server import API_TOKEN, AppServer, assert_problem, start_app
from tests.support.listener import Listener, listening

REPOSITORY = Path(__file__).resolve().parents[2]
U = "URL"  # replaced by the listener's URL

SERVICE_QUERIES = {
    "plain": "SELECT * WHERE { SERVICE <URL/sparql> { ?s ?p ?o } }",
    "lower-case": "select * where { service <URL/sparql> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <URL/sparql> { ?s ?p ?o } }",
    "codepoint-escape": "SELECT * WHERE { SERVIC\\u0045 <URL/sparql> { ?s ?p ?o } }",
    "optional": "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE <URL/s> { ?s ?p ?o } } }",
    "exists": "SELECT * WHERE { ?a ?b ?c FILTER EXISTS { SERVICE <URL/s> { ?s ?p ?o } } }",
    "not-exists": "ASK { FILTER NOT EXISTS { SERVICE <URL/s> { ?s ?p ?o } } }",
    "subquery": "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <URL/s> { ?s ?p ?o } } } }",
    "minus": "SELECT * WHERE { ?a ?b ?c MINUS { SERVICE <URL/s> { ?a ?p ?o } } }",
    "union": "SELECT * WHERE { { ?a ?b ?c } UNION { SERVICE <URL/s> { ?s ?p ?o } } }",
    "graph": "SELECT * WHERE { GRAPH ?g { SERVICE <URL/s> { ?s ?p ?o } } }",
    "variable": "SELECT * WHERE { VALUES ?e { <URL/s> } SERVICE ?e { ?s ?p ?o } }",
    "bound-variable": "SELECT * WHERE { BIND(<URL/s> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "prefixed": "PREFIX r: <URL/> SELECT * WHERE { SERVICE r:sparql { ?s ?p ?o } }",
    "relative": "BASE <URL/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "bind-exists": "SELECT * WHERE { BIND(EXISTS { SERVICE <URL/s> { ?s ?p ?o } } AS ?x) }",
    "select-expression": "SELECT (EXISTS { SERVICE <URL/s> { ?s ?p ?o } } AS ?x) WHERE { }",
    "having": "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s "
    "HAVING (EXISTS { SERVICE <URL/s> { ?s ?p ?o } })",
    "order-by": "SELECT ?s WHERE { } ORDER BY (EXISTS { SERVICE <URL/s> { ?s ?p ?o } })",
    "construct": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <URL/s> { ?s ?p ?o } }",
    "describe": "DESCRIBE ?s WHERE { SERVICE <URL/s> { ?s ?p ?o } }",
    "comment-and-tabs": "SELECT * WHERE { # a comment\n\tSERVICE\t<URL/s>\t{ ?s ?p ?o } }",
}

NETWORK_UPDATES = {
    "load": "LOAD <URL/data.ttl>",
    "load-lower-case": "load <URL/data.ttl>",
    "load-silent-into": "LOAD SILENT <URL/data.ttl> INTO GRAPH <urn:test:g>",
    "load-after-insert": "INSERT DATA { <urn:a> <urn:b> <urn:c> } ; LOAD <URL/data.ttl>",
    "load-codepoint-escape": "LOA\\u0044 <URL/data.ttl>",
    "load-prefixed": "PREFIX r: <URL/> LOAD r:data.ttl",
    "load-relative": "BASE <URL/> LOAD <data.ttl>",
    "service-in-insert": "INSERT { ?s ?p ?o } WHERE { SERVICE <URL/s> { ?s ?p ?o } }",
    "service-in-delete": "DELETE { ?s ?p ?o } WHERE { SERVICE <URL/s> { ?s ?p ?o } }",
    "service-with": "WITH <urn:test:g> DELETE { ?s ?p ?o } INSERT { ?o ?p ?s } "
    "WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <URL/s> { ?s ?p ?o } } }",
}


def at(listener: Listener, text: str) -> str:
    return text.replace(U, listener.url)


# -- the policy in kb ---------------------------------------------------------------------------


def test_the_listener_sees_connections() -> None:
    """The tests below would prove nothing if the listener missed connections."""
    with listening() as listener:
        with contextlib.suppress(httpx.TransportError):  # the listener hangs up at once
            httpx.get(listener.url, timeout=2)
        assert len(listener.settle()) == 1


@pytest.mark.parametrize("name", list(SERVICE_QUERIES))
def test_service_is_refused_by_the_query_policy_without_connecting(name: str) -> None:
    store = open_store("memory")
    with listening() as listener:
        query = at(listener, SERVICE_QUERIES[name])
        with pytest.raises(NetworkAccessRefusedError, match="SERVICE") as refused:
            run_query(store, query)
        assert "SRKB_ALLOW_SERVICE" in str(refused.value)
        with pytest.raises(NetworkAccessRefusedError):
            check_query(query)
        assert listener.settle() == []


@pytest.mark.parametrize("name", list(NETWORK_UPDATES))
def test_load_and_service_are_refused_by_the_update_policy_without_connecting(name: str) -> None:
    store = open_store("memory")
    with listening() as listener:
        update = at(listener, NETWORK_UPDATES[name])
        with pytest.raises(NetworkAccessRefusedError):
            run_update(store, update)
        with pytest.raises(NetworkAccessRefusedError):
            check_update(update)
        assert listener.settle() == []
    assert store.count() == 0


def test_the_query_policy_refuses_updates() -> None:
    with pytest.raises(ForbiddenOperationError, match="/update"):
        check_query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_positive_control_pyoxigraph_connects_when_service_is_allowed() -> None:
    """pyoxigraph itself executes SERVICE and LOAD: only the policy stands in the way."""
    store = open_store("memory")
    with listening() as listener:
        query = at(listener, SERVICE_QUERIES["plain"])
        check_query(query, allow_service=True)
        with pytest.raises(OSError):  # noqa: PT011 - the listener hangs up: any network error
            store.query(query)
        assert len(listener.settle()) == 1
    with listening() as listener:
        with pytest.raises(OSError):  # noqa: PT011
            run_update(store, at(listener, NETWORK_UPDATES["load"]), allow_load=True)
        assert len(listener.settle()) == 1


def test_dataset_iris_are_graph_names_not_urls() -> None:
    """FROM, FROM NAMED and the protocol's dataset parameters name graphs of the store."""
    store = open_store("memory")
    with listening() as listener:
        run_query(
            store, at(listener, "SELECT * FROM <URL/a> FROM NAMED <URL/b> WHERE { ?s ?p ?o }")
        )
        run_query(
            store,
            "ASK { ?s ?p ?o }",
            default_graphs=[listener.url + "/c"],
            named_graphs=[listener.url + "/d"],
        )
        assert listener.settle() == []


# -- hypothesis: whatever passes the policy does not connect ------------------------------------


def letters(word: str) -> st.SearchStrategy[str]:
    """A keyword in any case, with any of its letters written as a SPARQL codepoint escape."""
    return st.tuples(
        *(st.sampled_from([ch.upper(), ch.lower(), f"\\u{ord(ch.upper()):04X}"]) for ch in word)
    ).map("".join)


SPACE = st.sampled_from([" ", "\t", "\n", " # note\n", "\r\n", "  "])
ENDPOINT = st.sampled_from(["<URL/s>", "r:s", "<s>", "?e"])
WRAP = st.sampled_from(
    [
        "{}",
        "?a ?b ?c OPTIONAL {{ {} }}",
        "FILTER EXISTS {{ {} }}",
        "FILTER NOT EXISTS {{ {} }}",
        "{{ SELECT * WHERE {{ {} }} }}",
        "{{ ?a ?b ?c }} UNION {{ {} }}",
        "?a ?b ?c MINUS {{ {} }}",
        "GRAPH ?g {{ {} }}",
        "BIND(EXISTS {{ {} }} AS ?x)",
    ]
)


@st.composite
def service_queries(draw: st.DrawFn) -> str:
    keyword = draw(letters("SERVICE"))
    silent = draw(st.sampled_from(["", " SILENT", " silent"]))
    inner = f"{keyword}{silent}{draw(SPACE)}{draw(ENDPOINT)}{draw(SPACE)}{{ ?s ?p ?o }}"
    pattern = draw(WRAP).format(inner)
    if "?e" in inner:
        pattern = "VALUES ?e { <URL/s> } " + pattern
    form = draw(
        st.sampled_from(
            [
                "SELECT * WHERE {{ {} }}",
                "ASK {{ {} }}",
                "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {} }}",
            ]
        )
    )
    return "PREFIX r: <URL/> BASE <URL/>" + draw(SPACE) + form.format(pattern)


@st.composite
def network_updates(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        load = draw(letters("LOAD"))
        silent = draw(st.sampled_from(["", " SILENT"]))
        into = draw(st.sampled_from(["", " INTO GRAPH <urn:test:g>"]))
        operation = f"{load}{silent}{draw(SPACE)}{draw(ENDPOINT.filter(lambda e: e != '?e'))}{into}"
    else:
        keyword = draw(letters("SERVICE"))
        operation = (
            f"INSERT {{ ?s ?p ?o }} WHERE {{ {keyword}{draw(SPACE)}<URL/s> {{ ?s ?p ?o }} }}"
        )
    before = draw(st.sampled_from(["", "INSERT DATA { <urn:a> <urn:b> <urn:c> } ;\n"]))
    return "PREFIX r: <URL/> BASE <URL/>" + draw(SPACE) + before + operation


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A text with a few characters inserted, deleted or replaced (SPARQL's own alphabet)."""
    text = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(text)))
        piece = draw(st.sampled_from(list("{}<>?\"'#\\;.: \nSERVICELOADsu0")))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            text = text[:position] + piece + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + 1 :]
        else:
            text = text[:position] + piece + text[position + 1 :]
    return text


FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def shared_listener() -> Iterator[Listener]:
    with listening() as listener:
        yield listener


@FUZZ
@given(query=st.one_of(service_queries(), mutated(service_queries())))
def test_no_query_that_passes_the_policy_connects(shared_listener: Listener, query: str) -> None:
    text = at(shared_listener, query)
    try:
        check_query(text)
    except (NetworkAccessRefusedError, QuerySyntaxError, ForbiddenOperationError):
        return
    before = len(shared_listener.connections)
    # The policy measures and classifies without parsing: syntax is the engine's to refuse.
    with contextlib.suppress(SyntaxError, OSError, ValueError, InputError):
        open_store("memory").query(text)
    connected = shared_listener.settle(0.05)[before:]
    assert connected == [], f"passed the policy and connected: {text!r}"


@FUZZ
@given(update=st.one_of(network_updates(), mutated(network_updates())))
def test_no_update_that_passes_the_policy_connects(shared_listener: Listener, update: str) -> None:
    text = at(shared_listener, update)
    try:
        check_update(text)
    except (NetworkAccessRefusedError, QuerySyntaxError):
        return
    before = len(shared_listener.connections)
    with contextlib.suppress(SyntaxError, OSError, ValueError, InputError):
        open_store("memory").update(text)
    connected = shared_listener.settle(0.05)[before:]
    assert connected == [], f"passed the policy and connected: {text!r}"


# -- the command line -----------------------------------------------------------------------------


def srkb(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", "--store", "memory", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPOSITORY,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:"), result.stderr
    for word in words:
        assert word in lines[0], result.stderr


@pytest.mark.parametrize("name", ["plain", "codepoint-escape", "exists", "variable"])
def test_srkb_query_refuses_service_without_connecting(tmp_path: Path, name: str) -> None:
    with listening() as listener:
        query = tmp_path / "service.rq"
        query.write_text(at(listener, SERVICE_QUERIES[name]), encoding="utf-8")
        assert_one_line_error(srkb("query", query), "SERVICE")
        assert listener.settle() == []


def test_srkb_load_refuses_remote_contexts_and_entities_without_connecting(
    tmp_path: Path,
) -> None:
    with listening() as listener:
        jsonld = tmp_path / "remote.jsonld"
        jsonld.write_text(
            f'{{"@context": "{listener.url}/context.jsonld", "@id": "urn:a", "name": "A"}}',
            encoding="utf-8",
        )
        assert_one_line_error(srkb("load", jsonld), "@context", "remote.jsonld")
        rdfxml = tmp_path / "entity.rdf"
        rdfxml.write_text(xxe(listener), encoding="utf-8")
        assert_one_line_error(srkb("load", rdfxml), "entity.rdf")
        dtd = tmp_path / "dtd.rdf"
        dtd.write_text(external_dtd(listener), encoding="utf-8")
        loaded = srkb("load", dtd)
        assert loaded.returncode == 0, loaded.stderr
        assert listener.settle() == []


def xxe(listener: Listener) -> str:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "{listener.url}/secret.txt"> ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="https://example.org/x#">\n'
        '  <rdf:Description rdf:about="https://example.org/x#a"><ex:name>&secret;</ex:name>'
        "</rdf:Description>\n</rdf:RDF>\n"
    )


def external_dtd(listener: Listener) -> str:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF SYSTEM "{listener.url}/rdf.dtd">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="https://example.org/x#">\n'
        '  <rdf:Description rdf:about="https://example.org/x#a"><ex:name>A</ex:name>'
        "</rdf:Description>\n</rdf:RDF>\n"
    )


# -- the HTTP service -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    started = start_app(
        tmp_path_factory.mktemp("no-outbound"), demo=True, settings={"SRKB_API_TOKEN": API_TOKEN}
    )
    yield started
    started.stop()


@pytest.fixture
def http(server: AppServer) -> Iterator[httpx.Client]:
    with server.client(API_TOKEN) as client:
        yield client


def count(http: httpx.Client) -> int:
    response = http.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_sparql_refuses_every_service_variant_without_connecting(http: httpx.Client) -> None:
    with listening() as listener:
        for name, text in SERVICE_QUERIES.items():
            query = at(listener, text)
            for response in (
                http.get("/sparql", params={"query": query}),
                http.post("/sparql", data={"query": query}),
                http.post(
                    "/sparql",
                    content=query.encode(),
                    headers={"Content-Type": "application/sparql-query"},
                ),
            ):
                problem = assert_problem(response, 400)
                assert "SERVICE" in problem["detail"], name
        assert listener.settle() == []


def test_update_refuses_load_and_service_without_connecting(http: httpx.Client) -> None:
    before = count(http)
    with listening() as listener:
        for name, text in NETWORK_UPDATES.items():
            response = http.post("/update", data={"update": at(listener, text)})
            assert_problem(response, 400), name
        assert listener.settle() == []
    assert count(http) == before


def test_graph_store_refuses_remote_contexts_and_entities_without_connecting(
    http: httpx.Client,
) -> None:
    before = count(http)
    graph = {"graph": source_graph("no-outbound")}
    contexts = [
        '"URL/context.jsonld"',
        '{"@version": 1.1, "@import": "URL/import.jsonld"}',
        '["URL/first.jsonld", {"@vocab": "https://e.org/"}]',
        '{"knows": {"@id": "https://e.org/knows", "@context": "URL/scoped.jsonld"}}',
    ]
    with listening() as listener:
        for context in contexts:
            body = f'{{"@context": {at(listener, context)}, "@id": "urn:a", "knows": {{}}}}'
            for method in ("PUT", "POST"):
                response = http.request(
                    method,
                    "/store",
                    params=graph,
                    content=body.encode(),
                    headers={"Content-Type": "application/ld+json"},
                )
                assert "@context" in assert_problem(response, 400)["detail"], context
        for method in ("PUT", "POST"):
            response = http.request(
                method,
                "/store",
                params=graph,
                content=xxe(listener).encode(),
                headers={"Content-Type": "application/rdf+xml"},
            )
            assert "entities" in assert_problem(response, 400)["detail"]
        assert listener.settle() == []
    assert count(http) == before


def test_lookups_questions_datasets_and_validation_stay_local(http: httpx.Client) -> None:
    with listening() as listener:
        target = listener.url + "/thing"
        dtd = http.put(
            "/store",
            params={"graph": source_graph("dtd.rdf")},
            content=external_dtd(listener).encode(),
            headers={"Content-Type": "application/rdf+xml"},
        )
        assert dtd.status_code in (201, 204), dtd.text
        imports = (
            f"<https://example.org/x> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
            f"  <http://www.w3.org/2002/07/owl#imports> <{target}> .\n"
        )
        put = http.put(
            "/store",
            params={"graph": source_graph("imports.ttl")},
            content=imports.encode(),
            headers={"Content-Type": "text/turtle"},
        )
        assert put.status_code in (201, 204), put.text
        for path, params in [
            ("/id", {"iri": target}),
            ("/data", {"iri": target}),
            ("/page", {"iri": target}),
            ("/impact", {"iri": target}),
            ("/organisations/roles", {"iri": target}),
            ("/questions/dependents-of", {"provider": target}),
            ("/sparql", {"query": "ASK { ?s ?p ?o }", "default-graph-uri": target}),
            ("/sparql", {"query": at(listener, "SELECT * FROM <URL/thing> WHERE { ?s ?p ?o }")}),
            ("/validation", {}),
            ("/export", {"format": "jsonld"}),
            ("/store", {"default": "", "format": "jsonld"}),
        ]:
            response = http.get(path, params=params, follow_redirects=False)
            assert response.status_code < 500, (path, response.text)
        assert listener.settle() == []
