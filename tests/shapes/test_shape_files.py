"""The shapes files themselves: they parse, are well-formed SHACL, and every shape is documented.

Also fixes the shape catalogue: other parts of srkb (examples' expected findings, reports) name
shapes by IRI, so the set of shapes, their precondition and their severity are asserted here.
"""

from __future__ import annotations

import pytest
from pyshacl.entrypoints import meta_validate
from rdflib import Graph, Namespace
from rdflib.namespace import RDFS, SH
from rdflib.term import URIRef

SRKB = Namespace("https://w3id.org/srkb#")
SHAPES = Namespace("https://w3id.org/srkb/shapes#")
DCTERMS = Namespace("http://purl.org/dc/terms/")

#: The public shape catalogue: shape -> (precondition, severity).
CATALOGUE = {
    "P1-ConsumedServiceIsRegisteredComponent": (1, SH.Violation),
    "P1-ComponentHasVendor": (1, SH.Violation),
    "P1-ComponentHasVendorContact": (1, SH.Violation),
    "P1-ComponentHasAgreement": (1, SH.Violation),
    "P1-ComponentRefersToOneService": (1, SH.Violation),
    "P1-ComponentVendorProvidesService": (1, SH.Warning),
    "P1-ConsumerRegistersComponent": (1, SH.Violation),
    "P1-ConsumedServiceHasServiceLevelTarget": (1, SH.Warning),
    "P1-ServiceLevelTargetIsComplete": (1, SH.Violation),
    "P1-MeasurementIsComplete": (1, SH.Warning),
    "P2-ConsumerHasPractice": (2, SH.Violation),
    "P2-PracticeDefinesRole": (2, SH.Violation),
    "P2-PracticeDefinesResponsibility": (2, SH.Violation),
    "P2-PracticeDefinesActivity": (2, SH.Violation),
    "P2-PracticeUsesTool": (2, SH.Violation),
    "P2-ResponsibilityIsComplete": (2, SH.Violation),
    "P2-RoleIsHeld": (2, SH.Warning),
    "P2-ActivityHasAccountableRole": (2, SH.Warning),
    "P3-ProviderHasCatalogue": (3, SH.Violation),
    "P3-ProvidedServiceIsListed": (3, SH.Violation),
    "P3-ListedServiceIsCreatedFromRegisteredComponent": (3, SH.Violation),
    "SR-RelationshipHasOneProvider": (0, SH.Violation),
    "SR-RelationshipHasOneConsumer": (0, SH.Violation),
    "SR-RelationshipHasOneService": (0, SH.Violation),
    "SR-ProviderIsNotConsumer": (0, SH.Violation),
    "SR-NoDisjointTypes": (0, SH.Violation),
    "SR-RoleIsDerived": (0, SH.Violation),
}

#: What every catalogued shape must carry, and how to say that it does not.
REQUIRED = {
    SRKB.precondition: "the number of the precondition it checks (srkb:precondition)",
    SH.severity: "a severity (sh:severity)",
    SH.message: "a plain-language message (sh:message)",
    SRKB.fixHint: "a hint on what to add or change (srkb:fixHint)",
    RDFS.label: "a label (rdfs:label)",
    DCTERMS.source: "the ITIL 4 section it comes from (dcterms:source)",
}


def named_shapes(graph: Graph) -> set[URIRef]:
    """Shapes with an IRI in the srkb shapes namespace (nested blank-node shapes left out)."""
    found = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in graph.subjects(predicate=None, object=kind):
            if isinstance(shape, URIRef) and shape.startswith(str(SHAPES)):
                found.add(shape)
    return found


def test_every_shapes_file_parses(shape_file_paths) -> None:
    for path in shape_file_paths:
        graph = Graph().parse(path, format="turtle")
        assert len(graph) > 0, f"{path.name} is empty"


@pytest.mark.parametrize("which", ["precondition shapes", "style shapes"])
def test_shapes_are_well_formed_shacl(which: str, shapes_graph: Graph, style_shapes) -> None:
    graph = shapes_graph if which == "precondition shapes" else style_shapes
    conforms, _report, text = meta_validate(graph)
    assert conforms, text


def test_meta_validation_rejects_a_malformed_shape() -> None:
    """Guards the test above: SHACL-SHACL does catch a badly written shape."""
    broken = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix shapes: <https://w3id.org/srkb/shapes#> .
        shapes:Broken a sh:PropertyShape ; sh:path "not a path" ; sh:minCount "one" .
        """,
        format="turtle",
    )
    conforms, _report, _text = meta_validate(broken)
    assert not conforms


def test_shape_catalogue_is_exactly_the_published_one(shapes_graph: Graph) -> None:
    expected = {SHAPES[name] for name in CATALOGUE}
    found = named_shapes(shapes_graph)
    assert not (expected - found), f"catalogued but missing: {sorted(expected - found)}"
    assert not (found - expected), f"not in the catalogue: {sorted(found - expected)}"


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_shape_precondition_and_severity(name: str, shapes_graph: Graph) -> None:
    precondition, severity = CATALOGUE[name]
    shape = SHAPES[name]
    assert shapes_graph.value(shape, SRKB.precondition).toPython() == precondition
    assert shapes_graph.value(shape, SH.severity) == severity


def test_every_shape_is_documented(shapes_graph: Graph) -> None:
    offences = [
        f"shapes:{shape.removeprefix(str(SHAPES))} has no {description}."
        for shape in sorted(named_shapes(shapes_graph))
        for prop, description in REQUIRED.items()
        if shapes_graph.value(shape, prop) is None
    ]
    assert not offences, "\n".join(offences)


def test_every_precondition_is_an_integer_from_0_to_3(shapes_graph: Graph) -> None:
    offences = [
        f"{shape.n3()} has srkb:precondition {value.n3()}, not an integer from 0 to 3."
        for shape, value in shapes_graph.subject_objects(SRKB.precondition)
        if not (isinstance(value.toPython(), int) and 0 <= value.toPython() <= 3)
    ]
    assert not offences, "\n".join(offences)


def test_every_source_names_an_itil_4_section(shapes_graph: Graph) -> None:
    offences = [
        f"{shape.n3()} cites {source!s}, which names no ITIL 4 publication."
        for shape in named_shapes(shapes_graph)
        for source in shapes_graph.objects(shape, DCTERMS.source)
        if "ITIL 4" not in str(source)
    ]
    assert not offences, "\n".join(offences)


def test_messages_leave_naming_to_the_report(shapes_graph: Graph) -> None:
    """Messages carry no {placeholders}: the report renderer puts the organisation in front."""
    offences = [
        f"{shape.n3()} has the message {message!s}, with a placeholder."
        for shape, message in shapes_graph.subject_objects(SH.message)
        if "{" in str(message)
    ]
    assert not offences, "\n".join(offences)


def test_base_ecosystem_conforms(base: Graph, findings) -> None:
    """The valid half of every minimal pair in this folder."""
    assert findings(base) == frozenset()


def test_every_sparql_constraint_is_named(shapes_graph: Graph, style_shapes: Graph) -> None:
    """Each ``sh:sparql`` constraint is an IRI, so a saved result can point at it.

    ``sh:sourceConstraint`` names it in the saved report, where SPARQL can follow it to the
    constraint's query and message. A blank node there would be copied afresh by every save, and
    results saved later than others (after a write, or by a validation that saves only what
    changed) would no longer share the copy of the results saved before.
    """
    blank = [
        str(shape)
        for graph in (shapes_graph, style_shapes)
        for shape, constraint in graph.subject_objects(SH.sparql)
        if not isinstance(constraint, URIRef)
    ]
    assert not blank, f"shapes with a blank-node sh:sparql constraint: {blank}"
