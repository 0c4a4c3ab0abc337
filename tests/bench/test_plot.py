"""The cost-curve picture says what the figures say: one curve per step, points where measured."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from bench import plot

SVG = "{http://www.w3.org/2000/svg}"


def report(*sizes: tuple[str, int, dict[str, float | None]]) -> dict[str, Any]:
    return {
        "sizes": [
            {
                "label": label,
                "triples": triples,
                "steps": {s: {"median": m} for s, m in steps.items()},
            }
            for label, triples, steps in sizes
        ]
    }


def test_curves_merge_runs_and_keep_only_measured_steps() -> None:
    first = report(
        ("10k", 10_000, {"infer": 0.3, "write": None, "owlrl": 12.0}),
        ("1M", 1_000_000, {"infer": 32.0}),
    )
    later = report(("10k", 10_000, {"infer": 0.2, "write": 0.05}))
    data = plot.curves([first, later])
    assert data["infer"] == [(10_000, 0.2), (1_000_000, 32.0)], "the later run wins, sorted by size"
    assert data["write"] == [(10_000, 0.05)]
    assert "owlrl" not in data, "baselines are not drawn"


def test_each_point_sits_where_its_figure_says() -> None:
    data = {"infer": [(10_000, 0.1), (100_000, 1.0), (1_000_000, 10.0)], "write": [(10_000, 0.01)]}
    root = ET.fromstring(plot.svg(data))  # noqa: S314 (our own output)
    groups = {g.get("data-step"): g for g in root.iter(f"{SVG}g")}
    assert set(groups) == {"infer", "write"}
    circles = [
        (float(c.get("cx", "")), float(c.get("cy", "")))
        for c in groups["infer"].iter(f"{SVG}circle")
    ]
    assert len(circles) == 3
    # log-log: equal ratios are equal steps, and a slope of 1 is a straight line going up
    (x0, y0), (x1, y1), (x2, y2) = circles
    assert math.isclose(x1 - x0, x2 - x1)
    assert math.isclose(y0 - y1, y1 - y2)
    assert y2 < y1 < y0, "more time is higher up"
    titles = [t.text or "" for t in groups["infer"].iter(f"{SVG}title")]
    assert "full inference: 10 s at 1000000 triples" in titles


def test_nothing_measured_is_an_error() -> None:
    with pytest.raises(ValueError, match="nothing to plot"):
        plot.svg(plot.curves([report(("10k", 10_000, {"owlrl": 1.0}))]))
