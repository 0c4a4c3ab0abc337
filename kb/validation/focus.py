"""Restricting a compiled shape's query to a few focus nodes (re-validation after a write).

:meth:`kb.validation.compiled.CompiledShape.focused` puts the focus nodes' ``VALUES ?this``
block where it restricts the evaluation without changing any focus node's rows: into and before
the target subqueries (marked with :data:`FOCI_MARK`), and into the negated parts and
sub-SELECTs about ``?this`` in the scope the targets bind (:func:`bind_foci`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

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

    A target subquery holds the focus too (the block goes at its start), so a SPARQL-based
    target in it (a sub-SELECT projecting ``?this``, which may count over the whole data before
    it knows a target) is evaluated for the focus nodes only.

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
                # It holds the focus itself (the block goes at its start): a SPARQL-based
                # target in it, a sub-SELECT projecting ?this, is restricted like any other.
                stack.append([True])
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


_SUBSELECT = re.compile(
    r"\{\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(?P<vars>(?:[?$]\w+\s+)+)WHERE\s*\{",
    re.IGNORECASE,
)
#: What a sub-SELECT may not hold to be inlined: its rows are not a plain projection then.
_NOT_INLINABLE = re.compile(
    r"\b(SELECT|GROUP\s+BY|ORDER\s+BY|HAVING|LIMIT|OFFSET|COUNT|SUM|MIN|MAX|AVG|SAMPLE"
    r"|GROUP_CONCAT)\b",
    re.IGNORECASE,
)
_VARIABLE = re.compile(r"[?$](\w+)")
#: Strings, IRIs and comments: text that holds no keyword and no variable.
_OPAQUE = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|<[^<>\s]*>|\#[^\n]*""")


def _outside_opaque(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied to what lies outside its strings, IRIs and comments."""
    pieces, last = [], 0
    for match in _OPAQUE.finditer(text):
        pieces += [change(text[last : match.start()]), match.group(0)]
        last = match.end()
    pieces.append(change(text[last:]))
    return "".join(pieces)


def inline_subselects(query: str) -> str:
    """``query`` with each plain sub-SELECT replaced by its group, its own variables renamed.

    A compiled shape scans a property in a sub-SELECT of its own, which Oxigraph evaluates once
    as a whole and hash-joins: the fastest plan for a full run, and a scan of the whole store
    for a run on a few focus nodes. Inlined, the scan joins the focus nodes' ``VALUES`` and
    becomes a few index lookups. A sub-SELECT ``{ SELECT DISTINCT ?a ?b WHERE { P } }`` gives
    the rows of ``{ P }`` projected on ``?a ?b`` without duplicates; with P's other variables
    renamed apart, ``{ P }`` joins (and removes, under MINUS) exactly what it joined, and only
    the number of duplicate rows differs, which the compiled queries' outer ``SELECT DISTINCT``
    and ``COUNT(DISTINCT ...)`` do not see. One with a nested SELECT, an aggregate, a solution
    modifier or a comment (the target subqueries carry one) is kept as it is.
    """
    if re.search(r"SELECT\s+\*", query, re.IGNORECASE):
        return query
    counter = 0
    position = 0
    while True:
        match = _SUBSELECT.search(query, position)
        if match is None:
            return query
        inner_open = match.end() - 1
        inner_close = closing(query, inner_open)
        outer_close = closing(query, match.start())
        body = query[inner_open + 1 : inner_close]
        between = query[inner_close + 1 : outer_close]
        bare = _OPAQUE.sub(lambda m: "" if m.group(0).startswith("#") else '""', body)
        comment = any(m.group(0).startswith("#") for m in _OPAQUE.finditer(body))
        if between.strip() or comment or _NOT_INLINABLE.search(bare):
            position = match.start() + 1
            continue
        projected = set(_VARIABLE.findall(match.group("vars")))
        counter += 1

        def rename(found: re.Match[str], suffix: int = counter, kept: set[str] = projected) -> str:
            name = found.group(1)
            return found.group(0) if name in kept else f"?{name}_inl{suffix}"

        renamed = _outside_opaque(body, lambda text: _VARIABLE.sub(rename, text))
        flat = _flattened(renamed, projected)
        if flat is None:
            position = match.start() + 1
            continue
        query = query[: match.start()] + flat + query[outer_close + 1 :]
        position = 0  # an enclosing sub-SELECT may be plain now


_NOT_FLAT = re.compile(r"\b(OPTIONAL|UNION|BIND|VALUES|GRAPH|SERVICE|EXISTS)\b", re.IGNORECASE)
_VALUES_BLOCK = re.compile(r"\bVALUES\s+[?$]\w+\s*\{[^{}]*\}", re.IGNORECASE)


def _flattened(body: str, projected: set[str]) -> str | None:
    """A body of triples and ``MINUS`` blocks of triples, as triples and FILTER NOT EXISTS.

    ``P MINUS { Q }`` and ``P FILTER NOT EXISTS { Q }`` remove the same rows when every variable
    ``Q`` shares with the rest is bound by ``P``'s triples (the other variables of ``Q`` are
    renamed apart already); the filter is evaluated for each row, a few lookups when the focus
    nodes bind the join, where the MINUS evaluated ``Q`` over the whole store. Spliced into the
    enclosing group, the triples join it and the filters restrict its rows, which bind the shared
    variables exactly as the triples did. ``None`` for any other shape of body.
    """
    # A VALUES block joins as it did (the focus nodes bound inside a sub-SELECT about ?this).
    blocks: list[str] = []

    def hide(found: re.Match[str]) -> str:
        blocks.append(found.group(0))
        return f" VALUES_BLOCK_{len(blocks) - 1} "

    body = _VALUES_BLOCK.sub(hide, body)
    plain: list[str] = []
    negated: list[str] = []
    at = scan = 0  # where the current run of triples starts; where to look next
    while (token := _TOKEN.search(body, scan)) is not None:
        kind = token.lastgroup
        if kind == "minus":
            end = closing(body, token.end() - 1)
            inner = body[token.end() : end]
            if any(t.lastgroup != "skip" for t in _TOKEN.finditer(inner)):
                return None  # nested groups or subqueries: keep the sub-SELECT
            plain.append(body[at : token.start()])
            negated.append(inner)
            at = scan = end + 1
            continue
        if kind != "skip":
            return None
        scan = token.end()
    plain.append(body[at:])
    triples = " ".join(p.strip() for p in plain if p.strip())
    bare = _OPAQUE.sub('""', triples)
    if not triples or _NOT_FLAT.search(bare):
        return None
    bound = set(_VARIABLE.findall(bare))
    for inner in negated:
        shared = set(_VARIABLE.findall(_OPAQUE.sub('""', inner))) & projected
        if not shared <= bound:
            return None
    if not triples.endswith("."):
        triples += " ."
    flat = triples + "".join(f" FILTER NOT EXISTS {{ {inner} }}" for inner in negated) + " "
    return re.sub(r"VALUES_BLOCK_(\d+)", lambda m: blocks[int(m.group(1))], flat)


def minus_to_filters(query: str) -> str:
    """Each ``MINUS { Q }`` of plain triples as ``FILTER NOT EXISTS { Q }`` where they agree.

    In a group ``{ L MINUS { Q } R }`` both remove the rows that match ``Q`` on the variables it
    shares with the group when every such variable is bound by ``L``'s own triples (a MINUS
    sharing none removes nothing, so one must be shared). The filter is evaluated row by row: a
    few lookups on a focused run, where MINUS evaluated ``Q`` over the whole store. A MINUS that
    holds the focus nodes' VALUES already (:func:`bind_foci`) stays: it is quick as it is, and
    measured slower as a filter.
    """
    position = 0
    while True:
        token = _MINUS.search(query, position)
        if token is None:
            return query
        position = token.end()
        if _inside_opaque(query, token.start()):
            continue
        end = closing(query, token.end() - 1)
        group_open = _enclosing_open(query, token.start())
        if group_open is None:
            continue
        group_close = closing(query, group_open)
        inner = query[token.end() : end]
        if _VALUES_BLOCK.search(inner):
            continue  # bound to the focus nodes already (bind_foci): a MINUS is quick then
        if any(t.lastgroup != "skip" for t in _TOKEN.finditer(inner)) or _NOT_FLAT.search(
            _OPAQUE.sub('""', inner)
        ):
            continue
        left = _top_level(query[group_open + 1 : token.start()])
        right = query[end + 1 : group_close]
        if left is None or _NOT_PLAIN.search(_OPAQUE.sub('""', left)):
            continue
        variables = set(_VARIABLE.findall(_OPAQUE.sub('""', inner)))
        outside = set(_VARIABLE.findall(_OPAQUE.sub('""', query[group_open : token.start()])))
        outside |= set(_VARIABLE.findall(_OPAQUE.sub('""', right)))
        shared = variables & outside
        bound = set(_VARIABLE.findall(_OPAQUE.sub('""', left)))
        if not shared or not shared <= bound:
            continue
        # Q's other variables must be its own: a filter inside an OPTIONAL also sees the
        # OPTIONAL's left side, where a variable of the same name would join.
        rest = _OPAQUE.sub('""', query[: token.start()] + query[end + 1 :])
        if (variables - shared) & set(_VARIABLE.findall(rest)):
            continue
        query = f"{query[: token.start()]}FILTER NOT EXISTS {query[token.end() - 1 :]}"


_MINUS = re.compile(r"\bMINUS\s*\{", re.IGNORECASE)
_NOT_PLAIN = re.compile(r"\b(OPTIONAL|UNION|BIND|GRAPH|SERVICE|EXISTS|UNDEF)\b", re.IGNORECASE)


def _inside_opaque(text: str, at: int) -> bool:
    return any(m.start() <= at < m.end() for m in _OPAQUE.finditer(text))


def _enclosing_open(query: str, at: int) -> int | None:
    """The index of the brace opening the group that holds position ``at``."""
    stack: list[int] = []
    for token in _TOKEN.finditer(query):
        if token.start() >= at:
            break
        kind = token.lastgroup
        if kind in ("open", "minus"):
            stack.append(token.end() - 1)
        elif kind == "close" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _top_level(text: str) -> str | None:
    """``text`` without its brace groups (a VALUES block kept), or ``None`` if braces mismatch."""
    text = _VALUES_BLOCK.sub(lambda m: m.group(0).replace("{", "(").replace("}", ")"), text)
    pieces, depth, last = [], 0, 0
    for token in _TOKEN.finditer(text):
        kind = token.lastgroup
        if kind in ("open", "minus"):
            if depth == 0:
                pieces.append(text[last : token.start()])
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                last = token.end()
    if depth != 0:
        return None
    pieces.append(text[last:])
    return " ".join(pieces)


#: Stands for the focus nodes' VALUES block while a focused query is rewritten (once a shape).
FOCI_PLACEHOLDER = "VALUES ?this { <urn:srkb:focus-nodes> }"


@lru_cache(maxsize=256)
def focused_template(query: str) -> str:
    """A compiled shape's ``query`` rewritten for a focused run, the focus nodes left to fill in.

    They go where :data:`FOCI_PLACEHOLDER` stands. Sub-SELECTs that scan a whole property (the
    fastest plan for a full run) become plain triples, and MINUS blocks row-by-row filters where
    that removes the same rows, so that the scan starts from the focus nodes. The text work
    costs some 20 ms a shape: done once per query, not per write.
    """
    return minus_to_filters(inline_subselects(bind_foci(query, FOCI_PLACEHOLDER)))
