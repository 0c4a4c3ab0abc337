"""Linked data: every resource IRI in the data is dereferenceable through ``/id?iri=IRI``.

The data's IRIs belong to their owners (``https://example.org/campus#IT``), not to this server, so
srkb's scheme is a lookup: ``/id?iri=IRI`` answers 303 See Other to ``/data?iri=IRI`` (Turtle,
JSON-LD, N-Triples or RDF/XML by ``Accept``) or, for browsers, to ``/page?iri=IRI`` (HTML).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import KBDep, ReaderDep
from api.negotiation import RDF_MEDIA, RDFLIB_NAMES, rdf_format
from api.responses import NOT_ACCEPTABLE, PRIVATE_READ, UNAVAILABLE
from api.templating import templates
from kb.interchange.describe import check_iri, describe

router = APIRouter(tags=["Linked data"], dependencies=[ReaderDep])

IriParam = Annotated[
    str, Query(description="The resource's full IRI.", examples=["https://example.org/campus#IT"])
]
TRIPLE_FORMATS = ("ttl", "jsonld", "nt", "rdfxml")
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "Not an IRI"},
    **PRIVATE_READ,
    404: {"description": "Nothing is known about the IRI"},
    **NOT_ACCEPTABLE,
    422: {"description": "Missing iri parameter"},
    **UNAVAILABLE,
}


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not any(m in accept for m in RDF_MEDIA.values())


@router.get(
    "/id",
    status_code=303,
    responses={303: {"description": "See the data or the page describing the resource"}, **ERRORS},
)
def dereference(request: Request, iri: IriParam) -> RedirectResponse:
    """Resolve a resource IRI: 303 to its HTML page for browsers, to its RDF otherwise."""
    check_iri(iri)
    target = "resource_page" if _wants_html(request) else "resource_data"
    url = str(request.url_for(target)) + "?" + urlencode({"iri": iri})
    return RedirectResponse(url, status_code=303, headers={"Vary": "Accept"})


@router.get(
    "/data",
    name="resource_data",
    responses={200: {"content": {m: {} for m in RDF_MEDIA.values()}}, **ERRORS},
)
def resource_data(
    kb: KBDep,
    request: Request,
    iri: IriParam,
    format: Annotated[str | None, Query(description="ttl, jsonld, nt or rdfxml.")] = None,
) -> Response:
    """Every triple about the resource, asserted and inferred."""
    fmt = rdf_format(request, format, TRIPLE_FORMATS)
    graph = describe(kb.store, iri).graph()
    body = graph.serialize(format=RDFLIB_NAMES[fmt], encoding="utf-8")
    return Response(body, media_type=RDF_MEDIA[fmt], headers={"Vary": "Accept"})


@router.get(
    "/page",
    name="resource_page",
    response_class=HTMLResponse,
    responses=ERRORS,
)
def resource_page(kb: KBDep, request: Request, iri: IriParam) -> HTMLResponse:
    """An HTML page about the resource, with links to the resources it mentions."""
    description = describe(kb.store, iri)
    outgoing = [(p, o) for s, p, o in description.triples if str(s) == iri]
    incoming = [(s, p) for s, p, o in description.triples if str(o) == iri and str(s) != iri]
    return templates.TemplateResponse(
        request,
        "resource.html",
        {
            "iri": iri,
            "label": description.label,
            "outgoing": sorted(outgoing),
            "incoming": sorted(incoming),
        },
    )
