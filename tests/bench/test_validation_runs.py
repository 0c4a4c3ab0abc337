"""``python -m bench.validation_runs`` runs on a small store and leaves the store as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import validation_runs
from kb.store.oxigraph import OxigraphStore


def test_it_times_both_kinds_of_run_on_a_copy(
    prepared_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = OxigraphStore(prepared_store)
    triples = store.count()
    store.close()
    assert validation_runs.main([str(prepared_store), "--runs", "2"]) == 0
    printed = capsys.readouterr().out
    assert "nothing changed: median" in printed
    assert "after a small change: median" in printed
    store = OxigraphStore(prepared_store)
    try:
        assert store.count() == triples, "the store itself was changed"
    finally:
        store.close()
