r"""Import ecosystems kept as YAML, a workbook (.xlsx) or CSV files, through one declared mapping.

Every format is read into the same rows (:class:`Sheet`, :class:`Record`, :class:`Cell`, each
with its location), and one builder turns rows into quads through
:data:`kb.interchange.tabular_mapping.KINDS`.
Nothing is written until the whole input has been checked: unknown kinds and columns, missing ids
and required values, duplicate ids, references to ids that do not exist or are of the wrong kind,
values that are not what their column takes. Every problem is collected with its file, sheet, row
and column (YAML: line, section, item and key) and raised together as one
:class:`ImportValidationError`; only input without problems becomes a
:class:`~kb.interchange.parsing.ParsedSource`, which :func:`kb.interchange.loading.write_sources`
writes in one atomic store write. So a failed import changes nothing, and a successful one replaces
its own source graph, like ``srkb load``.

>>> source = parse_tabular(b'''
... base: https://example.org/eco#
... organisations:
...   - {id: IT, label: IT Department}
...   - {id: Finance}
... services:
...   - {id: WorkplaceIT}
... relationships:
...   - {id: r1, provider: IT, consumer: Finance, service: WorkplaceIT}
... ''', "yaml", name="eco.yaml")
>>> len(source)
8
>>> try:
...     parse_tabular(b"base: https://example.org/eco#\norganisations: [{label: X}]", "yaml",
...                   name="eco.yaml")
... except ImportValidationError as error:
...     problem = error.problems[0]
...     print(problem.where.describe(), "->", problem.message)
line 2, organisations item 1, key 'id' -> the row has no id
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kb.errors import InputError
from kb.interchange.loading import LoadedSource, refuse_same_names, write_sources
from kb.interchange.parse_process import in_helper
from kb.interchange.tabular_mapping import (
    ID_COLUMN,
    KIND_BY_NAME,
    KINDS,
    RDF_TYPE,
    Column,
    Kind,
    canonical_number,
)
from kb.interchange.tabular_reading import (
    TABULAR_FORMATS,
    ImportProblem,
    ImportValidationError,
    Location,
    RawDocument,
    Record,
    Sheet,
    read_csv_files,
    read_document,
)
from kb.namespaces import PREFIXES, source_graph
from kb.progress import ProgressReport, Stage, report
from kb.store.source import ParsedSource

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase, Written
    from kb.store import Store

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".xlsx": "xlsx", ".zip": "csv"}
#: IRI schemes accepted as full IRIs without angle brackets (anything else must be a prefix).
IRI_SCHEMES = frozenset({"http", "https", "urn", "tag", "mailto", "file", "ftp", "did", "info"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(.*)", re.DOTALL)
_PREFIX_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_NO_LANGUAGE = ("", "none")


# -- from rows to quads ----------------------------------------------------------------------------


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _either(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _suggest(word: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _valid_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class _Row:
    kind: Kind
    text: str
    where: Location


class _Builder:
    """Check rows against the mapping and turn them into quads, collecting every problem."""

    def __init__(self, doc: RawDocument, graph: str) -> None:
        self.doc = doc
        self.graph = ox.NamedNode(graph)
        self.problems = list(doc.problems)
        self.base = ""
        self.language: str | None = "en"
        self.prefixes = dict(PREFIXES)
        self.rows: dict[str, _Row] = {}
        self.quads: list[ox.Quad] = []

    def problem(self, message: str, where: Location, hint: str | None = None) -> None:
        self.problems.append(ImportProblem(message, where, hint))

    def settings(self) -> bool:
        file = Location(self.doc.file)
        base = self.doc.settings.get("base")
        if base is None or not base[0].strip():
            self.problem(
                "the file declares no base IRI for its ids",
                base[1] if base else file,
                "add e.g. 'base: https://example.org/my-ecosystem#' (YAML) or a 'base' row "
                "in the 'about' sheet",
            )
            ok = False
        elif not _valid_iri(base[0].strip()):
            self.problem(f"the base '{base[0]}' is not an absolute IRI", base[1])
            ok = False
        else:
            self.base = base[0].strip()
            ok = True
        language = self.doc.settings.get("language")
        if language is not None:
            text = language[0].strip()
            if text.lower() in _NO_LANGUAGE:
                self.language = None
            elif _LANGUAGE.fullmatch(text):
                self.language = text
            else:
                self.problem(
                    f"'{text}' is not a language tag", language[1], "use e.g. en, de or en-GB"
                )
        for name, (iri, where) in self.doc.prefixes.items():
            if not _PREFIX_NAME.fullmatch(name):
                self.problem(f"'{name}' cannot be used as a prefix name", where)
            elif not _valid_iri(iri.strip()):
                self.problem(f"the prefix '{name}' is not bound to an absolute IRI", where)
            else:
                self.prefixes[name] = iri.strip()
        return ok

    def resolve(self, text: str, where: Location) -> tuple[str, bool] | None:
        """An IRI for ``text`` and whether it was a bare (local) id; None after a problem."""
        if text.startswith("<") and text.endswith(">"):
            iri = text[1:-1].strip()
            if _valid_iri(iri):
                return iri, False
            self.problem(f"'{text}' is not a valid IRI", where)
            return None
        match = _SCHEME.fullmatch(text)
        if match is not None:
            prefix, local = match.groups()
            if prefix in self.prefixes:
                iri = self.prefixes[prefix] + local
            elif prefix.lower() in IRI_SCHEMES:
                iri = text
            else:
                self.problem(
                    f"'{text}' uses the prefix '{prefix}', which is not declared",
                    where,
                    "declare it under 'prefixes', or write the full IRI",
                )
                return None
            if _valid_iri(iri):
                return iri, False
            self.problem(f"'{text}' is not a valid IRI", where)
            return None
        if not self.base:
            return None  # the missing or bad base is reported once, not for every id
        if any(c.isspace() for c in text):
            dashed = re.sub(r"\s+", "-", text.strip())
            self.problem(f"the id '{text}' contains spaces", where, f"use e.g. '{dashed}'")
            return None
        if not _valid_iri(self.base + text):
            self.problem(f"the id '{text}' contains characters an IRI cannot hold", where)
            return None
        return self.base + text, True

    def register(self) -> list[tuple[Kind, Sheet, Record, str]]:
        """Pass 1: every row's id, once; unknown kinds and columns."""
        ready: list[tuple[Kind, Sheet, Record, str]] = []
        for sheet in self.doc.sheets:
            kind = KIND_BY_NAME.get(sheet.name)
            if kind is None:
                self.problem(
                    f"'{sheet.name}' is not a kind of thing srkb imports",
                    sheet.where,
                    _suggest(sheet.name, KIND_BY_NAME)
                    or "the kinds are " + ", ".join(KIND_BY_NAME),
                )
                continue
            known = set(kind.headers)
            for header, where in sheet.headers or []:
                if header not in known:
                    self.problem(
                        f"'{kind.name}' has no column '{header}'",
                        where,
                        _suggest(header, known) or "its columns are " + ", ".join(kind.headers),
                    )
            for record in sheet.records:
                if sheet.headers is None:
                    for key, cell in record.cells.items():
                        if key not in known:
                            self.problem(
                                f"'{kind.name}' has no column '{key}'",
                                cell.where,
                                _suggest(key, known)
                                or "its columns are " + ", ".join(kind.headers),
                            )
                iri = self.identify(kind, sheet, record)
                if iri is not None:
                    ready.append((kind, sheet, record, iri))
        return ready

    def missing(self, sheet: Sheet, record: Record, column: str) -> Location:
        """Where a missing value belongs: the row, and in a table the cell under its header."""
        for header, where in sheet.headers or []:
            if header == column:
                letter = (where.cell or "").rstrip("0123456789") or None
                return replace(
                    record.where,
                    column=column,
                    cell=f"{letter}{record.where.row}" if letter else None,
                    order=(*record.where.order[:2], *where.order[2:]),
                )
        return replace(record.where, column=column)

    def identify(self, kind: Kind, sheet: Sheet, record: Record) -> str | None:
        cell = record.cells.get(ID_COLUMN)
        values = cell.values(many=False) if cell is not None else []
        where = cell.where if cell is not None else self.missing(sheet, record, ID_COLUMN)
        if cell is not None and cell.items is not None and len(values) != 1:
            self.problem("the id must be one value, not a list", where)
            return None
        if not values:
            self.problem("the row has no id", where, "give it a short id, unique in the file")
            return None
        resolved = self.resolve(values[0], where)
        if resolved is None:
            return None
        iri = resolved[0]
        first = self.rows.get(iri)
        if first is not None:
            self.problem(
                f"the id '{values[0]}' is already used "
                f"({first.where.file}: {first.where.describe()})",
                where,
                "every row needs its own id",
            )
            return None
        self.rows[iri] = _Row(kind, values[0], where)
        return iri

    def build(
        self,
        ready: list[tuple[Kind, Sheet, Record, str]],
        progress: ProgressReport | None = None,
        name: str = "",
    ) -> None:
        """Pass 2: every cell of every row with a usable id becomes triples."""
        stage = Stage(f"checking rows of {name}", 0, len(ready), unit="rows")
        for done, (kind, sheet, record, iri) in enumerate(ready):
            if progress is not None and done % PROGRESS_ROWS == 0:
                progress(replace(stage, done=done))
            subject = ox.NamedNode(iri)
            if kind.rdf_type is not None:
                self.add(subject, RDF_TYPE, ox.NamedNode(kind.rdf_type))
            for column in kind.columns:
                cell = record.cells.get(column.name)
                values = cell.values(column.many) if cell is not None else []
                where = cell.where if cell is not None else record.where
                if not values:
                    if column.required:
                        self.problem(
                            f"'{column.name}' is required: {column.description}",
                            self.missing(sheet, record, column.name),
                        )
                    continue
                if not column.many and len(values) > 1:
                    self.problem(
                        f"'{column.name}' takes one value, but has {len(values)}: "
                        + ", ".join(values),
                        where,
                        f"make one {kind.singular} row per {column.name}",
                    )
                    continue
                for value in values:
                    term = self.term(column, value, where)
                    if term is None:
                        continue
                    if column.inverse:
                        assert isinstance(term, ox.NamedNode)  # noqa: S101 - references only
                        self.add(term, column.predicate, subject)
                    else:
                        self.add(subject, column.predicate, term)

    def add(self, subject: ox.NamedNode, predicate: str, value: ox.NamedNode | ox.Literal) -> None:
        self.quads.append(ox.Quad(subject, ox.NamedNode(predicate), value, self.graph))

    def term(self, column: Column, value: str, where: Location) -> ox.NamedNode | ox.Literal | None:
        if column.value == "text":
            return ox.Literal(value, language=self.language) if self.language else ox.Literal(value)
        if column.value == "string":
            if column.pattern and not re.fullmatch(column.pattern, value):
                self.problem(f"'{value}' is not {column.pattern_words}", where)
                return None
            return ox.Literal(value)
        if column.value == "choice":
            return self.choice(column, value, where)
        if column.value == "number":
            number = canonical_number(value)
            if number is None:
                self.problem(f"'{value}' is not a number such as 99.5 or 240", where)
                return None
            return ox.Literal(number[0], datatype=ox.NamedNode(number[1]))
        return self.reference(column, value, where)

    def choice(self, column: Column, value: str, where: Location) -> ox.NamedNode | None:
        word = re.sub(r"[\s_\-]+", " ", value.strip().lower())
        if word in column.choices:
            return ox.NamedNode(column.choices[word])
        match = _SCHEME.fullmatch(value)
        if match and match.group(1) in self.prefixes:
            iri = self.prefixes[match.group(1)] + match.group(2)
            if iri in column.choices.values():
                return ox.NamedNode(iri)
        self.problem(
            f"'{value}' is not one of: {', '.join(column.choices)}",
            where,
            _suggest(word, column.choices),
        )
        return None

    def reference(self, column: Column, value: str, where: Location) -> ox.NamedNode | None:
        resolved = self.resolve(value, where)
        if resolved is None:
            return None
        iri, local = resolved
        wanted = [KIND_BY_NAME[k].singular for k in column.refers_to]
        row = self.rows.get(iri)
        if row is None:
            if local:
                candidates = [r.text for r in self.rows.values() if r.kind.name in column.refers_to]
                self.problem(
                    f"there is no {_either(wanted)} with the id '{value}'",
                    where,
                    _suggest(value, candidates)
                    or f"add a row to '{column.refers_to[0]}', or write a full IRI for "
                    "something described elsewhere",
                )
                return None
            return ox.NamedNode(iri)
        if row.kind.name not in column.refers_to:
            self.problem(
                f"'{value}' is {_a(row.kind.singular)}, but '{column.name}' needs "
                f"{_a(_either(wanted))}",
                where,
            )
            return None
        return ox.NamedNode(iri)


def build_source(
    doc: RawDocument,
    *,
    name: str,
    fmt: str,
    graph: str,
    progress: ProgressReport | None = None,
) -> ParsedSource:
    """Check a read document against the mapping and return its quads, or raise every problem.

    ``progress`` hears the rows checked so far, of all rows.
    """
    if doc.problems and not doc.settings and not doc.sheets:
        raise ImportValidationError(doc.problems)  # nothing could be read: no more to say
    builder = _Builder(doc, graph)
    if builder.settings():
        ready = builder.register()
        builder.build(ready, progress, name)
        report(progress, Stage(f"checking rows of {name}", len(ready), len(ready), "rows", True))
    else:
        builder.register()  # still report unknown kinds, columns and duplicate ids
    if builder.problems:
        raise ImportValidationError(sorted(builder.problems, key=lambda p: p.where.order))
    declared = {k: v for k, v in builder.prefixes.items() if k not in PREFIXES}
    return ParsedSource(name=name, graph=graph, fmt=fmt, quads=builder.quads, prefixes=declared)


#: How many rows between two progress reports of an import.
PROGRESS_ROWS = 500


# -- entry points ----------------------------------------------------------------------------------


def format_of(path: str | Path) -> str:
    """The tabular format of a path: .yaml/.yml, .xlsx, or a directory or .zip of CSV files.

    >>> format_of("campus.yml"), format_of("campus.zip")
    ('yaml', 'csv')
    """
    file = Path(path)
    if file.is_dir():
        return "csv"
    fmt = SUFFIXES.get(file.suffix.lower())
    if fmt is None:
        raise InputError(
            f"cannot tell the import format from the file name suffix {file.suffix!r}",
            source=file,
            hint="import .yaml, .yml, .xlsx, a .zip of CSV files or a directory of CSV files",
        )
    return fmt


def parse_tabular(
    data: bytes,
    fmt: str,
    *,
    name: str,
    graph: str | None = None,
    progress: ProgressReport | None = None,
) -> ParsedSource:
    """Read and check one input; its quads go to ``graph`` (default: the source graph of name)."""
    doc = read_document(data, fmt, name)
    target = graph or source_graph(Path(name).name)
    return build_source(doc, name=name, fmt=fmt, graph=target, progress=progress)


def parse_tabular_file(
    path: str | Path, *, graph: str | None = None, progress: ProgressReport | None = None
) -> ParsedSource:
    """Read and check one file (or a directory of CSV files); nothing is written."""
    file = Path(path)
    fmt = format_of(file)
    target = graph or source_graph(file.name)
    if file.is_dir():
        members = []
        for csv_file in sorted(file.glob("*.csv")):
            try:
                members.append((str(csv_file), csv_file.read_bytes()))
            except OSError as err:
                raise InputError(f"cannot read the file: {err.strerror}", source=csv_file) from err
        doc = read_csv_files(members, str(file))
        return build_source(doc, name=str(file), fmt=fmt, graph=target, progress=progress)
    try:
        data = file.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read the file: {err.strerror}", source=file) from err
    return parse_tabular(data, fmt, name=str(file), graph=target, progress=progress)


def parse_tabular_files(
    paths: Iterable[str | Path], progress: ProgressReport | None = None
) -> list[ParsedSource]:
    """Read and check every file, collecting the problems of all of them before raising."""
    parsed: list[ParsedSource] = []
    problems: list[ImportProblem] = []
    for path in paths:
        try:
            parsed.append(parse_tabular_file(path, progress=progress))
        except ImportValidationError as error:
            problems.extend(error.problems)
    if problems:
        raise ImportValidationError(problems)
    return parsed


def import_files(
    store: Store, paths: Iterable[str | Path], *, progress: ProgressReport | None = None
) -> list[LoadedSource]:
    """Import files all-or-nothing: every file is checked before anything is written.

    Each file replaces its own source graph (like ``srkb load``); inference is not run here.
    ``progress`` hears each file's rows as they are checked.
    """
    files = [Path(p) for p in paths]
    refuse_same_names(files)
    return write_sources(store, parse_tabular_files(files, progress))


def import_upload(kb: KnowledgeBase, body: bytes, *, fmt: str, name: str) -> Written[bool]:
    """Import an uploaded body into a knowledge base (checked, then one write and a refresh).

    The body is read in the helper process of :mod:`kb.interchange.parse_process`: a large
    workbook costs the service's other requests nothing.

    Answers True if the source graph is new, False if it replaced an earlier import, and whether
    the refresh is pending (:class:`kb.knowledge_base.Written`).
    """
    parsed = in_helper(parse_tabular, body, fmt, name=name)
    created = parsed.graph not in kb.store.graphs()
    return kb.load([parsed]).with_value(created)


__all__ = [
    "KINDS",
    "TABULAR_FORMATS",
    "ImportProblem",
    "ImportValidationError",
    "Location",
    "format_of",
    "import_files",
    "import_upload",
    "parse_tabular",
    "parse_tabular_file",
    "parse_tabular_files",
    "read_document",
]
