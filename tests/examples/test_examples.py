"""Every example ecosystem: roles, mutual relationships, cycles and findings as documented."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kb.ecosystem.questions import ask
from kb.reasoning.inference import inferred_roles
from kb.store import Store
from kb.validation.shacl import validate
from tests.conftest import BACKENDS
from tests.support.expected import Expected, example_names, load_expected

ORG_ROLES = {
    "ServiceProvider",
    "ServiceConsumer",
    "Intermediary",
    "ConsumerTurnedProvider",
    "MutualPartner",
    "Vendor",
}
AGENT_ROLES = {"Customer", "User", "Sponsor"}

EXAMPLES = example_names()


def _diff(exp: Expected, expected: dict[str, set[str]], actual: dict[str, set[str]]) -> str:
    lines = []
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key, set()), actual.get(key, set())
        if want != got:
            lines.append(
                f"{exp.curie(key)}: missing {sorted(want - got)}, unexpected {sorted(got - want)}"
            )
    return "\n".join(lines)


def test_there_are_at_least_six_examples() -> None:
    assert len(EXAMPLES) >= 6, EXAMPLES
    assert "campus" in EXAMPLES


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", EXAMPLES)
def test_rules_infer_exactly_the_documented_roles(
    name: str, backend: str, prepared: Callable[[str, str], Store]
) -> None:
    assert_roles_as_documented(load_expected(name), inferred_roles(prepared(name, backend)))


def assert_roles_as_documented(exp: Expected, roles: dict[str, set[str]]) -> None:
    """Organisation roles, agent roles and mutual relationships, each exactly as documented."""
    org_roles = {k: v & ORG_ROLES for k, v in roles.items() if v & ORG_ROLES}
    agent_roles = {k: v & AGENT_ROLES for k, v in roles.items() if v & AGENT_ROLES}
    mutual = {k for k, v in roles.items() if "MutualRelationship" in v}
    expected_orgs = {k: v for k, v in exp.roles.items() if v}
    assert org_roles == expected_orgs, _diff(exp, expected_orgs, org_roles)
    assert agent_roles == exp.agent_roles, _diff(exp, exp.agent_roles, agent_roles)
    assert mutual == exp.mutual_relationships


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", EXAMPLES)
def test_validation_yields_exactly_the_documented_findings(
    name: str, backend: str, prepared: Callable[[str, str], Store]
) -> None:
    exp = load_expected(name)
    report = validate(prepared(name, backend), save=False)
    actual = {
        (
            f.organisation,
            f.precondition,
            f.focus,
            f.source_shape,
            f.severity,
            f.value if f.source_shape.split("#")[-1] in _VALUE_SHAPES else None,
        )
        for f in report.findings
    }
    missing = sorted(map(str, exp.findings - actual))
    extra = sorted(map(str, actual - exp.findings))
    assert actual == exp.findings, f"missing: {missing}\nunexpected: {extra}"
    assert report.conforms == exp.conforms


_VALUE_SHAPES = {
    "P1-ConsumedServiceIsRegisteredComponent",
    "P1-ComponentVendorProvidesService",
    "P3-ProvidedServiceIsListed",
    "P3-ListedServiceIsCreatedFromRegisteredComponent",
    "P1-ConsumedServiceHasServiceLevelTarget",
    "P1-ServiceLevelTargetIsComplete",
    "P1-MeasurementIsComplete",
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_provision_cycles_are_the_documented_ones(
    name: str, prepared: Callable[[str, str], Store]
) -> None:
    exp = load_expected(name)
    result = ask(prepared(name, "memory"), "provision-cycles")
    partners: dict[str, set[str]] = {}
    for org, partner in result.rows:
        partners.setdefault(str(org), {str(org)}).add(str(partner))
    components = {frozenset(group) for group in partners.values()}
    assert components == {frozenset(c) for c in exp.cycles}
