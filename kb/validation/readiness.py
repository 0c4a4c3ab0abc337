"""Readiness: how far each organisation is from meeting each precondition, as a number people read.

The rule, in plain words: **a precondition's readiness is the share of its checks that the
organisation passes, and 0 when it has not started on the precondition at all.** A *check* is one
shape of that precondition (each shape carries ``srkb:precondition``; precondition 1 has ten,
precondition 2 eight, precondition 3 three, the well-formedness and consistency precondition 0
six). Against one organisation a check

- *passes* (counts 1) when it reports nothing about the organisation,
- *half passes* (counts 1/2) when it reports only warnings,
- *fails* (counts 0) when it reports at least one violation,

and the score is ``floor(100 * sum / number of checks)``, so 100 means "no finding at all" and any
finding lowers it. A *gating check* (a shape marked ``srkb:isGatingCheck true``: no registered
component at all for precondition 1, no practice for 2, no catalogue for 3) says the organisation
has not started: when it fails, the precondition scores 0 whatever the other checks say. Without
that rule an organisation with no practice at all would score 7/8 = 87 on precondition 2, because
the seven checks of a practice's contents have nothing to complain about. A check counts once
however many components or services it complains about: the score says how many *kinds* of gap are
left, and the finding list next to it says how many instances. An organisation *meets* a
precondition when it has no violation of it (warnings allowed, as for SHACL conformance).

Who is subject to what follows the shapes' targets (README, "The three preconditions"): every
service consumer to preconditions 0, 1 and 2; every intermediary (a provider that is also a
consumer) to precondition 3. Anyone else shows "not applicable" — unless a shape reported about
them anyway, in which case the precondition applies to them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from rdflib import BNode, URIRef
from rdflib.term import Identifier

from kb.ecosystem.questions import question
from kb.ecosystem.views import roles_by_organisation
from kb.namespaces import SHAPES_GRAPH, SRKB
from kb.sparql.text import bind_column, iri
from kb.store import Store
from kb.validation.shacl import Finding, ValidationReport

PRECONDITIONS: dict[int, str] = {
    0: "Well-formed service relationships",
    1: "Service components with vendor information",
    2: "A service relationship practice",
    3: "A service catalogue",
}

#: Which inferred role makes an organisation subject to each precondition.
APPLIES_TO: dict[int, str] = {
    0: "ServiceConsumer",
    1: "ServiceConsumer",
    2: "ServiceConsumer",
    3: "Intermediary",
}

_CHECKS = f"""
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?shape ?precondition ?label ?severity ?gating WHERE {{
  GRAPH {iri(SHAPES_GRAPH)} {{
    ?shape srkb:precondition ?precondition .
    OPTIONAL {{ ?shape rdfs:label ?label }}
    OPTIONAL {{ ?shape sh:severity ?severity }}
    OPTIONAL {{ ?shape srkb:isGatingCheck ?gating }}
  }}
}}
"""

_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?x ?label WHERE {
  ?x rdfs:label ?label .
  FILTER(langMatches(lang(?label), "en") || lang(?label) = "")
}
"""


@dataclass(frozen=True)
class Check:
    """One shape of a precondition: what it checks, in its label's words."""

    shape: str
    precondition: int
    label: str
    severity: str
    gating: bool = False


@dataclass(frozen=True)
class PreconditionReadiness:
    """One organisation against one precondition."""

    precondition: int
    applicable: bool
    score: int | None
    checks: int
    failed: tuple[str, ...]
    warned: tuple[str, ...]
    violations: int
    warnings: int
    gated: bool = False  # a gating check failed: the organisation has not started, score 0

    @property
    def met(self) -> bool | None:
        """True with no violation, False with one, None when the precondition does not apply."""
        return None if not self.applicable else self.violations == 0


class Score(NamedTuple):
    """One organisation's readiness for one precondition, as a validation run records it.

    A named tuple: a run holds one for every organisation and applicable precondition (22,000
    at 1M triples) and a write compares them as sets.
    """

    organisation: str
    label: str | None
    precondition: int
    readiness: int


@dataclass(frozen=True)
class OrganisationReadiness:
    """One organisation: its roles and its readiness for every precondition."""

    organisation: str
    label: str | None
    roles: tuple[str, ...]
    preconditions: tuple[PreconditionReadiness, ...]

    @property
    def violations(self) -> int:
        """Violations over all preconditions."""
        return sum(p.violations for p in self.preconditions)

    @property
    def warnings(self) -> int:
        """Warnings over all preconditions."""
        return sum(p.warnings for p in self.preconditions)

    @property
    def applicable(self) -> tuple[PreconditionReadiness, ...]:
        """The preconditions this organisation is subject to."""
        return tuple(p for p in self.preconditions if p.applicable)

    @property
    def score(self) -> int | None:
        """Mean readiness over the applicable preconditions (floor), None if none applies."""
        scores = [p.score for p in self.applicable if p.score is not None]
        return math.floor(sum(scores) / len(scores)) if scores else None

    @property
    def meets_all(self) -> bool:
        """No violation of any precondition."""
        return self.violations == 0

    def of(self, precondition: int) -> PreconditionReadiness | None:
        """The readiness for one precondition."""
        return next((p for p in self.preconditions if p.precondition == precondition), None)

    @cached_property
    def scores(self) -> tuple[Score, ...]:
        """The scores a validation run records for this organisation.

        Kept with the row: after a write :func:`rescore` keeps the rows of every organisation the
        write cannot move, so a run's scores are made again only for the rows scored again.
        """
        return tuple(
            Score(self.organisation, self.label, p.precondition, p.score)
            for p in self.preconditions
            if p.applicable and p.score is not None
        )


@dataclass(frozen=True)
class PreconditionSummary:
    """The ecosystem's view of one precondition."""

    precondition: int
    title: str
    checks: int
    applicable: int
    met: int
    mean_score: int | None


@dataclass(frozen=True)
class Readiness:
    """Readiness of every organisation, and the summary across the ecosystem."""

    organisations: tuple[OrganisationReadiness, ...]
    preconditions: tuple[int, ...]
    checks: Mapping[int, tuple[Check, ...]]

    def summary(self) -> tuple[PreconditionSummary, ...]:
        """Per precondition: how many organisations it applies to, how many meet it, mean score."""
        rows = []
        for number in self.preconditions:
            applicable = [
                p for o in self.organisations if (p := o.of(number)) is not None and p.applicable
            ]
            scores = [p.score for p in applicable if p.score is not None]
            rows.append(
                PreconditionSummary(
                    precondition=number,
                    title=PRECONDITIONS.get(number, ""),
                    checks=len(self.checks.get(number, ())),
                    applicable=len(applicable),
                    met=sum(1 for p in applicable if p.met),
                    mean_score=math.floor(sum(scores) / len(scores)) if scores else None,
                )
            )
        return tuple(rows)

    @property
    def subject(self) -> tuple[OrganisationReadiness, ...]:
        """Organisations subject to at least one precondition."""
        return tuple(o for o in self.organisations if o.applicable)

    @property
    def meeting_all(self) -> int:
        """How many subject organisations meet every precondition."""
        return sum(1 for o in self.subject if o.meets_all)

    def only(
        self, *, organisation: str | None = None, precondition: int | None = None
    ) -> Readiness:
        """The same readiness restricted to one organisation and/or one precondition.

        Scores are not recomputed: restrict the view, never the findings they came from.
        """
        organisations = tuple(
            o for o in self.organisations if organisation is None or o.organisation == organisation
        )
        preconditions = tuple(
            n for n in self.preconditions if precondition is None or n == precondition
        )
        if precondition is not None:
            organisations = tuple(
                OrganisationReadiness(
                    organisation=o.organisation,
                    label=o.label,
                    roles=o.roles,
                    preconditions=tuple(
                        p for p in o.preconditions if p.precondition in preconditions
                    ),
                )
                for o in organisations
            )
        return Readiness(
            organisations=organisations, preconditions=preconditions, checks=self.checks
        )

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form: the summary and every organisation's scores."""
        return {
            "rule": RULE,
            "summary": [
                {
                    "precondition": s.precondition,
                    "title": s.title,
                    "checks": s.checks,
                    "applicable": s.applicable,
                    "met": s.met,
                    "mean_score": s.mean_score,
                }
                for s in self.summary()
            ],
            "organisations": [
                {
                    "organisation": o.organisation,
                    "label": o.label,
                    "roles": list(o.roles),
                    "score": o.score,
                    "violations": o.violations,
                    "warnings": o.warnings,
                    "preconditions": [
                        {
                            "precondition": p.precondition,
                            "applicable": p.applicable,
                            "score": p.score,
                            "met": p.met,
                            "violations": p.violations,
                            "warnings": p.warnings,
                            "gated": p.gated,
                            "failed_checks": list(p.failed),
                            "warned_checks": list(p.warned),
                        }
                        for p in o.preconditions
                    ],
                }
                for o in self.organisations
            ],
        }


#: The rule in one sentence, as reports and the JSON form state it.
RULE = (
    "share of the precondition's checks passed (a check with only warnings counts half), floor of "
    "percent; 0 when a gating check fails (no registered component, no practice, no catalogue)"
)


def score(checks: int, failed: int, warned: int, *, gated: bool = False) -> int:
    """The readiness score: share of ``checks`` passed, a check with only warnings counting half.

    A failed gating check makes it 0: the organisation has not started on the precondition.

    >>> score(6, 0, 0)
    100
    >>> score(6, 2, 0)
    66
    >>> score(8, 0, 1)
    93
    >>> score(3, 3, 0)
    0
    >>> score(8, 1, 0), score(8, 1, 0, gated=True)
    (87, 0)
    """
    if gated:
        return 0
    if checks <= 0:
        return 100
    passed = checks - failed - warned / 2
    return max(0, math.floor(100 * passed / checks))


def checks(store: Store) -> dict[int, tuple[Check, ...]]:
    """Every precondition's checks (shapes) from the shapes graph, sorted by shape IRI."""
    found: dict[int, list[Check]] = {}
    for shape, precondition, label, severity, gating in store.query(_CHECKS).rows:
        try:
            number = int(str(precondition))
        except ValueError:
            continue
        found.setdefault(number, []).append(
            Check(
                shape=str(shape),
                precondition=number,
                label=str(label) if label is not None else str(shape),
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
                gating=gating is not None and str(gating).strip().lower() in ("true", "1"),
            )
        )
    return {n: tuple(sorted(cs, key=lambda c: c.shape)) for n, cs in sorted(found.items())}


#: The IRIs whose labels are looked up (not, say, a ``mailto:`` contact).
_LABELLED = ("http://", "https://", "urn:")


def labels(store: Store, resources: Iterable[str]) -> dict[str, str]:
    """An English (or untagged) ``rdfs:label`` of each resource that has one."""
    wanted = sorted({r for r in resources if r.startswith(_LABELLED)})
    if not wanted:
        return {}
    return _first_labels(store.query(bind_column(_LABELS, "x", [URIRef(r) for r in wanted])).rows)


def labels_of_members(store: Store, classes: Iterable[str]) -> bytes:
    """The same label (as :func:`labels` picks it) of every member of ``classes`` that has one.

    For a caller that will want most of them and can ask before it knows which: at a million
    triples the labels of every organisation and service cost about what those of the 15,000 a
    service level report names do, and can be read while its question runs. So they come as
    serialised results (SPARQL JSON), which the engine writes without holding Python's lock,
    and :func:`read_labels` parses them, in the same thread, while the question's own engine
    work leaves Python's lock free (at 1M 0.1 s of parsing that no longer follows the
    question). Made into rdflib terms in the thread instead, they slowed the question beside
    them by 0.25 s at 1M.
    """
    kinds = [URIRef(c) for c in sorted(set(classes))]
    query = bind_column(_LABELS.replace("WHERE {", "WHERE {\n  ?x a ?kind ."), "kind", kinds)
    return store.query_serialized(query, "application/sparql-results+json")[1]


def read_labels(results: bytes, wanted: AbstractSet[str] | None = None) -> dict[str, str]:
    """The labels :func:`labels_of_members` found, of the resources ``wanted`` (else of all)."""
    rows = []
    for binding in json.loads(results)["results"]["bindings"]:
        resource, label = binding.get("x"), binding.get("label")
        if (
            resource is not None
            and label is not None
            and resource["type"] == "uri"
            and resource["value"].startswith(_LABELLED)  # the IRIs :func:`labels` looks up
            and (wanted is None or resource["value"] in wanted)
        ):
            rows.append((resource["value"], label["value"]))
    return _first_labels(rows)


def _first_labels(rows: Iterable[Sequence[object]]) -> dict[str, str]:
    """The first label of each resource, by text: the same one however it was asked for."""
    found: dict[str, str] = {}
    for resource, label in sorted(rows, key=lambda row: (str(row[0]), str(row[1]))):
        found.setdefault(str(resource), str(label))
    return found


def organisation_readiness(
    organisation: str,
    label: str | None,
    roles: Iterable[str],
    findings: Iterable[Finding],
    all_checks: Mapping[int, tuple[Check, ...]],
) -> OrganisationReadiness:
    """Score one organisation from its roles and its findings (a pure function)."""
    role_set = set(roles)
    mine = [f for f in findings if f.organisation == organisation]
    rows = []
    for number, its_checks in sorted(all_checks.items()):
        hits = [f for f in mine if f.precondition == number]
        applicable = APPLIES_TO.get(number) in role_set or bool(hits)
        failed = sorted({f.source_shape for f in hits if f.severity == "Violation"})
        warned = sorted({f.source_shape for f in hits if f.severity != "Violation"} - set(failed))
        gates = {c.shape for c in its_checks if c.gating}
        gated = bool(gates.intersection(failed))
        rows.append(
            PreconditionReadiness(
                precondition=number,
                applicable=applicable,
                score=score(len(its_checks), len(failed), len(warned), gated=gated)
                if applicable
                else None,
                checks=len(its_checks),
                failed=tuple(failed),
                warned=tuple(warned),
                violations=sum(1 for f in hits if f.severity == "Violation"),
                warnings=sum(1 for f in hits if f.severity != "Violation"),
                gated=gated,
            )
        )
    return OrganisationReadiness(
        organisation=organisation,
        label=label,
        roles=tuple(sorted(role_set)),
        preconditions=tuple(rows),
    )


def readiness(store: Store, report: ValidationReport) -> Readiness:
    """Readiness of every organisation that has a role or a finding, from an unfiltered report."""
    all_checks = checks(store)
    roles = roles_by_organisation(store)
    organisations = set(roles) | {f.organisation for f in report.findings if f.organisation}
    names = labels(store, organisations)
    for finding in report.findings:
        if finding.organisation and finding.organisation_label:
            names.setdefault(finding.organisation, finding.organisation_label)
    by_organisation: dict[str, list[Finding]] = {}
    for finding in report.findings:  # each organisation's own: not every finding for every one
        if finding.organisation:
            by_organisation.setdefault(finding.organisation, []).append(finding)
    rows = [
        organisation_readiness(
            org, names.get(org), roles.get(org, ()), by_organisation.get(org, ()), all_checks
        )
        for org in organisations
    ]
    rows.sort(key=lambda o: ((o.label or o.organisation).casefold(), o.organisation))
    return Readiness(
        organisations=tuple(rows), preconditions=tuple(sorted(all_checks)), checks=all_checks
    )


def rescore(
    store: Store,
    report: ValidationReport,
    previous: Readiness,
    before: ValidationReport,
    seeds: Iterable[Identifier],
) -> Readiness:
    """:func:`readiness` after a write, scoring again only the organisations it can have moved.

    ``previous`` is the readiness of ``before`` (the report before the write); ``seeds`` are the
    resources whose asserted or inferred triples the write changed. An organisation's row depends
    on its roles and label (its own triples: it is a seed if they changed) and its findings (its
    row moves only if one of them is new or gone): those organisations are scored again, every
    other row is kept. Gives what :func:`readiness` gives (the tests compare both); a blank-node
    seed (which no query can name) makes it score everyone.
    """
    nodes = set(seeds)
    old, new = set(before.findings), set(report.findings)
    wanted = {str(n) for n in nodes if isinstance(n, URIRef)}
    wanted |= {f.organisation for f in old ^ new if f.organisation}
    if any(isinstance(n, BNode) for n in nodes) or any(o.startswith("_:") for o in wanted):
        return readiness(store, report)
    all_checks = checks(store)
    roles: dict[str, set[str]] = {}
    if wanted:
        sparql = bind_column(
            question("organisation-roles").sparql, "organisation", map(URIRef, sorted(wanted))
        )
        for organisation, role in store.query(sparql).rows:
            roles.setdefault(str(organisation), set()).add(str(role).removeprefix(str(SRKB)))
    by_organisation: dict[str, list[Finding]] = {}
    for finding in report.findings:
        if finding.organisation in wanted:
            by_organisation.setdefault(finding.organisation, []).append(finding)
    scored = set(roles) | set(by_organisation)
    names = labels(store, scored)
    for org, found in by_organisation.items():
        for finding in found:
            if finding.organisation_label:
                names.setdefault(org, finding.organisation_label)
    rows = [o for o in previous.organisations if o.organisation not in wanted]
    rows += [
        organisation_readiness(
            org,
            names.get(org),
            sorted(roles.get(org, ())),
            by_organisation.get(org, ()),
            all_checks,
        )
        for org in scored
    ]
    rows.sort(key=lambda o: ((o.label or o.organisation).casefold(), o.organisation))
    return Readiness(
        organisations=tuple(rows), preconditions=tuple(sorted(all_checks)), checks=all_checks
    )
