"""Type clashes: the individuals and axioms that make the data inconsistent, found without HermiT.

HermiT answers "inconsistent" and nothing else. The usual cause in service ecosystems is a node used
as two kinds of thing that the ontology declares disjoint (``owl:AllDisjointClasses``): a service
named as a relationship's provider (the range of ``srkb:hasProvider`` makes it an organisation), an
organisation named as the service a relationship concerns, or one IRI typed both. The rules already
materialise every type the data entails (asserted, subclass, domain and range), so a clash is two
disjoint types on one node; this module finds them and says where each type comes from, so that
``srkb reason`` can name the individual, the axiom and the statement to correct.

The same clashes are precondition-0 findings (``shapes:SR-NoDisjointTypes``); this module adds the
provenance of each type, which a SHACL result cannot carry. Read-only; run after
:func:`kb.inference.infer`.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.namespaces import INFERRED_GRAPH
from kb.sparql.text import iri, node_name
from kb.store import Store

#: Every clash with each type's origin in the asserted data (never the inferred graph, so that the
#: statement to correct is one somebody wrote): an asserted type (``?via`` the asserted class), the
#: range of a property (``?via`` the property, ``?other`` the subject that names the node), or its
#: domain (``?via`` the property, ``?other`` the object). The disjointness axiom is either
#: ``owl:AllDisjointClasses`` or ``owl:disjointWith``.
_CLASHES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?node ?kind ?clash ?axiom ?how ?via ?other WHERE {
  ?node a ?kind , ?clash .
  FILTER (?kind != ?clash)
  {
    ?group a owl:AllDisjointClasses ; owl:members/rdf:rest*/rdf:first ?kind , ?clash .
    BIND ("owl:AllDisjointClasses" AS ?axiom)
  } UNION {
    { ?kind owl:disjointWith ?clash } UNION { ?clash owl:disjointWith ?kind }
    BIND ("owl:disjointWith" AS ?axiom)
  }
  {
    GRAPH ?g { ?node a ?via } FILTER (?g != INFERRED)
    ?via rdfs:subClassOf* ?kind .
    BIND ("asserted" AS ?how)
  } UNION {
    GRAPH ?g { ?other ?via ?node } FILTER (?g != INFERRED)
    ?via rdfs:range/rdfs:subClassOf* ?kind .
    BIND ("range" AS ?how)
  } UNION {
    GRAPH ?g { ?node ?via ?other } FILTER (?g != INFERRED)
    ?via rdfs:domain/rdfs:subClassOf* ?kind .
    BIND ("domain" AS ?how)
  }
}
"""


@dataclass(frozen=True)
class TypeOrigin:
    """Why a node has one of its clashing types."""

    how: str  # "asserted", "range" or "domain"
    via: str  # the asserted class, or the property whose range or domain gives the type
    other: str | None  # the node at the other end of that property

    @property
    def sentence(self) -> str:
        """The origin in words, with full IRIs (the CLI shortens them)."""
        if self.how == "asserted":
            return f"typed <{self.via}> in the data"
        if self.how == "range":
            return f"named by {_name(self.other)} <{self.via}> (its range)"
        return f"subject of <{self.via}> {_name(self.other)} (its domain)"


@dataclass(frozen=True)
class Clash:
    """One node of two disjoint kinds: the node, both classes, the axiom and each type's origin."""

    node: str
    kind: str
    clash: str
    axiom: str
    origins: tuple[TypeOrigin, ...]  # of ``kind``


def _name(node: str | None) -> str:
    if node is None:
        return "?"
    return node if node.startswith("_:") else f"<{node}>"


def clashes(store: Store) -> list[Clash]:
    """Every node typed with two disjoint classes, each pair once per direction, sorted."""
    result = store.query(_CLASHES.replace("INFERRED", iri(INFERRED_GRAPH)))
    grouped: dict[tuple[str, str, str, str], set[TypeOrigin]] = {}
    for node, kind, clash, axiom, how, via, other in result.rows:
        if node is None or kind is None or clash is None:
            continue
        key = (node_name(node), str(kind), str(clash), str(axiom))
        grouped.setdefault(key, set()).add(
            TypeOrigin(str(how), str(via), None if other is None else node_name(other))
        )
    return [
        Clash(node, kind, clash, axiom, tuple(sorted(origins, key=lambda o: (o.how, o.via))))
        for (node, kind, clash, axiom), origins in sorted(grouped.items())
    ]
