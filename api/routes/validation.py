"""Validation reports in five formats, and the history of validation runs.

Reports are JSON, HTML, Markdown, CSV or Turtle, by organisation and precondition; the history
says what got better or worse since a date or the last run.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from api.deps import KBDep, ReaderDep
from api.responses import NOT_ACCEPTABLE, PRIVATE_READ, UNAVAILABLE
from api.templating import page_link, templates
from kb.errors import InputError
from kb.reporting.renderers import html_body, render, report_css
from kb.sparql.results import negotiate
from kb.validation.history import changes_since, recorded, runs

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
        **PRIVATE_READ,
        **NOT_ACCEPTABLE,
        422: {"description": "Invalid parameters"},
        **UNAVAILABLE,
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
    readiness = kb.readiness().only(organisation=organisation, precondition=precondition)
    # Service level targets belong to precondition 1, and to the consumer that holds them.
    levels = (
        kb.service_levels().only(organisation=organisation) if precondition in (None, 1) else None
    )
    fmt = MEDIA[media]
    if fmt == "html":
        filters = {
            k: v
            for k, v in (("organisation", organisation), ("precondition", precondition))
            if v is not None
        }
        return templates.TemplateResponse(
            request,
            "validation.html",
            {
                "body": html_body(
                    report,
                    readiness,
                    link=page_link,
                    organisation=organisation,
                    precondition=precondition,
                    service_levels=levels,
                ),
                "report_css": report_css(),
                "formats": {
                    f: "/validation?" + urlencode({**filters, "format": f})
                    for f in ("md", "json", "csv", "ttl")
                },
            },
            headers={"Vary": "Accept"},
        )
    return Response(
        render(report, fmt, readiness, levels),
        media_type=f"{media}; charset=utf-8",
        headers={"Vary": "Accept"},
    )


@router.get(
    "/validation/history",
    responses={
        400: {"description": "since is not 'last', a date or a date and time"},
        **PRIVATE_READ,
        404: {"description": "No earlier run is recorded to compare with"},
        422: {"description": "Invalid parameters"},
        **UNAVAILABLE,
    },
)
def history(
    kb: KBDep,
    since: Annotated[
        str | None,
        Query(
            description="Compare the newest run with an earlier one: 'last' (the run before it), "
            "a date (2026-11-24: the last run before that day) or a date and time (UTC unless "
            "zoned). Without it, the list of runs.",
            examples=["last", "2026-11-24"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="Most runs listed.")] = 100,
) -> dict[str, object]:
    """The recorded validation runs (newest first), or what changed since an earlier run.

    Every validation run is recorded with its time, counts, findings and readiness scores; the
    server validates after every write. With ``since``: findings fixed, findings new, readiness
    scores that moved, and a verdict (better, worse, mixed, unchanged).
    """
    if since is not None:
        return changes_since(kb.store, since).to_dict()
    listed = runs(kb.store)
    return {"runs": [r.to_dict() for r in recorded(listed, limit)], "total": len(listed)}
