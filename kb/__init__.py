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

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("srkb")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

# Submodules import __version__, so it is defined above these imports.
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
