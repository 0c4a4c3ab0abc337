"""Loading RDF into the knowledge base: parse everything first, then write once.

A batch of files is parsed completely before the store is touched, so a syntax error anywhere
changes nothing, and the error names the file, line and column. Each file becomes its own named
graph (:func:`kb.namespaces.source_graph`), which also holds its PROV metadata (when, from what
file, how many triples); loading the same file again replaces its graph. Nothing is fetched
from the network unless ``allow_network`` is set.

Big files (:func:`load_files`, on an embedded on-disk store). A file of at least
:data:`BULK_LOAD_THRESHOLD` bytes in N-Triples, N-Quads, Turtle or TriG whose graphs do not exist
yet goes through Oxigraph's bulk loader instead of being parsed into memory and written in one
transaction (at 950k triples: 5 s instead of 15 s, and memory that does not grow with the file).
The guarantee stays the same, all or nothing, by construction rather than by a transaction:

1. every file of the batch is checked before anything is written: small files are parsed as
   usual, big ones are parsed as a stream that keeps only their size and graph names, so a syntax
   error anywhere, even on the last line, is reported (file, line, column) with the store
   untouched;
2. big files are then bulk-loaded, each into graphs that did not exist; if any fails part-way
   (disk full, the file changed after the check, an interrupt), the graphs written so far are
   dropped, which restores the store's content exactly;
3. last, the small files are written in one transaction; if that fails, the bulk-loaded graphs
   are dropped too.

The graphs being bulk-loaded are journaled in the store first, and the journal is dropped by the
transaction of step 3 (or alone, if there are no small files): a process killed before that
leaves a journal, and the store drops those graphs when it is opened again.

A big file whose graph already exists (a reload), or that shares a graph with another file of the
batch, takes the transactional path, because only a transaction can swap an old graph for a new
one. What the bulk path gives up is isolation while it runs: a reader in the same process could see
a graph filling up. The CLI holds the store alone (RocksDB locks the directory against other
processes); the API never bulk-loads.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from kb import resources
from kb.errors import InputError
from kb.interchange.parsing import check_file, parse_source
from kb.namespaces import ONTOLOGY_GRAPH, SHAPES_GRAPH, source_graph
from kb.progress import ProgressReport, Stage, report
from kb.store import Store, format_for
from kb.store.source import BULK_FORMATS, CheckedFile, ParsedSource, with_provenance

log = logging.getLogger(__name__)

#: Files at least this big go through the bulk loader on an embedded on-disk store. Measured on a
#: generated ecosystem: twice as fast from 30k triples (1.3 MB of Turtle), three times at 100k.
BULK_LOAD_THRESHOLD = 1024 * 1024


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
    progress: ProgressReport | None = None,
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
        progress=progress,
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


def refuse_same_names(files: Sequence[Path]) -> None:
    """Refuse a batch in which two different files have the same name.

    A file's source graph is named after its name (never its path, which would show the
    machine's layout in exports); two files of one name would share a graph, each replacing the
    other's data and provenance (``void:triples`` of whichever came last).
    """
    seen: dict[str, Path] = {}
    for path in files:
        other = seen.setdefault(path.name, path)
        if other != path and other.resolve() != path.resolve():
            raise InputError(
                f"{other} and {path} are both named {path.name!r}: their source graph "
                f"<{source_graph(path.name)}> would hold both, each replacing the other",
                source=path,
                hint="rename one of them, or load them one at a time if one should replace "
                "the other",
            )


def load_files(
    store: Store,
    paths: Iterable[str | Path],
    *,
    fmt: str | None = None,
    allow_network: bool = False,
    bulk_threshold: int | None = BULK_LOAD_THRESHOLD,
    progress: ProgressReport | None = None,
) -> list[LoadedSource]:
    """Load files all-or-nothing: every file is checked before any is written.

    ``progress`` hears each file's parse (or, for the bulk loader, its check) as it goes.

    Big files go through the bulk loader on an embedded on-disk store (see the module docstring
    for how that stays all-or-nothing); ``bulk_threshold=None`` turns that off.
    """
    files = [Path(p) for p in paths]
    refuse_same_names(files)
    bulk_store = _bulk_store(store, bulk_threshold)
    big = _big_files(files, fmt, bulk_threshold) if bulk_store is not None else set()
    if bulk_store is None or not big:
        parsed = [
            parse_file(p, fmt=fmt, allow_network=allow_network, progress=progress) for p in files
        ]
        return write_sources(store, parsed)
    sources: dict[Path, ParsedSource] = {}
    checked: dict[Path, CheckedFile] = {}
    for path in files:  # in order, so the first bad file is the one reported
        if path in big:
            checked[path] = check_file(
                path,
                format_for(path, fmt),
                name=str(path),
                graph=source_graph(path.name),
                base_iri=path.resolve().as_uri(),
                progress=progress,
            )
        else:
            sources[path] = parse_file(path, fmt=fmt, allow_network=allow_network)
    # A quad file may name a graph that exists or that another file writes: it is parsed instead.
    for path, file in list(checked.items()):
        elsewhere = {g for s in sources.values() for g in s.graphs()} | set(store.graphs())
        elsewhere |= {g for p, f in checked.items() if p != path for g in f.graphs}
        if file.graphs & elsewhere:
            del checked[path]
            sources[path] = parse_file(path, fmt=fmt, allow_network=allow_network)
    stage = Stage("bulk-loading", 0, sum(f.triples for f in checked.values()))
    report(progress, stage)
    bulk_store.bulk_load_files(list(checked.values()), when=datetime.now(UTC))
    report(progress, replace(stage, done=stage.total or 0, finished=True))
    try:  # the small files' transaction also completes the bulk load (drops its journal)
        written = write_sources(store, list(sources.values())) if sources else []
        bulk_store.commit_bulk_load()
    except BaseException:
        bulk_store.abort_bulk_load()
        raise
    for file in checked.values():
        log.info("bulk-loaded %s into %s (%d triples)", file.name, file.graph, file.triples)
    results = {Path(s.name): s for s in written}
    results.update({p: LoadedSource(f.name, f.graph, f.fmt, f.triples) for p, f in checked.items()})
    return [results[p] for p in files]


def _bulk_store(store: Store, threshold: int | None) -> Store | None:
    """The store as a bulk loader: persistent, able to bulk-load, and bulk loading on."""
    capable = store.capabilities.bulk_load and store.capabilities.persistent
    if threshold is None or not capable:
        return None
    return store


def _big_files(files: Sequence[Path], fmt: str | None, threshold: int | None) -> set[Path]:
    """Files worth bulk-loading: big, streamable, and alone in writing their source graph."""
    names = Counter(p.name for p in files)
    big = set()
    for path in files:
        try:
            size = path.stat().st_size
            streamable = format_for(path, fmt) in BULK_FORMATS
        except (OSError, InputError):
            continue  # parse_file reports it, in its turn
        if threshold is not None and size >= threshold and streamable and names[path.name] == 1:
            big.add(path)
    return big


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
