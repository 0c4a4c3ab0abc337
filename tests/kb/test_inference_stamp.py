"""An unchanged store is not inferred or validated again; any change is seen (issue 12 item 14).

The inferred graph carries a stamp of what it was computed from (:mod:`kb.reasoning.stamp`);
:func:`infer_if_needed` and the service's start trust it only when no write is pending, the rules
and ontology are today's and the knowledge graphs have the sizes it recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef
from typer.testing import CliRunner

from kb import resources
from kb.cli import app
from kb.config import Settings
from kb.interchange.loading import install_model, load_files, parse_stream, write_sources
from kb.knowledge_base import KnowledgeBase
from kb.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, VALIDATION_GRAPH, source_graph
from kb.reasoning import stamp
from kb.reasoning.inference import infer, infer_if_needed, inferred_roles, rules
from kb.recovery import stale_until_inferred
from kb.store import Store
from kb.validation.shacl import saved_report, validate

EX = "https://example.org/stamp#"
TURTLE = f"""
@prefix srkb: <https://w3id.org/srkb#> .
@prefix org: <http://www.w3.org/ns/org#> .
<{EX}New> a org:Organization .
<{EX}NewRel> a srkb:ServiceRelationship ; srkb:hasConsumer <{EX}New> .
"""


def inferred_lines(store: Store) -> set[bytes]:
    """The inferred graph without its bookkeeping (statements about the graph itself)."""
    return {
        line
        for line in store.dump("nt", graph=INFERRED_GRAPH).splitlines()
        if line.strip() and not line.startswith(f"<{INFERRED_GRAPH}>".encode())
    }


def prepared(store: Store, example: str = "campus") -> Store:
    install_model(store)
    load_files(store, [resources.example_file(example)])
    infer(store)
    return store


def texts() -> list[str]:
    return [r.text for r in rules()]


def test_a_full_run_stamps_the_inferred_graph_and_a_second_check_reuses_it(store: Store) -> None:
    prepared(store)
    before = inferred_lines(store)
    found = stamp.read(store)
    assert found is not None
    assert found.data is not None, "a full run records the knowledge graphs' sizes"
    assert not found.stale
    run = infer_if_needed(store)
    assert run.reused
    assert run.passes == 0
    assert run.inferred_triples == len(before)
    assert inferred_lines(store) == before
    assert stamp.read(store) == found, "a reused graph keeps its stamp (and its run id)"


def test_a_write_through_srkb_is_seen_by_its_stale_mark(store: Store) -> None:
    prepared(store)
    with stale_until_inferred(store):
        write_sources(store, [parse_stream(TURTLE.encode(), fmt="ttl", name="new.ttl")])
    run = infer_if_needed(store)
    assert not run.reused
    assert "ServiceConsumer" in inferred_roles(store)[EX + "New"]


def test_a_write_behind_srkbs_back_is_seen_by_the_graph_sizes(store: Store) -> None:
    """No stale mark: another program wrote to the store. The sizes differ, so srkb infers."""
    prepared(store)
    graph = source_graph("campus.ttl")
    store.update(
        f"INSERT DATA {{ GRAPH <{graph}> {{ <{EX}New> a <http://www.w3.org/ns/org#Organization> . "
        f"<{EX}NewRel> a <https://w3id.org/srkb#ServiceRelationship> ; "
        f"<https://w3id.org/srkb#hasConsumer> <{EX}New> . }} }}"
    )
    assert stamp.current(store, texts(), [graph, ONTOLOGY_GRAPH]) is None
    run = infer_if_needed(store)
    assert not run.reused
    assert "ServiceConsumer" in inferred_roles(store)[EX + "New"]


def test_an_edited_ontology_or_other_rules_are_another_model(store: Store) -> None:
    prepared(store)
    model = stamp.model_digest(store, texts())
    assert stamp.model_digest(store, [*texts(), "# one more rule"]) != model
    store.update(
        f"INSERT DATA {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <{EX}Thing> "
        '<http://www.w3.org/2000/01/rdf-schema#label> "thing" } }'
    )
    assert stamp.model_digest(store, texts()) != model
    assert not infer_if_needed(store).reused


def test_installing_the_same_model_again_keeps_the_graph_current(store: Store) -> None:
    """Every start installs the model; its blank nodes get new labels, the digest does not."""
    prepared(store)
    install_model(store)
    assert infer_if_needed(store).reused


def test_a_graph_without_stamp_is_inferred_again(store: Store) -> None:
    prepared(store)
    stamp.remove(store)
    assert stamp.read(store) is None
    run = infer_if_needed(store)
    assert not run.reused
    assert stamp.read(store) is not None


def test_an_incremental_run_stamps_a_new_run_without_sizes(store: Store) -> None:
    from kb.reasoning.incremental import infer_incremental

    prepared(store)
    first = stamp.read(store)
    assert first is not None
    write_sources(store, [parse_stream(TURTLE.encode(), fmt="ttl", name="new.ttl")])
    infer_incremental(store, {URIRef(EX + "New"), URIRef(EX + "NewRel")})
    after = stamp.read(store)
    assert after is not None
    assert after.run != first.run
    assert after.data is None
    # Trusted on the strength of srkb's stale marks; a start records the sizes for next time.
    recorded = stamp.current(store, texts(), [], record=True)
    assert recorded is not None
    assert recorded.data is not None
    assert stamp.read(store) == recorded


@pytest.mark.parametrize("example", ["campus", "broken-p1-unregistered-component"])
def test_the_saved_report_reads_back_as_the_report_that_was_saved(
    store: Store, example: str
) -> None:
    prepared(store, example)
    report = validate(store, save=True)
    again = saved_report(store)
    assert again is not None
    assert again.conforms == report.conforms
    assert again.findings == report.findings


def test_a_saved_report_of_other_inferences_is_not_reused(store: Store) -> None:
    prepared(store)
    validate(store, save=True)
    infer(store)  # a new run: the report checked the inferences of the one before
    assert saved_report(store) is None
    validate(store, save=True)
    assert saved_report(store) is not None
    store.update(f"DROP GRAPH <{VALIDATION_GRAPH}>")
    assert saved_report(store) is None


def test_a_restart_on_an_unchanged_store_neither_infers_nor_validates_again(
    tmp_path: Path,
) -> None:
    """Issue 12 item 14: a start re-ran full inference (and validation) though nothing changed."""
    settings = Settings(store=str(tmp_path / "store"))
    first = KnowledgeBase.open(settings)
    first.load([parse_stream(TURTLE.encode(), fmt="ttl", name="new.ttl")])
    report = first.report()
    run = first.last_inference
    assert run is not None
    first.close()

    second = KnowledgeBase.open(settings)
    try:
        assert second.last_inference is not None
        assert second.last_inference.reused
        assert second.report().findings == report.findings
        assert second.report().conforms == report.conforms
    finally:
        second.close()


def test_a_restart_after_a_write_behind_srkbs_back_infers_again(tmp_path: Path) -> None:
    settings = Settings(store=str(tmp_path / "store"))
    first = KnowledgeBase.open(settings)
    first.load([parse_stream(b"", fmt="ttl", name="empty.ttl")])
    first.close()
    # The first start recorded the sizes; another program now adds data without a stale mark.
    from kb.store import open_store

    raw = open_store(tmp_path / "store")
    write_sources(raw, [parse_stream(TURTLE.encode(), fmt="ttl", name="new.ttl")])
    raw.close()
    second = KnowledgeBase.open(settings)
    try:
        assert second.last_inference is not None
        assert not second.last_inference.reused
        assert "ServiceConsumer" in inferred_roles(second.store)[EX + "New"]
        assert any(f.focus == EX + "New" for f in second.report().findings)
    finally:
        second.close()


def test_srkb_infer_says_when_nothing_changed_and_force_recomputes(tmp_path: Path) -> None:
    runner = CliRunner()
    where = ["--store", str(tmp_path / "store")]
    example = str(resources.example_file("campus"))
    assert runner.invoke(app, [*where, "load", example]).exit_code == 0
    unchanged = runner.invoke(app, [*where, "infer"])
    assert unchanged.exit_code == 0, unchanged.output
    assert "current" in unchanged.output
    forced = runner.invoke(app, [*where, "infer", "--force"])
    assert forced.exit_code == 0, forced.output
    assert "passes" in forced.output


def test_both_ways_of_counting_the_graphs_give_one_digest(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared(store)
    graphs = [source_graph("campus.ttl"), ONTOLOGY_GRAPH]
    one_by_one = stamp.data_digest(store, graphs)
    monkeypatch.setattr(stamp, "COUNT_ONE_BY_ONE", 0)
    assert stamp.data_digest(store, graphs) == one_by_one


def test_a_full_run_records_how_many_triples_it_inferred(store: Store) -> None:
    prepared(store)
    found = stamp.read(store)
    assert found is not None
    assert found.triples == stamp.inferred_count(store) > 0
    assert infer_if_needed(store).inferred_triples == found.triples


def sealed_store(path: Path) -> Store:
    """An on-disk store with the campus inferred, closed (sealed) and opened again."""
    from kb.store import open_store

    prepared(open_store(path)).close()
    return open_store(path)


def test_a_store_sealed_by_srkb_is_found_current_without_counting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sealed_store(tmp_path / "store")
    try:
        found = stamp.read(store)
        assert found is not None
        assert found.data is not None
        assert store.capabilities.seal
        assert store.sealed() == "srkb stamp data " + found.data

        def no_counting(*_: object) -> str:
            raise AssertionError("the seal vouches for the sizes: nothing to count")

        monkeypatch.setattr(stamp, "data_digest", no_counting)
        assert stamp.current(store, texts(), [source_graph("campus.ttl")]) == found
    finally:
        store.close()
    # A check that found nothing to do leaves the seal as it was: the next one counts no more.
    from kb.store import open_store

    again = open_store(tmp_path / "store")
    try:
        assert again.sealed() == "srkb stamp data " + found.data
    finally:
        again.close()


def assert_not_trusted(path: Path) -> None:
    """The store at ``path`` has no seal, and its stamp is not current: the next check counts."""
    from kb.store import open_store

    store = open_store(path)
    try:
        assert store.sealed() is None
        assert stamp.current(store, texts(), [source_graph("campus.ttl")]) is None
    finally:
        store.close()


def test_another_program_opening_the_store_voids_the_seal(tmp_path: Path) -> None:
    """A write behind srkb's back opens the store's files: the check counts and sees it."""
    import subprocess
    import sys

    path = tmp_path / "store"
    sealed_store(path).close()
    insert = f"INSERT DATA {{ GRAPH <{source_graph('campus.ttl')}> {{ <{EX}a> <{EX}b> <{EX}c> }} }}"
    program = f"import pyoxigraph; pyoxigraph.Store({str(path)!r}).update({insert!r})"
    subprocess.run([sys.executable, "-c", program], check=True)
    assert_not_trusted(path)


def test_a_write_through_srkbs_store_voids_the_seal(tmp_path: Path) -> None:
    """A script writing with srkb's library (no stale mark) leaves no seal behind it."""

    path = tmp_path / "store"
    writer = sealed_store(path)
    assert writer.sealed() is not None
    writer.update(
        f"INSERT DATA {{ GRAPH <{source_graph('campus.ttl')}> {{ <{EX}a> <{EX}b> <{EX}c> }} }}"
    )
    assert writer.sealed() is None
    writer.close()
    assert_not_trusted(path)


def test_a_second_restart_of_an_unchanged_store_counts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The start that found the store current seals it; installing the model does not void it."""
    settings = Settings(store=str(tmp_path / "store"))
    first = KnowledgeBase.open(settings)
    first.load([parse_stream(TURTLE.encode(), fmt="ttl", name="new.ttl")])
    first.close()
    KnowledgeBase.open(settings).close()  # counts: the writes above voided the seal

    def no_counting(*_: object) -> str:
        raise AssertionError("the seal vouches for the sizes: nothing to count")

    monkeypatch.setattr(stamp, "data_digest", no_counting)
    third = KnowledgeBase.open(settings)
    try:
        assert third.last_inference is not None
        assert third.last_inference.reused
    finally:
        third.close()


#: Run ``srkb ARGS...`` in this interpreter, then print the modules it imported.
_IMPORTED = """
import runpy, sys
sys.argv = ["srkb", *sys.argv[1:]]
try:
    runpy.run_module("kb", run_name="__main__")
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)))
"""


def test_srkb_infer_on_a_current_store_imports_none_of_what_it_does_not_run(
    tmp_path: Path,
) -> None:
    """Most of ``srkb infer``'s time on an unchanged store was importing: SHACL, the questions,
    the parsers and rdflib's SPARQL engine, none of which a check that finds nothing to do runs."""
    import subprocess
    import sys

    where = ["--store", str(tmp_path / "store")]
    loaded = CliRunner().invoke(app, [*where, "load", str(resources.example_file("campus"))])
    assert loaded.exit_code == 0, loaded.output
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTED, *where, "infer"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "current" in done.stderr
    imported = set(done.stdout.split())
    assert "kb.reasoning.stamp" in imported
    unneeded = {
        "rdflib.plugins.sparql",
        "pyshacl",
        "kb.validation",
        "kb.ecosystem",
        "kb.interchange.loading",
        "kb.reporting",
    }
    assert not imported & unneeded
