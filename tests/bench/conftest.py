"""A small prepared store for the tools that take one benchmark step apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import resources
from kb.interchange.loading import install_model, parse_file, write_sources
from kb.reasoning.inference import infer
from kb.store.oxigraph import OxigraphStore


@pytest.fixture
def prepared_store(tmp_path: Path) -> Path:
    """An on-disk store as the benchmark leaves it (model, data, inferences), closed: the demo."""
    path = tmp_path / "store"
    store = OxigraphStore(path)
    try:
        install_model(store)
        write_sources(store, [parse_file(resources.example_file("campus"))])
        infer(store)
    finally:
        store.close()
    return path
