"""Incremental inference: after a change, recompute only what the change can affect.

Every srkb rule derives a triple about a resource from facts that each touch that resource or one
of its neighbours (consumer-turned-provider, the widest, reads the organisation's relationships,
their services, its components and the services made from them: all one link away). A rule may
also read a fact *inferred* about a neighbour, which adds one link. So after a change, only the
inferred triples *about* resources within :data:`RADIUS` links of the changed resources can have
changed. This module
1. expands the changed resources to that neighbourhood, the *area* (over asserted data only;
   ontology terms such as classes, the RACI kinds and literal values are not walked through, or
   every resource would be a neighbour of every other through ``srkb:Service``),
2. copies into a scratch memory store what the rules can read when they conclude about the area:
   the facts touching the area or a neighbour of it, the schema, and the inferences touching them
   except those about the area itself (at 1M triples a few thousand to a few hundred thousand
   triples, in about 0.5 s: a global vendor touches many),
3. runs the same rules there to a fixpoint with their conclusion's subject bound to the area, and
4. replaces the area's inferences by the new ones in one update request, so readers see the old
   inferences or the new ones, on every backend.

When the write says which triples it changed (the service's Graph Store writes do), the area is
narrower: each rule, read as a SELECT of its conclusion's subject, links a changed triple only to
the subjects its own patterns reach from it (:func:`rule_area`, with :mod:`kb.sparql.reach`), and
the conclusions that then change are walked the same way until the area is closed. A new consumer
of a provider re-infers about six resources instead of every resource two links away (at 1M
triples: 1.2 s -> 0.45 s a write; a global vendor: 4.7 s -> about 1 s).

The result equals a full :func:`kb.reasoning.inference.infer` (the tests check it on random changes
to random ecosystems, both ways of telling the change).

When the locality argument does not hold — the ontology changed, or declares
a transitive property, or the data states an owl:sameAs, whose conclusions can depend on facts any
distance away — or when a blank node lies near the change (SPARQL cannot name it), it falls back to
a full run.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import cache
from typing import cast

from rdflib import RDF, BNode, Graph, URIRef, Variable
from rdflib.term import Identifier, Node

from kb.errors import SrkbError
from kb.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, knowledge_graphs
from kb.reasoning import stamp
from kb.reasoning.inference import (
    InferenceRun,
    Rule,
    infer,
    rule_plan,
    rules,
    run_to_fixpoint,
)
from kb.reasoning.rule_dependencies import schema_keys
from kb.sparql.reach import (
    QueryReach,
    affected,
    predicate_candidates,
    reach_of,
    schema_changes,
)
from kb.sparql.text import Triple, bind, bind_column, fill, from_clauses, iri, term, terms
from kb.store import Store
from kb.store.oxigraph import OxigraphStore, scratch_store

log = logging.getLogger(__name__)

#: Areas up to this many resources bind the rules' conclusions to them; larger ones run the
#: plain rules on the copied neighbourhood (see :func:`infer_incremental`).
BOUND_AREA = 200

#: How far a change can reach: one link for a rule's own facts, one more for facts inferred about
#: a neighbour (see the module docstring). The property tests compare with full runs.
RADIUS = 2

_TEMPLATE_SUBJECT = re.compile(r"INSERT\s*\{\s*\?(\w+)", re.IGNORECASE)

_NEIGHBOURS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT DISTINCT ?next WHERE {
  ?node ?p ?next .
  FILTER(?p != rdf:type && !isLiteral(?next))
  FILTER NOT EXISTS { GRAPH ?ontology { ?next ?anyPredicate ?anyObject } }
}
"""
# The same, walking links backwards (two queries, so each binds ?node before a lookup).
_NEIGHBOURS_BACK = _NEIGHBOURS.replace("?node ?p ?next .", "?next ?p ?node .")

#: Conclusions that can depend on facts any distance away: a transitive property, or equality
#: (owl:sameAs chains, and the equality rules copy facts along them).
_NOT_LOCAL = """
ASK {
  { ?p a <http://www.w3.org/2002/07/owl#TransitiveProperty> }
  UNION { ?x <http://www.w3.org/2002/07/owl#sameAs> ?y }
}
"""


def head_subject(rule: Rule) -> str:
    """The variable that is the subject of a rule's conclusion."""
    match = _TEMPLATE_SUBJECT.search(rule.text)
    if match is None:
        raise SrkbError(f"rule {rule.rule_id} has no INSERT template with a variable subject")
    return match.group(1)


def nodes_of(triples: Iterable[tuple[Identifier, Identifier, Identifier]]) -> set[Identifier]:
    """The resources a set of changed triples is about (subjects and non-literal objects)."""
    nodes: set[Identifier] = set()
    for s, _p, o in triples:
        nodes.add(s)
        if isinstance(o, URIRef | BNode):
            nodes.add(o)
    return nodes


def neighbourhood(
    store: Store, changed: Iterable[Identifier], radius: int = RADIUS
) -> set[Identifier]:
    """Resources within ``radius`` links of the changed ones, walking asserted data only."""
    return rings(store, changed, radius)[-1]


def rings(
    store: Store,
    changed: Iterable[Identifier],
    radius: int,
    *,
    graphs: Sequence[str] | None = None,
) -> list[set[Identifier]]:
    """The resources within 0, 1, ... ``radius`` links of the changed ones, one walk for all.

    The walk follows ``graphs`` (by default the knowledge graphs: asserted data), but never
    through ontology terms or literals (see the module docstring).
    """
    if graphs is None:
        graphs = knowledge_graphs(store)
    graphs = [g for g in graphs if g != ONTOLOGY_GRAPH]
    found: set[Identifier] = {n for n in changed if isinstance(n, URIRef | BNode)}
    layers = [set(found)]
    frontier = {n for n in found if isinstance(n, URIRef)}
    for _ in range(radius):
        if frontier and graphs:
            reached: set[Identifier] = set()
            for text in (_NEIGHBOURS, _NEIGHBOURS_BACK):
                query = bind(text, {"ontology": URIRef(ONTOLOGY_GRAPH)})
                query = bind_column(query, "node", sorted(frontier, key=str))
                result = store.query(query, default_graphs=graphs, named_graphs=[ONTOLOGY_GRAPH])
                reached |= {row[0] for row in result.rows if row[0] is not None}
            # Blank nodes are kept (so callers see them) but not walked: SPARQL cannot name them.
            frontier = {n for n in reached - found if isinstance(n, URIRef)}
            found |= reached
        layers.append(set(found))
    return layers


def infer_incremental(
    store: Store, changed: Iterable[Identifier], *, changes: Collection[Triple] | None = None
) -> InferenceRun:
    """Bring the inferred graph up to date after a change to the given resources.

    With ``changes`` (the triples the change added or removed, whose resources are ``changed``)
    the area is what the rules' own patterns link to them (:func:`rule_area`), not every resource
    within :data:`RADIUS` links.
    """
    started = time.perf_counter()
    changed = set(changed)
    if not changed:
        # Nothing the rules read changed: the inferences are current, so a stale mark the
        # write left (kb.recovery) comes off (the stamp stays: the same data).
        stamp.clear_stale(store)
        return InferenceRun(inferred_triples=None, passes=0, seconds=0.0, changes=frozenset())
    if INFERRED_GRAPH not in store.graphs() or store.query(_NOT_LOCAL).boolean:
        log.info("incremental inference falls back to a full run")
        return infer(store)
    area = rule_area(store, changes) if changes is not None else None
    while True:
        if area is None:
            # The area, whose inferences are recomputed, and one link beyond: the facts the
            # rules read.
            around = rings(store, changed, RADIUS + 1)
            area, reach = around[RADIUS], around[RADIUS + 1]
            extend = False
        else:
            reach = rings(store, area, 1)[-1]
            extend = True
        if any(isinstance(node, BNode) for node in reach):
            # A blank node cannot be named in a SPARQL request, so its inferences cannot be
            # deleted and re-derived one by one, nor its facts copied: recompute everything.
            log.info("blank nodes near the change: incremental inference falls back to a full run")
            return infer(store)
        new, old, passes = _recompute(store, area, reach)
        if not extend:
            break
        # What the new conclusions change can change conclusions about other resources in
        # turn: take them into the area until it is closed (usually at once).
        delta = cast("set[Triple]", set(_triples((old - new) | (new - old))))
        more = rule_area(store, delta, context=delta | set(changes or ()))
        log.debug(
            "area %d, %d changed conclusions, reaching %s more",
            len(area),
            len(delta),
            None if more is None else len(more - area),
        )
        if more is None:
            area = None
            continue
        if more <= area:
            break
        area |= more
    # One request: the area's inferences change at once, and the stale mark of kb.recovery (a
    # statement about the inferred graph itself, which described the old state) goes with them.
    # A new stamp (kb.reasoning.stamp) replaces the old one in the same request: the model and a
    # new run id, no sizes (counting every graph would cost more than this whole run at scale).
    graph = iri(INFERRED_GRAPH)
    model = stamp.model_digest(store, [r.text for r in rules()])
    store.update(
        f"{_data('DELETE', old - new)} ;\n{_data('INSERT', new - old)} ;\n"
        f"DELETE WHERE {{ GRAPH {graph} {{ {graph} ?p ?o }} }} ;\n"
        f"INSERT DATA {{ GRAPH {graph} {{\n{stamp.triples(model, stamp.new_run())}\n}} }}"
    )
    seconds = time.perf_counter() - started
    log.info("re-inferred around %d resources in %d passes (%.3f s)", len(area), passes, seconds)
    changes = frozenset(cast("Iterable[Triple]", _triples((old - new) | (new - old))))
    return InferenceRun(inferred_triples=None, passes=passes, seconds=seconds, changes=changes)


def _recompute(
    store: Store, area: set[Identifier], reach: set[Identifier]
) -> tuple[set[bytes], set[bytes], int]:
    """The area's inferences recomputed on a copy of ``reach``, its old ones, and the passes."""
    copying = time.perf_counter()
    scratch, asserted = _copy_around(store, sorted(reach, key=str), area)
    log.debug(
        "copied %d triples around %d resources in %.3f s",
        len(asserted),
        len(reach),
        time.perf_counter() - copying,
    )
    if len(area) <= BOUND_AREA:
        # Conclusions bound to the area: the rules touch only its few resources.
        texts = [bind_column(r.text, head_subject(r), sorted(area, key=str)) for r in rules()]

        def size() -> int:  # conclusions are about the area: count only its triples
            return scratch.count_about(area)

    else:
        # A large area (a hub such as a global vendor changed): a VALUES list of thousands makes
        # every rule slow, and the plain rules are sound on the copy (they derive only what its
        # facts entail; conclusions outside the area are dropped below). 4.4 s -> 0.8 s at 1M.
        texts = [r.text for r in rules()]
        size = scratch.count
    passes = run_to_fixpoint(scratch, texts, size, plan=rule_plan(scratch))
    subjects = {term(n).encode() for n in area}
    new = {line for line in scratch.lines() if _subject(line) in subjects} - asserted
    old = _normalised(_construct(store, _ABOUT, [INFERRED_GRAPH], NODES=_values(area)))
    return new, old, passes


#: More resources than this in a rule area and the radius walk is as good.
MAX_AREA = 5000


def rule_area(
    store: Store, changes: Collection[Triple], *, context: Collection[Triple] | None = None
) -> set[Identifier] | None:
    """The resources whose conclusions ``changes`` can change, by the rules' own patterns.

    ``context``: every triple that a solution before or after the change may hold and the store
    may not hold now (see :func:`kb.sparql.reach.affected`); by default ``changes``. While the
    area is closed, the inferred changes are not written yet and the asserted ones are: both.

    Ontology terms are left out, as :func:`rings` never walks to them: the rules conclude about a
    class or a property from the schema, and a schema change falls back to the radius walk.

    Each rule is read as a SELECT of its conclusion's subject (:func:`_as_select`) and the
    changed triples are walked back along its patterns to the subjects they can reach
    (:func:`kb.sparql.reach.affected`), as validation does for focus nodes. A rule whose body
    needs a fact that neither the store nor the change holds (``?p a owl:SymmetricProperty``
    where the ontology declares none) concludes nothing before or after: it is left out, or
    every change would reach far through its "any predicate" patterns. ``None`` when a rule
    cannot be followed, a blank node is in the change, or the area passes :data:`MAX_AREA`.
    """
    if any(isinstance(n, BNode) for triple in changes for n in triple):
        return None
    graphs = [*knowledge_graphs(store), INFERRED_GRAPH]

    def ask(query: str) -> list[Node | None]:
        return [row[0] for row in store.query(query, default_graphs=graphs).rows]

    area: set[Identifier] = set()
    triples = list(changes)
    present = list(changes if context is None else context)
    schema: str | None = None
    for rule in rules():
        select = _as_select(rule)
        reach = reach_of(select) if select is not None else None
        if reach is None or reach.opaque or schema_changes(reach, triples):
            return None  # a schema change reaches anywhere: the radius walk decides
        if _idle(reach, present, ask):
            continue
        if schema is None:  # what the candidates are read from (kb.reasoning.rule_dependencies)
            knowledge = knowledge_graphs(store)
            schema = hashlib.sha256(_construct(store, _schema_query(), knowledge)).hexdigest()
        predicates = _CANDIDATES.get((schema, select or ""))
        if predicates is None:
            predicates = predicate_candidates(reach, ask)
            if len(_CANDIDATES) > 256:
                _CANDIDATES.clear()
            _CANDIDATES[(schema, select or "")] = predicates
        found = affected(
            reach, triples, ask, limit=MAX_AREA, predicates=predicates, context=present
        )
        if found is None:
            return None
        area |= {n for n in found if isinstance(n, URIRef | BNode)}
        if len(area) > MAX_AREA:
            return None
    if area:  # ontology terms are not places in the data, as in the radius walk (rings)
        terms_ = store.query(
            bind_column(_ONTOLOGY_TERMS, "node", sorted(area, key=str)),
            union_default_graph=False,
        )
        area -= {row[0] for row in terms_.rows}
    return area


_ONTOLOGY_TERMS = f"SELECT DISTINCT ?node WHERE {{ GRAPH {iri(ONTOLOGY_GRAPH)} {{ ?node ?p ?o }} }}"


#: Each rule's predicate candidates, by the digest of the schema triples they are read from.
_CANDIDATES: dict[tuple[str, str], dict[Variable, set[Node]]] = {}


def _idle(
    reach: QueryReach, triples: list[Triple], ask: Callable[[str], list[Node | None]]
) -> bool:
    """Whether a pattern every solution needs has no match, in the store or the change."""
    for edge in reach.mandatory:
        if not isinstance(edge.path, URIRef):
            continue
        if any(
            p == edge.path
            and (isinstance(edge.left, Variable) or edge.left == s)
            and (isinstance(edge.right, Variable) or edge.right == o)
            for s, p, o in triples
        ):
            continue
        ends = [
            term(n) if not isinstance(n, Variable) else f"?e{i}"  # type: ignore[arg-type]
            for i, n in enumerate((edge.left, edge.right))
        ]
        query = (
            f"SELECT ?any WHERE {{ {ends[0]} {term(edge.path)} {ends[1]} BIND(1 AS ?any) }} LIMIT 1"
        )
        if not ask(query):
            return True
    return False


_INSERT = re.compile(r"\bINSERT\s*\{([^{}]*)\}", re.IGNORECASE)


@cache
def _as_select(rule: Rule) -> str | None:
    """The rule's WHERE as ``SELECT ?this``, ``?this`` its conclusion's subject."""
    match = _INSERT.search(rule.text)
    if match is None or re.search(r"[?$]this\b", rule.text):
        return None
    head = head_subject(rule)
    where = re.sub(rf"[?$]{head}\b", "?this", rule.text[match.end() :])
    return f"{rule.text[: match.start()]}SELECT ?this {where}"


def _triples(lines: set[bytes]) -> Graph:
    """N-Triples lines as an rdflib graph (a change's few triples)."""
    graph = Graph()
    if lines:
        graph.parse(data=b"\n".join(sorted(lines)), format="nt")
    return graph


_TOUCHING = """
CONSTRUCT { ?s ?p ?o } $FROM WHERE {
  { VALUES ?s { $NODES } ?s ?p ?o } UNION { VALUES ?o { $NODES } ?s ?p ?o } }
"""
_ABOUT = """
CONSTRUCT { ?s ?p ?o } $FROM WHERE { VALUES ?s { $NODES } ?s ?p ?o }
"""
_WHOLE = "CONSTRUCT { ?s ?p ?o } $FROM WHERE { ?s ?p ?o }"
_NT = "application/n-triples"


def _copy_around(
    store: Store, reach: list[Identifier], area: set[Identifier]
) -> tuple[OxigraphStore, set[bytes]]:
    """A memory store with what the rules can read when they conclude about ``area``.

    A rule concludes about a resource from facts that touch it or a neighbour (see the module
    docstring), so the facts touching ``reach`` (the area and its neighbours) are enough, with
    the schema and the inferences about neighbours, less those about the area, which are
    recomputed. Data travels as N-Triples, as in the full run. Returns the store and the
    asserted triples copied into it, as N-Triples lines of the scratch store's own writer.
    """
    nodes = _values(reach)
    knowledge = knowledge_graphs(store)
    scratch = scratch_store(
        _construct(store, _TOUCHING, knowledge, NODES=nodes),
        _construct(store, _schema_query(), knowledge),
        _construct(store, _WHOLE, [ONTOLOGY_GRAPH]),
    )
    asserted = scratch.lines()
    inferred = _construct(store, _TOUCHING, [INFERRED_GRAPH], NODES=nodes)
    subjects = {term(n).encode() for n in area}
    kept = b"\n".join(line for line in inferred.splitlines() if _subject(line) not in subjects)
    scratch.add_ntriples(kept)
    return scratch, asserted


def _construct(store: Store, query: str, graphs: Sequence[str], **fragments: str) -> bytes:
    """Run a CONSTRUCT whose default graph is the merge of ``graphs``; N-Triples."""
    query = fill(query, FROM=from_clauses(graphs), **fragments)
    _media_type, body = store.query_serialized(query, _NT, union_default_graph=False)
    return body


def _values(nodes: Iterable[Identifier]) -> str:
    return terms(sorted(nodes, key=str))


def _normalised(data: bytes) -> set[bytes]:
    """N-Triples lines as the scratch store's writer spells them (another endpoint may differ)."""
    return scratch_store(data).lines()


def _subject(line: bytes) -> bytes:
    """An N-Triples line's subject: up to the first space or tab (Virtuoso writes tabs)."""
    return line.split(None, 1)[0]


@cache
def _schema_query() -> str:
    keys = schema_keys([r.text for r in rules()])
    predicates = " ".join(iri(p) for p, c in sorted(keys) if c is None)
    classes = " ".join(iri(c) for _p, c in sorted(keys) if c is not None)
    return (
        "CONSTRUCT { ?s ?p ?o } $FROM WHERE {\n"
        f"  {{ VALUES ?p {{ {predicates} }} ?s ?p ?o }} UNION\n"
        f"  {{ VALUES ?o {{ {classes} }} ?s a ?o BIND({iri(str(RDF.type))} AS ?p) }}\n}}"
    )


def _data(operation: str, lines: set[bytes]) -> str:
    body = b"\n".join(sorted(lines)).decode()
    return f"{operation} DATA {{ GRAPH {iri(INFERRED_GRAPH)} {{\n{body}\n}} }}"
