"""The gist-style rules of shapes/ontology-style.ttl, over srkb's own ontology and shapes.

The real ontology (with its alignments) must pass; so must the ontology together with the shapes,
which proves the shapes name only srkb terms that exist. Then each rule gets a minimal pair: a tiny
ontology that passes, broken in one way, with the exact finding expected.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import URIRef

SRKB = Namespace("https://w3id.org/srkb#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

MINIMAL_ONTOLOGY = """
@prefix srkb:    <https://w3id.org/srkb#> .
@prefix owl:     <http://www.w3.org/2002/07/owl#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf:    <http://xmlns.com/foaf/0.1/> .

<https://w3id.org/srkb> a owl:Ontology .

srkb:ServiceCatalogue a owl:Class ;
    rdfs:label "Service Catalogue"@en ;
    skos:definition "The organised list of the services an organisation provides."@en ;
    dcterms:source "ITIL 4 Practice guide: Service catalogue management" .

srkb:listsService a owl:ObjectProperty ;
    rdfs:label "lists service"@en ;
    skos:definition "Links a catalogue to a service it lists."@en ;
    rdfs:domain srkb:ServiceCatalogue ;
    rdfs:range srkb:ServiceCatalogue ;
    dcterms:source "ITIL 4 Practice guide: Service catalogue management" .

srkb:fixHint a owl:AnnotationProperty ;
    rdfs:label "fix hint"@en ;
    skos:definition "What to add or change so that a check passes."@en .

# Reused terms are declared but not documented: the rules leave other namespaces alone.
foaf:Agent a owl:Class .
"""

CATALOGUE = SRKB.ServiceCatalogue
LISTS = SRKB.listsService


def rename(graph: Graph, old: URIRef, new: URIRef) -> None:
    """Replace a term everywhere in a graph."""
    for s, p, o in list(graph):
        if old in (s, p, o):
            graph.remove((s, p, o))
            graph.add(tuple(new if term == old else term for term in (s, p, o)))


@pytest.fixture
def ontology() -> Graph:
    return Graph().parse(data=MINIMAL_ONTOLOGY, format="turtle")


def sentences(found) -> str:
    """One line per finding, e.g. 'srkb:Widget fails shapes:OS-TermHasSource.'"""
    return "\n".join(
        f"{f.focus} fails {f.shape}" + ("." if f.value is None else f" ({f.value}).")
        for f in sorted(found)
    )


def test_srkb_ontology_follows_the_style(ontology_graph: Graph, style_shapes, findings) -> None:
    found = findings(ontology_graph, style_shapes)
    assert found == frozenset(), sentences(found)


def test_shapes_name_only_declared_srkb_terms(
    ontology_graph: Graph, shapes_graph: Graph, style_shapes, findings
) -> None:
    found = findings(ontology_graph + shapes_graph, style_shapes)
    assert found == frozenset(), sentences(found)


def test_os_term_is_declared_misspelt_term_in_a_shape(
    ontology_graph: Graph, shapes_graph: Graph, style_shapes, findings
) -> None:
    """A shape on a misspelt property would never fire; the style rules catch the spelling."""
    typo = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix srkb: <https://w3id.org/srkb#> .
        <https://w3id.org/srkb/shapes#Typo> a sh:PropertyShape ;
            sh:targetObjectsOf srkb:registersComponent ; sh:path srkb:hasVender ; sh:minCount 1 .
        """,
        format="turtle",
    )
    assert findings(ontology_graph + shapes_graph + typo, style_shapes) == {
        ("shapes:OS-TermIsDeclared", "<https://w3id.org/srkb>", "srkb:hasVender", "sh:Violation")
    }


def test_minimal_ontology_follows_the_style(ontology: Graph, style_shapes, findings) -> None:
    assert findings(ontology, style_shapes) == frozenset()


def test_os_term_has_one_definition_class_without_definition(
    ontology: Graph, style_shapes, findings
) -> None:
    ontology.remove((CATALOGUE, SKOS.definition, None))
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-TermHasOneDefinition", "srkb:ServiceCatalogue", None, "sh:Violation")
    }


def test_os_term_has_one_definition_two_definitions(
    ontology: Graph, style_shapes, findings
) -> None:
    ontology.add((LISTS, SKOS.definition, Literal("Another definition.", lang="en")))
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-TermHasOneDefinition", "srkb:listsService", None, "sh:Violation")
    }


def test_os_term_has_label_annotation_property_without_label(
    ontology: Graph, style_shapes, findings
) -> None:
    ontology.remove((SRKB.fixHint, RDFS.label, None))
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-TermHasLabel", "srkb:fixHint", None, "sh:Violation")
    }


def test_os_term_has_label_label_not_in_english(ontology: Graph, style_shapes, findings) -> None:
    ontology.set((CATALOGUE, RDFS.label, Literal("Servicecatalogus", lang="nl")))
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-TermHasLabel", "srkb:ServiceCatalogue", None, "sh:Violation")
    }


def test_os_term_has_source_class_without_source(ontology: Graph, style_shapes, findings) -> None:
    ontology.remove((CATALOGUE, DCTERMS.source, None))
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-TermHasSource", "srkb:ServiceCatalogue", None, "sh:Violation")
    }


def test_os_property_has_domain_no_domain(ontology: Graph, style_shapes, findings) -> None:
    ontology.remove((LISTS, RDFS.domain, None))
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-PropertyHasDomain", "srkb:listsService", None, "sh:Violation")
    }


def test_os_property_has_range_no_range(ontology: Graph, style_shapes, findings) -> None:
    ontology.remove((LISTS, RDFS.range, None))
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-PropertyHasRange", "srkb:listsService", None, "sh:Violation")
    }


def test_os_class_label_not_title_case(ontology: Graph, style_shapes, findings) -> None:
    ontology.set((CATALOGUE, RDFS.label, Literal("Service catalogue", lang="en")))
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-ClassLabel", "srkb:ServiceCatalogue", '"Service catalogue"@en', "sh:Violation")
    }


def test_os_class_label_hyphenated_words_are_capitalised(
    ontology: Graph, style_shapes, findings
) -> None:
    ontology.set((CATALOGUE, RDFS.label, Literal("Consumer-turned-Provider", lang="en")))
    assert findings(ontology, style_shapes) == {
        (
            "shapes:OS-ClassLabel",
            "srkb:ServiceCatalogue",
            '"Consumer-turned-Provider"@en',
            "sh:Violation",
        )
    }


def test_os_class_name_not_upper_camel_case(ontology: Graph, style_shapes, findings) -> None:
    rename(ontology, CATALOGUE, SRKB.service_catalogue)
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-ClassName", "srkb:service_catalogue", "srkb:service_catalogue", "sh:Violation")
    }


def test_os_property_name_not_lower_camel_case(ontology: Graph, style_shapes, findings) -> None:
    rename(ontology, LISTS, SRKB.ListsService)
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-PropertyName", "srkb:ListsService", "srkb:ListsService", "sh:Violation")
    }


def test_os_property_label_not_lower_case(ontology: Graph, style_shapes, findings) -> None:
    ontology.set((LISTS, RDFS.label, Literal("lists Service", lang="en")))
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-PropertyLabel", "srkb:listsService", '"lists Service"@en', "sh:Violation")
    }


def test_os_term_is_declared_misspelt_term(ontology: Graph, style_shapes, findings) -> None:
    """The ORG-style typo: a term used in an axiom that nothing declares."""
    ontology.set((LISTS, RDFS.range, SRKB.Servise))
    assert findings(ontology, style_shapes) == {
        ("shapes:OS-TermIsDeclared", "<https://w3id.org/srkb>", "srkb:Servise", "sh:Violation")
    }


def test_os_rules_leave_other_namespaces_alone(ontology: Graph, style_shapes, findings) -> None:
    ontology.add((FOAF.knows, RDF.type, OWL.ObjectProperty))
    ontology.add((FOAF.Person, RDF.type, OWL.Class))
    ontology.add((FOAF.Person, RDFS.label, Literal("person")))
    assert findings(ontology, style_shapes) == frozenset()
