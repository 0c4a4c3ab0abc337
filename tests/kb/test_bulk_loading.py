"""The bulk-load path for big files: all-or-nothing without a transaction, same triples as usual.

``load_files`` sends big files on an embedded disk store through Oxigraph's bulk loader (see
:mod:`kb.interchange.loading`). These tests force it with ``bulk_threshold=0`` on small files and
check the promises: an error anywhere, even on the last line or after the check, leaves the store
exactly as it was; a good file gives the same graphs, triples and load report as the transactional
path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

import kb.interchange.loading
from kb import resources
from kb.errors import InputError
from kb.generate import generate_file
from kb.interchange.loading import BULK_LOAD_THRESHOLD, install_model, load_files
from kb.namespaces import source_graph
from kb.store import Store, open_store
from kb.store.source import CheckedFile

DATA = Path(__file__).parent / "data"
VOID_TRIPLES = "<http://rdfs.org/ns/void#triples>"
GENERATED_AT = "<http://www.w3.org/ns/prov#generatedAtTime>"


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "store")
    install_model(store)
    load_files(store, [resources.example_file("campus")])
    yield store
    store.close()


@pytest.fixture(scope="module")
def ecosystem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bulk") / "synthetic-eco.nt"
    generate_file(60, 5, path)
    return path


def snapshot(store: Store) -> set[str]:
    """Every quad of the store as N-Quads lines (no blank nodes in these tests' data)."""
    return set(store.dump("nq").decode("utf-8").splitlines())


def without_load_time(lines: set[str]) -> set[str]:
    return {line for line in lines if GENERATED_AT not in line}


def bulk_loaded(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("bulk-loaded")]


def test_a_good_file_loads_the_same_triples_as_the_transactional_path(
    tmp_path: Path, ecosystem: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kb.interchange.loading")
    bulk = open_store(tmp_path / "bulk")
    usual = open_store(tmp_path / "usual")
    try:
        (by_bulk,) = load_files(bulk, [ecosystem], bulk_threshold=0)
        assert bulk_loaded(caplog), "the bulk path was taken"
        caplog.clear()
        (by_transaction,) = load_files(usual, [ecosystem], bulk_threshold=None)
        assert not bulk_loaded(caplog)
        assert by_bulk == by_transaction
        assert by_bulk.triples == len(ecosystem.read_bytes().splitlines())
        assert without_load_time(snapshot(bulk)) == without_load_time(snapshot(usual))
        graph = source_graph(ecosystem.name)
        count = f'"{by_bulk.triples}"^^<http://www.w3.org/2001/XMLSchema#integer>'
        assert any(VOID_TRIPLES in q and count in q and graph in q for q in snapshot(bulk))
    finally:
        bulk.close()
        usual.close()


@pytest.mark.parametrize("name", ["services.ttl", "services.trig", "services.nq"])
def test_turtle_trig_and_n_quads_bulk_load_like_the_transactional_path(
    tmp_path: Path, name: str
) -> None:
    """Blank nodes get new names either way, so the graphs are compared up to isomorphism."""
    bulk = open_store(tmp_path / "bulk")
    usual = open_store(tmp_path / "usual")
    try:
        assert load_files(bulk, [DATA / name], bulk_threshold=0) == load_files(
            usual, [DATA / name], bulk_threshold=None
        )
        assert bulk.graphs() == usual.graphs()
        for graph in usual.graphs():
            ours = Graph().parse(data=bulk.dump("nt", graph=graph), format="nt")
            theirs = Graph().parse(data=usual.dump("nt", graph=graph), format="nt")
            assert len(ours) == len(theirs)
            if graph != source_graph(name):  # the source graph also holds the load time
                assert isomorphic(ours, theirs)
    finally:
        bulk.close()
        usual.close()


def test_an_error_on_the_last_line_leaves_the_store_unchanged(
    tmp_path: Path, disk: Store, ecosystem: Path
) -> None:
    broken = tmp_path / "synthetic-broken.nt"
    lines = ecosystem.read_bytes().splitlines(keepends=True)
    broken.write_bytes(b"".join(lines) + b'<urn:a> <urn:b> "no end .\n')
    before = snapshot(disk)
    with pytest.raises(InputError) as raised:
        load_files(disk, [broken], bulk_threshold=0)
    assert raised.value.line == len(lines) + 1
    assert "synthetic-broken.nt" in str(raised.value)
    assert snapshot(disk) == before


def test_a_file_that_breaks_after_its_check_is_rolled_back(
    tmp_path: Path, disk: Store, ecosystem: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk loader itself fails part-way (here: the file changed since it was checked)."""
    changing = tmp_path / "synthetic-changing.nt"
    changing.write_bytes(ecosystem.read_bytes())
    real_check = kb.interchange.loading.check_file

    def check_then_corrupt(path: Path, *args: object, **kwargs: object) -> CheckedFile:
        checked = real_check(path, *args, **kwargs)  # type: ignore[arg-type]
        with path.open("ab") as stream:
            stream.write(b"<urn:a> <urn:b> .\n")
        return checked

    monkeypatch.setattr(kb.interchange.loading, "check_file", check_then_corrupt)
    before = snapshot(disk)
    with pytest.raises(InputError, match="nothing was loaded"):
        load_files(disk, [changing], bulk_threshold=0)
    assert snapshot(disk) == before


def test_a_bad_small_file_in_the_batch_stops_the_big_one_before_any_write(
    tmp_path: Path, disk: Store, ecosystem: Path
) -> None:
    small = tmp_path / "small.ttl"
    small.write_text("<urn:a> <urn:b> <urn:c>", encoding="utf-8")  # no final dot
    before = snapshot(disk)
    with pytest.raises(InputError, match=r"small\.ttl"):
        load_files(disk, [ecosystem, small], bulk_threshold=1024)
    assert snapshot(disk) == before


def test_a_failing_transactional_write_drops_the_bulk_loaded_graphs(
    tmp_path: Path, disk: Store, ecosystem: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = tmp_path / "small.ttl"
    small.write_text("<urn:a> <urn:b> <urn:c> .", encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise InputError("the store refused the write")

    monkeypatch.setattr(kb.interchange.loading, "write_sources", refuse)
    before = snapshot(disk)
    with pytest.raises(InputError, match="refused"):
        load_files(disk, [ecosystem, small], bulk_threshold=1024)
    assert snapshot(disk) == before


def test_a_reload_replaces_the_graph_through_the_transactional_path(
    disk: Store, ecosystem: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kb.interchange.loading")
    (first,) = load_files(disk, [ecosystem], bulk_threshold=0)
    assert bulk_loaded(caplog)
    count = disk.count(first.graph)
    caplog.clear()
    (second,) = load_files(disk, [ecosystem], bulk_threshold=0)
    assert not bulk_loaded(caplog), "an existing graph can only be swapped by a transaction"
    assert second == first
    assert disk.count(first.graph) == count


def test_only_big_files_on_disk_stores_take_the_bulk_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kb.interchange.loading")
    small = DATA / "services.ttl"
    big = tmp_path / "synthetic-big.ttl"
    generate_file(20, 1, big)
    while big.stat().st_size < BULK_LOAD_THRESHOLD:  # pad with comments up to the threshold
        with big.open("a", encoding="utf-8") as stream:
            stream.write("# padding\n" * 10_000)
    memory = open_store("memory")
    disk = open_store(tmp_path / "store")
    try:
        load_files(memory, [big], bulk_threshold=0)
        load_files(disk, [small])
        assert not bulk_loaded(caplog)
        load_files(disk, [big])
        assert bulk_loaded(caplog)
    finally:
        memory.close()
        disk.close()
