"""/validation/history, /map, /map/data, the /ontology page and /static over real HTTP.

The history test plays the governance loop through the API: a broken ecosystem is written with
the Graph Store Protocol, then a fix; every write validates again and records a run.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kb import resources
from tests.support.app_server import API_TOKEN, AppServer, StartServer, assert_problem

EX = "https://example.org/broken-p1-unregistered-component#"
SOURCE = "https://w3id.org/srkb/graph/source/"
FIX = f"""@prefix srkb: <https://w3id.org/srkb#> .
<{EX}comp-clinic-labtests> srkb:hasVendorContact "lab-desk@example.org" .
"""
TURTLE = {"Content-Type": "text/turtle"}


@pytest.fixture(scope="module")
def reader(demo_server: AppServer) -> Iterator[httpx.Client]:
    with demo_server.client() as client:
        yield client


def test_history_shows_what_a_fix_improved(start_server: StartServer) -> None:
    server = start_server(demo=False, SRKB_API_TOKEN=API_TOKEN)
    with server.client(API_TOKEN) as client:
        broken = resources.example_file("broken-p1-unregistered-component").read_bytes()
        put = client.put(
            "/store", params={"graph": SOURCE + "broken"}, content=broken, headers=TURTLE
        )
        assert put.status_code in (200, 201, 204), put.text
        assert client.put(
            "/store", params={"graph": SOURCE + "fix"}, content=FIX.encode(), headers=TURTLE
        ).status_code in (200, 201, 204)
        listed = client.get("/validation/history").json()
        assert listed["total"] == 3, "start-up, the broken example, the fix"
        newest, middle, first = listed["runs"]
        assert first["conforms"] is True
        assert first["violations"] == 0
        assert (middle["violations"], newest["violations"]) == (4, 3)
        assert newest["time"] > middle["time"] > first["time"]
        changes = client.get("/validation/history", params={"since": "last"}).json()
        assert changes["verdict"] == "better"
        assert changes["before"]["run"] == middle["run"]
        assert [f["source_shape"].rsplit("#")[-1] for f in changes["fixed"]] == [
            "P1-ComponentHasVendorContact"
        ]
        assert changes["new"] == []
        assert changes["scores"] == [
            {
                "organisation": EX + "Clinic",
                "label": "Occupational Health Clinic",
                "precondition": 1,
                "before": 70,
                "after": 80,
            }
        ]
        since_start = client.get("/validation/history", params={"since": first["time"]}).json()
        assert since_start["verdict"] == "worse", "from an empty store to the fixed example"
        assert len(since_start["new"]) == 9, "3 violations and 6 warnings"
        assert client.get("/validation/history", params={"limit": 1}).json()["runs"] == [newest]


def test_history_errors(reader: httpx.Client) -> None:
    assert_problem(reader.get("/validation/history", params={"since": "soon"}), 400)
    assert_problem(reader.get("/validation/history", params={"since": "last"}), 404)
    assert reader.get("/validation/history", params={"limit": 0}).status_code == 422


def test_map_data_has_the_demo_organisations_and_links(reader: httpx.Client) -> None:
    response = reader.get("/map/data")
    assert response.status_code == 200
    data = response.json()
    labels = {n["label"] for n in data["nodes"]}
    assert {"IT Department", "Finance Department", "NetCo network carrier"} <= labels
    assert len(data["nodes"]) == 7
    assert len(data["edges"]) == 11
    assert all(n["status"] == "ok" for n in data["nodes"])
    assert {e["source"] for e in data["edges"]} <= {n["id"] for n in data["nodes"]}


def test_map_page_uses_only_local_scripts(reader: httpx.Client) -> None:
    page = reader.get("/map")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script src="/static/vendor/cytoscape.min.js"></script>' in page.text
    assert "http://" not in page.text
    assert "https://" not in page.text
    for path in ("/static/vendor/cytoscape.min.js", "/static/map.js"):
        script = reader.get(path)
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
    assert reader.get("/static/nothing.js").status_code == 404


def test_ontology_is_a_page_for_browsers_and_rdf_for_the_rest(reader: httpx.Client) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = reader.get("/ontology", headers={"Accept": browser})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Service Relationship Knowledge Base ontology" in page.text
    assert reader.get("/ontology", params={"format": "html"}).text == page.text
    assert reader.get("/ontology").headers["content-type"].startswith("text/turtle")
    assert (
        reader.get("/ontology", headers={"Accept": "*/*"})
        .headers["content-type"]
        .startswith("text/turtle")
    )
    assert reader.get("/ontology", params={"format": "pdf"}).status_code == 400


def test_report_page_has_the_summary_and_links_to_other_formats(reader: httpx.Client) -> None:
    page = reader.get("/validation", params={"format": "html"}).text
    assert '<section class="summary">' in page
    assert page.count('<tr class="readiness-row">') == 7
    assert "@media print" in page
    assert 'href="/validation?format=md"' in page
    assert "/page?iri=https%3A%2F%2Fexample.org%2Fcampus%23IT" in page
