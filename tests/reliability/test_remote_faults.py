"""Remote store faults, seen from the HTTP API: ``srkb serve`` on a SPARQL endpoint that fails.

srkb runs as a user runs it (``srkb serve`` in a subprocess) on a real ``oxigraph serve``, with a
small hostile endpoint of our own in between where a test needs one (``hostile_endpoint``):

* the endpoint stops: reads answer 503 problem JSON with Retry-After and the endpoint's address,
  srkb stays up, and the same requests answer the same data once the endpoint is back, on the
  same port and data directory, without restarting srkb; srkb also starts when the endpoint is
  down and sets itself up when it comes;
* the endpoint is slow: 504 Gateway Timeout, the query sent once (a timeout is not retried), the
  update sent once; an endpoint answering 503 has queries retried a bounded number of times, and
  updates never;
* the endpoint answers garbage (an HTML page with 200, truncated or broken JSON, a wrong content
  type, something that is not HTTP): 502 Bad Gateway with a message naming the endpoint, never a
  500 or a traceback;
* the endpoint is killed in the middle of a write (a Graph Store PUT, a SPARQL update) at its
  first, second, second-to-last and last update request, before or after it applied that request:
  a write whose data request failed gets a 5xx; one whose data was applied gets its normal 2xx with
  ``Srkb-Refresh: pending`` (never a 5xx after applying); once the endpoint is back the written
  triples are all there or none, and inferences and the validation report catch up with them
  without a restart;
* a stale mark left by another writer makes the next write infer in full, and a list of graphs
  that arrives late is not cached over a write.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from kb.namespaces import INFERRED_GRAPH, source_graph
from kb.recovery import STALE_SINCE
from tests.support.app_server import (
    API_TOKEN,
    REPOSITORY,
    AppServer,
    assert_problem,
    server_env,
    start_app,
)
from tests.support.hostile_endpoint import (
    Behaviour,
    HostileEndpoint,
    Seen,
    answer,
    by_kind,
    forward,
    garbage,
    hang_up,
    hostile_endpoint,
    not_http,
    relay,
    slow,
    truncated,
)
from tests.support.servers import OxigraphServer, free_port, start_oxigraph

pytestmark = pytest.mark.remote

CAMPUS = "https://example.org/campus#"
SRKB = "https://w3id.org/srkb#"
CAMPUS_GRAPH = source_graph("campus.ttl")
DEFAULT_GRAPH = source_graph("default")
JSON_RESULTS = {"Accept": "application/sparql-results+json"}
ROLES = f"""
SELECT ?organisation ?role WHERE {{
  ?organisation a ?role . FILTER(STRSTARTS(STR(?role), "{SRKB}"))
}} ORDER BY ?organisation ?role
"""
#: Reads that need the store: a SPARQL query, an ecosystem question, the validation report.
READS = {
    "sparql": ("/sparql", {"query": ROLES}, JSON_RESULTS),
    "organisations": ("/organisations", {}, {}),
    "validation": ("/validation", {}, {"Accept": "application/json"}),
}
WAIT_SECONDS = 20.0


# -- helpers ---------------------------------------------------------------------------------------
def restart(server: OxigraphServer) -> OxigraphServer:
    """Stop (if still running) and start again on the same port with the same data directory."""
    server.stop()
    return start_oxigraph(server.location, port=server.port, attempts=200)


def start_app_unready(log_dir: Path, store: str, **settings: str) -> AppServer:
    """``srkb serve --demo`` on ``store``, waiting for any answer on /health (not only 200)."""
    return start_app(log_dir, store=store, settings=settings, any_answer=True)


def read(client: httpx.Client, name: str) -> httpx.Response:
    path, params, headers = READS[name]
    return client.get(path, params=params, headers=headers)


def assert_unavailable(response: httpx.Response, endpoint: str) -> dict[str, Any]:
    """503 problem JSON with Retry-After, naming the endpoint, and no traceback."""
    problem = assert_problem(response, 503)
    assert int(response.headers["retry-after"]) > 0
    assert endpoint in problem["detail"], problem
    assert "Traceback" not in response.text
    return problem


def eventually(check: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    """Wait (bounded) until ``check()`` is true."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds:g} s: {what}")


def ask(client: httpx.Client, text: str) -> bool:
    response = client.get("/sparql", params={"query": text}, headers=JSON_RESULTS)
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def roles_of(client: httpx.Client, organisation: str) -> set[str]:
    text = f"SELECT ?role WHERE {{ <{organisation}> a ?role }}"
    response = client.get("/sparql", params={"query": text}, headers=JSON_RESULTS)
    assert response.status_code == 200, response.text
    return {b["role"]["value"] for b in response.json()["results"]["bindings"]}


# -- (a) the endpoint stops, and comes back --------------------------------------------------------
def test_stopped_endpoint_gives_503_and_the_same_answers_when_it_is_back(tmp_path: Path) -> None:
    server = start_oxigraph(tmp_path / "oxigraph")
    app = start_app(tmp_path, store=server.query_url, demo=True)
    try:
        with app.client() as client:
            before = {name: read(client, name) for name in READS}
            for name, response in before.items():
                assert response.status_code == 200, (name, response.text)
            assert f"{CAMPUS}Canteen" in before["organisations"].text

            server.stop()
            for name in READS:
                started = time.monotonic()
                assert_unavailable(read(client, name), server.query_url)
                assert time.monotonic() - started < 5, name
            assert_unavailable(client.get("/health"), server.query_url)
            assert app.process.poll() is None, "srkb must stay up while the endpoint is down"

            server = restart(server)
            for name in READS:
                response = read(client, name)
                assert response.status_code == 200, (name, response.text)
                assert response.json() == before[name].json(), name
            assert client.get("/health").status_code == 200
            assert app.process.poll() is None
    finally:
        app.stop()
        server.stop()


def test_srkb_starts_while_the_endpoint_is_down_and_sets_up_when_it_comes(tmp_path: Path) -> None:
    port = free_port()
    query_url = f"http://127.0.0.1:{port}/query"
    app = start_app_unready(tmp_path, query_url)
    server: OxigraphServer | None = None
    try:
        with app.client() as client:
            for name in READS:
                assert_unavailable(read(client, name), query_url)
            assert app.process.poll() is None
            server = start_oxigraph(tmp_path / "oxigraph", port=port, attempts=200)

            def demo_is_served() -> bool:
                response = read(client, "organisations")
                return response.status_code == 200 and f"{CAMPUS}Canteen" in response.text

            eventually(demo_is_served, "the demo loaded once the endpoint answers")
            eventually(
                lambda: f"{SRKB}ConsumerTurnedProvider" in roles_of(client, f"{CAMPUS}Canteen"),
                "roles inferred once the endpoint answers",
            )
            validation = read(client, "validation")
            assert validation.status_code == 200, validation.text
            assert validation.json()["conforms"] is True
    finally:
        app.stop()
        if server is not None:
            server.stop()


# -- a srkb behind a hostile endpoint that forwards to a real one ------------------------------
@dataclass
class Proxied:
    """srkb on a hostile endpoint in front of a real oxigraph server."""

    app: AppServer
    endpoint: HostileEndpoint
    client: httpx.Client


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    directory = tmp_path_factory.mktemp("proxied")
    server = start_oxigraph(directory / "oxigraph")
    try:
        with hostile_endpoint(forward, upstream=server.base) as endpoint:
            app = start_app(
                directory,
                store=endpoint.query_url,
                demo=True,
                settings={"SRKB_QUERY_TIMEOUT": "1", "SRKB_API_TOKEN": API_TOKEN},
            )
            try:
                with app.client(API_TOKEN) as client:
                    yield Proxied(app, endpoint, client)
            finally:
                app.stop()
    finally:
        server.stop()


@pytest.fixture
def hostile(proxied: Proxied) -> Iterator[Proxied]:
    """The proxied srkb, its endpoint put back to forwarding after the test."""
    yield proxied
    proxied.endpoint.behaviour = forward
    assert proxied.app.process.poll() is None, "srkb must stay up"


def marked_query(marker: str) -> dict[str, str]:
    """A query sent with an explicit dataset (so exactly one request) that names ``marker``."""
    return {
        "query": f"SELECT ?{marker} WHERE {{ ?{marker} ?p ?o }} LIMIT 1",
        "default-graph-uri": CAMPUS_GRAPH,
    }


def new_marker() -> str:
    return "m" + uuid.uuid4().hex[:12]


# -- (b) a slow endpoint, an overloaded one ------------------------------------------------------
def test_slow_endpoint_gives_504_and_is_asked_once(hostile: Proxied) -> None:
    endpoint, client = hostile.endpoint, hostile.client
    endpoint.behaviour = slow(8, then=hang_up)  # far longer than SRKB_QUERY_TIMEOUT=1
    marker = new_marker()
    started = time.monotonic()
    response = client.get("/sparql", params=marked_query(marker), headers=JSON_RESULTS)
    problem = assert_problem(response, 504)
    assert time.monotonic() - started < 4
    assert "longer than" in problem["detail"], problem
    assert "1 s" in problem["detail"], problem
    organisations = client.get("/organisations")
    assert_problem(organisations, 504)
    assert endpoint.query_url in organisations.json()["detail"]

    endpoint.behaviour = by_kind(update=slow(8, then=hang_up))  # the PUT's reads go through
    graph = f"https://example.org/graph/slow-{marker}"
    put = client.put("/store", params={"graph": graph}, content=library(marker), headers=TURTLE)
    assert_problem(put, 504)
    time.sleep(1.5)  # any retry of the timed-out requests would arrive by now
    assert len(endpoint.requests("query", marker)) == 1, "a timed-out query is not sent again"
    assert len(endpoint.requests("update", graph)) == 1, "an update is never sent again"

    endpoint.behaviour = forward
    eventually(lambda: read(client, "validation").status_code == 200, "recovered")
    assert triples_present(client, graph, marker) == 0  # the slow endpoint never applied it


def test_overloaded_endpoint_has_queries_retried_and_updates_not(hostile: Proxied) -> None:
    endpoint, client = hostile.endpoint, hostile.client
    busy = garbage(b"<html><body>503 Service Unavailable</body></html>", "text/html", 503)
    endpoint.behaviour = busy
    marker = new_marker()
    response = client.get("/sparql", params=marked_query(marker), headers=JSON_RESULTS)
    assert_unavailable(response, endpoint.query_url)
    assert len(endpoint.requests("query", marker)) == 3, "1 attempt + 2 retries, then give up"

    endpoint.behaviour = by_kind(update=busy)  # reads work, so the PUT gets as far as its update
    graph = f"https://example.org/graph/busy-{marker}"
    put = client.put("/store", params={"graph": graph}, content=library(marker), headers=TURTLE)
    assert_unavailable(put, endpoint.query_url)
    assert len(endpoint.requests("update", graph)) == 1, "an update is never sent again"

    # A blip: the first attempt of every query is answered 503, the retry is forwarded.
    blip = new_marker()
    tried: set[str] = set()

    def first_busy(ep: HostileEndpoint, handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        if seen.kind == "query" and seen.text not in tried:
            tried.add(seen.text)
            busy(ep, handler, seen)
        else:
            forward(ep, handler, seen)

    endpoint.behaviour = first_busy
    response = client.get("/sparql", params=marked_query(blip), headers=JSON_RESULTS)
    assert response.status_code == 200, response.text
    assert len(endpoint.requests("query", blip)) == 2
    endpoint.behaviour = forward
    eventually(lambda: read(client, "validation").status_code == 200, "recovered")


# -- (c) garbage -----------------------------------------------------------------------------------
RESULTS_JSON = b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri", "value"'
GARBAGE: dict[str, Behaviour] = {
    "html page with 200": garbage(
        b"<html><body><h1>Welcome to nginx!</h1></body></html>", "text/html"
    ),
    "truncated json": truncated(RESULTS_JSON, "application/sparql-results+json"),
    "broken json": garbage(RESULTS_JSON, "application/sparql-results+json"),
    "json with a wrong content type": garbage(
        b'{"head": {"vars": []}, "results": {"bindings": []}}', "application/octet-stream"
    ),
    "not http": not_http,
    "error page with 500": garbage(b"<html>Internal Server Error</html>", "text/html", 500),
}


@pytest.mark.parametrize("kind", list(GARBAGE))
def test_garbage_from_the_endpoint_gives_502(hostile: Proxied, kind: str) -> None:
    endpoint, client = hostile.endpoint, hostile.client
    endpoint.behaviour = by_kind(query=GARBAGE[kind])
    for response in (
        client.get("/sparql", params=marked_query(new_marker()), headers=JSON_RESULTS),
        client.get("/organisations"),
    ):
        assert response.status_code != 500, response.text
        problem = assert_problem(response, 502)
        assert endpoint.query_url in problem["detail"]
        assert "Traceback" not in response.text
        assert "request id" not in problem["detail"]


def test_endpoint_hanging_up_gives_503(hostile: Proxied) -> None:
    endpoint, client = hostile.endpoint, hostile.client
    endpoint.behaviour = by_kind(query=hang_up)
    marker = new_marker()
    response = client.get("/sparql", params=marked_query(marker), headers=JSON_RESULTS)
    assert_unavailable(response, endpoint.query_url)
    assert len(endpoint.requests("query", marker)) == 3


# -- (d) writes while the endpoint dies ---------------------------------------------------------
TURTLE = {"Content-Type": "text/turtle"}
LIBRARY_TRIPLES = 6


def library(name: str) -> bytes:
    """A new consumer of workplace IT: a write with inferences (roles) and findings."""
    return f"""@prefix ex: <{CAMPUS}> .
@prefix srkb: <{SRKB}> .
@prefix org: <http://www.w3.org/ns/org#> .
ex:{name} a org:Organization .
ex:rel-it-{name} a srkb:ServiceRelationship ; srkb:hasProvider ex:IT ;
    srkb:hasConsumer ex:{name} ; srkb:concernsService ex:WorkplaceIT .
ex:{name} <http://www.w3.org/2000/01/rdf-schema#label> "{name}" .
""".encode()


def triples_present(client: httpx.Client, graph: str | None, name: str) -> int:
    """How many of :func:`library`'s triples are in ``graph`` (or anywhere, for None)."""
    triples = [
        f"(ex:{name} rdf:type org:Organization)",
        f"(ex:rel-it-{name} rdf:type srkb:ServiceRelationship)",
        f"(ex:rel-it-{name} srkb:hasProvider ex:IT)",
        f"(ex:rel-it-{name} srkb:hasConsumer ex:{name})",
        f"(ex:rel-it-{name} srkb:concernsService ex:WorkplaceIT)",
        f'(ex:{name} rdfs:label "{name}")',
    ]
    pattern = "?s ?p ?o" if graph is None else f"GRAPH <{graph}> {{ ?s ?p ?o }}"
    text = f"""PREFIX ex: <{CAMPUS}> PREFIX srkb: <{SRKB}> PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT (COUNT(*) AS ?n) WHERE {{ VALUES (?s ?p ?o) {{ {" ".join(triples)} }} {pattern} }}"""
    response = client.get("/sparql", params={"query": text}, headers=JSON_RESULTS)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def kill_at(number: int, *, applied: bool, server: Callable[[], OxigraphServer]) -> Behaviour:
    """Forward updates; at the ``number``-th, kill the real endpoint (before or after applying)."""
    count = 0

    def respond(endpoint: HostileEndpoint, handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        nonlocal count
        if seen.kind == "update":
            count += 1
            if count == number:
                if applied:
                    relay(endpoint, seen)  # the endpoint has applied it; its answer is lost
                server().process.kill()
                server().process.wait(timeout=10)
                hang_up(endpoint, handler, seen)
                return
        forward(endpoint, handler, seen)

    return respond


@dataclass
class Writing:
    """srkb with queries going straight to oxigraph and updates through a hostile endpoint."""

    app: AppServer
    endpoint: HostileEndpoint
    client: httpx.Client
    server: OxigraphServer
    put_updates: int = 0

    def updates(self, containing: str = "") -> int:
        return len(self.endpoint.requests("update", containing))


@pytest.fixture(scope="module")
def writing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Writing]:
    directory = tmp_path_factory.mktemp("writing")
    server = start_oxigraph(directory / "oxigraph")
    state: Writing | None = None
    try:
        with hostile_endpoint(forward, upstream=server.base) as endpoint:
            app = start_app(
                directory,
                store=server.query_url,
                demo=True,
                settings={
                    "SRKB_UPDATE_URL": endpoint.update_url,
                    "SRKB_API_TOKEN": API_TOKEN,
                    "SRKB_QUERY_TIMEOUT": "10",
                },
            )
            try:
                with app.client(API_TOKEN) as client:
                    state = Writing(app, endpoint, client, server)
                    # Something already in the graph a SPARQL update's default graph writes to.
                    kept = client.put(
                        "/store", params={"default": ""}, content=library("Kept"), headers=TURTLE
                    )
                    assert kept.status_code in (201, 204), kept.text
                    assert kept.headers["srkb-refresh"] == "done"
                    before = state.updates()
                    response, _graph = put_library(state, f"Reference{new_marker()}")
                    assert response.status_code == 201, response.text
                    assert response.headers["srkb-refresh"] == "done"
                    state.put_updates = state.updates() - before
                    assert state.put_updates >= 4, state.put_updates
                    yield state
            finally:
                app.stop()
    finally:
        (state.server if state is not None else server).stop()


def recovered(writing: Writing) -> None:
    """Wait (bounded) until srkb has caught up: report served, inferred graph not stale."""
    stale = f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{INFERRED_GRAPH}> <{STALE_SINCE}> ?since }} }}"

    def caught_up() -> bool:
        if read(writing.client, "validation").status_code != 200:
            return False
        return not ask(writing.client, stale)

    eventually(caught_up, "srkb recomputed inferences and validation after the endpoint came back")


def assert_all_or_nothing(writing: Writing, graph: str | None, name: str) -> int:
    """The write's triples are all there or none, and derived data agrees with what is there."""
    present = triples_present(writing.client, graph, name)
    assert present in (0, LIBRARY_TRIPLES), f"half a write: {present} of {LIBRARY_TRIPLES} triples"
    roles = roles_of(writing.client, f"{CAMPUS}{name}")
    assert (f"{SRKB}ServiceConsumer" in roles) == (present > 0), roles
    report = read(writing.client, "validation").json()
    organisations = {f.get("organisation") for f in report["findings"]}
    assert (f"{CAMPUS}{name}" in organisations) == (present > 0)
    return present


def put_library(writing: Writing, name: str) -> tuple[httpx.Response, str]:
    graph = f"https://example.org/graph/{name}"
    response = writing.client.put(
        "/store", params={"graph": graph}, content=library(name), headers=TURTLE
    )
    return response, graph


#: Where a write is cut: at which of its update requests the endpoint dies, and whether it had
#: applied that request first (its answer is then lost). The last two are counted from the end of
#: the update requests a PUT takes (counted once, in the fixture): the data, then inference,
#: validation and the history record, in however many requests those take.
POSITIONS = ("first", "second", "second to last", "last")
PUT_CUTS = [(which, applied) for which in POSITIONS for applied in (False, True)]


def update_number(writing: Writing, which: str) -> int:
    total = writing.put_updates
    return {"first": 1, "second": 2, "second to last": total - 1, "last": total}[which]


@pytest.mark.parametrize(("which", "applied"), PUT_CUTS)
def test_put_while_the_endpoint_dies_is_all_or_nothing(
    writing: Writing, which: str, applied: bool
) -> None:
    number = update_number(writing, which)
    name = f"Library{new_marker()}"
    writing.endpoint.behaviour = kill_at(number, applied=applied, server=lambda: writing.server)
    response, graph = put_library(writing, name)
    assert "Traceback" not in response.text
    if number == 1:  # the answer to the data's request was lost: srkb cannot know
        assert response.status_code in (502, 503, 504), response.text
        detail = assert_problem(response, response.status_code)["detail"]
        assert "may or may not have applied the update" in detail
    else:  # the data is applied: answered as applied, its refresh pending (never a 5xx)
        assert response.status_code == 201, response.text
        assert response.headers["srkb-refresh"] == "pending"
    assert writing.app.process.poll() is None, "srkb must stay up"

    writing.server = restart(writing.server)
    writing.endpoint.behaviour = forward
    recovered(writing)
    present = assert_all_or_nothing(writing, graph, name)
    if number == 1:
        assert present == (LIBRARY_TRIPLES if applied else 0)
    else:
        assert present == LIBRARY_TRIPLES, "the data went in before the endpoint died"


@pytest.mark.parametrize(("number", "applied"), [(1, False), (1, True), (2, True)])
def test_sparql_update_while_the_endpoint_dies_is_all_or_nothing(
    writing: Writing, number: int, applied: bool
) -> None:
    name = f"Update{new_marker()}"
    writing.endpoint.behaviour = kill_at(number, applied=applied, server=lambda: writing.server)
    response = writing.client.post(
        "/update",
        content=sparql_insert(name),
        headers={"Content-Type": "application/sparql-update"},
    )
    if number == 1:
        assert response.status_code in (502, 503, 504), response.text
        assert_problem(response, response.status_code)
    else:  # applied, then the endpoint died under inference: 204, refresh pending
        assert response.status_code == 204, response.text
        assert response.headers["srkb-refresh"] == "pending"
    writing.server = restart(writing.server)
    writing.endpoint.behaviour = forward
    recovered(writing)
    assert triples_present(writing.client, DEFAULT_GRAPH, "Kept") == LIBRARY_TRIPLES, (
        "what the default graph held before must survive a failed update"
    )
    assert_all_or_nothing(writing, DEFAULT_GRAPH, name)


def sparql_insert(name: str) -> bytes:
    """:func:`library`'s triples as a SPARQL update of the default graph."""
    return f"""PREFIX ex: <{CAMPUS}>
PREFIX srkb: <{SRKB}>
PREFIX org: <http://www.w3.org/ns/org#>
INSERT DATA {{
  ex:{name} a org:Organization .
  ex:rel-it-{name} a srkb:ServiceRelationship ; srkb:hasProvider ex:IT ;
      srkb:hasConsumer ex:{name} ; srkb:concernsService ex:WorkplaceIT .
  ex:{name} <http://www.w3.org/2000/01/rdf-schema#label> "{name}" .
}}""".encode()


def test_a_write_after_another_writer_died_mid_write_infers_its_data_too(writing: Writing) -> None:
    """A stale mark already in the store (another srkb killed after its data went in, or an update
    whose answer was lost and that landed late) makes the next write's inference a full run.

    The other writer's organisation deals with nobody the next write touches, so an incremental
    run around that write would not reach it.
    """
    orphan = f"{CAMPUS}Orphan{new_marker()}"
    graph = source_graph("orphan.ttl")
    rel, srkb = f"<{orphan}-rel>", f"<{SRKB}"
    direct = f"""INSERT DATA {{ GRAPH <{graph}> {{
  <{orphan}> a <http://www.w3.org/ns/org#Organization> .
  {rel} a {srkb}ServiceRelationship> ; {srkb}hasConsumer> <{orphan}> ;
      {srkb}hasProvider> <{orphan}-vendor> ; {srkb}concernsService> <{orphan}-service> .
}} }} ;
INSERT DATA {{ GRAPH <{INFERRED_GRAPH}> {{ <{INFERRED_GRAPH}> <{STALE_SINCE}> "elsewhere" }} }}"""
    request = urllib.request.Request(
        writing.server.base + "/update",
        data=direct.encode(),
        headers={"Content-Type": "application/sparql-update"},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass  # written behind srkb's back: data and mark, no inference
    eventually(  # srkb sees graphs other writers add within GRAPHS_TTL
        lambda: ask(writing.client, f"ASK {{ {rel} ?p ?o }}"),
        "the other writer's graph visible through srkb",
    )
    assert f"{SRKB}ServiceConsumer" not in roles_of(writing.client, orphan)

    response, _graph = put_library(writing, f"After{new_marker()}")
    assert response.status_code == 201, response.text
    assert f"{SRKB}ServiceConsumer" in roles_of(writing.client, orphan)
    assert not ask(
        writing.client,
        f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{INFERRED_GRAPH}> <{STALE_SINCE}> ?since }} }}",
    )


def test_a_list_of_graphs_answered_late_does_not_hide_a_graph_written_meanwhile(
    tmp_path: Path,
) -> None:
    """The store caches its list of named graphs; a list that left the endpoint before an update
    and arrived after it must not be kept, or the writer's inference misses the new graph."""
    from kb.store.remote import RemoteStore

    server = start_oxigraph(tmp_path / "oxigraph")
    answered = threading.Event()

    def late(endpoint: HostileEndpoint, handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        if seen.kind == "query" and "GROUP BY ?g" in seen.text and not answered.is_set():
            status, content_type, body = relay(endpoint, seen)  # the list as it is now...
            answered.set()
            endpoint.release.wait(timeout=5)  # ...delivered after the update below
            answer(handler, body, content_type, status)
            return
        forward(endpoint, handler, seen)

    try:
        with hostile_endpoint(late, upstream=server.base) as endpoint:
            store = RemoteStore(endpoint.query_url, update_url=server.base + "/update", timeout=10)
            reader = threading.Thread(target=store.graphs)
            reader.start()
            assert answered.wait(timeout=5)
            graph = "https://example.org/graph/new"
            store.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }}")
            endpoint.release.set()
            reader.join(timeout=10)
            assert not reader.is_alive()
            assert graph in store.graphs()
    finally:
        server.stop()


def test_srkb_refuses_to_start_on_an_endpoint_that_answers_garbage(tmp_path: Path) -> None:
    """A wrong URL (a web server's page instead of SPARQL results) stops srkb with the reason."""
    page = garbage(b"<html><body>It works!</body></html>", "text/html")
    with hostile_endpoint(page) as endpoint:
        log_path = tmp_path / "srkb.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "kb", "--store", endpoint.query_url, "serve"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=server_env({"SRKB_HOST": "127.0.0.1", "SRKB_PORT": str(free_port())}),
                cwd=REPOSITORY,
            )
            try:
                code = process.wait(timeout=30)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    assert code != 0, text
    assert f"the endpoint {endpoint.query_url} answered with text/html" in text
    assert "not SPARQL results" in text


def test_srkb_load_whose_inference_the_endpoint_dies_under_exits_0_with_a_warning(
    tmp_path: Path,
) -> None:
    """``srkb load`` on a remote store killed after the data went in, during inference: the data
    is written, so the command says so and exits 0, warning that inference runs again later (the
    stale mark stays, and the next command that opens the store infers)."""
    server = start_oxigraph(tmp_path / "oxigraph")
    name = f"Cli{new_marker()}"
    data = tmp_path / "library.ttl"
    data.write_bytes(library(name))
    written = threading.Event()

    def die_after_the_data(
        endpoint: HostileEndpoint, handler: BaseHTTPRequestHandler, seen: Seen
    ) -> None:
        if seen.kind == "update" and written.is_set():
            server.process.kill()
            server.process.wait(timeout=10)
            hang_up(endpoint, handler, seen)
            return
        forward(endpoint, handler, seen)
        if seen.kind == "update" and name in seen.text:
            written.set()

    try:
        with hostile_endpoint(die_after_the_data, upstream=server.base) as endpoint:
            result = subprocess.run(
                [sys.executable, "-m", "kb", "--store", server.query_url, "load", str(data)],
                capture_output=True,
                text=True,
                timeout=120,
                env=server_env({"SRKB_UPDATE_URL": endpoint.update_url}),
                cwd=REPOSITORY,
                check=False,
            )
        assert written.is_set(), result.stderr
        assert result.returncode == 0, result.stderr
        assert "warning: the data is written, but inference could not follow" in result.stderr
        assert "Traceback" not in result.stderr
        server = restart(server)
        present = f"ASK {{ GRAPH ?g {{ <{CAMPUS}{name}> a ?type }} }}"
        stale = f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{INFERRED_GRAPH}> <{STALE_SINCE}> ?s }} }}"
        for text in (present, stale):
            request = urllib.request.Request(
                server.query_url + "?" + urllib.parse.urlencode({"query": text}),
                headers=JSON_RESULTS,
            )
            with urllib.request.urlopen(request, timeout=10) as answered:
                assert b"true" in answered.read(), text
    finally:
        server.stop()
