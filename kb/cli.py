"""The ``srkb`` command line: load, infer, validate, explain, ask, export.

Exit codes (one table, here): 0 success or a conformant validation, 1 a validation with
violations, 2 usage or input errors (bad file, unknown question, unreachable store). Errors print
one line that says what, where and what to do; ``--verbose`` adds the traceback's story in logs.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kb import __version__, resources
from kb.errors import InputError, NotFoundError, SrkbError
from kb.namespaces import curie
from kb.store import RDF_FORMATS, Store, open_store

T = TypeVar("T")

EXIT_OK = 0
EXIT_NOT_CONFORMANT = 1
EXIT_USAGE = 2

#: One table from error class to exit code; the most specific class wins.
EXIT_CODES: dict[type[SrkbError], int] = {
    InputError: EXIT_USAGE,
    NotFoundError: EXIT_USAGE,
    SrkbError: EXIT_USAGE,
}

app = typer.Typer(
    name="srkb",
    help="Service Relationship Knowledge Base: load ecosystems, infer roles, check preconditions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DEFAULT_STORE = "data/store"


class State:
    """Options shared by every command."""

    store_spec: str = DEFAULT_STORE
    timeout: float | None = None
    remote_options: dict[str, str] = {}  # noqa: RUF012 - one process, one state


state = State()


def exit_code_for(error: SrkbError) -> int:
    """Walk the class hierarchy to the most specific entry of :data:`EXIT_CODES`."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return EXIT_USAGE


def run(action: Callable[[], T]) -> T:
    """Run a command body; turn srkb errors into one line on stderr and the mapped exit code."""
    try:
        return action()
    except SrkbError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(exit_code_for(error)) from error


@contextmanager
def opened_store(*, reinfer: bool = True) -> Iterator[Store]:
    """Open the store given by ``--store`` and close it however the command ends.

    First it repairs what a killed write may have left (:func:`kb.recovery.recover`): inferences
    older than the data are recomputed, unless the command infers anyway (``reinfer=False``).
    """
    from kb.recovery import recover

    options = state.remote_options if state.store_spec.startswith(("http://", "https://")) else {}
    store = open_store(state.store_spec, timeout=state.timeout, **options)
    try:
        recover(store, reinfer=_infer if reinfer else None)
        yield store
    finally:
        store.close()


def version_callback(value: bool) -> None:
    """Print the version and stop."""
    if value:
        out.print(f"srkb {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    store: Annotated[
        str,
        typer.Option(
            "--store",
            envvar="SRKB_STORE",
            help="Where the knowledge base lives: a directory, 'memory', or a SPARQL endpoint URL.",
        ),
    ] = DEFAULT_STORE,
    timeout: Annotated[
        float | None,
        typer.Option(help="Seconds before a remote request gives up.", envvar="SRKB_QUERY_TIMEOUT"),
    ] = None,
    update_url: Annotated[
        str | None,
        typer.Option(
            envvar="SRKB_UPDATE_URL",
            help="Remote SPARQL Update URL (default: guessed from --store).",
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option(envvar="SRKB_REMOTE_USER", help="Remote store basic-auth user.")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(envvar="SRKB_REMOTE_PASSWORD", help="Remote store basic-auth password."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="SRKB_REMOTE_TOKEN", help="Remote store bearer token."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True)
    ] = False,
) -> None:
    """Options for every command."""
    state.store_spec = store
    state.timeout = timeout
    given = {"update_url": update_url, "user": user, "password": password, "token": token}
    state.remote_options = {k: v for k, v in given.items() if v is not None}
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr)


def _infer(store: Store) -> None:
    from kb.inference import infer

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


@app.command()
def load(
    files: Annotated[list[Path], typer.Argument(help="RDF files: .ttl .trig .nt .nq .jsonld .rdf")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="Format of all files, if not by suffix.")
    ] = None,
    allow_network: Annotated[
        bool, typer.Option(help="Allow fetching remote JSON-LD contexts while parsing.")
    ] = False,
    infer_after: Annotated[
        bool,
        typer.Option(
            "--infer/--no-infer",
            help="Run role inference after loading (else the next command that reads does).",
        ),
    ] = True,
) -> None:
    """Load files all-or-nothing (a bad file changes nothing), then infer roles."""
    from kb.loading import install_model, load_files
    from kb.recovery import stale_until_inferred

    def body() -> None:
        with opened_store(reinfer=False) as store:
            with stale_until_inferred(store):  # until _infer: a kill in between is repaired
                install_model(store)
                loaded = load_files(store, files, fmt=fmt, allow_network=allow_network)
            for source in loaded:
                err.print(f"loaded {source.name}: {source.triples} triples into <{source.graph}>")
            if infer_after:
                _infer(store)

    run(body)


@app.command("import")
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="YAML (.yaml .yml), workbooks (.xlsx), CSV files (a directory or .zip)."
        ),
    ],
    infer_after: Annotated[
        bool,
        typer.Option(
            "--infer/--no-infer",
            help="Run role inference after importing (else the next command that reads does).",
        ),
    ] = True,
) -> None:
    """Import ecosystems from YAML, workbooks or CSV files, all-or-nothing, then infer roles.

    Every file is checked first and every problem reported with its file, sheet, row and column;
    nothing is written unless all files are clean. See docs/import-format.md and srkb template.
    """
    from kb.importing import import_files
    from kb.loading import install_model
    from kb.recovery import stale_until_inferred

    def body() -> None:
        with opened_store(reinfer=False) as store:
            with stale_until_inferred(store):  # until _infer: a kill in between is repaired
                install_model(store)
                imported = import_files(store, files)
            for source in imported:
                err.print(f"imported {source.name}: {source.triples} triples into <{source.graph}>")
            if infer_after:
                _infer(store)

    run(body)


@app.command()
def template(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Directory to write to.")] = Path(),
    force: Annotated[bool, typer.Option(help="Overwrite existing template files.")] = False,
) -> None:
    """Write an empty import workbook and a commented YAML example to start from."""
    from kb.exporting_tabular import write_template

    def body() -> None:
        for path in write_template(out_dir, force=force):
            err.print(f"wrote {path}")

    run(body)


def _export_tabular(fmt: str, graph: str | None, output: Path | None) -> None:
    from kb.exporting_tabular import export_tabular

    if fmt != "yaml" and output is None:
        raise InputError(f"a {fmt} export is binary", hint="give a file with --out")
    with opened_store() as store:
        result = export_tabular(store, fmt, graph=graph)
    if result.left_out:
        err.print(
            f"[yellow]left out {len(result.left_out)} triples the {fmt} format cannot hold:[/]"
        )
        for item in result.left_out[:20]:
            err.print(f"  {item}", highlight=False, markup=False)
    if output is None:
        sys.stdout.buffer.write(result.data)
    else:
        output.write_bytes(result.data)
        err.print(f"wrote {len(result.data)} bytes to {output}")


@app.command()
def infer() -> None:
    """Recompute the inferred graph (roles and OWL 2 RL entailments) to a fixpoint."""

    def body() -> None:
        with opened_store(reinfer=False) as store:
            _infer(store)

    run(body)


@app.command()
def validate(
    fmt: Annotated[str, typer.Option("--format", help="json, md, csv or ttl.")] = "md",
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation (IRI or CURIE).")
    ] = None,
    precondition: Annotated[int | None, typer.Option(help="Only this precondition.")] = None,
) -> None:
    """Check the three preconditions; exit 1 if any organisation violates one."""
    from kb.questions import expand_curie
    from kb.reports import render
    from kb.validation import validate as run_validation

    def body() -> int:
        with opened_store() as store:
            report = run_validation(store)
        if organisation or precondition is not None:
            report = report.filtered(
                organisation=expand_curie(organisation) if organisation else None,
                precondition=precondition,
            )
        sys.stdout.write(render(report, fmt))
        return EXIT_OK if report.conforms else EXIT_NOT_CONFORMANT

    raise typer.Exit(run(body))


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(text.encode())} bytes to {output}", soft_wrap=True)


@app.command()
def report(
    fmt: Annotated[
        str, typer.Option("--format", help="md, html or json (with --since: md or json).")
    ] = "md",
    since: Annotated[
        str | None,
        typer.Option(
            help="Show what got better or worse since 'last' (the previous recorded run), a "
            "date (2026-11-24) or a date and time (UTC unless zoned)."
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Write to a file.")] = None,
    record_run: Annotated[
        bool, typer.Option("--record/--no-record", help="Record this run in the history.")
    ] = True,
) -> None:
    """Validate, score readiness per organisation and precondition, record the run, report.

    The report has a summary table across the ecosystem and a section per organisation with
    each finding and its fix hint; html is a standalone page with a print stylesheet. With
    --since it says instead which findings were fixed, which are new and whose readiness moved.
    Exit 0 when every precondition is met, 1 when some organisation violates one.
    """
    import json
    from datetime import UTC, datetime

    from kb.history import Run, changes_since, parse_since, record
    from kb.readiness import readiness
    from kb.reports import changes_to_markdown, render, to_html, to_json
    from kb.validation import validate as run_validation

    def body() -> int:
        formats = ("md", "json") if since else ("md", "html", "json")
        if fmt not in formats:
            raise InputError(
                f"unknown report format {fmt!r}", hint="use one of " + ", ".join(formats)
            )
        if since is not None:
            parse_since(since)  # refuse a bad date before anything is recorded
        with opened_store() as store:
            result = run_validation(store)
            scores = readiness(store, result)
            current = Run.of(result, scores)
            if record_run:
                current = record(store, current)
                err.print(
                    f"recorded validation run <{current.iri}>", highlight=False, soft_wrap=True
                )
            changes = changes_since(store, since, current=current) if since else None
        if changes is not None:
            text = (
                changes_to_markdown(changes)
                if fmt == "md"
                else json.dumps(changes.to_dict(), indent=2, ensure_ascii=False) + "\n"
            )
        elif fmt == "html":
            text = to_html(
                result, scores, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            )
        elif fmt == "json":
            document = json.loads(to_json(result))
            document["readiness"] = scores.to_dict()
            document["run"] = current.iri
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        else:
            text = render(result, "md", scores)
        _write_text(text, output)
        return EXIT_OK if result.conforms else EXIT_NOT_CONFORMANT

    raise typer.Exit(run(body))


@app.command("map")
def map_(
    fmt: Annotated[str, typer.Option("--format", help="svg, dot, mermaid or json.")] = "svg",
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Write to a file.")] = None,
) -> None:
    """Draw the ecosystem: organisations, provider-to-consumer links, roles, failures.

    svg is a standalone picture (no Graphviz needed); dot is for Graphviz; mermaid renders in
    GitHub Markdown; json is the data the HTTP service's /map page draws.
    """
    import json

    from kb.ecosystem_map import FORMATS, ecosystem_map
    from kb.validation import validate as run_validation

    def body() -> None:
        if fmt not in (*FORMATS, "json"):
            raise InputError(
                f"unknown map format {fmt!r}", hint="use one of " + ", ".join((*FORMATS, "json"))
            )
        with opened_store() as store:
            drawing = ecosystem_map(store, run_validation(store, save=False))
        if fmt == "json":
            text = json.dumps(drawing.to_dict(), indent=2, ensure_ascii=False) + "\n"
        else:
            text = FORMATS[fmt](drawing)
        _write_text(text, output)

    run(body)


@app.command()
def explain(organisation: Annotated[str, typer.Argument(help="IRI or CURIE.")]) -> None:
    """Say why an organisation has each of its roles: the facts that made the rule fire."""
    from kb.inference import explain as run_explain
    from kb.questions import expand_curie

    def body() -> None:
        iri = expand_curie(organisation)
        with opened_store() as store:
            explanations = run_explain(store, iri)
        if not explanations:
            raise NotFoundError(f"{organisation} has no inferred role (is it loaded and inferred?)")
        for item in explanations:
            out.print(f"[bold]{curie(item.role)}[/] by rule {item.rule_id}: {item.condition}")
            for witness in item.witnesses:
                facts = ", ".join(f"{k}={curie(v)}" for k, v in sorted(witness.items()))
                out.print(f"  because {facts}", highlight=False)

    run(body)


def _print_rows(variables: tuple[str, ...], rows: list[tuple[object, ...]], fmt: str) -> None:
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


@app.command()
def query(
    file: Annotated[Path | None, typer.Argument(help="A .rq file.")] = None,
    name: Annotated[str | None, typer.Option(help="A named question instead of a file.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json, csv or tsv.")] = "table",
    allow_service: Annotated[
        bool,
        typer.Option(
            envvar="SRKB_ALLOW_SERVICE",
            help="Allow SPARQL SERVICE, which makes this process query other endpoints.",
        ),
    ] = False,
) -> None:
    """Run a SPARQL query (SELECT, ASK, CONSTRUCT) from a file, or a named question.

    The query passes the same policy as the HTTP service's /sparql: no updates, and no SERVICE
    (network access) unless allowed.
    """
    from kb.endpoint import check_query
    from kb.questions import question

    def body() -> None:
        if (file is None) == (name is None):
            raise InputError("give either a query file or --name")
        if file is not None:
            try:
                text = file.read_text(encoding="utf-8")
            except OSError as error:
                raise InputError(f"cannot read the query: {error.strerror}", source=file) from error
            except UnicodeDecodeError as error:
                raise InputError(
                    f"the query is not UTF-8 text (byte {error.start})", source=file
                ) from error
        else:
            text = question(str(name)).sparql
        check_query(text, allow_service=allow_service)
        with opened_store() as store:
            result = store.query(text)
        if result.kind == "ask":
            out.print("true" if result.boolean else "false")
        elif result.kind == "graph":
            for triple in result.triples:
                out.print(" ".join(curie(t) for t in triple), highlight=False)
        else:
            _print_rows(result.variables, list(result.rows), fmt)

    run(body)


@app.command()
def ask(
    name: Annotated[str, typer.Argument(help="A question name; see 'srkb questions'.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value, repeatable.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json, csv or tsv.")] = "table",
) -> None:
    """Ask a named ecosystem question, e.g. srkb ask dependents-of -p provider=ex:NetCo."""
    from kb.questions import ask as run_ask

    def body() -> None:
        params: dict[str, str] = {}
        for item in param or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise InputError(f"--param {item!r} is not name=value")
            params[key] = value
        with opened_store() as store:
            result = run_ask(store, name, params)
        _print_rows(result.variables, list(result.rows), fmt)

    run(body)


@app.command("questions")
def list_questions() -> None:
    """List the named ecosystem questions with their parameters."""
    from kb.questions import questions

    table = Table("name", "cq", "question", "params")
    for q in questions().values():
        table.add_row(q.name, q.cq, q.question, ", ".join(f"{k}={v}" for k, v in q.params.items()))
    out.print(table)


@app.command()
def export(
    fmt: Annotated[
        str, typer.Option("--format", help=", ".join(RDF_FORMATS) + "; yaml, xlsx, csv (a .zip)")
    ] = "ttl",
    inferred: Annotated[
        bool, typer.Option("--inferred/--no-inferred", help="Include inferred triples.")
    ] = True,
    graph: Annotated[str | None, typer.Option(help="Only this named graph.")] = None,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Write to a file.")] = None,
) -> None:
    """Export the knowledge base (or one graph) in any RDF format, or as yaml, xlsx or csv.

    yaml, xlsx and csv (a .zip) are the import formats: asserted data only, never inferences.
    """
    from kb.export import export as run_export

    def body() -> None:
        if fmt in ("yaml", "xlsx", "csv"):
            return _export_tabular(fmt, graph, output)
        with opened_store() as store:
            data = run_export(store, fmt, graph=graph, inferred=inferred)
        if output is None:
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
            err.print(f"wrote {len(data)} bytes to {output}")

    run(body)


@app.command()
def stats() -> None:
    """Count triples per graph and organisations per role."""
    from kb.inference import inferred_roles

    def body() -> None:
        with opened_store() as store:
            table = Table("graph", "triples")
            for graph in store.graphs():
                table.add_row(graph, str(store.count(graph)))
            out.print(table)
            roles: dict[str, int] = {}
            for names in inferred_roles(store).values():
                for role in names:
                    roles[role] = roles.get(role, 0) + 1
        role_table = Table("role", "count")
        for role, count in sorted(roles.items()):
            role_table.add_row(role, str(count))
        out.print(role_table)

    run(body)


@app.command()
def demo(
    example: Annotated[str, typer.Option(help="Which example ecosystem.")] = "campus",
) -> None:
    """Load an example ecosystem, infer its roles, and show roles and validation."""
    from kb.inference import inferred_roles
    from kb.loading import install_model, load_files
    from kb.recovery import stale_until_inferred
    from kb.reports import render
    from kb.validation import validate as run_validation

    def body() -> None:
        with opened_store(reinfer=False) as store:
            with stale_until_inferred(store):
                install_model(store)
                load_files(store, [resources.example_file(example)])
            _infer(store)
            table = Table("organisation", "roles", title=f"Roles in the {example} ecosystem")
            for org, names in sorted(inferred_roles(store).items()):
                table.add_row(curie(org), ", ".join(sorted(names)))
            out.print(table)
            report = run_validation(store)
        out.print(render(report, "md"))

    run(body)


@app.command()
def generate(
    orgs: Annotated[int, typer.Option(help="Organisations; about 118 triples each.", min=1)],
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 0,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (.nt or .ttl); else stdout.")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="nt or ttl (default: from --out, else nt).")
    ] = None,
) -> None:
    """Write a synthetic ecosystem (tiers, cycles, gaps of every precondition) for scale tests."""
    from kb.generate import generate_file

    def body() -> None:
        stats = generate_file(orgs, seed, output, fmt=fmt)
        where = output if output is not None else "standard output"
        err.print(f"wrote {stats.triples} triples ({stats.orgs} organisations) to {where}")

    run(body)


@app.command()
def reason(
    files: Annotated[list[Path], typer.Argument(help="Data files to classify with HermiT.")],
) -> None:
    """Classify data with the HermiT DL reasoner (the slow oracle), printing srkb types."""
    from kb.loading import install_model, parse_file
    from kb.namespaces import ONTOLOGY_GRAPH
    from kb.reasoner import classify

    def body() -> int:
        scratch = open_store("memory")
        install_model(scratch)
        sources = [parse_file(f) for f in files]
        scratch.load(sources)
        data = b"".join(scratch.dump("nt", graph=s.graph) for s in sources)
        result = classify(scratch.dump("nt", graph=ONTOLOGY_GRAPH), data)
        if not result.consistent:
            err.print("[bold red]inconsistent:[/] HermiT found a contradiction")
            return EXIT_NOT_CONFORMANT
        for individual, types in sorted(result.types.items()):
            if types:
                out.print(f"{curie(individual)}: {', '.join(sorted(types))}", highlight=False)
        return EXIT_OK

    raise typer.Exit(run(body))


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(envvar="SRKB_HOST", help="Address to listen on.")
    ] = None,
    port: Annotated[int | None, typer.Option(envvar="SRKB_PORT", help="Port.")] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the campus demo ecosystem at start-up.")
    ] = False,
    token: Annotated[
        str | None,
        typer.Option("--api-token", envvar="SRKB_API_TOKEN", help="Bearer token for writes."),
    ] = None,
    query_timeout: Annotated[
        float | None, typer.Option(envvar="SRKB_QUERY_TIMEOUT", help="Seconds per query.")
    ] = None,
    max_upload_bytes: Annotated[
        int | None, typer.Option(envvar="SRKB_MAX_UPLOAD_BYTES", help="Largest request body.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(envvar="SRKB_CONFIG", help="A dotenv file of SRKB_* settings.")
    ] = None,
) -> None:
    """Serve the knowledge base over HTTP (SPARQL endpoint, questions, linked data, reports)."""
    import uvicorn

    from api.main import create_app
    from kb.config import load_settings

    def body() -> None:
        settings = load_settings(
            config,
            store=state.store_spec,
            host=host,
            port=port,
            demo=demo or None,
            api_token=token,
            query_timeout=query_timeout if query_timeout is not None else state.timeout,
            max_upload_bytes=max_upload_bytes,
            **{k: v for k, v in state.remote_options.items() if k == "update_url"},
        )
        err.print(f"serving {settings.store} on http://{settings.host}:{settings.port}")
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")

    run(body)


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()
