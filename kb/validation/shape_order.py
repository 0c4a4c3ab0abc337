"""An order of a shapes graph's nodes that is the same in every process.

Blank nodes get new labels each time the shapes are parsed (the store labels them at random), so
sorting a shape's SPARQL constraints or property shapes by label put them, and so the text of the
shape's compiled query, in another order in each process. The parsed reach of each query is kept
on disk under a digest of its text (:func:`kb.sparql.reach.reach_of`), and was then parsed again by
the first write of every start (about 1 s). Here blank nodes sort by what the graph says of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph
from rdflib.term import Node


def stable(shapes: Graph, nodes: Iterable[Node]) -> list[Node]:
    """``nodes`` sorted: IRIs and literals by their text, then blank nodes by what they say."""
    return sorted(nodes, key=lambda node: (isinstance(node, BNode), described(shapes, node)))


def described(shapes: Graph, node: Node, depth: int = 3) -> str:
    """A text for ``node`` that does not depend on blank-node labels (to ``depth`` levels)."""
    if not isinstance(node, BNode):
        return str(node)
    if depth == 0:
        return "[]"
    parts = sorted(
        f"{p.n3()} {described(shapes, o, depth - 1)}" for p, o in shapes.predicate_objects(node)
    )
    return "[" + " ; ".join(parts) + "]"
