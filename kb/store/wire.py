"""What an endpoint's answers mean in srkb's terms: bindings, triples and skolem IRIs.

Endpoints send blank nodes as skolem IRIs or under labels of their own (Virtuoso's
``nodeID://b10003``), and type simple literals ``xsd:string``; srkb reads every answer as the same
RDF it wrote (:mod:`kb.store.dialect` holds the spelling rules). Kept apart from
:mod:`kb.store.remote`, which is about requests: how to ask, retry and tell failures apart.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from kb.store.dialect import endpoint_blank_node, from_wire_iri
from kb.store.terms import to_rdflib

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def binding_term(binding: dict[str, str]) -> Identifier:
    """One value of a SPARQL JSON results binding, as the rdflib term srkb wrote.

    >>> binding_term({"type": "literal", "value": "a", "datatype": _XSD_STRING})
    rdflib.term.Literal('a')
    >>> binding_term({"type": "bnode", "value": "b0"})
    rdflib.term.BNode('b0')
    """
    kind = binding["type"]
    value = binding["value"]
    if kind == "uri":
        return from_wire_iri(value)
    if kind == "bnode":
        return endpoint_blank_node(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    if datatype == _XSD_STRING:  # Virtuoso types simple literals; RDF 1.1 says they are the same
        datatype = None
    return Literal(value, datatype=URIRef(datatype) if datatype else None)


def from_wire(term: Any) -> Any:
    """A pyoxigraph term as srkb sees it: skolem IRIs as blank nodes, endpoint labels made valid."""
    if isinstance(term, ox.NamedNode):
        value = from_wire_iri(term.value)
        return ox.BlankNode(str(value)) if isinstance(value, BNode) else term
    return term


def wire_triples(body: bytes, rdf_format: ox.RdfFormat) -> list[ox.Triple]:
    """The triples of an endpoint's RDF answer, skolem IRIs back as blank nodes, labels kept.

    Raises ``ValueError`` or ``SyntaxError`` when the body is not the RDF it says it is.
    """
    return [
        ox.Triple(from_wire(t.subject), t.predicate, from_wire(t.object))
        for t in ox.parse(body, format=rdf_format, rename_blank_nodes=False)
    ]


def graph_triples(
    body: bytes, content_type: str
) -> list[tuple[Identifier, Identifier, Identifier]]:
    """A graph answer (CONSTRUCT, DESCRIBE) as rdflib triples (see :func:`wire_triples`)."""
    rdf_format = ox.RdfFormat.from_media_type(content_type) or ox.RdfFormat.N_TRIPLES
    return [
        (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object))
        for t in wire_triples(body, rdf_format)
    ]
