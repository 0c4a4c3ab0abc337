"""``srkb serve``: the HTTP service over the configured store, with every verb's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kb.cli.application import (
    app,
    err,
    run,
    state,
)


@app.command(rich_help_panel="Service")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (env SRKB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (env SRKB_PORT).")] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the campus demo ecosystem at start-up.")
    ] = False,
    token: Annotated[
        str | None,
        typer.Option("--api-token", help="Bearer token for writes (env SRKB_API_TOKEN)."),
    ] = None,
    query_timeout: Annotated[
        float | None, typer.Option(help="Seconds per query (env SRKB_QUERY_TIMEOUT).")
    ] = None,
    max_upload_bytes: Annotated[
        int | None, typer.Option(help="Largest request body (env SRKB_MAX_UPLOAD_BYTES).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(envvar="SRKB_CONFIG", help="A dotenv file of SRKB_* settings.")
    ] = None,
) -> None:
    """Serve the knowledge base over HTTP (SPARQL endpoint, questions, linked data, reports)."""
    import uvicorn

    from api.connections import protocol_with
    from api.main import create_app

    def body() -> None:
        settings = state.settings(
            config,
            host=host,
            port=port,
            demo=demo or None,
            api_token=token,
            query_timeout=query_timeout,
            max_upload_bytes=max_upload_bytes,
        )
        err.print(f"serving {settings.store} on http://{settings.host}:{settings.port}")
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level="info",
            http=protocol_with(settings.header_timeout),  # slow headers are cut off
        )

    run(body)
