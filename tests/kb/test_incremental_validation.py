"""Validation after a write re-checks only what the write can reach, and equals a full run.

The knowledge base keeps the report of the data before a write; after it, only the focus nodes
near the resources whose asserted or inferred triples changed are validated again
(:mod:`kb.validation.incremental`). These tests compare the findings, the verdict and the saved
validation graph with a full validation after random sequences of writes and deletions.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kb import resources
from kb.config import Settings
from kb.interchange.loading import parse_stream, write_sources
from kb.knowledge_base import KnowledgeBase
from kb.namespaces import VALIDATION_GRAPH, source_graph
from kb.sparql.text import Triple
from kb.validation import incremental as validation_incremental
from kb.validation.readiness import readiness
from kb.validation.saved_digest import UNKNOWN, read_bucket_marks
from kb.validation.saving import BUCKET_DIGESTS, RESULTS_DIGEST
from kb.validation.shacl import ValidationReport, saved_report, validate
from tests.support.generate import Ecosystem, ecosystems

SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a KB run takes minutes
)
PARTS = 3


def load(kb: KnowledgeBase, name: str, graph: Graph) -> None:
    """Replace the source graph ``name`` with ``graph``, telling the write what it changes."""
    data = graph.serialize(format="nt", encoding="utf-8")
    source = parse_stream(data, fmt="nt", name=f"{name}.nt")
    old = triples_in(kb, name)
    written = kb.write(lambda: write_sources(kb.store, [source]), old ^ set(graph))
    assert not written.pending, "inference or validation failed after the write (see the log)"


def drop(kb: KnowledgeBase, name: str) -> None:
    old = triples_in(kb, name)
    written = kb.write(
        lambda: kb.store.update(f"DROP SILENT GRAPH <{source_graph(name + '.nt')}>"), old
    )
    assert not written.pending, "inference or validation failed after the write (see the log)"


def triples_in(kb: KnowledgeBase, name: str) -> set[Triple]:
    graph = source_graph(name + ".nt")
    if graph not in kb.store.graphs():
        return set()
    data = kb.store.dump("nt", graph=graph)
    return set(Graph().parse(data=data, format="nt"))


def assert_same(kb: KnowledgeBase) -> None:
    """The kept report, the saved one and a full validation agree."""
    full = validate(kb.store, save=False)
    kept = kb.report()
    assert kept.conforms == full.conforms
    missing = set(full.findings) - set(kept.findings)
    extra = set(kept.findings) - set(full.findings)
    assert (missing, extra) == (set(), set())
    assert kept.findings == full.findings
    saved = saved_report(kb.store)
    assert saved is not None, "the saved report does not match the current inferences"
    assert saved.conforms == full.conforms
    missing = set(full.findings) - set(saved.findings)
    extra = set(saved.findings) - set(full.findings)
    assert (missing, extra) == (set(), set())
    assert saved.findings == full.findings
    # Readiness rescored for the organisations a write moved equals scoring everyone again.
    assert kb.readiness() == readiness(kb.store, full)
    # The saved graph is the one a whole save writes, blank nodes and all (the results of one
    # constraint share its node): the graph is saved whole again to compare.
    graph = Graph().parse(data=kb.store.dump("nt", graph=VALIDATION_GRAPH), format="nt")
    kb.store.update(f"DROP SILENT GRAPH <{VALIDATION_GRAPH}>")
    validate(kb.store, save=True)
    whole = Graph().parse(data=kb.store.dump("nt", graph=VALIDATION_GRAPH), format="nt")
    # ... but for the digest of all the results, which a save of only some of them cannot know
    # (it leaves none), and a full one writes.
    digests = [list(g.objects(URIRef(VALIDATION_GRAPH), RESULTS_DIGEST)) for g in (graph, whole)]
    assert len(digests[1]) == 1
    assert digests[0] in ([], digests[1])
    # Each bucket's digest is the whole save's, or unknown where the write saved some results;
    # every bucket that holds results is listed (an unlisted one is taken to hold none).
    kept, written = (
        read_bucket_marks(g.value(URIRef(VALIDATION_GRAPH), BUCKET_DIGESTS)) for g in (graph, whole)
    )
    assert written is not None
    if kept is not None:
        assert kept.keys() >= written.keys()
        for where, digests in kept.items():
            assert digests in ((UNKNOWN, UNKNOWN), written.get(where)), where
    for g in (graph, whole):
        g.remove((URIRef(VALIDATION_GRAPH), RESULTS_DIGEST, None))
        g.remove((URIRef(VALIDATION_GRAPH), BUCKET_DIGESTS, None))
    assert isomorphic(graph, whole)


def split(graph: Graph, parts: list[int]) -> list[Graph]:
    graphs = [Graph() for _ in range(PARTS + 1)]
    for triple, part in zip(sorted(graph), parts, strict=False):
        graphs[part].add(triple)
    return graphs


def spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record whether each validation after a write was incremental or full."""
    calls: list[str] = []
    real_full, real_around = validation_incremental.validate, validation_incremental.validate_around

    def full(*args: object, **kwargs: object) -> ValidationReport:
        calls.append("full")
        return real_full(*args, **kwargs)  # type: ignore[arg-type]

    def around(*args: object, **kwargs: object) -> ValidationReport:
        calls.append("around")
        return real_around(*args, **kwargs)  # type: ignore[arg-type]

    from kb import knowledge_base

    monkeypatch.setattr(validation_incremental, "validate", full)
    monkeypatch.setattr(knowledge_base, "validate_around", around)
    return calls


@pytest.mark.extended
@SETTINGS
@given(ecosystem=ecosystems(max_organisations=6, gaps=True), data=st.data())
def test_random_writes_and_deletions_validate_as_a_full_run(
    ecosystem: Ecosystem, data: st.DataObject
) -> None:
    graph = Graph().parse(data=ecosystem.turtle(), format="turtle")
    parts = data.draw(st.lists(st.integers(0, PARTS), min_size=len(graph), max_size=len(graph)))
    pieces = split(graph, parts)
    kb = KnowledgeBase.open(Settings(store="memory"))
    try:
        load(kb, "base", pieces[0])
        assert_same(kb)
        steps = data.draw(
            st.lists(st.tuples(st.integers(1, PARTS), st.booleans()), min_size=1, max_size=5)
        )
        for part, add in steps:
            if add:
                load(kb, f"part-{part}", pieces[part])
            else:
                drop(kb, f"part-{part}")
            assert_same(kb)
    finally:
        kb.close()


def test_the_fast_path_is_taken_and_agrees_on_every_example(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each broken example, written into the campus one organisation graph at a time."""
    calls = spy(monkeypatch)
    kb = KnowledgeBase.open(Settings(store="memory"))
    try:
        load(kb, "campus", Graph().parse(resources.example_file("campus")))
        assert_same(kb)
        for example in (
            "broken-p1-unregistered-component",
            "broken-p2-missing-practice",
            "broken-p3-missing-catalogue",
        ):
            load(kb, example, Graph().parse(resources.example_file(example)))
            assert_same(kb)
            drop(kb, example)
            assert_same(kb)
    finally:
        kb.close()
    assert calls.count("around") == 7, calls
    assert "full" not in calls, "no write here is wide enough for a full validation"


def test_a_write_that_fixes_a_finding_removes_it_from_the_saved_report() -> None:
    """The Factory registers a component for the occupational-health service it consumes."""
    ex = "https://example.org/broken-p1-unregistered-component#"
    unregistered = "https://w3id.org/srkb/shapes#P1-ConsumedServiceIsRegisteredComponent"

    def gap(report: ValidationReport) -> list[str]:
        return [f.value or "" for f in report.findings if f.source_shape == unregistered]

    kb = KnowledgeBase.open(Settings(store="memory"))
    try:
        broken = resources.example_file("broken-p1-unregistered-component")
        load(kb, "broken", Graph().parse(broken))
        assert gap(kb.report()) == [ex + "OccupationalHealth"]
        fix = Graph().parse(
            data=(
                f"<{ex}Factory> <https://w3id.org/srkb#registersComponent> <{ex}comp-oh> .\n"
                f"<{ex}comp-oh> <https://w3id.org/srkb#refersToService> <{ex}OccupationalHealth> ."
            ),
            format="nt",
        )
        load(kb, "fix", fix)
        assert_same(kb)
        assert gap(kb.report()) == []
        saved = saved_report(kb.store)
        assert saved is not None
        assert gap(saved) == []
        drop(kb, "fix")
        assert_same(kb)
        assert gap(kb.report()) == [ex + "OccupationalHealth"]
    finally:
        kb.close()


def test_too_wide_a_change_validates_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = spy(monkeypatch)
    monkeypatch.setattr(validation_incremental, "MAX_FOCI", 1)
    kb = KnowledgeBase.open(Settings(store="memory"))
    try:
        load(kb, "campus", Graph().parse(resources.example_file("campus")))
        load(kb, "broken", Graph().parse(resources.example_file("broken-p2-missing-practice")))
        assert_same(kb)
    finally:
        kb.close()
    assert calls == ["around", "full", "around", "full"], calls


@pytest.mark.parametrize(
    ("resource", "predicate", "shape"),
    [
        ("target-cleaning-rounds", "hasTargetValue", "P1-ServiceLevelTargetIsComplete"),
        (
            "measure-finance-workplace-it-availability-2026-10",
            "coversPeriod",
            "P1-MeasurementIsComplete",
        ),
    ],
    ids=["target", "measurement"],
)
def test_a_change_three_or_four_links_from_the_focus_node_is_revalidated(
    resource: str, predicate: str, shape: str
) -> None:
    """The service level shapes reach three links from their consumer (organisation ->
    component or relationship -> agreement -> target) and four (-> a measurement of it), and read
    those resources' own triples: a write that adds or removes only a target's value, or a
    measurement's period, changes a finding about the organisation."""
    campus = Graph().parse(resources.example_file("campus"))
    node = URIRef(f"https://example.org/campus#{resource}")
    fix = Graph()
    for triple in campus.triples((node, URIRef(f"https://w3id.org/srkb#{predicate}"), None)):
        fix.add(triple)
        campus.remove(triple)
    assert len(fix) == 1
    kb = KnowledgeBase.open(Settings(store="memory"))
    try:
        load(kb, "campus", campus)
        assert any(shape in f.source_shape for f in kb.report().findings)
        load(kb, "fix", fix)
        assert_same(kb)
        assert not any(shape in f.source_shape for f in kb.report().findings)
        drop(kb, "fix")
        assert_same(kb)
    finally:
        kb.close()


def test_a_write_takes_the_digest_away_and_the_next_full_run_writes_it_back() -> None:
    """A save of what a write can affect cannot vouch for the other results: no digest is kept.

    Were the old digest kept, a full validation finding what was saved before the write would
    take the saved report (which the write changed) for current. Of the buckets' digests, those
    of the focus nodes the write saved become unknown; the others stay, and the next full run
    reads back only the unknown ones and those whose digests differ.
    """
    graph = URIRef(VALIDATION_GRAPH)

    def digests() -> list[str]:
        query = f"SELECT ?d {{ GRAPH <{graph}> {{ <{graph}> <{RESULTS_DIGEST}> ?d }} }}"
        return [str(row[0]) for row in kb.store.query(query).rows]

    def buckets() -> dict[str, tuple[str, str]]:
        query = f"SELECT ?d {{ GRAPH <{graph}> {{ <{graph}> <{BUCKET_DIGESTS}> ?d }} }}"
        (row,) = kb.store.query(query).rows
        marks = read_bucket_marks(str(row[0]))
        assert marks is not None
        return marks

    kb = KnowledgeBase.open(Settings(store="memory"))
    try:
        load(kb, "campus", Graph().parse(resources.example_file("campus")))
        example = "broken-p1-unregistered-component"
        validate(kb.store, save=True)
        before, buckets_before = digests(), buckets()
        assert len(before) == 1
        assert UNKNOWN not in {d for pair in buckets_before.values() for d in pair}
        load(kb, example, Graph().parse(resources.example_file(example)))
        assert digests() == []
        unknown = {b for b, pair in buckets().items() if pair == (UNKNOWN, UNKNOWN)}
        assert unknown
        assert {b: buckets_before[b] for b in buckets_before if b not in unknown} == {
            b: pair for b, pair in buckets().items() if b not in unknown
        }
        drop(kb, example)  # back to what the digest described, by a save of some results
        assert digests() == []
        report = validate(kb.store, save=True)
        assert digests() == before
        assert buckets() == buckets_before
        saved = saved_report(kb.store)
        assert saved is not None
        assert saved.findings == report.findings
    finally:
        kb.close()
