"""Impact analysis: what is affected downstream if a provider or a service fails, and by what path.

The set of affected services is the same as the ``impact-of-provider-failure`` question's; this
module adds the *path* to each affected service and organisation — a breadth-first search over the
edges of the affected part only, so people can see why something is affected ("NetCo → network →
workplace IT → Finance").

The question walks the asserted supply links (``^srkb:refersToService/^srkb:isCreatedFrom``, two
lookups a step) from the services the provider provides; the edges here follow the one-step links
inference derives from the same facts: ``srkb:providesService``, ``srkb:feedsInto`` and
``srkb:consumesService``. At 1M triples that halves the query (a global vendor: 80-100 ms to
40-50 ms). Every command and the service infer before they answer (a stale inferred graph is
inferred again when the store is opened), so the two read the same links.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from kb.ecosystem.questions import select_text
from kb.errors import InputError
from kb.sparql.text import fill, iri
from kb.store import Store

#: ``$START`` is the failing provider or service, written into the text: Virtuoso evaluates
#: ``p*`` only from an end bound by equality (a VALUES-bound start gives no rows). The closure is a
#: sub-SELECT of its own because Virtuoso joins a closure with a UNION into no rows.
_EDGES = """
PREFIX srkb: <https://w3id.org/srkb#>
SELECT DISTINCT ?from ?to ?kind WHERE {
  { SELECT DISTINCT ?affected WHERE { $START srkb:providesService?/srkb:feedsInto* ?affected . } }
  {
    $START srkb:providesService ?affected .
    BIND($START AS ?from) BIND(?affected AS ?to) BIND("provides" AS ?kind)
  } UNION {
    ?affected srkb:feedsInto ?next .
    BIND(?affected AS ?from) BIND(?next AS ?to) BIND("feeds" AS ?kind)
  } UNION {
    ?consumer srkb:consumesService ?affected .
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
    # iri() refuses characters an IRI cannot hold. Read as text (SPARQL CSV): only the values
    # are needed, and making 9,000 rdflib terms for a global vendor's 3,000 edges at 1M took a
    # fifth of the call; SPARQL JSON took 3 ms of 43 to parse, CSV takes under 2.
    _, edges = select_text(store, fill(_EDGES, START=iri(start)))
    successors: dict[str, list[tuple[str, str]]] = {}
    for source, target, kind in edges:
        if source is not None and target is not None and kind is not None:
            successors.setdefault(source, []).append((target, kind))
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
