"""Competency questions: every documented answer, on every example and every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rdflib.plugins.sparql import prepareQuery

from kb.ecosystem.questions import ask, questions
from kb.store import Store
from tests.conftest import BACKENDS
from tests.support.expected import actual_cell, example_names, load_expected

CASES: list[Any] = []
for _example in example_names():
    _exp = load_expected(_example)
    for _name, _entries in _exp.answers.items():
        for _index, _entry in enumerate(_entries):
            CASES.append(pytest.param(_example, _name, _index, id=f"{_name}-{_example}-{_index}"))


def test_there_are_at_least_twelve_questions() -> None:
    assert len(questions()) >= 12


@pytest.mark.parametrize("name", sorted(questions()))
def test_question_header_is_complete_and_query_parses(name: str) -> None:
    q = questions()[name]
    assert q.cq.startswith("CQ"), f"{name}: header lacks '#+ cq:'"
    assert q.question, f"{name}: header lacks '#+ question:'"
    assert q.returns, f"{name}: header lacks '#+ returns:'"
    parsed = prepareQuery(q.sparql)
    assert "ServiceGraphPattern" not in repr(parsed.algebra), f"{name} calls a remote SERVICE"


def test_every_question_has_an_expected_answer_and_every_answer_a_question() -> None:
    answered: set[str] = set()
    for example in example_names():
        answers = load_expected(example).answers
        unknown = set(answers) - set(questions())
        assert not unknown, f"{example}/expected.yaml answers unknown questions {sorted(unknown)}"
        answered |= {n for n, entries in answers.items() if any(e.get("rows") for e in entries)}
    missing = set(questions()) - answered
    assert not missing, f"questions with no non-empty expected answer anywhere: {sorted(missing)}"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("example", "name", "index"), CASES)
def test_question_returns_the_documented_answer(
    example: str, name: str, index: int, backend: str, prepared: Callable[[str, str], Store]
) -> None:
    exp = load_expected(example)
    entry = exp.answers[name][index]
    params = {k: exp.expand(str(v)) for k, v in (entry.get("params") or {}).items()}
    result = ask(prepared(example, backend), name, params)
    got = [tuple(actual_cell(v) for v in row) for row in result.rows]
    want = [tuple(exp.cell(v) for v in row) for row in entry.get("rows") or []]
    ordered = "ORDER BY" in questions()[name].sparql.upper()
    if ordered:
        assert got == want
        return
    missing = sorted(tuple(exp.curie(c) if c else c for c in row) for row in set(want) - set(got))
    extra = sorted(tuple(exp.curie(c) if c else c for c in row) for row in set(got) - set(want))
    assert set(got) == set(want), f"missing rows: {missing}\nunexpected rows: {extra}"
    assert len(got) == len(set(got)), f"{name} returned duplicate rows"
