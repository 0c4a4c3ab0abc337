"""Every question on a generated ecosystem, on each backend, against embedded Oxigraph.

The examples' documented answers (test_competency) are small: a path a few steps long, a
handful of rows. A generated ecosystem has global vendors, long supply chains and provision
cycles, where an endpoint's own evaluation of paths and optional groups can part from the
standard (Virtuoso 7.2 once answered impact-of-provider-failure short for 13 of 32 providers).
The referee is the same question on an in-memory Oxigraph store holding the same data.
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from kb.ecosystem.questions import ask, ask_text, questions, text_rows
from kb.interchange.loading import parse_stream, write_sources
from kb.store import Store, open_store
from tests.support.synthetic import load_synthetic

SRKB = "https://w3id.org/srkb#"


#: Organisations and seed of the generated ecosystem.
_ECOSYSTEM = (40, 3)


def _values(store: Store, pattern: str, limit: int) -> list[URIRef]:
    rows = store.query(f"SELECT DISTINCT ?x WHERE {{ {pattern} FILTER(isIRI(?x)) }}").rows
    return sorted(URIRef(str(row[0])) for row in rows)[:limit]


def _cases(referee: Store) -> Iterator[tuple[str, dict[str, Identifier]]]:
    """Each question with a few values of each parameter it takes."""
    kinds = {
        "organisation": f"?r <{SRKB}hasProvider>|<{SRKB}hasConsumer> ?x .",
        "provider": f"?r <{SRKB}hasProvider> ?x .",
        "relationship": f"?x <{SRKB}hasProvider> ?p .",
        "service": f"?r <{SRKB}concernsService> ?x .",
    }
    for name, question in sorted(questions().items()):
        if not question.params:
            yield name, {}
            continue
        (param,) = question.params
        if param == "precondition":
            for number in (1, 2, 3):
                yield name, {param: Literal(number)}
            continue
        for value in _values(referee, kinds[param], 6):
            yield name, {param: value}


def _rows(store: Store, name: str, params: dict[str, Identifier]) -> list[tuple[str, ...]]:
    """The rows as text, sorted (blank nodes are the generator's: none), repeats kept."""
    result = ask(store, name, params)
    return sorted(tuple("" if v is None else str(v) for v in row) for row in result.rows)


def test_every_question_answers_as_embedded_oxigraph(store: Store) -> None:
    load_synthetic(store, *_ECOSYSTEM)
    referee = load_synthetic(open_store("memory"), *_ECOSYSTEM)
    try:
        compared = 0
        differ: list[str] = []
        for name, params in _cases(referee):
            got, want = _rows(store, name, params), _rows(referee, name, params)
            if got != want:
                missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
                differ.append(
                    f"{name} {params}: {len(got)} rows, not {len(want)}; "
                    f"missing {missing[:2]}, extra {extra[:2]}"
                )
            compared += 1
        assert not differ, "\n".join(differ)
        assert compared > 60
    finally:
        referee.close()


#: A target that is a blank node, whose value needs CSV's quoting (a comma, quotes, a line break).
_AWKWARD = """
@prefix srkb: <https://w3id.org/srkb#> .
@prefix ex: <https://example.org/text#> .
ex:c srkb:registersComponent ex:k .
ex:k srkb:refersToService ex:s ; srkb:hasVendor ex:v ; srkb:isGovernedByAgreement ex:a .
ex:a srkb:hasServiceLevelTarget [ srkb:hasTargetValue "99,5 \\"or\\"\\nbetter" ] .
"""


def _text(value: Identifier | None) -> str | None:
    if value is None or str(value) == "":
        return None
    return f"_:{value}" if isinstance(value, BNode) else str(value)


def test_questions_as_text_are_their_answers_lexical_forms(store: Store) -> None:
    load_synthetic(store, *_ECOSYSTEM)
    write_sources(store, [parse_stream(_AWKWARD.encode(), fmt="ttl", name="awkward.ttl")])
    compared = 0
    for name, question in sorted(questions().items()):
        if question.params:
            continue
        variables, rows = ask_text(store, name)
        answer = ask(store, name)
        assert variables == answer.variables, name
        expected = {tuple(_text(v) for v in row) for row in answer.rows}
        assert set(rows) == expected, name
        # what an endpoint that writes no CSV is read as
        assert set(text_rows(answer)[1]) == expected, name
        compared += len(rows)
    levels = ask_text(store, "service-levels")[1]
    awkward = [row for row in levels if row[0] == "https://example.org/text#c"]
    assert len(awkward) == 1
    assert str(awkward[0][4]).startswith("_:")
    assert awkward[0][6] == '99,5 "or"\nbetter'
    assert compared > 300
