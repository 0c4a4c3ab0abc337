"""OpenAPI descriptions of the error answers many routes share, written once.

Routes spread these into their ``responses=`` so that every status a route can answer is
declared (schemathesis checks that) and says the same thing everywhere.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

from kb.knowledge_base import Written

#: A read route when ``SRKB_READ_TOKEN`` makes reads private.
PRIVATE_READ: dict[int | str, dict[str, Any]] = {
    401: {"description": "Reads are private and no valid token was sent"},
}
#: Any route that reaches the store.
UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"description": "Store unavailable"}}
#: A route that negotiates its media type from ``Accept``.
NOT_ACCEPTABLE: dict[int | str, dict[str, Any]] = {
    406: {"description": "No acceptable media type"},
}

#: The header every applied write carries: ``done`` when inference and validation followed it,
#: ``pending`` when they could not (the store stopped answering, or they failed) and srkb retries
#: them. The write is applied either way: srkb never answers an error after applying one.
REFRESH_HEADER = "Srkb-Refresh"
#: How OpenAPI describes it on every write route.
REFRESH_HEADERS: dict[str, Any] = {
    REFRESH_HEADER: {
        "description": "done: inference and validation followed the write; pending: they "
        "could not yet (the write is applied; srkb retries them)",
        "schema": {"type": "string", "enum": ["done", "pending"]},
    }
}


def written(status: int, write: Written[Any], headers: dict[str, str] | None = None) -> Response:
    """The answer to an applied write: ``status`` and the ``Srkb-Refresh`` header."""
    return Response(status_code=status, headers={**(headers or {}), REFRESH_HEADER: write.refresh})
