"""``srkb serve``: the HTTP service over the configured store, with every verb's settings."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.application import (
    announcement,
    app,
    err,
    run,
    state,
)


@contextmanager
def announced(store: str, host: str, port: int) -> Iterator[None]:
    """Say beside an embedded store that this server holds it, while it runs.

    CLI verbs that find the store locked read the URL there and read through the server (see
    :func:`kb.cli.application.opened_store`). The file holds the URL and this process's id, and
    goes when the server stops: uvicorn re-raises the SIGTERM it caught once it has shut down,
    so SIGTERM is made to exit through Python (``SystemExit``) and this block's cleanup runs; a
    file left by a process killed outright names a dead process and is ignored. Nothing is
    written for ``memory`` or a remote store, which no other process could open anyway.
    """
    if store == "memory" or store.startswith(("http://", "https://")):
        yield
        return
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a test
    if ":" in reachable:
        reachable = f"[{reachable}]"
    url = f"http://{reachable}:{port}"
    path = announcement(store)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{url}\n{os.getpid()}\n", encoding="utf-8")
    except OSError:
        yield  # a read-only parent directory: the CLI then says how to use --server instead
        return
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        with suppress(OSError):
            if path.read_text(encoding="utf-8").split()[:1] == [url]:
                path.unlink()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """Leave through ``SystemExit`` (status 143, as a SIGTERM death), so cleanup runs."""
    raise SystemExit(128 + signum)


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
        with announced(settings.store, settings.host, settings.port):
            uvicorn.run(
                create_app(settings),
                host=settings.host,
                port=settings.port,
                log_level="info",
                http=protocol_with(settings.header_timeout),  # slow headers are cut off
            )

    run(body)
