"""The compiled engine's results as a ``sh:ValidationReport``, shaped like pySHACL's graph."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rdflib import RDF, SH, BNode, Graph, Literal
from rdflib.term import Node

from kb.validation.compiled import ShapeResult

# Report terms, looked up once: an rdflib Namespace attribute costs microseconds per access.
_SH_ValidationReport = SH.ValidationReport
_SH_ValidationResult = SH.ValidationResult
_SH_conforms = SH.conforms
_SH_result = SH.result
_SH_focusNode = SH.focusNode
_SH_resultSeverity = SH.resultSeverity
_SH_sourceShape = SH.sourceShape
_SH_sourceConstraintComponent = SH.sourceConstraintComponent
_SH_value = SH.value
_SH_resultPath = SH.resultPath
_SH_sourceConstraint = SH.sourceConstraint
_SH_resultMessage = SH.resultMessage
_RDF_TYPE = RDF.type


def report_triples(
    results: Sequence[ShapeResult], conforms: bool, nodes: Sequence[Node]
) -> list[tuple[Node, Node, Node]]:
    """The results as a ``sh:ValidationReport``, as plain triples shaped like pySHACL's graph.

    ``nodes`` names each result (so that a caller can annotate it); ``conforms`` is what
    :func:`kb.validation.compiled.conforms` says. There is no ``sh:detail`` under ``sh:node``
    results. Plain triples rather than an rdflib graph, because adding 50,000 results to one
    costs more than the validation.
    """
    root = BNode()
    triples: list[tuple[Node, Node, Node]] = [
        (root, _RDF_TYPE, _SH_ValidationReport),
        (root, _SH_conforms, Literal(conforms)),
    ]
    for node, result in zip(nodes, results, strict=True):
        branch = result.branch
        triples += [
            (root, _SH_result, node),
            (node, _RDF_TYPE, _SH_ValidationResult),
            (node, _SH_focusNode, result.focus),
            (node, _SH_resultSeverity, branch.severity),
            (node, _SH_sourceShape, branch.source_shape),
            (node, _SH_sourceConstraintComponent, branch.component),
        ]
        if result.value is not None:
            triples.append((node, _SH_value, result.value))
        if result.path is not None:
            triples.append((node, _SH_resultPath, result.path))
        if branch.sparql_constraint is not None:
            triples.append((node, _SH_sourceConstraint, branch.sparql_constraint))
        triples += [(node, _SH_resultMessage, m) for m in result.messages]
    return triples


def report_graph(triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """An rdflib graph of :func:`report_triples`."""
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph
