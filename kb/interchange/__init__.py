"""Data in and out: RDF parsing and loading, the tabular mapping, imports, exports, descriptions.

Everything that turns a file or a request body into quads, or quads into a file, lives here: RDF
parsing with located errors and no network (:mod:`~kb.interchange.parsing`), all-or-nothing
loading (:mod:`~kb.interchange.loading`), the declared mapping between workbooks/YAML and RDF
(:mod:`~kb.interchange.tabular_mapping`, built from :mod:`~kb.interchange.tabular_columns`, with
the service level kinds in :mod:`~kb.interchange.tabular_service_levels`) with its import
(:mod:`~kb.interchange.importing`) and export (:mod:`~kb.interchange.tabular_export`), RDF
exports, linked-data descriptions of one resource, and the ontology's HTML documentation.

May import: :mod:`kb.sparql`, :mod:`kb.store`, the base modules (errors, namespaces, config,
resources). pyoxigraph only in :mod:`~kb.interchange.parsing` (its parsers are srkb's RDF parsers).
Never reasoning, validation or anything above them: what is loaded is inferred on by the caller.
"""
