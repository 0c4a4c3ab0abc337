"""Impact analysis: what is affected downstream if a provider or a service fails, and by what path.

The set of affected services is the same as the ``impact-of-provider-failure`` question's (a query-
time property path, never a materialised closure); this module adds the *path* to each affected
service and organisation — a breadth-first search over the edges of the affected part only, so
people can see why something is affected ("NetCo → network → workplace IT → Finance").
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from rdflib import URIRef

from kb.errors import InputError
from kb.sparql.text import bind, iri
from kb.store import Store

_EDGES = """
PREFIX srkb: <https://w3id.org/srkb#>
SELECT DISTINCT ?from ?to ?kind WHERE {
  ?start (^srkb:hasProvider/srkb:concernsService)? ?first .
  ?first (^srkb:refersToService/^srkb:isCreatedFrom)* ?affected .
  {
    ?providing srkb:concernsService ?affected ; srkb:hasProvider ?start .
    BIND(?start AS ?from) BIND(?affected AS ?to) BIND("provides" AS ?kind)
  } UNION {
    ?component srkb:refersToService ?affected .
    ?next srkb:isCreatedFrom ?component .
    BIND(?affected AS ?from) BIND(?next AS ?to) BIND("feeds" AS ?kind)
  } UNION {
    ?consuming srkb:concernsService ?affected ; srkb:hasConsumer ?consumer .
    BIND(?affected AS ?from) BIND(?consumer AS ?to) BIND("consumed-by" AS ?kind)
  }
}
"""


@dataclass(frozen=True)
class Affected:
    """One affected service or organisation, with the shortest path from the failure to it."""

    kind: Literal["service", "organisation"]
    iri: str
    path: tuple[str, ...]


def impact(store: Store, start: str) -> list[Affected]:
    """Everything affected if ``start`` (a provider organisation or a service) fails."""
    if not start.startswith(("http://", "https://", "urn:")):
        raise InputError(f"{start!r} is not an IRI")
    iri(start)  # refuses characters an IRI cannot hold (rdflib would fail writing the query)
    result = store.query(bind(_EDGES, {"start": URIRef(start)}))
    successors: dict[str, list[tuple[str, str]]] = {}
    for edge_from, edge_to, edge_kind in result.rows:
        successors.setdefault(str(edge_from), []).append((str(edge_to), str(edge_kind)))
    paths: dict[str, tuple[str, ...]] = {start: (start,)}
    kinds: dict[str, str] = {}
    # On a provision cycle the failing organisation consumes something its own failure reaches:
    # it is affected too, as the impact-of-provider-failure question says (the path returns to it).
    back_to_start: tuple[str, ...] | None = None
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target, kind in sorted(successors.get(node, [])):
            if target == start and kind == "consumed-by" and back_to_start is None:
                back_to_start = (*paths[node], start)
            if target in paths:
                continue
            paths[target] = (*paths[node], target)
            kinds[target] = "organisation" if kind == "consumed-by" else "service"
            if kind != "consumed-by":
                queue.append(target)
    affected = [
        Affected(
            kind="organisation" if kinds[node] == "organisation" else "service", iri=node, path=path
        )
        for node, path in paths.items()
        if node != start
    ]
    if back_to_start is not None:
        affected.append(Affected(kind="organisation", iri=start, path=back_to_start))
    return sorted(affected, key=lambda a: (a.kind, len(a.path), a.iri))
