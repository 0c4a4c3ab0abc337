"""Exports of the knowledge base in every RDF format srkb knows."""

from __future__ import annotations

import io
from typing import IO

from kb.errors import NotFoundError
from kb.namespaces import INFERRED_GRAPH, knowledge_graphs
from kb.store import Store, format_for


def export(store: Store, fmt: str, *, graph: str | None = None, inferred: bool = True) -> bytes:
    """Serialise one named graph, or the knowledge (ontology + sources, plus inferences).

    Triple formats merge the graphs; TriG and N-Quads keep each graph's name, so an export in a
    quad format can be loaded back into another store with its provenance intact.
    """
    output = io.BytesIO()
    export_to(output, store, fmt, graph=graph, inferred=inferred)
    return output.getvalue()


def export_to(
    output: IO[bytes],
    store: Store,
    fmt: str,
    *,
    graph: str | None = None,
    inferred: bool = True,
) -> None:
    """:func:`export`, written into ``output`` as it is made (for streamed answers)."""
    fmt = format_for(f"export.{fmt}", fmt)
    if graph is not None:
        if graph not in store.graphs():
            raise NotFoundError(f"the store has no graph named {graph}")
        # dump_graphs keeps the graph's name in quad formats (TriG, N-Quads, JSON-LD).
        store.dump_graphs_to(output, fmt, [graph])
        return
    graphs = knowledge_graphs(store)
    if inferred and INFERRED_GRAPH in store.graphs():
        graphs.append(INFERRED_GRAPH)
    store.dump_graphs_to(output, fmt, graphs)
