"""Settings of the knowledge base and its HTTP service, from ``SRKB_*`` environment variables.

One pydantic-settings model so that the CLI, ``srkb serve`` and the API read configuration the same
way: environment variables win over a config file (``SRKB_CONFIG`` or ``--config``, dotenv syntax),
which wins over the defaults. Secrets (the API token, remote passwords) are never logged or echoed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything srkb can be told; each field is the environment variable ``SRKB_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SRKB_", extra="ignore")

    store: str = Field("data/store", description="A directory, 'memory', or a SPARQL endpoint URL.")
    update_url: str | None = Field(None, description="Remote SPARQL Update URL, if not guessed.")
    remote_user: str | None = None
    remote_password: SecretStr | None = None
    remote_token: SecretStr | None = None
    api_token: SecretStr | None = Field(
        None, description="Bearer token for writes; no token means writes are refused."
    )
    read_token: SecretStr | None = Field(
        None, description="If set, reads need this bearer token (or the write token) too."
    )
    query_timeout: float = Field(30.0, gt=0, description="Seconds before a query is given up.")
    result_limit: int = Field(100_000, gt=0, description="Most rows or triples a query may return.")
    max_upload_bytes: int = Field(50 * 1024 * 1024, gt=0, description="Largest accepted body.")
    max_query_bytes: int = Field(
        256 * 1024,
        gt=0,
        description="Largest SPARQL query or update text, refused (413) before it is parsed.",
    )
    max_concurrent_requests: int = Field(
        32, ge=0, description="Requests served at once (503 beyond); 0 means no limit."
    )
    rate_limit: float = Field(
        0.0, ge=0, description="Requests per second per client address (429 beyond); 0 is off."
    )
    rate_limit_burst: int = Field(
        20, gt=0, description="Requests a client may send at once before the rate limit applies."
    )
    query_workers: int = Field(
        2,
        ge=0,
        description="Worker processes for /sparql on an on-disk store (killed at the timeout); "
        "0 runs queries in threads of the server, which cannot stop them.",
    )
    max_abandoned_queries: int = Field(
        4,
        gt=0,
        description="Timed-out queries still running in threads before /sparql answers 503.",
    )
    max_client_requests: int = Field(
        8,
        ge=0,
        description="Requests one client address may have in flight at once (503 beyond), so "
        "that one client cannot take every slot of SRKB_MAX_CONCURRENT_REQUESTS; 0 means no limit.",
    )
    refusal_delay: float = Field(
        2.0,
        ge=0,
        description="Longest wait, in seconds, before a request is served when many of its "
        "client address's recent requests were refused (400, 401, 403, 408, 413, 414, 422, "
        "431): 0.1 s per refusal beyond 10, a count that halves every 10 s; 0 is off.",
    )
    body_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds a request's body may take to arrive, and the longest pause between "
        "two of its parts; beyond either the request is answered 408 and its slot freed.",
    )
    header_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds a connection may take to send a request's headers; then it is closed.",
    )
    query_memory: int = Field(
        2048,
        ge=0,
        description="MiB of memory a query worker may allocate (RLIMIT_DATA); a query that needs "
        "more is stopped and answered 503; 0 means no cap.",
    )
    history_runs: int = Field(
        50,
        ge=0,
        description="Validation runs the history keeps (older ones are dropped as new ones are "
        "recorded); 0 keeps every run.",
    )
    allow_service: bool = Field(False, description="Allow SPARQL SERVICE (network access).")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    demo: bool = Field(False, description="Load the campus demo ecosystem at start-up.")
    page_size: int = Field(100, gt=0, le=10_000, description="Default page size of JSON lists.")

    def remote_options(self) -> dict[str, str]:
        """Keyword options for :func:`kb.store.open_store` on a remote endpoint."""
        options: dict[str, str] = {}
        if self.update_url:
            options["update_url"] = self.update_url
        if self.remote_user:
            options["user"] = self.remote_user
        if self.remote_password:
            options["password"] = self.remote_password.get_secret_value()
        if self.remote_token:
            options["token"] = self.remote_token.get_secret_value()
        return options


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Read settings from the environment, an optional dotenv file, and explicit overrides."""
    clean: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    if config_file is not None:
        clean["_env_file"] = config_file
    return Settings(**clean)
