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
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kb import __version__
from kb.config import Settings, load_settings
from kb.errors import SrkbError
from kb.namespaces import curie
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


@contextmanager
def opened_store(*, reinfer: bool = True) -> Iterator[Store]:
    """Open the configured store and close it however the command ends.

    First it repairs what a killed write may have left (:func:`kb.recovery.recover`): inferences
    older than the data are recomputed, unless the command infers anyway (``reinfer=False``).
    """
    from kb.recovery import recover

    settings = state.settings()
    options = (
        settings.remote_options() if settings.store.startswith(("http://", "https://")) else {}
    )
    store = open_store(settings.store, timeout=state.timeout, **options)
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
    leaves a store that infers again when opened; ``--no-infer`` leaves it so on purpose.
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
            infer_with_progress(store)
        return result


def version_callback(value: bool) -> None:
    """Print the version and stop."""
    if value:
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
    state.timeout = timeout if timeout is not None else _env_timeout()
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr)
    quiet_literal_warnings()


def _env_timeout() -> float | None:
    """``SRKB_QUERY_TIMEOUT`` when set, for the CLI's remote requests (else no timeout)."""
    import os

    value = os.environ.get("SRKB_QUERY_TIMEOUT")
    return state.settings().query_timeout if value else None


def infer_with_progress(store: Store) -> None:
    """Infer with a progress display on stderr, and say how many triples and passes."""
    from kb.reasoning.inference import infer

    with Progress(
        TextColumn("inferring roles"),
        BarColumn(),
        TextColumn("pass {task.completed:.0f}, {task.fields[triples]} triples"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("infer", total=None, triples=0)
        result = infer(store, progress=lambda n, c: progress.update(task, completed=n, triples=c))
    err.print(
        f"inferred {result.inferred_triples} triples in {result.passes} passes "
        f"({result.seconds:.2f} s)"
    )


def write_text(text: str, output: Path | None) -> None:
    """Write text to a file (and say so), or to standard output."""
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(text.encode())} bytes to {output}", soft_wrap=True)


def print_rows(variables: tuple[str, ...], rows: list[tuple[object, ...]], fmt: str) -> None:
    """Print query rows as a table (CURIEs), JSON, CSV or TSV."""
    if fmt == "table":
        table = Table(*variables)
        for row in rows:
            table.add_row(*("" if v is None else curie(v) for v in row))
        out.print(table)
        return
    import csv as csv_module
    import json

    if fmt == "json":
        data = [
            {k: (None if v is None else str(v)) for k, v in zip(variables, row, strict=True)}
            for row in rows
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    writer = csv_module.writer(sys.stdout, delimiter="\t" if fmt == "tsv" else ",")
    writer.writerow(variables)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
