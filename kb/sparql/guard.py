"""The SPARQL guard: measure and classify a query or update before any engine parses it.

Oxigraph's SPARQL parser recurses once per nesting level or operator, so a deep enough text
overflows the native stack and kills the process with SIGSEGV (measured with pyoxigraph 0.5: a
``FILTER`` of 15,000 ``+`` terms, 10,000 nested parentheses or braces, 30,000 ``!``). rdflib's
parser, which srkb used to classify requests, takes about a millisecond of pure-Python CPU per
operator (a 250 KB chain of ``&&``: a minute, holding a lock every other request needed). So every
text a user sends is scanned here first, once, by a lexer that understands just enough of SPARQL
(strings, IRIs, comments, brackets, operators, keywords) to measure and classify it in linear
time. It **fails closed**: it does not need the text to be valid to measure it, and what it
cannot tell apart is counted as deeper or longer, never as harmless. A text within the limits
goes to the engine, which reports syntax errors with their line and column.

:func:`scan_sparql` gives the policies of :mod:`kb.protocol.sparql_endpoint` what they need: the
query form (or "update"), and whether ``SERVICE`` or ``LOAD`` appears as a keyword. The limits
are module constants, listed in SECURITY.md; each error names its limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kb.errors import QuerySyntaxError

#: Deepest nesting of brackets (``{``, ``(``, ``[``) in a SPARQL text. Oxigraph overflows its stack
#: at some thousands; real queries stay under 20.
MAX_SPARQL_NESTING = 100
#: Most operators (``+ - * / && || ! = != < > <= >= | ^``) in one expression, counting those of
#: every enclosing group still open (the parser holds a frame for each). Oxigraph overflows at some
#: thousands; a longer disjunction is better written with ``IN`` or ``VALUES``.
MAX_SPARQL_OPERATORS = 1000
#: Longest literal (string or number token) in bytes: 16 MiB, the most Oxigraph's parsers hold
#: (beyond it they raise MemoryError, which srkb turns into a located error).
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
    #: A ``FROM`` keyword: the query names its own dataset.
    names_dataset: bool = False
    #: RDF-star: ``<<`` or the ``TRIPLE`` function, which srkb's updates may not store.
    quotes_triples: bool = False


def line_column(text: str | bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column of ``offset`` (columns count characters or bytes)."""
    if isinstance(text, str):
        line, start = text.count("\n", 0, offset) + 1, text.rfind("\n", 0, offset) + 1
    else:
        line, start = text.count(b"\n", 0, offset) + 1, text.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _decoded(text: str) -> str:
    r"""``text`` with SPARQL's codepoint escapes (``\u0045``) replaced by their characters."""

    def character(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    return _CODEPOINT.sub(character, text)


def scan_sparql(text: str, *, what: str = "query") -> SparqlShape:
    r"""Measure and classify a SPARQL query or update, without parsing it.

    SPARQL 1.1 lets codepoint escapes (``SERVIC\u0045``) stand for any character before the
    text is parsed; Oxigraph does not decode them outside strings, rdflib does. To hold for any
    engine, a text with escapes is scanned as written and as decoded, and ``SERVICE`` or ``LOAD``
    found in either counts (an escape could otherwise open a string in one reading that the other
    reading closes, and hide a keyword inside it); the limits hold in both.

    Raises :class:`QuerySyntaxError` (a 400) naming the limit when the text nests deeper than
    :data:`MAX_SPARQL_NESTING` or chains more than :data:`MAX_SPARQL_OPERATORS` operators, when a
    literal or IRI is longer than allowed, and when it holds no query or update form at all.
    ``SERVICE`` and ``LOAD`` are found as keywords anywhere outside strings, IRIs and comments
    (a prefixed name or variable of that spelling is not one), so none can hide from the policy.

    >>> shape = scan_sparql("PREFIX ex: <http://example.org/> SELECT * { ?s ex:service ?o }")
    >>> shape.kind, shape.uses_service, shape.loads_url
    ('select', False, False)
    """
    if "\\u" not in text and "\\U" not in text:
        return _scan(text, what)
    try:
        shape = _scan(text, what)
    except QuerySyntaxError:
        decoded = _scan(_decoded(text), what)  # an escaped first keyword (``LOA\\u0044``)
        if decoded.uses_service or decoded.loads_url:
            return decoded
        raise
    decoded = _scan(_decoded(text), what)
    return SparqlShape(
        kind=shape.kind,
        uses_service=shape.uses_service or decoded.uses_service,
        loads_url=shape.loads_url or decoded.loads_url,
        names_dataset=shape.names_dataset or decoded.names_dataset,
        quotes_triples=shape.quotes_triples or decoded.quotes_triples,
    )


def _scan(text: str, what: str) -> SparqlShape:
    depth = 0
    chains = [0]  # operators in each open group, outermost first
    operators = 0  # their sum
    first_word: tuple[str, int] | None = None
    prologue_wanted = 0  # tokens still belonging to a BASE or PREFIX declaration
    uses_service = loads_url = names_dataset = quotes_triples = False
    previous = ""  # the kind of the previous significant token

    def refuse(message: str, offset: int, hint: str) -> QuerySyntaxError:
        line, column = line_column(text, offset)
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
            if lexeme == "<" and text.startswith("<", match.end()):
                quotes_triples = True
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
            elif upper == "FROM":
                names_dataset = True
            elif upper == "TRIPLE":
                quotes_triples = True
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
    return SparqlShape(
        kind=kind,
        uses_service=uses_service,
        loads_url=loads_url,
        names_dataset=names_dataset,
        quotes_triples=quotes_triples,
    )


_OPERANDS = frozenset({"variable", "number", "iri", "string", "word", "close", "lang"})
