"""``make bench-load`` works, and its "no memory growth" verdict means what it says.

The real run (100k triples, 30 s, a quiet machine) is ``make bench-load``. Here: the memory check
on synthetic RSS series (a leak must fail it, noise and a passing spike must not), and one short
run end to end on a 10k-triple store, which must have no failed request and write every field
of the JSON and Markdown results. No speed is asserted.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench import api_load, load_client, load_requests, load_server

BASELINE = 400.0  # MiB: the allowance is then 40 MiB (10 %), more than the 20 MiB floor


def series(values: list[float]) -> list[tuple[float, float]]:
    """One sample a second."""
    return [(float(t), v) for t, v in enumerate(values)]


def test_a_steadily_growing_rss_fails_the_check() -> None:
    grows = series([BASELINE + 2 * t for t in range(31)])  # 2 MiB/s: +60 MiB after 30 s
    verdict = load_server.memory_check(grows, BASELINE)
    assert not verdict.ok
    assert verdict.growth_mib == pytest.approx(60)
    assert verdict.allowance_mib == pytest.approx(40)
    assert verdict.slope_mib_per_s == pytest.approx(2)
    assert "above the baseline" in verdict.reason


def test_a_leak_still_under_the_allowance_at_the_end_fails_by_its_slope() -> None:
    # Flat, then 1.5 MiB/s over the last 15 s: +22.5 MiB at the end (< 40), but it climbs.
    values = [BASELINE] * 16 + [BASELINE + 1.5 * t for t in range(1, 16)]
    verdict = load_server.memory_check(series(values), BASELINE)
    assert verdict.growth_mib < verdict.allowance_mib
    assert not verdict.ok
    assert "still climbs" in verdict.reason


def test_noise_and_a_spike_that_falls_back_pass() -> None:
    values = [BASELINE + (1.0 if t % 2 else -1.0) for t in range(31)]
    values[10] = BASELINE + 120  # a large answer being built, then freed
    verdict = load_server.memory_check(series(values), BASELINE)
    assert verdict.ok, verdict.reason
    assert verdict.max_mib == BASELINE + 120
    assert verdict.samples == 31


def test_the_allowance_has_a_floor_for_small_servers() -> None:
    small = 100.0
    grows = series([small + 0.5 * t for t in range(31)])  # +15 MiB: under the 20 MiB floor
    verdict = load_server.memory_check(grows, small)
    assert verdict.allowance_mib == 20
    assert verdict.ok, verdict.reason
    assert not load_server.memory_check(grows, small, tolerance_mib=10).ok


def test_no_samples_is_not_a_pass() -> None:
    verdict = load_server.memory_check([], BASELINE)
    assert not verdict.ok
    assert math.isnan(verdict.end_mib)


def test_memory_is_read_for_a_process_and_its_children() -> None:
    """The /sparql query workers are child processes of the server: their RSS counts too."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 10
        while child.pid not in load_server.descendants(os.getpid()) and time.monotonic() < deadline:
            time.sleep(0.05)
        found = load_server.tree_rss(os.getpid())
        assert found is not None
        own, total, children = found
        assert children >= 1
        assert total > own > 0
    finally:
        child.kill()
        child.wait(timeout=10)
    assert load_server.rss_mib(child.pid) is None


def test_failed_requests_and_growth_fail_the_run() -> None:
    memory = {"ok": True, "reason": "", "server_process": {"ok": True, "growth_mib": 0.0}}
    clean: dict[str, Any] = {
        "warmup": {"errors": 0},
        "latency": {"route": {"errors": 0}},
        "questions_throughput": {"errors": 0},
        "sustained": {"errors": 0},
        "memory": memory,
    }
    assert api_load.failures(clean) == []
    broken = {
        **clean,
        "sustained": {"errors": 3},
        "memory": {"ok": False, "reason": "end RSS is 60 MiB above the baseline"},
    }
    reasons = api_load.failures(broken)
    assert "3 failed requests in the mixed load" in reasons
    assert any(r.startswith("memory grew (server and query workers): end") for r in reasons)
    server_grew = {**memory, "server_process": {"ok": False, "growth_mib": 50.0}}
    assert api_load.failures({**clean, "memory": server_grew}) == [
        "the server process's memory grew: +50.0 MiB"
    ]


def test_latency_is_of_answered_requests_and_the_rate_of_all() -> None:
    stats = load_client.summary([0.001, 0.010, 0.020, 0.030], [False, True, True, True], elapsed=2)
    assert stats["requests"] == 4
    assert stats["errors"] == 1
    assert stats["error_rate"] == 0.25
    assert stats["p50_ms"] == pytest.approx(20)
    assert stats["p99_ms"] == pytest.approx(30)
    assert stats["requests_per_second"] == 2
    assert math.isnan(load_client.summary([0.001], [False])["p50_ms"])


def test_sizes_and_subjects() -> None:
    options = api_load.options_from(["--size", "10k", "--no-results"])
    assert options.size == 10_000
    assert options.results is None
    assert options.warmup_seconds == 5
    assert options.question_seconds == 10
    assert not options.cold_start
    assert api_load.options_from(["--cold-start"]).cold_start
    assert api_load.options_from(["--store", "x", "--duration", "1"]).results is None
    who = load_requests.Subjects.of_synthetic(847)
    assert who.organisation.endswith("#org-422")
    assert who.provider.endswith("#org-421")
    completed = load_requests.Subjects(who.organisation, who.provider).completed()
    assert completed == who


def test_the_subjects_are_the_pipeline_benchmarks() -> None:
    """api_load keeps the generator's constants literal (cheap import): they must not drift."""
    from bench import steps
    from kb import generate

    assert load_requests.NAMESPACE == generate.NAMESPACE
    assert load_requests.REGION_SIZE == generate.REGION_SIZE
    for orgs in (3, 85, 847, 8475):
        ours = load_requests.Subjects.of_synthetic(orgs)
        theirs = steps.subjects({"orgs": orgs})
        assert ours.organisation == theirs["organisation"]
        assert ours.provider == theirs["provider"]
        assert ours.service == theirs["service"]
        assert ours.global_vendor == theirs["global_vendor"]
        assert ours.vendor is not None
        assert generate.tier_of(int(ours.vendor.rsplit("-", 1)[1])) == generate.VENDOR


#: What every results file must hold (bench/README.md describes each).
JSON_FIELDS = {
    "date": str,
    "time": str,
    "command": str,
    "machine": dict,
    "load_before": list,
    "load_after": list,
    "options": dict,
    "server": dict,
    "startup_seconds": float,
    "store": dict,
    "subjects": dict,
    "warmup": dict,
    "latency": dict,
    "questions_throughput": dict,
    "sustained": dict,
    "memory": dict,
    "targets": list,
    "failures": list,
    "passed": bool,
}
STATS_FIELDS = {"requests", "errors", "error_rate", "p50_ms", "p99_ms"}
MEMORY_FIELDS = {
    "ok",
    "reason",
    "ready_mib",
    "start_mib",
    "end_mib",
    "max_mib",
    "growth_mib",
    "allowance_mib",
    "slope_mib_per_s",
    "mixed_second_half_slope_mib_per_s",
    "children_at_end",
    "server_process",
    "series_columns",
    "series",
}


@pytest.mark.slow
def test_a_short_run_has_no_errors_and_writes_every_field(tmp_path: Path) -> None:
    results = tmp_path / "results"
    printed: list[str] = []
    argv = ["--size", "10k", "--work", str(tmp_path / "work"), "--results", str(results)]
    argv += ["--duration", "3", "--question-duration", "1", "--warmup", "1", "--clients", "3"]
    argv += ["--requests", "5", "--ready-timeout", "300"]
    # Memory is judged by the unit tests above; a 3-second run must not fail on heap noise.
    argv += ["--rss-tolerance-mib", "500"]
    status = api_load.main(argv, out=printed.append)

    (saved,) = results.glob("load-*.json")
    report = json.loads(saved.read_text(encoding="utf-8"))
    assert status == 0, report["failures"]
    assert json.loads(printed[-1])["passed"] is True
    for name, kind in JSON_FIELDS.items():
        assert isinstance(report[name], kind), name
    assert report["command"].startswith("python -m bench.api_load --size 10k")
    assert {"cpus", "machine", "packages", "commit"} <= set(report["machine"])
    assert report["store"]["orgs"] == 70  # 10k triples at 142 per organisation
    assert report["store"]["triples"] > 9000
    assert report["server"]["environment"]["SRKB_RATE_LIMIT"] == "0"

    assert report["warmup"]["errors"] == 0, report["warmup"]["first_errors"]
    kinds = {"one-organisation", "vendor impact", "sparql", "report"}
    assert {stats["kind"] for stats in report["latency"].values()} == kinds
    for name, stats in report["latency"].items():
        assert set(stats) >= STATS_FIELDS, name
        assert stats["errors"] == 0, stats["first_errors"]
    for phase in ("questions_throughput", "sustained"):
        run = report[phase]
        assert run["requests"] > 0
        assert run["errors"] == 0, run["first_errors"]
        assert run["requests_per_second"] > 0
    mixed = report["sustained"]
    assert set(mixed["kinds"]) == {"one-organisation", "vendor impact", "sparql"}
    for stats in [*mixed["kinds"].values(), *mixed["routes"].values()]:
        assert {*STATS_FIELDS, "requests_per_second"} <= set(stats)
        assert stats["requests"] > 0
    memory = report["memory"]
    assert set(memory) >= MEMORY_FIELDS
    assert memory["ok"]
    assert memory["end_mib"] > 0
    assert {row[-1] for row in memory["series"]} >= {"mixed load"}
    assert len(memory["series"][0]) == len(memory["series_columns"])
    assert memory["server_process"]["ok"]
    assert all(isinstance(row["met"], bool) for row in report["targets"])

    table = (results / "load-latest.md").read_text(encoding="utf-8")
    for text in (
        "Command: `python -m bench.api_load --size 10k",
        "CPUs",
        "Load average (1, 5, 15 min) before:",
        "**Verdict: PASS**",
        "## Targets (issues 6 and 7)",
        "## Sequential latency",
        "## One-organisation throughput",
        "## Mixed load",
        "## Server memory",
        "No memory growth means",
    ):
        assert text in table, text
    for row in report["targets"]:
        assert row["target"] in table
    for name in [*report["latency"], *mixed["routes"]]:
        assert f"| {name} |" in table, name
