"""``make bench``: the whole srkb pipeline at several sizes, side by side with the baseline stack.

For each size (``BENCH_SIZES``, default ``10k,100k,1M`` triples) it generates a synthetic ecosystem
(:mod:`kb.generate`), then measures, each step in its own child process so that peak memory is the
step's own: load into an on-disk store (the default bulk path, and the transactional one for
comparison), full inference, validation, the one-organisation questions, impact analysis and a
whole-ecosystem report (every question without parameters). The baseline is the stack srkb
replaces, on the same data: rdflib parsing, owlrl's OWL 2 RL closure (compared with srkb's on the
same terms), pySHACL on the same shapes, and rdflib's SPARQL engine on the same questions. A
baseline step that runs longer than the cap (``BENCH_CAP`` seconds, default 300) is killed and
recorded as "> cap". Each step runs ``BENCH_REPS`` times (default 3): medians with min-max.
Then (``BENCH_API=1``) :mod:`bench.api_load` serves the store over HTTP on 127.0.0.1 and measures
latency and sustained throughput.

Results: ``bench/results/<date>.json`` (everything) and ``bench/results/latest.md`` (tables).
Generated data and stores go to ``bench/out/`` (git-ignored). Timings are only as good as the
machine is quiet: the report records the load average before and after.

    python -m bench.run --sizes 10k,100k --reps 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import plot
from bench.machine import facts
from kb.generate import orgs_for_triples
from tests.support.servers import OxigraphServer, start_oxigraph
from tests.support.virtuoso import VirtuosoServer, start_virtuoso

ROOT = Path(__file__).resolve().parent.parent

#: srkb steps in pipeline order; the baseline step each is compared with.
SRKB_STEPS = (
    "generate",
    "load",
    "oxigraph-bulk-load",
    "load-transactional",
    "infer",
    "infer-incremental",
    "infer-unchanged",
    "validate",
    "start",
    "start-reinfer",
    "write",
    "write-http",
    "questions",
    "impact",
    "report",
    "reports",
)
BASELINE_OF = {
    "load": "rdflib-parse",
    "infer": "owlrl",
    "validate": "pyshacl",
    "questions": "rdflib-questions",
    "report": "rdflib-report",
}
LABELS = {
    "generate": "generate (kb.generate)",
    "load": "load on disk (default: bulk above 1 MiB)",
    "oxigraph-bulk-load": "reference for load: pyoxigraph's own bulk load of the file",
    "load-transactional": "load on disk (transactional path)",
    "infer": "full inference (SPARQL rules to fixpoint)",
    "infer-incremental": "inference after one organisation changes (incremental)",
    "infer-unchanged": "`srkb infer` with nothing changed (whole CLI call)",
    "start": "service start on the existing store (nothing changed)",
    "start-reinfer": "service start that infers and validates again (no stamp)",
    "write": "a write of one organisation's graph, everything up to date (p50 of --rounds)",
    "write-http": "the same write as a client makes it: PUT /store over HTTP (p50 of --rounds)",
    "validate": "validation (all shapes)",
    "questions": "one-organisation questions (all, once)",
    "impact": "impact of a platform provider",
    "report": "whole-ecosystem report (every question without parameters)",
    "reports": "slowest whole-ecosystem report (each question, view and report on its own)",
    "rdflib-parse": "rdflib parse",
    "owlrl": "owlrl OWL 2 RL closure",
    "pyshacl": "pySHACL, same shapes",
    "rdflib-questions": "rdflib SPARQL, same questions",
    "rdflib-report": "rdflib SPARQL, same report",
}
#: Without these the later steps of a size cannot run.
PREREQUISITES = ("generate", "load", "infer")


@dataclass
class Config:
    sizes: list[int]
    reps: int = 3
    cap: float = 300.0
    seed: int = 1
    fmt: str = "ttl"
    rounds: int = 5
    work: Path = ROOT / "bench" / "out"
    results: Path = ROOT / "bench" / "results"
    inline: bool = False
    baseline: bool = True
    api: bool = True
    api_duration: float = 10.0
    api_clients: int = 8
    api_requests: int = 200
    note: str = ""
    remote: bool = False
    #: The remote engine: ``oxigraph`` (``oxigraph serve``) or ``virtuoso`` (Virtuoso 7).
    engine: str = "oxigraph"
    #: Only these srkb steps (and the prerequisites they need); empty: every step.
    steps: tuple[str, ...] = ()


def parse_size(text: str) -> int:
    """``10k`` -> 10000, ``1M`` -> 1000000, ``2500`` -> 2500."""
    text = text.strip()
    factor = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor > 1 else text
    return int(float(number) * factor)


def size_label(triples: int) -> str:
    if triples >= 1_000_000 and triples % 1_000_000 == 0:
        return f"{triples // 1_000_000}M"
    if triples >= 1_000 and triples % 1_000 == 0:
        return f"{triples // 1_000}k"
    return str(triples)


# -- running one step ----------------------------------------------------------------------------


def run_child(step: str, params: dict[str, Any], cap: float | None) -> dict[str, Any] | None:
    """Run a step in a child process; ``None`` if its timed part ran longer than ``cap``.

    The cap starts when the child says ``READY`` (its untimed set-up is over).
    """
    command = [sys.executable, "-m", "bench.steps", step, json.dumps(params)]
    child = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stderr is not None
    ready = threading.Event()
    lines: list[str] = []
    errors: list[str] = []

    def read_stdout() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == "READY":
                ready.set()
            else:
                lines.append(line)
        ready.set()

    def read_stderr() -> None:
        assert child.stderr is not None
        errors.extend(child.stderr)

    readers = [threading.Thread(target=read_stdout), threading.Thread(target=read_stderr)]
    for reader in readers:
        reader.start()
    ready.wait()
    try:
        child.wait(timeout=cap)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        for reader in readers:
            reader.join()
        return None
    for reader in readers:
        reader.join()
    if child.returncode != 0 or not lines:
        raise RuntimeError(f"step {step} failed ({child.returncode}):\n{''.join(errors)[-4000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def run_inline(step: str, params: dict[str, Any]) -> dict[str, Any]:
    from bench import steps

    return steps.run_step(step, params)


def measure(step: str, params: dict[str, Any], config: Config) -> dict[str, Any]:
    """Run a step ``reps`` times: median, min, max seconds and the highest peak memory."""
    runs: list[dict[str, Any]] = []
    capped = False
    error = None
    for _ in range(config.reps):
        try:
            result = (
                run_inline(step, params) if config.inline else run_child(step, params, config.cap)
            )
        except RuntimeError as failed:  # recorded, not fatal: the other sizes still run
            error = str(failed)[-2000:]
            print(f"  {step}: failed: {error.splitlines()[-1] if error else ''}", flush=True)
            break
        if result is None:
            capped = True
            break
        runs.append(result)
        print(f"  {step}: {result['seconds']:.3f} s, {result['peak_rss_mb']} MiB", flush=True)
    if capped:
        print(f"  {step}: > {config.cap:.0f} s (cap)", flush=True)
    seconds = [r["seconds"] for r in runs]
    summary: dict[str, Any] = {"step": step, "capped": capped, "runs": runs}
    if error is not None:
        summary["error"] = error
    if runs:
        summary.update(
            median=statistics.median(seconds),
            min=min(seconds),
            max=max(seconds),
            peak_rss_mb=max(r["peak_rss_mb"] for r in runs),
            info={k: v for k, v in runs[-1].items() if k not in ("seconds", "peak_rss_mb")},
        )
    return summary


# -- one size --------------------------------------------------------------------------------------


def bench_size(target: int, config: Config) -> dict[str, Any]:
    label = size_label(target)
    orgs = orgs_for_triples(target)
    config.work.mkdir(parents=True, exist_ok=True)
    data = config.work / f"synthetic-{label}-{config.seed}.{config.fmt}"
    store = config.work / f"store-{label}"
    params: dict[str, Any] = {
        "orgs": orgs,
        "seed": config.seed,
        "data": str(data),
        "store": str(store),
        "rounds": config.rounds,
    }
    print(f"size {label}: {orgs} organisations", flush=True)
    results: dict[str, Any] = {"target": target, "label": label, "orgs": orgs, "steps": {}}
    if config.remote:
        location = config.work / f"remote-{label}"
        shutil.rmtree(location, ignore_errors=True)
        server: OxigraphServer | VirtuosoServer
        if config.engine == "virtuoso":
            # 8 KiB pages: 100,000 buffers (800 MiB) hold a million triples and their indexes
            server = start_virtuoso(location, buffers=max(2_000, min(target // 10, 400_000)))
            params["store"] = server.sparql_url
        else:
            server = start_oxigraph(location)
            params["store"] = server.query_url
        params["timeout"] = config.cap
        try:
            return _bench_steps(params, config, results, label)
        finally:
            server.stop()
    return _bench_steps(params, config, results, label)


def _bench_steps(
    params: dict[str, Any], config: Config, results: dict[str, Any], label: str
) -> dict[str, Any]:
    for step in SRKB_STEPS:
        if config.steps and step not in config.steps and step not in PREREQUISITES:
            continue
        if config.remote and step in ("load-transactional", "oxigraph-bulk-load"):
            continue  # a remote store is loaded over HTTP, one way
        step_params = params
        if step == "load-transactional":
            step_params = {**params, "store": str(config.work / f"store-{label}-transactional")}
        # With --steps, a prerequisite nobody asked to measure runs once: it only sets up.
        setup_only = bool(config.steps) and step not in config.steps
        outcome = measure(step, step_params, replace(config, reps=1) if setup_only else config)
        results["steps"][step] = outcome
        if step == "load-transactional":
            shutil.rmtree(step_params["store"], ignore_errors=True)
        if step == "generate" and outcome["runs"]:
            results["triples"] = outcome["info"]["triples"]
        if step in PREREQUISITES and not outcome["runs"]:
            print(f"  {step} did not finish: the rest of size {label} is skipped", flush=True)
            return results
    if config.api and not config.remote:
        results["api"] = bench_api(params, config)
    if config.baseline:
        for step in BASELINE_OF.values():
            results["steps"][step] = measure(step, params, config)
    return results


def bench_api(params: dict[str, Any], config: Config) -> dict[str, Any]:
    from bench import steps

    who = steps.subjects(params)
    command = [
        sys.executable,
        "-m",
        "bench.api_load",
        "--store",
        params["store"],
        "--organisation",
        who["organisation"],
        "--provider",
        who["provider"],
        "--duration",
        str(config.api_duration),
        "--clients",
        str(config.api_clients),
        "--requests",
        str(config.api_requests),
    ]
    print("  api: serving on 127.0.0.1", flush=True)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr[-4000:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    sustained = result["sustained"]
    print(
        f"  api: {sustained['requests_per_second']:.1f} req/s, {sustained['errors']} errors",
        flush=True,
    )
    return result


# -- the report ----------------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    return facts(("srkb", "pyoxigraph", "rdflib", "owlrl", "pyshacl"))


def cell(summary: dict[str, Any] | None, cap: float) -> tuple[str, str]:
    """Seconds as 'median (min-max)' and peak memory, or '> cap' / '-'."""
    if summary is None:
        return "-", "-"
    if summary.get("error"):
        reason = summary["error"].strip().splitlines()[-1][:160].replace("|", "/")
        return f"failed: {reason}", "-"
    if not summary["runs"]:
        return f"> {cap:.0f} s", "-"
    if len(summary["runs"]) == 1:
        time_text = f"{summary['median']:.3g} s"
    else:
        time_text = f"{summary['median']:.3g} s ({summary['min']:.3g}-{summary['max']:.3g})"
    if summary["capped"]:
        time_text += f", then > {cap:.0f} s"
    return time_text, f"{summary['peak_rss_mb']:.0f}"


def ratio(ours: dict[str, Any], theirs: dict[str, Any] | None, cap: float) -> str:
    if theirs is None or not ours.get("runs"):
        return ""
    if not theirs["runs"]:
        return f"> {cap / ours['median']:.0f}x"
    return f"{theirs['median'] / ours['median']:.1f}x"


def details(size: dict[str, Any]) -> list[str]:
    steps = size["steps"]

    def info(step: str) -> dict[str, Any]:
        summary = steps.get(step) or {}
        return dict(summary.get("info") or {})

    facts = [f"{size.get('triples', '?')} triples, {size['orgs']} organisations"]
    if infer := info("infer"):
        facts.append(f"{infer['inferred']} inferred triples in {infer['passes']} passes")
    if validate := info("validate"):
        facts.append(
            f"{validate['findings']} findings (by precondition {validate['by_precondition']})"
        )
    if shacl := info("pyshacl"):
        facts.append(f"pySHACL: {shacl['findings']} results")
    if owl := info("owlrl"):
        agree = "agrees" if owl["agrees_with_srkb"] else "DISAGREES"
        facts.append(f"owlrl {agree} with srkb on {owl['compared_terms']} compared triples")
    if impact := info("impact"):
        facts.append(
            f"impact: {impact['affected']} affected; of a global vendor "
            f"{impact['global_vendor_affected']} in {impact['global_vendor_seconds']:.3g} s"
            + (
                f" (p50; first call {first:.3g} s)"
                if (first := impact.get("global_vendor_first_seconds")) is not None
                else ""
            )
        )
    if load := info("load"):
        facts.append(f"default load took the {load['path']} path")
    facts += _same_run_ratios(steps)
    if write := info("write"):
        facts.append(
            f"a write touching a global vendor (a hub): {write['hub_seconds']:.3g} s "
            f"(writes {write['hub_writes']} s; plain writes {write['writes']} s)"
        )
        if "full_refresh_seconds" in write:
            facts.append(
                f"a full refresh (inference, validation, readiness, history) in the same run: "
                f"{write['full_refresh_seconds']:.3g} s"
            )
    if write := info("write-http"):
        facts.append(
            f"over HTTP, a write touching a global vendor: {write['hub_seconds']:.3g} s "
            f"(writes {write['hub_writes']} s; plain writes {write['writes']} s)"
        )
    return facts


#: srkb steps measured against another srkb step of the same run: (step, reference, what).
SAME_RUN = (
    ("infer-unchanged", "infer", "`srkb infer` with nothing changed against full inference"),
    ("start", "start-reinfer", "start on an unchanged store against a start that re-infers"),
)


def _same_run_ratios(steps: dict[str, Any]) -> list[str]:
    """Ratios of medians between steps of the same run (the machine is shared: compare these)."""
    found = []
    for step, reference, what in SAME_RUN:
        ours, theirs = steps.get(step) or {}, steps.get(reference) or {}
        if ours.get("runs") and theirs.get("runs"):
            found.append(
                f"{what}: {ours['median']:.3g} s vs {theirs['median']:.3g} s "
                f"({theirs['median'] / ours['median']:.1f}x)"
            )
    return found


def markdown(report: dict[str, Any]) -> str:
    config = report["config"]
    cap = float(config["cap"])
    env = report["environment"]
    lines = [
        f"# srkb benchmarks, {report['date']}",
        "",
        f"{env['machine']}, {env['cpus']} CPUs, {env['memory_gib']} GiB; Python {env['python']}; "
        + ", ".join(f"{k} {v}" for k, v in env["packages"].items()),
        f"Load average before/after: {report['load_before']} / {report['load_after']}. "
        f"{config['reps']} repetitions per step (median, min-max), each in its own process "
        f"(peak RSS is that process's VmHWM); baseline cap {cap:.0f} s; seed {config['seed']}; "
        f"data as {config['fmt']}.",
    ]
    if config["inline"]:
        lines += ["", "**Inline run** (every step in one process): peak memory is cumulative."]
    if config["note"]:
        lines += ["", f"**Note:** {config['note']}"]
    for size in report["sizes"]:
        lines += ["", f"## {size['label']} triples", "", "; ".join(details(size)) + ".", ""]
        lines += [
            "| step | srkb | peak MiB | baseline | baseline time | peak MiB | baseline / srkb |",
            "|---|---|---|---|---|---|---|",
        ]
        steps = size["steps"]
        for step in SRKB_STEPS:
            if step not in steps:
                continue
            ours = steps[step]
            base_name = BASELINE_OF.get(step)
            theirs = steps.get(base_name) if base_name else None
            ours_time, ours_rss = cell(ours, cap)
            base_time, base_rss = cell(theirs, cap) if base_name else ("", "")
            base_label = LABELS[base_name] if base_name else ""
            row = [LABELS[step], ours_time, ours_rss, base_label, base_time, base_rss]
            lines.append("| " + " | ".join([*row, ratio(ours, theirs, cap)]) + " |")
        if "questions" in steps and steps["questions"].get("info"):
            ms = steps["questions"]["info"]["ms"]
            theirs_ms = (steps.get("rdflib-questions") or {}).get("info", {}).get("ms", {})
            lines += ["", "| one-organisation question | srkb ms | rdflib ms |", "|---|---|---|"]
            for name, value in ms.items():
                lines.append(f"| {name} | {value:.3g} | {theirs_ms.get(name, '-')} |")
        api = size.get("api")
        if api and "error" not in api:
            lines += [
                "",
                f"HTTP on 127.0.0.1 (server ready in {api['startup_seconds']:.1f} s):",
                "",
            ]
            lines += ["| endpoint | p50 ms | p99 ms | errors |", "|---|---|---|---|"]
            for name, stats in api["latency"].items():
                p50, p99 = stats["p50_ms"], stats["p99_ms"]
                lines.append(f"| {name} | {p50:.3g} | {p99:.3g} | {stats['errors']} |")
            s = api["sustained"]
            lines += [
                "",
                f"Sustained: {s['clients']} clients for {s['duration']:.0f} s: {s['requests']} "
                f"requests, {s['requests_per_second']:.1f} requests/s, {s['errors']} errors, "
                f"p50 {s['p50_ms']:.3g} ms, p99 {s['p99_ms']:.3g} ms.",
            ]
        elif api:
            lines += ["", "HTTP part failed: see the JSON file."]
    return "\n".join(lines) + "\n"


def write_results(report: dict[str, Any], results: Path, prefix: str = "") -> Path:
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{prefix}{report['date']}.json"
    n = 2
    while path.exists():
        path = results / f"{prefix}{report['date']}-{n}.json"
        n += 1
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (results / f"{prefix}latest.md").write_text(markdown(report), encoding="utf-8")
    data = plot.curves([report])
    if any(len(points) > 1 for points in data.values()):  # a curve needs two sizes
        (results / f"{prefix}cost-curve.svg").write_text(plot.svg(data), encoding="utf-8")
    return path


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "-"


def run(config: Config) -> dict[str, Any]:
    started = time.perf_counter()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
        "environment": environment(),
        "load_before": load_average(),
        "sizes": [],
    }
    for target in config.sizes:
        report["sizes"].append(bench_size(target, config))
    report["load_after"] = load_average()
    report["seconds"] = time.perf_counter() - started
    prefix = f"remote-{config.engine}-" if config.remote else ""
    path = write_results(report, config.results, prefix)
    print(f"wrote {path} and {config.results / (prefix + 'latest.md')}", flush=True)
    return report


def config_from(argv: list[str] | None = None) -> Config:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default=env("BENCH_SIZES", "10k,100k,1M"))
    parser.add_argument("--reps", type=int, default=int(env("BENCH_REPS", "3")))
    parser.add_argument("--cap", type=float, default=float(env("BENCH_CAP", "300")))
    parser.add_argument("--seed", type=int, default=int(env("BENCH_SEED", "1")))
    parser.add_argument("--format", dest="fmt", default=env("BENCH_FORMAT", "ttl"))
    parser.add_argument("--rounds", type=int, default=int(env("BENCH_ROUNDS", "5")))
    parser.add_argument("--work", type=Path, default=Path(env("BENCH_WORK", str(Config.work))))
    parser.add_argument(
        "--results", type=Path, default=Path(env("BENCH_RESULTS", str(Config.results)))
    )
    parser.add_argument("--inline", action="store_true", help="Steps in this process (tests).")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-api", action="store_true", default=env("BENCH_API", "1") == "0")
    parser.add_argument(
        "--api-duration", type=float, default=float(env("BENCH_API_DURATION", "10"))
    )
    parser.add_argument("--api-clients", type=int, default=int(env("BENCH_API_CLIENTS", "8")))
    parser.add_argument("--api-requests", type=int, default=int(env("BENCH_API_REQUESTS", "200")))
    parser.add_argument("--note", default=env("BENCH_NOTE", ""))
    parser.add_argument(
        "--steps",
        default=env("BENCH_STEPS", ""),
        help="Comma-separated srkb steps to run (generate, load and infer run too, once).",
    )
    parser.add_argument(
        "--remote",
        action="store_true",
        default=env("BENCH_REMOTE", "0") == "1",
        help="Run srkb against a real endpoint on 127.0.0.1 (the remote path).",
    )
    parser.add_argument(
        "--engine",
        choices=["oxigraph", "virtuoso"],
        default=env("BENCH_ENGINE", "oxigraph"),
        help="The endpoint --remote starts: `oxigraph serve` or Virtuoso 7.",
    )
    args = parser.parse_args(argv)
    return Config(
        sizes=[parse_size(s) for s in args.sizes.split(",") if s.strip()],
        reps=args.reps,
        cap=args.cap,
        seed=args.seed,
        fmt=args.fmt,
        rounds=args.rounds,
        work=args.work,
        results=args.results,
        inline=args.inline,
        baseline=not args.no_baseline,
        api=not args.no_api,
        api_duration=args.api_duration,
        api_clients=args.api_clients,
        api_requests=args.api_requests,
        note=args.note,
        remote=args.remote,
        engine=args.engine,
        steps=tuple(step.strip() for step in args.steps.split(",") if step.strip()),
    )


def main(argv: list[str] | None = None) -> int:
    run(config_from(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
