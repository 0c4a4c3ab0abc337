"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store``.

A graph is named by its own URL under ``/store/`` (direct identification), by ``?graph=IRI`` or
``?default`` (indirect); a POST to ``/store`` itself creates a graph (201, ``Location``). GET and
HEAD for every reader; PUT, POST (also ``multipart/form-data``) and DELETE need the bearer token,
are all-or-nothing, refuse bodies over SRKB_MAX_UPLOAD_BYTES (413), and re-run inference and
validation. Which graph and which documents a request means is decided in
:mod:`kb.protocol.graph_store_requests`; what is done with them in :mod:`kb.protocol.graph_store`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.bodies import read_body
from api.deps import KBDep, ReaderDep, SettingsDep, WriterDep
from api.negotiation import RDF_MEDIA, rdf_format
from api.responses import NOT_ACCEPTABLE, REFRESH_HEADERS, UNAVAILABLE, written
from kb.knowledge_base import Written
from kb.protocol import graph_store
from kb.protocol.graph_store_requests import GraphTarget, documents, identify
from kb.protocol.graph_store_requests import rdf_format as body_format
from kb.store.streaming import stream

router = APIRouter(tags=["Graph Store"])

GraphParam = Annotated[str | None, Query(description="A named graph IRI.")]
DefaultParam = Annotated[
    str | None, Query(description="Present (empty) to address the default graph.")
]
FORMATS = ("ttl", "trig", "nt", "nq", "jsonld", "rdfxml")
WRITE_RESPONSES: dict[int | str, dict[str, object]] = {
    201: {"description": "Graph created", "headers": REFRESH_HEADERS},
    204: {"description": "Graph replaced, merged or deleted", "headers": REFRESH_HEADERS},
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


STORE = "/store"
#: The same operations on a graph's own URL (direct identification); not repeated in OpenAPI.
DIRECT = STORE + "/{path:path}"


def _target(request: Request) -> GraphTarget:
    """The graph the request names (see :func:`kb.protocol.graph_store_requests.identify`).

    The direct graph IRI is the URL as the client sent it: the raw path, not a decoded one.
    """
    store_url = str(request.url_for("get_graph"))
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    suffix = path[path.index(STORE) + len(STORE) :] if STORE in path else ""
    return identify(store_url, suffix, request.query_params.multi_items(), method=request.method)


READ_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {m: {} for m in RDF_MEDIA.values()}},
    **{k: v for k, v in WRITE_RESPONSES.items() if k in (400, 401, 404, 422, 503)},
    **NOT_ACCEPTABLE,
}


@router.get(STORE, dependencies=[ReaderDep], responses=READ_RESPONSES)
@router.get(DIRECT, dependencies=[ReaderDep], include_in_schema=False)
def get_graph(
    kb: KBDep,
    settings: SettingsDep,
    request: Request,
    graph: GraphParam = None,
    default: DefaultParam = None,
    format: Annotated[str | None, Query(description="Serialisation; else Accept.")] = None,
) -> StreamingResponse:
    """A named graph, or the default graph (the user's, as writes see it)."""
    name = _target(request).graph
    fmt = rdf_format(request, format, FORMATS)
    # Made and sent under the query timeout, as /sparql: past it, the stream is closed unfinished.
    body = stream(
        lambda output: graph_store.read_to(output, kb, name, fmt),
        timeout=settings.query_timeout,
        what="the graph",
    )
    return StreamingResponse(body, media_type=RDF_MEDIA[fmt])


@router.head(STORE, dependencies=[ReaderDep], responses=READ_RESPONSES)
@router.head(DIRECT, dependencies=[ReaderDep], include_in_schema=False)
def head_graph(
    kb: KBDep,
    request: Request,
    graph: GraphParam = None,
    default: DefaultParam = None,
    format: Annotated[str | None, Query(description="Serialisation; else Accept.")] = None,
) -> Response:
    """What GET would answer, without the body: 200 with its Content-Type, or 404."""
    graph_store.exists(kb, _target(request).graph)
    return Response(media_type=RDF_MEDIA[rdf_format(request, format, FORMATS)])


def _written(created: Written[bool], target: GraphTarget) -> Response:
    if target.new and target.graph is not None:
        return written(201, created, {"Location": target.graph})
    return written(201 if created.value else 204, created)


@router.put(
    STORE,
    dependencies=[WriterDep],
    status_code=204,
    responses=WRITE_RESPONSES,
    openapi_extra=RDF_BODY,
)
@router.put(DIRECT, dependencies=[WriterDep], status_code=204, include_in_schema=False)
async def put_graph(
    kb: KBDep,
    settings: SettingsDep,
    request: Request,
    graph: GraphParam = None,
    default: DefaultParam = None,
) -> Response:
    """Replace a graph with the body."""
    target = _target(request)
    fmt = body_format(request.headers.get("content-type"))
    body = await read_body(request, settings.max_upload_bytes)
    created = await run_in_threadpool(graph_store.put, kb, target.graph, body, fmt)
    return _written(created, target)


@router.post(
    STORE,
    dependencies=[WriterDep],
    status_code=204,
    responses=WRITE_RESPONSES,
    openapi_extra=RDF_BODY,
)
@router.post(DIRECT, dependencies=[WriterDep], status_code=204, include_in_schema=False)
async def post_graph(
    kb: KBDep,
    settings: SettingsDep,
    request: Request,
    graph: GraphParam = None,
    default: DefaultParam = None,
) -> Response:
    """Add the body's triples to a graph; without a graph, create one (201 with Location)."""
    target = _target(request)
    content_type = request.headers.get("content-type")
    if not content_type or not content_type.lower().startswith("multipart/"):
        body_format(content_type)  # 415 before the body is read
    body = await read_body(request, settings.max_upload_bytes)
    parts = documents(content_type, body)
    created = await run_in_threadpool(graph_store.post_documents, kb, target.graph, parts)
    return _written(created, target)


@router.delete(STORE, dependencies=[WriterDep], status_code=204, responses=WRITE_RESPONSES)
@router.delete(DIRECT, dependencies=[WriterDep], status_code=204, include_in_schema=False)
def delete_graph(
    kb: KBDep, request: Request, graph: GraphParam = None, default: DefaultParam = None
) -> Response:
    """Drop a graph."""
    return written(204, graph_store.delete(kb, _target(request).graph))
