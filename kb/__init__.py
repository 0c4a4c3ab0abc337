"""srkb: the Service Relationship Knowledge Base engine.

The ITIL 4 service relationship model as an OWL ontology, SHACL shapes for the three
preconditions, SPARQL rules that infer roles such as consumer-turned-provider, and the stores,
loaders, validators and questions that make the model executable.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("srkb")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
