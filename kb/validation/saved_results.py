"""What a saved validation report says, to replace only the results of a new one that changed.

A full validation mostly finds what the one before it found, and rewriting the whole validation
graph is the dearest part of a run on the embedded store (see
:func:`kb.validation.shacl.validate`). These read the saved results back and compare them with
the new ones focus node by focus node, as text.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import cast

from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier, Node

from kb.namespaces import SH, VALIDATION_GRAPH
from kb.store import Store

#: A statement: subject, predicate, object.
Triple = tuple[Node, Node, Node]

#: Every statement about every saved result (srkb's annotations included).
_SAVED_STATEMENTS = f"""
PREFIX sh: <{SH}>
SELECT ?result ?p ?o WHERE {{
  GRAPH <{VALIDATION_GRAPH}> {{ ?report sh:result ?result . ?result ?p ?o }}
}}
"""

#: A statement of a saved result as text: the predicate's IRI, and the value (see :func:`_said`).
_Statement = tuple[str, str | None]
#: A saved result as what it says: its statements, blank nodes all alike (see :func:`changed_foci`).
_Said = frozenset[_Statement]
_Grouped = dict[str | None, Counter[_Said]]
#: What each saved result says, by the result's node.
Saved = dict[str, set[_Statement]]
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_FOCUS_NODE = str(SH.focusNode)
#: A bucket's name: two hex digits, or "" (blank and literal focus nodes).
_BUCKET = re.compile(r"(?:[0-9a-f]{2})?")


#: The statements about the saved results whose focus nodes are in some buckets
#: (:func:`kb.validation.saved_digest.bucket`, the same computation).
_SAVED_STATEMENTS_IN = f"""
PREFIX sh: <{SH}>
SELECT ?result ?p ?o WHERE {{
  GRAPH <{VALIDATION_GRAPH}> {{
    ?report sh:result ?result . ?result sh:focusNode ?focus .
    FILTER(IF(isIRI(?focus), SUBSTR(MD5(STR(?focus)), 1, 2), "") IN (BUCKETS))
    ?result ?p ?o
  }}
}}
"""


def saved_results(store: Store, buckets: Collection[str] | None = None) -> Saved:
    """What each saved result says (see :func:`changed_foci`), by the result's node.

    At 1M triples 0.3-0.5 s for 65,000 statements: :func:`kb.validation.shacl.validate` reads
    them only when the saved results' digests say they differ from the new ones, and only those
    of the ``buckets`` whose digests differ, when it knows them (0.1 s for three buckets).
    """
    if buckets is None:
        query = _SAVED_STATEMENTS
    elif not buckets:
        return {}
    else:
        listed = ", ".join(f'"{where}"' for where in sorted(buckets) if _BUCKET.fullmatch(where))
        query = _SAVED_STATEMENTS_IN.replace("BUCKETS", listed)
    _, body = store.query_serialized(
        query, "application/sparql-results+json", union_default_graph=False
    )
    saved: Saved = {}
    for row in json.loads(body)["results"]["bindings"]:
        result, predicate, value = row.get("result"), row.get("p"), row.get("o")
        if result is not None and predicate is not None:
            saved.setdefault(result["value"], set()).add((predicate["value"], _json_said(value)))
    return saved


def _json_said(value: dict[str, str] | None) -> str | None:
    """A value of SPARQL JSON results as :func:`_said` writes it (None: a blank node)."""
    if value is None or value["type"] == "bnode":
        return None
    if value["type"] == "uri":
        return "<" + value["value"]
    language = value.get("xml:lang")
    if language:
        return f'"{value["value"]}@{language.lower()}'
    datatype = value.get("datatype", _XSD_STRING)
    return f'"{value["value"]}^^{datatype}'


def _said(node: Node) -> str | None:
    """A value as text, alike however it was read, blank nodes all alike (None).

    Compared as text, not as rdflib terms: at a million triples a comparison of the terms
    called rdflib's ``__eq__`` 400,000 times, a third of the comparison's time.
    """
    if isinstance(node, BNode):
        return None
    if isinstance(node, Literal):
        if node.language:
            return f'"{node}@{node.language.lower()}'
        return f'"{node}^^{node.datatype or _XSD_STRING}'
    return f"<{node}"


def changed_foci(
    saved: Saved,
    nodes: Sequence[Node],
    statements: Iterable[Triple],
    *,
    out_of: int | None = None,
) -> set[Identifier] | None:
    """The focus nodes whose saved results differ from the new ones.

    ``nodes`` are the new results' nodes, ``statements`` every statement a save writes about them
    (the raw report's and srkb's annotations).

    A result is compared by what it says, its blank nodes all alike: the saved ones are copies
    made when the report was written (a request that inserts data makes new blank nodes), one
    per node of the report, so that the results of one constraint share one copy. A result that
    is kept keeps its copies; a result that is written again would get copies of its own, and
    the graph would no longer be the one a whole save writes. So this answers None (save the
    whole report) when a changed result says anything with a blank node (srkb's own shapes
    name their SPARQL constraints, so only blank nodes in the data do that), as well as when
    more than half of the results changed (then one request rewriting the whole graph is as
    quick). ``saved`` is what :func:`saved_results` read; when it read some buckets only,
    ``nodes`` are the new results in those buckets, and ``out_of`` counts the saved and new
    results in all.
    """
    new: dict[Node, set[_Statement]] = {node: set() for node in nodes}
    texts: dict[int, str | None] = {}  # by id(): the same few terms recur on every result
    for s, p, o in statements:
        if s in new:
            text = texts.get(id(o), "") if not isinstance(o, BNode) else None
            if text == "":
                text = texts[id(o)] = _said(o)
            new[s].add((str(p), text))
    before, after = _by_focus(saved.values()), _by_focus(new.values())
    changed = {f for f in before.keys() | after.keys() if before.get(f) != after.get(f)}
    touched = [said for f in changed for side in (before, after) for said in side.get(f, ())]
    whole = len(saved) + len(new) if out_of is None else out_of
    if len(touched) > max(whole, 100) // 2 or any(
        value is None for said in touched for _, value in said
    ):
        return None
    if any(focus is None or not focus.startswith("<") for focus in changed):
        return None  # a literal focus node: not worth turning back into a term, save it whole
    return {URIRef(cast("str", focus)[1:]) for focus in changed}


def _by_focus(results: Iterable[set[_Statement]]) -> _Grouped:
    """How many results say each thing, for each focus node (None: a blank one)."""
    grouped: _Grouped = {}
    for said in results:
        focus = next((o for p, o in said if p == _FOCUS_NODE), None)
        grouped.setdefault(focus, Counter())[frozenset(said)] += 1
    return grouped
