"""The building blocks of srkb's tabular mapping: columns, kinds, units and number cells.

:mod:`kb.interchange.tabular_mapping` declares the table itself (:data:`KINDS`) with these; the
importer and the exporter read cells through :func:`canonical_number` and :data:`UNITS`. Kept apart
so that the table stays one readable declaration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

SRKB = "https://w3id.org/srkb#"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

ValueKind = Literal["reference", "text", "string", "choice", "number"]

#: The column every kind has first: the thing's id (local, a CURIE or a full IRI).
ID_COLUMN = "id"
#: The settings sheet of a workbook (and ``about.csv``): base, language, prefixes.
ABOUT_SHEET = "about"
#: Separator of several values in one cell.
SEPARATOR = ","


@dataclass(frozen=True)
class Column:
    """One column of a kind: a property and how its cells become RDF terms."""

    name: str
    predicate: str
    value: ValueKind
    description: str
    refers_to: tuple[str, ...] = ()
    required: bool = False
    many: bool = False
    inverse: bool = False
    choices: Mapping[str, str] = field(default_factory=dict)
    pattern: str | None = None
    pattern_words: str | None = None
    example: str = ""


@dataclass(frozen=True)
class Kind:
    """One kind of thing: a YAML section, a workbook sheet, a CSV file; one row per thing.

    ``rdf_type`` is written for every row; a kind without one takes its class from a required
    ``choice`` column on ``rdf:type`` (offering elements: goods, resource access, service action).
    """

    name: str
    singular: str
    description: str
    rdf_type: str | None
    columns: tuple[Column, ...]
    example_id: str = ""

    @property
    def classes(self) -> frozenset[str]:
        """Every class a row of this kind can have."""
        found = {self.rdf_type} if self.rdf_type else set()
        for column in self.columns:
            if column.predicate == RDF_TYPE:
                found |= set(column.choices.values())
        return frozenset(found)

    @property
    def headers(self) -> tuple[str, ...]:
        """The header row: ``id`` and then every column, in order."""
        return (ID_COLUMN, *(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        """The column called ``name`` (KeyError if there is none)."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


XSD = "http://www.w3.org/2001/XMLSchema#"
#: A measured period in ISO 8601 words: a year, month, day, quarter or week.
PERIOD_PATTERN = (
    r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?|-Q[1-4]|-W(0[1-9]|[1-4]\d|5[0-3]))?"
)
QUDT_UNIT = "http://qudt.org/vocab/unit/"
#: Units of service level targets: words for QUDT unit IRIs (http://qudt.org/vocab/unit/).
UNITS: Mapping[str, str] = {
    "percent": QUDT_UNIT + "PERCENT",
    "millisecond": QUDT_UNIT + "MilliSEC",
    "second": QUDT_UNIT + "SEC",
    "minute": QUDT_UNIT + "MIN",
    "hour": QUDT_UNIT + "HR",
    "day": QUDT_UNIT + "DAY",
    "count": QUDT_UNIT + "NUM",
    "gigabyte": QUDT_UNIT + "GigaBYTE",
    "megabit per second": QUDT_UNIT + "MegaBIT-PER-SEC",
}

ORGS = ("organisations", "units")
AGENTS = ("organisations", "units", "persons")


def label_column(example: str) -> Column:
    """The ``label`` column every kind has."""
    return Column("label", RDFS_LABEL, "text", "a name people read", example=example)


def ref_column(
    name: str,
    predicate: str,
    refers_to: tuple[str, ...],
    description: str,
    *,
    example: str,
    required: bool = False,
    many: bool = True,
    inverse: bool = False,
) -> Column:
    """A column of references to rows of ``refers_to`` (several by default)."""
    return Column(
        name,
        predicate,
        "reference",
        description,
        refers_to=refers_to,
        required=required,
        many=many,
        inverse=inverse,
        example=example,
    )


def named_kind(name: str, singular: str, rdf_type: str, description: str, example: str) -> Kind:
    """A kind with nothing but an id and a label (values, outcomes, costs, risks)."""
    return Kind(name, singular, description, rdf_type, (label_column(example),), f"{singular}-1")


def canonical_number(text: str) -> tuple[str, str] | None:
    """A number cell as (canonical lexical form, XSD datatype IRI), or None if it is no number.

    Whole numbers become ``xsd:integer``, others ``xsd:decimal`` without trailing zeros: the forms
    a store keeps (Oxigraph rewrites ``98.0`` to ``98``), so a round trip changes nothing.

    >>> canonical_number("99.90")
    ('99.9', 'http://www.w3.org/2001/XMLSchema#decimal')
    >>> canonical_number("240.0")
    ('240', 'http://www.w3.org/2001/XMLSchema#integer')
    >>> canonical_number("-0.50")
    ('-0.5', 'http://www.w3.org/2001/XMLSchema#decimal')
    >>> canonical_number("1e3") is None, canonical_number("n/a") is None
    (True, True)
    """
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text.strip()):
        return None
    number = Decimal(text.strip())
    if number == number.to_integral_value():
        return str(int(number)), XSD + "integer"
    lexical = format(number.normalize(), "f")
    return lexical, XSD + "decimal"
