"""Lists of rows for people and for programs: table, md, csv, tsv, json, one renderer for all.

Every CLI verb that lists things (questions, answers, query results, stats, roles) renders through
:func:`render`, so ``--format table|csv|tsv|json|md`` means the same everywhere.

**For people** (``table``, ``md``): IRIs print as CURIEs with the prefixes of srkb and of the loaded
files (:class:`kb.prefixes.Prefixes`), with the resource's label beside them when it has one
(``ex:Canteen (Staff Canteen)``). A table fits the terminal by wrapping text at spaces and never
cuts or splits an identifier: each column is at least as wide as its longest identifier, and when
the columns cannot all be that wide the rows are printed one field per line instead (like psql's
expanded display), so every identifier can still be copied whole.

**For programs** (``csv``, ``tsv``, ``json``): full IRIs, no labels, exactly the values; in JSON
numbers and booleans are JSON numbers and booleans, absent values ``null``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rich.console import Console

from kb.errors import InputError
from kb.prefixes import Prefixes

FORMATS = ("table", "csv", "tsv", "json", "md")
#: Help text for ``--format`` of every listing verb.
FORMAT_HELP = "table (for people), md, csv, tsv or json."


@dataclass(frozen=True)
class Listing:
    """Columns and rows; a value is an rdflib term, a plain Python value, or None."""

    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    title: str | None = None
    #: IRI -> label, shown beside the IRI's CURIE in tables.
    labels: Mapping[str, str] = field(default_factory=dict)


class Name(str):
    """A plain-text identifier (a question's name, a file name): never split in a table."""

    __slots__ = ()


def check_format(fmt: str) -> str:
    """``fmt`` if it is a listing format, else an :class:`InputError` that lists them."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", hint="use one of " + ", ".join(FORMATS))
    return fmt


def iris(listing: Listing) -> set[str]:
    """The IRIs a listing shows (whose labels are worth looking up)."""
    return {str(v) for row in listing.rows for v in row if isinstance(v, URIRef)}


def render(listing: Listing, fmt: str, *, prefixes: Prefixes | None = None, width: int = 80) -> str:
    """The listing as text in ``fmt`` (see :data:`FORMATS`), ending with a newline."""
    check_format(fmt)
    if fmt in ("csv", "tsv"):
        return _delimited(listing, "," if fmt == "csv" else "\t")
    if fmt == "json":
        return _json(listing)
    prefixes = prefixes or Prefixes()
    cells = [[_display(value, prefixes, listing.labels) for value in row] for row in listing.rows]
    if fmt == "md":
        return _markdown(listing, cells)
    return _table(listing, cells, width)


def _display(value: object, prefixes: Prefixes, labels: Mapping[str, str]) -> tuple[str, str]:
    """(identifier, rest): the part never to be split, and text that may wrap."""
    if value is None:
        return "", ""
    if isinstance(value, URIRef):
        label = labels.get(str(value))
        return prefixes.shorten(value), f"({label})" if label else ""
    if isinstance(value, BNode):
        return f"_:{value}", ""
    if isinstance(value, Name):
        return str(value), ""
    return "", str(value)


def _joined(cell: tuple[str, str]) -> str:
    return " ".join(part for part in cell if part)


def _delimited(listing: Listing, delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(listing.columns)
    for row in listing.rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return buffer.getvalue()


def _json_value(value: object) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Literal):
        python = value.toPython()
        if isinstance(python, bool | int | float):
            return python
        return str(value)
    return str(value)


def _json(listing: Listing) -> str:
    data = [
        {column: _json_value(v) for column, v in zip(listing.columns, row, strict=True)}
        for row in listing.rows
    ]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _markdown(listing: Listing, cells: list[list[tuple[str, str]]]) -> str:
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines = [f"**{escape(listing.title)}**", ""] if listing.title else []
    lines.append("| " + " | ".join(escape(c) for c in listing.columns) + " |")
    lines.append("|" + "---|" * len(listing.columns))
    for row in cells:
        parts = [escape(f"`{ident}` {rest}".strip() if ident else rest) for ident, rest in row]
        lines.append("| " + " | ".join(parts) + " |")
    return "\n".join(lines) + "\n"


#: Prose words longer than this may be folded when room is short; identifiers never are.
PROSE_WORD = 16


def _unbreakable(cell: tuple[str, str]) -> int:
    """The width a cell needs so that no identifier is split (nor a prose word, up to a point)."""
    ident, rest = cell
    longest_word = max((len(w) for w in rest.split()), default=0)
    return max(len(ident), min(longest_word, PROSE_WORD))


def _table(listing: Listing, cells: list[list[tuple[str, str]]], width: int) -> str:
    columns = listing.columns
    needed = [
        max([len(name), *(_unbreakable(row[i]) for row in cells)]) for i, name in enumerate(columns)
    ]
    # rich's heavy-head box: one border before each column and one after the last, and one
    # space of padding on each side of every cell.
    frame = 3 * len(columns) + 1
    # Imported here: only tables need them, and every srkb command imports this module.
    from rich import box
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False, emoji=False)
    if sum(needed) + frame <= width:
        natural = [
            max([len(name), *(len(_joined(row[i])) for row in cells)])
            for i, name in enumerate(columns)
        ]
        table = Table(title=listing.title, box=box.HEAVY_HEAD)
        for name, fixed in zip(columns, _widths(needed, natural, width - frame), strict=True):
            table.add_column(name, width=fixed, overflow="fold")
        for row in cells:
            table.add_row(*(_joined(cell) for cell in row))
        console.print(table)
    else:
        _records(console, listing, cells)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def _widths(needed: list[int], natural: list[int], room: int) -> list[int]:
    """Column widths within ``room``: each at least ``needed``, the rest shared out fairly.

    Max-min fairness (water filling): every column that wants more gets an equal share of what
    is left, a column that wants less than its share takes only what it wants, and the rest goes
    round again; so one long column never squeezes the others down to their shortest.

    >>> _widths([10, 5], [10, 40], 30)
    [10, 20]
    >>> _widths([3, 3], [4, 6], 80)
    [4, 6]
    >>> _widths([11, 11, 14], [33, 33, 60], 70)
    [23, 22, 25]
    """
    if sum(natural) <= room:
        return list(natural)
    widths = list(needed)
    spare = room - sum(widths)
    while spare > 0:
        wanting = [i for i, w in enumerate(widths) if w < natural[i]]
        if not wanting:
            break
        share = max(spare // len(wanting), 1)
        for index in wanting:
            given = min(share, natural[index] - widths[index], spare)
            widths[index] += given
            spare -= given
    return widths


def _records(console: Console, listing: Listing, cells: list[list[tuple[str, str]]]) -> None:
    """One field per line, rows apart: for listings too wide for the terminal."""
    if listing.title:
        console.print(listing.title)
    name_width = max(len(c) for c in listing.columns)
    for number, row in enumerate(cells, start=1):
        console.print(f"-[ {number} ]-", soft_wrap=True)
        for name, cell in zip(listing.columns, row, strict=True):
            console.print(f"{name.ljust(name_width)} | {_joined(cell)}", soft_wrap=True)


def listing_of(
    columns: Sequence[str], rows: Sequence[Sequence[object]], *, title: str | None = None
) -> Listing:
    """A :class:`Listing` from any sequences."""
    return Listing(tuple(columns), tuple(tuple(r) for r in rows), title)
