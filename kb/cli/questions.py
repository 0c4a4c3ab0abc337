"""Verbs that ask: a SPARQL query from a file, a named question, the list of questions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kb.cli.application import app, opened_store, out, run, show, state, store_prefixes
from kb.cli.listing import FORMAT_HELP, Name, check_format, listing_of
from kb.errors import InputError


@app.command(rich_help_panel="Questions")
def query(
    file: Annotated[Path | None, typer.Argument(help="A .rq file.")] = None,
    name: Annotated[str | None, typer.Option(help="A named question instead of a file.")] = None,
    fmt: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "table",
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
        check_format(fmt)
        with opened_store(read_only=True) as store:
            # the service's limits: SRKB_QUERY_TIMEOUT, SRKB_QUERY_MEMORY
            result = run_once(
                store, text, timeout=settings.query_timeout, memory_mib=settings.query_memory
            )
            if result.kind == "ask":
                out.print("true" if result.boolean else "false")
            elif result.kind == "graph":
                prefixes = store_prefixes(store)
                for triple in result.triples:
                    out.print(" ".join(prefixes.shorten(t) for t in triple), highlight=False)
            else:
                show(listing_of(result.variables, result.rows), fmt, store)

    run(body)


@app.command(rich_help_panel="Questions")
def ask(
    name: Annotated[str, typer.Argument(help="A question name; see 'srkb questions'.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value, repeatable.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "table",
) -> None:
    """Ask a named ecosystem question, e.g. srkb ask dependents-of -p provider=ex:NetCo.

    IRI parameters take a full IRI, or a CURIE with srkb's prefixes or a prefix declared in a
    loaded file (ex:NetCo when the file says @prefix ex: ...).
    """
    from kb.ecosystem.questions import ask as run_ask
    from kb.ecosystem.questions import question

    def body() -> None:
        check_format(fmt)
        declared = question(name).params
        params: dict[str, str] = {}
        for item in param or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise InputError(f"--param {item!r} is not name=value")
            params[key] = value
        with opened_store(read_only=True) as store:
            for key, value in params.items():
                if declared.get(key) == "iri":
                    params[key] = store_prefixes(store).expand(value)
            result = run_ask(store, name, params)
            show(listing_of(result.variables, result.rows), fmt, store)

    run(body)


@app.command("questions", rich_help_panel="Questions")
def list_questions(
    fmt: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "table",
) -> None:
    """List the named ecosystem questions with their parameters."""
    from kb.ecosystem.questions import questions

    def body() -> None:
        rows = [
            (Name(q.name), q.cq, q.question, ", ".join(f"{k} ({v})" for k, v in q.params.items()))
            for q in questions().values()
        ]
        show(listing_of(("name", "cq", "question", "params"), rows), fmt)

    run(body)
