"""Report history: every validation run kept with its time, so people see what got better or worse.

Each run is recorded in one named graph, :data:`~kb.namespaces.HISTORY_GRAPH`, as plain triples any
SPARQL client can read (and every backend can store: one ``INSERT DATA`` per run, all-or-nothing).
The graph is srkb's own: rules and shapes never read it, and the Graph Store Protocol refuses writes
to it. The vocabulary (``hist:`` is ``https://w3id.org/srkb/history#``)::

    <run> a hist:ValidationRun ; prov:endedAtTime "…"^^xsd:dateTime ; hist:conforms true ;
          hist:violations 3 ; hist:warnings 2 ;
          hist:finding <run/finding/0> ; hist:score <run/score/0> .
    <run/finding/0> hist:organisation ex:Bakery ; hist:organisationLabel "Corner Bakery" ;
          hist:precondition 2 ; hist:severity "Violation" ; hist:focus ex:Bakery ;
          hist:sourceShape shapes:P2-ConsumerHasPractice ; hist:message "…" ; hist:value "…" .
    <run/score/0> hist:organisation ex:Bakery ; hist:precondition 2 ; hist:readiness 87 .

A run after a write mostly repeats the one before, so a run is recorded as its changes: a
``hist:previous`` link to the run it builds on, the findings and scores that are new
(``hist:finding``, ``hist:score``), and those of the previous run that are gone
(``hist:removedFinding``, described as a finding; ``hist:removedScore``, by organisation and
precondition)::

    <run2> a hist:ValidationRun ; hist:previous <run> ; … ;
           hist:finding <run2/finding/0> ; hist:removedFinding <run2/removed/0> ;
           hist:removedScore <run2/removedScore/0> .

Every :data:`BASE_EVERY` runs (and when no previous run is known) a run is recorded whole, a
``hist:BaseRun`` without ``hist:previous``; reading a run (:func:`load_run`) replays its changes
on the base run it builds on. With retention, runs older than the kept ones become
``hist:RetiredRun`` (no longer listed) while a kept run builds on them, and are dropped then.

A finding is the same finding in two runs when organisation, precondition, shape, focus, value and
severity agree (the message is left out: rewording a shape does not fix anything).

Which earlier run a comparison starts from (:func:`baseline`): ``last`` is the run before the
current one; a date or time is the newest run recorded at or before it (a date alone means the
start of that day, UTC), or, when the history starts later, the oldest run there is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Literal as Kind
from typing import NamedTuple

from rdflib import RDF, XSD, Literal, Namespace, URIRef
from rdflib.term import Identifier

from kb.errors import InputError, NotFoundError
from kb.namespaces import HISTORY_GRAPH, PROV
from kb.sparql.text import insert_data, iri, values_column
from kb.store import Store
from kb.validation.readiness import Readiness, Score
from kb.validation.shacl import ValidationReport

HIST = Namespace("https://w3id.org/srkb/history#")
RUN_PREFIX = HISTORY_GRAPH + "/run/"
#: A run recorded as changes builds on at most this many before a run is recorded whole again.
BASE_EVERY = 64

_PREFIXES = f"""
PREFIX hist: <{HIST}>
PREFIX prov: <{PROV}>
"""

_RUNS = (
    _PREFIXES
    + f"""
SELECT ?run ?time ?conforms ?violations ?warnings WHERE {{
  GRAPH {iri(HISTORY_GRAPH)} {{
    ?run a hist:ValidationRun ; prov:endedAtTime ?time ; hist:conforms ?conforms ;
         hist:violations ?violations ; hist:warnings ?warnings .
  }}
}}
ORDER BY ?time ?run
"""
)

_FINDINGS = (
    _PREFIXES
    + f"""
SELECT ?organisation ?label ?precondition ?severity ?focus ?shape ?value ?message ?run ?change
WHERE {{
  GRAPH {iri(HISTORY_GRAPH)} {{
    {{ $RUNS ?run hist:finding ?finding BIND("added" AS ?change) }}
    UNION {{ $RUNS ?run hist:removedFinding ?finding BIND("removed" AS ?change) }}
    ?finding hist:precondition ?precondition ; hist:severity ?severity ; hist:focus ?focus ;
             hist:sourceShape ?shape ; hist:message ?message .
    OPTIONAL {{ ?finding hist:organisation ?organisation }}
    OPTIONAL {{ ?finding hist:organisationLabel ?label }}
    OPTIONAL {{ ?finding hist:value ?value }}
  }}
}}
"""
)

_SCORES = (
    _PREFIXES
    + f"""
SELECT ?organisation ?label ?precondition ?readiness ?run WHERE {{
  GRAPH {iri(HISTORY_GRAPH)} {{
    {{ $RUNS ?run hist:score ?score . ?score hist:readiness ?readiness }}
    UNION {{ $RUNS ?run hist:removedScore ?score }}
    ?score hist:organisation ?organisation ; hist:precondition ?precondition .
    OPTIONAL {{ ?score hist:organisationLabel ?label }}
  }}
}}
"""
)


#: Every run kept (listed or retired), with the run it builds on.
_ALL_RUNS = (
    _PREFIXES
    + f"""
SELECT ?run ?listed ?time ?previous WHERE {{
  GRAPH {iri(HISTORY_GRAPH)} {{
    VALUES (?type ?listed) {{ (hist:ValidationRun "listed") (hist:RetiredRun "retired") }}
    ?run a ?type ; prov:endedAtTime ?time .
    OPTIONAL {{ ?run hist:previous ?previous }}
  }}
}}
ORDER BY ?time ?run
"""
)


class RecordedFinding(NamedTuple):
    """A finding as a run recorded it.

    A named tuple, not a frozen dataclass: every write makes one for each finding of the report
    (6,700 at 1M triples) and compares them as sets, and a tuple is made and hashed several times
    faster.
    """

    organisation: str | None
    organisation_label: str | None
    precondition: int
    severity: str
    focus: str
    source_shape: str
    value: str | None
    message: str

    @property
    def key(self) -> tuple[str, int, str, str, str, str]:
        """What makes two runs' findings the same finding."""
        return (
            self.organisation or "",
            self.precondition,
            self.source_shape,
            self.focus,
            self.value or "",
            self.severity,
        )

    @property
    def sentence(self) -> str:
        """Organisation, then the shape's message."""
        return f"{self.organisation_label or self.organisation or self.focus}: {self.message}"


@dataclass(frozen=True)
class RunSummary:
    """A recorded run without its findings: when, and how it went."""

    iri: str
    time: datetime
    conforms: bool
    violations: int
    warnings: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "run": self.iri,
            "time": self.time.isoformat(),
            "conforms": self.conforms,
            "violations": self.violations,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class Run:
    """A validation run: its time, counts, findings and readiness scores (``iri`` once recorded)."""

    time: datetime
    conforms: bool
    findings: tuple[RecordedFinding, ...]
    scores: tuple[Score, ...] = ()
    iri: str | None = None
    #: Runs recorded as changes since the last whole one (0: recorded whole).
    chain: int = 0

    @property
    def violations(self) -> int:
        """How many findings are violations."""
        return sum(1 for f in self.findings if f.severity == "Violation")

    @property
    def warnings(self) -> int:
        """How many findings are not violations."""
        return len(self.findings) - self.violations

    def summary(self) -> RunSummary:
        """The run without its findings."""
        return RunSummary(
            iri=self.iri or "",
            time=self.time,
            conforms=self.conforms,
            violations=self.violations,
            warnings=self.warnings,
        )

    @classmethod
    def of(
        cls, report: ValidationReport, readiness: Readiness | None, at: datetime | None = None
    ) -> Run:
        """The run that ``report`` (and its ``readiness``) describe, at ``at`` (default: now)."""
        findings = tuple(
            RecordedFinding(
                organisation=f.organisation,
                organisation_label=f.organisation_label,
                precondition=f.precondition,
                severity=f.severity,
                focus=f.focus,
                source_shape=f.source_shape,
                value=f.value,
                message=f.message,
            )
            for f in report.findings
        )
        scores = (
            () if readiness is None else tuple(s for o in readiness.organisations for s in o.scores)
        )
        return cls(
            time=_utc(at or datetime.now(UTC)),
            conforms=report.conforms,
            findings=findings,
            scores=scores,
        )


@dataclass(frozen=True)
class ScoreChange:
    """An organisation's readiness for a precondition before and after (None: not scored then)."""

    organisation: str
    label: str | None
    precondition: int
    before: int | None
    after: int | None

    @property
    def delta(self) -> int:
        """After minus before, counting a missing score as 100 (nothing to do)."""
        return (100 if self.after is None else self.after) - (
            100 if self.before is None else self.before
        )


@dataclass(frozen=True)
class Changes:
    """What changed between two runs."""

    since: str
    before: RunSummary
    after: RunSummary
    fixed: tuple[RecordedFinding, ...]
    new: tuple[RecordedFinding, ...]
    scores: tuple[ScoreChange, ...]
    note: str | None = field(default=None)

    @property
    def verdict(self) -> Kind["better", "worse", "mixed", "unchanged"]:
        """Better (only improvements), worse (only regressions), mixed, or unchanged."""
        up = bool(self.fixed) or any(s.delta > 0 for s in self.scores)
        down = bool(self.new) or any(s.delta < 0 for s in self.scores)
        if up and down:
            return "mixed"
        if up:
            return "better"
        return "worse" if down else "unchanged"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""

        def finding(f: RecordedFinding) -> dict[str, object]:
            return {
                "organisation": f.organisation,
                "organisation_label": f.organisation_label,
                "precondition": f.precondition,
                "severity": f.severity,
                "message": f.message,
                "focus": f.focus,
                "value": f.value,
                "source_shape": f.source_shape,
            }

        return {
            "since": self.since,
            "verdict": self.verdict,
            "note": self.note,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "fixed": [finding(f) for f in self.fixed],
            "new": [finding(f) for f in self.new],
            "scores": [
                {
                    "organisation": s.organisation,
                    "label": s.label,
                    "precondition": s.precondition,
                    "before": s.before,
                    "after": s.after,
                }
                for s in self.scores
            ],
        }


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _node(value: str) -> Identifier:
    if value.startswith(("http://", "https://", "urn:")):
        return URIRef(value)
    return Literal(value)


#: The links from a run to the nodes recorded with it (``<run>/finding/0`` ...): all of them.
_PARTS = (HIST.finding, HIST.score, HIST.removedFinding, HIST.removedScore)


def _forget(drop: list[str]) -> str:
    """An update removing these runs with their findings and scores (``<run>``, ``<run>/...``).

    Each run's triples and its nodes' triples are found from the run by its links, not by
    testing every subject of the history graph against every run: at a million triples a base
    run records ~190k triples, and the scan for 64 runs took 77 s inside a write.
    """
    graph = iri(HISTORY_GRAPH)
    parts = "|".join(iri(p) for p in _PARTS)
    branches = " UNION ".join(
        f"{{ {iri(r)} ?p ?o BIND({iri(r)} AS ?s) }} UNION {{ {iri(r)} {parts} ?s . ?s ?p ?o }}"
        for r in drop
    )
    return f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {graph} {{ {branches} }} }}"


def _finding_triples(node: URIRef, f: RecordedFinding) -> list[tuple[Identifier, ...]]:
    triples: list[tuple[Identifier, ...]] = [
        (node, HIST.precondition, Literal(f.precondition)),
        (node, HIST.severity, Literal(f.severity)),
        (node, HIST.focus, _node(f.focus)),
        (node, HIST.sourceShape, _node(f.source_shape)),
        (node, HIST.message, Literal(f.message)),
    ]
    if f.organisation:
        triples.append((node, HIST.organisation, _node(f.organisation)))
    if f.organisation_label:
        triples.append((node, HIST.organisationLabel, Literal(f.organisation_label)))
    if f.value is not None:
        triples.append((node, HIST.value, Literal(f.value)))
    return triples


def _score_triples(node: URIRef, s: Score) -> list[tuple[Identifier, ...]]:
    triples: list[tuple[Identifier, ...]] = [
        (node, HIST.organisation, _node(s.organisation)),
        (node, HIST.precondition, Literal(s.precondition)),
        (node, HIST.readiness, Literal(s.readiness)),
    ]
    if s.label:
        triples.append((node, HIST.organisationLabel, Literal(s.label)))
    return triples


@dataclass(frozen=True)
class _Kept:
    iri: str
    listed: bool
    previous: str | None


def _kept(store: Store) -> list[_Kept]:
    """Every run in the history graph, listed or retired, oldest first."""
    if HISTORY_GRAPH not in store.graphs():
        return []
    return [
        _Kept(str(run), str(listed) == "listed", None if prev is None else str(prev))
        for run, listed, _time, prev in store.query(_ALL_RUNS).rows
    ]


def record(store: Store, run: Run, *, keep: int = 0, previous: Run | None = None) -> Run:
    """Append ``run`` to the history graph; return it with its IRI.

    With ``previous`` (the run recorded before, as :func:`record` returned it) the run is
    recorded as its changes from it, unless it is time for a whole run again
    (:data:`BASE_EVERY`) or ``previous`` is no longer in the history.

    With ``keep`` (``SRKB_HISTORY_RUNS``), runs older than the newest ``keep`` are no longer
    listed, in the same update request, so the history stays bounded (at 1M triples a whole run
    records some 190k triples) and a reader never sees it with a run missing and the new one not
    yet there; they are retired while a kept run builds on them, and dropped then.
    """
    stamp = run.time.strftime("%Y%m%dT%H%M%S.%fZ")
    subject = URIRef(f"{RUN_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}")
    kept = _kept(store) if keep > 0 or previous is not None else []
    known = {k.iri for k in kept}
    delta = (
        previous is not None
        and previous.iri in known
        and previous.chain + 1 < BASE_EVERY
        and len(set(run.findings)) == len(run.findings)
        and len(set(previous.findings)) == len(previous.findings)
    )
    triples: list[tuple[Identifier, ...]] = [
        (subject, RDF.type, HIST.ValidationRun),
        (subject, PROV.endedAtTime, Literal(run.time, datatype=XSD.dateTime)),
        (subject, HIST.conforms, Literal(run.conforms)),
        (subject, HIST.violations, Literal(run.violations)),
        (subject, HIST.warnings, Literal(run.warnings)),
    ]
    findings, scores = list(run.findings), list(run.scores)
    if delta and previous is not None and previous.iri is not None:
        triples.append((subject, HIST.previous, URIRef(previous.iri)))
        before, now = set(previous.findings), set(run.findings)
        findings = [f for f in run.findings if f not in before]
        for index, f in enumerate(sorted(before - now, key=repr)):
            node = URIRef(f"{subject}/removed/{index}")
            triples += [(subject, HIST.removedFinding, node), *_finding_triples(node, f)]
        old_scores, new_scores = set(previous.scores), set(run.scores)
        scores = [s for s in run.scores if s not in old_scores]
        gone = sorted({(s.organisation, s.precondition) for s in old_scores - new_scores})
        for index, (organisation, precondition) in enumerate(gone):
            node = URIRef(f"{subject}/removedScore/{index}")
            triples += [
                (subject, HIST.removedScore, node),
                (node, HIST.organisation, _node(organisation)),
                (node, HIST.precondition, Literal(precondition)),
            ]
    else:
        triples.append((subject, RDF.type, HIST.BaseRun))
    for index, f in enumerate(findings):
        node = URIRef(f"{subject}/finding/{index}")
        triples += [(subject, HIST.finding, node), *_finding_triples(node, f)]
    for index, s in enumerate(scores):
        node = URIRef(f"{subject}/score/{index}")
        triples += [(subject, HIST.score, node), *_score_triples(node, s)]
    update = insert_data(HISTORY_GRAPH, triples)
    if keep > 0:
        update += _retention(
            kept, str(subject), str(previous.iri) if delta and previous else None, keep
        )
    store.update(update)
    return Run(
        time=run.time,
        conforms=run.conforms,
        findings=run.findings,
        scores=run.scores,
        iri=str(subject),
        chain=previous.chain + 1 if delta and previous is not None else 0,
    )


def _retention(kept: list[_Kept], new: str, builds_on: str | None, keep: int) -> str:
    """The updates that unlist runs beyond the newest ``keep`` and drop those nothing needs."""
    every = [*kept, _Kept(new, True, builds_on)]
    listed = [k for k in every if k.listed]
    shown = {k.iri for k in listed[max(0, len(listed) - keep) :]}
    previous = {k.iri: k.previous for k in every}
    needed: set[str] = set()
    for run in shown:
        at: str | None = run
        while at is not None and at not in needed:
            needed.add(at)
            at = previous.get(at)
    graph = iri(HISTORY_GRAPH)
    update = ""
    retire = [k.iri for k in listed if k.iri not in shown and k.iri in needed]
    if retire:
        values = " ".join(iri(r) for r in retire)
        update += (
            f" ;\nDELETE {{ GRAPH {graph} {{ ?run a <{HIST.ValidationRun}> }} }}\n"
            f"INSERT {{ GRAPH {graph} {{ ?run a <{HIST.RetiredRun}> }} }}\n"
            f"WHERE {{ VALUES ?run {{ {values} }} }}"
        )
    drop = [k.iri for k in every if k.iri not in needed and k.iri != new]
    if drop:
        update += " ;\n" + _forget(drop)
    return update


def _moment(value: Identifier | None) -> datetime:
    python = value.toPython() if isinstance(value, Literal) else None
    if isinstance(python, datetime):
        return _utc(python)
    return _utc(datetime.fromisoformat(str(value)))


def runs(store: Store) -> list[RunSummary]:
    """Every recorded run, oldest first."""
    if HISTORY_GRAPH not in store.graphs():
        return []
    found = []
    for run, moment, conforms, violations, warnings in store.query(_RUNS).rows:
        found.append(
            RunSummary(
                iri=str(run),
                time=_moment(moment),
                conforms=str(conforms).lower() == "true",
                violations=int(str(violations)),
                warnings=int(str(warnings)),
            )
        )
    return found


def _text(value: Identifier | None) -> str | None:
    return None if value is None else str(value)


def last_run(store: Store) -> Run | None:
    """The newest recorded run, read back whole; ``None`` when the history is empty."""
    listed = runs(store)
    return load_run(store, listed[-1]) if listed else None


def load_run(store: Store, summary: RunSummary) -> Run:
    """A recorded run with its findings and scores (its changes replayed on its base run)."""
    # The chain is walked here, from the list of runs: no property path (Virtuoso wants one end
    # of a transitive path bound by equality).
    links = {k.iri: k.previous for k in _kept(store)}
    chain: list[str] = []  # base run first
    at: str | None = summary.iri
    while at is not None and at in links and at not in chain:
        chain.append(at)
        at = links[at]
    chain.reverse()
    position = {run: index for index, run in enumerate(chain)}
    members = [URIRef(r) for r in chain]
    added: list[list[RecordedFinding]] = [[] for _ in chain]
    removed: list[set[RecordedFinding]] = [set() for _ in chain]
    # The runs inside each branch: bound outside, Oxigraph would read every run's findings
    # first (95 s for one run at a million triples, 0.8 s so).
    runs_ = values_column("run", members)
    rows = store.query(_FINDINGS.replace("$RUNS", runs_)).rows
    for org, label, precondition, severity, focus, shape, value, message, run, gone in rows:
        finding = RecordedFinding(
            organisation=_text(org),
            organisation_label=_text(label),
            precondition=int(str(precondition)),
            severity=str(severity),
            focus=str(focus),
            source_shape=str(shape),
            value=_text(value),
            message=str(message),
        )
        index = position[str(run)]
        if str(gone) == "removed":
            removed[index].add(finding)
        else:
            added[index].append(finding)
    findings: list[RecordedFinding] = []
    for index in range(len(chain)):
        if removed[index]:
            findings = [f for f in findings if f not in removed[index]]
        findings += added[index]
    new_scores: list[dict[tuple[str, int], Score]] = [{} for _ in chain]
    gone_scores: list[set[tuple[str, int]]] = [set() for _ in chain]
    for org, label, precondition, readiness, run in store.query(
        _SCORES.replace("$RUNS", runs_)
    ).rows:
        key = (str(org), int(str(precondition)))
        index = position[str(run)]
        if readiness is None:
            gone_scores[index].add(key)
        else:
            new_scores[index][key] = Score(key[0], _text(label), key[1], int(str(readiness)))
    scores: dict[tuple[str, int], Score] = {}
    for index in range(len(chain)):
        for key in gone_scores[index]:
            scores.pop(key, None)
        scores.update(new_scores[index])
    return Run(
        time=summary.time,
        conforms=summary.conforms,
        findings=tuple(sorted(findings, key=lambda f: f.key)),
        scores=tuple(sorted(scores.values(), key=lambda s: (s.organisation, s.precondition))),
        iri=summary.iri,
        chain=len(chain) - 1,
    )


def parse_since(text: str) -> Kind["last"] | datetime:
    """``last``, an ISO date (the start of that day, UTC) or an ISO date and time (UTC if no zone).

    >>> parse_since("last")
    'last'
    >>> parse_since("2026-11-24").isoformat()
    '2026-11-24T00:00:00+00:00'
    >>> parse_since("2026-11-24T10:30+01:00").isoformat()
    '2026-11-24T09:30:00+00:00'
    """
    value = text.strip()
    if value.lower() == "last":
        return "last"
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        return _utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise InputError(
            f"cannot read {text!r} as a date",
            hint="give 'last', a date (2026-11-24) or a date and time (2026-11-24T10:30)",
        ) from None


def baseline(earlier: list[RunSummary], since: str) -> tuple[RunSummary, str | None]:
    """Choose the run to compare with among ``earlier`` runs (oldest first), with a note if any."""
    moment = parse_since(since)
    if not earlier:
        raise NotFoundError(
            "no earlier validation run is recorded to compare with "
            "(the history starts with the first recorded run: validate again after a change)"
        )
    if moment == "last":
        return earlier[-1], None
    before = [r for r in earlier if r.time <= moment]
    if before:
        return before[-1], None
    first = earlier[0]
    return first, f"no run was recorded by {since}; compared with the oldest run instead"


def compare(before: Run, after: Run, *, since: str = "", note: str | None = None) -> Changes:
    """What got fixed, what is new, and whose readiness moved, from ``before`` to ``after``."""
    old = {f.key: f for f in before.findings}
    new = {f.key: f for f in after.findings}
    old_scores = {(s.organisation, s.precondition): s for s in before.scores}
    new_scores = {(s.organisation, s.precondition): s for s in after.scores}
    moved = []
    for key in sorted(set(old_scores) | set(new_scores)):
        was, now = old_scores.get(key), new_scores.get(key)
        before_score = was.readiness if was else None
        after_score = now.readiness if now else None
        if before_score != after_score:
            label = (now or was).label if (now or was) else None  # type: ignore[union-attr]
            moved.append(ScoreChange(key[0], label, key[1], before_score, after_score))
    return Changes(
        since=since,
        before=before.summary(),
        after=after.summary(),
        fixed=tuple(old[k] for k in sorted(set(old) - set(new))),
        new=tuple(new[k] for k in sorted(set(new) - set(old))),
        scores=tuple(moved),
        note=note,
    )


def changes_since(store: Store, since: str, current: Run | None = None) -> Changes:
    """Compare ``current`` (default: the newest recorded run) with the run ``since`` names."""
    parse_since(since)
    recorded = runs(store)
    if current is None:
        if not recorded:
            raise NotFoundError(
                "no validation run is recorded yet (srkb report, or any write through the API, "
                "records one)"
            )
        current = load_run(store, recorded[-1])
    earlier = [r for r in recorded if r.iri != current.iri and r.time <= current.time]
    chosen, note = baseline(earlier, since)
    return compare(load_run(store, chosen), current, since=since, note=note)


def recorded(items: Iterable[RunSummary], limit: int | None = None) -> list[RunSummary]:
    """Newest first, at most ``limit``."""
    newest = sorted(items, key=lambda r: (r.time, r.iri), reverse=True)
    return newest if limit is None else newest[:limit]
