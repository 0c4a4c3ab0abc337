"""Restricting a compiled shape's query to a few focus nodes (re-validation after a write).

:meth:`kb.validation.compiled.CompiledShape.focused` puts the focus nodes' ``VALUES ?this``
block where it restricts the evaluation without changing any focus node's rows: into and before
the target subqueries (marked with :data:`FOCI_MARK`), and into the negated parts and
sub-SELECTs about ``?this`` in the scope the targets bind (:func:`bind_foci`).
"""

from __future__ import annotations

import re

#: A comment at the start of every target subquery, where the focus nodes to check go.
FOCI_MARK = "#srkb:foci"

TARGETS_START = f"{{ SELECT DISTINCT ?this WHERE {{ {FOCI_MARK}"
_THIS = re.compile(r"[?$]this\b")
_TOKEN = re.compile(
    r"""(?P<skip>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|<[^<>\s]*>|\#[^\n]*)"""
    r"|(?P<select>\bSELECT\b)|(?P<minus>\bMINUS\s*\{)|(?P<open>\{)|(?P<close>\})",
    re.IGNORECASE,
)


def bind_foci(query: str, values: str) -> str:
    """``query`` with ``values`` (a ``VALUES ?this`` block) where it restricts, changing nothing.

    Scopes are tracked by braces: a ``SELECT``'s group is a new scope for ``?this``. A scope
    *holds the focus* when a target subquery is joined in it: there ``?this`` is the focus node,
    bound to the focus nodes. In such a scope the block also goes into

    * each ``MINUS`` mentioning ``?this`` (one that does not is left alone: adding the variable
      would change what it removes), and
    * each sub-SELECT that projects ``?this`` (its rows join the focus nodes on ``?this``; a
      shape's query may scan its typed nodes in a sub-SELECT of their own), which then holds the
      focus itself; not when the query has a LIMIT or OFFSET, which restricting would change.

    Anything else (a subquery's own ``?this``, FILTER NOT EXISTS, which the engine evaluates
    with ``?this`` bound already) is left as it is.
    """
    inserts: list[int] = []
    stack: list[list[bool] | None] = []  # per open brace: [holds the focus] for a SELECT's group
    select: bool | None = None  # a SELECT seen, its group not yet open: whether it projects ?this
    sliced = re.search(r"\b(LIMIT|OFFSET)\b", query, re.IGNORECASE) is not None

    def scope() -> list[bool] | None:
        return next((s for s in reversed(stack) if s is not None), None)

    for match in _TOKEN.finditer(query):
        kind = match.lastgroup
        if kind == "select":
            projection = query[match.end() : query.find("{", match.end())]
            select = _THIS.search(projection) is not None
        elif kind == "open":
            if select is None:
                stack.append(None)
                continue
            outer = scope()
            holds = outer is not None and outer[0]
            if query.startswith(FOCI_MARK, match.end() + 1):  # a target subquery
                if outer is not None:
                    outer[0] = True
                stack.append([False])
            elif select and holds and not sliced:
                inserts.append(match.end())
                stack.append([True])
            else:
                stack.append([False])
            select = None
        elif kind == "minus":
            outer = scope()
            if outer is not None and outer[0]:
                end = closing(query, match.end() - 1)
                if _THIS.search(query[match.end() : end]):
                    inserts.append(match.end())
            stack.append(None)
        elif kind == "close" and stack:
            stack.pop()
    pieces, last = [], 0
    for at in inserts:
        pieces += [query[last:at], f" {values}"]
        last = at
    pieces.append(query[last:])
    return "".join(pieces).replace(
        TARGETS_START, f"{values} {{ SELECT DISTINCT ?this WHERE {{ {values}"
    )


def closing(query: str, start: int) -> int:
    """The index of the brace closing the one at ``start`` (strings, IRIs, comments skipped)."""
    depth = 0
    for match in _TOKEN.finditer(query, start):
        kind = match.lastgroup
        if kind in ("open", "minus"):
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0:
                return match.start()
    return len(query)
