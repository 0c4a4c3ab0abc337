"""The synthetic ecosystem generator: deterministic, linear in size, and a real ecosystem.

A generated ecosystem must load, infer (consumer-turned-providers, mutual partners, provision
cycles), fail validation on every shape (the generator plants every kind of gap), and answer every
competency question, because the benches measure exactly that pipeline at scale.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import URIRef

from kb import resources
from kb.ecosystem.questions import ask, questions
from kb.ecosystem.views import cycles, roles_by_organisation
from kb.generate import (
    GAP_RATES,
    NAMESPACE,
    TRIPLES_PER_ORGANISATION,
    GenerationStats,
    generate,
    generate_file,
    orgs_for_triples,
)
from kb.interchange.loading import install_model, load_files, parse_file
from kb.namespaces import SHAPES_GRAPH, SRKB
from kb.reasoning.inference import infer
from kb.store import Store, open_store
from kb.validation.shacl import ValidationReport, validate

#: Big enough that every kind of gap happens at its few percent, small enough for pySHACL.
ORGS = 250
SEED = 1


def generated(orgs: int, seed: int, fmt: str = "nt") -> tuple[bytes, GenerationStats]:
    buffer = io.BytesIO()
    stats = generate(orgs, seed, buffer, fmt=fmt)
    return buffer.getvalue(), stats


def org(index: int) -> URIRef:
    return URIRef(f"{NAMESPACE}org-{index}")


@pytest.mark.parametrize("fmt", ["nt", "ttl"])
def test_the_same_seed_gives_the_same_bytes(fmt: str, tmp_path: Path) -> None:
    first = generate_file(60, 7, tmp_path / f"a.{fmt}")
    second = generate_file(60, 7, tmp_path / f"b.{fmt}")
    assert first == second
    assert (tmp_path / f"a.{fmt}").read_bytes() == (tmp_path / f"b.{fmt}").read_bytes()
    assert generated(60, 8, fmt)[0] != (tmp_path / f"a.{fmt}").read_bytes()


def test_size_grows_linearly_with_the_number_of_organisations() -> None:
    sizes = {orgs: generated(orgs, SEED)[1].triples for orgs in (100, 200, 400, 800)}
    for orgs, triples in sizes.items():
        assert abs(triples / orgs - TRIPLES_PER_ORGANISATION) < 0.1 * TRIPLES_PER_ORGANISATION
    assert 1.8 < sizes[800] / sizes[400] < 2.2
    assert 1.8 < sizes[200] / sizes[100] < 2.2
    assert orgs_for_triples(10_000) * TRIPLES_PER_ORGANISATION == pytest.approx(10_000, rel=0.02)


def test_stats_count_the_triples_written_and_the_tiers() -> None:
    data, stats = generated(100, SEED)
    assert stats.triples == data.count(b"\n")
    assert stats.tiers == {"vendor": 10, "platform": 15, "intermediary": 30, "consumer": 45}
    assert set(stats.gaps) <= set(GAP_RATES)


def test_turtle_and_n_triples_hold_the_same_triples(tmp_path: Path) -> None:
    generate_file(80, SEED, tmp_path / "eco.nt")
    generate_file(80, SEED, tmp_path / "eco.ttl")
    nt = parse_file(tmp_path / "eco.nt", graph="urn:g")
    ttl = parse_file(tmp_path / "eco.ttl", graph="urn:g")
    assert len(nt) == len(ttl) > 0
    assert set(nt.quads) == set(ttl.quads)
    assert len(set(nt.quads)) == len(nt), "the generator writes no triple twice"


def test_the_command_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "eco.ttl"
    result = subprocess.run(
        [sys.executable, "-m", "kb", "generate", "--orgs", "30", "--seed", "3", "--out", out],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "triples (30 organisations)" in result.stderr
    assert out.read_bytes() == generated(30, 3, "ttl")[0]


# -- the generated ecosystem through the whole pipeline -------------------------------------------


@pytest.fixture(scope="module")
def ecosystem(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("generated") / "eco.ttl"
    generate_file(ORGS, SEED, path)
    store = open_store("memory")
    install_model(store)
    load_files(store, [path])
    infer(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def report(ecosystem: Store) -> ValidationReport:
    return validate(ecosystem, save=True)


@pytest.mark.slow
def test_inference_finds_every_role(ecosystem: Store) -> None:
    counts: dict[str, int] = {}
    for names in roles_by_organisation(ecosystem).values():
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    assert set(counts) == {
        "ServiceProvider",
        "ServiceConsumer",
        "Intermediary",
        "ConsumerTurnedProvider",
        "MutualPartner",
        "Vendor",
    }
    assert counts["ConsumerTurnedProvider"] > ORGS // 5
    assert counts["ServiceConsumer"] > counts["ServiceProvider"]


@pytest.mark.slow
def test_provision_has_mutual_pairs_and_longer_cycles(ecosystem: Store) -> None:
    sizes = sorted(len(cycle) for cycle in cycles(ecosystem))
    assert 2 in sizes
    assert max(sizes) >= 3
    assert max(sizes) < 20, "cycles stay inside a region"


@pytest.mark.slow
def test_validation_finds_every_shape_and_every_precondition(
    ecosystem: Store, report: ValidationReport
) -> None:
    query = f"SELECT DISTINCT ?shape WHERE {{ ?shape <{SRKB}precondition> ?precondition }}"
    rows = ecosystem.query(query, default_graphs=[SHAPES_GRAPH]).rows
    shapes = {str(row[0]) for row in rows}
    found = {f.source_shape for f in report.findings}
    assert shapes - found == set()
    assert {f.precondition for f in report.findings} == {0, 1, 2, 3}
    assert not report.conforms
    assert {f.severity for f in report.findings} == {"Violation", "Warning"}
    violating = {f.organisation for f in report.findings if f.severity == "Violation"}
    assert len(violating) < ORGS // 2, "gaps are a few percent, not the rule"


@pytest.mark.slow
def test_every_competency_question_answers(ecosystem: Store, report: ValidationReport) -> None:
    del report  # organisations-failing-precondition reads the saved validation graph
    platform, intermediary = org(1), org(2)
    # A relationship that records its value view (outputs, outcomes, costs, risks: 5% of them).
    ((valued,),) = ecosystem.query(
        f"SELECT ?r WHERE {{ ?r <{SRKB}deliversOutput> ?o }} ORDER BY ?r LIMIT 1"
    ).rows
    params = {
        "organisation": intermediary,
        "provider": platform,
        "service": URIRef(f"{NAMESPACE}svc-2-0"),
        "precondition": "1",
        "relationship": valued,
    }
    empty = []
    for name, question in questions().items():
        result = ask(ecosystem, name, {p: params[p] for p in question.params})
        if not result.rows:
            empty.append(name)
    assert empty == []


def test_the_generated_file_is_in_the_shipped_example_vocabulary() -> None:
    """Every srkb term the generator writes is declared by the ontology."""
    data, _ = generated(200, SEED)
    used = {
        term
        for line in data.decode().splitlines()
        for term in line.split(" ")[:3]
        if term.startswith(f"<{SRKB}")
    }
    declared = resources.ontology_files()[0].read_text(encoding="utf-8")
    missing = {t for t in used if f"srkb:{t[len(str(SRKB)) + 1 : -1]}" not in declared}
    assert missing == set()
