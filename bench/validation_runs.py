"""Full validations one after another, as ``srkb validate`` runs them: with nothing changed, and
after a small change.

A full validation runs every shape and saves its report. The save compares the saved results with
the new ones and writes only those that changed (:func:`kb.validation.shacl.validate`), so a run
that finds what the last one found writes almost nothing. This times, on a copy of a store the
benchmark prepared (generated, loaded, inferred):

* ``nothing changed``: ``--runs`` validations in a row, after one untimed run that saves a report;
* ``after a small change``: ``--runs`` times, one new organisation registers a component with gaps
  (written, then inferred incrementally, untimed), then a timed validation.

The model is installed first (untimed), so that the shapes are this checkout's. Run it::

    python -m bench.run --sizes 1M --steps validate --no-baseline --no-api   # makes the store
    python -m bench.validation_runs bench/out/store-1M --runs 3

To compare with an earlier version, run the same command from a worktree of it (the store is
copied, never changed). Prints each run's seconds and the medians.
"""

from __future__ import annotations

import statistics
import sys
import time

from rdflib import URIRef

from bench.store_copy import copied_store, store_and_runs
from kb.interchange.loading import install_model, parse_stream, write_sources
from kb.reasoning.incremental import infer_incremental
from kb.store.oxigraph import OxigraphStore
from kb.validation.shacl import validate

_CHANGE = """@prefix srkb: <https://w3id.org/srkb#> .
@prefix org: <http://www.w3.org/ns/org#> .
<ORG> a org:Organization ; srkb:registersComponent <ORG-component> .
<ORG-component> a srkb:ServiceComponent ; srkb:refersToService <ORG-service> ;
    srkb:hasVendor <ORG-vendor> .
"""


def timed_validation(store: OxigraphStore) -> float:
    started = time.perf_counter()
    validate(store, save=True)
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    path, runs = store_and_runs(__doc__.splitlines()[0], argv)
    with copied_store(path) as store:
        install_model(store)
        validate(store, save=True)  # a report saved with this checkout's shapes
        same = [timed_validation(store) for _ in range(runs)]
        changed = []
        for run in range(runs):
            organisation = f"https://example.org/bench-validation-{run}#Org"
            turtle = _CHANGE.replace("ORG", organisation)
            source = parse_stream(turtle.encode(), fmt="ttl", name=f"bench-validation-{run}.ttl")
            write_sources(store, [source])
            infer_incremental(store, {URIRef(organisation)})
            changed.append(timed_validation(store))
    for name, seconds in (("nothing changed", same), ("after a small change", changed)):
        listed = ", ".join(f"{s:.2f}" for s in seconds)
        print(f"{name}: median {statistics.median(seconds):.2f} s ({listed})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
