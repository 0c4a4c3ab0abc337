"""Fixtures for the shape tests: the shapes graphs, a valid base ecosystem and a validator.

The base ecosystem is a small campus that meets all three preconditions. Each minimal-pair test
breaks it in exactly one way and asserts the exact set of findings.

    Facility --office space--> IT --workplace IT, printing--> Finance

IT is an intermediary: it consumes office space, registers it as a component, builds workplace IT
and printing from it, lists both in its catalogue and provides them to Finance. Finance registers
both services it consumes. IT and Finance each run a complete service relationship practice.
Validation in these tests runs without inference, so the derived role types the engine would
materialise (srkb:ServiceConsumer, srkb:ServiceProvider, srkb:Intermediary) are written out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from pyshacl import validate
from rdflib import Graph, Namespace
from rdflib.namespace import SH
from rdflib.term import Node

SHAPES = Namespace("https://w3id.org/srkb/shapes#")

# The source tree, read directly: the tests check the files in this checkout, and kb is not
# necessarily importable (no editable install) when pytest runs.
REPO = Path(__file__).resolve().parents[2]
SHAPES_DIR = REPO / "shapes"
ONTOLOGY_DIR = REPO / "ontology"
STYLE_FILE = SHAPES_DIR / "ontology-style.ttl"
#: The precondition and model-integrity shapes: every shapes file except the style rules.
SHAPE_FILES = sorted(p for p in SHAPES_DIR.glob("*.ttl") if p != STYLE_FILE)
ONTOLOGY_FILES = [ONTOLOGY_DIR / "srkb.ttl", ONTOLOGY_DIR / "srkb-alignments.ttl"]

BASE_TTL = """
@prefix ex:   <https://example.org/campus#> .
@prefix srkb: <https://w3id.org/srkb#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix unit: <http://qudt.org/vocab/unit/> .

# --- organisations, with the derived roles written out ---
ex:Facility a org:Organization , srkb:ServiceProvider .
ex:IT a org:Organization , srkb:ServiceProvider , srkb:ServiceConsumer , srkb:Intermediary .
ex:Finance a org:Organization , srkb:ServiceConsumer .

ex:OfficeSpace a srkb:Service .
ex:WorkplaceIT a srkb:Service .
ex:Printing a srkb:Service .

# --- service relationships ---
ex:FacilityToIT-OfficeSpace a srkb:ServiceRelationship ;
    srkb:hasProvider ex:Facility ; srkb:hasConsumer ex:IT ; srkb:concernsService ex:OfficeSpace .
ex:ITToFinance-WorkplaceIT a srkb:ServiceRelationship ;
    srkb:hasProvider ex:IT ; srkb:hasConsumer ex:Finance ; srkb:concernsService ex:WorkplaceIT .
ex:ITToFinance-Printing a srkb:ServiceRelationship ;
    srkb:hasProvider ex:IT ; srkb:hasConsumer ex:Finance ; srkb:concernsService ex:Printing .

# --- precondition 1: registered components ---
ex:IT srkb:registersComponent ex:IT-OfficeSpaceComponent .
ex:IT-OfficeSpaceComponent a srkb:ServiceComponent ;
    srkb:refersToService ex:OfficeSpace ;
    srkb:hasVendor ex:Facility ;
    srkb:hasVendorContact ex:FacilityDesk ;
    srkb:isGovernedByAgreement ex:FacilityLease .
ex:FacilityDesk a srkb:ContactPoint ; srkb:contactEmail "desk@facility.example.org" .
ex:FacilityLease a srkb:Agreement ; srkb:agreementReference "FAC-2024-017" .

ex:Finance srkb:registersComponent ex:Finance-WorkplaceITComponent , ex:Finance-PrintingComponent .
ex:Finance-WorkplaceITComponent a srkb:ServiceComponent ;
    srkb:refersToService ex:WorkplaceIT ;
    srkb:hasVendor ex:IT ;
    srkb:hasVendorContact ex:ITServiceDesk ;
    srkb:isGovernedByAgreement ex:WorkplaceSLA .
ex:Finance-PrintingComponent a srkb:ServiceComponent ;
    srkb:refersToService ex:Printing ;
    srkb:hasVendor ex:IT ;
    srkb:hasVendorContact ex:ITServiceDesk ;
    srkb:isGovernedByAgreement ex:PrintingSLA .
ex:ITServiceDesk a srkb:ContactPoint ; srkb:contactTelephone "+31 20 555 0100" .
ex:WorkplaceSLA a srkb:Agreement ; srkb:agreementReference "SLA-WP-7" ;
    srkb:hasServiceLevelTarget ex:WorkplaceAvailability .
ex:PrintingSLA a srkb:Agreement ; srkb:agreementReference "SLA-PR-2" ;
    srkb:hasServiceLevelTarget ex:PrintingTurnaround .
ex:FacilityLease srkb:hasServiceLevelTarget ex:DesksAvailable .

# --- precondition 1: service level targets (shapes/precondition-1-service-levels.ttl) ---
ex:WorkplaceAvailability a srkb:ServiceLevelTarget ;
    srkb:hasMetric "share of working hours workplace IT can be used"@en ;
    srkb:hasTargetValue 99.5 ; srkb:hasUnit unit:PERCENT ; srkb:hasReportingPeriod srkb:Monthly ;
    srkb:hasDirection srkb:HigherIsBetter ; srkb:assuresWarranty srkb:Availability .
ex:PrintingTurnaround a srkb:ServiceLevelTarget ;
    srkb:hasMetric "time to deliver a print job"@en ;
    srkb:hasTargetValue 4 ; srkb:hasUnit unit:HR ; srkb:hasReportingPeriod srkb:Weekly ;
    srkb:hasDirection srkb:LowerIsBetter .
ex:DesksAvailable a srkb:ServiceLevelTarget ;
    srkb:hasMetric "desks available to IT staff"@en ;
    srkb:hasTargetValue 40 ; srkb:hasUnit unit:NUM ; srkb:hasReportingPeriod srkb:Monthly ;
    srkb:hasDirection srkb:HigherIsBetter ; srkb:assuresWarranty srkb:Capacity .
ex:WorkplaceAvailability-2026-10 a srkb:ServiceLevelMeasurement ;
    srkb:measuresTarget ex:WorkplaceAvailability ; srkb:coversPeriod "2026-10" ;
    srkb:hasAchievedValue 99.7 .

# --- precondition 2: practices ---
ex:IT srkb:hasPractice ex:IT-Practice .
ex:IT-Practice a srkb:ServiceRelationshipPractice ;
    srkb:definesRole ex:IT-SupplierManager ;
    srkb:definesResponsibility ex:IT-SupplierManagerAccountableForReview ;
    srkb:definesActivity ex:IT-VendorReview ;
    srkb:usesTool ex:IT-SupplierRegister .
ex:IT-SupplierManager a srkb:PracticeRole ; srkb:isHeldBy ex:Alice .
ex:IT-VendorReview a srkb:PracticeActivity .
ex:IT-SupplierRegister a srkb:Tool .
ex:IT-SupplierManagerAccountableForReview a srkb:Responsibility ;
    srkb:assignsRole ex:IT-SupplierManager ;
    srkb:concernsActivity ex:IT-VendorReview ;
    srkb:hasResponsibilityKind srkb:Accountable .
ex:Alice a foaf:Person .

ex:Finance srkb:hasPractice ex:Finance-Practice .
ex:Finance-Practice a srkb:ServiceRelationshipPractice ;
    srkb:definesRole ex:Finance-RelationshipManager ;
    srkb:definesResponsibility ex:Finance-ManagerAccountableForReview ;
    srkb:definesActivity ex:Finance-RelationshipReview ;
    srkb:usesTool ex:Finance-ContractRegister .
ex:Finance-RelationshipManager a srkb:PracticeRole ; srkb:isHeldBy ex:Bob .
ex:Finance-RelationshipReview a srkb:PracticeActivity .
ex:Finance-ContractRegister a srkb:Tool .
ex:Finance-ManagerAccountableForReview a srkb:Responsibility ;
    srkb:assignsRole ex:Finance-RelationshipManager ;
    srkb:concernsActivity ex:Finance-RelationshipReview ;
    srkb:hasResponsibilityKind srkb:Accountable .
ex:Bob a foaf:Person .

# --- precondition 3: IT's catalogue ---
ex:IT srkb:hasCatalogue ex:IT-Catalogue .
ex:IT-Catalogue a srkb:ServiceCatalogue ;
    srkb:listsService ex:WorkplaceIT , ex:Printing .
ex:WorkplaceIT srkb:isCreatedFrom ex:IT-OfficeSpaceComponent .
ex:Printing srkb:isCreatedFrom ex:IT-OfficeSpaceComponent .
"""


class Finding(NamedTuple):
    """One validation result, with every term written as a CURIE so failures read well."""

    shape: str
    focus: str
    value: str | None
    severity: str


Validator = Callable[..., frozenset[Finding]]


def _curie(graph: Graph, term: Node) -> str:
    return term.n3(graph.namespace_manager)


def findings_of(report: Graph) -> frozenset[Finding]:
    """Turn a pyshacl report graph into a set of findings."""
    report.bind("shapes", SHAPES)
    report.bind("ex", "https://example.org/campus#")
    report.bind("srkb", "https://w3id.org/srkb#")
    found = set()
    # Only top-level results: pyshacl also types the sh:detail results of sh:node as results.
    for result in report.objects(None, SH.result):
        value = report.value(result, SH.value)
        found.add(
            Finding(
                shape=_curie(report, report.value(result, SH.sourceShape)),
                focus=_curie(report, report.value(result, SH.focusNode)),
                value=None if value is None else _curie(report, value),
                severity=_curie(report, report.value(result, SH.resultSeverity)),
            )
        )
    return frozenset(found)


@pytest.fixture(scope="session")
def shape_file_paths() -> list[Path]:
    """Every shapes file, the style rules included."""
    return sorted(SHAPES_DIR.glob("*.ttl"))


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    """The srkb ontology with its alignments."""
    graph = Graph()
    for path in ONTOLOGY_FILES:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="session")
def shapes_graph() -> Graph:
    """The precondition and model-integrity shapes, merged as the engine loads them."""
    graph = Graph()
    for path in SHAPE_FILES:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="session")
def style_shapes() -> Graph:
    """The style rules over srkb's own ontology."""
    return Graph().parse(STYLE_FILE, format="turtle")


@pytest.fixture
def base() -> Graph:
    """A fresh copy of the valid base ecosystem, for a test to break."""
    return Graph().parse(data=BASE_TTL, format="turtle")


@pytest.fixture(scope="session")
def findings(shapes_graph: Graph) -> Validator:
    """Validate a data graph (against the precondition shapes by default); return its findings."""

    def run(data: Graph, shacl_graph: Graph | None = None) -> frozenset[Finding]:
        _conforms, report, _text = validate(
            data,
            shacl_graph=shapes_graph if shacl_graph is None else shacl_graph,
            ont_graph=None,
            inference="none",
            advanced=True,
        )
        return findings_of(report)

    return run
