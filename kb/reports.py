"""Renderers of a validation report: JSON, Markdown, CSV and Turtle (the raw SHACL report).

Pure functions from :class:`~kb.validation.ValidationReport` to text, so the CLI, the API and the
tests render the same thing. Findings are grouped by organisation and precondition, in the words of
the shapes' messages and fix hints, for people who do not read SHACL.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from kb.errors import InputError
from kb.validation import Finding, ValidationReport

PRECONDITIONS = {
    0: "Well-formed service relationships",
    1: "Service components with vendor information",
    2: "A service relationship practice",
    3: "A service catalogue",
}

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
    """One row per finding, spreadsheet-friendly."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for finding in report.findings:
        writer.writerow(_row(finding))
    return buffer.getvalue()


def to_markdown(report: ValidationReport) -> str:
    """A readable report: verdict, then one section per organisation and precondition."""
    lines = ["# Service relationship preconditions", ""]
    if report.conforms and not report.findings:
        lines += ["Every organisation meets every precondition.", ""]
        return "\n".join(lines)
    violations = sum(1 for f in report.findings if f.severity == "Violation")
    warnings = len(report.findings) - violations
    verdict = "All preconditions are met" if report.conforms else "Some preconditions are not met"
    lines += [f"{verdict}: {violations} violation(s), {warnings} warning(s).", ""]
    for organisation, findings in sorted(report.by_organisation().items()):
        label = findings[0].organisation_label or organisation or "Not tied to an organisation"
        lines += [f"## {label}", ""]
        for precondition in sorted({f.precondition for f in findings}):
            lines += [f"### Precondition {precondition}: {PRECONDITIONS.get(precondition, '')}", ""]
            for f in (x for x in findings if x.precondition == precondition):
                value = f" ({f.value})" if f.value else ""
                lines.append(f"- **{f.severity}**: {f.message}{value}")
                if f.focus != organisation:
                    lines.append(f"  - concerns: <{f.focus}>")
                if f.hint:
                    lines.append(f"  - how to fix: {f.hint}")
            lines.append("")
    return "\n".join(lines)


def to_turtle(report: ValidationReport) -> str:
    """The raw ``sh:ValidationReport`` graph, as pySHACL produced it."""
    return str(report.graph.serialize(format="turtle"))


RENDERERS: dict[str, Callable[[ValidationReport], str]] = {
    "json": to_json,
    "md": to_markdown,
    "csv": to_csv,
    "ttl": to_turtle,
}


def render(report: ValidationReport, fmt: str) -> str:
    """Render in one of :data:`RENDERERS`' formats."""
    try:
        return RENDERERS[fmt](report)
    except KeyError:
        raise InputError(
            f"unknown report format {fmt!r}", hint="use one of " + ", ".join(RENDERERS)
        ) from None
