"""Verbs that put data in and take it out: load, import, template, export, stats, demo, generate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rdflib import URIRef

from kb import resources
from kb.cli.application import (
    app,
    err,
    opened_store,
    out,
    run,
    show,
    write_then_infer,
)
from kb.cli.listing import FORMAT_HELP, check_format, listing_of
from kb.errors import InputError
from kb.namespaces import SRKB
from kb.progress import terminal_progress
from kb.store import RDF_FORMATS

if TYPE_CHECKING:
    from kb.interchange.loading import LoadedSource
    from kb.store import Store


@app.command(rich_help_panel="Data in and out")
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
    from kb.interchange.loading import load_files

    def say(sources: list[LoadedSource]) -> None:
        for source in sources:
            err.print(
                f"loaded {source.name}: {source.triples} triples into <{source.graph}>",
                soft_wrap=True,
            )

    def change(store: Store) -> list[LoadedSource]:
        with terminal_progress(err) as show:
            return load_files(store, files, fmt=fmt, allow_network=allow_network, progress=show)

    def body() -> None:
        write_then_infer(change, infer_after=infer_after, then=say)

    run(body)


@app.command("import", rich_help_panel="Data in and out")
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
    from kb.interchange.importing import import_files

    def say(sources: list[LoadedSource]) -> None:
        for source in sources:
            err.print(
                f"imported {source.name}: {source.triples} triples into <{source.graph}>",
                soft_wrap=True,
            )

    def change(store: Store) -> list[LoadedSource]:
        with terminal_progress(err) as show:
            return import_files(store, files, progress=show)

    def body() -> None:
        write_then_infer(change, infer_after=infer_after, then=say)

    run(body)


@app.command(rich_help_panel="Data in and out")
def template(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Directory to write to.")] = Path(),
    force: Annotated[bool, typer.Option(help="Overwrite existing template files.")] = False,
) -> None:
    """Write an empty import workbook and a commented YAML example to start from."""
    from kb.interchange.tabular_export import write_template

    def body() -> None:
        for path in write_template(out_dir, force=force):
            err.print(f"wrote {path}")

    run(body)


def _export_tabular(fmt: str, graph: str | None, output: Path | None) -> None:
    from kb.interchange.tabular_export import export_tabular

    if fmt != "yaml" and output is None:
        raise InputError(f"a {fmt} export is binary", hint="give a file with --out")
    with opened_store(read_only=True) as store:
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


@app.command(rich_help_panel="Data in and out")
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
    from kb.interchange.rdf_export import export as run_export

    def body() -> None:
        if fmt in ("yaml", "xlsx", "csv"):
            return _export_tabular(fmt, graph, output)
        with opened_store(read_only=True) as store:
            data = run_export(store, fmt, graph=graph, inferred=inferred)
        if output is None:
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
            err.print(f"wrote {len(data)} bytes to {output}")

    run(body)


@app.command(rich_help_panel="Data in and out")
def stats(
    fmt: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "table",
) -> None:
    """Count triples per graph and organisations per role, in one listing (what, name, count)."""
    from kb.reasoning.inference import inferred_roles

    def body() -> None:
        check_format(fmt)
        with opened_store(read_only=True) as store:
            rows: list[tuple[object, ...]] = [
                ("graph", URIRef(graph), store.count(graph)) for graph in store.graphs()
            ]
            roles: dict[str, int] = {}
            for names in inferred_roles(store).values():
                for role in names:
                    roles[role] = roles.get(role, 0) + 1
            rows += [("role", SRKB[role], count) for role, count in sorted(roles.items())]
            show(listing_of(("what", "name", "count"), rows), fmt, store)

    run(body)


@app.command(rich_help_panel="Data in and out")
def demo(
    example: Annotated[str, typer.Option(help="Which example ecosystem.")] = "campus",
) -> None:
    """Load an example ecosystem, infer its roles, and show roles and validation."""
    from kb.interchange.loading import load_files
    from kb.reasoning.inference import inferred_roles
    from kb.reporting.renderers import render
    from kb.validation.shacl import validate as run_validation

    def body() -> None:
        write_then_infer(lambda store: load_files(store, [resources.example_file(example)]))
        with opened_store() as store:
            rows = [
                (URIRef(org), ", ".join(sorted(names)))
                for org, names in sorted(inferred_roles(store).items())
            ]
            title = f"Roles in the {example} ecosystem"
            show(listing_of(("organisation", "roles"), rows, title=title), "table", store)
            report = run_validation(store)
        out.print(render(report, "md"))

    run(body)


@app.command(rich_help_panel="Data in and out")
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
