"""Minimal pairs for the model-integrity shapes (precondition 0): well-formed relationships.

Each test breaks the valid base ecosystem (conftest.py) in one way and asserts the exact findings:
(source shape, focus node, sh:value, severity). Breaks add rather than remove where removing would
also, rightly, change who consumes what and so set off precondition findings as well.
"""

from rdflib import Graph, Literal, Namespace
from rdflib.namespace import RDF

SRKB = Namespace("https://w3id.org/srkb#")
EX = Namespace("https://example.org/campus#")

WORKPLACE = EX["ITToFinance-WorkplaceIT"]


def test_sr_relationship_has_one_provider_two_providers(base: Graph, findings) -> None:
    base.add((WORKPLACE, SRKB.hasProvider, EX.Facility))
    assert findings(base) == {
        (
            "shapes:SR-RelationshipHasOneProvider",
            "ex:ITToFinance-WorkplaceIT",
            None,
            "sh:Violation",
        )
    }


def test_sr_relationship_has_one_provider_no_provider(base: Graph, findings) -> None:
    """Without a provider IT no longer provides workplace IT, so Finance's vendor looks wrong."""
    base.remove((WORKPLACE, SRKB.hasProvider, None))
    assert findings(base) == {
        (
            "shapes:SR-RelationshipHasOneProvider",
            "ex:ITToFinance-WorkplaceIT",
            None,
            "sh:Violation",
        ),
        (
            "shapes:P1-ComponentVendorProvidesService",
            "ex:Finance-WorkplaceITComponent",
            "ex:IT",
            "sh:Warning",
        ),
    }


def test_sr_relationship_has_one_provider_provider_is_not_an_organisation(
    base: Graph, findings
) -> None:
    base.remove((WORKPLACE, SRKB.hasProvider, None))
    base.add((WORKPLACE, SRKB.hasProvider, Literal("IT department")))
    assert findings(base) == {
        (
            "shapes:SR-RelationshipHasOneProvider",
            "ex:ITToFinance-WorkplaceIT",
            '"IT department"',
            "sh:Violation",
        ),
        (
            "shapes:P1-ComponentVendorProvidesService",
            "ex:Finance-WorkplaceITComponent",
            "ex:IT",
            "sh:Warning",
        ),
    }


def test_sr_relationship_has_one_consumer_two_consumers(base: Graph, findings) -> None:
    """The facility organisation is typed provider only here, so no precondition applies to it."""
    base.add((WORKPLACE, SRKB.hasConsumer, EX.Facility))
    assert findings(base) == {
        (
            "shapes:SR-RelationshipHasOneConsumer",
            "ex:ITToFinance-WorkplaceIT",
            None,
            "sh:Violation",
        )
    }


def test_sr_relationship_has_one_service_two_services(base: Graph, findings) -> None:
    """Finance also consumes printing from IT, so only the cardinality is wrong here."""
    base.add((WORKPLACE, SRKB.concernsService, EX.Printing))
    assert findings(base) == {
        (
            "shapes:SR-RelationshipHasOneService",
            "ex:ITToFinance-WorkplaceIT",
            None,
            "sh:Violation",
        )
    }


def test_sr_relationship_has_one_service_untyped_relationship_is_checked(
    base: Graph, findings
) -> None:
    """A relationship is found by its properties even without rdf:type."""
    base.remove((WORKPLACE, RDF.type, SRKB.ServiceRelationship))
    base.add((WORKPLACE, SRKB.concernsService, EX.Printing))
    assert findings(base) == {
        (
            "shapes:SR-RelationshipHasOneService",
            "ex:ITToFinance-WorkplaceIT",
            None,
            "sh:Violation",
        )
    }


def test_sr_provider_is_not_consumer_self_service(base: Graph, findings) -> None:
    """Finance records a relationship in which it provides workplace IT to itself."""
    relationship = EX["FinanceToFinance-WorkplaceIT"]
    base.add((relationship, RDF.type, SRKB.ServiceRelationship))
    base.add((relationship, SRKB.hasProvider, EX.Finance))
    base.add((relationship, SRKB.hasConsumer, EX.Finance))
    base.add((relationship, SRKB.concernsService, EX.WorkplaceIT))
    assert findings(base) == {
        (
            "shapes:SR-ProviderIsNotConsumer",
            "ex:FinanceToFinance-WorkplaceIT",
            "ex:Finance",
            "sh:Violation",
        )
    }
