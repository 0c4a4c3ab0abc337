"""The ecosystem map: organisations as nodes, provision as directed edges, roles and failures shown.

One :class:`EcosystemMap` is built from the named questions and the validation report, then drawn
in four ways from the same data: JSON for the API's interactive page (``/map``, drawn with
Cytoscape.js), and SVG, Graphviz DOT or Mermaid text for ``srkb map --format``. Nothing here needs
Graphviz or the network: the SVG layout is a deterministic circle, written in Python.

Drawing rules (the same in every format):

- An organisation's *primary role* picks its colour and shape, in this order of precedence:
  consumer-turned-provider, intermediary, vendor, provider, consumer (see :data:`ROLE_STYLES`).
- An organisation that violates a precondition has a thick red border and lists the preconditions
  it fails; one with only warnings has a dashed amber border.
- An edge goes from provider to consumer and is labelled with the services provided. An edge on
  which a service level target the consumer holds with the provider was breached (a measurement
  the engine classified ``srkb:ServiceLevelBreach``) is drawn red and marked "⚠ breach"; its data
  lists the breached measurements.
- Layout: the best-connected organisation (the hub, if it has at least three partners) sits in the
  centre; the others sit on a circle around it, those that consume something in label order, and an
  organisation that only provides (an outside vendor) right after the first organisation it serves,
  so its edges stay short.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from kb.ecosystem.questions import ask
from kb.ecosystem.views import roles_by_organisation
from kb.namespaces import curie
from kb.reporting.service_levels import service_levels
from kb.sparql.text import node_name
from kb.store import Store
from kb.validation.readiness import PRECONDITIONS, labels
from kb.validation.shacl import ValidationReport


@dataclass(frozen=True)
class RoleStyle:
    """How an organisation of one primary role is drawn."""

    role: str
    colour: str
    shape: str
    description: str


#: Primary roles in order of precedence, each with its colour and shape (Cytoscape shape names).
ROLE_STYLES: tuple[RoleStyle, ...] = (
    RoleStyle(
        "ConsumerTurnedProvider",
        "#6b46c1",
        "hexagon",
        "consumer-turned-provider: builds what it provides from what it consumes",
    ),
    RoleStyle("Intermediary", "#2b6cb0", "round-rectangle", "intermediary: provides and consumes"),
    RoleStyle("Vendor", "#b7791f", "diamond", "vendor: named on a registered component"),
    RoleStyle("ServiceProvider", "#2f855a", "round-rectangle", "service provider"),
    RoleStyle("ServiceConsumer", "#4a5568", "ellipse", "service consumer"),
    RoleStyle("Organisation", "#a0aec0", "ellipse", "organisation with no provision role"),
)
_STYLE = {s.role: s for s in ROLE_STYLES}
FAIL_COLOUR = "#e53e3e"
BREACH_MARK = "⚠ breach"
WARN_COLOUR = "#d69e2e"


@dataclass(frozen=True)
class NodeFinding:
    """A finding shown in a node's details."""

    precondition: int
    severity: str
    message: str
    hint: str | None
    focus: str
    value: str | None


@dataclass(frozen=True)
class MapNode:
    """An organisation on the map."""

    id: str
    label: str
    roles: tuple[str, ...]
    primary_role: str
    failing: tuple[int, ...]
    warned: tuple[int, ...]
    findings: tuple[NodeFinding, ...]
    x: float
    y: float

    @property
    def style(self) -> RoleStyle:
        """The drawing style of its primary role."""
        return _STYLE[self.primary_role]

    @property
    def status(self) -> str:
        """``failing`` (a violation), ``warning`` (warnings only) or ``ok``."""
        return "failing" if self.failing else ("warning" if self.warned else "ok")


@dataclass(frozen=True)
class MapEdge:
    """Provision from one organisation to another: every service the provider gives it."""

    source: str
    target: str
    services: tuple[tuple[str, str], ...]
    breaches: tuple[tuple[str, str], ...] = ()  # (measurement IRI, what was missed) per breach

    @property
    def id(self) -> str:
        """A stable identifier."""
        return f"{self.source} -> {self.target}"

    @property
    def label(self) -> str:
        """The service labels, comma-separated, marked when a service level target was breached."""
        services = ", ".join(label for _, label in self.services)
        return f"{services} {BREACH_MARK}" if self.breaches else services


@dataclass(frozen=True)
class EcosystemMap:
    """Nodes and edges, laid out in a ``width`` x ``height`` box."""

    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]
    width: float
    height: float

    def node(self, iri: str) -> MapNode:
        """The node of an organisation."""
        return next(n for n in self.nodes if n.id == iri)

    def to_dict(self) -> dict[str, object]:
        """The JSON form the API's map page draws."""
        return {
            "width": self.width,
            "height": self.height,
            "preconditions": {str(k): v for k, v in PRECONDITIONS.items()},
            "legend": [
                {
                    "role": s.role,
                    "colour": s.colour,
                    "shape": s.shape,
                    "description": s.description,
                }
                for s in ROLE_STYLES
            ],
            "nodes": [
                {
                    "id": n.id,
                    "label": n.label,
                    "curie": curie(n.id),
                    "roles": list(n.roles),
                    "primary_role": n.primary_role,
                    "colour": n.style.colour,
                    "shape": n.style.shape,
                    "status": n.status,
                    "failing": list(n.failing),
                    "warned": list(n.warned),
                    "findings": [
                        {
                            "precondition": f.precondition,
                            "severity": f.severity,
                            "message": f.message,
                            "hint": f.hint,
                            "focus": f.focus,
                            "value": f.value,
                        }
                        for f in n.findings
                    ],
                    "x": n.x,
                    "y": n.y,
                }
                for n in self.nodes
            ],
            "edges": [
                {
                    "id": e.id,
                    "source": e.source,
                    "target": e.target,
                    "label": e.label,
                    "services": [{"iri": iri, "label": label} for iri, label in e.services],
                    "breached": bool(e.breaches),
                    "breaches": [{"iri": iri, "text": text} for iri, text in e.breaches],
                }
                for e in self.edges
            ],
        }


def primary_role(roles: Iterable[str]) -> str:
    """The role that decides how an organisation is drawn.

    >>> primary_role(["ServiceConsumer", "Intermediary", "ServiceProvider"])
    'Intermediary'
    >>> primary_role([])
    'Organisation'
    """
    present = set(roles)
    return next((s.role for s in ROLE_STYLES if s.role in present), "Organisation")


def _order(
    nodes: list[str], edges: dict[tuple[str, str], list[str]], names: dict[str, str]
) -> list[str]:
    """Circle order: consumers by label, each pure provider right after the first it serves."""
    consumers = {target for _, target in edges}
    key = {n: (names.get(n, n).casefold(), n) for n in nodes}
    core = sorted((n for n in nodes if n in consumers), key=key.__getitem__)
    leaves = sorted((n for n in nodes if n not in consumers), key=key.__getitem__)
    order = list(core)
    for leaf in leaves:
        served = sorted((t for s, t in edges if s == leaf), key=lambda t: key.get(t, (t, t)))
        if served and served[0] in order:
            at = order.index(served[0]) + 1
            while at < len(order) and order[at] in leaves:
                at += 1
            order.insert(at, leaf)
        else:
            order.append(leaf)
    return order


def hub(nodes: list[str], edges: Iterable[tuple[str, str]]) -> str | None:
    """The organisation with the most partners, if it has three or more (ties: first in order).

    >>> hub(["a", "b", "c", "d"], [("a", "b"), ("c", "a"), ("a", "d")])
    'a'
    >>> hub(["a", "b"], [("a", "b")]) is None
    True
    """
    partners: dict[str, set[str]] = {n: set() for n in nodes}
    for source, target in edges:
        partners.setdefault(source, set()).add(target)
        partners.setdefault(target, set()).add(source)
    best = max(nodes, key=lambda n: len(partners[n]), default=None)
    if best is None or len(partners[best]) < 3 or len(nodes) < 4:
        return None
    return best


def layout(
    order: list[str], centre_node: str | None = None
) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Positions on a circle (first node at the top, clockwise), ``centre_node`` in the middle.

    >>> positions, width, height = layout(["a", "b"])
    >>> positions["a"], width
    ((330.0, 130.0), 660.0)
    """
    ring = [n for n in order if n != centre_node]
    count = max(len(ring), 1)
    radius = max(200.0, 48.0 * count)
    margin = 130.0
    centre = radius + margin
    positions = {}
    if centre_node is not None:
        positions[centre_node] = (centre, centre)
    for index, node in enumerate(ring):
        angle = -math.pi / 2 + 2 * math.pi * index / count
        positions[node] = (
            round(centre + radius * math.cos(angle), 1),
            round(centre + radius * math.sin(angle), 1),
        )
    return positions, 2 * centre, 2 * centre


def ecosystem_map(store: Store, report: ValidationReport) -> EcosystemMap:
    """Build the map of the ecosystem in ``store`` with the failures of ``report``."""
    provision = ask(store, "who-provides-what-to-whom").rows
    roles = roles_by_organisation(store)
    levels = service_levels(store)
    pairs: dict[tuple[str, str], list[str]] = {}
    for provider, service, consumer in provision:
        # blank nodes as _:label, as roles, findings and service levels name them
        pairs.setdefault((node_name(provider), node_name(consumer)), []).append(node_name(service))
    organisations = set(roles) | {o for pair in pairs for o in pair}
    organisations |= {f.organisation for f in report.findings if f.organisation}
    services = {s for group in pairs.values() for s in group}
    names = labels(store, organisations | services)
    for finding in report.findings:
        if finding.organisation and finding.organisation_label:
            names.setdefault(finding.organisation, finding.organisation_label)
    order = _order(sorted(organisations), pairs, names)
    positions, width, height = layout(order, hub(order, pairs))
    nodes = []
    for org in sorted(organisations):
        mine = [f for f in report.findings if f.organisation == org]
        failing = sorted({f.precondition for f in mine if f.severity == "Violation"})
        warned = sorted({f.precondition for f in mine if f.severity != "Violation"} - set(failing))
        x, y = positions[org]
        nodes.append(
            MapNode(
                id=org,
                label=names.get(org, curie(org)),
                roles=tuple(roles.get(org, ())),
                primary_role=primary_role(roles.get(org, ())),
                failing=tuple(failing),
                warned=tuple(warned),
                findings=tuple(
                    NodeFinding(f.precondition, f.severity, f.message, f.hint, f.focus, f.value)
                    for f in mine
                ),
                x=x,
                y=y,
            )
        )
    edges = tuple(
        MapEdge(
            source=source,
            target=target,
            services=tuple(
                sorted(((s, names.get(s, curie(s))) for s in set(group)), key=lambda p: p[1])
            ),
            breaches=tuple(
                sorted(
                    {
                        (
                            b.measurement or b.target,
                            f"{levels.name(b.target)} {b.period or ''}: {b.achieved} against "
                            f"{b.comparison} {levels.name(b.unit) if b.unit else ''}".strip(),
                        )
                        for b in levels.breaches_between(source, target)
                    }
                )
            ),
        )
        for (source, target), group in sorted(pairs.items())
    )
    return EcosystemMap(nodes=tuple(nodes), edges=edges, width=width, height=height)


# -- text formats -------------------------------------------------------------------------------


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_DOT_SHAPES = {
    "hexagon": "hexagon",
    "round-rectangle": "box",
    "diamond": "diamond",
    "ellipse": "ellipse",
}


def to_dot(m: EcosystemMap) -> str:
    """Graphviz DOT: ``dot -Tsvg`` draws it (Graphviz is not needed to produce it)."""
    lines = [
        "digraph ecosystem {",
        "  graph [rankdir=LR, fontname=Helvetica, overlap=false];",
        "  node [style=filled, fontname=Helvetica, fontcolor=white];",
        "  edge [fontname=Helvetica, fontsize=10];",
    ]
    for n in m.nodes:
        label = n.label + (f"\\n⚠ fails P{', P'.join(map(str, n.failing))}" if n.failing else "")
        attrs = [
            f"label={_dot_text(label)}",
            f"shape={_DOT_SHAPES[n.style.shape]}",
            f'fillcolor="{n.style.colour}"',
            f"tooltip={_dot_text(', '.join(n.roles) or 'no role')}",
        ]
        if n.style.shape == "round-rectangle":
            attrs[0:0] = ['style="filled,rounded"']
        if n.failing:
            attrs += [f'color="{FAIL_COLOUR}"', "penwidth=4"]
        elif n.warned:
            attrs += [f'color="{WARN_COLOUR}"', "penwidth=3", 'style="filled,dashed"']
        lines.append(f"  {_dot_text(n.id)} [{', '.join(attrs)}];")
    for e in m.edges:
        breach = (
            f', color="{FAIL_COLOUR}", fontcolor="{FAIL_COLOUR}", penwidth=2' if e.breaches else ""
        )
        edge = f"{_dot_text(e.source)} -> {_dot_text(e.target)}"
        lines.append(f"  {edge} [label={_dot_text(e.label)}{breach}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


_MERMAID_SHAPES = {
    "hexagon": ("{{", "}}"),
    "round-rectangle": ("(", ")"),
    "diamond": ("{", "}"),
    "ellipse": ("([", "])"),
}


def to_mermaid(m: EcosystemMap) -> str:
    """A Mermaid flowchart (GitHub renders it in Markdown)."""
    ids = {n.id: f"o{index}" for index, n in enumerate(m.nodes)}
    lines = ["flowchart LR"]
    for n in m.nodes:
        opening, closing = _MERMAID_SHAPES[n.style.shape]
        label = n.label + (f" ⚠ fails P{', P'.join(map(str, n.failing))}" if n.failing else "")
        lines.append(f"  {ids[n.id]}{opening}{_mermaid_text(label)}{closing}")
    for e in m.edges:
        lines.append(f"  {ids[e.source]} -->|{_mermaid_text(e.label)}| {ids[e.target]}")
    for index, e in enumerate(m.edges):
        if e.breaches:
            lines.append(f"  linkStyle {index} stroke:{FAIL_COLOUR},stroke-width:3px")
    for style in ROLE_STYLES:
        lines.append(f"  classDef {style.role} fill:{style.colour},color:#fff,stroke:#1a202c")
    lines.append(f"  classDef failing stroke:{FAIL_COLOUR},stroke-width:4px")
    lines.append(f"  classDef warning stroke:{WARN_COLOUR},stroke-width:3px,stroke-dasharray:5 3")
    for style in ROLE_STYLES:
        members = [ids[n.id] for n in m.nodes if n.primary_role == style.role]
        if members:
            lines.append(f"  class {','.join(members)} {style.role}")
    for status in ("failing", "warning"):
        members = [ids[n.id] for n in m.nodes if n.status == status]
        if members:
            lines.append(f"  class {','.join(members)} {status}")
    return "\n".join(lines) + "\n"


# -- SVG ----------------------------------------------------------------------------------------

_NODE_RADIUS = 26.0


def _short(text: str, most: int = 36) -> str:
    """Text cut to ``most`` characters with an ellipsis.

    >>> _short("building management, office space, power", 20)
    'building management…'
    """
    return text if len(text) <= most else text[: most - 1].rstrip(" ,") + "…"


def _shape_svg(shape: str, x: float, y: float, r: float, attrs: str) -> str:
    if shape == "ellipse":
        return f'<ellipse cx="{x}" cy="{y}" rx="{r * 1.25:.1f}" ry="{r:.1f}" {attrs}/>'
    if shape == "round-rectangle":
        return (
            f'<rect x="{x - r * 1.3:.1f}" y="{y - r * 0.9:.1f}" width="{r * 2.6:.1f}" '
            f'height="{r * 1.8:.1f}" rx="{min(8.0, r * 0.3):.1f}" {attrs}/>'
        )
    if shape == "diamond":
        points = [(x, y - r * 1.1), (x + r * 1.4, y), (x, y + r * 1.1), (x - r * 1.4, y)]
    else:  # hexagon
        points = [
            (x + r * 1.35 * math.cos(a), y + r * 1.1 * math.sin(a))
            for a in (math.pi / 3 * k for k in range(6))
        ]
    text = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    return f'<polygon points="{text}" {attrs}/>'


Box = tuple[float, float, float, float]
#: Average glyph width in ems of the sans-serif text, to plan where labels go without fonts.
_GLYPH_EM = 0.6


def _text_box(x: float, y: float, text: str, anchor: str, size: float) -> Box:
    """The box (left, top, right, bottom) a line of text at baseline ``y`` covers, roughly."""
    width = _GLYPH_EM * size * len(text)
    left = x - width / 2 if anchor == "middle" else (x - width if anchor == "end" else x)
    pad = 3.0  # a little air, so that texts do not touch either
    return left - pad, y - size - pad, left + width + pad, y + 3 + pad


def _overlap(a: Box, b: Box) -> float:
    """The area two boxes share (0 when they do not meet)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _node_boxes(m: EcosystemMap) -> list[Box]:
    """What edge labels must not cover: every node's shape and the captions under it."""
    boxes: list[Box] = []
    for n in m.nodes:
        r = _NODE_RADIUS
        boxes.append((n.x - r * 1.4, n.y - r * 1.1, n.x + r * 1.4, n.y + r * 1.1))
        boxes.append(_text_box(n.x, n.y + r * 1.1 + 16, n.label, "middle", 12))
        if n.failing or n.warned:
            boxes.append(
                _text_box(n.x, n.y + r * 1.1 + 31, "warnings: precondition 0, 1", "middle", 12)
            )
    return boxes


#: Where along its curve an edge label may sit, the middle first.
_LABEL_SPOTS = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74)


def _label_place(
    curve: tuple[float, float, float, float, float, float],
    text: str,
    anchor: str,
    taken: list[Box],
) -> tuple[float, float, str, Box]:
    """Where a label goes: the first spot that covers nothing taken, else the least covered.

    Spots run along the curve from its middle outwards, on the side ``anchor`` says first (away
    from the twin curve in the other direction), then on the other side, then centred.
    """
    sx, sy, cx, cy, tx, ty = curve
    other = {"start": "end", "end": "start"}.get(anchor, "start")
    anchors = list(dict.fromkeys([anchor, other, "middle"]))

    def spot(t: float, side: str) -> tuple[float, float, float, str, Box]:
        x = (1 - t) ** 2 * sx + 2 * (1 - t) * t * cx + t**2 * tx
        y = (1 - t) ** 2 * sy + 2 * (1 - t) * t * cy + t**2 * ty + 4
        box = _text_box(x, y, text, side, 10)
        return sum(_overlap(box, other) for other in taken), x, y, side, box

    candidates = [(t, side) for side in anchors for t in _LABEL_SPOTS]
    best = spot(*candidates[0])
    for t, side in candidates[1:]:
        if best[0] == 0:
            break
        candidate = spot(t, side)
        if candidate[0] < best[0]:
            best = candidate
    return best[1], best[2], best[3], best[4]


def _edge_curve(
    sx: float, sy: float, tx: float, ty: float
) -> tuple[str, tuple[float, float, float, float, float, float], str]:
    """A curve bending to the right of its direction (so A->B and B->A do not overlap).

    Returns the path, its three control points (where its label may go), and the label's
    text-anchor (away from the curve's twin in the other direction).
    """
    dx, dy = tx - sx, ty - sy
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    # Stop at the node's edge; an arrow arriving from below also clears the label under the node.
    start_inset = _NODE_RADIUS * 1.5 + 22 * max(0.0, uy)
    end_inset = _NODE_RADIUS * 1.5 + 22 * max(0.0, -uy)
    sx2, sy2 = sx + ux * start_inset, sy + uy * start_inset
    tx2, ty2 = tx - ux * end_inset, ty - uy * end_inset
    bend = min(60.0, length * 0.18)
    nx, ny = -uy, ux
    cx, cy = (sx2 + tx2) / 2 + nx * bend, (sy2 + ty2) / 2 + ny * bend
    anchor = "start" if nx > 0.3 else ("end" if nx < -0.3 else "middle")
    path = f"M{sx2:.1f},{sy2:.1f} Q{cx:.1f},{cy:.1f} {tx2:.1f},{ty2:.1f}"
    return path, (sx2, sy2, cx, cy, tx2, ty2), anchor


def to_svg(m: EcosystemMap) -> str:
    """A standalone SVG picture: nodes, labelled arrows and a legend; no scripts, no fonts."""
    legend_height = 24 * len(ROLE_STYLES) + 70
    width, height = m.width, m.height + legend_height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="12">',
        "<title>Service ecosystem map</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#4a5568"/></marker></defs>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    where = {n.id: (n.x, n.y) for n in m.nodes}
    taken = _node_boxes(m)  # and each placed label, so labels do not cover each other either
    out.append('<g class="edges">')
    for e in m.edges:
        (sx, sy), (tx, ty) = where[e.source], where[e.target]
        path, curve, anchor = _edge_curve(sx, sy, tx, ty)
        mx, my, anchor, box = _label_place(curve, _short(e.label), anchor, taken)
        taken.append(box)
        colour, stroke_width = (FAIL_COLOUR, "3") if e.breaches else ("#4a5568", "1.5")
        title = "; ".join([e.label, *(text for _, text in e.breaches)])
        out.append(
            f'<path class="edge{" breach" if e.breaches else ""}" d="{path}" fill="none" '
            f'stroke="{colour}" stroke-width="{stroke_width}" '
            f'marker-end="url(#arrow)"><title>{escape(title)}</title></path>'
        )
        out.append(
            f'<text x="{mx:.1f}" y="{my:.1f}" text-anchor="{anchor}" font-size="10" '
            f'fill="{colour if e.breaches else "#2d3748"}" '
            f'stroke="#ffffff" stroke-width="3" paint-order="stroke">'
            f"{escape(_short(e.label))}</text>"
        )
    out.append("</g>")
    out.append('<g class="nodes">')
    for n in m.nodes:
        stroke = (
            f'stroke="{FAIL_COLOUR}" stroke-width="5"'
            if n.failing
            else (
                f'stroke="{WARN_COLOUR}" stroke-width="4" stroke-dasharray="6 3"'
                if n.warned
                else 'stroke="#1a202c" stroke-width="1"'
            )
        )
        roles = escape(", ".join(n.roles) or "no role")
        out.append(f'<g class="node {n.status}"><title>{escape(n.label)}: {roles}</title>')
        out.append(
            _shape_svg(n.style.shape, n.x, n.y, _NODE_RADIUS, f'fill="{n.style.colour}" {stroke}')
        )
        out.append(
            f'<text x="{n.x}" y="{n.y + _NODE_RADIUS * 1.1 + 16:.1f}" text-anchor="middle" '
            f'font-weight="bold" fill="#1a202c">{escape(n.label)}</text>'
        )
        if n.failing:
            out.append(
                f'<text x="{n.x}" y="{n.y + _NODE_RADIUS * 1.1 + 31:.1f}" text-anchor="middle" '
                f'fill="{FAIL_COLOUR}">fails precondition {", ".join(map(str, n.failing))}</text>'
            )
        elif n.warned:
            out.append(
                f'<text x="{n.x}" y="{n.y + _NODE_RADIUS * 1.1 + 31:.1f}" text-anchor="middle" '
                f'fill="#975a16">warnings: precondition {", ".join(map(str, n.warned))}</text>'
            )
        out.append("</g>")
    out.append("</g>")
    y = m.height + 10
    out.append(
        f'<g class="legend"><text x="20" y="{y + 14}" font-weight="bold">Primary role</text>'
    )
    for index, style in enumerate(ROLE_STYLES):
        row = y + 36 + 24 * index
        out.append(_shape_svg(style.shape, 34, row, 8, f'fill="{style.colour}" stroke="#1a202c"'))
        out.append(f'<text x="56" y="{row + 4}">{escape(style.description)}</text>')
    row = y + 36 + 24 * len(ROLE_STYLES)
    out.append(
        f'<rect x="22" y="{row - 8}" width="24" height="16" rx="4" fill="#ffffff" '
        f'stroke="{FAIL_COLOUR}" stroke-width="4"/><text x="56" y="{row + 4}">red border: violates '
        "a precondition; arrows go from provider to consumer</text>"
    )
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


FORMATS = {"svg": to_svg, "dot": to_dot, "mermaid": to_mermaid}
