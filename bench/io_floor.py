"""What a full inference on the embedded store spends on I/O before a single rule runs.

A full inference (:func:`kb.reasoning.inference.infer`) reads every asserted triple out of the
store, and either reads the old inferred graph to write only the difference or writes the whole
new one. However fast the rules, these reads and writes are a floor under it. This times each of
them alone, on a copy of a store the benchmark prepared (generated, loaded, inferred):

* ``read asserted``: every triple of the knowledge graphs, as the inference reads them;
* ``count asserted in the engine``: the same triples counted by a SPARQL ``COUNT`` (Oxigraph
  walks its index without decoding a term): the difference to the line above is decoding;
* ``serialise asserted``: the same triples written as N-Triples by Oxigraph itself (decoding in
  Rust, no Python object made);
* ``read inferred``: every triple of the inferred graph;
* ``write inferred (transactions)``: the inferred triples written to a new graph in transactions
  of :data:`kb.store.oxigraph.WRITE_CHUNK` triples, as a first run writes them (all or nothing
  per transaction);
* ``write inferred (bulk)``: the same by Oxigraph's bulk loader, which is not all-or-nothing.

Run it::

    python -m bench.run --sizes 1M --steps infer --no-baseline --no-api   # makes the store
    python -m bench.io_floor bench/out/store-1M --runs 3

Prints each measurement's median and runs. The store is copied, never changed.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from itertools import islice

import pyoxigraph as ox

from bench.machine import commit, facts
from bench.store_copy import copied_store, store_and_runs
from kb.namespaces import INFERRED_GRAPH, knowledge_graphs
from kb.store.oxigraph import WRITE_CHUNK, OxigraphStore

_SCRATCH_GRAPH = ox.NamedNode("urn:srkb:bench:io-floor")


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure(store: OxigraphStore, runs: int) -> tuple[dict[str, list[float]], int, int]:
    """Each measurement ``runs`` times on ``store`` (which it writes to and restores).

    Returns the seconds by measurement and the numbers of asserted and inferred triples.
    """
    native = store.native
    graphs = [ox.NamedNode(g) for g in knowledge_graphs(store)]
    inferred_graph = ox.NamedNode(INFERRED_GRAPH)
    values = " ".join(str(g) for g in graphs)
    count_query = (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
    )

    def read(graph_names: list[ox.NamedNode]) -> int:
        return sum(1 for g in graph_names for _ in native.quads_for_pattern(None, None, None, g))

    def count_in_engine() -> int:
        solutions = native.query(count_query)
        assert isinstance(solutions, ox.QuerySolutions)
        return int(next(iter(solutions))[0].value)

    def serialise() -> int:
        return sum(
            len(native.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g) or b"") for g in graphs
        )

    asserted = read(graphs)
    copy = [
        ox.Quad(q.subject, q.predicate, q.object, _SCRATCH_GRAPH)
        for q in native.quads_for_pattern(None, None, None, inferred_graph)
    ]
    inferred = len(copy)

    def write_in_transactions() -> None:
        quads = iter(copy)
        while chunk := list(islice(quads, WRITE_CHUNK)):
            native.extend(chunk)
        native.flush()

    def write_in_bulk() -> None:
        native.bulk_extend(copy)
        native.flush()

    def undo_write() -> None:
        native.update(f"DROP SILENT GRAPH {_SCRATCH_GRAPH}")
        native.flush()
        native.optimize()

    seconds: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, work in (
            ("read asserted", lambda: read(graphs)),
            ("count asserted in the engine", count_in_engine),
            ("serialise asserted", serialise),
            ("read inferred", lambda: read([inferred_graph])),
        ):
            seconds.setdefault(name, []).append(_seconds(work))
        for name, write in (
            ("write inferred (transactions)", write_in_transactions),
            ("write inferred (bulk)", write_in_bulk),
        ):
            seconds.setdefault(name, []).append(_seconds(write))
            if not bool(native.query(f"ASK {{ GRAPH {_SCRATCH_GRAPH} {{ ?s ?p ?o }} }}")):
                raise RuntimeError(f"{name}: nothing was written")
            undo_write()
    return seconds, asserted, inferred


def main(argv: list[str]) -> int:
    path, runs = store_and_runs(__doc__.splitlines()[0], argv)
    with copied_store(path) as store:
        seconds, asserted, inferred = measure(store, runs)
    machine = facts(["pyoxigraph"])
    print(
        f"{machine['machine']}, {machine['cpus']} CPUs, {machine['memory_gib']} GiB; Python "
        f"{machine['python']}, pyoxigraph {machine['packages']['pyoxigraph']}; srkb {commit()}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"{asserted:,} asserted triples, {inferred:,} inferred")
    for name, each in seconds.items():
        listed = ", ".join(f"{s:.2f}" for s in each)
        print(f"{name}: median {statistics.median(each):.2f} s ({listed})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
