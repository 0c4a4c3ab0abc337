"""Verbs about the preconditions: validate, report (with history), map of the ecosystem."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.application import (
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    app,
    err,
    opened_store,
    run,
    state,
    store_prefixes,
    write_text,
)
from kb.errors import InputError
from kb.progress import terminal_progress


@app.command(rich_help_panel="Preconditions")
def validate(
    fmt: Annotated[str, typer.Option("--format", help="json, md, csv or ttl.")] = "md",
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation (IRI or CURIE).")
    ] = None,
    precondition: Annotated[int | None, typer.Option(help="Only this precondition.")] = None,
) -> None:
    """Check the three preconditions; exit 1 if any organisation violates one."""
    from kb.reporting.renderers import render
    from kb.validation.shacl import validate as run_validation

    def body() -> int:
        with opened_store(read_only=True) as store, terminal_progress(err) as show:
            report = run_validation(store, save=state.via_server is None, progress=show)
            wanted = store_prefixes(store).expand(organisation) if organisation else None
        if organisation or precondition is not None:
            report = report.filtered(organisation=wanted, precondition=precondition)
        sys.stdout.write(render(report, fmt))
        return EXIT_OK if report.conforms else EXIT_NOT_CONFORMANT

    raise typer.Exit(run(body))


@app.command(rich_help_panel="Preconditions")
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

    The report has a summary table across the ecosystem, the service level targets with their
    measurements and breaches, and a section per organisation with each finding and its fix hint;
    html is a standalone page with a print stylesheet. With --since it says instead which findings
    were fixed, which are new and whose readiness moved.
    Exit 0 when every precondition is met, 1 when some organisation violates one.
    """
    import json
    from datetime import UTC, datetime

    from kb.reporting.renderers import changes_to_markdown, render, to_html, to_json
    from kb.reporting.service_levels import service_levels
    from kb.validation.history import Run, changes_since, parse_since, record
    from kb.validation.readiness import readiness
    from kb.validation.shacl import validate as run_validation

    def body() -> int:
        formats = ("md", "json") if since else ("md", "html", "json")
        if fmt not in formats:
            raise InputError(
                f"unknown report format {fmt!r}", hint="use one of " + ", ".join(formats)
            )
        if since is not None:
            parse_since(since)  # refuse a bad date before anything is recorded
        with opened_store(read_only=True) as store:
            with terminal_progress(err) as show:
                result = run_validation(store, save=state.via_server is None, progress=show)
            scores = readiness(store, result)
            levels = service_levels(store)
            current = Run.of(result, scores)
            if record_run and state.via_server is not None:
                err.print(
                    f"not recorded in the history: the server at {state.via_server} records a "
                    "run after every write",
                    highlight=False,
                    soft_wrap=True,
                )
            elif record_run:
                current = record(store, current, keep=state.settings().history_runs)
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
                result,
                scores,
                generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                service_levels=levels,
            )
        elif fmt == "json":
            document = json.loads(to_json(result))
            document["readiness"] = scores.to_dict()
            document["service_levels"] = levels.to_dict()
            document["run"] = current.iri
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        else:
            text = render(result, "md", scores, levels)
        write_text(text, output)
        return EXIT_OK if result.conforms else EXIT_NOT_CONFORMANT

    raise typer.Exit(run(body))


@app.command("map", rich_help_panel="Preconditions")
def map_(
    fmt: Annotated[str, typer.Option("--format", help="svg, dot, mermaid or json.")] = "svg",
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Write to a file.")] = None,
) -> None:
    """Draw the ecosystem: organisations, provider-to-consumer links, roles, failures.

    svg is a standalone picture (no Graphviz needed); dot is for Graphviz; mermaid renders in
    GitHub Markdown; json is the data the HTTP service's /map page draws.
    """
    import json

    from kb.reporting.ecosystem_map import FORMATS, ecosystem_map
    from kb.validation.shacl import validate as run_validation

    def body() -> None:
        if fmt not in (*FORMATS, "json"):
            raise InputError(
                f"unknown map format {fmt!r}", hint="use one of " + ", ".join((*FORMATS, "json"))
            )
        with opened_store(read_only=True) as store:
            drawing = ecosystem_map(store, run_validation(store, save=False))
        if fmt == "json":
            text = json.dumps(drawing.to_dict(), indent=2, ensure_ascii=False) + "\n"
        else:
            text = FORMATS[fmt](drawing)
        write_text(text, output)

    run(body)
