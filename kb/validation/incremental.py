"""Validation after a change: re-check only the focus nodes the change can affect.

A full validation runs every shape over the whole knowledge base (seconds at a million triples),
and saving its report rewrites the whole validation graph. After a write that changed a few
triples, almost every result is the same as before. :mod:`kb.sparql.reach` reads, from each
compiled shape's query, which triple patterns it matches and how they link to its focus node, and
walks each changed triple (asserted, or inferred by the incremental inference) back along those
links to the focus nodes whose results it can alter. A new consumer of a global vendor is linked
to the vendor's other components through the vendor, but also, in the same query, through its own
relationship and organisation; only the focus nodes every such chain reaches are kept, so the
change reaches a few focus nodes, not thousands.

:func:`validate_around` runs every shape restricted to those focus nodes
(:meth:`kb.validation.compiled.CompiledShape.focused`) and replaces their results in the
previous report and in the saved validation graph, in one update request, so that readers see the
old report or the new one. It falls back to a full :func:`kb.validation.shacl.validate` when the
change is too wide (more than :data:`MAX_FOCI` focus nodes), when a blank node is in it (SPARQL
cannot name it) or when a shape's query links a pattern to its focus node only through a filter
(:func:`kb.sparql.reach.affected` answers ``None``). The property tests compare the result
with full runs after random writes and deletions.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Collection

from rdflib import BNode, Graph, URIRef
from rdflib.term import Identifier, Node

from kb.namespaces import (
    INFERRED_GRAPH,
    SH,
    SHAPES_GRAPH,
    VALIDATION_GRAPH,
    knowledge_graphs,
)
from kb.reasoning import stamp
from kb.sparql.reach import affected, reach_of
from kb.sparql.text import Triple, bind_column, iri
from kb.store import Store
from kb.validation import compiled as validation_sparql
from kb.validation.saved_digest import UNKNOWN, bucket, bucket_marks, read_bucket_marks
from kb.validation.saving import BUCKET_DIGESTS, replace_results, saved_marks
from kb.validation.shacl import (
    ValidationReport,
    _finding_order,
    _findings,
    _graph_from,
    _Result,
    _shapes_digest,
    raw_graph_of,
    reads_union,
    validate,
)

log = logging.getLogger(__name__)

#: More focus nodes than this and a full run is as quick: a shape's negated part (its MINUS) is
#: evaluated whole whatever the focus nodes, so only a few of them make the focused run cheaper.
MAX_FOCI = 5000
_SH = f"PREFIX sh: <{SH}>\n"


_COMPILED: dict[str, tuple[Graph, tuple[validation_sparql.CompiledShape, ...]]] = {}


def _compiled_shapes(
    store: Store,
) -> tuple[Graph, tuple[validation_sparql.CompiledShape, ...]]:
    """The shapes graph and its compiled shapes, compiled once per shapes graph and process.

    Compiling costs some 50 ms, a quarter of a write's budget; the shapes graph rarely changes,
    and its N-Triples are the key.
    """
    key = hashlib.sha256(store.dump("nt", graph=SHAPES_GRAPH)).hexdigest()
    known = _COMPILED.get(key)
    if known is None:
        shapes = _graph_from(store, [SHAPES_GRAPH])
        compiled = tuple(s for s in validation_sparql.compile_shapes(shapes) if s.branches)
        _COMPILED.clear()
        known = _COMPILED[key] = (shapes, compiled)
    return known


def affected_foci(
    store: Store,
    changes: Collection[Triple],
    shapes: tuple[validation_sparql.CompiledShape, ...],
    *,
    graphs: list[str],
    union: bool,
) -> set[Identifier] | None:
    """The focus nodes whose results ``changes`` can alter; ``None`` if that is too wide to say."""
    if any(isinstance(n, BNode) for triple in changes for n in triple):
        return None  # SPARQL cannot name a blank node: neither walk from it nor re-check it

    def ask(query: str) -> list[Node | None]:
        found = store.query(query) if union else store.query(query, default_graphs=graphs)
        return [row[0] for row in found.rows]

    foci: set[Identifier] = set()
    for shape in shapes:
        reached = affected(reach_of(shape.query), list(changes), ask, limit=MAX_FOCI)
        if reached is None:
            log.info("%s: a change it cannot follow", shape.shape)
            return None
        foci |= reached
        if len(foci) > MAX_FOCI:
            return None
    return foci


_PRACTICE_ITEMS = (
    "PREFIX srkb: <https://w3id.org/srkb#>\nSELECT DISTINCT ?item WHERE { "
    "?practice srkb:definesRole|srkb:definesResponsibility|srkb:definesActivity|srkb:usesTool"
    " ?item }"
)


def _renamed(
    store: Store, changes: Collection[Triple], previous: ValidationReport
) -> set[Identifier] | None:
    """Focus nodes with findings whose organisation (or its label) ``changes`` can change.

    A finding names the organisation its focus node belongs to
    (:mod:`kb.validation.organisations`): the focus node's own type or consumer, the
    organisation registering, holding or cataloguing it, or the one whose practice defines it,
    and that organisation's label. Its shape's results may stay the same while that changes, so
    such focus nodes are re-checked too: those a changed triple is about, the items of a practice
    it is about, and those whose findings name an organisation it is about. ``None`` when one
    is a blank node.
    """
    nodes = {n for s, _p, o in changes for n in (s, o) if isinstance(n, URIRef)}
    if not nodes:
        return set()
    items = store.query(bind_column(_PRACTICE_ITEMS, "practice", sorted(nodes, key=str)))
    near = {str(n) for n in nodes} | {str(row[0]) for row in items.rows if row[0] is not None}
    found = {f.focus for f in previous.findings if f.focus in near or f.organisation in near}
    if any(focus.startswith("_:") for focus in found):
        return None
    return {URIRef(focus) for focus in found}


def validate_around(
    store: Store, previous: ValidationReport, changes: Collection[Triple], *, save: bool = True
) -> ValidationReport:
    """The report after ``changes``, re-checking only the focus nodes they can affect.

    ``previous`` is the report of the data before the change (the knowledge base keeps it);
    ``changes`` the triples added or removed, asserted or inferred. With ``save``, the
    validation graph is updated the same way (only those focus nodes' results replaced).
    """
    started = time.perf_counter()
    existing = set(store.graphs())
    graphs = [g for g in [*knowledge_graphs(store), INFERRED_GRAPH] if g in existing]
    shapes, compiled = _compiled_shapes(store)
    union = reads_union(store, existing, graphs)  # as in a full run
    foci = affected_foci(store, changes, compiled, graphs=graphs, union=union)
    named = _renamed(store, changes, previous) if foci is not None else None
    foci = None if foci is None or named is None else foci | named
    if foci is None or len(foci) > MAX_FOCI:
        log.info("a change too wide to follow: validating everything")
        return validate(store, save=save)
    saved = store.query(
        f"{_SH}ASK {{ GRAPH {iri(VALIDATION_GRAPH)} {{ ?report a sh:ValidationReport }} }}",
        union_default_graph=False,
    )
    if save and not saved.boolean:
        return validate(store, save=save)  # nothing saved to update: save a whole report
    inferences = stamp.read(store)
    results = (
        validation_sparql.run(store, graphs, shapes, union=union, foci=foci, compiled=compiled)
        if foci
        else ()
    )
    nodes = [BNode() for _ in results]
    rows = [
        _Result(node, r.focus, r.branch.source_shape, r.branch.severity, r.message, r.path, r.value)
        for node, r in zip(nodes, results, strict=True)
    ]
    fresh = _findings(store, rows, shapes)
    names = {str(f) for f in foci}
    kept = [f for f in previous.findings if f.focus not in names]
    findings = tuple(sorted([*kept, *(f for _, f in fresh)], key=_finding_order))
    conforms = all(f.severity in ("Warning", "Info") for f in findings)
    if save:
        checked = None
        if inferences is not None and not inferences.stale:
            checked = (inferences.run, _shapes_digest(shapes))
        buckets = _buckets_kept(store, foci) if checked is not None else None
        replace_results(store, foci, results, nodes, fresh, conforms, checked, None, buckets)
    log.info(
        "re-validated %d focus nodes: %d results (%.3f s)",
        len(foci),
        len(results),
        time.perf_counter() - started,
    )
    return ValidationReport(conforms=conforms, findings=findings, raw_graph=raw_graph_of(store))


def _buckets_kept(store: Store, foci: Collection[Identifier]) -> str | None:
    """The saved buckets' digests after a save of ``foci``: their buckets become unknown.

    The other buckets' saved results are as their digests say, so the next full validation
    reads back and compares only the buckets marked unknown or whose digests differ
    (:func:`kb.validation.shacl.validate`). None when no digests are saved.
    """
    saved = read_bucket_marks(saved_marks(store).get(str(BUCKET_DIGESTS)))
    if saved is None:
        return None
    raw = {where: digests[0] for where, digests in saved.items()}
    annotated = {where: digests[1] for where, digests in saved.items()}
    for focus in foci:
        raw[bucket(focus)] = annotated[bucket(focus)] = UNKNOWN
    return bucket_marks(raw, annotated)
