"""Validation reports: JSON, HTML, Markdown, CSV or Turtle, by organisation and precondition."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import KBDep, ReaderDep
from api.templating import templates
from kb.errors import InputError
from kb.reports import PRECONDITIONS, render
from kb.sparql_results import negotiate

router = APIRouter(tags=["Validation"], dependencies=[ReaderDep])

MEDIA = {
    "application/json": "json",
    "text/html": "html",
    "text/markdown": "md",
    "text/csv": "csv",
    "text/turtle": "ttl",
}
#: negotiate() reads ``application/json`` as SPARQL results JSON, so JSON is offered by that name.
_NEGOTIATED_JSON = "application/sparql-results+json"


@router.get(
    "/validation",
    responses={
        200: {"content": {m: {} for m in MEDIA}, "description": "The report, by Accept"},
        400: {"description": "Unknown format"},
        401: {"description": "Reads are private and no valid token was sent"},
        406: {"description": "No acceptable media type"},
        422: {"description": "Invalid parameters"},
        503: {"description": "Store unavailable"},
    },
)
def validation(
    kb: KBDep,
    request: Request,
    organisation: Annotated[str | None, Query(description="Only this organisation's IRI.")] = None,
    precondition: Annotated[
        int | None, Query(ge=0, le=3, description="Only this precondition.")
    ] = None,
    format: Annotated[
        str | None, Query(description="json, html, md, csv or ttl; else Accept.")
    ] = None,
) -> Response:
    """Which organisations meet which preconditions, finding by finding, with fix hints."""
    if format is not None:
        if format not in MEDIA.values():
            raise InputError(
                f"unknown report format {format!r}", hint="use one of " + ", ".join(MEDIA.values())
            )
        media = next(m for m, f in MEDIA.items() if f == format)
    else:
        offered = tuple(_NEGOTIATED_JSON if m == "application/json" else m for m in MEDIA)
        media = negotiate(request.headers.get("accept"), offered)
        media = "application/json" if media == _NEGOTIATED_JSON else media
    report = kb.report().filtered(organisation=organisation, precondition=precondition)
    fmt = MEDIA[media]
    if fmt == "html":
        return templates.TemplateResponse(
            request,
            "validation.html",
            {
                "report": report,
                "groups": sorted(report.by_organisation().items()),
                "preconditions": PRECONDITIONS,
                "organisation": organisation,
                "precondition": precondition,
            },
        )
    return Response(
        render(report, fmt), media_type=f"{media}; charset=utf-8", headers={"Vary": "Accept"}
    )
