"""Response models of the JSON endpoints, with examples for the OpenAPI description."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from rdflib import Literal

from kb.store import QueryResult

T = TypeVar("T")

EX = "https://example.org/campus#"


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` plus what is needed to fetch the rest."""

    total: int = Field(description="How many items there are in all.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page, or null on the last.")
    items: list[T]


Row = dict[str, str | int | float | bool | None]


class QuestionInfo(BaseModel):
    """A named ecosystem question."""

    name: str
    cq: str
    question: str
    params: dict[str, str]
    returns: list[str]

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "name": "dependents-of",
                "cq": "CQ08",
                "question": "Which organisations depend on the given provider?",
                "params": {"provider": "iri"},
                "returns": ["organisation"],
            }
        }
    )


class Answer(Page[Row]):
    """The rows of a question, one dict per row, IRIs and literals as strings."""

    question: str
    columns: list[str]

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "question": "dependents-of",
                "columns": ["organisation"],
                "total": 2,
                "limit": 100,
                "offset": 0,
                "next_offset": None,
                "items": [{"organisation": EX + "IT"}, {"organisation": EX + "Finance"}],
            }
        }
    )


class OrganisationRoles(BaseModel):
    """An organisation and the roles inferred for it."""

    organisation: str
    roles: list[str]

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"organisation": EX + "IT", "roles": ["ConsumerTurnedProvider"]}
        }
    )


class RoleExplanation(BaseModel):
    """Why an organisation has one role: the rule and the facts that made it fire."""

    role: str
    rule: str
    condition: str
    witnesses: list[dict[str, str]]
    caveats: list[str] = []  # a witness resting on invalid data (a relationship with two consumers)


class Explanation(BaseModel):
    """Every inferred role of one resource, each with its reasons."""

    organisation: str
    roles: list[RoleExplanation]

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "organisation": EX + "Canteen",
                "roles": [
                    {
                        "role": "https://w3id.org/srkb#ConsumerTurnedProvider",
                        "rule": "srkb-role-ctp",
                        "condition": "organisation ?o consumes service ?s1 ...",
                        "witnesses": [{"o": EX + "Canteen", "s1": EX + "OfficeSpace"}],
                    }
                ],
            }
        }
    )


class AffectedItem(BaseModel):
    """Something affected by a failure, with the path from the failure to it."""

    kind: str = Field(description="service or organisation")
    iri: str
    path: list[str]


class Impact(BaseModel):
    """Everything affected downstream if ``failed`` fails."""

    failed: str
    services: list[AffectedItem]
    organisations: list[AffectedItem]


class Cycle(BaseModel):
    """Organisations that all depend on each other through provision (a strongly connected set)."""

    organisations: list[str]


class PracticeAnswer(BaseModel):
    """An organisation's service relationship practice."""

    organisation: str
    roles: list[Row]
    activities: list[Row]


def json_value(value: object) -> str | int | float | bool | None:
    """A term as JSON: numbers and booleans as JSON numbers and booleans, the rest as text.

    >>> from rdflib import Literal, URIRef
    >>> json_value(Literal(3)), json_value(Literal("3")), json_value(URIRef("urn:x"))
    (3, '3', 'urn:x')
    """
    if value is None:
        return None
    if isinstance(value, Literal) and value.datatype is not None:
        python = value.toPython()
        if isinstance(python, bool | int | float):
            return python
        if isinstance(python, Decimal):
            return float(python)
    return str(value)


def rows(result: QueryResult) -> list[Row]:
    """Rows as dicts (None for unbound); numbers stay numbers (``"violations": 1``, not "1")."""
    return [
        {name: json_value(value) for name, value in zip(result.variables, row, strict=True)}
        for row in result.rows
    ]


def page(items: Sequence[T], limit: int, offset: int) -> dict[str, Any]:
    """Slice a list into a page and say where the next one starts."""
    chunk = list(items[offset : offset + limit])
    following = offset + limit
    return {
        "total": len(items),
        "limit": limit,
        "offset": offset,
        "next_offset": following if following < len(items) else None,
        "items": chunk,
    }
