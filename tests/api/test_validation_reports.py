"""/validation over real HTTP: every report format on the conformant demo, then on a broken example.

The broken example (``broken-p2-missing-practice``) is loaded with the CLI into a disk store and
served without ``--demo``, as an operator would; its findings must be exactly those documented in
its ``expected.yaml``.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from rdflib import RDF, Graph, Literal, Namespace

from kb import resources
from kb.reporting.renderers import FIELDS
from tests.support.app_server_ecosystem import demo_client, running_app, srkb
from tests.support.expected import Expected, load_expected

SH = Namespace("http://www.w3.org/ns/shacl#")
BROKEN = "broken-p2-missing-practice"

#: media type -> ?format= value
MEDIA = {
    "application/json": "json",
    "text/html": "html",
    "text/markdown": "md",
    "text/csv": "csv",
    "text/turtle": "ttl",
}

Finding = tuple[str | None, int, str, str, str]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with demo_client(tmp_path_factory.mktemp("validation-demo")) as http:
        yield http


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A server on a disk store holding only the broken example (loaded with ``srkb load``)."""
    directory = tmp_path_factory.mktemp("validation-broken")
    store = str(directory / "store")
    srkb("--store", store, "load", str(resources.example_file(BROKEN)))
    with (
        running_app(store, directory, demo=False) as server,
        httpx.Client(base_url=server.base, timeout=30) as http,
    ):
        yield http


@pytest.fixture(scope="module")
def expected() -> Expected:
    return load_expected(BROKEN)


def documented(exp: Expected) -> set[Finding]:
    return {
        (org, prec, focus, shape, severity) for org, prec, focus, shape, severity, _ in exp.findings
    }


def as_finding(item: dict[str, Any]) -> Finding:
    return (
        item["organisation"],
        int(item["precondition"]),
        item["focus"],
        item["source_shape"],
        item["severity"],
    )


def report(client: httpx.Client, **params: object) -> dict[str, Any]:
    response = client.get("/validation", params={"format": "json", **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- the conformant demo ------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["accept", "format"])
@pytest.mark.parametrize("media", list(MEDIA))
def test_every_format_of_the_conformant_report(demo: httpx.Client, media: str, by: str) -> None:
    if by == "accept":
        response = demo.get("/validation", headers={"Accept": media})
    else:
        response = demo.get("/validation", params={"format": MEDIA[media]})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    text = response.text
    fmt = MEDIA[media]
    if fmt == "json":
        body = response.json()
        assert body["conforms"] is True
        assert body["findings"] == []
        assert body["counts"] == {}
    elif fmt == "html":
        assert "All preconditions are met" in text
        assert "Every organisation meets every precondition." in text
        assert '<section class="organisation">' not in text
    elif fmt == "md":
        assert text.startswith("# Service relationship preconditions")
        assert "Every organisation meets every precondition." in text
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(text))) == [list(FIELDS)]
    else:
        graph = Graph().parse(data=text, format="turtle")
        (validation,) = graph.subjects(RDF.type, SH.ValidationReport)
        assert graph.value(validation, SH.conforms) == Literal(True)
        assert not list(graph.objects(validation, SH.result))


def test_json_is_the_default_and_browsers_get_html(demo: httpx.Client) -> None:
    assert demo.get("/validation").headers["content-type"].startswith("application/json")
    assert demo.get("/validation", headers={"Accept": "*/*"}).json()["conforms"] is True
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = demo.get("/validation", headers={"Accept": browser})
    assert response.headers["content-type"].startswith("text/html")


def test_unacceptable_media_is_406_and_unknown_format_is_400(demo: httpx.Client) -> None:
    assert demo.get("/validation", headers={"Accept": "image/png"}).status_code == 406
    response = demo.get("/validation", params={"format": "pdf"})
    assert response.status_code == 400
    assert "json" in response.json()["detail"] + response.json().get("hint", "")


@pytest.mark.parametrize("precondition", ["4", "-1", "two"])
def test_unknown_precondition_filter_is_422(demo: httpx.Client, precondition: str) -> None:
    assert demo.get("/validation", params={"precondition": precondition}).status_code == 422


# -- the broken example -------------------------------------------------------------------------


def test_findings_are_exactly_the_documented_ones(broken: httpx.Client, expected: Expected) -> None:
    body = report(broken)
    got = {as_finding(f) for f in body["findings"]}
    want = documented(expected)
    assert got == want, (
        f"missing {sorted(map(str, want - got))}; extra {sorted(map(str, got - want))}"
    )
    assert len(body["findings"]) == len(want), "a finding is reported twice"
    assert body["conforms"] is expected.conforms is False
    severities = [severity for *_, severity in want]
    assert body["counts"] == {s: severities.count(s) for s in set(severities)}
    for finding in body["findings"]:
        assert finding["message"], finding
        assert finding["hint"], finding
        assert finding["organisation_label"], finding


def test_filtering_by_organisation(broken: httpx.Client, expected: Expected) -> None:
    want = documented(expected)
    organisations = {org for org, *_ in want}
    assert len(organisations) == 3
    for organisation in organisations:
        body = report(broken, organisation=organisation)
        mine = {f for f in want if f[0] == organisation}
        assert {as_finding(f) for f in body["findings"]} == mine
        assert body["conforms"] is not any(f[4] == "Violation" for f in mine)
    body = report(broken, organisation=expected.expand("ex:FreightCo"))
    assert body == {"conforms": True, "counts": {}, "findings": []}


def test_filtering_by_precondition(broken: httpx.Client, expected: Expected) -> None:
    everything = documented(expected)
    # Precondition 2 is what the example breaks; its agreements also set no service level
    # target, which precondition 1 reports as warnings.
    assert {f[1] for f in everything} == {1, 2}
    want = {f for f in everything if f[1] == 2}
    assert {as_finding(f) for f in report(broken, precondition=2)["findings"]} == want
    warnings = report(broken, precondition=1)
    assert {as_finding(f) for f in warnings["findings"]} == {f for f in everything if f[1] == 1}
    assert {f["severity"] for f in warnings["findings"]} == {"Warning"}
    assert warnings["conforms"] is True
    for other in (0, 3):
        body = report(broken, precondition=other)
        assert body["findings"] == []
        assert body["conforms"] is True
    bookshop = expected.expand("ex:Bookshop")
    both = report(broken, precondition=2, organisation=bookshop)
    assert {as_finding(f) for f in both["findings"]} == {f for f in want if f[0] == bookshop}
    assert [
        f["severity"] for f in report(broken, precondition=1, organisation=bookshop)["findings"]
    ] == ["Warning"]


def test_html_report_has_a_section_per_organisation_with_its_fix_hints(
    broken: httpx.Client,
) -> None:
    findings = report(broken)["findings"]
    response = broken.get("/validation", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    text = response.text
    assert "Some preconditions are not met" in text
    sections = re.findall(r'<section class="organisation">(.*?)</section>', text, flags=re.S)
    by_label = {}
    for section in sections:
        heading = re.search(r"<h2>(.*?)</h2>", section, flags=re.S)
        assert heading is not None
        by_label[html.unescape(re.sub(r"<[^>]+>", "", heading.group(1))).strip()] = section
    labels = {f["organisation_label"] for f in findings}
    assert set(by_label) == labels, "one section per organisation, headed by its name"
    for finding in findings:
        section = html.unescape(by_label[finding["organisation_label"]])
        assert finding["hint"] in section
        assert finding["message"] in section
        assert "/page?iri=" in section, "the organisation links to its page"
    for label, section in by_label.items():
        mine = [f for f in findings if f["organisation_label"] == label]
        assert section.count('<tr class="finding">') == len(mine), label


def test_html_report_filtered_names_only_that_organisation(
    broken: httpx.Client, expected: Expected
) -> None:
    bakery = expected.expand("ex:Bakery")
    text = broken.get("/validation", params={"format": "html", "organisation": bakery}).text
    assert text.count('<section class="organisation">') == 1
    assert "Corner Bakery" in text
    assert "Old Town Bookshop" not in text


def test_csv_has_one_row_per_finding(broken: httpx.Client, expected: Expected) -> None:
    response = broken.get("/validation", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.text))
    assert tuple(reader.fieldnames or ()) == FIELDS
    rows = list(reader)
    assert len(rows) == len(documented(expected))
    assert {as_finding(row) for row in rows} == documented(expected)
    assert all(row["hint"] for row in rows)


def test_markdown_names_each_organisation_with_its_fix_hints(broken: httpx.Client) -> None:
    findings = report(broken)["findings"]
    text = broken.get("/validation", params={"format": "md"}).text
    assert "Some preconditions are not met: 3 violation(s), 5 warning(s)." in text
    for label in {f["organisation_label"] for f in findings}:
        assert f"\n## {label}\n" in text
    for finding in findings:
        assert f"how to fix: {finding['hint']}" in text


def test_turtle_is_the_raw_shacl_report(broken: httpx.Client, expected: Expected) -> None:
    response = broken.get("/validation", params={"format": "ttl"})
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    (validation,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(validation, SH.conforms) == Literal(False)
    results = list(graph.objects(validation, SH.result))
    assert len(results) == len(documented(expected))
    assert {
        (str(graph.value(r, SH.focusNode)), str(graph.value(r, SH.sourceShape))) for r in results
    } == {(focus, shape) for _, _, focus, shape, _ in documented(expected)}


def test_failing_organisations_question_agrees_with_the_report(
    broken: httpx.Client, expected: Expected
) -> None:
    response = broken.get("/preconditions/2/failing")
    assert response.status_code == 200
    got = {(i["organisation"], i["violations"]) for i in response.json()["items"]}
    (case,) = [
        c
        for c in expected.answers["organisations-failing-precondition"]
        if c["params"] == {"precondition": 2}
    ]
    # numbers are JSON numbers ("violations": 1, not "1")
    assert got == {(expected.expand(org), n) for org, n in case["rows"]}


def test_the_report_has_the_service_levels_of_the_demo(demo: httpx.Client) -> None:
    """Campus: every agreement sets a target; three are measured; none is breached."""
    text = demo.get("/validation", params={"format": "md"}).text
    section = text[text.index("## Service levels") :]
    assert "15 service level target(s), 3 measurement(s), 0 breach(es)." in section
    assert "| NetCo network carrier | ≥ 99.95 percent |" in section
    page = demo.get("/validation", params={"format": "html"}).text
    assert page.count('<tr class="service-level">') == 15
    assert (
        "## Service levels"
        not in demo.get("/validation", params={"format": "md", "precondition": 2}).text
    ), "service level targets belong to precondition 1"
    it = demo.get(
        "/validation", params={"format": "md", "organisation": "https://example.org/campus#IT"}
    ).text
    assert "5 service level target(s)" in it
