"""The W3C suites' scores: every outcome of the session, printed per target and suite at the end.

With pytest-xdist each worker plays some of the tests: a worker hands what it played to the
controller (``workeroutput``), which prints the scores of all of them. The hooks that do this are
in ``tests/conftest.py``, the conftest the controller loads (it collects no tests itself).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tests.w3c.player import Outcome, score_of

#: Every outcome of this process, by (target, suite).
OUTCOMES: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
#: What pytest-xdist workers played: (target, suite, test id, passed).
FROM_WORKERS: list[tuple[str, str, str, bool]] = []


def played() -> list[tuple[str, str, str, bool]]:
    """This process's outcomes as (target, suite, test id, passed)."""
    return [
        (name, suite, outcome.test.id, outcome.passed)
        for (name, suite), outcomes in OUTCOMES.items()
        for outcome in outcomes
    ]


def hand_over(config: pytest.Config) -> None:
    """In a pytest-xdist worker: put this worker's outcomes where the controller gets them."""
    output: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if output is not None:
        output["w3c_outcomes"] = played()


def receive(node: Any) -> None:
    """In the pytest-xdist controller: keep what a finished worker played."""
    output: dict[str, Any] = getattr(node, "workeroutput", {})
    FROM_WORKERS.extend(tuple(row) for row in output.get("w3c_outcomes", ()))


def report(terminalreporter: pytest.TerminalReporter) -> None:
    """Print each suite's score per target, as the suites' reports do."""
    rows = played() + FROM_WORKERS
    if not rows:
        return
    by_suite: dict[tuple[str, str], list[tuple[str, bool]]] = defaultdict(list)
    for name, suite, test, passed in rows:
        by_suite[(name, suite)].append((test, passed))
    terminalreporter.section("W3C SPARQL 1.1 Protocol / Graph Store Protocol scores")
    for (name, suite), tests in sorted(by_suite.items()):
        failed = [test for test, passed in tests if not passed]
        terminalreporter.write_line(f"{name} {suite}: {score_of(failed, len(tests))}")
