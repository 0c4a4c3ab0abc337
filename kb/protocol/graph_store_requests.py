"""Reading a Graph Store Protocol request: which graph, and which RDF documents in the body.

The SPARQL 1.1 Graph Store HTTP Protocol names the graph a request acts on in one of three ways:

* *direct* identification: the request URL itself is the graph's IRI (``/store/person/1.ttl`` is
  the graph ``http://HOST/store/person/1.ttl``, the URL as the client sent it, without its query);
* *indirect* identification: ``?graph=IRI`` (an absolute IRI, percent-decoded once) or
  ``?default`` (the default graph);
* neither, on a POST to the store itself: a new graph, which srkb names under the store's URL
  (``/store/<random hex>``) so that its IRI can also be used directly, and reports in ``Location``.

A request that names a graph twice (a path and a parameter, ``graph`` and ``default``, two
``graph`` parameters), an empty ``?graph=``, or an IRI without a scheme is refused
(:class:`~kb.errors.InputError`, 400) before anything is read or written.

A POST body may also be ``multipart/form-data``: each part is an RDF document in its own media
type, and all of them are merged into the target graph in one write.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser

from kb.errors import InputError
from kb.protocol.requests import UnsupportedMediaTypeError, split_media_type
from kb.store import RDF_FORMATS

Params = Sequence[tuple[str, str]]
MULTIPART = "multipart/form-data"
#: Media type -> srkb's short RDF format name.
FORMAT_OF_MEDIA = {media: fmt for fmt, media in RDF_FORMATS.items()}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")


@dataclass(frozen=True)
class GraphTarget:
    """The graph a request acts on: a named graph, the default graph, or a new graph."""

    graph: str | None  # None: the default graph
    new: bool = False  # a graph srkb named for this POST (201 with Location)


def _absolute_iri(value: str) -> str:
    if not value:
        raise InputError(
            "?graph= is empty: it must name a graph by its IRI",
            source="graph",
            hint="use ?default for the default graph",
        )
    if not _SCHEME.match(value) or any(ch in value for ch in '<>"{}|^`\\ \n\t'):
        raise InputError(
            f"?graph={value} is not an absolute IRI",
            source="graph",
            hint="give the graph's full IRI, e.g. https://example.org/graph/1, percent-encoded",
        )
    return value


def identify(store_url: str, path: str, params: Params, *, method: str) -> GraphTarget:
    """The graph named by a request to ``store_url`` + ``path`` with query ``params``.

    ``path`` is what follows the store's own URL (empty or ``/`` for the store itself).
    """
    graphs = [value for key, value in params if key == "graph"]
    default = any(key == "default" for key, _ in params)
    direct = path not in ("", "/")
    if sum((direct, bool(graphs), default)) > 1 or len(graphs) > 1:
        raise InputError(
            "the request names its graph more than once (a path, ?graph= and ?default are "
            "three ways to name one graph)",
            source="graph",
            hint="name it once",
        )
    if direct:
        return GraphTarget(store_url + path)
    if graphs:
        return GraphTarget(_absolute_iri(graphs[0]))
    if default:
        return GraphTarget(None)
    if method == "POST":
        return GraphTarget(f"{store_url}/{uuid.uuid4().hex}", new=True)
    raise InputError(
        "give ?graph=IRI or ?default, or use the graph's own URL under /store",
        source="graph",
    )


def rdf_format(content_type: str | None) -> str:
    """The short RDF format of a body's media type, or :class:`UnsupportedMediaTypeError`."""
    media, _charset = split_media_type(content_type)
    if media not in FORMAT_OF_MEDIA:
        raise UnsupportedMediaTypeError(
            f"{media or 'a body without a type'} is not an RDF media type srkb reads",
            source="body",
            hint="send one of: " + ", ".join(RDF_FORMATS.values()),
        )
    return FORMAT_OF_MEDIA[media]


def documents(content_type: str | None, body: bytes) -> list[tuple[str, str, bytes]]:
    """The RDF documents of a body: ``(name, format, bytes)``; one unless it is multipart."""
    media, _charset = split_media_type(content_type)
    if media != MULTIPART:
        return [("body", rdf_format(content_type), body)]
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser().parsebytes(header + body)
    if not message.is_multipart():
        raise InputError("the multipart/form-data body has no parts", source="body")
    parts: list[tuple[str, str, bytes]] = []
    for number, part in enumerate(message.get_payload(), start=1):
        if not isinstance(part, Message):
            continue
        name = part.get_filename() or part.get_param("name", header="content-disposition")
        label = str(name) if isinstance(name, str) else f"part {number}"
        payload = part.get_payload(decode=True)
        parts.append((label, rdf_format(part.get("content-type")), bytes(payload or b"")))
    if not parts:
        raise InputError("the multipart/form-data body has no parts", source="body")
    return parts
