"""A knowledge base in service: a store, its model, and the upkeep every write needs.

The CLI opens a store for one command; a long-running service (the API) needs more: the model
installed at start, inference and validation re-run after every write, writes serialised so two
uploads never interleave their inference runs, the last validation report (and its readiness
scores) kept for readers, and every validation run recorded in the history graph
(:mod:`kb.history`). :class:`KnowledgeBase` is that, for any backend.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from rdflib.term import Identifier

from kb import resources
from kb.config import Settings
from kb.endpoint import restore_default_graph
from kb.history import Run, record
from kb.incremental import infer_incremental
from kb.inference import InferenceRun, infer
from kb.loading import LoadedSource, install_model, write_sources
from kb.readiness import Readiness
from kb.readiness import readiness as compute_readiness
from kb.recovery import stale_until_inferred
from kb.store import Store, open_store
from kb.store.parsing import ParsedSource
from kb.validation import ValidationReport, validate

log = logging.getLogger(__name__)
T = TypeVar("T")


class KnowledgeBase:
    """A store plus the discipline of keeping its inferred and validation graphs current."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._write_lock = threading.Lock()
        self._report: ValidationReport | None = None
        self._readiness: Readiness | None = None
        self.last_inference: InferenceRun | None = None

    @classmethod
    def open(cls, settings: Settings) -> KnowledgeBase:
        """Open the configured store, install the model, and load the demo if asked."""
        options = settings.remote_options() if settings.store.startswith("http") else {}
        store = open_store(settings.store, timeout=settings.query_timeout, **options)
        kb = cls(store, settings)
        # After a kill, put back what an update lent (kb.recovery); refresh() re-infers anyway.
        restore_default_graph(store)
        install_model(store)
        if settings.demo:
            from kb.loading import parse_file

            kb.write(lambda: write_sources(store, [parse_file(resources.example_file("campus"))]))
        else:
            kb.refresh()
        return kb

    def refresh(self, changed: set[Identifier] | None = None) -> None:
        """Recompute inferences and the validation report (after any change to the data).

        With ``changed`` (the resources a write touched) inference is incremental
        (:mod:`kb.incremental`); without, it is a full run. The run is appended to the history
        graph with its time, findings and readiness scores.
        """
        if changed is None:
            self.last_inference = infer(self.store)
        else:
            self.last_inference = infer_incremental(self.store, changed)
        report = validate(self.store, save=True)
        scores = compute_readiness(self.store, report)
        record(self.store, Run.of(report, scores))
        self._report, self._readiness = report, scores

    def write(self, change: Callable[[], T], changed: set[Identifier] | None = None) -> T:
        """Apply a change, then refresh, with no other write in between.

        ``changed`` names the resources the change touches, when the caller knows them, so that
        only their neighbourhood is re-inferred.

        The inferred graph is marked stale until the refresh has recomputed it, so that a process
        killed in between leaves a store that recomputes it when opened (:mod:`kb.recovery`).
        """
        with self._write_lock:
            with stale_until_inferred(self.store):
                result = change()
            self.refresh(changed)
            return result

    def load(self, sources: Sequence[ParsedSource]) -> list[LoadedSource]:
        """Write parsed sources (all-or-nothing) and refresh."""
        return self.write(lambda: write_sources(self.store, sources))

    def report(self) -> ValidationReport:
        """The validation report of the current data (computed once per write)."""
        if self._report is None:
            with self._write_lock:
                if self._report is None:
                    self._report = validate(self.store, save=True)
        return self._report

    def readiness(self) -> Readiness:
        """Readiness per organisation and precondition of the current report."""
        if self._readiness is None:
            report = self.report()
            with self._write_lock:
                if self._readiness is None:
                    self._readiness = compute_readiness(self.store, report)
        return self._readiness

    def close(self) -> None:
        """Close the store."""
        self.store.close()
