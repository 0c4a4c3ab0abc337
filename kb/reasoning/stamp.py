"""What the inferred graph was computed from, so that an unchanged store is not inferred again.

Full inference costs tens of seconds at a million triples, and a restart, or ``srkb infer`` on a
store nothing has written to, would only compute the same triples again. Each inference run
therefore leaves a *stamp*: statements about the inferred graph itself, in the inferred graph
(beside the stale mark of :mod:`kb.recovery`, and removed with it by the next run):

* ``<inferred> #model "digest"``: the rules and the ontology graph the run used (a new srkb
  version with other rules, or an ontology edited, gives another digest);
* ``<inferred> #data "digest"``: the knowledge graphs and their sizes, from full runs only;
* ``<inferred> #run "id"``: a new identifier for every run, full or incremental, so that a
  validation report can say which inferences it checked (:mod:`kb.validation`);
* ``<inferred> #triples n``: how many triples the run inferred, from full runs only, so that
  finding the graph current costs no count of it.

The inferred graph is **current** (:func:`current`) when it has a stamp, carries no stale mark,
its model digest is today's, and its data digest, if it has one, matches the store's. Every
write srkb makes marks the graph stale until inference has followed it, so writes through srkb
are always seen; the data digest is a safety net for writes made behind srkb's back (another
program on the same endpoint or directory). It compares sizes, not contents: a change outside
srkb that keeps every graph's size is not seen (``srkb infer --force`` recomputes anyway), and an
incremental run, which must stay cheap, writes no data digest (a start on such a store trusts the
stale mark alone, then records the digest).

Counting the knowledge graphs costs a pass over their quads inside the store (about 0.5 s at a
million triples); the model digest reads the ontology graph, a few thousand triples. An on-disk
store spares the count when it can vouch that no other program touched it: a process that
counted the graphs (a check that found them matching, or a full run counting again after its
stamp) and wrote nothing through the store since leaves a *seal* beside it when it closes it
(:mod:`kb.store.seal`), with the digest. The next process to open the store finds the note only
if nothing opened the store's files in between, and then takes it for the count; a process that
opens a sealed store and writes nothing leaves the seal as it found it. Any other opening, by
another program, an older srkb or a script writing through srkb's library (a write through
:class:`~kb.store.Store` voids the note), makes the next check count as before. So the promise
is unchanged: writes through srkb are seen by the stale mark; writes behind srkb's back by the
sizes, counted whenever another program may have opened the store since they were last counted.
Remote stores always count (another program may write an endpoint at any time).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import Literal, URIRef

from kb.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from kb.sparql.text import iri, term
from kb.store import Store

MODEL = URIRef(INFERRED_GRAPH + "#model")
DATA = URIRef(INFERRED_GRAPH + "#data")
RUN = URIRef(INFERRED_GRAPH + "#run")
TRIPLES = URIRef(INFERRED_GRAPH + "#triples")
#: The stale mark's predicate (:data:`kb.recovery.STALE_SINCE`; spelled here, as kb.recovery
#: imports inference, which imports this module).
STALE = URIRef(INFERRED_GRAPH + "#staleSince")
#: Statements about the inferred graph itself: bookkeeping, not inferences.
BOOKKEEPING = frozenset({MODEL, DATA, RUN, TRIPLES, STALE})

_BLANK_LABEL = re.compile(rb"_:[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Stamp:
    """The stamp of an inferred graph (see the module docstring)."""

    model: str
    data: str | None
    run: str
    stale: bool
    #: The inferred triples the run left (full runs only), so that a check need not count them.
    triples: int | None = None


def _digest(parts: Sequence[bytes]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.hexdigest()


def model_digest(store: Store, rule_texts: Sequence[str]) -> str:
    """Digest of the rules and of the ontology graph.

    Blank-node labels are left out (the ontology is installed again at every start, and its
    blank nodes get new labels each time), so two installs of the same files give one digest.
    """
    lines = sorted(_BLANK_LABEL.sub(b"_:", line) for line in _ontology_lines(store))
    return _digest([text.encode() for text in rule_texts] + [b"\n".join(lines)])


def _ontology_lines(store: Store) -> list[bytes]:
    if ONTOLOGY_GRAPH not in store.graphs():
        return []
    return [line for line in store.dump("nt", graph=ONTOLOGY_GRAPH).splitlines() if line.strip()]


#: Up to this many graphs are counted one query each (an index range each, with no term to
#: decode: about four times faster than grouping); more share one grouped count.
COUNT_ONE_BY_ONE = 200


def data_digest(store: Store, graphs: Sequence[str]) -> str:
    """Digest of the names and sizes of ``graphs`` (the knowledge graphs but the ontology)."""
    wanted = sorted(set(graphs) - {ONTOLOGY_GRAPH})
    if len(wanted) <= COUNT_ONE_BY_ONE:
        sizes = [(g, str(store.count(g))) for g in wanted]
    else:
        result = store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            union_default_graph=False,
        )
        counted = {str(g): str(n) for g, n in result.rows if g is not None}
        sizes = [(g, counted.get(g, "0")) for g in wanted]
    return _digest([f"{g} {n}".encode() for g, n in sizes])


def read(store: Store) -> Stamp | None:
    """The inferred graph's stamp, or ``None`` if it has none (never stamped, or cut short)."""
    graph = iri(INFERRED_GRAPH)
    result = store.query(
        f"SELECT ?p ?o WHERE {{ GRAPH {graph} {{ {graph} ?p ?o }} }}", union_default_graph=False
    )
    fields: dict[URIRef, str] = {}
    stale = False
    for predicate, value in result.rows:
        if predicate == STALE:
            stale = True
        elif isinstance(predicate, URIRef) and value is not None:
            fields[predicate] = str(value)
    if MODEL not in fields or RUN not in fields:
        return None
    triples = fields.get(TRIPLES)
    return Stamp(
        model=fields[MODEL],
        data=fields.get(DATA),
        run=fields[RUN],
        stale=stale,
        triples=int(triples) if triples is not None and triples.isdigit() else None,
    )


def current(
    store: Store,
    rule_texts: Sequence[str],
    graphs: Sequence[str],
    *,
    record: bool = False,
    vouched: str | None = None,
) -> Stamp | None:
    """The stamp if the inferred graph is current (see the module docstring), else ``None``.

    ``graphs`` are the knowledge graphs (:func:`kb.inference.knowledge_graphs`). With ``record``,
    a current stamp without a data digest gets one, so that the next check also sees writes made
    behind srkb's back: a start-up does this once. ``vouched`` is what :func:`vouched_digest` said
    before the caller's own writes to graphs that are not knowledge (installing the model),
    which void the store's seal; by default the seal is asked now.
    """
    stamp = read(store)
    if stamp is None or stamp.stale or stamp.model != model_digest(store, rule_texts):
        return None
    if stamp.data is not None:
        seal = vouched if vouched is not None else vouched_digest(store)
        if seal != stamp.data and stamp.data != data_digest(store, graphs):
            return None
        _vouch(store, stamp.data)
        return stamp
    if not record:
        return stamp
    data = data_digest(store, graphs)
    store.update(
        f"INSERT DATA {{ GRAPH {iri(INFERRED_GRAPH)} {{ "
        f"{term(URIRef(INFERRED_GRAPH))} {term(DATA)} {term(Literal(data))} }} }}"
    )
    _vouch(store, data)
    return Stamp(model=stamp.model, data=data, run=stamp.run, stale=False, triples=stamp.triples)


def confirm(store: Store, data: str, graphs: Sequence[str]) -> None:
    """After a full run has stamped ``data``: count again, and vouch for it if it still holds.

    The run took its digest before it started; counting again after it (a fraction of the
    run's time) makes sure no write landed in between before the store is sealed with it.
    """
    if store.capabilities.seal and data_digest(store, graphs) == data:
        _vouch(store, data)


def vouched_digest(store: Store) -> str | None:
    """The data digest the store's seal vouches for (:mod:`kb.store.seal`), if any."""
    if not store.capabilities.seal:
        return None
    note = store.sealed()
    return note.removeprefix(_SEAL_NOTE) if note and note.startswith(_SEAL_NOTE) else None


def _vouch(store: Store, data: str) -> None:
    """Seal the store with ``data``: counted just now, and no write of this process since."""
    if store.capabilities.seal:
        store.seal(_SEAL_NOTE + data)


#: What a seal's note says: the knowledge graphs' digest, counted by the srkb process that
#: closed the store after no write of its own since.
_SEAL_NOTE = "srkb stamp data "


def bookkeeping(store: Store) -> int:
    """How many statements of the inferred graph are bookkeeping (stamp, stale marks)."""
    graph = iri(INFERRED_GRAPH)
    result = store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ {graph} ?p ?o }} }}",
        union_default_graph=False,
    )
    value = result.rows[0][0] if result.rows else None
    return int(str(value)) if value is not None else 0


def inferred_count(store: Store) -> int:
    """Triples in the inferred graph, its bookkeeping left out."""
    return store.count(INFERRED_GRAPH) - bookkeeping(store)


def new_run() -> str:
    """A fresh run identifier."""
    return uuid.uuid4().hex


def triples(model: str, run: str, data: str | None = None, count: int | None = None) -> str:
    """The stamp as SPARQL triples, to go inside ``GRAPH <inferred> { ... }`` of a request.

    ``count`` is the number of inferred triples the run leaves (its bookkeeping left out).
    """
    subject = term(URIRef(INFERRED_GRAPH))
    lines = [
        f"{subject} {term(MODEL)} {term(Literal(model))} .",
        f"{subject} {term(RUN)} {term(Literal(run))} .",
    ]
    if data is not None:
        lines.append(f"{subject} {term(DATA)} {term(Literal(data))} .")
    if count is not None:
        lines.append(f"{subject} {term(TRIPLES)} {term(Literal(count))} .")
    return "\n".join(lines)


def _drops() -> str:
    graph = iri(INFERRED_GRAPH)
    subject = term(URIRef(INFERRED_GRAPH))
    return " ;\n".join(
        f"DELETE WHERE {{ GRAPH {graph} {{ {subject} {term(p)} ?o }} }}"
        for p in (MODEL, RUN, DATA, TRIPLES)
    )


def write(
    store: Store, model: str, run: str, data: str | None = None, count: int | None = None
) -> None:
    """Replace the stamp (one request); the stale mark is left to the run that removes it."""
    body = (
        f"INSERT DATA {{ GRAPH {iri(INFERRED_GRAPH)} {{\n{triples(model, run, data, count)}\n}} }}"
    )
    store.update(f"{_drops()} ;\n{body}")


def clear_stale(store: Store) -> None:
    """Take stale marks off (a write that changed nothing the rules read)."""
    graph = iri(INFERRED_GRAPH)
    store.update(f"DELETE WHERE {{ GRAPH {graph} {{ {graph} {term(STALE)} ?since }} }}")


def remove(store: Store) -> None:
    """Take the stamp off: the next check finds the inferred graph not current."""
    store.update(_drops())
