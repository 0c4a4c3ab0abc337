"""Which resources a change can affect, read from the triple patterns of a query about one.

A compiled shape (:mod:`kb.validation.compiled`) is one SELECT whose rows are results for its
focus node ``?this``; an inference rule, read as ``SELECT ?this WHERE {its body}`` with its
conclusion's subject as ``?this`` (:func:`kb.reasoning.incremental.rule_area`), is one too. A
changed triple (added or removed, asserted or inferred) can change the rows of ``?this`` only if
some triple pattern of the query can match it in a solution that binds ``?this`` to that node. In
such a solution every pattern that must hold alongside the matched one (its *mandatory
companions*: the rest of its basic graph pattern and of every group joined to it, the left side
when it sits in an OPTIONAL, a MINUS or a FILTER [NOT] EXISTS, but never the other branch of a
UNION) is satisfied too. So any chain of companion patterns linking the matched pattern's
variables to ``?this`` is a necessary condition; walking such a chain from the changed triple's
subject or object, in the store, gives a superset of the resources whose rows can differ. Walking
several chains and keeping only the nodes every chain reaches is still a superset, and a much
smaller one: a new consumer of a global vendor is linked to the vendor's components by a chain
through the vendor (thousands of nodes) and by one through its own relationship and organisation
(a few); only the few are kept.

Every chain is walked in the store *and* in the change's triples (the *context*, by default the
change itself), as if both the triples before and after the change were present: a solution
before or after the change holds in that union, so each of its chains does. Walked in the store
alone, a solution that uses two changed triples (both removed, or inferred and not written yet)
would lose its focus node: each triple's chain through the other would not hold, and the
intersection would keep nothing. Paths are followed in the context too (link by link, when a
changed predicate is on them); a chain through a repeated path the context changes is not
walked (the other chains decide, or the answer is ``None``).

A pattern with a predicate variable is walked as "any predicate", or as the predicates the
schema patterns beside it allow (:func:`predicate_candidates`); a chain never goes through a
predicate variable. What this does not follow, and then answers ``None`` (everything): a pattern
whose chain to ``?this`` goes only through a FILTER or BIND (no shared triple pattern), a changed
predicate inside a complex path it cannot split (a sequence under ``*``), a changed triple with a
blank node (SPARQL cannot name it), or more than ``limit`` resources.

Variables of a sub-SELECT that it does not project are renamed apart (the same name outside is
another variable), so that no chain joins them by accident.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from itertools import product
from typing import Any, cast

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern, translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Identifier, Node

from kb.sparql.around import Around, Ask, Link, Unfollowable, along
from kb.sparql.parsed import kept
from kb.sparql.text import Triple, term

log = logging.getLogger(__name__)

THIS = Variable("this")
#: Chains walked per matched pattern end, shortest first: each one only narrows the answer.
MAX_CHAINS = 4


@dataclass(frozen=True)
class Edge:
    """One triple pattern of a query, its sequences split, its inverses turned round."""

    left: Node  # a Variable, or a constant term
    path: Any  # URIRef, Variable, or an rdflib Path
    right: Node

    def text(self) -> str:
        """The pattern's predicate as SPARQL."""
        if isinstance(self.path, Path):
            return f"({self.path.n3()})"
        return term(self.path)


@dataclass
class QueryReach:
    """The patterns of one compiled query and, for each, its mandatory companions."""

    edges: tuple[Edge, ...] = ()
    companions: dict[Edge, frozenset[Edge]] = field(default_factory=dict)
    by_predicate: dict[Identifier, tuple[Edge, ...]] = field(default_factory=dict)
    other: tuple[Edge, ...] = ()  # variable predicates and complex paths, matched one by one
    #: The patterns every solution of the whole query matches.
    mandatory: frozenset[Edge] = frozenset()
    opaque: bool = False


@cache
def reach_of(query: str) -> QueryReach:
    """The reach of one query: parsed once per process, and kept on disk between processes.

    rdflib's parser takes some 35 ms a query, two seconds for srkb's shapes and rules, paid by
    the first write after every start; the result is kept in the user's cache directory
    (:func:`kb.sparql.parsed.kept`) under a digest of the query and of this module.
    """
    return kept("reach", query, __file__, _parse, QueryReach)


def _parse(query: str) -> QueryReach:
    """:func:`reach_of` without the caches."""
    try:
        algebra = translateQuery(parseQuery(query)).algebra
        extractor = _Extractor()
        extractor.visit(algebra, lambda v: v, frozenset())
        mandatory = extractor.conj(algebra, lambda v: v)
    except Unfollowable:
        return QueryReach(opaque=True)
    # A predicate variable also used as a subject or object (``?p rdfs:domain ?c . ?x ?p ?y``)
    # joins two patterns through a predicate; chains never go that way (a pattern with a
    # variable predicate is walked as "any predicate"), which only widens what they reach.
    edges = tuple(extractor.companions)
    by_predicate: dict[Identifier, list[Edge]] = defaultdict(list)
    other: list[Edge] = []
    for edge in edges:
        predicates = _plain_predicates(edge.path)
        if predicates is None:
            other.append(edge)
        for predicate in predicates or ():
            by_predicate[predicate].append(edge)
    return QueryReach(
        edges=edges,
        companions={e: frozenset(c - {e}) for e, c in extractor.companions.items()},
        by_predicate={p: tuple(es) for p, es in by_predicate.items()},
        other=tuple(other),
        mandatory=mandatory,
    )


def _plain_predicates(path: Any) -> set[URIRef] | None:
    """The predicates a pattern matches, or ``None`` if it can match any (or is not linear)."""
    sequences = _linear(path)
    if sequences is None:
        return None
    predicates = {link[0] for seq in sequences for link in seq}
    if None in predicates:
        return None
    return cast("set[URIRef]", predicates)


class _Extractor:
    """Walks the algebra once: every pattern, with the patterns that must hold alongside it."""

    def __init__(self) -> None:
        self.companions: dict[Edge, frozenset[Edge]] = {}
        self._renamings: dict[int, Callable[[Variable], Variable]] = {}
        self._scopes = 0

    def visit(
        self, node: Any, rename: Callable[[Variable], Variable], outside: frozenset[Edge]
    ) -> None:
        if not isinstance(node, CompValue):
            return
        name = node.name
        if name == "BGP":
            own = self.conj(node, rename)
            for edge in own:
                self._meet(edge, outside | own)
            return
        if name in ("SelectQuery", "Project"):
            self.visit(node.p, self._scope_of(node, rename), outside)
            return
        if name == "Join":
            self.visit(node.p1, rename, outside | self.conj(node.p2, rename))
            self.visit(node.p2, rename, outside | self.conj(node.p1, rename))
            return
        if name in ("LeftJoin", "Minus"):
            left = self.conj(node.p1, rename)
            self.visit(node.p1, rename, outside)
            self.visit(node.p2, rename, outside | left)
            for graph in _exists_graphs(node.get("expr")):
                self.visit(graph, rename, outside | left | self.conj(node.p2, rename))
            return
        if name == "Union":
            self.visit(node.p1, rename, outside)
            self.visit(node.p2, rename, outside)
            return
        if name == "Filter":
            self.visit(node.p, rename, outside)
            inner = outside | self.conj(node.p, rename)
            for graph in _exists_graphs(node.expr):
                self.visit(graph, rename, inner)
            return
        if name in ("values", "ToMultiSet") and "p" not in node:
            return
        if "p" in node and name in _PASS_THROUGH:
            for key in ("expr", "A"):
                if _exists_graphs(node.get(key)):
                    raise Unfollowable(f"FILTER EXISTS inside {name}")
            self.visit(node.p, rename, outside)
            return
        raise Unfollowable(f"an algebra node {name}")

    def _meet(self, edge: Edge, companions: frozenset[Edge]) -> None:
        """An edge met again (another branch) keeps only the companions both places share."""
        seen = self.companions.get(edge)
        self.companions[edge] = companions if seen is None else seen & companions

    def _scope_of(self, node: CompValue, rename: Callable[[Variable], Variable]) -> Any:
        """The renaming a sub-SELECT applies to its own variables (the same on every visit)."""
        known = self._renamings.get(id(node))
        if known is not None:
            return known
        self._scopes += 1
        scope, projected = self._scopes, set(node.get("PV") or ())

        def inner(variable: Variable) -> Variable:
            if variable in projected:
                return rename(variable)
            return Variable(f"{variable}@{scope}")

        self._renamings[id(node)] = inner
        return inner

    def conj(self, node: Any, rename: Callable[[Variable], Variable]) -> frozenset[Edge]:
        """The patterns that hold in every solution of ``node``."""
        if not isinstance(node, CompValue):
            return frozenset()
        name = node.name
        if name == "BGP":
            return frozenset(e for t in node.triples for e in _split(t, rename))
        if name in ("SelectQuery", "Project"):
            return self.conj(node.p, self._scope_of(node, rename))
        if name == "Join":
            return self.conj(node.p1, rename) | self.conj(node.p2, rename)
        if name == "Union":  # what both branches match (the same pattern in each)
            return self.conj(node.p1, rename) & self.conj(node.p2, rename)
        if name in ("LeftJoin", "Minus"):
            return self.conj(node.p1, rename)
        if name == "Filter":
            return self.conj(node.p, rename)
        if "p" in node and name in _PASS_THROUGH:
            return self.conj(node.p, rename)
        return frozenset()


_PASS_THROUGH = frozenset(
    {
        "ToMultiSet",
        "Distinct",
        "Reduced",
        "Slice",
        "OrderBy",
        "Extend",
        "Group",
        "AggregateJoin",
        "Graph",
    }
)


def _exists_graphs(expr: Any) -> list[Any]:
    """The graph patterns of the EXISTS and NOT EXISTS in an expression, as algebra."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, CompValue):
            if node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
                graph = node.graph
                if isinstance(graph, CompValue) and graph.name == "GroupGraphPatternSub":
                    graph = translateGroupGraphPattern(graph)
                found.append(graph)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(expr)
    return found


def _split(triple: tuple[Any, Any, Any], rename: Callable[[Variable], Variable]) -> list[Edge]:
    """A triple pattern as edges: sequence paths split at fresh variables, inverses turned."""

    def node(n: Any) -> Node:
        return (
            rename(n)
            if isinstance(n, Variable)
            else (Variable(f"_:{n}") if isinstance(n, BNode) else n)
        )

    subject, path, obj = triple
    left, right = node(subject), node(obj)
    if isinstance(path, Variable):
        path = rename(path)
    edges: list[Edge] = []

    def add(a: Node, p: Any, b: Node, where: str) -> None:
        if isinstance(p, InvPath):
            add(b, p.arg, a, where + "^")
        elif isinstance(p, SequencePath):
            points = [a, *(Variable(f"{where}/{i}") for i in range(len(p.args) - 1)), b]
            for i, part in enumerate(p.args):
                add(points[i], part, points[i + 1], f"{where}/{i}")
        elif isinstance(p, MulPath) and isinstance(p.path, InvPath):
            add(b, MulPath(p.path.arg, p.mod), a, where + "^")
        else:
            edges.append(Edge(a, p, b))

    add(left, path, right, f"_seq:{left}|{path}|{right}")
    return edges


# -- walking a change to focus nodes ---------------------------------------------------------


def affected(
    reach: QueryReach,
    triples: Sequence[Triple],
    ask: Ask,
    *,
    limit: int,
    predicates: Mapping[Variable, AbstractSet[Node]] | None = None,
    context: Iterable[Triple] | None = None,
) -> set[Identifier] | None:
    """The focus nodes whose results ``triples`` (the change) can alter; ``None``: all of them.

    ``predicates`` narrows predicate variables to the predicates they can take
    (:func:`predicate_candidates`); a variable left out stands for any predicate.

    The chains are walked in the store *and* in ``context`` (by default the change itself): the
    triples a solution before or after the change may hold that the store does not hold now
    (removed ones, or inferred ones not yet written). A solution that uses two changed triples
    links each to the focus node through the other; walked in the store alone, neither chain
    would hold, and the intersection of chains would lose the node.
    """
    if reach.opaque:
        return None
    known = predicates or {}
    around = Around(tuple(triples if context is None else context), known)
    starts: dict[Edge, dict[Variable, set[Node]]] = defaultdict(lambda: defaultdict(set))
    found: set[Identifier] = set()
    try:
        for triple in triples:
            for edge, bound in _matches(reach, triple, ask, around):
                for variable, nodes in bound:
                    starts[edge][variable] |= nodes
        for edge, seeds in starts.items():
            if not seeds:
                continue
            reached = _narrowest(reach, edge, seeds, ask, around)
            if reached is None:
                return None
            found |= reached
            if len(found) > limit:
                return None
    except Unfollowable:
        return None
    return found


def _matches(
    reach: QueryReach,
    triple: Triple,
    ask: Ask,
    around: Around,
) -> Iterator[tuple[Edge, list[tuple[Variable, set[Node]]]]]:
    """The patterns ``triple`` can match, each with the variables it binds and their nodes."""
    predicates = around.predicates
    s, p, o = triple
    for edge in (*reach.by_predicate.get(p, ()), *reach.other):
        if isinstance(edge.path, Variable):
            if edge.path not in predicates or p in predicates[edge.path]:
                yield from _bind(edge, s, o)
            continue
        if isinstance(edge.path, URIRef):
            yield from _bind(edge, s, o)
            continue
        sequences = _linear(edge.path)
        if sequences is None:
            if p in _all_predicates(edge.path):
                raise Unfollowable(f"a change inside the path {edge.path.n3()}")
            continue
        for links in sequences:
            for k, (predicate, inverse, mod) in enumerate(links):
                if predicate is not None and predicate != p:
                    continue
                x, y = (o, s) if inverse else (s, o)
                before, after = links[:k], links[k + 1 :]
                if mod in ("*", "+"):  # one link of a chain of them
                    before, after = (
                        [*before, (predicate, inverse, "*")],
                        [
                            (predicate, inverse, "*"),
                            *after,
                        ],
                    )
                seeds = _ends(edge, before, x, after, y, ask, around)
                if seeds is not None:
                    yield edge, seeds


def _linear(path: Any) -> list[list[Link]] | None:
    """``path`` as alternative sequences of single links, or ``None`` if it is not one."""
    if isinstance(path, URIRef):
        return [[(path, False, "")]]
    if isinstance(path, NegatedPath | Variable):
        return [[(None, False, "")]]
    if isinstance(path, InvPath):
        inner = _linear(path.arg)
        if inner is None:
            return None
        return [[(q, not inv, mod) for q, inv, mod in reversed(seq)] for seq in inner]
    if isinstance(path, SequencePath | AlternativePath):
        parts = [_linear(arg) for arg in path.args]
        if any(part is None for part in parts):
            return None
        if isinstance(path, AlternativePath):
            return [seq for part in parts for seq in part or ()]
        return [[link for seq in combo for link in seq] for combo in product(*parts)]  # type: ignore[arg-type]
    if isinstance(path, MulPath):
        inner = _linear(path.path)
        if inner is None or len(inner) != 1 or len(inner[0]) != 1 or inner[0][0][2]:
            return None
        predicate, inverse, _mod = inner[0][0]
        return [[(predicate, inverse, path.mod)]]
    return None


def _link_text(links: list[Link]) -> str:
    """Links as a SPARQL property path."""
    parts = []
    for predicate, inverse, mod in links:
        step = term(predicate) if predicate is not None else f"!{term(_NOTHING)}"
        parts.append(
            f"{'^' if inverse else ''}{step}{mod}" if mod else f"{'^' if inverse else ''}{step}"
        )
    return "/".join(f"({part})" for part in parts)


_NOTHING = URIRef("urn:srkb:no-such-predicate")


def _ends(
    edge: Edge,
    before: list[Link],
    x: Node,
    after: list[Link],
    y: Node,
    ask: Ask,
    around: Around,
) -> list[tuple[Variable, set[Node]]] | None:
    """The nodes the pattern's two ends can take when one of its links is ``x -> y``.

    ``None`` when a constant end cannot be reached that way (the triple does not match).
    """
    seeds: list[tuple[Variable, set[Node]]] = []
    for end, links, point, backwards, pattern in (
        (edge.left, before, x, True, "?n {path} {point}"),
        (edge.right, after, y, False, "{point} {path} ?n"),
    ):
        if not links:
            nodes = {point}
        elif any(around.mentions(predicate) for predicate, _, _ in links):
            nodes = along(links, point, backwards, ask, around)
        else:
            text = pattern.format(path=_link_text(links), point=term(point))  # type: ignore[arg-type]
            nodes = {n for n in ask(f"SELECT DISTINCT ?n WHERE {{ {text} }}") if n is not None}
        if isinstance(end, Variable):
            seeds.append((end, nodes))
        elif end not in nodes:
            return None
    return seeds


def _bind(edge: Edge, s: Node, o: Node) -> Iterator[tuple[Edge, list[tuple[Variable, set[Node]]]]]:
    """The pattern's variables bound to ``s`` and ``o``, unless a constant end differs."""
    if not isinstance(edge.left, Variable) and edge.left != s:
        return
    if not isinstance(edge.right, Variable) and edge.right != o:
        return
    seeds = [(v, {n}) for v, n in ((edge.left, s), (edge.right, o)) if isinstance(v, Variable)]
    yield edge, seeds


def _all_predicates(path: Any) -> set[Node]:
    if isinstance(path, URIRef):
        return {path}
    if isinstance(path, InvPath | MulPath):
        return _all_predicates(path.arg if isinstance(path, InvPath) else path.path)
    if isinstance(path, SequencePath | AlternativePath):
        return set().union(*(_all_predicates(a) for a in path.args))
    if isinstance(path, NegatedPath):
        return set()
    return set()


def _narrowest(
    reach: QueryReach,
    edge: Edge,
    seeds: dict[Variable, set[Node]],
    ask: Ask,
    around: Around,
) -> set[Identifier] | None:
    """The focus nodes every chain from ``edge``'s bound variables to ``?this`` reaches.

    A chain with a link the context may hold but that cannot be walked with it (a changed
    predicate under ``*``) is left out; if every chain is, no answer (``None``).
    """
    if THIS in seeds:
        return {n for n in seeds[THIS] if isinstance(n, Identifier)}
    if any(isinstance(n, BNode) for nodes in seeds.values() for n in nodes):
        return None  # SPARQL cannot name it
    found: set[Identifier] | None = None
    for start, chain in _chains(reach.companions.get(edge, frozenset()), set(seeds)):
        reached = _walk(chain, seeds[start], ask, around)
        if reached is None:
            continue
        found = reached if found is None else found & reached
        if not found:
            break
    if found is None:  # no chain of companions reaches ?this: only a filter links them
        return None
    return found


Step = tuple[Edge, bool]  # the edge, and whether it is walked from its right end to its left


def _chains(
    companions: frozenset[Edge], starts: set[Variable]
) -> list[tuple[Variable, list[Step]]]:
    """Up to :data:`MAX_CHAINS` shortest simple chains of companions from ``starts`` to ?this."""
    links: dict[Node, list[tuple[Edge, bool, Node]]] = defaultdict(list)
    for edge in companions:
        if isinstance(edge.left, Variable) and isinstance(edge.right, Variable):
            links[edge.right].append((edge, True, edge.left))
            links[edge.left].append((edge, False, edge.right))
    chains: list[tuple[Variable, list[Step]]] = []
    queue: deque[tuple[Variable, Node, list[Step], frozenset[Node]]] = deque(
        (start, start, [], frozenset({start})) for start in sorted(starts)
    )
    expansions = 0
    while queue and len(chains) < MAX_CHAINS and expansions < 10_000:
        start, at, chain, visited = queue.popleft()
        expansions += 1
        for edge, backwards, nxt in links.get(at, ()):
            if nxt in visited:
                continue
            if nxt == THIS:
                chains.append((start, [*chain, (edge, backwards)]))
                continue
            queue.append((start, nxt, [*chain, (edge, backwards)], visited | {nxt}))
    return chains


def _walk(chain: list[Step], nodes: set[Node], ask: Ask, around: Around) -> set[Identifier] | None:
    """The nodes at the end of ``chain`` from ``nodes``; ``None``: it cannot be walked.

    The links the context cannot hold are walked in one query; at a link it can hold, the
    nodes reached so far come back and go on by the store's links and the context's pairs
    together (a VALUES table inside a UNION would say it in one query, but Virtuoso 7.2 cannot
    compile that).
    """
    frontier = set(nodes)
    segment: list[Step] = []
    for edge, backwards in chain:
        pairs = around.pairs(edge.path)
        if pairs is None:
            return None
        if not pairs:
            segment.append((edge, backwards))
            continue
        if segment:
            frontier = _walk_store(segment, frontier, ask, around.predicates)
            segment = []
        if not frontier:
            return set()
        if any(isinstance(n, BNode) for n in frontier):
            return None  # SPARQL cannot name it
        reached = _walk_store([(edge, backwards)], frontier, ask, around.predicates)
        reached |= {a if backwards else b for a, b in pairs if (b if backwards else a) in frontier}
        frontier = reached
    if segment and frontier:
        frontier = _walk_store(segment, frontier, ask, around.predicates)
    return {n for n in frontier if isinstance(n, URIRef | BNode | Literal)}


def _walk_store(
    chain: list[Step],
    nodes: set[Node],
    ask: Ask,
    predicates: Mapping[Variable, AbstractSet[Node]],
) -> set[Node]:
    """The nodes at the end of ``chain`` from ``nodes`` in the store, by one query."""
    if not nodes:
        return set()
    patterns = []
    for i, (edge, backwards) in enumerate(chain):
        if isinstance(edge.path, Variable):
            if edge.path in predicates:
                options = sorted(predicates[edge.path], key=str)
                if not options:
                    return set()
                predicate = "(" + "|".join(term(cast("Identifier", o)) for o in options) + ")"
            else:
                predicate = f"?p{i}"
        else:
            predicate = edge.text()
        a, b = (f"?n{i + 1}", f"?n{i}") if backwards else (f"?n{i}", f"?n{i + 1}")
        patterns.append(f"{a} {predicate} {b} .")
    values = " ".join(term(cast("Identifier", n)) for n in sorted(nodes, key=str))
    query = (
        f"SELECT DISTINCT ?n{len(chain)} WHERE {{ VALUES ?n0 {{ {values} }}\n"
        + "\n".join(patterns)
        + " }"
    )
    return {n for n in ask(query) if n is not None}


#: Vocabularies whose terms make a pattern part of the schema (what a rule reads of the ontology).
_SCHEMA_SPACES = (
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
)
_RDF_LIST = (
    URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#first"),
    URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"),
)
_RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def is_schema(edge: Edge) -> bool:
    """Whether a pattern reads the schema: an RDFS or OWL predicate, a list, or a type in them."""
    path = edge.path
    if not isinstance(path, URIRef):
        return False
    if path in _RDF_LIST or str(path).startswith(_SCHEMA_SPACES):
        return True
    return path == _RDF_TYPE and str(edge.right).startswith(_SCHEMA_SPACES)


def schema_changes(reach: QueryReach, triples: Iterable[Triple]) -> bool:
    """Whether a changed triple can match one of the query's schema patterns."""
    schema = [e for e in reach.edges if is_schema(e)]
    return any(
        e.path == p
        and (isinstance(e.left, Variable) or e.left == s)
        and (isinstance(e.right, Variable) or e.right == o)
        for s, p, o in triples
        for e in schema
    )


def predicate_candidates(reach: QueryReach, ask: Ask) -> dict[Variable, set[Node]]:
    """The predicates each predicate variable can take, by the schema patterns that bind it.

    ``?p rdfs:domain ?c . ?x ?p ?y``: ``?p`` is one of the properties with a domain. Only for a
    variable that schema patterns among its pattern's companions mention; the others are left
    out (any predicate). Valid while the schema does not change (:func:`schema_changes`).
    """
    found: dict[Variable, set[Node]] = {}
    for edge in reach.edges:
        variable = edge.path
        if not isinstance(variable, Variable) or variable in found:
            continue
        schema = [e for e in reach.companions.get(edge, frozenset()) if is_schema(e)]
        linked = _linked(schema, variable)
        if not linked:
            continue
        names: dict[Node, str] = {}

        def name(node: Node, names: dict[Node, str] = names) -> str:
            if not isinstance(node, Variable):
                return term(cast("Identifier", node))
            return names.setdefault(node, f"?s{len(names)}")

        target = name(variable)
        body = " ".join(f"{name(e.left)} {e.text()} {name(e.right)} ." for e in linked)
        found[variable] = {n for n in ask(f"SELECT DISTINCT {target} WHERE {{ {body} }}") if n}
    return found


def _linked(edges: list[Edge], start: Variable) -> list[Edge]:
    """The edges connected to ``start`` through shared variables."""
    reached, chosen = {start}, []
    remaining = list(edges)
    changed = True
    while changed:
        changed = False
        for edge in list(remaining):
            ends = {n for n in (edge.left, edge.right) if isinstance(n, Variable)}
            if ends & reached:
                chosen.append(edge)
                remaining.remove(edge)
                reached |= ends
                changed = True
    return chosen
