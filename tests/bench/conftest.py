"""A small prepared store for the tools that take one benchmark step apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.store.oxigraph import OxigraphStore
from tests.conftest import prepare_example


@pytest.fixture
def prepared_store(tmp_path: Path) -> Path:
    """An on-disk store as the benchmark leaves it (model, data, inferences, report), closed."""
    path = tmp_path / "store"
    prepare_example(OxigraphStore(path), "campus").close()
    return path
