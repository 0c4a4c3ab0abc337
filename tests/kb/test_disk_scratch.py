"""The on-disk rule workspace of big inferences writes a rule's additions in bounded chunks.

At ten million triples one rule adds millions of triples; written by one ``INSERT ... WHERE``
they sat in one transaction in memory (the run peaked at 11 GiB). The workspace runs such a rule
as a ``CONSTRUCT`` read lazily and written in chunks: these tests check that it gives what the
update gives, and that every rule of the engine takes that path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.reasoning.inference import rules
from kb.store import oxigraph
from kb.store.oxigraph import OxigraphStore, _as_construct, _DiskScratch

EX = "https://example.org/chain#"
CHAIN = " ".join(f"<{EX}n{i}> <{EX}next> <{EX}n{i + 1}> ." for i in range(6))
#: One step of a transitive closure: run once, it must not see its own additions (n0 -> n2 is
#: added, n0 -> n3 is not), as SPARQL Update evaluates the pattern before inserting.
STEP = f"INSERT {{ ?a <{EX}next> ?c }} WHERE {{ ?a <{EX}next> ?b . ?b <{EX}next> ?c }}"


def triples(store: OxigraphStore) -> set[str]:
    return {" ".join(str(term) for term in row) for row in store.query("SELECT * {?s ?p ?o}").rows}


def test_a_rule_in_chunks_adds_what_the_update_adds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oxigraph, "WRITE_CHUNK", 1)
    plain, chunked = OxigraphStore(tmp_path / "plain"), _DiskScratch(tmp_path / "chunked")
    for store in (plain, chunked):
        store.update(f"INSERT DATA {{ {CHAIN} }}")
        store.update(STEP)
    assert triples(chunked) == triples(plain)
    assert len(triples(plain)) == 6 + 5
    for store in (plain, chunked):
        store.update(STEP)
    assert triples(chunked) == triples(plain)
    assert len(triples(plain)) == 6 + 5 + 4 + 3
    plain.close()
    chunked.close()


def test_every_rule_of_the_engine_runs_in_chunks() -> None:
    """A rule the conversion refused would run as one big transaction again, silently."""
    refused = [rule.text.splitlines()[0] for rule in rules() if _as_construct(rule.text) is None]
    assert refused == []


@pytest.mark.parametrize(
    "update",
    [
        f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}",
        "DELETE { ?s ?p ?o } INSERT { ?o ?p ?s } WHERE { ?s ?p ?o }",
        f"{STEP} ; {STEP}",
        f"WITH <{EX}g> INSERT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
        f"INSERT {{ ?s ?p ?o }} USING <{EX}g> WHERE {{ ?s ?p ?o }}",
        f"CLEAR DEFAULT ; {STEP}",
    ],
)
def test_other_updates_run_as_they_are(update: str) -> None:
    assert _as_construct(update) is None


def test_keywords_in_names_strings_and_comments_are_not_operations() -> None:
    update = (
        f'INSERT {{ ?s <{EX}with> "DELETE ; DATA" }}  # DROP\n'
        f"WHERE {{ ?s <{EX}using> ?data ; <{EX}p> ?with }}"
    )
    assert _as_construct(update) == "CONSTRUCT" + update[len("INSERT") :]
