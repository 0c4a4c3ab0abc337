"""``make bench-load``'s second half: one-organisation latency while srkb is under attack.

Issue 12's target: with each attack of the issue running at the same time, the one-organisation
routes keep p99 <= 100 ms with 0 errors. One command measures it, the same way every time:

1. the store of :mod:`bench.api_load` (``bench/out/load-store-<size>-<seed>``, built if missing);
2. ``srkb serve`` on it, on a free port of 127.0.0.1, with a write token (a token holder can be
   an attacker too) and otherwise srkb's default limits, but for the rate limit, which is off;
3. a **baseline**: ``--clients`` closed-loop clients on the one-organisation routes for
   ``--seconds``, nothing else running;
4. each **attack** in turn, then **all of them at once**, each for ``--seconds`` while the same
   clients measure the same routes. Attackers connect from 127.0.0.2 (another client address,
   as a real attacker is), the measured clients from 127.0.0.1.

The attacks (:data:`ATTACKS`): the SPARQL operator chain that overflowed Oxigraph's stack; a
250 KB ``&&`` chain that held rdflib's parser for a minute; a 250 KB flat query (parsed, not
refused); the JSON-LD nesting bomb behind a 4,301-digit number; a cartesian query that grows
without bound until the worker's memory cap or timeout stops it; a whole-store JSON-LD export;
32 slow bodies (a byte every 5 s); a workbook import with thousands of duplicate ids.

Results: ``bench/results/attack-<date>.json`` and ``bench/results/attack-latest.md``. Exit status
1 if a phase misses the target (p99 over 100 ms or any error on a measured route) or the server
died, 2 if the run could not be made.

    python -m bench.attack_load --size 100k --seconds 15 --clients 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import shlex
import socket
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.api_load import (
    RESULTS,
    WORK,
    Server,
    Subjects,
    concurrent,
    load_average,
    machine,
    one_organisation_calls,
    prepare_store,
)

TOKEN = "bench-attack-token"  # noqa: S105 - a token for a throwaway local server
ATTACKER = "127.0.0.2"
TARGET_P99_MS = 100.0


def _chain(operator: str, operand: str, count: int) -> str:
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + operator.join([operand] * count) + ") }"


def _number_then_nesting(levels: int) -> bytes:
    head = '{"@id": "urn:n", "urn:v": ' + "1" * 4_301 + ', "urn:p": '
    return (head + '{"@id": "urn:a", "urn:p": ' * levels + '"x"' + "}" * levels + "}").encode()


def _duplicate_ids(rows: int) -> bytes:
    lines = ["base: https://example.org/attack#", "organisations:"]
    lines += ["  - {id: Same, label: Same}"] * rows
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class Request:
    """One hostile request, sent again and again."""

    method: str
    target: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


def _form(query: str) -> Request:
    return Request(
        "POST",
        "/sparql",
        urllib.parse.urlencode({"query": query}).encode(),
        (("Content-Type", "application/x-www-form-urlencoded"),),
    )


def _write(method: str, target: str, body: bytes, media: str) -> Request:
    return Request(
        method, target, body, (("Content-Type", media), ("Authorization", f"Bearer {TOKEN}"))
    )


#: Attacks that repeat one request (name -> request), each from one attacking connection.
REQUESTS: dict[str, Request] = {
    "sparql operator chain (15k +)": _form(_chain("+", "1", 15_000).replace(")", " > 0)", 1)),
    "sparql 250 KB && chain": _form(_chain("&&", "?o", 62_000)),
    "sparql 250 KB flat query": _form(
        "SELECT * WHERE { VALUES ?x { "
        + " ".join(f"<urn:x{i}>" for i in range(18_000))
        + " } ?x ?p ?o }"
    ),
    "jsonld nesting bomb (PUT /store)": _write(
        "PUT", "/store?graph=urn%3Aattack", _number_then_nesting(5_000), "application/ld+json"
    ),
    "cartesian query": _form("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"),
    "whole-store JSON-LD export": Request("GET", "/export?format=jsonld"),
    "workbook of 20k duplicate ids": _write(
        "POST", "/import", _duplicate_ids(20_000), "application/yaml"
    ),
}
SLOW_BODIES = "32 slow bodies (a byte every 5 s)"
ATTACKS = [*REQUESTS, SLOW_BODIES]


class Attack:
    """Runs one attack from :data:`ATTACKER` until stopped; counts the answers it gets."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.port = port
        self.stop = threading.Event()
        self.statuses: Counter[str] = Counter()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        if self.name == SLOW_BODIES:
            target: Callable[[], None] = self._slow_bodies
        else:
            target = self._repeat
        thread = threading.Thread(target=target, name=f"attack {self.name}", daemon=True)
        thread.start()
        self.threads.append(thread)

    def finish(self) -> dict[str, int]:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        return dict(self.statuses)

    def _repeat(self) -> None:
        request = REQUESTS[self.name]
        while not self.stop.is_set():
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=60, source_address=(ATTACKER, 0)
            )
            try:
                connection.request(
                    request.method, request.target, request.body, dict(request.headers)
                )
                response = connection.getresponse()
                response.read()
                self.statuses[str(response.status)] += 1
            except (OSError, http.client.HTTPException) as err:
                self.statuses[type(err).__name__] += 1
                self.stop.wait(0.1)
            finally:
                connection.close()

    def _slow_bodies(self) -> None:
        sockets: list[socket.socket] = []
        try:
            while not self.stop.is_set():
                while len(sockets) < 32:
                    try:
                        sockets.append(self._open_slow())
                    except OSError as err:
                        self.statuses[type(err).__name__] += 1
                        break
                self.stop.wait(5)
                for connection in list(sockets):
                    try:
                        connection.sendall(b"x")
                        self.statuses["byte sent"] += 1
                    except OSError:
                        self.statuses["closed by the server"] += 1
                        sockets.remove(connection)
                        connection.close()
        finally:
            for connection in sockets:
                connection.close()

    def _open_slow(self) -> socket.socket:
        connection = socket.create_connection(
            ("127.0.0.1", self.port), timeout=5, source_address=(ATTACKER, 0)
        )
        connection.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: srkb\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
        )
        return connection


def measure(port: int, who: Subjects, clients: int, seconds: float) -> dict[str, Any]:
    """The one-organisation routes under ``clients`` closed-loop clients for ``seconds``."""
    result = concurrent(port, one_organisation_calls(who), clients, seconds, timeout=30.0)
    return {k: result[k] for k in ("requests", "errors", "p50_ms", "p99_ms", "first_errors")} | {
        "requests_per_second": result["requests_per_second"]
    }


@dataclass
class Options:
    size: int = 100_000
    seed: int = 1
    seconds: float = 15.0
    clients: int = 4
    work: Path = WORK
    results: Path | None = RESULTS
    only: list[str] = field(default_factory=list)
    command: str = ""


def run(options: Options) -> dict[str, Any]:
    """Build or reuse the store, serve it, measure the baseline and each attack."""
    began = datetime.now(UTC)
    load_before = load_average()
    store = prepare_store(options.size, options.seed, options.work, fresh=False, timeout=3600)
    who = Subjects.of_synthetic(int(store["orgs"]))
    env = {"SRKB_RATE_LIMIT": "0", "SRKB_API_TOKEN": TOKEN}
    server = Server(store["store"], options.work / "attack-server.log", env)
    phases: list[dict[str, Any]] = []
    try:
        startup = server.wait_ready(3600)
        measure(server.port, who, options.clients, min(5.0, options.seconds))  # warm-up
        phases.append(
            {
                "attack": "none (baseline)",
                **measure(server.port, who, options.clients, options.seconds),
            }
        )
        chosen = [a for a in ATTACKS if not options.only or any(o in a for o in options.only)]
        for names in [[name] for name in chosen] + [chosen]:
            attacks = [Attack(name, server.port) for name in names]
            for attack in attacks:
                attack.start()
            time.sleep(1.0)  # let every attack reach the server first
            measured = measure(server.port, who, options.clients, options.seconds)
            answers = {attack.name: attack.finish() for attack in attacks}
            label = names[0] if len(names) == 1 else f"all {len(names)} at once"
            alive = server.process.poll() is None
            phases.append(
                {"attack": label, **measured, "attack_answers": answers, "server_alive": alive}
            )
            if not alive:
                break
    finally:
        server.stop()
    for phase in phases:
        phase["met"] = (
            phase["errors"] == 0
            and phase["p99_ms"] <= TARGET_P99_MS
            and phase.get("server_alive", True)
        )
    return {
        "date": began.strftime("%Y-%m-%d"),
        "time": began.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": options.command,
        "machine": machine(),
        "load_before": load_before,
        "load_after": load_average(),
        "store": store,
        "startup_seconds": startup,
        "subjects": {"organisation": who.organisation, "provider": who.provider},
        "clients": options.clients,
        "seconds_per_phase": options.seconds,
        "target": f"one-organisation p99 <= {TARGET_P99_MS:g} ms and 0 errors in every phase",
        "phases": phases,
        "passed": all(p["met"] for p in phases),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# srkb under attack, {report['time']}",
        "",
        f"`{report['command']}`: {report['store'].get('triples')} triples, "
        f"{report['clients']} measured clients on the one-organisation routes for "
        f"{report['seconds_per_phase']:g} s per phase; attackers from {ATTACKER}.",
        f"Machine: {report['machine']}. Load average before {report['load_before']}, "
        f"after {report['load_after']}.",
        "",
        f"Target: {report['target']}. **{'met' if report['passed'] else 'NOT met'}**.",
        "",
        "| attack | requests | errors | p50 ms | p99 ms | met | what the attacker got |",
        "|---|---|---|---|---|---|---|",
    ]
    for phase in report["phases"]:
        answers = phase.get("attack_answers", {})
        got = "; ".join(
            f"{', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}"
            for counts in answers.values()
        )
        lines.append(
            f"| {phase['attack']} | {phase['requests']} | {phase['errors']} | "
            f"{phase['p50_ms']:.3g} | {phase['p99_ms']:.3g} | {'yes' if phase['met'] else 'NO'} | "
            f"{got[:300]} |"
        )
    return "\n".join(lines) + "\n"


def write_results(report: dict[str, Any], results: Path) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"attack-{report['date']}.json"
    n = 2
    while path.exists():
        path = results / f"attack-{report['date']}-{n}.json"
        n += 1
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (results / "attack-latest.md").write_text(markdown(report), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    from bench.run import parse_size

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bench.attack_load", description=__doc__)
    parser.add_argument("--size", default="100k")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--no-results", action="store_true")
    parser.add_argument("--only", action="append", default=[], help="Attacks whose name has this.")
    args = parser.parse_args(args_list)
    options = Options(
        size=parse_size(args.size),
        seed=args.seed,
        seconds=args.seconds,
        clients=args.clients,
        work=args.work,
        results=None if args.no_results else RESULTS,
        only=args.only,
        command=shlex.join(["python", "-m", "bench.attack_load", *args_list]),
    )
    try:
        report = run(options)
    except (RuntimeError, ValueError, OSError) as err:
        print(f"attack_load: {err}", file=sys.stderr)
        return 2
    if options.results is not None:
        path = write_results(report, options.results)
        print(f"wrote {path} and {options.results / 'attack-latest.md'}", file=sys.stderr)
    print(markdown(report))
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
