"""The bridge between pyoxigraph and rdflib: RDF formats and terms.

Above the store, srkb speaks rdflib identifiers; pyoxigraph's parsers, serialisers and the embedded
store speak pyoxigraph terms. Both backends and the parsers convert here, so the conversions (plain
literals, language tags, blank nodes) are the same everywhere.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.term import Identifier

from kb.errors import InputError, QuerySyntaxError
from kb.store.protocol import RDF_FORMATS

#: pyoxigraph's format for each of srkb's short RDF format names.
OX_FORMATS: dict[str, ox.RdfFormat] = {
    name: format
    for name, media in RDF_FORMATS.items()
    if (format := ox.RdfFormat.from_media_type(media)) is not None
}


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph | ox.Triple


def to_rdflib(term: OxTerm) -> Identifier:
    """Convert a pyoxigraph term to the rdflib identifier srkb uses above the store."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            # rdflib writes a simple literal without a datatype (and so do the SPARQL JSON
            # results the remote backend reads); Literal("x", datatype=XSD.string) != Literal("x").
            return RdfLiteral(term.value)
        return RdfLiteral(term.value, datatype=URIRef(term.datatype.value))
    raise InputError(f"unsupported RDF term {term!r} (quoted triples are not used by srkb)")


def ntriples_terms(data: bytes) -> Iterator[tuple[Identifier, Identifier, Identifier]]:
    """The triples of an N-Triples dump as rdflib identifiers, blank-node labels kept.

    rdflib's own N-Triples parser gives every blank node a fresh label, so a finding on
    ``_:b1`` computed from its graph could not be matched to the store's ``_:b1``.
    """
    for triple in ox.parse(data, ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False):
        yield to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)


def to_oxigraph(term: Identifier) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib identifier to a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise InputError(f"unsupported RDF term {term!r}")


_POSITION = re.compile(r"error at (\d+):(\d+)")


def syntax_error(err: SyntaxError, what: str) -> QuerySyntaxError:
    """A SPARQL syntax error from pyoxigraph as a located :class:`~kb.errors.QuerySyntaxError`."""
    message = str(err.msg if hasattr(err, "msg") else err)
    line, column = err.lineno, err.offset
    if line is None and (found := _POSITION.search(message)):
        line, column = int(found.group(1)), int(found.group(2))
    return QuerySyntaxError(
        f"the {what} does not parse: {message}", source=what, line=line, column=column
    )


class OneLineLiteralWarnings(logging.Filter):
    """Keeps rdflib's "failed to convert Literal" warnings to one line, without a traceback.

    rdflib logs a traceback whenever a literal's lexical form does not fit its datatype
    (``"abc"^^xsd:integer``, or an integer of more than 4,300 digits, which Python refuses to
    convert): data anyone may send, so each one would put a traceback in the log. Installed by
    the edges (``srkb``, the API) on the ``rdflib.term`` logger; the library configures nothing.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop the traceback of conversion warnings; pass every record."""
        if record.exc_info and "Failed to convert Literal" in str(record.msg):
            error = record.exc_info[1]
            record.msg = f"{record.msg} ({type(error).__name__}: {str(error)[:200]})"
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_literal_warnings() -> None:
    """Install :class:`OneLineLiteralWarnings` on rdflib's term logger (idempotent)."""
    logger = logging.getLogger("rdflib.term")
    if not any(isinstance(f, OneLineLiteralWarnings) for f in logger.filters):
        logger.addFilter(OneLineLiteralWarnings())


def check_update_syntax(text: str) -> None:
    """Raise Oxigraph's located :class:`QuerySyntaxError` if an update does not parse.

    Oxigraph has no parser of its own to call, so the update runs on an empty scratch store in
    memory, where it has nothing to change; only its syntax error, if any, is kept. The caller has
    refused ``LOAD`` and ``SERVICE`` and bounded the text (:mod:`kb.sparql.guard`) first.
    """
    try:
        ox.Store().update(text, base_iri="http://localhost/")
    except SyntaxError as err:
        raise syntax_error(err, "update") from err
    except (RuntimeError, ValueError, OSError):
        return  # failed while running on nothing: not a syntax error
