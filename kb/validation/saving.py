"""Saving a validation report into the validation graph: whole, or only the results that changed.

The validation graph is what SPARQL questions read (which organisations fail what), and what a
start serves again when nothing changed (:func:`kb.validation.shacl.saved_report`). At a million
triples rewriting it whole is the dearest part of a validation, so a full validation compares
what it found with what is saved and replaces only the results of the focus nodes that changed,
and a write replaces only those it re-validated. Beside the results the graph holds marks about
itself: which inferences and shapes it checked, and digests of what it says
(:mod:`kb.validation.saved_digest`), so that the next run knows what it needs to read back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from itertools import count
from typing import TYPE_CHECKING, cast

from rdflib import RDF, BNode, Literal, URIRef
from rdflib.term import Identifier, Node

from kb.namespaces import SH, SRKB, VALIDATION_GRAPH
from kb.sparql.text import iri, term, terms
from kb.store import Store
from kb.validation import compiled as validation_sparql
from kb.validation import shacl_report
from kb.validation.saved_results import Saved, Triple, changed_foci

if TYPE_CHECKING:
    from kb.validation.shacl import Finding

log = logging.getLogger(__name__)

_SH = f"PREFIX sh: <{SH}>\n"


#: The validation graph's stamp: the inference run it checked, and the shapes it checked with.
CHECKED_RUN = URIRef(VALIDATION_GRAPH + "#inferenceRun")
CHECKED_SHAPES = URIRef(VALIDATION_GRAPH + "#shapes")
#: What the saved results say, as digests (:mod:`kb.validation.saved_digest`); a save of only
#: some focus nodes' results (after a write) leaves none, since it does not see the others.
RESULTS_DIGEST = URIRef(VALIDATION_GRAPH + "#resultsDigest")
#: The digests of the saved results in each bucket of focus nodes
#: (:func:`kb.validation.saved_digest.bucket_marks`); a save of some focus nodes marks their
#: buckets unknown and keeps the others.
BUCKET_DIGESTS = URIRef(VALIDATION_GRAPH + "#bucketDigests")
#: The message a finding shows, saved when a result has several (their order is not kept).
FINDING_MESSAGE = URIRef(VALIDATION_GRAPH + "#findingMessage")
OWN_STATEMENTS = frozenset(
    {CHECKED_RUN, CHECKED_SHAPES, RESULTS_DIGEST, BUCKET_DIGESTS, FINDING_MESSAGE}
)


def differing(new: dict[str, str], saved: dict[str, tuple[str, str]], which: int) -> set[str]:
    """The buckets whose new digests differ from the saved ones (``which``: raw 0, annotated 1).

    A bucket saved but no longer found differs too, and so does one whose saved digest is
    unknown (after a save of some focus nodes).
    """
    return {
        where
        for where in new.keys() | saved.keys()
        if where not in new or where not in saved or new[where] != saved[where][which]
    }


def unstamped(marks: dict[str, str]) -> dict[str, str]:
    """The saved marks without the digests: the stamp alone."""
    stamp_only = {mark: value for mark, value in marks.items() if mark != str(BUCKET_DIGESTS)}
    return {**stamp_only, str(RESULTS_DIGEST): ""}


def marks_of(
    checked: tuple[str, str], digest: str | None, buckets: str | None = None
) -> dict[str, str]:
    """The statements about the validation graph itself that a save with ``checked`` writes."""
    marks = {str(CHECKED_RUN): checked[0], str(CHECKED_SHAPES): checked[1]}
    if digest is not None:
        marks[str(RESULTS_DIGEST)] = digest
    if buckets is not None:
        marks[str(BUCKET_DIGESTS)] = buckets
    return marks


def saved_marks(store: Store) -> dict[str, str]:
    """The statements about the validation graph itself, as saved (its stamp and digest)."""
    graph = iri(VALIDATION_GRAPH)
    found = store.query(
        f"SELECT ?p ?o WHERE {{ GRAPH {graph} {{ {graph} ?p ?o }} }}", union_default_graph=False
    )
    return {str(p): str(o) for p, o in found.rows if p is not None and o is not None}


def save_whole(
    store: Store,
    triples: Iterable[Triple],
    findings: list[tuple[Node, Finding]],
    checked: tuple[str, str] | None = None,
    digest: str | None = None,
    buckets: str | None = None,
) -> None:
    """Replace the validation graph with the raw report, each result annotated with its finding.

    One update request (drop and insert), so readers see the old report or the new one; on a
    remote store :meth:`Store.replace_graph`, which stages a large report. On the embedded store
    the request is written here rather than by :meth:`Store.replace_graph` because a large report
    repeats the same few terms (shapes, severities, messages) hundreds of thousands of times: each
    distinct term is serialised once (by :func:`kb.sparql.text.term`), SHACL and srkb terms as
    prefixed names and blank nodes with short labels, which made saving 50,000 results about twice
    as fast.
    """
    triples = list(triples)
    several = several_messages(triples)
    if store.capabilities.remote:
        # A remote store writes a graph its own way (blank nodes as skolem IRIs, requests of a
        # size the endpoint parses, large graphs staged and moved into place by one request).
        everything: list[tuple[Identifier, ...]] = [
            cast("tuple[Identifier, ...]", t) for t in triples
        ]
        for node, finding in findings:
            annotations = annotations_of(node, finding, several=node in several)
            everything += cast("list[tuple[Identifier, ...]]", annotations)
        if checked is not None:
            report = URIRef(VALIDATION_GRAPH)
            for mark, value in marks_of(checked, digest, buckets).items():
                everything.append((report, URIRef(mark), Literal(value)))
        store.replace_graph(VALIDATION_GRAPH, everything)
        return
    text: dict[Node, str] = {}
    labels = count()

    def n3(node: Node) -> str:
        written = text.get(node)
        if written is None:
            if isinstance(node, BNode):
                written = f"_:b{next(labels)}"
            elif isinstance(node, URIRef) and (short := _prefixed(node)):
                written = short
            else:
                written = term(cast("Identifier", node))
            text[node] = written
        return written

    for node, finding in findings:
        triples += annotations_of(node, finding, several=node in several)
    lines = [f"{n3(s)} {n3(p)} {n3(o)} ." for s, p, o in triples]
    graph = iri(VALIDATION_GRAPH)
    if checked is not None:  # the stamp: which inferences and shapes this report checked
        for mark, value in marks_of(checked, digest, buckets).items():
            lines.append(f"{graph} {n3(URIRef(mark))} {n3(Literal(value))} .")
    store.update(
        f"PREFIX sh: <{SH}>\nPREFIX srkb: <{SRKB}>\nDROP SILENT GRAPH {graph} ;\n"
        f"INSERT DATA {{ GRAPH {graph} {{\n" + "\n".join(lines) + "\n} }"
    )


def several_messages(triples: Iterable[Triple]) -> set[Node]:
    """The results of a raw report that have more than one ``sh:resultMessage``."""
    message = SH.resultMessage  # once: each lookup in an rdflib namespace costs a few us
    seen: set[Node] = set()
    several: set[Node] = set()
    for s, p, _o in triples:
        if p == message:
            (several if s in seen else seen).add(s)
    return several


def annotations_of(node: Node, finding: Finding, *, several: bool) -> list[Triple]:
    """What srkb says about one saved result besides SHACL: precondition, organisation, message.

    The message is the one the finding shows, stated when the result has ``several`` (a graph
    does not keep their order).

    A blank-node organisation is recorded by its printable name, ``"_:label"``: a request that
    inserts data cannot point at an existing blank node (its blank nodes are new ones), and the
    property is an annotation property, so a literal value is allowed.
    """
    statements: list[Triple] = [(node, SRKB.precondition, Literal(finding.precondition))]
    if finding.organisation:
        organisation = finding.organisation
        value = Literal(organisation) if organisation.startswith("_:") else URIRef(organisation)
        statements.append((node, SRKB.concernsOrganisation, value))
    if several:
        statements.append((node, FINDING_MESSAGE, Literal(finding.message)))
    return statements


def save_changes(
    store: Store,
    saved: Saved | None,
    results: Sequence[validation_sparql.ShapeResult],
    nodes: Sequence[BNode],
    triples: Sequence[Triple],
    findings: Sequence[tuple[Node, Finding]],
    conforms: bool,
    checked: tuple[str, str] | None,
    digests: tuple[str | None, str | None],
    compared: set[Node] | None = None,
) -> bool:
    """Replace only the saved results that changed; False when the whole report must be saved.

    A validation mostly finds what the one before it found, and rewriting the whole validation
    graph in one transaction is the dearest part of a run on the embedded store (at a million
    triples 2.4 s of 7: deleting 71,000 statements and inserting as many in one RocksDB
    transaction costs twice what the two cost apart). This compares the saved results with the
    new ones focus node by focus node (:func:`kb.validation.saved_results.changed_foci`) and
    replaces the results of the focus nodes that differ (:func:`replace_results`, one update
    request, so readers see the old report or the new one). ``saved`` is what
    :func:`kb.validation.saved_results.saved_results` read, None when nothing was read: nothing
    saved for the same shapes, or :func:`kb.validation.shacl.validate` did not read it (stale
    inferences; a remote endpoint, which still receives the whole report: it stores blank nodes
    as skolem IRIs, which this comparison would count as changes). ``digests`` (of the whole
    and of each bucket) are saved with the changes (:mod:`kb.validation.saved_digest`).
    ``compared`` are the nodes of the new results whose buckets were read back, the only ones
    compared (None: all).
    """
    if saved is None:
        return False
    several = several_messages(triples)
    pairs = findings
    if compared is not None:
        pairs = [(node, finding) for node, finding in findings if node in compared]
    annotations = [
        statement
        for node, finding in pairs
        for statement in annotations_of(node, finding, several=node in several)
    ]
    changed = changed_foci(
        saved,
        [node for node, _ in pairs],
        [*triples, *annotations],
        out_of=None if compared is None else 2 * len(results),
    )
    if changed is None:
        return False
    chosen = [i for i, result in enumerate(results) if result.focus in changed]
    replace_results(
        store,
        changed,
        tuple(results[i] for i in chosen),
        [
            cast("BNode", findings[i][0]) for i in chosen
        ],  # each result's node, as the findings name it
        [findings[i] for i in chosen],
        conforms,
        checked,
        *digests,
    )
    log.info("saved the results of %d changed focus nodes", len(changed))
    return True


def replace_results(
    store: Store,
    foci: set[Identifier],
    compiled: tuple[validation_sparql.ShapeResult, ...],
    nodes: list[BNode],
    findings: list[tuple[Node, Finding]],
    conforms: bool,
    checked: tuple[str, str] | None,
    digest: str | None = None,
    buckets: str | None = None,
) -> None:
    """Replace the saved results of ``foci`` (and the report's verdict and stamp), in one request.

    The report and its results are blank nodes, so the request finds them by pattern: the old
    results by their focus node, the report by its type. ``digest`` is that of all the results
    now saved (:mod:`kb.validation.saved_digest`); without one (a save of what a write can
    affect, which does not see the other results) the saved digest goes, and the next full
    validation compares the results themselves. ``buckets`` are the digests of each bucket of
    focus nodes (:func:`kb.validation.saved_digest.bucket_marks`), or None to save none.
    """
    graph = iri(VALIDATION_GRAPH)
    values = terms(sorted(foci, key=str))
    triples = shacl_report.report_triples(compiled, conforms, nodes)

    def n3(node: Node) -> str:
        return term(cast("Identifier", node))

    lines: list[str] = []
    for s, p, o in triples:
        if p == SH.conforms or (p == RDF.type and o == SH.ValidationReport):
            continue  # the report node stays; its verdict is replaced below
        subject = "?report" if p == SH.result else n3(s)
        lines.append(f"{subject} {n3(p)} {n3(o)} .")
    several = several_messages(triples)
    for node, finding in findings:
        for s, p, o in annotations_of(node, finding, several=node in several):
            lines.append(f"{n3(s)} {n3(p)} {n3(o)} .")
    if checked is not None:
        for mark, value in marks_of(checked, digest, buckets).items():
            lines.append(f"{graph} {n3(URIRef(mark))} {n3(Literal(value))} .")
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


_LOCAL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _prefixed(node: URIRef) -> str | None:
    """``sh:x`` or ``srkb:x`` for a SHACL or srkb term with a plain local name, else None."""
    for prefix, namespace in (("sh", str(SH)), ("srkb", str(SRKB))):
        if node.startswith(namespace) and _LOCAL_NAME.fullmatch(node[len(namespace) :]):
            return f"{prefix}:{node[len(namespace) :]}"
    return None
