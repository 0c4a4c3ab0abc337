"""Precondition validation: the SHACL shapes run over asserted and inferred data.

Two engines give the same results. ``engine="sparql"`` (the default) compiles every shape into one
SPARQL SELECT and runs it on the store itself, embedded or remote (:mod:`kb.validation.compiled`);
``engine="pyshacl"`` is the reference: pySHACL over a copy of the data in rdflib. Both run without
inference (``inference="none"``) because srkb's roles and entailments are already materialised in
the inferred graph, and the tests check that they agree. Each result becomes a :class:`Finding`
tagged with its precondition (from the shape's ``srkb:precondition``) and the organisation it
concerns, so a governance team reads "Finance, precondition 1: consumes payroll without
registering it" instead of a SHACL focus node.

The organisation of a finding is the focus node when that is an organisation; otherwise the
organisation that registers the component, runs the practice (or the practice that defines the
role, responsibility, activity or tool), keeps the catalogue, or consumes in the relationship: the
first of these that applies, and of several organisations the first by IRI, so that both engines
(and every run) name the same one.
"""

from __future__ import annotations

import hashlib
import logging
import typing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier, Node

from kb.errors import InputError, SrkbError
from kb.namespaces import (
    HISTORY_GRAPH,
    INFERRED_GRAPH,
    INFERRED_STAGING_GRAPH,
    PROVENANCE_GRAPH,
    SH,
    SHAPES_GRAPH,
    SRKB,
    VALIDATION_GRAPH,
    knowledge_graphs,
)
from kb.prefixes import Prefixes
from kb.progress import ProgressReport
from kb.reasoning import stamp
from kb.sparql.text import iri, node_name
from kb.store import Store
from kb.store.terms import ntriples_terms
from kb.validation import compiled as validation_sparql
from kb.validation import shacl_report
from kb.validation.organisations import organisations_of, organisations_of_blank_nodes
from kb.validation.saved_digest import (
    annotations_digest,
    bucket,
    bucket_digests,
    bucket_marks,
    read_bucket_marks,
    result_lines,
    results_digest,
)
from kb.validation.saved_results import saved_results
from kb.validation.saving import (
    BUCKET_DIGESTS,
    CHECKED_RUN,
    CHECKED_SHAPES,
    FINDING_MESSAGE,
    OWN_STATEMENTS,
    RESULTS_DIGEST,
    differing,
    marks_of,
    save_changes,
    save_whole,
    saved_marks,
    unstamped,
)

log = logging.getLogger(__name__)

_SH = f"PREFIX sh: <{SH}>\n"

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}

Engine = typing.Literal["sparql", "pyshacl"]
#: The validation engines: compiled SPARQL on the store (default), and pySHACL (the reference).
ENGINES: tuple[Engine, ...] = typing.get_args(Engine)


class Finding(NamedTuple):
    """One thing wrong (or worth a look), in the words of the precondition it belongs to.

    A named tuple rather than a frozen dataclass: a write compares the report's findings before
    and after as sets (6,700 at 1M triples), and a tuple is hashed several times faster.
    """

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
    """The typed report and the raw ``sh:ValidationReport`` graph it was read from.

    ``raw_graph`` is the graph, or a function that builds it: the compiled engine builds its
    rdflib graph only when someone asks for :attr:`graph` (the Turtle report), because that costs
    more than the validation itself on a large report.
    """

    conforms: bool
    findings: tuple[Finding, ...]
    raw_graph: Graph | Callable[[], Graph] = field(repr=False, compare=False)
    #: The prefixes of srkb and of the loaded files, so that reports print their CURIEs.
    prefixes: Prefixes = field(default_factory=Prefixes, repr=False, compare=False)

    @cached_property
    def graph(self) -> Graph:
        """The raw ``sh:ValidationReport`` graph: pySHACL's, or the compiled engine's equivalent."""
        return self.raw_graph if isinstance(self.raw_graph, Graph) else self.raw_graph()

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
        return ValidationReport(
            conforms=conforms, findings=kept, raw_graph=self.raw_graph, prefixes=self.prefixes
        )


def _graph_from(store: Store, graphs: Iterable[str]) -> Graph:
    """The graphs merged into one rdflib graph, blank nodes under their store labels.

    Keeping the labels lets a pySHACL finding on a blank node name the store's node (``_:label``),
    as the compiled engine's findings do.
    """
    graph = Graph()
    for g in graphs:
        for triple in ntriples_terms(store.dump("nt", graph=g)):
            graph.add(triple)
    return graph


def _text(graph: Graph, subject: Node, predicate: URIRef) -> str | None:
    value = graph.value(subject, predicate)
    return None if value is None else str(value)


#: Graphs srkb writes for itself: never data to validate. The provenance graph (when and in what
#: format each Graph Store write came) is one: after the first write through the API it is there,
#: and must not turn the union default graph off.
_OWN_GRAPHS = frozenset(
    {SHAPES_GRAPH, VALIDATION_GRAPH, HISTORY_GRAPH, INFERRED_STAGING_GRAPH, PROVENANCE_GRAPH}
)


def reads_union(store: Store, existing: set[str], graphs: list[str]) -> bool:
    """Whether a run over ``graphs`` can read the embedded store's union default graph instead.

    It can when only srkb's own graphs (:data:`_OWN_GRAPHS`) lie outside the data: they never
    match a shape's data patterns (the tests compare both ways), and one index lookup a pattern
    is several times faster than one a named graph.
    """
    return not store.capabilities.remote and existing - set(graphs) <= _OWN_GRAPHS


def validate(
    store: Store,
    *,
    save: bool = True,
    engine: Engine = "sparql",
    progress: ProgressReport | None = None,
) -> ValidationReport:
    """Validate the knowledge base against the precondition shapes.

    Reads the knowledge graphs and the inferred graph (run :func:`kb.reasoning.inference.infer`
    first) and the shapes graph. ``engine`` chooses how: ``"sparql"`` runs one compiled query per
    shape on the store (fast, and remote stores are never copied); ``"pyshacl"`` copies the data
    into rdflib and runs pySHACL, the reference. Both give the same findings.
    With ``save`` the raw report, annotated with precondition and organisation per result,
    replaces the validation graph, so SPARQL questions can ask which organisations fail what.
    """
    if engine not in ENGINES:
        raise InputError(
            f"unknown validation engine {engine!r}", hint="use one of " + ", ".join(ENGINES)
        )
    inferences = stamp.read(store)  # which inferences this run checks, read before it starts
    existing = set(store.graphs())
    graphs = [g for g in [*knowledge_graphs(store), INFERRED_GRAPH] if g in existing]
    shapes = _graph_from(store, [SHAPES_GRAPH])
    if len(shapes) == 0:
        raise SrkbError("the store has no shapes graph; load the model first (srkb load)")
    raw_graph: Graph | Callable[[], Graph]
    raw_triples: Callable[[], Iterable[Triple]]
    checked = None
    if inferences is not None and not inferences.stale:
        checked = (inferences.run, _shapes_digest(shapes))
    if engine == "sparql":
        union = reads_union(store, existing, graphs)
        compiled = validation_sparql.run(store, graphs, shapes, union=union, progress=progress)
        conforms = validation_sparql.conforms(compiled)
        nodes = [BNode() for _ in compiled]
        results = [
            _Result(
                node, r.focus, r.branch.source_shape, r.branch.severity, r.message, r.path, r.value
            )
            for node, r in zip(nodes, compiled, strict=True)
        ]

        def raw_triples() -> list[Triple]:
            return shacl_report.report_triples(compiled, conforms, nodes)

        def raw_graph() -> Graph:
            return shacl_report.report_graph(raw_triples())

    else:
        conforms, pyshacl_graph = _run_pyshacl(store, graphs, shapes)
        results = _results_of(pyshacl_graph)
        raw_graph = pyshacl_graph

        def raw_triples() -> Iterable[Triple]:
            return cast("Iterable[Triple]", pyshacl_graph)

    marks: dict[str, str] = {}
    raw = reading = None
    # Whether the saved results can be compared with the new ones (see save_changes).
    comparable = same = False
    # The buckets of focus nodes whose saved results are read and compared (None: all).
    wanted: set[str] | None = None
    lines: list[str] = []
    where: list[str] = []  # each result's bucket
    raw_buckets: dict[str, str] = {}
    saved_buckets = None
    if save and engine == "sparql" and checked is not None:
        marks = saved_marks(store)
        lines = result_lines(compiled)
        raw = results_digest(lines, conforms)
        comparable = not store.capabilities.remote and marks.get(str(CHECKED_SHAPES)) == checked[1]
        said = marks.get(str(RESULTS_DIGEST), "").split(" ")[0]
        same = said == raw and unstamped(marks) == marks_of(checked, "")
        saved_buckets = read_bucket_marks(marks.get(str(BUCKET_DIGESTS)))
        where = [bucket(result.focus) for result in compiled]
        raw_buckets = bucket_digests(where, lines)  # 7 ms at 1M
        if comparable and not same:
            if saved_buckets is not None:
                wanted = differing(raw_buckets, saved_buckets, 0)
            # The saved results will be compared: read them while the findings are made.
            reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="srkb-saved-report")
            reading = reader.submit(saved_results, store, wanted)
            reader.shutdown(wait=False)
    findings = _findings(store, results, shapes)
    report = ValidationReport(
        conforms=conforms,
        findings=tuple(sorted((f for _, f in findings), key=_finding_order)),
        raw_graph=raw_graph,
        prefixes=Prefixes.load(store),
    )
    if save:
        digest = buckets = None
        annotated: dict[str, str] = {}
        if raw is not None:
            digest = f"{raw} {annotations_digest(f for _, f in findings)}"
            if same and saved_buckets is not None and marks.get(str(RESULTS_DIGEST)) == digest:
                # The same results and annotations as saved: so are the buckets' digests.
                buckets = marks.get(str(BUCKET_DIGESTS))
            else:
                annotated = bucket_digests(where, lines, enumerate(f for _, f in findings))
                buckets = bucket_marks(raw_buckets, annotated)
        if (
            digest is not None
            and checked is not None
            and marks == marks_of(checked, digest, buckets)
        ):
            log.info("the saved report is current: nothing to save")
            return report
        triples = list(raw_triples())
        saved = None
        if reading is not None:
            saved = reading.result()
        elif comparable:
            saved = saved_results(store)
        if saved is not None and wanted is not None and saved_buckets is not None:
            # Results the same, annotations not (an organisation renamed): read those too.
            more = differing(annotated, saved_buckets, 1) - wanted
            if more:
                saved.update(saved_results(store, more))
                wanted |= more
        compared: set[Node] | None = None  # the results whose buckets were read back (None: all)
        if wanted is not None:
            compared = {node for node, b in zip(nodes, where, strict=True) if b in wanted}
        if saved is None or not save_changes(
            store,
            saved,
            compiled,
            nodes,
            triples,
            findings,
            conforms,
            checked,
            (digest, buckets),
            compared,
        ):
            save_whole(store, triples, findings, checked, digest, buckets)
    return report


def _shapes_digest(shapes: Graph) -> str:
    """Digest of the shapes, blank-node labels left out (each install relabels them)."""

    def text(node: Node) -> str:
        return "_" if isinstance(node, BNode) else node.n3()

    lines = sorted(f"{text(s)} {text(p)} {text(o)}" for s, p, o in shapes)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


_SAVED_RESULTS = f"""
PREFIX sh: <{SH}>
SELECT ?result ?focus ?shape ?severity ?message ?path ?value ?chosen WHERE {{
  GRAPH <{VALIDATION_GRAPH}> {{
    ?report sh:result ?result .
    ?result sh:focusNode ?focus ; sh:sourceShape ?shape ; sh:resultSeverity ?severity .
    OPTIONAL {{ ?result sh:resultMessage ?message }}
    OPTIONAL {{ ?result sh:resultPath ?path }}
    OPTIONAL {{ ?result sh:value ?value }}
    OPTIONAL {{ ?result <{FINDING_MESSAGE}> ?chosen }}
  }}
}}
"""


def saved_report(store: Store) -> ValidationReport | None:
    """The saved report, if it checked the current inferences with the current shapes; else None.

    What a start-up serves instead of validating again when nothing changed. The report is read
    back from the validation graph and turned into findings the way :func:`validate` does, so it
    equals the report that was saved; ``None`` when there is none, when it was saved for other
    inferences (a write since, or a run cut short) or other shapes, or when the inferred graph
    carries a stale mark.
    """
    inferences = stamp.read(store)
    if inferences is None or inferences.stale:
        return None
    graph = iri(VALIDATION_GRAPH)
    saved = saved_marks(store)
    if saved.get(str(CHECKED_RUN)) != inferences.run:
        return None
    shapes = _graph_from(store, [SHAPES_GRAPH])
    if saved.get(str(CHECKED_SHAPES)) != _shapes_digest(shapes):
        return None
    verdict = store.query(
        f"ASK {{ GRAPH {graph} {{ ?report <{SH.conforms}> true }} }}", union_default_graph=False
    )
    rows = store.query(_SAVED_RESULTS, union_default_graph=False).rows
    by_node: dict[Node, _Result] = {}
    for node, focus, shape, severity, message, path, value, chosen in rows:
        if node is None or focus is None or shape is None or severity is None:
            continue
        known = by_node.get(node)
        if known is None or (chosen is not None and known.message != chosen):
            by_node[node] = _Result(node, focus, shape, severity, chosen or message, path, value)
    findings = _findings(store, list(by_node.values()), shapes)
    return ValidationReport(
        conforms=bool(verdict.boolean),
        findings=tuple(sorted((f for _, f in findings), key=_finding_order)),
        raw_graph=raw_graph_of(store),
    )


def raw_graph_of(store: Store) -> Callable[[], Graph]:
    """A function that reads the saved raw report back (without srkb's annotations)."""

    def raw_graph() -> Graph:
        report = Graph()
        report.parse(data=store.dump("nt", graph=VALIDATION_GRAPH), format="nt")
        annotations = {*OWN_STATEMENTS, SRKB.precondition, SRKB.concernsOrganisation}
        for triple in list(report):
            if triple[1] in annotations:
                report.remove(triple)
        return report

    return raw_graph


def _run_pyshacl(store: Store, graphs: Sequence[str], shapes: Graph) -> tuple[bool, Graph]:
    return pyshacl_report(_graph_from(store, graphs), shapes)


def pyshacl_report(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    """Run pySHACL as srkb runs it: the reference engine, and ``make bench``'s baseline.

    No inference (srkb's entailments are already in the data), SPARQL constraints on, warnings
    allowed to conform. Returns whether the data conforms and the raw report graph.
    """
    import pyshacl

    conforms, report_graph, _text_report = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=None,
        inference="none",
        advanced=True,
        allow_warnings=True,
        meta_shacl=False,
    )
    return bool(conforms), report_graph


Triple = tuple[Node, Node, Node]


class _Result(NamedTuple):
    """One top-level ``sh:ValidationResult``, whichever engine produced it."""

    node: Node  # the result's node in the raw report
    focus: Node
    shape: Node
    severity: Node
    message: Node | None
    path: Node | None
    value: Node | None


def _results_of(report: Graph) -> list[_Result]:
    # Only top-level results: pySHACL also types the nested sh:detail results of sh:node checks.
    return [
        _Result(
            result,
            report.value(result, SH.focusNode),  # type: ignore[arg-type]
            report.value(result, SH.sourceShape),  # type: ignore[arg-type]
            report.value(result, SH.resultSeverity),  # type: ignore[arg-type]
            report.value(result, SH.resultMessage),
            report.value(result, SH.resultPath),
            report.value(result, SH.value),
        )
        for result in report.objects(None, SH.result)
    ]


def _finding_order(finding: Finding) -> tuple[str, int, str, str, str, str, str, str]:
    """A total order, so that equal reports list their findings alike however they were found."""
    return (
        finding.organisation or "",
        finding.precondition,
        finding.source_shape,
        finding.focus,
        finding.value or "",
        finding.path or "",
        finding.message,
        finding.severity,
    )


def _findings(store: Store, results: list[_Result], shapes: Graph) -> list[tuple[Node, Finding]]:
    """Each result as a :class:`Finding`, paired with the result's node in the raw report."""
    foci = {r.focus for r in results if isinstance(r.focus, URIRef)}
    organisations = organisations_of(store, sorted(foci))
    if any(isinstance(r.focus, BNode) for r in results):
        organisations.update(organisations_of_blank_nodes(store))
    about: dict[Node, tuple[int, str | None, str | None]] = {}
    for shape in {r.shape for r in results}:
        number = shapes.value(shape, SRKB.precondition)
        about[shape] = (
            int(number) if isinstance(number, Literal) else 0,
            _text(shapes, shape, SH.message),
            _text(shapes, shape, SRKB.fixHint),
        )
    findings = []
    for r in results:
        org, label = organisations.get(node_name(cast("Identifier", r.focus)), (None, None))
        precondition, shape_message, hint = about[r.shape]
        finding = Finding(
            organisation=org,
            organisation_label=label,
            precondition=precondition,
            severity=SEVERITIES.get(r.severity, str(r.severity)),  # type: ignore[call-overload]
            message=(None if r.message is None else str(r.message))
            or shape_message
            or "does not meet the shape",
            focus=node_name(cast("Identifier", r.focus)),
            path=None if r.path is None else str(r.path),
            value=None if r.value is None else node_name(cast("Identifier", r.value)),
            hint=hint,
            source_shape=str(r.shape),
        )
        findings.append((r.node, finding))
    return findings
