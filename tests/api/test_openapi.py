"""The OpenAPI description: valid OpenAPI 3, every error declared, and schemathesis finds no 5xx.

schemathesis generates requests from the description (examples, boundary "coverage" cases and
random fuzzing) for every read route and /sparql, and checks that the server never fails (5xx) and
never answers with a status code the description does not declare. Write routes (/update,
PUT/POST/DELETE /store) are left out: they need a token, and the demo server has none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from api.main import create_app
from tests.support.app_server_ecosystem import AppServer, running_app

#: Write routes, each with the method that writes.
WRITES = {("POST", "/update"), ("PUT", "/store"), ("POST", "/store"), ("DELETE", "/store")}
CHECKS = [not_a_server_error, status_code_conformance]
FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with running_app("memory", tmp_path_factory.mktemp("openapi-app"), demo=True) as app:
        yield app


@pytest.fixture(scope="module")
def description(server: AppServer) -> dict[str, Any]:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(description: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in description["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                yield method.upper(), path, operation


# -- the description ----------------------------------------------------------------------------


def test_description_is_valid_openapi_3(server: AppServer, description: dict[str, Any]) -> None:
    assert description["openapi"].startswith("3.")
    assert description["info"]["title"] == "srkb"
    assert description["info"]["version"]
    schema = schemathesis.openapi.from_url(f"{server.base}/openapi.json", timeout=30)
    schema.validate()  # against the OpenAPI meta-schema of the declared version
    found = {(m, p) for m, p, _ in operations(description)}
    assert {("GET", "/questions/{name}"), ("GET", "/export"), ("GET", "/sparql")} <= found


def test_every_route_declares_its_error_codes(description: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in operations(description):
        declared = set(operation["responses"])
        needed = {"503"}  # every route reads the store
        if path != "/health":
            needed.add("401")  # reads may be private (SRKB_READ_TOKEN)
        if operation.get("parameters"):
            needed.add("422")  # FastAPI's own validation of parameters
        if (method, path) in WRITES or (method == "POST" and path == "/sparql"):
            needed |= {"400", "413", "415"}
        if (method, path) in WRITES:
            needed |= {"401", "403"}
        if not needed <= declared:
            missing.append(f"{method} {path}: {sorted(needed - declared)}")
        for code, response in operation["responses"].items():
            assert response.get("description"), f"{method} {path} {code} has no description"
    assert not missing, "undeclared error codes:\n" + "\n".join(missing)


def test_write_routes_declare_a_bearer_token(description: dict[str, Any]) -> None:
    schemes = description["components"]["securitySchemes"]
    bearer = {name for name, s in schemes.items() if s.get("scheme") == "bearer"}
    assert bearer
    for method, path, operation in operations(description):
        if (method, path) in WRITES:
            assert any(set(req) & bearer for req in operation.get("security", [])), (method, path)


# -- schemathesis -------------------------------------------------------------------------------
#
# The description is the app's own (create_app() opens nothing until it is served), loaded at
# collection so that schemathesis can make one test per operation; the requests go to the served
# demo. (schemathesis 4.32's from_fixture() loader sets pytest's private Node._nodeid, which
# pytest 9 no longer has.)

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20_251_124,
        "cache": {"enabled": False},
        "generation": {"max-examples": 25, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
    }
)
# A SPARQL query body is UTF-8 text: send it as schemathesis sends text/plain.
schemathesis.serializer.alias("application/sparql-query", "text/plain")
API = schemathesis.openapi.from_dict(create_app().openapi(), config=CONFIG)
reads = API.include(method="GET").exclude(path="/sparql")
sparql = API.include(path="/sparql")


def test_the_served_description_is_the_one_fuzzed(description: dict[str, Any]) -> None:
    assert description == create_app().openapi()


@reads.parametrize()
@FUZZ
def test_read_routes_never_fail_and_declare_every_status(
    case: schemathesis.Case, server: AppServer
) -> None:
    # /id answers 303 by design: look at that answer, not at where it leads.
    case.call_and_validate(base_url=server.base, checks=CHECKS, allow_redirects=False, timeout=30)


@sparql.parametrize()
@FUZZ
def test_sparql_never_fails_and_declares_every_status(
    case: schemathesis.Case, server: AppServer
) -> None:
    case.call_and_validate(base_url=server.base, checks=CHECKS, allow_redirects=False, timeout=30)


@pytest.mark.parametrize("query", ["", "   ", "# only a comment", "PREFIX ex: <https://x/>"])
def test_an_empty_query_is_a_client_error(server: AppServer, query: str) -> None:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        assert client.get("/sparql", params={"query": query}).status_code == 400
        form = client.post("/sparql", data={"query": query})
        assert form.status_code == 400
