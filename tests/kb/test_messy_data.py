"""Right answers on messy real data (issue 15): one regression test per reported problem.

Each test is the smallest ecosystem that showed the problem: blank nodes from two files, a
blank-node organisation or component, owl:sameAs, a relationship whose provider is its consumer,
type clashes, two consumers, an impact cycle, and the ontology's own definitions (item 8, a
component with one complete and one incomplete agreement, is a shape test). Every validation here
runs both engines, which must agree (the compiled SPARQL one and pySHACL, the reference).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDFS, Graph, URIRef

from kb import resources
from kb.ecosystem.impact import impact
from kb.ecosystem.questions import ask
from kb.interchange.loading import install_model, parse_file, parse_stream, write_sources
from kb.namespaces import SRKB
from kb.reasoning.consistency import clashes
from kb.reasoning.incremental import infer_incremental
from kb.reasoning.inference import explain, infer, inferred_roles
from kb.store import Store, open_store
from kb.store.oxigraph import OxigraphStore
from kb.validation.readiness import readiness
from kb.validation.shacl import ValidationReport, validate
from tests.conftest import ServerFactory, new_store
from tests.support.expected import example_names

PREFIXES = """
@prefix ex:   <https://example.org/messy#> .
@prefix srkb: <https://w3id.org/srkb#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
"""
EX = "https://example.org/messy#"


@pytest.fixture
def store() -> Iterator[Store]:
    opened = open_store("memory")
    install_model(opened)
    yield opened
    opened.close()


def load(store: Store, *documents: str, names: tuple[str, ...] = ()) -> None:
    """Load each Turtle document as its own source (one request), then infer."""
    names = names or tuple(f"part{i}.ttl" for i in range(len(documents)))
    write_sources(
        store,
        [
            parse_stream((PREFIXES + text).encode(), fmt="ttl", name=name)
            for name, text in zip(names, documents, strict=True)
        ],
    )
    infer(store)


def checked(store: Store) -> ValidationReport:
    """Validate with both engines; they must give the same findings. Returns the saved report."""
    reference = validate(store, save=False, engine="pyshacl")
    ours = validate(store, save=True, engine="sparql")
    assert sorted(ours.findings, key=repr) == sorted(reference.findings, key=repr)
    return ours


def findings(report: ValidationReport) -> set[tuple[str, str | None, str | None]]:
    """(shape local name, organisation, value) of every finding."""
    return {(f.source_shape.rsplit("#", 1)[-1], f.organisation, f.value) for f in report.findings}


def roles(store: Store) -> dict[str, set[str]]:
    return {k.removeprefix(EX): v for k, v in inferred_roles(store).items()}


# --- 1. blank-node labels are kept apart per source -----------------------------------------------

BN_PROVIDER = """
_:o a org:Organization .
ex:R1 a srkb:ServiceRelationship ; srkb:hasProvider _:o ; srkb:hasConsumer ex:C ;
    srkb:concernsService ex:S1 .
ex:C a org:Organization . ex:S1 a srkb:Service .
"""
BN_CONSUMER = """
_:o a org:Organization .
ex:R2 a srkb:ServiceRelationship ; srkb:hasProvider ex:P ; srkb:hasConsumer _:o ;
    srkb:concernsService ex:S2 .
ex:P a org:Organization . ex:S2 a srkb:Service .
"""


def blank_roles(store: Store) -> list[set[str]]:
    return sorted(
        (v for k, v in inferred_roles(store).items() if not k.startswith("http")), key=sorted
    )


def test_blank_node_labels_of_two_files_loaded_together_stay_apart(store: Store) -> None:
    """Item 1: ``_:o`` in two files is two organisations, not one Intermediary."""
    load(store, BN_PROVIDER, BN_CONSUMER)
    assert blank_roles(store) == [{"ServiceConsumer"}, {"ServiceProvider"}]


def test_blank_node_labels_of_two_requests_stay_apart(store: Store) -> None:
    load(store, BN_PROVIDER, names=("first.ttl",))
    load(store, BN_CONSUMER, names=("second.ttl",))
    assert blank_roles(store) == [{"ServiceConsumer"}, {"ServiceProvider"}]


def test_blank_node_labels_within_one_file_stay_one_node(store: Store) -> None:
    load(store, BN_PROVIDER + "ex:R3 srkb:hasProvider _:o .")
    providers = store.query(
        "SELECT DISTINCT ?o WHERE { ?r <https://w3id.org/srkb#hasProvider> ?o }"
    ).rows
    assert len(providers) == 1


# --- 2, 3. blank-node organisations and components are validated and reported like IRIs -----------


def test_blank_node_organisation_is_validated_saved_and_named(store: Store) -> None:
    """Item 2: validation saved the report with ``<o>`` for the blank node and failed (exit 2)."""
    load(
        store,
        """
        ex:R srkb:hasProvider ex:V ; srkb:hasConsumer _:o ; srkb:concernsService ex:S .
        _:o srkb:registersComponent ex:C .
        """,
    )
    report = checked(store)
    blank = {f.organisation for f in report.findings if f.focus.startswith("_:")}
    assert blank
    assert all(o is not None and o.startswith("_:") for o in blank)
    saved = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/srkb/graph/validation> "
        "{ ?r <https://w3id.org/srkb#concernsOrganisation> ?o } }"
    ).rows
    assert int(saved[0][0]) >= 1  # type: ignore[arg-type]
    scored = {o.organisation for o in readiness(store, report).organisations}
    assert blank <= scored


def test_blank_node_component_findings_keep_their_organisation(store: Store) -> None:
    """Item 3: a finding on ``[ srkb:refersToService ex:S ]`` had ``organisation: null``."""
    load(
        store,
        """
        ex:P a org:Organization . ex:S a srkb:Service .
        ex:R srkb:hasProvider ex:P ; srkb:hasConsumer ex:O ; srkb:concernsService ex:S .
        ex:O a org:Organization ; srkb:registersComponent [ srkb:refersToService ex:S ] .
        """,
    )
    report = checked(store)
    on_component = [f for f in report.findings if f.focus.startswith("_:")]
    assert {f.source_shape.rsplit("#", 1)[-1] for f in on_component} >= {
        "P1-ComponentHasVendor",
        "P1-ComponentHasVendorContact",
        "P1-ComponentHasAgreement",
    }
    assert {f.organisation for f in on_component} == {EX + "O"}
    (organisation,) = [
        o for o in readiness(store, report).organisations if o.organisation == EX + "O"
    ]
    p1 = organisation.of(1)
    assert p1 is not None
    assert p1.met is False


# --- 4, 5. owl:sameAs, and relationships whose provider is their consumer -------------------------

SAME_AS = """
ex:O a org:Organization . ex:O2 a org:Organization . ex:O owl:sameAs ex:O2 .
ex:P a org:Organization . ex:K a org:Organization .
ex:S1 a srkb:Service . ex:S2 a srkb:Service .
ex:R1 a srkb:ServiceRelationship ; srkb:hasProvider ex:P ; srkb:hasConsumer ex:O ;
    srkb:concernsService ex:S1 .
ex:O srkb:registersComponent ex:C . ex:C srkb:refersToService ex:S1 .
ex:S2 srkb:isCreatedFrom ex:C .
ex:R2 a srkb:ServiceRelationship ; srkb:hasProvider ex:O2 ; srkb:hasConsumer ex:K ;
    srkb:concernsService ex:S2 .
"""


def test_same_as_aliases_share_their_roles(store: Store) -> None:
    """Item 4: O consumes and registers, its alias O2 provides; both are consumer-turned-provider.

    HermiT and owlrl derive this (the test_messy_differential module checks HermiT); before the
    equality rules srkb derived neither Intermediary nor consumer-turned-provider.
    """
    load(store, SAME_AS)
    found = roles(store)
    for alias in ("O", "O2"):
        assert {"Intermediary", "ConsumerTurnedProvider"} <= found[alias], found


def test_same_as_aliases_are_one_provider_for_the_relationship_checks(store: Store) -> None:
    """The equality rules give R2 both names of its provider: still one provider, no finding."""
    load(store, SAME_AS)
    shapes = {shape for shape, _org, _value in findings(checked(store))}
    assert not shapes & {"SR-RelationshipHasOneProvider", "SR-RelationshipHasOneConsumer"}


def test_same_as_added_later_is_inferred_as_by_a_full_run(store: Store) -> None:
    """Equality is not local (chains of aliases): incremental inference runs everything again."""
    load(store, SAME_AS.replace("ex:O owl:sameAs ex:O2 .", ""))
    assert "ConsumerTurnedProvider" not in roles(store).get("O2", set())
    write_sources(
        store,
        [
            parse_stream(
                (PREFIXES + "ex:O owl:sameAs ex:O2 .").encode(), fmt="ttl", name="alias.ttl"
            )
        ],
    )
    infer_incremental(store, {URIRef(EX + "O"), URIRef(EX + "O2")})
    incremental = roles(store)
    infer(store)
    assert incremental == roles(store)
    assert "ConsumerTurnedProvider" in incremental["O2"]


SELF_SERVICE = """
ex:O a org:Organization . ex:S a srkb:Service .
ex:R a srkb:ServiceRelationship ; srkb:hasProvider ex:O ; srkb:hasConsumer ex:O ;
    srkb:concernsService ex:S .
ex:O srkb:registersComponent ex:C . ex:C srkb:refersToService ex:S . ex:S srkb:isCreatedFrom ex:C .
"""


def test_relationship_whose_provider_is_its_consumer_gives_no_role(store: Store) -> None:
    """Item 5: it yielded consumer-turned-provider, MutualRelationship and MutualPartner."""
    load(store, SELF_SERVICE)
    assert roles(store) == {}
    assert ("SR-ProviderIsNotConsumer", EX + "O", EX + "O") in findings(checked(store))
    assert explain(store, EX + "O") == []


def test_self_service_hidden_behind_same_as_is_found_and_gives_no_role(store: Store) -> None:
    """Item 5: behind owl:sameAs the same relationship gave the roles with no finding at all."""
    load(
        store,
        SELF_SERVICE.replace("srkb:hasConsumer ex:O", "srkb:hasConsumer ex:O2")
        + "ex:O2 a org:Organization . ex:O owl:sameAs ex:O2 .",
    )
    assert roles(store) == {}
    shapes = {shape for shape, _org, _value in findings(checked(store))}
    assert "SR-ProviderIsNotConsumer" in shapes


# --- 6. type clashes ------------------------------------------------------------------------------

CLASHES = {
    "service-as-provider": """
        ex:R srkb:hasProvider ex:S ; srkb:hasConsumer ex:C ; srkb:concernsService ex:T .
        ex:S a srkb:Service . ex:C a org:Organization . ex:T a srkb:Service .
    """,
    "organisation-as-service": """
        ex:R srkb:hasProvider ex:P ; srkb:hasConsumer ex:C ; srkb:concernsService ex:S .
        ex:S a org:Organization . ex:P a org:Organization . ex:C a org:Organization .
    """,
    "both-types": """
        ex:S a org:Organization , srkb:Service .
    """,
}


@pytest.mark.parametrize("case", sorted(CLASHES))
def test_type_clash_is_a_precondition_0_finding_naming_the_node(store: Store, case: str) -> None:
    """Item 6: each case passed validation (range inference satisfied every sh:class check)."""
    load(store, CLASHES[case])
    report = checked(store)
    clashing = {
        (f.focus, f.value) for f in report.findings if f.source_shape.endswith("SR-NoDisjointTypes")
    }
    assert clashing == {
        (EX + "S", str(SRKB.Service)),
        (EX + "S", "http://www.w3.org/ns/org#Organization"),
    }
    assert not report.conforms


def test_type_clash_names_the_statement_and_the_axiom(store: Store) -> None:
    """``srkb reason`` names the individual, the axiom and where each type came from."""
    load(store, CLASHES["service-as-provider"])
    found = {(c.node, c.kind, c.axiom): c for c in clashes(store)}
    org = "http://www.w3.org/ns/org#Organization"
    as_org = found[(EX + "S", org, "owl:AllDisjointClasses")]
    assert [(o.how, o.via, o.other) for o in as_org.origins] == [
        ("range", str(SRKB.hasProvider), EX + "R")
    ]
    as_service = found[(EX + "S", str(SRKB.Service), "owl:AllDisjointClasses")]
    assert [(o.how, o.via) for o in as_service.origins] == [("asserted", str(SRKB.Service))]


# --- 7. two consumers: flagged, not merged --------------------------------------------------------


def test_two_consumers_are_flagged_and_not_merged(store: Store) -> None:
    """Item 7: HermiT merges the two consumers (no unique-name assumption); srkb flags the data.

    Each organisation keeps the roles its own facts give: B, which registers and resells, is a
    consumer-turned-provider; A, which does neither, is only a consumer (HermiT would make it a
    consumer-turned-provider too, by merging it with B).
    """
    load(
        store,
        """
        ex:P a org:Organization . ex:A a org:Organization . ex:B a org:Organization .
        ex:K a org:Organization . ex:S a srkb:Service . ex:T a srkb:Service .
        ex:R srkb:hasProvider ex:P ; srkb:hasConsumer ex:A , ex:B ; srkb:concernsService ex:S .
        ex:B srkb:registersComponent ex:C . ex:C srkb:refersToService ex:S .
        ex:T srkb:isCreatedFrom ex:C .
        ex:R2 srkb:hasProvider ex:B ; srkb:hasConsumer ex:K ; srkb:concernsService ex:T .
        """,
    )
    found = roles(store)
    assert "ConsumerTurnedProvider" in found["B"]
    assert found["A"] == {"ServiceConsumer"}
    shapes = {shape for shape, _org, _value in findings(checked(store))}
    assert "SR-RelationshipHasOneConsumer" in shapes


# --- 9. impact on a cycle -------------------------------------------------------------------------


def test_impact_on_a_cycle_includes_the_failing_organisation(store: Store) -> None:
    """Item 9: A -> B -> C -> A; A's failure reaches A again, as the question says."""
    load(
        store,
        """
        ex:A a org:Organization . ex:B a org:Organization . ex:C a org:Organization .
        ex:SA a srkb:Service . ex:SB a srkb:Service . ex:SC a srkb:Service .
        ex:RA srkb:hasProvider ex:A ; srkb:hasConsumer ex:B ; srkb:concernsService ex:SA .
        ex:RB srkb:hasProvider ex:B ; srkb:hasConsumer ex:C ; srkb:concernsService ex:SB .
        ex:RC srkb:hasProvider ex:C ; srkb:hasConsumer ex:A ; srkb:concernsService ex:SC .
        ex:B srkb:registersComponent ex:CB . ex:CB srkb:refersToService ex:SA .
        ex:SB srkb:isCreatedFrom ex:CB .
        ex:C srkb:registersComponent ex:CC . ex:CC srkb:refersToService ex:SB .
        ex:SC srkb:isCreatedFrom ex:CC .
        """,
    )
    organisations = {a.iri for a in impact(store, EX + "A") if a.kind == "organisation"}
    assert organisations == {EX + "A", EX + "B", EX + "C"}


# --- 10. the ontology -----------------------------------------------------------------------------


def ontology() -> Graph:
    graph = Graph()
    for path in resources.ontology_files():
        graph.parse(path, format="turtle")
    return graph


def test_service_component_is_not_defined_as_a_service() -> None:
    """Item 10: it was "a service an organisation consumes", while the two classes are disjoint."""
    definition = str(ontology().value(SRKB.ServiceComponent, URIRef(str(SKOS_DEFINITION))))
    assert not definition.lower().startswith(("a service ", "a service,"))
    assert "record" in definition


SKOS_DEFINITION = URIRef("http://www.w3.org/2004/02/skos/core#definition")


def test_has_provider_is_not_schema_provider() -> None:
    """Item 10: the alignment put schema.org's service property on the relationship node."""
    graph = ontology()
    assert (
        SRKB.hasProvider,
        RDFS.subPropertyOf,
        URIRef("https://schema.org/provider"),
    ) not in graph
    supers = set(graph.transitive_objects(SRKB.hasProvider, RDFS.subPropertyOf))
    assert not {s for s in supers if str(s).startswith("https://schema.org/")}


def test_asserted_derived_role_gets_a_finding(store: Store) -> None:
    """Item 10: a role typed by hand, with nothing behind it, passed unnoticed."""
    load(
        store,
        """
        ex:X a org:Organization , srkb:ConsumerTurnedProvider .
        ex:Y a org:Organization , srkb:MutualPartner .
        """,
    )
    derived = {
        (f.focus, f.message)
        for f in checked(store).findings
        if f.source_shape.endswith("SR-RoleIsDerived")
    }
    assert {focus for focus, _ in derived} == {EX + "X", EX + "Y"}
    assert any("srkb:ConsumerTurnedProvider" in message for _, message in derived)


def test_roles_asserted_with_all_but_one_of_their_facts_get_a_finding(store: Store) -> None:
    """Near misses of the role rules, found alike by both engines (the checks join sub-SELECTs).

    X consumes s1 and registers it, but provides nothing created from it; M's consumer provides
    back, but to another organisation than M's provider.
    """
    load(
        store,
        """
        ex:P a org:Organization . ex:Q a org:Organization .
        ex:X a org:Organization , srkb:ConsumerTurnedProvider .
        ex:r1 a srkb:ServiceRelationship ; srkb:hasProvider ex:P ; srkb:hasConsumer ex:X ;
            srkb:concernsService ex:s1 .
        ex:X srkb:registersComponent ex:c . ex:c srkb:refersToService ex:s1 .
        ex:M a srkb:ServiceRelationship , srkb:MutualRelationship ; srkb:hasProvider ex:P ;
            srkb:hasConsumer ex:X ; srkb:concernsService ex:s1 .
        ex:back a srkb:ServiceRelationship ; srkb:hasProvider ex:X ; srkb:hasConsumer ex:Q ;
            srkb:concernsService ex:s2 .
        """,
    )
    derived = {
        f.focus for f in checked(store).findings if f.source_shape.endswith("SR-RoleIsDerived")
    }
    assert derived == {EX + "X", EX + "M"}


def test_roles_the_rules_derive_pass_the_derived_role_check(store: Store) -> None:
    load(store, SAME_AS)
    shapes = {shape for shape, _org, _value in findings(checked(store))}
    assert "SR-RoleIsDerived" not in shapes


@pytest.mark.parametrize("name", example_names())
def test_impact_answers_as_the_question_on_every_example(name: str) -> None:
    """Item 9: routes (kb impact) and the CLI (the question) name the same services and orgs."""
    store = open_store("memory")
    try:
        install_model(store)
        write_sources(store, [parse_file(resources.example_file(name))])
        infer(store)
        providers = sorted(
            str(row[0])
            for row in store.query(
                "SELECT DISTINCT ?p WHERE { ?r <https://w3id.org/srkb#hasProvider> ?p "
                "FILTER(isIRI(?p)) }"
            ).rows
        )
        for provider in providers:
            rows = ask(store, "impact-of-provider-failure", {"provider": provider}).rows
            found = impact(store, provider)
            assert {str(s) for s, _ in rows} == {a.iri for a in found if a.kind == "service"}
            assert {str(o) for _, o in rows if o is not None} == {
                a.iri for a in found if a.kind == "organisation"
            }, provider
    finally:
        store.close()


def test_explain_says_when_a_role_rests_on_invalid_data(store: Store) -> None:
    """Item 7: roles from a relationship with two consumers are explained as resting on it."""
    load(
        store,
        """
        ex:P a org:Organization . ex:A a org:Organization . ex:B a org:Organization .
        ex:S a srkb:Service .
        ex:R srkb:hasProvider ex:P ; srkb:hasConsumer ex:A , ex:B ; srkb:concernsService ex:S .
        """,
    )
    (consumer,) = explain(store, EX + "A")
    assert consumer.caveats == (
        f"rests on invalid data: {EX}R has more than one hasConsumer (precondition 0)",
    )


def test_explain_a_blank_node_organisation(store: Store) -> None:
    """Blank-node organisations are explained like IRIs, by their printable name."""
    load(store, BN_PROVIDER)
    (name,) = [k for k in inferred_roles(store) if k.startswith("_:")]
    (provider,) = explain(store, name)
    assert provider.rule_id == "srkb-role-provider"
    assert {str(w["r"]) for w in provider.witnesses} == {EX + "R1"}


def test_srkb_reason_names_the_individual_and_the_axiom(tmp_path: Path) -> None:
    """Item 6: ``srkb reason`` said only "inconsistent: HermiT found a contradiction"."""
    data = tmp_path / "clash.ttl"
    data.write_text(PREFIXES + CLASHES["service-as-provider"], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "kb", "--store", "memory", "reason", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    line = " ".join(result.stderr.split())
    assert "inconsistent" in line
    expected = (
        f"{EX}S is org:Organization (named by {EX}R srkb:hasProvider (its range)) and "
        "srkb:Service, which owl:AllDisjointClasses declares disjoint"
    )
    assert expected in line, line


@pytest.fixture
def any_store(
    backend: str, tmp_path: Path, oxigraph_server_factory: ServerFactory
) -> Iterator[Store]:
    """An empty store of each backend (memory, disk, a real oxigraph server), with the model."""
    opened = new_store(backend, tmp_path, oxigraph_server_factory)
    install_model(opened)
    yield opened
    opened.close()


def test_blank_nodes_and_aliases_on_every_backend(any_store: Store) -> None:
    """Items 1-4 on each store: labels apart, blank-node findings named, aliases share roles."""
    load(any_store, BN_PROVIDER, BN_CONSUMER)
    assert blank_roles(any_store) == [{"ServiceConsumer"}, {"ServiceProvider"}]
    report = checked(any_store)
    assert all(f.organisation for f in report.findings if f.focus.startswith("_:"))
    load(any_store, SAME_AS, names=("same-as.ttl",))
    assert "ConsumerTurnedProvider" in roles(any_store)["O2"]


def test_big_data_inference_gives_the_same_graph_and_clears_the_stale_mark_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above a size the rules run in a scratch store on disk and the difference goes in chunks.

    Both change how triples travel, never which: blank nodes and aliases get the same roles as in
    memory, a run after a change removes what is no longer entailed, and the stale mark of a
    pending write is removed by the last of the writes.
    """
    from kb.recovery import STALE_SINCE, stale_until_inferred
    from kb.store import oxigraph

    reference = open_store("memory")
    install_model(reference)
    load(reference, BN_PROVIDER, BN_CONSUMER, SAME_AS)
    monkeypatch.setattr(oxigraph, "SCRATCH_IN_MEMORY_MAX", 0)
    monkeypatch.setattr(oxigraph, "WRITE_CHUNK", 2)
    disk = open_store(tmp_path / "store")
    install_model(disk)
    load(disk, BN_PROVIDER, BN_CONSUMER, SAME_AS)
    assert inferred(disk) == inferred(reference)
    assert blank_roles(disk) == [{"ServiceConsumer"}, {"ServiceProvider"}]
    assert "ConsumerTurnedProvider" in roles(disk)["O2"]

    removals: list[list[str]] = []
    real_remove = oxigraph.OxigraphStore._remove

    def remove(self: OxigraphStore, quads: Sequence[ox.Quad]) -> None:
        removals.append([str(q.predicate) for q in quads])
        real_remove(self, quads)

    monkeypatch.setattr(oxigraph.OxigraphStore, "_remove", remove)
    for store in (reference, disk):
        with stale_until_inferred(store):
            store.update(f"DELETE WHERE {{ GRAPH ?g {{ <{EX}O> <{OWL.sameAs}> ?o }} }}")
        removals.clear()
        infer(store)
    assert inferred(disk) == inferred(reference)
    assert "ConsumerTurnedProvider" not in roles(disk).get("O2", set())
    assert len(removals) > 2
    stale = [k for k, predicates in enumerate(removals) if f"<{STALE_SINCE}>" in predicates]
    assert stale == [len(removals) - 1], removals


@pytest.mark.parametrize("keep", [True, False])
def test_memory_inference_keeps_or_reads_again_the_asserted_triples_to_the_same_graph(
    monkeypatch: pytest.MonkeyPatch, keep: bool
) -> None:
    """Below a size the copied triples are kept to be taken out of the scratch store after the
    rules; above it they are read from the store again. Blank nodes must match either way."""
    from kb.store import oxigraph

    reference = open_store("memory")
    install_model(reference)
    load(reference, BN_PROVIDER, BN_CONSUMER, SAME_AS)
    monkeypatch.setattr(oxigraph, "KEEP_ASSERTED_MAX", 10**9 if keep else 0)
    kept: list[bool] = []
    real = oxigraph.OxigraphStore._materialise_in

    def materialise_in(self: OxigraphStore, *args: object, **options: bool) -> tuple[int, int]:
        kept.append(options["keep"])
        return real(self, *args, **options)

    monkeypatch.setattr(oxigraph.OxigraphStore, "_materialise_in", materialise_in)
    other = open_store("memory")
    install_model(other)
    load(other, BN_PROVIDER, BN_CONSUMER, SAME_AS)
    assert kept
    assert set(kept) == {keep}
    assert inferred(other) == inferred(reference)
    assert blank_roles(other) == [{"ServiceConsumer"}, {"ServiceProvider"}]


def inferred(store: Store) -> tuple[int, set[str]]:
    """How many lines the inferred graph has but its stamp, and those without blank nodes.

    Blank-node labels differ from store to store (each load makes its own).
    """
    from tests.support.crash import inferred_lines

    assert isinstance(store, OxigraphStore)
    lines = inferred_lines(store)
    return len(lines), {line for line in lines if "_:" not in line}
