"""Self-healing: what a killed write leaves is repaired by the next ``srkb`` command or start.

The crash tests (``test_crash_safety.py``) kill writes at every moment; these check each repair on
its own, quickly: the stale mark a write puts on the inferred graph, and its removal by inference;
a failed write leaving no trace; ``srkb`` commands and ``KnowledgeBase.open`` recomputing stale
inferences and putting back triples an update left in the store's default graph; and an
interrupted bulk load undone when the store opens.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kb import resources
from kb.config import Settings
from kb.errors import InputError
from kb.interchange.loading import install_model, load_files
from kb.knowledge_base import KnowledgeBase
from kb.namespaces import DEFAULT_UPDATE_GRAPH, INFERRED_GRAPH, source_graph
from kb.reasoning.inference import infer
from kb.recovery import is_stale, recover, stale_until_inferred
from kb.store import open_store
from kb.store.oxigraph import BULK_JOURNAL_GRAPH, OxigraphStore
from tests.support.crash import contents, inference_is_fresh, open_dying, run_until_killed

DATA = Path(__file__).parents[1] / "kb" / "data"
LIBRARY = b"""@prefix ex: <https://example.org/campus#> .
@prefix srkb: <https://w3id.org/srkb#> .
@prefix org: <http://www.w3.org/ns/org#> .
ex:Library a org:Organization .
ex:rel-it-library a srkb:ServiceRelationship ; srkb:hasProvider ex:IT ;
    srkb:hasConsumer ex:Library ; srkb:concernsService ex:WorkplaceIT .
"""
IS_CONSUMER = (
    "ASK { <https://example.org/campus#Library> a <https://w3id.org/srkb#ServiceConsumer> }"
)


def campus(path: Path) -> OxigraphStore:
    store = OxigraphStore(path)
    install_model(store)
    load_files(store, [resources.example_file("campus")])
    infer(store)
    return store


def srkb(store: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", "--store", str(store), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_write_marks_the_inferences_stale_until_inference_runs() -> None:
    store = open_store("memory")
    install_model(store)
    infer(store)
    assert not is_stale(store)
    with stale_until_inferred(store):
        load_files(store, [DATA / "services.ttl"])
    assert is_stale(store)
    infer(store)
    assert not is_stale(store)
    assert not recover(store)


def test_a_write_that_fails_leaves_no_mark_and_changes_nothing(tmp_path: Path) -> None:
    store = open_store("memory")
    install_model(store)
    infer(store)
    before = store.dump("nq")
    broken = tmp_path / "broken.ttl"
    broken.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    with pytest.raises(InputError), stale_until_inferred(store):
        load_files(store, [broken])
    assert store.dump("nq") == before


def test_srkb_commands_recompute_inferences_older_than_the_data(tmp_path: Path) -> None:
    """``srkb load --no-infer`` (or a load killed before inference) leaves them stale."""
    path = tmp_path / "store"
    campus(path).close()
    library = tmp_path / "library.ttl"
    library.write_bytes(LIBRARY)
    loaded = srkb(path, "load", "--no-infer", library)
    assert loaded.returncode == 0, loaded.stderr
    store = OxigraphStore(path)
    assert is_stale(store)
    assert store.query(IS_CONSUMER).boolean is False
    store.close()

    asked = srkb(path, "query", "--name", "consumer-turned-providers")
    assert asked.returncode == 0, asked.stderr
    assert "inferred" in asked.stderr
    store = OxigraphStore(path)
    try:
        assert not is_stale(store)
        assert store.query(IS_CONSUMER).boolean is True
        fresh, why = inference_is_fresh(store)
        assert fresh, why
    finally:
        store.close()
    again = srkb(path, "stats")
    assert again.returncode == 0, again.stderr
    assert "inferred" not in again.stderr  # nothing stale any more: no inference


def test_knowledge_base_open_gives_back_what_an_update_lent_and_infers(tmp_path: Path) -> None:
    """A service killed inside ``POST /update`` left the ``?default`` graph in the default graph."""
    path = tmp_path / "store"
    store = campus(path)
    graph = f"<{DEFAULT_UPDATE_GRAPH}>"
    store.update(f"INSERT DATA {{ GRAPH {graph} {{ <urn:a> <urn:b> <urn:c> }} }}")
    infer(store)
    before = contents(store)
    with stale_until_inferred(store):  # as KnowledgeBase.write does
        store.update(f"ADD SILENT GRAPH {graph} TO DEFAULT ; DROP SILENT GRAPH {graph}")
    assert contents(store) != before
    store.close()

    service = KnowledgeBase.open(Settings(store=str(path)))
    try:
        assert isinstance(service.store, OxigraphStore)
        assert contents(service.store) == before
        assert not is_stale(service.store)
        fresh, why = inference_is_fresh(service.store)
        assert fresh, why
    finally:
        service.close()


def test_an_interrupted_bulk_load_is_undone_when_the_store_opens(tmp_path: Path) -> None:
    path = tmp_path / "store"
    campus(path).close()
    big = tmp_path / "big.nt"
    big.write_text(
        "".join(f'<urn:n{i}> <urn:says> "{i}" .\n' for i in range(500)), encoding="utf-8"
    )
    store = OxigraphStore(path)
    before = contents(store)
    store.close()
    for die_at in (2, 3, 4):  # after the journal; after the bulk load; after its provenance
        store, dying = open_dying(path, die_at)
        assert run_until_killed(lambda: load_files(store, [big], bulk_threshold=0))  # noqa: B023
        assert "bulk_load" in " ".join(dying.writes), dying.writes
        reopened = OxigraphStore(path)
        try:
            assert BULK_JOURNAL_GRAPH not in reopened.graphs()
            assert contents(reopened) == before
        finally:
            reopened.close()
    store = OxigraphStore(path)
    load_files(store, [big], bulk_threshold=0)
    assert store.count(source_graph("big.nt")) == 500 + 6  # the data and its provenance
    assert BULK_JOURNAL_GRAPH not in store.graphs()
    store.close()


def test_the_stale_mark_lives_in_the_inferred_graph_only() -> None:
    """So that the swap that brings inferences up to date removes it in the same transaction."""
    store = open_store("memory")
    install_model(store)
    with stale_until_inferred(store):
        pass
    assert store.graphs() == sorted(
        [
            INFERRED_GRAPH,
            "https://w3id.org/srkb/graph/ontology",
            "https://w3id.org/srkb/graph/shapes",
        ]
    )
