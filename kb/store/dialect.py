"""What differs between SPARQL 1.1 endpoints, in one place.

The remote backend (:mod:`kb.store.remote`) speaks standard SPARQL 1.1, and every difference an
endpoint shows is handled here, so that the rest of srkb never asks which server it talks to:

* **Blank nodes on the wire.** Virtuoso refuses blank nodes in ``INSERT DATA`` ("SP031: Blank
  node ... is not allowed in a constant clause") and labels the ones it returns ``nodeID://b10003``,
  which is not a blank node label RDF libraries accept. srkb therefore writes every blank node to
  a remote store as a skolem IRI under :data:`GENID_BASE` (RDF 1.1 Concepts 3.5: an IRI under
  ``/.well-known/genid/`` stands for a blank node), and reads such IRIs back as blank nodes with the
  same label. A blank node that an endpoint returns under any label becomes a blank node with a
  label made valid (:func:`endpoint_blank_node`), the same label always giving the same node.
  Because a skolem IRI *is* an IRI to the endpoint, the SPARQL text srkb sends has its
  ``isBlank``/``isIRI``/``isURI`` tests on variables rewritten (:func:`skolem_aware`) so that rules
  and shapes see srkb's blank nodes as blank on every backend.
* **System graphs.** Virtuoso keeps its own data (``http://www.openlinksw.com/schemas/virtrdf#``,
  about 2,500 triples, the LDP vocabulary, WebDAV metadata) in the quad store beside the user's.
  srkb reads an explicit dataset of its own graphs: :meth:`Dialect.is_system_graph` tells which
  graphs an endpoint owns, and the remote backend leaves them out of every graph list, union
  and dump.
* **Where updates go.** Oxigraph and Fuseki take updates at ``.../update``; Virtuoso takes them at
  ``/sparql``, the query URL. :func:`update_url_candidates` lists the URLs to try, in order.
* **What an endpoint cannot evaluate.** Virtuoso refuses a transitive property path with neither
  end bound, answers ``?x a/rdfs:subClassOf* ?c`` wrongly inside ``MINUS`` and ``NOT EXISTS``, and
  answers no rows (or stops) when a ``VALUES`` block is repeated inside the sub-SELECTs joined
  with it (:attr:`Dialect.nested_values`, read by incremental validation);
  srkb's own queries are written in forms every backend evaluates (see
  :mod:`kb.validation_sparql` and ``queries/provision-cycles.rq``), and the probe at open names
  what the endpoint cannot do, for a person writing their own queries
  (:attr:`Dialect.limitations`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import BNode, URIRef
from rdflib.term import Identifier

#: Skolem IRIs srkb writes for blank nodes: ``GENID_BASE + label``.
GENID_BASE = "https://w3id.org/srkb/.well-known/genid/"

#: A label kept as it is: a safe subset of Turtle's BLANK_NODE_LABEL, which is also IRI-safe.
_PLAIN_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
#: Characters an escaped label keeps.
_LABEL_SAFE = re.compile(r"[A-Za-z0-9]")

#: ``isBlank(?v)``, ``isIRI(?v)`` and ``isURI(?v)`` on one variable (SPARQL 1.1, 17.4.2).
_TERM_TEST = re.compile(r"\b(isBlank|isIRI|isURI)\s*\(\s*([?$][A-Za-z_][A-Za-z0-9_]*)\s*\)", re.I)


def skolem_iri(node: BNode) -> URIRef:
    """The IRI that stands for ``node`` on a remote store.

    >>> skolem_iri(BNode("b0"))
    rdflib.term.URIRef('https://w3id.org/srkb/.well-known/genid/b0')
    """
    return URIRef(GENID_BASE + blank_label(str(node)))


def to_wire(value: Identifier) -> Identifier:
    """A term as srkb writes it to a remote store: blank nodes become skolem IRIs."""
    if isinstance(value, BNode):
        return skolem_iri(value)
    return value


def from_wire_iri(value: str) -> Identifier:
    """A term read back from an IRI: srkb's skolem IRIs become the blank node they stand for.

    >>> from_wire_iri("https://w3id.org/srkb/.well-known/genid/b0")
    rdflib.term.BNode('b0')
    >>> from_wire_iri("https://example.org/a")
    rdflib.term.URIRef('https://example.org/a')
    """
    if value.startswith(GENID_BASE) and len(value) > len(GENID_BASE):
        return BNode(blank_label(value[len(GENID_BASE) :]))
    return URIRef(value)


def blank_label(label: str) -> str:
    """Make any label a valid blank node label, keeping valid labels as they are.

    In any other label, characters other than ASCII letters and digits are written as ``_`` and
    their code point in hex. The round trip of srkb's own labels (valid ones) is the identity.

    >>> blank_label("b10003")
    'b10003'
    >>> blank_label("nodeID://b10003")
    'nodeID_3a_2f_2fb10003'
    """
    if _PLAIN_LABEL.match(label):
        return label
    return "".join(ch if _LABEL_SAFE.match(ch) else f"_{ord(ch):x}" for ch in label) or "_"


def endpoint_blank_node(label: str) -> BNode:
    """The blank node for a label an endpoint returned (``nodeID://b10003`` from Virtuoso)."""
    return BNode(blank_label(label))


def skolem_aware(sparql: str) -> str:
    """Rewrite term-type tests on variables so that srkb's skolem IRIs count as blank nodes.

    ``isBlank(?v)`` becomes true for a skolem IRI and ``isIRI(?v)`` false, which is what the
    same query says on the embedded store, where the node is blank. Only tests on a single
    variable are rewritten (the only form srkb's rules and compiled shapes use); strings and
    comments are left alone.

    >>> skolem_aware("FILTER(isIRI(?c))")
    'FILTER((isIRI(?c) && !STRSTARTS(STR(?c), "https://w3id.org/srkb/.well-known/genid/")))'
    """
    from kb.sparql.rewrite import mask

    masked = mask(sparql)
    parts: list[str] = []
    last = 0
    for match in _TERM_TEST.finditer(masked):
        function, variable = match.group(1).lower(), match.group(2)
        genid = f'STRSTARTS(STR({variable}), "{GENID_BASE}")'
        if function == "isblank":
            replacement = f"(isBlank({variable}) || (isIRI({variable}) && {genid}))"
        else:
            replacement = f"(isIRI({variable}) && !{genid})"
        parts += [sparql[last : match.start()], replacement]
        last = match.end()
    parts.append(sparql[last:])
    return "".join(parts)


#: A blank node label in SPARQL text (SPARQL 1.1 grammar, BLANK_NODE_LABEL, ASCII part).
_BLANK = re.compile(r"_:([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)")
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)


def skolemize_data(sparql: str) -> str:
    """Write the blank nodes of a data-only update (``INSERT DATA``...) as srkb's skolem IRIs.

    Only requests without a ``WHERE`` are touched: in an ``INSERT {...} WHERE`` template a blank
    node means a fresh node per solution, which an IRI would not. Strings, IRIs and comments
    are left alone.

    >>> skolemize_data('INSERT DATA { _:b1 <urn:p> "_:x" }')
    'INSERT DATA { <https://w3id.org/srkb/.well-known/genid/b1> <urn:p> "_:x" }'
    """
    if "_:" not in sparql:
        return sparql
    from kb.sparql.rewrite import mask

    masked = mask(sparql)
    if _WHERE.search(masked):
        return sparql
    parts: list[str] = []
    last = 0
    for match in _BLANK.finditer(masked):
        parts += [sparql[last : match.start()], f"<{GENID_BASE}{match.group(1)}>"]
        last = match.end()
    parts.append(sparql[last:])
    return "".join(parts)


#: An INSERT DATA or DELETE DATA operation with nothing in it (with the ``;`` after it, if any).
_EMPTY_DATA = re.compile(
    r"(?:INSERT|DELETE)\s+DATA\s*\{\s*(?:GRAPH\s*<[^<>\s]*>\s*\{\s*\}\s*)?\}\s*(?:;\s*)?",
    re.IGNORECASE,
)


def without_empty_data(sparql: str) -> str:
    r"""Leave out ``INSERT DATA``/``DELETE DATA`` operations that hold no triple.

    They change nothing, and Virtuoso 7.2 refuses them as a syntax error.

    >>> without_empty_data("DELETE DATA { GRAPH <urn:g> {} } ;\nINSERT DATA { <urn:a> <urn:p> 1 }")
    'INSERT DATA { <urn:a> <urn:p> 1 }'
    >>> without_empty_data("DROP SILENT GRAPH <urn:g> ;\nINSERT DATA { GRAPH <urn:g> { } }")
    'DROP SILENT GRAPH <urn:g>'
    """
    if "DATA" not in sparql.upper():
        return sparql
    text = _EMPTY_DATA.sub("", sparql).rstrip()
    return text[:-1].rstrip() if text.endswith(";") else text


def for_endpoint(sparql: str) -> str:
    """The text srkb sends: term-type tests skolem-aware, a data update's blank nodes skolemised.

    Fast for the large data requests srkb builds itself: they hold neither a term-type test nor,
    once written by :mod:`kb.store.staging`, a blank node, and are returned after two searches.
    """
    if _TERM_TEST.search(sparql):
        sparql = skolem_aware(sparql)
    return without_empty_data(skolemize_data(sparql))


_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def query_form(sparql: str) -> str:
    r"""``select``, ``ask``, ``construct`` or ``describe``: the first form keyword outside strings.

    An endpoint is asked for the one result type its form has: Virtuoso answers a CONSTRUCT with
    SPARQL JSON bindings, and an ASK with a one-row SELECT, when several types are acceptable.

    >>> query_form('PREFIX a: <urn:SELECT> # ASK\nCONSTRUCT { ?s ?p "SELECT" } WHERE {}')
    'construct'
    """
    from kb.sparql.rewrite import mask

    match = _FORM.search(mask(sparql))
    return match.group(1).lower() if match else "select"


_DISTINCT = re.compile(r"\bSELECT\s+DISTINCT\b", re.IGNORECASE)


def distinct_select(sparql: str) -> bool:
    r"""Whether a query's outermost form is ``SELECT DISTINCT`` (its first form keyword).

    >>> distinct_select('# SELECT *\nSELECT DISTINCT ?s WHERE { { SELECT ?s {} } }')
    True
    >>> distinct_select("SELECT ?s WHERE { { SELECT DISTINCT ?s {} } }")
    False
    """
    from kb.sparql.rewrite import mask

    masked = mask(sparql)
    match = _FORM.search(masked)
    return match is not None and _DISTINCT.match(masked, match.start()) is not None


def unskolemize_results(body: bytes, media_type: str) -> bytes:
    """Serialised results with srkb's skolem IRIs written as the blank nodes they stand for.

    For the SPARQL results formats (JSON, XML, CSV, TSV) and the line-based RDF formats
    (N-Triples, N-Quads); other RDF formats are parsed and written again by the caller.
    Returns the body unchanged when it holds no skolem IRI.
    """
    base = GENID_BASE.encode()
    if base not in body:
        return body
    label = rb"([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)"
    quoted = re.escape(base)
    if "json" in media_type:
        pattern = rb'"type"\s*:\s*"uri"\s*,\s*"value"\s*:\s*"' + quoted + label + rb'"'
        return re.sub(pattern, rb'"type": "bnode", "value": "\1"', body)
    if "xml" in media_type:
        return re.sub(rb"<uri>" + quoted + label + rb"</uri>", rb"<bnode>\1</bnode>", body)
    if "csv" in media_type:
        return re.sub(quoted + label, rb"_:\1", body)
    return re.sub(rb"<" + quoted + label + rb">", rb"_:\1", body)  # TSV, N-Triples, N-Quads


@dataclass(frozen=True)
class Dialect:
    """What srkb knows about one endpoint's SPARQL: found by :func:`detect` and the probe at open.

    ``limitations`` are sentences naming what the endpoint cannot do, for the log and for
    ``srkb`` users writing their own queries; srkb's own requests avoid every one of them.
    """

    name: str
    system_graph_prefixes: tuple[str, ...] = ()
    limitations: tuple[str, ...] = ()
    #: See :attr:`kb.store.protocol.Capabilities.nested_values`.
    nested_values: bool = True
    #: Whether ``SELECT DISTINCT`` drops every repeated row. Virtuoso 7.2 keeps repeats of rows
    #: that leave a variable unbound (a 40-organisation ecosystem's service-levels question: 142
    #: rows for 126 distinct; ``GROUP BY`` every variable gave 178); the remote backend drops
    #: them itself (:func:`distinct_select`).
    distinct_drops_repeats: bool = True

    def is_system_graph(self, graph: str) -> bool:
        """Whether ``graph`` belongs to the endpoint itself rather than to its users."""
        return graph.startswith(self.system_graph_prefixes)


#: Virtuoso's own graphs: its RDF views and schemas, the LDP vocabulary it serves, the graph
#: describing its SPARQL service, and WebDAV metadata (``.../DAV/...``).
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/",
    "http://www.openlinksw.com/virtrdf-data-formats#",
)
_DAV = re.compile(r"^https?://[^/]+/DAV/")

GENERIC = Dialect("SPARQL 1.1")


def detect(server: str | None) -> Dialect:
    """The dialect of an endpoint from its HTTP ``Server`` header (Virtuoso names itself)."""
    if server and "virtuoso" in server.lower():
        return VirtuosoDialect(
            "Virtuoso",
            system_graph_prefixes=VIRTUOSO_SYSTEM_GRAPHS,
            limitations=(
                "blank nodes in INSERT DATA (srkb writes skolem IRIs instead)",
                "transitive property paths with neither end bound",
                "rdf:type/rdfs:subClassOf* inside MINUS or FILTER NOT EXISTS",
                "a VALUES block repeated inside the sub-SELECTs joined with it (no rows, or "
                "the server stops)",
                "SELECT DISTINCT keeps repeats of rows with an unbound variable (srkb drops "
                "them from the answers it reads)",
            ),
            nested_values=False,
            distinct_drops_repeats=False,
        )
    if server and "oxigraph" in server.lower():
        return Dialect("Oxigraph")
    return GENERIC


@dataclass(frozen=True)
class VirtuosoDialect(Dialect):
    """Virtuoso also keeps WebDAV metadata in graphs named after the server's own address."""

    def is_system_graph(self, graph: str) -> bool:
        """Virtuoso's schema, LDP and service graphs, and its ``.../DAV/`` graphs."""
        return super().is_system_graph(graph) or _DAV.match(graph) is not None


def update_url_candidates(query_url: str) -> list[str]:
    """Update URLs to try, most likely first.

    ``.../update`` for ``.../query`` or ``.../sparql`` (Oxigraph, Fuseki), then the query URL
    itself (Virtuoso takes updates at ``/sparql``).

    >>> update_url_candidates("http://127.0.0.1:8890/sparql")
    ['http://127.0.0.1:8890/update', 'http://127.0.0.1:8890/sparql']
    >>> update_url_candidates("http://127.0.0.1:7878/query")
    ['http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/query']
    """
    candidates: list[str] = []
    for suffix in ("/query", "/sparql"):
        if query_url.endswith(suffix):
            candidates.append(query_url[: -len(suffix)] + "/update")
    candidates.append(query_url)
    return candidates
