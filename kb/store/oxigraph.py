"""Embedded Oxigraph backend: in memory for tests and one-shot runs, on disk by default.

pyoxigraph applies each ``update``, ``load`` and ``extend`` call as one transaction, which is what
the :class:`~kb.store.Store` atomicity promise rests on. The on-disk store survives restarts and
reopens in a fraction of a second.
"""

from __future__ import annotations

import io
import json
import logging
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Identifier

from kb.errors import InputError, ResultLimitError, StoreBusyError, StoreUnavailableError
from kb.namespaces import GRAPH_BASE
from kb.sparql.results import QueryResult, Row
from kb.sparql.rewrite import brace_depths, mask
from kb.sparql.text import insert_data, iri
from kb.store.protocol import Capabilities, Store
from kb.store.seal import read_seal, write_seal
from kb.store.source import (
    CheckedFile,
    ParsedSource,
    insert_data_request,
    with_provenance,
)
from kb.store.terms import OX_FORMATS, OxTerm, syntax_error, to_rdflib

if TYPE_CHECKING:
    from kb.store.query_workers import QueryWorkers

log = logging.getLogger(__name__)

_NT = ox.RdfFormat.N_TRIPLES

#: Asserted triples above which :meth:`OxigraphStore.materialise` runs the rules in a scratch store
#: on disk (about 5x slower at 100k). In memory the scratch store costs some 600 bytes a triple,
#: and on generated ecosystems the rules add 0.6 triples to every asserted one: at 1M the whole
#: run peaks at 1.7 GiB; at 12M (85,000 organisations) the memory scratch passed 8 GiB.
SCRATCH_IN_MEMORY_MAX = 4_000_000

#: Asserted triples up to which :meth:`OxigraphStore.materialise` keeps the ones it copied into
#: the memory scratch store, to take them out again after the rules without reading the disk
#: store a second time: at 1M that takes 0.7 s instead of 6.5 s, and the list costs ~480 bytes a
#: triple (462 MiB at 1M) on top of the run's ~1.3 GiB.
KEEP_ASSERTED_MAX = 2_000_000

#: Triples a transaction of :meth:`OxigraphStore.materialise` writes at most: a first run at ten
#: million triples would otherwise hold all its additions in one transaction.
WRITE_CHUNK = 100_000
#: A write to the on-disk store of this many quads (or of an update request of this many bytes)
#: is flushed out of RocksDB's memory table straight away (see :meth:`OxigraphStore._settle`).
SETTLE_QUADS = 20_000
SETTLE_BYTES = 1 << 20
#: A full inference that writes this many quads, or an update request of this many bytes (a
#: whole validation report: 5 MB at 1M), compacts the store afterwards (see
#: :meth:`OxigraphStore._compact_after`).
COMPACT_QUADS = 2_000_000
COMPACT_BYTES = 4 << 20


_VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

#: The graphs a bulk load is creating, written before it starts and removed by the transaction that
#: completes it (see :meth:`OxigraphStore.bulk_load_files`): a store that opens with a journal was
#: killed during a bulk load, and drops those graphs to be as before it.
BULK_JOURNAL_GRAPH = GRAPH_BASE + "bulk-load-journal"
_JOURNAL = ox.NamedNode(BULK_JOURNAL_GRAPH)
_CREATES = ox.NamedNode(BULK_JOURNAL_GRAPH + "#creates")


class OxigraphStore:
    """A pyoxigraph store, in memory (``path=None``) or in a data directory."""

    def __init__(self, path: Path | None) -> None:
        self.location = "memory" if path is None else str(path)
        self._path = path
        self.capabilities = Capabilities(
            persistent=path is not None,
            remote=False,
            bulk_load=True,
            materialise=True,
            query_workers=path is not None,
            seal=path is not None,
        )
        # Read before opening: opening the store changes its files, which voids a seal.
        self._note = None if path is None else read_seal(path)
        try:
            if path is None:
                self._store = ox.Store()
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as err:
            if "lock" in str(err).lower():
                raise StoreBusyError(
                    f"the store {path} is open in another process (a running srkb serve?); "
                    "an embedded store is opened by one process at a time"
                ) from err
            raise StoreUnavailableError(
                f"cannot open the store in {path}: {err}",
            ) from err
        self._bulk_pending = False
        self._undo_interrupted_bulk_load()

    @property
    def native(self) -> ox.Store:
        """The underlying pyoxigraph store: for this package and for white-box tests only."""
        self._note = None  # whoever holds it may write: no seal (kb.store.seal)
        return self._store

    def add_ntriples(self, data: bytes) -> None:
        """Add N-Triples to the default graph, blank-node labels kept (a scratch store's input)."""
        self._note = None  # a write through srkb's store voids the seal (kb.store.seal)
        self._store.extend(ox.parse(data, _NT, rename_blank_nodes=False))

    def count_about(self, subjects: Iterable[Identifier]) -> int:
        """Triples of any graph whose subject is one of the IRIs ``subjects``."""
        heads = [ox.NamedNode(str(s)) for s in subjects if isinstance(s, URIRef)]
        return sum(sum(1 for _ in self._store.quads_for_pattern(h, None, None)) for h in heads)

    def atomic(self) -> AbstractContextManager[None]:
        """Nothing to group: every write is its own transaction (see :meth:`Store.atomic`)."""
        return nullcontext()

    def open_query_workers(self, size: int, memory_bytes: int = 0) -> QueryWorkers | None:
        """Killable query processes reading checkpoints of this on-disk store (None in memory).

        None too when the checkpoints' directory cannot be made next to the store: the server
        then runs queries in threads (bounded, but not stoppable) rather than not starting.
        """
        if size <= 0 or not self.capabilities.query_workers or self._path is None:
            return None
        from kb.store.query_workers import QueryWorkers

        try:
            workers = QueryWorkers(self._store, self._path.resolve(), size, memory_bytes)
        except OSError as err:  # no room for checkpoints next to the store: threads will do
            log.warning("queries run in threads, and cannot be stopped: %s", err)
            return None
        workers.start()
        return workers

    # -- reading ----------------------------------------------------------------------------
    def _run(
        self,
        sparql: str,
        union_default_graph: bool,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> object:
        dataset: dict[str, object] = {}
        if default_graphs is not None or named_graphs is not None:
            dataset["default_graph"] = [ox.NamedNode(g) for g in default_graphs or []]
            if named_graphs is not None:
                dataset["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        else:
            dataset["use_default_graph_as_union"] = union_default_graph
        try:
            return self._store.query(sparql, **dataset)  # type: ignore[arg-type]
        except SyntaxError as err:
            raise syntax_error(err, "query") from err
        except (ValueError, OSError) as err:
            raise InputError(f"the query failed: {err}", source="query") from err

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> QueryResult:
        """Run a query; terms come back as rdflib identifiers."""
        result = self._run(sparql, union_default_graph, default_graphs, named_graphs)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = tuple(v.value for v in result.variables)
            rows: list[Row] = []
            # A whole-ecosystem answer repeats its terms (a consumer on every row of its targets):
            # each distinct term is converted once, three times faster at 1M (rdflib's
            # constructors check every IRI and cast every literal).
            converted: dict[OxTerm, Identifier] = {}
            for solution in result:
                if limit is not None and len(rows) >= limit:
                    raise ResultLimitError(f"the query returns more than {limit} rows")
                row: list[Identifier | None] = []
                for i in range(len(variables)):
                    value = solution[i]
                    if value is None:
                        row.append(None)
                        continue
                    term = converted.get(value)
                    if term is None:
                        term = converted[value] = to_rdflib(value)
                    row.append(term)
                rows.append(tuple(row))
            return QueryResult(kind="select", variables=variables, rows=tuple(rows))
        assert isinstance(result, ox.QueryTriples)  # noqa: S101 - exhaustive over pyoxigraph's kinds
        triples: list[tuple[Identifier, Identifier, Identifier]] = []
        for t in result:
            if limit is not None and len(triples) >= limit:
                raise ResultLimitError(f"the query returns more than {limit} triples")
            triples.append((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return QueryResult(kind="graph", triples=tuple(triples))

    def query_serialized(
        self, sparql: str, media_type: str, *, union_default_graph: bool = True
    ) -> tuple[str, bytes]:
        """Run a query and serialise its results with Oxigraph's own writers."""
        result = self._run(sparql, union_default_graph)
        if isinstance(result, ox.QueryTriples):
            rdf_format = ox.RdfFormat.from_media_type(media_type) or ox.RdfFormat.TURTLE
            return rdf_format.media_type, bytes(result.serialize(format=rdf_format) or b"")
        assert isinstance(result, ox.QuerySolutions | ox.QueryBoolean)  # noqa: S101
        results_format = (
            ox.QueryResultsFormat.from_media_type(media_type) or ox.QueryResultsFormat.JSON
        )
        return results_format.media_type, bytes(result.serialize(format=results_format) or b"")

    def graphs(self) -> list[str]:
        """Named graphs that hold at least one triple (``CLEAR GRAPH`` leaves an empty one)."""
        return sorted(
            g.value
            for g in self._store.named_graphs()
            if next(self._store.quads_for_pattern(None, None, None, g), None) is not None
        )

    def count(self, graph: str | None = None) -> int:
        """Count quads, of one graph or of the whole store."""
        if graph is None:
            return len(self._store)
        # Counted inside Oxigraph: iterating quads in Python costs ~5 us each on disk.
        result = self._store.query(
            f"SELECT (COUNT(*) AS ?n) {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }}"
        )
        assert isinstance(result, ox.QuerySolutions)  # noqa: S101 - a SELECT gives solutions
        value = next(iter(result))[0]
        return int(value.value) if isinstance(value, ox.Literal) else 0

    def dump(self, fmt: str, *, graph: str | None = None) -> bytes:
        """Serialise one named graph (any format) or the whole store (quad formats only)."""
        output = io.BytesIO()
        self.dump_to(output, fmt, graph=graph)
        return output.getvalue()

    def dump_to(self, output: IO[bytes], fmt: str, *, graph: str | None = None) -> None:
        """:meth:`dump` written into ``output`` by Oxigraph as it goes (native code, no GIL)."""
        rdf_format = OX_FORMATS[fmt]
        if graph is None:
            if not rdf_format.supports_datasets:
                raise InputError(
                    f"the whole store holds several named graphs; {fmt} cannot name graphs",
                    hint="choose trig or nq, or export one graph",
                )
            self._store.dump(output, format=rdf_format)
            return
        self._store.dump(output, format=rdf_format, from_graph=ox.NamedNode(graph))

    def dump_graphs(self, fmt: str, graphs: Sequence[str], *, merged: bool = False) -> bytes:
        """Serialise several graphs: merged for triple formats, graph by graph for quad formats."""
        output = io.BytesIO()
        self.dump_graphs_to(output, fmt, graphs, merged=merged)
        return output.getvalue()

    def dump_graphs_to(
        self, output: IO[bytes], fmt: str, graphs: Sequence[str], *, merged: bool = False
    ) -> None:
        """:meth:`dump_graphs` written into ``output`` as it is made.

        Merged graphs are a ``CONSTRUCT`` serialised by Oxigraph itself, in native code that
        releases the GIL (100k triples as JSON-LD: 1.1 s, while the server's other threads run),
        rather than a Python loop over every quad (1.8 s holding it). The quad formats are each
        graph's native dump wrapped in its name: N-Quads add the name to every N-Triples line,
        TriG puts the N-Triples lines in a ``<g> { }`` block, JSON-LD puts each graph's array in
        a named ``@graph`` object. Oxigraph's writers over a Python iterator of quads made the
        same documents, but held the GIL for every quad: a whole-store JSON-LD export took the
        service's interpreter from every other request for seconds. Blank nodes keep the store's
        labels in every dump, so a node in two graphs is one node in the document too.
        """
        rdf_format = OX_FORMATS[fmt]
        if merged or not rdf_format.supports_datasets:
            if not graphs:
                ox.serialize([], output, format=rdf_format)
                return
            union = " ".join(iri(g) for g in graphs)
            result = self._store.query(
                "CONSTRUCT { ?s ?p ?o } WHERE { "
                f"VALUES ?g {{ {union} }} GRAPH ?g {{ ?s ?p ?o }} }}"
            )
            assert isinstance(result, ox.QueryTriples)  # noqa: S101 - a CONSTRUCT
            result.serialize(output, format=rdf_format)
            return
        if rdf_format == ox.RdfFormat.N_QUADS:
            for g in graphs:
                named = _NamingLines(output, iri(g).encode())
                self._store.dump(
                    cast(IO[bytes], named),
                    format=ox.RdfFormat.N_TRIPLES,
                    from_graph=ox.NamedNode(g),
                )
                named.close_lines()
            return
        if rdf_format == ox.RdfFormat.JSON_LD:
            output.write(b"[")
            for number, g in enumerate(graphs):
                name = json.dumps(g, ensure_ascii=False).encode()
                output.write(b"," * (number > 0) + b'{"@id":' + name + b',"@graph":')
                self._store.dump(output, format=rdf_format, from_graph=ox.NamedNode(g))
                output.write(b"}")
            output.write(b"]")
            return
        if rdf_format == ox.RdfFormat.TRIG:
            for g in graphs:
                output.write(iri(g).encode() + b" {\n")
                self._store.dump(output, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g))
                output.write(b"}\n")
            return
        quads = (
            q
            for g in graphs
            for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(g))
        )
        ox.serialize(quads, output, format=rdf_format)

    # -- writing ----------------------------------------------------------------------------
    def update(self, sparql: str) -> None:
        """Run an update request as one transaction: if any operation fails, nothing changes."""
        self._note = None  # a write through srkb's store voids the seal (kb.store.seal)
        try:
            self._store.update(sparql)
        except SyntaxError as err:
            raise syntax_error(err, "update") from err
        except RuntimeError as err:  # an operation failed while running, e.g. DROP of no graph
            raise InputError(
                f"the update failed and changed nothing: {err}", source="update"
            ) from err
        self._settle(large=len(sparql) >= SETTLE_BYTES)
        self._compact_after(
            f"an update of {len(sparql):,} bytes" if len(sparql) >= COMPACT_BYTES else None
        )

    def _settle(self, *, large: bool) -> None:
        """After a large write to the on-disk store, flush RocksDB's memory table to disk.

        A large write (a saved full validation report replacing the last one, a full
        inference's write-back) stays in the memory table with the deletions it made, and every
        later read wades through it: at 1M triples the next writes listed the store's graphs ten
        times slower (4 ms against 0.3 ms) and took 0.23-0.25 s instead of 0.18 s, until the
        process ended. Flushing costs about 0.4 s at 1M, once.
        """
        if large and self.capabilities.persistent:
            self._store.flush()

    def _compact_after(self, large_write: str | None) -> None:
        """After a very large write (``large_write`` says which), compact the disk store at once.

        The write lands as many new sorted files that overlap, and until RocksDB has merged
        them every read looks in each: at 10M triples, after a first inference had written 6.2
        million triples, the provision-cycles question took 12.2-13.6 s, and 7.6-7.9 s once the
        store was compacted (28 s); questions asked while the merge ran in the background took
        1.2-2.2 times as long. At 1M (0.6 million written) compacting costs 1.2 s for 5-10 %,
        so only write-backs of :data:`COMPACT_QUADS` or more compact. A whole validation report
        (71,000 triples, 5 MB of update at 1M) spreads over every index too: the validation after
        it took 3.6 s instead of 2.5 s while the merge ran on this 2-core machine, so a request
        of :data:`COMPACT_BYTES` compacts as well (1.7 s at 1M, paid by the write that caused it).
        """
        if large_write is not None and self.capabilities.persistent:
            started = time.perf_counter()
            self._store.optimize()
            log.info(
                "compacted the store in %.1f s after %s", time.perf_counter() - started, large_write
            )

    def load(self, sources: Sequence[ParsedSource], *, replace_graphs: Sequence[str] = ()) -> int:
        """Write parsed sources in one transaction.

        New graphs go in through ``extend`` (fast); replacing graphs uses one update request that
        drops and inserts, so readers never see a graph missing or half written. After a bulk
        load, the same transaction completes it (drops its journal): the batch commits at once.
        """
        self._note = None  # a write through srkb's store voids the seal (kb.store.seal)
        if self._bulk_pending:
            replace_graphs = [*replace_graphs, BULK_JOURNAL_GRAPH]
            self.update(insert_data_request(sources, replace_graphs))
            self._bulk_pending = False
            return sum(len(source) for source in sources)
        if not replace_graphs:
            quads = [q for source in sources for q in source.quads]
            self._store.extend(quads)
            self._settle(large=len(quads) >= SETTLE_QUADS)
            return len(quads)
        self.update(insert_data_request(sources, replace_graphs))
        return sum(len(source) for source in sources)

    def bulk_load_files(self, files: Sequence[CheckedFile], *, when: datetime) -> None:
        """Load checked files with pyoxigraph's bulk loader into graphs that do not exist yet.

        Atomicity comes from srkb, not from the bulk loader (pyoxigraph promises transactions for
        ``load`` and ``extend`` only): every graph a file writes must be new, so if anything fails
        part-way (a disk error, a file changed since it was checked, an interrupt) dropping those
        graphs restores the store's content exactly, and the error says nothing was loaded. Each
        graph gets its PROV metadata (:func:`~kb.interchange.parsing.with_provenance`) once its file
        is in. Isolation: none while it runs; a reader in the same process may see a graph
        filling up, which is why only whole-store commands (``srkb load``) take this path.

        Crash safety: the graphs are journaled (:data:`BULK_JOURNAL_GRAPH`) before the first byte
        is loaded, and the journal stays until the batch completes, by the next :meth:`load` (in
        its transaction) or :meth:`commit_bulk_load`. A process killed before that leaves the
        journal, and the store drops the journaled graphs when it is opened again.
        """
        self._note = None  # a write through srkb's store voids the seal (kb.store.seal)
        taken = sorted({g for f in files for g in f.graphs} & set(self.graphs()))
        if taken:
            raise InputError(
                "the bulk loader only writes new graphs; these exist: " + ", ".join(taken),
                hint="load the file through the transactional path, which replaces graphs",
            )
        written = sorted({g for f in files for g in f.graphs})
        self._store.extend(ox.Quad(_JOURNAL, _CREATES, ox.NamedNode(g), _JOURNAL) for g in written)
        self._bulk_pending = True
        try:
            for file in files:
                self._store.bulk_load(
                    path=file.path,
                    format=OX_FORMATS[file.fmt],
                    base_iri=file.base_iri,
                    to_graph=ox.NamedNode(file.graph),
                )
                meta = with_provenance(
                    ParsedSource(file.name, file.graph, file.fmt, [], dict(file.prefixes)), when
                )
                graph = ox.NamedNode(file.graph)
                # Distinct quads of the file, as the store holds them (a file may repeat one).
                graphs = " ".join(iri(g) for g in sorted(file.graphs))
                counted = self._store.query(
                    f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {graphs} }} "
                    "GRAPH ?g { ?s ?p ?o } }"
                )
                assert isinstance(counted, ox.QuerySolutions)  # noqa: S101 - a SELECT
                count = ox.Literal(str(next(iter(counted))[0].value), datatype=_XSD_INTEGER)
                self._store.extend(
                    [
                        *(q for q in meta.quads if q.predicate != _VOID_TRIPLES),
                        ox.Quad(graph, _VOID_TRIPLES, count, graph),
                    ]
                )
        except (SyntaxError, ValueError, OSError) as err:
            self.abort_bulk_load()
            raise InputError(
                f"bulk loading failed and nothing was loaded: {err}", source=file.name
            ) from err
        except BaseException:
            self.abort_bulk_load()
            raise

    def commit_bulk_load(self) -> None:
        """Complete a bulk load that no :meth:`load` completed: drop its journal."""
        self._note = None  # a write through srkb's store voids the seal (kb.store.seal)
        if self._bulk_pending:
            self._store.remove_graph(_JOURNAL)
            self._bulk_pending = False

    def abort_bulk_load(self) -> None:
        """Undo a bulk load: drop the graphs it journaled, then the journal."""
        self._note = None  # a write through srkb's store voids the seal (kb.store.seal)
        journaled = [
            q.object for q in self._store.quads_for_pattern(_JOURNAL, _CREATES, None, _JOURNAL)
        ]
        self.drop_graphs(g.value for g in journaled if isinstance(g, ox.NamedNode))
        self._store.remove_graph(_JOURNAL)
        self._bulk_pending = False

    def _undo_interrupted_bulk_load(self) -> None:
        if next(self._store.quads_for_pattern(None, None, None, _JOURNAL), None) is not None:
            log.warning("%s: undoing a bulk load that was interrupted", self.location)
            self.abort_bulk_load()

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Remove graphs and everything in them (graph by graph; used to undo a bulk load)."""
        self._note = None  # a write through srkb's store voids the seal (kb.store.seal)
        for graph in graphs:
            self._store.remove_graph(ox.NamedNode(graph))

    def replace_graph(self, graph: str, triples: Iterable[tuple[Identifier, ...]]) -> int:
        """Replace a graph's content atomically: clear and insert in one update request."""
        body = insert_data(graph, triples)
        self.update(f"DROP SILENT GRAPH {iri(graph)} ;\n{body}")
        return self.count(graph)

    def materialise(
        self,
        read_graphs: Sequence[str],
        target: str,
        fixpoint: Callable[[Store], int],
    ) -> tuple[int, int]:
        """Run ``fixpoint`` on a scratch copy of ``read_graphs``; write what it adds to ``target``.

        The fast path of :func:`kb.reasoning.inference.infer` for the embedded store. Oxigraph
        evaluates the rules over one default graph many times faster than over ``USING`` datasets
        of named graphs on disk (0.4 s against 15 s a pass at 100k triples). The data travels
        quad by quad, never as a whole dump or a Python set of lines: blank nodes keep their
        identity, so conclusions about blank nodes name the same nodes. Once the rules are done,
        the asserted triples are taken out of the scratch store again: what is left is what the
        rules derived.

        ``target`` then receives only the difference between its old and its new content, so a
        re-run that derives what is already there writes nothing; additions and removals go in
        transactions of at most :data:`WRITE_CHUNK` triples. Additions commit before removals: a
        reader may see the union of the old and new inferences for that moment, never fewer than
        either. The stale mark of :mod:`kb.recovery` (like every statement about ``target``
        itself) is removed last: a process killed before leaves it, and the next open infers
        again. Returns the number of inferred triples and of passes.
        """
        self._note = None  # a write through srkb's store voids the seal (kb.store.seal)
        asserted = sum(self.count(graph) for graph in read_graphs)
        with _scratch_space(asserted) as scratch:
            keep = not scratch.capabilities.persistent and asserted <= KEEP_ASSERTED_MAX
            return self._materialise_in(scratch, read_graphs, target, fixpoint, keep=keep)

    def _materialise_in(
        self,
        scratch: OxigraphStore,
        read_graphs: Sequence[str],
        target: str,
        fixpoint: Callable[[Store], int],
        *,
        keep: bool,
    ) -> tuple[int, int]:
        native = scratch.native
        kept: list[ox.Quad] = []
        for graph in read_graphs:
            if scratch.capabilities.persistent:  # the bulk loader peaked at 9.4 GiB at 12M
                triples = _triples(self._store, graph)
                while chunk := list(islice(triples, WRITE_CHUNK)):
                    native.extend(chunk)
            elif keep:
                quads = list(_triples(self._store, graph))
                native.bulk_extend(quads)
                kept += quads
            else:
                native.bulk_extend(_triples(self._store, graph))
        passes = fixpoint(scratch)
        # Read again from disk unless kept: 6.5 s against 0.7 s at 1M (see KEEP_ASSERTED_MAX).
        asserted = kept if keep else (t for g in read_graphs for t in _triples(self._store, g))
        for triple in asserted:
            native.remove(triple)
        del kept, asserted  # before the write-back, which does not need them
        written = self._write_difference(target, native)
        self._settle(large=written >= SETTLE_QUADS)
        self._compact_after(f"writing {written:,} inferences" if written >= COMPACT_QUADS else None)
        return len(native), passes

    def ntriples(self, graph: str | None = None) -> bytes:
        """One named graph (``None``: the default graph) as N-Triples, blank-node labels kept."""
        name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        return bytes(self._store.dump(format=_NT, from_graph=name) or b"")

    def lines(self, graph: str | None = None) -> set[bytes]:
        """The N-Triples lines of :meth:`ntriples`, for set arithmetic on triples.

        One writer spells every term one way, so equal triples are equal lines.
        """
        return set(self.ntriples(graph).splitlines())

    def _write_difference(self, target: str, derived: ox.Store) -> int:
        """Make ``target`` hold the default graph of ``derived``, writing only the difference.

        Blank nodes are the same in both stores (never relabelled), so a triple is in both
        exactly when it is the same triple. Returns how many triples were added or removed.

        Additions go through the bulk writer, in chunks: at 1M triples 4 s for a first run's
        590,000 inferences against 10 s in transactions. That is no loss of safety: the stale
        mark of :mod:`kb.recovery` stays in ``target`` until the last step, so a process killed
        meanwhile leaves a graph the next open infers again. The old content is read back
        (3.5 s at 1M) only when some of it can have gone: when ``target`` held more triples
        than the derived ones found there, besides those about ``target`` itself.
        """
        changed = 0
        graph = ox.NamedNode(target)
        before = self.count(target)
        about_target = [
            q
            for q in self._store.quads_for_pattern(graph, None, None, graph)
            if ox.Quad(q.subject, q.predicate, q.object) not in derived
        ]
        kept = 0
        added: list[ox.Quad] = []
        for t in derived.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            quad = ox.Quad(t.subject, t.predicate, t.object, graph)
            if quad in self._store:
                kept += 1
                continue
            added.append(quad)
            changed += 1
            if len(added) >= WRITE_CHUNK:
                self._store.bulk_extend(added)
                added = []
        if added:
            self._store.bulk_extend(added)
        # Statements about the target itself (its stamp, the stale mark) go in the last step.
        removed: list[ox.Quad] = []
        if before > kept + len(about_target):
            for q in self._store.quads_for_pattern(None, None, None, graph):
                if q.subject == graph or ox.Quad(q.subject, q.predicate, q.object) in derived:
                    continue
                removed.append(q)
                changed += 1
                if len(removed) >= WRITE_CHUNK:
                    self._remove(removed)
                    removed = []
        self._remove(removed + about_target)
        return changed + len(about_target)

    def _remove(self, quads: Sequence[ox.Quad]) -> None:
        """Remove ``quads``: those with blank nodes one by one, then the others in one update."""
        plain = []
        for quad in quads:
            if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
                self._store.remove(quad)  # DELETE DATA cannot name blank nodes
            else:
                plain.append(f"{quad.subject} {quad.predicate} {quad.object} .")
        if plain:  # the stale mark goes with this last step
            body = "\n".join(plain)
            self.update(f"DELETE DATA {{ GRAPH {quads[0].graph_name} {{\n{body}\n}} }}")

    def close(self) -> None:
        """Flush the on-disk store and let go of it, so that its directory can be opened again.

        RocksDB's directory lock is held until the last reference to the pyoxigraph store goes;
        a closed disk store cannot be used any more. The memory store needs nothing.
        """
        if self.capabilities.persistent and hasattr(self, "_store"):
            self._store.flush()
            del self._store
            if self._path is not None:
                write_seal(self._path, self._note)

    def sealed(self) -> str | None:
        """The note this process leaves (see :mod:`kb.store.seal`).

        The seal's note when the store was opened (if no process had opened it since), or the last
        :meth:`seal`'s; ``None`` after any write through this object, which voids it.
        """
        return self._note

    def seal(self, note: str | None) -> None:
        """Leave ``note`` beside the store when it closes (see :mod:`kb.store.seal`)."""
        self._note = note


def _triples(store: ox.Store, graph: str) -> Iterator[ox.Quad]:
    """The triples of one named graph of ``store``, as quads of the default graph."""
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        yield ox.Quad(q.subject, q.predicate, q.object)


@contextmanager
def _scratch_space(asserted: int) -> Iterator[OxigraphStore]:
    """A scratch store for ``asserted`` triples: in memory, or on disk when there are more.

    On disk above :data:`SCRATCH_IN_MEMORY_MAX`, in a temporary directory removed afterwards.
    """
    if asserted <= SCRATCH_IN_MEMORY_MAX:
        yield scratch_store()
        return
    with tempfile.TemporaryDirectory(prefix="srkb-inference-") as directory:
        log.info("%d asserted triples: the rules run in a scratch store on disk", asserted)
        scratch = _DiskScratch(Path(directory))
        try:
            yield scratch
        finally:
            scratch.close()


class _DiskScratch(OxigraphStore):
    """The on-disk rule workspace of a big inference: a rule's additions go in bounded chunks.

    Oxigraph runs ``INSERT {...} WHERE {...}`` by collecting every solution, then writing every
    new quad in one transaction held in memory until it commits: at 10M triples one rule adds
    millions of triples, and the run peaked at 11 GiB. Here such a rule runs as the ``CONSTRUCT``
    of the same template and pattern, read lazily from a snapshot of the store (so, as in the
    update, the pattern never sees the rule's own additions) and written :data:`WRITE_CHUNK`
    triples a transaction. Nobody else reads the scratch store, so nobody sees a rule half done.
    """

    def update(self, sparql: str) -> None:
        construct = _as_construct(sparql)
        if construct is None:
            super().update(sparql)
            return
        try:
            triples = iter(cast("Iterable[ox.Triple]", self._store.query(construct)))
            while chunk := [
                ox.Quad(t.subject, t.predicate, t.object) for t in islice(triples, WRITE_CHUNK)
            ]:
                self._store.extend(chunk)
        except SyntaxError as err:
            raise syntax_error(err, "update") from err
        except RuntimeError as err:  # as the update says it; what was written is scratch anyway
            raise InputError(f"the update failed: {err}", source="update") from err


_INSERT = re.compile(r"(?<![?$:\w])INSERT\s*\{", re.IGNORECASE)
_OTHER_OPERATION = re.compile(
    r"(?<![?$:\w])(?:DELETE|WITH|USING|DATA|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:])",
    re.IGNORECASE,
)


def _as_construct(sparql: str) -> str | None:
    """The ``CONSTRUCT`` form of an update that is one ``INSERT {...} WHERE {...}``, else None."""
    masked = mask(sparql)
    found = list(_INSERT.finditer(masked))
    # A ``;`` outside every brace separates operations (inside one, it separates predicates).
    between = any(c == ";" and d == 0 for c, d in zip(masked, brace_depths(masked), strict=True))
    if len(found) != 1 or _OTHER_OPERATION.search(masked) or between:
        return None
    start = found[0].start()
    return f"{sparql[:start]}CONSTRUCT{sparql[start + len('INSERT') :]}"


def scratch_store(*ntriples: bytes) -> OxigraphStore:
    """A memory store holding ``ntriples`` in its default graph, labels kept: a rule workspace.

    Full and incremental inference run their rules in one (Oxigraph evaluates them over one
    in-memory default graph many times faster than over named graphs on disk), and compare
    triples as the N-Triples lines of its writer (:meth:`OxigraphStore.lines`).
    """
    scratch = OxigraphStore(None)
    for data in ntriples:
        scratch.add_ntriples(data)
    return scratch


class _NamingLines(io.RawIOBase):
    """Writes N-Triples lines into ``output`` as N-Quads lines of one graph.

    An N-Triples line ends with `` .`` and a newline, and no other newline occurs in it (literals
    escape theirs), so naming the graph is putting its IRI before every line's end.
    """

    def __init__(self, output: IO[bytes], graph: bytes) -> None:
        super().__init__()
        self._output, self._end = output, b" " + graph + b" .\n"
        self._partial = b""

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        text = self._partial + bytes(data)
        cut = text.rfind(b"\n") + 1
        self._partial = text[cut:]
        if cut:
            self._output.write(text[:cut].replace(b" .\n", self._end))
        return len(data)

    def close_lines(self) -> None:
        """Write a last line that had no newline (Oxigraph ends every line with one)."""
        if self._partial.strip():
            self._output.write(self._partial.rstrip().removesuffix(b".").rstrip() + self._end)
        self._partial = b""
