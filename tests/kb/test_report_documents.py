"""The documents people read: the HTML report (summary, sections, print stylesheet, no external
resource) and the Markdown report with readiness, the change report, and the ontology page."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from kb.interchange.ontology_docs import ontology_html
from kb.reporting.renderers import changes_to_markdown, html_body, to_html, to_markdown
from kb.store import Store
from kb.validation.history import Run, compare
from kb.validation.readiness import readiness
from kb.validation.shacl import validate

EX = "https://example.org/broken-p1-unregistered-component#"


class Resources(HTMLParser):
    """Every URL a browser would load (not follow) from a page: scripts, styles, images, icons."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "img", "iframe", "source", "video", "audio"} and values.get("src"):
            self.loaded.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.loaded.append(str(values["href"]))


def loaded_from_elsewhere(page: str) -> list[str]:
    parser = Resources()
    parser.feed(page)
    css_urls = re.findall(r"url\(\s*['\"]?([^)'\"]+)", page) + re.findall(
        r"@import\s+['\"]([^'\"]+)", page
    )
    return [u for u in parser.loaded + css_urls if not u.startswith(("data:", "/"))]


def test_html_report_has_summary_sections_and_print_styles(
    prepared: Callable[..., Store],
) -> None:
    store = prepared("broken-p1-unregistered-component", "memory")
    report = validate(store, save=False)
    page = to_html(report, readiness(store, report))
    assert page.startswith("<!doctype html>")
    assert "@media print" in page
    assert loaded_from_elsewhere(page) == []
    summary = page[page.index('<section class="summary">') : page.index("</section>")]
    assert summary.count('<tr class="readiness-row">') == 4
    assert '<td class="score bad" data-precondition="1"' in summary
    assert ">70%<" in summary
    assert ">75%<" in summary
    sections = re.findall(r'<section class="organisation">(.*?)</section>', page, flags=re.S)
    assert len(sections) == 2
    assert page.count('<tr class="finding">') == len(report.findings)
    for finding in report.findings:
        assert finding.hint is not None
        assert finding.hint.replace("'", "&#39;") in page
    assert f'href="{EX}Clinic"' in page, "links point at the IRIs by default"


def test_html_body_links_through_the_given_function(prepared: Callable[..., Store]) -> None:
    store = prepared("broken-p1-unregistered-component", "memory")
    report = validate(store, save=False)
    body = html_body(report, readiness(store, report), link=lambda iri: "/page?iri=" + iri)
    assert f'href="/page?iri={EX}Clinic"' in body
    assert "<html" not in body


def test_markdown_has_the_readiness_table(prepared: Callable[..., Store]) -> None:
    store = prepared("broken-p1-unregistered-component", "memory")
    report = validate(store, save=False)
    text = to_markdown(report, readiness(store, report))
    assert "| Occupational Health Clinic | 100% | **70%** | 100% | 100% | 2 | 5 |" in text
    assert "| Riverside Factory | 100% | **75%** | 100% | n/a | 2 | 1 |" in text
    assert "### Precondition 1: Service components with vendor information (readiness 70%)" in text
    assert to_markdown(report) == to_markdown(report, None), "readiness is optional"


def test_change_report_names_what_was_fixed(prepared: Callable[..., Store]) -> None:
    store = prepared("broken-p1-unregistered-component", "memory")
    report = validate(store, save=False)
    scores = readiness(store, report)
    before = Run.of(report, scores, datetime(2026, 1, 1, tzinfo=UTC))
    after = Run(
        time=datetime(2026, 1, 2, tzinfo=UTC),
        conforms=False,
        findings=before.findings[1:],
        scores=before.scores,
    )
    text = changes_to_markdown(compare(before, after, since="last"))
    assert text.startswith("# What changed since last")
    assert "**better**" in text
    assert "## Fixed (1)" in text
    assert "## New (0)" in text


def test_ontology_page_is_self_contained_and_leaves_logging_alone(
    prepared: Callable[..., Store],
) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    page = ontology_html(prepared("campus", "memory"))
    assert (list(root.handlers), root.level) == (handlers, level)
    assert "<title>Service Relationship Knowledge Base ontology</title>" in page
    assert "Consumer-Turned-Provider" in page
    assert loaded_from_elsewhere(page) == []
    assert "srkb alignments" not in page
    assert ontology_html(prepared("campus", "memory")) is page, "generated once per version"


def test_the_ontology_page_is_made_ahead_of_the_first_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server pre-renders the page at start-up (it takes seconds), so no reader waits."""
    from kb import open_store
    from kb.interchange import ontology_docs
    from kb.interchange.loading import install_model

    monkeypatch.setattr(ontology_docs, "_pages", {})
    store = open_store("memory")
    install_model(store)
    assert not ontology_docs.is_rendered(store)
    ontology_docs.prerender(store).join(timeout=120)
    assert ontology_docs.is_rendered(store)


def test_reports_print_the_loaded_files_curies(prepared: Callable[..., Store]) -> None:
    """The Markdown and HTML reports name resources with the prefixes their file declares."""
    report = validate(prepared("broken-p1-unregistered-component", "memory"), save=False)
    text = to_markdown(report)
    assert "concerns: ex:comp-clinic-labtests" in text
    assert "concerns: <https://example.org/" not in text
    assert ">ex:comp-clinic-labtests</a>" in html_body(report)
