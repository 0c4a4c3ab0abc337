"""The document guard: measure an RDF document before any parser reads it.

Oxigraph's JSON-LD parser recurses once per nesting level (a document nested 4,000 objects deep
overflows the native stack: SIGSEGV), and its parsers give up on a token over 16 MiB with a
MemoryError. The old guard asked Python's JSON parser for the depth and took a document it refused
(a 4,301-digit number is enough: ``int_max_str_digits``) for "not JSON", letting the nesting
through. :func:`check_document` instead scans the bytes with a lexer of strings, IRIs, comments
and brackets that needs no valid document to count, in linear time and constant memory per token:
JSON-LD, Turtle, TriG, N-Triples and N-Quads nested deeper than :data:`MAX_DOCUMENT_NESTING`, and
tokens longer than the literal and IRI limits of :mod:`kb.sparql.guard`, are refused with their
line and column. RDF/XML is measured by the XML check of :mod:`kb.interchange.parsing`.
"""

from __future__ import annotations

import re

from kb.errors import InputError
from kb.sparql.guard import MAX_IRI_BYTES, MAX_LITERAL_BYTES, line_column

#: Deepest nesting of JSON arrays and objects, and of Turtle/TriG brackets, in an RDF document.
#: Oxigraph's JSON-LD parser overflows at some thousands and takes time quadratic in the depth.
MAX_DOCUMENT_NESTING = 500

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
        line, column = line_column(data, offset)
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


def engine_buffer_error(err: MemoryError, fmt: str, name: str) -> InputError:
    """Oxigraph's parsers raise MemoryError for a token over their 16 MiB buffer: say so."""
    return InputError(
        f"{fmt} data holds a token too long to parse ({err})",
        source=name,
        hint=f"literals are limited to {MAX_LITERAL_BYTES} bytes",
    )
