"""Incremental inference gives exactly what a full run gives, after additions and removals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef

from kb import resources
from kb.interchange.loading import install_model, parse_stream, write_sources
from kb.namespaces import INFERRED_GRAPH, source_graph
from kb.reasoning import incremental
from kb.reasoning.incremental import head_subject, infer_incremental, neighbourhood, nodes_of
from kb.reasoning.inference import infer, rules
from kb.store import Store, open_store
from tests.support.generate import Ecosystem, ecosystems

Triple = tuple[str, str, str]


def inferred(store: Store) -> set[Triple]:
    result = store.query(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}",
        union_default_graph=False,
    )
    # Statements about the graph itself (its stamp: a new run id every run) are bookkeeping.
    return {(str(s), str(p), str(o)) for s, p, o in result.rows if str(s) != INFERRED_GRAPH}


def load_graph(store: Store, name: str, graph: Graph) -> None:
    data = graph.serialize(format="nt", encoding="utf-8")
    write_sources(store, [parse_stream(data, fmt="nt", name=f"{name}.nt")])


def fresh(*parts: tuple[str, Graph]) -> Store:
    store = open_store("memory")
    install_model(store)
    for name, graph in parts:
        load_graph(store, name, graph)
    return store


def split(graph: Graph, mask: list[bool]) -> tuple[Graph, Graph]:
    base, delta = Graph(), Graph()
    for triple, in_delta in zip(sorted(graph), mask, strict=False):
        (delta if in_delta else base).add(triple)
    return base, delta


@contextmanager
def area_bound(limit: int) -> Iterator[None]:
    """Run with another BOUND_AREA: 0 sends every change down the plain-rules path."""
    saved = incremental.BOUND_AREA
    incremental.BOUND_AREA = limit
    try:
        yield
    finally:
        incremental.BOUND_AREA = saved


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


#: How the change is told: its resources (the area is every resource within two links), or its
#: triples (the area is what the rules' patterns link them to, kb.reasoning.incremental.rule_area).
TOLD = ["resources", "triples"]


def reinfer(store: Store, delta: Graph, told: str) -> None:
    changes = set(delta) if told == "triples" else None
    infer_incremental(store, nodes_of(delta), changes=changes)  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("told", TOLD)
@pytest.mark.parametrize("bound_area", [incremental.BOUND_AREA, 0], ids=["bound", "plain"])
@SETTINGS
@given(ecosystem=ecosystems(max_organisations=6), data=st.data())
def test_adding_triples_incrementally_equals_a_full_run(
    bound_area: int, told: str, ecosystem: Ecosystem, data: st.DataObject
) -> None:
    graph = Graph().parse(data=ecosystem.turtle(), format="turtle")
    mask = data.draw(st.lists(st.booleans(), min_size=len(graph), max_size=len(graph)))
    base, delta = split(graph, mask)
    store = fresh(("base", base))
    infer(store)
    load_graph(store, "delta", delta)
    with area_bound(bound_area):
        reinfer(store, delta, told)
    expected = fresh(("base", base), ("delta", delta))
    infer(expected)
    assert inferred(store) == inferred(expected)


@pytest.mark.slow
@pytest.mark.parametrize("told", TOLD)
@pytest.mark.parametrize("bound_area", [incremental.BOUND_AREA, 0], ids=["bound", "plain"])
@SETTINGS
@given(ecosystem=ecosystems(max_organisations=6), data=st.data())
def test_removing_triples_incrementally_equals_a_full_run(
    bound_area: int, told: str, ecosystem: Ecosystem, data: st.DataObject
) -> None:
    graph = Graph().parse(data=ecosystem.turtle(), format="turtle")
    mask = data.draw(st.lists(st.booleans(), min_size=len(graph), max_size=len(graph)))
    base, delta = split(graph, mask)
    store = fresh(("base", base), ("delta", delta))
    infer(store)
    store.update(f"DROP GRAPH <{source_graph('delta.nt')}>")
    with area_bound(bound_area):
        reinfer(store, delta, told)
    expected = fresh(("base", base))
    infer(expected)
    assert inferred(store) == inferred(expected)


def test_a_change_to_one_campus_organisation_is_reinferred_locally() -> None:
    """Removing the Canteen's catering relationship removes its CTP role and nothing else."""
    campus = Graph().parse(resources.example_file("campus"))
    rel = URIRef("https://example.org/campus#rel-canteen-facility-catering")
    removed = Graph()
    for triple in campus.triples((rel, None, None)):
        removed.add(triple)
    for triple in campus.triples((None, None, rel)):
        removed.add(triple)
    rest = campus - removed
    store = fresh(("campus", rest), ("catering", removed))
    infer(store)
    before = inferred(store)
    canteen = "https://example.org/campus#Canteen"
    ctp = "https://w3id.org/srkb#ConsumerTurnedProvider"
    type_ = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    assert (canteen, type_, ctp) in before
    store.update(f"DROP GRAPH <{source_graph('catering.nt')}>")
    run = infer_incremental(store, nodes_of(removed))
    after = inferred(store)
    assert (canteen, type_, ctp) not in after
    expected = fresh(("campus", rest))
    infer(expected)
    assert after == inferred(expected)
    assert run.passes >= 1


def test_no_change_changes_nothing() -> None:
    store = fresh(("campus", Graph().parse(resources.example_file("campus"))))
    infer(store)
    before = inferred(store)
    run = infer_incremental(store, set())
    assert run.passes == 0
    assert inferred(store) == before


def test_every_rule_concludes_about_a_variable_subject() -> None:
    for rule in rules():
        assert head_subject(rule) in rule.where, rule.rule_id


def test_a_transitive_property_falls_back_to_a_full_run() -> None:
    data = Graph().parse(
        data="""
        @prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix ex: <https://e.org/> .
        ex:partOf a owl:TransitiveProperty .
        ex:a ex:partOf ex:b . ex:b ex:partOf ex:c .
        """,
        format="turtle",
    )
    store = fresh(("t", data))
    infer(store)
    extra = Graph().parse(
        data="<https://e.org/c> <https://e.org/partOf> <https://e.org/d> .", format="nt"
    )
    load_graph(store, "more", extra)
    infer_incremental(store, nodes_of(extra))
    assert ("https://e.org/a", "https://e.org/partOf", "https://e.org/d") in inferred(store)


def test_the_neighbourhood_stops_at_the_radius_and_skips_ontology_terms() -> None:
    chain = Graph().parse(
        data="""
        @prefix ex: <https://e.org/> . @prefix srkb: <https://w3id.org/srkb#> .
        ex:n0 ex:link ex:n1 . ex:n1 ex:link ex:n2 . ex:n2 ex:link ex:n3 .
        ex:n0 a srkb:Service . ex:far a srkb:Service . ex:n0 ex:kind srkb:Accountable .
        ex:other ex:kind srkb:Accountable .
        """,
        format="turtle",
    )
    store = fresh(("chain", chain))
    area = {str(n) for n in neighbourhood(store, {URIRef("https://e.org/n0")}, radius=2)}
    assert area == {"https://e.org/n0", "https://e.org/n1", "https://e.org/n2"}


@pytest.mark.parametrize("operation", ["put", "post", "delete"])
def test_graph_store_writes_reinfer_incrementally_and_match_a_full_run(
    operation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb import knowledge_base
    from kb.config import Settings
    from kb.knowledge_base import KnowledgeBase
    from kb.protocol import graph_store

    kb = KnowledgeBase.open(Settings(store="memory", demo=True))

    def no_full_run(_store: Store) -> None:
        raise AssertionError("a Graph Store write should not need a full inference run")

    monkeypatch.setattr(knowledge_base, "infer", no_full_run)
    graph = source_graph("catering.ttl")
    body = resources.example_file("campus").read_bytes() if operation != "delete" else b""
    if operation == "delete":
        triple = b"<https://example.org/campus#IT> <https://example.org/campus#y> <urn:z> ."
        graph_store.put(kb, graph, triple, "nt")
        graph_store.delete(kb, graph)
    else:
        getattr(graph_store, operation)(kb, graph, body, "ttl")
    assert kb.last_inference is not None
    incremental = inferred(kb.store)
    infer(kb.store)
    assert incremental == inferred(kb.store)
    kb.close()


def test_a_change_with_blank_nodes_falls_back_to_a_full_run() -> None:
    from kb.config import Settings
    from kb.knowledge_base import KnowledgeBase
    from kb.protocol import graph_store

    kb = KnowledgeBase.open(Settings(store="memory", demo=True))
    before = inferred(kb.store)
    graph = source_graph("with-blank-nodes")
    body = (
        b"@prefix srkb: <https://w3id.org/srkb#> . @prefix ex: <https://example.org/campus#> .\n"
        b"[] srkb:hasProvider ex:IT ;\n"
        b" srkb:hasConsumer [ a <http://www.w3.org/ns/org#Organization> ]"
        b" ; srkb:concernsService ex:WorkplaceIT .\n"
    )
    graph_store.put(kb, graph, body, "ttl")
    with_blanks = inferred(kb.store)
    infer(kb.store)
    assert with_blanks == inferred(kb.store)
    graph_store.delete(kb, graph)
    assert inferred(kb.store) == before
    kb.close()
