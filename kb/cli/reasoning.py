"""Verbs about inference: infer, explain (the witness of a role), reason (HermiT, the oracle)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kb.cli.application import (
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    app,
    err,
    infer_with_progress,
    opened_store,
    out,
    run,
)
from kb.errors import NotFoundError
from kb.namespaces import curie
from kb.store import open_store


@app.command(rich_help_panel="Inference")
def infer() -> None:
    """Recompute the inferred graph (roles and OWL 2 RL entailments) to a fixpoint."""

    def body() -> None:
        with opened_store(reinfer=False) as store:
            infer_with_progress(store)

    run(body)


@app.command(rich_help_panel="Inference")
def explain(organisation: Annotated[str, typer.Argument(help="IRI or CURIE.")]) -> None:
    """Say why an organisation has each of its roles: the facts that made the rule fire."""
    from kb.ecosystem.questions import expand_curie
    from kb.reasoning.inference import explain as run_explain

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


@app.command(rich_help_panel="Inference")
def reason(
    files: Annotated[list[Path], typer.Argument(help="Data files to classify with HermiT.")],
) -> None:
    """Classify data with the HermiT DL reasoner (the slow oracle), printing srkb types."""
    from kb.interchange.loading import install_model, parse_file
    from kb.namespaces import ONTOLOGY_GRAPH
    from kb.reasoning.hermit import classify

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
