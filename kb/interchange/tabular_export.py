"""Export asserted data to YAML, a workbook or CSV files through the declared mapping.

The inverse of :mod:`kb.interchange.importing`, through the same
:data:`kb.interchange.tabular_mapping.KINDS`: every thing
with a mapped class becomes a row of its kind and every triple a cell, so that importing the
export gives the same graph. What the formats cannot say is never dropped silently: blank nodes,
classes and properties the mapping does not cover, labels in a second language, a second value in
a one-value column, a row without a required value... each such triple is listed in
``left_out`` with the reason, for the caller to show.

Only asserted data is exported (a source graph, or all of them), never inferred triples, and
never the PROV metadata srkb keeps about each source.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kb.errors import InputError, NotFoundError
from kb.interchange.importing import IRI_SCHEMES
from kb.interchange.spreadsheet_cells import needs_quote, neutralise
from kb.interchange.tabular_mapping import (
    ABOUT_SHEET,
    ID_COLUMN,
    KINDS,
    RDF_TYPE,
    SEPARATOR,
    Column,
    Kind,
    canonical_number,
)
from kb.namespaces import PREFIXES, SOURCE_GRAPH_PREFIX, curie

if TYPE_CHECKING:
    from kb.store import Store

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Export formats by short name (``csv`` is a .zip of one CSV file per kind).
EXPORT_FORMATS = ("yaml", "xlsx", "csv")
TEMPLATE_BASE = "https://example.org/my-ecosystem#"
_BARE_ID = re.compile(r"[^\s,:<>\"{}|^`\\]+")
_CURIE_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")

Value = str | list[str]
Row = dict[str, Value]


@dataclass(frozen=True)
class LeftOut:
    """A triple the tabular formats cannot express, and why."""

    triple: str
    reason: str

    def __str__(self) -> str:
        return f"{self.triple}  ({self.reason})"


@dataclass
class TabularDocument:
    """Rows by kind, ready to be written as YAML, a workbook or CSV files."""

    base: str
    language: str | None = "en"
    prefixes: dict[str, str] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    left_out: list[LeftOut] = field(default_factory=list)


@dataclass(frozen=True)
class TabularExport:
    """An export's bytes and the triples it could not express."""

    data: bytes
    left_out: tuple[LeftOut, ...]


def _show(triple: tuple[Node, Node, Node]) -> str:
    def one(term: Node) -> str:
        if isinstance(term, URIRef):
            short = curie(term)
            return short if short != str(term) else f"<{term}>"
        return term.n3() if hasattr(term, "n3") else str(term)

    return " ".join(one(t) for t in triple)


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut >= 0 else iri


class _Exporter:
    def __init__(self, graph: Graph, base: str | None) -> None:
        self.graph = graph
        self.left_out: list[LeftOut] = []
        self.kind_of: dict[URIRef, Kind] = {}
        self.base = base or ""
        self.language: str | None = "en"

    def leave(self, triple: tuple[Node, Node, Node], reason: str) -> None:
        self.left_out.append(LeftOut(_show(triple), reason))

    def assign_kinds(self) -> None:
        rdf_type = URIRef(RDF_TYPE)
        classes: dict[Node, set[str]] = defaultdict(set)
        for subject, cls in self.graph.subject_objects(rdf_type):
            classes[subject].add(str(cls))
        for subject, found in classes.items():
            if not isinstance(subject, URIRef):
                continue  # its triples are left out with the other blank-node triples
            for kind in KINDS:
                if kind.classes & found:
                    self.kind_of[subject] = kind
                    break
        for subject, cls in self.graph.subject_objects(rdf_type):
            if not isinstance(subject, URIRef):
                continue
            row_kind = self.kind_of.get(subject)
            if row_kind is None:
                self.leave((subject, rdf_type, cls), "no kind of row has this class")
            elif str(cls) not in row_kind.classes:
                self.leave(
                    (subject, rdf_type, cls),
                    f"a row is of one kind only; it is one of {row_kind.name}",
                )

    def choose_base_and_language(self) -> None:
        if not self.base:
            spaces = Counter(_namespace(str(s)) for s in self.kind_of)
            self.base = spaces.most_common(1)[0][0] if spaces else TEMPLATE_BASE
        label = URIRef(KINDS[0].column("label").predicate)
        languages = Counter(
            o.language.lower() if o.language else None
            for o in self.graph.objects(None, label)
            if isinstance(o, Literal)
        )
        if languages:
            self.language = languages.most_common(1)[0][0]

    def columns(self) -> tuple[dict[tuple[str, str], Column], dict[tuple[str, str], Column]]:
        forward: dict[tuple[str, str], Column] = {}
        inverse: dict[tuple[str, str], Column] = {}
        for kind in KINDS:
            for column in kind.columns:
                if column.predicate == RDF_TYPE:
                    continue
                (inverse if column.inverse else forward)[(kind.name, column.predicate)] = column
        return forward, inverse

    def fits(self, column: Column, value: Node) -> str | None:
        """None if ``value`` can be written in ``column``, else the reason it cannot."""
        if column.value == "reference":
            if not isinstance(value, URIRef):
                return f"'{column.name}' holds references, not literals or blank nodes"
            kind = self.kind_of.get(value)
            if kind is not None and kind.name not in column.refers_to:
                return f"'{column.name}' refers to {', '.join(column.refers_to)}, not {kind.name}"
            return None
        if column.value == "choice":
            if str(value) not in column.choices.values():
                return f"'{column.name}' is one of {', '.join(column.choices)}"
            return None
        if not isinstance(value, Literal):
            return f"'{column.name}' holds literals"
        if column.value == "text":
            language = value.language.lower() if value.language else None
            if language != self.language or value.datatype is not None:
                return f"'{column.name}' holds text in the file's language ({self.language})"
            return None
        if column.value == "number":
            number = canonical_number(str(value))
            if number is None or number != (str(value), str(value.datatype)):
                return f"'{column.name}' holds numbers (xsd:integer or xsd:decimal, canonical)"
            return None
        if value.language is not None or (value.datatype not in (None, URIRef(XSD_STRING))):
            return f"'{column.name}' holds plain strings"
        if column.pattern and not re.fullmatch(column.pattern, str(value)):
            return f"'{column.name}' holds {column.pattern_words}"
        if column.many and SEPARATOR in str(value):
            return f"a value of '{column.name}' cannot contain a comma"
        return None

    def collect(self) -> dict[URIRef, dict[str, list[tuple[Node, tuple[Node, Node, Node]]]]]:
        """Every triple placed in a cell of a row: row -> column -> [(value, triple)]."""
        forward, inverse = self.columns()
        cells: dict[URIRef, dict[str, list[tuple[Node, tuple[Node, Node, Node]]]]] = {
            s: defaultdict(list) for s in self.kind_of
        }
        rdf_type = URIRef(RDF_TYPE)
        for triple in sorted(self.graph, key=lambda t: tuple(str(x) for x in t)):
            subject, predicate, value = triple
            if isinstance(subject, BNode) or isinstance(value, BNode):
                self.leave(triple, "blank nodes have no id; give the thing an IRI")
                continue
            owner = subject if isinstance(subject, URIRef) and subject in self.kind_of else None
            kind = self.kind_of[owner] if owner is not None else None
            if predicate == rdf_type:
                if owner and kind and kind.rdf_type is None and str(value) in kind.classes:
                    type_column = next(c for c in kind.columns if c.predicate == RDF_TYPE)
                    cells[owner][type_column.name].append((value, triple))
                continue
            column = forward.get((kind.name, str(predicate))) if kind else None
            placed: Node = value
            if column is None and isinstance(value, URIRef) and value in self.kind_of:
                column = inverse.get((self.kind_of[value].name, str(predicate)))
                owner, placed = value, subject
            if column is None:
                where = f"on {kind.name}" if kind else "on a thing of no mapped class"
                self.leave(triple, f"no column holds {curie(predicate)} {where}")
                continue
            reason = self.fits(column, placed)
            if reason is not None:
                self.leave(triple, reason)
                continue
            assert owner is not None  # noqa: S101 - a column was found for it
            cells[owner][column.name].append((placed, triple))
        return cells

    def id_text(self, iri: URIRef) -> str:
        text = str(iri)
        if text.startswith(self.base) and _BARE_ID.fullmatch(text[len(self.base) :]):
            return text[len(self.base) :]
        return self.external(iri)

    def external(self, iri: URIRef) -> str:
        """An IRI that is not a row here: a CURIE with srkb's prefixes, or the full IRI."""
        text = str(iri)
        for prefix, namespace in PREFIXES.items():
            local = text[len(namespace) :]
            if text.startswith(namespace) and _CURIE_LOCAL.fullmatch(local):
                return f"{prefix}:{local}"
        scheme = text.split(":", 1)[0].lower()
        if scheme in IRI_SCHEMES and SEPARATOR not in text:
            return text
        return f"<{text}>"

    def text_of(self, column: Column, value: Node) -> str:
        if column.value == "reference":
            assert isinstance(value, URIRef)  # noqa: S101 - checked by fits()
            return self.id_text(value) if value in self.kind_of else self.external(value)
        if column.value == "choice":
            return next(word for word, iri in column.choices.items() if iri == str(value))
        return str(value)

    def document(self) -> TabularDocument:
        self.assign_kinds()
        self.choose_base_and_language()
        cells = self.collect()
        for subject in sorted(cells, key=str):
            kind = self.kind_of[subject]
            missing = [
                c.name for c in kind.columns if c.required and not cells[subject].get(c.name)
            ]
            if missing:
                reason = (
                    f"its {kind.singular} has no {', '.join(missing)}, "
                    "which the import format requires"
                )
                for placed in cells[subject].values():
                    for _value, triple in placed:
                        self.leave(triple, reason)
                if kind.rdf_type is not None:
                    self.leave((subject, URIRef(RDF_TYPE), URIRef(kind.rdf_type)), reason)
                del self.kind_of[subject]
        tables: dict[str, list[Row]] = {kind.name: [] for kind in KINDS}
        for subject in sorted(self.kind_of, key=lambda s: self.id_text(s).lower()):
            kind = self.kind_of[subject]
            row: Row = {ID_COLUMN: self.id_text(subject)}
            for column in kind.columns:
                placed = cells[subject].get(column.name, [])
                texts = sorted({self.text_of(column, v) for v, _t in placed})
                if not column.many and len(texts) > 1:
                    for value, triple in placed:
                        if self.text_of(column, value) != texts[0]:
                            self.leave(triple, f"'{column.name}' takes one value")
                    texts = texts[:1]
                if texts:
                    row[column.name] = texts if column.many and len(texts) > 1 else texts[0]
            tables[kind.name].append(row)
        return TabularDocument(self.base, self.language, {}, tables, self.left_out)


def document_from_graph(graph: Graph, *, base: str | None = None) -> TabularDocument:
    """Rows of every kind for the things in ``graph``; what cannot be expressed is left out.

    ``base`` is the namespace of the ids; by default the most common namespace of the rows.
    """
    return _Exporter(graph, base).document()


# -- writers ------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Indented block lists of rows; lists of plain values on one line."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, data: list[object]) -> yaml.Node:
    flow = all(isinstance(item, str) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def _dump(data: object) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)


def column_notes(column: Column) -> str:
    """What a column takes, in words (template comments, workbook header notes, docs)."""
    notes = [column.description]
    if column.required:
        notes.append("required")
    if column.value == "choice":
        notes.append("one of: " + ", ".join(column.choices))
    elif column.value == "reference":
        notes.append("ids of " + " or ".join(column.refers_to))
    elif column.value == "number":
        notes.append("a number such as 99.5 or 240")
    elif column.pattern_words:
        notes.append(column.pattern_words)
    if column.many:
        notes.append("several allowed")
    return "; ".join(notes)


def _settings(doc: TabularDocument) -> dict[str, object]:
    settings: dict[str, object] = {
        "base": doc.base,
        "language": doc.language if doc.language else "none",
    }
    if doc.prefixes:
        settings["prefixes"] = dict(doc.prefixes)
    return settings


def to_yaml(doc: TabularDocument, *, title: str | None = None) -> str:
    """The document as YAML: settings, then one commented section per non-empty kind."""
    parts = [f"# {line}".rstrip() + "\n" for line in (title or "").splitlines()]
    parts.append(_dump(_settings(doc)))
    for kind in KINDS:
        rows = doc.tables.get(kind.name) or []
        if rows:
            parts.append(f"\n# {kind.name}: {kind.description}\n")
            parts.append(_dump({kind.name: rows}))
    return "".join(parts)


def _cell(value: Value | None) -> str | None:
    if value is None:
        return None
    return ", ".join(value) if isinstance(value, list) else value


def _as_text(cell: Any) -> None:
    """Keep a workbook cell text, never a formula, whatever it starts with (OWASP).

    openpyxl stores a string that starts with ``=`` as a formula; typed as a string, with Excel's
    quote-prefix style, the cell shows and re-imports the exact text, and no spreadsheet runs it.
    """
    if isinstance(cell.value, str) and needs_quote(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def to_xlsx(doc: TabularDocument) -> bytes:
    """The document as a workbook: an ``about`` sheet, then one sheet per kind (all of them)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    workbook = Workbook()
    about = workbook.active
    assert about is not None  # noqa: S101 - a new workbook has one sheet
    about.title = ABOUT_SHEET
    about.append(["setting", "value"])
    about.append(["base", doc.base])
    about.append(["language", doc.language or "none"])
    for name, iri in doc.prefixes.items():
        about.append([f"prefix {name}", iri])
    about.append(["# see docs/import-format.md; one sheet per kind, one row per thing", None])
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 60
    bold = Font(bold=True)
    for header_cell in about[1]:
        header_cell.font = bold
    for kind in KINDS:
        sheet = workbook.create_sheet(kind.name)
        sheet.append(list(kind.headers))
        notes = {ID_COLUMN: f"a short id, unique in the file; required ({kind.description})"}
        notes.update({c.name: column_notes(c) for c in kind.columns})
        for header_cell, header in zip(sheet[1], kind.headers, strict=True):
            header_cell.font = bold
            header_cell.comment = Comment(notes[header], "srkb")
            letter = header_cell.column_letter
            sheet.column_dimensions[letter].width = max(14, min(40, len(header) + 4))
        sheet.freeze_panes = "A2"
        for row in doc.tables.get(kind.name) or []:
            sheet.append([_cell(row.get(h)) for h in kind.headers])
            for written in sheet[sheet.max_row]:
                _as_text(written)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def to_csv_zip(doc: TabularDocument) -> bytes:
    """The document as a .zip of ``about.csv`` and one ``<kind>.csv`` per kind."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["setting", "value"])
        writer.writerow(["base", doc.base])
        writer.writerow(["language", doc.language or "none"])
        for name, iri in doc.prefixes.items():
            writer.writerow([f"prefix {name}", iri])
        archive.writestr(f"{ABOUT_SHEET}.csv", text.getvalue())
        for kind in KINDS:
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(kind.headers)
            for row in doc.tables.get(kind.name) or []:
                writer.writerow([neutralise(_cell(row.get(h)) or "") for h in kind.headers])
            archive.writestr(f"{kind.name}.csv", text.getvalue())
    return out.getvalue()


def render(doc: TabularDocument, fmt: str, *, title: str | None = None) -> bytes:
    """The document in one of :data:`EXPORT_FORMATS`."""
    if fmt == "yaml":
        return to_yaml(doc, title=title).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(doc)
    if fmt == "csv":
        return to_csv_zip(doc)
    raise InputError(f"unknown tabular format {fmt!r}", hint="use " + ", ".join(EXPORT_FORMATS))


# -- from the store -------------------------------------------------------------------------------


def source_graphs(store: Store) -> list[str]:
    """The graphs of loaded and imported sources (asserted data, not the model or inferences)."""
    return [g for g in store.graphs() if g.startswith(SOURCE_GRAPH_PREFIX)]


def asserted_graph(store: Store, graphs: Sequence[str]) -> Graph:
    """The triples of source graphs, without the PROV metadata srkb keeps about each source."""
    merged = Graph()
    for name in graphs:
        part = Graph()
        part.parse(data=store.dump("nt", graph=name), format="nt")
        for triple in part:
            if triple[0] != URIRef(name):
                merged.add(triple)
    return merged


def export_tabular(
    store: Store, fmt: str, *, graph: str | None = None, base: str | None = None
) -> TabularExport:
    """Export one source graph (or every source graph) as YAML, a workbook or CSV files."""
    if graph is not None and graph not in store.graphs():
        raise NotFoundError(f"the store has no graph named {graph}")
    graphs = [graph] if graph is not None else source_graphs(store)
    doc = document_from_graph(asserted_graph(store, graphs), base=base)
    title = "srkb ecosystem exported from " + (graph or "every source graph")
    return TabularExport(render(doc, fmt, title=title), tuple(doc.left_out))


# -- the template ---------------------------------------------------------------------------------


def _example_row(kind: Kind) -> Row:
    row: Row = {ID_COLUMN: kind.example_id}
    for column in kind.columns:
        if column.example:
            row[column.name] = column.example
    return row


def template_yaml() -> str:
    """A commented YAML example: every kind with every column explained and one example row.

    The example is a small ecosystem that imports without problems.
    """
    lines = [
        "# An srkb ecosystem in YAML (see docs/import-format.md). Import it with",
        "#     srkb import this-file.yaml",
        "# Each section below is one kind of thing, one item per thing. Every item needs an 'id',",
        "# unique in the file; other items refer to it by that id. A full IRI (https://...) or a",
        "# CURIE (srkb:Accountable, or with your own prefixes) may refer to things described",
        "# elsewhere. Columns marked 'several allowed' take a list [a, b] or 'a, b'.",
        "# Delete the examples you do not need; empty sections may be left out.",
        "",
        f"base: {TEMPLATE_BASE}   # every id becomes an IRI under this base",
        "language: en   # the language of labels ('none' for plain strings)",
        "prefixes:      # optional short names for IRIs, used as ex:Something",
        "  ex: https://example.org/elsewhere#",
    ]
    for kind in KINDS:
        lines += ["", f"# {kind.name}: {kind.description}"]
        width = max(len(h) for h in kind.headers)
        lines.append(f"#   {ID_COLUMN.ljust(width)}  a short id, unique in the file; required")
        lines += [f"#   {c.name.ljust(width)}  {column_notes(c)}" for c in kind.columns]
        lines.append(_dump({kind.name: [_example_row(kind)]}).rstrip("\n"))
    return "\n".join(lines) + "\n"


def template_xlsx() -> bytes:
    """An empty workbook: the ``about`` sheet and one sheet per kind with its header row."""
    return to_xlsx(TabularDocument(TEMPLATE_BASE))


def reference_markdown() -> str:
    """The mapping as Markdown tables, for docs/import-format.md (kept in step by a test)."""
    out: list[str] = []
    for kind in KINDS:
        classes = ", ".join(f"`{curie(c)}`" for c in sorted(kind.classes))
        about = kind.description[:1].upper() + kind.description[1:]
        out += [f"### `{kind.name}`", "", f"{about}. Class: {classes}.", ""]
        out += ["| column | property | takes |", "|---|---|---|"]
        out.append(f"| `{ID_COLUMN}` | (the IRI) | a short id, unique in the file; required |")
        for column in kind.columns:
            prop = curie(column.predicate)
            prop = f"{prop} (from the value to the row)" if column.inverse else prop
            out.append(f"| `{column.name}` | `{prop}` | {column_notes(column)} |")
        out.append("")
    return "\n".join(out)


TEMPLATE_NAME = "srkb-ecosystem"


def write_template(directory: Path, *, force: bool = False) -> list[Path]:
    """Write the empty workbook and the commented YAML example into ``directory``.

    Refuses to overwrite existing files unless ``force`` is set.
    """
    files = {
        directory / f"{TEMPLATE_NAME}.xlsx": template_xlsx(),
        directory / f"{TEMPLATE_NAME}.yaml": template_yaml().encode("utf-8"),
    }
    existing = [str(p) for p in files if p.exists()]
    if existing and not force:
        raise InputError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}",
            hint="choose another --out directory, or pass --force to overwrite",
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for path, data in files.items():
            path.write_bytes(data)
    except OSError as err:
        raise InputError(f"cannot write the template: {err.strerror}", source=directory) from err
    return list(files)
