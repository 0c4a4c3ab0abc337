"""The SPARQL 1.1 Graph Store HTTP Protocol's semantics over srkb's named graphs.

``?graph=IRI`` is a named graph; ``?default`` reads the union default graph that queries see, and
writes to the graph ``source_graph("default")`` (srkb keeps no data in the store's real default
graph, so that every triple has provenance). The model and derived graphs (ontology, shapes,
inferred, validation) are managed by srkb and refused as write targets.
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.term import Identifier

from kb.errors import InputError, NotFoundError, WriteRefusedError
from kb.interchange.loading import parse_stream, write_sources
from kb.knowledge_base import KnowledgeBase
from kb.namespaces import (
    GRAPH_BASE,
    INFERRED_GRAPH,
    INFERRED_STAGING_GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
    VALIDATION_GRAPH,
    knowledge_graphs,
    source_graph,
)
from kb.sparql.text import iri
from kb.store.source import ParsedSource

MANAGED = frozenset(
    {ONTOLOGY_GRAPH, SHAPES_GRAPH, INFERRED_GRAPH, INFERRED_STAGING_GRAPH, VALIDATION_GRAPH}
)
DEFAULT_WRITE_GRAPH = source_graph("default")


def target(graph: str | None) -> str:
    """The named graph a write goes to; refuses srkb's managed graphs."""
    name = graph or DEFAULT_WRITE_GRAPH
    if name in MANAGED:
        raise WriteRefusedError(f"<{name}> is maintained by srkb and cannot be written directly")
    if name.startswith(GRAPH_BASE) and not name.startswith(GRAPH_BASE + "source/"):
        raise WriteRefusedError(f"<{name}> is reserved for srkb's own graphs")
    return name


def _parse_one_graph(body: bytes, fmt: str, name: str) -> ParsedSource:
    """Parse a body written to graph ``name``; refuse quads (TriG, N-Quads) naming another graph.

    Otherwise a write addressed to one graph would replace others, srkb's managed graphs included.
    """
    parsed = parse_stream(body, fmt=fmt, name=f"upload.{fmt}", graph=name)
    others = sorted(parsed.graphs() - {name})
    if others:
        raise InputError(
            f"the body puts triples in other graphs than <{name}>: "
            + ", ".join(f"<{g}>" for g in others),
            source=f"upload.{fmt}",
            hint="a Graph Store write goes to one graph: send triples, or quads in that graph only",
        )
    return parsed


def read(kb: KnowledgeBase, graph: str | None, fmt: str) -> bytes:
    """A named graph, or (``graph=None``) the union of the knowledge and inferred graphs.

    TriG and N-Quads show which graph each triple of the union comes from; JSON-LD, which could
    too, is merged like the triple formats, because JSON-LD clients read it as one graph.
    """
    store = kb.store
    if graph is None:
        graphs = knowledge_graphs(store)
        if INFERRED_GRAPH in store.graphs():
            graphs.append(INFERRED_GRAPH)
        if fmt == "jsonld":
            merged = Graph().parse(data=store.dump_graphs("nt", graphs), format="nt")
            return merged.serialize(format="json-ld", encoding="utf-8")
        return store.dump_graphs(fmt, graphs)
    if graph not in store.graphs():
        raise NotFoundError(f"the store has no graph <{graph}>")
    return store.dump(fmt, graph=graph)


def _nodes_in(kb: KnowledgeBase, name: str) -> set[Identifier]:
    """The resources a graph's triples are about, before a write replaces or drops them."""
    if name not in kb.store.graphs():
        return set()
    result = kb.store.query(
        f"SELECT DISTINCT ?n WHERE {{ GRAPH {iri(name)} {{ {{ ?n ?p ?o }} UNION "
        f"{{ ?s ?p ?n FILTER(!isLiteral(?n)) }} }} }}",
        union_default_graph=False,
    )
    return {row[0] for row in result.rows if row[0] is not None}


def put(kb: KnowledgeBase, graph: str | None, body: bytes, fmt: str) -> bool:
    """Replace a graph with the body (all-or-nothing); True if the graph is new."""
    name = target(graph)
    parsed = _parse_one_graph(body, fmt, name)
    created = name not in kb.store.graphs()
    changed = _nodes_in(kb, name) | parsed.nodes()
    kb.write(lambda: write_sources(kb.store, [parsed]), changed)
    return created


def post(kb: KnowledgeBase, graph: str | None, body: bytes, fmt: str) -> bool:
    """Merge the body into a graph (all-or-nothing); True if the graph is new."""
    name = target(graph)
    parsed = _parse_one_graph(body, fmt, name)
    created = name not in kb.store.graphs()
    kb.write(lambda: kb.store.load([parsed]), parsed.nodes())
    return created


def delete(kb: KnowledgeBase, graph: str | None) -> None:
    """Drop a graph; NotFoundError if it does not exist."""
    name = target(graph)
    if name not in kb.store.graphs():
        raise NotFoundError(f"the store has no graph <{name}>")
    changed = _nodes_in(kb, name)
    kb.write(lambda: kb.store.update(f"DROP GRAPH {iri(name)}"), changed)
