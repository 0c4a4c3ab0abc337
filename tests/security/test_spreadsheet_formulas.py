"""Issue 12 item 7: no export srkb writes can make a spreadsheet run a formula, and importing
srkb's own export gives every value back exactly.

Checked to fail before the fix: the workbook held ``=HYPERLINK(...)`` as a live formula (openpyxl
data type ``f``) and the CSV files and the validation CSV held it verbatim.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rdflib import RDFS, Literal

from kb.interchange.importing import parse_tabular, parse_tabular_file
from kb.interchange.loading import write_sources
from kb.interchange.spreadsheet_cells import needs_quote, neutralise, restore
from kb.interchange.tabular_export import export_tabular
from kb.reporting.renderers import to_csv
from kb.store import open_store
from kb.validation.shacl import Finding, ValidationReport

# What the import keeps (it trims leading spaces: " =1+1" is stored as "=1+1", which is why the
# export must quote it); leading tabs and spaces are covered by the unit test below.
HOSTILE = ['=HYPERLINK("http://evil.example/","x")', "+1+1", "-2", "@SUM(A1)", "=1+1", "'quoted"]
YAML = (
    "base: https://example.org/eco#\norganisations:\n"
    + "".join(
        f"  - id: Org{i}\n    label: {value!r}\n" for i, value in enumerate([*HOSTILE[:4], " =1+1"])
    )
    + '  - id: Org9\n    label: "\'quoted"\n'
)


@pytest.mark.parametrize("text", [*HOSTILE, "\tTab", " =1", "\r-", "plain", "", "a=b", "'", "''"])
def test_restore_undoes_neutralise_exactly(text: str) -> None:
    assert restore(neutralise(text)) == text
    assert neutralise(text)[:1] not in set("=+-@\t\r") or text == ""


def labels(store_path: Path | None = None, data: bytes | None = None, fmt: str = "") -> set[str]:
    """The organisation labels of an import (a file, or bytes in ``fmt``)."""
    if store_path is not None:
        source = parse_tabular_file(store_path)
    else:
        assert data is not None
        source = parse_tabular(data, fmt, name=f"again.{fmt}")
    return {q.object.value for q in source.quads if q.predicate.value == str(RDFS.label)}


@pytest.fixture
def exported() -> dict[str, bytes]:
    store = open_store("memory")
    source = parse_tabular(YAML.encode(), "yaml", name="hostile.yaml")
    assert labels(data=YAML.encode(), fmt="yaml") == set(HOSTILE)
    write_sources(store, [source])
    return {fmt: export_tabular(store, fmt).data for fmt in ("xlsx", "csv")}


def test_the_workbook_holds_text_not_formulas(exported: dict[str, bytes]) -> None:
    sheet = load_workbook(io.BytesIO(exported["xlsx"]))["organisations"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
    written = {cell.value for cell in cells}
    assert set(HOSTILE) <= written
    for cell in cells:
        assert cell.data_type != "f", cell.value
        if needs_quote(str(cell.value)):
            assert cell.quotePrefix


def test_the_csv_files_quote_what_a_spreadsheet_would_run(exported: dict[str, bytes]) -> None:
    with zipfile.ZipFile(io.BytesIO(exported["csv"])) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("organisations.csv").decode())))
    cells = [cell for row in rows[1:] for cell in row]
    for value in HOSTILE:
        assert neutralise(value) in cells
    assert not [c for c in cells if c[:1] in set("=+-@\t\r")]


def test_importing_srkbs_own_export_gives_the_values_back(
    exported: dict[str, bytes], tmp_path: Path
) -> None:
    assert labels(data=exported["xlsx"], fmt="xlsx") == set(HOSTILE)
    archive = tmp_path / "export.zip"
    archive.write_bytes(exported["csv"])
    assert labels(archive) == set(HOSTILE)


def test_the_validation_csv_quotes_what_a_spreadsheet_would_run() -> None:
    finding = Finding(
        organisation="https://example.org/eco#Org0",
        organisation_label=HOSTILE[0],
        precondition=2,
        severity="Violation",
        message="-1 practices",
        focus="https://example.org/eco#Org0",
        path=None,
        value="@SUM(A1)",
        hint=None,
        source_shape="https://w3id.org/srkb/shapes#P2",
    )
    text = to_csv(ValidationReport(conforms=False, findings=(finding,), raw_graph=lambda: None))  # type: ignore[arg-type, return-value]
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["organisation_label"] == "'" + HOSTILE[0]
    assert row["message"] == "'-1 practices"
    assert row["value"] == "'@SUM(A1)"
    assert Literal(row["organisation"])  # untouched: nothing to quote
