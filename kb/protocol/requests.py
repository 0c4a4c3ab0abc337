"""Reading a SPARQL 1.1 Protocol request: which query or update, with which dataset.

The protocol (W3C SPARQL 1.1 Protocol, sections 2.1 and 2.2) allows three ways to send an
operation: GET with a query string, POST of a form (``application/x-www-form-urlencoded``), and
POST of the text itself (``application/sparql-query`` or ``application/sparql-update``). This
module turns the parts of an HTTP request (method, URL parameters, media type, body) into a
:class:`QueryRequest` or :class:`UpdateRequest`, and refuses what the protocol says a service must
refuse, with a typed error the API maps to a status:

* more than one ``query`` or ``update`` parameter, an update sent to the query operation (or by
  GET), a query sent to the update operation, a form without the field: :class:`InputError` (400);
* a body that is not UTF-8, or declares another charset: :class:`InputError` (400);
* a POST in any other media type, or none: :class:`UnsupportedMediaTypeError` (415).

Dataset parameters (``default-graph-uri``, ``named-graph-uri``, ``using-graph-uri``,
``using-named-graph-uri``) may come in the URL or, for a form, in the body; the body's win.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from kb.errors import InputError, UnsupportedMediaTypeError
from kb.interchange.parse_process import in_helper

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

Params = Sequence[tuple[str, str]]

__all__ = [
    "QueryRequest",
    "UnsupportedMediaTypeError",
    "UpdateRequest",
    "query_request",
    "update_request",
]


@dataclass(frozen=True)
class QueryRequest:
    """A query and the dataset the protocol request gives for it (empty: none given)."""

    text: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateRequest:
    """An update and the ``USING`` dataset the protocol request gives for it."""

    text: str
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()


def split_media_type(content_type: str | None) -> tuple[str, str | None]:
    """The media type (lower case) and its charset parameter, if any.

    >>> split_media_type("application/sparql-query; charset=UTF-8")
    ('application/sparql-query', 'utf-8')
    """
    if not content_type:
        return "", None
    media, *parameters = content_type.split(";")
    charset = None
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _text(body: bytes, charset: str | None, what: str) -> str:
    """The body as text: UTF-8 only, as the protocol requires."""
    if charset not in (None, "utf-8", "utf8"):
        raise InputError(
            f"the {what} is declared as {charset}; the SPARQL protocol takes UTF-8 only",
            source=what,
            hint="send it encoded as UTF-8",
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"the {what} is not valid UTF-8 (byte {err.start})", source=what) from err


#: Form bodies from this size on are decoded in the helper process of
#: :mod:`kb.interchange.parse_process`: percent-decoding a 600 KB form (a 250 KB query of
#: operators) is 80-150 ms of pure Python, which would hold the service's interpreter meanwhile.
HELPER_FORM_BYTES = 64 * 1024


def form_fields(body: bytes) -> list[tuple[str, str]]:
    """A form body's fields (a large one decoded in the helper process)."""
    if len(body) >= HELPER_FORM_BYTES:
        return in_helper(decode_form, body)
    return decode_form(body)


def decode_form(body: bytes) -> list[tuple[str, str]]:
    """A form body's fields; percent-encoded bytes that are not UTF-8 are refused."""
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as err:
        raise InputError("the form body is not valid UTF-8", source="form") from err


def _all(params: Params, name: str) -> list[str]:
    return [value for key, value in params if key == name]


def _one(params: Params, name: str, what: str) -> str | None:
    values = _all(params, name)
    if len(values) > 1:
        raise InputError(
            f"the request has {len(values)} '{name}' parameters; the protocol allows one",
            source=what,
            hint=f"send one {name} per request",
        )
    return values[0] if values else None


def _dataset(url: Params, form: Params, names: tuple[str, str]) -> tuple[tuple[str, ...], ...]:
    """The two dataset parameters, from the form if it has any, else from the URL."""
    source = form if any(key in names for key, _ in form) else url
    return tuple(tuple(_all(source, name)) for name in names)


def query_request(
    method: str, url: Params, content_type: str | None, body: bytes
) -> QueryRequest | None:
    """The query of a request to the query operation; ``None`` when it has none (GET only).

    A GET without a query is a request for the service description.
    """
    names = ("default-graph-uri", "named-graph-uri")
    if _all(url, "update"):
        raise InputError(
            "an update cannot be sent to the query operation (and never by GET)",
            source="query",
            hint="POST it to /update with a bearer token",
        )
    if method == "GET":
        text = _one(url, "query", "query")
        if text is None:
            return None
        defaults, named = _dataset(url, (), names)
        return QueryRequest(text, defaults, named)
    media, charset = split_media_type(content_type)
    if media == FORM:
        form = form_fields(body)
        if _all(form, "update"):
            raise InputError("this endpoint is read-only: send updates to /update", source="query")
        text = _one([*url, *form], "query", "query")
        if text is None:
            raise InputError("the form has no 'query' field", source="query")
        defaults, named = _dataset(url, form, names)
        return QueryRequest(text, defaults, named)
    if media == QUERY_TYPE:
        if _all(url, "query"):
            raise InputError(
                "the request has a query in the body and another in the URL", source="query"
            )
        defaults, named = _dataset(url, (), names)
        return QueryRequest(_text(body, charset, "query"), defaults, named)
    raise UnsupportedMediaTypeError(
        f"a query is POSTed as {FORM} or {QUERY_TYPE}, not {media or 'a body without a type'}",
        source="query",
    )


def update_request(url: Params, content_type: str | None, body: bytes) -> UpdateRequest:
    """The update of a POST to the update operation."""
    names = ("using-graph-uri", "using-named-graph-uri")
    if _all(url, "query"):
        raise InputError("a query cannot be sent to the update operation", source="update")
    media, charset = split_media_type(content_type)
    if media == FORM:
        form = form_fields(body)
        if _all(form, "query"):
            raise InputError(
                "a query cannot be sent to the update operation: send it to /sparql",
                source="update",
            )
        text = _one([*url, *form], "update", "update")
        if text is None:
            raise InputError("the form has no 'update' field", source="update")
        using, named = _dataset(url, form, names)
        return UpdateRequest(text, using, named)
    if media == UPDATE_TYPE:
        if _all(url, "update"):
            raise InputError(
                "the request has an update in the body and another in the URL", source="update"
            )
        using, named = _dataset(url, (), names)
        return UpdateRequest(_text(body, charset, "update"), using, named)
    raise UnsupportedMediaTypeError(
        f"an update is POSTed as {FORM} or {UPDATE_TYPE}, not {media or 'a body without a type'}",
        source="update",
    )
