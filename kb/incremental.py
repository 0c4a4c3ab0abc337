"""Incremental inference: after a change, recompute only what the change can affect.

Every srkb rule derives a triple about a resource from facts that each touch that resource or one
of its neighbours (consumer-turned-provider, the widest, reads the organisation's relationships,
their services, its components and the services made from them: all one link away). A rule may
also read a fact *inferred* about a neighbour, which adds one link. So after a change, only the
inferred triples *about* resources within :data:`RADIUS` links of the changed resources can have
changed. This module

1. expands the changed resources to that neighbourhood (over asserted data only; ontology terms
   such as classes, the RACI kinds and literal values are not walked through, or every resource
   would be a neighbour of every other through ``srkb:Service``),
2. deletes the inferred triples whose subject is in the neighbourhood, and
3. runs the same rules to a fixpoint with their conclusion's subject bound to the neighbourhood.

The result equals a full :func:`kb.inference.infer` (the tests check it on random changes to
random ecosystems). When the locality argument does not hold — the ontology changed, or declares
a transitive property, whose conclusions can depend on facts any distance away — or when a blank
node lies in the neighbourhood (SPARQL cannot name it), it falls back to a full run. Unlike the
full run, the steps are separate update requests: a reader can see the neighbourhood's inferences
missing for the few milliseconds between them.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable

from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from kb.errors import SrkbError
from kb.inference import (
    InferenceRun,
    Rule,
    drop_asserted,
    infer,
    knowledge_graphs,
    rule_plan,
    rules,
    run_to_fixpoint,
)
from kb.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from kb.sparql import bind, bind_column, iri, term, with_dataset
from kb.store import Store

log = logging.getLogger(__name__)

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

_TRANSITIVE = """
ASK { ?p a <http://www.w3.org/2002/07/owl#TransitiveProperty> }
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
    graphs = [g for g in knowledge_graphs(store) if g != ONTOLOGY_GRAPH]
    found: set[Identifier] = {n for n in changed if isinstance(n, URIRef | BNode)}
    frontier = {n for n in found if isinstance(n, URIRef)}
    for _ in range(radius):
        if not frontier or not graphs:
            break
        reached: set[Identifier] = set()
        for text in (_NEIGHBOURS, _NEIGHBOURS_BACK):
            query = bind(text, {"ontology": URIRef(ONTOLOGY_GRAPH)})
            query = bind_column(query, "node", sorted(frontier, key=str))
            result = store.query(query, default_graphs=graphs, named_graphs=[ONTOLOGY_GRAPH])
            reached |= {row[0] for row in result.rows if row[0] is not None}
        # Blank nodes are kept (so callers see them) but not walked: SPARQL cannot name them.
        frontier = {n for n in reached - found if isinstance(n, URIRef)}
        found |= reached
    return found


def infer_incremental(store: Store, changed: Iterable[Identifier]) -> InferenceRun:
    """Bring the inferred graph up to date after a change to the given resources."""
    started = time.perf_counter()
    changed = set(changed)
    if not changed:
        return InferenceRun(inferred_triples=store.count(INFERRED_GRAPH), passes=0, seconds=0.0)
    if INFERRED_GRAPH not in store.graphs() or store.query(_TRANSITIVE).boolean:
        log.info("incremental inference falls back to a full run")
        return infer(store)
    area = sorted(neighbourhood(store, changed), key=str)
    if any(isinstance(node, BNode) for node in area):
        # A blank node cannot be named in a SPARQL request, so its inferences cannot be
        # deleted and re-derived one by one: recompute everything.
        log.info("blank nodes near the change: incremental inference falls back to a full run")
        return infer(store)
    values = " ".join(term(n) for n in area)
    store.update(
        f"DELETE {{ GRAPH {iri(INFERRED_GRAPH)} {{ ?s ?p ?o }} }}\n"
        f"WHERE {{ VALUES ?s {{ {values} }} GRAPH {iri(INFERRED_GRAPH)} {{ ?s ?p ?o }} }}"
    )
    using = [*knowledge_graphs(store), INFERRED_GRAPH]
    compiled = [
        with_dataset(bind_column(r.text, head_subject(r), area), INFERRED_GRAPH, using)
        for r in rules()
    ]
    # Every conclusion is about a resource of the area, so only the area's inferences can grow.
    size_query = (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?s {{ {values} }} "
        f"GRAPH {iri(INFERRED_GRAPH)} {{ ?s ?p ?o }} }}"
    )

    def size() -> int:
        value = store.query(size_query, union_default_graph=False).rows[0][0]
        return int(value) if isinstance(value, Literal) else 0

    plan = rule_plan(store, knowledge_graphs(store))
    passes = run_to_fixpoint(store, compiled, size, plan=plan)
    drop_asserted(store, INFERRED_GRAPH, area)
    # Statements about the inferred graph itself (kb.recovery's stale mark) described the old
    # state; a full run drops them with the graph, so the last step here does too.
    store.update(
        f"DELETE WHERE {{ GRAPH {iri(INFERRED_GRAPH)} {{ {iri(INFERRED_GRAPH)} ?p ?o }} }}"
    )
    count = store.count(INFERRED_GRAPH)
    seconds = time.perf_counter() - started
    log.info("re-inferred around %d resources in %d passes (%.3f s)", len(area), passes, seconds)
    return InferenceRun(inferred_triples=count, passes=passes, seconds=seconds)
