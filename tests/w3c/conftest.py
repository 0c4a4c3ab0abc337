"""Servers for the W3C suites (one per backend, shared by its tests) and the printed scores."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest

from tests.w3c.player import Outcome, Target, score
from tests.w3c.servers import srkb_target

#: Every outcome of this session, by (target, suite), for the score printed at the end.
OUTCOMES: dict[tuple[str, str], list[Outcome]] = defaultdict(list)


@pytest.fixture(scope="session", params=["embedded", "remote"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """``srkb serve`` on the embedded store, then on a remote ``oxigraph serve``."""
    with srkb_target(request.param, tmp_path_factory.mktemp(f"w3c-{request.param}")) as started:
        yield started


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print each suite's score per target, as the suites' reports do."""
    if not OUTCOMES:
        return
    terminalreporter.section("W3C SPARQL 1.1 Protocol / Graph Store Protocol scores")
    for (name, suite), outcomes in sorted(OUTCOMES.items()):
        terminalreporter.write_line(f"{name} {suite}: {score(outcomes)}")
