"""Typed errors of the knowledge base.

Every error a user can cause or fix is one of these, with a message that says what went wrong,
where (file, line, column, field or row) and what to do. The CLI maps them to exit codes and the API
to HTTP status codes in one table each; nothing below those edges chooses a code.
"""

from __future__ import annotations

from pathlib import Path


class SrkbError(Exception):
    """Base class of every error srkb raises on purpose."""

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled whole (message and fields such as a location or a problem count), so that an
        # error raised in a helper process (kb.interchange.parse_process) reads the same here.
        return (_rebuilt, (type(self), self.args, dict(self.__dict__)))


def _rebuilt(
    kind: type[SrkbError], args: tuple[object, ...], state: dict[str, object]
) -> SrkbError:
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InputError(SrkbError):
    """Input the user gave cannot be used: bad syntax, unknown format, missing parameter.

    Carries a location in the style of Python's ``SyntaxError`` (source, line, column) so that an
    editor or a person can jump to it.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.reason = message
        self.source = str(source) if source is not None else None
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        text = f"{where}{self.reason}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class QuerySyntaxError(InputError):
    """A SPARQL query or update does not parse."""


class UnsupportedMediaTypeError(InputError):
    """A request body in a media type the operation does not take (HTTP 415)."""


class NetworkAccessRefusedError(InputError):
    """Input needs the network (remote JSON-LD context, external entity, SERVICE) and it is off."""


class NotFoundError(SrkbError):
    """A named thing (question, graph, organisation, example) does not exist."""


class StoreUnavailableError(SrkbError):
    """The store cannot be reached or opened (remote endpoint down, data directory locked)."""


class StoreBusyError(StoreUnavailableError):
    """An embedded store's directory is locked by another process (a running ``srkb serve``).

    RocksDB lets one process open a store at a time, and opening it read-only while another
    process writes is undefined in pyoxigraph: the owner of the store must be asked instead.
    """


class EndpointAnswerError(StoreUnavailableError):
    """The endpoint answered, but not with something srkb can use (a bad gateway, in HTTP terms).

    An HTML page instead of results, a body cut short, a wrong content type, a reply that is not
    HTTP, an error status other than "unavailable". Unlike an endpoint that is down, this is
    rarely fixed by waiting: the URL, the credentials or the endpoint itself need a look.
    """


class QueryMemoryError(StoreUnavailableError):
    """A query needed more memory than a query may use (``SRKB_QUERY_MEMORY``) and was stopped."""


class QueryTimeoutError(SrkbError):
    """A query ran longer than the configured timeout and was stopped."""


class WriteRefusedError(SrkbError):
    """A write was refused: the store is read-only, or the request is not allowed to write."""


class ServerHoldsStoreError(WriteRefusedError):
    """A write was asked of a store that a running server holds: it must go through the server."""


class ResultLimitError(SrkbError):
    """A query returned more rows or triples than the configured limit allows."""


class ForbiddenOperationError(InputError):
    """A request asks for something srkb refuses by policy (an update at a read-only endpoint)."""
