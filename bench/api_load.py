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
import http.client
import json
import math
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bench.machine import commit, facts

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results"

#: Synthetic IRIs (:mod:`kb.generate`); kept literal so that importing this module stays cheap.
NAMESPACE = "https://example.org/synthetic#"
REGION_SIZE = 20


def unthrottled(clients: int) -> dict[str, str]:
    """Settings that keep the server's admission limits (api/limits.py) off the measurement.

    The per-client rate limit is off (every load client shares 127.0.0.1, so one bucket would
    refuse most of them with 429). The concurrency limit stays on, as deployed, but never below
    the number of clients, so that it cannot answer 503 to ours; its default, 32, already is.
    """
    return {
        "SRKB_RATE_LIMIT": "0",
        "SRKB_MAX_CONCURRENT_REQUESTS": str(max(32, clients)),
    }


#: Issue 6's API targets (milliseconds, requests per second).
TARGETS = {
    "one_organisation_p50_ms": 20.0,
    "one_organisation_p99_ms": 100.0,
    "vendor_impact_p50_ms": 50.0,
    "one_organisation_requests_per_second": 300.0,
}

#: Default memory allowance: the end RSS may exceed the RSS after warm-up by the larger of these.
RSS_TOLERANCE_MIB = 20.0
RSS_TOLERANCE_RATIO = 0.10

Kind = Literal["one-organisation", "vendor impact", "sparql", "report"]
SPARQL_JSON = "application/sparql-results+json"


# -- what is requested ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Subjects:
    """The organisations and services the requests are about (a region in the middle)."""

    organisation: str
    provider: str
    vendor: str | None = None
    global_vendor: str | None = None
    service: str | None = None

    @classmethod
    def of_synthetic(cls, orgs: int) -> Subjects:
        """Subjects in the middle region of a generated ecosystem of ``orgs`` organisations.

        Same choice as the pipeline benchmark (:func:`bench.steps.subjects`): an intermediary, a
        platform provider of its region, the region's first outside vendor, and a global vendor
        (organisation 0, which platforms of every region consume from: the widest impact).

        >>> Subjects.of_synthetic(847).vendor
        'https://example.org/synthetic#org-420'
        """
        base = ((orgs // REGION_SIZE) // 2) * REGION_SIZE
        intermediary = base + 2 if base + 2 < orgs else min(2, orgs - 1)
        platform_ = base + 1 if base + 1 < orgs else min(1, orgs - 1)
        vendor = base if base < orgs else 0
        return cls(
            organisation=f"{NAMESPACE}org-{intermediary}",
            provider=f"{NAMESPACE}org-{platform_}",
            vendor=f"{NAMESPACE}org-{vendor}",
            global_vendor=f"{NAMESPACE}org-0",
            service=f"{NAMESPACE}svc-{intermediary}-0",
        )

    def completed(self) -> Subjects:
        """Fill in what is missing when the organisation is a synthetic one (``...#org-N``).

        :mod:`bench.run` passes only the organisation and the provider.
        """
        found = re.fullmatch(re.escape(NAMESPACE) + r"org-(\d+)", self.organisation)
        if not found:
            return self
        n = int(found.group(1))
        return Subjects(
            organisation=self.organisation,
            provider=self.provider,
            vendor=self.vendor or f"{NAMESPACE}org-{n - n % REGION_SIZE}",
            global_vendor=self.global_vendor or f"{NAMESPACE}org-0",
            service=self.service or f"{NAMESPACE}svc-{n}-0",
        )


@dataclass(frozen=True)
class Call:
    """One request: a name for the tables, its kind, and what to send."""

    name: str
    kind: Kind
    method: str
    target: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


def get(name: str, kind: Kind, path: str, **params: str) -> Call:
    query = urllib.parse.urlencode(params)
    return Call(name, kind, "GET", f"{path}?{query}" if query else path)


PREFIXES = (
    "PREFIX srkb: <https://w3id.org/srkb#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)


def sparql_calls(who: Subjects) -> list[Call]:
    """A few SELECTs a client of the SPARQL endpoint would send, through every protocol form."""
    org = who.organisation
    providers = (
        PREFIXES + "SELECT ?provider ?label ?service WHERE {\n"
        f"  ?r srkb:hasConsumer <{org}> ; srkb:hasProvider ?provider ;\n"
        "     srkb:concernsService ?service .\n"
        "  OPTIONAL { ?provider rdfs:label ?label }\n}"
    )
    dependents = (
        PREFIXES + "SELECT DISTINCT ?organisation WHERE {\n"
        f"  ?organisation (^srkb:hasConsumer/srkb:hasProvider)+ <{who.provider}> .\n}}"
    )
    roles = (
        PREFIXES + "SELECT ?role WHERE {\n"
        f"  <{org}> a ?role . FILTER(STRSTARTS(STR(?role), STR(srkb:)))\n}}"
    )
    count = (
        PREFIXES + "SELECT (COUNT(?r) AS ?relationships) WHERE { ?r a srkb:ServiceRelationship }"
    )
    accept = (("Accept", SPARQL_JSON),)
    form = (*accept, ("Content-Type", "application/x-www-form-urlencoded"))
    direct = (*accept, ("Content-Type", "application/sparql-query"))
    calls = [
        Call(
            "sparql GET: providers with labels",
            "sparql",
            "GET",
            "/sparql?" + urllib.parse.urlencode({"query": providers}),
            headers=accept,
        ),
        Call(
            "sparql GET: dependents (property path +)",
            "sparql",
            "GET",
            "/sparql?" + urllib.parse.urlencode({"query": dependents}),
            headers=accept,
        ),
        Call(
            "sparql POST form: roles",
            "sparql",
            "POST",
            "/sparql",
            urllib.parse.urlencode({"query": roles}).encode(),
            form,
        ),
        Call(
            "sparql POST query: count relationships",
            "sparql",
            "POST",
            "/sparql",
            count.encode(),
            direct,
        ),
    ]
    if who.service:
        built_on = (
            PREFIXES + "SELECT DISTINCT ?dependency ?vendor WHERE {\n"
            f"  <{who.service}> (srkb:isCreatedFrom/srkb:refersToService)+ ?dependency .\n"
            "  OPTIONAL { ?c srkb:refersToService ?dependency ; srkb:hasVendor ?vendor }\n}"
        )
        calls.insert(
            2,
            Call(
                "sparql GET: built on (property path +)",
                "sparql",
                "GET",
                "/sparql?" + urllib.parse.urlencode({"query": built_on}),
                headers=accept,
            ),
        )
    return calls


def one_organisation_calls(who: Subjects) -> list[Call]:
    """Routes that answer about one organisation: issue 6's one-organisation questions."""
    org, provider = who.organisation, who.provider
    kind: Kind = "one-organisation"
    return [
        get("question providers-of", kind, "/questions/providers-of", organisation=org),
        get(
            "question dependents-of (a parameter)",
            kind,
            "/questions/dependents-of",
            provider=provider,
        ),
        get("organisation components", kind, "/organisations/components", iri=org),
        get("organisation consumers", kind, "/organisations/consumers", iri=org),
        get("organisation roles (with reasons)", kind, "/organisations/roles", iri=org),
        get("organisation practice", kind, "/organisations/practice", iri=org),
        get("impact of a provider", kind, "/impact", iri=provider),
    ]


def vendor_calls(who: Subjects) -> list[Call]:
    calls = []
    if who.vendor:
        calls.append(get("impact of a regional vendor", "vendor impact", "/impact", iri=who.vendor))
    if who.global_vendor:
        calls.append(
            get("impact of a global vendor", "vendor impact", "/impact", iri=who.global_vendor)
        )
    return calls


def report_calls() -> list[Call]:
    """Whole-ecosystem reports: not one-organisation work, so sequential latency only."""
    return [
        get("report: who provides what to whom", "report", "/relationships"),
        get("report: validation (JSON)", "report", "/validation", format="json"),
        get("report: provision cycles", "report", "/cycles"),
    ]


def mixed_calls(who: Subjects) -> list[Call]:
    """The concurrent mix: ecosystem questions interleaved with SPARQL protocol queries.

    The global vendor's impact and the reports are left out: they are whole-ecosystem work, and a
    few of them would decide the figure instead of the many small requests a service gets.
    """
    questions = [*one_organisation_calls(who), *vendor_calls(who)[:1]]
    sparql = sparql_calls(who)
    mixed: list[Call] = []
    for i in range(max(len(questions), len(sparql))):
        mixed += questions[i : i + 1] + sparql[i : i + 1]
    return mixed


# -- the client ----------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection (:mod:`http.client`: the least client overhead).

    The clients share the machine with the server, so a cheap client leaves more CPU to what is
    measured. A failed request closes the connection; the next request opens a new one.
    """

    def __init__(self, port: int, timeout: float) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def send(self, call: Call) -> tuple[bool, float, str]:
        """Send ``call``: whether it succeeded (2xx), the seconds it took, and why not."""
        started = time.perf_counter()
        try:
            self.connection.request(call.method, call.target, call.body, dict(call.headers))
            response = self.connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as err:
            self.connection.close()
            return False, time.perf_counter() - started, f"{call.name}: {err!r}"
        elapsed = time.perf_counter() - started
        if 200 <= status < 300:
            return True, elapsed, ""
        # After a failure the server may drop the connection (uvicorn does after an unhandled
        # exception): a fresh one keeps the next request from failing for this one's reason.
        self.connection.close()
        return False, elapsed, f"{call.name}: HTTP {status}"

    def close(self) -> None:
        self.connection.close()


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile of ``values`` (``nan`` for none).

    >>> percentile([4.0, 1.0, 3.0, 2.0], 0.5), percentile(range(1, 201), 0.99)
    (2.0, 198)
    """
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summary(
    times: Sequence[float], ok: Sequence[bool], elapsed: float | None = None
) -> dict[str, Any]:
    """Requests, errors, error rate, p50 and p99 (ms), and the rate if ``elapsed`` is given.

    Percentiles are of the successful requests only: a refusal answered in a millisecond is not
    a fast answer (none succeeded: ``nan``). The rate counts every request.
    """
    count = len(times)
    errors = sum(not good for good in ok)
    answered = [t for t, good in zip(times, ok, strict=True) if good]
    result: dict[str, Any] = {
        "requests": count,
        "errors": errors,
        "error_rate": errors / count if count else 0.0,
        "p50_ms": percentile(answered, 0.5) * 1000,
        "p99_ms": percentile(answered, 0.99) * 1000,
    }
    if elapsed is not None:
        result["requests_per_second"] = count / elapsed if elapsed > 0 else 0.0
    return result


def sequential(port: int, calls: Sequence[Call], n: int, timeout: float) -> dict[str, Any]:
    """``n`` requests to each call, one at a time (reports: a tenth, at least 3)."""
    measured: dict[str, Any] = {}
    client = Client(port, timeout)
    try:
        for call in calls:
            count = max(3, n // 10) if call.kind == "report" else n
            times: list[float] = []
            good: list[bool] = []
            failed: list[str] = []
            for _ in range(count):
                ok, seconds, why = client.send(call)
                times.append(seconds)
                good.append(ok)
                if not ok:
                    failed.append(why)
            measured[call.name] = {
                "kind": call.kind,
                "target": call.target if call.method == "GET" else f"POST {call.target}",
                **summary(times, good),
                "first_errors": failed[:3],
            }
    finally:
        client.close()
    return measured


@dataclass
class Sample:
    """One request of a concurrent run."""

    call: int
    seconds: float
    ok: bool


def concurrent(
    port: int, calls: Sequence[Call], clients: int, duration: float, timeout: float
) -> dict[str, Any]:
    """Closed-loop load: each client sends its next request as soon as the last is answered.

    Client ``i`` starts at call ``i``, so that all calls run at once from the first second. A
    closed loop never queues more than ``clients`` requests: its p99 is the latency of a service
    at that concurrency, not of one that is offered more than it can take.
    """
    samples: list[Sample] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1, timeout=timeout + 30)
    stop_at = [math.inf]
    crashed: list[str] = []

    def client_loop(offset: int) -> None:
        mine: list[Sample] = []
        failed: list[str] = []
        client = Client(port, timeout)
        try:
            start.wait()
            i = offset
            while time.perf_counter() < stop_at[0]:
                index = i % len(calls)
                i += 1
                ok, seconds, why = client.send(calls[index])
                mine.append(Sample(index, seconds, ok))
                if not ok and len(failed) < 5:  # the count is in the samples; a few say why
                    failed.append(why)
        except Exception as err:  # a broken client must show in the report, not vanish
            crashed.append(repr(err))
        finally:
            client.close()
            with lock:
                samples.extend(mine)
                failures.extend(failed)

    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + duration
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at[0] - time.perf_counter()) + timeout + 10)
    elapsed = time.perf_counter() - began
    if any(thread.is_alive() for thread in threads) or crashed:
        raise RuntimeError(f"a load client did not finish cleanly: {crashed[:3]}")
    with lock:
        done = list(samples)
        failed_all = list(failures)

    def part(selected: Iterable[Sample]) -> dict[str, Any]:
        chosen = list(selected)
        return summary([s.seconds for s in chosen], [s.ok for s in chosen], elapsed)

    kinds = sorted({call.kind for call in calls})
    return {
        "clients": clients,
        "duration": elapsed,
        **part(done),
        "first_errors": failed_all[:5],
        "kinds": {kind: part(s for s in done if calls[s.call].kind == kind) for kind in kinds},
        "routes": {
            call.name: {"kind": call.kind, **part(s for s in done if s.call == index)}
            for index, call in enumerate(calls)
        },
    }


# -- the server and its memory -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This environment without ``SRKB_*`` (no token or store of the caller leaks in), plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRKB_")}
    env.update(extra)
    return env


def rss_mib(pid: int) -> float | None:
    """Resident memory of process ``pid`` in MiB (``VmRSS``), or ``None`` if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (from each process's parent in ``/proc/<pid>/stat``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
            parent = int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    todo = list(children.get(pid, []))
    while todo:  # bounded: each process is visited once
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


def tree_rss(pid: int) -> tuple[float, float, int] | None:
    """The server's own RSS, its RSS with its child processes' (query workers), and how many.

    ``/sparql`` on an on-disk store runs in worker processes (kb/query_worker.py): a leak there
    would never show in the server process's own ``VmRSS``, so the check judges the sum.
    """
    own = rss_mib(pid)
    if own is None:
        return None
    children = [rss_mib(child) for child in descendants(pid)]
    alive = [mib for mib in children if mib is not None]
    return own, own + sum(alive), len(alive)


class Server:
    """``srkb serve`` (``python -m kb --store DIR serve``) in a child process on 127.0.0.1."""

    def __init__(self, store: str, log: Path | None, env: Mapping[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "kb", "--store", store, "serve"]
        self.command += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.log_path = log
        self.log = log.open("wb") if log else None
        self.env = dict(env)
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self.log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self.log else subprocess.DEVNULL,
            env=server_environment(env),
        )

    def wait_ready(self, timeout: float) -> float:
        """Seconds until ``/health`` answers 200 (start-up infers and validates the store)."""
        started = time.perf_counter()
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"srkb serve exited with {self.process.returncode}: {self.log_tail()}"
                )
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    return time.perf_counter() - started
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            time.sleep(0.2)
        raise RuntimeError(f"srkb serve was not ready after {timeout:.0f} s: {self.log_tail()}")

    def log_tail(self) -> str:
        if self.log_path is None:
            return "(no log: pass --log)"
        if self.log:
            self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]

    def rss(self) -> float | None:
        return rss_mib(self.process.pid)

    def stop(self) -> None:
        """Terminate, wait (bounded), kill if needed."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        if self.log:
            self.log.close()


class RssSampler:
    """Samples the server's memory every ``interval`` seconds in a thread, labelled by phase.

    Each sample: seconds since start, the server process's RSS, the RSS of it and its child
    processes, the number of children, and the phase (MiB throughout).
    """

    def __init__(self, pid: int, interval: float) -> None:
        self.pid = pid
        self.interval = interval
        self.phase = "start"
        self.samples: list[tuple[float, float, float, int, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = 0.0

    def sample(self) -> None:
        found = tree_rss(self.pid)
        if found is not None:
            own, total, children = found
            elapsed = time.perf_counter() - self._started
            self.samples.append((elapsed, own, total, children, self.phase))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._started = time.perf_counter()
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and take one last sample, so that the end is measured at the end."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)
        self.sample()


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of ``(x, y)`` points; 0 for fewer than two distinct x.

    >>> slope([(0, 1.0), (1, 3.0), (2, 5.0)])
    2.0
    """
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


@dataclass(frozen=True)
class MemoryVerdict:
    """Whether the server's memory grew across the run, and the figures that say so."""

    ok: bool
    reason: str
    baseline_mib: float
    end_mib: float
    max_mib: float
    growth_mib: float
    allowance_mib: float
    slope_mib_per_s: float
    projected_mib: float
    samples: int


def memory_check(
    samples: Sequence[tuple[float, float]],
    baseline_mib: float,
    *,
    tolerance_mib: float = RSS_TOLERANCE_MIB,
    tolerance_ratio: float = RSS_TOLERANCE_RATIO,
) -> MemoryVerdict:
    """Decide "no memory growth" from RSS samples ``(seconds, MiB)`` taken after warm-up.

    The allowance is the larger of ``tolerance_mib`` and ``tolerance_ratio`` of the baseline (the
    RSS after warm-up): a Python server's heap moves by some MiB with no leak at all. Memory grew
    if (a) the last sample exceeds the baseline by more than the allowance, or (b) the least-
    squares slope over the second half of the samples, kept up for as long as the whole sampled
    run, would exceed it: a leak that is still small at the end but climbs steadily. A single
    spike that falls back (a large answer being built) is neither.
    """
    if not samples:
        return MemoryVerdict(False, "no RSS samples", baseline_mib, *(math.nan,) * 6, 0)
    ordered = sorted(samples)
    values = [mib for _, mib in ordered]
    end, peak = values[-1], max(values)
    allowance = max(tolerance_mib, tolerance_ratio * baseline_mib)
    span = ordered[-1][0] - ordered[0][0]
    middle = ordered[0][0] + span / 2
    late = [(t, mib) for t, mib in ordered if t >= middle]
    rate = slope(late)
    projected = rate * span
    growth = end - baseline_mib
    if growth > allowance:
        ok, reason = False, f"end RSS is {growth:.1f} MiB above the baseline (> {allowance:.1f})"
    elif projected > allowance:
        ok, reason = (
            False,
            f"RSS still climbs {rate:.2f} MiB/s in the second half: {projected:.1f} MiB over "
            f"the run (> {allowance:.1f})",
        )
    else:
        ok, reason = True, f"end RSS within {allowance:.1f} MiB of the baseline, no steady climb"
    return MemoryVerdict(
        ok, reason, baseline_mib, end, peak, growth, allowance, rate, projected, len(values)
    )


# -- the store -----------------------------------------------------------------------------------


def srkb(*args: str, timeout: float) -> str:
    """Run the srkb command line (this interpreter's ``python -m kb``); its stderr says what."""
    done = subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("SRKB_")},
    )
    if done.returncode != 0:
        raise RuntimeError(f"srkb {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done.stderr


def prepare_store(
    size: int, seed: int, work: Path, *, fresh: bool, timeout: float
) -> dict[str, Any]:
    """Generate and load ``bench/out/load-store-<size>-<seed>``, or reuse it if it is there.

    A manifest beside the store records what it was built from; a store without one (or built
    from another size or seed) is rebuilt. Inference is left to the server, whose start-up runs
    it anyway.
    """
    from bench.run import size_label
    from kb.generate import orgs_for_triples

    label = size_label(size)
    orgs = orgs_for_triples(size)
    work.mkdir(parents=True, exist_ok=True)
    store = work / f"load-store-{label}-{seed}"
    manifest = work / f"load-store-{label}-{seed}.json"
    wanted = {"orgs": orgs, "seed": seed, "size": label}
    if not fresh and store.is_dir() and manifest.is_file():
        built = json.loads(manifest.read_text(encoding="utf-8"))
        if {k: built.get(k) for k in wanted} == wanted:
            return {**built, "store": str(store), "reused": True}
    import shutil

    shutil.rmtree(store, ignore_errors=True)
    manifest.unlink(missing_ok=True)
    data = work / f"synthetic-{label}-{seed}.ttl"
    generated = srkb(
        "generate", "--orgs", str(orgs), "--seed", str(seed), "--out", str(data), timeout=timeout
    )
    triples = re.search(r"wrote (\d+) triples", generated)
    srkb("--store", str(store), "load", "--no-infer", str(data), timeout=timeout)
    built = {**wanted, "triples": int(triples.group(1)) if triples else None, "data": str(data)}
    manifest.write_text(json.dumps(built, indent=2) + "\n", encoding="utf-8")
    return {**built, "store": str(store), "reused": False}


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
