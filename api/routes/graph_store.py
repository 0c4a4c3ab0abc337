"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store`` (``?default`` or ``?graph=IRI``).

GET for every reader; PUT, POST and DELETE need the bearer token, are all-or-nothing, refuse bodies
over SRKB_MAX_UPLOAD_BYTES (413), and re-run inference and validation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.bodies import media_type, read_body
from api.deps import KBDep, ReaderDep, SettingsDep, WriterDep
from api.negotiation import MEDIA_TO_FORMAT, RDF_MEDIA, rdf_format
from api.responses import NOT_ACCEPTABLE, UNAVAILABLE
from kb.config import Settings
from kb.knowledge_base import KnowledgeBase
from kb.protocol import graph_store
from kb.store import iter_chunks

router = APIRouter(tags=["Graph Store"])

GraphParam = Annotated[str | None, Query(description="A named graph IRI.")]
DefaultParam = Annotated[
    str | None, Query(description="Present (empty) to address the default graph.")
]
FORMATS = ("ttl", "trig", "nt", "nq", "jsonld", "rdfxml")
WRITE_RESPONSES: dict[int | str, dict[str, object]] = {
    201: {"description": "Graph created"},
    204: {"description": "Graph replaced, merged or deleted"},
    400: {
        "description": "Malformed RDF (with line and column), or neither/both of graph and default"
    },
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "Writes disabled, or a graph srkb manages"},
    404: {"description": "No such graph"},
    413: {"description": "Body larger than SRKB_MAX_UPLOAD_BYTES"},
    415: {"description": "Unsupported RDF media type"},
    422: {"description": "Invalid parameters"},
    **UNAVAILABLE,
}
RDF_BODY = {
    "requestBody": {"content": {m: {"schema": {"type": "string"}} for m in RDF_MEDIA.values()}}
}


def _graph(graph: str | None, default: str | None) -> str | None:
    if (graph is None) == (default is None):
        raise HTTPException(400, "give exactly one of ?graph=IRI or ?default")
    return graph


def _body_format(request: Request) -> str:
    kind = media_type(request)
    if kind not in MEDIA_TO_FORMAT:
        raise HTTPException(415, "send RDF as one of: " + ", ".join(RDF_MEDIA.values()))
    return MEDIA_TO_FORMAT[kind]


@router.get(
    "/store",
    dependencies=[ReaderDep],
    responses={
        200: {"content": {m: {} for m in RDF_MEDIA.values()}},
        **{k: v for k, v in WRITE_RESPONSES.items() if k in (400, 401, 404, 406, 422, 503)},
        **NOT_ACCEPTABLE,
    },
)
def get_graph(
    kb: KBDep,
    request: Request,
    graph: GraphParam = None,
    default: DefaultParam = None,
    format: Annotated[str | None, Query(description="Serialisation; else Accept.")] = None,
) -> StreamingResponse:
    """A named graph, or the default graph (the union that queries see)."""
    name = _graph(graph, default)
    fmt = rdf_format(request, format, FORMATS)
    return StreamingResponse(
        iter_chunks(graph_store.read(kb, name, fmt)), media_type=RDF_MEDIA[fmt]
    )


async def _write(
    operation: Callable[[KnowledgeBase, str | None, bytes, str], bool],
    kb: KnowledgeBase,
    settings: Settings,
    request: Request,
    name: str | None,
) -> Response:
    """Read the body (size-limited), apply the write off the event loop, answer 201 or 204."""
    fmt = _body_format(request)
    body = await read_body(request, settings.max_upload_bytes)
    created = await run_in_threadpool(operation, kb, name, body, fmt)
    return Response(status_code=201 if created else 204)


@router.put(
    "/store",
    dependencies=[WriterDep],
    status_code=204,
    responses=WRITE_RESPONSES,
    openapi_extra=RDF_BODY,
)
async def put_graph(
    kb: KBDep,
    settings: SettingsDep,
    request: Request,
    graph: GraphParam = None,
    default: DefaultParam = None,
) -> Response:
    """Replace a graph with the body."""
    return await _write(graph_store.put, kb, settings, request, _graph(graph, default))


@router.post(
    "/store",
    dependencies=[WriterDep],
    status_code=204,
    responses=WRITE_RESPONSES,
    openapi_extra=RDF_BODY,
)
async def post_graph(
    kb: KBDep,
    settings: SettingsDep,
    request: Request,
    graph: GraphParam = None,
    default: DefaultParam = None,
) -> Response:
    """Add the body's triples to a graph."""
    return await _write(graph_store.post, kb, settings, request, _graph(graph, default))


@router.delete("/store", dependencies=[WriterDep], status_code=204, responses=WRITE_RESPONSES)
def delete_graph(kb: KBDep, graph: GraphParam = None, default: DefaultParam = None) -> Response:
    """Drop a graph."""
    graph_store.delete(kb, _graph(graph, default))
    return Response(status_code=204)
