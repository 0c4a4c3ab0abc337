"""One update request out of several: what :meth:`kb.store.remote.RemoteStore.atomic` sends.

A SPARQL 1.1 endpoint applies one update request atomically and nothing across two, so the
writes of one srkb operation go out joined into a single request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.sparql.text import RDFLIB_PARSER_LOCK

#: An IRI reference (no spaces, quotes or braces), whose ``#`` does not start a comment.
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_PROBE = "CLEAR SILENT DEFAULT"


#: The prologue a request starts with: comments, ``PREFIX p: <iri>`` and ``BASE <iri>``.
_PROLOGUE = re.compile(
    r"(?:\s+|#[^\n]*(?:\n|$)|(?i:PREFIX)\s*[^\s:]*:\s*<[^<>\s]*>|(?i:BASE)\s*<[^<>\s]*>)*"
)


def join_updates(requests: Sequence[str]) -> str:
    r"""Join update requests into one (``a ; b``), whatever each starts and ends with.

    SPARQL Update separates operations with ``;``, and a request may itself end with ``;`` (or
    with ``;`` and prefix declarations), after which another ``;`` is a syntax error. Most requests
    visibly end with ``}``; for the others the grammar is asked (rdflib's parser, on the one text).

    Every request's leading prologue (PREFIX and BASE) goes to the front of the whole: SPARQL 1.1
    allows one after ``;``, but Oxigraph's parser does not. Declarations then hold for every
    request, which srkb's own requests (full IRIs only) do not mind; a batch holds at most one
    request of someone else's (an update sent to ``/update``).

    >>> join_updates(["PREFIX e: <https://e.org/> INSERT DATA { e:a e:b e:c }", "CLEAR ALL ;"])
    'PREFIX e: <https://e.org/>\nINSERT DATA { e:a e:b e:c }\n;\nCLEAR ALL ;'
    """
    prologues: list[str] = []
    bodies: list[tuple[str, str]] = []  # (body without its prologue, the whole request)
    for text in requests:
        prologue = _PROLOGUE.match(text)
        end = prologue.end() if prologue else 0
        prologues.append(text[:end].strip())
        if text[end:].strip():
            bodies.append((text[end:], text))
    parts = [p + "\n" for p in prologues if p]
    for body, whole in bodies[:-1]:
        parts += [body, _separator_after(whole)]
    if bodies:
        parts.append(bodies[-1][0])
    return "".join(parts)


def _separator_after(text: str) -> str:
    last_line = _IRIREF.sub("<>", text.rstrip().rsplit("\n", 1)[-1])
    if "#" not in last_line:  # no comment: the last character is the last token
        if last_line.endswith("}"):
            return "\n;\n"
        if last_line.endswith(";"):
            return "\n"
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    for separator in ("\n;\n", "\n"):
        try:
            with RDFLIB_PARSER_LOCK:  # rdflib's parser is not thread-safe (see kb.sparql.text)
                parseUpdate(text + separator + _PROBE)
        except ParseException:
            continue
        return separator
    return "\n;\n"  # not an update rdflib reads: the endpoint refuses it whole, or applies it
