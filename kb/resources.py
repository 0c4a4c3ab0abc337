"""Where srkb's packaged data lives: ontology, shapes, queries, rules and examples.

Only this module knows paths. In a wheel the Turtle and SPARQL sources are force-included under
``kb/_data/``; in an editable install or a source checkout they are read from the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_DATA_DIR = _PACKAGE_DIR / "_data"
_SOURCE_ROOT = _PACKAGE_DIR.parent


def _root(kind: str) -> Path:
    packaged = _DATA_DIR / kind
    if packaged.is_dir():
        return packaged
    return _SOURCE_ROOT / kind


def ontology_dir() -> Path:
    """Directory of the ontology Turtle files."""
    return _root("ontology")


def ontology_files() -> list[Path]:
    """The core ontology first, then the alignments."""
    base = ontology_dir()
    return [base / "srkb.ttl", base / "srkb-alignments.ttl"]


def shapes_dir() -> Path:
    """Directory of the SHACL shapes."""
    return _root("shapes")


def shape_files() -> list[Path]:
    """Every shapes file except the style rules over srkb's own ontology."""
    return sorted(p for p in shapes_dir().glob("*.ttl") if p.name != "ontology-style.ttl")


def queries_dir() -> Path:
    """Directory of the named competency questions (``<name>.rq``)."""
    return _root("queries")


def rules_dir() -> Path:
    """Directory of the SPARQL Update inference rules (``<rule-id>.ru``)."""
    return _PACKAGE_DIR / "reasoning" / "rules"


def examples_dir() -> Path:
    """Directory of the example ecosystems, one folder each."""
    return _root("examples")


def example_file(name: str) -> Path:
    """The Turtle file of one example ecosystem."""
    return examples_dir() / name / f"{name}.ttl"
