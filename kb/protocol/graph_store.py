"""The SPARQL 1.1 Graph Store HTTP Protocol's semantics over srkb's named graphs.

A request names its graph directly (its URL) or indirectly (``?graph=IRI``, ``?default``), or, for
a POST to the store itself, asks for a new graph (:mod:`kb.protocol.graph_store_requests`). The
default graph is the user's default graph, ``…/graph/source/default``: the graph an update's
default-graph triples go to, so that every triple srkb keeps is in a named graph; GET ``?default``
returns it (the union that queries see, inferences included, is :mod:`kb.interchange.rdf_export`'s).

srkb's own graphs (:func:`kb.protocol.update_guard.is_own_graph`: ontology, shapes, inferred,
validation, history, provenance) are refused as write targets (403). Every write is one update
request, all-or-nothing, that also replaces the graph's record in the provenance graph (when, in
what format): a graph holds exactly the triples written to it, so a GET after a PUT returns them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO, cast

from rdflib import XSD, Literal

from kb.errors import InputError, NotFoundError
from kb.interchange.parsing import parse_source
from kb.knowledge_base import KnowledgeBase, Written
from kb.namespaces import DCTERMS, DEFAULT_UPDATE_GRAPH, PROV, PROVENANCE_GRAPH
from kb.protocol.update_guard import refuse_own_graph
from kb.sparql.guard import MAX_IRI_BYTES
from kb.sparql.text import Triple, iri, term
from kb.store.source import ParsedSource, insert_data_request

#: Where ``?default`` reads and writes (kept for callers of the old name).
DEFAULT_WRITE_GRAPH = DEFAULT_UPDATE_GRAPH


#: An absolute IRI as a graph name: a scheme, then no character an IRI may not hold.
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`]*")


def graph_iri(name: str) -> str:
    """``name``, if a graph can be named by it; else a 400 that names it (never a ValueError)."""
    if len(name) > MAX_IRI_BYTES or not _ABSOLUTE_IRI.fullmatch(name):
        shown = name if len(name) <= 200 else name[:200] + "..."
        raise InputError(
            f"the graph {shown!r} is not an absolute IRI",
            source="graph",
            hint="name the graph by an absolute IRI, such as urn:example:g or https://example.org/g",
        )
    return name


def target(graph: str | None) -> str:
    """The named graph a write goes to; refuses srkb's own graphs (403, naming the graph)."""
    name = graph_iri(graph) if graph else DEFAULT_WRITE_GRAPH
    refuse_own_graph(name, "the Graph Store")
    return name


def parse_document(body: bytes, fmt: str, name: str, label: str = "body") -> ParsedSource:
    """Parse a body written to graph ``name``; refuse quads (TriG, N-Quads) naming another graph.

    Relative IRIs resolve against the graph's IRI. A write addressed to one graph must not
    replace others, srkb's own included.
    """
    source = f"{label}.{fmt}" if label == "body" else label
    base = name if name != DEFAULT_WRITE_GRAPH else None
    parsed = parse_source(body, fmt, name=source, graph=name, base_iri=base)
    others = sorted(parsed.graphs() - {name})
    if others:
        raise InputError(
            f"the body puts triples in other graphs than <{name}>: "
            + ", ".join(f"<{g}>" for g in others),
            source=source,
            hint="a Graph Store write goes to one graph: send triples, or quads in that graph only",
        )
    return parsed


_RECORDED = f"SELECT DISTINCT ?g WHERE {{ GRAPH {iri(PROVENANCE_GRAPH)} {{ ?g ?p ?o }} }}"


def _exists(kb: KnowledgeBase, name: str) -> bool:
    """Whether a graph exists: it holds triples, or the Graph Store wrote it (empty, perhaps)."""
    if name in kb.store.graphs():
        return True
    # The records' subjects rather than an ASK naming the graph: on a remote store, the only
    # requests that name a graph are then the ones that read or write its triples.
    result = kb.store.query(_RECORDED, union_default_graph=False)
    return any(str(row[0]) == name for row in result.rows)


def exists(kb: KnowledgeBase, graph: str | None) -> None:
    """Raise NotFoundError unless the graph exists; the default graph always does."""
    if graph is not None and not _exists(kb, graph):
        raise NotFoundError(f"the store has no graph <{graph}>")


def read(kb: KnowledgeBase, graph: str | None, fmt: str) -> bytes:
    """A named graph, or (``graph=None``) the default graph; NotFoundError for a missing graph.

    The default graph always exists (empty until something is written to it); so does a graph
    PUT empty.
    """
    output = io.BytesIO()
    read_to(output, kb, graph, fmt)
    return output.getvalue()


def read_to(output: IO[bytes], kb: KnowledgeBase, graph: str | None, fmt: str) -> None:
    """:func:`read`, written into ``output`` as it is made (for streamed answers)."""
    exists(kb, graph)
    kb.store.dump_to(output, fmt, graph=graph or DEFAULT_WRITE_GRAPH)


def _provenance(name: str, fmts: Sequence[str], when: datetime) -> str:
    """Replace ``name``'s record in the provenance graph: when it was written, in what format."""
    record = " ; ".join(
        [
            f"a {iri(PROV + 'Entity')}",
            f"{iri(PROV + 'generatedAtTime')} {term(Literal(when, datatype=XSD.dateTime))}",
            *(f"{iri(DCTERMS + 'format')} {term(Literal(fmt))}" for fmt in sorted(set(fmts))),
        ]
    )
    graph = iri(PROVENANCE_GRAPH)
    return (
        f"DELETE WHERE {{ GRAPH {graph} {{ {iri(name)} ?p ?o }} }} ;\n"
        f"INSERT DATA {{ GRAPH {graph} {{ {iri(name)} {record} }} }}"
    )


def _triples_in(kb: KnowledgeBase, name: str) -> set[Triple]:
    """A graph's triples, before a write replaces or drops them (what it removes)."""
    if name not in kb.store.graphs():
        return set()
    result = kb.store.query(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH {iri(name)} {{ ?s ?p ?o }} }}",
        union_default_graph=False,
    )
    return {cast("Triple", tuple(row)) for row in result.rows}


def put(kb: KnowledgeBase, graph: str | None, body: bytes, fmt: str) -> Written[bool]:
    """Replace a graph with the body (all-or-nothing); True if the graph is new."""
    name = target(graph)
    parsed = parse_document(body, fmt, name)
    created = not _exists(kb, name)
    changed = _triples_in(kb, name) ^ parsed.triples()  # what the replacement changes
    text = insert_data_request([parsed], [name])
    provenance = _provenance(name, [fmt], datetime.now(UTC))
    written = kb.write(lambda: kb.store.update(f"{text} ;\n{provenance}"), changed)
    return written.with_value(created)


def post(kb: KnowledgeBase, graph: str | None, body: bytes, fmt: str) -> Written[bool]:
    """Merge the body into a graph (all-or-nothing); True if the graph is new."""
    return post_documents(kb, graph, [("body", fmt, body)])


def post_documents(
    kb: KnowledgeBase, graph: str | None, documents: Sequence[tuple[str, str, bytes]]
) -> Written[bool]:
    """Merge RDF documents (``(name, format, bytes)``, the parts of a multipart body) at once.

    True if the graph is new.
    """
    name = target(graph)
    parsed = [parse_document(data, fmt, name, label) for label, fmt, data in documents]
    created = not _exists(kb, name)
    added: set[Triple] = set().union(*(p.triples() for p in parsed))
    text = insert_data_request(parsed)
    provenance = _provenance(name, [fmt for _label, fmt, _data in documents], datetime.now(UTC))
    written = kb.write(
        lambda: kb.store.update(f"{text} ;\n{provenance}" if text else provenance), added
    )
    return written.with_value(created)


def delete(kb: KnowledgeBase, graph: str | None) -> Written[None]:
    """Drop a graph and its provenance record; NotFoundError if it does not exist."""
    name = target(graph)
    exists(kb, name)
    changed = _triples_in(kb, name)
    forget = f"DELETE WHERE {{ GRAPH {iri(PROVENANCE_GRAPH)} {{ {iri(name)} ?p ?o }} }}"
    return kb.write(lambda: kb.store.update(f"DROP SILENT GRAPH {iri(name)} ;\n{forget}"), changed)
