"""The ``srkb`` application: global options, configuration, exit codes, and shared helpers.

Configuration has one path: the global options are overrides of :class:`kb.config.Settings`
(which reads ``SRKB_*`` variables and an optional dotenv file), so every verb, ``serve`` included,
sees the same store, timeout and remote credentials. Exit codes: 0 success or a conformant
validation, 1 a validation with violations (or data HermiT finds inconsistent), 2 usage or input
errors (bad file, unknown question, unreachable store). Errors print one line that says what,
where and what to do; ``--verbose`` adds the story in logs.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from kb.cli.listing import Listing, check_format, iris, render
from kb.config import Settings, load_settings
from kb.errors import ServerHoldsStoreError, SrkbError, StoreBusyError
from kb.prefixes import Prefixes
from kb.progress import Stage, report, terminal_progress
from kb.store import Store, open_store
from kb.store.terms import quiet_literal_warnings

T = TypeVar("T")

EXIT_OK = 0
EXIT_NOT_CONFORMANT = 1
#: Every :class:`~kb.errors.SrkbError` the CLI meets is a usage or input error for the person
#: who typed the command: a bad file, an unknown question, a store that cannot be reached.
EXIT_USAGE = 2

app = typer.Typer(
    name="srkb",
    help="Service Relationship Knowledge Base: load ecosystems, infer roles, check preconditions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


class State:
    """The global options of this invocation, as overrides of the settings."""

    overrides: dict[str, Any] = {}  # noqa: RUF012 - one process, one state
    #: ``--timeout`` as given: the CLI waits on a remote store as long as it takes unless told.
    timeout: float | None = None
    #: The store's prefixes, once read (:func:`store_prefixes`).
    prefixes: Prefixes | None = None
    #: ``--server URL`` / ``SRKB_SERVER``: read through this running srkb server.
    server: str | None = None
    #: The server this command reads through, once :func:`opened_store` chose one.
    via_server: str | None = None

    def settings(self, config: Path | None = None, **more: Any) -> Settings:
        """The settings: explicit options over ``SRKB_*`` variables over the dotenv file."""
        return load_settings(config, **self.overrides, **more)


state = State()


def run(action: Callable[[], T]) -> T:
    """Run a command body; turn srkb errors into one line on stderr and exit code 2."""
    try:
        return action()
    except SrkbError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from error


def announcement(store: str) -> Path:
    """The file beside an embedded store that says which ``srkb serve`` holds it, and where.

    ``srkb serve`` writes it while it runs; a CLI verb that finds the store locked reads it to
    read through that server instead (see :func:`opened_store`).
    """
    path = Path(store)
    return path.with_name(path.name + ".srkb-serve")


def announced_server(store: str) -> str | None:
    """The URL of the server that announced it holds ``store``, if one did and still runs."""
    try:
        words = announcement(store).read_text(encoding="utf-8").split()
    except OSError:
        return None
    if len(words) != 2 or not words[0].startswith(("http://", "https://")):
        return None
    url, pid = words
    try:
        os.kill(int(pid), 0)  # signal 0: does the process exist (and may we signal it)?
    except (ValueError, ProcessLookupError):
        return None  # left by a server that was killed outright
    except PermissionError:
        pass  # it exists, under another user
    return url


def _server_store(url: str) -> Store:
    """A running srkb server's SPARQL endpoint as a store to read (no update URL, no token)."""
    return open_store(url.rstrip("/") + "/sparql", timeout=state.timeout)


def _writes_go_through(url: str, store: str) -> ServerHoldsStoreError:
    return ServerHoldsStoreError(
        f"the store {store} is held by srkb serve at {url}, so this command cannot write to it: "
        f"write through the server with its API token, e.g. curl -X PUT -H 'Authorization: "
        f"Bearer $SRKB_API_TOKEN' -H 'Content-Type: text/turtle' --data-binary @FILE.ttl "
        f"'{url}/store?graph=https://w3id.org/srkb/graph/source/FILE.ttl' (or POST {url}/import "
        "for YAML and workbooks); or stop the server and run the command again"
    )


@contextmanager
def opened_store(*, reinfer: bool = True, read_only: bool = False) -> Iterator[Store]:
    """Open the configured store and close it however the command ends.

    First it repairs what a killed write may have left (:func:`kb.recovery.recover`): inferences
    older than the data are recomputed, unless the command infers anyway (``reinfer=False``).

    **Beside a running server.** With ``--server URL`` (``SRKB_SERVER``), or when the embedded
    store is locked by an ``srkb serve`` that announced itself, a ``read_only`` verb reads through
    that server's SPARQL endpoint: the server owns the store, keeps its inferences current and
    answers from a consistent checkpoint; nothing is repaired or written from here. Opening the
    store's files read-only behind the server's back is not done: pyoxigraph documents it as
    undefined while another process writes. A verb that writes is refused with the way to write
    through the server.
    """
    from kb.recovery import recover

    settings = state.settings()
    if state.server is not None:
        if not read_only:
            raise _writes_go_through(state.server, settings.store)
        state.via_server = state.server
        store = _server_store(state.server)
        try:
            yield store
        finally:
            store.close()
        return
    options = (
        settings.remote_options() if settings.store.startswith(("http://", "https://")) else {}
    )
    try:
        store = open_store(settings.store, timeout=state.timeout, **options)
    except StoreBusyError as busy:
        url = announced_server(settings.store)
        if url is None:
            raise StoreBusyError(
                f"{busy}: if srkb serve holds it, read through the server with --server URL "
                "(or SRKB_SERVER=URL) and write through its HTTP API; else wait for the other "
                "process to finish"
            ) from busy
        if not read_only:
            raise _writes_go_through(url, settings.store) from busy
        err.print(
            f"{settings.store} is held by srkb serve at {url}: reading through it",
            highlight=False,
            soft_wrap=True,
        )
        state.via_server = url
        store = _server_store(url)
        try:
            yield store
        finally:
            store.close()
        return
    try:
        recover(store, reinfer=infer_with_progress if reinfer else None)
        yield store
    finally:
        store.close()


def write_then_infer(
    change: Callable[[Store], T],
    *,
    infer_after: bool = True,
    then: Callable[[T], None] | None = None,
) -> T:
    """Install the model and apply ``change`` as one write, then infer: every verb that writes.

    The write goes through :func:`kb.knowledge_base.apply_write`, as the service's writes do;
    ``then`` sees its result once it is applied, before inference.

    The inferred graph is marked stale with the write, so a process killed before inference ends
    leaves a store that infers again when opened; ``--no-infer`` leaves it so on purpose. Once the
    write is applied, inference failing (a remote store gone) is a warning on stderr and exit 0,
    not an error: the data is there, and the stale mark has the next command infer.
    """
    from kb.interchange.loading import install_model
    from kb.knowledge_base import apply_write

    with opened_store(reinfer=False) as store:

        def change_with_model() -> T:
            install_model(store)
            return change(store)

        result = apply_write(store, change_with_model)
        if then is not None:
            then(result)
        if infer_after:
            try:
                infer_with_progress(store)
            except SrkbError as error:
                # The data is written: exiting with an error would say it was not. The inferred
                # graph keeps its stale mark, so the next command that opens the store infers.
                err.print(
                    f"warning: the data is written, but inference could not follow: {error}; "
                    "it runs again when the store is next opened (or run srkb infer)",
                    soft_wrap=True,
                    highlight=False,
                )
        return result


def version_callback(value: bool) -> None:
    """Print the version and stop."""
    if value:
        from kb import __version__

        out.print(f"srkb {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Where the knowledge base lives: a directory, 'memory', or a SPARQL endpoint URL "
            "(env SRKB_STORE; default data/store).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(help="Seconds before a remote request gives up (env SRKB_QUERY_TIMEOUT)."),
    ] = None,
    update_url: Annotated[
        str | None,
        typer.Option(help="Remote SPARQL Update URL (default: guessed) (env SRKB_UPDATE_URL)."),
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="Remote store basic-auth user (env SRKB_REMOTE_USER).")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Remote store basic-auth password (env SRKB_REMOTE_PASSWORD)."),
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="Remote store bearer token (env SRKB_REMOTE_TOKEN).")
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="SRKB_SERVER",
            help="Read through a running srkb serve at this URL (e.g. http://127.0.0.1:8000) "
            "instead of opening the store; writes go through its HTTP API.",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True)
    ] = False,
) -> None:
    """Options for every command."""
    given = {
        "store": store,
        "query_timeout": timeout,
        "update_url": update_url,
        "remote_user": user,
        "remote_password": password,
        "remote_token": token,
    }
    state.overrides = {k: v for k, v in given.items() if v is not None}
    state.server = server.rstrip("/") if server else None
    state.timeout = timeout if timeout is not None else _env_timeout()
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr)
    quiet_literal_warnings()


def _env_timeout() -> float | None:
    """``SRKB_QUERY_TIMEOUT`` when set, for the CLI's remote requests (else no timeout)."""
    import os

    value = os.environ.get("SRKB_QUERY_TIMEOUT")
    return state.settings().query_timeout if value else None


def infer_with_progress(store: Store, *, force: bool = True) -> None:
    """Infer, showing each pass and the triples so far on a terminal; then say what it did.

    Without ``force``, only if the inferred graph is not current (:mod:`kb.reasoning.stamp`).
    """
    from kb.reasoning.inference import infer, infer_if_needed

    with terminal_progress(err) as show:

        def each_pass(number: int, triples: int) -> None:
            report(show, Stage("inferring roles", triples, detail=f"pass {number}"))

        if force:
            result = infer(store, progress=each_pass)
        else:
            result = infer_if_needed(store, progress=each_pass)
    if result.reused:
        err.print(
            f"the inferred graph is current ({result.inferred_triples} triples): nothing changed "
            "since it was computed, so it was kept (--force recomputes it)"
        )
        return
    err.print(
        f"inferred {result.inferred_triples} triples in {result.passes} passes "
        f"({result.seconds:.2f} s)",
        highlight=False,
    )


def write_text(text: str, output: Path | None) -> None:
    """Write text to a file (and say so), or to standard output."""
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(text.encode())} bytes to {output}", soft_wrap=True)


def store_prefixes(store: Store | None) -> Prefixes:
    """The prefixes of srkb and of the files loaded in ``store`` (read once per command)."""
    if store is None:
        return Prefixes()
    if state.prefixes is None:
        state.prefixes = Prefixes.load(store)
    return state.prefixes


def show(listing: Listing, fmt: str, store: Store | None = None) -> None:
    """Print a listing in ``fmt``; for people, with the store's CURIEs and labels."""
    check_format(fmt)
    prefixes = Prefixes()
    if fmt in ("table", "md") and store is not None:
        from kb.validation.readiness import labels

        prefixes = store_prefixes(store)
        listing = replace(listing, labels=labels(store, iris(listing)))
    sys.stdout.write(render(listing, fmt, prefixes=prefixes, width=out.width))
