"""Role inference: SPARQL Update rules run to a fixpoint on the store itself.

The rules (``kb/reasoning/rules/*.ru``) are OWL 2 RL rules for the entailments the ontology needs
(subclass, subproperty, inverse, domain, range, property chains, transitivity, symmetry) and one
rule per srkb role. They run on any :class:`~kb.store.Store`, embedded or remote, because they
are plain SPARQL 1.1 Update: the engine only adds ``WITH`` (where to write) and ``USING`` (what to
read).

Semantics:

* Results go to the inferred graph only; asserted graphs are read, never written.
* The inferred graph holds what the rules add: derived triples that no knowledge graph asserts.
* The fixpoint runs in a scratch store (``Store.materialise``; in memory, on disk for big data),
  where Oxigraph evaluates the rules many times faster than over datasets of named graphs. On the
  embedded store only the difference is written: additions, then removals, so a reader may
  briefly see both, never less.
  A remote store reads the knowledge graphs with one request each and writes the new inferred
  graph with one request, or staged chunks moved into place by one final request, so readers
  see the old inferred graph or the new one (``RemoteStore.materialise``). A store without
  ``materialise`` runs every rule on the store itself, into a staging graph swapped in by one
  update request.
* Running twice gives the same inferred graph; cycles terminate because the rules only add
  triples over a finite set of terms, and a pass that adds nothing ends the run.
* Every run leaves a stamp (:mod:`kb.reasoning.stamp`): statements about the inferred graph
  itself saying what it was computed from. :func:`infer_if_needed` (``srkb infer``, a service
  start) computes nothing when the stamp shows the graph is current.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import BNode, URIRef
from rdflib.term import Identifier, Variable

from kb import resources
from kb.errors import NotFoundError, SrkbError
from kb.namespaces import (
    INFERRED_GRAPH,
    INFERRED_STAGING_GRAPH,
    PREFIXES,
    SRKB,
    knowledge_graphs,
)
from kb.reasoning import rule_dependencies, stamp
from kb.reasoning.rule_dependencies import Key, RuleKeys
from kb.sparql.rewrite import mask, matching_bracket
from kb.sparql.text import bind, bind_column, iri, node_from_name, node_name, term, with_dataset
from kb.store import Store

log = logging.getLogger(__name__)

MAX_PASSES = 100

_HEADER = re.compile(r"^#\s*(Rule|If|Then|Source|Role):\s*(.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}(\S.*)$")


@dataclass(frozen=True)
class Rule:
    """One inference rule file, with the If/Then header it opens with."""

    rule_id: str
    text: str
    condition: str
    conclusion: str
    source: str
    role: str | None  # the srkb role IRI this rule derives, if it is a role rule
    role_variable: str | None

    @property
    def where(self) -> str:
        """The rule's WHERE group, used to explain a conclusion by its witnesses."""
        lines = self.text.splitlines()
        start = next(i for i, line in enumerate(lines) if line.lstrip().upper().startswith("WHERE"))
        return "\n".join(lines[start:])

    @property
    def prologue(self) -> str:
        """PREFIX declarations of the rule file."""
        return "\n".join(line for line in self.text.splitlines() if line.startswith("PREFIX"))


def _parse_rule(path: Path) -> Rule:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    last = None
    for line in text.splitlines():
        if match := _HEADER.match(line):
            last = match.group(1)
            fields[last] = match.group(2).strip()
        elif (cont := _CONTINUATION.match(line)) and last:
            fields[last] += " " + cont.group(1).strip()
        elif not line.startswith("#"):
            break
    role = role_var = None
    if "Role" in fields:
        curie, role_var = fields["Role"].split()
        prefix, local = curie.split(":", 1)
        role = PREFIXES[prefix] + local
        role_var = role_var.lstrip("?")
    return Rule(
        rule_id=fields.get("Rule", path.stem),
        text=text,
        condition=fields.get("If", ""),
        conclusion=fields.get("Then", ""),
        source=fields.get("Source", ""),
        role=role,
        role_variable=role_var,
    )


@cache
def rules() -> tuple[Rule, ...]:
    """Every inference rule, in file-name order (OWL 2 RL rules first, then srkb roles)."""
    return tuple(_parse_rule(p) for p in sorted(resources.rules_dir().glob("*.ru")))


def rule(rule_id: str) -> Rule:
    """Look up one rule by its id (its file name without ``.ru``)."""
    for candidate in rules():
        if candidate.rule_id == rule_id:
            return candidate
    raise NotFoundError(f"no inference rule named {rule_id!r}")


@dataclass(frozen=True)
class InferenceRun:
    """What one inference run did."""

    #: Triples in the inferred graph after the run; ``None`` after an incremental run, which
    #: does not count them (a pass over the inferred graph costs more than the run at scale).
    inferred_triples: int | None
    passes: int
    seconds: float
    #: True when nothing was computed: the inferred graph was current (:func:`infer_if_needed`).
    reused: bool = False
    #: The inferred triples an incremental run added or removed (None: a full run, which may
    #: have changed any), for re-validating only what they can affect.
    changes: frozenset[tuple[Identifier, Identifier, Identifier]] | None = None


def infer(store: Store, *, progress: Callable[[int, int], None] | None = None) -> InferenceRun:
    """Recompute the inferred graph to a fixpoint and swap it in atomically.

    ``progress(pass_number, inferred_so_far)`` is called after every pass.
    """
    started = time.perf_counter()
    texts = [r.text for r in rules()]
    # What this run is computed from, taken before it starts: a write that lands meanwhile
    # changes the sizes, and the next check infers again.
    model = stamp.model_digest(store, texts)
    data = stamp.data_digest(store, knowledge_graphs(store))
    if store.capabilities.materialise:

        def fixpoint(scratch: Store) -> int:
            plan = rule_plan(scratch)
            return run_to_fixpoint(
                scratch,
                texts,
                scratch.count,
                progress,
                plan=plan,
                narrow=True,
                count_keys=lambda keys: count_of_keys(scratch, keys),
            )

        count, passes = store.materialise(knowledge_graphs(store), INFERRED_GRAPH, fixpoint)
        # After the difference (which took the old stamp and stale mark off): a process killed
        # in between leaves no stamp, and the next check infers again.
        stamp.write(store, model, stamp.new_run(), data, count)
        stamp.confirm(store, data, knowledge_graphs(store))
        seconds = time.perf_counter() - started
        log.info("inferred %d triples in %d passes (%.2f s, in memory)", count, passes, seconds)
        return InferenceRun(inferred_triples=count, passes=passes, seconds=seconds)
    using = [*knowledge_graphs(store), INFERRED_STAGING_GRAPH]
    store.update(f"DROP SILENT GRAPH {iri(INFERRED_STAGING_GRAPH)}")
    compiled = [with_dataset(text, INFERRED_STAGING_GRAPH, using) for text in texts]
    plan = rule_plan(store, knowledge_graphs(store))
    passes = run_to_fixpoint(
        store, compiled, lambda: store.count(INFERRED_STAGING_GRAPH), progress, plan=plan
    )
    drop_asserted(store, INFERRED_STAGING_GRAPH)
    count = store.count(INFERRED_STAGING_GRAPH)
    store.update(
        f"DROP SILENT GRAPH {iri(INFERRED_GRAPH)} ;\n"
        f"MOVE SILENT GRAPH {iri(INFERRED_STAGING_GRAPH)} TO GRAPH {iri(INFERRED_GRAPH)} ;\n"
        f"INSERT DATA {{ GRAPH {iri(INFERRED_GRAPH)} {{\n"
        f"{stamp.triples(model, stamp.new_run(), data, count)}\n}} }}"
    )
    stamp.confirm(store, data, knowledge_graphs(store))
    seconds = time.perf_counter() - started
    log.info("inferred %d triples in %d passes (%.2f s)", count, passes, seconds)
    return InferenceRun(inferred_triples=count, passes=passes, seconds=seconds)


def infer_if_needed(
    store: Store,
    *,
    progress: Callable[[int, int], None] | None = None,
    record: bool = False,
    vouched: str | None = None,
) -> InferenceRun:
    """Infer unless the inferred graph is current (:mod:`kb.reasoning.stamp`); then do nothing.

    A current graph costs a few queries to recognise instead of a full run (and, where the store
    cannot vouch that nothing but srkb opened it since, a count of the knowledge graphs' triples:
    about 0.3 s at a million; see :mod:`kb.reasoning.stamp`). ``record`` lets the check add the
    sizes to a stamp that lacks them, and ``vouched`` is what the store's seal said before the
    caller installed the model (see :func:`kb.reasoning.stamp.current`).
    """
    started = time.perf_counter()
    texts = [r.text for r in rules()]
    found = stamp.current(store, texts, knowledge_graphs(store), record=record, vouched=vouched)
    if found is None:
        return infer(store, progress=progress)
    seconds = time.perf_counter() - started
    count = found.triples if found.triples is not None else stamp.inferred_count(store)
    log.info("the inferred graph is current (%d triples); not inferred again", count)
    return InferenceRun(inferred_triples=count, passes=0, seconds=seconds, reused=True)


def run_to_fixpoint(
    store: Store,
    requests: Sequence[str],
    size: Callable[[], int],
    progress: Callable[[int, int], None] | None = None,
    *,
    plan: Sequence[RuleKeys] | None = None,
    narrow: bool = False,
    count_keys: Callable[[frozenset[Key]], int] | None = None,
) -> int:
    """Run the rule requests until what they write stops growing (``size()`` measures it).

    Without a ``plan`` every rule runs in every pass, and a pass that adds nothing ends the run.
    With one (:func:`kb.reasoning.rule_dependencies.plan`, aligned with ``requests``), rules run
    producers first, and a rule runs again only when a rule that feeds it has added triples since
    its last run; the run ends when no rule is waiting. Returns the number of passes (sweeps over
    the rules).

    Negation is stratified: rules with ``MINUS`` (the role rules, which skip relationships whose
    provider is its consumer) first run once the rules without it have reached their fixpoint.
    Those produce every fact a ``MINUS`` reads (providers, consumers, their owl:sameAs aliases)
    and the role rules produce none of them, so a negation never sees a fact that arrives later
    (a role, once added, is never taken back).

    With ``narrow`` (and a plan), a rule that reads one data pattern keyed by a variable
    (:func:`kb.reasoning.rule_dependencies.key_variable`: the subclass, equivalent class, domain,
    range and inverse rules) runs again only on the keys written since it last ran: at a million
    triples its first run reads every typing, and later runs found nothing in the rest.

    With ``count_keys`` (and a plan), whether a rule that writes a few keys of constant terms (a
    role rule writes the members of one class) added anything is told by the triples of those
    keys alone (:data:`KEYED_COUNT_MAX`): ``size()`` counts the whole store, 0.1 s at a million
    triples in Oxigraph's memory store, against a few milliseconds for one class.
    """
    narrowing = None
    if plan is None:
        sequence = list(range(len(requests)))
        feeds = [set(sequence) for _ in requests]
    else:
        sequence = rule_dependencies.order(plan)
        feeds = [{j for j, other in enumerate(plan) if keys.feeds(other)} for keys in plan]
        narrowing = _Narrowing.of(requests, plan) if narrow else None
    negated = {i for i, text in enumerate(requests) if _MINUS.search(mask(text))}
    keyed: list[frozenset[Key] | None] = [None] * len(requests)
    if plan is not None and count_keys is not None:
        keyed = [keys.writes if _countable(keys.writes) else None for keys in plan]
    sweep = _Sweep(store, requests, size, progress, sequence, feeds, narrowing, keyed, count_keys)
    passes = sweep.run(set(sequence) - negated, 0)
    return sweep.run(negated, passes, open_=True)


@dataclass
class _Narrowing:
    """For each rule with a key variable, the keys written since it last ran (None: run whole)."""

    variables: list[tuple[Variable, bool] | None]
    writes: list[frozenset[Key]]
    pending: list[set[Key] | None]

    @classmethod
    def of(cls, requests: Sequence[str], plan: Sequence[RuleKeys]) -> _Narrowing:
        variables = [rule_dependencies.key_variable(text) for text in requests]
        return cls(variables, [keys.writes for keys in plan], [None] * len(requests))

    def request(self, index: int, text: str) -> str | None:
        """The request to run for rule ``index``: narrowed, whole, or None (nothing can be new)."""
        keys, self.pending[index] = self.pending[index], set()
        variable = self.variables[index]
        if variable is None or keys is None:
            return text
        values = rule_dependencies.key_values(keys, is_predicate=variable[1])
        if values is None:
            return text
        if not values:
            return None
        return bind_column(text, variable[0], [URIRef(value) for value in values])

    def added(self, index: int, fed: Iterable[int]) -> None:
        """Rule ``index`` added triples: the rules it feeds have its keys to look at."""
        for other in fed:
            pending = self.pending[other]
            if pending is not None:
                pending |= self.writes[index]


_MINUS = re.compile(r"\bMINUS\b", re.IGNORECASE)

#: A rule writing at most this many keys, each a constant predicate (or class), is counted by
#: its keys (:func:`count_of_keys`); one writing more, or anything of a variable, by the size.
KEYED_COUNT_MAX = 3


def _countable(writes: frozenset[Key]) -> bool:
    """Whether the triples of ``writes`` can be counted by pattern (constant IRIs only)."""
    return 0 < len(writes) <= KEYED_COUNT_MAX and all(map(_constant_key, writes))


def _constant_key(key: Key) -> bool:
    """A constant predicate, or ``rdf:type`` with a constant class (never ``ANY`` or a label)."""
    predicate, cls = key
    if not _IRI_KEY.match(predicate):  # ANY, or a blank node's label
        return False
    if predicate == rule_dependencies.TYPE:
        return cls is not None and bool(_IRI_KEY.match(cls))
    return cls is None


_IRI_KEY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*\Z")


def count_of_keys(store: Store, keys: Iterable[Key]) -> int:
    """The triples of ``store`` that match each key, summed (a triple matching two counts twice).

    Only compared with itself before and after a rule, so counting twice does no harm.
    """
    patterns = [
        f"{{ ?s {iri(rule_dependencies.TYPE)} {iri(cls)} }}"
        if predicate == rule_dependencies.TYPE and cls is not None
        else f"{{ ?s {iri(predicate)} ?o }}"
        for predicate, cls in sorted(keys, key=lambda key: (key[0], key[1] or ""))
    ]
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {' UNION '.join(patterns)} }}")
    value = result.rows[0][0] if result.rows else None
    return int(value) if value is not None else 0


@dataclass
class _Sweep:
    """The rule runs of one :func:`run_to_fixpoint`, in passes (see :meth:`run`)."""

    store: Store
    requests: Sequence[str]
    size: Callable[[], int]
    progress: Callable[[int, int], None] | None
    sequence: Sequence[int]
    feeds: Sequence[set[int]]
    narrowing: _Narrowing | None
    #: For each rule, the keys counted to see whether it added anything (None: ``size()``).
    keyed: Sequence[frozenset[Key] | None]
    count_keys: Callable[[frozenset[Key]], int] | None

    def run(self, start: set[int], passes: int, *, open_: bool = False) -> int:
        """Passes until no rule waits; only ``start``'s rules may run unless ``open_`` (all)."""
        allowed = set(self.sequence) if open_ else set(start)
        waiting = set(start)
        before: int | None = self.size()  # None: a keyed rule added since it was counted
        while waiting:
            passes += 1
            if passes > MAX_PASSES:
                raise SrkbError(f"inference did not reach a fixpoint in {MAX_PASSES} passes")
            for index in self.sequence:
                if index not in waiting:
                    continue
                waiting.discard(index)
                request: str | None = self.requests[index]
                if self.narrowing is not None:
                    request = self.narrowing.request(index, self.requests[index])
                if request is None or not self._matches(request):
                    continue
                keys = self.keyed[index]
                if keys is not None and self.count_keys is not None:
                    was = self.count_keys(keys)
                    self.store.update(request)
                    added = self.count_keys(keys) != was
                    if added:
                        before = None
                else:
                    if before is None:
                        before = self.size()
                    self.store.update(request)
                    after = self.size()
                    added, before = after != before, after
                if added:
                    waiting |= self.feeds[index] & allowed
                    if self.narrowing is not None:
                        self.narrowing.added(index, self.feeds[index])
            if self.progress is not None:
                if before is None:  # counted only for the progress report
                    before = self.size()
                self.progress(passes, before)
        return passes

    def _matches(self, request: str) -> bool:
        """Whether the rule's body has a solution (False: it cannot add anything; skip it).

        An ``ASK`` stops at the first solution, so it costs next to nothing; a rule run and the
        count after it to see whether it added anything cost 0.1 s at a million triples even when
        the body matches nothing (the equality rules without ``owl:sameAs``, for instance). Only
        for plain ``INSERT {...} WHERE`` requests; others are always run.
        """
        ask = _ask_form(request)
        return ask is None or bool(self.store.query(ask).boolean)


#: A plain ``INSERT { template } WHERE``, after its prologue of comments and prefixes.
_PLAIN_INSERT = re.compile(
    r"\A(?P<prologue>(?:[ \t]*(?:PREFIX[^\n]*|#[^\n]*)?\n)*)\s*INSERT\s*\{[^{}]*\}\s*(?=WHERE\b)",
    re.IGNORECASE,
)
_OTHER_OPERATION = re.compile(r"\b(?:INSERT|DELETE|WITH|USING|LOAD|CLEAR|DROP)\b", re.IGNORECASE)


def _ask_form(request: str) -> str | None:
    """``request``, a plain ``INSERT { template } WHERE { body }``, as ``ASK WHERE { body }``.

    None for any other request (a ``WITH``, ``USING``, ``DELETE``, or anything after the body,
    such as a second operation), and for a body with ``MINUS``: Oxigraph evaluates the negated
    group whole before the first solution, so the ``ASK`` cost each role rule 0.05-0.11 s at a
    million triples, and they always match something there.
    """
    masked = mask(request)  # the same length, with comments, strings and IRIs blanked
    match = _PLAIN_INSERT.match(masked)
    if match is None or _OTHER_OPERATION.search(masked, match.end()):
        return None
    if _MINUS.search(masked, match.end()):
        return None  # the role rules: the MINUS is built whole before the first solution
    try:
        end = matching_bracket(masked, masked.index("{", match.end()))
    except ValueError:
        return None
    if masked[end + 1 :].strip():
        return None
    return f"{request[: match.end('prologue')]}ASK {request[match.end() :]}"


def rule_plan(store: Store, graphs: Sequence[str] | None = None) -> list[RuleKeys] | None:
    """The dependencies of every rule on this store's schema.

    See :mod:`kb.reasoning.rule_dependencies`.
    """

    def select(query: str) -> list[Identifier]:
        result = store.query(query, default_graphs=graphs) if graphs else store.query(query)
        return [row[0] for row in result.rows if row[0] is not None]

    return rule_dependencies.plan([r.text for r in rules()], select)


def drop_asserted(store: Store, graph: str, subjects: Sequence[Identifier] | None = None) -> None:
    """Remove from ``graph`` the triples some knowledge graph asserts (optionally of ``subjects``).

    The inferred graph holds what the rules add to the knowledge, not what they re-derive of it,
    on every backend alike.
    """
    values = ""
    if subjects is not None:
        values = "VALUES ?s { " + " ".join(term(s) for s in subjects) + " } "
    using = "".join(f"USING {iri(g)}\n" for g in knowledge_graphs(store))
    store.update(
        f"DELETE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }}\n{using}WHERE {{ {values}?s ?p ?o }}"
    )


@dataclass(frozen=True)
class Explanation:
    """Why a resource has a role: the rule and every set of facts (witness) that fires it.

    ``caveats`` says when a witness rests on invalid data: a relationship with two providers,
    consumers or services that are not known to be the same (precondition 0 reports it too).
    Such a relationship still gives each organisation it names the roles its facts give (srkb
    does not merge them the way a DL reasoner would); one whose provider is its consumer gives
    no role at all (the role rules skip it).
    """

    role: str
    rule_id: str
    condition: str
    witnesses: tuple[dict[str, Identifier], ...]
    caveats: tuple[str, ...] = ()


#: Relationships (of the witnesses) with two values of a single-valued property, aliases counted
#: once: the same test as the shapes SR-RelationshipHasOneProvider/Consumer/Service.
#: Relationships with two providers, consumers or services (precondition 0), among bound ``?r``.
#: One branch per property, each a lookup from the bound relationship: with the property as a
#: VALUES variable Oxigraph scanned every triple of the three properties (60 ms at 100k triples
#: for the 20-odd resources of one explanation, against under 1 ms).
_INVALID_RELATIONSHIPS = """
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?r ?p WHERE {
  { ?r srkb:hasProvider ?one , ?other . BIND (srkb:hasProvider AS ?p) }
  UNION { ?r srkb:hasConsumer ?one , ?other . BIND (srkb:hasConsumer AS ?p) }
  UNION { ?r srkb:concernsService ?one , ?other . BIND (srkb:concernsService AS ?p) }
  FILTER (?one != ?other)
  FILTER NOT EXISTS { ?one owl:sameAs ?other }
}
"""


def explain(store: Store, resource: str) -> list[Explanation]:
    """Explain every inferred srkb role of ``resource`` by the rule's witness rows.

    ``resource`` is an IRI or a blank node's printable name (``_:label``, see
    :func:`kb.sparql.text.node_name`). Reads the inferred graph, so run :func:`infer` first.
    """
    subject = node_from_name(resource)
    explanations: list[Explanation] = []
    for candidate in rules():
        if candidate.role is None or candidate.role_variable is None:
            continue
        query = witness_query(candidate)
        if isinstance(subject, BNode):
            # A blank node cannot be a VALUES term: select every witness, keep the node's own.
            result = store.query(query)
            column = result.variables.index(candidate.role_variable)
            rows = [row for row in result.rows if row[column] == subject]
        else:
            result = store.query(bind(query, {candidate.role_variable: subject}))
            rows = list(result.rows)
        if not rows:
            continue
        witnesses = tuple(
            {name: value for name, value in zip(result.variables, row, strict=True) if value}
            for row in rows
        )
        explanations.append(
            Explanation(
                role=candidate.role,
                rule_id=candidate.rule_id,
                condition=candidate.condition,
                witnesses=witnesses,
                caveats=_caveats(store, witnesses),
            )
        )
    return explanations


def witness_query(candidate: Rule, *, negation: str = "FILTER NOT EXISTS") -> str:
    """A role rule's WHERE as a SELECT of its witness rows, for one bound role variable.

    The rules' ``MINUS`` groups each share a variable that a triple pattern outside always binds
    (the relationship), so ``FILTER NOT EXISTS`` gives the same rows; for one organisation it is
    checked per row (0.1-0.7 ms a rule at 100k triples) where ``MINUS`` evaluates its group over
    the whole store first (14-29 ms a rule). Whole inference runs keep ``MINUS``, which is the
    faster of the two when nothing is bound.
    """
    where = _MINUS_GROUP.sub(f"{negation} {{", candidate.where)
    return f"{candidate.prologue}\nSELECT DISTINCT * {where}"


_MINUS_GROUP = re.compile(r"\bMINUS\s*\{")


def _caveats(store: Store, witnesses: Sequence[dict[str, Identifier]]) -> tuple[str, ...]:
    """Sentences naming the invalid relationships some witness rests on."""
    named = sorted({v for w in witnesses for v in w.values() if isinstance(v, URIRef)}, key=str)
    if not named:
        return ()
    result = store.query(bind_column(_INVALID_RELATIONSHIPS, "r", named))
    return tuple(
        sorted(
            f"rests on invalid data: {relationship} has more than one "
            f"{str(prop).removeprefix(str(SRKB))} (precondition 0)"
            for relationship, prop in result.rows
        )
    )


def inferred_roles(store: Store) -> dict[str, set[str]]:
    """Map every resource to the srkb role classes it has in the inferred graph."""
    role_classes = sorted({r.role for r in rules() if r.role})
    values = " ".join(iri(c) for c in role_classes)
    result = store.query(
        f"SELECT ?x ?role WHERE {{ VALUES ?role {{ {values} }} "
        f"GRAPH {iri(INFERRED_GRAPH)} {{ ?x a ?role }} }}"
    )
    roles: dict[str, set[str]] = {}
    for x, role in result.rows:
        roles.setdefault(node_name(x), set()).add(str(role).removeprefix(str(SRKB)))
    return roles
