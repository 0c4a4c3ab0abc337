"""The server under load, its resident memory over time, and the store it serves."""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: Default memory allowance: the end RSS may exceed the RSS after warm-up by the larger of these.
RSS_TOLERANCE_MIB = 20.0
RSS_TOLERANCE_RATIO = 0.10


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

    ``/sparql`` on an on-disk store runs in worker processes (kb/store/query_workers.py): a leak
    there
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
