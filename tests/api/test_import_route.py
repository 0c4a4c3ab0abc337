"""POST /import over real HTTP: YAML and workbooks in, located problems out, nothing half written.

The server is ``srkb --store memory serve`` in a subprocess on 127.0.0.1 with a write token, as a
user starts it; every wait is bounded and the process is stopped however the tests end.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from openpyxl import load_workbook
from rdflib import Graph
from rdflib.compare import isomorphic

from kb import resources
from kb.interchange.tabular_export import XLSX_MEDIA, document_from_graph, render
from kb.namespaces import source_graph
from tests.support.servers import free_port

TOKEN = "import-route-token"  # noqa: S105 - a test server on 127.0.0.1
AUTH = {"Authorization": f"Bearer {TOKEN}"}
YAML = {**AUTH, "Content-Type": "application/yaml"}
CAMPUS_YAML = (resources.examples_dir() / "campus" / "campus.yaml").read_bytes()
MAX_BYTES = 2_000_000


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    log_path = tmp_path_factory.mktemp("import-app") / "serve.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRKB_")}
    env.update(SRKB_API_TOKEN=TOKEN, SRKB_MAX_UPLOAD_BYTES=str(MAX_BYTES))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kb", "--store", "memory", "serve", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log_path.read_text(errors="replace")
                assert time.monotonic() < deadline, log_path.read_text(errors="replace")
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            with httpx.Client(base_url=base, timeout=60) as http:
                yield http
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def graph_at(client: httpx.Client, graph: str) -> Graph:
    response = client.get("/store", params={"graph": graph}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    data = Graph().parse(data=response.text, format="turtle")
    for triple in list(data.triples((None, None, None))):
        if str(triple[0]) == graph:  # srkb's PROV metadata about the source
            data.remove(triple)
    return data


def campus() -> Graph:
    return Graph().parse(resources.example_file("campus"), format="turtle")


def test_yaml_is_imported_then_replaced(client: httpx.Client) -> None:
    first = client.post(
        "/import", params={"name": "campus.yaml"}, content=CAMPUS_YAML, headers=YAML
    )
    assert first.status_code == 201, first.text
    assert isomorphic(graph_at(client, source_graph("campus.yaml")), campus())
    again = client.post(
        "/import", params={"name": "campus.yaml"}, content=CAMPUS_YAML, headers=YAML
    )
    assert again.status_code == 204, again.text
    ask = (
        "ASK { <https://example.org/campus#Canteen> a "
        "<https://w3id.org/srkb#ConsumerTurnedProvider> }"
    )
    answer = client.get(
        "/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.json()["boolean"] is True, "inference ran after the import"


def test_a_workbook_is_imported(client: httpx.Client) -> None:
    cloud = Graph().parse(resources.example_file("cloud-three-tier"), format="turtle")
    body = render(document_from_graph(cloud), "xlsx")
    response = client.post(
        "/import",
        params={"name": "cloud.xlsx"},
        content=body,
        headers={**AUTH, "Content-Type": XLSX_MEDIA},
    )
    assert response.status_code == 201, response.text
    assert isomorphic(graph_at(client, source_graph("cloud.xlsx")), cloud)


def test_problems_come_back_located_and_nothing_is_written(client: httpx.Client) -> None:
    cloud = Graph().parse(resources.example_file("cloud-three-tier"), format="turtle")
    workbook = load_workbook(io.BytesIO(render(document_from_graph(cloud), "xlsx")))
    workbook["relationships"]["C2"] = "Stratus"  # provider: no such id
    workbook["relationships"]["E3"] = None  # service: required
    out = io.BytesIO()
    workbook.save(out)
    before = _graphs(client)
    response = client.post(
        "/import",
        params={"name": "broken.xlsx"},
        content=out.getvalue(),
        headers={**AUTH, "Content-Type": XLSX_MEDIA},
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["detail"].startswith("2 problems found; nothing was imported")
    assert [
        (p["file"], p["sheet"], p["row"], p["column"], p["cell"], p["message"])
        for p in problem["problems"]
    ] == [
        ("broken.xlsx", "relationships", 2, "provider", "C2",
         "there is no organisation or unit with the id 'Stratus'"),
        ("broken.xlsx", "relationships", 3, "service", "E3",
         "'service' is required: the service provided and consumed"),
    ]  # fmt: skip
    after = _graphs(client)
    assert after == before
    assert source_graph("broken.xlsx") not in after


def _graphs(client: httpx.Client) -> list[str]:
    """The named graphs the store holds, asked by SPARQL (what any client would do)."""
    response = client.get(
        "/sparql",
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    return sorted(b["g"]["value"] for b in response.json()["results"]["bindings"])


def test_yaml_syntax_errors_carry_their_line(client: httpx.Client) -> None:
    body = b"base: https://example.org/x#\norganisations:\n  - id: [A\n"
    response = client.post("/import", content=body, headers=YAML)
    assert response.status_code == 400
    (problem,) = response.json()["problems"]
    assert problem["file"] == "import.yaml"
    assert problem["line"] == 4
    assert "not valid YAML" in problem["message"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Content-Type": "application/yaml"}, 401),
        ({**AUTH, "Content-Type": "text/turtle"}, 415),
        ({"Authorization": "Bearer wrong", "Content-Type": "application/yaml"}, 401),
    ],
)
def test_writes_need_the_token_and_a_known_media_type(
    client: httpx.Client, headers: dict[str, str], status: int
) -> None:
    assert client.post("/import", content=CAMPUS_YAML, headers=headers).status_code == status


def test_bodies_over_the_limit_are_refused(client: httpx.Client) -> None:
    response = client.post("/import", content=b"#" * (MAX_BYTES + 1), headers=YAML)
    assert response.status_code == 413


def test_a_bad_name_is_refused(client: httpx.Client) -> None:
    response = client.post("/import", params={"name": "../x"}, content=CAMPUS_YAML, headers=YAML)
    assert response.status_code == 422


def test_the_route_is_described(client: httpx.Client) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/import"]["post"]
    assert {"201", "204", "400", "401", "403", "413", "415", "422", "503"} <= set(
        operation["responses"]
    )
    assert "application/yaml" in operation["requestBody"]["content"]


def test_example_yaml_files_import(client: httpx.Client) -> None:
    for name in ("broken-p1-unregistered-component", "shared-services-cycle"):
        body = (resources.examples_dir() / name / f"{name}.yaml").read_bytes()
        response = client.post(
            "/import", params={"name": f"{name}.yaml"}, content=body, headers=YAML
        )
        assert response.status_code == 201, response.text
