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

from kb import generate, resources
from kb.interchange.loading import install_model
from kb.reasoning.inference import rule, rule_plan, rules, run_to_fixpoint
from kb.reasoning.rule_dependencies import ANY, TYPE, RuleKeys, order, overlaps, plan
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


def closure(base: OxigraphStore, *, planned: bool) -> tuple[set[ox.Quad], int]:
    store = OxigraphStore(None)
    store.native.extend(base.native)  # the same blank nodes in both runs
    texts = [r.text for r in rules()]
    keys = rule_plan(store) if planned else None
    if planned:
        assert keys is not None, "srkb's rules never write the schema, so there is always a plan"
    passes = run_to_fixpoint(store, texts, store.count, plan=keys)
    return set(store.native), passes


def assert_same_closure(turtle: bytes) -> None:
    base = scratch_with(turtle)
    naive, naive_passes = closure(base, planned=False)
    planned, planned_passes = closure(base, planned=True)
    assert len(planned) > len(set(base.native))  # something was inferred
    assert planned == naive
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
