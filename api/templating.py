"""Jinja templates of the HTML pages, with a filter that shortens IRIs to CURIEs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from rdflib import URIRef

from kb.namespaces import curie

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def page_link(value: object) -> str:
    """The resource page URL of an IRI."""
    return "/page?" + urlencode({"iri": str(value)})


def is_iri(value: object) -> bool:
    """True for IRIs (links), false for literals."""
    return isinstance(value, URIRef) or (
        isinstance(value, str) and value.startswith(("http://", "https://"))
    )


templates.env.filters["curie"] = curie
templates.env.filters["page_link"] = page_link
templates.env.tests["iri"] = is_iri
