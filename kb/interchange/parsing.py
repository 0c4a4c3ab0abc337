"""Parsing RDF into quads before anything is written, with the location of any error.

Parsing is separate from writing so that a batch of files is checked whole before the store sees
any of it (all-or-nothing loading), and so that every backend gets the same errors. Oxigraph's
parsers never fetch from the network: a remote JSON-LD ``@context`` is refused, and RDF/XML
external entities are not resolved. Only when the caller allows network access is a JSON-LD
document with remote contexts handed to rdflib, which fetches them.

Every document is measured before Oxigraph sees it (:func:`check_structure`), because its parsers
recurse once per level and take time quadratic in the depth: a JSON-LD document nested 4,000 levels
deep (100 KB) overflows the stack and kills the process, and RDF/XML nested 100,000 levels takes
minutes. JSON-LD, Turtle, TriG, N-Triples and N-Quads are scanned by :mod:`kb.interchange.guards`
(nesting deeper than :data:`~kb.interchange.guards.MAX_DOCUMENT_NESTING`, oversized tokens; it
does not need Python's JSON parser to accept the document); RDF/XML deeper than
:data:`MAX_XML_DEPTH` is refused, as is RDF/XML that is not well-formed (Oxigraph silently accepts
a truncated document) or that declares entities (Oxigraph expands internal ones: a 1 KB "billion
laughs" document becomes gigabytes). Literals and IRIs over the size limits of
:mod:`kb.sparql.guard` are refused in every format, whatever path (in memory or bulk) reads them,
and a token over Oxigraph's own 16 MiB buffer is a located error rather than a MemoryError.
Quoted triples (RDF-star) are refused too: srkb's queries and exports cannot read them back.

Blank-node labels are local to the document they appear in (RDF 1.1, 3.4): each parse renames them
to fresh labels, so ``_:o`` in two files, two requests or two loads of one file is two nodes, never
one (the bulk loader renames them too). Within a document a label still names one node.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pyoxigraph as ox

from kb.errors import InputError, NetworkAccessRefusedError
from kb.interchange.guards import check_document, engine_buffer_error
from kb.progress import ProgressReport, Stage, report
from kb.sparql.guard import MAX_IRI_BYTES, MAX_LITERAL_BYTES
from kb.store.source import BULK_FORMATS, CheckedFile, ParsedSource, refuse_quoted_triples
from kb.store.terms import OX_FORMATS, to_oxigraph

if TYPE_CHECKING:
    from rdflib.term import Identifier

_LOCATION = re.compile(r"line (\d+) column (\d+)")


def _locate(message: str) -> tuple[int | None, int | None]:
    match = _LOCATION.search(message)
    if match is None:
        return None, None
    return int(match.group(1)), int(match.group(2))


#: How many triples between two progress reports of a parse.
PROGRESS_EVERY = 50_000


def parse_source(
    data: bytes,
    fmt: str,
    *,
    name: str,
    graph: str,
    base_iri: str | None = None,
    allow_network: bool = False,
    progress: ProgressReport | None = None,
) -> ParsedSource:
    """Parse ``data`` fully; triples without a graph go to ``graph``.

    ``progress`` hears "parsing NAME" with the triples so far every :data:`PROGRESS_EVERY`.

    Raises :class:`InputError` naming the source, line and column on bad input, and
    :class:`NetworkAccessRefusedError` when the input needs the network and it is not allowed.
    """
    rdf_format = OX_FORMATS[fmt]
    target = ox.NamedNode(graph)
    check_structure(data, fmt, name=name)
    try:
        # Blank-node labels are local to their document: renamed to fresh ones here, so that
        # ``_:o`` in two files (or two requests, or one file loaded twice) is never one node.
        parsed = ox.parse(data, format=rdf_format, base_iri=base_iri, rename_blank_nodes=True)
        quads = []
        stage = f"parsing {name}"
        for q in parsed:
            quads.append(
                q
                if not isinstance(q.graph_name, ox.DefaultGraph)
                else ox.Quad(q.subject, q.predicate, q.object, target)
            )
            if progress is not None and len(quads) % PROGRESS_EVERY == 0:
                progress(Stage(stage, len(quads)))
        report(progress, Stage(stage, len(quads), finished=True))
        prefixes = dict(getattr(parsed, "prefixes", None) or {})
    except SyntaxError as err:
        message = str(err.msg if hasattr(err, "msg") else err)
        if "LoadDocumentCallback" in message or "remote context" in message:
            if allow_network:
                return _parse_jsonld_with_network(data, name=name, graph=graph, base_iri=base_iri)
            raise NetworkAccessRefusedError(
                "the JSON-LD document refers to a remote @context, which would be fetched "
                "from the network",
                source=name,
                hint="inline the context, or allow network access (--allow-network)",
            ) from err
        if "ENTITY" in message or "DOCTYPE" in message:
            raise NetworkAccessRefusedError(
                f"the RDF/XML document declares entities, which srkb does not expand: {message}",
                source=name,
                line=err.lineno,
                column=err.offset,
                hint="remove the DOCTYPE declaration and write the values out",
            ) from err
        line, column = err.lineno, err.offset
        if line is None:
            line, column = _locate(message)
        raise InputError(
            f"{fmt} syntax error: {message}", source=name, line=line, column=column
        ) from err
    except ValueError as err:  # invalid IRIs, bad UTF-8 and similar
        raise InputError(f"{fmt} data is not valid: {err}", source=name) from err
    except MemoryError as err:  # a token over the parser's buffer
        raise engine_buffer_error(err, fmt, name) from err
    for q in quads:
        check_term_sizes(q, name)
        if isinstance(q.graph_name, ox.BlankNode):
            # SPARQL Update cannot name a graph by a blank node, so no backend could keep it.
            raise InputError(
                f"a graph is named by the blank node {q.graph_name}",
                source=name,
                hint="name every graph with an IRI",
            )
        refuse_quoted_triples(q, name)
    return ParsedSource(name=name, graph=graph, fmt=fmt, quads=quads, prefixes=prefixes)


def check_file(
    path: Path,
    fmt: str,
    *,
    name: str,
    graph: str,
    base_iri: str | None,
    progress: ProgressReport | None = None,
) -> CheckedFile:
    """Parse a file as a stream, keeping nothing but its size and the graphs it names.

    The same errors as :func:`kb.interchange.parsing.parse_source` (file, line, column), in constant
    memory, so that a big file is known to be good before the bulk loader writes any of it.
    """
    if fmt not in BULK_FORMATS:
        raise InputError(f"the bulk loader does not read {fmt}", source=name)
    named: set[str] = set()
    count = 0
    try:
        parser = ox.parse(path=path, format=OX_FORMATS[fmt], base_iri=base_iri)
        for quad in parser:
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(Stage(f"checking {name}", count))
            check_term_sizes(quad, name)
            if isinstance(quad.subject, ox.Triple) or isinstance(quad.object, ox.Triple):
                refuse_quoted_triples(quad, name)
            if fmt in ("trig", "nq"):
                if isinstance(quad.graph_name, ox.NamedNode):
                    named.add(quad.graph_name.value)
                elif isinstance(quad.graph_name, ox.BlankNode):
                    raise InputError(
                        f"a graph is named by the blank node {quad.graph_name}",
                        source=name,
                        hint="name every graph with an IRI",
                    )
        report(progress, Stage(f"checking {name}", count, finished=True))
    except SyntaxError as err:
        message = str(err.msg if hasattr(err, "msg") else err)
        raise InputError(
            f"{fmt} syntax error: {message}", source=name, line=err.lineno, column=err.offset
        ) from err
    except ValueError as err:  # invalid IRIs, bad UTF-8 and similar
        raise InputError(f"{fmt} data is not valid: {err}", source=name) from err
    except OSError as err:
        raise InputError(f"cannot read the file: {err.strerror or err}", source=name) from err
    except MemoryError as err:  # a token over the parser's buffer
        raise engine_buffer_error(err, fmt, name) from err
    prefixes = dict(getattr(parser, "prefixes", None) or {})
    return CheckedFile(
        path, name, fmt, graph, base_iri, count, frozenset({graph, *named}), prefixes
    )


def check_term_sizes(quad: ox.Quad, name: str) -> None:
    """Refuse a parsed quad whose literal or IRIs are over the size limits (cheap: lengths only)."""
    for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
        if isinstance(term, ox.Literal):
            if len(term.value) > MAX_LITERAL_BYTES // 4 and (
                len(term.value.encode()) > MAX_LITERAL_BYTES
            ):
                raise InputError(
                    f"a literal is longer than the limit of {MAX_LITERAL_BYTES} bytes "
                    f"(subject {_short(quad.subject)})",
                    source=name,
                    hint="keep large values out of the knowledge base, or split them",
                )
        elif (
            isinstance(term, ox.NamedNode)
            and len(term.value) > MAX_IRI_BYTES // 4
            and len(term.value.encode()) > MAX_IRI_BYTES
        ):
            raise InputError(
                f"an IRI is longer than the limit of {MAX_IRI_BYTES} bytes ({term.value[:60]}...)",
                source=name,
                hint="shorten it",
            )


def _short(term: object) -> str:
    text = str(term)
    return text if len(text) <= 80 else text[:77] + "..."


#: Deepest nesting of XML elements srkb parses (RDF/XML is a few levels deep in practice).
MAX_XML_DEPTH = 1000


def check_structure(data: bytes, fmt: str, *, name: str) -> None:
    """Refuse documents that would crash or stall Oxigraph's parsers (see above)."""
    if fmt == "rdfxml":
        _check_xml(data, name)
    else:
        check_document(data, fmt, name=name)


class _RefusedError(Exception):
    def __init__(self, error: InputError) -> None:
        self.error = error


def _check_xml(data: bytes, name: str) -> None:
    parser = xml.parsers.expat.ParserCreate()
    depth = 0

    text = 0  # characters of text in the current element

    def refuse_size(what: str) -> None:
        raise _RefusedError(
            InputError(
                f"the RDF/XML document holds {what} longer than the limit of "
                f"{MAX_LITERAL_BYTES} bytes",
                source=name,
                line=parser.CurrentLineNumber,
                column=parser.CurrentColumnNumber + 1,
            )
        )

    def characters(data: str) -> None:
        nonlocal text
        text += len(data)
        if text > MAX_LITERAL_BYTES:
            refuse_size("a text")

    def start(_name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, text
        text = 0
        if any(len(value) > MAX_LITERAL_BYTES for value in attributes.values()):
            refuse_size("an attribute")
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise _RefusedError(
                InputError(
                    f"the RDF/XML document nests elements more than {MAX_XML_DEPTH} levels deep",
                    source=name,
                    line=parser.CurrentLineNumber,
                    column=parser.CurrentColumnNumber + 1,
                )
            )

    def end(_name: str) -> None:
        nonlocal depth, text
        depth -= 1
        text = 0

    def entity(
        entity_name: str,
        _param: bool,
        _value: object,
        _base: object,
        system: str | None,
        public: str | None,
        _notation: object,
    ) -> None:
        refused = NetworkAccessRefusedError if system or public else InputError
        raise _RefusedError(
            refused(
                f"the RDF/XML document's DOCTYPE declares the entity {entity_name!r}, and srkb "
                "does not expand entities",
                source=name,
                line=parser.CurrentLineNumber,
                column=parser.CurrentColumnNumber + 1,
                hint="remove the DOCTYPE declaration and write the values out",
            )
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(data, True)
    except _RefusedError as refusal:
        raise refusal.error from None
    except xml.parsers.expat.ExpatError as err:
        raise InputError(
            f"rdfxml is not well-formed XML: {xml.parsers.expat.ErrorString(err.code)}",
            source=name,
            line=err.lineno,
            column=err.offset + 1,
        ) from err


def _parse_jsonld_with_network(
    data: bytes, *, name: str, graph: str, base_iri: str | None
) -> ParsedSource:
    """Parse JSON-LD with rdflib, which fetches remote contexts (only when the user allowed it)."""
    from rdflib import Dataset

    dataset = Dataset()
    try:
        dataset.parse(data=data, format="json-ld", publicID=base_iri)
    except Exception as err:  # rdflib raises many kinds; all mean "this input is unusable"
        raise InputError(f"JSON-LD could not be read: {err}", source=name) from err
    target = ox.NamedNode(graph)
    quads = [
        ox.Quad(
            cast("ox.NamedNode | ox.BlankNode", to_oxigraph(cast("Identifier", s))),
            cast("ox.NamedNode", to_oxigraph(cast("Identifier", p))),
            to_oxigraph(cast("Identifier", o)),
            target,
        )
        for s, p, o, _g in dataset.quads((None, None, None, None))
    ]
    return ParsedSource(name=name, graph=graph, fmt="jsonld", quads=quads)
