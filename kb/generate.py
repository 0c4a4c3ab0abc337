r"""Synthetic service ecosystems of any size, in srkb's own vocabulary, for scale tests and benches.

``generate(orgs, seed, out)`` writes an ecosystem of ``orgs`` organisations (about
:data:`TRIPLES_PER_ORGANISATION` triples each: 70 organisations make some 10k triples, 7,000 some
1M) as N-Triples or Turtle, streamed organisation by organisation, so that memory stays flat
from 10k to 10M triples. The same ``orgs`` and ``seed`` give a byte-identical file: every
organisation draws from its own random generator seeded with ``"<seed>/<index>"``, and only
``random()`` is used, whose sequence Python keeps stable. Name the files ``synthetic-*.nt`` (or
``.ttl``) or write them under ``bench/out/``: git ignores both, and they must never be committed.

Shape (what the campus example has, many times over):

* **Regions** of :data:`REGION_SIZE` organisations. Each region has two outside vendors, three
  platform providers, six intermediaries and nine pure consumers, interleaved by position so that
  even a small ecosystem has every tier. The first few vendors are global (a cloud, a carrier, a
  utility...): platforms in every region consume from them.
* **Layered dependencies**: platforms consume from vendors; intermediaries from platforms, vendors
  and earlier intermediaries of their region; consumers from intermediaries and platforms of their
  region (now and then from a platform of the next region). Dependencies stay regional, so the
  transitive closure grows with the ecosystem, not with its square.
* **Cycles**: some intermediaries serve one of their own providers back (a mutual pair) or serve a
  platform of their region (a longer provision cycle).
* Every consumer registers a **service component** per consumed service, with vendor, vendor contact
  and agreement; providers build their services from those components (so intermediaries become
  consumer-turned-providers), publish **offerings** (goods, resource access, service actions) and
  keep a **service catalogue**; consumers run a **service relationship practice** (roles held by
  people and units, RACI responsibilities, activities with tasks and tools). Relationships name
  customers, users and sponsors, agreements, and now and then outputs, outcomes, costs and risks.
  Agreements set a **service level target** (availability, continuity, capacity or security),
  some of which are measured; now and then a measurement misses its target (a breach the engine
  derives).
* **Gaps**: each kind of precondition gap (:data:`GAP_RATES`) happens at a few percent, so that
  validation finds every shape's finding: unregistered consumed services, components without vendor,
  contact, agreement or with the wrong vendor, consumers without any component, agreements without
  or with incomplete targets, incomplete measurements, missing or incomplete practices, missing
  catalogues, unlisted services, a few malformed relationships, type clashes and roles typed by
  hand.

>>> import io
>>> buffer = io.BytesIO()
>>> stats = generate(3, 1, buffer, fmt="nt")
>>> stats.triples == buffer.getvalue().count(b"\n")
True
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kb.errors import InputError

NAMESPACE = "https://example.org/synthetic#"

PREFIXES: dict[str, str] = {
    "syn": NAMESPACE,
    "srkb": "https://w3id.org/srkb#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "unit": "http://qudt.org/vocab/unit/",
}

#: Formats the generator writes (both line-oriented and streamable).
FORMATS = ("nt", "ttl")

#: Average triples per organisation, measured; use :func:`orgs_for_triples` to aim at a size.
TRIPLES_PER_ORGANISATION = 142

#: Organisations per region, and the tier of each position in a region.
REGION_SIZE = 20
VENDOR, PLATFORM, INTERMEDIARY, CONSUMER = "vendor", "platform", "intermediary", "consumer"
_TIER_CODES = {"V": VENDOR, "P": PLATFORM, "I": INTERMEDIARY, "C": CONSUMER}
#: 2 vendors, 3 platforms, 6 intermediaries, 9 consumers per region, interleaved.
REGION_PATTERN = tuple(_TIER_CODES[c] for c in "VPICCIPCICVCICPICICC")
TIERS = (VENDOR, PLATFORM, INTERMEDIARY, CONSUMER)

#: How often each kind of gap happens (per consumed service, component, practice, service...).
GAP_RATES: dict[str, float] = {
    # precondition 0: malformed relationships (per relationship)
    "relationship-without-provider": 0.004,
    "relationship-with-two-consumers": 0.004,
    "relationship-without-service": 0.004,
    "provider-is-consumer": 0.004,
    # precondition 0: model integrity (per organisation)
    "organisation-typed-as-service": 0.01,
    "role-typed-by-hand": 0.02,
    # precondition 1: components (per consumed service)
    "unregistered-consumed-service": 0.03,
    "component-without-vendor": 0.02,
    "component-without-contact": 0.02,
    "component-without-agreement": 0.015,
    "agreement-without-reference": 0.01,
    "component-without-service": 0.006,
    "component-with-two-services": 0.006,
    "component-with-wrong-vendor": 0.015,
    "consumer-without-components": 0.02,
    "agreement-without-target": 0.03,
    "incomplete-target": 0.01,
    "incomplete-measurement": 0.02,
    # precondition 2: practices (per consumer; per role, responsibility, activity)
    "consumer-without-practice": 0.03,
    "practice-without-roles": 0.012,
    "practice-without-responsibilities": 0.012,
    "practice-without-activities": 0.012,
    "practice-without-tools": 0.012,
    "incomplete-responsibility": 0.02,
    "role-not-held": 0.03,
    "activity-without-accountable-role": 0.02,
    # precondition 3: catalogues (per providing organisation; per provided service)
    "provider-without-catalogue": 0.03,
    "service-not-listed": 0.03,
    "service-not-created-from-component": 0.03,
}

#: Chances of the shapes of the ecosystem that are not gaps.
MUTUAL_PAIR_RATE = 0.08  # an intermediary serves one of its providers back
BACK_EDGE_RATE = 0.05  # an intermediary serves a platform of its region: a longer cycle
NEIGHBOUR_RATE = 0.10  # a consumer also uses a platform of the next region
MEASURED_RATE = 0.25  # a service level target has a measurement
BREACH_RATE = 0.15  # a measurement misses its target (a breach, derived by inference)
_DECIMAL = "^^<http://www.w3.org/2001/XMLSchema#decimal>"
#: Service level targets: metric, target value, unit, direction, warranty aspect.
_TARGETS = (
    ("monthly availability", "99.5", "unit:PERCENT", "srkb:HigherIsBetter", "srkb:Availability"),
    ("time to restore service", "240", "unit:MIN", "srkb:LowerIsBetter", "srkb:Continuity"),
    ("peak transactions handled", "500", "unit:NUM", "srkb:HigherIsBetter", "srkb:Capacity"),
    ("time to apply a critical patch", "72", "unit:HR", "srkb:LowerIsBetter", "srkb:Security"),
)

_VENDOR_SERVICES = (
    "cloud compute",
    "object storage",
    "network connectivity",
    "energy supply",
    "cleaning",
    "security monitoring",
    "payment processing",
    "mail delivery",
)
_PLATFORM_SERVICES = (
    "hosting platform",
    "identity service",
    "data platform",
    "integration platform",
    "managed desktops",
    "office space",
)
_INTERMEDIARY_SERVICES = (
    "workplace IT",
    "payroll",
    "recruitment",
    "procurement",
    "analytics",
    "customer support",
    "accounting",
)
_SERVICES = {VENDOR: _VENDOR_SERVICES, PLATFORM: _PLATFORM_SERVICES}
_KIND_NAMES = {
    VENDOR: ("Cloud", "Telecom", "Energy", "Facilities", "Security", "Logistics", "Software"),
    PLATFORM: ("Platform Services", "Shared Services", "Infrastructure", "Hosting"),
    INTERMEDIARY: ("IT", "Finance", "HR Services", "Procurement", "Digital", "Analytics"),
    CONSUMER: ("Retail", "Clinic", "School", "Bank", "Agency", "Council", "Hotel", "Studio"),
}
_NAME_A = ("North", "South", "East", "West", "Blue", "Green", "Silver", "Bright", "Stone", "Oak")
_NAME_B = ("field", "water", "wood", "gate", "bridge", "haven", "ford", "point", "view", "light")
_KINDS = ("srkb:Responsible", "srkb:Accountable", "srkb:Consulted", "srkb:Informed")

Triple = tuple[str, str, str]
"""Subject, predicate, object: CURIEs (``syn:org-1``) or literals in N-Triples syntax."""


@dataclass(frozen=True)
class GenerationStats:
    """What a run wrote: triples, organisations per tier, and how many gaps of each kind."""

    orgs: int
    seed: int
    fmt: str
    triples: int
    tiers: dict[str, int] = field(default_factory=dict)
    gaps: dict[str, int] = field(default_factory=dict)


def orgs_for_triples(triples: int) -> int:
    """How many organisations make about ``triples`` triples.

    >>> orgs_for_triples(1_000_000)
    7042
    """
    return max(1, round(triples / TRIPLES_PER_ORGANISATION))


def tier_of(index: int) -> str:
    """The tier of organisation ``index``: its position in its region decides.

    >>> [tier_of(i) for i in range(4)]
    ['vendor', 'platform', 'intermediary', 'consumer']
    """
    return REGION_PATTERN[index % REGION_SIZE]


def _lit(text: str, lang: str | None = "en") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


class _Plan:
    """The layout every organisation's generator can look up: tiers, services, who is where."""

    def __init__(self, orgs: int, seed: int) -> None:
        self.orgs = orgs
        self.seed = seed
        self.regions = (orgs + REGION_SIZE - 1) // REGION_SIZE
        self.global_vendors = [
            r * REGION_SIZE for r in range(min(self.regions, 3 + self.regions // 100))
        ]
        rng = random.Random(f"{seed}/plan")  # noqa: S311 - reproducible data, not secrets
        #: How many services each organisation provides: 2-4 (vendors, platforms), 1-3, or none.
        self.services: list[int] = []
        for i in range(orgs):
            draw = int(rng.random() * 3)
            tier = tier_of(i)
            self.services.append(
                2 + draw if tier in (VENDOR, PLATFORM) else 1 + draw if tier == INTERMEDIARY else 0
            )

    def members(self, region: int, tier: str, before: int | None = None) -> list[int]:
        """Organisations of ``tier`` in ``region`` (with an index below ``before``)."""
        start = region * REGION_SIZE
        limit = min(start + REGION_SIZE, self.orgs)
        if before is not None:
            limit = min(limit, before)
        return [i for i in range(start, limit) if REGION_PATTERN[i - start] == tier]


class _Org:
    """Generates the triples of one organisation and of what it consumes."""

    def __init__(self, plan: _Plan, index: int, gaps: dict[str, int]) -> None:
        self.plan = plan
        self.i = index
        self.tier = tier_of(index)
        self.region = index // REGION_SIZE
        self.rng = random.Random(f"{plan.seed}/{index}")  # noqa: S311 - as above
        # Service levels draw from their own generator, so that adding them left every other
        # draw (and so every other gap of a given seed) as it was.
        self.levels = random.Random(f"{plan.seed}/{index}/levels")  # noqa: S311 - as above
        # So do the model-integrity gaps (a type clash, a role typed by hand), added after them.
        self.integrity = random.Random(f"{plan.seed}/{index}/integrity")  # noqa: S311 - as above
        self.gaps = gaps
        self.out: list[Triple] = []
        self.components: list[str] = []
        self.registers = True  # False: a consumer that registers no component at all

    # -- randomness ------------------------------------------------------------------------
    def below(self, n: int) -> int:
        return int(self.rng.random() * n)

    def pick(self, items: Sequence[int] | Sequence[str]) -> int | str:
        return items[self.below(len(items))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def gap(self, kind: str, rng: random.Random | None = None) -> bool:
        if (rng or self.rng).random() < GAP_RATES[kind]:
            self.gaps[kind] = self.gaps.get(kind, 0) + 1
            return True
        return False

    def add(self, s: str, p: str, o: str) -> None:
        self.out.append((s, p, o))

    # -- names -----------------------------------------------------------------------------
    def name(self, index: int) -> str:
        tier = tier_of(index)
        kinds = _KIND_NAMES[tier]
        a = _NAME_A[index % len(_NAME_A)]
        b = _NAME_B[(index // len(_NAME_A)) % len(_NAME_B)]
        return f"{a}{b} {kinds[(index // 7) % len(kinds)]} {index}"

    @staticmethod
    def service_name(provider: int, tier: str, k: int) -> str:
        names = _SERVICES.get(tier, _INTERMEDIARY_SERVICES)
        return names[(provider + k) % len(names)]

    # -- the organisation ------------------------------------------------------------------
    def generate(self) -> list[Triple]:
        me = f"syn:org-{self.i}"
        self.add(me, "rdf:type", "org:Organization")
        self.add(me, "rdfs:label", _lit(self.name(self.i)))
        if self.gap("organisation-typed-as-service", self.integrity):
            self.add(me, "rdf:type", "srkb:Service")  # disjoint with org:Organization
        if self.tier == CONSUMER and self.gap("role-typed-by-hand", self.integrity):
            self.add(me, "rdf:type", "srkb:ServiceProvider")  # consumers provide nothing
        persons = self.people(me)
        consumed = self.consumption() if self.tier != VENDOR else []
        if (
            self.tier == CONSUMER
            and consumed
            and self.gap("consumer-without-components", self.levels)
        ):
            self.registers = False
        for m, (provider, service) in enumerate(consumed):
            self.relationship(me, m, provider, service, persons)
        if self.plan.services[self.i]:
            self.provision(me)
        if self.tier != VENDOR:
            self.practice(me, persons)
        if self.tier == INTERMEDIARY and consumed:
            self.serve_back(me, consumed)
        return self.out

    def people(self, me: str) -> list[str]:
        count = 1 if self.tier == VENDOR else 2
        persons = [f"syn:person-{self.i}-{k}" for k in range(count)]
        for k, person in enumerate(persons):
            self.add(person, "rdf:type", "foaf:Person")
            self.add(person, "rdfs:label", _lit(f"person {k} of organisation {self.i}"))
            self.add(person, "org:memberOf", me)
        if self.tier != VENDOR:
            unit = f"syn:unit-{self.i}"
            self.add(unit, "rdf:type", "org:OrganizationalUnit")
            self.add(unit, "rdfs:label", _lit(f"service desk of organisation {self.i}"))
            self.add(unit, "org:unitOf", me)
            persons.append(unit)
        return persons

    def consumption(self) -> list[tuple[int, int]]:
        """(provider, service number) pairs this organisation consumes, layered by tier."""
        plan, region = self.plan, self.region
        vendors = plan.members(region, VENDOR)
        platforms = plan.members(region, PLATFORM)
        wanted: list[tuple[list[int], int]] = []
        if self.tier == PLATFORM:
            wanted = [(plan.global_vendors, 1 + self.below(2)), (vendors, self.below(2))]
        elif self.tier == INTERMEDIARY:
            earlier = plan.members(region, INTERMEDIARY, before=self.i)
            wanted = [(platforms, 1 + self.below(2)), (vendors, self.below(2))]
            wanted.append((earlier, self.below(3)))
        elif self.tier == CONSUMER:
            intermediaries = plan.members(region, INTERMEDIARY)
            wanted = [(intermediaries, 1 + self.below(3)), (platforms, 1 + self.below(2))]
            wanted.append((vendors, self.below(2)))
            if region + 1 < plan.regions and self.chance(NEIGHBOUR_RATE):
                wanted.append((plan.members(region + 1, PLATFORM), 1))
        chosen: list[tuple[int, int]] = []
        for candidates, count in wanted:
            providers = [c for c in candidates if c != self.i and plan.services[c]]
            for _ in range(count if providers else 0):
                provider = int(self.pick(providers))
                pair = (provider, self.below(plan.services[provider]))
                if pair not in chosen:
                    chosen.append(pair)
        return chosen

    def relationship(
        self, me: str, m: int, provider: int, service: int, persons: list[str]
    ) -> None:
        rel = f"syn:rel-{self.i}-{m}"
        svc = f"syn:svc-{provider}-{service}"
        agreement = f"syn:agreement-{self.i}-{m}"
        self.add(rel, "rdf:type", "srkb:ServiceRelationship")
        self.add(rel, "rdfs:label", _lit(f"organisation {provider} serves organisation {self.i}"))
        if self.gap("provider-is-consumer"):
            self.add(rel, "srkb:hasProvider", me)
        elif not self.gap("relationship-without-provider"):
            self.add(rel, "srkb:hasProvider", f"syn:org-{provider}")
        self.add(rel, "srkb:hasConsumer", me)
        if self.gap("relationship-with-two-consumers"):
            others = [c for c in self.plan.members(self.region, CONSUMER) if c != self.i]
            self.add(rel, "srkb:hasConsumer", f"syn:org-{others[0] if others else provider}")
        if not self.gap("relationship-without-service"):
            self.add(rel, "srkb:concernsService", svc)
        if self.chance(0.5):
            self.add(rel, "srkb:isBasedOnOffering", f"syn:offering-{provider}-{service}")
        if self.chance(0.6):
            self.add(rel, "srkb:isGovernedByAgreement", agreement)
        if self.chance(0.4):
            self.add(rel, "srkb:hasCustomer", persons[0])
            self.add(rel, "srkb:hasUser", persons[-1])
        if self.chance(0.2):
            self.add(rel, "srkb:hasSponsor", persons[1 % len(persons)])
        if self.chance(0.05):
            for prop, cls, what in (
                ("srkb:deliversOutput", "srkb:Output", "output"),
                ("srkb:facilitatesOutcome", "srkb:Outcome", "outcome"),
                ("srkb:removesCost", "srkb:Cost", "cost"),
                ("srkb:imposesRisk", "srkb:Risk", "risk"),
            ):
                node = f"syn:{what}-{self.i}-{m}"
                self.add(rel, prop, node)
                self.add(node, "rdf:type", cls)
                self.add(node, "rdfs:label", _lit(f"{what} of relationship {self.i}-{m}"))
        self.component(me, f"{self.i}-{m}", provider, svc, agreement)

    def component(self, registrant: str, key: str, vendor: int, svc: str, agreement: str) -> None:
        if registrant == f"syn:org-{self.i}" and not self.registers:
            return
        if self.gap("unregistered-consumed-service"):
            return
        comp = f"syn:comp-{key}"
        if registrant == f"syn:org-{self.i}":
            self.components.append(comp)
        self.add(registrant, "srkb:registersComponent", comp)
        self.add(comp, "rdf:type", "srkb:ServiceComponent")
        self.add(comp, "rdfs:label", _lit(f"component {key}"))
        if self.gap("component-with-two-services"):
            self.add(comp, "srkb:refersToService", svc)
            self.add(comp, "srkb:refersToService", f"syn:svc-{vendor}-{key}-extra")
        elif not self.gap("component-without-service"):
            self.add(comp, "srkb:refersToService", svc)
        if self.gap("component-with-wrong-vendor"):
            others = [v for v in self.plan.members(self.region, PLATFORM) if v != vendor]
            wrong = others[0] if others else (vendor + 1) % self.plan.orgs
            self.add(comp, "srkb:hasVendor", f"syn:org-{wrong}")
        elif not self.gap("component-without-vendor"):
            self.add(comp, "srkb:hasVendor", f"syn:org-{vendor}")
        if not self.gap("component-without-contact"):
            self.add(comp, "srkb:hasVendorContact", f"syn:contact-{vendor}")
        if not self.gap("component-without-agreement"):
            self.add(comp, "srkb:isGovernedByAgreement", agreement)
            self.add(agreement, "rdf:type", "srkb:Agreement")
            self.add(agreement, "rdfs:label", _lit(f"agreement {key}"))
            if not self.gap("agreement-without-reference"):
                self.add(agreement, "srkb:agreementReference", _lit(f"C-{key}", None))
            if not self.gap("agreement-without-target", self.levels):
                self.target(agreement, key)

    def target(self, agreement: str, key: str) -> None:
        """One service level target of an agreement, measured now and then."""
        metric, value, unit, direction, aspect = _TARGETS[int(self.levels.random() * len(_TARGETS))]
        target = f"syn:target-{key}"
        self.add(agreement, "srkb:hasServiceLevelTarget", target)
        self.add(target, "rdf:type", "srkb:ServiceLevelTarget")
        self.add(target, "srkb:hasMetric", _lit(metric))
        self.add(target, "srkb:hasTargetValue", f'"{value}"{_DECIMAL}')
        if not self.gap("incomplete-target", self.levels):
            self.add(target, "srkb:hasUnit", unit)
        self.add(target, "srkb:hasReportingPeriod", "srkb:Monthly")
        self.add(target, "srkb:hasDirection", direction)
        self.add(target, "srkb:assuresWarranty", aspect)
        if self.levels.random() >= MEASURED_RATE:
            return
        measurement = f"syn:measurement-{key}"
        self.add(measurement, "rdf:type", "srkb:ServiceLevelMeasurement")
        self.add(measurement, "srkb:measuresTarget", target)
        if not self.gap("incomplete-measurement", self.levels):
            self.add(measurement, "srkb:coversPeriod", _lit("2026-10", None))
        missed = self.levels.random() < BREACH_RATE
        if direction == "srkb:HigherIsBetter":
            achieved = float(value) * (0.9 if missed else 1.0)
        else:
            achieved = float(value) * (1.1 if missed else 0.9)
        if value == "99.5":
            achieved = 98.7 if missed else 99.8
        self.add(measurement, "srkb:hasAchievedValue", f'"{achieved:.1f}"{_DECIMAL}')

    def provision(self, me: str) -> None:
        """Services, their offerings and contact point, and the catalogue that lists them."""
        contact = f"syn:contact-{self.i}"
        self.add(contact, "rdf:type", "srkb:ContactPoint")
        self.add(contact, "rdfs:label", _lit(f"account desk of organisation {self.i}"))
        self.add(contact, "srkb:contactEmail", _lit(f"desk@org-{self.i}.example.org", None))
        self.add(contact, "srkb:contactTelephone", _lit(f"+44 20 7946 {self.i % 10000:04d}", None))
        group = f"syn:group-{self.i}"
        self.add(group, "rdf:type", "srkb:ConsumerGroup")
        self.add(group, "rdfs:label", _lit(f"customers of organisation {self.i}"))
        services = [f"syn:svc-{self.i}-{k}" for k in range(self.plan.services[self.i])]
        for k, svc in enumerate(services):
            self.add(svc, "rdf:type", "srkb:Service")
            self.add(svc, "rdfs:label", _lit(self.service_name(self.i, self.tier, k)))
            if self.components and not self.gap("service-not-created-from-component"):
                picks = [str(self.pick(self.components)) for _ in range(1 + self.below(2))]
                for component in dict.fromkeys(picks):
                    self.add(svc, "srkb:isCreatedFrom", component)
            if self.tier == VENDOR and self.chance(0.3):
                product = f"syn:product-{self.i}-{k}"
                self.add(svc, "srkb:isBasedOnProduct", product)
                self.add(product, "rdf:type", "srkb:Product")
                self.add(product, "rdfs:label", _lit(f"product behind service {self.i}-{k}"))
                resource = f"syn:resource-{self.i}-{k}"
                self.add(product, "srkb:consistsOfResource", resource)
                self.add(resource, "rdf:type", "srkb:Resource")
                self.add(resource, "rdfs:label", _lit(f"resource of service {self.i}-{k}"))
                self.add(me, "srkb:ownsResource", resource)
            self.offering(me, k, svc, group)
        if self.tier == VENDOR or self.gap("provider-without-catalogue"):
            return
        catalogue = f"syn:catalogue-{self.i}"
        self.add(me, "srkb:hasCatalogue", catalogue)
        self.add(catalogue, "rdf:type", "srkb:ServiceCatalogue")
        self.add(catalogue, "rdfs:label", _lit(f"service catalogue of organisation {self.i}"))
        for svc in services:
            if not self.gap("service-not-listed"):
                self.add(catalogue, "srkb:listsService", svc)

    def offering(self, me: str, k: int, svc: str, group: str) -> None:
        offering = f"syn:offering-{self.i}-{k}"
        self.add(offering, "rdf:type", "srkb:ServiceOffering")
        self.add(offering, "rdfs:label", _lit(f"offering {k} of organisation {self.i}"))
        self.add(offering, "srkb:isOfferedBy", me)
        self.add(offering, "srkb:describesService", svc)
        self.add(offering, "srkb:targetsConsumerGroup", group)
        for suffix, cls in (
            ("g", "srkb:Goods"),
            ("a", "srkb:ResourceAccess"),
            ("s", "srkb:ServiceAction"),
        ):
            if suffix != "s" and self.chance(0.5):
                continue
            element = f"syn:element-{self.i}-{k}-{suffix}"
            self.add(offering, "srkb:includesElement", element)
            self.add(element, "rdf:type", cls)

    def practice(self, me: str, persons: list[str]) -> None:
        """A service relationship practice: roles, RACI responsibilities, activities, tools."""
        if self.gap("consumer-without-practice"):
            return
        p = f"syn:practice-{self.i}"
        self.add(me, "srkb:hasPractice", p)
        self.add(p, "rdf:type", "srkb:ServiceRelationshipPractice")
        self.add(p, "rdfs:label", _lit(f"service relationship practice of organisation {self.i}"))
        roles = [f"syn:role-{self.i}-{k}" for k in range(2)]
        activities = [f"syn:activity-{self.i}-{k}" for k in range(2)]
        tool = f"syn:tool-{self.i}"
        with_roles = not self.gap("practice-without-roles")
        with_activities = not self.gap("practice-without-activities")
        with_tools = not self.gap("practice-without-tools")
        for k, role in enumerate(roles):
            if with_roles:
                self.add(p, "srkb:definesRole", role)
            self.add(role, "rdf:type", "srkb:PracticeRole")
            self.add(role, "rdfs:label", _lit(("relationship manager", "supplier manager")[k]))
            if not self.gap("role-not-held"):
                self.add(role, "srkb:isHeldBy", persons[k])
        for k, activity in enumerate(activities):
            if with_activities:
                self.add(p, "srkb:definesActivity", activity)
            self.add(activity, "rdf:type", "srkb:PracticeActivity")
            self.add(activity, "rdfs:label", _lit(("onboard a vendor", "review relationships")[k]))
            task = f"syn:task-{self.i}-{k}"
            self.add(activity, "srkb:hasTask", task)
            self.add(task, "rdf:type", "srkb:Task")
            self.add(activity, "srkb:isSupportedByTool", tool)
        if with_tools:
            self.add(p, "srkb:usesTool", tool)
        self.add(tool, "rdf:type", "srkb:Tool")
        self.add(tool, "rdfs:label", _lit(f"supplier register of organisation {self.i}"))
        if self.gap("practice-without-responsibilities"):
            return
        # (role, activity, kind): accountable + responsible for onboarding, accountable for reviews
        assignments = [(0, 0, 1), (1, 0, 0), (0, 1, 1)]
        unaccountable = {k for k in range(2) if self.gap("activity-without-accountable-role")}
        for k, (role_index, activity_index, kind) in enumerate(assignments):
            if kind == 1 and activity_index in unaccountable:
                kind = 2  # consulted instead of accountable
            resp = f"syn:responsibility-{self.i}-{k}"
            self.add(p, "srkb:definesResponsibility", resp)
            self.add(resp, "rdf:type", "srkb:Responsibility")
            missing = self.below(3) if self.gap("incomplete-responsibility") else None
            if missing != 0:
                self.add(resp, "srkb:assignsRole", roles[role_index])
            if missing != 1:
                self.add(resp, "srkb:concernsActivity", activities[activity_index])
            if missing != 2:
                self.add(resp, "srkb:hasResponsibilityKind", _KINDS[kind])

    def serve_back(self, me: str, consumed: list[tuple[int, int]]) -> None:
        """Serve one of its providers back (a mutual pair) or a platform of the region (a cycle)."""
        if not self.plan.services[self.i]:
            return
        targets: list[int] = []
        if self.chance(MUTUAL_PAIR_RATE):
            partners = [p for p, _ in consumed if tier_of(p) != VENDOR]
            if partners:
                targets.append(int(self.pick(partners)))
        if self.chance(BACK_EDGE_RATE):
            platforms = self.plan.members(self.region, PLATFORM)
            if platforms:
                targets.append(int(self.pick(platforms)))
        for n, consumer in enumerate(dict.fromkeys(targets)):
            service = self.below(self.plan.services[self.i])
            rel = f"syn:rel-{self.i}-back-{n}"
            svc = f"syn:svc-{self.i}-{service}"
            self.add(rel, "rdf:type", "srkb:ServiceRelationship")
            self.add(
                rel, "rdfs:label", _lit(f"organisation {self.i} serves organisation {consumer}")
            )
            self.add(rel, "srkb:hasProvider", me)
            self.add(rel, "srkb:hasConsumer", f"syn:org-{consumer}")
            self.add(rel, "srkb:concernsService", svc)
            key = f"{consumer}-from-{self.i}-{n}"
            self.component(
                f"syn:org-{consumer}",
                key,
                self.i,
                svc,
                f"syn:agreement-{consumer}-from-{self.i}-{n}",
            )


def _turtle_header() -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n"


class _NTriples:
    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.cache: dict[str, str] = {}

    def expand(self, term: str) -> str:
        if term.startswith('"'):
            return term
        prefix, _, local = term.partition(":")
        if prefix == "syn":
            return f"<{NAMESPACE}{local}>"
        known = self.cache.get(term)
        if known is None:
            known = self.cache[term] = f"<{PREFIXES[prefix]}{local}>"
        return known

    def write(self, triples: Iterable[Triple]) -> None:
        x = self.expand
        self.stream.write(
            "".join(f"{x(s)} {x(p)} {x(o)} .\n" for s, p, o in triples).encode("utf-8")
        )

    def close(self) -> None:
        return None


class _Turtle:
    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.subject: str | None = None
        stream.write(_turtle_header().encode("utf-8"))

    def write(self, triples: Iterable[Triple]) -> None:
        parts: list[str] = []
        subject = self.subject
        for s, p, o in triples:
            verb = "a" if p == "rdf:type" else p
            if s == subject:
                parts.append(f" ;\n    {verb} {o}")
            else:
                if subject is not None:
                    parts.append(" .\n")
                parts.append(f"{s} {verb} {o}")
                subject = s
        self.subject = subject
        self.stream.write("".join(parts).encode("utf-8"))

    def close(self) -> None:
        if self.subject is not None:
            self.stream.write(b" .\n")


def generate(
    orgs: int,
    seed: int,
    out: IO[bytes],
    *,
    fmt: str = "nt",
    progress: Callable[[int], None] | None = None,
) -> GenerationStats:
    """Write an ecosystem of ``orgs`` organisations to a binary stream; return what was written.

    Streams organisation by organisation (memory does not grow with the output); the same
    arguments always give the same bytes. ``progress(done)`` is called every 1,000 organisations.
    """
    if orgs < 1:
        raise InputError(
            "an ecosystem needs at least one organisation", hint="use --orgs 1 or more"
        )
    if fmt not in FORMATS:
        raise InputError(f"cannot generate {fmt!r}", hint="use one of " + ", ".join(FORMATS))
    plan = _Plan(orgs, seed)
    writer: _NTriples | _Turtle = _NTriples(out) if fmt == "nt" else _Turtle(out)
    gaps: dict[str, int] = {}
    tiers: dict[str, int] = dict.fromkeys(TIERS, 0)
    triples = 0
    for i in range(orgs):
        block = _Org(plan, i, gaps).generate()
        tiers[tier_of(i)] += 1
        triples += len(block)
        writer.write(block)
        if progress is not None and (i + 1) % 1000 == 0:
            progress(i + 1)
    writer.close()
    return GenerationStats(
        orgs=orgs,
        seed=seed,
        fmt=fmt,
        triples=triples,
        tiers=tiers,
        gaps=dict(sorted(gaps.items())),
    )


def format_for_path(path: Path | None, fmt: str | None) -> str:
    """The format to write: given, or from the file suffix (``.nt`` / ``.ttl``), else N-Triples."""
    if fmt is not None:
        return fmt
    if path is not None and path.suffix.lower() in (".ttl", ".turtle"):
        return "ttl"
    return "nt"


def generate_file(
    orgs: int,
    seed: int,
    path: Path | None,
    *,
    fmt: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerationStats:
    """Write to ``path`` (or standard output when ``None``) through a large buffer."""
    chosen = format_for_path(path, fmt)
    if path is None:
        stats = generate(orgs, seed, sys.stdout.buffer, fmt=chosen, progress=progress)
        sys.stdout.buffer.flush()
        return stats
    try:
        with path.open("wb", buffering=1 << 20) as stream:
            return generate(orgs, seed, stream, fmt=chosen, progress=progress)
    except OSError as err:
        raise InputError(f"cannot write the file: {err.strerror}", source=path) from err
