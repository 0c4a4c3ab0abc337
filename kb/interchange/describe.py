"""Descriptions the linked-data conventions ask for: of the service, of the data, of a resource.

* a SPARQL 1.1 Service Description of the endpoint (what it supports and where),
* a VoID description of the data (graphs, triple counts, vocabularies),
* the description of one resource: every triple in which it is the subject or the object, over
  asserted and inferred data — what ``/id?iri=...`` redirects to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Identifier

from kb import __version__
from kb.errors import InputError, NotFoundError
from kb.namespaces import DEFAULT_UPDATE_GRAPH, INFERRED_GRAPH, PREFIXES, knowledge_graphs
from kb.sparql.text import bind
from kb.sparql.text import iri as sparql_iri
from kb.store import Store

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCT = Namespace("http://purl.org/dc/terms/")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

_DESCRIBE = """
SELECT ?s ?p ?o WHERE {
  { ?resource ?p ?o . BIND(?resource AS ?s) }
  UNION
  { ?s ?p ?resource . BIND(?resource AS ?o) }
}
"""


def _graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    return graph


#: Result formats of /sparql (SELECT/ASK, then CONSTRUCT/DESCRIBE), by their W3C format IRIs.
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)
#: RDF formats the Graph Store (and ``srkb load``) read.
INPUT_FORMATS = ("Turtle", "TriG", "N-Triples", "N-Quads", "JSON-LD", "RDF_XML")

_DEFAULT_GRAPH_NOTE = (
    "The default graph of a query is the union of every graph of the knowledge base, the triples "
    "srkb infers included (its graph <{inferred}>): inferred roles and types answer like asserted "
    "ones, with no entailment regime needed. FROM/FROM NAMED or default-graph-uri/named-graph-uri "
    "replace this dataset."
)
_UPDATE_NOTE = (
    "Updates need a bearer token. Their default graph is the user's default graph <{default}>. "
    "srkb's own graphs (under https://w3id.org/srkb/graph/ except source/) cannot be written: 403. "
    "DROP/CLEAR ALL and NAMED act on the user's graphs only. Inference and validation run after "
    "every update."
)


def service_description(
    endpoint: str,
    void_url: str,
    *,
    update_endpoint: str | None = None,
    graph_store: str | None = None,
    graphs: Sequence[str] = (),
    allow_service: bool = False,
) -> Graph:
    """The SPARQL 1.1 Service Description of srkb's endpoints.

    The query service at ``endpoint``: its language, features (the union default graph; federated
    query only when ``SERVICE`` is allowed), result formats, input formats, and its default
    dataset, with a statement that inferred triples are part of it and one ``sd:namedGraph`` per
    graph of ``graphs``. The update service at ``update_endpoint`` is described beside it.
    """
    graph = _graph()
    graph.bind("dct", DCT)
    service = URIRef(endpoint + "#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if allow_service:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    for fmt in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS[fmt]))
    for fmt in INPUT_FORMATS:
        graph.add((service, SD.inputFormat, FORMATS[fmt]))
    graph.add((service, DCT.title, Literal(f"srkb {__version__} SPARQL endpoint (read-only)")))
    dataset = URIRef(endpoint + "#dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDFS.seeAlso, URIRef(void_url)))
    default = URIRef(endpoint + "#default-graph")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    note = _DEFAULT_GRAPH_NOTE.format(inferred=INFERRED_GRAPH)
    graph.add((default, DCT.description, Literal(note, lang="en")))
    graph.add((dataset, DCT.description, Literal(note, lang="en")))
    for name in graphs:
        named = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
    if graph_store is not None:
        graph.add((service, RDFS.seeAlso, URIRef(graph_store)))
    if update_endpoint is not None:
        update = URIRef(update_endpoint + "#service")
        graph.add((update, RDF.type, SD.Service))
        graph.add((update, SD.endpoint, URIRef(update_endpoint)))
        graph.add((update, SD.supportedLanguage, SD.SPARQL11Update))
        graph.add((update, SD.defaultDataset, dataset))
        note = _UPDATE_NOTE.format(default=DEFAULT_UPDATE_GRAPH)
        graph.add((update, DCT.description, Literal(note, lang="en")))
        graph.add((update, DCT.title, Literal(f"srkb {__version__} SPARQL update endpoint")))
    return graph


def void_description(store: Store, dataset_iri: str, endpoint: str) -> Graph:
    """A VoID description: the dataset, one subset per named graph with its triple count."""
    graph = _graph()
    dataset = URIRef(dataset_iri)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(endpoint)))
    graph.add((dataset, DCT.title, Literal("srkb service relationship knowledge base")))
    for vocabulary in ("srkb", "org", "prov", "schema", "dcat", "foaf"):
        graph.add((dataset, VOID.vocabulary, URIRef(PREFIXES[vocabulary])))
    total = 0
    for name in store.graphs():
        count = store.count(name)
        total += count
        subset = URIRef(name)
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, VOID.triples, Literal(count, datatype=XSD.integer)))
    graph.add((dataset, VOID.triples, Literal(total, datatype=XSD.integer)))
    return graph


@dataclass(frozen=True)
class ResourceDescription:
    """Every triple about a resource, and its label when it has one."""

    iri: str
    label: str | None
    triples: tuple[tuple[Identifier, Identifier, Identifier], ...]

    def graph(self) -> Graph:
        """The triples as an rdflib graph (with srkb's prefixes bound)."""
        graph = _graph()
        for triple in self.triples:
            graph.add(triple)
        return graph


def check_iri(iri: str) -> str:
    """Refuse (:class:`InputError`) text that is not an absolute IRI a query can hold.

    >>> check_iri("https://example.org/campus#IT")
    'https://example.org/campus#IT'
    """
    if not iri.startswith(("http://", "https://", "urn:")):
        raise InputError(f"{iri!r} is not an IRI", hint="give a full http(s) or urn IRI")
    sparql_iri(iri)
    return iri


def describe(store: Store, iri: str) -> ResourceDescription:
    """Describe a resource over the knowledge graphs and the inferred graph."""
    check_iri(iri)
    graphs = [*knowledge_graphs(store), INFERRED_GRAPH]
    present = set(store.graphs())
    result = store.query(
        bind(_DESCRIBE, {"resource": URIRef(iri)}),
        default_graphs=[g for g in graphs if g in present],
        named_graphs=[],
    )
    triples = tuple(
        (s, p, o) for s, p, o in result.rows if s is not None and p is not None and o is not None
    )
    if not triples:
        raise NotFoundError(f"nothing is known about <{iri}>")
    label = next((str(o) for s, p, o in triples if str(s) == iri and p == RDFS.label), None)
    return ResourceDescription(iri=iri, label=label, triples=triples)
