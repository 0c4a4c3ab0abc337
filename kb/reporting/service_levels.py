"""Service levels as governance teams read them: every target a consumer holds, and its breaches.

Built from the ``service-levels`` question (``queries/service-levels.rq``): one row per service
level target and measurement, with the consumer that holds the agreement, the service, the vendor,
the target value, unit and direction, and whether the measurement is a breach (a measurement the
engine classified ``srkb:ServiceLevelBreach`` with rule ``srkb-sl-breach``; so no breach shows
before inference has run). The report's service level section and the map's breach marks read it;
both show the same rows.

Labels come from the store (``rdfs:label``, English or untagged), units included: the QUDT units
srkb offers are declared with labels in the ontology (``percent``, ``minute``...).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

from kb.ecosystem.questions import ask_text
from kb.namespaces import ORG, SRKB, curie
from kb.store import Store
from kb.validation.readiness import labels, labels_of_members, read_labels


class ServiceLevel(NamedTuple):
    """One target of one consumer, with one of its measurements (or none yet).

    A named tuple rather than a frozen dataclass: a report at 1M triples makes 18,800 of them
    and puts them in a set, and a tuple is made and hashed several times faster.
    """

    consumer: str
    service: str
    vendor: str
    agreement: str
    target: str
    metric: str | None
    target_value: str | None
    unit: str | None
    higher_is_better: bool | None
    aspect: str | None
    measurement: str | None
    period: str | None
    achieved: str | None
    breached: bool

    @property
    def comparison(self) -> str:
        """The target in words: ``≥ 99.9`` or ``≤ 240`` (just the value if no direction)."""
        value = self.target_value or "?"
        if self.higher_is_better is None:
            return value
        return ("≥ " if self.higher_is_better else "≤ ") + value


@dataclass(frozen=True)
class ServiceLevels:
    """Every consumer's targets and measurements, and the labels to show them with.

    ``names`` holds the labels of what the report and the map show by name (consumers, services,
    vendors, units, warranty aspects, breached targets); :meth:`name` gives any other IRI's CURIE.
    """

    rows: tuple[ServiceLevel, ...]
    names: dict[str, str]

    def name(self, iri: str | None) -> str:
        """A label for an IRI: its ``rdfs:label``, else its CURIE."""
        if iri is None:
            return ""
        return self.names.get(iri) or curie(iri)

    @property
    def breaches(self) -> tuple[ServiceLevel, ...]:
        """The rows whose measurement missed its target."""
        return tuple(r for r in self.rows if r.breached)

    def breaches_between(self, vendor: str, consumer: str) -> tuple[ServiceLevel, ...]:
        """The breaches of targets ``consumer`` holds with ``vendor`` (a map edge)."""
        return tuple(r for r in self.breaches if r.vendor == vendor and r.consumer == consumer)

    def by_consumer(self) -> list[tuple[str, list[ServiceLevel]]]:
        """Rows grouped by consumer, consumers in label order."""
        groups: dict[str, list[ServiceLevel]] = {}
        for row in self.rows:
            groups.setdefault(row.consumer, []).append(row)
        return sorted(groups.items(), key=lambda kv: (self.name(kv[0]).casefold(), kv[0]))

    def only(self, *, organisation: str | None = None) -> ServiceLevels:
        """The targets one organisation holds as consumer (all of them with None)."""
        if organisation is None:
            return self
        return ServiceLevels(
            rows=tuple(r for r in self.rows if r.consumer == organisation), names=self.names
        )

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form: every row, with labels."""
        return {
            "breaches": len(self.breaches),
            "targets": len({r.target for r in self.rows}),
            "rows": [
                {
                    "consumer": r.consumer,
                    "consumer_label": self.name(r.consumer),
                    "service": r.service,
                    "vendor": r.vendor,
                    "agreement": r.agreement,
                    "target": r.target,
                    "metric": r.metric,
                    "target_value": r.target_value,
                    "unit": r.unit,
                    "higher_is_better": r.higher_is_better,
                    "aspect": r.aspect,
                    "measurement": r.measurement,
                    "period": r.period,
                    "achieved": r.achieved,
                    "breached": r.breached,
                }
                for r in self.rows
            ],
        }


def _order(row: ServiceLevel) -> tuple[str, ...]:
    return (row.consumer, row.service, row.target, row.period or "", row.measurement or "")


def service_levels(store: Store) -> ServiceLevels:
    """Every service level target a consumer in ``store`` holds, with measurements and breaches.

    The labels of every organisation and service are read and parsed while the question runs
    (they are most of what the report names: at 1M triples 0.4 s, hidden behind the question's
    0.8 s, which the engine evaluates and writes without holding Python's lock); what else the
    rows name is looked up after.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="srkb-labels") as pool:
        early = pool.submit(lambda: read_labels(labels_of_members(store, _PARTIES)))
        unique = _rows(store)
        parties = early.result()
    named = _named(unique)
    names = {iri: parties[iri] for iri in named if iri in parties}
    names.update(labels(store, named - names.keys()))
    return ServiceLevels(rows=tuple(unique), names=names)


#: The classes of what the report names most: consumers, vendors (organisations) and services.
_PARTIES = (ORG + "Organization", SRKB + "Service")


def _rows(store: Store) -> list[ServiceLevel]:
    """The ``service-levels`` question's rows, each once, in the report's order."""
    rows: list[ServiceLevel] = []
    for (
        consumer,
        service,
        vendor,
        agreement,
        target,
        metric,
        value,
        unit,
        direction,
        aspect,
        measurement,
        period,
        achieved,
        breached,
    ) in ask_text(store, "service-levels")[1]:
        # bound in every row the question gives; the checks tell the type checker
        if consumer is None or service is None or vendor is None:
            continue
        if agreement is None or target is None:
            continue
        higher = None if direction is None else direction.endswith("#HigherIsBetter")
        rows.append(
            ServiceLevel(
                consumer=consumer,
                service=service,
                vendor=vendor,
                agreement=agreement,
                target=target,
                metric=metric,
                target_value=value,
                unit=unit,
                higher_is_better=higher,
                aspect=aspect,
                measurement=measurement,
                period=period,
                achieved=achieved,
                breached=breached is not None and breached.lower() in ("true", "1"),
            )
        )
    return sorted(set(rows), key=_order)


def _named(rows: Iterable[ServiceLevel]) -> set[str]:
    """What the report and the map show by name: not every agreement, target and measurement.

    The report names the consumer, service, vendor, unit and warranty aspect of each row, the map
    the target of each breach. At 1M the rows hold 18,432 agreements, as many targets and 4,605
    measurements that nothing shows by name: looking their labels up took most of the report.
    """
    found: set[str] = set()
    for r in rows:
        found |= {r.consumer, r.service, r.vendor}
        found |= {x for x in (r.unit, r.aspect) if x}
        if r.breached:
            found.add(r.target)
    return found
