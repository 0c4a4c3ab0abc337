"""Reading YAML, workbooks (.xlsx) and CSV files into located rows, before any mapping to RDF.

Every tabular format becomes the same :class:`RawDocument` of :class:`Sheet`, :class:`Record` and
:class:`Cell`, each cell with its location (file, sheet, row, column; YAML: line, section, item and
key), so that :mod:`kb.interchange.importing` maps one shape of input and every problem it finds
says where it is. Reading refuses what would hurt before mapping starts: YAML aliases and tags
(billion laughs), zip bombs, unreadable workbooks. Problems are collected, never raised one by one.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from kb.errors import InputError
from kb.interchange.spreadsheet_cells import restore
from kb.interchange.tabular_mapping import ABOUT_SHEET

#: Tabular formats by short name; ``csv`` is a directory or a .zip of ``<kind>.csv`` files.
TABULAR_FORMATS = ("yaml", "xlsx", "csv")
#: Most bytes a workbook or a .zip of CSV files may unpack to (a guard against zip bombs).
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
#: Most problems an import error keeps and lists (the rest are counted in ``total``).
MAX_LISTED = 100

Style = Literal["yaml", "workbook", "csv"]


# -- problems --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a value was read: file, sheet (kind), row, column; YAML line; workbook cell.

    For YAML, ``sheet`` is the section, ``row`` the item number (from 1) and ``column`` the key;
    for a workbook, ``row`` is the spreadsheet's row number (the header is row 1); for CSV files,
    ``file`` is the CSV file and ``row`` its record number (the header is row 1).
    """

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    line: int | None = None
    cell: str | None = None
    style: Style = "yaml"
    order: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def describe(self) -> str:
        """The location in words, without the file: ``sheet 'components', row 7, column ...``."""
        parts: list[str] = []
        if self.style == "yaml":
            if self.line is not None:
                parts.append(f"line {self.line}")
            if self.sheet is not None:
                parts.append(f"{self.sheet} item {self.row}" if self.row else f"'{self.sheet}'")
            if self.column is not None:
                parts.append(f"key '{self.column}'")
            return ", ".join(parts)
        if self.style == "workbook" and self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        text = ", ".join(parts)
        if self.cell is not None:
            text += f" (cell {self.cell})"
        return text


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the input, in plain words, with where it is and what to do."""

    message: str
    where: Location
    hint: str | None = None

    def __str__(self) -> str:
        place = self.where.describe()
        text = f"{self.where.file}: {place + ': ' if place else ''}{self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def as_dict(self) -> dict[str, str | int]:
        """The problem as JSON-ready fields (those that are known)."""
        where = self.where
        fields: dict[str, str | int | None] = {
            "file": where.file,
            "sheet": where.sheet,
            "row": where.row,
            "column": where.column,
            "line": where.line,
            "cell": where.cell,
            "message": self.message,
            "hint": self.hint,
            "text": str(self),
        }
        return {k: v for k, v in fields.items() if v is not None}


class ImportValidationError(InputError):
    """The input has problems; nothing was imported.

    ``problems`` keeps the first :data:`MAX_LISTED`, located, and ``total`` counts them all: a
    workbook of 400,000 duplicate ids must not become a 179 MB answer.
    """

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        self.total = len(problems)
        self.problems = tuple(problems[:MAX_LISTED])
        count = self.total
        self.summary = f"{count:,} problem{'s' if count != 1 else ''} found; nothing was imported"
        if count > MAX_LISTED:
            self.summary += f" (the first {MAX_LISTED} of {count:,} problems are listed)"
        lines = [f"\n  {p}" for p in self.problems]
        super().__init__(self.summary + ":" + "".join(lines))


# -- rows read from any format ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One value as read: ``text`` (a scalar, maybe comma-separated) or ``items`` (a YAML list)."""

    where: Location
    text: str | None = None
    items: tuple[str, ...] | None = None

    def values(self, many: bool) -> list[str]:
        """The non-empty values; a scalar is split on commas only for a ``many`` column."""
        if self.items is not None:
            return [v.strip() for v in self.items if v.strip()]
        if self.text is None:
            return []
        if not many:
            return [self.text.strip()] if self.text.strip() else []
        return [v for v in _split(self.text) if v]


def _split(text: str) -> list[str]:
    """Split on commas, except inside ``<...>`` (a full IRI may contain a comma)."""
    return [m.group(0).strip() for m in re.finditer(r"(?:<[^>]*>|[^,<])+", text)]


@dataclass(frozen=True)
class Record:
    """One row (one thing): its location and its cells by column name."""

    where: Location
    cells: dict[str, Cell]


@dataclass
class Sheet:
    """Rows of one kind, as found: a YAML section, a worksheet, a CSV file."""

    name: str
    where: Location
    records: list[Record] = field(default_factory=list)
    headers: list[tuple[str, Location]] | None = None


@dataclass
class RawDocument:
    """What a reader found: settings, sheets and problems, before checking against the mapping."""

    file: str
    settings: dict[str, tuple[str, Location]] = field(default_factory=dict)
    prefixes: dict[str, tuple[str, Location]] = field(default_factory=dict)
    sheets: list[Sheet] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


# -- YAML ------------------------------------------------------------------------------------------

_NULL_TAG = "tag:yaml.org,2002:null"
#: libyaml's safe loader when PyYAML was built with it: the same events, nodes and marks as the
#: pure-Python one, about 7x faster (a 2 MB upload is parsed in about a second of the server's
#: time instead of ten, which other requests would wait for).
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _YamlReader:
    def __init__(self, name: str) -> None:
        self.doc = RawDocument(name)
        self.seen: set[int] = set()

    def where(
        self,
        node: yaml.Node,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> Location:
        line = node.start_mark.line + 1
        return Location(
            self.doc.file,
            sheet=sheet,
            row=row,
            column=column,
            line=line,
            style="yaml",
            order=(line, node.start_mark.column),
        )

    def problem(self, message: str, where: Location, hint: str | None = None) -> None:
        self.doc.problems.append(ImportProblem(message, where, hint))

    def fresh(self, node: yaml.Node) -> bool:
        """False (and a problem) for a node met twice: anchors and aliases are refused."""
        if id(node) in self.seen:
            self.problem(
                "YAML anchors and aliases (&name, *name) are not supported",
                self.where(node),
                "write the values out",
            )
            return False
        self.seen.add(id(node))
        return True

    def scalar(self, node: yaml.Node) -> str | None:
        if isinstance(node, yaml.ScalarNode):
            return None if node.tag == _NULL_TAG else str(node.value)
        return None

    def read(self, data: bytes) -> RawDocument:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            self.problem(
                f"the file is not UTF-8 text (bad byte at offset {err.start})",
                Location(self.doc.file),
                "save it as UTF-8",
            )
            return self.doc
        try:
            aliases = [
                event.start_mark.line + 1
                for event in yaml.parse(text, Loader=_YAML_LOADER)
                if isinstance(event, yaml.AliasEvent) and event.start_mark is not None
            ]
            for line in aliases:
                self.problem(
                    "YAML aliases (*name) are not supported",
                    Location(self.doc.file, line=line, style="yaml", order=(line,)),
                    "write the values out",
                )
            if aliases:
                return self.doc
            root = yaml.compose(text, Loader=_YAML_LOADER)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            at = mark.line + 1 if mark else None
            words = " ".join(str(w) for w in (err.context, err.problem) if w)
            self.problem(
                f"this is not valid YAML: {words or err}",
                Location(self.doc.file, line=at, style="yaml", order=(at or 0,)),
                f"column {mark.column + 1}" if mark else None,
            )
            return self.doc
        except (yaml.YAMLError, RecursionError, ValueError) as err:
            self.problem(f"this is not valid YAML: {err}", Location(self.doc.file))
            return self.doc
        if root is None:
            self.problem("the file is empty", Location(self.doc.file), "see srkb template")
            return self.doc
        if not isinstance(root, yaml.MappingNode):
            self.problem(
                "the file should be a mapping of sections (base:, organisations:, ...)",
                self.where(root),
            )
            return self.doc
        for key_node, value_node in root.value:
            key = self.scalar(key_node)
            if key is None:
                self.problem("a section name must be a word", self.where(key_node))
                continue
            if not self.fresh(value_node):
                continue
            if key in ("base", "language"):
                value = self.scalar(value_node)
                if value is None and not (
                    isinstance(value_node, yaml.ScalarNode) and key == "language"
                ):
                    self.problem(f"'{key}' needs a single value", self.where(value_node))
                    continue
                self.doc.settings[key] = (value or "", self.where(value_node, column=key))
            elif key == "prefixes":
                self.read_prefixes(value_node)
            else:
                self.read_section(key, key_node, value_node)
        return self.doc

    def read_prefixes(self, node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG:
            return
        if not isinstance(node, yaml.MappingNode):
            self.problem("'prefixes' should map short names to IRIs", self.where(node))
            return
        for key_node, value_node in node.value:
            key, value = self.scalar(key_node), self.scalar(value_node)
            if key is None or value is None:
                self.problem("a prefix needs a name and an IRI", self.where(key_node))
                continue
            self.doc.prefixes[key] = (value, self.where(value_node, column=f"prefixes.{key}"))

    def read_section(self, name: str, key_node: yaml.Node, node: yaml.Node) -> None:
        sheet = Sheet(name, self.where(key_node, sheet=name))
        self.doc.sheets.append(sheet)
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG:
            return
        if not isinstance(node, yaml.SequenceNode):
            self.problem(
                f"'{name}' should be a list of rows (each starting with '- id: ...')",
                self.where(node, sheet=name),
            )
            return
        for number, item in enumerate(node.value, start=1):
            where = self.where(item, sheet=name, row=number)
            if not self.fresh(item):
                continue
            if not isinstance(item, yaml.MappingNode):
                self.problem("each row should be a mapping of keys to values", where)
                continue
            cells: dict[str, Cell] = {}
            for key_node, value_node in item.value:
                key = self.scalar(key_node)
                if key is None:
                    self.problem("a key must be a word", self.where(key_node, sheet=name))
                    continue
                cell_where = self.where(value_node, sheet=name, row=number, column=key)
                if key in cells:
                    self.problem(f"the key '{key}' appears twice in this row", cell_where)
                    continue
                cell = self.cell(value_node, cell_where)
                if cell is not None:
                    cells[key] = cell
            sheet.records.append(Record(where, cells))

    def cell(self, node: yaml.Node, where: Location) -> Cell | None:
        if isinstance(node, yaml.ScalarNode):
            return Cell(where, text=self.scalar(node))
        if not self.fresh(node):
            return None
        if isinstance(node, yaml.SequenceNode):
            items: list[str] = []
            for element in node.value:
                if not isinstance(element, yaml.ScalarNode):
                    self.problem("a list of values cannot contain lists or mappings", where)
                    return None
                value = self.scalar(element)
                if value is not None:
                    items.append(value)
            return Cell(where, items=tuple(items))
        self.problem("expected a value or a list of values, not a mapping", where)
        return None


def read_yaml(data: bytes, name: str) -> RawDocument:
    """Read YAML into rows with line numbers; anchors, aliases and tags beyond the core refused."""
    return _YamlReader(name).read(data)


# -- workbooks and CSV files -----------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    """A spreadsheet value as text: numbers without a spurious '.0', dates in ISO 8601."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    # srkb's own exports quote text a spreadsheet could run (kb.interchange.spreadsheet_cells).
    return restore(str(value).strip())


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _TableReader:
    """Shared reading of header-and-rows tables (worksheets and CSV files)."""

    def __init__(self, doc: RawDocument, style: Style) -> None:
        self.doc = doc
        self.style = style

    def where(
        self,
        file: str,
        sheet: str,
        index: int,
        row: int,
        *,
        column: str | None = None,
        cell: str | None = None,
        column_index: int = 0,
    ) -> Location:
        return Location(
            file,
            sheet=sheet,
            row=row,
            column=column,
            cell=cell if self.style == "workbook" else None,
            style=self.style,
            order=(index, row, column_index),
        )

    def problem(self, message: str, where: Location, hint: str | None = None) -> None:
        self.doc.problems.append(ImportProblem(message, where, hint))

    def about(self, file: str, index: int, rows: Iterable[Sequence[object]]) -> None:
        """Settings rows: ``base``, ``language``, ``prefix NAME`` with the value beside them."""
        for number, values in enumerate(rows, start=1):
            texts = [_cell_text(v) for v in values]
            key = (texts[0] if texts else None) or ""
            value = (texts[1] if len(texts) > 1 else None) or ""
            where = self.where(file, ABOUT_SHEET, index, number, column=key, cell=f"B{number}")
            if not key or key.startswith("#") or (number == 1 and key == "setting"):
                continue
            words = key.split()
            if key in ("base", "language"):
                self.doc.settings[key] = (value, where)
            elif len(words) == 2 and words[0] == "prefix":
                self.doc.prefixes[words[1]] = (value, where)
            else:
                self.problem(
                    f"unknown setting '{key}'",
                    where,
                    "the settings are base, language and 'prefix NAME'",
                )

    def table(self, file: str, name: str, index: int, rows: Iterator[Sequence[object]]) -> None:
        """A header row, then one row per thing; empty rows are skipped."""
        sheet = Sheet(name, Location(file, sheet=name, style=self.style, order=(index, 0, 0)))
        self.doc.sheets.append(sheet)
        header_row = next(rows, None)
        if header_row is None:
            return
        headers = [_cell_text(v) or "" for v in header_row]
        sheet.headers = []
        columns: dict[int, str] = {}
        for i, header in enumerate(headers):
            where = self.where(
                file, name, index, 1, column=header, cell=f"{_column_letter(i)}1", column_index=i
            )
            if not header or header.startswith("#"):
                continue
            if header in columns.values():
                self.problem(f"the column '{header}' appears twice", where)
                continue
            columns[i] = header
            sheet.headers.append((header, where))
        unnamed: set[int] = set()
        for number, values in enumerate(rows, start=2):
            texts = [_cell_text(v) for v in values]
            if not any(texts):
                continue
            cells: dict[str, Cell] = {}
            for i, text in enumerate(texts):
                if not text:
                    continue
                letter = _column_letter(i)
                if i not in columns:
                    if (i >= len(headers) or not headers[i]) and i not in unnamed:
                        unnamed.add(i)
                        self.problem(
                            f"column {letter} has values but no header",
                            self.where(file, name, index, number, cell=f"{letter}{number}"),
                            "name the column in row 1, or start its header with '#' "
                            "to keep it as a note",
                        )
                    continue
                cells[columns[i]] = Cell(
                    self.where(
                        file,
                        name,
                        index,
                        number,
                        column=columns[i],
                        cell=f"{letter}{number}",
                        column_index=i,
                    ),
                    text=text,
                )
            sheet.records.append(Record(self.where(file, name, index, number), cells))


def _check_zip(data: bytes, doc: RawDocument, what: str) -> zipfile.ZipFile | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except Exception as err:  # zipfile raises many kinds (BadZipFile, NotImplementedError...)
        doc.problems.append(ImportProblem(f"this is not {what} ({err})", Location(doc.file)))
        return None
    if unpacked > MAX_UNPACKED_BYTES:
        doc.problems.append(
            ImportProblem(
                f"it unpacks to {unpacked} bytes, more than the {MAX_UNPACKED_BYTES}-byte limit",
                Location(doc.file),
            )
        )
        return None
    return archive


def read_workbook(data: bytes, name: str) -> RawDocument:
    """Read an .xlsx workbook: an ``about`` sheet of settings and one sheet per kind.

    Sheets whose name starts with ``_`` are notes and are skipped, as are columns whose header
    starts with ``#``. Formulas are read as their last computed values.
    """
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    doc = RawDocument(name)
    if _check_zip(data, doc, "an Excel workbook (.xlsx)") is None:
        return doc
    reader = _TableReader(doc, "workbook")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds; all mean "this is not a workbook"
        doc.problems.append(
            ImportProblem(
                f"the workbook cannot be read ({type(err).__name__}: {err})", Location(name)
            )
        )
        return doc
    try:
        for index, sheet in enumerate(workbook.worksheets):
            title = str(sheet.title)
            if title.startswith("_"):
                continue
            if isinstance(sheet, ReadOnlyWorksheet):
                sheet.reset_dimensions()  # trust the cells, not a declared A1:XFD1048576
            rows = sheet.iter_rows(values_only=True)
            if title == ABOUT_SHEET:
                reader.about(name, index, rows)
            else:
                reader.table(name, title, index, iter(rows))
    except Exception as err:  # a damaged sheet fails while it is read, not when it is opened
        doc.problems.append(
            ImportProblem(
                f"the workbook cannot be read ({type(err).__name__}: {err})", Location(name)
            )
        )
    finally:
        workbook.close()
    return doc


def read_csv_files(files: Sequence[tuple[str, bytes]], name: str) -> RawDocument:
    """Read ``<kind>.csv`` files (and ``about.csv``) given as (file name, content) pairs."""
    doc = RawDocument(name)
    reader = _TableReader(doc, "csv")
    if not files:
        doc.problems.append(
            ImportProblem("there are no .csv files", Location(name), "name them <kind>.csv")
        )
    for index, (file_name, data) in enumerate(files):
        stem = Path(file_name).stem
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            doc.problems.append(
                ImportProblem(
                    f"the file is not UTF-8 text (bad byte at offset {err.start})",
                    Location(file_name, style="csv", order=(index,)),
                    "save it as CSV UTF-8",
                )
            )
            continue
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as err:
            doc.problems.append(
                ImportProblem(
                    f"this is not valid CSV: {err}",
                    Location(file_name, style="csv", order=(index,)),
                )
            )
            continue
        if stem == ABOUT_SHEET:
            reader.about(file_name, index, rows)
        else:
            reader.table(file_name, stem, index, iter(rows))
    return doc


def _csv_members(data: bytes, doc: RawDocument) -> list[tuple[str, bytes]] | None:
    archive = _check_zip(data, doc, "a .zip archive of CSV files")
    if archive is None:
        return None
    found: list[tuple[str, bytes]] = []
    names: set[str] = set()
    with archive:
        for info in archive.infolist():
            base = Path(info.filename).name
            if info.is_dir() or base.startswith((".", "_")) or not base.endswith(".csv"):
                continue
            if base in names:
                doc.problems.append(
                    ImportProblem(f"the archive holds two files named {base}", Location(doc.file))
                )
                continue
            names.add(base)
            try:
                found.append((f"{doc.file}/{info.filename}", archive.read(info)))
            except Exception as err:  # corrupt members raise zlib.error, EOFError, BadZipFile...
                doc.problems.append(
                    ImportProblem(f"{info.filename} cannot be unpacked ({err})", Location(doc.file))
                )
    return found


def read_document(data: bytes, fmt: str, name: str) -> RawDocument:
    """Read bytes of one format (``csv``: a .zip of CSV files) into located rows."""
    if fmt == "yaml":
        return read_yaml(data, name)
    if fmt == "xlsx":
        return read_workbook(data, name)
    if fmt == "csv":
        doc = RawDocument(name)
        members = _csv_members(data, doc)
        if members is None:
            return doc
        read = read_csv_files(members, name)
        read.problems[:0] = doc.problems
        return read
    raise InputError(
        f"unknown import format {fmt!r}", source=name, hint="use " + ", ".join(TABULAR_FORMATS)
    )
