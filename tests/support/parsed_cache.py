"""What srkb reads out of a query, kept on disk: read once, then read back by a "new process"."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def read_then_kept(
    monkeypatch: pytest.MonkeyPatch,
    cache_dir: Path,
    module: ModuleType,
    cached: str,
    reader: str,
    kind: str,
    text: str,
) -> Any:
    """``module.cached(text)`` in a fresh process's way: read (and kept), then kept only.

    Checks that the first call leaves a file under ``cache_dir/kind`` and that, with the
    in-process cache cleared as in a new process, the second gives the same answer without
    calling ``module.reader``. Returns the answer.
    """
    monkeypatch.setenv("SRKB_CACHE_DIR", str(cache_dir))
    function = getattr(module, cached)
    function.cache_clear()
    read = function(text)
    assert list((cache_dir / kind).glob("*.pickle")), "kept on disk"
    function.cache_clear()  # as in a new process

    def no_parsing(_text: str) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(module, reader, no_parsing)
    assert function(text) == read
    function.cache_clear()
    return read
