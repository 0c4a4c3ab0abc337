"""The srkb command line, run as a real process: exit codes 0/1/2, one-line errors, outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from kb import resources

SRKB = [sys.executable, "-m", "kb"]


def srkb(*args: str | Path, store: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [*SRKB]
    if store is not None:
        command += ["--store", str(store)]
    command += [str(a) for a in args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def campus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store"
    result = srkb("load", resources.example_file("campus"), store=store)
    assert result.returncode == 0, result.stderr
    assert "inferred" in result.stderr
    return store


def test_help_lists_every_command() -> None:
    result = srkb("--help")
    assert result.returncode == 0
    for command in ("load", "infer", "validate", "explain", "query", "ask", "export", "stats"):
        assert command in result.stdout


def test_validate_a_conformant_example_exits_0(campus_store: Path) -> None:
    result = srkb("validate", "--format", "json", store=campus_store)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["conforms"] is True


def test_validate_a_broken_example_exits_1_and_names_the_organisation(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert (
        srkb("load", resources.example_file("broken-p2-missing-practice"), store=store).returncode
        == 0
    )
    result = srkb("validate", "--format", "md", store=store)
    assert result.returncode == 1
    assert "Precondition 2" in result.stdout
    csv_result = srkb("validate", "--format", "csv", "--precondition", "2", store=store)
    assert csv_result.returncode == 1
    rows = csv_result.stdout.strip().splitlines()
    assert rows[0].startswith("organisation,")
    assert all(",2," in row for row in rows[1:])


def test_validate_turtle_is_a_shacl_report(campus_store: Path) -> None:
    result = srkb("validate", "--format", "ttl", store=campus_store)
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert len(graph) > 0


def test_a_file_with_a_syntax_error_exits_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix ex: <https://e.org/> .\nex:a ex:b ex:c .\nex:a ex:b ex:c ex:d .\n",
        encoding="utf-8",
    )
    result = srkb("load", bad, store=tmp_path / "store")
    assert result.returncode == 2
    assert f"{bad}:3:16:" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_unknown_question_exits_2_and_lists_the_known_ones(campus_store: Path) -> None:
    result = srkb("ask", "no-such-question", store=campus_store)
    assert result.returncode == 2
    assert "who-provides-what-to-whom" in result.stderr


def test_ask_with_a_parameter(campus_store: Path) -> None:
    result = srkb(
        "ask",
        "dependents-of",
        "--param",
        "provider=https://example.org/campus#NetCo",
        "--format",
        "json",
        store=campus_store,
    )
    assert result.returncode == 0, result.stderr
    organisations = {row["organisation"] for row in json.loads(result.stdout)}
    assert "https://example.org/campus#IT" in organisations


def test_explain_names_relationship_service_and_component(campus_store: Path) -> None:
    result = srkb("explain", "https://example.org/campus#IT", store=campus_store)
    assert result.returncode == 0, result.stderr
    assert "srkb:ConsumerTurnedProvider" in result.stdout
    assert "srkb-role-ctp" in result.stdout
    for variable in ("c=", "r1=", "s1=", "s2="):
        assert variable in result.stdout


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "nt", "nq", "rdfxml", "trig"])
def test_export_in_every_format_parses_back(campus_store: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    result = srkb("export", "--format", fmt, "--out", out, store=campus_store)
    assert result.returncode == 0, result.stderr
    rdflib_format = {"ttl": "turtle", "rdfxml": "xml", "jsonld": "json-ld", "nq": "nquads"}.get(
        fmt, fmt
    )
    if fmt in {"nq", "trig", "jsonld"}:  # dataset formats keep each named graph
        from rdflib import Dataset

        parsed = Dataset().parse(data=out.read_bytes(), format=rdflib_format)
        assert len(list(parsed.quads())) > 100
    else:
        assert len(Graph().parse(data=out.read_bytes(), format=rdflib_format)) > 100


def test_export_without_inferences_is_smaller(campus_store: Path) -> None:
    with_inferred = srkb("export", "--format", "nt", store=campus_store).stdout
    without = srkb("export", "--format", "nt", "--no-inferred", store=campus_store).stdout
    assert len(without.splitlines()) < len(with_inferred.splitlines())
    typed_ctp = "#type> <https://w3id.org/srkb#ConsumerTurnedProvider> ."
    assert typed_ctp in with_inferred
    assert typed_ctp not in without


def test_query_file_and_stats(campus_store: Path, tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", encoding="utf-8")
    result = srkb("query", rq, "--format", "csv", store=campus_store)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[1]) > 500
    stats = srkb("stats", store=campus_store)
    assert "ConsumerTurnedProvider" in stats.stdout


def test_a_malformed_query_exits_2(campus_store: Path, tmp_path: Path) -> None:
    rq = tmp_path / "bad.rq"
    rq.write_text("SELECT * WHERE { ?s ?p }", encoding="utf-8")
    result = srkb("query", rq, store=campus_store)
    assert result.returncode == 2
    assert "does not parse" in result.stderr


@pytest.mark.parametrize(
    "example",
    [
        "broken-p1-unregistered-component",
        "broken-p2-missing-practice",
        "broken-p3-missing-catalogue",
    ],
)
def test_srkb_validate_prints_exactly_the_documented_findings(example: str, tmp_path: Path) -> None:
    from tests.support.expected import load_expected

    store = tmp_path / "store"
    assert srkb("load", resources.example_file(example), store=store).returncode == 0
    result = srkb("validate", "--format", "json", store=store)
    assert result.returncode == 1
    exp = load_expected(example)
    printed = {
        (f["organisation"], f["precondition"], f["focus"], f["source_shape"], f["severity"])
        for f in json.loads(result.stdout)["findings"]
    }
    assert printed == {finding[:5] for finding in exp.findings}
