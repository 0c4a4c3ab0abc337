"""The ontology's hygiene: parses, versioned, every srkb term labelled and defined, no typos."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from kb import resources
from kb.namespaces import SKOS, SRKB

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in resources.ontology_files():
        graph.parse(path)
    return graph


def _srkb_terms(graph: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {
        s
        for kind in kinds
        for s in graph.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and s.startswith(str(SRKB))
    }


@pytest.mark.parametrize(
    "path",
    sorted(
        [*ROOT.glob("ontology/*.ttl"), *ROOT.glob("shapes/*.ttl"), *ROOT.glob("examples/*/*.ttl")]
    ),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_turtle_file_parses(path: Path) -> None:
    assert len(Graph().parse(path)) > 0


def test_ontology_has_version_iri_and_no_imports(ontology: Graph) -> None:
    core = URIRef("https://w3id.org/srkb")
    assert (core, OWL.versionIRI, None) in ontology
    assert not list(ontology.objects(None, OWL.imports)), "no run-time imports"


def test_every_srkb_term_has_a_label_and_one_definition(ontology: Graph) -> None:
    problems = []
    for term in sorted(_srkb_terms(ontology)):
        if not list(ontology.objects(term, RDFS.label)):
            problems.append(f"{term} has no rdfs:label")
        if len(list(ontology.objects(term, SKOS.definition))) != 1:
            problems.append(f"{term} does not have exactly one skos:definition")
    assert not problems, "\n".join(problems)


def test_no_srkb_iri_is_used_without_being_declared(ontology: Graph) -> None:
    declared = _srkb_terms(ontology) | set(ontology.subjects(RDF.type, OWL.NamedIndividual))
    used = {
        node
        for triple in ontology
        for node in triple
        if isinstance(node, URIRef) and node.startswith(str(SRKB))
    }
    assert used <= declared, f"used but undeclared: {sorted(used - declared)}"


def test_object_properties_have_domain_and_range(ontology: Graph) -> None:
    problems = [
        f"{p} lacks rdfs:{what}"
        for p in ontology.subjects(RDF.type, OWL.ObjectProperty)
        if str(p).startswith(str(SRKB))
        for what, pred in (("domain", RDFS.domain), ("range", RDFS.range))
        if (p, pred, None) not in ontology
    ]
    assert not problems, "\n".join(problems)


def test_the_issue_concepts_are_all_there(ontology: Graph) -> None:
    required = [
        "Service",
        "Product",
        "Resource",
        "ServiceOffering",
        "Goods",
        "ResourceAccess",
        "ServiceAction",
        "ConsumerGroup",
        "ServiceRelationship",
        "ServiceProvision",
        "ServiceConsumption",
        "ServiceRelationshipManagement",
        "Value",
        "Outcome",
        "Cost",
        "Risk",
        "ServiceComponent",
        "ContactPoint",
        "Agreement",
        "ServiceRelationshipPractice",
        "PracticeRole",
        "Responsibility",
        "PracticeActivity",
        "Task",
        "Tool",
        "ServiceCatalogue",
        "ServiceProvider",
        "ServiceConsumer",
        "ConsumerTurnedProvider",
        "MutualRelationship",
        "MutualPartner",
        "Intermediary",
        "Vendor",
        "Customer",
        "User",
        "Sponsor",
    ]
    missing = [name for name in required if (SRKB[name], RDF.type, OWL.Class) not in ontology]
    assert not missing
    for prop in ("modifiesResource", "createsResource", "isCreatedFrom", "hasVendor"):
        assert (SRKB[prop], RDF.type, OWL.ObjectProperty) in ontology


def test_alignments_use_https_schema_org_and_only_subclass_or_subproperty() -> None:
    graph = Graph().parse(resources.ontology_dir() / "srkb-alignments.ttl")
    links = {p for s, p, _o in graph if isinstance(s, URIRef) and s.startswith(str(SRKB))}
    assert links <= {RDFS.subClassOf, RDFS.subPropertyOf}
    targets = {str(o) for _s, _p, o in graph.triples((None, RDFS.subClassOf, None))}
    assert not any(t.startswith("http://schema.org/") for t in targets)
    for namespace in (
        "http://www.w3.org/ns/prov#",
        "https://schema.org/",
        "http://www.w3.org/ns/dcat#",
    ):
        assert any(t.startswith(namespace) for t in targets), namespace
