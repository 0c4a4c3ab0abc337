"""Minimal pairs for the precondition 3 shapes: the service catalogue of an intermediary.

Each test breaks the valid base ecosystem (conftest.py) in one way and asserts the exact findings:
(source shape, focus node, sh:value, severity).
"""

from rdflib import Graph, Namespace

SRKB = Namespace("https://w3id.org/srkb#")
EX = Namespace("https://example.org/campus#")


def test_p3_provider_has_catalogue_no_catalogue(base: Graph, findings) -> None:
    """The unlisted services are not reported a second time while there is no catalogue at all."""
    base.remove((EX.IT, SRKB.hasCatalogue, None))
    assert findings(base) == {("shapes:P3-ProviderHasCatalogue", "ex:IT", None, "sh:Violation")}


def test_p3_provider_has_catalogue_pure_vendor_is_not_checked(base: Graph, findings) -> None:
    """The facility organisation only provides: it is no intermediary and needs no catalogue."""
    assert (EX.Facility, SRKB.hasCatalogue, None) not in base
    assert findings(base) == frozenset()


def test_p3_provided_service_is_listed_unlisted_service(base: Graph, findings) -> None:
    base.remove((EX["IT-Catalogue"], SRKB.listsService, EX.Printing))
    assert findings(base) == {
        ("shapes:P3-ProvidedServiceIsListed", "ex:IT", "ex:Printing", "sh:Violation")
    }


def test_p3_provided_service_is_listed_in_another_organisations_catalogue(
    base: Graph, findings
) -> None:
    """A service listed only in somebody else's catalogue is not listed in IT's."""
    base.remove((EX["IT-Catalogue"], SRKB.listsService, EX.Printing))
    base.add((EX["Facility-Catalogue"], SRKB.listsService, EX.Printing))
    base.add((EX.Facility, SRKB.hasCatalogue, EX["Facility-Catalogue"]))
    assert findings(base) == {
        ("shapes:P3-ProvidedServiceIsListed", "ex:IT", "ex:Printing", "sh:Violation")
    }


def test_p3_listed_service_is_created_from_registered_component_no_component(
    base: Graph, findings
) -> None:
    base.remove((EX.Printing, SRKB.isCreatedFrom, None))
    assert findings(base) == {
        (
            "shapes:P3-ListedServiceIsCreatedFromRegisteredComponent",
            "ex:IT",
            "ex:Printing",
            "sh:Violation",
        )
    }


def test_p3_listed_service_is_created_from_registered_component_unregistered_component(
    base: Graph, findings
) -> None:
    """Printing is built from a component IT never registered (here: one Finance registered)."""
    base.remove((EX.Printing, SRKB.isCreatedFrom, None))
    base.add((EX.Printing, SRKB.isCreatedFrom, EX["Finance-WorkplaceITComponent"]))
    assert findings(base) == {
        (
            "shapes:P3-ListedServiceIsCreatedFromRegisteredComponent",
            "ex:IT",
            "ex:Printing",
            "sh:Violation",
        )
    }
