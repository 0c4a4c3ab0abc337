"""The ecosystem map: an interactive page (``/map``) and the data it draws (``/map/data``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import KBDep, ReaderDep
from api.responses import PRIVATE_READ, UNAVAILABLE
from api.templating import templates
from kb.reporting.ecosystem_map import ecosystem_map

router = APIRouter(tags=["Ecosystem map"], dependencies=[ReaderDep])

ERRORS: dict[int | str, dict[str, Any]] = {
    **PRIVATE_READ,
    **UNAVAILABLE,
}


@router.get("/map", response_class=HTMLResponse, responses=ERRORS)
def map_page(request: Request) -> HTMLResponse:
    """The ecosystem map for browsers: click an organisation for its details and its impact."""
    return templates.TemplateResponse(request, "map.html", {})


@router.get("/map/data", responses=ERRORS)
def map_data(kb: KBDep) -> dict[str, Any]:
    """The map's nodes and edges, as the page draws them.

    Nodes are organisations: roles, the primary role's colour and shape, failing preconditions,
    findings and a position. Edges go from provider to consumer with the services provided.
    """
    return ecosystem_map(kb.store, kb.report()).to_dict()
