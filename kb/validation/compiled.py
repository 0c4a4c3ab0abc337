"""Precondition validation compiled to SPARQL: one SELECT per shape, run on the store itself.

pySHACL reads the whole knowledge base into an rdflib graph and walks it in Python; that takes
seconds at 100k triples and cannot run on a remote endpoint without copying it. This module compiles
every shape of the shapes graph into one SPARQL 1.1 SELECT that returns the shape's validation
results as rows ``(?this, ?value, ?path, ?srkb_branch)``, and runs it where the data is, so it
works the same on the embedded stores and on any SPARQL endpoint. pySHACL stays the reference
engine (:func:`kb.validation.shacl.validate` with ``engine="pyshacl"``); the tests check that both
give exactly the same results on every example, on the minimal pairs and on generated ecosystems.

What is compiled (SHACL 1.0, https://www.w3.org/TR/shacl/), and nothing else:

* targets (2.1.3): ``sh:targetClass`` (instances of the class and of its subclasses, written
  as a direct type or ``rdf:type/rdfs:subClassOf+`` so that every backend evaluates it alike),
  implicit class targets (a shape that is an ``rdfs:Class``), ``sh:targetNode``,
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf`` and SPARQL-based targets
  (SHACL-AF 5.1: ``sh:target [ a sh:SPARQLTarget ; sh:select ... ]``);
* predicate paths (2.3.1) — an IRI as ``sh:path``;
* core constraints: ``sh:minCount`` and ``sh:maxCount`` (4.2), ``sh:class`` and ``sh:nodeKind``
  (4.1), ``sh:in`` (4.8.3), ``sh:disjoint`` (4.5.2), ``sh:node`` and ``sh:property`` (4.7), with
  nested node shapes compiled into a subquery of the value nodes that break them;
* SPARQL-based constraints (5.3): ``sh:sparql [ sh:select ... ]`` with ``sh:prefixes``. ``$this`` is
  not pasted in: the shape's targets are joined at the start of the query's WHERE group, so
  ``$this`` (the same variable as ``?this``) is bound by them before the query's own filters run.
  ``$PATH`` is replaced by the shape's path as pySHACL does. ``FILTER [NOT] EXISTS`` clauses over
  a basic graph pattern become ``MINUS`` or a join where that provably changes nothing
  (:mod:`kb.sparql.rewrite`): Oxigraph runs those once instead of once per row.

Anything else in a shape (another constraint parameter, a complex path, ``$shapesGraph``, a custom
constraint component...) raises :class:`UnsupportedShapeError` naming the shape and the feature, so
a new shape cannot be silently ignored. Shapes with ``sh:deactivated true`` are skipped.

Semantics kept equal to pySHACL 0.40 (``inference="none"``, ``allow_warnings=True``):

* ``sh:value`` is the value node for ``sh:class``/``sh:in``/``sh:disjoint``/``sh:node``, and the
  focus node for node-shape constraints and for SPARQL constraints of node shapes that leave
  ``?value`` unbound; ``sh:resultPath`` is the shape's path, or ``?path`` from a SPARQL row;
* ``sh:resultMessage`` is every ``sh:message`` of the shape (and of the SPARQL constraint), with
  ``{$this}``/``{?var}`` filled in for SPARQL constraints only; a shape without a message gets none
  (pySHACL writes a generated text there, which this engine does not imitate);
* the report conforms unless a result has a severity other than ``sh:Warning`` or ``sh:Info``.

Counting is done with ``COUNT(DISTINCT ...)`` and every query is ``SELECT DISTINCT``: a triple held
by two graphs of the dataset (asserted, and derived again by inference) comes back twice from
Oxigraph, and must count once. Core constraints rule focus nodes out with ``MINUS`` rather than
``FILTER NOT EXISTS`` (see :meth:`_Compiler._constraints`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cached_property
from itertools import count
from typing import NamedTuple

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Identifier, Node

from kb.errors import SrkbError
from kb.namespaces import SH
from kb.progress import ProgressReport, Stage, report
from kb.sparql.rewrite import mask, rewrite_exists, rewrite_exists_in_subqueries
from kb.sparql.text import outer_where_brace, term, values_column
from kb.store import QueryResult, Store
from kb.validation.focus import (
    FOCI_MARK,
    FOCI_PLACEHOLDER,
    TARGETS_START,
    bind_foci,
    closing,
    focused_template,
)
from kb.validation.shape_order import stable
from kb.validation.threads import validation_threads

log = logging.getLogger(__name__)

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: Constraint parameters this compiler understands.
_CONSTRAINTS = frozenset(
    {SH.minCount, SH.maxCount, SH["class"], SH["in"], SH.nodeKind, SH.disjoint}
    | {SH.node, SH.property, SH.sparql}
)
#: SHACL terms on a shape that do not constrain anything (or that are read elsewhere).
_NON_VALIDATING = frozenset(
    {SH.path, SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order}
    | {SH.group, SH.defaultValue, SH.prefixes, SH.declare}
)
_ALLOWED_ON_SHAPE = frozenset(_TARGETS) | _CONSTRAINTS | _NON_VALIDATING
_ALLOWED_ON_SPARQL = frozenset({SH.select, SH.prefixes, SH.message, SH.deactivated})
#: Shapes-graph declarations that change what validation means (custom components, functions,
#: rules, target types): pySHACL runs them, this compiler does not.
_UNSUPPORTED_DECLARATIONS = (
    SH.ConstraintComponent,
    SH.SPARQLFunction,
    SH.Function,
    SH.TargetType,
    SH.SPARQLTargetType,
    SH.SPARQLRule,
    SH.TripleRule,
    SH.JSConstraint,
)
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
#: Constructs that pre-binding and joining evaluate differently, or that SHACL forbids (5.3.1.1).
_FORBIDDEN_IN_SELECT = (
    (re.compile(r"\bMINUS\b", re.IGNORECASE), "MINUS"),
    (re.compile(r"\bVALUES\b", re.IGNORECASE), "VALUES"),
    (re.compile(r"\bSERVICE\s*[<?$]", re.IGNORECASE), "SERVICE"),
    (re.compile(r"\b(LIMIT|OFFSET)\b", re.IGNORECASE), "LIMIT/OFFSET"),
    (re.compile(r"[?$]failure\b"), "?failure"),
    # The last two apply to SPARQL-based targets too.
    (re.compile(r"[?$](shapesGraph|currentShape)\b"), "$shapesGraph/$currentShape"),
    (re.compile(r"^\s*(PREFIX|BASE)\b", re.IGNORECASE | re.MULTILINE), "PREFIX/BASE in sh:select"),
)
_THIS = re.compile(r"[?$]this\b")
_PATH_VAR = re.compile(r"([\s{}()])[$?]PATH\b")
_PLACEHOLDER = re.compile(r"\{[$?]([^{}]+)\}")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Variables of the compiled queries (a prefix no shape is expected to use).
_BRANCH = "srkb_branch"
_SUBCLASS_OF = term(RDFS.subClassOf)
# Report terms, looked up once: an rdflib Namespace attribute costs microseconds per access.
_SH_Warning = SH.Warning
_SH_Info = SH.Info


class UnsupportedShapeError(SrkbError):
    """A shape uses a SHACL feature that the compiled engine does not implement.

    Raised at compile time, before any query runs, so a shape is never silently skipped.
    ``engine="pyshacl"`` validates such shapes.
    """

    def __init__(self, shape: Node, feature: str) -> None:
        self.shape = str(shape)
        self.feature = feature
        super().__init__(
            f"shape <{shape}> uses {feature}, which the SPARQL validation engine does not compile; "
            f"validate with engine='pyshacl', or express the check with the supported features "
            f"(see kb.validation.compiled)"
        )


@dataclass(frozen=True)
class Branch:
    """One way a compiled shape can report a result: a constraint of one (source) shape."""

    source_shape: Node
    component: URIRef
    severity: Node
    messages: tuple[Literal, ...]
    path: URIRef | None
    value_is_focus: bool  # sh:value is the focus node (node-shape constraints)
    sparql_constraint: Node | None = None  # the sh:sparql node, for sh:sourceConstraint
    placeholders: tuple[str, ...] = ()  # {?var} names its messages fill in

    @cached_property
    def fills_in(self) -> bool:
        """Whether any message has a ``{$var}``/``{?var}`` placeholder."""
        return any(_PLACEHOLDER.search(str(m)) for m in self.messages)

    @cached_property
    def plain_messages(self) -> tuple[Literal, ...]:
        """The messages without language tags, as pySHACL writes them for SPARQL constraints."""
        return tuple(Literal(str(m)) for m in self.messages)


@dataclass(frozen=True)
class CompiledShape:
    """One shape with targets, as one SELECT returning its validation results."""

    shape: Node
    query: str
    branches: tuple[Branch, ...]
    placeholders: tuple[str, ...] = field(default=())

    def _target_subquery(self) -> str | None:
        """The target subquery every branch joins, or ``None`` if they differ (they do not)."""
        found = set()
        at = self.query.find(TARGETS_START)
        while at >= 0:
            found.add(self.query[at : closing(self.query, at) + 1])
            at = self.query.find(TARGETS_START, at + 1)
        return found.pop() if len(found) == 1 else None

    def targets_of(self, foci: Iterable[Identifier]) -> str | None:
        """A query selecting the focus nodes among ``foci`` that this shape targets.

        ``None`` when the query's target subqueries differ, so that a caller falls back to
        :meth:`focused` on all of ``foci``.
        """
        targets = self._target_subquery()
        if targets is None:
            return None
        values = _foci_values(foci)
        header = self.query[: self.query.find("SELECT")]
        # The focus nodes inside the target subquery: else the engine lists every target. Not
        # before it as well: Virtuoso 7.2 answers that form wrongly (no rows), or stops.
        bound = bind_foci(targets, values).strip()
        if bound.startswith(values):
            bound = bound[len(values) :]
        return f"{header}SELECT DISTINCT ?this WHERE {{ {bound} }}"

    def on_targets(self, targeted: Iterable[Identifier]) -> str:
        """:meth:`focused` on focus nodes known to be targets (found by :meth:`targets_of`).

        The target subqueries are replaced by the focus nodes themselves: each branch would
        otherwise check again, for every focus node, every target class with its subclasses.
        """
        query = self.focused(targeted)
        targets = self._target_subquery()
        if targets is None:
            return query
        values = _foci_values(targeted)
        return query.replace(bind_foci(targets, values), f"{{ {values} }}")

    def joined_with(self, foci: Iterable[Identifier]) -> str:
        """The whole query joined with the focus nodes, unchanged inside.

        For an engine that cannot evaluate :meth:`focused`'s forms
        (``Capabilities.nested_values``): the same rows for each focus node, found at the cost of
        a full run of the shape.
        """
        values = _foci_values(foci)
        at = self.query.find("SELECT")
        return f"{self.query[:at]}SELECT * WHERE {{ {values} {{ {self.query[at:]} }} }}"

    def focused(self, foci: Iterable[Identifier]) -> str:
        """The query restricted to the focus nodes among ``foci``, for re-validating a few.

        Targets only ever appear joined (never under MINUS or a negation), so binding ``?this``
        to the focus nodes where the targets bind it leaves each of them exactly the rows the
        whole query gives it. The focus nodes' ``VALUES`` block goes (kb.validation.focus) into
        every target subquery, before it (so the engine starts the join from the few focus nodes,
        not from every instance of the target classes), and into each ``MINUS`` about ``?this``
        in the scope the targets bind: otherwise the engine evaluates the negated part over the
        whole data for a handful of focus nodes.
        """
        values = _foci_values(foci)
        return focused_template(self.query).replace(FOCI_PLACEHOLDER, values)


def _foci_values(foci: Iterable[Identifier]) -> str:
    """The focus nodes as a ``VALUES ?this`` block, in a stable order."""
    return values_column("this", sorted(foci, key=str))


def _local(node: Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1] if text.startswith(str(SH)) else text


class _Compiler:
    """Compiles the shapes of one shapes graph; fresh variable names come from one counter."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self._fresh = count()
        self._prefixes: dict[str, str] = {}
        self._check_declarations()

    # -- shapes-graph level ---------------------------------------------------------------------
    def _check_declarations(self) -> None:
        for kind in _UNSUPPORTED_DECLARATIONS:
            for node in self.shapes.subjects(RDF.type, kind):
                raise UnsupportedShapeError(node, f"a {_local(kind)} declaration")

    def shapes_with_targets(self) -> list[Node]:
        """Every active shape that has targets (the ones validation starts from)."""
        candidates: set[Node] = set()
        for predicate in _TARGETS:
            candidates.update(self.shapes.subjects(predicate, None))
        for kind in (SH.NodeShape, SH.PropertyShape):
            candidates.update(s for s in self.shapes.subjects(RDF.type, kind) if self._implicit(s))
        return stable(self.shapes, [s for s in candidates if not self._deactivated(s)])

    def _implicit(self, shape: Node) -> bool:
        """Whether ``shape`` is also a class, and so targets its instances (2.1.3.3)."""
        classes = {RDFS.Class, *self.shapes.subjects(RDFS.subClassOf, RDFS.Class)}
        return any(t in classes for t in self.shapes.objects(shape, RDF.type))

    def _deactivated(self, node: Node) -> bool:
        value = self.shapes.value(node, SH.deactivated)
        return isinstance(value, Literal) and value.toPython() is True

    # -- one shape ------------------------------------------------------------------------------
    def compile(self, shape: Node) -> CompiledShape:
        self._prefixes = {}
        self._check_features(shape, top=shape, nested=False)
        targets = self._targets(shape)
        branches: list[Branch] = []
        patterns: list[str] = []
        for branch, pattern in self._branches(shape, "?this", targets):
            branches.append(branch)
            patterns.append(pattern)
        placeholders = tuple(sorted({p for b in branches for p in b.placeholders}))
        extra = "".join(f" ?{name}" for name in placeholders)
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self._prefixes.items()))
        if len(patterns) == 1:  # no branch column: an integer per row costs a Literal in Python
            body = patterns[0]
        else:
            body = "\nUNION\n".join(
                f"{{\n{p}\n  BIND({k} AS ?{_BRANCH})\n}}" for k, p in enumerate(patterns)
            )
            extra = f" ?{_BRANCH}{extra}"
        query = f"{prologue}SELECT DISTINCT ?this ?value ?path{extra}\nWHERE {{\n{body}\n}}"
        return CompiledShape(shape, query, tuple(branches), placeholders)

    def _check_features(
        self, shape: Node, *, top: Node, nested: bool, seen: tuple[Node, ...] = ()
    ) -> None:
        """Refuse anything the compiler would otherwise ignore, naming the top-level shape."""

        def refuse(feature: str) -> UnsupportedShapeError:
            where = "" if shape == top else f" (in its nested shape {shape.n3()})"
            return UnsupportedShapeError(top, feature + where)

        if shape in seen:
            raise refuse("a recursive shape reference (sh:node/sh:property)")
        for predicate in sorted(set(self.shapes.predicates(shape, None)), key=str):
            if str(predicate).startswith(str(SH)) and predicate not in _ALLOWED_ON_SHAPE:
                raise refuse(_local(predicate))
        path = self.shapes.value(shape, SH.path)
        if path is not None and not isinstance(path, URIRef):
            raise refuse("a sh:path that is not a single IRI")
        for constraint in self.shapes.objects(shape, SH.sparql):
            if nested:
                raise refuse("sh:sparql in a shape reached by sh:node")
            for predicate in sorted(set(self.shapes.predicates(constraint, None)), key=str):
                if str(predicate).startswith(str(SH)) and predicate not in _ALLOWED_ON_SPARQL:
                    raise refuse(f"{_local(predicate)} on a sh:sparql node")
        for child in self.shapes.objects(shape, SH.property):
            if path is not None:
                raise refuse("sh:property on a property shape")
            self._check_features(child, top=top, nested=nested, seen=(*seen, shape))
        for child in self.shapes.objects(shape, SH.node):
            if (child, SH.path, None) in self.shapes:
                raise refuse("sh:node pointing to a property shape")
            self._check_features(child, top=top, nested=True, seen=(*seen, shape))

    # -- targets ----------------------------------------------------------------------------------
    def _targets(self, shape: Node) -> str:
        """A subquery binding ``?this`` to each focus node of ``shape`` once."""
        parts: list[str] = []
        classes = list(self.shapes.objects(shape, SH.targetClass))
        if self._implicit(shape):
            classes.append(shape)
        for cls in classes:
            parts.append(_instance_of("?this", self._term(shape, cls)))
        nodes = [self._term(shape, n) for n in self.shapes.objects(shape, SH.targetNode)]
        if nodes:
            parts.append("VALUES ?this { " + " ".join(sorted(nodes)) + " }")
        for predicate in self.shapes.objects(shape, SH.targetSubjectsOf):
            parts.append(f"?this {self._term(shape, predicate)} {self._var()} .")
        for predicate in self.shapes.objects(shape, SH.targetObjectsOf):
            parts.append(f"{self._var()} {self._term(shape, predicate)} ?this .")
        for target in self.shapes.objects(shape, SH.target):
            parts.append(self._sparql_target(shape, target))
        union = " UNION ".join(f"{{ {p} }}" for p in parts)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {FOCI_MARK}\n{union} }} }}"

    def _sparql_target(self, shape: Node, target: Node) -> str:
        select = self.shapes.value(target, SH.select)
        if select is None:
            raise UnsupportedShapeError(shape, "a sh:target that is not a SPARQL-based target")
        for predicate in set(self.shapes.predicates(target, None)):
            if str(predicate).startswith(str(SH)) and predicate not in _ALLOWED_ON_SPARQL:
                raise UnsupportedShapeError(shape, f"{_local(predicate)} on a sh:target")
        text = str(select)
        self._check_select(shape, text, "a SPARQL-based target", target=True)
        self._collect_prefixes(shape, target)
        return f"{{ {text} }}"

    # -- constraints ------------------------------------------------------------------------------
    #
    # Every pattern is evaluated bottom-up: it starts with a "binder", a pattern that binds the
    # focus variable (the targets at the top; the parent's value nodes below sh:node), and rules
    # focus nodes out with MINUS or in with a join. No FILTER (NOT) EXISTS: Oxigraph evaluates
    # those once per row, and a hash anti-join (MINUS) was 10-20 times faster at 100k triples.

    def _branches(self, shape: Node, focus: str, targets: str) -> Iterator[tuple[Branch, str]]:
        """Each constraint of ``shape`` (and of its sh:property shapes) as a result pattern."""
        path = self.shapes.value(shape, SH.path)
        severity, messages = self._severity(shape), self._messages(shape)
        for component, pattern in self._constraints(shape, focus, targets, "?value"):
            branch = Branch(
                source_shape=shape,
                component=component,
                severity=severity,
                messages=messages,
                path=path if isinstance(path, URIRef) else None,
                value_is_focus=not isinstance(path, URIRef),
            )
            yield branch, f"  {pattern}"
        if not isinstance(path, URIRef):
            for child in stable(self.shapes, self.shapes.objects(shape, SH.property)):
                if not self._deactivated(child):
                    yield from self._branches(child, focus, targets)
        for constraint in stable(self.shapes, self.shapes.objects(shape, SH.sparql)):
            if not self._deactivated(constraint):
                yield self._sparql_branch(shape, constraint, path, targets)

    def _severity(self, shape: Node) -> Node:
        return self.shapes.value(shape, SH.severity) or SH.Violation

    def _messages(self, node: Node) -> tuple[Literal, ...]:
        return tuple(
            sorted(
                (m for m in self.shapes.objects(node, SH.message) if isinstance(m, Literal)),
                key=lambda m: (str(m), m.language or ""),
            )
        )

    def _constraints(
        self, shape: Node, focus: str, binder: str, value: str
    ) -> Iterator[tuple[URIRef, str]]:
        """One pattern per constraint of ``shape`` itself, matching the focus nodes that break it.

        ``binder`` binds ``focus``; a property shape's value nodes are bound to ``value`` (and
        reported as sh:value), a node shape's value node is the focus node.
        """
        path = self.shapes.value(shape, SH.path)
        if not isinstance(path, URIRef):
            for predicate in (SH.minCount, SH.maxCount, SH.disjoint):
                if (shape, predicate, None) in self.shapes:
                    raise UnsupportedShapeError(shape, f"{_local(predicate)} without sh:path")
            yield from self._value_tests(shape, binder, focus)
            return
        p = self._term(shape, path)
        for literal in self.shapes.objects(shape, SH.minCount):
            n = self._count(shape, SH.minCount, literal)
            if n == 1:
                yield (
                    SH.MinCountConstraintComponent,
                    f"{binder} MINUS {{ {focus} {p} {self._var()} }}",
                )
            elif n > 1:
                yield (
                    SH.MinCountConstraintComponent,
                    f"{binder} MINUS {{ {self._counted(focus, p, f'>= {n}')} }}",
                )
        for literal in self.shapes.objects(shape, SH.maxCount):
            n = self._count(shape, SH.maxCount, literal)
            yield (
                SH.MaxCountConstraintComponent,
                f"{binder} {{ {self._counted(focus, p, f'> {n}')} }}",
            )
        each = f"{binder} {_scan(focus, p, value)}"
        yield from self._value_tests(shape, each, value)
        for other in self.shapes.objects(shape, SH.disjoint):
            yield (
                SH.DisjointConstraintComponent,
                f"{each} {_scan(focus, self._term(shape, other), value)}",
            )

    def _value_tests(self, shape: Node, binder: str, value: str) -> Iterator[tuple[URIRef, str]]:
        """Patterns matching the value nodes (``value``, bound by ``binder``) that fail a test."""
        for cls in self.shapes.objects(shape, SH["class"]):
            yield (
                SH.ClassConstraintComponent,
                f"{binder} MINUS {{ {_instance_of(value, self._term(shape, cls))} }}",
            )
        for head in self.shapes.objects(shape, SH["in"]):
            members = [self._term(shape, m) for m in Collection(self.shapes, head)]
            # "none of them", not "not any of them": the same test, but Virtuoso 7.2 gets a
            # disjunction of sameTerm wrong (true for no value at all).
            refused = " && ".join(f"!sameTerm({value}, {m})" for m in members) or "true"
            yield SH.InConstraintComponent, f"{binder} FILTER ({refused})"
        for kind in self.shapes.objects(shape, SH.nodeKind):
            kind_test = _NODE_KINDS.get(kind) if isinstance(kind, URIRef) else None
            if kind_test is None:
                raise UnsupportedShapeError(shape, f"sh:nodeKind {kind}")
            yield SH.NodeKindConstraintComponent, f"{binder} FILTER (!{kind_test.format(v=value)})"
        for node_shape in self.shapes.objects(shape, SH.node):
            violations = self._violations(node_shape, value, binder)
            if violations:
                union = " UNION ".join(f"{{ {v} }}" for v in violations)
                yield (
                    SH.NodeConstraintComponent,
                    (f"{binder} {{ SELECT DISTINCT {value} WHERE {{ {union} }} }}"),
                )

    def _violations(self, shape: Node, focus: str, binder: str) -> list[str]:
        """Patterns matching the nodes bound to ``focus`` by ``binder`` that do not conform."""
        if self._deactivated(shape):
            return []
        patterns = [p for _, p in self._constraints(shape, focus, binder, self._var())]
        if self.shapes.value(shape, SH.path) is None:
            for child in stable(self.shapes, self.shapes.objects(shape, SH.property)):
                patterns += self._violations(child, focus, binder)
        return patterns

    def _sparql_branch(
        self, shape: Node, constraint: Node, path: Node | None, targets: str
    ) -> tuple[Branch, str]:
        select = self.shapes.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShapeError(shape, "a sh:sparql constraint without sh:select")
        text = str(select)
        self._check_select(shape, text, "a SPARQL constraint")
        if not _THIS.search(text[: outer_where_brace(text)]) and not re.search(
            r"SELECT\s+(DISTINCT\s+|REDUCED\s+)?\*", text, re.IGNORECASE
        ):
            raise UnsupportedShapeError(shape, "a SPARQL constraint that does not select $this")
        if isinstance(path, URIRef):
            text = _PATH_VAR.sub(lambda m: m.group(1) + term(path), text)
        elif _PATH_VAR.search(text):
            raise UnsupportedShapeError(shape, "$PATH in a SPARQL constraint of a node shape")
        self._collect_prefixes(shape, constraint)
        # $this is bound by the targets, joined first in the query's own WHERE group; that is also
        # what lets FILTER [NOT] EXISTS clauses about $this become MINUS or a join.
        text = rewrite_exists(rewrite_exists_in_subqueries(text), bound=("this",))
        brace = outer_where_brace(text)
        bound = f"{text[: brace + 1]}\n  {targets}\n{text[brace + 1 :]}"
        shape_messages = self._messages(shape)
        own = tuple(m for m in self._messages(constraint) if m not in shape_messages)
        messages = own + shape_messages
        placeholders = sorted(
            {
                name
                for m in messages
                for name in _PLACEHOLDER.findall(str(m))
                if name not in {"this", "value", "path"}
            }
        )
        for name in placeholders:
            if not _VARIABLE.match(name) or name == _BRANCH:
                raise UnsupportedShapeError(shape, f"the message placeholder {{?{name}}}")
        branch = Branch(
            source_shape=shape,
            component=SH.SPARQLConstraintComponent,
            severity=self._severity(shape),
            messages=messages,
            path=path if isinstance(path, URIRef) else None,
            value_is_focus=not isinstance(path, URIRef),
            sparql_constraint=constraint,
            placeholders=tuple(placeholders),
        )
        return branch, f"  {{ {bound} }}"

    # -- helpers ----------------------------------------------------------------------------------
    def _check_select(self, shape: Node, text: str, what: str, *, target: bool = False) -> None:
        """Refuse what SHACL forbids in a SPARQL constraint, or this engine cannot pre-bind.

        A target query binds no variable from outside, so only its prologue matters.
        """
        code = mask(text)
        for pattern, feature in _FORBIDDEN_IN_SELECT[-2:] if target else _FORBIDDEN_IN_SELECT:
            if pattern.search(code):
                raise UnsupportedShapeError(shape, f"{feature} in {what}")

    def _collect_prefixes(self, shape: Node, node: Node) -> None:
        for source in self.shapes.objects(node, SH.prefixes):
            for declaration in self.shapes.objects(source, SH.declare):
                prefix = self.shapes.value(declaration, SH.prefix)
                namespace = self.shapes.value(declaration, SH.namespace)
                if prefix is None or namespace is None:
                    raise UnsupportedShapeError(shape, "a sh:declare without prefix and namespace")
                known = self._prefixes.setdefault(str(prefix), str(namespace))
                if known != str(namespace):
                    raise UnsupportedShapeError(
                        shape, f"prefix {prefix}: declared as both <{known}> and <{namespace}>"
                    )

    def _var(self) -> str:
        return f"?srkb_v{next(self._fresh)}"

    def _counted(self, focus: str, predicate: str, test: str) -> str:
        """A subquery of the nodes whose number of distinct values passes ``test``."""
        v = self._var()
        return (
            f"SELECT {focus} WHERE {{ {focus} {predicate} {v} }} "
            f"GROUP BY {focus} HAVING (COUNT(DISTINCT {v}) {test})"
        )

    def _count(self, shape: Node, predicate: URIRef, literal: Node) -> int:
        value = literal.toPython() if isinstance(literal, Literal) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise UnsupportedShapeError(shape, f"{_local(predicate)} {literal} (not a count)")
        return value

    def _term(self, shape: Node, node: Node) -> str:
        if isinstance(node, BNode) or not isinstance(node, URIRef | Literal):
            raise UnsupportedShapeError(shape, f"the blank node {node} as a constraint value")
        return term(node)


def _scan(subject: str, predicate: str, value: str) -> str:
    """A whole property's statements, as a sub-SELECT joined with the rest as a whole.

    Oxigraph joins a sub-SELECT by hashing (a scan of the property), a triple pattern by one
    index lookup per row: at a million triples ``sh:disjoint`` between two properties of 20,000
    relationships took 0.15 s as two patterns, 0.05 s as two scans. A focused run turns the scan
    back into a triple pattern (:func:`kb.validation.focus.inline_subselects`).
    """
    return f"{{ SELECT DISTINCT {subject} {value} WHERE {{ {subject} {predicate} {value} . }} }}"


def _instance_of(node: str, cls: str) -> str:
    """``node`` is an instance of ``cls`` or of a subclass (SHACL 1.0, 3.2 "SHACL instance").

    Written as a direct type or a path of at least one subclass step, not as
    ``rdf:type/rdfs:subClassOf*``: that is the same set, but Virtuoso 7.2 evaluates the
    zero-or-more path wrongly when ``node`` comes bound from outside (inside MINUS it matched
    almost nothing, so every value node broke sh:class), and this form every backend gets right.
    """
    return f"{{ {node} a {cls} }} UNION {{ {node} a/{_SUBCLASS_OF}+ {cls} }}"


def compile_shapes(shapes: Graph) -> tuple[CompiledShape, ...]:
    """Compile every active shape with targets in ``shapes`` into one SELECT each.

    Raises :class:`UnsupportedShapeError` for the first feature it cannot compile.
    """
    compiler = _Compiler(shapes)
    return tuple(compiler.compile(shape) for shape in compiler.shapes_with_targets())


class ShapeResult(NamedTuple):
    """One validation result of a compiled shape."""

    focus: Node
    value: Node | None
    path: Node | None
    branch: Branch
    messages: tuple[Literal, ...]  # placeholders filled in

    @property
    def message(self) -> Literal | None:
        """The message a finding shows: the SPARQL constraint's own first, as pySHACL lists it."""
        return self.messages[0] if self.messages else None


def run(
    store: Store,
    data_graphs: Sequence[str],
    shapes: Graph,
    *,
    union: bool = False,
    progress: ProgressReport | None = None,
    foci: AbstractSet[Identifier] | None = None,
    compiled: Sequence[CompiledShape] | None = None,
    threads: int | None = None,
) -> tuple[ShapeResult, ...]:
    """Validate the union of ``data_graphs`` against ``shapes`` on the store.

    One query per shape, each reading only ``data_graphs`` (or, with ``union``, the store's union
    default graph: on the embedded store about five times faster than a dataset of several named
    graphs, for callers that know the other graphs cannot match); nothing is written. With
    ``foci``, only the results of those focus nodes (:meth:`CompiledShape.focused`); ``compiled``
    are ``shapes`` compiled already (a caller that keeps them); ``threads`` how many shapes run
    at once (default :func:`validation_threads`). Raises
    :class:`UnsupportedShapeError` before running anything if a shape cannot be compiled.
    """
    if compiled is None:
        compiled = [shape for shape in compile_shapes(shapes) if shape.branches]

    def one(shape: CompiledShape) -> list[ShapeResult]:
        started = time.perf_counter()
        answer = _answer(store, shape, data_graphs, union, foci)
        if answer is None:
            return []
        log.debug(
            "%s: %d results in %.3f s", shape.shape, len(answer.rows), time.perf_counter() - started
        )
        return [_result(shape, answer.variables, row) for row in answer.rows]

    workers = min(threads if threads is not None else validation_threads(), len(compiled))
    # Either way the progress reads 0, 1, ... shapes done, then the finished stage with all.
    if workers <= 1:
        found = []
        for done, shape in enumerate(compiled):
            report(progress, Stage("validating", done, len(compiled), unit="shapes"))
            found.append(one(shape))
    else:
        # The shapes' queries are independent reads: the engine (or the endpoint) answers them
        # side by side. Results keep the shapes' order, so a report does not depend on timing.
        # The longest queries go first (text length stands for cost): the role shape, compiled
        # last, took a second at 1M and ran alone at the end; first, the others run beside it.
        report(progress, Stage("validating", 0, len(compiled), unit="shapes"))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="srkb-shape") as pool:
            submitted = {
                id(shape): pool.submit(one, shape)
                for shape in sorted(compiled, key=lambda shape: -len(shape.query))
            }
            futures = [submitted[id(shape)] for shape in compiled]
            for done, _ in enumerate(as_completed(futures), start=1):
                if done < len(compiled):
                    report(progress, Stage("validating", done, len(compiled), unit="shapes"))
            found = [future.result() for future in futures]
    report(progress, Stage("validating", len(compiled), len(compiled), "shapes", finished=True))
    return tuple(result for results in found for result in results)


def _answer(
    store: Store,
    shape: CompiledShape,
    data_graphs: Sequence[str],
    union: bool,
    foci: AbstractSet[Identifier] | None,
) -> QueryResult | None:
    """The rows of one shape's query (``None``: none of ``foci`` is a target of the shape)."""
    if foci is None:
        query = shape.query
    elif not store.capabilities.nested_values:
        query = shape.joined_with(foci)
    else:
        # Which focus nodes the shape targets, once (every branch would find them again).
        narrowed: AbstractSet[Identifier] = foci
        targets = shape.targets_of(foci)
        if targets is not None:
            found = (
                store.query(targets)
                if union
                else store.query(targets, default_graphs=list(data_graphs))
            )
            narrowed = {row[0] for row in found.rows if row[0] is not None}
            if not narrowed:
                return None
        query = shape.focused(narrowed) if targets is None else shape.on_targets(narrowed)
    if union:
        return store.query(query)
    return store.query(query, default_graphs=list(data_graphs))


def conforms(results: Iterable[ShapeResult]) -> bool:
    """Whether a report with these results conforms: warnings and infos do not count."""
    return all(r.branch.severity in (_SH_Warning, _SH_Info) for r in results)


def _result(
    shape: CompiledShape, variables: tuple[str, ...], row: tuple[Identifier | None, ...]
) -> ShapeResult:
    bound = dict(zip(variables, row, strict=True))
    focus = bound["this"]
    branch_index = bound.get(_BRANCH, 0)
    if focus is None or branch_index is None:
        raise SrkbError(f"the compiled query of <{shape.shape}> returned a row without focus node")
    branch = shape.branches[int(branch_index)]
    value = bound["value"]
    if value is None and branch.value_is_focus:
        value = focus
    path = bound["path"] if bound["path"] is not None else branch.path
    messages = branch.messages
    if branch.sparql_constraint is not None and messages:
        if not branch.fills_in:  # nothing to fill in: pySHACL still writes plain literals
            return ShapeResult(focus, value, path, branch, branch.plain_messages)
        fills: dict[str, Node] = {"this": focus}
        if bound["path"] is not None:
            fills["path"] = bound["path"]
        if value is not None:
            fills["value"] = value
        fills.update({k: v for k in branch.placeholders if (v := bound.get(k)) is not None})
        messages = tuple(Literal(_fill(str(m), fills)) for m in messages)
    return ShapeResult(focus, value, path, branch, messages)


def _fill(message: str, values: dict[str, Node]) -> str:
    """Fill ``{$var}``/``{?var}`` placeholders as pySHACL does for SPARQL constraints."""
    for name, value in values.items():
        message = re.sub(
            r"\{[?$]" + re.escape(name) + r"\}", str(value).replace("\\", "\\\\"), message
        )
    return message
