"""Building SPARQL text safely: terms, data blocks, parameter bindings and dataset clauses.

srkb never pastes user input into SPARQL with string formatting. Values enter as RDF terms
serialised by rdflib (which escapes them), parameters as a ``VALUES`` block, and datasets as
``WITH``/``USING`` clauses around rule bodies. Keeping all of that here means there is one place to
get escaping right.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from kb.errors import InputError

#: A triple as rdflib terms (what a change adds or removes, in the write path).
Triple = tuple[Identifier, Identifier, Identifier]

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Held around every call into rdflib's SPARQL parser. pyparsing grammars are not thread-safe
#: (RDFLib/rdflib#1282): two threads parsing at once, e.g. the first requests a fresh server
#: gets, can break the parser for the rest of the process ("Param.postParse2() missing 1
#: required positional argument"). Parsing takes milliseconds; the store is not locked.
RDFLIB_PARSER_LOCK = threading.Lock()
#: Text ending just before a template's ``{`` (CONSTRUCT, or an update's INSERT/DELETE): the WHERE
#: group comes after it.
_TEMPLATE = re.compile(r"\b(CONSTRUCT|INSERT|DELETE)\s*$", re.IGNORECASE)


def term(value: Identifier) -> str:
    """Serialise one RDF term as SPARQL syntax (rdflib escapes literals).

    >>> term(URIRef("https://example.org/a"))
    '<https://example.org/a>'
    >>> term(Literal("7", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")))
    '"7"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    if isinstance(value, URIRef | Literal):
        try:
            return value.n3()
        except Exception as err:  # rdflib raises a bare Exception for IRIs it cannot write
            raise InputError(f"{str(value)!r} cannot be used as an RDF term: {err}") from err
    if isinstance(value, BNode):
        return f"_:{value}"
    raise InputError(f"cannot use {value!r} as a SPARQL term")


def node_name(node: object) -> str:
    """A printable name of a resource that is stable in its store: the IRI, or ``_:label``.

    Blank nodes keep their (store-assigned) labels, so ``_:label`` names one node for as long as
    the store holds it; findings, roles and readiness use this form for blank nodes.

    >>> node_name(URIRef("https://e.org/a")), node_name(BNode("b1"))
    ('https://e.org/a', '_:b1')
    """
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def node_from_name(name: str) -> URIRef | BNode:
    """The resource a :func:`node_name` names.

    >>> node_from_name("_:b1"), node_from_name("https://e.org/a")
    (rdflib.term.BNode('b1'), rdflib.term.URIRef('https://e.org/a'))
    """
    return BNode(name[2:]) if name.startswith("_:") else URIRef(name)


def iri(value: str) -> str:
    """Serialise an IRI given as text, refusing characters that IRIs cannot hold."""
    if not value or any(ch in value for ch in '<>"{}|^`\\ \n\t'):
        raise InputError(f"{value!r} is not a valid IRI")
    return f"<{value}>"


def insert_data(graph: str, triples: Iterable[tuple[Identifier, ...]]) -> str:
    """Return an ``INSERT DATA`` request that puts ``triples`` into ``graph``."""
    lines = [" ".join(term(t) for t in triple) + " ." for triple in triples]
    return "INSERT DATA { GRAPH " + iri(graph) + " {\n" + "\n".join(lines) + "\n} }"


def values_block(bindings: Mapping[str, Identifier]) -> str:
    """Return a one-row ``VALUES`` block binding each variable to a term."""
    for name in bindings:
        if not _VARIABLE.match(name):
            raise InputError(f"{name!r} is not a SPARQL variable name")
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term(v) for v in bindings.values())
    return f"VALUES ({names}) {{ ({values}) }}"


def values_column(name: str, values: Iterable[Identifier]) -> str:
    """A ``VALUES`` block binding one variable to several terms, one row each.

    >>> values_column("x", [URIRef("https://e.org/a"), URIRef("https://e.org/b")])
    'VALUES ?x { <https://e.org/a> <https://e.org/b> }'
    """
    if not _VARIABLE.match(name):
        raise InputError(f"{name!r} is not a SPARQL variable name")
    return f"VALUES ?{name} {{ {terms(values)} }}"


def outer_where_brace(query: str) -> int:
    """Index of the ``{`` that opens the outermost WHERE group, skipping comments and strings."""
    depth = 0
    i = 0
    n = len(query)
    while i < n:
        ch = query[i]
        if ch == "#":
            # Comment to end of line, unless inside an IRI (handled below) — IRIs are skipped.
            end = query.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch == "<":
            end = query.find(">", i)
            if end > 0 and not any(c in query[i + 1 : end] for c in " \n\t{}"):
                i = end + 1
                continue
        if ch in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else ch
            j = i + len(quote)
            while j < n and not query.startswith(quote, j):
                j += 2 if query[j] == "\\" else 1  # an escape is two characters: "\\" too
            i = j + len(quote)
            continue
        if ch == "{":
            if depth == 0 and not _TEMPLATE.search(query, 0, i):
                return i
            depth += 1
        elif ch == "}":
            depth -= 1
        i += 1
    raise InputError("the query has no WHERE group to bind parameters in")


def bind(query: str, bindings: Mapping[str, Identifier]) -> str:
    """Bind parameters by a ``VALUES`` block at the start of the outermost WHERE group.

    Every backend then evaluates the parameters with the same semantics (the VALUES block is
    joined with the rest of the group, so FILTERs of that group see the bound value).

    >>> bind("SELECT ?x WHERE { ?x ?p ?o }", {"o": URIRef("https://e.org/a")})
    'SELECT ?x WHERE { VALUES (?o) { (<https://e.org/a>) } ?x ?p ?o }'
    """
    if not bindings:
        return query
    brace = outer_where_brace(query)
    return query[: brace + 1] + " " + values_block(bindings) + query[brace + 1 :]


def bind_column(query: str, name: str, values: Iterable[Identifier]) -> str:
    """Bind one variable to several values (one row each), like :func:`bind` does for one.

    >>> bind_column("SELECT * WHERE { ?x ?p ?o }", "x", [URIRef("https://e.org/a")])
    'SELECT * WHERE { VALUES ?x { <https://e.org/a> } ?x ?p ?o }'
    """
    block = values_column(name, values)
    brace = outer_where_brace(query)
    return query[: brace + 1] + " " + block + query[brace + 1 :]


def with_dataset(update: str, target: str, using: Iterable[str]) -> str:
    """Direct an update rule's writes to ``target`` and its reads to the ``using`` graphs.

    Rule files are plain ``INSERT { ... } WHERE { ... }`` requests; this adds ``WITH <target>``
    after the prologue and one ``USING <g>`` per graph before the line that starts with WHERE, so
    the same rule runs unchanged on any SPARQL 1.1 store.
    """
    lines = update.splitlines()
    prologue: list[str] = []
    body_start = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.upper().startswith(("PREFIX", "BASE")) or not stripped or stripped[0] == "#":
            prologue.append(line)
            body_start = index + 1
            continue
        break
    body = lines[body_start:]
    where = [i for i, line in enumerate(body) if line.lstrip().upper().startswith("WHERE")]
    if len(where) != 1:
        raise InputError("a rule must have exactly one line starting with WHERE")
    using_lines = [f"USING {iri(g)}" for g in using]
    out = [*prologue, f"WITH {iri(target)}", *body[: where[0]], *using_lines, *body[where[0] :]]
    return "\n".join(out)


_SLOT = re.compile(r"\$([A-Z]+)\b")


def terms(values: Iterable[Identifier]) -> str:
    """Terms separated by spaces, each escaped by :func:`term`: the inside of a ``VALUES`` list.

    >>> terms([URIRef("https://example.org/a"), Literal("b")])
    '<https://example.org/a> "b"'
    """
    return " ".join(term(v) for v in values)


def from_clauses(graphs: Iterable[str]) -> str:
    """``FROM`` clauses that make the merge of ``graphs`` a query's default graph.

    >>> from_clauses(["https://example.org/g"])
    'FROM <https://example.org/g>'
    """
    return " ".join(f"FROM {iri(g)}" for g in graphs)


def fill(template: str, **fragments: str) -> str:
    """Fill a template's ``$NAME`` slots with fragments built by this module (never raw input).

    For the few queries whose shape a ``VALUES`` block cannot give (a list of terms in each
    branch of a ``UNION``, a ``FROM`` per graph). Every slot must be filled and every fragment
    used, so a typo fails loudly instead of sending ``$NODES`` to the store.

    >>> fill("SELECT * $FROM WHERE { VALUES ?s { $NODES } }", FROM="", NODES="<urn:a>")
    'SELECT *  WHERE { VALUES ?s { <urn:a> } }'
    """
    slots = set(_SLOT.findall(template))
    if slots != set(fragments):
        raise ValueError(f"template slots {sorted(slots)} != fragments {sorted(fragments)}")
    return _SLOT.sub(lambda m: fragments[m.group(1)], template)
