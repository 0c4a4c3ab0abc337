"""The store interface: one small protocol, interchangeable backends.

Everything above this package (loading, inference, validation, questions, the API) talks SPARQL
through :class:`Store`, so the same code runs on the embedded Oxigraph store (in memory or on disk)
and on any SPARQL 1.1 endpoint. Only this package imports SPARQLWrapper, and pyoxigraph is
imported only here and by the parsers in :mod:`kb.interchange` (whose quads are pyoxigraph quads).

Dataset convention: srkb keeps every kind of data in its own named graph (see
:mod:`kb.namespaces`); queries see the *union* of all named graphs as their default graph, which is
what a person writing SPARQL against the knowledge base expects.

May import: :mod:`kb.sparql`, :mod:`kb.errors`, :mod:`kb.namespaces`.

Modules:
    protocol: the :class:`Store` protocol, :class:`Capabilities`, RDF format names.
    oxigraph: the embedded backend (memory, disk), with bulk loading and checkpoints.
    remote: any SPARQL 1.1 endpoint through SPARQLWrapper.
    source: :class:`~kb.store.source.ParsedSource`, the unit of every write, and its provenance.
    dialect: every difference between SPARQL endpoints (blank nodes on the wire, system graphs,
        update URLs, what an endpoint cannot evaluate), for the remote backend.
    staging: remote loads as one request, or chunks staged and moved into place by one request.
    terms: the pyoxigraph/rdflib bridge for terms and formats.
"""

from __future__ import annotations

from pathlib import Path

from kb.sparql.results import QueryResult, Row
from kb.store.protocol import (
    QUAD_FORMATS,
    RDF_FORMATS,
    SUFFIX_FORMATS,
    Capabilities,
    Quad,
    Store,
    format_for,
    iter_chunks,
    read_source,
)


def open_store(spec: str | Path, *, timeout: float | None = None, **options: str) -> Store:
    """Open a store from a user-facing spec: ``memory``, a directory path, or an endpoint URL.

    An ``http(s)://`` URL is a SPARQL 1.1 endpoint (see :mod:`kb.store.remote` for the extra
    options); anything else that is not ``memory`` is a data directory, created if missing.
    """
    text = str(spec)
    if text.startswith(("http://", "https://")):
        from kb.store.remote import RemoteStore

        return RemoteStore(text, timeout=timeout, **options)
    from kb.store.oxigraph import OxigraphStore

    if text == "memory":
        return OxigraphStore(None)
    return OxigraphStore(Path(text))


__all__ = [
    "QUAD_FORMATS",
    "RDF_FORMATS",
    "SUFFIX_FORMATS",
    "Capabilities",
    "Quad",
    "QueryResult",
    "Row",
    "Store",
    "format_for",
    "iter_chunks",
    "open_store",
    "read_source",
]
