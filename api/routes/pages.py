"""The home page (what this server offers, with links) and the favicon."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from api.deps import KBDep, ReaderDep
from api.responses import PRIVATE_READ, UNAVAILABLE
from api.templating import templates
from kb import __version__
from kb.ecosystem.questions import questions
from kb.ecosystem.views import roles_by_organisation

router = APIRouter(tags=["Pages"])
STATIC = Path(__file__).resolve().parent.parent / "static"


@router.get(
    "/",
    response_class=HTMLResponse,
    dependencies=[ReaderDep],
    responses={
        **PRIVATE_READ,
        **UNAVAILABLE,
    },
)
def home(kb: KBDep, request: Request) -> HTMLResponse:
    """What the knowledge base holds and where to go next."""
    report = kb.report()
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "version": __version__,
            "organisations": roles_by_organisation(kb.store),
            "questions": list(questions().values()),
            "violations": sum(1 for f in report.findings if f.severity == "Violation"),
            "warnings": sum(1 for f in report.findings if f.severity != "Violation"),
        },
    )


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The site icon (browsers ask for it; a 404 shows as a console error)."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


@router.get("/health", tags=["Pages"], responses={503: {"description": "Store unavailable"}})
def health(kb: KBDep) -> dict[str, object]:
    """Liveness: the store answers a query."""
    kb.store.query("ASK { }")
    return {"status": "ok", "version": __version__, "store": kb.store.location}
