"""Verbs that ask: a SPARQL query from a file, a named question, the list of questions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kb.cli.application import (
    app,
    opened_store,
    out,
    print_rows,
    run,
    state,
)
from kb.errors import InputError
from kb.namespaces import curie


@app.command(rich_help_panel="Questions")
def query(
    file: Annotated[Path | None, typer.Argument(help="A .rq file.")] = None,
    name: Annotated[str | None, typer.Option(help="A named question instead of a file.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json, csv or tsv.")] = "table",
    allow_service: Annotated[
        bool,
        typer.Option(
            help="Allow SPARQL SERVICE, which makes this process query other endpoints "
            "(env SRKB_ALLOW_SERVICE).",
        ),
    ] = False,
) -> None:
    """Run a SPARQL query (SELECT, ASK, CONSTRUCT) from a file, or a named question.

    The query passes the same policy as the HTTP service's /sparql: no updates, and no SERVICE
    (network access) unless allowed.
    """
    from kb.ecosystem.questions import question
    from kb.protocol.sparql_endpoint import check_query, run_once

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
        settings = state.settings()
        check_query(text, allow_service=allow_service or settings.allow_service)
        with opened_store() as store:  # the service's limits: SRKB_QUERY_TIMEOUT, _QUERY_MEMORY
            result = run_once(
                store, text, timeout=settings.query_timeout, memory_mib=settings.query_memory
            )
        if result.kind == "ask":
            out.print("true" if result.boolean else "false")
        elif result.kind == "graph":
            for triple in result.triples:
                out.print(" ".join(curie(t) for t in triple), highlight=False)
        else:
            print_rows(result.variables, list(result.rows), fmt)

    run(body)


@app.command(rich_help_panel="Questions")
def ask(
    name: Annotated[str, typer.Argument(help="A question name; see 'srkb questions'.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value, repeatable.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json, csv or tsv.")] = "table",
) -> None:
    """Ask a named ecosystem question, e.g. srkb ask dependents-of -p provider=ex:NetCo."""
    from kb.ecosystem.questions import ask as run_ask

    def body() -> None:
        params: dict[str, str] = {}
        for item in param or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise InputError(f"--param {item!r} is not name=value")
            params[key] = value
        with opened_store() as store:
            result = run_ask(store, name, params)
        print_rows(result.variables, list(result.rows), fmt)

    run(body)


@app.command("questions", rich_help_panel="Questions")
def list_questions() -> None:
    """List the named ecosystem questions with their parameters."""
    from kb.ecosystem.questions import questions

    table = Table("name", "cq", "question", "params")
    for q in questions().values():
        table.add_row(q.name, q.cq, q.question, ", ".join(f"{k}={v}" for k, v in q.params.items()))
    out.print(table)
