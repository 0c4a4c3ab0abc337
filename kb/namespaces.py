"""Namespaces and graph names of srkb.

The knowledge base keeps the ontology, the shapes, each loaded source and the inferred triples in
separate named graphs, so that any of them can be replaced, exported or dropped alone, and so that
inference never writes over asserted data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from rdflib import Namespace

if TYPE_CHECKING:
    from kb.store import Store

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


VALIDATION_GRAPH = GRAPH_BASE + "validation"
#: Every recorded validation run (time, counts, findings, readiness); see
#: :mod:`kb.validation.history`.
HISTORY_GRAPH = GRAPH_BASE + "validation-history"
INFERRED_STAGING_GRAPH = GRAPH_BASE + "inferred-staging"
#: Provenance of the graphs written through the Graph Store (when, in what format), kept apart
#: so that a graph holds exactly what was written to it.
PROVENANCE_GRAPH = GRAPH_BASE + "provenance"

#: srkb's graphs that are not knowledge: never read by the rules, never exported as data.
NOT_KNOWLEDGE_GRAPHS = frozenset(
    {
        INFERRED_GRAPH,
        INFERRED_STAGING_GRAPH,
        SHAPES_GRAPH,
        VALIDATION_GRAPH,
        HISTORY_GRAPH,
        PROVENANCE_GRAPH,
    }
)


def knowledge_graphs(store: Store) -> list[str]:
    """The graphs the rules read: the ontology and every loaded source."""
    return [g for g in store.graphs() if g not in NOT_KNOWLEDGE_GRAPHS]


#: Where an update's default-graph triples are kept, as for the Graph Store's ``?default``: srkb
#: keeps no data in the store's real default graph, so that every triple is in a named graph.
DEFAULT_UPDATE_GRAPH = SOURCE_GRAPH_PREFIX + "default"


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
