"""The cost curve: each step's median time against the store's size, on log-log axes, as SVG.

A table answers "how long at 1M?"; the curve answers what a user planning for more data asks:
does a step grow linearly with the data (a slope of 1 on log-log axes), faster, or not at all
(a write that only touches its neighbourhood should stay flat). The picture is plain SVG written
here (no plotting library to install), so ``make bench`` can draw it after every run and the
README can show it.

``python -m bench.plot bench/results/2026-11-24.json [more.json ...] --out docs/img/cost-curve.svg``
merges the runs it is given (a later file's figure for the same step and size wins), so steps
measured in separate runs (the restart and write steps) share one picture.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

#: Steps drawn, in legend order, with their short labels (the tables carry the long ones).
STEPS = {
    "load": "load",
    "infer": "full inference",
    "infer-incremental": "inference after a change",
    "infer-unchanged": "srkb infer, nothing changed",
    "validate": "full validation",
    "start": "service start, unchanged store",
    "write": "one organisation's write, all up to date",
    "write-http": "the same write over HTTP",
    "report": "whole-ecosystem report",
    "questions": "one-organisation questions",
}
#: Colour-blind-safe palette (Okabe and Ito, and Tol's wine), one per step in :data:`STEPS` order.
COLOURS = (
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#D55E00",
    "#0072B2",
    "#CC79A7",
    "#882255",
    "#7f7f7f",
    "#F0E442",
)
WIDTH, HEIGHT = 800, 460
LEFT, RIGHT, TOP, BOTTOM = 70, 310, 40, 60

Curves = dict[str, list[tuple[int, float]]]


def curves(reports: Iterable[dict[str, Any]]) -> Curves:
    """Per step, (triples, median seconds) points sorted by size; later reports win."""
    points: dict[str, dict[str, tuple[int, float]]] = {}
    for report in reports:
        for size in report.get("sizes", []):
            for step, summary in size.get("steps", {}).items():
                median = summary.get("median")
                if step in STEPS and isinstance(median, int | float) and median > 0:
                    points.setdefault(step, {})[size["label"]] = (int(size["triples"]), median)
    return {step: sorted(points[step].values()) for step in STEPS if points.get(step)}


def _decades(low: float, high: float) -> list[int]:
    return list(range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1))


def _seconds(value: float) -> str:
    if value >= 1:
        return f"{value:g} s"
    return f"{value * 1000:g} ms"


def _triples(value: float) -> str:
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:g}{unit}"
    return f"{value:g}"


def svg(data: Curves, title: str = "srkb: time per step against store size") -> str:
    """The picture, as an SVG document; raises ValueError when there is nothing to draw."""
    if not data:
        raise ValueError("no step has a measured median: nothing to plot")
    xs = [x for pts in data.values() for x, _ in pts]
    ys = [y for pts in data.values() for _, y in pts]
    x_decades, y_decades = _decades(min(xs), max(xs)), _decades(min(ys), max(ys))
    if len(x_decades) < 2:
        x_decades.append(x_decades[0] + 1)
    if len(y_decades) < 2:
        y_decades.append(y_decades[0] + 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        span = x_decades[-1] - x_decades[0]
        return LEFT + (math.log10(x) - x_decades[0]) / span * plot_w

    def py(y: float) -> float:
        span = y_decades[-1] - y_decades[0]
        return TOP + plot_h - (math.log10(y) - y_decades[0]) / span * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="{TOP - 16}" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for d in x_decades:
        x = px(10**d)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
            f"{_triples(10**d)}</text>"
        )
    for d in y_decades:
        y = py(10**d)
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_seconds(10.0**d)}</text>'
        )
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>'
    )
    out.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 18}" text-anchor="middle">'
        "triples in the store (log scale)</text>"
    )
    out.append(
        f'<text transform="translate(16 {TOP + plot_h / 2:.1f}) rotate(-90)" '
        'text-anchor="middle">median time (log scale)</text>'
    )
    for index, (step, pts) in enumerate(data.items()):
        colour = COLOURS[list(STEPS).index(step) % len(COLOURS)]
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        label = escape(STEPS[step])
        out.append(f'<g class="step" data-step="{escape(step)}">')
        out.append(f"<title>{label}</title>")
        out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in pts:
            out.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}">'
                f"<title>{label}: {_seconds(round(y, 4))} at {x} triples</title></circle>"
            )
        out.append("</g>")
        ly = TOP + 8 + index * 20
        lx = LEFT + plot_w + 16
        out.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 22}" y2="{ly}" stroke="{colour}" '
            'stroke-width="2"/>'
        )
        out.append(f'<text x="{lx + 28}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def plot(reports: Sequence[Path], out: Path) -> Path:
    """Draw the curves of the result files ``reports`` into ``out``."""
    loaded = [json.loads(path.read_text(encoding="utf-8")) for path in reports]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(svg(curves(loaded)), encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="+", type=Path, help="bench result JSON files")
    parser.add_argument("--out", type=Path, default=Path("bench/results/cost-curve.svg"))
    args = parser.parse_args(argv)
    try:
        path = plot(args.reports, args.out)
    except (OSError, ValueError) as err:
        parser.error(str(err))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
