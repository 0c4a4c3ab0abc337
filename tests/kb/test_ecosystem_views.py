"""The cycles view: strongly connected components of the provision links, as the pairs say."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from kb.ecosystem.questions import ask
from kb.ecosystem.views import cycles, strongly_connected
from kb.store import Store
from tests.support.expected import example_names, load_expected


def _reach(successors: dict[str, list[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(successors.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(successors.get(node, ()))
    return seen


def _components_by_reachability(successors: dict[str, list[str]]) -> set[frozenset[str]]:
    """What the provision-cycles question computes: the pairs that reach each other, grouped."""
    nodes = set(successors) | {n for targets in successors.values() for n in targets}
    reach = {node: _reach(successors, node) for node in nodes}
    groups = {
        frozenset({node} | {other for other in reach[node] if node in reach[other]})
        for node in nodes
    }
    return {group for group in groups if len(group) > 1}


def test_components_of_a_small_graph() -> None:
    successors = {
        "a": ["b"],
        "b": ["c", "d"],
        "c": ["a"],  # a -> b -> c -> a
        "d": ["e"],
        "e": ["d", "f"],  # d <-> e, reached from the first cycle but not reaching back
        "f": ["f"],  # a loop on itself is no cycle of organisations
        "g": ["a"],
    }
    found = {frozenset(c) for c in strongly_connected(successors) if len(c) > 1}
    assert found == {frozenset("abc"), frozenset("de")}
    every = strongly_connected(successors)
    assert sorted(n for c in every for n in c) == sorted("abcdefg"), "each node in one component"


@pytest.mark.parametrize("seed", range(30))
def test_components_are_the_groups_that_reach_each_other(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - a reproducible test graph, not a secret
    nodes = [f"n{i}" for i in range(rng.randint(1, 40))]
    successors: dict[str, list[str]] = {}
    for _ in range(rng.randint(0, 80)):
        successors.setdefault(rng.choice(nodes), []).append(rng.choice(nodes))
    found = {frozenset(c) for c in strongly_connected(successors) if len(c) > 1}
    assert found == _components_by_reachability(successors)


def test_a_long_chain_needs_no_recursion() -> None:
    size = 50_000
    successors = {f"n{i}": [f"n{i + 1}"] for i in range(size)}
    successors[f"n{size}"] = ["n0"]
    (component,) = strongly_connected(successors)
    assert len(component) == size + 1


@pytest.mark.parametrize("name", example_names())
def test_cycles_view_gives_the_documented_cycles_and_the_questions_pairs(
    name: str, prepared: Callable[[str, str], Store]
) -> None:
    store = prepared(name, "memory")
    found = cycles(store)
    assert {frozenset(c) for c in found} == {frozenset(c) for c in load_expected(name).cycles}
    pairs = {(str(a), str(b)) for a, b in ask(store, "provision-cycles").rows}
    assert pairs == {(a, b) for c in found for a in c for b in c if a != b}
