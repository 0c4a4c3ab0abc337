"""A runaway query is stopped, and the server keeps serving everyone else.

On an on-disk store ``/sparql`` queries run in worker processes (:mod:`kb.store.query_workers`): a
cartesian product that would run for hours is answered with 503 at ``SRKB_QUERY_TIMEOUT`` and the
process that ran it is gone (looked up in ``/proc``), while ``/health`` and the ecosystem routes
answer meanwhile and a fresh worker answers the next query. Workers read checkpoints of the store,
so every write is checked to be visible to the very next query, and their answers are compared
with those of the in-process path on the same data, term by term. On a memory store queries run
in threads that cannot be stopped; there the number of abandoned ones is bounded, and beyond it
``/sparql`` answers 503 at once while the other routes keep answering.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kb.namespaces import source_graph
from tests.support.app_server import API_TOKEN, AppServer, assert_problem, start_app

#: Hours on the campus demo: (some 2,300 triples) cubed solutions to count.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SMALL = "ASK { ?s ?p ?o }"
JSON = {"Accept": "application/sparql-results+json"}
WAIT_SECONDS = 15.0


def until(check: Callable[[], Any], what: str, seconds: float = WAIT_SECONDS) -> Any:
    """Call ``check`` until it returns something true (bounded); return that."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"{what} within {seconds:g} s")


def worker_pids(server: AppServer) -> set[int]:
    """The live (not zombie) query worker processes of a server, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # it ended while we looked
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (name)": state, ppid, ...
        state, parent = fields[0], int(fields[1])
        if parent == server.process.pid and state != "Z" and b"query_workers.py" in command:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def in_background(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``call`` in a thread; its response (or error) and when it came land in the dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["response"] = call()
        except httpx.TransportError as err:  # the server went away
            outcome["error"] = err
        outcome["at"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


# -- worker processes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The demo on disk, one query worker, a 1 s timeout: a runaway not stopped blocks /sparql."""
    directory = tmp_path_factory.mktemp("runaway")
    server = start_app(
        directory,
        store=str(directory / "store"),
        settings={"SRKB_QUERY_TIMEOUT": "1", "SRKB_QUERY_WORKERS": "1"},
    )
    yield server
    server.stop()


def test_a_runaway_query_is_stopped_and_the_server_keeps_serving(one_worker: AppServer) -> None:
    with one_worker.client(timeout=30) as client:
        assert client.get("/sparql", params={"query": SMALL}).json()["boolean"] is True
        for _ in range(3):
            (worker,) = until(lambda: worker_pids(one_worker), "no query worker came up")
            started = time.monotonic()
            thread, runaway = in_background(
                lambda: client.get("/sparql", params={"query": RUNAWAY}, headers=JSON)
            )
            time.sleep(0.3)  # the runaway is now running in the worker
            assert alive(worker)
            health = client.get("/health")
            organisations = client.get("/organisations")
            answered = time.monotonic()
            thread.join(timeout=30)
            assert not thread.is_alive()
            assert health.status_code == 200
            assert organisations.status_code == 200
            assert len(organisations.json()["items"]) == 7
            assert answered < runaway["at"], "the other routes waited for the runaway query"
            problem = assert_problem(runaway["response"], 503)
            assert "1 s limit and was stopped" in problem["detail"]
            assert runaway["response"].headers["retry-after"]
            assert 1.0 <= runaway["at"] - started < 3.0
            # Stopped, not abandoned: the process that ran it is gone ...
            until(
                lambda pid=worker: not alive(pid),  # type: ignore[misc]
                f"query worker {worker} still runs the runaway query",
            )
            # ... and a fresh one answers at once.
            asked = time.monotonic()
            small = client.get("/sparql", params={"query": SMALL})
            assert small.status_code == 200, small.text
            assert small.json()["boolean"] is True
            assert time.monotonic() - asked < 2.0
            assert worker not in worker_pids(one_worker)


TERMS = """
PREFIX ex: <urn:test:>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
INSERT DATA { GRAPH <%s> {
  ex:s ex:plain "plain" ; ex:lang "chat"@fr ; ex:typed "42"^^xsd:integer ;
       ex:string "s"^^xsd:string ; ex:custom "c"^^ex:type ;
       ex:iri ex:o ; ex:text "a, \\"b\\"\\tc\\nd \\\\ é" .
} }
"""
#: Queries whose answers must not depend on where they run (blank nodes aside: their labels are
#: the store's own), in every results format.
SAME_ANSWERS = [
    ("SELECT ?p ?o WHERE { <urn:test:s> ?p ?o } ORDER BY ?p", None),
    ("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }", None),
    ("ASK { <urn:test:s> <urn:test:lang> 'chat'@fr }", None),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "default-graph-uri"),
    (
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "named-graph-uri",
    ),
    (
        "PREFIX srkb: <https://w3id.org/srkb#> SELECT ?o ?role WHERE { ?o a ?role "
        "FILTER(STRSTARTS(STR(?role), STR(srkb:))) FILTER(isIRI(?o)) } ORDER BY ?o ?role",
        None,
    ),
]
FORMATS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, AppServer]]:
    """The same data on disk twice: answered by workers, and by threads of the server."""
    directory = tmp_path_factory.mktemp("pair")
    servers = []
    try:
        for name, workers in (("workers", "2"), ("threads", "0")):
            servers.append(
                start_app(
                    directory,
                    store=str(directory / name),
                    settings={
                        "SRKB_QUERY_WORKERS": workers,
                        "SRKB_API_TOKEN": API_TOKEN,
                        "SRKB_RESULT_LIMIT": "500",
                    },
                )
            )
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def test_every_write_is_seen_by_the_next_query(pair: tuple[AppServer, AppServer]) -> None:
    workers, _ = pair
    snapshots = Path(workers.log_path).parent / ".workers.query-snapshots"
    # The test's own triples (a graph written through /store also holds its provenance).
    count = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <%s> { ?s ?p ?o "
        "FILTER(isIRI(?s) && STRSTARTS(STR(?s), 'urn:')) } }"
    )
    with workers.client(API_TOKEN) as client:

        def triples(graph: str) -> int:
            response = client.get("/sparql", params={"query": count % graph}, headers=JSON)
            assert response.status_code == 200, response.text
            return int(response.json()["results"]["bindings"][0]["n"]["value"])

        for n in range(1, 7):
            graph = source_graph(f"write-{n}")
            body = "".join(f"<urn:s{i}> <urn:p> {i} .\n" for i in range(n))
            put = client.put("/store", params={"graph": graph}, content=body.encode(),
                             headers={"Content-Type": "text/turtle"})  # fmt: skip
            assert put.status_code in (201, 204), put.text
            assert triples(graph) == n
            update = client.post(
                "/update",
                data={"update": f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x> <urn:y> 0 }} }}"},
            )
            assert update.status_code == 204, update.text
            assert triples(graph) == n + 1
            assert client.delete("/store", params={"graph": graph}).status_code == 204
            assert triples(graph) == 0
            # Checkpoints nobody reads any more are removed: at most one per worker, and the last.
            assert len(list(snapshots.iterdir())) <= 3


def test_workers_answer_exactly_as_the_server_itself(pair: tuple[AppServer, AppServer]) -> None:
    graph = source_graph("terms")
    answers: list[list[tuple[int, str, bytes]]] = []
    for server in pair:
        with server.client(API_TOKEN) as client:
            assert client.post("/update", data={"update": TERMS % graph}).status_code == 204
            seen = []
            for query, dataset in SAME_ANSWERS:
                params = {"query": query.replace("%s", graph)}
                if dataset is not None:
                    params[dataset] = graph
                graph_result = "CONSTRUCT" in query
                for accept in ["application/n-triples"] if graph_result else FORMATS:
                    response = client.get("/sparql", params=params, headers={"Accept": accept})
                    content = response.content
                    if graph_result:  # a set of triples, written in no particular order
                        content = b"".join(sorted(content.splitlines(keepends=True)))
                    seen.append((response.status_code, response.headers["content-type"], content))
            over = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
            seen.append((over.status_code, "", assert_problem(over, 422)["detail"].encode()))
            answers.append(seen)
    by_workers, by_threads = answers
    assert [a[0] for a in by_threads] == [200] * (len(by_threads) - 1) + [422]
    assert len(by_threads) > 20
    for answer, expected in zip(by_workers, by_threads, strict=True):
        assert answer == expected


def test_the_checkpoints_are_removed_when_the_server_stops(tmp_path: Path) -> None:
    server = start_app(tmp_path, store=str(tmp_path / "store"), demo=False)
    snapshots = tmp_path / ".store.query-snapshots"
    try:
        with server.client() as client:
            assert client.get("/sparql", params={"query": SMALL}).status_code == 200
        assert len(list(snapshots.iterdir())) >= 1
        assert len(worker_pids(server)) == 2  # the default
    finally:
        server.stop()
    assert not snapshots.exists()


def test_workers_exit_when_the_server_is_killed(tmp_path: Path) -> None:
    server = start_app(
        tmp_path, store=str(tmp_path / "store"), settings={"SRKB_QUERY_TIMEOUT": "60"}
    )
    try:
        workers = until(lambda: len(worker_pids(server)) == 2 and worker_pids(server), "no workers")
        with server.client(timeout=60) as client:
            # One worker busy with a runaway query (its input stays open until it reads again).
            thread, runaway = in_background(
                lambda: client.get("/sparql", params={"query": RUNAWAY})
            )
            time.sleep(0.5)
            server.process.kill()
            server.process.wait(timeout=15)
            thread.join(timeout=30)
        assert "error" in runaway, "the runaway query was answered: was it running at all?"
        until(
            lambda: not any(alive(pid) for pid in workers),
            "query workers outlived their server",
        )
    finally:
        server.stop()


# -- threads (memory store) ------------------------------------------------------------------------


def test_abandoned_queries_in_threads_are_bounded(tmp_path: Path) -> None:
    server = start_app(
        tmp_path, settings={"SRKB_QUERY_TIMEOUT": "1", "SRKB_MAX_ABANDONED_QUERIES": "2"}
    )
    try:
        with server.client(timeout=30) as client:
            assert worker_pids(server) == set()  # a memory store: no workers
            for _ in range(2):
                started = time.monotonic()
                response = client.get("/sparql", params={"query": RUNAWAY})
                assert "1 s limit and was abandoned" in assert_problem(response, 503)["detail"]
                assert 1.0 <= time.monotonic() - started < 3.0
            for query in (RUNAWAY, SMALL):
                started = time.monotonic()
                refused = client.get("/sparql", params={"query": query})
                assert "2 earlier queries" in assert_problem(refused, 503)["detail"]
                assert refused.headers["retry-after"]
                assert time.monotonic() - started < 0.5, "refused only after waiting"
            for path in ("/health", "/organisations", "/cycles", "/validation"):
                started = time.monotonic()
                assert client.get(path).status_code == 200, path
                assert time.monotonic() - started < 5.0, path
    finally:
        server.stop()
