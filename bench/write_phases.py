"""Where the time of one write goes: each phase of a Graph Store PUT, timed, over several writes.

The write is :func:`bench.steps.step_write`'s (one small new organisation's graph, PUT through the
service's own :class:`~kb.knowledge_base.KnowledgeBase`, as ``PUT /store?graph=`` runs it). The
phases are the calls the knowledge base makes, timed by wrapping them in this process:

* ``prepare``: parsing the body, the nodes of the graph it replaces (all before the write lock);
* ``store write``: the update request with the data and its provenance record, and
  ``provenance`` (measured apart: the same provenance update sent once more on its own);
* ``stale mark``: the update that marks the inferred graph stale around the write;
* ``inference``: :func:`kb.reasoning.incremental.infer_incremental` (it removes the mark too);
* ``validation``: :func:`kb.validation.incremental.validate_around` (or a full run it falls to);
* ``readiness``: the readiness scores of the report;
* ``history``: :func:`kb.validation.history.record`.

Run it on a store the benchmark prepared (generated, loaded, inferred)::

    python -m bench.run --sizes 100k --steps write --no-baseline --no-api   # makes the store
    python -m bench.write_phases bench/out/store-100k --orgs 704 --writes 5 [--hub] [--profile]

Prints each phase's median seconds over the writes (and, with ``--profile``, the functions that
took longest in the last write, by cProfile). The graphs written are dropped again at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.steps import _organisation_turtle, subjects

PHASES = (
    "prepare",
    "stale mark",
    "store write",
    "provenance",
    "inference",
    "validation",
    "readiness",
    "history",
    "other",
    "total",
)


class Clock:
    """Seconds per phase; the innermost wrapped call a time falls in gets it."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.stack: list[str] = []

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        self.stack.append(name)
        try:
            yield
        finally:
            self.stack.pop()
            elapsed = time.perf_counter() - started
            self.seconds[name] += elapsed
            if self.stack:  # the enclosing phase does not count it again
                self.seconds[self.stack[-1]] -= elapsed

    def wrap(self, owner: Any, attribute: str, name: str) -> None:
        original: Callable[..., Any] = getattr(owner, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.phase(name):
                return original(*args, **kwargs)

        setattr(owner, attribute, timed)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="the benchmark's store directory (or endpoint URL)")
    parser.add_argument("--orgs", type=int, required=True, help="organisations generated")
    parser.add_argument("--writes", type=int, default=5)
    parser.add_argument("--hub", action="store_true", help="components of the global vendor")
    parser.add_argument("--profile", action="store_true", help="cProfile the last write")
    parser.add_argument("--log", action="store_true", help="log what inference and validation do")
    args = parser.parse_args(argv)
    if args.log:
        logging.basicConfig(level=logging.WARNING, format="    %(name)s: %(message)s")
        for name in ("kb.validation", "kb.reasoning"):
            logging.getLogger(name).setLevel(logging.INFO)

    import kb.knowledge_base as knowledge_base
    from kb.config import Settings
    from kb.protocol import graph_store
    from kb.recovery import _MARK

    params = {"orgs": args.orgs, "store": args.store}
    kb = knowledge_base.KnowledgeBase.open(Settings(store=args.store, query_timeout=300.0))
    clock = Clock()
    for attribute, name in [
        ("apply_write", "store write"),
        ("infer_incremental", "inference"),
        ("infer", "inference"),
        ("validate_around", "validation"),
        ("validate", "validation"),
        ("compute_readiness", "readiness"),
        ("record", "history"),
    ]:
        clock.wrap(knowledge_base, attribute, name)
    update = kb.store.update

    def store_update(text: str, *rest: Any, **kwargs: Any) -> Any:
        if clock.stack and clock.stack[-1] == "store write" and _MARK in text:
            with clock.phase("stale mark"):
                return update(text, *rest, **kwargs)
        return update(text, *rest, **kwargs)

    kb.store.update = store_update  # type: ignore[method-assign]
    who = subjects(params)
    vendor = who["global_vendor"] if args.hub else who["provider"]
    rows: list[dict[str, float]] = []
    graphs = []
    profiler = cProfile.Profile()
    for index in range(args.writes):
        graph = f"https://example.org/bench/phases-{index}"
        graphs.append(graph)
        body = _organisation_turtle(params, 900_000 + index, vendor)
        clock.seconds.clear()
        last = args.profile and index == args.writes - 1
        if last:
            profiler.enable()
        started = time.perf_counter()
        with clock.phase("prepare"):
            graph_store.put(kb, graph, body, "ttl")
        total = time.perf_counter() - started
        if last:
            profiler.disable()
        provenance = graph_store._provenance(graph, ["ttl"], graph_store.datetime.now())
        again = time.perf_counter()
        update(provenance)
        clock.seconds["provenance"] = time.perf_counter() - again
        clock.seconds["total"] = total
        rows.append(dict(clock.seconds))
        print(
            f"write {index}: "
            + ", ".join(f"{k} {v:.3f}" for k, v in clock.seconds.items() if v >= 0.0005),
            flush=True,
        )
    for graph in graphs:
        graph_store.delete(kb, graph)
    kb.close()
    print(f"\nmedian of {args.writes} writes ({'hub' if args.hub else 'plain'}), seconds:")
    for name in PHASES:
        values = [row.get(name, 0.0) for row in rows]
        print(f"  {name:12} {statistics.median(values):8.3f}")
    if args.profile:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
