"""Reading request bodies with the upload-size limit enforced before anything is parsed."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import HTTPException, Request


async def read_body(request: Request, limit: int) -> bytes:
    """Read the body, refusing (413) as soon as it is larger than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is larger than the {limit}-byte limit")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the body is larger than the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    """The request's media type without parameters, lower case."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def form_fields(body: bytes) -> dict[str, list[str]]:
    """Parse an ``application/x-www-form-urlencoded`` body.

    Percent-encoded bytes that are not UTF-8 are refused too (``errors="strict"``): by default
    they would become U+FFFD, and an update would write text the client never sent.
    """
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as err:
        raise HTTPException(400, "the form body is not valid UTF-8") from err


def text(body: bytes) -> str:
    """Decode a UTF-8 body, or refuse it (400) with where the bad byte is."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise HTTPException(400, f"the body is not valid UTF-8 (byte {err.start})") from err
