"""A write that was applied is answered as applied (issue 12: never an error after applying).

A fault is injected after the store write, in the validation that follows it: the write must
return normally with its data in the store, and the refresh it missed must run before the next
report.
"""

from __future__ import annotations

from typing import Any

import pytest

from kb import knowledge_base
from kb.config import Settings
from kb.errors import InputError
from kb.knowledge_base import KnowledgeBase
from kb.store import Store

INSERT = "INSERT DATA { GRAPH <http://example.org/g> { <http://e/a> <http://e/b> 1 } }"


def test_a_write_whose_validation_fails_afterwards_is_answered_as_applied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kb = KnowledgeBase.open(Settings(store="memory", demo=False))
    real = knowledge_base.validate
    calls: list[int] = []

    def failing_once(store: Store, **options: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise InputError("injected: validation failed after the write")
        return real(store, **options)

    monkeypatch.setattr(knowledge_base, "validate", failing_once)
    try:
        written = kb.write(lambda: kb.store.update(INSERT))  # no exception: it is applied
        assert written.pending
        assert written.refresh == "pending"
        assert "http://example.org/g" in kb.store.graphs()
        kb.report()  # the missed refresh runs first, now successfully
        assert len(calls) >= 2
        assert not kb.write(lambda: kb.store.update(INSERT)).pending
    finally:
        kb.close()
