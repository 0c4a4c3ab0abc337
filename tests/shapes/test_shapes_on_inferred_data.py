"""The shapes over asserted plus inferred data, as the engine validates.

The minimal pairs write the derived roles out by hand. Here they are removed and derived instead,
with owlrl's OWL 2 RL closure of the ontology standing in for the engine's rules: the roles, the
inverse properties and the domain and range types it adds must not change any finding.
"""

from __future__ import annotations

import owlrl
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

SRKB = Namespace("https://w3id.org/srkb#")
EX = Namespace("https://example.org/campus#")

DERIVED_ROLES = (SRKB.ServiceConsumer, SRKB.ServiceProvider, SRKB.Intermediary)


def inferred(data: Graph, ontology_graph: Graph) -> Graph:
    """Drop the hand-written roles, add the ontology and expand to the OWL 2 RL closure."""
    graph = Graph()
    for triple in data:
        if not (triple[1] == RDF.type and triple[2] in DERIVED_ROLES):
            graph.add(triple)
    graph += ontology_graph
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


def test_base_ecosystem_derives_the_roles_written_in_conftest(
    base: Graph, ontology_graph: Graph
) -> None:
    graph = inferred(base, ontology_graph)
    for role in DERIVED_ROLES:
        assert set(graph.subjects(RDF.type, role)) == set(base.subjects(RDF.type, role)), role


def test_base_ecosystem_conforms_with_inferred_data(
    base: Graph, ontology_graph: Graph, findings
) -> None:
    assert findings(inferred(base, ontology_graph)) == frozenset()


def test_p2_consumer_has_practice_derived_consumer(
    base: Graph, ontology_graph: Graph, findings
) -> None:
    base.remove((EX.Finance, SRKB.hasPractice, None))
    assert findings(inferred(base, ontology_graph)) == {
        ("shapes:P2-ConsumerHasPractice", "ex:Finance", None, "sh:Violation")
    }


def test_p3_provider_has_catalogue_derived_intermediary(
    base: Graph, ontology_graph: Graph, findings
) -> None:
    """Finance starts providing printing to the facility organisation and so needs a catalogue.

    The facility organisation becomes a consumer too, and is then held to preconditions 1 and 2.
    """
    relationship = EX["FinanceToFacility-Printing"]
    base.add((relationship, SRKB.hasProvider, EX.Finance))
    base.add((relationship, SRKB.hasConsumer, EX.Facility))
    base.add((relationship, SRKB.concernsService, EX.Printing))
    assert findings(inferred(base, ontology_graph)) == {
        ("shapes:P3-ProviderHasCatalogue", "ex:Finance", None, "sh:Violation"),
        ("shapes:P3-ProviderHasCatalogue", "ex:Facility", None, "sh:Violation"),
        (
            "shapes:P1-ConsumedServiceIsRegisteredComponent",
            "ex:Facility",
            "ex:Printing",
            "sh:Violation",
        ),
        ("shapes:P1-ConsumerRegistersComponent", "ex:Facility", None, "sh:Violation"),
        ("shapes:P2-ConsumerHasPractice", "ex:Facility", None, "sh:Violation"),
    }
