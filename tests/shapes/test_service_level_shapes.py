"""Minimal pairs for the service level shapes and for precondition 3's own-resource services.

Each test breaks (or extends) the valid base ecosystem of conftest.py in one way and asserts the
exact findings: (source shape, focus node, sh:value, severity). The service level shapes live in
shapes/precondition-1-service-levels.ttl; the base's three agreements each carry one complete
target, and Finance's workplace SLA target has one measurement.
"""

from rdflib import Graph, Literal, Namespace
from rdflib.namespace import XSD

SRKB = Namespace("https://w3id.org/srkb#")
EX = Namespace("https://example.org/campus#")
UNIT = Namespace("http://qudt.org/vocab/unit/")


def test_p1_consumer_registers_component_none_at_all(base: Graph, findings) -> None:
    """The gating check: no register at all, besides one finding per unregistered service."""
    base.remove((EX.Finance, SRKB.registersComponent, None))
    assert findings(base) == {
        ("shapes:P1-ConsumerRegistersComponent", "ex:Finance", None, "sh:Violation"),
        (
            "shapes:P1-ConsumedServiceIsRegisteredComponent",
            "ex:Finance",
            "ex:WorkplaceIT",
            "sh:Violation",
        ),
        (
            "shapes:P1-ConsumedServiceIsRegisteredComponent",
            "ex:Finance",
            "ex:Printing",
            "sh:Violation",
        ),
    }


def test_p1_consumed_service_has_target_agreement_without_target(base: Graph, findings) -> None:
    base.remove((EX.PrintingSLA, SRKB.hasServiceLevelTarget, None))
    assert findings(base) == {
        (
            "shapes:P1-ConsumedServiceHasServiceLevelTarget",
            "ex:Finance",
            "ex:Printing",
            "sh:Warning",
        )
    }


def test_p1_consumed_service_has_target_through_the_relationship(base: Graph, findings) -> None:
    """A target on the relationship's agreement counts as much as one on the component's."""
    base.remove((EX.PrintingSLA, SRKB.hasServiceLevelTarget, None))
    base.add((EX["ITToFinance-Printing"], SRKB.isGovernedByAgreement, EX.PrintingFramework))
    base.add((EX.PrintingFramework, SRKB.agreementReference, Literal("FW-9")))
    base.add((EX.PrintingFramework, SRKB.hasServiceLevelTarget, EX.PrintingTurnaround))
    assert findings(base) == frozenset()


def test_p1_consumed_service_has_target_not_repeated_for_a_missing_agreement(
    base: Graph, findings
) -> None:
    """Without any agreement P1-ComponentHasAgreement speaks; the target check stays silent."""
    base.remove((EX["Finance-PrintingComponent"], SRKB.isGovernedByAgreement, None))
    assert findings(base) == {
        ("shapes:P1-ComponentHasAgreement", "ex:Finance-PrintingComponent", None, "sh:Violation")
    }


def test_p1_service_level_target_is_complete_no_unit(base: Graph, findings) -> None:
    base.remove((EX.WorkplaceAvailability, SRKB.hasUnit, None))
    assert findings(base) == {
        (
            "shapes:P1-ServiceLevelTargetIsComplete",
            "ex:Finance",
            "ex:WorkplaceAvailability",
            "sh:Violation",
        )
    }


def test_p1_service_level_target_is_complete_value_not_a_number(base: Graph, findings) -> None:
    base.remove((EX.PrintingTurnaround, SRKB.hasTargetValue, None))
    base.add((EX.PrintingTurnaround, SRKB.hasTargetValue, Literal("four hours")))
    assert findings(base) == {
        (
            "shapes:P1-ServiceLevelTargetIsComplete",
            "ex:Finance",
            "ex:PrintingTurnaround",
            "sh:Violation",
        )
    }


def test_p1_service_level_target_is_complete_unknown_direction(base: Graph, findings) -> None:
    """IT holds the facility lease: the finding is IT's, about the lease's target."""
    base.remove((EX.DesksAvailable, SRKB.hasDirection, None))
    base.add((EX.DesksAvailable, SRKB.hasDirection, SRKB.Monthly))
    assert findings(base) == {
        ("shapes:P1-ServiceLevelTargetIsComplete", "ex:IT", "ex:DesksAvailable", "sh:Violation")
    }


def test_p1_measurement_is_complete_no_period(base: Graph, findings) -> None:
    base.remove((EX["WorkplaceAvailability-2026-10"], SRKB.coversPeriod, None))
    assert findings(base) == {
        (
            "shapes:P1-MeasurementIsComplete",
            "ex:Finance",
            "ex:WorkplaceAvailability-2026-10",
            "sh:Warning",
        )
    }


def test_p1_measurement_is_complete_decimal_value_passes(base: Graph, findings) -> None:
    base.remove((EX["WorkplaceAvailability-2026-10"], SRKB.hasAchievedValue, None))
    base.add(
        (
            EX["WorkplaceAvailability-2026-10"],
            SRKB.hasAchievedValue,
            Literal("98.25", datatype=XSD.decimal),
        )
    )
    assert findings(base) == frozenset()


# --- precondition 3: services created from the organisation's own resources ----------------------


def _printing_from(base: Graph, resource_link: tuple) -> None:
    """Printing is no longer created from a component but from a printer fleet."""
    base.remove((EX.Printing, SRKB.isCreatedFrom, None))
    base.add((EX.Printing, SRKB.isCreatedFromResource, EX.PrinterFleet))
    base.add(resource_link)


def test_p3_listed_service_created_from_an_owned_resource_passes(base: Graph, findings) -> None:
    """Issue 16: a service built from the intermediary's own resource meets precondition 3."""
    _printing_from(base, (EX.IT, SRKB.ownsResource, EX.PrinterFleet))
    assert findings(base) == frozenset()


def test_p3_listed_service_created_from_a_resource_a_consumed_service_created(
    base: Graph, findings
) -> None:
    """A resource the office-space service created for IT is IT's own resource too."""
    _printing_from(base, (EX["FacilityToIT-OfficeSpace"], SRKB.createsResource, EX.PrinterFleet))
    assert findings(base) == frozenset()


def test_p3_listed_service_created_through_a_product_of_own_resources(
    base: Graph, findings
) -> None:
    base.remove((EX.Printing, SRKB.isCreatedFrom, None))
    base.add((EX.Printing, SRKB.isBasedOnProduct, EX.PrintRoom))
    base.add((EX.PrintRoom, SRKB.consistsOfResource, EX.PrinterFleet))
    base.add((EX.IT, SRKB.ownsResource, EX.PrinterFleet))
    assert findings(base) == frozenset()


def test_p3_listed_service_created_from_somebody_elses_resource(base: Graph, findings) -> None:
    """The printers belong to the facility organisation: not IT's own resource."""
    _printing_from(base, (EX.Facility, SRKB.ownsResource, EX.PrinterFleet))
    assert findings(base) == {
        (
            "shapes:P3-ListedServiceIsCreatedFromRegisteredComponent",
            "ex:IT",
            "ex:Printing",
            "sh:Violation",
        )
    }


def test_units_are_qudt_units(base: Graph) -> None:
    """The base uses QUDT unit IRIs, as the ontology's srkb:hasUnit expects."""
    assert set(base.objects(None, SRKB.hasUnit)) == {UNIT.PERCENT, UNIT.HR, UNIT.NUM}
