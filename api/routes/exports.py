"""Exports: the whole knowledge base or one named graph in every RDF format; the model itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse

from api.deps import KBDep, ReaderDep, SettingsDep
from api.negotiation import RDF_MEDIA, rdf_format
from api.responses import NOT_ACCEPTABLE, PRIVATE_READ, UNAVAILABLE
from kb.interchange.ontology_docs import ontology_html
from kb.interchange.rdf_export import export_to
from kb.namespaces import ONTOLOGY_GRAPH, SHAPES_GRAPH
from kb.sparql.results import negotiate
from kb.store import iter_chunks
from kb.store.streaming import stream

router = APIRouter(tags=["Exports"], dependencies=[ReaderDep])

ALL_FORMATS = ("ttl", "trig", "nt", "nq", "jsonld", "rdfxml")
MODEL_FORMATS = ("ttl", "jsonld", "nt", "rdfxml")
CONTENT: dict[int | str, dict[str, object]] = {
    200: {"content": {m: {} for m in RDF_MEDIA.values()}}
}
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "Unknown format, or a triple format for several graphs"},
    **PRIVATE_READ,
    404: {"description": "No such graph"},
    **NOT_ACCEPTABLE,
    422: {"description": "Invalid parameters"},
    **UNAVAILABLE,
}
Format = Annotated[
    str | None, Query(description="ttl, trig, nt, nq, jsonld or rdfxml; else Accept.")
]


def _stream(data: bytes | Iterator[bytes], fmt: str, filename: str) -> StreamingResponse:
    return StreamingResponse(
        iter_chunks(data) if isinstance(data, bytes) else data,
        media_type=RDF_MEDIA[fmt],
        headers={"Content-Disposition": f'inline; filename="{filename}.{fmt}"', "Vary": "Accept"},
    )


@router.get("/export", responses={**CONTENT, **ERRORS})
def export(
    kb: KBDep,
    settings: SettingsDep,
    request: Request,
    format: Format = None,
    graph: Annotated[str | None, Query(description="Only this named graph.")] = None,
    inferred: Annotated[bool, Query(description="Include the inferred graph.")] = True,
) -> StreamingResponse:
    """The knowledge base (TriG/N-Quads/JSON-LD keep graph names; others merge them), streamed.

    Made and sent under the query timeout: past it, the stream is closed unfinished.
    """
    fmt = rdf_format(request, format, ALL_FORMATS)
    body = stream(
        lambda output: export_to(output, kb.store, fmt, graph=graph, inferred=inferred),
        timeout=settings.query_timeout,
        what="the export",
    )
    return _stream(body, fmt, "srkb")


def _wants_html(request: Request, explicit: str | None) -> bool:
    """``?format=html``, or an ``Accept`` that prefers HTML to every RDF format (browsers)."""
    if explicit is not None:
        return explicit == "html"
    offered = (*(RDF_MEDIA[f] for f in MODEL_FORMATS), "text/html")
    return negotiate(request.headers.get("accept"), offered) == "text/html"


@router.get(
    "/ontology",
    responses={
        200: {"content": {**{m: {} for m in RDF_MEDIA.values()}, "text/html": {}}},
        **ERRORS,
    },
)
def ontology(
    kb: KBDep,
    request: Request,
    format: Annotated[
        str | None, Query(description="ttl, jsonld, nt, rdfxml or html; else Accept.")
    ] = None,
) -> Response:
    """The srkb ontology (core and alignments); for browsers, its documentation (pyLODE)."""
    if _wants_html(request, format):
        return HTMLResponse(ontology_html(kb.store), headers={"Vary": "Accept"})
    fmt = rdf_format(request, format, MODEL_FORMATS)
    return _stream(kb.store.dump(fmt, graph=ONTOLOGY_GRAPH), fmt, "srkb-ontology")


@router.get("/shapes", responses={**CONTENT, **ERRORS})
def shapes(kb: KBDep, request: Request, format: Format = None) -> Response:
    """The SHACL shapes of the three preconditions."""
    fmt = rdf_format(request, format, MODEL_FORMATS)
    return _stream(kb.store.dump(fmt, graph=SHAPES_GRAPH), fmt, "srkb-shapes")
