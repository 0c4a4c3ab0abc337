"""The SPARQL 1.1 Protocol: ``/sparql`` (queries, read-only) and ``/update`` (token-protected).

GET and form-encoded or ``application/sparql-query`` POSTs, with ``default-graph-uri`` and
``named-graph-uri``. ``/sparql`` without a query answers with the service description. POST routes
are ``async`` only to read the body; the store work runs in the thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.bodies import read_body
from api.deps import KBDep, ReaderDep, SettingsDep, WriterDep
from api.responses import NOT_ACCEPTABLE, PRIVATE_READ, REFRESH_HEADERS, UNAVAILABLE, written
from kb.config import Settings
from kb.interchange.describe import service_description, void_description
from kb.knowledge_base import KnowledgeBase
from kb.protocol.requests import QueryRequest, query_request, update_request
from kb.protocol.sparql_endpoint import prepare_update, run_query, run_update
from kb.sparql.results import GRAPH_TYPES, RESULT_TYPES, negotiate, serialize_graph

router = APIRouter(tags=["SPARQL"])

PROTOCOL_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "Query results (SPARQL JSON/XML/CSV/TSV) or a graph (Turtle, N-Triples, "
        "JSON-LD, RDF/XML), by Accept",
        "content": {media: {} for media in (*RESULT_TYPES, *GRAPH_TYPES)},
    },
    400: {"description": "Malformed query, an update, or SERVICE (refused by default)"},
    **PRIVATE_READ,
    **NOT_ACCEPTABLE,
    413: {
        "description": "Body larger than SRKB_MAX_UPLOAD_BYTES, or a query longer than "
        "SRKB_MAX_QUERY_BYTES"
    },
    415: {"description": "Unsupported request media type"},
    422: {"description": "More results than SRKB_RESULT_LIMIT, or invalid parameters"},
    503: {
        "description": "Query timeout (SRKB_QUERY_TIMEOUT), too many runaway queries, or store "
        "unavailable"
    },
}


DefaultGraphs = Annotated[list[str] | None, Query(alias="default-graph-uri")]
NamedGraphs = Annotated[list[str] | None, Query(alias="named-graph-uri")]


def _answer(kb: KnowledgeBase, request: Request, query: QueryRequest) -> Response:
    settings = kb.settings
    state = request.app.state
    _limited(query.text, settings, "query")
    media, body = run_query(
        kb.store,
        query.text,
        accept=request.headers.get("accept"),
        default_graphs=query.default_graphs,
        named_graphs=query.named_graphs,
        base=str(request.url_for("sparql_get")),
        timeout=settings.query_timeout,
        limit=settings.result_limit,
        allow_service=settings.allow_service,
        threads=getattr(state, "query_threads", None),
        workers=getattr(state, "query_workers", None),
    )
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def _limited(text: str, settings: Settings, what: str) -> str:
    """Refuse (413) a text longer than ``SRKB_MAX_QUERY_BYTES``, before anything parses it.

    rdflib's parser, which classifies every request, needs seconds of CPU per megabyte of valid
    SPARQL, so the body limit (sized for data uploads) is no defence against long texts.
    """
    size = len(text.encode("utf-8"))
    if size > settings.max_query_bytes:
        raise HTTPException(
            413,
            f"the {what} is {size} bytes, larger than the {settings.max_query_bytes}-byte limit "
            "(SRKB_MAX_QUERY_BYTES); data belongs in /store",
        )
    return text


def _description(kb: KnowledgeBase, request: Request) -> Response:
    graph = service_description(
        str(request.url_for("sparql_get")),
        str(request.url_for("void")),
        update_endpoint=str(request.url_for("update")),
        graph_store=str(request.url_for("get_graph")),
        graphs=kb.store.graphs(),
        allow_service=kb.settings.allow_service,
    )
    media = negotiate(request.headers.get("accept"), GRAPH_TYPES)
    return Response(serialize_graph(graph, media), media_type=media)


@router.get(
    "/sparql",
    name="sparql_get",
    summary="SPARQL query (GET), or the service description when no query is given",
    responses=PROTOCOL_RESPONSES,
    dependencies=[ReaderDep],
)
def sparql_get(
    kb: KBDep,
    request: Request,
    query: Annotated[str | None, Query(description="A SPARQL 1.1 query.")] = None,
    default_graph_uri: DefaultGraphs = None,
    named_graph_uri: NamedGraphs = None,
) -> Response:
    """Answer a query; without ``query``, describe the service.

    The declared parameters document the route; the request's own (all of them, repeated ones
    included) are what :func:`kb.protocol.requests.query_request` reads.
    """
    operation = query_request("GET", request.query_params.multi_items(), None, b"")
    if operation is None:
        return _description(kb, request)
    return _answer(kb, request, operation)


@router.post(
    "/sparql",
    summary="SPARQL query (POST, form-encoded or application/sparql-query)",
    responses=PROTOCOL_RESPONSES,
    dependencies=[ReaderDep],
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"query": {"type": "string"}},
                        "required": ["query"],
                    }
                },
                "application/sparql-query": {"schema": {"type": "string"}},
            }
        }
    },
)
async def sparql_post(
    kb: KBDep,
    settings: SettingsDep,
    request: Request,
    default_graph_uri: DefaultGraphs = None,
    named_graph_uri: NamedGraphs = None,
) -> Response:
    """Answer a query sent in the body."""
    body = await read_body(request, settings.max_upload_bytes)
    # Off the event loop: a 600 KB form takes some 200 ms of Python to decode, which on the
    # loop would hold every other request back for as long.
    query = await run_in_threadpool(
        query_request,
        "POST",
        request.query_params.multi_items(),
        request.headers.get("content-type"),
        body,
    )
    if query is None:  # pragma: no cover - a POST always has a query or an error
        raise HTTPException(400, "no query")
    return await run_in_threadpool(_answer, kb, request, query)


@router.post(
    "/update",
    summary="SPARQL 1.1 Update (bearer token); inference and validation run again afterwards",
    status_code=204,
    responses={
        204: {"description": "Applied", "headers": REFRESH_HEADERS},
        400: {
            "description": "Malformed update, a query, two update parameters, LOAD/SERVICE "
            "(refused), or using-graph-uri with USING/WITH"
        },
        401: {"description": "Missing or invalid bearer token"},
        403: {
            "description": "Writes are disabled (no SRKB_API_TOKEN), or the update would write "
            "one of srkb's own graphs (named in the detail; nothing is applied)"
        },
        413: {
            "description": "Body larger than SRKB_MAX_UPLOAD_BYTES, or an update longer than "
            "SRKB_MAX_QUERY_BYTES"
        },
        415: {"description": "Unsupported request media type"},
        **UNAVAILABLE,
    },
    dependencies=[WriterDep],
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"update": {"type": "string"}},
                        "required": ["update"],
                    }
                },
                "application/sparql-update": {"schema": {"type": "string"}},
            }
        }
    },
)
async def update(kb: KBDep, settings: SettingsDep, request: Request) -> Response:
    """Apply an update atomically, then re-run inference and validation."""
    body = await read_body(request, settings.max_upload_bytes)
    operation = await run_in_threadpool(  # off the event loop, as above
        update_request,
        request.query_params.multi_items(),
        request.headers.get("content-type"),
        body,
    )
    _limited(operation.text, settings, "update")
    guarded = await run_in_threadpool(
        prepare_update,
        operation.text,
        base=str(request.url_for("update")),
        using_graphs=operation.using_graphs,
        using_named_graphs=operation.using_named_graphs,
    )
    applied = await run_in_threadpool(kb.write, lambda: run_update(kb.store, guarded))
    return written(204, applied)


@router.get(
    "/void",
    name="void",
    summary="VoID description of the data: graphs and triple counts",
    responses={
        200: {"content": {m: {} for m in GRAPH_TYPES}},
        **PRIVATE_READ,
        **NOT_ACCEPTABLE,
        **UNAVAILABLE,
    },
    dependencies=[ReaderDep],
)
def void(kb: KBDep, request: Request) -> Response:
    """Describe the dataset with VoID."""
    graph = void_description(
        kb.store, str(request.url_for("void")) + "#dataset", str(request.url_for("sparql_get"))
    )
    media = negotiate(request.headers.get("accept"), GRAPH_TYPES)
    return Response(serialize_graph(graph, media), media_type=media)
