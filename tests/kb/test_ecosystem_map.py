"""The ecosystem map: its data, and its SVG, DOT and Mermaid drawings, on two examples."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from kb.reporting.ecosystem_map import ROLE_STYLES, ecosystem_map, to_dot, to_mermaid, to_svg
from kb.store import Store
from kb.validation.shacl import validate
from tests.support.expected import load_expected

CAMPUS = "https://example.org/campus#"
BROKEN = "broken-p1-unregistered-component"
SVG = "{http://www.w3.org/2000/svg}"


def test_campus_nodes_are_its_organisations_with_their_roles(
    prepared: Callable[..., Store],
) -> None:
    store = prepared("campus", "memory")
    drawing = ecosystem_map(store, validate(store, save=False))
    expected = load_expected("campus")
    providing = {"ServiceProvider", "ServiceConsumer"}
    organisations = {o for o, roles in expected.roles.items() if roles & providing}
    assert {n.id for n in drawing.nodes} == organisations
    it = drawing.node(CAMPUS + "IT")
    assert it.label == "IT Department"
    assert it.primary_role == "ConsumerTurnedProvider"
    assert set(it.roles) == expected.roles[CAMPUS + "IT"]
    assert drawing.node(CAMPUS + "NetCo").primary_role == "Vendor"
    assert all(n.status == "ok" for n in drawing.nodes)


def test_campus_edges_are_provision_from_provider_to_consumer(
    prepared: Callable[..., Store],
) -> None:
    store = prepared("campus", "memory")
    drawing = ecosystem_map(store, validate(store, save=False))
    rows = load_expected("campus").answers["who-provides-what-to-whom"][0]["rows"]
    expected = load_expected("campus")
    pairs: dict[tuple[str, str], set[str]] = {}
    for provider, service, consumer in rows:
        key = (expected.expand(provider), expected.expand(consumer))
        pairs.setdefault(key, set()).add(expected.expand(service))
    assert {(e.source, e.target): {s for s, _ in e.services} for e in drawing.edges} == pairs
    facility_to_it = next(
        e for e in drawing.edges if (e.source, e.target) == (CAMPUS + "Facility", CAMPUS + "IT")
    )
    assert "office space" in facility_to_it.label


def test_failing_organisations_are_marked_with_their_preconditions(
    prepared: Callable[..., Store],
) -> None:
    store = prepared(BROKEN, "memory")
    drawing = ecosystem_map(store, validate(store, save=False))
    ex = "https://example.org/broken-p1-unregistered-component#"
    assert {n.id: n.failing for n in drawing.nodes if n.failing} == {
        ex + "Clinic": (1,),
        ex + "Factory": (1,),
    }
    clinic = drawing.node(ex + "Clinic")
    assert len(clinic.findings) == 7, "3 component gaps and 4 services without a target"
    assert all(f.hint for f in clinic.findings)
    data = drawing.to_dict()
    node = next(n for n in data["nodes"] if n["id"] == ex + "Clinic")  # type: ignore[index]
    assert node["status"] == "failing"
    assert node["failing"] == [1]


def test_layout_is_deterministic_and_inside_the_box(prepared: Callable[..., Store]) -> None:
    store = prepared("campus", "memory")
    report = validate(store, save=False)
    first, second = ecosystem_map(store, report), ecosystem_map(store, report)
    assert first == second
    assert all(0 < n.x < first.width and 0 < n.y < first.height for n in first.nodes)
    assert len({(n.x, n.y) for n in first.nodes}) == len(first.nodes)
    # the hub (Facility: six partners) sits in the centre
    hub = first.node(CAMPUS + "Facility")
    assert (hub.x, hub.y) == (first.width / 2, first.height / 2)


def test_svg_is_one_picture_with_a_shape_and_label_per_organisation(
    prepared: Callable[..., Store],
) -> None:
    store = prepared(BROKEN, "memory")
    drawing = ecosystem_map(store, validate(store, save=False))
    svg = to_svg(drawing)
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == SVG + "svg"
    nodes = root.findall(f".//{SVG}g[@class]")
    node_groups = [g for g in nodes if (g.get("class") or "").startswith("node ")]
    assert len(node_groups) == len(drawing.nodes)
    assert len([g for g in node_groups if g.get("class") == "node failing"]) == 2
    texts = {t.text for t in root.iter(SVG + "text")}
    assert {"Occupational Health Clinic", "Riverside Factory", "MediSoft"} <= texts
    assert len(root.findall(f".//{SVG}g[@class='edges']/{SVG}path")) == len(drawing.edges)
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", ""), "no external reference"


def test_dot_and_mermaid_have_every_node_and_edge(prepared: Callable[..., Store]) -> None:
    store = prepared("campus", "memory")
    drawing = ecosystem_map(store, validate(store, save=False))
    dot = to_dot(drawing)
    assert dot.startswith("digraph ecosystem {")
    assert dot.rstrip().endswith("}")
    assert dot.count(" -> ") == len(drawing.edges)
    assert f'"{CAMPUS}NetCo" -> "{CAMPUS}IT" [label="campus network"];' in dot
    mermaid = to_mermaid(drawing)
    lines = mermaid.splitlines()
    assert lines[0] == "flowchart LR"
    assert len([x for x in lines if "-->|" in x]) == len(drawing.edges)
    assert len([x for x in lines if re.match(r"  o\d+[\[({]", x)]) == len(drawing.nodes)
    assert {s.role for s in ROLE_STYLES} <= {
        x.split()[1] for x in lines if x.startswith("  classDef")
    }


def _text_box(text: ET.Element) -> tuple[float, float, float, float]:
    """The box a text covers, by the same average glyph width the drawing plans with."""
    size = float(text.get("font-size") or 12)
    width = 0.6 * size * len(text.text or "")
    x, y = float(text.get("x") or 0), float(text.get("y") or 0)
    anchor = text.get("text-anchor") or "start"
    left = x - width / 2 if anchor == "middle" else (x - width if anchor == "end" else x)
    return left, y - size, left + width, y + 3


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _shape_box(shape: ET.Element) -> tuple[float, float, float, float]:
    if shape.tag == SVG + "polygon":
        points = [tuple(map(float, p.split(","))) for p in (shape.get("points") or "").split()]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return min(xs), min(ys), max(xs), max(ys)
    if shape.tag == SVG + "rect":
        x, y = float(shape.get("x") or 0), float(shape.get("y") or 0)
        return x, y, x + float(shape.get("width") or 0), y + float(shape.get("height") or 0)
    cx, cy = float(shape.get("cx") or 0), float(shape.get("cy") or 0)
    rx, ry = float(shape.get("rx") or 0), float(shape.get("ry") or 0)
    return cx - rx, cy - ry, cx + rx, cy + ry


@pytest.mark.parametrize("example", ["campus", BROKEN, "shared-services-cycle"])
def test_svg_edge_labels_cover_no_node_caption_or_other_label(
    prepared: Callable[..., Store], example: str
) -> None:
    """Issue 18: a service label sat on NetCo's shape in the campus map."""
    store = prepared(example, "memory")
    root = ET.fromstring(to_svg(ecosystem_map(store, validate(store, save=False))))  # noqa: S314
    edges = root.find(f".//{SVG}g[@class='edges']")
    nodes = root.find(f".//{SVG}g[@class='nodes']")
    assert edges is not None
    assert nodes is not None
    things = [_text_box(t) for t in nodes.iter(SVG + "text")]
    things += [
        _shape_box(e)
        for e in nodes.iter()
        if e.tag in {SVG + "polygon", SVG + "rect", SVG + "ellipse"}
    ]
    labels = [(t.text, _text_box(t)) for t in edges.iter(SVG + "text")]
    assert labels
    covering = [text for text, box in labels if any(_overlap(box, c) for c in things)]
    assert covering == []
    for index, (text, box) in enumerate(labels):
        assert not any(_overlap(box, other) for _, other in labels[index + 1 :]), text
