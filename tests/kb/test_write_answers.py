"""A write that was applied is answered as applied (issue 12: never an error after applying).

A fault is injected after the store write, in the validation that follows it: the write must
return normally with its data in the store, and the refresh it missed must run before the next
report.
"""

from __future__ import annotations

from pathlib import Path
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


NEWCOMER = b"""@prefix srkb: <https://w3id.org/srkb#> .
@prefix org: <http://www.w3.org/ns/org#> .
<http://example.org/newcomer> a org:Organization ;
    srkb:registersComponent <http://example.org/newcomer-component> .
"""


@pytest.mark.parametrize("prepared", [True, False])
def test_a_service_gets_ready_for_its_first_write_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prepared: bool
) -> None:
    """A start that kept the saved report leaves readiness and the last run for later.

    Prepared in the background, the first write reads neither again; unprepared, it must.
    """
    from kb.protocol import graph_store

    settings = Settings(store=str(tmp_path / "store"), demo=True)
    KnowledgeBase.open(settings).close()  # the demo, inferred, validated, recorded
    kb = KnowledgeBase.open(Settings(store=str(tmp_path / "store")))  # keeps the saved report
    reads: list[str] = []
    try:
        if prepared:
            kb.prepare_writes_in_background()
            assert kb._warm_thread is not None
            kb._warm_thread.join(timeout=120)
        for name in ("last_run", "compute_readiness"):
            real = getattr(knowledge_base, name)

            def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
                reads.append(_name)
                return _real(*args, **kwargs)

            monkeypatch.setattr(knowledge_base, name, counted)
        written = graph_store.put(kb, "http://example.org/graph/newcomer", NEWCOMER, "ttl")
        assert written.refresh == "done"
        assert kb.readiness().organisations, "readiness is there"
    finally:
        kb.close()
    if prepared:
        assert reads == [], "the first write read again what was prepared"
    else:
        assert sorted(set(reads)) == ["compute_readiness", "last_run"]
