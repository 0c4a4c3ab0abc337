"""``python -m bench.io_floor`` times each read and write on a small store, leaving it as it was."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench import io_floor
from kb.namespaces import INFERRED_GRAPH, knowledge_graphs
from kb.store.oxigraph import OxigraphStore

MEASUREMENTS = (
    "read asserted",
    "count asserted in the engine",
    "serialise asserted",
    "read inferred",
    "write inferred (transactions)",
    "write inferred (bulk)",
)


def test_it_times_every_read_and_write_on_a_copy(
    prepared_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = OxigraphStore(prepared_store)
    asserted = sum(store.count(g) for g in knowledge_graphs(store))
    inferred = store.count(INFERRED_GRAPH)
    triples = store.count()
    store.close()
    assert io_floor.main([str(prepared_store), "--runs", "2"]) == 0
    printed = capsys.readouterr().out
    assert f"{asserted:,} asserted triples, {inferred:,} inferred" in printed
    for name in MEASUREMENTS:
        line = rf"^{re.escape(name)}: median \d+\.\d\d s \(\d+\.\d\d, \d+\.\d\d\)$"
        assert re.search(line, printed, re.MULTILINE), name
    store = OxigraphStore(prepared_store)
    try:
        assert store.count() == triples, "the store itself was changed"
    finally:
        store.close()


def test_the_engine_counts_what_a_read_finds(prepared_store: Path) -> None:
    """The in-engine count is of the same triples the read decodes, or the comparison is void."""
    store = OxigraphStore(prepared_store)
    try:
        seconds, asserted, inferred = io_floor.measure(store, 1)
        graphs = ", ".join(f"<{g}>" for g in knowledge_graphs(store))
        count = store.native.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g IN ({graphs})) }}"
        )
        assert isinstance(count, ox.QuerySolutions)
        assert asserted == int(next(iter(count))[0].value) > 0
        assert inferred == store.count(INFERRED_GRAPH) > 0
        assert set(seconds) == set(MEASUREMENTS)
    finally:
        store.close()
