"""Service level breaches on every example: exactly the documented measurements, on every backend.

A breach is derived by rule srkb-sl-breach (kb rules), never asserted: an example lists under
``breaches`` in its expected.yaml the measurements that miss their target, and no other measurement
may be classified as one. Examples without service levels list none.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kb.store import Store
from tests.conftest import BACKENDS
from tests.support.expected import example_names, load_expected

BREACHES = """
PREFIX srkb: <https://w3id.org/srkb#>
SELECT DISTINCT ?m WHERE { ?m a srkb:ServiceLevelBreach }
"""


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", example_names())
def test_rules_derive_exactly_the_documented_breaches(
    name: str, backend: str, prepared: Callable[[str, str], Store]
) -> None:
    exp = load_expected(name)
    found = {str(row[0]) for row in prepared(name, backend).query(BREACHES).rows}
    assert found == exp.breaches, (
        f"missing {sorted(map(exp.curie, exp.breaches - found))}, "
        f"unexpected {sorted(map(exp.curie, found - exp.breaches))}"
    )


def test_some_example_has_a_breach_and_some_measurement_is_not_one() -> None:
    """Guards the test above against an example set where it could not fail either way."""
    assert any(load_expected(n).breaches for n in example_names())
