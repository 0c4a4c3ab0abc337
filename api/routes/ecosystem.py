"""Ecosystem questions as JSON: organisations and roles, who provides what, impact, cycles.

Every route runs one named question (``queries/<name>.rq``) or one kb function and pages the
rows; ``/questions/{name}`` runs any question with its parameters from the query string.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import KBDep, ReaderDep
from api.responses import PRIVATE_READ
from api.schemas import (
    AffectedItem,
    Answer,
    Cycle,
    Explanation,
    Impact,
    OrganisationRoles,
    Page,
    PracticeAnswer,
    QuestionInfo,
    RoleExplanation,
    page,
    rows,
)
from kb.ecosystem.impact import impact as find_impact
from kb.ecosystem.questions import ask, expand_iri, question, questions
from kb.ecosystem.views import cycles as find_cycles
from kb.ecosystem.views import practice as find_practice
from kb.ecosystem.views import roles_by_organisation
from kb.errors import InputError
from kb.reasoning.inference import explain
from kb.sparql.text import iri as sparql_iri
from kb.sparql.text import node_name

router = APIRouter(tags=["Ecosystem questions"], dependencies=[ReaderDep])

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "A parameter is missing or not of its type"},
    **PRIVATE_READ,
    404: {"description": "Unknown question or resource"},
    422: {"description": "Invalid query-string values"},
    503: {"description": "Store unavailable or query timeout"},
}

Iri = Annotated[
    str,
    Query(description="Full IRI of the organisation.", examples=["https://example.org/campus#IT"]),
]
Limit = Annotated[int, Query(ge=1, le=10_000, description="Page size.")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]


def _iri(kb: KBDep, value: str) -> str:
    """The full IRI of an IRI or a CURIE (srkb's prefixes or a loaded file's, such as ex:IT).

    Refuses (400) an unknown or ambiguous prefix, and text that cannot be written into a query
    as an IRI (rdflib would fail: 500).
    """
    full = expand_iri(kb.store, value)
    sparql_iri(full)
    return full


def _answer(kb: KBDep, name: str, params: dict[str, str], limit: int, offset: int) -> Answer:
    declared = question(name).params
    given = {
        pname: _iri(kb, value) if declared.get(pname) == "iri" else value
        for pname, value in params.items()
    }
    result = ask(kb.store, name, given)
    return Answer(
        question=name, columns=list(result.variables), **page(rows(result), limit, offset)
    )


@router.get("/questions", response_model=list[QuestionInfo], responses=ERRORS)
def list_questions() -> list[QuestionInfo]:
    """Every named question, with its parameters and columns."""
    return [
        QuestionInfo(
            name=q.name, cq=q.cq, question=q.question, params=q.params, returns=list(q.returns)
        )
        for q in questions().values()
    ]


@router.get("/questions/{name}", response_model=Answer, responses=ERRORS)
def run_question(
    kb: KBDep,
    request: Request,
    name: Annotated[str, Path(description="A question name from /questions.")],
    limit: Limit = 100,
    offset: Offset = 0,
) -> Answer:
    """Run a named question; its parameters are query-string fields (e.g. ``?provider=IRI``)."""
    declared = question(name).params
    params = {k: v for k, v in request.query_params.items() if k in declared}
    unknown = set(request.query_params) - set(declared) - {"limit", "offset"}
    if unknown:
        raise InputError(f"question {name!r} has no parameter {', '.join(sorted(unknown))}")
    return _answer(kb, name, params, limit, offset)


@router.get("/organisations", response_model=Page[OrganisationRoles], responses=ERRORS)
def organisations(kb: KBDep, limit: Limit = 100, offset: Offset = 0) -> Page[OrganisationRoles]:
    """Every organisation with its inferred roles (see /organisations/roles for the reasons)."""
    items = [
        OrganisationRoles(organisation=o, roles=r)
        for o, r in roles_by_organisation(kb.store).items()
    ]
    return Page[OrganisationRoles](**page(items, limit, offset))


@router.get("/organisations/roles", response_model=Explanation, responses=ERRORS)
def organisation_roles(kb: KBDep, iri: Iri) -> Explanation:
    """An organisation's inferred roles, each with the rule and the facts that made it fire."""
    found = explain(kb.store, _iri(kb, iri))
    return Explanation(
        organisation=iri,
        roles=[
            RoleExplanation(
                role=e.role,
                rule=e.rule_id,
                condition=e.condition,
                witnesses=[{k: node_name(v) for k, v in w.items()} for w in e.witnesses],
                caveats=list(e.caveats),
            )
            for e in found
        ],
    )


@router.get("/organisations/providers", response_model=Answer, responses=ERRORS)
def providers(kb: KBDep, iri: Iri, limit: Limit = 100, offset: Offset = 0) -> Answer:
    """Who provides which service to the organisation (question providers-of)."""
    return _answer(kb, "providers-of", {"organisation": iri}, limit, offset)


@router.get("/organisations/consumers", response_model=Answer, responses=ERRORS)
def consumers(kb: KBDep, iri: Iri, limit: Limit = 100, offset: Offset = 0) -> Answer:
    """Who consumes which service from the organisation (question consumers-of)."""
    return _answer(kb, "consumers-of", {"organisation": iri}, limit, offset)


@router.get("/organisations/components", response_model=Answer, responses=ERRORS)
def components(kb: KBDep, iri: Iri, limit: Limit = 100, offset: Offset = 0) -> Answer:
    """The organisation's service components and their vendors (components-and-vendors)."""
    return _answer(kb, "components-and-vendors", {"organisation": iri}, limit, offset)


@router.get("/organisations/practice", response_model=PracticeAnswer, responses=ERRORS)
def practice(kb: KBDep, iri: Iri) -> PracticeAnswer:
    """The organisation's practice: RACI assignments, and activities with their tools."""
    assignments, activities = find_practice(kb.store, _iri(kb, iri))
    return PracticeAnswer(organisation=iri, roles=rows(assignments), activities=rows(activities))


@router.get("/organisations/catalogue", response_model=Answer, responses=ERRORS)
def catalogue(kb: KBDep, iri: Iri, limit: Limit = 100, offset: Offset = 0) -> Answer:
    """The organisation's catalogue and what each service is made of (catalogue-of)."""
    return _answer(kb, "catalogue-of", {"organisation": iri}, limit, offset)


@router.get("/relationships", response_model=Answer, responses=ERRORS)
def relationships(kb: KBDep, limit: Limit = 100, offset: Offset = 0) -> Answer:
    """Who provides which service to whom (who-provides-what-to-whom)."""
    return _answer(kb, "who-provides-what-to-whom", {}, limit, offset)


@router.get("/services/dependencies", response_model=Answer, responses=ERRORS)
def service_dependencies(
    kb: KBDep,
    iri: Annotated[str, Query(description="Full IRI of the service.")],
    limit: Limit = 100,
    offset: Offset = 0,
) -> Answer:
    """Services the given service is built on, transitively, with their vendors."""
    return _answer(kb, "service-dependencies", {"service": iri}, limit, offset)


@router.get("/impact", response_model=Impact, responses=ERRORS)
def impact(
    kb: KBDep,
    iri: Annotated[str, Query(description="IRI of the failing provider organisation or service.")],
) -> Impact:
    """Every service and organisation affected downstream if the provider or service fails."""
    affected = [
        AffectedItem(kind=a.kind, iri=a.iri, path=list(a.path))
        for a in find_impact(kb.store, _iri(kb, iri))
    ]
    return Impact(
        failed=iri,
        services=[a for a in affected if a.kind == "service"],
        organisations=[a for a in affected if a.kind == "organisation"],
    )


@router.get("/cycles", response_model=list[Cycle], responses=ERRORS)
def cycles(kb: KBDep) -> list[Cycle]:
    """Provision cycles: groups of organisations that all depend on each other."""
    return [Cycle(organisations=group) for group in find_cycles(kb.store)]


@router.get("/consumer-turned-providers", response_model=Answer, responses=ERRORS)
def consumer_turned_providers(kb: KBDep, limit: Limit = 100, offset: Offset = 0) -> Answer:
    """Organisations that build what they provide from what they consume."""
    return _answer(kb, "consumer-turned-providers", {}, limit, offset)


@router.get("/preconditions/{precondition}/failing", response_model=Answer, responses=ERRORS)
def failing(
    kb: KBDep,
    precondition: Annotated[int, Path(ge=0, le=3, description="0, 1, 2 or 3.")],
    limit: Limit = 100,
    offset: Offset = 0,
) -> Answer:
    """Organisations that fail a precondition, with how many violations."""
    return _answer(
        kb, "organisations-failing-precondition", {"precondition": str(precondition)}, limit, offset
    )
