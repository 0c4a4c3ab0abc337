"""``make bench-load``: a bounded HTTP load test of ``srkb serve`` on 127.0.0.1.

Issue 7 promises many concurrent SPARQL and ecosystem-question requests for a fixed time, with
p50/p99 latency and the error rate recorded, zero errors and no memory growth; issue 6 sets the
API targets (:data:`TARGETS`). One command measures all of it, the same way every time:

0. **store**: generate an ecosystem of ``--size`` triples (``srkb generate --orgs N --seed S``)
   and load it into ``bench/out/load-store-<size>-<seed>`` (git-ignored), or reuse that store;
   ``--store DIR`` serves an existing store instead;
1. **server**: ``srkb serve`` on a free port of 127.0.0.1, its ``SRKB_*`` environment reduced to
   what this tool sets (:func:`unthrottled`: the load must not be throttled by the service's own
   limits), output to a log file (an unread pipe would stall it);
2. **warm-up**: every request once, the mixed load for ``--warmup`` seconds, every request three
   times, so that caches, thread pools and allocator arenas exist before memory is first
   measured; ``--cold-start`` (``make bench-load``) sends the mixed load to the fresh server
   first, as clients of a restarted server would (errors count, as everywhere);
3. **latency**: ``--requests`` sequential requests to each route (one-organisation routes,
   questions with a parameter, the impact of a provider and of vendors, the SPARQL queries,
   whole-ecosystem reports), p50 and p99;
4. **one-organisation throughput**: ``--clients`` closed-loop clients on the one-organisation
   routes only for ``--question-duration`` seconds: issue 6's requests-per-second target;
5. **mixed load**: the same clients on SPARQL protocol queries (GET and POST, one with a property
   path) and ecosystem-question routes for ``--duration`` seconds: requests per second, p50/p99
   per kind and route, errors (any non-2xx answer or failed request) and the error rate.

Throughout 3-5 the server's resident memory (``VmRSS`` of ``/proc/<pid>/status``) is sampled
every ``--rss-interval`` seconds; :func:`memory_check` defines "no memory growth".

Exit status 1 if any request failed or memory grew (the speed targets are recorded, not
enforced: a shared machine makes them noise), 2 if the run could not be made. Results:
``bench/results/load-<date>.json`` and ``bench/results/load-latest.md`` (the exact command,
machine facts, load average before and after, targets against measurements). One JSON line is
printed last; :mod:`bench.run` calls this module with ``--store`` and its own subjects and reads
that line (then no results files are written unless ``--results`` is given).

    python -m bench.api_load --size 100k --duration 30 --clients 8
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.load_client import concurrent, sequential
from bench.load_requests import (
    Subjects,
    mixed_calls,
    one_organisation_calls,
    report_calls,
    sparql_calls,
    vendor_calls,
)
from bench.load_server import (
    ROOT,
    RSS_TOLERANCE_MIB,
    RSS_TOLERANCE_RATIO,
    RssSampler,
    Server,
    memory_check,
    prepare_store,
    slope,
    tree_rss,
)
from bench.machine import commit, facts

WORK = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results"


def unthrottled(clients: int) -> dict[str, str]:
    """Settings that keep the server's admission limits (api/limits.py) off the measurement.

    The per-client rate limit is off (every load client shares 127.0.0.1, so one bucket would
    refuse most of them with 429). The concurrency limit stays on, as deployed, but never below
    the number of clients, so that it cannot answer 503 to ours; its default, 32, already is.
    """
    return {
        "SRKB_RATE_LIMIT": "0",
        "SRKB_MAX_CONCURRENT_REQUESTS": str(max(32, clients)),
        "SRKB_MAX_CLIENT_REQUESTS": str(max(32, clients)),  # every load client is 127.0.0.1
    }


#: Issue 6's API targets (milliseconds, requests per second).
TARGETS = {
    "one_organisation_p50_ms": 20.0,
    "one_organisation_p99_ms": 100.0,
    "vendor_impact_p50_ms": 50.0,
    "one_organisation_requests_per_second": 300.0,
}


# -- the run -------------------------------------------------------------------------------------


@dataclass
class Options:
    """Everything a run is told; :func:`options_from` reads them from the command line."""

    size: int = 100_000
    seed: int = 1
    store: str | None = None
    orgs: int | None = None
    organisation: str | None = None
    provider: str | None = None
    vendor: str | None = None
    global_vendor: str | None = None
    service: str | None = None
    fresh: bool = False
    work: Path = WORK
    results: Path | None = RESULTS
    duration: float = 30.0
    question_duration: float | None = None
    warmup: float | None = None
    clients: int = 8
    requests: int = 200
    timeout: float = 30.0
    ready_timeout: float = 3600.0
    rss_interval: float = 1.0
    rss_tolerance_mib: float = RSS_TOLERANCE_MIB
    rss_tolerance_ratio: float = RSS_TOLERANCE_RATIO
    cold_start: bool = False
    server_env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None
    note: str = ""
    command: str = ""

    @property
    def warmup_seconds(self) -> float:
        """``--warmup``, else the shorter of 5 s and half the run."""
        return self.warmup if self.warmup is not None else min(5.0, self.duration / 2)

    @property
    def question_seconds(self) -> float:
        """``--question-duration``, else the shorter of 10 s and the run."""
        if self.question_duration is not None:
            return self.question_duration
        return min(10.0, self.duration)


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine() -> dict[str, Any]:
    """What the figures depend on: CPUs, memory, versions, the commit."""
    packages = ("srkb", "pyoxigraph", "fastapi", "starlette", "uvicorn", "rdflib")
    return {**facts(packages), "commit": commit()}


def warm_up(port: int, who: Subjects, options: Options) -> dict[str, Any]:
    """Every route once, the mixed load, then every route three times; nothing is timed.

    With ``cold_start`` (``make bench-load``) the mixed load comes first, on the fresh server:
    that is how a restarted server meets its clients, and first requests can fail in ways later
    ones do not (a parser that sets itself up on first use, for one); a failure here fails the
    run like any other. Either way caches, thread pools and allocator arenas exist before memory
    is first measured.
    """
    every = [*one_organisation_calls(who), *vendor_calls(who), *sparql_calls(who), *report_calls()]
    first = {} if options.cold_start else sequential(port, every, 1, options.timeout)
    cold = concurrent(
        port, mixed_calls(who), options.clients, options.warmup_seconds, options.timeout
    )
    passes = sequential(port, every, 3, options.timeout)
    for name, stats in first.items():  # count the first pass's requests and errors too
        passes[name + " (first)"] = stats
    sequential_requests = sum(r["requests"] for r in passes.values())
    sequential_errors = sum(r["errors"] for r in passes.values())
    first_errors = cold["first_errors"] + [e for r in passes.values() for e in r["first_errors"]]
    return {
        "seconds": options.warmup_seconds,
        "requests": cold["requests"] + sequential_requests,
        "errors": cold["errors"] + sequential_errors,
        "first_errors": first_errors[:5],
        "cold": {k: cold[k] for k in ("requests", "errors", "first_errors", "routes")},
        "sequential": {"requests": sequential_requests, "errors": sequential_errors},
    }


def check_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 6's and 7's targets against what was measured."""
    latency = report["latency"]
    one_org = {k: v for k, v in latency.items() if v["kind"] == "one-organisation"}
    vendors = {k: v for k, v in latency.items() if v["kind"] == "vendor impact"}
    rows: list[dict[str, Any]] = []

    def worst(table: dict[str, Any], key: str) -> tuple[str, float]:
        name = max(table, key=lambda k: table[k][key])
        return name, float(table[name][key])

    if one_org:
        name, p50 = worst(one_org, "p50_ms")
        rows.append(
            _row(
                "one-organisation routes: p50 (slowest route)",
                "<= 20 ms",
                f"{p50:.3g} ms ({name})",
                p50 <= TARGETS["one_organisation_p50_ms"],
            )
        )
        name, p99 = worst(one_org, "p99_ms")
        rows.append(
            _row(
                "one-organisation routes: p99 (slowest route)",
                "<= 100 ms",
                f"{p99:.3g} ms ({name})",
                p99 <= TARGETS["one_organisation_p99_ms"],
            )
        )
    for name, stats in vendors.items():
        p50 = float(stats["p50_ms"])
        rows.append(
            _row(
                f"{name}: p50", "<= 50 ms", f"{p50:.3g} ms", p50 <= TARGETS["vendor_impact_p50_ms"]
            )
        )
    throughput = report.get("questions_throughput")
    if throughput:
        rate = float(throughput["requests_per_second"])
        rows.append(
            _row(
                f"one-organisation routes, {throughput['clients']} clients: requests/s",
                ">= 300/s, 0 errors",
                f"{rate:.0f}/s, {throughput['errors']} errors",
                rate >= TARGETS["one_organisation_requests_per_second"]
                and not throughput["errors"],
            )
        )
    mixed = report["sustained"]
    rows.append(
        _row(
            "mixed load (SPARQL + questions): errors",
            "0",
            f"{mixed['errors']} of {mixed['requests']}",
            not mixed["errors"],
        )
    )
    memory = report["memory"]
    rows.append(
        _row(
            "server memory across the run (with its query workers)",
            "no growth",
            f"{memory['growth_mib']:+.1f} MiB, {memory['slope_mib_per_s']:+.2f} MiB/s",
            bool(memory["ok"]) and bool(memory["server_process"]["ok"]),
        )
    )
    return rows


def _row(target: str, wanted: str, measured: str, met: bool) -> dict[str, Any]:
    return {"target": target, "wanted": wanted, "measured": measured, "met": met}


def failures(report: dict[str, Any]) -> list[str]:
    """Why the run fails (errors anywhere, memory growth); empty when it passes.

    Speed targets are not among them: on a shared machine they measure the neighbours too.
    """
    why = []
    seq_errors = sum(r["errors"] for r in report["latency"].values())
    phases = {
        "warm-up": report["warmup"]["errors"],
        "sequential latency": seq_errors,
        "one-organisation throughput": (report.get("questions_throughput") or {}).get("errors", 0),
        "mixed load": report["sustained"]["errors"],
    }
    why += [f"{n} failed requests in the {phase}" for phase, n in phases.items() if n]
    memory = report["memory"]
    if not memory["ok"]:
        why.append(f"memory grew (server and query workers): {memory['reason']}")
    server = memory.get("server_process") or {"ok": True}
    if not server["ok"]:
        why.append(f"the server process's memory grew: {server['growth_mib']:+.1f} MiB")
    return why


def run(options: Options) -> dict[str, Any]:
    """Prepare the store, serve it, warm up, measure; the server is stopped however it ends."""
    load_before = load_average()
    started = time.perf_counter()
    began = datetime.now(UTC)
    if options.store:
        store_info: dict[str, Any] = {"store": options.store, "reused": True, "orgs": options.orgs}
    else:
        store_info = prepare_store(
            options.size,
            options.seed,
            options.work,
            fresh=options.fresh,
            timeout=options.ready_timeout,
        )
    orgs = store_info.get("orgs")
    if options.organisation and options.provider:
        who = Subjects(
            options.organisation,
            options.provider,
            options.vendor,
            options.global_vendor,
            options.service,
        ).completed()
    elif orgs:
        who = Subjects.of_synthetic(int(orgs))
    else:
        raise ValueError("name --organisation and --provider, or --orgs, for a store of your own")
    server_env = {**unthrottled(options.clients), **options.server_env}
    server = Server(store_info["store"], options.log, server_env)
    sampler: RssSampler | None = None
    try:
        startup = server.wait_ready(options.ready_timeout)
        rss_ready = tree_rss(server.process.pid)
        warmup = warm_up(server.port, who, options)
        sampler = RssSampler(server.process.pid, options.rss_interval)
        sampler.start()
        sampler.phase = "latency"
        every = [
            *one_organisation_calls(who),
            *vendor_calls(who),
            *sparql_calls(who),
            *report_calls(),
        ]
        latency = sequential(server.port, every, options.requests, options.timeout)
        throughput = None
        if options.question_seconds > 0:
            sampler.phase = "one-organisation throughput"
            throughput = concurrent(
                server.port,
                one_organisation_calls(who),
                options.clients,
                options.question_seconds,
                options.timeout,
            )
        sampler.phase = "mixed load"
        mixed_started = sampler.samples[-1][0] if sampler.samples else 0.0
        sustained = concurrent(
            server.port, mixed_calls(who), options.clients, options.duration, options.timeout
        )
        sampler.stop()
    finally:
        if sampler is not None:
            sampler.stop()
        server.stop()
    if not sampler.samples:
        raise RuntimeError("the server's memory could not be read (is /proc there?)")
    # The baseline is the first sample: taken as the sampler starts, right after the warm-up.
    total = [(t, mib) for t, _, mib, _, _ in sampler.samples]
    own = [(t, mib) for t, mib, _, _, _ in sampler.samples]
    verdict = memory_check(
        total,
        total[0][1],
        tolerance_mib=options.rss_tolerance_mib,
        tolerance_ratio=options.rss_tolerance_ratio,
    )
    own_verdict = memory_check(
        own,
        own[0][1],
        tolerance_mib=options.rss_tolerance_mib,
        tolerance_ratio=options.rss_tolerance_ratio,
    )
    mixed_series = [(t, mib) for t, _, mib, _, phase in sampler.samples if phase == "mixed load"]
    half = mixed_series[len(mixed_series) // 2 :]
    report: dict[str, Any] = {
        "date": began.strftime("%Y-%m-%d"),
        "time": began.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": options.command,
        "note": options.note,
        "machine": machine(),
        "load_before": load_before,
        "load_after": load_average(),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
        "server": {
            "command": shlex.join(server.command[1:]).replace("-m kb", "srkb", 1),
            "environment": server_env,
            "startup_seconds": startup,
        },
        "startup_seconds": startup,
        "store": store_info,
        "subjects": asdict(who),
        "warmup": warmup,
        "latency": latency,
        "questions_throughput": throughput,
        "sustained": sustained,
        "memory": {
            **asdict(verdict),
            "measured": "the server process and its child processes (query workers), summed",
            "ready_mib": rss_ready[1] if rss_ready else None,
            "start_mib": verdict.baseline_mib,
            "mixed_second_half_slope_mib_per_s": slope(half),
            "interval": options.rss_interval,
            "mixed_started_at": mixed_started,
            "children_at_end": sampler.samples[-1][3],
            "server_process": {
                "ready_mib": rss_ready[0] if rss_ready else None,
                "start_mib": own_verdict.baseline_mib,
                "end_mib": own_verdict.end_mib,
                "max_mib": own_verdict.max_mib,
                "growth_mib": own_verdict.growth_mib,
                "slope_mib_per_s": own_verdict.slope_mib_per_s,
                "ok": own_verdict.ok,
            },
            "series_columns": ["seconds", "server_mib", "with_children_mib", "children", "phase"],
            "series": [
                [round(t, 2), round(mine, 1), round(all_, 1), n, phase]
                for t, mine, all_, n, phase in sampler.samples
            ],
        },
        "seconds": time.perf_counter() - started,
    }
    report["targets"] = check_targets(report)
    report["failures"] = failures(report)
    report["passed"] = not report["failures"]
    return report


# -- the report ----------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.3g}"


def markdown(report: dict[str, Any]) -> str:
    """The Markdown page: command, machine, verdict, targets, every table."""
    env = report["machine"]
    store = report["store"]
    options = report["options"]
    memory = report["memory"]
    mixed = report["sustained"]
    warmup = report["warmup"]
    own = memory["server_process"]
    verdict = "PASS" if report["passed"] else "FAIL: " + "; ".join(report["failures"])
    store_text = f"`{store['store']}`"
    if store.get("size"):
        store_text += (
            f" ({store['size']}: {store.get('triples') or '?'} triples generated, "
            f"{store['orgs']} organisations, seed {store['seed']}; "
            f"{'reused' if store.get('reused') else 'built for this run'})"
        )
    lines = [
        f"# srkb HTTP load test, {report['time']}",
        "",
        f"Command: `{report['command']}`",
        "",
        f"- Machine: {env['machine']}, {env['cpus']} CPUs, {env['memory_gib']} GiB; Python "
        f"{env['python']}; "
        + ", ".join(f"{k} {v}" for k, v in env["packages"].items())
        + f"; commit {env['commit']}.",
        "- Load average (1, 5, 15 min) before: "
        f"{' '.join(map(str, report['load_before']))}; after: "
        f"{' '.join(map(str, report['load_after']))}. The clients run on the same CPUs as the "
        "server.",
        f"- Store: {store_text}. Server: `{report['server']['command']}` with "
        + ", ".join(f"{k}={v}" for k, v in report["server"]["environment"].items())
        + f"; ready in {report['startup_seconds']:.1f} s (start-up infers and validates).",
        "- Warm-up (not timed): "
        + ("" if options["cold_start"] else "every route once, one at a time, then ")
        + f"the mixed load from {options['clients']} clients for {warmup['seconds']:.1f} s on "
        f"the {'cold ' if options['cold_start'] else ''}server "
        f"({warmup['cold']['requests']} requests, {warmup['cold']['errors']} errors), then "
        f"every route three times ({warmup['sequential']['requests']} requests, "
        f"{warmup['sequential']['errors']} errors).",
    ]
    if report["note"]:
        lines.append(f"- Note: {report['note']}")
    lines += ["", f"**Verdict: {verdict}**", "", "## Targets (issues 6 and 7)", ""]
    lines += ["| target | wanted | measured | met |", "|---|---|---|---|"]
    for row in report["targets"]:
        met = "yes" if row["met"] else "**no**"
        lines.append(f"| {row['target']} | {row['wanted']} | {row['measured']} | {met} |")
    lines += [
        "",
        f"## Sequential latency (one client, {options['requests']} requests per route; "
        "reports a tenth; p50/p99 of the successful requests, as everywhere)",
        "",
        "| route | kind | requests | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for name, stats in report["latency"].items():
        lines.append(
            f"| {name} | {stats['kind']} | {stats['requests']} | {_ms(stats['p50_ms'])} | "
            f"{_ms(stats['p99_ms'])} | {stats['errors']} |"
        )
    throughput = report.get("questions_throughput")
    if throughput:
        lines += [
            "",
            f"## One-organisation throughput ({throughput['clients']} closed-loop clients, "
            f"{throughput['duration']:.1f} s)",
            "",
            f"{throughput['requests']} requests, **{throughput['requests_per_second']:.0f} "
            f"requests/s**, {throughput['errors']} errors, p50 {_ms(throughput['p50_ms'])} ms, "
            f"p99 {_ms(throughput['p99_ms'])} ms.",
        ]
    lines += [
        "",
        f"## Mixed load ({mixed['clients']} closed-loop clients, {mixed['duration']:.1f} s: "
        "SPARQL protocol queries and ecosystem questions)",
        "",
        f"{mixed['requests']} requests, **{mixed['requests_per_second']:.0f} requests/s**, "
        f"**{mixed['errors']} errors** (error rate {mixed['error_rate']:.2%}), "
        f"p50 {_ms(mixed['p50_ms'])} ms, p99 {_ms(mixed['p99_ms'])} ms.",
        "",
        "| kind / route | requests | requests/s | p50 ms | p99 ms | errors | error rate |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [(f"**{k}**", v) for k, v in mixed["kinds"].items()]
    rows += list(mixed["routes"].items())
    for name, stats in rows:
        lines.append(
            f"| {name} | {stats['requests']} | {stats['requests_per_second']:.0f} | "
            f"{_ms(stats['p50_ms'])} | {_ms(stats['p99_ms'])} | {stats['errors']} | "
            f"{stats['error_rate']:.2%} |"
        )
    if mixed["first_errors"]:
        lines += ["", "First errors: " + "; ".join(mixed["first_errors"])]
    if warmup["errors"]:
        lines += [
            "",
            f"Warm-up errors ({warmup['errors']}), by route of the cold mixed load: "
            + ", ".join(
                f"{name} {stats['errors']}/{stats['requests']}"
                for name, stats in warmup["cold"]["routes"].items()
                if stats["errors"]
            )
            + ". First: "
            + "; ".join(warmup["first_errors"]),
        ]
    lines += [
        "",
        f"## Server memory (VmRSS every {memory['interval']:g} s, {memory['samples']} samples "
        "from the end of warm-up)",
        "",
        "| process | after start-up | after warm-up (start) | end | max | growth "
        "| slope, 2nd half of samples | slope, 2nd half of mixed load |",
        "|---|---|---|---|---|---|---|---|",
        f"| server + {memory['children_at_end']} child processes (judged) | "
        f"{_mib(memory['ready_mib'])} | {_mib(memory['start_mib'])} | "
        f"{_mib(memory['end_mib'])} | {_mib(memory['max_mib'])} | "
        f"{memory['growth_mib']:+.1f} MiB | {memory['slope_mib_per_s']:+.3f} MiB/s | "
        f"{memory['mixed_second_half_slope_mib_per_s']:+.3f} MiB/s |",
        f"| server process alone | {_mib(own['ready_mib'])} | {_mib(own['start_mib'])} | "
        f"{_mib(own['end_mib'])} | {_mib(own['max_mib'])} | {own['growth_mib']:+.1f} MiB | "
        f"{own['slope_mib_per_s']:+.3f} MiB/s | |",
        "",
        "No memory growth means, for the server with its child processes (the /sparql query "
        "workers) and for the server process alone: the end RSS is within the allowance (the "
        f"larger of {options['rss_tolerance_mib']:g} MiB and "
        f"{options['rss_tolerance_ratio']:.0%} of the RSS after warm-up; here "
        f"{memory['allowance_mib']:.1f} MiB) of the RSS after warm-up, and the slope of a "
        "least-squares line through the second half of the samples, kept up for the whole "
        f"sampled time, stays within it too. {'Met' if memory['ok'] else 'Not met'}: "
        f"{memory['reason']}" + ("." if own["ok"] else "; the server process alone grew."),
    ]
    return "\n".join(lines) + "\n"


def _mib(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.0f} MiB"


def write_results(report: dict[str, Any], results: Path) -> Path:
    """``load-<date>.json`` (a new name if that day has one) and ``load-latest.md``."""
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"load-{report['date']}.json"
    n = 2
    while path.exists():
        path = results / f"load-{report['date']}-{n}.json"
        n += 1
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (results / "load-latest.md").write_text(markdown(report), encoding="utf-8")
    return path


def options_from(argv: Sequence[str]) -> Options:
    from bench.run import parse_size

    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m bench.api_load",
        description="Bounded HTTP load test of srkb serve on 127.0.0.1 (see bench/README.md).",
    )
    add = parser.add_argument
    add(
        "--size", default=env("BENCH_LOAD_SIZE", "100k"), help="Triples to generate: 10k, 100k, 1M."
    )
    add("--seed", type=int, default=1)
    add("--store", help="Serve this existing store instead of a generated one.")
    add("--orgs", type=int, help="Organisations of a generated --store (to choose subjects).")
    add("--organisation", help="IRI of the one organisation asked about.")
    add("--provider", help="IRI of a provider whose impact and dependents are asked.")
    add("--vendor", help="IRI of a vendor (its impact).")
    add("--global-vendor", help="IRI of a vendor that half the ecosystem depends on.")
    add("--service", help="IRI of a provided service (what it is built on).")
    add("--fresh", action="store_true", help="Rebuild the store even if it is there.")
    add("--work", type=Path, default=WORK, help="Where stores and data go (git-ignored).")
    add("--results", type=Path, help="Results directory (default bench/results, not with --store).")
    add("--no-results", action="store_true", help="Print the JSON line only.")
    add("--duration", type=float, default=30.0, help="Seconds of mixed load.")
    add("--question-duration", type=float, help="Seconds of one-organisation load (0: none).")
    add("--warmup", type=float, help="Seconds of mixed load before measuring.")
    add(
        "--cold-start",
        action="store_true",
        help="Start the warm-up with concurrent requests on the fresh server (make bench-load "
        "does), instead of every request once, one at a time.",
    )
    add("--clients", type=int, default=8)
    add("--requests", type=int, default=200, help="Sequential requests per route.")
    add("--timeout", type=float, default=30.0, help="Seconds per request.")
    add("--ready-timeout", type=float, default=3600.0, help="Seconds to build and start.")
    add("--rss-interval", type=float, default=1.0)
    add("--rss-tolerance-mib", type=float, default=RSS_TOLERANCE_MIB)
    add("--rss-tolerance-ratio", type=float, default=RSS_TOLERANCE_RATIO)
    add("--server-env", action="append", default=[], metavar="SRKB_NAME=VALUE")
    add("--log", type=Path, help="The server's output (default <work>/load-server.log).")
    add("--note", default=env("BENCH_NOTE", ""))
    args = parser.parse_args(list(argv))
    if args.clients < 1 or args.duration <= 0 or args.requests < 1:
        parser.error("--clients, --duration and --requests must be positive")
    server_env = {}
    for item in args.server_env:
        name, sep, value = item.partition("=")
        if not sep or not name.startswith("SRKB_"):
            parser.error(f"--server-env takes SRKB_NAME=VALUE, not {item!r}")
        server_env[name] = value
    results: Path | None = args.results
    if results is None and not args.store and not args.no_results:
        results = RESULTS
    if args.no_results:
        results = None
    return Options(
        size=parse_size(args.size),
        seed=args.seed,
        store=args.store,
        orgs=args.orgs,
        organisation=args.organisation,
        provider=args.provider,
        vendor=args.vendor,
        global_vendor=args.global_vendor,
        service=args.service,
        fresh=args.fresh,
        work=args.work,
        results=results,
        duration=args.duration,
        question_duration=args.question_duration,
        warmup=args.warmup,
        cold_start=args.cold_start,
        clients=args.clients,
        requests=args.requests,
        timeout=args.timeout,
        ready_timeout=args.ready_timeout,
        rss_interval=args.rss_interval,
        rss_tolerance_mib=args.rss_tolerance_mib,
        rss_tolerance_ratio=args.rss_tolerance_ratio,
        server_env=server_env,
        log=args.log if args.log or args.store else args.work / "load-server.log",
        note=args.note,
        command=shlex.join(["python", "-m", "bench.api_load", *argv]),
    )


def main(argv: Sequence[str] | None = None, *, out: Callable[[str], None] = print) -> int:
    options = options_from(sys.argv[1:] if argv is None else argv)
    try:
        report = run(options)
    except (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired) as err:
        print(f"api_load: {err}", file=sys.stderr)
        return 2
    if options.results is not None:
        path = write_results(report, options.results)
        print(f"wrote {path} and {options.results / 'load-latest.md'}", file=sys.stderr)
    for reason in report["failures"]:
        print(f"api_load: FAIL: {reason}", file=sys.stderr)
    out(json.dumps(report, default=str))
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
