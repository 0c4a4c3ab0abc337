"""``POST /import``: an ecosystem as YAML, a workbook (.xlsx) or a .zip of CSV files.

The body is checked whole before anything is written (the same checks as ``srkb import``); a body
with problems is refused with 400 and every problem located (file, sheet, row, column; YAML line)
in a ``problems`` list, and the store is unchanged. A clean body replaces the source graph of its
``name`` and inference and validation run again. Needs the bearer token; size-limited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.bodies import media_type, read_body
from api.deps import KBDep, SettingsDep, WriterDep
from api.errors import problem
from api.responses import REFRESH_HEADERS, UNAVAILABLE, written
from kb.interchange.importing import ImportValidationError, import_upload
from kb.interchange.tabular_export import XLSX_MEDIA

router = APIRouter(tags=["Import"])

#: Media types accepted, and the import format each means.
IMPORT_MEDIA: dict[str, str] = {
    "application/yaml": "yaml",
    "application/x-yaml": "yaml",
    "text/yaml": "yaml",
    "text/x-yaml": "yaml",
    XLSX_MEDIA: "xlsx",
    "application/zip": "csv",
}
SUFFIX = {"yaml": "yaml", "xlsx": "xlsx", "csv": "zip"}
PROBLEM_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "total": {"type": "integer", "description": "How many problems there are in all."},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    k: {"type": "integer" if k in ("row", "line") else "string"}
                    for k in ("file", "sheet", "row", "column", "line", "cell", "message", "hint")
                },
            },
        },
    },
}
RESPONSES: dict[int | str, dict[str, object]] = {
    201: {"description": "Imported into a new source graph", "headers": REFRESH_HEADERS},
    204: {
        "description": "Imported, replacing the source graph of an earlier import",
        "headers": REFRESH_HEADERS,
    },
    400: {
        "description": "The input has problems; nothing was imported. The first 100 problems "
        "are listed, located by file, sheet, row and column (YAML: line); total counts them all",
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
    },
    401: {"description": "Missing or invalid bearer token"},
    403: {"description": "Writes disabled (no SRKB_API_TOKEN)"},
    413: {"description": "Body larger than SRKB_MAX_UPLOAD_BYTES"},
    415: {"description": "Not YAML, an .xlsx workbook or a .zip of CSV files"},
    422: {"description": "Invalid parameters"},
    **UNAVAILABLE,
}
BODY = {
    "requestBody": {
        "required": True,
        "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in IMPORT_MEDIA},
    }
}


@router.post(
    "/import",
    dependencies=[WriterDep],
    status_code=201,
    responses=RESPONSES,
    openapi_extra=BODY,
)
async def import_ecosystem(
    kb: KBDep,
    settings: SettingsDep,
    request: Request,
    name: Annotated[
        str | None,
        Query(
            description="A file name for the import (its source graph is named after it; "
            "importing the same name again replaces it). Default: import.yaml, import.xlsx "
            "or import.zip.",
            pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,99}$",
        ),
    ] = None,
) -> Response:
    """Import an ecosystem (all-or-nothing); see docs/import-format.md for the formats."""
    fmt = IMPORT_MEDIA.get(media_type(request))
    if fmt is None:
        raise HTTPException(415, "send application/yaml, " + XLSX_MEDIA + " or application/zip")
    body = await read_body(request, settings.max_upload_bytes)
    source = name or f"import.{SUFFIX[fmt]}"
    try:
        created = await run_in_threadpool(import_upload, kb, body, fmt=fmt, name=source)
    except ImportValidationError as error:
        return problem(
            400,
            str(error),
            problems=[p.as_dict() for p in error.problems],  # the first MAX_LISTED of them
            total=error.total,
        )
    return written(201 if created.value else 204, created)
