"""The SPARQL 1.1 Protocol's logic, independent of HTTP: what to run, how long, how to answer.

The API's ``/sparql`` and ``/update`` routes are thin wrappers around :func:`run_query` and
:func:`run_update`. Policies live here, so they hold for every front end:

* ``/sparql`` is read-only: an update sent there is refused with a pointer to ``/update``.
* ``SERVICE`` (a query that makes the server fetch from the network) and ``LOAD <url>`` are refused
  unless explicitly allowed (:func:`check_query`, :func:`check_update`: pyoxigraph would execute
  both over HTTP, so every front end that runs a user's SPARQL, ``srkb query`` too, calls them).
* Every query runs with a timeout and a result-size limit; a query that hits either gets a clear
  error. Queries run in a worker thread (pyoxigraph releases the GIL while it evaluates), so other
  requests are answered meanwhile, or in a worker process (:mod:`kb.store.query_workers`) when the
  caller has one for an on-disk store.
* A thread cannot be stopped, so a query that times out in a thread runs on, abandoned. Their
  number is bounded (:class:`QueryThreads`): beyond it, queries are refused at once rather than
  queued behind threads that may never come free. Only worker processes stop a runaway query.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from kb.errors import (
    ForbiddenOperationError,
    InputError,
    NetworkAccessRefusedError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreUnavailableError,
)
from kb.namespaces import DEFAULT_UPDATE_GRAPH, PROVENANCE_GRAPH
from kb.protocol.update_guard import GuardedUpdate, guard_update
from kb.recovery import give_back_default_graph
from kb.sparql.guard import scan_sparql
from kb.sparql.results import GRAPH_TYPES, RESULT_TYPES, negotiate, serialize
from kb.sparql.text import RDFLIB_PARSER_LOCK, iri
from kb.store import QueryResult, Store
from kb.store.terms import check_update_syntax

if TYPE_CHECKING:
    from kb.store.query_workers import QueryWorkers

log = logging.getLogger(__name__)

Kind = Literal["select", "ask", "construct", "describe", "update"]
T = TypeVar("T")


#: Timed-out queries that may still run in threads before further ones are refused.
MAX_ABANDONED = 4


class QueriesBusyError(StoreUnavailableError):
    """Too many timed-out queries still hold threads: no query is started until some end."""


class QueryThreads:
    """Threads that run queries, with a bound on the abandoned ones (timed out, still running).

    There are ``max_abandoned`` + 4 threads: when ``max_abandoned`` are stuck on abandoned
    queries, further queries get :class:`QueriesBusyError` (503) at once, so the server keeps
    threads for the queries that do end and answers other routes meanwhile.
    """

    def __init__(self, max_abandoned: int = MAX_ABANDONED) -> None:
        self.max_abandoned = max_abandoned
        self._pool = ThreadPoolExecutor(
            max_workers=max_abandoned + 4, thread_name_prefix="srkb-query"
        )
        self._lock = threading.Lock()
        self._abandoned = 0

    @property
    def abandoned(self) -> int:
        """Queries that timed out and are still running."""
        return self._abandoned

    def run(self, call: Callable[[], T], timeout: float) -> T:
        """Run ``call`` in a thread; give up waiting after ``timeout`` seconds."""
        with self._lock:
            if self._abandoned >= self.max_abandoned:
                raise QueriesBusyError(
                    f"{self._abandoned} earlier queries that timed out are still running; "
                    "try again later"
                )
        future = self._pool.submit(call)
        try:
            result: T = future.result(timeout=timeout)
        except FutureTimeout as err:
            if not future.cancel():  # it runs on: count it until it ends
                with self._lock:
                    self._abandoned += 1
                future.add_done_callback(self._ended)
            raise QueryTimeoutError(
                f"the answer took longer than the {timeout:g} s limit and was abandoned",
            ) from err
        return result

    def _ended(self, _future: Future[Any]) -> None:
        with self._lock:
            self._abandoned -= 1

    def close(self) -> None:
        """Stop taking queries; abandoned ones end in their own time."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_THREADS = QueryThreads()


@dataclass(frozen=True)
class Parsed:
    """What a request text is, as far as the policies need to know."""

    kind: Kind
    uses_service: bool
    loads_url: bool
    #: A query's own dataset, ``FROM`` and ``FROM NAMED`` IRIs; None when it names none.
    dataset: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    quotes_triples: bool = False


def parse_request(text: str, *, what: str = "query") -> Parsed:
    """Measure and classify a query or update with :func:`kb.sparql.guard.scan_sparql`.

    No parser runs here: the guard refuses (:class:`QuerySyntaxError`, a 400 naming the limit)
    what would overflow the engine's stack, and classifies the rest in linear time. Syntax
    errors are then reported by the engine that runs the text, with their line and column. rdflib
    used to classify requests here, under a process-wide lock, at some 8 s of CPU per megabyte
    (a minute for 250 KB of ``&&``): one client could stall every other's queries.
    """
    shape = scan_sparql(text, what=what)
    dataset = None
    if shape.kind not in ("update",) and shape.names_dataset:
        dataset = _dataset_of(text)
    return Parsed(
        kind=shape.kind,
        uses_service=shape.uses_service,
        loads_url=shape.loads_url,
        dataset=dataset,
        quotes_triples=shape.quotes_triples,
    )


def _dataset_of(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The ``FROM``/``FROM NAMED`` IRIs of a query that names them (rdflib, only then).

    Only a query with a ``FROM`` keyword is parsed by rdflib (under its lock), and only after the
    guard has bounded its nesting and operators.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        with RDFLIB_PARSER_LOCK:
            tree = parseQuery(text)
    except ParseException as err:
        raise QuerySyntaxError(
            f"the query does not parse: {err.msg}",
            source="query",
            line=err.lineno,
            column=err.col,
        ) from err
    except RecursionError as err:
        raise QuerySyntaxError(
            "the query nests too deeply for srkb's dataset reader", source="query"
        ) from err
    return _query_dataset(tree)


def _query_dataset(tree: object) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The ``FROM`` and ``FROM NAMED`` IRIs of a parsed query (prefixed names resolved).

    srkb runs queries over the union of its graphs by passing a dataset to the store, which
    replaces the query's own; a query that names its dataset gets exactly that one instead.
    """
    from rdflib.plugins.sparql.algebra import translateQuery

    query = tree[1]  # type: ignore[index]
    if not dict.get(query, "datasetClause"):
        return None
    clauses = dict.get(translateQuery(tree).algebra, "datasetClause") or []  # type: ignore[arg-type]
    defaults = tuple(str(c["default"]) for c in clauses if dict.get(c, "default") is not None)
    named = tuple(str(c["named"]) for c in clauses if dict.get(c, "named") is not None)
    return defaults, named


def media_types_for(kind: Kind) -> tuple[str, ...]:
    """The media types a result of this kind can be served in, the default first."""
    return GRAPH_TYPES if kind in ("construct", "describe") else RESULT_TYPES


def check_query(text: str, *, allow_service: bool = False) -> Parsed:
    """The policy for a query a user sent (``/sparql``, ``srkb query``): read-only, no network.

    pyoxigraph executes ``SERVICE`` itself, over HTTP, so every path that runs a user's query
    must pass here first. Raises :class:`ForbiddenOperationError` for an update and
    :class:`NetworkAccessRefusedError` for ``SERVICE`` unless allowed.
    """
    parsed = parse_request(text, what="query")
    if parsed.kind == "update":
        raise ForbiddenOperationError(
            "this endpoint is read-only: send updates to /update with a bearer token"
        )
    if parsed.uses_service and not allow_service:
        raise NetworkAccessRefusedError(
            "SERVICE would make the server query another endpoint over the network",
            hint="it is off by default; an operator can enable it with SRKB_ALLOW_SERVICE=true",
        )
    return parsed


def check_update(text: str, *, allow_load: bool = False) -> Parsed:
    """The policy for an update a user sent (``/update``): an update, and no network.

    pyoxigraph executes ``LOAD <url>`` and ``SERVICE`` itself, over HTTP, so every path that runs
    a user's update must pass here first. ``SERVICE`` in an update is always refused.
    """
    parsed = parse_request(text, what="update")
    if parsed.kind != "update":
        raise QuerySyntaxError("this is a query, not an update: send it to /sparql")
    if parsed.loads_url and not allow_load:
        raise NetworkAccessRefusedError(
            "LOAD would make the server fetch a document from the network",
            hint="upload the data to /store instead",
        )
    if parsed.uses_service:
        raise NetworkAccessRefusedError("SERVICE inside an update would reach the network")
    if parsed.quotes_triples:
        raise InputError(
            "quoted triples (RDF-star) are not supported: srkb could store but not read them back",
            source="update",
            hint="state the triple itself, or describe it with a node of its own",
        )
    if not parsed.loads_url:  # a scratch run would fetch what an allowed LOAD names
        check_update_syntax(text)  # located by the engine, in the client's own text
    return parsed


def run_query(
    store: Store,
    text: str,
    *,
    accept: str | None = None,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    timeout: float = 30.0,
    limit: int | None = None,
    allow_service: bool = False,
    threads: QueryThreads | None = None,
    workers: QueryWorkers | None = None,
    base: str | None = None,
) -> tuple[str, bytes]:
    """Run a read-only protocol query and serialise it for the client's ``Accept`` header.

    The dataset is the protocol's (``default_graphs``, ``named_graphs``) when given, else the
    query's own ``FROM``/``FROM NAMED``, else the union of every graph, inferences included.
    Relative IRIs resolve against ``base`` (the endpoint's URL). The query runs in ``workers``
    (processes, stopped at the timeout) when given, else in ``threads`` (default: this module's).
    """
    parsed = check_query(text, allow_service=allow_service)
    media_type = negotiate(accept, media_types_for(parsed.kind))
    dataset = (default_graphs or None, named_graphs or None)
    defaults = dataset[0] if any(dataset) else None
    named = dataset[1] if any(dataset) else None
    if not any(dataset) and parsed.dataset is not None:
        defaults, named = list(parsed.dataset[0]), list(parsed.dataset[1])
    text = with_base(text, base)
    try:
        if workers is not None:
            result = workers.query(
                text, default_graphs=defaults, named_graphs=named, limit=limit, timeout=timeout
            )
        else:
            result = (threads or _THREADS).run(
                lambda: store.query(text, default_graphs=defaults, named_graphs=named, limit=limit),
                timeout,
            )
    except QuerySyntaxError as err:
        # The engine locates errors in the text it ran: the client's is one line shorter.
        if base is None or err.line is None or err.line < 2:
            raise
        raise QuerySyntaxError(
            err.reason.replace(f"at {err.line}:", f"at {err.line - 1}:", 1),
            source=err.source,
            line=err.line - 1,
            column=err.column,
            hint=err.hint,
        ) from err
    return media_type, serialize(result, media_type)


def with_base(text: str, base: str | None) -> str:
    """``text`` with a ``BASE`` declaration first, so relative IRIs resolve against ``base``.

    A ``BASE`` of the text's own comes later and wins (it may itself be relative to ``base``).

    >>> print(with_base("ASK { <s> ?p ?o }", "http://127.0.0.1:8000/sparql"))
    BASE <http://127.0.0.1:8000/sparql>
    ASK { <s> ?p ?o }
    """
    return text if base is None else f"BASE {iri(base)}\n{text}"


def prepare_update(
    text: str,
    *,
    base: str | None = None,
    using_graphs: Sequence[str] = (),
    using_named_graphs: Sequence[str] = (),
    allow_load: bool = False,
) -> GuardedUpdate:
    """Check an update before anything is written: policy, syntax, and srkb's own graphs.

    Raises the errors of :func:`check_update` and :func:`kb.protocol.update_guard.guard_update`
    (403 for a write to srkb's graphs, 400 for a dataset conflict).
    """
    check_update(text, allow_load=allow_load)
    return guard_update(
        text, base=base, using_graphs=using_graphs, using_named_graphs=using_named_graphs
    )


#: After an update, provenance records of graphs that no longer hold anything go too.
_PRUNE_PROVENANCE = (
    f"DELETE {{ GRAPH {iri(PROVENANCE_GRAPH)} {{ ?g ?p ?o }} }} "
    f"WHERE {{ GRAPH {iri(PROVENANCE_GRAPH)} {{ ?g ?p ?o }} "
    "FILTER NOT EXISTS { GRAPH ?g { ?s ?x ?y } } }"
)


def run_update(store: Store, update: str | GuardedUpdate, *, allow_load: bool = False) -> None:
    """Run a protocol update (the caller has checked the write permission).

    ``update`` is the text (checked here) or what :func:`prepare_update` made of it. Triples the
    update writes to (or deletes from) the default graph are those of
    :data:`DEFAULT_UPDATE_GRAPH`, the graph the Graph Store's ``?default`` writes to.
    ``ALL``/``NAMED`` are spelled out over the user's graphs as they are now, so the caller holds
    the write lock (:meth:`kb.knowledge_base.KnowledgeBase.write`).
    """
    guarded = (
        update
        if isinstance(update, GuardedUpdate)
        else prepare_update(update, allow_load=allow_load)
    )
    text = guarded.text_for(store.graphs())
    # The update's default graph is DEFAULT_UPDATE_GRAPH: lend it to the store's default graph for
    # the update, then move it back, so inference (which reads named graphs) sees what was written.
    # A process killed in between leaves it there, and restore_default_graph() puts it back.
    graph = iri(DEFAULT_UPDATE_GRAPH)
    store.update(f"ADD SILENT GRAPH {graph} TO DEFAULT ; DROP SILENT GRAPH {graph}")
    try:
        store.update(text)
    finally:
        store.update(f"{give_back_default_graph()} ;\n{_PRUNE_PROVENANCE}")


def run_once(store: Store, text: str, *, timeout: float, memory_mib: int = 0) -> QueryResult:
    """Run one user query for a process that asks once (``srkb query``), with the service's limits.

    On an embedded on-disk store the query runs in a worker process, stopped at ``timeout`` or at
    ``memory_mib`` of data memory, as ``/sparql``'s are; elsewhere in a daemon thread given up at
    ``timeout`` (the process then exits, and the thread with it). A remote store's own HTTP
    timeout applies too.
    """
    workers = store.open_query_workers(1, memory_mib * 1024 * 1024)
    if workers is not None:
        try:
            return workers.query(
                text, default_graphs=None, named_graphs=None, limit=None, timeout=timeout
            )
        finally:
            workers.close()
    outcome: list[QueryResult | BaseException] = []

    def answer() -> None:
        try:
            outcome.append(store.query(text))
        except BaseException as err:  # handed to the caller below
            outcome.append(err)

    thread = threading.Thread(target=answer, name="srkb-query-once", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise QueryTimeoutError(f"the query took longer than the {timeout:g} s limit")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def open_workers(store: Store, size: int, memory_mib: int = 0) -> QueryWorkers | None:
    """Killable query processes for ``/sparql`` when the store offers them, else None (threads)."""
    if size <= 0 or not store.capabilities.query_workers:
        return None
    return store.open_query_workers(size, memory_mib * 1024 * 1024)
