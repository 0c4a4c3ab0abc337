"""The compiled SPARQL validation engine against pySHACL, the reference.

Both engines must give exactly the same results: on every example and every store backend, on
every minimal pair of the shape tests, on hypothesis-generated ecosystems with random gaps, and on
a small graph that exercises the SHACL features the compiler supports beyond what srkb's shapes use
today. A shape using a feature the compiler does not know must fail loudly, naming the shape and
the feature.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable, Iterator
from types import ModuleType

import pyshacl
import pytest
from hypothesis import HealthCheck, given, settings
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kb import resources
from kb.errors import InputError
from kb.interchange.loading import install_model, load_files, parse_stream, write_sources
from kb.namespaces import (
    HISTORY_GRAPH,
    PROVENANCE_GRAPH,
    SHAPES,
    SHAPES_GRAPH,
    SRKB,
    VALIDATION_GRAPH,
)
from kb.progress import Stage
from kb.reasoning.inference import infer
from kb.sparql.rewrite import rewrite_exists, rewrite_exists_in_subqueries
from kb.sparql.text import iri
from kb.store import Store, open_store
from kb.validation.compiled import (
    UnsupportedShapeError,
    compile_shapes,
    conforms,
    run,
)
from kb.validation.shacl import ENGINES, Finding, ValidationReport, reads_union, validate
from kb.validation.shacl_report import report_graph, report_triples
from kb.validation.threads import THREADS_VARIABLE, validation_threads
from tests.conftest import BACKENDS
from tests.shapes import conftest as shape_tests
from tests.shapes import (
    test_precondition_1_shapes,
    test_precondition_2_shapes,
    test_precondition_3_shapes,
    test_service_level_shapes,
    test_service_relationship_shapes,
    test_shape_files,
    test_shapes_on_inferred_data,
)
from tests.support.expected import example_names
from tests.support.generate import (
    GAP_KINDS,
    Component,
    Ecosystem,
    Gap,
    Practice,
    Relationship,
    ecosystems,
)

EXAMPLES = example_names()
DATA_GRAPH = "https://example.org/graph/data"

#: One top-level validation result, as both engines' raw report graphs are compared.
Result = tuple[str, str, str | None, str, str | None, str, frozenset[str]]


def results(report: Graph) -> Counter[Result]:
    """Every top-level result (not pySHACL's nested sh:detail ones) of a raw report graph."""

    def text(node: Node | None) -> str | None:
        return None if node is None else node.n3()

    found: Counter[Result] = Counter()
    for result in report.objects(None, SH.result):
        found[
            (
                str(report.value(result, SH.sourceShape)),
                str(report.value(result, SH.focusNode)),
                text(report.value(result, SH.value)),
                str(report.value(result, SH.resultSeverity)),
                text(report.value(result, SH.resultPath)),
                str(report.value(result, SH.sourceConstraintComponent)),
                frozenset(str(m) for m in report.objects(result, SH.resultMessage)),
            )
        ] += 1
    return found


def reference_report(data: Graph, shapes: Graph) -> Graph:
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=None, inference="none", advanced=True
    )
    assert isinstance(report, Graph)
    return report


def compiled_report(data: Graph, shapes: Graph) -> Graph:
    """The compiled engine on an rdflib graph: copied into an in-memory store first."""
    store = open_store("memory")
    try:
        store.replace_graph(DATA_GRAPH, list(data))
        found = run(store, [DATA_GRAPH], shapes)
    finally:
        store.close()
    return report_graph(report_triples(found, conforms(found), [BNode() for _ in found]))


def assert_same_results(data: Graph, shapes: Graph) -> Graph:
    """Both engines on the same graph give the same results; return pySHACL's report."""
    reference = reference_report(data, shapes)
    ours, theirs = results(compiled_report(data, shapes)), results(reference)
    assert ours == theirs, f"only pySHACL: {theirs - ours}\nonly compiled: {ours - theirs}"
    return reference


def assert_same_findings(ours: ValidationReport, theirs: ValidationReport) -> None:
    """The same findings (every field, duplicates counted) and the same verdict."""

    def show(findings: Counter[Finding]) -> str:
        return "\n  ".join(
            f"{f.sentence} [{f.source_shape} focus={f.focus} value={f.value} path={f.path}]"
            for f in findings
        )

    mine, reference = Counter(ours.findings), Counter(theirs.findings)
    assert mine == reference, (
        f"only pySHACL:\n  {show(reference - mine)}\nonly compiled:\n  {show(mine - reference)}"
    )
    assert ours.conforms == theirs.conforms


# --- examples, on every backend -------------------------------------------------------------------


#: pySHACL's report on each example, made once on the memory store: the examples hold no blank
#: nodes, so a finding reads the same on every backend, and every backend's compiled findings
#: must equal this one (a backend that changed the data, a datatype say, fails here too).
_PYSHACL_ON_EXAMPLE: dict[str, ValidationReport] = {}


def pyshacl_on_example(name: str, prepared: Callable[[str, str], Store]) -> ValidationReport:
    if name not in _PYSHACL_ON_EXAMPLE:
        _PYSHACL_ON_EXAMPLE[name] = validate(prepared(name, "memory"), save=False, engine="pyshacl")
    return _PYSHACL_ON_EXAMPLE[name]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", EXAMPLES)
def test_compiled_engine_finds_what_pyshacl_finds_on_example(
    name: str, backend: str, prepared: Callable[[str, str], Store]
) -> None:
    store = prepared(name, backend)
    assert_same_findings(
        validate(store, save=False, engine="sparql"), pyshacl_on_example(name, prepared)
    )


def test_sparql_is_the_default_engine(prepared: Callable[[str, str], Store]) -> None:
    store = prepared("broken-p1-unregistered-component", "memory")
    default = validate(store, save=False)
    assert default.findings
    assert_same_findings(default, validate(store, save=False, engine="sparql"))


_SAVED = f"""
PREFIX sh: <{SH}>
PREFIX srkb: <{SRKB}>
SELECT ?conforms ?focus ?shape ?severity ?value ?path ?precondition ?org
WHERE {{ GRAPH {iri(VALIDATION_GRAPH)} {{
  ?report sh:conforms ?conforms ; sh:result ?result .
  ?result sh:focusNode ?focus ; sh:sourceShape ?shape ; sh:resultSeverity ?severity ;
          srkb:precondition ?precondition .
  OPTIONAL {{ ?result sh:value ?value }}
  OPTIONAL {{ ?result sh:resultPath ?path }}
  OPTIONAL {{ ?result srkb:concernsOrganisation ?org }}
}} }}
"""


def test_compiled_report_is_saved_as_pyshacls_is(store: Store) -> None:
    """The validation graph (what CQ18 and the API read) holds the same results either way."""
    install_model(store)
    load_files(store, [resources.example_file("broken-p1-unregistered-component")])
    infer(store)
    saved = {}
    for engine in ENGINES:
        validate(store, save=True, engine=engine)
        saved[engine] = Counter(store.query(_SAVED).rows)
    assert saved["sparql"] == saved["pyshacl"]
    assert len(saved["sparql"]) == 10  # 4 violations, 6 warnings


# --- the minimal pairs of the shape tests ---------------------------------------------------------

MINIMAL_PAIR_MODULES = (
    test_precondition_1_shapes,
    test_precondition_2_shapes,
    test_precondition_3_shapes,
    test_service_level_shapes,
    test_service_relationship_shapes,
    test_shapes_on_inferred_data,
    test_shape_files,
)


#: The fixtures a minimal pair may ask for; this module provides each.
MINIMAL_PAIR_FIXTURES = frozenset({"base", "findings", "ontology_graph"})


def validating_shape_tests(
    modules: tuple[ModuleType, ...],
) -> Iterator[tuple[str, Callable[..., None]]]:
    """Every shape test that validates something (asks for the ``findings`` fixture)."""
    for module in modules:
        short = module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
        for name, function in sorted(vars(module).items()):
            if (
                name.startswith("test_")
                and inspect.isfunction(function)
                and "findings" in inspect.signature(function).parameters
            ):
                yield f"{short}::{name.removeprefix('test_')}", function


MINIMAL_PAIRS = [
    pytest.param(function, id=test_id)
    for test_id, function in validating_shape_tests(MINIMAL_PAIR_MODULES)
    if set(inspect.signature(function).parameters) <= MINIMAL_PAIR_FIXTURES
]


@pytest.fixture(scope="module")
def precondition_shapes() -> Graph:
    graph = Graph()
    for path in shape_tests.SHAPE_FILES:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    graph = Graph()
    for path in shape_tests.ONTOLOGY_FILES:
        graph.parse(path, format="turtle")
    return graph


def test_every_validating_shape_test_is_rerun_here() -> None:
    """No precondition shape test is left out for asking for a fixture this module lacks."""
    everything = list(validating_shape_tests(MINIMAL_PAIR_MODULES))
    assert len(MINIMAL_PAIRS) == len(everything) >= 35


@pytest.mark.parametrize("minimal_pair", MINIMAL_PAIRS)
def test_compiled_engine_agrees_on_minimal_pair(
    minimal_pair: Callable[..., None], precondition_shapes: Graph, ontology_graph: Graph
) -> None:
    """Run the shape test itself, with a validator that also checks the engines agree."""

    def findings(data: Graph, shacl_graph: Graph | None = None) -> frozenset[shape_tests.Finding]:
        shapes = precondition_shapes if shacl_graph is None else shacl_graph
        # owlrl's closure holds generalised triples ("label" owl:sameAs "label"), which are not
        # RDF and which no store accepts: both engines get the graph without them.
        rdf = Graph()
        for triple in data:
            if not isinstance(triple[0], Literal):
                rdf.add(triple)
        return shape_tests.findings_of(assert_same_results(rdf, shapes))

    arguments = {
        "base": Graph().parse(data=shape_tests.BASE_TTL, format="turtle"),
        "findings": findings,
        "ontology_graph": ontology_graph,
    }
    wanted = inspect.signature(minimal_pair).parameters
    minimal_pair(**{k: v for k, v in arguments.items() if k in wanted})


# --- generated ecosystems -------------------------------------------------------------------------


def prepared_ecosystem(ecosystem: Ecosystem) -> Store:
    store = open_store("memory")
    install_model(store)
    source = parse_stream(ecosystem.turtle().encode(), fmt="ttl", name="generated.ttl")
    write_sources(store, [source])
    infer(store)
    return store


def every_gap() -> Ecosystem:
    """Two organisations serving each other, complete but for one gap of every kind."""
    return Ecosystem(
        organisations=3,
        units=(),
        services=2,
        persons=1,
        relationships=(
            Relationship(0, 2, 0, (False, False, False)),
            Relationship(2, 0, 1, (False, False, False)),
        ),
        components=(Component(2, 0, 0, True, True, (False, False)),),
        created_from=((1, 0, False),),
        agent_links=(),
        practices=(Practice(2, True, True, True, True, "srkb:Accountable", 0),),
        catalogues=((2, (1,)),),
        explicit_types=True,
        gaps=tuple(Gap(kind, 0, 1) for kind in GAP_KINDS),
    )


def test_generated_gaps_set_off_the_shapes_they_aim_at() -> None:
    store = prepared_ecosystem(every_gap())
    try:
        ours = validate(store, save=False, engine="sparql")
        assert_same_findings(ours, validate(store, save=False, engine="pyshacl"))
    finally:
        store.close()
    shapes = {f.source_shape.rsplit("#", 1)[-1] for f in ours.findings}
    assert {
        "SR-RelationshipHasOneProvider",
        "SR-RelationshipHasOneConsumer",
        "SR-RelationshipHasOneService",
        "SR-ProviderIsNotConsumer",
        "P1-ComponentHasAgreement",
        "P1-ComponentRefersToOneService",
        "P2-ResponsibilityIsComplete",
    } <= shapes, shapes


def same_findings_on(ecosystem: Ecosystem) -> None:
    store = prepared_ecosystem(ecosystem)
    try:
        assert_same_findings(
            validate(store, save=False, engine="sparql"),
            validate(store, save=False, engine="pyshacl"),
        )
    finally:
        store.close()


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ecosystem=ecosystems(gaps=True))
def test_compiled_engine_agrees_on_generated_ecosystems(ecosystem: Ecosystem) -> None:
    """pySHACL runs each SPARQL constraint slowly: four ecosystems here, thirty more extended."""
    same_findings_on(ecosystem)


@pytest.mark.extended
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ecosystem=ecosystems(gaps=True))
def test_compiled_engine_agrees_on_more_generated_ecosystems(ecosystem: Ecosystem) -> None:
    same_findings_on(ecosystem)


# --- features beyond today's shapes ---------------------------------------------------------------

EX = "https://example.org/features#"
FEATURE_PREFIXES = """
@prefix ex:   <https://example.org/features#> .
@prefix shp:  <https://example.org/features/shapes#> .
@prefix sh:   <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""

FEATURE_DATA = (
    FEATURE_PREFIXES
    + """
ex:Special rdfs:subClassOf ex:Thing .
ex:a a ex:Thing ; ex:p ex:b , "lit" ; ex:q ex:b .
ex:b a ex:Special ; ex:p ex:c .
ex:c ex:p ex:a , ex:b .
ex:x a shp:Implicit . ex:y a shp:Implicit . ex:ok a shp:Implicit .
ex:d ex:r ex:e . ex:f ex:r ex:g . ex:g ex:s "1" .
"""
)

FEATURE_SHAPES = (
    FEATURE_PREFIXES
    + """
<https://example.org/features/shapes> sh:declare [ sh:prefix "ex" ;
    sh:namespace "https://example.org/features#"^^xsd:anyURI ] .

shp:NodeTargets a sh:NodeShape ;
    sh:targetNode ex:a , ex:z ;
    sh:nodeKind sh:BlankNode ;
    sh:message "is not a blank node"@en .

shp:Implicit a sh:NodeShape , rdfs:Class ;
    sh:in ( ex:ok ) ;
    sh:severity sh:Info ;
    sh:message "is not ex:ok"@en .

shp:Counts a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:property shp:CountsP , shp:CountsQ ;
    sh:message "unused: the nested shapes report"@en .
shp:CountsP sh:path ex:p ; sh:minCount 2 ; sh:nodeKind sh:IRI ;
    sh:message "needs two values of p, all IRIs"@en .
shp:CountsQ sh:path ex:q ; sh:maxCount 0 ; sh:deactivated true .

shp:Pointing a sh:PropertyShape ;
    sh:targetSubjectsOf ex:p ;
    sh:path ex:p ;
    sh:severity sh:Warning ;
    sh:message "{$this} and {?value} point at each other by {?path}"@en ;
    sh:sparql [
        sh:prefixes <https://example.org/features/shapes> ;
        sh:message "points back via {?other}" ;
        sh:select '''SELECT $this ?value ?other WHERE {
            $this $PATH ?value . ?value $PATH ?other . FILTER (sameTerm(?other, $this)) }''' ;
    ] .

shp:Reaching a sh:NodeShape ;
    sh:target [ a sh:SPARQLTarget ; sh:prefixes <https://example.org/features/shapes> ;
                sh:select "SELECT ?this WHERE { ?this ex:r ?any }" ] ;
    sh:node [ sh:property [ sh:path ex:r ;
        sh:node [ sh:property [ sh:path ex:s ; sh:minCount 1 ] ] ] ] ;
    sh:message "reaches something without ex:s"@en .

shp:Off a sh:NodeShape ; sh:targetClass ex:Thing ; sh:class ex:Nothing ; sh:deactivated true .

shp:Typed a sh:NodeShape ;
    sh:targetObjectsOf ex:p ;
    sh:class ex:Thing ;
    sh:message "is not a thing"@en .

shp:Apart a sh:PropertyShape ;
    sh:targetClass ex:Thing ;
    sh:path ex:p ;
    sh:disjoint ex:q ;
    sh:message "has the same value for p and q"@en .
"""
)


def test_compiled_engine_agrees_on_every_supported_feature() -> None:
    data = Graph().parse(data=FEATURE_DATA, format="turtle")
    shapes = Graph().parse(data=FEATURE_SHAPES, format="turtle")
    found = results(assert_same_results(data, shapes))
    sources = {r[0].rsplit("#", 1)[-1] for r in found}
    assert sources == {
        "NodeTargets",
        "Implicit",
        "CountsP",
        "Pointing",
        "Reaching",
        "Typed",
        "Apart",
    }
    messages = {m for r in found for m in r[6]}
    # Placeholders are filled from the SPARQL row only: ?path is not bound there.
    assert f"{EX}b and {EX}c point at each other by {{?path}}" in messages
    assert f"points back via {EX}b" in messages


# --- unsupported features fail loudly -------------------------------------------------------------

UNSUPPORTED = {
    "datatype": "shp:S sh:targetClass ex:Thing ; sh:path ex:p ; sh:datatype xsd:string .",
    "pattern": 'shp:S sh:targetClass ex:Thing ; sh:path ex:p ; sh:pattern "^a" .',
    "a sh:path that is not a single IRI": (
        "shp:S sh:targetClass ex:Thing ; sh:path ( ex:p ex:q ) ; sh:minCount 1 ."
    ),
    "or": "shp:S sh:targetClass ex:Thing ; sh:or ( [ sh:class ex:A ] [ sh:class ex:B ] ) .",
    "qualified": (
        "shp:S sh:targetClass ex:Thing ; sh:path ex:p ; "
        "sh:qualifiedValueShape [ sh:class ex:A ] ; sh:qualifiedMinCount 1 ."
    ),
    "a ConstraintComponent declaration": (
        "shp:C a sh:ConstraintComponent ; sh:parameter [ sh:path ex:flag ] ."
    ),
    "$shapesGraph/$currentShape": (
        'shp:S sh:targetClass ex:Thing ; sh:sparql [ sh:select "SELECT $this WHERE '
        '{ GRAPH $shapesGraph { $this ?p ?o } }" ] .'
    ),
    "MINUS": (
        'shp:S sh:targetClass ex:Thing ; sh:sparql [ sh:select "SELECT $this WHERE '
        '{ $this ?p ?o MINUS { $this a ?c } }" ] .'
    ),
    "sh:sparql in a shape reached by sh:node": (
        'shp:S sh:targetClass ex:Thing ; sh:node [ sh:sparql [ sh:select "SELECT $this '
        'WHERE { $this ?p ?o }" ] ] .'
    ),
}


@pytest.mark.parametrize("feature", UNSUPPORTED)
def test_unsupported_feature_raises_naming_shape_and_feature(feature: str) -> None:
    shapes = Graph().parse(data=FEATURE_PREFIXES + UNSUPPORTED[feature], format="turtle")
    with pytest.raises(UnsupportedShapeError) as raised:
        compile_shapes(shapes)
    assert feature in raised.value.feature
    assert "https://example.org/features/shapes#" in str(raised.value)
    assert "engine='pyshacl'" in str(raised.value)


def test_style_shapes_are_refused_not_skipped() -> None:
    """The ontology style rules use sh:pattern and qualified shapes: a clear error, not silence."""
    style = Graph().parse(shape_tests.STYLE_FILE, format="turtle")
    with pytest.raises(UnsupportedShapeError, match=r"shapes#OS-"):
        compile_shapes(style)


def test_every_precondition_shape_is_compiled(precondition_shapes: Graph) -> None:
    compiled = {str(c.shape) for c in compile_shapes(precondition_shapes)}
    assert compiled == {str(s) for s in test_shape_files.named_shapes(precondition_shapes)}


def test_validate_refuses_an_unsupported_shape_in_the_store() -> None:
    store = open_store("memory")
    try:
        install_model(store)
        shape = URIRef("https://example.org/features/shapes#S")
        store.update(
            f"INSERT DATA {{ GRAPH {iri(SHAPES_GRAPH)} {{ {shape.n3()} "
            f"<{SH.targetClass}> <{SRKB.ServiceConsumer}> ; <{SH.path}> <{SRKB.hasPractice}> ; "
            f'<{SH.pattern}> "^x" }} }}'
        )
        with pytest.raises(UnsupportedShapeError, match="pattern"):
            validate(store, save=False)
        assert validate(store, save=False, engine="pyshacl").conforms
    finally:
        store.close()


def test_unknown_engine_is_an_input_error(prepared: Callable[[str, str], Store]) -> None:
    with pytest.raises(InputError, match="unknown validation engine"):
        validate(prepared("campus", "memory"), save=False, engine="jena")  # type: ignore[arg-type]


# --- FILTER [NOT] EXISTS rewriting ---------------------------------------------------------------

REWRITTEN = {
    "not exists on a bound variable": (
        "SELECT $this ?v WHERE { $this ex:p ?v . FILTER NOT EXISTS { ?v ex:q $this } }",
        "MINUS { ?v ex:q $this }",
    ),
    "exists on a bound variable": (
        "SELECT $this WHERE { $this ex:p ?v . FILTER EXISTS { ?v ex:q ?w } }",
        "{ SELECT DISTINCT ?v WHERE { ?v ex:q ?w } }",
    ),
    "only $this shared, bound by the caller": (
        "SELECT $this WHERE { FILTER NOT EXISTS { $this ex:q ?w } }",
        "MINUS { $this ex:q ?w }",
    ),
    "not exists in a sub-SELECT": (
        "SELECT $this ?v WHERE { { SELECT DISTINCT $this ?v WHERE { "
        "$this ex:p ?v . FILTER NOT EXISTS { ?v ex:q ?w } } } }",
        "MINUS { ?v ex:q ?w }",
    ),
    "not exists over sub-SELECTs, on variables sub-SELECTs bind": (
        "SELECT $this ?v WHERE { { SELECT DISTINCT $this ?v WHERE { $this ex:p ?v } } "
        "FILTER NOT EXISTS { { SELECT DISTINCT ?v ?w WHERE { ?v ex:q ?w } } "
        "{ SELECT DISTINCT ?w WHERE { ?w ex:p ?x } } } }",
        "MINUS { { SELECT DISTINCT ?v WHERE {",
    ),
}

KEPT = {
    "shared variable bound only in an OPTIONAL": (
        "SELECT $this WHERE { OPTIONAL { $this ex:p ?v } FILTER NOT EXISTS { ?v ex:q ?w } }"
    ),
    "shared variable bound only by BIND": (
        "SELECT $this WHERE { $this ex:p ?x BIND (?x AS ?v) FILTER NOT EXISTS { ?v ex:q ?w } }"
    ),
    "no shared variable (a global test)": (
        "SELECT $this WHERE { $this ex:p ?b . FILTER NOT EXISTS { ?c ex:q ?d } }"
    ),
    "a FILTER inside": (
        "SELECT $this WHERE { $this ex:p ?v . FILTER NOT EXISTS { ?v ex:q ?w FILTER (?w > 1) } }"
    ),
    "a nested group inside": (
        "SELECT $this WHERE { $this ex:p ?v . "
        "FILTER NOT EXISTS { { ?v ex:q ?w } UNION { ?v ex:r ?w } } }"
    ),
    "not in the outermost group": (
        "SELECT $this WHERE { { $this ex:p ?v . FILTER NOT EXISTS { ?v ex:q ?w } } "
        "UNION { $this ex:r ?v } }"
    ),
    "a keyword inside a string is not code": (
        'SELECT $this WHERE { $this ex:p "FILTER NOT EXISTS { $this ex:q ?w }" }'
    ),
    "shared variable bound only by a sub-SELECT in an OPTIONAL": (
        "SELECT $this WHERE { $this ex:p ?b "
        "OPTIONAL { SELECT DISTINCT ?b ?v WHERE { ?b ex:q ?v } } FILTER NOT EXISTS { ?v ex:p ?w } }"
    ),
    "shared variable bound only by a sub-SELECT in a UNION": (
        "SELECT $this WHERE { { SELECT $this ?v WHERE { $this ex:p ?v } } UNION { $this ex:r ?b } "
        "FILTER NOT EXISTS { ?v ex:q ?w } }"
    ),
    "a sub-SELECT inside that leaves a projected variable unbound": (
        "SELECT $this WHERE { $this ex:p ?v . FILTER NOT EXISTS { "
        "{ SELECT DISTINCT ?v ?w WHERE { ?v ex:q ?x OPTIONAL { ?x ex:q ?w } } } } }"
    ),
}
#: Kept as well, but not run on both engines: rdflib and Oxigraph differ on these (an aggregate in a
#: sub-SELECT under EXISTS; an outer row's value of a variable a sub-SELECT does not project).
KEPT_ONLY = {
    "a sub-SELECT inside that is not plain (an aggregate)": (
        "SELECT $this WHERE { $this ex:p ?v . FILTER NOT EXISTS { "
        "{ SELECT DISTINCT ?v (COUNT(?w) AS ?n) WHERE { ?v ex:q ?w } GROUP BY ?v } } }"
    ),
    "a variable internal to a sub-SELECT inside is used outside": (
        "SELECT $this WHERE { $this ex:p ?w . "
        "FILTER NOT EXISTS { { SELECT DISTINCT $this WHERE { $this ex:q ?w } } } }"
    ),
}


@pytest.mark.parametrize("case", REWRITTEN)
def test_filter_exists_over_a_basic_pattern_is_rewritten(case: str) -> None:
    query, expected = REWRITTEN[case]
    rewritten = rewrite_exists(rewrite_exists_in_subqueries(query), bound=("this",))
    assert expected in rewritten
    assert "EXISTS" not in rewritten


@pytest.mark.parametrize("case", [*KEPT, *KEPT_ONLY])
def test_filter_exists_is_kept_where_minus_could_differ(case: str) -> None:
    query = {**KEPT, **KEPT_ONLY}[case]
    assert rewrite_exists(rewrite_exists_in_subqueries(query), bound=("this",)) == query


def test_precondition_constraints_are_rewritten(precondition_shapes: Graph) -> None:
    """srkb's own SPARQL constraints all qualify, which is what makes them fast.

    All but four, which keep an EXISTS on purpose, each checking a few focus nodes found by
    counting: the type clash check's two about ``?kind`` and ``?value`` (not ``$this`` alone, so
    not rewritten), the nodes of two disjointness classes; the "has one" checks' one with a
    FILTER NOT EXISTS in it, the relationships with two values. As joins, the engine would join
    every type statement, or every relationship's values, with every other first.
    """
    kept = {
        SHAPES[name]
        for name in (
            "SR-NoDisjointTypes",
            "SR-RelationshipHasOneProvider",
            "SR-RelationshipHasOneConsumer",
            "SR-RelationshipHasOneService",
        )
    }
    for compiled in compile_shapes(precondition_shapes):
        if any(b.sparql_constraint is not None for b in compiled.branches):
            assert ("EXISTS" in compiled.query) == (compiled.shape in kept), compiled.shape


REWRITE_DATA = (
    FEATURE_PREFIXES
    + """
ex:a ex:p ex:b . ex:b ex:q ex:a .
ex:c ex:p ex:d . ex:d ex:q ex:x .
ex:e ex:p ex:f .
ex:g ex:r ex:h .
"""
)


#: The ``ex:`` prefix declared for the SPARQL of a test's shapes.
DECLARE_EX = """<https://example.org/features/shapes> sh:declare [ sh:prefix "ex" ;
    sh:namespace "https://example.org/features#"^^xsd:anyURI ] .
"""


@pytest.mark.parametrize("query", [q for q, _ in REWRITTEN.values()] + list(KEPT.values()))
def test_rewritten_or_not_both_engines_agree(query: str) -> None:
    """Every rewriting case as a SPARQL constraint: the compiled engine still agrees."""
    shapes = Graph().parse(
        data=FEATURE_PREFIXES
        + DECLARE_EX
        + """
shp:S a sh:NodeShape ;
    sh:targetSubjectsOf ex:p , ex:r ;
    sh:message "breaks the rule"@en ;
    sh:sparql [ sh:prefixes <https://example.org/features/shapes> ; sh:select ?query ] .
""".replace("?query", Literal(query).n3()),
        format="turtle",
    )
    assert_same_results(Graph().parse(data=REWRITE_DATA, format="turtle"), shapes)


# --- union default graph --------------------------------------------------------------------------


def shapes_and_data(store: Store) -> tuple[Graph, list[str]]:
    """The store's shapes graph, and the graphs validate() reads as data."""
    shapes = Graph()
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri(SHAPES_GRAPH)} {{ ?s ?p ?o }} }}"
    for triple in store.query(query).triples:
        shapes.add(triple)
    own = {SHAPES_GRAPH, VALIDATION_GRAPH, HISTORY_GRAPH, PROVENANCE_GRAPH}
    return shapes, [g for g in store.graphs() if g not in own]


def assert_union_agrees(store: Store) -> int:
    validate(store, save=True)
    validate(store, save=True)
    assert {VALIDATION_GRAPH, SHAPES_GRAPH} <= set(store.graphs())
    shapes, data = shapes_and_data(store)
    on_data = run(store, data, shapes)
    on_union = run(store, data, shapes, union=True)
    assert sorted(map(repr, on_union)) == sorted(map(repr, on_data))
    return len(on_union)


@pytest.mark.parametrize("name", EXAMPLES)
def test_union_default_graph_gives_the_findings_of_the_data_graphs(
    name: str, prepared: Callable[[str, str], Store]
) -> None:
    """srkb's own graphs (shapes, the saved report, its history) never match a shape's patterns.

    ``validate`` reads the embedded store's union default graph when only those graphs lie outside
    the data: after two saved runs (a report and a history in the store), evaluating each shape
    on the union gives exactly the results of evaluating it on the data graphs alone.
    """
    assert_union_agrees(prepared(name, "disk"))


def test_union_default_graph_agrees_on_every_gap() -> None:
    assert assert_union_agrees(prepared_ecosystem(every_gap())) >= len(GAP_KINDS)


def test_the_provenance_graph_is_srkbs_own_not_data(prepared: Callable[[str, str], Store]) -> None:
    """A Graph Store write's provenance record neither turns the union off nor counts as data.

    After the first write through the API the provenance graph is in the store; validation still
    reads the union default graph, and finds there what the data graphs alone give.
    """
    store = prepared("broken-p1-unregistered-component", "memory")
    store.update(
        f"INSERT DATA {{ GRAPH {iri(PROVENANCE_GRAPH)} {{ <https://example.org/g> a "
        "<http://www.w3.org/ns/prov#Entity> ; <http://purl.org/dc/terms/format> 'ttl' } }"
    )
    graphs = [g for g in store.graphs() if g not in {SHAPES_GRAPH, PROVENANCE_GRAPH}]
    assert reads_union(store, set(store.graphs()), graphs)
    assert assert_union_agrees(store) > 0


# --- focused runs (re-validation after a write) ---------------------------------------------------


def assert_focused_agrees(store: Store, every: int) -> int:
    """Each shape run on every ``every``-th resource gives the whole run's results for them."""
    shapes, data = shapes_and_data(store)
    nodes = sorted(
        {
            row[0]
            for row in store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }").rows
        },
        key=str,
    )
    checked = 0
    for start in range(every):
        foci = set(nodes[start::every])
        whole = {r for r in run(store, data, shapes) if r.focus in foci}
        focused = set(run(store, data, shapes, foci=foci))
        assert sorted(map(repr, focused)) == sorted(map(repr, whole))
        checked += len(whole)
    return checked


def test_a_focused_run_gives_the_whole_runs_results_for_its_focus_nodes(
    prepared: Callable[[str, str], Store],
) -> None:
    """The focus nodes bound in targets and in MINUS parts change no result of theirs."""
    assert assert_focused_agrees(prepared_ecosystem(every_gap()), 3) >= len(GAP_KINDS)
    assert_focused_agrees(prepared("campus", "memory"), 2)  # service levels, practices


@pytest.mark.extended
@pytest.mark.parametrize("name", EXAMPLES)
def test_a_focused_run_agrees_on_example(name: str, prepared: Callable[[str, str], Store]) -> None:
    assert_focused_agrees(prepared(name, "memory"), 2)


def test_focus_nodes_are_bound_inside_the_negated_parts_about_them() -> None:
    """A MINUS about the focus node gets the focus nodes; one about other variables does not."""
    shapes = Graph().parse(
        data=FEATURE_PREFIXES
        + """
shp:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path ex:p ; sh:minCount 1 ] ;
    sh:property [ sh:path ex:q ; sh:class ex:D ] .
""",
        format="turtle",
    )
    (shape,) = compile_shapes(shapes)
    query = shape.focused({URIRef("https://example.org/features#a")})
    # two per target, one in the MINUS about ?this, one in the scan of ex:q's values (the
    # sub-SELECT that a full run hashes, a triple pattern here); none in the MINUS about ?v
    assert query.count("VALUES ?this") == 2 * 2 + 1 + 1, query
    about_value = query[query.index("MINUS { { ?value a") :]
    assert "VALUES ?this" not in about_value[: about_value.index("BIND")], query
    assert query.count("SELECT") == 1 + 2, query  # the scan is a triple pattern here


def test_focus_nodes_are_bound_inside_a_sparql_target() -> None:
    """A SPARQL-based target that counts over the data (as the type clash check's does) gets the
    focus nodes inside it: a focused run counts for them only, with the same results."""
    shapes = Graph().parse(
        data=FEATURE_PREFIXES
        + DECLARE_EX
        + """
shp:S a sh:NodeShape ;
    sh:target [ a sh:SPARQLTarget ; sh:prefixes <https://example.org/features/shapes> ;
        sh:select "SELECT $this WHERE { $this ex:p ?o } GROUP BY $this HAVING (COUNT(?o) > 1)" ] ;
    sh:property [ sh:path ex:q ; sh:minCount 1 ] .
""",
        format="turtle",
    )
    data = Graph().parse(
        data=FEATURE_PREFIXES
        + "ex:a ex:p 1, 2 . ex:b ex:p 1 . ex:c ex:p 1, 2 ; ex:q 1 . ex:d ex:p 1, 2, 3 .",
        format="turtle",
    )
    (shape,) = compile_shapes(shapes)
    a, b, d = (URIRef(f"https://example.org/features#{n}") for n in "abd")
    focused = shape.focused({a, b})
    grouped = focused.index("GROUP BY")
    target = focused.rindex("SELECT $this WHERE {", 0, grouped)
    assert focused[target:grouped].count("VALUES ?this") == 1, focused
    store = open_store("memory")
    try:
        store.replace_graph(DATA_GRAPH, list(data))
        assert {r.focus for r in run(store, [DATA_GRAPH], shapes)} == {a, d}
        assert {r.focus for r in run(store, [DATA_GRAPH], shapes, foci={a, b})} == {a}
        assert {r.focus for r in run(store, [DATA_GRAPH], shapes, foci={b})} == set()
    finally:
        store.close()
    assert sum(results(reference_report(data, shapes)).values()) == 2  # pySHACL agrees


def test_a_focused_run_turns_whole_property_scans_into_lookups() -> None:
    """A sub-SELECT of triples and MINUS blocks becomes triples and FILTER NOT EXISTS, its own
    variables renamed apart; anything else (an aggregate, a nested group, a MINUS about a
    projected variable its triples do not bind) stays a sub-SELECT."""
    from kb.validation.focus import inline_subselects

    flat = inline_subselects(
        "SELECT DISTINCT ?this WHERE { { SELECT DISTINCT ?a ?v WHERE { ?a <urn:t> ?v . "
        "MINUS { ?v <urn:m> ?m } } } ?this <urn:p> ?a . ?m <urn:q> ?this }"
    )
    assert "SELECT DISTINCT ?a" not in flat
    assert "?a <urn:t> ?v . FILTER NOT EXISTS {  ?v <urn:m> ?m_inl1  }" in flat
    assert "?m <urn:q> ?this" in flat, "the outer ?m is another variable"
    kept = [
        "SELECT ?this WHERE { { SELECT ?a WHERE { ?a <urn:t> ?v } GROUP BY ?a } }",
        "SELECT ?this WHERE { { SELECT ?a WHERE { ?a <urn:t> ?v OPTIONAL { ?v <urn:u> ?w } } } }",
        "SELECT ?this WHERE { { SELECT ?a ?b WHERE { ?a <urn:t> ?v MINUS { ?b <urn:m> ?v } } } }",
    ]
    for query in kept:
        assert inline_subselects(query) == query


def test_a_focused_run_checks_a_minus_row_by_row_only_where_that_removes_the_same_rows() -> None:
    from kb.validation.focus import minus_to_filters

    shared = "SELECT ?this WHERE { ?this <urn:p> ?v . MINUS { ?v <urn:m> ?x } }"
    assert "FILTER NOT EXISTS { ?v <urn:m> ?x }" in minus_to_filters(shared)
    kept = [
        # nothing shared: MINUS removes nothing, a filter would remove every row
        "SELECT ?this WHERE { ?this <urn:p> ?v . MINUS { ?w <urn:m> ?x } }",
        # ?w is bound only after the MINUS: MINUS does not see it, a filter would
        "SELECT ?this WHERE { ?this <urn:p> ?v . MINUS { ?v <urn:m> ?w } ?this <urn:q> ?w }",
        # ?v may be unbound on the left (OPTIONAL)
        "SELECT ?this WHERE { ?this <urn:p> ?a OPTIONAL { ?a <urn:o> ?v } "
        "MINUS { ?v <urn:m> ?x } }",
        # ?x also lives outside the group (the left side of an OPTIONAL sees into its filters)
        "SELECT ?this WHERE { ?this <urn:r> ?x OPTIONAL { ?this <urn:p> ?v . "
        "MINUS { ?v <urn:m> ?x } } }",
    ]
    for query in kept:
        assert minus_to_filters(query) == query


# --- shapes run side by side ----------------------------------------------------------------------


@pytest.mark.parametrize("threads", [2, 5])
def test_shapes_run_in_threads_give_the_serial_results_in_the_serial_order(threads: int) -> None:
    """Threads change when each shape's query runs, never what the report says or its order.

    The rows of one query come in the engine's order (Oxigraph's hash joins do not fix it, even
    between two serial runs), so the order checked is the shapes' order.
    """
    store = prepared_ecosystem(every_gap())
    try:
        shapes, data = shapes_and_data(store)
        compiled = [shape for shape in compile_shapes(shapes) if shape.branches]
        stages: list[Stage] = []
        serial = run(store, data, shapes, compiled=compiled, threads=1)
        side_by_side = run(
            store, data, shapes, compiled=compiled, threads=threads, progress=stages.append
        )
    finally:
        store.close()
    assert len(serial) >= len(GAP_KINDS)
    assert Counter(map(repr, side_by_side)) == Counter(map(repr, serial))
    position = {id(branch): i for i, shape in enumerate(compiled) for branch in shape.branches}
    shape_order = [position[id(result.branch)] for result in side_by_side]
    assert shape_order == sorted(shape_order), "results left their shapes' order"
    counts = [stage.done for stage in stages]
    assert counts == sorted(counts), "progress went backwards"
    assert stages[-1].finished
    assert counts == list(range(stages[-1].total + 1)), "one stage a shape, then the finished one"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("1", 1), ("3", 3), (" 2 ", 2), ("", None), ("0", "error"), ("x", "error")],
)
def test_the_validation_threads_setting_is_read_and_checked(
    monkeypatch: pytest.MonkeyPatch, setting: str, expected: int | str | None
) -> None:
    monkeypatch.setenv(THREADS_VARIABLE, setting)
    if expected == "error":
        with pytest.raises(InputError, match=THREADS_VARIABLE):
            validation_threads()
    elif expected is None:  # unset: one thread a core, at most four
        assert 1 <= validation_threads() <= 4
    else:
        assert validation_threads() == expected


def test_the_compiled_queries_do_not_depend_on_blank_node_labels() -> None:
    """Each parse of the shapes names their blank nodes anew; the queries come out the same.

    Otherwise the reach of each query, kept on disk under a digest of its text, is never found
    again: every start's first write parsed the shapes' queries again (about 1 s).
    """

    def compiled_queries() -> list[str]:
        store = open_store("memory")  # the store labels the blank nodes it parses at random
        try:
            install_model(store)
            shapes, _data = shapes_and_data(store)
        finally:
            store.close()
        return [shape.query for shape in compile_shapes(shapes)]

    first, second = compiled_queries(), compiled_queries()
    assert any("srkb_branch" in query for query in first), "no shape with several branches"
    assert first == second
