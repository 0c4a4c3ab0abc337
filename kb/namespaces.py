"""Namespaces and graph names of srkb.

The knowledge base keeps the ontology, the shapes, each loaded source and the inferred triples in
separate named graphs, so that any of them can be replaced, exported or dropped alone, and so that
inference never writes over asserted data.
"""

from __future__ import annotations

from urllib.parse import quote

from rdflib import Namespace

SRKB = Namespace("https://w3id.org/srkb#")
SHAPES = Namespace("https://w3id.org/srkb/shapes#")
ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SH = Namespace("http://www.w3.org/ns/shacl#")

ONTOLOGY_IRI = "https://w3id.org/srkb"
GRAPH_BASE = "https://w3id.org/srkb/graph/"
ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
SHAPES_GRAPH = GRAPH_BASE + "shapes"
INFERRED_GRAPH = GRAPH_BASE + "inferred"
SOURCE_GRAPH_PREFIX = GRAPH_BASE + "source/"

#: Prefixes used to print IRIs as CURIEs in reports, expected answers and CLI output.
PREFIXES: dict[str, str] = {
    "srkb": str(SRKB),
    "shapes": str(SHAPES),
    "org": str(ORG),
    "foaf": str(FOAF),
    "skos": str(SKOS),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "dcat": str(DCAT),
    "dcterms": str(DCTERMS),
    "sh": str(SH),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def source_graph(source_id: str) -> str:
    """Return the named graph that holds one loaded source.

    >>> source_graph("campus.ttl")
    'https://w3id.org/srkb/graph/source/campus.ttl'
    """
    return SOURCE_GRAPH_PREFIX + quote(source_id, safe="._-~")


def sparql_prefixes(prefixes: dict[str, str] | None = None) -> str:
    """Return PREFIX declarations for SPARQL text that srkb itself writes."""
    items = (prefixes or PREFIXES).items()
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in items)


VALIDATION_GRAPH = GRAPH_BASE + "validation"
#: Every recorded validation run (time, counts, findings, readiness); see :mod:`kb.history`.
HISTORY_GRAPH = GRAPH_BASE + "validation-history"
INFERRED_STAGING_GRAPH = GRAPH_BASE + "inferred-staging"


def curie(value: object) -> str:
    """Shorten an IRI with srkb's prefixes, for people; anything else as text.

    >>> curie("https://w3id.org/srkb#Vendor")
    'srkb:Vendor'
    """
    text = str(value)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text
