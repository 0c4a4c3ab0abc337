"""Random sequences of writes with faults injected: all or nothing, and an honest status.

``srkb serve``'s app runs under uvicorn on 127.0.0.1 in this process, on a memory store wrapped so
that one store call of a write fails on demand: either the write itself (before anything is
applied) or any call of the inference, validation and history record that follow it, with the
store gone (503), a timeout (504) or an unexpected error. Random sequences of Graph Store PUT, POST
and DELETE and SPARQL ``INSERT DATA`` / ``DELETE DATA`` go over HTTP, and after each request:

* the user graphs equal a model of what was applied: the write's effect iff the status is 2xx,
  and nothing of it otherwise (a write is never half applied, nor applied and answered 5xx);
* a 2xx says ``Srkb-Refresh: pending`` exactly when a fault hit its refresh, else ``done``;

and after the last, once the pending refresh has run, the inferred graph equals a full run's.
A few sequences in ``make test``; ``-m extended`` runs sixty.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from api.main import create_app
from kb import knowledge_base
from kb.config import Settings
from kb.errors import QueryTimeoutError, StoreUnavailableError
from kb.namespaces import INFERRED_GRAPH
from kb.reasoning.inference import infer
from kb.store import Store
from tests.support.servers import free_port

#: The app runs in this process: pyLODE (the ontology page, made at start) leaves a file open.
pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed file.*pylode:ResourceWarning"),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in.*pylode:pytest.PytestUnraisableExceptionWarning"
    ),
]
TOKEN = "write-faults-token"  # noqa: S105 - a test token
CAMPUS = "https://example.org/campus#"
SRKB = "https://w3id.org/srkb#"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
GRAPHS = [f"https://example.org/graph/w{i}" for i in range(3)]
#: Triples the writes draw from: new consumers of campus services (roles to infer, findings).
POOL = [
    triple
    for k in range(3)
    for triple in (
        (f"{CAMPUS}New{k}", RDF_TYPE, f"{ORG}Organization"),
        (f"{CAMPUS}rel-new{k}", RDF_TYPE, f"{SRKB}ServiceRelationship"),
        (f"{CAMPUS}rel-new{k}", f"{SRKB}hasProvider", f"{CAMPUS}{('IT', 'Facilities', 'New0')[k]}"),
        (f"{CAMPUS}rel-new{k}", f"{SRKB}hasConsumer", f"{CAMPUS}New{k}"),
        (f"{CAMPUS}rel-new{k}", f"{SRKB}concernsService", f"{CAMPUS}WorkplaceIT"),
    )
]
#: Most store calls a refresh makes here is about this many; a fault numbered beyond the calls
#: a write makes never fires (the write is then answered ``done``).
REFRESH_CALLS = 60
ERRORS: dict[str, Callable[[], Exception]] = {
    "unavailable": lambda: StoreUnavailableError("injected: the store went away"),
    "timeout": lambda: QueryTimeoutError("injected: the store took too long"),
    "bug": lambda: RuntimeError("injected: an unexpected error"),
}
Triple = tuple[str, str, str]
Model = dict[str, frozenset[Triple]]


class FaultyStore:
    """A store whose ``n``-th call after the write, or the write itself, raises once on demand."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self.fault: tuple[str, int, str] | None = None  # (when, n, error)
        self.fired = False
        self.after_write = False
        self.calls = 0

    def arm(self, fault: tuple[str, int, str] | None) -> None:
        with self._lock:
            self.fault, self.fired, self.after_write, self.calls = fault, False, False, 0

    def hit(self, when: str) -> None:
        """Raise the armed error if this is its moment (one shot)."""
        with self._lock:
            fault = self.fault
            if fault is None or fault[0] != when:
                return
            if when == "after":
                self.calls += 1
                if self.calls != fault[1]:
                    return
            self.fault, self.fired = None, True
        raise ERRORS[fault[2]]()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if name not in ("query", "update", "load", "dump", "graphs") or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.after_write:
                self.hit("after")
            return attribute(*args, **kwargs)

        return call


@dataclass
class Service:
    client: httpx.Client
    store: FaultyStore


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    """The app over HTTP on a faulty memory store with the campus demo; writes fail on demand."""
    stores: list[FaultyStore] = []
    real_open, real_apply = knowledge_base.open_store, knowledge_base.apply_write

    def open_faulty(spec: str, **options: Any) -> Any:
        stores.append(FaultyStore(real_open(spec, **options)))
        return stores[-1]

    def apply_with_faults(store: Any, change: Callable[[], Any]) -> Any:
        if isinstance(store, FaultyStore):
            store.hit("before")  # nothing applied yet
            result = real_apply(store, change)
            store.after_write = True  # applied: from here on a fault hits the refresh
            return result
        return real_apply(store, change)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(knowledge_base, "open_store", open_faulty)
        patch.setattr(knowledge_base, "apply_write", apply_with_faults)
        patch.setattr(knowledge_base, "RETRY_FIRST", 600.0)  # the next write settles instead
        config = Settings(store="memory", demo=True, api_token=SecretStr(TOKEN), query_workers=0)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="critical")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive(), "the app did not start"
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.05)
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=60,
            ) as client:
                yield Service(client, stores[0])
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def user_graphs(store: FaultyStore) -> Model:
    """What the store holds in the graphs the writes touch (read past the faults)."""
    model: Model = {}
    for graph in GRAPHS:
        result = store.inner.query(
            f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
            union_default_graph=False,
        )
        model[graph] = frozenset((str(s), str(p), str(o)) for s, p, o in result.rows)
    return model


def nt(triples: frozenset[Triple]) -> str:
    return "".join(f"<{s}> <{p}> <{o}> .\n" for s, p, o in sorted(triples))


def send(client: httpx.Client, op: str, graph: str, triples: frozenset[Triple]) -> httpx.Response:
    body = nt(triples)
    if op in ("put", "post"):
        headers = {"Content-Type": "application/n-triples"}
        return client.request(
            op.upper(), "/store", params={"graph": graph}, content=body, headers=headers
        )
    if op == "drop":
        return client.delete("/store", params={"graph": graph})
    verb = "INSERT" if op == "insert" else "DELETE"
    update = f"{verb} DATA {{ GRAPH <{graph}> {{ {body} }} }}"
    return client.post(
        "/update", content=update, headers={"Content-Type": "application/sparql-update"}
    )


def applied(model: Model, op: str, graph: str, triples: frozenset[Triple]) -> Model:
    """The model after the write, had it been applied."""
    after = dict(model)
    if op == "put":
        after[graph] = triples
    elif op in ("post", "insert"):
        after[graph] = model[graph] | triples
    elif op == "delete":
        after[graph] = model[graph] - triples
    else:  # drop
        after[graph] = frozenset()
    return after


def inferred(store: FaultyStore) -> set[Triple]:
    result = store.inner.query(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}",
        union_default_graph=False,
    )
    return {(str(s), str(p), str(o)) for s, p, o in result.rows if str(s) != INFERRED_GRAPH}


faults = st.one_of(
    st.none(),
    # Before the write, the store's own errors (an unexpected one is a 500 as anywhere else).
    st.tuples(st.just("before"), st.just(1), st.sampled_from(["timeout", "unavailable"])),
    st.tuples(st.just("after"), st.integers(1, REFRESH_CALLS), st.sampled_from(sorted(ERRORS))),
)


def steps(most: int) -> st.SearchStrategy[list[Any]]:
    """Sequences of up to ``most`` writes: (operation, graph, triples, fault or None)."""
    return st.lists(
        st.tuples(
            st.sampled_from(["put", "post", "drop", "insert", "delete"]),
            st.sampled_from(GRAPHS),
            st.frozensets(st.sampled_from(POOL), max_size=6),
            faults,
        ),
        min_size=1,
        max_size=most,
    )


def check_sequence(service: Service, sequence: list[Any]) -> None:
    client, store = service.client, service.store
    for op, graph, triples, fault in sequence:
        before = user_graphs(store)
        after = applied(before, op, graph, triples)
        store.arm(fault)
        response = send(client, op, graph, triples)
        fired = store.fired
        store.arm(None)
        now = user_graphs(store)
        step = (op, graph, len(triples), fault, response.status_code, response.text[:300])
        if response.is_success:
            assert now == after, f"answered {response.status_code} but not applied: {step}"
            expected = "pending" if fired else "done"
            assert response.headers.get("srkb-refresh") == expected, step
        else:
            assert now == before, f"answered {response.status_code} but applied: {step}"
            if response.status_code == 404:  # DELETE of a graph that does not exist
                assert op == "drop", step
                assert not before[graph], step
                assert not fired, step
            else:
                assert fired, step
                assert fault is not None, step
                assert fault[0] == "before", step
                statuses = {"unavailable": {503}, "timeout": {503, 504}}[fault[2]]
                assert response.status_code in statuses, step
    # The next read runs any refresh still pending; then inferences equal a full run's.
    report = client.get("/validation", headers={"Accept": "application/json"})
    assert report.status_code == 200, report.text
    kept = inferred(store)
    infer(store.inner)
    assert kept == inferred(store)


SETTINGS = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a served KB is slow
)


@settings(max_examples=4, **SETTINGS)  # type: ignore[arg-type]
@given(sequence=steps(4))
def test_random_writes_with_faults_are_all_or_nothing_with_an_honest_status(
    service: Service, sequence: list[Any]
) -> None:
    check_sequence(service, sequence)


@pytest.mark.extended
@settings(max_examples=60, **SETTINGS)  # type: ignore[arg-type]
@given(sequence=steps(8))
def test_more_random_writes_with_faults(service: Service, sequence: list[Any]) -> None:
    check_sequence(service, sequence)
