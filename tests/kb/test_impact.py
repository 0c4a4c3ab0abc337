"""Impact analysis (kb.ecosystem.impact) against the question it answers, on every backend.

The impact's edges follow derived links (``srkb:providesService``, ``srkb:feedsInto``,
``srkb:consumesService``); the ``impact-of-provider-failure`` question follows the asserted ones.
The referee here is the question answered by embedded Oxigraph on the same data, and the asserted
data for each step of each path; the question itself is held to embedded Oxigraph's answers on
every backend in tests/queries/test_backends_agree.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import pytest
from rdflib import URIRef

from kb.ecosystem.impact import impact
from kb.ecosystem.questions import ask
from kb.interchange.loading import install_model, parse_stream, write_sources
from kb.reasoning.incremental import infer_incremental
from kb.reasoning.inference import infer
from kb.sparql.text import node_name
from kb.store import Store, open_store
from tests.support.synthetic import load_synthetic

SRKB = "https://w3id.org/srkb#"
EX = "https://example.org/impact#"
#: Organisations and seed of the generated ecosystem.
_ECOSYSTEM = (60, 7)


def _asserted_step(store: Store, source: str, target: str, kind: str) -> bool:
    """Whether the asserted data links two neighbours of a path as ``kind`` says."""
    patterns = {
        "service": (  # provides or feeds
            f"{{ ?r <{SRKB}hasProvider> <{source}> ; <{SRKB}concernsService> <{target}> }} UNION "
            f"{{ ?c <{SRKB}refersToService> <{source}> . <{target}> <{SRKB}isCreatedFrom> ?c }}"
        ),
        "organisation": (
            f"?r <{SRKB}concernsService> <{source}> ; <{SRKB}hasConsumer> <{target}> ."
        ),
    }
    return store.query(f"ASK {{ {patterns[kind]} }}").boolean is True


def _providers(store: Store) -> list[str]:
    rows = store.query(
        f"SELECT DISTINCT ?p WHERE {{ ?r <{SRKB}hasProvider> ?p FILTER(isIRI(?p)) }}"
    ).rows
    return sorted(str(row[0]) for row in rows)


def _answer(store: Store, provider: str) -> tuple[set[str], set[str]]:
    """The question's affected services and organisations."""
    rows = ask(store, "impact-of-provider-failure", {"provider": provider}).rows
    return {str(s) for s, _ in rows}, {str(o) for _, o in rows if o is not None}


@pytest.fixture(scope="module")
def referee() -> Iterator[Store]:
    """The generated ecosystem on embedded Oxigraph (in memory), the answers to compare with."""
    opened = load_synthetic(open_store("memory"), *_ECOSYSTEM)
    yield opened
    opened.close()


def test_impact_names_what_the_question_names_with_asserted_paths(
    store: Store, referee: Store
) -> None:
    """Every provider's impact, on each backend, against the question on embedded Oxigraph.

    The affected services and organisations equal the question's, and each step of each path is
    a link the loaded data asserts (a provider providing, a service feeding a service created
    from a component of it, a service consumed by an organisation).
    """
    load_synthetic(store, *_ECOSYSTEM)
    providers = _providers(referee)
    assert len(providers) > 20
    widest = 0
    for provider in providers:
        services, organisations = _answer(referee, provider)
        found = impact(store, provider)
        widest = max(widest, len(found))
        assert {a.iri for a in found if a.kind == "service"} == services, provider
        assert {a.iri for a in found if a.kind == "organisation"} == organisations, provider
    assert widest > 20
    for affected in impact(store, providers[0]):
        path = affected.path
        assert path[0] == providers[0]
        steps = list(pairwise(path))
        for i, (source, target) in enumerate(steps):
            last = i == len(steps) - 1
            kind = affected.kind if last else "service"
            assert _asserted_step(store, source, target, kind), (source, target, kind)


def test_a_new_supply_step_reaches_the_impact_after_incremental_inference(store: Store) -> None:
    """A write that crafts a service from an affected one: its derived link follows the write."""
    prefixes = f"@prefix ex: <{EX}> . @prefix srkb: <{SRKB}> . "
    first = prefixes + (
        "ex:R1 srkb:hasProvider ex:Net ; srkb:hasConsumer ex:IT ; srkb:concernsService ex:Link ."
    )
    second = prefixes + (
        "ex:IT srkb:registersComponent ex:C1 . ex:C1 srkb:refersToService ex:Link . "
        "ex:Desk srkb:isCreatedFrom ex:C1 . "
        "ex:R2 srkb:hasProvider ex:IT ; srkb:hasConsumer ex:Fin ; srkb:concernsService ex:Desk ."
    )
    install_model(store)
    write_sources(store, [parse_stream(first.encode(), fmt="ttl", name="first.ttl")])
    infer(store)
    assert {a.iri for a in impact(store, EX + "Net")} == {EX + "Link", EX + "IT"}
    write_sources(store, [parse_stream(second.encode(), fmt="ttl", name="second.ttl")])
    infer_incremental(store, {URIRef(EX + n) for n in ("IT", "C1", "Link", "Desk", "R2", "Fin")})
    found = {a.iri: a.path for a in impact(store, EX + "Net")}
    assert found[EX + "Fin"] == (EX + "Net", EX + "Link", EX + "Desk", EX + "Fin")
    assert set(found) == {EX + "Link", EX + "IT", EX + "Desk", EX + "Fin"}


def test_blank_nodes_on_a_path_are_named_as_everywhere_else(store: Store) -> None:
    """A blank-node consumer or crafted service reads ``_:label``, as roles and findings name it.

    The edges are read as SPARQL CSV, which spells a blank node ``_:label``; the same node read as
    a term and spelled by :func:`kb.sparql.text.node_name` must be the same name, on every backend.
    """
    prefixes = f"@prefix ex: <{EX}> . @prefix srkb: <{SRKB}> . "
    data = prefixes + (
        "ex:R1 srkb:hasProvider ex:Net ; srkb:hasConsumer _:it ; srkb:concernsService ex:Link . "
        "_:it srkb:registersComponent _:c . _:c srkb:refersToService ex:Link . "
        "_:desk srkb:isCreatedFrom _:c . "
        "ex:R2 srkb:hasProvider _:it ; srkb:hasConsumer ex:Fin ; srkb:concernsService _:desk ."
    )
    install_model(store)
    write_sources(store, [parse_stream(data.encode(), fmt="ttl", name="blank.ttl")])
    infer(store)
    rows = store.query(
        f"SELECT ?it ?desk WHERE {{ <{EX}R2> <{SRKB}hasProvider> ?it ; "
        f"<{SRKB}concernsService> ?desk }}"
    ).rows
    it, desk = (node_name(value) for value in rows[0] if value is not None)
    assert it.startswith("_:")
    assert desk.startswith("_:")
    found = {a.iri: a.path for a in impact(store, EX + "Net")}
    assert found == {
        EX + "Link": (EX + "Net", EX + "Link"),
        it: (EX + "Net", EX + "Link", it),
        desk: (EX + "Net", EX + "Link", desk),
        EX + "Fin": (EX + "Net", EX + "Link", desk, EX + "Fin"),
    }
