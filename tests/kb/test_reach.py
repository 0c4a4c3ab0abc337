"""Which focus nodes a change can affect, read from the shapes' own queries (kb.sparql.reach).

The property tests of :mod:`tests.kb.test_incremental_validation` check that re-validating only
these focus nodes equals a full run; these check that the set is narrow where it should be (a new
consumer of a provider many others use does not re-check the others) and that the analysis says
"everything" where it cannot follow a query.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import RDFS, Graph, URIRef
from rdflib.term import Node

from kb import resources
from kb.config import Settings
from kb.interchange.loading import parse_stream, write_sources
from kb.knowledge_base import KnowledgeBase
from kb.namespaces import INFERRED_GRAPH, SHAPES_GRAPH, knowledge_graphs
from kb.sparql.reach import affected, reach_of
from kb.store import open_store
from kb.validation import compiled
from kb.validation.incremental import affected_foci
from kb.validation.shacl import _graph_from
from tests.support.parsed_cache import read_then_kept

EX = "https://example.org/campus#"
SRKB = "https://w3id.org/srkb#"

NEWCOMER = f"""
@prefix ex: <{EX}> .
@prefix srkb: <{SRKB}> .
ex:Newcomer a srkb:Organisation ; srkb:registersComponent ex:comp-newcomer-office .
ex:rel-newcomer-office a srkb:ServiceRelationship ;
    srkb:hasProvider ex:Facility ; srkb:hasConsumer ex:Newcomer ;
    srkb:concernsService ex:OfficeSpace .
ex:comp-newcomer-office a srkb:ServiceComponent ;
    srkb:refersToService ex:OfficeSpace ; srkb:hasVendor ex:Facility .
"""


def _foci_of_write(kb: KnowledgeBase, turtle: str) -> set[URIRef] | None:
    """Write ``turtle`` as a new graph; the focus nodes its asserted and inferred changes reach."""
    graph = Graph().parse(data=turtle, format="turtle")
    source = parse_stream(
        graph.serialize(format="nt", encoding="utf-8"), fmt="nt", name="newcomer.nt"
    )
    assert not kb.write(lambda: write_sources(kb.store, [source]), set(graph)).pending
    inferred = kb.last_inference.changes
    assert inferred is not None, "the write was inferred incrementally"
    store = kb.store
    graphs = [*knowledge_graphs(store), INFERRED_GRAPH]
    shapes = compiled.compile_shapes(_graph_from(store, [SHAPES_GRAPH]))
    found = affected_foci(store, {*graph, *inferred}, shapes, graphs=graphs, union=False)
    return None if found is None else {URIRef(str(n)) for n in found}


def test_a_new_consumer_of_a_shared_provider_reaches_only_its_own_resources() -> None:
    """Facility serves IT, Finance and the Canteen, and is the vendor of their components; a
    newcomer consuming office space from it re-checks the newcomer's resources and Facility, not
    the other consumers or their components."""
    kb = KnowledgeBase.open(Settings(store="memory"))
    try:
        campus = resources.example_file("campus")
        source = parse_stream(campus.read_bytes(), fmt="ttl", name="campus.ttl")
        kb.write(lambda: write_sources(kb.store, [source]))
        others = {
            row[0]
            for row in kb.store.query(
                f"SELECT ?c WHERE {{ ?c <{SRKB}hasVendor> <{EX}Facility> }}"
            ).rows
        }
        assert len(others) >= 2, "campus has several components of Facility's services"
        foci = _foci_of_write(kb, NEWCOMER)
    finally:
        kb.close()
    assert foci is not None
    assert {URIRef(EX + "Newcomer"), URIRef(EX + "comp-newcomer-office")} <= foci
    assert not foci & {URIRef(str(c)) for c in others}
    assert not foci & {URIRef(EX + n) for n in ("IT", "Finance", "Canteen")}
    assert len(foci) <= 6, foci


def test_a_pattern_linked_to_the_focus_node_only_by_a_filter_means_everything() -> None:
    reach = reach_of("SELECT ?this WHERE { ?this a <urn:C> . ?x <urn:p> ?y FILTER(?y = ?this) }")
    triple = (URIRef("urn:a"), URIRef("urn:p"), URIRef("urn:b"))
    assert affected(reach, [triple], lambda _q: [], limit=100) is None
    other = (URIRef("urn:a"), URIRef("urn:q"), URIRef("urn:b"))
    assert affected(reach, [other], lambda _q: [], limit=100) == set(), "urn:q is never read"


def test_a_union_branch_is_no_companion_of_the_other() -> None:
    """A change in one UNION branch is walked through its own branch only: the other branch's
    pattern does not hold in the solutions the change is part of."""
    reach = reach_of(
        "SELECT ?this WHERE { { ?this <urn:a> ?x } UNION { ?this <urn:b> ?y . ?y <urn:c> ?x } }"
    )
    asked: list[str] = []

    def ask(query: str) -> list[URIRef]:
        asked.append(query)
        return [URIRef("urn:focus")]

    found = affected(reach, [(URIRef("urn:m"), URIRef("urn:c"), URIRef("urn:n"))], ask, limit=9)
    assert found == {URIRef("urn:focus")}
    assert asked
    assert all("<urn:a>" not in q for q in asked), asked
    assert any("<urn:b>" in q for q in asked), asked


def test_a_sub_select_keeps_its_own_variables_apart() -> None:
    """?x inside the sub-SELECT is not the outer ?x: no chain may join them."""
    reach = reach_of(
        "SELECT ?this WHERE { ?this <urn:a> ?x . "
        "{ SELECT ?this WHERE { ?this <urn:b> ?x . ?x <urn:c> ?z } } }"
    )
    asked: list[str] = []

    def ask(query: str) -> list[URIRef]:
        asked.append(query)
        return [URIRef("urn:focus")]

    affected(reach, [(URIRef("urn:m"), URIRef("urn:c"), URIRef("urn:n"))], ask, limit=9)
    assert asked
    assert all("<urn:a>" not in q for q in asked), asked


def test_a_changed_link_inside_a_repeated_path_walks_the_whole_chain() -> None:
    """``rdfs:subClassOf+`` between a type and a class: a new subclass link reaches every
    instance of every class below it."""
    sub_class_of = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    reach = reach_of(f"SELECT ?this WHERE {{ ?this a/{sub_class_of}+ <urn:Top> }}")
    asked: list[str] = []

    def ask(query: str) -> list[URIRef]:
        asked.append(query)
        if "?n0" in query:  # the walk from the classes to their instances
            return [URIRef("urn:instance")]
        if "<urn:Top>" in query:  # the chain's end: Top itself (zero links)
            return [URIRef("urn:Top")]
        return [URIRef("urn:Sub"), URIRef("urn:SubSub")]  # what reaches Sub: itself and below

    link = (
        URIRef("urn:Sub"),
        URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
        URIRef("urn:Top"),
    )
    assert affected(reach, [link], ask, limit=9) == {URIRef("urn:instance")}
    walk = next(q for q in asked if "?n0" in q)
    assert "<urn:SubSub>" in walk, walk
    assert "<urn:Sub>" in walk, walk
    unrelated = (URIRef("urn:Sub"), URIRef("urn:other"), URIRef("urn:Top"))
    assert affected(reach, [unrelated], ask, limit=9) == set()


def _ask_of(turtle: str) -> Callable[[str], list[Node | None]]:
    """Queries on a real store holding ``turtle`` (the data after the change)."""
    store = open_store("memory")
    store.update(f"INSERT DATA {{ GRAPH <urn:data> {{ {turtle} }} }}")
    return lambda query: [row[0] for row in store.query(query).rows]


def _u(name: str) -> URIRef:
    return URIRef(f"urn:{name}")


def test_two_removed_triples_of_one_solution_still_reach_its_focus_node() -> None:
    """Each removed triple is linked to ?this by one chain that holds and one that runs through
    the other removed triple. The walk takes the change as present: keeping only what every
    chain reaches in the store alone would find nothing (a relationship losing its mutual
    partner kept its role)."""
    reach = reach_of(
        "SELECT ?this WHERE { ?this <urn:p> ?a ; <urn:c> ?b . ?back <urn:p> ?b ; <urn:c> ?a }"
    )
    ask = _ask_of("<urn:r> <urn:p> <urn:one> ; <urn:c> <urn:two> .")
    removed = [
        (_u("back"), _u("p"), _u("two")),
        (_u("back"), _u("c"), _u("one")),
    ]
    # urn:back is a focus node too: as ?this, it lost its own <urn:p> link.
    assert affected(reach, removed, ask, limit=9) == {_u("r"), _u("back")}
    assert affected(reach, removed[:1], ask, limit=9, context=removed) == {_u("r"), _u("back")}
    without = affected(reach, removed[:1], ask, limit=9, context=[])
    assert without == {_u("back")}, "in the store alone the chain through the other is gone"


def test_two_removed_links_of_one_path_still_reach_its_focus_node() -> None:
    """A sequence path whose two links both went: each link's other end is found through the
    other link, taken from the change."""
    reach = reach_of("SELECT ?this WHERE { ?y <urn:p>/<urn:q> ?z . ?this <urn:r> ?z ; <urn:s> ?y }")
    ask = _ask_of("<urn:f> <urn:r> <urn:z> ; <urn:s> <urn:y> .")
    removed = [(_u("y"), _u("p"), _u("m")), (_u("m"), _u("q"), _u("z"))]
    assert affected(reach, removed, ask, limit=9) == {_u("f")}
    repeated = reach_of(
        "SELECT ?this WHERE { ?y <urn:p>/<urn:q>* ?z . ?this <urn:r> ?z ; <urn:s> ?y }"
    )
    ask = _ask_of("<urn:f> <urn:r> <urn:z2> ; <urn:s> <urn:y> . <urn:z> <urn:q> <urn:z2> .")
    assert affected(repeated, removed, ask, limit=9) == {_u("f")}


def test_a_mutual_relationship_is_found_when_both_directions_arrive_together() -> None:
    """The write that names both ends of the way back: rel5 (org1 to org2) becomes mutual once
    rel1 (org2 to org1) gets its provider and consumer, both inferred in the same run."""
    from kb.reasoning.incremental import infer_incremental
    from kb.reasoning.inference import infer

    prefix = f"@prefix srkb: <{SRKB}> . @prefix ex: <{EX}> . "
    base = (
        "ex:rel5 a srkb:ServiceRelationship ; srkb:hasProvider ex:org1 . "
        "ex:org2 srkb:isConsumerIn ex:rel5 . ex:rel1 a srkb:ServiceRelationship . "
        "ex:org1 a srkb:Organisation . ex:org2 a srkb:Organisation ."
    )
    change = "ex:org2 srkb:isProviderIn ex:rel1 . ex:org1 srkb:isConsumerIn ex:rel1 ."
    kb = KnowledgeBase.open(Settings(store="memory"))
    try:
        write_sources(kb.store, [parse_stream((prefix + base).encode(), fmt="ttl", name="b.ttl")])
        infer(kb.store)
        delta = Graph().parse(data=prefix + change, format="turtle")
        write_sources(kb.store, [parse_stream((prefix + change).encode(), fmt="ttl", name="d.ttl")])
        run = infer_incremental(kb.store, {n for t in delta for n in t[::2]}, changes=set(delta))
        mutual = kb.store.query(
            f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{EX}rel5> a <{SRKB}MutualRelationship> }} }}",
            union_default_graph=False,
        ).boolean
    finally:
        kb.close()
    assert run.inferred_triples is None, "incremental"
    assert mutual


def test_a_new_consumer_re_infers_its_own_resources_and_its_provider_only() -> None:
    """The rules' own patterns link the newcomer's triples to the newcomer, its relationship and
    component, and Facility (its provider and vendor): not to Facility's other consumers."""
    from kb.reasoning.incremental import rule_area

    kb = KnowledgeBase.open(Settings(store="memory"))
    try:
        campus = resources.example_file("campus")
        source = parse_stream(campus.read_bytes(), fmt="ttl", name="campus.ttl")
        kb.write(lambda: write_sources(kb.store, [source]))
        graph = Graph().parse(data=NEWCOMER, format="turtle")
        area = rule_area(kb.store, list(graph))
        schema = (URIRef(SRKB + "hasVendor"), RDFS.domain, URIRef(SRKB + "ServiceComponent"))
        schema_area = rule_area(kb.store, [schema])
    finally:
        kb.close()
    assert area is not None
    names = {str(n).removeprefix(EX) for n in area if str(n).startswith(EX)}
    assert {"Newcomer", "rel-newcomer-office", "comp-newcomer-office"} <= names
    assert names <= {
        "Newcomer",
        "rel-newcomer-office",
        "comp-newcomer-office",
        "Facility",
        "OfficeSpace",
    }, names
    assert schema_area is None, "a schema change reaches anywhere: the radius walk decides"


def test_a_parsed_query_is_kept_on_disk_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first write after a start would parse every rule and shape query again (seconds)."""
    from kb.sparql import reach as reach_module

    query = "SELECT ?this WHERE { ?this <urn:a> ?x . ?x <urn:b>/^<urn:c> ?y }"
    read_then_kept(monkeypatch, tmp_path, reach_module, "reach_of", "_parse", "reach", query)
