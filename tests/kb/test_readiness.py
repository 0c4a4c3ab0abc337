"""Readiness scores: the rule on its own, then on the broken examples and the demo.

Rule (kb.validation.readiness): a precondition's readiness is the share of its checks (shapes) that
report nothing about the organisation; a check with only warnings counts half; floor of the
percentage; 0 when a gating check (no registered component, no practice, no catalogue) fails.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kb.store import Store
from kb.validation.readiness import (
    APPLIES_TO,
    Readiness,
    checks,
    organisation_readiness,
    readiness,
    score,
)
from kb.validation.shacl import Finding, validate

EX = "https://example.org/broken-p1-unregistered-component#"
SHAPES = "https://w3id.org/srkb/shapes#"


def finding(org: str, precondition: int, shape: str, severity: str = "Violation") -> Finding:
    return Finding(
        organisation=org,
        organisation_label=None,
        precondition=precondition,
        severity=severity,
        message="m",
        focus=org,
        path=None,
        value=None,
        hint=None,
        source_shape=SHAPES + shape,
    )


@pytest.mark.parametrize(
    ("checks_count", "failed", "warned", "expected"),
    [(6, 0, 0, 100), (6, 1, 0, 83), (6, 2, 1, 58), (8, 0, 1, 93), (3, 3, 0, 0), (4, 0, 4, 50)],
)
def test_score_is_the_floor_of_the_share_of_checks_passed(
    checks_count: int, failed: int, warned: int, expected: int
) -> None:
    assert score(checks_count, failed, warned) == expected


def test_any_finding_keeps_the_score_below_100() -> None:
    assert all(score(n, 0, 1) < 100 for n in range(1, 200))


def test_a_check_counts_once_however_many_times_it_fails(prepared: Callable[..., Store]) -> None:
    """If: the same shape fails on three components. Then: one failed check, three violations."""
    all_checks = checks(prepared("campus", "memory"))
    org = EX + "Clinic"
    findings = [finding(org, 1, "P1-ComponentHasVendor") for _ in range(3)]
    result = organisation_readiness(org, "Clinic", ["ServiceConsumer"], findings, all_checks)
    p1 = result.of(1)
    assert p1 is not None
    assert (p1.score, p1.violations, p1.failed) == (90, 3, (SHAPES + "P1-ComponentHasVendor",))
    assert p1.met is False


def test_a_precondition_applies_by_role_or_by_finding(prepared: Callable[..., Store]) -> None:
    all_checks = checks(prepared("campus", "memory"))
    vendor = organisation_readiness(EX + "V", None, ["ServiceProvider", "Vendor"], [], all_checks)
    assert [p.applicable for p in vendor.preconditions] == [False, False, False, False]
    assert vendor.score is None
    consumer = organisation_readiness(EX + "C", None, ["ServiceConsumer"], [], all_checks)
    assert [p.precondition for p in consumer.applicable] == [0, 1, 2]
    flagged = organisation_readiness(
        EX + "C",
        None,
        ["ServiceConsumer"],
        [finding(EX + "C", 3, "P3-ProviderHasCatalogue")],
        all_checks,
    )
    p3 = flagged.of(3)
    assert p3 is not None
    assert p3.applicable
    assert (p3.score, p3.gated) == (0, True)  # no catalogue at all: a gating check
    assert APPLIES_TO[3] == "Intermediary"


def test_checks_are_the_shapes_of_each_precondition(prepared: Callable[..., Store]) -> None:
    counted = {n: len(cs) for n, cs in checks(prepared("campus", "memory")).items()}
    assert counted == {0: 6, 1: 10, 2: 8, 3: 3}


def test_readiness_of_the_broken_p1_example(prepared: Callable[..., Store]) -> None:
    store = prepared("broken-p1-unregistered-component", "memory")
    result = readiness(store, validate(store, save=False))
    by_org = {o.organisation: o for o in result.organisations}
    clinic, factory = by_org[EX + "Clinic"], by_org[EX + "Factory"]
    # Clinic: 2 of 10 checks fail, 2 only warn -> (10 - 2 - 1) / 10 = 70 %
    assert [(p.precondition, p.score) for p in clinic.applicable] == [
        (0, 100),
        (1, 70),
        (2, 100),
        (3, 100),
    ]
    # Factory is a consumer, not an intermediary: precondition 3 does not apply
    # Factory: 2 fail, 1 only warns (no target on its portal agreement) -> 7.5 / 10
    assert [(p.precondition, p.score) for p in factory.applicable] == [(0, 100), (1, 75), (2, 100)]
    assert by_org[EX + "LabCo"].applicable == ()
    summary = {s.precondition: (s.applicable, s.met, s.mean_score) for s in result.summary()}
    assert summary == {0: (2, 2, 100), 1: (2, 0, 72), 2: (2, 2, 100), 3: (1, 1, 100)}
    assert result.meeting_all == 0
    assert clinic.label == "Occupational Health Clinic"


def test_the_demo_is_fully_ready(prepared: Callable[..., Store]) -> None:
    store = prepared("campus", "memory")
    result = readiness(store, validate(store, save=False))
    assert len(result.subject) == 4
    assert result.meeting_all == 4
    assert all(o.score == 100 for o in result.subject)


def test_only_restricts_the_view_without_rescoring(prepared: Callable[..., Store]) -> None:
    store = prepared("broken-p1-unregistered-component", "memory")
    full = readiness(store, validate(store, save=False))
    one = full.only(organisation=EX + "Clinic", precondition=1)
    (clinic,) = one.organisations
    assert [(p.precondition, p.score) for p in clinic.preconditions] == [(1, 70)]
    assert one.preconditions == (1,)
    assert full.to_dict()["summary"][1]["mean_score"] == 72


# -- gating checks (issue 16: readiness that reads right) ----------------------------------------


def test_the_gating_checks_are_the_three_not_started_shapes(prepared: Callable[..., Store]) -> None:
    gating = {
        c.shape for cs in checks(prepared("campus", "memory")).values() for c in cs if c.gating
    }
    assert gating == {
        SHAPES + "P1-ConsumerRegistersComponent",
        SHAPES + "P2-ConsumerHasPractice",
        SHAPES + "P3-ProviderHasCatalogue",
    }


def test_no_practice_at_all_scores_0_not_87(prepared: Callable[..., Store]) -> None:
    """If: the bakery consumes services and runs no practice. Then: precondition 2 is 0, not 7/8."""
    store = prepared("broken-p2-missing-practice", "memory")
    by_org = {
        o.organisation: o for o in readiness(store, validate(store, save=False)).organisations
    }
    p2 = by_org["https://example.org/broken-p2-missing-practice#Bakery"].of(2)
    assert p2 is not None
    assert (p2.score, p2.gated, p2.met) == (0, True, False)


def test_no_catalogue_at_all_scores_0_not_66(prepared: Callable[..., Store]) -> None:
    store = prepared("broken-p3-missing-catalogue", "memory")
    by_org = {
        o.organisation: o for o in readiness(store, validate(store, save=False)).organisations
    }
    p3 = by_org["https://example.org/broken-p3-missing-catalogue#DesignStudio"].of(3)
    assert p3 is not None
    assert (p3.score, p3.gated) == (0, True)
    # The web agency has a catalogue that misses one service: 1 of 3 checks fails, not gated.
    agency = by_org["https://example.org/broken-p3-missing-catalogue#WebAgency"].of(3)
    assert agency is not None
    assert (agency.score, agency.gated) == (66, False)


def test_no_registered_component_at_all_scores_0(prepared: Callable[..., Store]) -> None:
    all_checks = checks(prepared("campus", "memory"))
    org = EX + "Newcomer"
    result = organisation_readiness(
        org,
        None,
        ["ServiceConsumer"],
        [
            finding(org, 1, "P1-ConsumerRegistersComponent"),
            finding(org, 1, "P1-ConsumedServiceIsRegisteredComponent"),
        ],
        all_checks,
    )
    p1 = result.of(1)
    assert p1 is not None
    assert (p1.score, p1.gated) == (0, True)
    whole = Readiness(organisations=(result,), preconditions=(1,), checks=all_checks).to_dict()
    (organisation,) = whole["organisations"]  # type: ignore[misc]
    assert [p["gated"] for p in organisation["preconditions"]] == [False, True, False, False]
