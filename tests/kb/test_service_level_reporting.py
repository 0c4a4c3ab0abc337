"""Service levels in what governance teams read: the report's section and the map's breach marks.

The hospital-network example has one breach (October's hosting availability, 99.2 against at least
99.9 percent, on the edge Harbour Hosting -> Regional Health IT); the campus has targets and
measurements but no breach.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from kb import resources
from kb.interchange.loading import install_model, load_files, parse_stream, write_sources
from kb.reasoning.inference import infer
from kb.reporting.ecosystem_map import ecosystem_map, to_dot, to_mermaid, to_svg
from kb.reporting.renderers import html_body, render, to_markdown
from kb.reporting.service_levels import _PARTIES, _named, service_levels
from kb.store import Store, open_store
from kb.validation.readiness import labels, labels_of_members, read_labels, readiness
from kb.validation.shacl import validate

EX = "https://example.org/hospital-network#"
BREACH = EX + "measure-hosting-availability-2026-10"


def test_service_levels_hold_every_target_and_the_one_breach(
    prepared: Callable[..., Store],
) -> None:
    levels = service_levels(prepared("hospital-network", "memory"))
    assert len({r.target for r in levels.rows}) == 8
    (breach,) = levels.breaches
    assert (breach.measurement, breach.consumer, breach.vendor) == (
        BREACH,
        EX + "HealthIT",
        EX + "CloudHost",
    )
    assert (breach.achieved, breach.comparison, levels.name(breach.unit)) == (
        "99.2",
        "≥ 99.9",
        "percent",
    )
    assert levels.breaches_between(EX + "CloudHost", EX + "HealthIT") == (breach,)
    assert levels.breaches_between(EX + "HealthIT", EX + "Clinic") == ()
    assert levels.only(organisation=EX + "Clinic").breaches == ()
    assert json.loads(json.dumps(levels.to_dict()))["breaches"] == 1


def test_no_breach_before_inference_has_run() -> None:
    """Breaches are derived (rule srkb-sl-breach), never asserted."""
    store = open_store("memory")
    install_model(store)
    load_files(store, [resources.example_file("hospital-network")])
    levels = service_levels(store)
    assert levels.rows
    assert levels.breaches == ()


def test_markdown_report_has_the_service_level_section(prepared: Callable[..., Store]) -> None:
    store = prepared("hospital-network", "memory")
    report = validate(store, save=False)
    text = to_markdown(report, readiness(store, report), service_levels(store))
    section = text[text.index("## Service levels") :]
    assert "8 service level target(s), 6 measurement(s), 1 breach(es)." in section
    assert (
        "| Regional Health IT | platform hosting | Harbour Hosting | ≥ 99.9 percent "
        "| share of the month the hosting platform is reachable | 2026-10 | 99.2 percent "
        "| **breach** |"
    ) in section
    assert section.count("**breach**") == 1
    assert "| ≥ 98 percent |" in section
    assert "not measured" in section
    assert to_markdown(report) == render(report, "md"), "the section is optional"
    assert "## Service levels" not in to_markdown(report)


def test_html_report_marks_the_breached_row(prepared: Callable[..., Store]) -> None:
    store = prepared("hospital-network", "memory")
    report = validate(store, save=False)
    body = html_body(report, readiness(store, report), service_levels=service_levels(store))
    assert body.count('<tr class="service-level breach">') == 1
    assert body.count('<tr class="service-level">') == 8
    assert "<h2>Service levels</h2>" in body


def test_campus_report_shows_targets_without_breach(prepared: Callable[..., Store]) -> None:
    store = prepared("campus", "memory")
    report = validate(store, save=False)
    text = to_markdown(report, readiness(store, report), service_levels(store))
    assert "15 service level target(s), 3 measurement(s), 0 breach(es)." in text
    assert "**breach**" not in text


def test_map_marks_the_breached_edge_in_every_format(prepared: Callable[..., Store]) -> None:
    store = prepared("hospital-network", "memory")
    m = ecosystem_map(store, validate(store, save=False))
    breached = [(e.source, e.target) for e in m.edges if e.breaches]
    assert breached == [(EX + "CloudHost", EX + "HealthIT")]
    data = m.to_dict()
    edges = {(e["source"], e["target"]): e for e in data["edges"]}  # type: ignore[union-attr]
    hosting = edges[(EX + "CloudHost", EX + "HealthIT")]
    assert hosting["breached"] is True
    assert hosting["label"] == "platform hosting ⚠ breach"
    assert [b["iri"] for b in hosting["breaches"]] == [BREACH]
    assert edges[(EX + "HealthIT", EX + "Clinic")]["breached"] is False
    dot = to_dot(m)
    assert '[label="platform hosting ⚠ breach", color="#e53e3e"' in dot
    assert dot.count("⚠ breach") == 1
    assert "linkStyle" in to_mermaid(m)
    svg = to_svg(m)
    assert svg.count('class="edge breach"') == 1
    assert "hosting availability 2026-10: 99.2 against ≥ 99.9 percent" in svg


def test_campus_map_has_no_breach(prepared: Callable[..., Store]) -> None:
    store = prepared("campus", "memory")
    m = ecosystem_map(store, validate(store, save=False))
    assert not any(e.breaches for e in m.edges)
    assert "linkStyle" not in to_mermaid(m)


def test_labels_read_beside_the_question_are_those_looked_up_after_it(
    prepared: Callable[..., Store], backend: str
) -> None:
    """Every organisation's and service's label is read while the question runs, as JSON results.

    They must name each resource as a lookup of the named resources alone would: the same label
    of several (the first by text), none for a blank node, and the rest looked up after.
    """
    store = prepared("hospital-network", backend)
    levels = service_levels(store)
    named = _named(levels.rows)
    assert levels.names == labels(store, named)
    assert levels.name(EX + "HealthIT") == "Regional Health IT"
    early = read_labels(labels_of_members(store, _PARTIES), named | {"_:nobody"})
    assert early
    assert set(early) <= named
    assert all(labels(store, [iri]) == {iri: label} for iri, label in early.items())


def test_breaches_between_blank_node_organisations_mark_their_edge() -> None:
    """Blank nodes are named ``_:label`` in the map's nodes, edges and service levels alike."""
    text = resources.example_file("hospital-network").read_text(encoding="utf-8")
    text = text.replace("ex:CloudHost", "_:CloudHost").replace("ex:HealthIT", "_:HealthIT")
    store = open_store("memory")
    try:
        install_model(store)
        write_sources(store, [parse_stream(text.encode(), fmt="ttl", name="blank.ttl")])
        infer(store)
        m = ecosystem_map(store, validate(store, save=False))
        ids = {n.id for n in m.nodes}
        assert all(e.source in ids and e.target in ids for e in m.edges)
        (breached,) = [e for e in m.edges if e.breaches]
        assert breached.source.startswith("_:")
        assert breached.target.startswith("_:")
        assert [b for b, _ in breached.breaches] == [BREACH]
    finally:
        store.close()
