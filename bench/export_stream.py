"""Streamed exports: first-byte time, total time and the server's peak memory, against a baseline.

``GET /export?format=nq`` (the whole knowledge base with its inferences) and ``GET /store?graph=G``
(the loaded source graph, in N-Triples and Turtle) are asked of ``srkb serve`` on a store of
synthetic data; the server's peak resident memory (``VmHWM``) is reset before each request
(``/proc/PID/clear_refs``), so the peak after it is that request's. The same requests go, in the
same run, to the code of another commit (``--old``, a work tree of it: ``git worktree add
/tmp/srkb-old COMMIT``), run by the same Python; old and new alternate.

    python -m bench.export_stream --store bench/out/load-store-100k-1 --old /tmp/srkb-old
    python -m bench.export_stream --store S1 --store S2 --reps 3 --old /tmp/srkb-old --json out.json

A store is made by ``srkb generate --orgs 850 --seed 1 --out F.ttl`` (about 100k triples; 8500
for about 1M) and ``srkb --store DIR load F.ttl``. Figures are medians of ``--reps`` runs, old and
new alternating, with the load average before and after.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.load_server import free_port, server_environment

ROOT = Path(__file__).resolve().parent.parent
SOURCE_GRAPH_QUERY = """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o }
  FILTER(STRSTARTS(STR(?g), "https://w3id.org/srkb/graph/source/")) } GROUP BY ?g ORDER BY DESC(?n)
LIMIT 1"""


def peak_mib(pid: int) -> float:
    """The process's peak resident memory so far (``VmHWM``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for {pid}")


class Serve:
    """``python -m kb --store STORE serve`` run from ``tree`` (whose ``kb`` and ``api`` it uses)."""

    def __init__(self, tree: Path, store: Path, timeout: float) -> None:
        self.port = free_port()
        env = server_environment(
            {"SRKB_QUERY_TIMEOUT": str(timeout), "SRKB_QUERY_WORKERS": "0", "PYTHONPATH": ""}
        )
        command = [sys.executable, "-m", "kb", "--store", str(store), "serve"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command,
            cwd=tree,  # python -m puts the working directory first: this tree's code runs
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"srkb serve in {tree} exited with {self.process.returncode}")
            try:
                if self.get("/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("srkb serve was not ready after 600 s")

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            connection.request("GET", path, headers={"Accept": "application/json"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def timed(self, path: str) -> dict[str, float]:
        """First byte, total seconds and bytes of ``GET path``; the server's peak MiB after."""
        # Reset the peak to the present (Linux: 5 > clear_refs), so the peak after is this one's.
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5", encoding="ascii")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            first = response.read(1)
            first_byte = time.perf_counter() - started
            size = len(first)
            while chunk := response.read(1 << 16):
                size += len(chunk)
            total = time.perf_counter() - started
            if response.status != 200:
                raise RuntimeError(f"GET {path}: {response.status}")
        finally:
            connection.close()
        return {
            "first_byte_s": first_byte,
            "total_s": total,
            "mib": size / 2**20,
            "peak_rss_mib": peak_mib(self.process.pid),
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def source_graph(tree: Path, store: Path) -> str:
    server = Serve(tree, store, 300)
    try:
        status, body = server.get(
            "/sparql?" + urllib.parse.urlencode({"query": SOURCE_GRAPH_QUERY})
        )
        if status != 200:
            raise RuntimeError(body[:300])
        return str(json.loads(body)["results"]["bindings"][0]["g"]["value"])
    finally:
        server.stop()


def measure(
    trees: dict[str, Path], store: Path, reps: int, timeout: float
) -> dict[str, dict[str, dict[str, float]]]:
    graph = urllib.parse.quote(source_graph(ROOT, store), safe="")
    paths = {
        "/export?format=nq": "/export?format=nq",
        "/store?graph=G&format=nt": f"/store?graph={graph}&format=nt",
        "/store?graph=G&format=ttl": f"/store?graph={graph}&format=ttl",
    }
    runs: dict[str, dict[str, list[dict[str, float]]]] = {
        name: {label: [] for label in paths} for name in trees
    }
    # One store each: two servers cannot open one on-disk store. The old code's is a copy.
    copy = store.with_name(store.name + "-copy")
    if len(trees) > 1 and not copy.exists():
        shutil.copytree(store, copy)
    stores = {name: store if i == 0 else copy for i, name in enumerate(trees)}
    servers = {name: Serve(tree, stores[name], timeout) for name, tree in trees.items()}
    try:
        for _rep in range(reps):
            for label, path in paths.items():
                for name, server in servers.items():
                    runs[name][label].append(server.timed(path))
    finally:
        for server in servers.values():
            server.stop()
    return {
        name: {
            label: {key: statistics.median(run[key] for run in results) for key in results[0]}
            for label, results in by_path.items()
        }
        for name, by_path in runs.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", action="append", required=True, type=Path)
    parser.add_argument("--old", type=Path, help="a work tree of the code to compare with")
    parser.add_argument("--new", type=Path, default=ROOT, help="the code measured (this tree)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0, help="SRKB_QUERY_TIMEOUT")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    trees = {"new": args.new.resolve()} | ({"old": args.old.resolve()} if args.old else {})
    report: dict[str, Any] = {"load_before": os.getloadavg(), "stores": {}}
    for store in args.store:
        figures = measure(trees, store, args.reps, args.timeout)
        report["stores"][str(store)] = figures
        print(f"## {store} (medians of {args.reps})")
        print("| request | code | first byte s | total s | MiB sent | peak RSS MiB |")
        print("|---|---|---|---|---|---|")
        for label in figures["new"]:
            for name in trees:
                f = figures[name][label]
                print(
                    f"| {label} | {name} | {f['first_byte_s']:.2f} | {f['total_s']:.2f} | "
                    f"{f['mib']:.1f} | {f['peak_rss_mib']:.0f} |"
                )
    report["load_after"] = os.getloadavg()
    print(f"load average before {report['load_before']}, after {report['load_after']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
