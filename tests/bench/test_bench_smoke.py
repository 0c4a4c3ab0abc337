"""``make bench`` works: the harness at a tiny size, once, end to end. No timing is asserted.

The real runs (10k to 1M triples, several repetitions, a quiet machine) are ``make bench``; these
tests only prove that every step runs, every result is recorded and the report is written, so
that the harness does not rot between runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import run


def harness(tmp_path: Path, *options: str) -> dict[str, Any]:
    argv = ["--sizes", "2k", "--reps", "1", "--rounds", "1", "--inline"]
    argv += ["--work", str(tmp_path / "work"), "--results", str(tmp_path / "results"), *options]
    return run.run(run.config_from(argv))


def assert_ran(size: dict[str, Any], steps: tuple[str, ...]) -> None:
    for step in steps:
        summary = size["steps"][step]
        assert summary["runs"], f"{step} did not run"
        assert not summary["capped"]
        assert summary["peak_rss_mb"] > 0


@pytest.mark.slow
def test_every_step_its_baseline_and_the_http_part_run_and_are_reported(tmp_path: Path) -> None:
    report = harness(tmp_path, "--api-duration", "0.5", "--api-requests", "3", "--api-clients", "2")
    (size,) = report["sizes"]
    assert size["label"] == "2k"
    assert 1500 < size["triples"] < 2500
    assert_ran(size, run.SRKB_STEPS)
    assert_ran(size, tuple(run.BASELINE_OF.values()))
    steps = size["steps"]
    assert steps["load"]["info"]["triples"] == size["triples"]
    assert steps["infer"]["info"]["inferred"] > 0
    assert steps["validate"]["info"]["findings"] > 0
    assert "current" in steps["infer-unchanged"]["info"]["output"], "it inferred again"
    assert steps["start"]["info"]["reused_inferences"], "the start inferred again"
    # --rounds 1: one plain write and one hub write
    assert len(steps["write"]["info"]["writes"]) == len(steps["write"]["info"]["hub_writes"]) == 1
    over_http = steps["write-http"]["info"]  # the step fails unless each PUT answered "done"
    assert len(over_http["writes"]) == len(over_http["hub_writes"]) == 1
    assert steps["write-http"]["median"] > 0
    assert all(rows >= 0 for rows in steps["questions"]["info"]["rows"].values())
    impact = steps["impact"]["info"]  # a global vendor: a median of --rounds calls, and the first
    assert impact["global_vendor_affected"] > 0
    assert impact["global_vendor_seconds"] > 0
    assert impact["global_vendor_first_seconds"] > 0
    reports = steps["reports"]["info"]
    assert "question who-provides-what-to-whom" in reports["ms"]
    assert reports["rows"]["view roles"] > 0, "every organisation has roles"
    assert reports["slowest"] in reports["ms"]
    assert steps["owlrl"]["info"]["agrees_with_srkb"]
    assert steps["pyshacl"]["info"]["findings"] > 0
    api = size["api"]
    assert "error" not in api, api.get("error")
    assert api["sustained"]["requests"] > 0
    assert api["sustained"]["errors"] == 0, api["sustained"]["first_errors"]
    assert all(stats["errors"] == 0 for stats in api["latency"].values())
    results = tmp_path / "results"
    (saved,) = results.glob("*.json")
    assert json.loads(saved.read_text(encoding="utf-8"))["sizes"][0]["label"] == "2k"
    table = (results / "latest.md").read_text(encoding="utf-8")
    for step in run.SRKB_STEPS:
        assert run.LABELS[step] in table
    assert "Sustained: 2 clients" in table
    assert "owlrl agrees with srkb" in table
    assert list((tmp_path / "work").glob("synthetic-2k-*.ttl")), "the data set was generated"


def test_sizes_and_labels() -> None:
    assert [run.parse_size(s) for s in ("2k", "10k", "1M", "2500", "1.5M")] == [
        2_000,
        10_000,
        1_000_000,
        2_500,
        1_500_000,
    ]
    assert [run.size_label(n) for n in (2_000, 100_000, 1_000_000, 2_500)] == [
        "2k",
        "100k",
        "1M",
        "2500",
    ]


def test_the_options_that_leave_parts_out() -> None:
    config = run.config_from(["--no-baseline", "--no-api", "--rounds", "2", "--steps", "write"])
    assert not config.baseline
    assert not config.api
    assert (config.rounds, config.steps) == (2, ("write",))
