"""What a change adds to a walk: its triples taken as present beside the store's.

:mod:`kb.sparql.reach` walks a changed triple back to the focus nodes along the patterns of a
query. A solution before or after the change holds in the union of the store and the change, so
the walks match each link in the store *and* in the change's triples (:class:`Around`, the
*context*), and a path with a changed predicate on it is followed link by link (:func:`along`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from rdflib import BNode, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.term import Identifier, Node

from kb.sparql.text import Triple, term

#: Runs a SELECT on the data as the shapes read it; the rows of its single variable.
Ask = Callable[[str], Iterable[Node | None]]

Link = tuple[URIRef | None, bool, str]  # a predicate (None: any), whether inverse, a modifier


class Unfollowable(Exception):  # noqa: N818 - an internal signal, never leaves kb.sparql
    """A query this analysis cannot follow: a change to it may affect anything."""


@dataclass(frozen=True)
class Around:
    """The triples a walk takes as present besides the store's, and the predicate candidates."""

    triples: tuple[Triple, ...]
    predicates: Mapping[Variable, AbstractSet[Node]]

    @cached_property
    def _by_predicate(self) -> dict[Node, list[tuple[Node, Node]]]:
        index: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
        for s, p, o in self.triples:
            index[p].append((s, o))
        return index

    def _with(self, predicates: Iterable[Node] | None) -> Iterator[tuple[Node, Node, Node]]:
        """The context's triples whose predicate is one of ``predicates`` (``None``: any)."""
        if predicates is None:
            yield from self.triples
            return
        for p in predicates:
            for s, o in self._by_predicate.get(p, ()):
                yield s, p, o

    def mentions(self, path: Any) -> bool:
        """Whether a triple of the context can be a link of ``path``."""
        if not self.triples:
            return False
        if isinstance(path, Variable):
            allowed = self.predicates.get(path)
            return allowed is None or any(p in self._by_predicate for p in allowed)
        if isinstance(path, NegatedPath) or path is None:
            return True
        if isinstance(path, URIRef):
            return path in self._by_predicate
        if isinstance(path, InvPath):
            return self.mentions(path.arg)
        if isinstance(path, MulPath):
            return self.mentions(path.path)
        if isinstance(path, SequencePath | AlternativePath):
            return any(self.mentions(arg) for arg in path.args)
        return True

    def pairs(self, path: Any) -> set[tuple[Node, Node]] | None:
        """The (left, right) pairs the context gives a one-link path; ``None``: it cannot say."""
        found: set[tuple[Node, Node]]
        if isinstance(path, Variable):
            found = {(s, o) for s, _, o in self._with(self.predicates.get(path))}
        elif isinstance(path, URIRef):
            found = set(self._by_predicate.get(path, ()))
        elif isinstance(path, InvPath) and isinstance(path.arg, URIRef):
            found = {(o, s) for s, o in self._by_predicate.get(path.arg, ())}
        elif isinstance(path, AlternativePath):
            parts = [self.pairs(arg) for arg in path.args]
            if any(part is None for part in parts):
                return None
            found = set().union(*cast("list[set[tuple[Node, Node]]]", parts))
        else:
            return None if self.mentions(path) else set()
        if any(isinstance(n, BNode) for pair in found for n in pair):
            return None  # SPARQL cannot name it
        return found

    def step(self, nodes: set[Node], predicate: URIRef | None, outwards: bool) -> set[Node]:
        """The context's own links from ``nodes`` by ``predicate`` (``None``: any)."""
        return {
            (o if outwards else s)
            for s, _, o in self._with(None if predicate is None else [predicate])
            if (s if outwards else o) in nodes
        }


#: Nodes a path followed link by link may reach before the analysis gives up.
MAX_ALONG = 10_000


def along(links: list[Link], point: Node, backwards: bool, ask: Ask, around: Around) -> set[Node]:
    """The nodes ``links`` lead to from ``point`` (or from which they lead to it).

    In the store and the context together: one link at a time, closures to a fixpoint.
    """
    nodes = {point}
    for predicate, inverse, mod in reversed(links) if backwards else links:
        outwards = backwards == inverse  # walking a link against its direction, or an inverse

        def step(
            frontier: set[Node], predicate: URIRef | None = predicate, outwards: bool = outwards
        ) -> set[Node]:
            return _one_step(frontier, predicate, outwards, ask) | around.step(
                frontier, predicate, outwards
            )

        if mod in ("*", "+"):
            reached: set[Node] = set(nodes) if mod == "*" else set()
            frontier = step(nodes)
            while frontier - reached:
                frontier -= reached
                reached |= frontier
                if len(reached) > MAX_ALONG:
                    raise Unfollowable("a path reaching too far")
                frontier = step(frontier)
            nodes = reached
        else:
            nodes = (nodes | step(nodes)) if mod == "?" else step(nodes)
    return nodes


def _one_step(nodes: set[Node], predicate: URIRef | None, outwards: bool, ask: Ask) -> set[Node]:
    if not nodes:
        return set()
    if any(isinstance(n, BNode) for n in nodes):
        raise Unfollowable("a blank node on a path")
    values = " ".join(term(cast("Identifier", n)) for n in sorted(nodes, key=str))
    link = term(predicate) if predicate is not None else "?anyPredicate"
    pattern = f"?m {link} ?n" if outwards else f"?n {link} ?m"
    query = f"SELECT DISTINCT ?n WHERE {{ VALUES ?m {{ {values} }} {pattern} }}"
    return {n for n in ask(query) if n is not None}
