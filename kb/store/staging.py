"""Loads to a remote store, written the way every endpoint takes them: portable and in chunks.

One ``INSERT DATA`` request holding a whole large file fails on real endpoints: Oxigraph's server
refuses bodies over 128 MiB (about 800,000 triples), and Virtuoso and Fuseki slow down or run out
of memory long before 10 million triples. A load that does not fit in one request of
:data:`CHUNK_BYTES` is therefore *staged*:

1. its triples are sent in chunks of about :data:`CHUNK_BYTES` each (as ``INSERT DATA``
   operations of at most :data:`OPERATION_TRIPLES` triples, for Virtuoso's parser), into
   staging graphs named after the load (``<GRAPH_BASE>staging/<run>/<n>``, one per target
   graph), which srkb's graph lists, unions and dumps leave out, so no reader sees half a load;
2. one final update request drops the graphs the load replaces, adds each staging graph to its
   target and drops the staging graphs. The endpoint applies that request atomically, so the
   load is all-or-nothing: if a chunk fails, the staging graphs are dropped and nothing a reader
   sees has changed.

Blank nodes are written as skolem IRIs (:mod:`kb.store.dialect`) in every request, staged or not:
Virtuoso refuses blank nodes in ``INSERT DATA``, and a blank node label would in any case name a
different node in each chunk.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kb.namespaces import GRAPH_BASE
from kb.store.dialect import GENID_BASE, blank_label

if TYPE_CHECKING:
    from kb.store.source import ParsedSource

#: Prefix of the staging graphs of chunked loads; never part of srkb's dataset.
STAGING_PREFIX = GRAPH_BASE + "staging/"
#: Bytes of N-Triples per request of a staged load (well below Oxigraph's 128 MiB limit, and a
#: size Virtuoso parses in about a second).
CHUNK_BYTES = 8 << 20
#: Triples per ``INSERT DATA`` operation: Virtuoso 7.2's parser gives up ("memory exhausted")
#: a little under 5,000 triples in one operation, so a request holds several operations.
OPERATION_TRIPLES = 2_000


def is_staging_graph(graph: str) -> bool:
    """Whether ``graph`` is a staging graph of a chunked load (hidden from srkb's dataset)."""
    return graph.startswith(STAGING_PREFIX)


def wire_term(value: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """A pyoxigraph term in N-Triples syntax, blank nodes written as skolem IRIs."""
    if isinstance(value, ox.BlankNode):
        return f"<{GENID_BASE}{blank_label(value.value)}>"
    return str(value)


def _insert(by_graph: dict[str, list[str]]) -> str:
    """``INSERT DATA`` operations of at most :data:`OPERATION_TRIPLES` triples, in one request."""
    operations = [
        f"INSERT DATA {{ GRAPH <{graph}> {{\n"
        + "\n".join(lines[i : i + OPERATION_TRIPLES])
        + "\n} }"
        for graph, lines in by_graph.items()
        for i in range(0, len(lines), OPERATION_TRIPLES)
    ]
    return " ;\n".join(operations)


def _chunks(
    sources: Sequence[ParsedSource], chunk_bytes: int
) -> Iterator[tuple[dict[str, list[str]], int]]:
    """The sources' quads as N-Triples lines by graph, cut into chunks of about ``chunk_bytes``."""
    chunk: dict[str, list[str]] = {}
    size = count = 0
    for source in sources:
        for quad in source.quads:
            line = f"{wire_term(quad.subject)} {quad.predicate} {wire_term(quad.object)} ."
            if size + len(line) > chunk_bytes and count:
                yield chunk, count
                chunk, size, count = {}, 0, 0
            chunk.setdefault(str(quad.graph_name.value), []).append(line)  # type: ignore[union-attr]
            size += len(line) + 1
            count += 1
    if count:
        yield chunk, count


@dataclass(frozen=True)
class StagedLoad:
    """The requests of one load: ``chunks`` in order, then ``final``; ``abort`` after a failure.

    A load that fits in one request has no chunks: ``final`` does all of it.
    """

    chunks: tuple[str, ...]
    final: str
    abort: str
    triples: tuple[int, ...]  # triples in each chunk, for progress

    @property
    def total(self) -> int:
        """Triples in the chunks."""
        return sum(self.triples)


def plan(
    sources: Sequence[ParsedSource],
    replace_graphs: Sequence[str] = (),
    *,
    chunk_bytes: int = CHUNK_BYTES,
    run: str | None = None,
) -> StagedLoad:
    """The requests for a load: one, or staged chunks and a final move into place.

    Graph IRIs come from parsed data (checked by the parser) and srkb's own names, so they are
    written between ``<>`` as they are.
    """
    drops = [f"DROP SILENT GRAPH <{g}>" for g in replace_graphs]
    pieces = _chunks(sources, chunk_bytes)
    first = next(pieces, None)
    if first is None:
        return StagedLoad((), " ;\n".join(drops), "", ())
    second = next(pieces, None)
    if second is None:
        return StagedLoad((), " ;\n".join([*drops, _insert(first[0])]), "", ())
    run = run or uuid.uuid4().hex
    staging: dict[str, str] = {}
    chunks: list[str] = []
    counts: list[int] = []
    for by_graph, count in chain([first, second], pieces):
        staged: dict[str, list[str]] = {}
        for graph, lines in by_graph.items():
            stage = staging.setdefault(graph, f"{STAGING_PREFIX}{run}/{len(staging)}")
            staged[stage] = lines
        chunks.append(_insert(staged))
        counts.append(count)
    final = list(drops)
    for graph, stage in staging.items():
        final += [f"ADD SILENT <{stage}> TO <{graph}>", f"DROP SILENT GRAPH <{stage}>"]
    abort = " ;\n".join(f"DROP SILENT GRAPH <{stage}>" for stage in staging.values())
    return StagedLoad(tuple(chunks), " ;\n".join(final), abort, tuple(counts))
