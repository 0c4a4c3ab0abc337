"""SPARQL results and graph serialisations, and choosing one from an ``Accept`` header.

srkb serialises results itself (rather than passing a backend's bytes through) so that every
backend answers the SPARQL protocol the same way and the result-size limit is enforced before
anything is written. Formats follow the W3C SPARQL 1.1 Query Results JSON, XML, CSV and TSV
specifications.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal as TypingLiteral
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier

from kb.errors import SrkbError

#: One solution: a value (or None when unbound) per variable, in the query's order.
Row = tuple[Identifier | None, ...]


@dataclass(frozen=True)
class QueryResult:
    """The answer of a SPARQL query, with terms as rdflib identifiers.

    ``kind`` says which of the fields is meaningful: ``rows`` (with ``variables``) for SELECT,
    ``boolean`` for ASK, ``triples`` for CONSTRUCT and DESCRIBE.
    """

    kind: TypingLiteral["select", "ask", "graph"]
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    triples: tuple[tuple[Identifier, Identifier, Identifier], ...] = field(default=())

    def column(self, name: str) -> list[Identifier | None]:
        """Return the values of one variable, in row order."""
        index = self.variables.index(name)
        return [row[index] for row in self.rows]


JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"

RESULT_TYPES = (JSON, XML, CSV, TSV)
GRAPH_TYPES = (TURTLE, NTRIPLES, JSONLD, RDFXML)
#: rdflib's serializer for each graph media type (descriptions srkb builds as rdflib graphs).
_RDFLIB_FORMATS = {TURTLE: "turtle", NTRIPLES: "nt", JSONLD: "json-ld", RDFXML: "xml"}
_ALIASES = {
    "application/json": JSON,
    "text/xml": XML,
    "application/xml": XML,
    "text/plain": NTRIPLES,
}


class NotAcceptableError(SrkbError):
    """None of the media types the client accepts can carry this kind of result."""

    def __init__(self, offered: Sequence[str]) -> None:
        self.offered = tuple(offered)
        super().__init__(
            "cannot answer in any accepted media type; available: " + ", ".join(offered)
        )


def _parse_accept(header: str) -> list[tuple[str, float]]:
    items = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        quality = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        items.append((fields[0].lower(), quality))
    return items


def negotiate(accept: str | None, offered: Sequence[str]) -> str:
    """Pick the best offered media type for an ``Accept`` header (first offered is the default).

    >>> negotiate("text/csv, */*;q=0.1", RESULT_TYPES)
    'text/csv'
    >>> negotiate(None, GRAPH_TYPES)
    'text/turtle'
    """
    if not accept:
        return offered[0]
    best: tuple[float, int, str] | None = None
    for media, quality in _parse_accept(accept):
        if quality <= 0:
            continue
        media = _ALIASES.get(media, media)
        if media in ("*/*", ""):
            candidates = [offered[0]]
        elif media.endswith("/*"):
            candidates = [o for o in offered if o.startswith(media[:-1])]
        else:
            candidates = [o for o in offered if o == media]
        for candidate in candidates:
            key = (quality, -offered.index(candidate), candidate)
            if best is None or key > best:
                best = key
    if best is None:
        raise NotAcceptableError(offered)
    return best[2]


def _json_term(value: Identifier) -> dict[str, str]:
    if isinstance(value, URIRef):
        return {"type": "uri", "value": str(value)}
    if isinstance(value, BNode):
        return {"type": "bnode", "value": str(value)}
    assert isinstance(value, Literal)  # noqa: S101 - the three kinds of RDF term
    term = {"type": "literal", "value": str(value)}
    if value.language:
        term["xml:lang"] = value.language
    elif value.datatype is not None:
        term["datatype"] = str(value.datatype)
    return term


def to_json(result: QueryResult) -> bytes:
    """SPARQL 1.1 Query Results JSON."""
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}).encode()
    bindings = [
        {
            name: _json_term(v)
            for name, v in zip(result.variables, row, strict=True)
            if v is not None
        }
        for row in result.rows
    ]
    document = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False).encode()


def _xml_term(value: Identifier) -> str:
    if isinstance(value, URIRef):
        return f"<uri>{escape(str(value))}</uri>"
    if isinstance(value, BNode):
        return f"<bnode>{escape(str(value))}</bnode>"
    assert isinstance(value, Literal)  # noqa: S101
    attributes = ""
    if value.language:
        attributes = f" xml:lang={quoteattr(value.language)}"
    elif value.datatype is not None:
        attributes = f" datatype={quoteattr(str(value.datatype))}"
    return f"<literal{attributes}>{escape(str(value))}</literal>"


def to_xml(result: QueryResult) -> bytes:
    """SPARQL Query Results XML."""
    parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ask":
        parts.append(f"<head/><boolean>{'true' if result.boolean else 'false'}</boolean></sparql>")
        return "".join(parts).encode()
    parts.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables))
    parts.append("</head><results>")
    for row in result.rows:
        cells = "".join(
            f"<binding name={quoteattr(n)}>{_xml_term(v)}</binding>"
            for n, v in zip(result.variables, row, strict=True)
            if v is not None
        )
        parts.append(f"<result>{cells}</result>")
    parts.append("</results></sparql>")
    return "\n".join(parts).encode()


def to_csv(result: QueryResult) -> bytes:
    """SPARQL 1.1 Query Results CSV: plain values, blank for unbound."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.kind == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return buffer.getvalue().encode()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return buffer.getvalue().encode()


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _tsv_term(value: Identifier) -> str:
    """A term in Turtle syntax on one line: literals short-quoted with TAB, LF and CR escaped.

    rdflib's ``n3()`` writes a literal holding a newline as a triple-quoted string with the raw
    newline and tab inside, which would split the TSV row and cell.
    """
    if not isinstance(value, Literal):
        return value.n3()
    text = '"' + str(value).translate(_TSV_ESCAPES) + '"'
    if value.language:
        return f"{text}@{value.language}"
    if value.datatype is not None:
        return f"{text}^^<{value.datatype}>"
    return text


def to_tsv(result: QueryResult) -> bytes:
    """SPARQL 1.1 Query Results TSV: terms in Turtle syntax, ``?var`` header."""
    if result.kind == "ask":
        return b"?boolean\n" + (b"true\n" if result.boolean else b"false\n")
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if v is None else _tsv_term(v) for v in row))
    return ("\n".join(lines) + "\n").encode()


def to_graph(result: QueryResult, media_type: str) -> bytes:
    """Serialise CONSTRUCT/DESCRIBE triples (JSON-LD with no remote context)."""
    graph = Graph()
    for triple in result.triples:
        graph.add(triple)
    fmt = {TURTLE: "turtle", NTRIPLES: "nt", JSONLD: "json-ld", RDFXML: "xml"}[media_type]
    data = graph.serialize(format=fmt, encoding="utf-8")
    return data if isinstance(data, bytes) else str(data).encode()


def serialize(result: QueryResult, media_type: str) -> bytes:
    """Serialise a result in the media type :func:`negotiate` chose."""
    if result.kind == "graph":
        return to_graph(result, media_type)
    writers = {JSON: to_json, XML: to_xml, CSV: to_csv, TSV: to_tsv}
    return writers[media_type](result)


def serialize_graph(graph: Graph, media_type: str) -> bytes:
    """An rdflib graph in one of :data:`GRAPH_TYPES` (service and dataset descriptions)."""
    return graph.serialize(format=_RDFLIB_FORMATS[media_type], encoding="utf-8")
