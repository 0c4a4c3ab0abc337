"""Which inference rules can feed which: the keys each rule reads and writes.

A naive fixpoint runs every rule in every pass, and its last pass only proves that nothing changes.
At a million triples one pass costs about 9 s, mostly in the generic OWL 2 RL rules, whose cost is
the size of the data they match, not of what they add.
:func:`kb.reasoning.inference.run_to_fixpoint` uses the
keys computed here to re-run a rule only when a rule that writes something it reads has added
triples since it last ran.

A *key* is what a triple pattern can match: ``(predicate, None)`` for a predicate,
``(rdf:type, class)`` for the members of one class, ``(ANY, None)`` for anything. A pattern with
constant terms gives its key directly. A variable predicate (or class) that a schema pattern binds,
as ``?p`` in ``?p rdfs:domain ?c . ?x ?p ?y``, takes the values the schema gives it; each schema
pattern is evaluated on its own, which over-approximates the joins and so never misses a
dependency. Any other variable predicate matches everything.

The keys depend on the schema in the data, so they are computed for one run, on the data of that
run. They are only sound if the schema cannot change during the run: :func:`plan` returns ``None``
(run everything every pass) when some rule could write a triple that a schema pattern reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from rdflib import OWL, RDF, RDFS, Variable
from rdflib.term import Identifier, URIRef

from kb.sparql.rewrite import brace_depths, mask, matching_bracket
from kb.sparql.text import RDFLIB_PARSER_LOCK

ANY = "*"
TYPE = str(RDF.type)

Key = tuple[str, str | None]
Pattern = tuple[Identifier, Identifier, Identifier]
#: Runs ``SELECT DISTINCT ?v WHERE { pattern }`` on the run's data; returns the values of ``?v``.
Select = Callable[[str], Iterable[Identifier]]


@dataclass(frozen=True)
class RuleKeys:
    """What one rule reads (outside the schema) and what it writes."""

    reads: frozenset[Key]
    writes: frozenset[Key]

    def feeds(self, other: RuleKeys) -> bool:
        """Whether triples this rule adds can change what ``other`` derives."""
        return _feeds(self.writes, other.reads)


@lru_cache(maxsize=4096)
def _feeds(writes: frozenset[Key], reads: frozenset[Key]) -> bool:
    """:meth:`RuleKeys.feeds`, once per pair of key sets (every write after a change asks)."""
    return any(overlaps(w, r) for w in writes for r in reads)


def overlaps(a: Key, b: Key) -> bool:
    """Whether some triple matches both keys."""
    if ANY in (a[0], b[0]):
        return True
    if a[0] != b[0]:
        return False
    return a[1] is None or b[1] is None or a[1] == b[1]


#: OWL terms that state facts about individuals, not the schema: the equality rules read and
#: write them like any other data (so they never make a plan impossible), and a rule reading them
#: runs again when they grow.
_INDIVIDUAL_TERMS = frozenset({OWL.sameAs, OWL.differentFrom})
_SAME_AS_KEY: Key = (str(OWL.sameAs), None)


def _schema_term(term: Identifier) -> bool:
    # str(): rdflib's URIRef.startswith does not accept a tuple of prefixes.
    return (
        isinstance(term, URIRef)
        and term not in _INDIVIDUAL_TERMS
        and (str(term).startswith((str(OWL), str(RDFS))) or term in (RDF.first, RDF.rest))
    )


def is_schema_pattern(pattern: Pattern) -> bool:
    """A T-box pattern: RDFS/OWL vocabulary as predicate, or typing with an OWL/RDFS class."""
    _s, p, o = pattern
    if isinstance(p, Variable):
        return False
    if p == RDF.type:
        return _schema_term(o)
    return _schema_term(p)


def _walk(node: object) -> Iterator[Pattern]:
    """Every triple pattern in an algebra tree, in EXISTS filters and unions too."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "BGP":
            yield from node["triples"]
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _walk(value)


@cache
def patterns(rule_text: str) -> tuple[list[Pattern], list[Pattern]]:
    """The WHERE patterns and the INSERT template patterns of a rule (one INSERT ... WHERE).

    Parsed once per process and kept on disk between processes (:func:`kb.sparql.parsed.kept`):
    reading the rules costs 0.35 s, paid by the first write after every start.
    """
    from kb.sparql.parsed import kept

    return kept("rules", rule_text, __file__, _patterns, tuple)


def _patterns(rule_text: str) -> tuple[list[Pattern], list[Pattern]]:
    """:func:`patterns` without the caches."""
    # rdflib's SPARQL engine costs about half a second to import: only a full run needs it, not
    # the check that finds the inferred graph current.
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    with RDFLIB_PARSER_LOCK:
        update = translateUpdate(parseUpdate(rule_text))
    where: list[Pattern] = []
    template: list[Pattern] = []
    for request in update.algebra:
        where.extend(_walk(request.get("where")))
        insert = request.get("insert")
        if insert is not None:
            template.extend(insert.get("triples") or [])
            for quads in (insert.get("quads") or {}).values():
                template.extend(quads)
    return where, template


def _n3(term: Identifier) -> str:
    return term.n3()


_FILTER = re.compile(r"\bFILTER\s*\(", re.IGNORECASE)
_IS_IRI = re.compile(r"\s*is(?:IRI|URI)\s*\(\s*[?$](\w+)\s*\)\s*", re.IGNORECASE)


@cache
def iri_variables(rule_text: str) -> frozenset[str]:
    """Variables that the rule's WHERE group keeps to IRIs: ``?d`` in ``FILTER(isIRI(?d))``.

    Only a filter of the group itself (not of a group inside it) that is a conjunction of
    ``isIRI`` tests and other conditions counts: it holds for every solution. The schema gives a
    class variable blank nodes too (class expressions, such as restrictions); dropping them from
    what a rule so filtered reads and writes keeps its keys exact, so that rules narrowed to the
    classes written since they last ran (:func:`key_values`) are not run whole for them.
    """
    text = mask(rule_text)
    start = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
    if start is None:
        return frozenset()
    group = text[start.end() : matching_bracket(text, start.end() - 1)]
    depths = brace_depths(group)
    found: set[str] = set()
    for match in _FILTER.finditer(group):
        if depths[match.start()] != 0:
            continue  # a filter of a group inside the WHERE group
        condition = group[match.end() : matching_bracket(group, match.end() - 1, "()")]
        if "||" not in condition and "!" not in condition.replace("!=", ""):
            for conjunct in condition.split("&&"):
                if test := _IS_IRI.fullmatch(conjunct):
                    found.add(test.group(1))
    return frozenset(found)


class _Planner:
    def __init__(self, select: Select) -> None:
        self.select = select
        self._cache: dict[tuple[Pattern, Variable], frozenset[Identifier]] = {}

    def candidates(
        self, var: Variable, where: Sequence[Pattern], iris: frozenset[str] = frozenset()
    ) -> frozenset[str] | None:
        """Values the schema patterns give ``var``, or ``None`` if no schema pattern binds it.

        Only IRIs when the rule keeps ``var`` to IRIs (``iris``, see :func:`iri_variables`).
        """
        found: set[str] = set()
        bound = False
        for pattern in where:
            if not is_schema_pattern(pattern) or var not in (pattern[0], pattern[2]):
                continue
            bound = True
            if (pattern, var) not in self._cache:
                query = f"SELECT DISTINCT {var.n3()} WHERE {{ {' '.join(map(_n3, pattern))} }}"
                self._cache[(pattern, var)] = frozenset(
                    v for v in self.select(query) if v is not None
                )
            found |= {
                str(v)
                for v in self._cache[(pattern, var)]
                if str(var) not in iris or isinstance(v, URIRef)
            }
        return frozenset(found) if bound else None

    def keys(
        self, pattern: Pattern, where: Sequence[Pattern], iris: frozenset[str] = frozenset()
    ) -> set[Key]:
        _s, p, o = pattern
        if isinstance(p, Variable):
            predicates = self.candidates(p, where, iris)
            if predicates is None:
                return {(ANY, None)}
            return {(value, None) for value in predicates}
        if p != RDF.type:
            return {(str(p), None)}
        if not isinstance(o, Variable):
            return {(TYPE, str(o))}
        classes = self.candidates(o, where, iris)
        if classes is None:
            return {(TYPE, None)}
        return {(TYPE, value) for value in classes}


def plan(rule_texts: Sequence[str], select: Select) -> list[RuleKeys] | None:
    """Keys of every rule on this data, or ``None`` if a rule could change the schema."""
    planner = _Planner(select)
    keyed: list[RuleKeys] = []
    for text in rule_texts:
        where, template = patterns(text)
        iris = iri_variables(text)
        reads: set[Key] = set()
        for pattern in where:
            if not is_schema_pattern(pattern):
                reads |= planner.keys(pattern, where, iris)
        writes: set[Key] = set()
        for pattern in template:
            writes |= planner.keys(pattern, where, iris)
        keyed.append(RuleKeys(frozenset(reads), frozenset(writes)))
    schema = schema_keys(rule_texts)
    if any(overlaps(w, s) for rule in keyed for w in rule.writes for s in schema):
        return None
    return keyed


def order(keys: Sequence[RuleKeys]) -> list[int]:
    """Rule indices with producers before consumers; rules that feed each other stay in file order.

    A rule that runs after everything it depends on seldom needs a second run. Sorting by the number
    of strict ancestors (rules that reach it but that it does not reach) is a topological order of
    the strongly connected components: if A reaches B and not back, B's ancestors include A's.

    The equality rules (those reading ``owl:sameAs``) come last, outside that order: they copy every
    type and property, so counting them would fold every rule into one component and lose the
    producers-first order, and they add nothing unless the data states ``owl:sameAs``. When they
    do add, the rules they feed wait for the next pass, as always.
    """
    equality = [i for i, k in enumerate(keys) if _SAME_AS_KEY in k.reads]
    others = [i for i in range(len(keys)) if i not in equality]
    n = len(others)
    reach = [[keys[others[i]].feeds(keys[others[j]]) for j in range(n)] for i in range(n)]
    for k in range(n):
        for i in range(n):
            if reach[i][k]:
                row_k = reach[k]
                reach[i] = [a or b for a, b in zip(reach[i], row_k, strict=True)]
    ancestors = [sum(1 for i in range(n) if reach[i][j] and not reach[j][i]) for j in range(n)]
    return [others[j] for j in sorted(range(n), key=lambda j: (ancestors[j], j))] + equality


def schema_keys(rule_texts: Sequence[str]) -> set[Key]:
    """The keys of every schema pattern the rules read (constant keys; variables are dropped).

    :func:`plan` refuses to plan when a rule could write one of them; incremental inference
    copies their triples, besides the neighbourhood's own, so that the rules see the whole schema
    even where a source declares some of it.
    """
    keys: set[Key] = set()
    for text in rule_texts:
        where, _template = patterns(text)
        for _s, p, o in filter(is_schema_pattern, where):
            if p == RDF.type:
                keys.add((TYPE, str(o)))
            else:
                keys.add((str(p), None))
    return keys


def key_variable(rule_text: str) -> tuple[Variable, bool] | None:
    """The variable carrying the key of a rule's only data pattern; True if it is the predicate.

    ``?c`` in ``?c rdfs:subClassOf ?d . ?x rdf:type ?c``, ``?p`` in ``?p rdfs:domain ?c .
    ?x ?p ?y``: the rule reads one pattern outside the schema, and the class or predicate it
    reads is a variable that a schema pattern binds. Such a rule, run again after other rules
    added triples of some of its keys, can only derive something new from those triples, so
    :func:`kb.reasoning.inference.run_to_fixpoint` runs it again on those keys only (a VALUES
    block on this variable). None for every other rule, which runs whole.
    """
    where, _template = patterns(rule_text)
    data = [pattern for pattern in where if not is_schema_pattern(pattern)]
    if len(data) != 1:
        return None
    _s, p, o = data[0]
    if isinstance(p, Variable):
        var, is_predicate = p, True
    elif p == RDF.type and isinstance(o, Variable):
        var, is_predicate = o, False
    else:
        return None
    bound = any(is_schema_pattern(pattern) and var in (pattern[0], pattern[2]) for pattern in where)
    return (var, is_predicate) if bound else None


def key_values(keys: Iterable[Key], *, is_predicate: bool) -> list[str] | None:
    """The values of a rule's key variable that ``keys`` (written since it last ran) can match.

    A class variable takes the classes of ``(rdf:type, class)`` keys, a predicate variable the
    predicates of the keys. None when a key matches anything of its kind (``(ANY, None)``, or
    ``(rdf:type, None)`` for a class variable) or is a blank node (a class expression, which a
    VALUES block cannot name): the rule then runs whole.
    """
    values: set[str] = set()
    for predicate, cls in keys:
        if predicate == ANY:
            return None
        if is_predicate:
            values.add(predicate)
        elif predicate == TYPE:
            if cls is None:
                return None
            values.add(cls)
    if not all(_ABSOLUTE_IRI.match(value) for value in values):
        return None  # a blank node's label (keys hold str() of the schema's terms)
    return sorted(values)


_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
