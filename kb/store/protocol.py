"""The store interface: the protocol every backend implements, and the formats srkb reads.

Everything above this package (loading, inference, validation, questions, the API) talks SPARQL
through :class:`Store`, so the same code runs on the embedded Oxigraph store (in memory or on disk)
and on any SPARQL 1.1 endpoint. Only the backends import pyoxigraph or SPARQLWrapper.

Dataset convention: srkb keeps every kind of data in its own named graph (see
:mod:`kb.namespaces`); queries see the *union* of all named graphs as their default graph, which is
what a person writing SPARQL against the knowledge base expects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol, runtime_checkable

from rdflib.term import Identifier

from kb.errors import InputError
from kb.sparql.results import QueryResult

if TYPE_CHECKING:
    from kb.store.query_workers import QueryWorkers
    from kb.store.source import CheckedFile, ParsedSource

#: RDF serialisations srkb reads and writes, by short name.
RDF_FORMATS: dict[str, str] = {
    "ttl": "text/turtle",
    "trig": "application/trig",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}

#: File suffixes recognised when a format is not given.
SUFFIX_FORMATS: dict[str, str] = {
    ".ttl": "ttl",
    ".turtle": "ttl",
    ".trig": "trig",
    ".nt": "nt",
    ".ntriples": "nt",
    ".nq": "nq",
    ".nquads": "nq",
    ".jsonld": "jsonld",
    ".json": "jsonld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
}

#: Formats whose content names graphs itself (quads).
QUAD_FORMATS = frozenset({"trig", "nq"})


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """Return the short format name for a file, from ``fmt`` or the file suffix.

    >>> format_for("campus.ttl")
    'ttl'
    >>> format_for("x.data", "nq")
    'nq'
    """
    if fmt is not None:
        if fmt not in RDF_FORMATS:
            raise InputError(
                f"unknown RDF format {fmt!r}",
                source=path,
                hint="use one of " + ", ".join(sorted(RDF_FORMATS)),
            )
        return fmt
    suffix = Path(path).suffix.lower()
    try:
        return SUFFIX_FORMATS[suffix]
    except KeyError:
        raise InputError(
            f"cannot tell the RDF format from the file name suffix {suffix!r}",
            source=path,
            hint="name the format explicitly: " + ", ".join(sorted(RDF_FORMATS)),
        ) from None


Quad = tuple[Identifier, Identifier, Identifier, str]
"""A triple and the IRI of the named graph that holds it."""


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, so that callers and tests choose paths without guessing."""

    persistent: bool
    remote: bool
    #: :meth:`Store.bulk_load_files` loads checked files without a transaction (new graphs only).
    bulk_load: bool
    quoted_triples: bool = False
    #: :meth:`Store.materialise` runs a rule fixpoint on a scratch copy of some graphs.
    materialise: bool = False
    #: :meth:`Store.open_query_workers` runs queries in processes that can be killed.
    query_workers: bool = False
    #: :meth:`Store.sealed` and :meth:`Store.seal` pass a note to the next process to open the
    #: store, read only if no process opened it in between (:mod:`kb.store.seal`).
    seal: bool = False
    #: The engine evaluates a ``VALUES`` block of focus nodes repeated inside the sub-SELECTs
    #: joined with it (the focused queries of incremental validation, kb.validation.focus).
    #: Virtuoso 7.2 answers some such queries with no rows, and stops on others: there each
    #: shape's whole query is joined with the focus nodes instead.
    nested_values: bool = True


@runtime_checkable
class Store(Protocol):
    """A quad store that srkb reads and writes with SPARQL 1.1.

    Atomicity: each call to :meth:`update`, :meth:`load` and :meth:`replace_graph` is
    all-or-nothing. Isolation: a query sees the state before or after a write, never half of it.
    """

    location: str

    @property
    def capabilities(self) -> Capabilities:
        """What this backend can do (a remote one learns part of it from its first answer)."""
        ...

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> QueryResult:
        """Run a SPARQL query.

        By default the default graph is the union of all named graphs; ``default_graphs`` and
        ``named_graphs`` give the dataset explicitly (SPARQL protocol ``default-graph-uri`` and
        ``named-graph-uri``). With ``limit``, more rows or triples than that raise
        :class:`~kb.errors.ResultLimitError` instead of being returned.
        """
        ...

    def query_serialized(
        self, sparql: str, media_type: str, *, union_default_graph: bool = True
    ) -> tuple[str, bytes]:
        """Run a query and return its results serialised as ``media_type``."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL update request, atomically."""
        ...

    def load(self, sources: Sequence[ParsedSource], *, replace_graphs: Sequence[str] = ()) -> int:
        """Drop ``replace_graphs`` and add every parsed quad, all in one atomic write."""
        ...

    def replace_graph(self, graph: str, triples: Iterable[tuple[Identifier, ...]]) -> int:
        """Replace the content of one named graph in one atomic write."""
        ...

    def dump(self, fmt: str, *, graph: str | None = None) -> bytes:
        """Serialise the whole store (quad formats) or one named graph."""
        ...

    def dump_graphs(self, fmt: str, graphs: Sequence[str], *, merged: bool = False) -> bytes:
        """Serialise several graphs: merged, or graph by graph in a quad format.

        Triple formats always merge them; quad formats keep each graph's name unless ``merged``.
        """
        ...

    def dump_to(self, output: IO[bytes], fmt: str, *, graph: str | None = None) -> None:
        """:meth:`dump`, written into ``output`` as it is made (see :mod:`kb.store.streaming`)."""
        ...

    def dump_graphs_to(
        self, output: IO[bytes], fmt: str, graphs: Sequence[str], *, merged: bool = False
    ) -> None:
        """:meth:`dump_graphs`, written into ``output`` as it is made."""
        ...

    def graphs(self) -> list[str]:
        """Return the IRIs of the non-empty named graphs."""
        ...

    def count(self, graph: str | None = None) -> int:
        """Count triples of one named graph, or quads of the whole store."""
        ...

    def close(self) -> None:
        """Release the store (flushes an on-disk store)."""
        ...

    def atomic(self) -> AbstractContextManager[None]:
        """Group the writes of a block so that none is half-applied by the block's end.

        A remote store sends the block's updates as one request, applied all or none. The
        embedded store applies each write as its own transaction already; between two of them
        a crash is covered by srkb's recovery marks (:mod:`kb.recovery`), so it groups nothing.
        """
        ...

    # -- optional abilities: call only when ``capabilities`` says so ------------------------------
    def bulk_load_files(self, files: Sequence[CheckedFile], *, when: datetime) -> None:
        """Load checked files into graphs that do not exist yet (``capabilities.bulk_load``)."""
        ...

    def commit_bulk_load(self) -> None:
        """Complete a bulk load that no :meth:`load` completed."""
        ...

    def abort_bulk_load(self) -> None:
        """Undo a bulk load: drop the graphs it created."""
        ...

    def materialise(
        self, read_graphs: Sequence[str], target: str, fixpoint: Callable[[Store], int]
    ) -> tuple[int, int]:
        """Run ``fixpoint`` on a scratch copy of ``read_graphs``; write what it adds to ``target``.

        Only when ``capabilities.materialise``. Returns the triples in ``target`` and the passes.
        """
        ...

    def open_query_workers(self, size: int, memory_bytes: int = 0) -> QueryWorkers | None:
        """Start ``size`` killable query processes (``capabilities.query_workers``), or None.

        Each may allocate ``memory_bytes`` of data memory (0: no cap).
        """
        ...

    def sealed(self) -> str | None:
        """The note the last process to close the store left, if none opened it since.

        Only when ``capabilities.seal``. It stays the note this process leaves at its close
        until :meth:`seal` replaces it or a write through the store voids it.
        """
        ...

    def seal(self, note: str | None) -> None:
        """Leave ``note`` (``None``: none) for the next process to open the store.

        Only when ``capabilities.seal``. Written when the store closes; a process that ends
        without closing it, or a process that opens the store in between, leaves no note.
        """
        ...


def iter_chunks(data: bytes, size: int = 1 << 16) -> Iterator[bytes]:
    """Yield ``data`` in chunks, for streaming responses."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def read_source(source: str | Path | IO[bytes]) -> bytes:
    """Read a file path or a binary stream fully."""
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    return source.read()
