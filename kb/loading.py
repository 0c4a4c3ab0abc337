"""Loading RDF into the knowledge base: parse everything first, then write once.

A batch of files is parsed completely before the store is touched, so a syntax error anywhere
changes nothing, and the error names the file, line and column. Each file becomes its own named
graph (:func:`kb.namespaces.source_graph`), which also holds its PROV metadata (when, from what
file, how many triples); loading the same file again replaces its graph. Nothing is fetched
from the network unless ``allow_network`` is set.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from kb import resources
from kb.errors import InputError
from kb.namespaces import ONTOLOGY_GRAPH, SHAPES_GRAPH, source_graph
from kb.store import Store, format_for
from kb.store.parsing import ParsedSource, parse_source, with_provenance

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedSource:
    """What one loaded source became: its graph and how many triples it holds."""

    name: str
    graph: str
    fmt: str
    triples: int


def parse_file(
    path: str | Path,
    *,
    fmt: str | None = None,
    graph: str | None = None,
    allow_network: bool = False,
) -> ParsedSource:
    """Parse one file into quads for its own source graph; nothing is written."""
    file = Path(path)
    fmt = format_for(file, fmt)
    try:
        data = file.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read the file: {err.strerror}", source=file) from err
    return parse_source(
        data,
        fmt,
        name=str(file),
        graph=graph or source_graph(file.name),
        base_iri=file.resolve().as_uri(),
        allow_network=allow_network,
    )


def parse_stream(
    stream: IO[bytes] | bytes,
    *,
    fmt: str,
    name: str,
    graph: str | None = None,
    allow_network: bool = False,
) -> ParsedSource:
    """Parse an uploaded body or stream; ``name`` is used in errors and in the graph IRI."""
    data = stream if isinstance(stream, bytes) else stream.read()
    fmt = format_for(name, fmt)
    return parse_source(
        data,
        fmt,
        name=name,
        graph=graph or source_graph(name),
        allow_network=allow_network,
    )


def write_sources(store: Store, sources: Sequence[ParsedSource]) -> list[LoadedSource]:
    """Write parsed sources in one atomic store write.

    Each source graph carries its own PROV metadata (when, from what, how many triples), so a
    source loaded again replaces data and metadata together. Every existing graph a source
    writes is replaced, its own and, for TriG and N-Quads, the graphs its quads name; other
    graphs are added.
    """
    when = datetime.now(UTC)
    existing = set(store.graphs())
    replace = sorted({g for s in sources for g in s.graphs()} & existing)
    stamped = [with_provenance(s, when) for s in sources]
    store.load(stamped, replace_graphs=replace)
    for source in sources:
        log.info("loaded %s into %s (%d triples)", source.name, source.graph, len(source))
    return [LoadedSource(s.name, s.graph, s.fmt, len(s)) for s in sources]


def load_files(
    store: Store,
    paths: Iterable[str | Path],
    *,
    fmt: str | None = None,
    allow_network: bool = False,
) -> list[LoadedSource]:
    """Load files all-or-nothing: every file is parsed before any is written."""
    parsed = [parse_file(p, fmt=fmt, allow_network=allow_network) for p in paths]
    return write_sources(store, parsed)


def install_model(store: Store) -> None:
    """Put srkb's ontology and shapes into their graphs, replacing older versions.

    Idempotent; run on every start so that a store always carries the model it is used with.
    """
    ontology = [parse_file(p, graph=ONTOLOGY_GRAPH) for p in resources.ontology_files()]
    shapes = [parse_file(p, graph=SHAPES_GRAPH) for p in resources.shape_files()]
    merged = [
        ParsedSource("ontology", ONTOLOGY_GRAPH, "ttl", [q for s in ontology for q in s.quads]),
        ParsedSource("shapes", SHAPES_GRAPH, "ttl", [q for s in shapes for q in s.quads]),
    ]
    existing = set(store.graphs())
    store.load(merged, replace_graphs=[g for g in (ONTOLOGY_GRAPH, SHAPES_GRAPH) if g in existing])
