"""The pages people use, in a real headless Chromium: home, report, map, ontology.

Each test opens pages on srkb served under uvicorn, checks what a person would see, and writes a
screenshot to tests/browser/screenshots/. The fixtures fail a test on any console error or
warning, uncaught exception, failed request, HTTP error or request that leaves the server.
"""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import Watched
from tests.support.app_server import AppServer

pytestmark = pytest.mark.browser

CAMPUS = "https://example.org/campus#"
BROKEN = "https://example.org/broken-p1-unregistered-component#"
READY = "window.srkbMap && window.srkbMap.ready"


def click_node(page: Watched, iri: str) -> None:
    """Click a node where Cytoscape drew it on its canvas (a real mouse click)."""
    x, y = page.page.evaluate(
        """iri => {
            const node = window.srkbMap.cy.getElementById(iri);
            const at = node.renderedPosition();
            const box = document.getElementById("map").getBoundingClientRect();
            return [box.left + at.x, box.top + at.y];
        }""",
        iri,
    )
    page.page.mouse.click(x, y)


def test_home_page_lists_the_demo_and_links_the_new_pages(demo_page: Watched) -> None:
    page = demo_page.open("/")
    assert page.title().startswith("srkb")
    assert page.locator("table").first.inner_text().count("https://example.org/campus#") == 7
    for name in ("Validation", "Map", "Ontology"):
        assert page.get_by_role("link", name=name, exact=True).is_visible()
    demo_page.screenshot("home")


def test_report_of_the_demo_shows_every_organisation_ready(demo_page: Watched) -> None:
    page = demo_page.open("/validation?format=html")
    assert page.locator(".verdict").inner_text().startswith("All preconditions are met")
    rows = page.locator("tr.readiness-row")
    assert rows.count() == 7
    summary = page.locator("section.summary").inner_text()
    for label in ("IT Department", "Finance Department", "Facility Management", "Staff Canteen"):
        assert label in summary
    assert "4 of 4 organisation(s) subject to the preconditions meet all of them" in summary
    assert page.locator("td.score.bad").count() == 0
    assert page.get_by_text("Every organisation meets every precondition.").is_visible()
    demo_page.screenshot("report-demo")


def test_report_of_a_broken_example_shows_its_findings(
    broken_page: Watched, broken: AppServer
) -> None:
    findings = httpx.get(broken.base + "/validation", params={"format": "json"}).json()["findings"]
    page = broken_page.open("/validation?format=html")
    assert page.locator(".verdict").inner_text().startswith("Some preconditions are not met")
    sections = page.locator("section.organisation")
    assert sections.count() == 2
    assert {sections.nth(i).locator("h2").inner_text() for i in range(2)} == {
        "Occupational Health Clinic",
        "Riverside Factory",
    }
    assert page.locator("tr.finding").count() == len(findings) == 10
    text = page.locator(".report").inner_text()
    for finding in findings:
        assert finding["message"] in text
        assert finding["hint"] in text
    clinic = page.locator("tr.readiness-row", has_text="Occupational Health Clinic")
    assert clinic.locator("td.score.bad").inner_text() == "70%"
    factory = page.locator("tr.readiness-row", has_text="Riverside Factory")
    assert factory.locator("td.score.bad").inner_text() == "75%"
    broken_page.screenshot("report-broken")
    # printing hides the navigation and keeps every finding
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible()
    assert page.locator("tr.finding").first.is_visible()
    broken_page.screenshot("report-broken-print")
    page.emulate_media(media="screen")
    # the organisation's link leads to its page
    page.locator("section.organisation h2 a", has_text="Riverside Factory").click()
    page.wait_for_load_state("load")
    assert page.url.startswith(broken.base + "/page?iri=")
    assert page.locator("h1").inner_text() == "Riverside Factory"


def test_map_shows_the_demo_and_details_on_click(demo_page: Watched) -> None:
    page = demo_page.open("/map")
    page.wait_for_function(READY)
    nodes = page.evaluate("window.srkbMap.cy.nodes().map(n => n.data('label'))")
    assert len(nodes) == 7
    assert "IT Department" in nodes
    assert page.evaluate("window.srkbMap.cy.edges().length") == 11
    assert "7 organisations, 11 provider→consumer links" in page.locator("#map-status").inner_text()
    click_node(demo_page, CAMPUS + "IT")
    page.wait_for_selector("#details-title")
    assert page.locator("#details-title").inner_text() == "IT Department"
    assert "ConsumerTurnedProvider" in page.locator("#details-roles").inner_text()
    assert page.locator("#details-page").get_attribute("href") == (
        "/page?iri=https%3A%2F%2Fexample.org%2Fcampus%23IT"
    )
    assert page.evaluate("window.srkbMap.cy.$('node.selected').map(n => n.id())") == [CAMPUS + "IT"]
    demo_page.screenshot("map-details", full_page=False)


def test_map_highlights_the_impact_of_a_failing_vendor(demo_page: Watched, demo: AppServer) -> None:
    expected = httpx.get(demo.base + "/impact", params={"iri": CAMPUS + "NetCo"}).json()
    page = demo_page.open("/map")
    page.wait_for_function(READY)
    click_node(demo_page, CAMPUS + "NetCo")
    page.locator("#impact-button").click()
    page.wait_for_selector("#impact-summary")
    highlighted = page.evaluate("window.srkbMap.cy.$('node.impacted').map(n => n.id())")
    assert sorted(highlighted) == sorted(a["iri"] for a in expected["organisations"])
    assert {CAMPUS + "IT", CAMPUS + "Finance"} <= set(highlighted)
    assert page.evaluate("window.srkbMap.cy.$('edge.impacted').length") >= 3
    assert page.evaluate("window.srkbMap.cy.$('node.impact-source').map(n => n.id())") == [
        CAMPUS + "NetCo"
    ]
    summary = page.locator("#impact-summary").inner_text()
    assert summary.startswith(f"If NetCo network carrier fails, {len(highlighted)} organisation")
    assert page.locator("#impact-list li").count() == len(highlighted)
    page.wait_for_timeout(200)  # let the canvas repaint before the picture
    demo_page.screenshot("map-impact", full_page=False)
    page.locator("#impact-clear").click()
    assert page.evaluate("window.srkbMap.cy.$('.impacted, .dimmed').length") == 0


def test_map_marks_the_failing_organisations_of_a_broken_example(broken_page: Watched) -> None:
    page = broken_page.open("/map")
    page.wait_for_function(READY)
    failing = page.evaluate("window.srkbMap.cy.$('node.failing').map(n => n.data('label'))")
    assert sorted(failing) == ["Occupational Health Clinic", "Riverside Factory"]
    click_node(broken_page, BROKEN + "Clinic")
    page.wait_for_selector("#details-findings")
    assert page.locator("#details-status").inner_text() == "Fails precondition 1."
    assert page.locator("#details-findings li.finding").count() == 7  # 3 gaps, 4 without target
    assert "How to fix:" in page.locator("#details-findings").inner_text()
    broken_page.screenshot("map-broken", full_page=False)


def test_ontology_documentation_opens_in_the_browser(demo_page: Watched) -> None:
    page = demo_page.open("/ontology")
    assert page.title() == "Service Relationship Knowledge Base ontology"
    assert page.get_by_role("link", name="Consumer-Turned-Provider").first.is_visible()
    assert page.locator("body").inner_text().count("https://w3id.org/srkb#") > 50
    demo_page.screenshot("ontology", full_page=False)
