"""Ecosystem questions: named SPARQL queries loaded from ``queries/<name>.rq``.

A question's file name is its public name (CLI ``srkb ask NAME``, API ``/questions/NAME``). Each
file opens with a grlc-style header that stays valid SPARQL::

    #+ cq: CQ07
    #+ question: Which organisations depend on ?provider, directly or transitively?
    #+ params: provider=iri
    #+ returns: organisation

Parameters are bound with a ``VALUES`` block (:func:`kb.sparql.text.bind`), never by string
formatting,
so a question runs the same on every store.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from rdflib import XSD, Literal, URIRef
from rdflib.term import Identifier

from kb import resources
from kb.errors import InputError, NotFoundError
from kb.namespaces import PREFIXES
from kb.prefixes import Prefixes
from kb.sparql.text import bind, node_name
from kb.store import QueryResult, Store

_HEADER = re.compile(r"^#\+\s*(\w+):\s*(.*)$")
PARAM_TYPES = ("iri", "integer", "string")


@dataclass(frozen=True)
class Question:
    """One competency question: its name, header fields and SPARQL text."""

    name: str
    cq: str
    question: str
    params: dict[str, str]
    returns: tuple[str, ...]
    sparql: str


def _parse(name: str, text: str) -> Question:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            fields[match.group(1)] = match.group(2).strip()
    params: dict[str, str] = {}
    spec = fields.get("params", "")
    if spec and not spec.startswith("("):
        for item in spec.split(","):
            pname, _, ptype = item.strip().partition("=")
            if ptype not in PARAM_TYPES:
                raise InputError(
                    f"parameter {pname!r} has unknown type {ptype!r}",
                    source=f"{name}.rq",
                    hint="use one of " + ", ".join(PARAM_TYPES),
                )
            params[pname] = ptype
    returns = tuple(r.strip() for r in fields.get("returns", "").split(",") if r.strip())
    return Question(
        name=name,
        cq=fields.get("cq", ""),
        question=fields.get("question", ""),
        params=params,
        returns=returns,
        sparql=text,
    )


@cache
def questions() -> dict[str, Question]:
    """Every question found in the queries directory, by name."""
    found = {}
    for path in sorted(resources.queries_dir().glob("*.rq")):
        found[path.stem] = _parse(path.stem, path.read_text(encoding="utf-8"))
    return found


def question(name: str) -> Question:
    """Look up a question by name, with the list of names in the error."""
    try:
        return questions()[name]
    except KeyError:
        known = ", ".join(sorted(questions()))
        raise NotFoundError(f"no question named {name!r}; known questions: {known}") from None


def expand_curie(value: str, prefixes: Mapping[str, str] | None = None) -> str:
    """Expand ``prefix:local`` with known prefixes; full IRIs pass through.

    >>> expand_curie("srkb:Vendor")
    'https://w3id.org/srkb#Vendor'
    >>> expand_curie("https://example.org/x")
    'https://example.org/x'
    """
    table = dict(PREFIXES)
    if prefixes:
        table.update(prefixes)
    prefix, sep, local = value.partition(":")
    if sep and prefix in table and not local.startswith("//"):
        return table[prefix] + local
    return value


def convert_param(q: Question, name: str, raw: str | Identifier) -> Identifier:
    """Turn a raw parameter value into the RDF term its declared type asks for."""
    kind = q.params[name]
    if isinstance(raw, Identifier):
        return raw
    if kind == "iri":
        value = expand_curie(raw)
        if not value.startswith(("http://", "https://", "urn:")):
            raise InputError(
                f"parameter {name!r} of question {q.name!r} must be an IRI, got {raw!r}",
                hint="give a full http(s) or urn IRI, or a CURIE with a known prefix (srkb:Vendor)",
            )
        return URIRef(value)
    if kind == "integer":
        try:
            return Literal(int(raw), datatype=XSD.integer)
        except ValueError:
            raise InputError(
                f"parameter {name!r} of question {q.name!r} must be an integer, got {raw!r}"
            ) from None
    return Literal(raw)


def expand_iri(store: Store, value: str) -> str:
    """An IRI or CURIE a person gave, as a full IRI, with the prefixes of the loaded files too.

    Full IRIs pass through without a look at the store.
    """
    if value.startswith(("http://", "https://", "urn:")):
        return value
    return Prefixes.load(store).expand(value)


def ask(
    store: Store, name: str, params: Mapping[str, str | Identifier] | None = None
) -> QueryResult:
    """Run a named question with its parameters on any store."""
    return store.query(bound_question(name, params))


def ask_text(
    store: Store, name: str, params: Mapping[str, str | Identifier] | None = None
) -> tuple[tuple[str, ...], list[tuple[str | None, ...]]]:
    """A question's variables and rows as text: each value's lexical form, ``None`` if unbound.

    For a caller that only wants text out of a large answer: the engine writes the answer as
    SPARQL CSV and Python's C reader splits it, several times less Python work than a term object
    per value (the service level report's 18,800 rows of 14 values at 1M triples: 0.25 s of its
    1.2 s). CSV drops what tells an IRI from a literal, and an empty literal from an unbound
    variable (both ``None`` here); blank nodes read ``_:label``. Repeated rows are kept: an
    endpoint may repeat ``DISTINCT`` rows (:attr:`kb.store.dialect.Dialect.distinct_drops_repeats`).
    An endpoint that does not write CSV is read through :meth:`Store.query` instead, to the same
    text (:func:`text_rows`).
    """
    return select_text(store, bound_question(name, params))


def select_text(store: Store, sparql: str) -> tuple[tuple[str, ...], list[tuple[str | None, ...]]]:
    """Any ``SELECT``'s variables and rows as text, as :func:`ask_text` reads a question's."""
    media_type, body = store.query_serialized(sparql, "text/csv")
    if "csv" not in media_type:
        return text_rows(store.query(sparql))
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    variables = tuple(next(reader, ()))
    # a row of one unbound value is an empty line, which the reader gives as []
    rows = [tuple(value or None for value in row) or (None,) * len(variables) for row in reader]
    return variables, rows


def text_rows(result: QueryResult) -> tuple[tuple[str, ...], list[tuple[str | None, ...]]]:
    """A ``SELECT`` answer as :func:`ask_text` gives it: lexical forms, blank nodes ``_:label``.

    >>> from rdflib import BNode, Literal
    >>> text_rows(QueryResult("select", ("x", "y"), ((BNode("b0"), Literal("")),)))
    (('x', 'y'), [('_:b0', None)])
    """
    # node_name spells a value as CSV does; an empty literal reads as None, as from the CSV
    return result.variables, [
        tuple(None if value is None else node_name(value) or None for value in row)
        for row in result.rows
    ]


def bound_question(name: str, params: Mapping[str, str | Identifier] | None = None) -> str:
    """A named question's SPARQL with its parameters bound, checked against its header."""
    q = question(name)
    given = dict(params or {})
    unknown = sorted(set(given) - set(q.params))
    if unknown:
        raise InputError(
            f"question {name!r} has no parameter {', '.join(unknown)}",
            hint="its parameters: " + (", ".join(q.params) or "none"),
        )
    missing = sorted(set(q.params) - set(given))
    if missing:
        raise InputError(
            f"question {name!r} needs the parameter {', '.join(missing)}",
            hint=", ".join(f"{p}={t}" for p, t in q.params.items()),
        )
    bindings = {pname: convert_param(q, pname, value) for pname, value in given.items()}
    return bind(q.sparql, bindings)
