"""The DL reasoner: HermiT, through owlready2, as the oracle for consistency and roles.

HermiT is a complete OWL 2 DL reasoner, so it is the reference the SPARQL rules are checked
against on the examples. It is far too slow for the hot path (see FIELD_NOTES: 18 s at 100k
triples), so srkb only calls it from tests and from ``srkb reason``. This is the only module that
imports owlready2, and nothing of owlready2's untyped API leaks out of it.

HermiT applies the ontology's DL-safe SWRL rules (consumer-turned-provider, mutual relationship)
to named individuals only, which is exactly what the SPARQL rules do.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kb.errors import SrkbError
from kb.namespaces import SRKB

log = logging.getLogger(__name__)


class ReasonerError(SrkbError):
    """HermiT could not run (no Java) or found the ontology and data inconsistent."""


@dataclass(frozen=True)
class Classification:
    """What HermiT concluded: consistency and the srkb classes of every named individual."""

    consistent: bool
    types: dict[str, frozenset[str]]  # individual IRI -> srkb class local names (all, indirect)

    def roles(self, role_names: Iterable[str]) -> dict[str, set[str]]:
        """Restrict the types to the given srkb role names; drop individuals with none."""
        wanted = set(role_names)
        return {i: set(t) & wanted for i, t in self.types.items() if set(t) & wanted}


def java_available() -> bool:
    """True when a ``java`` executable is on the PATH (HermiT runs on the JVM)."""
    return shutil.which("java") is not None


def declare_individuals(data: bytes) -> bytes:
    """Declare every IRI the data uses as a subject or object as an ``owl:NamedIndividual``.

    owlready2 only treats declared individuals as individuals; the data (like most RDF) does not
    declare them. Objects of ``rdf:type`` are classes and are left alone.
    """
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL, RDF

    graph = Graph()
    graph.parse(data=data, format="nt")
    iris = {
        node
        for s, p, o in graph
        for node in ((s, o) if p != RDF.type else (s,))
        if isinstance(node, URIRef)
    }
    lines = [f"<{node}> <{RDF.type}> <{OWL.NamedIndividual}> ." for node in sorted(iris)]
    return ("\n".join(lines) + "\n").encode()


def classify(ontology: bytes, data: bytes) -> Classification:
    """Load the ontology and the data (N-Triples) into a fresh owlready2 world and run HermiT.

    Returns ``consistent=False`` (and no types) when HermiT finds the knowledge base
    inconsistent, so callers can report it rather than crash.
    """
    ntriples = ontology + b"\n" + data + b"\n" + declare_individuals(data)
    if not java_available():
        raise ReasonerError("HermiT needs Java: install a Java runtime (make test installs one)")
    import owlready2

    with tempfile.TemporaryDirectory(prefix="srkb-hermit-") as tmp:
        path = Path(tmp) / "kb.nt"
        path.write_bytes(ntriples)
        world = owlready2.World()
        world.get_ontology(path.as_uri()).load()
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return Classification(consistent=False, types={})
        except owlready2.OwlReadyJavaError as err:
            raise ReasonerError(f"HermiT failed: {err}") from err
        prefix = str(SRKB)
        types: dict[str, frozenset[str]] = {}
        for individual in world.individuals():
            names = frozenset(
                cls.iri.removeprefix(prefix)
                for cls in individual.INDIRECT_is_a
                if hasattr(cls, "iri") and cls.iri.startswith(prefix)
            )
            types[individual.iri] = names
        world.close()
    return Classification(consistent=True, types=types)
