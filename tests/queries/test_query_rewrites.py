"""Questions rewritten for speed give the answers of their plain formulation.

The plain formulations below are the questions as first written (the meaning, in the fewest
patterns); the files in queries/ are rewritten for the plans of Oxigraph 0.5. Both run on a
generated ecosystem, on random small ones with model-integrity gaps (hypothesis), and on a graph
made of the corner cases each rewrite must keep, and must give the same rows. Those stores are
inferred, as srkb's are whenever it answers: a rewrite may read a link inference derives
(impact-of-provider-failure starts from srkb:providesService).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import URIRef

from kb.ecosystem.questions import questions
from kb.generate import generate
from kb.interchange.loading import parse_stream, write_sources
from kb.sparql.text import bind
from kb.store import Store, open_store
from tests.support.generate import Ecosystem, ecosystems
from tests.support.synthetic import load_inferred

PLAIN = {
    "impact-of-provider-failure": """
PREFIX srkb: <https://w3id.org/srkb#>
SELECT DISTINCT ?service ?affectedOrganisation
WHERE {
  ?failed srkb:hasProvider ?provider ;
          srkb:concernsService ?provided .
  ?provided (^srkb:refersToService/^srkb:isCreatedFrom)* ?service .
  OPTIONAL {
    ?relationship srkb:concernsService ?service ;
                  srkb:hasConsumer ?affectedOrganisation .
  }
}
""",
    "provision-cycles": """
PREFIX srkb: <https://w3id.org/srkb#>
SELECT DISTINCT ?organisation ?partner
WHERE {
  ?organisation srkb:providesTo+ ?partner .
  ?partner srkb:providesTo+ ?organisation .
  FILTER (?organisation != ?partner)
}
""",
    "service-levels": """
PREFIX srkb: <https://w3id.org/srkb#>
SELECT DISTINCT ?consumer ?service ?vendor ?agreement ?target ?metric ?targetValue ?unit ?direction
                ?aspect ?measurement ?period ?achievedValue ?breached
WHERE {
  ?governed srkb:isGovernedByAgreement ?agreement ;
            ^srkb:registersComponent|srkb:hasConsumer ?consumer ;
            srkb:refersToService|srkb:concernsService ?service ;
            srkb:hasVendor|srkb:hasProvider ?vendor .
  ?agreement srkb:hasServiceLevelTarget ?target .
  OPTIONAL { ?target srkb:hasMetric ?metric }
  OPTIONAL { ?target srkb:hasTargetValue ?targetValue }
  OPTIONAL { ?target srkb:hasUnit ?unit }
  OPTIONAL { ?target srkb:hasDirection ?direction }
  OPTIONAL { ?target srkb:assuresWarranty ?aspect }
  OPTIONAL {
    ?measurement srkb:measuresTarget ?target .
    OPTIONAL { ?measurement srkb:coversPeriod ?period }
    OPTIONAL { ?measurement srkb:hasAchievedValue ?achievedValue }
    BIND (IF(EXISTS { ?measurement a srkb:ServiceLevelBreach }, "true", "false") AS ?breached)
  }
}
""",
}

EX = "https://example.org/corner#"

#: What each rewrite must keep: a service with a relationship without a consumer beside one with
#: a consumer (no null row), a service nobody consumes (one null row), a provider that is its own
#: service (kept), a provider with many relationships on one service, a provision cycle; provision
#: links (srkb:providesTo, inferred in a real store) with rings, a self-loop, a vendor nobody
#: provides to feeding a ring, and tails in and out of the rings. Service levels: an agreement
#: governing a component and the relationship it is consumed in (the same parties, once), one
#: governing two consumers' relationships, targets without metric or measurement, measurements
#: without period, a breach, agreements governing nothing or a relationship without consumer.
CORNERS = f"""
@prefix srkb: <https://w3id.org/srkb#> .
@prefix ex: <{EX}> .
ex:r1 srkb:hasProvider ex:p ; srkb:concernsService ex:s1 ; srkb:hasConsumer ex:c1 .
ex:r2 srkb:hasProvider ex:p ; srkb:concernsService ex:s1 .
ex:r3 srkb:hasProvider ex:p ; srkb:concernsService ex:s2 .
ex:r4 srkb:hasProvider ex:p ; srkb:concernsService ex:s1 ; srkb:hasConsumer ex:c2 .
ex:k1 srkb:refersToService ex:s1 . ex:s3 srkb:isCreatedFrom ex:k1 .
ex:r5 srkb:hasProvider ex:c1 ; srkb:concernsService ex:s3 ; srkb:hasConsumer ex:p .
ex:r6 srkb:hasProvider ex:selfish ; srkb:concernsService ex:selfish ; srkb:hasConsumer ex:c1 .
ex:r7 srkb:hasProvider ex:lonely ; srkb:concernsService ex:s4 .
ex:k2 srkb:refersToService ex:s4 . ex:s5 srkb:isCreatedFrom ex:k2 .
ex:r8 srkb:hasProvider ex:c2 ; srkb:concernsService ex:s5 .
ex:r8 srkb:hasConsumer ex:c2 .
ex:a srkb:providesTo ex:b . ex:b srkb:providesTo ex:c . ex:c srkb:providesTo ex:a .
ex:c srkb:providesTo ex:d . ex:d srkb:providesTo ex:d . ex:d srkb:providesTo ex:e .
ex:e srkb:providesTo ex:d . ex:vendor srkb:providesTo ex:a . ex:vendor srkb:providesTo ex:x .
ex:x srkb:providesTo ex:y . ex:e srkb:providesTo ex:tail . ex:p srkb:providesTo ex:c1 .
ex:c1 srkb:providesTo ex:p .
ex:c1 srkb:registersComponent ex:k1 . ex:k1 srkb:hasVendor ex:p .
ex:k1 srkb:isGovernedByAgreement ex:ag1 . ex:r1 srkb:isGovernedByAgreement ex:ag1 .
ex:ag1 srkb:hasServiceLevelTarget ex:t1 , ex:t2 .
ex:t1 srkb:hasMetric ex:availability ; srkb:hasTargetValue 99.5 ; srkb:hasUnit ex:percent ;
  srkb:hasDirection srkb:HigherIsBetter ; srkb:assuresWarranty ex:availabilityAspect .
ex:t2 srkb:hasMetric ex:restore .
ex:m1 srkb:measuresTarget ex:t1 ; srkb:coversPeriod "2026-10" ; srkb:hasAchievedValue 98.0 .
ex:m1 a srkb:ServiceLevelBreach .
ex:m2 srkb:measuresTarget ex:t1 ; srkb:hasAchievedValue 99.9 .
ex:r4 srkb:isGovernedByAgreement ex:ag2 . ex:r5 srkb:isGovernedByAgreement ex:ag2 .
ex:ag2 srkb:hasServiceLevelTarget ex:t3 .
ex:ag3 srkb:hasServiceLevelTarget ex:t4 .
ex:r2 srkb:isGovernedByAgreement ex:ag4 . ex:ag4 srkb:hasServiceLevelTarget ex:t5 .
"""


def _store(name: str, data: bytes, fmt: str, *, inferred: bool = True) -> Store:
    store = open_store("memory")
    if inferred:
        return load_inferred(store, data, fmt, name)
    write_sources(store, [parse_stream(data, fmt=fmt, name=name)])
    return store


def _organisations(store: Store) -> list[URIRef]:
    rows = store.query(
        "PREFIX srkb: <https://w3id.org/srkb#>\n"
        "SELECT DISTINCT ?o WHERE {\n"
        "  { ?r srkb:hasProvider ?o } UNION { ?r srkb:hasConsumer ?o } FILTER (isIRI(?o))\n"
        "}"
    ).rows
    return sorted(URIRef(str(row[0])) for row in rows)


def _cases(store: Store) -> Iterator[tuple[str, dict[str, URIRef]]]:
    yield "provision-cycles", {}
    yield "service-levels", {}
    for organisation in _organisations(store):
        yield "impact-of-provider-failure", {"provider": organisation}
    yield "impact-of-provider-failure", {"provider": URIRef(EX + "nobody")}


def _assert_same(store: Store) -> int:
    compared = 0
    for name, params in _cases(store):
        plain = store.query(bind(PLAIN[name], params)).rows
        rewritten = store.query(bind(questions()[name].sparql, params)).rows
        assert set(rewritten) == set(plain), f"{name} {params}"
        assert len(rewritten) == len(set(rewritten)), f"{name} {params} repeats rows"
        compared += len(plain)
    return compared


def test_every_rewritten_question_has_its_plain_formulation_here() -> None:
    assert set(PLAIN) <= set(questions())


def test_rewrites_keep_the_corner_cases() -> None:
    store = _store("corners.ttl", CORNERS.encode(), "ttl")
    try:
        assert _assert_same(store) >= 19
        assert len(store.query(questions()["provision-cycles"].sparql).rows) == 10
        levels = store.query(questions()["service-levels"].sparql).rows
        # t1 twice (m1, m2) and t2 for ag1's parties, once though it governs k1 and r1; t3 for
        # each of ag2's two relationships; nothing of ag3 (governs nothing) or ag4 (no consumer)
        assert len(levels) == 5
        assert {str(row[4]).rsplit("#", 1)[1] for row in levels} == {"t1", "t2", "t3"}
        assert [str(row[13]) for row in levels if str(row[10]) == EX + "m1"] == ["true"]
        rows = set(
            store.query(
                bind(
                    questions()["impact-of-provider-failure"].sparql,
                    {"provider": URIRef(EX + "p")},
                )
            ).rows
        )
        s1 = URIRef(EX + "s1")
        assert (s1, None) not in rows  # r2 has no consumer, but r1 and r4 have
        assert (URIRef(EX + "s2"), None) in rows
        assert (URIRef(EX + "s3"), URIRef(EX + "p")) in rows  # the cycle back to the provider
    finally:
        store.close()


def test_rewrites_agree_on_a_generated_ecosystem() -> None:
    buffer = io.BytesIO()
    generate(60, 1, buffer)
    store = _store("generated.nt", buffer.getvalue(), "nt")
    try:
        assert _assert_same(store) >= 90
    finally:
        store.close()


@pytest.mark.extended
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ecosystem=ecosystems(max_organisations=6, gaps=True))
def test_rewrites_agree_on_random_ecosystems(ecosystem: Ecosystem) -> None:
    store = _store("random.ttl", ecosystem.turtle().encode(), "ttl")
    try:
        _assert_same(store)
    finally:
        store.close()


@settings(max_examples=60, deadline=None)
@given(links=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=18))
def test_provision_cycles_agree_on_random_link_graphs(links: list[tuple[int, int]]) -> None:
    turtle = "@prefix srkb: <https://w3id.org/srkb#> .\n" + "".join(
        f"<{EX}o{a}> srkb:providesTo <{EX}o{b}> .\n" for a, b in links
    )
    store = _store("links.ttl", turtle.encode(), "ttl", inferred=False)
    try:
        plain = store.query(PLAIN["provision-cycles"]).rows
        rewritten = store.query(questions()["provision-cycles"].sparql).rows
        assert set(rewritten) == set(plain)
        assert len(rewritten) == len(set(rewritten))
    finally:
        store.close()


#: breach-impact as it was before its downstream path moved into the UNION branches (the path was
#: joined with the branches' sub-SELECT, which Oxigraph planned with both ends of the path free).
BREACH_IMPACT_BEFORE = """
PREFIX srkb: <https://w3id.org/srkb#>
SELECT DISTINCT ?breach ?target ?vendor ?service ?affectedOrganisation
WHERE {
  {
    SELECT DISTINCT ?breach ?target ?holder ?breached ?vendor ?service
    WHERE {
      {
        SELECT DISTINCT ?breach ?target ?holder ?used ?breached ?vendor
        WHERE {
          {
            ?breach a srkb:ServiceLevelBreach ; srkb:measuresTarget ?target .
            ?agreement srkb:hasServiceLevelTarget ?target .
            ?used srkb:isGovernedByAgreement ?agreement ;
                  srkb:refersToService ?breached ;
                  srkb:hasVendor ?vendor .
            ?holder srkb:registersComponent ?used .
          } UNION {
            ?breach a srkb:ServiceLevelBreach ; srkb:measuresTarget ?target .
            ?agreement srkb:hasServiceLevelTarget ?target .
            ?governed srkb:isGovernedByAgreement ?agreement ;
                      srkb:hasConsumer ?holder ;
                      srkb:concernsService ?breached .
            ?holder srkb:registersComponent ?used .
            ?used srkb:refersToService ?breached ; srkb:hasVendor ?vendor .
          }
        }
      }
      ?used srkb:refersToService|(^srkb:isCreatedFrom/(^srkb:refersToService/^srkb:isCreatedFrom)*)
        ?service .
    }
  }
  {
    SELECT ?service ?affectedOrganisation
    WHERE {
      ?relationship srkb:concernsService ?service ;
                    srkb:hasConsumer ?affectedOrganisation .
    }
  }
  FILTER (STR(?service) != STR(?breached) || STR(?affectedOrganisation) = STR(?holder))
}
"""


def test_breach_impact_keeps_its_answer_on_an_inferred_generated_ecosystem() -> None:
    buffer = io.BytesIO()
    generate(60, 1, buffer)
    store = _store("generated.nt", buffer.getvalue(), "nt")
    try:
        before = store.query(BREACH_IMPACT_BEFORE).rows
        now = store.query(questions()["breach-impact"].sparql).rows
        assert before, "the generated ecosystem should have breaches with downstream services"
        assert set(now) == set(before)
        assert len(now) == len(set(now))
    finally:
        store.close()
