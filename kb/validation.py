"""Precondition validation: the SHACL shapes run over asserted and inferred data.

pySHACL is the validator; it runs with ``inference="none"`` because srkb's roles and entailments
are already materialised in the inferred graph. Each result becomes a :class:`Finding` tagged with
its precondition (from the shape's ``srkb:precondition``) and the organisation it concerns, so a
governance team reads "Finance, precondition 1: consumes payroll without registering it" instead of
a SHACL focus node.

The organisation of a finding is the focus node when that is an organisation; otherwise the
organisation that registers the component, runs the practice (or the practice that defines the
role, responsibility, activity or tool), keeps the catalogue, or consumes in the relationship.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.term import Identifier, Node

from kb.errors import SrkbError
from kb.inference import knowledge_graphs
from kb.namespaces import INFERRED_GRAPH, SH, SHAPES_GRAPH, SRKB, VALIDATION_GRAPH
from kb.sparql import bind_column
from kb.store import Store

log = logging.getLogger(__name__)

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}

_ORGANISATION_OF = """
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?focus ?org ?label WHERE {
  {
    ?focus a org:Organization . BIND(?focus AS ?org)
  } UNION {
    ?org srkb:registersComponent ?focus .
  } UNION {
    ?org srkb:hasPractice ?focus .
  } UNION {
    ?org srkb:hasCatalogue ?focus .
  } UNION {
    ?org srkb:hasPractice ?practice .
    ?practice srkb:definesRole|srkb:definesResponsibility|srkb:definesActivity|srkb:usesTool
              ?focus .
  } UNION {
    ?focus srkb:hasConsumer ?org .
  }
  OPTIONAL { ?org rdfs:label ?label }
}
"""


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or worth a look), in the words of the precondition it belongs to."""

    organisation: str | None
    organisation_label: str | None
    precondition: int
    severity: str
    message: str
    focus: str
    path: str | None
    value: str | None
    hint: str | None
    source_shape: str

    @property
    def sentence(self) -> str:
        """The finding as one sentence: organisation, then the shape's message."""
        who = self.organisation_label or self.organisation or self.focus
        return f"{who}: {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    """The typed report and the raw ``sh:ValidationReport`` graph it was read from."""

    conforms: bool
    findings: tuple[Finding, ...]
    graph: Graph = field(repr=False, compare=False)

    def by_organisation(self) -> dict[str, list[Finding]]:
        """Findings grouped by organisation IRI (``""`` for findings with no organisation)."""
        groups: dict[str, list[Finding]] = {}
        for finding in self.findings:
            groups.setdefault(finding.organisation or "", []).append(finding)
        return groups

    def filtered(
        self, *, organisation: str | None = None, precondition: int | None = None
    ) -> ValidationReport:
        """The same report restricted to one organisation and/or one precondition."""
        kept = tuple(
            f
            for f in self.findings
            if (organisation is None or f.organisation == organisation)
            and (precondition is None or f.precondition == precondition)
        )
        conforms = not any(f.severity == "Violation" for f in kept)
        return ValidationReport(conforms=conforms, findings=kept, graph=self.graph)


def _graph_from(store: Store, graphs: Iterable[str]) -> Graph:
    data = b"".join(store.dump("nt", graph=g) + b"\n" for g in graphs)
    graph = Graph()
    graph.parse(data=data, format="nt")
    return graph


def _text(graph: Graph, subject: Node, predicate: URIRef) -> str | None:
    value = graph.value(subject, predicate)
    return None if value is None else str(value)


def validate(store: Store, *, save: bool = True) -> ValidationReport:
    """Validate the knowledge base against the precondition shapes.

    Reads the knowledge graphs and the inferred graph (run :func:`kb.inference.infer` first).
    With ``save`` the raw report, annotated with precondition and organisation per result,
    replaces the validation graph, so SPARQL questions can ask which organisations fail what.
    """
    import pyshacl

    graphs = [*knowledge_graphs(store), INFERRED_GRAPH]
    data = _graph_from(store, [g for g in graphs if g in set(store.graphs())])
    shapes = _graph_from(store, [SHAPES_GRAPH])
    if len(shapes) == 0:
        raise SrkbError("the store has no shapes graph; load the model first (srkb load)")
    conforms, report_graph, _text_report = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=None,
        inference="none",
        advanced=True,
        allow_warnings=True,
        meta_shacl=False,
    )
    findings = _findings(store, report_graph, shapes)
    report = ValidationReport(conforms=bool(conforms), findings=findings, graph=report_graph)
    if save:
        _save(store, report)
    return report


def _findings(store: Store, report: Graph, shapes: Graph) -> tuple[Finding, ...]:
    # Only top-level results: pySHACL also types the nested sh:detail results of sh:node checks.
    results = list(report.objects(None, SH.result))
    foci = {report.value(r, SH.focusNode) for r in results}
    organisations = _organisations(store, [f for f in foci if isinstance(f, URIRef)])
    findings = []
    for result in results:
        focus = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        precondition = shapes.value(shape, SRKB.precondition)
        org, label = organisations.get(str(focus), (None, None))
        severity = report.value(result, SH.resultSeverity)
        findings.append(
            Finding(
                organisation=org,
                organisation_label=label,
                precondition=int(precondition) if isinstance(precondition, Literal) else 0,
                severity=SEVERITIES.get(severity, str(severity)),  # type: ignore[call-overload]
                message=_text(report, result, SH.resultMessage)
                or _text(shapes, shape, SH.message)  # type: ignore[arg-type]
                or "does not meet the shape",
                focus=str(focus),
                path=_text(report, result, SH.resultPath),
                value=_text(report, result, SH.value),
                hint=_text(shapes, shape, SRKB.fixHint),  # type: ignore[arg-type]
                source_shape=str(shape),
            )
        )
    findings.sort(key=lambda f: (f.organisation or "", f.precondition, f.source_shape, f.focus))
    return tuple(findings)


def _organisations(store: Store, foci: list[URIRef]) -> dict[str, tuple[str, str | None]]:
    if not foci:
        return {}
    result = store.query(bind_column(_ORGANISATION_OF, "focus", foci))
    found: dict[str, tuple[str, str | None]] = {}
    for focus, org, label in result.rows:
        found.setdefault(str(focus), (str(org), None if label is None else str(label)))
    return found


def _save(store: Store, report: ValidationReport) -> None:
    graph = Graph()
    for triple in report.graph:
        graph.add(triple)
    by_focus_shape = {(f.focus, f.source_shape): f for f in report.findings}
    for result in report.graph.objects(None, SH.result):
        key = (
            str(report.graph.value(result, SH.focusNode)),
            str(report.graph.value(result, SH.sourceShape)),
        )
        finding = by_focus_shape.get(key)
        if finding is None:
            continue
        graph.add((result, SRKB.precondition, Literal(finding.precondition)))
        if finding.organisation:
            graph.add((result, SRKB.concernsOrganisation, URIRef(finding.organisation)))
    triples = [cast("tuple[Identifier, Identifier, Identifier]", t) for t in graph]
    store.replace_graph(VALIDATION_GRAPH, triples)
