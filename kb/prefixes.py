"""The prefixes people use: srkb's own, and those declared in the files they loaded.

People write ``ex:NetCo`` because their file says ``@prefix ex: <https://example.org/campus#>``.
So a loaded source keeps its prefix declarations, and the CLI, the API's readable forms and the
reports use them both ways: to read a CURIE a person types, and to print IRIs as CURIEs.

**Where they are kept.** In the source's own named graph, beside its PROV metadata, as one triple
per prefix on the graph's IRI: ``<graph> srcmeta:declaresPrefix "ex=https://example.org/campus#"``
(``srcmeta:`` is ``https://w3id.org/srkb/source#``). A literal rather than SHACL's
``sh:declare [ sh:prefix ; sh:namespace ]`` because a blank node cannot be written to every
backend (Virtuoso refuses blank nodes in ``INSERT DATA``), and because everything whose subject is
the graph's IRI is already treated as metadata: exports to the import formats leave it out, and
loading the file again replaces the declarations with the data.

**Per source.** Each source's declarations are kept apart. Two sources may give one name two
namespaces (every example declares its own ``ex:``): such a name is *ambiguous*. It is not used to
print (the IRI is printed whole, never a CURIE a reader could misread), and reading it is an error
that names the sources and asks for a full IRI, unless the caller says which source it means.
srkb's own prefixes (:data:`kb.namespaces.PREFIXES`) cannot be redefined by a file: ``srkb:``
always means srkb's namespace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kb.errors import InputError
from kb.namespaces import PREFIXES, SOURCE_GRAPH_PREFIX

if TYPE_CHECKING:
    from kb.store import Store

SOURCE_META = "https://w3id.org/srkb/source#"
#: The property that keeps one prefix declaration of a source, on the source graph's IRI.
DECLARES_PREFIX = SOURCE_META + "declaresPrefix"

_DECLARATIONS = (
    "SELECT ?g ?declaration WHERE { GRAPH ?g { ?g <" + DECLARES_PREFIX + "> ?declaration } }"
)
_NAME = re.compile(r"^[A-Za-z][\w.-]*$|^$")
#: What may follow the colon of a CURIE srkb prints: safe to paste back into Turtle or the CLI.
_LOCAL = re.compile(r"^[\w-]([\w.-]*[\w-])?$")
_IRI_START = ("http://", "https://", "urn:", "file:", "mailto:", "tag:")


def encode(name: str, namespace: str) -> str:
    """The literal that keeps one declaration.

    >>> encode("ex", "https://example.org/campus#")
    'ex=https://example.org/campus#'
    """
    return f"{name}={namespace}"


def decode(text: str) -> tuple[str, str] | None:
    """The declaration a literal keeps, or None if it is not one.

    >>> decode("ex=https://example.org/campus#")
    ('ex', 'https://example.org/campus#')
    """
    name, sep, namespace = text.partition("=")
    if not sep or not _NAME.match(name) or not namespace:
        return None
    return name, namespace


@dataclass(frozen=True)
class Prefixes:
    """srkb's prefixes and each loaded source's, for reading and printing CURIEs.

    >>> p = Prefixes.of({"campus.ttl": {"ex": "https://example.org/campus#"}})
    >>> p.shorten("https://example.org/campus#NetCo")
    'ex:NetCo'
    >>> p.expand("ex:NetCo")
    'https://example.org/campus#NetCo'
    >>> p.shorten("https://w3id.org/srkb#Vendor")
    'srkb:Vendor'
    """

    builtin: Mapping[str, str] = field(default_factory=lambda: dict(PREFIXES))
    #: source graph (or name) -> prefix name -> namespace
    declared: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, declared: Mapping[str, Mapping[str, str]]) -> Prefixes:
        """Build from the given declarations per source, with srkb's own prefixes."""
        return cls(dict(PREFIXES), {k: dict(v) for k, v in declared.items()})

    @classmethod
    def load(cls, store: Store) -> Prefixes:
        """The declarations kept in ``store``'s source graphs (one query)."""
        declared: dict[str, dict[str, str]] = {}
        result = store.query(_DECLARATIONS)
        for graph, declaration in result.rows:
            if graph is None or declaration is None:
                continue
            if not str(graph).startswith(SOURCE_GRAPH_PREFIX):
                continue
            pair = decode(str(declaration))
            if pair is not None:
                declared.setdefault(str(graph), {})[pair[0]] = pair[1]
        return cls.of(declared)

    def namespaces(self, name: str) -> dict[str, list[str]]:
        """The namespaces ``name`` stands for, each with the sources that declare it."""
        if name in self.builtin:
            return {self.builtin[name]: ["srkb"]}
        found: dict[str, list[str]] = {}
        for source, table in sorted(self.declared.items()):
            if name in table:
                found.setdefault(table[name], []).append(source)
        return found

    def table(self) -> dict[str, str]:
        """Every unambiguous prefix: srkb's first, then the sources' (a prefix list to show)."""
        merged = dict(self.builtin)
        for name in sorted({n for t in self.declared.values() for n in t}):
            if name in merged:
                continue
            choices = self.namespaces(name)
            if len(choices) == 1:
                merged[name] = next(iter(choices))
        return merged

    def shorten(self, iri: object) -> str:
        """``iri`` as a CURIE with the longest matching unambiguous namespace, else as it is."""
        text = str(iri)
        best: tuple[int, str] | None = None
        for name, namespace in self.table().items():
            if text.startswith(namespace) and (best is None or len(namespace) > best[0]):
                local = text[len(namespace) :]
                if _LOCAL.match(local):
                    best = (len(namespace), f"{name}:{local}")
        return best[1] if best else text

    def expand(self, text: str, *, source: str | None = None) -> str:
        """A CURIE, ``<IRI>`` or IRI typed by a person, as a full IRI.

        ``source`` (a source graph) settles an ambiguous prefix. Raises :class:`InputError` for
        an unknown or ambiguous prefix, saying which prefixes are known or which sources clash.
        """
        value = text.strip()
        if value.startswith("<") and value.endswith(">"):
            return value[1:-1]
        if value.startswith(_IRI_START):
            return value
        name, sep, local = value.partition(":")
        if not sep:
            raise InputError(
                f"{text!r} is neither an IRI nor a CURIE",
                hint="give a full IRI (https://...) or prefix:name with a known prefix",
            )
        if source is not None and name in self.declared.get(source, {}):
            return self.declared[source][name] + local
        choices = self.namespaces(name)
        if len(choices) == 1:
            return next(iter(choices)) + local
        if not choices:
            known = ", ".join(f"{n}:" for n in self.table())
            raise InputError(
                f"unknown prefix {name!r} in {text!r}",
                hint=f"known prefixes: {known}; or give the full IRI",
            )
        clash = "; ".join(
            f"{namespace} in {', '.join(_short_source(s) for s in sources)}"
            for namespace, sources in sorted(choices.items())
        )
        raise InputError(
            f"the prefix {name!r} of {text!r} means different namespaces in different "
            f"loaded files: {clash}",
            hint="give the full IRI",
        )


def declared_in(prefixes: Mapping[str, str]) -> dict[str, str]:
    """The declarations of one parsed file worth keeping: not srkb's own names, not empty.

    >>> declared_in({"srkb": "https://elsewhere/", "ex": "https://example.org/x#", "": "urn:a:"})
    {'ex': 'https://example.org/x#'}
    """
    return {
        name: namespace
        for name, namespace in prefixes.items()
        if name and name not in PREFIXES and _NAME.match(name)
    }


def _short_source(graph: str) -> str:
    return graph.removeprefix(SOURCE_GRAPH_PREFIX)


def declaration_literals(prefixes: Mapping[str, str]) -> list[str]:
    """The literals to keep for one source's declarations, in a stable order."""
    return [encode(name, ns) for name, ns in sorted(declared_in(prefixes).items())]
