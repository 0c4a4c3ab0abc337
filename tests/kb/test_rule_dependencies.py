"""The rule plan: which rules feed which, and a fixpoint that re-runs only what its inputs changed.

The planned fixpoint must derive exactly what the naive one derives (every rule in every pass
until a pass adds nothing): on every example, on ecosystems written by ``srkb generate`` with
every kind of gap, and on hypothesis-generated ones. The keys themselves are checked against the
ontology: a rule reads what its patterns can match there, and a rule that could write the schema
disables the plan.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from rdflib import Variable

from kb import generate, resources
from kb.interchange.loading import install_model
from kb.reasoning.inference import (
    _ask_form,
    count_of_keys,
    rule,
    rule_plan,
    rules,
    run_to_fixpoint,
)
from kb.reasoning.rule_dependencies import (
    ANY,
    TYPE,
    RuleKeys,
    iri_variables,
    key_values,
    key_variable,
    order,
    overlaps,
    plan,
)
from kb.sparql.text import with_dataset
from kb.store.oxigraph import OxigraphStore
from tests.support.generate import Ecosystem, ecosystems
from tests.support.parsed_cache import read_then_kept

EXAMPLES = sorted(Path(resources.examples_dir()).glob("*/*.ttl"))
SRKB = "https://w3id.org/srkb#"
ORG = "http://www.w3.org/ns/org#"


def scratch_with(turtle: bytes) -> OxigraphStore:
    """srkb's model and ``turtle`` in one default graph, as the in-memory fixpoint sees them."""
    model = OxigraphStore(None)
    install_model(model)
    store = OxigraphStore(None)
    for quad in model.native:
        store.native.add(ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph()))
    store.native.load(turtle, ox.RdfFormat.TURTLE)
    return store


class Recording(OxigraphStore):
    """A memory store that keeps every update request it runs."""

    def __init__(self) -> None:
        super().__init__(None)
        self.requests: list[str] = []

    def update(self, sparql: str) -> None:
        self.requests.append(sparql)
        super().update(sparql)


def closure(
    base: OxigraphStore, *, planned: bool, narrow: bool = False, keyed: bool = False
) -> tuple[set[ox.Quad], int, list[str]]:
    """The fixpoint of every rule on a copy of ``base``; ``keyed``: counted as infer() does."""
    store = Recording()
    store.native.extend(base.native)  # the same blank nodes in both runs
    texts = [r.text for r in rules()]
    keys = rule_plan(store) if planned else None
    if planned:
        assert keys is not None, "srkb's rules never write the schema, so there is always a plan"
    passes = run_to_fixpoint(
        store,
        texts,
        store.count,
        plan=keys,
        narrow=narrow,
        count_keys=(lambda written: count_of_keys(store, written)) if keyed else None,
    )
    return set(store.native), passes, store.requests


def assert_same_closure(turtle: bytes) -> None:
    base = scratch_with(turtle)
    naive, naive_passes, _ = closure(base, planned=False)
    planned, planned_passes, _ = closure(base, planned=True)
    narrowed, _, _ = closure(base, planned=True, narrow=True)
    keyed, _, _ = closure(base, planned=True, narrow=True, keyed=True)
    assert len(planned) > len(set(base.native))  # something was inferred
    assert planned == naive
    assert narrowed == naive
    assert keyed == naive
    assert planned_passes <= naive_passes


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_planned_fixpoint_equals_naive_on_every_example(path: Path) -> None:
    assert_same_closure(path.read_bytes())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planned_fixpoint_equals_naive_on_generated_ecosystems(seed: int) -> None:
    out = io.BytesIO()
    generate.generate(60, seed, out, fmt="ttl")
    assert_same_closure(out.getvalue())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ecosystems(gaps=True))
def test_planned_fixpoint_equals_naive_on_random_ecosystems(ecosystem: Ecosystem) -> None:
    assert_same_closure(ecosystem.turtle().encode())


def test_generic_rules_read_what_the_schema_gives_their_variables() -> None:
    store = scratch_with(b"")
    keys = dict(zip([r.rule_id for r in rules()], rule_plan(store) or [], strict=True))
    domains = {
        str(row[0])
        for row in store.query(
            "SELECT DISTINCT ?p WHERE { ?p <http://www.w3.org/2000/01/rdf-schema#domain> ?c }"
        ).rows
    }
    assert keys["owl-prp-dom"].reads == {(p, None) for p in domains}
    assert (SRKB + "hasConsumer", None) in keys["owl-prp-inv"].writes
    # A role rule reads constants and writes one class.
    assert keys["srkb-role-intermediary"].reads == {
        (TYPE, SRKB + "ServiceProvider"),
        (TYPE, SRKB + "ServiceConsumer"),
    }
    assert keys["srkb-role-intermediary"].writes == {(TYPE, SRKB + "Intermediary")}
    assert keys["srkb-role-provider"].feeds(keys["srkb-role-intermediary"])
    assert not keys["srkb-role-sponsor"].feeds(keys["srkb-role-intermediary"])


def test_producers_run_before_consumers() -> None:
    store = scratch_with(b"")
    keys = rule_plan(store)
    assert keys is not None
    ids = [rules()[i].rule_id for i in order(keys)]
    assert ids.index("owl-prp-inv") < ids.index("owl-prp-dom")
    assert ids.index("srkb-role-provider") < ids.index("srkb-role-intermediary")


def test_a_rule_that_could_write_the_schema_disables_the_plan() -> None:
    writes_schema = """
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    INSERT { ?c rdfs:subClassOf ?d } WHERE { ?c <https://example.org/narrower> ?d }
    """
    texts = [rule("owl-cax-sco").text, writes_schema]
    assert plan(texts, lambda _query: []) is None
    # Without it, the same rule set has a plan.
    assert plan(texts[:1], lambda _query: []) is not None


def test_an_unbound_variable_predicate_matches_everything() -> None:
    text = "INSERT { ?x <https://example.org/seen> ?y } WHERE { ?x ?p ?y }"
    seen = ("https://example.org/seen", None)
    assert plan([text], lambda _query: []) == [
        RuleKeys(frozenset({(ANY, None)}), frozenset({seen}))
    ]
    assert overlaps((ANY, None), (TYPE, ORG + "Organization"))
    assert overlaps((TYPE, None), (TYPE, ORG + "Organization"))
    assert not overlaps((TYPE, SRKB + "Vendor"), (TYPE, ORG + "Organization"))
    assert not overlaps((SRKB + "hasProvider", None), (TYPE, None))


def test_a_rules_patterns_are_kept_on_disk_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first write after a start would read every rule with rdflib's parser again (0.35 s)."""
    from kb.reasoning import rule_dependencies

    text = rules()[0].text
    where, template = read_then_kept(
        monkeypatch, tmp_path, rule_dependencies, "patterns", "_patterns", "rules", text
    )
    assert where, "a rule has WHERE patterns"
    assert template, "a rule has INSERT patterns"


def test_rules_with_one_keyed_data_pattern_have_a_key_variable() -> None:
    found = {r.rule_id: key_variable(r.text) for r in rules()}
    assert found["owl-cax-sco"] == (Variable("c"), False)
    assert found["owl-cax-eqc"] == (Variable("c"), False)
    assert found["owl-prp-inv"] == (Variable("p"), True)
    assert found["owl-prp-dom"] == (Variable("p"), True)
    # two data patterns, or a constant key: these always run whole
    assert found["owl-prp-trp"] is None
    assert found["srkb-role-provider"] is None
    assert found["owl-eq-rep-s"] is None


def test_key_values_say_when_a_rule_must_run_whole() -> None:
    provider, consumer = SRKB + "ServiceProvider", SRKB + "hasConsumer"
    written = {(TYPE, provider), (consumer, None)}
    assert key_values(written, is_predicate=False) == [provider]
    assert key_values(written, is_predicate=True) == sorted([TYPE, consumer])
    assert key_values({(TYPE, None)}, is_predicate=False) is None  # any class
    assert key_values({(ANY, None)}, is_predicate=True) is None
    assert key_values({(TYPE, "ub2bL4C7")}, is_predicate=False) is None  # a blank node's label
    assert key_values({(consumer, None)}, is_predicate=False) == []  # no typing: nothing new


def test_narrowed_runs_are_used_and_derive_the_same_on_a_generated_ecosystem() -> None:
    out = io.BytesIO()
    generate.generate(60, 1, out, fmt="ttl")
    base = scratch_with(out.getvalue())
    planned, _, _ = closure(base, planned=True)
    narrowed, _, requests = closure(base, planned=True, narrow=True)
    assert narrowed == planned
    assert any("VALUES ?c {" in r for r in requests), "no narrowed run of a class rule"


def test_a_filter_of_the_whole_group_keeps_variables_to_iris() -> None:
    texts = {r.rule_id: r.text for r in rules()}
    assert iri_variables(texts["owl-cax-sco"]) == {"d"}
    assert iri_variables(texts["owl-cax-eqc"]) == {"c", "d"}
    assert iri_variables(texts["owl-prp-spo1"]) == {"p", "q"}
    assert iri_variables(texts["owl-eq-sym"]) == set()  # !isLiteral(?y): not an IRI test
    head = "INSERT { ?x a ?d } WHERE { ?c <urn:sub> ?d . ?x a ?c . "
    assert iri_variables(head + "FILTER(isIRI(?d)) }") == {"d"}
    # Filters that do not hold for every solution: in a group of their own, a disjunction, a
    # negation.
    assert iri_variables(head + "OPTIONAL { ?d <urn:p> ?e FILTER(isIRI(?d)) } }") == set()
    assert iri_variables(head + "FILTER(isIRI(?d) || isBlank(?d)) }") == set()
    assert iri_variables(head + "FILTER(!isIRI(?d)) }") == set()
    assert iri_variables(head + 'FILTER(isIRI(?c) && ?c != <urn:x> && STR(?d) != "}") }') == {"c"}


RESTRICTION = b"""
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/r#> .
ex:Special rdfs:subClassOf ex:Kind , [ a owl:Restriction ; owl:onProperty ex:p ;
    owl:someValuesFrom ex:Kind ] .
ex:thing a ex:Special .
"""


def test_a_class_expression_is_not_a_class_the_subclass_rule_writes() -> None:
    """Its superclass restriction is a blank node that the rule's isIRI filter never writes.

    Were it a written key, every rule reading types would run whole again after this one added
    triples (a VALUES block cannot name a blank node).
    """
    store = scratch_with(RESTRICTION)
    keys = dict(zip([r.rule_id for r in rules()], rule_plan(store) or [], strict=True))
    written = keys["owl-cax-sco"].writes
    assert (TYPE, "https://example.org/r#Kind") in written
    assert all(cls is not None and cls.startswith(("http", "urn")) for _, cls in written)
    assert key_values(written, is_predicate=False) is not None


def test_a_rule_whose_body_matches_nothing_is_not_run() -> None:
    """An ASK of its body first: no owl:sameAs in the data, so no equality rule runs at all."""
    out = io.BytesIO()
    generate.generate(20, 1, out, fmt="ttl")
    _, _, requests = closure(scratch_with(out.getvalue()), planned=True, narrow=True)
    ran = {line.split(":", 1)[1].strip() for r in requests for line in r.splitlines()[:1]}
    assert "owl-cax-sco" in ran
    assert "srkb-role-provider" in ran
    assert not {r for r in ran if r.startswith("owl-eq-")}
    # What the ASK is made of: a plain INSERT ... WHERE only.
    text = rule("owl-eq-sym").text
    asked = _ask_form(text)
    assert asked is not None
    assert "INSERT" not in asked
    assert asked.rstrip().endswith("}")
    assert "ASK WHERE" in asked
    assert _ask_form(with_dataset(text, "urn:target", ["urn:read"])) is None
    assert _ask_form(text + " ;\nINSERT DATA { <urn:a> <urn:b> <urn:c> }") is None
    assert _ask_form(rule("srkb-role-provider").text) is None  # a MINUS: asked whole, so not asked


def test_rules_writing_a_few_constant_keys_are_counted_by_those_keys() -> None:
    """The role rules are told to have added something by their class alone, not by a count of
    the whole store; the closure is the same (the tests above compare it with the naive one)."""
    out = io.BytesIO()
    generate.generate(60, 1, out, fmt="ttl")
    base = scratch_with(out.getvalue())
    sizes = 0

    def size(store: OxigraphStore) -> int:
        nonlocal sizes
        sizes += 1
        return store.count()

    runs = []
    for keyed in (False, True):
        store = Recording()
        store.native.extend(base.native)
        sizes = 0
        run_to_fixpoint(
            store,
            [r.text for r in rules()],
            lambda store=store: size(store),
            plan=rule_plan(store),
            narrow=True,
            count_keys=(lambda written, store=store: count_of_keys(store, written))
            if keyed
            else None,
        )
        runs.append((sizes, len(store.requests), set(store.native)))
    (whole, whole_rules, whole_closure), (counted, keyed_rules, keyed_closure) = runs
    assert keyed_closure == whole_closure
    assert keyed_rules == whole_rules  # the same rule runs: the counts told the same story
    roles = [r for r in rules() if r.role is not None]
    assert whole - counted >= len(roles) - 2, (whole, counted)


def test_count_of_keys_counts_each_keys_triples() -> None:
    store = scratch_with(
        b"""@prefix srkb: <https://w3id.org/srkb#> .
        <https://e.org/a> a srkb:Vendor ; srkb:providesService <https://e.org/s> .
        <https://e.org/b> a srkb:Vendor ."""
    )
    vendor = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", SRKB + "Vendor")
    provides = (SRKB + "providesService", None)
    assert count_of_keys(store, [vendor]) == 2
    assert count_of_keys(store, [vendor, provides]) == 3
