"""Crash recovery: a store left by a killed process answers as before the write or as after it.

Every write of data is one transaction (see :class:`~kb.store.Store`), but three things srkb does
span several, and a process killed between them would leave a store that is neither before nor
after. Each leaves a trace, and opening the store again repairs it:

1. **Inference after a write.** Data commits first; the inferred graph is recomputed after and
   swapped in by one more transaction (:func:`kb.reasoning.inference.infer`). A write therefore
   marks the inferred graph stale first (:func:`stale_until_inferred`), in the inferred graph
   itself, so that the swap that brings inferences up to date removes the mark in the same
   transaction.
   A mark left behind means "data changed after these inferences": :func:`recover` infers again.
2. **Updates of the default graph.** ``POST /update`` lends the ``?default`` source graph to the
   store's default graph for the update and moves it back after
   (:func:`kb.protocol.sparql_endpoint.run_update`);
   srkb otherwise keeps nothing there, so triples found there in an embedded store are put back
   (:func:`restore_default_graph`).
3. **Bulk loading** (:meth:`kb.store.oxigraph.OxigraphStore.bulk_load_files`) journals the graphs
   it creates; an embedded store that opens with a journal drops them (before the load).

Every ``srkb`` command that reads the knowledge base runs :func:`recover` when it opens the store,
and ``KnowledgeBase.open`` recomputes inferences unless their stamp shows them current (no stale
mark, same rules, ontology and graph sizes: :mod:`kb.reasoning.stamp`); so after a kill, the next
command answers as before or after. The validation graph is the report of the last validation
run; the service keeps it at start only if it checked the current inferences with the current
shapes, and validates again otherwise.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from rdflib import Literal, URIRef

from kb.namespaces import DEFAULT_UPDATE_GRAPH, INFERRED_GRAPH
from kb.reasoning.inference import infer
from kb.sparql.text import iri, term
from kb.store import Store

log = logging.getLogger(__name__)

#: ``<inferred graph> STALE_SINCE "time and id"``, in the inferred graph: a write is pending.
STALE_SINCE = URIRef(INFERRED_GRAPH + "#staleSince")

_MARK = f"{iri(INFERRED_GRAPH)} {term(STALE_SINCE)}"


_GIVE_BACK = f"ADD SILENT DEFAULT TO GRAPH <{DEFAULT_UPDATE_GRAPH}> ; CLEAR SILENT DEFAULT"


def give_back_default_graph() -> str:
    """The update that moves what an update wrote to the default graph back to its source graph."""
    return _GIVE_BACK


def restore_default_graph(store: Store) -> bool:
    """Give triples left in the store's own default graph back to :data:`DEFAULT_UPDATE_GRAPH`.

    srkb keeps nothing there except while :func:`kb.protocol.sparql_endpoint.run_update` runs, so
    triples found there when a store is opened were lent by an update whose process was killed:
    with them back, the store is as before that update (if it had not committed) or as after.
    True if there were any.

    Embedded stores only: a remote endpoint's default graph may be the union of its named graphs
    (Fuseki, Virtuoso), or hold other applications' data.
    """
    if store.capabilities.remote:
        return False
    if not store.query("ASK { ?s ?p ?o }", union_default_graph=False).boolean:
        return False
    store.update(_GIVE_BACK)
    return True


def is_stale(store: Store) -> bool:
    """Whether data was written after the inferred graph was computed."""
    ask = f"ASK {{ GRAPH {iri(INFERRED_GRAPH)} {{ {_MARK} ?since }} }}"
    return bool(store.query(ask, union_default_graph=False).boolean)


@contextmanager
def stale_until_inferred(store: Store) -> Iterator[None]:
    """Mark the inferred graph stale around a write; the next inference removes the mark.

    If the write raises, it changed nothing (every write is all-or-nothing), so the mark is taken
    off again and the store is exactly as before. If the process dies, the mark stays, and the
    next :func:`recover` infers again: at worst once too often, never too rarely.
    """
    since = Literal(f"{datetime.now(UTC).isoformat()} {uuid.uuid4().hex}")
    mark = f"GRAPH {iri(INFERRED_GRAPH)} {{ {_MARK} {term(since)} }}"
    store.update(f"INSERT DATA {{ {mark} }}")
    try:
        yield
    except BaseException:
        store.update(f"DELETE DATA {{ {mark} }}")
        raise


def recover(store: Store, *, reinfer: Callable[[Store], object] | None = infer) -> bool:
    """Repair what a killed write left (see the module docstring); True if there was anything.

    ``reinfer`` recomputes stale inferences (``None``: the caller infers next anyway). Cheap when
    there is nothing to do: two ``ASK`` queries.
    """
    restored = restore_default_graph(store)
    if restored:
        log.warning("moved triples an interrupted update left in the default graph back")
    stale = restored or is_stale(store)
    if stale and reinfer is not None:
        log.warning("data changed after the last inference (an interrupted write?): inferring")
        reinfer(store)
    return stale
