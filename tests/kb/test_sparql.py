"""Building SPARQL text safely (kb.sparql.text): VALUES bindings, terms, IRIs and rule datasets.

The string-level checks say where the text goes; the round-trips run the built text on a real
store (every backend through the ``store`` fixture), since only a SPARQL parser can say whether the
escaping is right.
"""

from __future__ import annotations

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from kb.errors import InputError
from kb.sparql.text import bind, bind_column, insert_data, iri, term, values_block, with_dataset
from kb.store import Store, open_store

EX = "https://example.org/sparql#"
A = URIRef(EX + "a")
B = URIRef(EX + "b")
P = URIRef(EX + "p")
G = "https://example.org/graph/sparql"
VALUES_A = f"VALUES (?o) {{ (<{EX}a>) }}"


# -- bind(): VALUES at the start of the outermost WHERE group -------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            "SELECT ?s WHERE { ?s ?p ?o }",
            f"SELECT ?s WHERE {{ {VALUES_A} ?s ?p ?o }}",
            id="plain",
        ),
        pytest.param(
            "PREFIX ex: <https://example.org/sparql#>\nSELECT ?s WHERE { ?s ex:p ?o }",
            "PREFIX ex: <https://example.org/sparql#>\n"
            f"SELECT ?s WHERE {{ {VALUES_A} ?s ex:p ?o }}",
            id="iri-with-hash-in-prefix",
        ),
        pytest.param(
            "SELECT ?s FROM <https://example.org/g#x> WHERE { ?s <https://e.org/v#p> ?o }",
            "SELECT ?s FROM <https://example.org/g#x> "  # noqa: S608 - SPARQL, not SQL
            f"WHERE {{ {VALUES_A} ?s <https://e.org/v#p> ?o }}",
            id="iri-with-hash-before-where",
        ),
        pytest.param(
            "# which { is it?\nSELECT ?s # not this { either\nWHERE { ?s ?p ?o }",
            f"# which {{ is it?\nSELECT ?s # not this {{ either\nWHERE {{ {VALUES_A} ?s ?p ?o }}",
            id="comments-with-braces",
        ),
        pytest.param(
            'SELECT (CONCAT("{", ?x, \'}{\', """{\n""") AS ?y) WHERE { ?s ?p ?o }',
            'SELECT (CONCAT("{", ?x, \'}{\', """{\n""") AS ?y) WHERE '
            f"{{ {VALUES_A} ?s ?p ?o }}",
            id="strings-with-braces",
        ),
        pytest.param(
            'SELECT (CONCAT("\\\\", "{") AS ?y) WHERE { ?s ?p ?o }',
            f'SELECT (CONCAT("\\\\", "{{") AS ?y) WHERE {{ {VALUES_A} ?s ?p ?o }}',
            id="string-ending-in-an-escaped-backslash",
        ),
        pytest.param(
            'SELECT (CONCAT("say \\"{\\"") AS ?y) WHERE { ?s ?p ?o }',
            f'SELECT (CONCAT("say \\"{{\\"") AS ?y) WHERE {{ {VALUES_A} ?s ?p ?o }}',
            id="string-with-escaped-quotes",
        ),
        pytest.param(
            "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?x } } ?s ?p ?o }",
            f"SELECT * WHERE {{ {VALUES_A} {{ SELECT ?s WHERE {{ ?s ?p ?x }} }} ?s ?p ?o }}",
            id="subquery",
        ),
        pytest.param(
            "SELECT ?s { ?s ?p ?o }",
            f"SELECT ?s {{ {VALUES_A} ?s ?p ?o }}",
            id="where-keyword-omitted",
        ),
        pytest.param(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {VALUES_A} ?s ?p ?o }}",
            id="construct-template-skipped",
        ),
    ],
)
def test_bind_puts_values_in_the_outermost_where_group(query: str, expected: str) -> None:
    assert bind(query, {"o": A}) == expected


def test_bind_without_bindings_leaves_the_query_alone() -> None:
    assert bind("SELECT * WHERE { ?s ?p ?o }", {}) == "SELECT * WHERE { ?s ?p ?o }"


def test_bind_needs_a_where_group() -> None:
    with pytest.raises(InputError, match="no WHERE group"):
        bind('SELECT ("{" AS ?x) # {', {"o": A})


def test_bind_refuses_names_that_are_not_variables() -> None:
    with pytest.raises(InputError, match="not a SPARQL variable"):
        bind("SELECT * WHERE { ?s ?p ?o }", {"o) } ?s ?p ?o . ?s <x> (?o": A})
    with pytest.raises(InputError, match="not a SPARQL variable"):
        bind_column("SELECT * WHERE { ?s ?p ?o }", "o }", [A])


def test_bound_queries_run_with_the_bound_values(store: Store) -> None:
    """The tricky queries above still parse once bound, and VALUES restricts the answers."""
    store.update(insert_data(G, [(A, P, Literal("1")), (B, P, Literal("2"))]))
    query = (
        "# which { is it?\n"
        "PREFIX ex: <https://example.org/sparql#>\n"
        'SELECT ?s (CONCAT("\\\\", "{", \'}\') AS ?y) # not { here\n'
        'WHERE { ?s ex:p ?o FILTER(?o != "{") }'
    )
    result = store.query(bind(query, {"s": B}))
    assert result.rows == ((B, Literal("\\{}")),)
    rows = store.query(bind_column("SELECT ?o WHERE { ?s ?p ?o }", "s", [A, B])).rows
    assert sorted(rows) == [(Literal("1"),), (Literal("2"),)]
    construct = bind(f"CONSTRUCT {{ ?s <{EX}q> ?o }} WHERE {{ ?s ?p ?o }}", {"s": A})
    assert store.query(construct).triples == ((A, URIRef(EX + "q"), Literal("1")),)


# -- term(): escaping literals --------------------------------------------------------------------
NASTY = [
    'double "quotes" inside',
    "single 'quotes' inside",
    "two\nlines",
    'ends with a quote"',
    'ends with a newline and a quote\n"',
    'three """ quotes',
    "back\\slash and \\n not a newline",
    "ends with a backslash\\",
    "carriage\rreturn and\ttab",
    "braces { } and a # hash",
    "unicode: é ü 中文 \u2028",
]
LITERALS = [
    *(Literal(text) for text in NASTY),
    *(Literal(text, lang="en") for text in NASTY[:3]),
    Literal("42", datatype=XSD.integer),
    Literal("2024-01-15", datatype=XSD.date),
    Literal('typed "x"\n', datatype=URIRef(EX + "type")),
]


def test_term_writes_sparql_syntax() -> None:
    assert term(A) == f"<{EX}a>"
    assert term(Literal('a "b"')) == '"a \\"b\\""'
    assert term(Literal("x", lang="en")) == '"x"@en'
    assert term(BNode("b0")) == "_:b0"


def test_literals_round_trip_through_a_real_query(store: Store) -> None:
    """Every literal bound with VALUES comes back unchanged, on every backend."""
    for literal in LITERALS:
        result = store.query(bind("SELECT ?v WHERE { }", {"v": literal}))
        assert result.rows == ((literal,),), repr(literal)


def test_literals_round_trip_through_insert_data(store: Store) -> None:
    triples = [(A, URIRef(f"{EX}p{i}"), literal) for i, literal in enumerate(LITERALS)]
    store.update(insert_data(G, triples))
    result = store.query(f"SELECT ?p ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")
    assert set(result.rows) == {(p, o) for _s, p, o in triples}


def test_a_literal_cannot_break_out_of_its_quotes() -> None:
    store = open_store("memory")
    store.update(insert_data(G, [(A, P, Literal("1"))]))
    sneaky = Literal('x" } ; DROP ALL ; INSERT DATA { <a:b> <a:c> "d')
    store.update(insert_data(G, [(B, P, sneaky)]))
    assert store.count(G) == 2
    assert store.query(bind("SELECT ?s WHERE { ?s ?p ?v }", {"v": sneaky})).rows == ((B,),)


def test_values_block_for_several_variables() -> None:
    block = values_block({"s": A, "o": Literal("x")})
    assert block == f'VALUES (?s ?o) {{ (<{EX}a> "x") }}'


# -- iri() ----------------------------------------------------------------------------------------
def test_iri_accepts_an_iri() -> None:
    assert iri(EX + "a") == f"<{EX}a>"
    assert iri("urn:uuid:1234#frag?x=1") == "<urn:uuid:1234#frag?x=1>"


@pytest.mark.parametrize(
    "value",
    [
        "https://e.org/a>",
        "<https://e.org/a",
        "https://e.org/a> } ; DROP ALL ; INSERT DATA { <x",
        "https://e.org/a b",
        "https://e.org/a\nb",
        "https://e.org/a\tb",
        'https://e.org/a"b',
        "https://e.org/{a}",
        "https://e.org/a|b",
        "https://e.org/a^b",
        "https://e.org/a`b",
        "https://e.org/a\\b",
        "",
    ],
)
def test_iri_refuses_characters_iris_cannot_hold(value: str) -> None:
    with pytest.raises(InputError, match="not a valid IRI"):
        iri(value)


# -- with_dataset(): WITH and USING around a rule -------------------------------------------------
RULE = """# If ?x ex:p ?y then ?y ex:q ?x.
PREFIX ex: <https://example.org/sparql#>

INSERT { ?y ex:q ?x }
WHERE {
  ?x ex:p ?y .
}"""


def test_with_dataset_adds_with_after_the_prologue_and_using_before_where() -> None:
    out = with_dataset(RULE, "https://e.org/target", ["https://e.org/one", "https://e.org/two"])
    assert out.splitlines() == [
        "# If ?x ex:p ?y then ?y ex:q ?x.",
        "PREFIX ex: <https://example.org/sparql#>",
        "",
        "WITH <https://e.org/target>",
        "INSERT { ?y ex:q ?x }",
        "USING <https://e.org/one>",
        "USING <https://e.org/two>",
        "WHERE {",
        "  ?x ex:p ?y .",
        "}",
    ]


def test_with_dataset_rule_reads_only_using_and_writes_only_with(store: Store) -> None:
    one, two, other, target = (f"https://example.org/graph/{n}" for n in ("1", "2", "x", "t"))
    store.update(insert_data(one, [(A, P, B)]))
    store.update(insert_data(two, [(B, P, A)]))
    store.update(insert_data(other, [(A, P, A)]))
    store.update(with_dataset(RULE, target, [one, two]))
    q = URIRef(EX + "q")
    result = store.query(f"SELECT ?s ?o WHERE {{ GRAPH <{target}> {{ ?s <{q}> ?o }} }}")
    assert set(result.rows) == {(B, A), (A, B)}
    assert store.count(target) == 2
    assert store.count(one) == store.count(two) == store.count(other) == 1


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param("INSERT { ?y <p:q> ?x } WHERE { ?x <p:p> ?y }", id="where-not-on-its-line"),
        pytest.param(
            "INSERT { ?y <p:q> ?x }\nWHERE {\n  { SELECT ?x ?y\n    WHERE { ?x <p:p> ?y } }\n}",
            id="two-where-lines",
        ),
        pytest.param("PREFIX ex: <https://e.org/>\nCLEAR ALL", id="no-where"),
    ],
)
def test_with_dataset_refuses_rules_without_exactly_one_where_line(rule: str) -> None:
    with pytest.raises(InputError, match="exactly one line starting with WHERE"):
        with_dataset(rule, "https://e.org/target", ["https://e.org/one"])


def test_with_dataset_refuses_invalid_graph_iris() -> None:
    with pytest.raises(InputError, match="not a valid IRI"):
        with_dataset(RULE, "https://e.org/t> DROP ALL <x", [])
    with pytest.raises(InputError, match="not a valid IRI"):
        with_dataset(RULE, "https://e.org/t", ["https://e.org/a b"])


def test_bind_column_skips_an_update_template() -> None:
    update = "INSERT { ?o <urn:p> <urn:q> } WHERE { ?o <urn:r> ?x }"
    bound = bind_column(update, "o", [URIRef("urn:a")])
    assert bound == "INSERT { ?o <urn:p> <urn:q> } WHERE { VALUES ?o { <urn:a> } ?o <urn:r> ?x }"
