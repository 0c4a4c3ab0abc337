"""What a write hands to a store: the parsed quads of one source, and the records around them.

A :class:`ParsedSource` is the unit of every write (:meth:`kb.store.Store.load`): the quads of one
file or request, with the named graph srkb keeps them in. The provenance record of that graph and
the one update request that writes sources to a SPARQL endpoint are built here, beside it, so that
every backend writes the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kb.errors import InputError
from kb.prefixes import DECLARES_PREFIX, declaration_literals
from kb.sparql.text import iri
from kb.store.terms import to_rdflib

if TYPE_CHECKING:
    from rdflib.term import Identifier


@dataclass
class ParsedSource:
    """The quads of one source, ready to be written. ``quads`` are pyoxigraph quads."""

    name: str
    graph: str
    fmt: str
    quads: list[ox.Quad]
    #: The prefixes the file declares (name -> namespace), kept with its provenance so that
    #: people can read and write its IRIs as CURIEs (:mod:`kb.prefixes`).
    prefixes: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.quads)

    def graphs(self) -> set[str]:
        """The IRIs of every graph this source writes: its own and those its quads name."""
        named = {q.graph_name.value for q in self.quads if isinstance(q.graph_name, ox.NamedNode)}
        return {self.graph, *named}

    def triples(self) -> set[tuple[Identifier, Identifier, Identifier]]:
        """The source's triples as rdflib terms (what a write of it adds), graphs left out."""
        return {
            (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in self.quads
        }


#: Formats the bulk loader streams (line- or statement-oriented, no network, no entities).
BULK_FORMATS = frozenset({"nt", "nq", "ttl", "trig"})


@dataclass(frozen=True)
class CheckedFile:
    """A file that parsed completely, ready for the bulk loader; its quads were not kept."""

    path: Path
    name: str
    fmt: str
    graph: str
    base_iri: str | None
    triples: int
    graphs: frozenset[str]
    #: The prefixes the file declares, kept with its provenance as for a parsed source.
    prefixes: dict[str, str] = field(default_factory=dict)


def refuse_quoted_triples(quad: ox.Quad, name: str) -> None:
    """Refuse a quad with a quoted triple (RDF-star), which srkb could store but not read back."""
    if isinstance(quad.subject, ox.Triple) or isinstance(quad.object, ox.Triple):
        raise InputError(
            f"quoted triples (RDF-star) are not supported: {quad}",
            source=name,
            hint="state the triple itself, or describe it with a node of its own",
        )


_PROV = "http://www.w3.org/ns/prov#"
_VOID = "http://rdfs.org/ns/void#"
_DCT = "http://purl.org/dc/terms/"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def own_triples(source: ParsedSource) -> int:
    """The distinct quads the source writes (in its graph and any a TriG/N-Quads file names).

    What ``void:triples`` states: what the store holds from it, not the number of statements
    read (a file may say a triple twice; the graph holds it once).
    """
    return len(set(source.quads))


def with_provenance(source: ParsedSource, when: datetime) -> ParsedSource:
    """Return the source plus PROV/VoID statements about its own graph, inside that graph."""
    graph = ox.NamedNode(source.graph)
    xsd = ox.NamedNode

    def quad(predicate: str, value: ox.NamedNode | ox.Literal) -> ox.Quad:
        return ox.Quad(graph, ox.NamedNode(predicate), value, graph)

    meta = [
        quad(_RDF_TYPE, ox.NamedNode(_PROV + "Entity")),
        quad(_RDF_TYPE, ox.NamedNode(_VOID + "Dataset")),
        # The file's name, not its path: exports and /data must not reveal the server's layout.
        quad(_DCT + "source", ox.Literal(PurePath(source.name).name)),
        quad(_DCT + "format", ox.Literal(source.fmt)),
        quad(
            _PROV + "generatedAtTime",
            ox.Literal(when.isoformat(), datatype=xsd(_XSD + "dateTime")),
        ),
        quad(
            _VOID + "triples",
            ox.Literal(str(own_triples(source)), datatype=xsd(_XSD + "integer")),
        ),
        *(quad(DECLARES_PREFIX, ox.Literal(d)) for d in declaration_literals(source.prefixes)),
    ]
    return ParsedSource(
        source.name, source.graph, source.fmt, [*source.quads, *meta], dict(source.prefixes)
    )


def insert_data_request(sources: Sequence[ParsedSource], drop_graphs: Sequence[str] = ()) -> str:
    """One update request that drops ``drop_graphs`` and inserts the parsed sources' quads."""
    parts = [f"DROP SILENT GRAPH {iri(g)}" for g in drop_graphs]
    by_graph: dict[str, list[str]] = {}
    for source in sources:
        for quad in source.quads:
            graph = str(quad.graph_name.value)  # type: ignore[union-attr]
            by_graph.setdefault(graph, []).append(
                f"{quad.subject} {quad.predicate} {quad.object} ."
            )
    blocks = [f"GRAPH {iri(g)} {{\n" + "\n".join(lines) + "\n}" for g, lines in by_graph.items()]
    if blocks:
        parts.append("INSERT DATA {\n" + "\n".join(blocks) + "\n}")
    return " ;\n".join(parts)
