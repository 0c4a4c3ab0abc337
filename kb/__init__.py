"""srkb: the Service Relationship Knowledge Base engine.

The ITIL 4 service relationship model as an OWL ontology, SHACL shapes for the three
preconditions, SPARQL rules that infer roles such as consumer-turned-provider, and the stores,
loaders, validators and questions that make the model executable::

    from kb import open_store, install_model, load_files, infer, validate, ask
    store = open_store("memory")
    install_model(store)
    load_files(store, ["examples/campus/campus.ttl"])
    infer(store)
    report = validate(store)
    rows = ask(store, "dependents-of", {"provider": "https://example.org/campus#NetCo"}).rows
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.ecosystem.questions import ask, questions
    from kb.errors import (
        InputError,
        NotFoundError,
        QuerySyntaxError,
        QueryTimeoutError,
        SrkbError,
        StoreUnavailableError,
    )
    from kb.interchange.loading import install_model, load_files
    from kb.reasoning.inference import explain, infer
    from kb.store import Store, open_store
    from kb.validation.shacl import ValidationReport, validate

#: Where each public name lives. They are imported on first use (PEP 562), so that ``import kb``,
#: which every ``srkb`` command does, costs none of SHACL, the questions, the parsers or
#: rdflib's SPARQL engine unless the command uses them.
_EXPORTS = {
    "ask": "kb.ecosystem.questions",
    "questions": "kb.ecosystem.questions",
    "InputError": "kb.errors",
    "NotFoundError": "kb.errors",
    "QuerySyntaxError": "kb.errors",
    "QueryTimeoutError": "kb.errors",
    "SrkbError": "kb.errors",
    "StoreUnavailableError": "kb.errors",
    "install_model": "kb.interchange.loading",
    "load_files": "kb.interchange.loading",
    "explain": "kb.reasoning.inference",
    "infer": "kb.reasoning.inference",
    "Store": "kb.store",
    "open_store": "kb.store",
    "ValidationReport": "kb.validation.shacl",
    "validate": "kb.validation.shacl",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("srkb")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def __getattr__(name: str) -> Any:
    """The public names and ``__version__``, each imported (and kept) on first use."""
    if name == "__version__":
        value: Any = _version()
    elif name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'kb' has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "InputError",
    "NotFoundError",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "SrkbError",
    "Store",
    "StoreUnavailableError",
    "ValidationReport",
    "__version__",
    "ask",
    "explain",
    "infer",
    "install_model",
    "load_files",
    "open_store",
    "questions",
    "validate",
]
