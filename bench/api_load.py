"""The HTTP part of ``make bench``: latency and bounded sustained load on 127.0.0.1.

Starts ``python -m kb --store DIR serve`` on a free port of 127.0.0.1 (the server installs the
model, infers and validates at start-up; that time is recorded), then:

1. latency: ``--requests`` sequential requests to each one-organisation route (a question, the
   organisation's components and roles with reasons, and the impact of a provider), p50 and p99;
2. sustained load: ``--clients`` threads, each with its own httpx client, cycle through the same
   routes for ``--duration`` seconds; requests per second, p50, p99, and the error count, which
   must be zero (any status other than 200, or a failed request, is an error).

Prints one JSON line; the server is stopped however the run ends.

    python -m bench.api_load --store bench/out/store-10k --organisation IRI --provider IRI
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q * (len(ordered) - 1)))
    return ordered[index]


def routes(organisation: str, provider: str) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "question providers-of": ("/questions/providers-of", {"organisation": organisation}),
        "organisation components": ("/organisations/components", {"iri": organisation}),
        "organisation roles (with reasons)": ("/organisations/roles", {"iri": organisation}),
        "impact of a provider": ("/impact", {"iri": provider}),
    }


class Server:
    """``srkb serve`` in a child process on 127.0.0.1."""

    def __init__(self, store: str, port: int, log: Path | None = None) -> None:
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "kb", "--store", store, "serve"]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        self.log = log.open("wb") if log else None
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=self.log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self.log else subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float) -> float:
        started = time.perf_counter()
        deadline = started + timeout
        with httpx.Client(base_url=self.url, timeout=5) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited with {self.process.returncode}")
                try:
                    if client.get("/questions").status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"the server was not ready after {timeout:.0f} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.log:
            self.log.close()


def latency(url: str, table: dict[str, tuple[str, dict[str, str]]], n: int) -> dict[str, Any]:
    measured: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        for name, (path, params) in table.items():
            times: list[float] = []
            errors = 0
            for _ in range(n):
                started = time.perf_counter()
                try:
                    ok = client.get(path, params=params).status_code == 200
                except httpx.HTTPError:
                    ok = False
                times.append(time.perf_counter() - started)
                errors += not ok
            measured[name] = {
                "requests": n,
                "errors": errors,
                "p50_ms": percentile(times, 0.5) * 1000,
                "p99_ms": percentile(times, 0.99) * 1000,
            }
    return measured


def sustained(
    url: str, table: dict[str, tuple[str, dict[str, str]]], clients: int, duration: float
) -> dict[str, Any]:
    """Closed-loop load: each client sends its next request when the last one is answered."""
    calls = list(table.values())
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client_loop(offset: int) -> None:
        mine: list[float] = []
        failed: list[str] = []
        with httpx.Client(base_url=url, timeout=60) as client:
            start.wait()
            i = offset
            while time.perf_counter() < stop_at[0]:
                path, params = calls[i % len(calls)]
                i += 1
                began = time.perf_counter()
                try:
                    response = client.get(path, params=params)
                    if response.status_code != 200:
                        failed.append(f"{path}: {response.status_code}")
                except httpx.HTTPError as err:
                    failed.append(f"{path}: {err!r}")
                mine.append(time.perf_counter() - began)
        with lock:
            times.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + duration
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "clients": clients,
        "duration": elapsed,
        "requests": len(times),
        "requests_per_second": len(times) / elapsed if elapsed else 0.0,
        "errors": len(errors),
        "first_errors": errors[:5],
        "p50_ms": percentile(times, 0.5) * 1000,
        "p99_ms": percentile(times, 0.99) * 1000,
    }


def run(
    store: str,
    organisation: str,
    provider: str,
    *,
    duration: float = 10.0,
    clients: int = 8,
    requests: int = 200,
    ready_timeout: float = 3600.0,
    log: Path | None = None,
) -> dict[str, Any]:
    table = routes(organisation, provider)
    server = Server(store, free_port(), log)
    try:
        startup = server.wait_ready(ready_timeout)
        return {
            "startup_seconds": startup,
            "latency": latency(server.url, table, requests),
            "sustained": sustained(server.url, table, clients, duration),
        }
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Latency and sustained load of srkb serve.")
    parser.add_argument("--store", required=True)
    parser.add_argument("--organisation", required=True)
    parser.add_argument("--provider", required=True)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--ready-timeout", type=float, default=3600.0)
    parser.add_argument("--log", type=Path, default=None, help="Write the server's output here.")
    args = parser.parse_args(argv)
    result = run(
        args.store,
        args.organisation,
        args.provider,
        duration=args.duration,
        clients=args.clients,
        requests=args.requests,
        ready_timeout=args.ready_timeout,
        log=args.log,
    )
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
