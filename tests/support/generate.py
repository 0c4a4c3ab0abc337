"""Random service ecosystems in srkb's vocabulary, as a hypothesis strategy.

An :class:`Ecosystem` is a small, plain description (integers and flags, so that hypothesis
shrinks it to something readable) that renders itself as Turtle or as an rdflib graph:

* 2..8 organisations, some of them organisational units of another (``org:unitOf``);
* service relationships between them — random, so provision cycles are common, plus on request a
  ring through several organisations and mirrored (self-dual) pairs where the consumer serves
  the provider back — never with the same organisation as provider and consumer;
* service components registered by consumers, referring to a service, with a vendor and
  sometimes a contact point and an agreement; services created from components;
* customers, users and sponsors of relationships; service relationship practices (roles,
  responsibilities, activities, tools, in any state of completeness); service catalogues.

Each statement is written either with the forward property (``srkb:hasProvider``) or with its
``owl:inverseOf`` partner (``srkb:isProviderIn``), and type triples that domains and ranges imply
are written or left out, so that inference has to find the same closure from different inputs.

Every ecosystem is consistent with the ontology (the disjoint classes stay apart and each
relationship has one provider, one consumer and one service), because the point is to compare
closures, not to find clashes. Ecosystems are kept small: owlrl, the oracle they are fed to, needs
about a second for the ontology alone.

``ecosystems(gaps=True)`` adds a few :class:`Gap` s on top, for the validation tests: the model
integrity breaks (a second provider, consumer or service, a relationship without a service, a
provider that is a literal, an organisation serving itself) and precondition gaps the random parts
rarely produce (an agreement without a reference, a component naming two services, a
responsibility with two RACI kinds or a kind outside RACI). Such ecosystems are not consistent with
the ontology's cardinalities, so the closure comparisons leave gaps off.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st
from rdflib import Graph

NAMESPACE = "https://example.org/generated#"

_PREFIXES = f"""\
@prefix ex:   <{NAMESPACE}> .
@prefix srkb: <https://w3id.org/srkb#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
"""

#: Forward property -> its owl:inverseOf partner in the srkb ontology (and ORG's unitOf/hasUnit).
INVERSES = {
    "srkb:hasProvider": "srkb:isProviderIn",
    "srkb:hasConsumer": "srkb:isConsumerIn",
    "srkb:concernsService": "srkb:isServiceOf",
    "srkb:registersComponent": "srkb:isRegisteredBy",
    "srkb:hasVendor": "srkb:isVendorOf",
    "srkb:isCreatedFrom": "srkb:isUsedToCreate",
    "srkb:hasCustomer": "srkb:isCustomerIn",
    "srkb:hasUser": "srkb:isUserIn",
    "srkb:hasSponsor": "srkb:isSponsorIn",
    "org:unitOf": "org:hasUnit",
}

AGENT_LINKS = ("srkb:hasCustomer", "srkb:hasUser", "srkb:hasSponsor")
GAP_KINDS = (
    "second-provider",
    "second-consumer",
    "second-service",
    "no-service",
    "literal-provider",
    "self-service",
    "agreement-without-reference",
    "component-two-services",
    "two-kinds",
    "kind-outside-raci",
)
KINDS = ("srkb:Responsible", "srkb:Accountable", "srkb:Consulted", "srkb:Informed")


@dataclass(frozen=True)
class Relationship:
    """Organisation ``provider`` provides service ``service`` to ``consumer``."""

    provider: int
    consumer: int
    service: int
    inverse: tuple[bool, bool, bool]  # write provider, consumer, service links inverted?


@dataclass(frozen=True)
class Component:
    """Organisation ``registrant`` registers a component referring to ``service``."""

    registrant: int
    service: int
    vendor: int | None
    contact: bool
    agreement: bool
    inverse: tuple[bool, bool]  # write registersComponent, hasVendor inverted?


@dataclass(frozen=True)
class AgentLink:
    """Person ``person`` is customer, user or sponsor (``link``) of a relationship."""

    relationship: int
    link: str
    person: int
    inverse: bool


@dataclass(frozen=True)
class Practice:
    """A service relationship practice of ``owner``; each part may be missing."""

    owner: int
    role: bool
    activity: bool
    tool: bool
    responsibility: bool
    kind: str
    holder: int | None


@dataclass(frozen=True)
class Gap:
    """One deliberate break (``kind``, one of :data:`GAP_KINDS`); ``a`` and ``b`` pick what it hits.

    ``a`` and ``b`` are taken modulo the number of relationships, organisations, services,
    components or practices they index, so any pair of integers makes a valid gap.
    """

    kind: str
    a: int
    b: int


@dataclass(frozen=True)
class Ecosystem:
    """A small random ecosystem; :meth:`turtle` renders it."""

    organisations: int
    units: tuple[tuple[int, int, bool], ...]  # (unit, parent, write hasUnit instead of unitOf)
    services: int
    persons: int
    relationships: tuple[Relationship, ...]
    components: tuple[Component, ...]
    created_from: tuple[tuple[int, int, bool], ...]  # (service, component index, inverted)
    agent_links: tuple[AgentLink, ...]
    practices: tuple[Practice, ...]
    catalogues: tuple[tuple[int, tuple[int, ...]], ...]  # (owner, listed services)
    explicit_types: bool
    gaps: tuple[Gap, ...] = ()

    def turtle(self) -> str:
        """The ecosystem as Turtle, prefixes included."""
        lines = [_PREFIXES]
        add = lines.append

        def link(subject: str, prop: str, obj: str, inverse: bool) -> None:
            if inverse:
                add(f"{obj} {INVERSES[prop]} {subject} .")
            else:
                add(f"{subject} {prop} {obj} .")

        units = {unit for unit, _, _ in self.units}
        for o in range(self.organisations):
            kind = "org:OrganizationalUnit" if o in units else "org:Organization"
            if self.explicit_types or o in units:
                add(f"ex:org{o} a {kind} .")
        for unit, parent, inverse in self.units:
            link(f"ex:org{unit}", "org:unitOf", f"ex:org{parent}", inverse)
        if self.explicit_types:
            for s in range(self.services):
                add(f"ex:service{s} a srkb:Service .")
        for p in range(self.persons):
            add(f"ex:person{p} a foaf:Person .")
        for i, r in enumerate(self.relationships):
            rel = f"ex:rel{i}"
            if self.explicit_types:
                add(f"{rel} a srkb:ServiceRelationship .")
            link(rel, "srkb:hasProvider", f"ex:org{r.provider}", r.inverse[0])
            link(rel, "srkb:hasConsumer", f"ex:org{r.consumer}", r.inverse[1])
            link(rel, "srkb:concernsService", f"ex:service{r.service}", r.inverse[2])
        for i, c in enumerate(self.components):
            comp = f"ex:component{i}"
            if self.explicit_types:
                add(f"{comp} a srkb:ServiceComponent .")
            link(f"ex:org{c.registrant}", "srkb:registersComponent", comp, c.inverse[0])
            add(f"{comp} srkb:refersToService ex:service{c.service} .")
            if c.vendor is not None:
                link(comp, "srkb:hasVendor", f"ex:org{c.vendor}", c.inverse[1])
            if c.contact:
                add(f"{comp} srkb:hasVendorContact ex:contact{i} .")
                add(f'ex:contact{i} srkb:contactEmail "desk{i}@example.org" .')
            if c.agreement:
                add(f"{comp} srkb:isGovernedByAgreement ex:agreement{i} .")
                # An agreement-without-reference gap on this component leaves all of its
                # agreements without a reference: one referenced agreement is enough to pass.
                if i not in self._unreferenced():
                    add(f'ex:agreement{i} srkb:agreementReference "A-{i}" .')
        for service, component, inverse in self.created_from:
            link(f"ex:service{service}", "srkb:isCreatedFrom", f"ex:component{component}", inverse)
        for a in self.agent_links:
            link(f"ex:rel{a.relationship}", a.link, f"ex:person{a.person}", a.inverse)
        for i, p in enumerate(self.practices):
            practice = f"ex:practice{i}"
            add(f"ex:org{p.owner} srkb:hasPractice {practice} .")
            if p.role:
                add(f"{practice} srkb:definesRole ex:role{i} .")
                if p.holder is not None:
                    add(f"ex:role{i} srkb:isHeldBy ex:person{p.holder} .")
            if p.activity:
                add(f"{practice} srkb:definesActivity ex:activity{i} .")
                add(f"ex:activity{i} srkb:hasTask ex:task{i} .")
            if p.tool:
                add(f"{practice} srkb:usesTool ex:tool{i} .")
                if p.activity:
                    add(f"ex:activity{i} srkb:isSupportedByTool ex:tool{i} .")
            if p.responsibility:
                add(f"{practice} srkb:definesResponsibility ex:responsibility{i} .")
                add(f"ex:responsibility{i} srkb:hasResponsibilityKind {p.kind} .")
                if p.role:
                    add(f"ex:responsibility{i} srkb:assignsRole ex:role{i} .")
                if p.activity:
                    add(f"ex:responsibility{i} srkb:concernsActivity ex:activity{i} .")
        for i, (owner, listed) in enumerate(self.catalogues):
            add(f"ex:org{owner} srkb:hasCatalogue ex:catalogue{i} .")
            for s in listed:
                add(f"ex:catalogue{i} srkb:listsService ex:service{s} .")
        for i, gap in enumerate(self.gaps):
            lines.extend(self._gap(i, gap))
        return "\n".join(lines) + "\n"

    def _unreferenced(self) -> set[int]:
        """Components hit by an agreement-without-reference gap."""
        if not self.components:
            return set()
        return {
            g.a % len(self.components) for g in self.gaps if g.kind == "agreement-without-reference"
        }

    def _gap(self, index: int, gap: Gap) -> list[str]:
        """The triples of one gap (none when there is nothing for it to hit)."""
        rel = self.relationships[gap.a % len(self.relationships)]
        relationship = f"ex:rel{gap.a % len(self.relationships)}"
        org = f"ex:org{gap.b % self.organisations}"
        service = f"ex:service{gap.b % self.services}"
        component = f"ex:component{gap.a % len(self.components)}" if self.components else None
        responsible = [i for i, p in enumerate(self.practices) if p.responsibility]
        responsibility = (
            f"ex:responsibility{responsible[gap.a % len(responsible)]}" if responsible else None
        )
        kind = gap.kind
        if kind == "second-provider" and gap.b % self.organisations != rel.provider:
            return [f"{relationship} srkb:hasProvider {org} ."]
        if kind == "second-consumer" and gap.b % self.organisations != rel.consumer:
            return [f"{relationship} srkb:hasConsumer {org} ."]
        if kind == "second-service" and gap.b % self.services != rel.service:
            return [f"{relationship} srkb:concernsService {service} ."]
        if kind == "no-service":
            return [
                f"ex:gap{index} a srkb:ServiceRelationship ;",
                f"    srkb:hasProvider ex:org{rel.provider} ;",
                f"    srkb:hasConsumer ex:org{rel.consumer} .",
            ]
        if kind == "literal-provider":
            return [
                f'ex:gap{index} srkb:hasProvider "the {gap.b} department" ;',
                f"    srkb:hasConsumer {org} ; srkb:concernsService {service} .",
            ]
        if kind == "self-service":
            return [
                f"ex:gap{index} srkb:hasProvider {org} ; srkb:hasConsumer {org} ;",
                f"    srkb:concernsService {service} .",
            ]
        if kind == "agreement-without-reference" and component:
            return [f"{component} srkb:isGovernedByAgreement ex:gap{index} ."]
        if kind == "component-two-services" and component:
            return [f"{component} srkb:refersToService {service} ."]
        if kind == "two-kinds" and responsibility:
            return [f"{responsibility} srkb:hasResponsibilityKind {KINDS[gap.b % len(KINDS)]} ."]
        if kind == "kind-outside-raci" and responsibility:
            return [f'{responsibility} srkb:hasResponsibilityKind "Accountable" .']
        return []

    def graph(self) -> Graph:
        """The ecosystem as an rdflib graph."""
        return Graph().parse(data=self.turtle(), format="turtle")


def _other(draw: st.DrawFn, n: int, than: int) -> int:
    """An index in ``range(n)`` different from ``than`` (``n`` is at least 2)."""
    pick = draw(st.integers(0, n - 2))
    return pick if pick < than else pick + 1


@st.composite
def ecosystems(draw: st.DrawFn, max_organisations: int = 8, gaps: bool = False) -> Ecosystem:
    """A hypothesis strategy of small random ecosystems (see the module docstring).

    With ``gaps`` up to four :class:`Gap` s are added.
    """
    n = draw(st.integers(2, max_organisations))
    services = draw(st.integers(1, 6))
    persons = draw(st.integers(0, 3))
    org = st.integers(0, n - 1)
    service = st.integers(0, services - 1)
    flags3 = st.tuples(st.booleans(), st.booleans(), st.booleans())

    relationships: list[Relationship] = []
    for _ in range(draw(st.integers(1, 8))):
        provider = draw(org)
        relationships.append(
            Relationship(provider, _other(draw, n, provider), draw(service), draw(flags3))
        )
    if draw(st.booleans()):  # a provision ring org0 -> org1 -> ... -> org0
        size = draw(st.integers(2, n))
        for o in range(size):
            relationships.append(Relationship(o, (o + 1) % size, draw(service), draw(flags3)))
    for index in draw(st.sets(st.integers(0, len(relationships) - 1), max_size=3)):
        forward = relationships[index]  # mirrored: the consumer serves the provider back
        relationships.append(
            Relationship(forward.consumer, forward.provider, draw(service), draw(flags3))
        )

    components: list[Component] = []
    for _ in range(draw(st.integers(0, 6))):
        if relationships and draw(st.booleans()):  # usually: register what one consumes
            consumed = draw(st.sampled_from(relationships))
            registrant, refers, vendor = consumed.consumer, consumed.service, consumed.provider
        else:
            registrant, refers, vendor = draw(org), draw(service), draw(org)
        components.append(
            Component(
                registrant,
                refers,
                draw(st.none() | st.just(vendor)),
                draw(st.booleans()),
                draw(st.booleans()),
                (draw(st.booleans()), draw(st.booleans())),
            )
        )
    created_from: tuple[tuple[int, int, bool], ...] = ()
    if components:
        created_from = tuple(
            draw(
                st.lists(
                    st.tuples(service, st.integers(0, len(components) - 1), st.booleans()),
                    max_size=6,
                    unique_by=lambda t: (t[0], t[1]),
                )
            )
        )

    agent_links: tuple[AgentLink, ...] = ()
    if persons:
        agent_links = tuple(
            draw(
                st.lists(
                    st.builds(
                        AgentLink,
                        st.integers(0, len(relationships) - 1),
                        st.sampled_from(AGENT_LINKS),
                        st.integers(0, persons - 1),
                        st.booleans(),
                    ),
                    max_size=4,
                )
            )
        )
    holder = st.none() | st.integers(0, persons - 1) if persons else st.none()
    practices = tuple(
        draw(
            st.lists(
                st.builds(
                    Practice,
                    org,
                    st.booleans(),
                    st.booleans(),
                    st.booleans(),
                    st.booleans(),
                    st.sampled_from(KINDS),
                    holder,
                ),
                max_size=3,
                unique_by=lambda p: p.owner,
            )
        )
    )
    catalogues = tuple(
        draw(
            st.lists(
                st.tuples(org, st.lists(service, max_size=3, unique=True).map(tuple)),
                max_size=3,
                unique_by=lambda c: c[0],
            )
        )
    )
    units: tuple[tuple[int, int, bool], ...] = ()
    if draw(st.booleans()):
        unit = draw(org)
        units = ((unit, _other(draw, n, unit), draw(st.booleans())),)
    return Ecosystem(
        organisations=n,
        units=units,
        services=services,
        persons=persons,
        relationships=tuple(relationships),
        components=tuple(components),
        created_from=created_from,
        agent_links=agent_links,
        practices=practices,
        catalogues=catalogues,
        explicit_types=draw(st.booleans()),
        gaps=tuple(
            draw(
                st.lists(
                    st.builds(
                        Gap, st.sampled_from(GAP_KINDS), st.integers(0, 20), st.integers(0, 20)
                    ),
                    max_size=4,
                )
            )
        )
        if gaps
        else (),
    )
