"""Who a validation finding concerns: the organisation of each focus node, the most direct first.

A governance team reads findings by organisation, so each finding names one: the focus node
itself when it is an organisation, else the organisation that registers the component, runs the
practice, keeps the catalogue, runs the practice that defines the role, responsibility, activity
or tool, or consumes in the relationship. Every engine, store and report finds it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from rdflib import URIRef
from rdflib.term import Identifier

from kb.sparql.text import node_name, terms
from kb.store import Store
from kb.validation.threads import validation_threads

#: Who a finding concerns, most direct first: the focus node itself when it is an organisation;
#: else the organisation that registers the component, runs the practice, keeps the catalogue,
#: runs the practice that defines the role, responsibility, activity or tool, or consumes in the
#: relationship. ``FOCI`` stands for a VALUES block of the focus nodes, put first in the pattern
#: so that Oxigraph joins it with one triple pattern at a time (a VALUES block joined with the
#: union of all the ways took 660 s for 5,800 foci at a million triples); the type is matched with
#: a variable and a filter because ``?focus a org:Organization`` made Oxigraph scan every
#: organisation for each focus (40 times slower at a million triples). The filter compares the
#: IRI's text, not ``sameTerm``: Virtuoso 7.2 dropped a ``sameTerm`` filter in a UNION branch with
#: a VALUES block (every focus node became its own organisation), and gets this form right.
_ORGANISATION_LINKS = (
    """FOCI ?focus a ?type .
    FILTER (isIRI(?type) && STR(?type) = "http://www.w3.org/ns/org#Organization")
    BIND(?focus AS ?org)""",
    "FOCI ?org srkb:registersComponent ?focus .",
    "FOCI ?org srkb:hasPractice ?focus .",
    "FOCI ?org srkb:hasCatalogue ?focus .",
    """FOCI ?practice srkb:definesRole|srkb:definesResponsibility|srkb:definesActivity|srkb:usesTool
                    ?focus .
    ?org srkb:hasPractice ?practice .""",
    "FOCI ?focus srkb:hasConsumer ?org .",
)
_ORGANISATION_QUERY = """
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?focus ?org ?label WHERE {
  { LINKS }
  OPTIONAL { ?org rdfs:label ?label }
}
ORDER BY ?focus ORDER_RANK ?org ?label
"""


def _organisation_query(links: str, order_by_rank: bool = False) -> str:
    """The query of ``links`` (one way, or the union of all of them ranked)."""
    return _ORGANISATION_QUERY.replace("LINKS", links).replace(
        "ORDER_RANK", "?rank" if order_by_rank else ""
    )


#: Every way at once, each with its ``?rank``: for the blank nodes, which one query finds.
_ORGANISATION_OF = _organisation_query(
    " } UNION { ".join(
        f"{link} BIND({rank} AS ?rank)" for rank, link in enumerate(_ORGANISATION_LINKS, 1)
    ),
    order_by_rank=True,
)
#: Focus nodes per organisation query, to keep the query text a reasonable size.
_FOCI_PER_QUERY = 5000


def organisations_of(store: Store, foci: list[URIRef]) -> dict[str, tuple[str, str | None]]:
    """The organisation (and its label) each focus node concerns, the most direct one first.

    One query per way (:data:`_ORGANISATION_LINKS`), most direct first, each asking only for the
    focus nodes the ways before it did not answer: at a million triples 0.27 s for 5,800 foci,
    where one query of every way at once took 0.56 s (each copy of the VALUES block cost a
    dictionary lookup per IRI on the disk store, and every focus met every way). Each focus
    node's answer depends on it alone, so many of them are split into parts looked up side by
    side (:func:`~kb.validation.threads.validation_threads` at most): at 1M 0.375 -> 0.247 s
    in two threads, the last thing a full validation waits for after its shapes.
    """
    parts = min(validation_threads(), len(foci) // _FOCI_PER_PART)
    if parts <= 1:
        return _organisations_in_turn(store, foci)
    found: dict[str, tuple[str, str | None]] = {}
    with ThreadPoolExecutor(max_workers=parts, thread_name_prefix="srkb-organisations") as pool:
        for part in pool.map(
            lambda nodes: _organisations_in_turn(store, nodes),
            [foci[i::parts] for i in range(parts)],
        ):
            found.update(part)
    return found


#: Focus nodes a part holds at least: fewer are not worth a thread (a write's few foci).
_FOCI_PER_PART = 500


def _organisations_in_turn(store: Store, foci: list[URIRef]) -> dict[str, tuple[str, str | None]]:
    """:func:`organisations_of` in one thread: each way in turn, for the nodes still unanswered."""
    found: dict[str, tuple[str, str | None]] = {}
    left = foci
    for link in _ORGANISATION_LINKS:
        for start in range(0, len(left), _FOCI_PER_QUERY):
            block = f"VALUES ?focus {{ {terms(left[start : start + _FOCI_PER_QUERY])} }}"
            _collect(found, store.query(_organisation_query(link.replace("FOCI", block))).rows)
        left = [f for f in left if str(f) not in found]
    return found


def organisations_of_blank_nodes(store: Store) -> dict[str, tuple[str, str | None]]:
    """The same for every blank node: SPARQL cannot name a blank node in a VALUES block.

    Blank-node organisations and components are checked like IRIs, so their findings need an
    organisation too; one query finds it for all of them, keyed by ``_:label``.
    """
    found: dict[str, tuple[str, str | None]] = {}
    result = store.query(_ORGANISATION_OF.replace("FOCI", "FILTER (isBlank(?focus))"))
    _collect(found, result.rows)
    return found


def _collect(
    found: dict[str, tuple[str, str | None]], rows: Iterable[Sequence[Identifier | None]]
) -> None:
    """Keep the first (most direct) organisation of each focus, by printable name."""
    for focus, org, label in rows:
        if focus is not None and org is not None:
            found.setdefault(
                node_name(focus), (node_name(org), None if label is None else str(label))
            )
