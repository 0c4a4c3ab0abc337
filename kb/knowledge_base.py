"""A knowledge base in service: a store, its model, and the upkeep every write needs.

The CLI opens a store for one command; a long-running service (the API) needs more: the model
installed at start, inference and validation re-run after every write, writes serialised so two
uploads never interleave their inference runs, the last validation report (and its readiness
scores) kept for readers, and every validation run recorded in the history graph
(:mod:`kb.validation.history`). :class:`KnowledgeBase` is that, for any backend.

On a remote store the endpoint may stop, stall or answer garbage at any moment, and come back;
srkb is expected to answer 503 meanwhile and carry on afterwards without a restart:

* A write's data and the stale mark (:func:`kb.recovery.stale_until_inferred`) go to the endpoint
  in one update request (:meth:`kb.store.remote.RemoteStore.atomic`), applied all or none.
* What could not be done for lack of the endpoint (setting up at start, the refresh after a
  write) is kept as *pending* and retried by a background thread until the endpoint answers; the
  next write or report also runs it first, so nothing is built on an unfinished refresh. Meanwhile
  the cached report is dropped: it would describe data srkb cannot vouch for.
* A write is never answered as an error once applied: its refresh failing only makes it
  :class:`Written` with ``pending=True`` (the API's ``Srkb-Refresh: pending`` header).
* Inference after a write is incremental only when the inferred graph was current before it: a
  stale mark already there (a write whose answer was lost and that landed late, another process
  killed mid-write) makes it a full run.

Between a write applied and its refresh done, readers of the remote store see the new data with
the previous inferences (and the stale mark that says so); an incremental run cut short can leave
the changed resources' inferences partly removed until the pending full run replaces them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rdflib.term import Identifier

from kb import resources
from kb.config import Settings
from kb.errors import EndpointAnswerError, QueryTimeoutError, StoreUnavailableError
from kb.interchange.loading import LoadedSource, install_model, write_sources
from kb.reasoning import stamp
from kb.reasoning.incremental import infer_incremental, nodes_of
from kb.reasoning.inference import InferenceRun, infer, infer_if_needed
from kb.recovery import is_stale, restore_default_graph, stale_until_inferred
from kb.reporting.service_levels import ServiceLevels, service_levels
from kb.sparql.text import Triple
from kb.store import Store, open_store
from kb.store.source import ParsedSource
from kb.validation.history import Run, last_run, record
from kb.validation.incremental import validate_around
from kb.validation.readiness import Readiness, rescore
from kb.validation.readiness import readiness as compute_readiness
from kb.validation.shacl import ValidationReport, saved_report, validate

log = logging.getLogger(__name__)
T = TypeVar("T")
U = TypeVar("U")

#: The errors that mean "the store is not there right now", after which srkb retries later.
UNAVAILABLE = (StoreUnavailableError, QueryTimeoutError)
#: Seconds before the background thread first retries pending work, and the most between tries.
RETRY_FIRST = 0.5
RETRY_MAX = 5.0


@dataclass(frozen=True)
class Written(Generic[T]):
    """What an applied write answers: the change's result, and whether its refresh is pending.

    ``pending`` means inference and validation could not follow the write (the store stopped
    answering, or they failed); srkb retries them, and the data is applied either way.
    """

    value: T
    pending: bool = False

    @property
    def refresh(self) -> str:
        """``"pending"`` or ``"done"``: the API's ``Srkb-Refresh`` header."""
        return "pending" if self.pending else "done"

    def with_value(self, value: U) -> Written[U]:
        """The same write answering ``value`` (what a caller makes of the change's result)."""
        return Written(value, self.pending)


class KnowledgeBase:
    """A store plus the discipline of keeping its inferred and validation graphs current."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._write_lock = threading.Lock()
        self._report: ValidationReport | None = None
        self._readiness: Readiness | None = None
        self.last_inference: InferenceRun | None = None
        # The run last recorded in the history: the next is recorded as its changes from it.
        self._last_run: Run | None = None
        # Work the store was not there for, run before anything else (guarded by _write_lock).
        self._pending: Callable[[], None] | None = None
        self._retrying = False  # a background thread retries _pending (guarded by _write_lock)
        self._retry_thread: threading.Thread | None = None
        self._warm_thread: threading.Thread | None = None
        self._closed = threading.Event()

    @classmethod
    def open(cls, settings: Settings) -> KnowledgeBase:
        """Open the configured store, install the model, and load the demo if asked.

        A remote endpoint that does not answer yet does not stop the service: it answers 503
        until the endpoint does, and sets itself up then. One that answers garbage does: that is
        a wrong URL or a wrong server far more often than a passing state, and better said at once.
        """
        options = settings.remote_options() if settings.store.startswith("http") else {}
        store = open_store(settings.store, timeout=settings.query_timeout, **options)
        kb = cls(store, settings)
        try:
            kb._set_up()
        except UNAVAILABLE as err:
            if not store.capabilities.remote or isinstance(err, EndpointAnswerError):
                raise
            log.warning("%s; serving 503 until it answers, then setting up", err)
            with kb._write_lock:
                kb._defer(kb._set_up)
        return kb

    def _set_up(self) -> None:
        """Install the model, then load the demo or refresh (the store's start-up work)."""
        # After a kill, put back what an update lent (kb.recovery); that update's write left a
        # stale mark, so _resume() re-infers.
        # What the store's seal vouches for, asked before installing the model voids it (the
        # model's graphs are no knowledge graph: kb.reasoning.stamp); none if an update's
        # triples were put back.
        vouched = stamp.vouched_digest(self.store)
        if restore_default_graph(self.store):
            vouched = None
        install_model(self.store)
        if self.settings.demo:
            from kb.interchange.loading import parse_file

            campus = resources.example_file("campus")
            self._write(lambda: write_sources(self.store, [parse_file(campus)]), None)
        else:
            self._resume(vouched)

    def _resume(self, vouched: str | None = None) -> None:
        """Bring a store up to date at start, doing nothing that nothing changed requires.

        An inferred graph that is current (:mod:`kb.reasoning.stamp`: no write pending, same
        rules, ontology and graph sizes) is kept, and so is the saved validation report when it
        checked those very inferences with the same shapes
        (:func:`kb.validation.shacl.saved_report`): a restart on an unchanged store then costs a
        few queries, and records no validation run (nothing was validated). Anything else is a
        full :meth:`refresh`.
        """
        run = infer_if_needed(self.store, record=True, vouched=vouched)
        self.last_inference = run
        saved = saved_report(self.store) if run.reused else None
        if saved is None:
            self._validate_and_record()
        else:
            log.info("nothing changed since the last run: inferences and report kept")
            self._report, self._readiness = saved, None

    def refresh(self, changed: Collection[Triple] | None = None) -> None:
        """Recompute inferences and the validation report (after any change to the data).

        With ``changed`` (the triples a write added or removed) inference is incremental
        (:mod:`kb.reasoning.incremental`, around the resources they are about) and so is
        validation (:mod:`kb.validation.incremental`: the focus nodes those triples and the
        inferred triples that changed with them can affect); without, both are full runs. The run
        is appended to the history graph with its time, findings and readiness scores.
        """
        if changed is None:
            self.last_inference = infer(self.store)
        else:
            self.last_inference = infer_incremental(self.store, nodes_of(changed), changes=changed)
        inferred, previous = self.last_inference.changes, self._report
        if changed is None or inferred is None or previous is None:
            self._validate_and_record()
        else:
            triples = {*changed, *inferred}
            seeds = nodes_of(triples)
            self._validate_and_record(lambda: validate_around(self.store, previous, triples), seeds)

    def _validate_and_record(
        self,
        validation: Callable[[], ValidationReport] | None = None,
        seeds: set[Identifier] | None = None,
    ) -> None:
        """Validate (by ``validation``, else in full), score readiness, record the run.

        With ``seeds`` (the resources a write changed, asserted or inferred) and the readiness of
        the report before, only the organisations the write can have moved are scored again
        (:func:`kb.validation.readiness.rescore`).
        """
        before, previous = self._report, self._readiness
        report = validate(self.store, save=True) if validation is None else validation()
        if seeds is not None and before is not None and previous is not None:
            scores = rescore(self.store, report, previous, before, seeds)
        else:
            scores = compute_readiness(self.store, report)
        self._last_run = record(
            self.store,
            Run.of(report, scores),
            keep=self.settings.history_runs,
            previous=self._last_recorded(),
        )
        self._report, self._readiness = report, scores

    def write(
        self, change: Callable[[], T], changed: Collection[Triple] | None = None
    ) -> Written[T]:
        """Apply a change, then refresh, with no other write in between.

        Returns the change's result and whether the refresh is still pending. Once the change is
        applied nothing raises: a refresh that fails (the store gone, a fault in inference or
        validation) is logged, kept as pending work and retried, and the write is answered as
        applied with ``pending=True``. What raises is a write that was not applied (or whose
        answer from a remote store was lost, so srkb cannot know).

        ``changed`` lists the triples the change adds or removes, when the caller knows them, so
        that only what they can affect is re-inferred and re-validated.

        The inferred graph is marked stale until the refresh has recomputed it, so that a process
        killed in between leaves a store that recomputes it when opened (:mod:`kb.recovery`).
        Pending work (see the module docstring) runs first: a write on an unfinished refresh
        would be refreshed around its own resources only.
        """
        with self._write_lock:
            self._settle()
            return self._write(change, changed)

    def _write(self, change: Callable[[], T], changed: Collection[Triple] | None) -> Written[T]:
        """:meth:`write` without the lock and the pending work (the caller holds the lock)."""
        try:
            if changed is not None and is_stale(self.store):
                changed = None  # inferences were already behind: refresh them all
            result = apply_write(self.store, change)
        except UNAVAILABLE:
            # Not applied, or (an answer lost) applied with its stale mark: refresh in full later.
            self._defer(self.refresh)
            raise
        # From here on the write is applied: whatever happens to its refresh, the answer says so
        # (an error now would tell the client it was not). A refresh that cannot follow is kept
        # as pending work (the cached report is dropped meanwhile) and runs again in the
        # background and before the next write or report; the stale mark stays until it has.
        try:
            self.refresh(changed)
        except UNAVAILABLE as err:
            log.warning(
                "the write was applied, but inference and validation could not follow (%s); "
                "srkb completes them when the store answers again",
                err,
            )
        except Exception:  # applied is applied: logged, and the refresh is retried
            log.exception("the write was applied, but inference or validation failed; retrying")
        else:
            return Written(result, pending=False)
        self._defer(self.refresh)
        return Written(result, pending=True)

    def load(self, sources: Sequence[ParsedSource]) -> Written[list[LoadedSource]]:
        """Write parsed sources (all-or-nothing) and refresh."""
        return self.write(lambda: write_sources(self.store, sources))

    def report(self) -> ValidationReport:
        """The validation report of the current data (computed once per write).

        On a remote store the endpoint is asked whether it is there before a cached report is
        served: a report of data srkb cannot reach may no longer describe it.
        """
        report = self._report
        if report is None or self._pending is not None:
            with self._write_lock:
                self._settle()
                if self._report is None:
                    self._report = validate(self.store, save=True)
                report = self._report
        elif self.store.capabilities.remote:
            self.store.query("ASK {}", union_default_graph=False)
        return report

    def readiness(self) -> Readiness:
        """Readiness per organisation and precondition of the current report."""
        if self._readiness is None:
            report = self.report()
            with self._write_lock:
                if self._readiness is None:
                    self._readiness = compute_readiness(self.store, report)
        return self._readiness

    def service_levels(self) -> ServiceLevels:
        """Every consumer's service level targets, measurements and breaches, as of the report.

        Read after :meth:`report`, so that pending inference (which derives the breaches) has run.
        """
        self.report()
        return service_levels(self.store)

    def _last_recorded(self) -> Run | None:
        """The run this process recorded last, else the newest in the history (read once).

        The first run of a process is recorded as its changes from the newest run in the history,
        read back (3 s at 1M triples), rather than whole (~190k triples, 18 s at 1M). The caller
        holds the write lock.
        """
        if self._last_run is None:
            self._last_run = last_run(self.store)
        return self._last_run

    def prepare_writes_in_background(self) -> None:
        """Get ready now, in a thread, what the first write would otherwise make (a service).

        A start that kept the saved report scores no readiness and reads no run back from the
        history; the first write then did both, 2.9 s at 1M triples over HTTP instead of 0.19 s.
        Here a thread does it under the write lock: a write that comes sooner waits for it, as
        it would have done the work itself. Only the service asks: a CLI command that opens the
        knowledge base for one answer has no later write to get ready for.
        """
        if self._warm_thread is not None:
            return
        self._warm_thread = threading.Thread(
            target=self._prepare_writes, name="srkb-prepare-writes", daemon=True
        )
        self._warm_thread.start()

    def _prepare_writes(self) -> None:
        with self._write_lock:
            if self._closed.is_set() or self._pending is not None:
                return  # pending work comes first, and makes both itself
            try:
                if self._report is not None and self._readiness is None:
                    self._readiness = compute_readiness(self.store, self._report)
                self._last_recorded()
            except Exception:
                log.warning("getting ready for writes failed: the first write will", exc_info=True)

    # -- pending work, and its retries ----------------------------------------------------------
    def _defer(self, job: Callable[[], None]) -> None:
        """Keep ``job`` to run before anything else, and retry it in the background.

        The caller holds the write lock. A pending full refresh replaces any other pending job
        but the set-up, which ends with one.
        """
        if self._pending != self._set_up:  # bound methods: equal, never identical
            self._pending = job
        self._report = self._readiness = None
        if not self._retrying and not self._closed.is_set():
            self._retrying = True
            self._retry_thread = threading.Thread(
                target=self._retry, name="srkb-store-retry", daemon=True
            )
            self._retry_thread.start()

    def _settle(self) -> None:
        """Run pending work (the caller holds the write lock); raise if the store is still away."""
        if self._pending is not None:
            self._pending()
            self._pending = None
            log.info("the store answers again: pending work done")

    def _retry(self) -> None:
        """Retry pending work with growing pauses until it is done or the knowledge base closes."""
        delay = RETRY_FIRST
        while not self._closed.wait(delay):
            with self._write_lock:
                try:
                    self._settle()
                except UNAVAILABLE as err:
                    log.info("the store is still unavailable (%s); retrying", err)
                    delay = min(2 * delay, RETRY_MAX)
                    continue
                except Exception:
                    log.exception("pending work failed; the next write or report retries it")
                    self._retrying = False
                    return
                self._retrying = False
                return
        with self._write_lock:
            self._retrying = False

    def close(self) -> None:
        """Stop retrying, close the store."""
        self._closed.set()
        for thread in (self._retry_thread, self._warm_thread):
            if thread is not None:
                thread.join(timeout=2 * RETRY_MAX + self.settings.query_timeout)
        self.store.close()


def apply_write(store: Store, change: Callable[[], T]) -> T:
    """Apply a change to the data as srkb's one write discipline: grouped, and marked stale.

    The change runs inside :meth:`Store.atomic` (on a remote store its updates and the stale mark
    go in one request, applied all or none) and :func:`kb.recovery.stale_until_inferred` (the
    inferred graph is marked stale with the data, so a process killed before inference catches up
    leaves a store that infers again when opened). Inference is the caller's next step: the
    service refreshes (inference, validation, history), the CLI infers.
    """
    with store.atomic(), stale_until_inferred(store):
        return change()
