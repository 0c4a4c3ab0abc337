"""OpenAPI descriptions of the error answers many routes share, written once.

Routes spread these into their ``responses=`` so that every status a route can answer is
declared (schemathesis checks that) and says the same thing everywhere.
"""

from __future__ import annotations

from typing import Any

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
