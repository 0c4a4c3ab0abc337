"""Dependencies: the knowledge base, the settings, and the bearer-token checks.

Tokens are compared in constant time (:func:`hmac.compare_digest`) and never logged. Every
dependency is ``async``: none of them blocks, and FastAPI runs a plain ``def`` dependency in a
worker thread, a hand-off that cost about half the server's CPU on one-organisation questions
(bench/api_load.py: ~620 -> ~820 requests/s).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kb.config import Settings
from kb.knowledge_base import KnowledgeBase

_bearer = HTTPBearer(auto_error=False, description="Bearer token (SRKB_API_TOKEN).")


async def get_kb(request: Request) -> KnowledgeBase:
    """The app's knowledge base, opened by the lifespan."""
    kb: KnowledgeBase = request.app.state.kb
    return kb


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


KBDep = Annotated[KnowledgeBase, Depends(get_kb)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


async def require_writer(settings: SettingsDep, credentials: Credentials) -> None:
    """Allow the request only with the configured write token."""
    if settings.api_token is None:
        raise HTTPException(403, "writes are disabled: no SRKB_API_TOKEN is configured")
    if credentials is None:
        raise HTTPException(
            401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    if not _matches(credentials.credentials, settings.api_token.get_secret_value()):
        raise HTTPException(
            401, "the bearer token is not valid", headers={"WWW-Authenticate": "Bearer"}
        )


async def require_reader(settings: SettingsDep, credentials: Credentials) -> None:
    """When reads are private (SRKB_READ_TOKEN), allow the read or the write token."""
    if settings.read_token is None:
        return
    allowed = [settings.read_token.get_secret_value()]
    if settings.api_token is not None:
        allowed.append(settings.api_token.get_secret_value())
    if credentials is None or not any(_matches(credentials.credentials, t) for t in allowed):
        raise HTTPException(
            401,
            "this server's data is private: send a bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


WriterDep = Depends(require_writer)
ReaderDep = Depends(require_reader)
