"""A store the benchmark prepared, copied for a tool that writes to it: the original is kept.

The tools that take one step apart (``validation_runs``, ``io_floor``) run on a store that took
minutes to generate, load and infer; they change what they measure, so they work on a copy.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from kb.store.oxigraph import OxigraphStore


def store_and_runs(description: str, argv: Sequence[str]) -> tuple[Path, int]:
    """The command line of such a tool: the prepared store's directory and ``--runs``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("store", type=Path, help="a store the benchmark prepared (it is copied)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(list(argv))
    return args.store, args.runs


@contextmanager
def copied_store(path: Path) -> Iterator[OxigraphStore]:
    """A copy of the store at ``path``, open, closed and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="srkb-bench-") as directory:
        copy = Path(directory) / "store"
        shutil.copytree(path, copy)
        store = OxigraphStore(copy)
        try:
            yield store
        finally:
            store.close()
