"""``python -m bench.validation_runs`` runs on a small store and leaves the store as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import validation_runs
from kb import resources
from kb.interchange.loading import install_model, parse_file, write_sources
from kb.reasoning.inference import infer
from kb.store.oxigraph import OxigraphStore


def test_it_times_both_kinds_of_run_on_a_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "store"
    store = OxigraphStore(path)
    install_model(store)
    write_sources(store, [parse_file(resources.example_file("campus"))])
    infer(store)
    triples = store.count()
    store.close()
    assert validation_runs.main([str(path), "--runs", "2"]) == 0
    printed = capsys.readouterr().out
    assert "nothing changed: median" in printed
    assert "after a small change: median" in printed
    store = OxigraphStore(path)
    try:
        assert store.count() == triples, "the store itself was changed"
    finally:
        store.close()
