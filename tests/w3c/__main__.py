"""Print the suites' scores: ``python -m tests.w3c [embedded] [remote] [oxigraph]``.

Starts each server in a temporary folder, plays every test, prints the score and each failure.
"""

from __future__ import annotations

import sys
import tempfile
from contextlib import AbstractContextManager
from pathlib import Path

from tests.w3c.manifest import graph_store_tests, protocol_tests
from tests.w3c.player import Target, play, score
from tests.w3c.servers import oxigraph_target, srkb_target


def main(names: list[str]) -> int:
    for name in names or ["embedded", "remote", "oxigraph"]:
        with tempfile.TemporaryDirectory() as folder:
            started: AbstractContextManager[Target] = (
                oxigraph_target(Path(folder))
                if name == "oxigraph"
                else srkb_target(name, Path(folder))
            )
            with started as target:
                for suite, tests in (
                    ("protocol", protocol_tests()),
                    ("graph store", graph_store_tests()),
                ):
                    outcomes = [play(target, test) for test in tests]
                    print(f"{target.name} {suite}: {score(outcomes)}")
                    for outcome in outcomes:
                        for failure in outcome.failures:
                            print(f"    {outcome.test.id}: {failure[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
