"""What governance teams read: validation reports in five formats and the ecosystem map.

Pure renderers: :mod:`~kb.reporting.renderers` turns a validation report, readiness and history into
JSON, Markdown, CSV, Turtle and HTML (Jinja templates in ``templates/``);
:mod:`~kb.reporting.ecosystem_map` draws organisations, relationships, findings, breaches and impact
as a graph (Cytoscape data, SVG, DOT, Mermaid); :mod:`~kb.reporting.service_levels` gathers every
consumer's service level targets, measurements and breaches for both.

May import: :mod:`kb.validation`, :mod:`kb.ecosystem`, :mod:`kb.store`, the base modules.
"""
