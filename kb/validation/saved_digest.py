"""Digests of a validation report as srkb saves it, to tell a report that is current.

A full validation at a million triples mostly finds what the one before it found. With the
digests saved beside the report, such a run knows without reading 65,000 saved statements back
and comparing them, and writes nothing; when they differ, the saved results are read and compared
as before (:func:`kb.validation.shacl.validate`).

Beside the digest of the whole, a digest for each bucket of focus nodes (:func:`bucket`): after a
small change only the buckets whose digests differ are read back and compared, a few dozen
results instead of all of them (at 1M 0.1 s instead of 0.5 s).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from rdflib import URIRef
from rdflib.term import Node

from kb.validation.compiled import ShapeResult

if TYPE_CHECKING:
    from kb.validation.shacl import Finding


def result_lines(results: Iterable[ShapeResult]) -> list[str]:
    """What a save writes of each result, as one line of text each: what the digests are of."""
    return [_result_line(result) for result in results]


def results_digest(lines: Iterable[str], conforms: bool) -> str:
    """A digest of the results as a save writes them (without srkb's annotations), in any order.

    Saved with the report (:data:`kb.validation.saving.RESULTS_DIGEST`, beside
    :func:`annotations_digest`), so that a validation finding what the last one saved knows it
    without reading the saved results back (at a million triples 0.3 s of reading and 0.3 s of
    comparing). Blank nodes count by their labels: the data's keep theirs, and the shapes' keep
    theirs until the model is installed again, which only makes the digests differ. Computed
    before the organisations are looked up, so that saved results that differ are read back
    meanwhile. ``lines`` are the results' :func:`result_lines`.
    """
    said = sorted(lines)
    said.append(str(conforms))
    return _digest(said)


def _result_line(result: ShapeResult) -> str:
    """What a save writes of one result, as one line of text."""

    def text(node: Node | None) -> str:
        return "" if node is None else node.n3()

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
    return "\x1f".join(said)


def _annotation_line(finding: Finding) -> str:
    """What a save writes of srkb's annotations of one result, as one line of text."""
    f = finding
    return "\x1f".join(
        (f.focus, f.source_shape, str(f.precondition), f.organisation or "", f.message)
    )


def _digest(lines: Iterable[str]) -> str:
    return hashlib.sha256("\x1e".join(lines).encode()).hexdigest()


#: Hex digits of each bucket digest (64 bits): a false match leaves a changed bucket unsaved.
_BUCKET_DIGEST_LENGTH = 16
#: The mark of a bucket whose saved results no digest describes (a save of some focus nodes).
UNKNOWN = "?"
#: A bucket as :func:`bucket_marks` names it: two hex digits, or "-" for "".
_BUCKET_NAME = re.compile(r"[0-9a-f]{2}|-")


def bucket(focus: Node | None) -> str:
    """The bucket of a focus node: the first two hex digits of the MD5 of its IRI, "" if none.

    The same as SPARQL's ``SUBSTR(MD5(STR(?focus)), 1, 2)``, so that a query reads back the
    saved results of some buckets only (:func:`kb.validation.saved_results.saved_results`).
    Blank and literal focus nodes share the bucket "".
    """
    if isinstance(focus, URIRef):
        return hashlib.md5(str(focus).encode("utf-8"), usedforsecurity=False).hexdigest()[:2]
    return ""


def bucket_digests(
    buckets: Sequence[str], lines: Sequence[str], findings: Iterable[tuple[int, Finding]] = ()
) -> dict[str, str]:
    """A digest of the results (and, given, of their annotations) in each bucket that has any.

    ``buckets`` and ``lines`` are each result's :func:`bucket` and :func:`result_lines`;
    ``findings`` pairs each finding with the index of its result. Without them the digests are
    of what the raw report says, known before the organisations are looked up.
    """
    grouped: dict[str, list[str]] = {}
    for where, line in zip(buckets, lines, strict=True):
        grouped.setdefault(where, []).append(line)
    for index, finding in findings:
        grouped[buckets[index]].append("\x1d" + _annotation_line(finding))
    return {where: _digest(sorted(said))[:_BUCKET_DIGEST_LENGTH] for where, said in grouped.items()}


def bucket_marks(raw: Mapping[str, str], annotated: Mapping[str, str]) -> str:
    """The saved text of the buckets' digests: ``bucket:raw:annotated`` for each, "-" for "".

    :data:`UNKNOWN` as a digest says that the saved results of that bucket are not described.
    """
    return " ".join(
        f"{where or '-'}:{raw[where]}:{annotated.get(where, UNKNOWN)}" for where in sorted(raw)
    )


def read_bucket_marks(text: str | None) -> dict[str, tuple[str, str]] | None:
    """The buckets' digests as :func:`bucket_marks` wrote them.

    None when nothing is saved, or what is saved is not what :func:`bucket_marks` writes (the
    validation graph edited by hand): then every saved result is read back and compared.
    """
    if text is None:
        return None
    marks: dict[str, tuple[str, str]] = {}
    for item in text.split():
        parts = item.split(":")
        if len(parts) != 3 or not _BUCKET_NAME.fullmatch(parts[0]):
            return None
        where, raw, annotated = parts
        marks["" if where == "-" else where] = (raw, annotated)
    return marks


def annotations_digest(findings: Iterable[Finding]) -> str:
    """A digest of srkb's annotations of the results, in any order.

    What :func:`kb.validation.saving.annotations_of` saves of each result: its precondition and
    organisation (given by its shape and focus node) and the message its finding shows.
    """
    return _digest(sorted(_annotation_line(f) for f in findings))
