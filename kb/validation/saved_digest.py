"""Digests of a validation report as srkb saves it, to tell a report that is current.

A full validation at a million triples mostly finds what the one before it found. With the
digests saved beside the report, such a run knows without reading 65,000 saved statements back
and comparing them, and writes nothing; when they differ, the saved results are read and compared
as before (:func:`kb.validation.shacl.validate`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rdflib.term import Node

from kb.validation.compiled import ShapeResult

if TYPE_CHECKING:
    from kb.validation.shacl import Finding


def results_digest(results: Iterable[ShapeResult], conforms: bool) -> str:
    """A digest of the results as a save writes them (without srkb's annotations), in any order.

    Saved with the report (:data:`kb.validation.shacl.RESULTS_DIGEST`, beside
    :func:`annotations_digest`), so that a validation finding what the last one saved knows it
    without reading the saved results back (at a million triples 0.3 s of reading and 0.3 s of
    comparing). Blank nodes count by their labels: the data's keep theirs, and the shapes' keep
    theirs until the model is installed again, which only makes the digests differ. Computed
    before the organisations are looked up, so that saved results that differ are read back
    meanwhile.
    """

    def text(node: Node | None) -> str:
        return "" if node is None else node.n3()

    lines = []
    for result in results:
        branch = result.branch
        said = (
            text(result.focus),
            text(result.value),
            text(result.path),
            text(branch.severity),
            text(branch.source_shape),
            text(branch.component),
            text(branch.sparql_constraint),
            *sorted(text(m) for m in result.messages),
        )
        lines.append("\x1f".join(said))
    lines.sort()
    lines.append(str(conforms))
    return hashlib.sha256("\x1e".join(lines).encode()).hexdigest()


def annotations_digest(findings: Iterable[Finding]) -> str:
    """A digest of srkb's annotations of the results, in any order.

    What :func:`kb.validation.shacl._annotations` saves of each result: its precondition and
    organisation (given by its shape and focus node) and the message its finding shows.
    """
    lines = sorted(
        "\x1f".join((f.focus, f.source_shape, str(f.precondition), f.organisation or "", f.message))
        for f in findings
    )
    return hashlib.sha256("\x1e".join(lines).encode()).hexdigest()
