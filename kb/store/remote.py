"""Remote backend: any SPARQL 1.1 Query/Update endpoint, through SPARQLWrapper.

This is how srkb runs on an existing triplestore (Fuseki, GraphDB, Virtuoso, an Oxigraph server,
Neptune...) when the data outgrows one machine. Requests are form-encoded POSTs (Virtuoso hangs
on raw ``application/sparql-query`` bodies) with a timeout. Queries are retried on connection
errors, broken answers and 5xx answers, since they change nothing; updates are sent once, because
a retried update that had in fact been applied could apply twice. A query that timed out is not
retried either: it would most likely time out again, and the caller would wait several timeouts.

Failures are told apart because a client acts differently on each: the endpoint cannot be reached
or says it is unavailable (:class:`~kb.errors.StoreUnavailableError`: try again later), it did not
answer in time (:class:`~kb.errors.QueryTimeoutError`), or it answered something srkb cannot use,
such as a proxy's HTML page, a cut-off body or not HTTP at all (:class:`EndpointAnswerError`: a
configuration or endpoint problem that waiting may not fix).

A SPARQL 1.1 endpoint applies each update request atomically (Oxigraph, Fuseki and GraphDB do),
but nothing spans two requests. Writes that take several updates are therefore collected with
:meth:`RemoteStore.atomic` and sent as one request, so the endpoint dying between them cannot
leave half of them applied.

The union default graph is requested with one ``default-graph-uri`` (and ``named-graph-uri``) per
named graph (SPARQL 1.1 Protocol), so it does not depend on a server option. The graphs are srkb's:
an endpoint's own graphs (Virtuoso's schemas, for one) and the staging graphs of a load under way
are never part of the dataset, and every request names its dataset explicitly.

Endpoints differ; :mod:`kb.store.dialect` holds every difference (blank nodes go out as skolem
IRIs and come back as blank nodes, the endpoint's system graphs, where updates go, what the
endpoint cannot evaluate), and :mod:`kb.store.staging` cuts large loads into chunks that are moved
into place by one final request. The dialect is read from the first answer's ``Server`` header
and what it cannot do is logged once. Without an explicit update URL, ``.../update`` is tried
first and the query URL next (Virtuoso takes updates there): a 404 or 405 answer means the
request was not applied, so it is sent again to the next candidate.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
import time
import urllib.error
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import replace
from typing import IO, TYPE_CHECKING, Any, TypeVar

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Identifier
from SPARQLWrapper import INSERT, POST, SELECT, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
)

from kb.errors import (
    EndpointAnswerError,
    InputError,
    QuerySyntaxError,
    QueryTimeoutError,
    ResultLimitError,
    SrkbError,
    StoreUnavailableError,
)
from kb.sparql.results import QueryResult, Row
from kb.sparql.text import bind_column, iri
from kb.store.dialect import (
    GENERIC,
    GENID_BASE,
    Dialect,
    detect,
    distinct_select,
    for_endpoint,
    query_form,
    unskolemize_results,
    update_url_candidates,
)
from kb.store.protocol import Capabilities
from kb.store.staging import CHUNK_BYTES, is_staging_graph, plan
from kb.store.terms import OX_FORMATS, to_oxigraph
from kb.store.update_batch import join_updates
from kb.store.wire import binding_term, graph_triples, wire_triples

if TYPE_CHECKING:
    from datetime import datetime

    from kb.store.protocol import Store
    from kb.store.query_workers import QueryWorkers
    from kb.store.source import CheckedFile, ParsedSource

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Seconds the list of named graphs is reused before it is asked for again.
GRAPHS_TTL = 2.0

#: Named as the whole dataset when srkb has no graph yet: an explicit dataset that holds nothing,
#: since the protocol cannot say "no graph" and leaving the dataset out means the endpoint's own.
EMPTY_DATASET_GRAPH = "https://w3id.org/srkb/graph/none"


class _NotAnUpdateEndpoint(Exception):  # noqa: N818 - internal signal, never leaves the module
    """The URL answered 404 or 405 to an update: nothing was applied there."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url} (HTTP {status})")
        self.url, self.status = url, status


class RemoteStore:
    """A store behind a SPARQL 1.1 endpoint."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        timeout: float | None = None,
        retries: str | int = 2,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
    ) -> None:
        self.location = query_url
        self.query_url = query_url
        # Without an explicit update URL, the candidates are tried in turn (see _send).
        self._update_urls = [update_url] if update_url else update_url_candidates(query_url)
        self._update_url_given = update_url is not None
        self.timeout = timeout or 30.0
        self.retries = int(retries)
        self._user = user
        self._password = password
        self._token = token
        self._capabilities = Capabilities(
            persistent=True, remote=True, bulk_load=False, materialise=True
        )
        self._graphs: list[str] | None = None
        self._graphs_at = 0.0
        # Bumped after every update sent: a list of graphs fetched across one is not kept.
        self._generation = 0
        self._graphs_lock = threading.Lock()
        self._local = threading.local()  # this thread's batch of updates (see atomic())
        self._dialect: Dialect | None = None

    @property
    def capabilities(self) -> Capabilities:
        """What this backend can do; what the engine evaluates is known from its first answer.

        Until then the forms every engine evaluates are chosen (``nested_values`` False).
        """
        known = self._dialect is not None and self._dialect.nested_values
        return replace(self._capabilities, nested_values=known)

    @property
    def update_url(self) -> str:
        """Where updates go: the given URL, or the first candidate that took one."""
        return self._update_urls[0]

    @property
    def dialect(self) -> Dialect:
        """What srkb knows of the endpoint, read from its first answer (asked for if none yet)."""
        if self._dialect is None:
            self._raw("ASK {}", "application/sparql-results+json", union=False)
        return self._dialect or GENERIC

    def _learn_dialect(self, server: str | None) -> None:
        if self._dialect is not None:
            return
        self._dialect = detect(server)
        if self._dialect.limitations:
            log.info(
                "%s is %s, which cannot evaluate: %s",
                self.location,
                self._dialect.name,
                "; ".join(self._dialect.limitations),
            )

    # -- plumbing ---------------------------------------------------------------------------
    def _client(
        self,
        url: str,
        text: str,
        union: bool,
        *,
        reading: bool = True,
        dataset: tuple[Sequence[str] | None, Sequence[str] | None] = (None, None),
    ) -> SPARQLWrapper:
        client = SPARQLWrapper(url)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setTimeout(int(max(1, round(self.timeout))))
        client.setQuery(for_endpoint(text))
        # SPARQLWrapper guesses query vs update from keywords and is fooled by words such as
        # "created" in comments; srkb knows which it sends, so it says so.
        if not reading:
            client.queryType = INSERT
        elif client.isSparqlUpdateRequest():
            client.queryType = SELECT
        if self._user is not None:
            client.setCredentials(self._user, self._password or "")
        if self._token is not None:
            client.addCustomHttpHeader("Authorization", f"Bearer {self._token}")
        default_graphs, named_graphs = dataset
        if default_graphs is not None or named_graphs is not None:
            for graph in default_graphs or []:
                client.addDefaultGraph(graph)
            for graph in named_graphs or []:
                client.addNamedGraph(graph)
        elif union:
            # The protocol's dataset then holds only what is named: name every graph twice, as
            # part of the default graph and as a named graph, so GRAPH clauses still work.
            for graph in self.graphs() or [EMPTY_DATASET_GRAPH]:
                client.addDefaultGraph(graph)
                client.addNamedGraph(graph)
        return client

    def _call(self, action: Callable[[], T], *, what: str, retry: bool) -> T:
        """Run one request, retrying it (if ``retry``) on failures that may pass; map the errors."""
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(1, attempts + 1):
            try:
                return action()
            except QueryBadFormed as err:
                raise QuerySyntaxError(
                    f"the endpoint rejected the {what}: {_short(err)}", source=self.location
                ) from err
            except TimeoutError as err:
                raise self._timeout(what) from err
            except urllib.error.HTTPError as err:
                if err.code in (401, 403):
                    raise EndpointAnswerError(
                        f"the endpoint {self.location} refused the credentials (HTTP {err.code})"
                    ) from err
                if attempt == attempts or err.code < 500:
                    message = f"the endpoint {self.location} answered HTTP {err.code} to the {what}"
                    if err.code in (502, 503, 504):  # the endpoint, or a proxy, says it is down
                        raise StoreUnavailableError(message) from err
                    raise EndpointAnswerError(message) from err
            except EndPointInternalError as err:  # reached, but the request failed there
                if attempt == attempts:
                    raise EndpointAnswerError(
                        f"the endpoint {self.location} failed the {what}: {_short(err)}"
                    ) from err
            except (urllib.error.URLError, ConnectionError) as err:
                reason = getattr(err, "reason", err)
                if isinstance(reason, TimeoutError | socket.timeout):
                    raise self._timeout(what) from err
                if attempt == attempts:
                    raise StoreUnavailableError(
                        f"cannot reach the SPARQL endpoint {self.location}: {reason}"
                        + self._outcome(what, reason)
                    ) from err
            except http.client.HTTPException as err:  # not HTTP, or a body cut short
                if attempt == attempts:
                    raise EndpointAnswerError(
                        f"the endpoint {self.location} sent a broken answer to the {what} "
                        f"({type(err).__name__}: {_short(err)[:200]})" + self._outcome(what, err)
                    ) from err
            except SPARQLWrapperException as err:
                raise EndpointAnswerError(
                    f"the endpoint {self.location} failed the {what}: {_short(err)}"
                ) from err
            delay = 0.2 * 2 ** (attempt - 1)
            log.warning("retrying %s at %s in %.1f s", what, self.location, delay)
            time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _timeout(self, what: str) -> QueryTimeoutError:
        return QueryTimeoutError(
            f"the {what} took longer than {self.timeout:g} s at {self.location}"
            + self._outcome(what, TimeoutError())
        )

    @staticmethod
    def _outcome(what: str, reason: object) -> str:
        """For an update whose request may have reached the endpoint: say it may be applied."""
        if what != "update" or isinstance(reason, ConnectionRefusedError | socket.gaierror):
            return ""
        return "; the endpoint may or may not have applied the update"

    def _raw(
        self,
        text: str,
        accept: str,
        union: bool,
        dataset: tuple[Sequence[str] | None, Sequence[str] | None] = (None, None),
    ) -> tuple[str, bytes]:
        def run() -> tuple[str, bytes]:
            client = self._client(self.query_url, text, union, dataset=dataset)
            client.addCustomHttpHeader("Accept", accept)
            client.setOnlyConneg(True)
            with closing(client.query().response) as response:
                self._learn_dialect(response.headers.get("Server"))
                cut = response.headers.get("X-SPARQL-MaxRows")
                if cut is not None:
                    raise self._cut(cut)
                content_type = str(response.headers.get("Content-Type", accept)).split(";")[0]
                return content_type, bytes(response.read())

        return self._call(run, what="query", retry=True)

    def _cut(self, rows: object) -> EndpointAnswerError:
        """The endpoint returned part of an answer: srkb would compute with missing data."""
        return EndpointAnswerError(
            f"the endpoint {self.location} cut its answer at {rows} rows (Virtuoso: "
            "ResultSetMaxRows in the [SPARQL] section of virtuoso.ini); raise that limit above "
            "the size of srkb's graphs"
        )

    def _construct_graph(self, graph: str) -> list[ox.Triple]:
        """The triples of one graph (skolem IRIs back as blank nodes), checked complete.

        Virtuoso cuts a CONSTRUCT at ResultSetMaxRows without saying so (a SELECT it marks
        with ``X-SPARQL-MaxRows``), so the triples received are counted against the graph.
        """
        content_type, body = self._raw(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }}",
            "application/n-triples",
            union=False,
        )
        rdf_format = ox.RdfFormat.from_media_type(content_type) or ox.RdfFormat.N_TRIPLES
        try:
            triples = wire_triples(body, rdf_format)
        except (ValueError, SyntaxError) as err:
            raise self._garbage(content_type, err) from err
        if len(triples) < self.count(graph):
            raise self._cut(len(triples))
        return triples

    def _garbage(self, content_type: str, err: Exception) -> EndpointAnswerError:
        """The endpoint answered, but not with SPARQL results: a wrong URL, a proxy's page..."""
        return EndpointAnswerError(
            f"the endpoint {self.location} answered with {content_type} that is not SPARQL "
            f"results ({err}); check that the URL is a SPARQL query endpoint"
        )

    def _json_results(self, content_type: str, body: bytes) -> dict[str, Any]:
        """Decode SPARQL JSON results, checking the shape that the readers rely on."""
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not (
                "boolean" in data
                or (
                    isinstance(data["head"]["vars"], list)
                    and isinstance(data["results"]["bindings"], list)
                )
            ):
                raise ValueError("neither a boolean nor head.vars and results.bindings")
        except (ValueError, KeyError, TypeError) as err:
            raise self._garbage(content_type, err) from err
        return data

    # -- reading ----------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> QueryResult:
        """Run a query; SELECT/ASK as SPARQL JSON results, graphs as N-Triples."""
        form = query_form(sparql)
        accept = (
            "application/sparql-results+json"
            if form in ("select", "ask")
            else "application/n-triples"
        )
        dataset = (default_graphs, named_graphs)
        content_type, body = self._raw(sparql, accept, union_default_graph, dataset)
        if content_type == "application/sparql-results+json":
            data = self._json_results(content_type, body)
            if "boolean" in data:
                return QueryResult(kind="ask", boolean=bool(data["boolean"]))
            if form == "ask":  # Virtuoso answers ASK with one row of one integer, 1 or 0
                bindings = data["results"]["bindings"]
                values = [v["value"] for b in bindings[:1] for v in b.values()]
                return QueryResult(kind="ask", boolean=values[:1] not in ([], ["0"], ["false"]))
            variables = tuple(data["head"]["vars"])
            if limit is not None and len(data["results"]["bindings"]) > limit:
                raise ResultLimitError(f"the query returns more than {limit} rows")
            rows: list[Row] = [
                tuple(binding_term(b[v]) if v in b else None for v in variables)
                for b in data["results"]["bindings"]
            ]
            if not self.dialect.distinct_drops_repeats and distinct_select(sparql):
                rows = list(dict.fromkeys(rows))  # the first of each, in the endpoint's order
            return QueryResult(kind="select", variables=variables, rows=tuple(rows))
        try:
            if ox.RdfFormat.from_media_type(content_type) is None:
                raise ValueError("neither SPARQL JSON results nor an RDF format")
            triples = graph_triples(body, content_type)
        except (ValueError, SyntaxError) as err:
            raise self._garbage(content_type, err) from err
        if limit is not None and len(triples) > limit:
            raise ResultLimitError(f"the query returns more than {limit} triples")
        return QueryResult(kind="graph", triples=tuple(triples))

    def query_serialized(
        self, sparql: str, media_type: str, *, union_default_graph: bool = True
    ) -> tuple[str, bytes]:
        """Ask the endpoint for the serialisation, with skolem IRIs written as blank nodes again."""
        content_type, body = self._raw(sparql, media_type, union_default_graph)
        if GENID_BASE.encode() not in body:
            return content_type, body
        rdf_format = ox.RdfFormat.from_media_type(content_type)
        if rdf_format is None or rdf_format in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
            return content_type, unskolemize_results(body, content_type)
        triples = wire_triples(body, rdf_format)
        return content_type, bytes(ox.serialize(triples, format=rdf_format) or b"")

    def graphs(self) -> list[str]:
        """Named graphs of the endpoint that srkb reads: not the endpoint's own, not staging.

        Cached for :data:`GRAPHS_TTL` seconds and dropped on this client's own writes, so that
        union queries see graphs other writers add within that time. Thread-safe: a list that
        another thread fetched while this client's update was being applied is not cached.
        """
        with self._graphs_lock:
            cached, generation = self._graphs, self._generation
            if cached is not None and time.monotonic() - self._graphs_at <= GRAPHS_TTL:
                return list(cached)
        _type, body = self._raw(
            # GROUP BY, not DISTINCT: the same graphs, but Virtuoso 7.2 answers DISTINCT by
            # scanning every quad (132 s at 100k triples) and GROUP BY from its index (40 ms).
            "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            "application/sparql-results+json",
            union=False,
        )
        data = self._json_results(_type, body)
        dialect = self._dialect or GENERIC
        graphs = sorted(
            g
            for b in data["results"]["bindings"]
            if not dialect.is_system_graph(g := b["g"]["value"]) and not is_staging_graph(g)
        )
        with self._graphs_lock:
            # A reader's list fetched while an update was applied may predate it: kept, it would
            # hide a new graph from the writer's own inference for GRAPHS_TTL seconds.
            if self._generation == generation:
                self._graphs, self._graphs_at = graphs, time.monotonic()
        return list(graphs)

    def count(self, graph: str | None = None) -> int:
        """Count triples of a graph, or quads in all named graphs."""
        graphs = [graph] if graph else self.graphs()
        if not graphs:
            return 0
        result = self.query(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            default_graphs=[],
            named_graphs=graphs,
        )
        value = result.rows[0][0]
        return int(str(value)) if value is not None else 0

    def dump(self, fmt: str, *, graph: str | None = None) -> bytes:
        """Serialise a graph or the whole dataset, converting with Oxigraph's writers."""
        rdf_format = OX_FORMATS[fmt]
        if graph is None:
            if not rdf_format.supports_datasets:
                raise InputError(
                    f"the whole store holds several named graphs; {fmt} cannot name graphs",
                    hint="choose trig or nq, or export one graph",
                )
            text = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
            graphs = self.graphs()
            if not graphs:
                return bytes(ox.serialize([], format=rdf_format) or b"")
            result = self.query(text, default_graphs=[], named_graphs=graphs)

            quads = [
                ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.NamedNode(str(g)))  # type: ignore[arg-type]
                for s, p, o, g in result.rows
                if s is not None and p is not None and o is not None and g is not None
            ]
            return bytes(ox.serialize(quads, format=rdf_format) or b"")
        triples = self._construct_graph(graph)
        return bytes(ox.serialize(triples, format=rdf_format) or b"")

    def dump_to(self, output: IO[bytes], fmt: str, *, graph: str | None = None) -> None:
        """:meth:`dump` into ``output``, received whole and then written.

        Not streamed through: the triples are checked complete and converted before they are
        passed on; each request to the endpoint is under the store's timeout.
        """
        output.write(self.dump(fmt, graph=graph))

    def dump_graphs_to(
        self, output: IO[bytes], fmt: str, graphs: Sequence[str], *, merged: bool = False
    ) -> None:
        """:meth:`dump_graphs` into ``output`` (received whole, as :meth:`dump_to`)."""
        output.write(self.dump_graphs(fmt, graphs, merged=merged))

    def dump_graphs(self, fmt: str, graphs: Sequence[str], *, merged: bool = False) -> bytes:
        """Serialise several graphs, fetched with one SELECT and written by Oxigraph's writers."""
        rdf_format = OX_FORMATS[fmt]
        text = bind_column(
            "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "g", [URIRef(g) for g in graphs]
        )
        rows = self.query(text, union_default_graph=False).rows
        if rdf_format.supports_datasets and not merged:
            quads = [
                ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), to_oxigraph(g))  # type: ignore[arg-type]
                for s, p, o, g in rows
                if s is not None and p is not None and o is not None and g is not None
            ]
            return bytes(ox.serialize(quads, format=rdf_format) or b"")
        triples = [
            ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
            for s, p, o, _g in rows
            if s is not None and p is not None and o is not None
        ]
        return bytes(ox.serialize(triples, format=rdf_format) or b"")

    # -- writing ----------------------------------------------------------------------------
    def update(self, sparql: str) -> None:
        """Send one update request (not retried: it may have been applied).

        Inside :meth:`atomic` (on the same thread) the update is kept for the block's request.
        """
        batch: list[str] | None = getattr(self._local, "batch", None)
        if batch is not None:
            batch.append(sparql)
            return
        self._send(sparql)

    def _send(self, sparql: str) -> None:
        def run(url: str) -> None:
            client = self._client(url, sparql, union=False, reading=False)
            try:
                with closing(client.query().response) as response:
                    self._learn_dialect(response.headers.get("Server"))
                    response.read()
            except EndPointNotFound as err:
                raise _NotAnUpdateEndpoint(url, 404) from err
            except urllib.error.HTTPError as err:
                if err.code in (404, 405):
                    raise _NotAnUpdateEndpoint(url, err.code) from err
                raise

        refused: list[_NotAnUpdateEndpoint] = []
        try:
            for url in list(self._update_urls):
                try:
                    self._call(lambda url=url: run(url), what="update", retry=False)  # type: ignore[misc]
                except _NotAnUpdateEndpoint as err:  # not applied there: try the next URL
                    refused.append(err)
                    continue
                if refused and not self._update_url_given:
                    self._update_urls = [url]  # found: later updates go straight there
                return
        finally:  # applied, or perhaps applied: forget the graphs, and any list being fetched
            with self._graphs_lock:
                self._generation += 1
                self._graphs = None
        tried = " or ".join(str(err) for err in refused)
        raise EndpointAnswerError(
            f"no SPARQL Update endpoint at {tried}; nothing was changed. Give the endpoint's "
            "update URL with --update-url (SRKB_UPDATE_URL)"
        )

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Send this thread's updates of the block as one request when the block ends.

        The endpoint applies one request atomically, so the block's updates are applied all or
        none, wherever the endpoint or the connection fails; if the block raises, none is sent.
        Queries in the block are sent at once and see the store as it was before the block.
        Blocks nest into the outermost one; other threads' updates are not collected.
        """
        if getattr(self._local, "batch", None) is not None:
            yield
            return
        batch: list[str] = []
        self._local.batch = batch
        try:
            yield
        finally:
            self._local.batch = None
        if batch:
            self._send(join_updates(batch))

    # -- abilities this backend does not have (see ``capabilities``) ------------------------------
    def bulk_load_files(self, files: Sequence[CheckedFile], *, when: datetime) -> None:
        """Not offered: an endpoint's bulk loader is its own (``capabilities.bulk_load``)."""
        raise NotImplementedError("a remote store has no bulk loader; use load()")

    def commit_bulk_load(self) -> None:
        """Nothing to complete: no bulk load runs here."""

    def abort_bulk_load(self) -> None:
        """Nothing to undo: no bulk load runs here."""

    def materialise(
        self, read_graphs: Sequence[str], target: str, fixpoint: Callable[[Store], int]
    ) -> tuple[int, int]:
        """Run ``fixpoint`` on a local memory copy of ``read_graphs``; replace ``target`` with it.

        Few, large requests instead of two per rule and pass: one CONSTRUCT per graph read (as
        N-Triples, srkb's skolem IRIs back as blank nodes), the rules to their fixpoint in a
        scratch pyoxigraph store as on the embedded backend, and the derived triples that no
        read graph asserts written to ``target`` by :meth:`load` with ``replace_graphs``: one
        request, or chunks staged and moved into place by one final request, so readers see the
        old inferred graph or the new one. At 100k triples on Virtuoso this took the remote run
        from minutes of requests down to a few seconds (see bench/). The copy costs memory in
        this process, as the embedded store's scratch copy does.
        """
        from kb.store.oxigraph import scratch_store
        from kb.store.source import ParsedSource

        scratch = scratch_store()
        for graph in read_graphs:
            triples = self._construct_graph(graph)
            scratch.add_ntriples(bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""))
        asserted = scratch.lines()  # one writer's spelling, whatever the endpoint's
        passes = fixpoint(scratch)
        derived = scratch.lines() - asserted
        quads = [
            ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(target))
            for t in ox.parse(b"\n".join(derived), ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False)
        ]
        self.load([ParsedSource("inference", target, "nt", quads)], replace_graphs=[target])
        return len(derived), passes

    def open_query_workers(self, size: int, memory_bytes: int = 0) -> QueryWorkers | None:
        """None: queries run on the endpoint, under its own limits."""
        return None

    def load(self, sources: Sequence[ParsedSource], *, replace_graphs: Sequence[str] = ()) -> int:
        """Write all sources all-or-nothing: in one request, or staged and moved into place.

        A load larger than :data:`kb.store.staging.CHUNK_BYTES` is sent in chunks to hidden
        staging graphs, then moved into place by one final request (see :mod:`kb.store.staging`);
        if a chunk fails, the staging graphs are dropped and the error raised. Progress is logged,
        and given to :attr:`progress` if set. Inside :meth:`atomic`, the chunks go out at once
        (nothing a reader sees changes) and the final request joins the block's request.
        """
        staged = plan(sources, replace_graphs, chunk_bytes=self.chunk_bytes)
        done = 0
        try:
            for chunk, count in zip(staged.chunks, staged.triples, strict=True):
                self._send(chunk)
                done += count
                log.info("staged %d of %d triples at %s", done, staged.total, self.location)
                if self.progress is not None:
                    self.progress(done, staged.total)
        except BaseException:
            if staged.abort:
                try:
                    self._send(staged.abort)
                except SrkbError:
                    log.warning("could not drop the staging graphs of a failed load")
            raise
        if staged.final:
            self.update(staged.final)
        return sum(len(s) for s in sources)

    #: Called with (triples sent, triples in all) after each chunk of a staged load.
    progress: Callable[[int, int], None] | None = None
    #: Bytes of N-Triples per request of a staged load.
    chunk_bytes: int = CHUNK_BYTES

    def replace_graph(self, graph: str, triples: Iterable[tuple[Identifier, ...]]) -> int:
        """Drop and refill one graph in one update request (blank nodes as skolem IRIs)."""
        from kb.store.source import ParsedSource

        target = ox.NamedNode(graph)
        quads = [
            ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), target)  # type: ignore[arg-type]
            for s, p, o in triples
        ]
        # one request, or staged chunks moved into place, as any load (blank nodes as skolem IRIs)
        self.load([ParsedSource(graph, graph, "nt", quads)], replace_graphs=[graph])
        return self.count(graph)

    def close(self) -> None:
        """Nothing to release: every request opens its own connection."""

    def sealed(self) -> str | None:
        """None: another program may write an endpoint at any time (no ``capabilities.seal``)."""
        return None

    def seal(self, note: str | None) -> None:
        """Nothing to leave a note with (no ``capabilities.seal``)."""


def _short(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return " ".join(text[-3:])[:500]
