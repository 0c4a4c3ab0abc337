"""``Accept`` (or an explicit ``format``) to an RDF serialisation, or 406."""

from __future__ import annotations

from fastapi import Request

from kb.errors import InputError
from kb.sparql.results import negotiate
from kb.store import RDF_FORMATS

#: short format name -> media type, in the order offered to ``Accept: */*``.
RDF_MEDIA = dict(RDF_FORMATS)
MEDIA_TO_FORMAT = {media: fmt for fmt, media in RDF_MEDIA.items()}
RDFLIB_NAMES = {
    "ttl": "turtle",
    "nt": "nt",
    "jsonld": "json-ld",
    "rdfxml": "xml",
    "trig": "trig",
    "nq": "nquads",
}


def rdf_format(request: Request, explicit: str | None, offered: tuple[str, ...]) -> str:
    """Choose a short format name from ``?format=`` or the ``Accept`` header."""
    if explicit is not None:
        if explicit not in offered:
            raise InputError(
                f"unknown format {explicit!r}", hint="use one of " + ", ".join(offered)
            )
        return explicit
    media = negotiate(request.headers.get("accept"), tuple(RDF_MEDIA[f] for f in offered))
    return MEDIA_TO_FORMAT[media]
