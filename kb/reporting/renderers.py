"""Renderers of a validation report: JSON, Markdown, CSV, Turtle (the raw SHACL report) and HTML.

Pure functions from :class:`~kb.validation.shacl.ValidationReport` (and, for the documents people
read, its :class:`~kb.validation.readiness.Readiness`) to text, so the CLI, the API and the tests
render the same thing. Findings are grouped by organisation and precondition, in the words of the
shapes' messages and fix hints, for people who do not read SHACL. The HTML comes from the Jinja
templates in ``kb/reporting/templates/``: ``report-body.html`` is the content (the API puts it
inside its own page),
``report.html`` a self-contained document with its print stylesheet and no external resource.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from kb.errors import InputError
from kb.interchange.spreadsheet_cells import neutralise
from kb.namespaces import curie
from kb.reporting.service_levels import ServiceLevels
from kb.validation.history import Changes, RecordedFinding, RunSummary
from kb.validation.readiness import (
    PRECONDITIONS,
    OrganisationReadiness,
    PreconditionReadiness,
    Readiness,
)
from kb.validation.shacl import Finding, ValidationReport

FIELDS = (
    "organisation",
    "organisation_label",
    "precondition",
    "severity",
    "message",
    "focus",
    "path",
    "value",
    "hint",
    "source_shape",
)


def _row(finding: Finding) -> dict[str, Any]:
    return {name: getattr(finding, name) for name in FIELDS}


def to_json(report: ValidationReport) -> str:
    """The report as JSON: conformance, counts and every finding with all its fields."""
    counts: dict[str, int] = {}
    for finding in report.findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    document = {
        "conforms": report.conforms,
        "counts": counts,
        "findings": [_row(f) for f in report.findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_csv(report: ValidationReport) -> str:
    """One row per finding, spreadsheet-friendly: text a spreadsheet could run is quoted (OWASP)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for finding in report.findings:
        row = _row(finding)
        writer.writerow({k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()})
    return buffer.getvalue()


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_score(p: PreconditionReadiness | None) -> str:
    if p is None or not p.applicable:
        return "n/a"
    return f"{p.score}%" if p.met else f"**{p.score}%**"


def _markdown_summary(readiness: Readiness) -> list[str]:
    numbers = readiness.preconditions
    head = ["organisation", *(f"P{n}" for n in numbers), "violations", "warnings"]
    lines = [
        "## Summary",
        "",
        f"{readiness.meeting_all} of {len(readiness.subject)} organisation(s) subject to the "
        "preconditions meet all of them. Readiness per precondition (bold: not met):",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for o in readiness.organisations:
        cells = [
            _md_cell(o.label or curie(o.organisation)),
            *(_md_score(o.of(n)) for n in numbers),
            str(o.violations),
            str(o.warnings),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    totals = [
        f"{s.met}/{s.applicable} met, {s.mean_score}%" if s.applicable else "n/a"
        for s in readiness.summary()
    ]
    violations = sum(o.violations for o in readiness.organisations)
    warnings = sum(o.warnings for o in readiness.organisations)
    lines.append("| *ecosystem* | " + " | ".join([*totals, str(violations), str(warnings)]) + " |")
    lines += [
        "",
        "Readiness is the share of a precondition's checks (its shapes) that report nothing about "
        "the organisation; a check with only warnings counts half; 0 when a gating check fails "
        "(no registered component, no practice, no catalogue: not started). n/a: the precondition "
        "does not apply to the organisation's roles.",
        "",
    ]
    return lines


def _markdown_service_levels(levels: ServiceLevels) -> list[str]:
    """The service level section: every consumer's targets, measurements and breaches."""
    breaches = levels.breaches
    lines = [
        "## Service levels",
        "",
        f"{len({r.target for r in levels.rows})} service level target(s), "
        f"{len({r.measurement for r in levels.rows if r.measurement})} measurement(s), "
        f"{len(breaches)} breach(es).",
        "",
    ]
    if not levels.rows:
        return [*lines, "No agreement sets a service level target.", ""]
    lines += [
        "| consumer | service | vendor | target | metric | period | achieved | breach |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in levels.rows:
        unit = f" {levels.name(r.unit)}" if r.unit else ""
        achieved = f"{r.achieved}{unit}" if r.achieved is not None else "not measured"
        cells = [
            levels.name(r.consumer),
            levels.name(r.service),
            levels.name(r.vendor),
            f"{r.comparison}{unit}",
            r.metric or "",
            r.period or "",
            achieved,
            "**breach**" if r.breached else "",
        ]
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    lines += [
        "",
        "A breach is a measurement below its target where higher is better, or above it where "
        "lower is better (rule srkb-sl-breach); question breach-impact shows who it reaches.",
        "",
    ]
    return lines


def to_markdown(
    report: ValidationReport,
    readiness: Readiness | None = None,
    service_levels: ServiceLevels | None = None,
) -> str:
    """A readable report: verdict, the readiness summary, service levels, then each organisation."""
    lines = ["# Service relationship preconditions", ""]

    def short(value: str) -> str:
        """A CURIE of the loaded files' prefixes, else the IRI in angle brackets."""
        text = report.prefixes.shorten(value)
        return f"<{text}>" if text == value and "://" in value else text

    if report.conforms and not report.findings:
        lines += ["Every organisation meets every precondition.", ""]
        if readiness is not None:
            lines += _markdown_summary(readiness)
        if service_levels is not None:
            lines += _markdown_service_levels(service_levels)
        return "\n".join(lines)
    violations = sum(1 for f in report.findings if f.severity == "Violation")
    warnings = len(report.findings) - violations
    verdict = "All preconditions are met" if report.conforms else "Some preconditions are not met"
    lines += [f"{verdict}: {violations} violation(s), {warnings} warning(s).", ""]
    if readiness is not None:
        lines += _markdown_summary(readiness)
    if service_levels is not None:
        lines += _markdown_service_levels(service_levels)
    by_org = _by_organisation(readiness)
    for organisation, findings in sorted(report.by_organisation().items()):
        label = findings[0].organisation_label or organisation or "Not tied to an organisation"
        lines += [f"## {label}", ""]
        mine = by_org.get(organisation)
        for precondition in sorted({f.precondition for f in findings}):
            p = mine.of(precondition) if mine else None
            score = f" (readiness {p.score}%)" if p is not None and p.applicable else ""
            title = PRECONDITIONS.get(precondition, "")
            lines += [f"### Precondition {precondition}: {title}{score}", ""]
            for f in (x for x in findings if x.precondition == precondition):
                value = f" ({short(f.value)})" if f.value else ""
                lines.append(f"- **{f.severity}**: {f.message}{value}")
                if f.focus != organisation:
                    lines.append(f"  - concerns: {short(f.focus)}")
                if f.hint:
                    lines.append(f"  - how to fix: {f.hint}")
            lines.append("")
    return "\n".join(lines)


def _by_organisation(readiness: Readiness | None) -> dict[str, OrganisationReadiness]:
    return {} if readiness is None else {o.organisation: o for o in readiness.organisations}


def to_turtle(report: ValidationReport) -> str:
    """The raw ``sh:ValidationReport`` graph, as pySHACL produced it."""
    return str(report.graph.serialize(format="turtle"))


def _finding_line(f: RecordedFinding) -> str:
    who = f.organisation_label or (curie(f.organisation) if f.organisation else curie(f.focus))
    value = f" ({curie(f.value)})" if f.value else ""
    concerns = f" — concerns {curie(f.focus)}" if f.focus != f.organisation else ""
    return f"- {who}, precondition {f.precondition}, **{f.severity}**: {f.message}{value}{concerns}"


def changes_to_markdown(changes: Changes) -> str:
    """What got better or worse between two recorded runs, for people."""

    def run(r: RunSummary) -> str:
        return (
            f"{r.time.strftime('%Y-%m-%d %H:%M:%S')} UTC "
            f"({r.violations} violation(s), {r.warnings} warning(s))"
        )

    lines = [
        f"# What changed since {changes.since}",
        "",
        f"From the run of {run(changes.before)} to the run of {run(changes.after)}: "
        f"**{changes.verdict}**.",
        "",
    ]
    if changes.note:
        lines += [f"Note: {changes.note}.", ""]
    lines += [f"## Fixed ({len(changes.fixed)})", ""]
    lines += [_finding_line(f) for f in changes.fixed] or ["Nothing was fixed."]
    lines += ["", f"## New ({len(changes.new)})", ""]
    lines += [_finding_line(f) for f in changes.new] or ["Nothing new is wrong."]
    lines += ["", "## Readiness", ""]
    if changes.scores:
        lines += [
            "| organisation | precondition | before | after | change |",
            "|---|---|---|---|---|",
        ]
        for c in changes.scores:
            was = "n/a" if c.before is None else f"{c.before}%"
            now = "n/a" if c.after is None else f"{c.after}%"
            who = _md_cell(c.label or curie(c.organisation))
            lines.append(f"| {who} | {c.precondition} | {was} | {now} | {c.delta:+d} |")
    else:
        lines.append("No readiness score changed.")
    lines.append("")
    return "\n".join(lines)


def _is_iri(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://", "urn:"))


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("kb.reporting", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["curie"] = curie
    env.tests["iri"] = _is_iri
    return env


def report_css() -> str:
    """The report's stylesheet (screen and print), for pages that embed :func:`html_body`."""
    return (files("kb.reporting") / "templates" / "report.css").read_text(encoding="utf-8")


def html_body(
    report: ValidationReport,
    readiness: Readiness | None = None,
    *,
    link: Callable[[str], str] | None = None,
    check_labels: Mapping[str, str] | None = None,
    organisation: str | None = None,
    precondition: int | None = None,
    service_levels: ServiceLevels | None = None,
) -> Markup:
    """The report's HTML content (summary table, a section per organisation), without a page.

    ``link`` maps an IRI to the URL its links point at (the API's ``/page?iri=``); by default a link
    points at the IRI itself. ``organisation``/``precondition`` only say in the text that the
    report was filtered (filter the report and readiness themselves first).
    """
    env = _environment()
    env.filters["curie"] = report.prefixes.shorten  # the loaded files' prefixes too
    template = env.get_template("report-body.html")
    labels = dict(check_labels or {})
    if readiness is not None:
        for checks in readiness.checks.values():
            for check in checks:
                labels.setdefault(check.shape, check.label)
    text = template.render(
        report=report,
        readiness=readiness,
        groups=sorted(report.by_organisation().items()),
        preconditions=PRECONDITIONS,
        check_labels=labels,
        by_organisation=_by_organisation(readiness),
        organisation=organisation,
        precondition=precondition,
        service_levels=service_levels,
        link=link or str,
    )
    return Markup(text)  # noqa: S704 - rendered by an autoescaping Jinja template


def to_html(
    report: ValidationReport,
    readiness: Readiness | None = None,
    *,
    link: Callable[[str], str] | None = None,
    generated: str | None = None,
    service_levels: ServiceLevels | None = None,
) -> str:
    """A self-contained HTML document (styles inline, print stylesheet, nothing fetched)."""
    from kb import __version__

    env = _environment()
    return env.get_template("report.html").render(
        css=Markup(report_css()),  # noqa: S704 - our own stylesheet file
        body=html_body(report, readiness, link=link, service_levels=service_levels),
        generated=generated,
        version=__version__,
    )


RENDERERS: dict[str, Callable[[ValidationReport], str]] = {
    "json": to_json,
    "md": to_markdown,
    "csv": to_csv,
    "ttl": to_turtle,
    "html": to_html,
}


def render(
    report: ValidationReport,
    fmt: str,
    readiness: Readiness | None = None,
    service_levels: ServiceLevels | None = None,
) -> str:
    """Render in one of :data:`RENDERERS`' formats.

    Markdown and HTML show ``readiness`` and ``service_levels`` too, when given.
    """
    if fmt not in RENDERERS:
        raise InputError(
            f"unknown report format {fmt!r}", hint="use one of " + ", ".join(RENDERERS)
        )
    if fmt == "md":
        return to_markdown(report, readiness, service_levels)
    if fmt == "html":
        return to_html(report, readiness, service_levels=service_levels)
    return RENDERERS[fmt](report)
