"""One handler per kb error class: status code + RFC 9457 problem JSON.

Codes are decided here and only here (the CLI has its own table). An unexpected exception becomes
a 500 with a request id that is also logged, so an operator can find the traceback.

With a remote store srkb is a gateway, and answers as one: an endpoint that cannot be reached or
says it is unavailable is 503 (with Retry-After), one that answered garbage is 502 Bad Gateway,
and a query that did not finish in time is 504 Gateway Timeout, whichever clock noticed first
(the endpoint's request or srkb's own query limit). Local query timeouts stay 503.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import streams
from kb.errors import (
    EndpointAnswerError,
    ForbiddenOperationError,
    InputError,
    NetworkAccessRefusedError,
    NotFoundError,
    QuerySyntaxError,
    QueryTimeoutError,
    ResultLimitError,
    SrkbError,
    StoreUnavailableError,
    UnsupportedMediaTypeError,
    WriteRefusedError,
)
from kb.sparql.results import NotAcceptableError

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"

#: Most specific class first wins (looked up along the exception's MRO).
STATUS: dict[type[Exception], int] = {
    QuerySyntaxError: 400,
    ForbiddenOperationError: 400,
    NetworkAccessRefusedError: 400,
    UnsupportedMediaTypeError: 415,
    InputError: 400,
    NotFoundError: 404,
    NotAcceptableError: 406,
    ResultLimitError: 422,
    WriteRefusedError: 403,
    QueryTimeoutError: 503,
    EndpointAnswerError: 502,
    StoreUnavailableError: 503,
    SrkbError: 500,
}

#: Entries that replace :data:`STATUS`'s when the store is a remote endpoint (srkb is a gateway).
GATEWAY_STATUS: dict[type[Exception], int] = {QueryTimeoutError: 504}

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def problem(status: int, detail: str, **extra: object) -> JSONResponse:
    """A problem-details response."""
    body: dict[str, object] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"Retry-After": "5"} if status == 503 else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="srkb"'}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def status_for(error: Exception, *, remote: bool = False) -> int:
    """The HTTP status of a kb error, by the most specific entry of :data:`STATUS`.

    With ``remote`` (the store is a SPARQL endpoint), :data:`GATEWAY_STATUS` comes first.
    """
    tables = (GATEWAY_STATUS, STATUS) if remote else (STATUS,)
    for cls in type(error).__mro__:
        for table in tables:
            if cls in table:
                return table[cls]
    return 500


def _remote(request: Request) -> bool:
    """Whether the app serves a remote store (the lifespan may not have opened one yet)."""
    kb = getattr(request.app.state, "kb", None)
    return bool(kb is not None and kb.store.capabilities.remote)


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""

    @app.exception_handler(SrkbError)
    async def srkb_error(request: Request, error: SrkbError) -> JSONResponse:
        status = status_for(error, remote=_remote(request))
        if status >= 500 and not isinstance(error, QueryTimeoutError | StoreUnavailableError):
            request_id = uuid.uuid4().hex
            log.exception("request %s failed", request_id, exc_info=error)
            return problem(status, "the server failed; quote the request id", request_id=request_id)
        extra: dict[str, object] = {}
        if isinstance(error, InputError):
            extra = {"line": error.line, "column": error.column, "hint": error.hint}
        return problem(status, str(error), **extra)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        response = problem(error.status_code, str(error.detail))
        for key, value in (error.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        return problem(422, f"the request is not valid: {fields}")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, error: Exception) -> JSONResponse:
        if streams.expired(error):  # a stream cut at its deadline: logged once, where it was cut
            return problem(503, str(error))  # never sent: the answer had started
        request_id = uuid.uuid4().hex
        log.error("request %s failed", request_id, exc_info=error)
        return problem(500, "the server failed; quote the request id", request_id=request_id)
