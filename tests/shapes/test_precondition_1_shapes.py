"""Minimal pairs for the precondition 1 shapes: registered service components with vendor data.

Each test breaks the valid base ecosystem (conftest.py) in one way and asserts the exact findings:
(source shape, focus node, sh:value, severity).
"""

from rdflib import Graph, Namespace
from rdflib.namespace import RDF

SRKB = Namespace("https://w3id.org/srkb#")
EX = Namespace("https://example.org/campus#")


def test_p1_consumed_service_is_registered_component_unregistered_service(
    base: Graph, findings
) -> None:
    """Finance consumes workplace IT but no longer registers the component for it."""
    base.remove((EX.Finance, SRKB.registersComponent, EX["Finance-WorkplaceITComponent"]))
    assert findings(base) == {
        (
            "shapes:P1-ConsumedServiceIsRegisteredComponent",
            "ex:Finance",
            "ex:WorkplaceIT",
            "sh:Violation",
        )
    }


def test_p1_consumed_service_is_registered_component_component_for_other_service(
    base: Graph, findings
) -> None:
    """A component that refers to another service does not register the consumed one."""
    component = EX["Finance-WorkplaceITComponent"]
    base.remove((component, SRKB.refersToService, EX.WorkplaceIT))
    base.add((component, SRKB.refersToService, EX.Printing))
    assert findings(base) == {
        (
            "shapes:P1-ConsumedServiceIsRegisteredComponent",
            "ex:Finance",
            "ex:WorkplaceIT",
            "sh:Violation",
        )
    }


def test_p1_component_has_vendor_missing_vendor(base: Graph, findings) -> None:
    base.remove((EX["Finance-PrintingComponent"], SRKB.hasVendor, None))
    assert findings(base) == {
        ("shapes:P1-ComponentHasVendor", "ex:Finance-PrintingComponent", None, "sh:Violation")
    }


def test_p1_component_has_vendor_contact_missing_contact(base: Graph, findings) -> None:
    base.remove((EX["Finance-PrintingComponent"], SRKB.hasVendorContact, None))
    assert findings(base) == {
        (
            "shapes:P1-ComponentHasVendorContact",
            "ex:Finance-PrintingComponent",
            None,
            "sh:Violation",
        )
    }


def test_p1_component_has_agreement_missing_agreement(base: Graph, findings) -> None:
    base.remove((EX["Finance-PrintingComponent"], SRKB.isGovernedByAgreement, None))
    assert findings(base) == {
        ("shapes:P1-ComponentHasAgreement", "ex:Finance-PrintingComponent", None, "sh:Violation")
    }


def test_p1_component_has_agreement_agreement_without_reference(base: Graph, findings) -> None:
    """The nested requirement (sh:node) is reported by the listed shape, with the agreement."""
    base.remove((EX.PrintingSLA, SRKB.agreementReference, None))
    assert findings(base) == {
        (
            "shapes:P1-ComponentHasAgreement",
            "ex:Finance-PrintingComponent",
            "ex:PrintingSLA",
            "sh:Violation",
        )
    }


def test_p1_component_refers_to_one_service_two_services(base: Graph, findings) -> None:
    """Finance consumes printing from IT too, so only the cardinality is wrong here."""
    base.add((EX["Finance-WorkplaceITComponent"], SRKB.refersToService, EX.Printing))
    assert findings(base) == {
        (
            "shapes:P1-ComponentRefersToOneService",
            "ex:Finance-WorkplaceITComponent",
            None,
            "sh:Violation",
        )
    }


def test_p1_component_refers_to_one_service_no_service(base: Graph, findings) -> None:
    """A component naming no service also leaves the consumed service unregistered."""
    base.remove((EX["Finance-WorkplaceITComponent"], SRKB.refersToService, None))
    assert findings(base) == {
        (
            "shapes:P1-ComponentRefersToOneService",
            "ex:Finance-WorkplaceITComponent",
            None,
            "sh:Violation",
        ),
        (
            "shapes:P1-ConsumedServiceIsRegisteredComponent",
            "ex:Finance",
            "ex:WorkplaceIT",
            "sh:Violation",
        ),
    }


def test_p1_component_vendor_provides_service_wrong_vendor(base: Graph, findings) -> None:
    """Finance names the facility organisation as vendor of workplace IT, which IT provides."""
    component = EX["Finance-WorkplaceITComponent"]
    base.remove((component, SRKB.hasVendor, EX.IT))
    base.add((component, SRKB.hasVendor, EX.Facility))
    assert findings(base) == {
        (
            "shapes:P1-ComponentVendorProvidesService",
            "ex:Finance-WorkplaceITComponent",
            "ex:Facility",
            "sh:Warning",
        )
    }


def test_p1_component_has_agreement_one_referenced_agreement_is_enough(
    base: Graph, findings
) -> None:
    """Issue 15, item 8: one complete agreement and one incomplete one meet the shape.

    Before the fix an sh:node on every agreement reported the component as being "without an
    agreement that has a reference" although it has one.
    """
    draft = EX["PrintingSLA-Draft"]
    base.add((EX["Finance-PrintingComponent"], SRKB.isGovernedByAgreement, draft))
    base.add((draft, RDF.type, SRKB.Agreement))
    assert findings(base) == set()
