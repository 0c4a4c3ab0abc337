"""Listings: tables fit the terminal without cutting identifiers; every format, the same rows."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kb.cli.listing import FORMATS, Listing, render
from kb.errors import InputError
from kb.prefixes import Prefixes

EX = "https://example.org/campus#"
PREFIXES = Prefixes.of({"campus": {"ex": EX}})
LONG = "rel-facility-canteen-catering-and-kitchen-space"


def listing() -> Listing:
    rows = (
        (URIRef(EX + LONG), URIRef(EX + "Canteen"), Literal(3, datatype=XSD.integer)),
        (URIRef(EX + "rel-it-finance"), URIRef(EX + "IT"), None),
    )
    return Listing(
        ("relationship", "provider", "violations"),
        rows,
        labels={EX + "Canteen": "Staff Canteen", EX + "IT": "IT Department"},
    )


@pytest.mark.parametrize("width", [72, 80, 120])
def test_a_table_fits_and_keeps_every_identifier_whole(width: int) -> None:
    text = render(listing(), "table", prefixes=PREFIXES, width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    assert f"ex:{LONG}" in text
    assert "ex:Canteen" in text
    assert "…" not in text


def test_labels_stand_beside_curies() -> None:
    text = render(listing(), "table", prefixes=PREFIXES, width=120)
    assert "ex:Canteen (Staff Canteen)" in text
    assert "https://example.org" not in text


def test_too_narrow_for_columns_it_prints_one_field_per_line() -> None:
    text = render(listing(), "table", prefixes=PREFIXES, width=40)
    assert f"relationship | ex:{LONG}" in text
    assert "provider     | ex:IT (IT Department)" in text


def test_machine_formats_carry_full_iris_and_json_numbers() -> None:
    rows = json.loads(render(listing(), "json"))
    assert rows[0] == {"relationship": EX + LONG, "provider": EX + "Canteen", "violations": 3}
    assert rows[1]["violations"] is None
    table = list(csv.reader(io.StringIO(render(listing(), "tsv")), delimiter="\t"))
    assert table[0] == ["relationship", "provider", "violations"]
    assert table[1] == [EX + LONG, EX + "Canteen", "3"]


def test_markdown_shows_curies_with_labels() -> None:
    text = render(listing(), "md", prefixes=PREFIXES)
    assert "| `ex:Canteen` (Staff Canteen) |" in text
    assert text.splitlines()[1] == "|---|---|---|"


def test_every_format_renders_and_an_unknown_one_is_refused() -> None:
    for fmt in FORMATS:
        assert render(listing(), fmt, prefixes=PREFIXES)
    with pytest.raises(InputError, match="use one of table, csv, tsv, json, md"):
        render(listing(), "xml")
