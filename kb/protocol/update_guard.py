"""What a user's SPARQL update may write: the user's graphs, never srkb's own.

srkb keeps its model and what it derives in graphs of its own under
``https://w3id.org/srkb/graph/`` (ontology, shapes, inferred, validation report, validation
history, provenance, and the bookkeeping graphs), and the user's data in any other graph (and in
``…/graph/source/…``, the graphs ``srkb load`` and the Graph Store's ``?default`` write). An update
sent through ``/update`` is checked here, before anything is written, against these rules:

* An operation that names one of srkb's graphs as its target (``DROP GRAPH``, ``CLEAR GRAPH``,
  ``CREATE``, ``LOAD … INTO``, the target of ``ADD``/``COPY``, either graph of ``MOVE``, a
  ``GRAPH <g>`` in ``INSERT DATA``/``DELETE DATA`` or in an ``INSERT``/``DELETE`` template, and
  ``WITH <g>`` when the template writes the default graph) is refused with
  :class:`~kb.errors.WriteRefusedError` (403) naming the graph; nothing of the request is applied.
  Reading srkb's graphs (``USING``, ``GRAPH`` in a ``WHERE``, the source of ``ADD``) is allowed.
* A template whose graph is a variable (``DELETE { GRAPH ?g { … } } WHERE { … }``) is refused
  too: which graphs it reaches is only known while it runs, and srkb cannot prove beforehand that
  they are the user's. Name the graph, or run one update per graph.
* ``DROP ALL``, ``CLEAR ALL``, ``DROP NAMED``, ``CLEAR NAMED`` (``SILENT`` or not) act on the
  user's graphs only: ``ALL`` is every user graph and the default graph, ``NAMED`` every user
  graph. They are rewritten into one ``DROP/CLEAR SILENT GRAPH`` per user graph (the graphs in
  the store, and those the request itself writes before), so the W3C suites' set-up
  ``DROP SILENT ALL`` empties the user's dataset while the model survives.
* ``using-graph-uri`` and ``using-named-graph-uri`` (SPARQL 1.1 Protocol, 2.2.3) become ``USING``
  and ``USING NAMED`` clauses of every ``INSERT``/``DELETE … WHERE`` operation; with an operation
  that has its own ``USING`` or ``WITH``, or a ``DELETE WHERE`` (which cannot take ``USING``), the
  request is refused (400), as the protocol requires.

Keywords are found in the text with comments, strings and IRIs blanked
(:func:`kb.sparql.rewrite.mask`), and every rewrite is checked against rdflib's parse of the same
request: if they disagree, the request is refused rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pyparsing import ParseException
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.term import URIRef, Variable

from kb.errors import InputError, QuerySyntaxError, WriteRefusedError
from kb.namespaces import GRAPH_BASE, SOURCE_GRAPH_PREFIX
from kb.sparql.rewrite import brace_depths, mask
from kb.sparql.text import RDFLIB_PARSER_LOCK, iri

#: CLEAR/DROP of ALL or NAMED: a keyword, not part of a prefixed name or a variable.
_ALL_OR_NAMED = re.compile(
    r"(?<![\w:?$.-])(CLEAR|DROP)\s+(?:SILENT\s+)?(ALL|NAMED)(?![\w:-])", re.IGNORECASE
)
_WHERE = re.compile(r"(?<![\w:?$.-])WHERE(?![\w:-])", re.IGNORECASE)
#: An operation that writes nothing: what ``CLEAR NAMED`` becomes when there is no user graph.
_NOTHING = "INSERT DATA { }"


def is_own_graph(graph: str) -> bool:
    """Whether ``graph`` is one of srkb's own graphs (under its graph base, not a source graph).

    >>> is_own_graph("https://w3id.org/srkb/graph/shapes")
    True
    >>> is_own_graph("https://w3id.org/srkb/graph/source/campus.ttl")
    False
    >>> is_own_graph("http://example.org/g")
    False
    """
    return graph.startswith(GRAPH_BASE) and not graph.startswith(SOURCE_GRAPH_PREFIX)


def refuse_own_graph(graph: str, what: str) -> None:
    """Raise :class:`WriteRefusedError` (403) naming ``graph`` if it is one of srkb's graphs."""
    if is_own_graph(graph):
        name = graph.removeprefix(GRAPH_BASE)
        raise WriteRefusedError(
            f"<{graph}> is srkb's own graph ({name}): {what} cannot change it; nothing was "
            "applied. srkb maintains it (the model is installed at start, the derived graphs "
            "are recomputed after every write)"
        )


@dataclass(frozen=True)
class GuardedUpdate:
    """An update that passed the checks, ready to be turned into the text to run."""

    text: str
    #: Where each ``CLEAR/DROP ALL/NAMED`` is in ``text``: (start, end, verb, scope).
    sweeps: tuple[tuple[int, int, str, str], ...]
    #: Where ``USING`` clauses go (before each ``WHERE`` of an ``INSERT/DELETE … WHERE``).
    using_at: tuple[int, ...]
    using: str
    #: Graphs the request names as write targets (for ``ALL``: graphs it creates itself).
    targets: frozenset[str]
    #: The IRI relative IRIs resolve against (the endpoint's URL), if any.
    base: str | None = None

    def text_for(self, user_graphs: Iterable[str]) -> str:
        """The update to run, ``ALL``/``NAMED`` spelled out over ``user_graphs`` and its targets.

        ``user_graphs`` are the store's graphs now (the caller holds the write lock); srkb's own
        graphs among them are left out, whatever the caller passes.
        """
        graphs = sorted({*user_graphs, *self.targets})
        graphs = [g for g in graphs if not is_own_graph(g)]
        edits: list[tuple[int, int, str]] = [(at, at, self.using) for at in self.using_at]
        for start, end, verb, scope in self.sweeps:
            operations = [f"{verb} SILENT GRAPH {iri(g)}" for g in graphs]
            if scope == "ALL":
                operations.append(f"{verb} SILENT DEFAULT")
            edits.append((start, end, " ;\n".join(operations) or _NOTHING))
        out = self.text
        for start, end, replacement in sorted(edits, reverse=True):
            out = out[:start] + replacement + out[end:]
        # A BASE of the text's own comes later and wins (it may itself be relative to this one).
        return out if self.base is None else f"BASE {iri(self.base)}\n{out}"


def _parse(text: str, base: str | None) -> tuple[list[object], list[object]]:
    """Parse the request with rdflib: the raw operations and their algebra (IRIs resolved)."""
    try:
        with RDFLIB_PARSER_LOCK:
            parsed = parseUpdate(text)
            algebra = translateUpdate(parsed, base=base)
    except ParseException as err:
        raise QuerySyntaxError(
            f"the update does not parse: {err.msg}", source="update", line=err.lineno
        ) from err
    except Exception as err:  # rdflib's translation raises plain exceptions (unknown prefix)
        raise QuerySyntaxError(f"the update cannot be read: {err}", source="update") from err
    return list(parsed.request or []), list(algebra.algebra)


def _graph_name(value: object) -> str | None:
    return str(value) if isinstance(value, URIRef) else None


def _check_template(quads: object, default: str | None, triples: object, what: str) -> set[str]:
    """Refuse a template (or data block) that writes srkb's graphs; return the graphs it writes."""
    written: set[str] = set()
    for graph in getattr(quads, "keys", dict)():
        if isinstance(graph, Variable):
            raise WriteRefusedError(
                f"{what} writes GRAPH ?{graph}, a graph known only while the update runs: srkb "
                "cannot tell beforehand that it leaves its own graphs alone, so it refuses it and "
                "applies nothing",
            )
        name = str(graph)
        refuse_own_graph(name, what)
        written.add(name)
    if triples and default is not None:
        refuse_own_graph(default, f"{what} (through WITH)")
        written.add(default)
    return written


def _targets(operation: object) -> set[str]:
    """Check one operation (rdflib algebra) and return the graphs it writes by name."""
    name = getattr(operation, "name", "")

    def get(key: str) -> Any:
        # rdflib's CompValue.get(key, variables) is not dict.get; read it as the dict it is.
        return dict.get(operation, key) if isinstance(operation, dict) else None

    if name in ("Clear", "Drop", "Create", "Load"):
        graph = _graph_name(get("graphiri"))
        if graph is not None:
            refuse_own_graph(graph, f"{name.upper()} GRAPH")
            return {graph}
        return set()
    if name in ("Add", "Copy", "Move"):
        source, target = (_graph_name(g) for g in get("graph"))
        if name == "Move" and source is not None:
            refuse_own_graph(source, "MOVE (which empties its source)")
        if target is not None:
            refuse_own_graph(target, name.upper())
            return {target}
        return set()
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        label = {"InsertData": "INSERT DATA", "DeleteData": "DELETE DATA"}.get(name, "DELETE WHERE")
        return _check_template(get("quads"), None, get("triples"), label)
    if name == "Modify":
        default = _graph_name(get("withClause"))
        written: set[str] = set()
        for clause, label in ((get("delete"), "DELETE"), (get("insert"), "INSERT")):
            if clause is not None:
                written |= _check_template(
                    dict.get(clause, "quads"),
                    default,
                    dict.get(clause, "triples"),
                    f"the {label} template",
                )
        return written
    raise InputError(f"srkb does not know the update operation {name}", source="update")


def guard_update(
    text: str,
    *,
    base: str | None = None,
    using_graphs: Sequence[str] = (),
    using_named_graphs: Sequence[str] = (),
) -> GuardedUpdate:
    """Check an update against the rules of the module docstring, before anything is written.

    Raises :class:`WriteRefusedError` (403) for a write to srkb's graphs or through a graph
    variable, :class:`InputError` (400) for a dataset conflict, and
    :class:`QuerySyntaxError` (400) for a request that does not parse.
    """
    raw, algebra = _parse(text, base)
    targets: set[str] = set()
    for operation in algebra:
        targets |= _targets(operation)
    masked = mask(text)
    scopes = [
        str(dict.get(op, "graphiri"))
        for op in raw
        if isinstance(op, dict)
        and getattr(op, "name", "") in ("Clear", "Drop")
        and str(dict.get(op, "graphiri")) in ("ALL", "NAMED")
    ]
    sweeps = [
        (m.start(), m.end(), m.group(1).upper(), m.group(2).upper())
        for m in _ALL_OR_NAMED.finditer(masked)
    ]
    if [s[3] for s in sweeps] != scopes:
        raise InputError(
            "srkb could not locate the CLEAR/DROP ALL/NAMED operations of this update",
            source="update",
            hint="send them as separate requests",
        )
    using_at: list[int] = []
    using = ""
    if using_graphs or using_named_graphs:
        for op in raw:
            own = dict.get(op, "using") or dict.get(op, "withClause") if isinstance(op, dict) else 0
            if getattr(op, "name", "") == "Modify" and own:
                raise InputError(
                    "the request gives using-graph-uri/using-named-graph-uri and an operation "
                    "has its own USING or WITH clause; the SPARQL 1.1 Protocol refuses that",
                    source="update",
                    hint="give the dataset in one place only",
                )
            if getattr(op, "name", "") == "DeleteWhere":
                raise InputError(
                    "DELETE WHERE cannot take using-graph-uri/using-named-graph-uri",
                    source="update",
                    hint="write it as DELETE { … } WHERE { … }",
                )
        modifies = sum(1 for op in raw if getattr(op, "name", "") == "Modify")
        depths = brace_depths(masked)
        using_at = [m.start() for m in _WHERE.finditer(masked) if depths[m.start()] == 0]
        if len(using_at) != modifies:
            raise InputError(
                "srkb could not locate the WHERE clauses to apply using-graph-uri to",
                source="update",
                hint="put USING clauses in the update text instead",
            )
        clauses = [f"USING {iri(g)}" for g in using_graphs]
        clauses += [f"USING NAMED {iri(g)}" for g in using_named_graphs]
        using = " ".join(clauses) + " "
    return GuardedUpdate(text, tuple(sweeps), tuple(using_at), using, frozenset(targets), base)
