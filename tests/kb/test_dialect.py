"""Endpoint dialects and staged loads: the wire form of blank nodes, system graphs, chunking.

The parts that need no endpoint are checked here on pyoxigraph; the same behaviour on Virtuoso
and Oxigraph's server is checked by the store suite (``tests/kb/test_store.py``) and by
``tests/kb/test_virtuoso.py``.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, URIRef

from kb.interchange.parsing import parse_source
from kb.store.dialect import (
    GENID_BASE,
    blank_label,
    detect,
    endpoint_blank_node,
    from_wire_iri,
    skolem_aware,
    to_wire,
    update_url_candidates,
)
from kb.store.source import ParsedSource
from kb.store.staging import OPERATION_TRIPLES, STAGING_PREFIX, is_staging_graph, plan

EX = "https://example.org/d#"
G = "https://example.org/graph/d"


def test_blank_nodes_go_out_as_skolem_iris_and_come_back_as_the_same_blank_nodes() -> None:
    node = BNode("f0f7540e57ad62891b4d607f084b2efa")
    wire = to_wire(node)
    assert isinstance(wire, URIRef)
    assert str(wire).startswith(GENID_BASE)
    assert "/.well-known/genid/" in str(wire)
    assert from_wire_iri(str(wire)) == node
    assert to_wire(URIRef(EX + "a")) == URIRef(EX + "a")
    assert from_wire_iri(EX + "a") == URIRef(EX + "a")


@pytest.mark.parametrize(
    "label", ["nodeID://b10003", "b10003", "a.b", "x y", "é", "_:odd", "a_5fb", "-"]
)
def test_any_endpoint_label_becomes_a_blank_node_pyoxigraph_accepts(label: str) -> None:
    node = endpoint_blank_node(label)
    ox.BlankNode(str(node))  # raises if the label is not valid
    assert endpoint_blank_node(label) == node, "the same label is always the same node"


def test_different_endpoint_labels_stay_different() -> None:
    labels = ["nodeID://b1", "nodeID://b2", "nodeID:__b1", "nodeID_3a__b1", "b1"]
    assert len({blank_label(label) for label in labels}) == len(labels)


def test_skolem_aware_tests_see_skolem_iris_as_blank_on_a_real_engine() -> None:
    store = ox.Store()
    skolem = ox.NamedNode(GENID_BASE + "b0")
    named = ox.NamedNode(EX + "a")
    p = ox.NamedNode(EX + "p")
    store.add(ox.Quad(skolem, p, named))
    store.add(ox.Quad(named, p, skolem))
    blank = "SELECT ?x WHERE { ?x ?p ?o FILTER(isBlank(?x)) }"
    iri = "SELECT ?x WHERE { ?x ?p ?o FILTER(ISIRI( ?x )) }"
    uri = "SELECT ?x WHERE { ?x ?p ?o FILTER(isURI($x)) }"
    assert [r["x"] for r in store.query(skolem_aware(blank))] == [skolem]  # type: ignore[union-attr]
    assert [r["x"] for r in store.query(skolem_aware(iri))] == [named]  # type: ignore[union-attr]
    assert [r["x"] for r in store.query(skolem_aware(uri))] == [named]  # type: ignore[union-attr]
    # unchanged, the same queries see the skolem IRI as an IRI
    assert [r["x"] for r in store.query(blank)] == []  # type: ignore[union-attr]


def test_skolem_aware_leaves_strings_comments_and_iris_alone() -> None:
    text = 'SELECT * WHERE { ?s <urn:isIRI(?x)> "isBlank(?y)" } # isIRI(?z)'
    assert skolem_aware(text) == text


def test_virtuoso_is_recognised_by_its_server_header_and_its_graphs_are_its_own() -> None:
    dialect = detect("Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu")
    assert dialect.name == "Virtuoso"
    for graph in (
        "http://www.openlinksw.com/schemas/virtrdf#",
        "http://www.w3.org/ns/ldp#",
        "http://localuriqaserver/sparql",
        "http://localhost:8890/DAV/",
    ):
        assert dialect.is_system_graph(graph), graph
    assert not dialect.is_system_graph("https://w3id.org/srkb/graph/ontology")
    assert any("neither end bound" in limit for limit in dialect.limitations)
    assert detect("Oxigraph/0.5.2").name == "Oxigraph"
    assert not detect(None).is_system_graph("http://www.openlinksw.com/schemas/virtrdf#")


def test_update_url_candidates_try_update_then_the_query_url() -> None:
    assert update_url_candidates("http://h/sparql") == ["http://h/update", "http://h/sparql"]
    assert update_url_candidates("http://h/ds/query") == ["http://h/ds/update", "http://h/ds/query"]
    assert update_url_candidates("http://h/endpoint") == ["http://h/endpoint"]


# -- staged loads ---------------------------------------------------------------------------------
def _source(n: int) -> ParsedSource:
    lines = [f'<{EX}s{i}> <{EX}p> _:b{i} .\n_:b{i} <{EX}q> "{i}" .' for i in range(n)]
    return parse_source("\n".join(lines).encode(), "nt", name="d.nt", graph=G)


def _run(store: ox.Store, request: str) -> None:
    if request:
        store.update(request)


def _content(store: ox.Store, graph: str) -> set[tuple[str, str, str]]:
    return {
        (str(q.subject), str(q.predicate), str(q.object))
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    }


def test_a_small_load_is_one_request_with_skolem_iris() -> None:
    source = _source(3)
    staged = plan([source], [G])
    assert staged.chunks == ()
    assert staged.final.startswith(f"DROP SILENT GRAPH <{G}>")
    assert "_:" not in staged.final
    store = ox.Store()
    _run(store, staged.final)
    assert len(_content(store, G)) == 6
    assert all(
        GENID_BASE in str(q.object)
        for q in store.quads_for_pattern(None, None, None)
        if q.predicate.value == EX + "p"
    )


def test_a_staged_load_moves_into_place_in_the_final_request_only() -> None:
    source = _source(200)
    one = ox.Store()
    _run(one, plan([source]).final)
    staged = plan([source], [G], chunk_bytes=2_000)
    assert len(staged.chunks) > 5
    assert staged.total == 400
    store = ox.Store()
    store.add(
        ox.Quad(ox.NamedNode(EX + "old"), ox.NamedNode(EX + "p"), ox.Literal("x"), ox.NamedNode(G))
    )
    for chunk in staged.chunks:
        _run(store, chunk)
    # staged: the target graph still holds only what it held before
    assert _content(store, G) == {(f"<{EX}old>", f"<{EX}p>", '"x"')}
    staging = {q.graph_name.value for q in store.quads_for_pattern(None, None, None)} - {G}  # type: ignore[union-attr]
    assert staging
    assert all(is_staging_graph(g) and g.startswith(STAGING_PREFIX) for g in staging)
    _run(store, staged.final)
    assert _content(store, G) == _content(one, G), "same triples as one request, old ones replaced"
    assert {q.graph_name.value for q in store.quads_for_pattern(None, None, None)} == {G}  # type: ignore[union-attr]


def test_an_aborted_staged_load_leaves_no_staging_graph() -> None:
    staged = plan([_source(100)], chunk_bytes=1_000)
    store = ox.Store()
    for chunk in staged.chunks[:3]:
        _run(store, chunk)
    assert len(store) > 0
    _run(store, staged.abort)
    assert len(store) == 0


def test_no_insert_data_operation_holds_more_than_virtuoso_parses() -> None:
    """Virtuoso 7.2's parser gives up a little under 5,000 triples in one INSERT DATA."""
    staged = plan([_source(2_600)])
    assert staged.chunks == (), "one request"
    operations = staged.final.split(" ;\n")
    assert len(operations) == 3
    assert all(op.count("\n") - 1 <= OPERATION_TRIPLES for op in operations)
    store = ox.Store()
    _run(store, staged.final)
    assert len(_content(store, G)) == 5_200
