"""A full validation saves only the results that changed, and the saved graph is as if saved whole.

Rewriting the whole validation graph in one transaction was the dearest part of a validation on
the embedded store. :func:`kb.validation.shacl.validate` now compares the saved results with the
new ones, focus node by focus node, and replaces only those that differ. These tests check that
the graph it leaves is the graph a whole save leaves (isomorphic, blank nodes and all), that a run
which finds what the last one found rewrites no result, and that it falls back to a whole save
where it must (a changed result on a blank node, other shapes, a remote store).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kb import resources
from kb.interchange.loading import install_model, parse_stream, write_sources
from kb.namespaces import SH, SHAPES_GRAPH, SRKB, VALIDATION_GRAPH
from kb.reasoning.inference import infer
from kb.store import Store, open_store
from kb.store.oxigraph import OxigraphStore
from kb.validation import organisations, saving, shacl
from kb.validation.saved_digest import bucket, read_bucket_marks
from kb.validation.saved_results import Saved
from kb.validation.shacl import saved_report, validate
from tests.support.generate import Ecosystem, ecosystems

#: A component whose results are all core constraints (no blank-node copies in the report).
VENDOR = """
@prefix srkb: <https://w3id.org/srkb#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix ex: <https://example.org/vendor#> .
OWNER srkb:registersComponent ex:component .
ex:component a srkb:ServiceComponent ; srkb:refersToService ex:S ; srkb:hasVendor ex:V .
ex:R a srkb:ServiceRelationship ;
    srkb:hasProvider ex:V ; srkb:hasConsumer OWNER ; srkb:concernsService ex:S .
"""
OWNED = VENDOR.replace("OWNER", "ex:Org") + "ex:Org a org:Organization .\n"
CONTACT = "<https://example.org/vendor#component> <https://w3id.org/srkb#hasVendorContact> _:c .\n"
COMPONENT = "https://example.org/vendor#component"


def put(store: Store, name: str, data: str, fmt: str = "ttl") -> None:
    """Replace the source graph ``name`` with ``data`` and infer again."""
    write_sources(store, [parse_stream(data.encode(), fmt=fmt, name=f"{name}.{fmt}")])
    infer(store)


def fresh(*parts: tuple[str, str]) -> OxigraphStore:
    store = open_store("memory")
    assert isinstance(store, OxigraphStore)
    install_model(store)
    for name, data in parts:
        put(store, name, data)
    return store


def saved_graph(store: Store) -> Graph:
    return Graph().parse(data=store.dump("nt", graph=VALIDATION_GRAPH), format="nt")


def saved_whole(store: Store) -> Graph:
    """The validation graph a whole save writes for the store as it is."""
    store.update(f"DROP SILENT GRAPH <{VALIDATION_GRAPH}>")
    validate(store, save=True)
    return saved_graph(store)


class Saves:
    """Which way each save went: "changes" (only changed results) or "whole"."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ways: list[str] = []
        original = saving.replace_results

        def changes(*args: object, **kwargs: object) -> None:
            self.ways.append("changes")
            original(*args, **kwargs)  # type: ignore[arg-type]

        whole = saving.save_whole

        def everything(*args: object, **kwargs: object) -> None:
            self.ways.append("whole")
            whole(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(saving, "replace_results", changes)
        monkeypatch.setattr(shacl, "save_whole", everything)


def broken_example() -> str:
    return resources.example_file("broken-p1-unregistered-component").read_text()


def test_a_validation_that_finds_the_same_rewrites_no_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saves = Saves(monkeypatch)
    store = fresh(("broken", broken_example()))
    first = validate(store, save=True)
    lines = store.lines(VALIDATION_GRAPH)
    again = validate(store, save=True)
    assert again.findings == first.findings
    # The same lines, blank-node labels included: not one result was deleted and written again.
    assert store.lines(VALIDATION_GRAPH) == lines
    # The saved digest said so: nothing was read back, compared or written.
    assert saves.ways == ["whole"]


def test_without_a_saved_digest_the_results_are_compared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A save of some focus nodes (after a write) leaves no digest: the next run compares."""
    saves = Saves(monkeypatch)
    store = fresh(("broken", broken_example()))
    first = validate(store, save=True)
    graph = f"<{VALIDATION_GRAPH}>"
    digest = f"<{saving.RESULTS_DIGEST}>"
    saved = store.query(f"SELECT ?d {{ GRAPH {graph} {{ {graph} {digest} ?d }} }}").rows
    assert len(saved) == 1
    store.update(f"DELETE WHERE {{ GRAPH {graph} {{ {graph} {digest} ?d }} }}")
    lines = store.lines(VALIDATION_GRAPH)
    again = validate(store, save=True)
    assert again.findings == first.findings
    assert saves.ways == ["whole", "changes"]
    # Only the digest came back: every result kept its lines.
    after = store.lines(VALIDATION_GRAPH)
    assert lines <= after
    assert after - lines == {f'{graph} {digest} "{saved[0][0]}" .'.encode()}


def test_only_the_results_of_a_changed_focus_node_are_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saves = Saves(monkeypatch)
    store = fresh(("broken", broken_example()), ("vendor", OWNED))
    before = validate(store, save=True)
    lines = store.lines(VALIDATION_GRAPH)
    put(store, "contact", CONTACT, fmt="nt")
    after = validate(store, save=True)
    assert saves.ways == ["whole", "changes"]
    assert {f.focus for f in set(before.findings) ^ set(after.findings)} == {COMPONENT}
    saved = saved_report(store)
    assert saved is not None
    assert saved.findings == after.findings
    # The other results are the same lines, blank-node labels included: the lines that went are
    # the component's old results, the links to them and the verdict and stamp.
    theirs = results_of(lines)
    for line in lines - store.lines(VALIDATION_GRAPH):
        subject, _, rest = line.decode().partition(" ")
        assert (
            subject in theirs
            or rest.split(" ")[1] in theirs
            or b"<" + VALIDATION_GRAPH.encode() in line
            or str(SH.conforms) in line.decode()
        ), line
    graph = saved_graph(store)
    assert len(set(graph.subjects(SH.focusNode, URIRef(COMPONENT)))) == 1
    assert isomorphic(graph, saved_whole(store))


class Reads:
    """The buckets each read of saved results asked for (None: all of them)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.buckets: list[set[str] | None] = []
        original = shacl.saved_results

        def reading(store: Store, buckets: Collection[str] | None = None) -> Saved:
            self.buckets.append(None if buckets is None else set(buckets))
            return original(store, buckets)

        monkeypatch.setattr(shacl, "saved_results", reading)


def bucket_marks_of(store: Store) -> dict[str, tuple[str, str]]:
    graph = f"<{VALIDATION_GRAPH}>"
    rows = store.query(
        f"SELECT ?d {{ GRAPH {graph} {{ {graph} <{saving.BUCKET_DIGESTS}> ?d }} }}"
    ).rows
    assert len(rows) == 1
    marks = read_bucket_marks(str(rows[0][0]))
    assert marks is not None
    return marks


def test_only_the_buckets_whose_digests_differ_are_read_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a small change the saved results of a few buckets of focus nodes are compared."""
    saves, reads = Saves(monkeypatch), Reads(monkeypatch)
    store = fresh(("campus", resources.example_file("campus").read_text()))
    put(store, "broken", broken_example())
    put(store, "vendor", OWNED)
    validate(store, save=True)
    assert reads.buckets == []  # nothing saved before: nothing read
    every = set(bucket_marks_of(store))
    put(store, "contact", CONTACT, fmt="nt")
    after = validate(store, save=True)
    assert saves.ways == ["whole", "changes"]
    (read,) = reads.buckets
    assert read is not None
    assert bucket(URIRef(COMPONENT)) in read
    assert len(read) < len(every) // 4, (len(read), len(every))
    saved = saved_report(store)
    assert saved is not None
    assert saved.findings == after.findings
    assert isomorphic(saved_graph(store), saved_whole(store))


def test_a_bucket_whose_annotations_alone_differ_is_read_back_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The results' digests can agree while srkb's annotations (an organisation) do not.

    The saved digest of the whole is taken away and one bucket's annotations are said to
    differ: the run reads nothing while the findings are made (every bucket's results agree),
    then that bucket, compares it and writes the digests back; no result is rewritten.
    """
    saves, reads = Saves(monkeypatch), Reads(monkeypatch)
    store = fresh(("broken", broken_example()), ("vendor", OWNED))
    validate(store, save=True)
    marks = bucket_marks_of(store)
    where = bucket(URIRef(COMPONENT))
    tampered = {
        b: (raw, "0" * 16 if b == where else annotated) for b, (raw, annotated) in marks.items()
    }
    graph = f"<{VALIDATION_GRAPH}>"
    text = " ".join(
        f"{b or '-'}:{raw}:{annotated}" for b, (raw, annotated) in sorted(tampered.items())
    )
    store.update(
        f"DELETE WHERE {{ GRAPH {graph} {{ {graph} <{saving.RESULTS_DIGEST}> ?d }} }} ;\n"
        f"DELETE WHERE {{ GRAPH {graph} {{ {graph} <{saving.BUCKET_DIGESTS}> ?d }} }} ;\n"
        f'INSERT DATA {{ GRAPH {graph} {{ {graph} <{saving.BUCKET_DIGESTS}> "{text}" }} }}'
    )
    results = {line for line in store.lines(VALIDATION_GRAPH) if b"#" not in line.split(b" ")[1]}
    validate(store, save=True)
    assert reads.buckets == [set(), {where}]
    assert saves.ways == ["whole", "changes"]
    assert bucket_marks_of(store) == marks
    assert results <= store.lines(VALIDATION_GRAPH)
    assert isomorphic(saved_graph(store), saved_whole(store))


@pytest.mark.parametrize("text", ["garbage", "0a:1:2 zz:3:4", "0a:1", "0a:1:2:3"])
def test_bucket_digests_edited_by_hand_are_not_trusted(text: str) -> None:
    """A mark that is not what a save writes reads as no mark: every result is compared."""
    assert read_bucket_marks(text) is None
    assert read_bucket_marks("0a:1:2 -:3:?") == {"0a": ("1", "2"), "": ("3", "?")}
    assert read_bucket_marks("") == {}


@pytest.mark.parametrize(
    "focus",
    [
        "https://example.org/vendor#component",
        "https://example.org/caf\u00e9#\u0434\u043e\u043c",
        "urn:x-srkb:1",
    ],
)
def test_a_focus_node_falls_in_the_bucket_the_store_computes(focus: str) -> None:
    """Python's bucket of an IRI is the store's ``SUBSTR(MD5(STR(?iri)), 1, 2)``."""
    store = open_store("memory")
    rows = store.query(f"SELECT (SUBSTR(MD5(STR(<{focus}>)), 1, 2) AS ?b) {{}}").rows
    assert [str(row[0]) for row in rows] == [bucket(URIRef(focus))]
    assert bucket(Literal(focus)) == bucket(BNode()) == ""


def results_of(lines: set[bytes]) -> set[str]:
    """The labels of the results about the component, in N-Triples lines."""
    focus = f"<{SH.focusNode}> <{COMPONENT}>".encode()
    return {line.split(b" ")[0].decode() for line in lines if focus in line}


FIX = (
    "<https://example.org/broken-p1-unregistered-component#Factory> "
    "<https://w3id.org/srkb#registersComponent> <https://example.org/fix#component> .\n"
    "<https://example.org/fix#component> <https://w3id.org/srkb#refersToService> "
    "<https://example.org/broken-p1-unregistered-component#OccupationalHealth> .\n"
)


def test_results_of_sparql_constraints_are_replaced_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """srkb's SPARQL constraints are IRIs, so their results are saved by their changes as well.

    The fix registers the component the Factory was missing (a SPARQL constraint's finding goes)
    and adds one with gaps of its own (a SPARQL constraint's finding comes).
    """
    saves = Saves(monkeypatch)
    store = fresh(("campus", resources.example_file("campus").read_text()))
    put(store, "broken", broken_example())
    before = validate(store, save=True)
    put(store, "fix", FIX, fmt="nt")
    after = validate(store, save=True)
    assert saves.ways == ["whole", "changes"]
    went = {f.source_shape for f in set(before.findings) - set(after.findings)}
    came = {f.source_shape for f in set(after.findings) - set(before.findings)}
    graph = saved_graph(store)
    constraints = set(graph.objects(None, SH.sourceConstraint))
    assert constraints, "results of SPARQL constraints"
    assert all(isinstance(c, URIRef) for c in constraints)
    # A query can follow a result to its constraint's query in the shapes graph.
    followed = store.query(
        "PREFIX sh: <http://www.w3.org/ns/shacl#>\n"
        f"SELECT DISTINCT ?constraint WHERE {{ GRAPH <{VALIDATION_GRAPH}> "
        "{ ?result sh:sourceConstraint ?constraint } "
        f"GRAPH <{SHAPES_GRAPH}> {{ ?constraint sh:select ?query }} }}"
    )
    assert {row[0] for row in followed.rows} == constraints
    assert went, came
    assert isomorphic(graph, saved_whole(store))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=ecosystems(max_organisations=5, gaps=True), data=st.data())
def test_a_report_saved_by_its_changes_equals_one_saved_whole(
    before: Ecosystem, data: st.DataObject
) -> None:
    """An ecosystem before and after some of its gaps, practices and catalogues go (or come)."""
    after = replace(
        before,
        gaps=tuple(g for g in before.gaps if data.draw(st.booleans())),
        practices=tuple(p for p in before.practices if data.draw(st.booleans())),
        catalogues=tuple(c for c in before.catalogues if data.draw(st.booleans())),
    )
    if data.draw(st.booleans()):
        before, after = after, before
    store = fresh(("eco", before.turtle()))
    validate(store, save=True)
    put(store, "eco", after.turtle())
    report = validate(store, save=True)
    saved = saved_report(store)
    assert saved is not None
    assert saved.findings == report.findings
    assert saved.conforms == report.conforms
    assert isomorphic(saved_graph(store), saved_whole(store))


BLANK_COMPONENTS = """
@prefix srkb: <https://w3id.org/srkb#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix ex: <https://example.org/blank#> .
ex:Org a org:Organization ; srkb:registersComponent [ a srkb:ServiceComponent ] {more} .
"""


def test_a_changed_result_on_a_blank_node_saves_the_whole_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saves = Saves(monkeypatch)
    store = fresh(("blank", BLANK_COMPONENTS.replace("{more}", "")))
    first = validate(store, save=True)
    assert any(f.focus.startswith("_:") for f in first.findings), "a finding on a blank node"
    put(store, "blank", BLANK_COMPONENTS.replace("{more}", ", [ a srkb:ServiceComponent ]"))
    validate(store, save=True)
    assert saves.ways == ["whole", "whole"]
    assert isomorphic(saved_graph(store), saved_whole(store))


BLANK_OWNER = VENDOR.replace("OWNER", "_:owner") + "_:owner a org:Organization .\n"


def test_an_organisation_that_is_a_blank_node_is_saved_by_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A changed result on an IRI whose organisation is a blank node: the "_:label" literal."""
    saves = Saves(monkeypatch)
    store = fresh(("owner", BLANK_OWNER))
    validate(store, save=True)
    put(store, "contact", CONTACT, fmt="nt")
    after = validate(store, save=True)
    assert saves.ways == ["whole", "changes"]
    component = URIRef(COMPONENT)
    mine = [f for f in after.findings if f.focus == str(component)]
    assert mine
    assert all(f.organisation and f.organisation.startswith("_:") for f in mine)
    graph = saved_graph(store)
    results = set(graph.subjects(SH.focusNode, component))
    owners = {graph.value(r, SRKB.concernsOrganisation) for r in results}
    assert owners
    assert all(isinstance(o, Literal) and str(o).startswith("_:") for o in owners)
    assert isomorphic(graph, saved_whole(store))


def test_other_shapes_save_the_whole_report(monkeypatch: pytest.MonkeyPatch) -> None:
    saves = Saves(monkeypatch)
    store = fresh(("broken", broken_example()))
    validate(store, save=True)
    graph = f"<{VALIDATION_GRAPH}>"
    store.update(
        f"DELETE WHERE {{ GRAPH {graph} {{ {graph} <{saving.CHECKED_SHAPES}> ?digest }} }} ;"
        f'INSERT DATA {{ GRAPH {graph} {{ {graph} <{saving.CHECKED_SHAPES}> "other" }} }}'
    )
    validate(store, save=True)
    assert saves.ways == ["whole", "whole"]


TWO_WAYS = """
@prefix srkb: <https://w3id.org/srkb#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/ways#> .
ex:Registrar a org:Organization ; rdfs:label "Registrar" ;
    srkb:registersComponent ex:component , ex:Unit .
ex:Consumer a org:Organization ; rdfs:label "Consumer" .
ex:Unit a org:Organization ; rdfs:label "Unit" .
ex:component a srkb:ServiceComponent ; srkb:refersToService ex:S ; srkb:hasVendor ex:V ;
    srkb:hasConsumer ex:Consumer .
"""


def test_a_finding_concerns_the_most_direct_organisation() -> None:
    """Each focus node's organisation is found one way after another, the most direct first.

    The component is registered by the Registrar and (oddly) names a consumer: registering is
    more direct. The unit is an organisation itself, and also registered as a component: being
    one comes first.
    """
    store = fresh(("ways", TWO_WAYS))
    report = validate(store, save=False)
    ways = "https://example.org/ways#"
    concerns = {(f.focus, f.organisation, f.organisation_label) for f in report.findings}
    component = {c for c in concerns if c[0] == ways + "component"}
    unit = {c for c in concerns if c[0] == ways + "Unit"}
    assert component == {(ways + "component", ways + "Registrar", "Registrar")}
    assert unit == {(ways + "Unit", ways + "Unit", "Unit")}


def test_organisations_found_in_parts_side_by_side_are_those_found_in_one_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each focus node's organisation depends on it alone, so parts can be looked up at once."""
    store = fresh(("broken", broken_example()), ("ways", TWO_WAYS))
    whole = validate(store, save=False)
    foci = sorted({URIRef(f.focus) for f in whole.findings if not f.focus.startswith("_:")})
    in_turn = organisations._organisations_in_turn(store, foci)
    monkeypatch.setattr(organisations, "_FOCI_PER_PART", 1)
    monkeypatch.setenv("SRKB_VALIDATION_THREADS", "3")
    parts: list[list[URIRef]] = []
    original = organisations._organisations_in_turn

    def recorded(store: Store, nodes: list[URIRef]) -> dict[str, tuple[str, str | None]]:
        parts.append(nodes)
        return original(store, nodes)

    monkeypatch.setattr(organisations, "_organisations_in_turn", recorded)
    assert organisations.organisations_of(store, foci) == in_turn
    assert len(parts) == 3
    assert sorted(f for part in parts for f in part) == foci
    assert validate(store, save=False).findings == whole.findings
