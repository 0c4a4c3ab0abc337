"""Validation of the three preconditions: SHACL findings, readiness scores and their history.

:mod:`~kb.validation.shacl` validates with the shapes and returns typed findings (the
:class:`~kb.validation.shacl.ValidationReport`), by default through the shapes compiled to SPARQL
(:mod:`~kb.validation.compiled`, checked to give exactly pySHACL's findings), with pySHACL as the
reference engine; :mod:`~kb.validation.organisations` finds the organisation each finding
concerns; :mod:`~kb.validation.saving` saves a report into the validation graph, whole or by its
changes, and :mod:`~kb.validation.incremental` re-validates what a write can affect.
:mod:`~kb.validation.readiness` scores each organisation per precondition;
:mod:`~kb.validation.history` records every run and the changes between runs.

May import: :mod:`kb.ecosystem` (roles by organisation), :mod:`kb.reasoning`, :mod:`kb.sparql`,
:mod:`kb.store`, the base modules. Renderers of reports live above, in :mod:`kb.reporting`.
"""
