"""Input guards: what a text must look like before any engine parses it.

Oxigraph's parsers recurse once per nesting level or operator, so a deep enough input overflows
the native stack and kills the process with SIGSEGV (measured with pyoxigraph 0.5: a SPARQL
``FILTER`` of 15,000 ``+`` terms, 10,000 nested parentheses or braces, 30,000 ``!``; a JSON-LD
document nested 4,000 objects deep). rdflib's SPARQL parser, which srkb used to classify requests,
takes about a millisecond of pure-Python CPU per operator (a 250 KB chain of ``&&``: a minute). So
every text a user sends is scanned here first, once, by a lexer that understands just enough of
the syntax (strings, IRIs, comments, brackets, operators) to measure it, and that **fails
closed**: it does not need the text to be valid to measure it, and anything it cannot measure is
counted as deeper or longer, never as harmless. A text within the limits then goes to the engine,
which reports syntax errors with their line and column.

* :func:`scan_sparql` measures a query or update (nesting, operator chains) and classifies it
  (query form, ``SERVICE``, ``LOAD``) without a parser, in linear time: the policies of
  :mod:`kb.endpoint` need no more than that.
* :func:`check_document` measures an RDF document before it is parsed: nesting depth of JSON-LD
  (outside strings, without Python's JSON parser, which refuses some valid documents and so cannot
  be trusted to say "this is not JSON"), of Turtle and TriG (brackets and collections), and the size
  of each string, number and IRI token.
* :func:`check_term_sizes` is the same size limit applied to parsed quads (RDF/XML and bulk files,
  whose tokens are not scanned).

Each limit is a module constant, documented in SECURITY.md; the error names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

from kb.errors import InputError, QuerySyntaxError

#: Deepest nesting of brackets (``{``, ``(``, ``[``) in a SPARQL text. Oxigraph overflows its stack
#: at some thousands; real queries stay under 20.
MAX_SPARQL_NESTING = 100
#: Most operators (``+ - * / && || ! = != < > <= >= | ^``) in one expression, counting those of
#: every enclosing group still open (the parser holds a frame for each). Oxigraph overflows at some
#: thousands; a longer disjunction is better written with ``IN`` or ``VALUES``.
MAX_SPARQL_OPERATORS = 1000
#: Deepest nesting of JSON arrays and objects, and of Turtle/TriG brackets, in an RDF document.
MAX_DOCUMENT_NESTING = 500
#: Longest literal (string or number token) in bytes: 16 MiB, the most Oxigraph's parsers hold
#: (beyond it they raise MemoryError, which :func:`engine_buffer_error` turns into a located error).
MAX_LITERAL_BYTES = 16 * 1024 * 1024
#: Longest IRI in bytes: 64 KiB.
MAX_IRI_BYTES = 64 * 1024

Kind = Literal["select", "ask", "construct", "describe", "update"]

_QUERY_FORMS: dict[str, Kind] = {
    "SELECT": "select",
    "ASK": "ask",
    "CONSTRUCT": "construct",
    "DESCRIBE": "describe",
}
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "ADD", "MOVE", "COPY", "WITH"}
)

# One token at a time; every alternative always matches something, so no position is rescanned.
# Unterminated strings and IRIs run to the end of their line or text (the engine reports them).
_SPARQL_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:\"\"\")?
             |'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:''')?
             |"[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*"?
             |'[^'\\\n\r]*(?:\\.[^'\\\n\r]*)*'?)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<variable>[?$][^\W]*)
  | (?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[^\W\d][\w.\-:%\\]*|:[\w.\-:%\\]*)
  | (?P<open>[({\[])
  | (?P<close>[)}\]])
  | (?P<datatype>\^\^)
  | (?P<separator>[.;,])
  | (?P<operator>&&|\|\||!=|<=|>=|[=<>+\-*/!|^])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class SparqlShape:
    """What the policies need to know about a request text: its form, and what it reaches."""

    kind: Kind
    uses_service: bool
    loads_url: bool


def _line_column(text: str | bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column of ``offset`` (columns count characters or bytes)."""
    if isinstance(text, str):
        line, start = text.count("\n", 0, offset) + 1, text.rfind("\n", 0, offset) + 1
    else:
        line, start = text.count(b"\n", 0, offset) + 1, text.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def scan_sparql(text: str, *, what: str = "query") -> SparqlShape:
    """Measure and classify a SPARQL query or update, without parsing it.

    Raises :class:`QuerySyntaxError` (a 400) naming the limit when the text nests deeper than
    :data:`MAX_SPARQL_NESTING` or chains more than :data:`MAX_SPARQL_OPERATORS` operators, when a
    literal or IRI is longer than allowed, and when it holds no query or update form at all.
    ``SERVICE`` and ``LOAD`` are found as keywords anywhere outside strings, IRIs and comments
    (a prefixed name or variable of that spelling is not one), so none can hide from the policy.

    >>> scan_sparql("PREFIX ex: <http://example.org/> SELECT * { ?s ex:service ?o }")
    SparqlShape(kind='select', uses_service=False, loads_url=False)
    """
    depth = 0
    chains = [0]  # operators in each open group, outermost first
    operators = 0  # their sum
    first_word: tuple[str, int] | None = None
    prologue_wanted = 0  # tokens still belonging to a BASE or PREFIX declaration
    uses_service = loads_url = False
    previous = ""  # the kind of the previous significant token

    def refuse(message: str, offset: int, hint: str) -> QuerySyntaxError:
        line, column = _line_column(text, offset)
        return QuerySyntaxError(message, source=what, line=line, column=column, hint=hint)

    for match in _SPARQL_TOKEN.finditer(text):
        group = match.lastgroup
        if group in ("space", "comment"):
            continue
        start = match.start()
        lexeme = match.group()
        if group == "string" and len(lexeme.encode()) > MAX_LITERAL_BYTES + 6:
            raise refuse(
                f"a literal is longer than the limit of {MAX_LITERAL_BYTES} bytes",
                start,
                "load large values as data through /store",
            )
        if group == "iri" and len(lexeme.encode()) > MAX_IRI_BYTES + 2:
            raise refuse(
                f"an IRI is longer than the limit of {MAX_IRI_BYTES} bytes", start, "shorten it"
            )
        if group == "open":
            depth += 1
            if depth > MAX_SPARQL_NESTING:
                raise refuse(
                    f"the {what} nests brackets more than {MAX_SPARQL_NESTING} levels deep",
                    start,
                    "flatten it, e.g. with FILTER or BIND clauses one after another",
                )
            chains.append(0)
        elif group == "close":
            if depth > 0:
                depth -= 1
                operators -= chains.pop()
        elif group == "separator":
            operators -= chains[-1]
            chains[-1] = 0
        elif group == "operator":
            # A sign after anything but an operand belongs to a numeric literal (``<s> <p> -5``).
            if lexeme in ("+", "-") and previous not in _OPERANDS:
                following = text[match.end() : match.end() + 1]
                if following.isdigit() or following == ".":
                    previous = "sign"
                    continue
            chains[-1] += 1
            operators += 1
            if operators + depth > MAX_SPARQL_OPERATORS:
                raise refuse(
                    f"the {what} chains more than {MAX_SPARQL_OPERATORS} operators in one "
                    "expression (counting the groups it is nested in)",
                    start,
                    "split it, or use IN (...) or VALUES instead of long chains of || or &&",
                )
        if group == "word":
            upper = lexeme.upper()
            if upper == "SERVICE":
                uses_service = True
            elif upper == "LOAD":
                loads_url = True
        if first_word is None:
            if prologue_wanted:  # the name and IRI of a PREFIX, the IRI of a BASE
                prologue_wanted -= 1
            elif group == "word" and lexeme.upper() in ("PREFIX", "BASE"):
                prologue_wanted = 2 if lexeme.upper() == "PREFIX" else 1
            else:
                first_word = (lexeme.upper() if group == "word" else lexeme, start)
        previous = group or ""
    if first_word is None:
        raise QuerySyntaxError(
            f"the {what} is empty: it holds no query and no update operation",
            source=what,
            hint="send a SELECT, ASK, CONSTRUCT or DESCRIBE query (or an update to /update)",
        )
    word, offset = first_word
    kind: Kind
    if word in _QUERY_FORMS:
        kind = _QUERY_FORMS[word]
    elif word in _UPDATE_WORDS:
        kind = "update"
    else:
        raise refuse(
            f"the {what} does not parse: expected SELECT, ASK, CONSTRUCT, DESCRIBE or an update "
            f"operation, found {word[:40]!r}",
            offset,
            "check the query's first keyword",
        )
    return SparqlShape(kind=kind, uses_service=uses_service, loads_url=loads_url)


_OPERANDS = frozenset({"variable", "number", "iri", "string", "word", "close", "lang"})

# JSON: strings (with escapes), brackets, and runs of anything else (numbers, true, garbage).
_JSON_TOKEN = re.compile(
    rb"""
    (?P<string>"[^"\\]*(?:\\.[^"\\]*)*"?)
  | (?P<open>[\[{])
  | (?P<close>[\]}])
  | (?P<scalar>[^\s\[\]{},:"]+)
    """,
    re.VERBOSE | re.DOTALL,
)

# Turtle, TriG, N-Triples, N-Quads: strings, IRIs, comments, brackets.
_TURTLE_TOKEN = re.compile(
    rb"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:\"\"\")?
             |'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:''')?
             |"[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*"?
             |'[^'\\\n\r]*(?:\\.[^'\\\n\r]*)*'?)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>?)
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<scalar>[^\s()\[\]{}<>"'\#;,]+)
    """,
    re.VERBOSE | re.DOTALL,
)

_SCANNERS = {
    "jsonld": _JSON_TOKEN,
    "ttl": _TURTLE_TOKEN,
    "trig": _TURTLE_TOKEN,
    "nt": _TURTLE_TOKEN,
    "nq": _TURTLE_TOKEN,
}


def check_document(data: bytes, fmt: str, *, name: str) -> None:
    """Refuse an RDF document that nests too deeply or holds an oversized token.

    For JSON-LD, Turtle, TriG, N-Triples and N-Quads (RDF/XML is measured by its XML check).
    Raises :class:`InputError` with the line and column of the first token over a limit.
    Linear in the size of the document; never parses it.
    """
    scanner = _SCANNERS.get(fmt)
    if scanner is None:
        return
    depth = 0

    def refuse(message: str, offset: int, hint: str) -> InputError:
        line, column = _line_column(data, offset)
        return InputError(message, source=name, line=line, column=column, hint=hint)

    for match in scanner.finditer(data):
        group = match.lastgroup
        if group == "open":
            depth += 1
            if depth > MAX_DOCUMENT_NESTING:
                raise refuse(
                    f"the {fmt} document nests more than {MAX_DOCUMENT_NESTING} levels deep",
                    match.start(),
                    "flatten it: refer to nodes by their IRI instead of nesting them",
                )
        elif group == "close":
            depth = max(depth - 1, 0)
        elif group == "iri":
            if match.end() - match.start() > MAX_IRI_BYTES + 2:
                raise refuse(
                    f"an IRI is longer than the limit of {MAX_IRI_BYTES} bytes",
                    match.start(),
                    "shorten it",
                )
        elif group in ("string", "scalar") and match.end() - match.start() > MAX_LITERAL_BYTES + 6:
            raise refuse(
                f"a literal or token is longer than the limit of {MAX_LITERAL_BYTES} bytes",
                match.start(),
                "keep large values out of the knowledge base, or split them",
            )


def check_term_sizes(quad: ox.Quad, name: str) -> None:
    """Refuse a parsed quad whose literal or IRIs are over the size limits."""
    for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
        if isinstance(term, ox.Literal):
            if len(term.value) > MAX_LITERAL_BYTES // 4 and (
                len(term.value.encode()) > MAX_LITERAL_BYTES
            ):
                raise InputError(
                    f"a literal is longer than the limit of {MAX_LITERAL_BYTES} bytes "
                    f"(subject {_short(quad.subject)})",
                    source=name,
                    hint="keep large values out of the knowledge base, or split them",
                )
        elif (
            isinstance(term, ox.NamedNode)
            and len(term.value) > MAX_IRI_BYTES // 4
            and len(term.value.encode()) > MAX_IRI_BYTES
        ):
            raise InputError(
                f"an IRI is longer than the limit of {MAX_IRI_BYTES} bytes ({term.value[:60]}...)",
                source=name,
                hint="shorten it",
            )


def _short(term: object) -> str:
    text = str(term)
    return text if len(text) <= 80 else text[:77] + "..."


def engine_buffer_error(err: MemoryError, fmt: str, name: str) -> InputError:
    """Oxigraph's parsers raise MemoryError for a token over their 16 MiB buffer: say so."""
    return InputError(
        f"{fmt} data holds a token too long to parse ({err})",
        source=name,
        hint=f"literals are limited to {MAX_LITERAL_BYTES} bytes",
    )
