"""The requests of the HTTP load test: who is asked about, and which routes, by kind."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Literal

#: Synthetic IRIs (:mod:`kb.generate`); kept literal so that importing this module stays cheap.
NAMESPACE = "https://example.org/synthetic#"
REGION_SIZE = 20

Kind = Literal["one-organisation", "vendor impact", "sparql", "report"]
SPARQL_JSON = "application/sparql-results+json"


@dataclass(frozen=True)
class Subjects:
    """The organisations and services the requests are about (a region in the middle)."""

    organisation: str
    provider: str
    vendor: str | None = None
    global_vendor: str | None = None
    service: str | None = None

    @classmethod
    def of_synthetic(cls, orgs: int) -> Subjects:
        """Subjects in the middle region of a generated ecosystem of ``orgs`` organisations.

        Same choice as the pipeline benchmark (:func:`bench.steps.subjects`): an intermediary, a
        platform provider of its region, the region's first outside vendor, and a global vendor
        (organisation 0, which platforms of every region consume from: the widest impact).

        >>> Subjects.of_synthetic(847).vendor
        'https://example.org/synthetic#org-420'
        """
        base = ((orgs // REGION_SIZE) // 2) * REGION_SIZE
        intermediary = base + 2 if base + 2 < orgs else min(2, orgs - 1)
        platform_ = base + 1 if base + 1 < orgs else min(1, orgs - 1)
        vendor = base if base < orgs else 0
        return cls(
            organisation=f"{NAMESPACE}org-{intermediary}",
            provider=f"{NAMESPACE}org-{platform_}",
            vendor=f"{NAMESPACE}org-{vendor}",
            global_vendor=f"{NAMESPACE}org-0",
            service=f"{NAMESPACE}svc-{intermediary}-0",
        )

    def completed(self) -> Subjects:
        """Fill in what is missing when the organisation is a synthetic one (``...#org-N``).

        :mod:`bench.run` passes only the organisation and the provider.
        """
        found = re.fullmatch(re.escape(NAMESPACE) + r"org-(\d+)", self.organisation)
        if not found:
            return self
        n = int(found.group(1))
        return Subjects(
            organisation=self.organisation,
            provider=self.provider,
            vendor=self.vendor or f"{NAMESPACE}org-{n - n % REGION_SIZE}",
            global_vendor=self.global_vendor or f"{NAMESPACE}org-0",
            service=self.service or f"{NAMESPACE}svc-{n}-0",
        )


@dataclass(frozen=True)
class Call:
    """One request: a name for the tables, its kind, and what to send."""

    name: str
    kind: Kind
    method: str
    target: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


def get(name: str, kind: Kind, path: str, **params: str) -> Call:
    query = urllib.parse.urlencode(params)
    return Call(name, kind, "GET", f"{path}?{query}" if query else path)


PREFIXES = (
    "PREFIX srkb: <https://w3id.org/srkb#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)


def sparql_calls(who: Subjects) -> list[Call]:
    """A few SELECTs a client of the SPARQL endpoint would send, through every protocol form."""
    org = who.organisation
    providers = (
        PREFIXES + "SELECT ?provider ?label ?service WHERE {\n"
        f"  ?r srkb:hasConsumer <{org}> ; srkb:hasProvider ?provider ;\n"
        "     srkb:concernsService ?service .\n"
        "  OPTIONAL { ?provider rdfs:label ?label }\n}"
    )
    dependents = (
        PREFIXES + "SELECT DISTINCT ?organisation WHERE {\n"
        f"  ?organisation (^srkb:hasConsumer/srkb:hasProvider)+ <{who.provider}> .\n}}"
    )
    roles = (
        PREFIXES + "SELECT ?role WHERE {\n"
        f"  <{org}> a ?role . FILTER(STRSTARTS(STR(?role), STR(srkb:)))\n}}"
    )
    count = (
        PREFIXES + "SELECT (COUNT(?r) AS ?relationships) WHERE { ?r a srkb:ServiceRelationship }"
    )
    accept = (("Accept", SPARQL_JSON),)
    form = (*accept, ("Content-Type", "application/x-www-form-urlencoded"))
    direct = (*accept, ("Content-Type", "application/sparql-query"))
    calls = [
        Call(
            "sparql GET: providers with labels",
            "sparql",
            "GET",
            "/sparql?" + urllib.parse.urlencode({"query": providers}),
            headers=accept,
        ),
        Call(
            "sparql GET: dependents (property path +)",
            "sparql",
            "GET",
            "/sparql?" + urllib.parse.urlencode({"query": dependents}),
            headers=accept,
        ),
        Call(
            "sparql POST form: roles",
            "sparql",
            "POST",
            "/sparql",
            urllib.parse.urlencode({"query": roles}).encode(),
            form,
        ),
        Call(
            "sparql POST query: count relationships",
            "sparql",
            "POST",
            "/sparql",
            count.encode(),
            direct,
        ),
    ]
    if who.service:
        built_on = (
            PREFIXES + "SELECT DISTINCT ?dependency ?vendor WHERE {\n"
            f"  <{who.service}> (srkb:isCreatedFrom/srkb:refersToService)+ ?dependency .\n"
            "  OPTIONAL { ?c srkb:refersToService ?dependency ; srkb:hasVendor ?vendor }\n}"
        )
        calls.insert(
            2,
            Call(
                "sparql GET: built on (property path +)",
                "sparql",
                "GET",
                "/sparql?" + urllib.parse.urlencode({"query": built_on}),
                headers=accept,
            ),
        )
    return calls


def one_organisation_calls(who: Subjects) -> list[Call]:
    """Routes that answer about one organisation: issue 6's one-organisation questions."""
    org, provider = who.organisation, who.provider
    kind: Kind = "one-organisation"
    return [
        get("question providers-of", kind, "/questions/providers-of", organisation=org),
        get(
            "question dependents-of (a parameter)",
            kind,
            "/questions/dependents-of",
            provider=provider,
        ),
        get("organisation components", kind, "/organisations/components", iri=org),
        get("organisation consumers", kind, "/organisations/consumers", iri=org),
        get("organisation roles (with reasons)", kind, "/organisations/roles", iri=org),
        get("organisation practice", kind, "/organisations/practice", iri=org),
        get("impact of a provider", kind, "/impact", iri=provider),
    ]


def vendor_calls(who: Subjects) -> list[Call]:
    calls = []
    if who.vendor:
        calls.append(get("impact of a regional vendor", "vendor impact", "/impact", iri=who.vendor))
    if who.global_vendor:
        calls.append(
            get("impact of a global vendor", "vendor impact", "/impact", iri=who.global_vendor)
        )
    return calls


def report_calls() -> list[Call]:
    """Whole-ecosystem reports: not one-organisation work, so sequential latency only."""
    return [
        get("report: who provides what to whom", "report", "/relationships"),
        get("report: validation (JSON)", "report", "/validation", format="json"),
        get("report: provision cycles", "report", "/cycles"),
    ]


def mixed_calls(who: Subjects) -> list[Call]:
    """The concurrent mix: ecosystem questions interleaved with SPARQL protocol queries.

    The global vendor's impact and the reports are left out: they are whole-ecosystem work, and a
    few of them would decide the figure instead of the many small requests a service gets.
    """
    questions = [*one_organisation_calls(who), *vendor_calls(who)[:1]]
    sparql = sparql_calls(who)
    mixed: list[Call] = []
    for i in range(max(len(questions), len(sparql))):
        mixed += questions[i : i + 1] + sparql[i : i + 1]
    return mixed
