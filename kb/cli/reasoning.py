"""Verbs about inference: infer, explain (the witness of a role), reason (HermiT, the oracle)."""

from __future__ import annotations

import re
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
    store_prefixes,
)
from kb.errors import NotFoundError
from kb.namespaces import curie
from kb.prefixes import Prefixes
from kb.store import Store, open_store


@app.command(rich_help_panel="Inference")
def infer(
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Recompute even when the inferred graph is current (nothing changed since).",
        ),
    ] = False,
) -> None:
    """Recompute the inferred graph (roles and OWL 2 RL entailments) to a fixpoint.

    Nothing is recomputed when the inferred graph is current: its stamp shows no write since it
    was computed, the same rules and ontology, and the same graph sizes (see
    kb.reasoning.stamp); --force recomputes anyway.
    """

    def body() -> None:
        with opened_store(reinfer=False) as store:
            infer_with_progress(store, force=force)

    run(body)


@app.command(rich_help_panel="Inference")
def explain(organisation: Annotated[str, typer.Argument(help="IRI or CURIE.")]) -> None:
    """Say why an organisation has each of its roles: the facts that made the rule fire."""
    from kb.reasoning.inference import explain as run_explain

    def body() -> None:
        with opened_store(read_only=True) as store:
            prefixes = store_prefixes(store)
            explanations = run_explain(store, prefixes.expand(organisation))
        if not explanations:
            raise NotFoundError(f"{organisation} has no inferred role (is it loaded and inferred?)")
        for item in explanations:
            role = prefixes.shorten(item.role)
            out.print(f"[bold]{role}[/] by rule {item.rule_id}: {item.condition}", highlight=False)
            for witness in item.witnesses:
                facts = ", ".join(f"{k}={prefixes.shorten(v)}" for k, v in sorted(witness.items()))
                out.print(f"  because {facts}", highlight=False)
            for caveat in item.caveats:
                out.print(f"  [yellow]{caveat}[/]", highlight=False)

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
        prefixes = Prefixes.of({s.graph: s.prefixes for s in sources})
        scratch.load(sources)
        data = b"".join(scratch.dump("nt", graph=s.graph) for s in sources)
        result = classify(scratch.dump("nt", graph=ONTOLOGY_GRAPH), data)
        if not result.consistent:
            err.print("[bold red]inconsistent:[/] HermiT found a contradiction")
            _print_clashes(scratch)
            return EXIT_NOT_CONFORMANT
        for individual, types in sorted(result.types.items()):
            if types:
                name = prefixes.shorten(individual)
                out.print(f"{name}: {', '.join(sorted(types))}", highlight=False)
        return EXIT_OK

    raise typer.Exit(run(body))


def _print_clashes(store: Store) -> None:
    """Name the individuals and axioms behind an inconsistency, from srkb's own rules.

    HermiT says only that the data is inconsistent; srkb's rules materialise every type, so a
    node with two disjoint types is found, with the statement each type comes from.
    """
    from kb.reasoning.consistency import clashes
    from kb.reasoning.inference import infer as run_infer

    run_infer(store)
    found = clashes(store)
    if not found:
        err.print("srkb's rules find no node of two disjoint kinds; check cardinalities and sameAs")
        return
    for clash in found:
        origins = "; ".join(_shorten(o.sentence) for o in clash.origins)
        err.print(
            f"{curie(clash.node)} is {curie(clash.kind)} ({origins}) and {curie(clash.clash)}, "
            f"which {clash.axiom} declares disjoint",
            highlight=False,
        )


def _shorten(sentence: str) -> str:
    """The sentence with each <IRI> written as a CURIE where a prefix is known."""
    return re.sub(r"<([^<>\s]+)>", lambda m: curie(m.group(1)), sentence)
