"""Validation after a change: re-check only the focus nodes the change can reach.

A full validation runs every shape over the whole knowledge base (seconds at a million triples),
and saving its report rewrites the whole validation graph. After a write that touched a few
resources, almost every result is the same as before. A shape's results for a focus node depend
only on facts near it: the compiled shapes read the focus node's own triples, those of its values
and, in the SPARQL constraints, of resources one more link away (a component's organisation and
the relationships it consumes in); the organisation a finding names is at most two links away (a
practice's role: role, practice, organisation). So a result can change only for focus nodes within
:data:`RADIUS` links of a resource whose triples changed: the resources the write touched, and
the subjects and objects of the inferred triples the incremental inference added or removed. The
service level shapes reach further (a target three links from its consumer, a measurement of it
four): a changed target or measurement brings its agreement in as a changed resource too.

:func:`validate_around` finds those focus nodes (walking the knowledge and inferred graphs, not
through ontology terms or literals, as :mod:`kb.reasoning.incremental` does), runs every shape
restricted to them (:meth:`kb.validation.compiled.CompiledShape.focused`), and replaces their
results in the previous report and in the saved validation graph, in one update request, so that
readers see the old report or the new one. It falls back to a full
:func:`kb.validation.shacl.validate` when the change is too wide (more than :data:`MAX_FOCI` focus
nodes: a hub changed) or a blank node lies near it (SPARQL cannot name it). The property tests
compare the result with full runs after random writes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import cast

from rdflib import RDF, BNode, Literal, URIRef
from rdflib.term import Identifier, Node

from kb.namespaces import (
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    SH,
    SHAPES_GRAPH,
    SRKB,
    VALIDATION_GRAPH,
    knowledge_graphs,
)
from kb.reasoning import stamp
from kb.reasoning.incremental import rings
from kb.sparql.text import bind_column, iri, term
from kb.store import Store
from kb.validation import compiled as validation_sparql
from kb.validation.shacl import (
    CHECKED_RUN,
    CHECKED_SHAPES,
    FINDING_MESSAGE,
    Finding,
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

#: Links from a changed resource to the farthest focus node whose results can change (see the
#: module docstring); the property tests check it against full runs.
RADIUS = 2
#: More focus nodes than this and a full run is as quick: a shape's negated part (its MINUS) is
#: evaluated whole whatever the focus nodes, so only few of them make the focused run cheaper,
#: and a change near a hub (a platform provider, a vendor) reaches hundreds.
MAX_FOCI = 500
#: The service level shapes read further than :data:`RADIUS`: from a consumer through its
#: component or relationship and agreement to a target's own triples (three links) and to a
#: measurement of it (four). A changed target or measurement stands for its agreement, two links
#: from the consumer (the tests change only a target's value, or a measurement's, and compare).
_ANCHORS = f"""SELECT DISTINCT ?agreement WHERE {{
  {{ ?agreement {iri(SRKB.hasServiceLevelTarget)} ?node }}
  UNION {{ ?node {iri(SRKB.measuresTarget)} ?target .
          ?agreement {iri(SRKB.hasServiceLevelTarget)} ?target }}
}}"""
_SH = f"PREFIX sh: <{SH}>\n"
_ONTOLOGY_TERMS = f"SELECT DISTINCT ?node WHERE {{ GRAPH {iri(ONTOLOGY_GRAPH)} {{ ?node ?p ?o }} }}"


def affected_foci(store: Store, seeds: Iterable[Identifier]) -> set[Identifier] | None:
    """The resources within :data:`RADIUS` links of ``seeds``; ``None`` if that is too wide."""
    graphs = [*knowledge_graphs(store), INFERRED_GRAPH]
    start = {n for n in seeds if isinstance(n, URIRef | BNode)}
    if start:  # an ontology term (the class of a changed role) is not a place in the data
        result = store.query(
            bind_column(_ONTOLOGY_TERMS, "node", sorted(start, key=str)),
            union_default_graph=False,
        )
        start -= {row[0] for row in result.rows}
    if start:
        result = store.query(
            bind_column(_ANCHORS, "node", sorted(start, key=str)), union_default_graph=True
        )
        start |= {row[0] for row in result.rows if isinstance(row[0], URIRef | BNode)}
    found = rings(store, start, RADIUS, graphs=graphs)[-1]
    if len(found) > MAX_FOCI or any(isinstance(node, BNode) for node in found):
        return None
    return found


def validate_around(
    store: Store, previous: ValidationReport, seeds: Iterable[Identifier], *, save: bool = True
) -> ValidationReport:
    """The report after a change near ``seeds``, re-checking only the focus nodes it can reach.

    ``previous`` is the report of the data before the change (the knowledge base keeps it);
    ``seeds`` the resources whose asserted or inferred triples changed. With ``save``, the
    validation graph is updated the same way (only those focus nodes' results replaced).
    """
    started = time.perf_counter()
    foci = affected_foci(store, seeds)
    if foci is None:
        log.info("a wide change: validating everything")
        return validate(store, save=save)
    saved = store.query(
        f"{_SH}ASK {{ GRAPH {iri(VALIDATION_GRAPH)} {{ ?report a sh:ValidationReport }} }}",
        union_default_graph=False,
    )
    if save and not saved.boolean:
        return validate(store, save=save)  # nothing saved to update: save a whole report
    inferences = stamp.read(store)
    existing = set(store.graphs())
    graphs = [g for g in [*knowledge_graphs(store), INFERRED_GRAPH] if g in existing]
    shapes = _graph_from(store, [SHAPES_GRAPH])
    union = reads_union(store, existing, graphs)  # as in a full run
    compiled = validation_sparql.run(store, graphs, shapes, union=union, foci=foci) if foci else ()
    nodes = [BNode() for _ in compiled]
    results = [
        _Result(node, r.focus, r.branch.source_shape, r.branch.severity, r.message, r.path, r.value)
        for node, r in zip(nodes, compiled, strict=True)
    ]
    fresh = _findings(store, results, shapes)
    names = {str(f) for f in foci}
    kept = [f for f in previous.findings if f.focus not in names]
    findings = tuple(sorted([*kept, *(f for _, f in fresh)], key=_finding_order))
    conforms = all(f.severity in ("Warning", "Info") for f in findings)
    if save:
        checked = None
        if inferences is not None and not inferences.stale:
            checked = (inferences.run, _shapes_digest(shapes))
        _replace_results(store, foci, compiled, nodes, fresh, conforms, checked)
    log.info(
        "re-validated %d focus nodes: %d results (%.3f s)",
        len(foci),
        len(compiled),
        time.perf_counter() - started,
    )
    return ValidationReport(conforms=conforms, findings=findings, raw_graph=raw_graph_of(store))


def _replace_results(
    store: Store,
    foci: set[Identifier],
    compiled: tuple[validation_sparql.ShapeResult, ...],
    nodes: list[BNode],
    findings: list[tuple[Node, Finding]],
    conforms: bool,
    checked: tuple[str, str] | None,
) -> None:
    """Replace the saved results of ``foci`` (and the report's verdict and stamp), in one request.

    The report and its results are blank nodes, so the request finds them by pattern: the old
    results by their focus node, the report by its type.
    """
    graph = iri(VALIDATION_GRAPH)
    values = " ".join(term(f) for f in sorted(foci, key=str))
    triples = validation_sparql.report_triples(compiled, conforms, nodes)

    def n3(node: Node) -> str:
        return term(cast("Identifier", node))

    lines: list[str] = []
    messages: dict[Node, int] = {}
    for s, p, o in triples:
        if p == SH.resultMessage:
            messages[s] = messages.get(s, 0) + 1
        if p == SH.conforms or (p == RDF.type and o == SH.ValidationReport):
            continue  # the report node stays; its verdict is replaced below
        subject = "?report" if p == SH.result else n3(s)
        lines.append(f"{subject} {n3(p)} {n3(o)} .")
    for node, finding in findings:
        lines.append(f"{n3(node)} {n3(SRKB.precondition)} {n3(Literal(finding.precondition))} .")
        if finding.organisation:
            organisation = n3(URIRef(finding.organisation))
            lines.append(f"{n3(node)} {n3(SRKB.concernsOrganisation)} {organisation} .")
        if messages.get(node, 0) > 1:
            lines.append(f"{n3(node)} {n3(FINDING_MESSAGE)} {n3(Literal(finding.message))} .")
    if checked is not None:
        run, shapes = checked
        lines.append(f"{graph} {n3(CHECKED_RUN)} {n3(Literal(run))} .")
        lines.append(f"{graph} {n3(CHECKED_SHAPES)} {n3(Literal(shapes))} .")
    body = "\n".join(lines)
    store.update(
        f"{_SH}DELETE {{ GRAPH {graph} {{ ?report sh:result ?result . ?result ?p ?o }} }}\n"
        f"WHERE {{ GRAPH {graph} {{ VALUES ?focus {{ {values} }} ?result sh:focusNode ?focus ;"
        f" ?p ?o . ?report sh:result ?result }} }} ;\n"
        f"DELETE WHERE {{ GRAPH {graph} {{ ?report sh:conforms ?verdict }} }} ;\n"
        f"DELETE WHERE {{ GRAPH {graph} {{ {graph} ?p ?o }} }} ;\n"
        f"INSERT {{ GRAPH {graph} {{\n"
        f"?report sh:conforms {n3(Literal(conforms))} .\n{body}\n}} }}\n"
        f"WHERE {{ GRAPH {graph} {{ ?report a sh:ValidationReport }} }}"
    )
