"""``srkb report`` and ``srkb map`` as real processes: the governance loop on a broken example."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kb import resources
from tests.kb.test_cli import srkb

BROKEN = "broken-p1-unregistered-component"
EX = "https://example.org/broken-p1-unregistered-component#"
FIX = f"""@prefix srkb: <https://w3id.org/srkb#> .
<{EX}comp-clinic-labtests> srkb:hasVendorContact "lab-desk@example.org" .
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("governance") / "store"
    assert srkb("load", resources.example_file(BROKEN), store=path).returncode == 0
    return path


def test_report_fix_and_see_the_improvement(store: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    first = srkb("report", "--format", "html", "--out", page, store=store)
    assert first.returncode == 1, first.stderr
    assert "recorded validation run" in first.stderr
    html = page.read_text(encoding="utf-8")
    assert "Occupational Health Clinic" in html
    assert "70%" in html
    assert "@media print" in html
    fix = tmp_path / "fix.ttl"
    fix.write_text(FIX, encoding="utf-8")
    assert srkb("load", fix, store=store).returncode == 0
    second = srkb("report", "--since", "last", store=store)
    assert second.returncode == 1, second.stderr
    assert "**better**" in second.stdout
    assert "## Fixed (1)" in second.stdout
    assert "no way recorded to reach its vendor" in second.stdout
    assert "| Occupational Health Clinic | 1 | 70% | 80% | +10 |" in second.stdout
    as_json = srkb("report", "--since", "last", "--format", "json", "--no-record", store=store)
    assert json.loads(as_json.stdout)["verdict"] == "unchanged"


def test_report_json_has_findings_readiness_and_run(store: Path) -> None:
    result = srkb("report", "--format", "json", "--no-record", store=store)
    document = json.loads(result.stdout)
    assert document["conforms"] is False
    assert document["run"] is None
    assert {s["precondition"] for s in document["readiness"]["summary"]} == {0, 1, 2, 3}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--since", "someday"], "cannot read 'someday' as a date"),
        (["report", "--format", "pdf"], "unknown report format 'pdf'"),
        (["report", "--since", "last", "--format", "html"], "unknown report format 'html'"),
        (["map", "--format", "png"], "unknown map format 'png'"),
    ],
)
def test_bad_options_exit_2_with_one_line(store: Path, args: list[str], message: str) -> None:
    result = srkb(*args, store=store)
    assert result.returncode == 2
    assert message in result.stderr
    assert "recorded" not in result.stderr, "nothing is recorded on bad input"


def test_map_in_every_format(store: Path) -> None:
    svg = srkb("map", "--format", "svg", store=store)
    assert svg.returncode == 0, svg.stderr
    root = ET.fromstring(svg.stdout)  # noqa: S314 - our own output
    assert root.tag.endswith("svg")
    assert "Occupational Health Clinic" in svg.stdout
    dot = srkb("map", "--format", "dot", store=store).stdout
    assert dot.startswith("digraph")
    assert f'"{EX}LabCo" -> "{EX}Clinic"' in dot
    mermaid = srkb("map", "--format", "mermaid", store=store).stdout
    assert mermaid.startswith("flowchart LR")
    assert "fails P1" in mermaid
    data = json.loads(srkb("map", "--format", "json", store=store).stdout)
    assert len(data["nodes"]) == 4
