"""Ecosystem routes over real HTTP against the campus demo: the documented answers, nothing else.

Every expectation comes from ``examples/campus/expected.yaml`` (the answers of the named questions)
or from the campus Turtle file itself, never from the server: a route that agrees with itself but
not with the example fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import httpx
import pytest
from rdflib import Graph, Namespace, URIRef

from kb import resources
from kb.ecosystem.questions import questions
from tests.support.app_server_ecosystem import demo_client
from tests.support.expected import load_expected

CAMPUS = load_expected("campus")
EX = Namespace(CAMPUS.prefixes["ex"])
SRKB = Namespace("https://w3id.org/srkb#")

#: (question, case index, params, rows) for every documented campus answer.
ANSWERS = [
    pytest.param(name, case["params"], case["rows"], id=f"{name}-{i}")
    for name, cases in sorted(CAMPUS.answers.items())
    for i, case in enumerate(cases)
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with demo_client(tmp_path_factory.mktemp("ecosystem-app")) as http:
        yield http


@pytest.fixture(scope="module")
def campus() -> Graph:
    """The campus example as written (asserted triples only), to check paths and witnesses."""
    graph = Graph()
    graph.parse(resources.example_file("campus"), format="turtle")
    return graph


def get_json(client: httpx.Client, url: str, **params: object) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def expected_params(params: dict[str, Any]) -> dict[str, str]:
    return {k: str(CAMPUS.expand(v)) if isinstance(v, str) else str(v) for k, v in params.items()}


def expected_rows(rows: list[list[Any]]) -> set[tuple[str | None, ...]]:
    return {tuple(CAMPUS.cell(c) for c in row) for row in rows}


def lexical(value: object) -> str | None:
    """An answer's cell as text: numbers come as JSON numbers, booleans as JSON booleans."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def actual_rows(items: list[dict[str, object]], columns: list[str]) -> set[tuple[str | None, ...]]:
    return {tuple(lexical(item[c]) for c in columns) for item in items}


def diff(expected: set[tuple[str | None, ...]], actual: set[tuple[str | None, ...]]) -> str:
    def show(rows: set[tuple[str | None, ...]]) -> list[str]:
        return sorted(str(tuple(None if c is None else CAMPUS.curie(c) for c in r)) for r in rows)

    return f"missing {show(expected - actual)}; unexpected {show(actual - expected)}"


def assert_rows(answer: dict[str, Any], columns: list[str], rows: list[list[Any]]) -> None:
    want, got = expected_rows(rows), actual_rows(answer["items"], columns)
    assert got == want, diff(want, got)
    assert answer["total"] == len(answer["items"])
    assert answer["next_offset"] is None


def returns(name: str) -> list[str]:
    return list(questions()[name].returns)


# -- /questions ---------------------------------------------------------------------------------


def test_questions_lists_every_question_on_disk(client: httpx.Client) -> None:
    listed = get_json(client, "/questions")
    on_disk = {p.stem for p in resources.queries_dir().glob("*.rq")}
    assert {q["name"] for q in listed} == on_disk
    assert len(listed) == len(on_disk)
    for q in listed:
        assert q["cq"].startswith("CQ"), q
        assert q["question"].endswith("?"), q
        assert q["returns"], q
        assert set(q["params"].values()) <= {"iri", "integer", "string"}, q


@pytest.mark.parametrize(("name", "params", "rows"), ANSWERS)
def test_question_returns_exactly_the_documented_rows(
    client: httpx.Client, name: str, params: dict[str, Any], rows: list[list[Any]]
) -> None:
    answer = get_json(client, f"/questions/{name}", limit=10_000, **expected_params(params))
    assert answer["question"] == name
    assert answer["columns"] == returns(name)
    assert_rows(answer, answer["columns"], rows)


def test_every_campus_question_has_a_documented_answer() -> None:
    assert set(CAMPUS.answers) == set(questions())


def test_unknown_question_is_404_problem(client: httpx.Client) -> None:
    response = client.get("/questions/no-such-question")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 404
    assert "no-such-question" in problem["detail"]
    assert "providers-of" in problem["detail"], "the error lists the known questions"


@pytest.mark.parametrize(
    ("url", "params", "words"),
    [
        pytest.param(
            "/questions/providers-of", {}, "needs the parameter organisation", id="missing"
        ),
        pytest.param(
            "/questions/providers-of",
            {"organisation": EX.IT, "provider": EX.IT},
            "has no parameter provider",
            id="unknown",
        ),
        pytest.param(
            "/questions/consumer-turned-providers", {"x": "1"}, "has no parameter x", id="no-params"
        ),
        pytest.param(
            "/questions/providers-of",
            {"organisation": "IT"},
            "is neither an IRI nor a CURIE",
            id="not-an-iri",
        ),
        pytest.param(
            "/questions/providers-of",
            {"organisation": "https://example.org/campus#a b"},
            "not a valid IRI",
            id="bad-iri-chars",
        ),
        pytest.param(
            "/questions/organisations-failing-precondition",
            {"precondition": "two"},
            "must be an integer",
            id="not-an-integer",
        ),
    ],
)
def test_missing_unknown_or_mistyped_parameter_is_400(
    client: httpx.Client, url: str, params: dict[str, str], words: str
) -> None:
    response = client.get(url, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.json()["detail"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 10_001}, {"offset": -1}])
def test_out_of_range_paging_is_422(client: httpx.Client, params: dict[str, int]) -> None:
    response = client.get("/relationships", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


# -- pagination ---------------------------------------------------------------------------------


def walk(client: httpx.Client, url: str, limit: int) -> tuple[list[Any], int]:
    """Follow next_offset from 0 to the end (bounded); check each page's bookkeeping."""
    items: list[Any] = []
    offset: int | None = 0
    total: int | None = None
    pages = 0
    while offset is not None:
        pages += 1
        assert pages <= 1_000, "next_offset never ran out"
        page = get_json(client, url, limit=limit, offset=offset)
        assert page["limit"] == limit
        assert page["offset"] == offset
        total = page["total"] if total is None else total
        assert page["total"] == total, "total changed between pages"
        assert len(page["items"]) == min(limit, total - offset)
        items.extend(page["items"])
        following = offset + limit
        assert page["next_offset"] == (following if following < total else None)
        offset = page["next_offset"]
    assert total is not None
    return items, total


@pytest.mark.parametrize("url", ["/organisations", "/relationships"])
@pytest.mark.parametrize("limit", [1, 3, 5])
def test_pages_give_every_item_exactly_once(client: httpx.Client, url: str, limit: int) -> None:
    everything = get_json(client, url, limit=10_000)
    assert everything["next_offset"] is None
    items, total = walk(client, url, limit)
    assert total == everything["total"] == len(everything["items"]) > limit
    keys = [repr(sorted(item.items())) for item in items]
    assert len(keys) == len(set(keys)), "an item came twice"
    assert keys == [repr(sorted(item.items())) for item in everything["items"]]


@pytest.mark.parametrize("url", ["/organisations", "/relationships"])
def test_a_page_past_the_end_is_empty(client: httpx.Client, url: str) -> None:
    page = get_json(client, url, offset=10_000)
    assert page["items"] == []
    assert page["next_offset"] is None
    assert page["total"] > 0


# -- organisations and roles --------------------------------------------------------------------


def test_organisations_are_exactly_the_documented_roles(client: httpx.Client) -> None:
    page = get_json(client, "/organisations", limit=10_000)
    listed = {item["organisation"]: set(item["roles"]) for item in page["items"]}
    assert len(listed) == len(page["items"]), "an organisation is listed twice"
    with_roles = {org: roles for org, roles in listed.items() if roles}
    expected = {org: roles for org, roles in CAMPUS.roles.items() if roles}
    assert with_roles == expected
    # Organisational units are organisations too; they may be listed, but only without roles.
    for org, roles in listed.items():
        if not roles:
            assert org in CAMPUS.roles, org
            assert not CAMPUS.roles[org], org


def test_organisation_roles_explain_the_canteen_as_consumer_turned_provider(
    client: httpx.Client, campus: Graph
) -> None:
    explanation = get_json(client, "/organisations/roles", iri=EX.Canteen)
    assert explanation["organisation"] == str(EX.Canteen)
    roles = {r["role"].removeprefix(str(SRKB)) for r in explanation["roles"]}
    assert roles == CAMPUS.roles[str(EX.Canteen)]
    (ctp,) = [r for r in explanation["roles"] if r["role"] == str(SRKB.ConsumerTurnedProvider)]
    assert ctp["rule"] == "srkb-role-ctp"
    assert ctp["condition"]
    assert ctp["witnesses"]
    for w in ctp["witnesses"]:
        o, r1, r2, s1, s2, c = (URIRef(w[k]) for k in ("o", "r1", "r2", "s1", "s2", "c"))
        assert o == EX.Canteen
        # The relationship in which the canteen consumes s1, the component it registers for s1,
        # and the relationship in which it provides s2, made from that component: all as written.
        assert (r1, SRKB.hasConsumer, o) in campus
        assert (r1, SRKB.concernsService, s1) in campus
        assert (o, SRKB.registersComponent, c) in campus
        assert (c, SRKB.refersToService, s1) in campus
        assert (s2, SRKB.isCreatedFrom, c) in campus
        assert (r2, SRKB.hasProvider, o) in campus
        assert (r2, SRKB.concernsService, s2) in campus
    witness = ctp["witnesses"][0]
    assert (witness["r1"], witness["s1"], witness["c"]) == (
        str(EX["rel-facility-canteen-space"]),
        str(EX.OfficeSpace),
        str(EX["comp-canteen-office-space"]),
    )


def test_roles_of_an_unknown_organisation_are_empty(client: httpx.Client) -> None:
    explanation = get_json(client, "/organisations/roles", iri="https://example.org/nobody")
    assert explanation["roles"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/organisations/roles",
        "/organisations/providers",
        "/organisations/practice",
        "/impact",
        "/services/dependencies",
    ],
)
@pytest.mark.parametrize("iri", ["https://example.org/campus#a|b", "x:{y}", 'https://x/"'])
def test_text_that_cannot_be_an_iri_is_400_not_500(
    client: httpx.Client, url: str, iri: str
) -> None:
    response = client.get(url, params={"iri": iri})
    assert response.status_code == 400, response.text


@pytest.mark.parametrize("url", ["/organisations/providers", "/impact", "/organisations/roles"])
def test_missing_iri_is_422(client: httpx.Client, url: str) -> None:
    assert client.get(url).status_code == 422


# -- routes that are named questions ------------------------------------------------------------

#: route -> (question, the route's query parameter for the question's one parameter)
ROUTES = {
    "/organisations/providers": ("providers-of", "iri"),
    "/organisations/consumers": ("consumers-of", "iri"),
    "/organisations/components": ("components-and-vendors", "iri"),
    "/organisations/catalogue": ("catalogue-of", "iri"),
    "/services/dependencies": ("service-dependencies", "iri"),
    "/relationships": ("who-provides-what-to-whom", None),
    "/consumer-turned-providers": ("consumer-turned-providers", None),
}

ROUTE_CASES = [
    pytest.param(url, name, param, case["params"], case["rows"], id=f"{url}-{i}")
    for url, (name, param) in ROUTES.items()
    for i, case in enumerate(CAMPUS.answers[name])
]


@pytest.mark.parametrize(("url", "name", "param", "params", "rows"), ROUTE_CASES)
def test_route_gives_the_documented_answer_of_its_question(
    client: httpx.Client,
    url: str,
    name: str,
    param: str | None,
    params: dict[str, Any],
    rows: list[list[Any]],
) -> None:
    values = list(expected_params(params).values())
    query = {param: values[0]} if param else {}
    assert len(values) == (1 if param else 0)
    answer = get_json(client, url, limit=10_000, **query)
    assert answer["question"] == name
    assert answer["columns"] == returns(name)
    assert_rows(answer, returns(name), rows)


@pytest.mark.parametrize("organisation", ["IT", "Facility", "Canteen", "Finance"])
def test_practice_gives_the_documented_roles_and_activities(
    client: httpx.Client, organisation: str
) -> None:
    practice = get_json(client, "/organisations/practice", iri=EX[organisation])
    assert practice["organisation"] == str(EX[organisation])
    checked = 0
    for name, key in (("practice-roles", "roles"), ("practice-activities-and-tools", "activities")):
        for case in CAMPUS.answers[name]:
            if expected_params(case["params"]) == {"organisation": str(EX[organisation])}:
                want = expected_rows(case["rows"])
                got = actual_rows(practice[key], returns(name))
                assert got == want, diff(want, got)
                checked += 1
        # the route and the question agree, documented or not
        answer = get_json(client, f"/questions/{name}", organisation=EX[organisation])
        assert actual_rows(practice[key], returns(name)) == actual_rows(
            answer["items"], returns(name)
        )
    assert checked, "every organisation here has a documented practice answer"


@pytest.mark.parametrize("precondition", [0, 1, 2, 3])
def test_no_organisation_fails_a_precondition_on_the_conformant_campus(
    client: httpx.Client, precondition: int
) -> None:
    assert CAMPUS.conforms
    answer = get_json(client, f"/preconditions/{precondition}/failing")
    assert answer["question"] == "organisations-failing-precondition"
    assert answer["columns"] == returns("organisations-failing-precondition")
    assert answer["items"] == []
    assert answer["total"] == 0
    documented = [
        case
        for case in CAMPUS.answers["organisations-failing-precondition"]
        if case["params"]["precondition"] == precondition
    ]
    for case in documented:
        assert case["rows"] == []


@pytest.mark.parametrize("precondition", ["4", "-1", "one"])
def test_unknown_precondition_is_422(client: httpx.Client, precondition: str) -> None:
    assert client.get(f"/preconditions/{precondition}/failing").status_code == 422


def test_cycles_are_the_campus_cycle_of_four(client: httpx.Client) -> None:
    cycles = get_json(client, "/cycles")
    assert [set(c["organisations"]) for c in cycles] == CAMPUS.cycles
    assert [len(c["organisations"]) for c in cycles] == [4]
    # ... and agree with the provision-cycles question: every pair on the cycle, both ways.
    (pairs,) = CAMPUS.answers["provision-cycles"]
    members = cycles[0]["organisations"]
    assert expected_rows(pairs["rows"]) == {(a, b) for a in members for b in members if a != b}


# -- impact -------------------------------------------------------------------------------------


def _is_link(campus: Graph, source: URIRef, target: URIRef, last: bool) -> bool:
    provides = any(
        (r, SRKB.concernsService, target) in campus
        for r in campus.subjects(SRKB.hasProvider, source)
    )
    feeds = any(
        (target, SRKB.isCreatedFrom, c) in campus
        for c in campus.subjects(SRKB.refersToService, source)
    )
    consumed_by = any(
        (r, SRKB.hasConsumer, target) in campus
        for r in campus.subjects(SRKB.concernsService, source)
    )
    return consumed_by if last else provides or feeds


def test_impact_of_netco_names_everything_affected_with_real_paths(
    client: httpx.Client, campus: Graph
) -> None:
    impact = get_json(client, "/impact", iri=EX.NetCo)
    assert impact["failed"] == str(EX.NetCo)
    (documented,) = [
        c
        for c in CAMPUS.answers["impact-of-provider-failure"]
        if c["params"]["provider"] == "ex:NetCo"
    ]
    want = expected_rows(documented["rows"])
    services = {a["iri"] for a in impact["services"]}
    organisations = {a["iri"] for a in impact["organisations"]}
    assert services == {service for service, _ in want}
    assert organisations == {org for _, org in want if org is not None}
    assert len(services) == len(impact["services"])
    assert len(organisations) == len(impact["organisations"])
    for kind, items in (("service", impact["services"]), ("organisation", impact["organisations"])):
        for item in items:
            assert item["kind"] == kind
            path = [URIRef(step) for step in item["path"]]
            assert path[0] == EX.NetCo, item
            assert path[-1] == URIRef(item["iri"]), item
            assert len(path) == len(set(path)) >= 2, item
            steps = list(pairwise(path))
            for i, (source, target) in enumerate(steps):
                last = kind == "organisation" and i == len(steps) - 1
                assert _is_link(campus, source, target, last), (
                    f"{CAMPUS.curie(source)} -> {CAMPUS.curie(target)} is no "
                    f"{'consumed-by' if last else 'provision or feeds'} link in {item}"
                )


def test_impact_of_a_non_iri_is_400(client: httpx.Client) -> None:
    # ex:NetCo is campus.ttl's CURIE and is read (issue 18); an undeclared prefix is not
    response = client.get("/impact", params={"iri": "nope:NetCo"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_impact_of_something_unknown_is_empty(client: httpx.Client) -> None:
    impact = get_json(client, "/impact", iri="https://example.org/nobody")
    assert impact["services"] == impact["organisations"] == []


def test_iri_parameters_take_the_loaded_files_curies(client: httpx.Client) -> None:
    """ex: is campus.ttl's own prefix: the API reads it as the CLI does (issue 18)."""
    roles = get_json(client, "/organisations/roles", iri="ex:Canteen")
    assert {r["role"] for r in roles["roles"]} >= {"https://w3id.org/srkb#ConsumerTurnedProvider"}
    answer = get_json(client, "/questions/dependents-of", provider="ex:NetCo")
    assert "https://example.org/campus#Finance" in {i["organisation"] for i in answer["items"]}
    impact = get_json(client, "/impact", iri="ex:NetCo")
    assert impact["organisations"]
    unknown = client.get("/organisations/roles", params={"iri": "nope:Canteen"})
    assert unknown.status_code == 400
    assert "unknown prefix 'nope'" in unknown.json()["detail"]
