"""Importing ecosystems from YAML, workbooks and CSV files, and exporting them back.

What is pinned here: every example's YAML gives exactly its Turtle graph; export then import gives
the same graph in every format; every kind of problem is reported with its exact file, sheet, row,
column (YAML: line) and words; a failed import leaves the store unchanged; and random mutations of
valid input either import or raise the typed error, never anything else, never a half write.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.namespace import RDF, RDFS

from kb import resources
from kb.interchange.importing import (
    ImportValidationError,
    import_files,
    parse_tabular,
    parse_tabular_file,
)
from kb.interchange.loading import parse_file, write_sources
from kb.interchange.tabular_export import (
    TabularDocument,
    document_from_graph,
    export_tabular,
    reference_markdown,
    render,
    template_xlsx,
    template_yaml,
    to_xlsx,
    write_template,
)
from kb.interchange.tabular_mapping import KIND_BY_NAME, KINDS, RDF_TYPE
from kb.namespaces import source_graph
from kb.store import Store, open_store
from kb.store.source import ParsedSource

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(
    p.name for p in resources.examples_dir().iterdir() if (p / f"{p.name}.ttl").exists()
)
SRKB = Namespace("https://w3id.org/srkb#")
EX = Namespace("https://example.org/eco#")


def graph_of(source: ParsedSource) -> Graph:
    """The triples of a parsed source as an rdflib graph, via N-Triples as a store gives them."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in source.quads]
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def turtle_graph(name: str) -> Graph:
    return graph_of(parse_file(resources.example_file(name)))


def assert_same_graph(expected: Graph, actual: Graph) -> None:
    if isomorphic(expected, actual):
        return
    a, b = to_isomorphic(expected), to_isomorphic(actual)
    missing, extra = sorted(map(str, a - b))[:10], sorted(map(str, b - a))[:10]
    pytest.fail(f"graphs differ; missing {missing}; extra {extra}")


def problems_of(action: Callable[[], object]) -> list[tuple[object, ...]]:
    with pytest.raises(ImportValidationError) as caught:
        action()
    return [
        (p.where.sheet, p.where.row, p.where.column, p.where.cell, p.message)
        for p in caught.value.problems
    ]


# -- the mapping ----------------------------------------------------------------------------------


def test_the_mapping_names_only_declared_ontology_terms() -> None:
    ontology = Graph()
    for path in resources.ontology_files():
        ontology.parse(path, format="turtle")
    declared = set(ontology.subjects(RDF.type, None))
    used = {URIRef(c) for kind in KINDS for c in kind.classes}
    used |= {URIRef(c.predicate) for kind in KINDS for c in kind.columns if c.predicate != RDF_TYPE}
    used |= {URIRef(iri) for kind in KINDS for c in kind.columns for iri in c.choices.values()}
    used -= {RDFS.label}
    assert sorted(used - declared) == []


def test_the_mapping_is_consistent() -> None:
    directions: dict[str, set[bool]] = {}
    for kind in KINDS:
        assert len(set(kind.headers)) == len(kind.headers), kind.name
        assert kind.classes, kind.name
        for column in kind.columns:
            assert set(column.refers_to) <= set(KIND_BY_NAME), (kind.name, column.name)
            assert (column.value == "reference") == bool(column.refers_to), column.name
            assert (column.value == "choice") == bool(column.choices), column.name
            directions.setdefault(column.predicate, set()).add(column.inverse)
    # A property is stated from the row in some kinds or from the value in others, never both:
    # the exporter places each triple by the kind of its subject, or else of its object.
    assert {p: d for p, d in directions.items() if len(d) > 1} == {}
    classes = [c for kind in KINDS for c in kind.classes]
    assert len(classes) == len(set(classes)), "a class belongs to one kind"


def test_the_docs_describe_every_kind_and_column_of_the_mapping() -> None:
    docs = (ROOT / "docs" / "import-format.md").read_text(encoding="utf-8")
    assert reference_markdown() in docs, (
        "docs/import-format.md is out of step with kb/interchange/tabular_mapping.py: "
        "replace its reference section with kb.interchange.tabular_export.reference_markdown()"
    )
    example = re.search(r"```yaml\n(.*?)```", docs, re.DOTALL)
    assert example is not None
    assert len(parse_tabular(example.group(1).encode(), "yaml", name="docs.yaml")) > 0


# -- examples and round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_in_yaml_gives_the_graph_of_its_turtle(name: str) -> None:
    path = resources.examples_dir() / name / f"{name}.yaml"
    assert_same_graph(turtle_graph(name), graph_of(parse_tabular_file(path)))


@pytest.mark.parametrize("fmt", ["yaml", "xlsx", "csv"])
@pytest.mark.parametrize("name", EXAMPLES)
def test_export_then_import_gives_the_same_graph(name: str, fmt: str) -> None:
    store = open_store("memory")
    (loaded,) = write_sources(store, [parse_file(resources.example_file(name))])
    exported = export_tabular(store, fmt, graph=loaded.graph)
    assert exported.left_out == ()
    imported = parse_tabular(exported.data, fmt, name=f"{name}.{fmt}")
    assert_same_graph(turtle_graph(name), graph_of(imported))


def test_export_of_every_source_merges_them() -> None:
    store = open_store("memory")
    write_sources(
        store, [parse_file(resources.example_file(n)) for n in ("campus", "cloud-three-tier")]
    )
    exported = export_tabular(store, "yaml")
    merged = turtle_graph("campus") + turtle_graph("cloud-three-tier")
    # Two namespaces: the ids of the less common one are written as full IRIs.
    assert_same_graph(merged, graph_of(parse_tabular(exported.data, "yaml", name="both.yaml")))


def test_what_the_formats_cannot_hold_is_listed_never_dropped_silently() -> None:
    graph = turtle_graph("cloud-three-tier")
    ns = Namespace("https://example.org/cloud-three-tier#")
    graph.add((ns.IaaSCo, RDFS.label, Literal("Stratus IaaS", lang="de")))
    graph.add((ns.IaaSCo, RDFS.comment, Literal("not mapped")))
    graph.add((ns.IaaSCo, SRKB.ownsResource, BNode()))
    graph.add((ns["rel-x"], RDF.type, SRKB.ServiceRelationship))  # no provider, consumer...
    graph.add((ns["rel-x"], RDFS.label, Literal("half a relationship", lang="en")))
    doc = document_from_graph(graph)
    reasons = sorted(item.reason for item in doc.left_out)
    incomplete = (
        "its relationship has no provider, consumer, service, which the import format requires"
    )
    assert reasons == sorted(
        [
            "'label' holds text in the file's language (en)",
            "no column holds rdfs:comment on organisations",
            "blank nodes have no id; give the thing an IRI",
            incomplete,  # its label
            incomplete,  # its rdf:type
        ]
    ), doc.left_out
    back = graph_of(parse_tabular(render(doc, "yaml"), "yaml", name="cloud.yaml"))
    assert_same_graph(turtle_graph("cloud-three-tier"), back)


# -- the template ----------------------------------------------------------------------------------


def test_the_yaml_template_is_a_small_ecosystem_that_imports_cleanly() -> None:
    text = template_yaml()
    data = yaml.safe_load(text)
    for kind in KINDS:
        rows = data[kind.name]
        assert rows, kind.name
        assert set(rows[0]) <= set(kind.headers)
        for column in kind.headers:
            assert re.search(rf"^#   {column}\s", text, re.MULTILINE), (kind.name, column)
    assert len(parse_tabular(text.encode(), "yaml", name="template.yaml")) > 90


def test_the_workbook_template_has_every_sheet_and_header_and_no_rows() -> None:
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    assert workbook.sheetnames == ["about", *(k.name for k in KINDS)]
    for kind in KINDS:
        rows = list(workbook[kind.name].iter_rows(values_only=True))
        assert rows == [kind.headers]
        assert workbook[kind.name]["A1"].comment is not None
    assert len(parse_tabular(template_xlsx(), "xlsx", name="template.xlsx")) == 0


def test_write_template_refuses_to_overwrite(tmp_path: Path) -> None:
    written = write_template(tmp_path)
    assert sorted(p.name for p in written) == ["srkb-ecosystem.xlsx", "srkb-ecosystem.yaml"]
    with pytest.raises(Exception, match="already exist"):
        write_template(tmp_path)
    write_template(tmp_path, force=True)


# -- located problems: YAML ------------------------------------------------------------------------

BAD_YAML = """\
base: https://example.org/eco#
language: en
organisations:
  - id: IT
    label: IT Department
  - id: Finance
    unit: X
  - label: Nameless
services:
  - id: WorkplaceIT
  - id: IT
relationships:
  - id: rel-1
    provider: IT
    consumer: Finanse
    service: WorkplaceIT
  - id: rel-2
    provider: WorkplaceIT
    consumer: [IT, Finance]
responsibilities:
  - id: resp-1
    kind: acountable
contacts:
  - id: c1
    email: not-an-address
components:
  - id: comp 1
  - id: comp-2
    vendor: xx:NetCo
organisatons: []
"""


def line(text: str, snippet: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), start=1) if snippet in ln)


def test_every_problem_in_a_yaml_file_is_reported_with_line_item_and_key() -> None:
    with pytest.raises(ImportValidationError) as caught:
        parse_tabular(BAD_YAML.encode(), "yaml", name="eco.yaml")
    got = [
        (p.where.line, p.where.sheet, p.where.row, p.where.column, p.message, p.hint)
        for p in caught.value.problems
    ]
    at = lambda snippet: line(BAD_YAML, snippet)  # noqa: E731
    assert got == [
        (at("unit: X"), "organisations", 2, "unit", "'organisations' has no column 'unit'",
         "did you mean 'units'?"),
        (at("label: Nameless"), "organisations", 3, "id", "the row has no id",
         "give it a short id, unique in the file"),
        (11, "services", 2, "id",
         "the id 'IT' is already used (eco.yaml: line 4, organisations item 1, key 'id')",
         "every row needs its own id"),
        (at("consumer: Finanse"), "relationships", 1, "consumer",
         "there is no organisation or unit with the id 'Finanse'", "did you mean 'Finance'?"),
        (at("id: rel-2"), "relationships", 2, "service",
         "'service' is required: the service provided and consumed", None),
        (at("provider: WorkplaceIT"), "relationships", 2, "provider",
         "'WorkplaceIT' is a service, but 'provider' needs an organisation or unit", None),
        (at("consumer: [IT, Finance]"), "relationships", 2, "consumer",
         "'consumer' takes one value, but has 2: IT, Finance",
         "make one relationship row per consumer"),
        (at("kind: acountable"), "responsibilities", 1, "kind",
         "'acountable' is not one of: responsible, accountable, consulted, informed",
         "did you mean 'accountable'?"),
        (at("email: not-an-address"), "contacts", 1, "email",
         "'not-an-address' is not an e-mail address such as desk@example.org", None),
        (at("id: comp 1"), "components", 1, "id", "the id 'comp 1' contains spaces",
         "use e.g. 'comp-1'"),
        (at("vendor: xx:NetCo"), "components", 2, "vendor",
         "'xx:NetCo' uses the prefix 'xx', which is not declared",
         "declare it under 'prefixes', or write the full IRI"),
        (at("organisatons"), "organisatons", None, None,
         "'organisatons' is not a kind of thing srkb imports", "did you mean 'organisations'?"),
    ]  # fmt: skip
    first = str(caught.value.problems[0])
    assert first == (
        "eco.yaml: line 7, organisations item 2, key 'unit': 'organisations' has no column 'unit' "
        "(did you mean 'units'?)"
    )
    assert str(caught.value).startswith(
        "12 problems found; nothing was imported:\n  eco.yaml: line 7"
    )


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("base: [x\n", 2, "this is not valid YAML"),
        ("", None, "the file is empty"),
        ("- just a list\n", 1, "the file should be a mapping of sections"),
        ("organisations: [{id: A}]\n", None, "the file declares no base IRI for its ids"),
        ("base: not an iri\n", 1, "the base 'not an iri' is not an absolute IRI"),
        ("base: https://x.org/#\nlanguage: e n\n", 2, "'e n' is not a language tag"),
        ("base: https://x.org/#\norganisations: {id: A}\n", 2, "should be a list of rows"),
        ("base: https://x.org/#\norganisations: [{id: A, label: {x: 1}}]\n", 2, "not a mapping"),
        (
            "base: https://x.org/#\nunits: &a [{id: A}]\npersons: *a\n",
            3,
            "aliases (*name) are not supported",
        ),
        ("base: https://x.org/#\norganisations: [{id: A, id: B}]\n", 2, "appears twice"),
    ],
)
def test_a_yaml_file_that_cannot_be_read_is_one_located_problem(
    text: str, where: int | None, words: str
) -> None:
    with pytest.raises(ImportValidationError) as caught:
        parse_tabular(text.encode(), "yaml", name="x.yaml")
    problem = caught.value.problems[0]
    assert words in problem.message
    assert problem.where.line == where
    assert problem.where.file == "x.yaml"


def test_yaml_values_are_read_as_written() -> None:
    text = b"""base: https://example.org/eco#
language: none
agreements:
  - {id: a1, label: no, reference: 007}
  - {id: a2, label: "2024", reference: 1.50}
"""
    graph = graph_of(parse_tabular(text, "yaml", name="eco.yaml"))
    assert (EX.a1, RDFS.label, Literal("no")) in graph
    assert (EX.a1, SRKB.agreementReference, Literal("007")) in graph
    assert (EX.a2, SRKB.agreementReference, Literal("1.50")) in graph


def test_references_may_be_full_iris_and_curies_described_elsewhere() -> None:
    text = b"""base: https://example.org/eco#
prefixes: {net: "https://example.org/netco#"}
components:
  - id: c1
    refers_to_service: net:Network
    vendor: <https://example.org/netco#NetCo>, https://example.org/other#Other
responsibilities:
  - {id: r1, kind: srkb:Accountable}
"""
    graph = graph_of(parse_tabular(text, "yaml", name="eco.yaml"))
    assert (EX.c1, SRKB.refersToService, URIRef("https://example.org/netco#Network")) in graph
    assert (EX.c1, SRKB.hasVendor, URIRef("https://example.org/netco#NetCo")) in graph
    assert (EX.c1, SRKB.hasVendor, URIRef("https://example.org/other#Other")) in graph
    assert (EX.r1, SRKB.hasResponsibilityKind, SRKB.Accountable) in graph


# -- located problems: workbooks and CSV files -----------------------------------------------------

VALID = TabularDocument(
    "https://example.org/eco#",
    tables={
        "organisations": [{"id": "IT", "label": "IT"}, {"id": "Finance", "label": "Finance"}],
        "services": [{"id": "WorkplaceIT"}],
        "relationships": [
            {"id": "r1", "provider": "IT", "consumer": "Finance", "service": "WorkplaceIT"},
            {"id": "r2", "provider": "Finance", "consumer": "IT", "service": "WorkplaceIT"},
        ],
        "responsibilities": [{"id": "resp-1", "kind": "accountable"}],
    },
)


def test_every_problem_in_a_workbook_is_reported_with_sheet_row_column_and_cell() -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx(VALID)))
    relationships = workbook["relationships"]
    assert [c.value for c in relationships[1]][:5] == [
        "id",
        "label",
        "provider",
        "consumer",
        "service",
    ]
    relationships["D2"] = "Finanse"  # consumer of r1: no such organisation
    relationships["E3"] = None  # service of r2: required
    organisations = workbook["organisations"]
    organisations["D1"] = "colour"  # unknown column
    organisations["F2"] = "stray"  # a value without a header
    workbook["services"].append(["IT"])  # duplicate id, row 3
    workbook["responsibilities"]["F2"] = "acountable"
    workbook["tools"].title = "toolz"
    out = io.BytesIO()
    workbook.save(out)
    assert problems_of(lambda: parse_tabular(out.getvalue(), "xlsx", name="eco.xlsx")) == [
        ("organisations", 1, "colour", "D1", "'organisations' has no column 'colour'"),
        ("organisations", 2, None, "F2", "column F has values but no header"),
        ("services", 3, "id", "A3",
         "the id 'IT' is already used (eco.xlsx: sheet 'organisations', row 2, column 'id' "
         "(cell A2))"),
        ("relationships", 2, "consumer", "D2",
         "there is no organisation or unit with the id 'Finanse'"),
        ("relationships", 3, "service", "E3",
         "'service' is required: the service provided and consumed"),
        ("responsibilities", 2, "kind", "F2",
         "'acountable' is not one of: responsible, accountable, consulted, informed"),
        ("toolz", None, None, None, "'toolz' is not a kind of thing srkb imports"),
    ]  # fmt: skip


def test_a_workbook_problem_reads_as_one_line_with_file_sheet_row_column_and_cell() -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx(VALID)))
    workbook["relationships"]["C2"] = "ITT"
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(ImportValidationError) as caught:
        parse_tabular(out.getvalue(), "xlsx", name="eco.xlsx")
    assert str(caught.value.problems[0]) == (
        "eco.xlsx: sheet 'relationships', row 2, column 'provider' (cell C2): there is no "
        "organisation or unit with the id 'ITT' (did you mean 'IT'?)"
    )
    assert caught.value.problems[0].as_dict()["cell"] == "C2"


def test_the_about_sheet_is_checked() -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx(VALID)))
    workbook["about"]["B2"] = "not an iri"
    workbook["about"].append(["colour", "blue"])
    out = io.BytesIO()
    workbook.save(out)
    assert problems_of(lambda: parse_tabular(out.getvalue(), "xlsx", name="eco.xlsx")) == [
        ("about", 2, "base", "B2", "the base 'not an iri' is not an absolute IRI"),
        ("about", 5, "colour", "B5", "unknown setting 'colour'"),
    ]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not a zip at all", "this is not an Excel workbook (.xlsx)"),
        (b"PK\x05\x06" + b"\0" * 18, "the workbook cannot be read"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_one_problem(data: bytes, words: str) -> None:
    with pytest.raises(ImportValidationError) as caught:
        parse_tabular(data, "xlsx", name="eco.xlsx")
    assert len(caught.value.problems) == 1
    assert words in caught.value.problems[0].message


def csv_files(directory: Path, doc: TabularDocument) -> Path:
    with zipfile.ZipFile(io.BytesIO(render(doc, "csv"))) as archive:
        archive.extractall(directory)
    return directory


def test_csv_files_in_a_directory_import_and_report_file_row_and_column(tmp_path: Path) -> None:
    folder = csv_files(tmp_path / "eco", VALID)
    assert len(parse_tabular_file(folder)) == 15
    rows = (folder / "relationships.csv").read_text(encoding="utf-8").splitlines()
    rows[2] = rows[2].replace("Finance,IT", "Finance,Nobody")
    (folder / "relationships.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "organisatons.csv").write_text("id\nX\n", encoding="utf-8")
    with pytest.raises(ImportValidationError) as caught:
        parse_tabular_file(folder)
    assert [str(p) for p in caught.value.problems] == [
        f"{folder / 'organisatons.csv'}: 'organisatons' is not a kind of thing srkb imports "
        "(did you mean 'organisations'?)",
        f"{folder / 'relationships.csv'}: row 3, column 'consumer': there is no organisation or "
        "unit with the id 'Nobody' (add a row to 'organisations', or write a full IRI for "
        "something described elsewhere)",
    ]


def test_a_zip_of_csv_files_imports_like_the_directory() -> None:
    assert len(parse_tabular(render(VALID, "csv"), "csv", name="eco.zip")) == 15
    with pytest.raises(ImportValidationError, match=r"not a \.zip archive of CSV files"):
        parse_tabular(b"garbage", "csv", name="eco.zip")


# -- all-or-nothing --------------------------------------------------------------------------------


def snapshot(store: Store) -> tuple[list[str], bytes]:
    return sorted(store.graphs()), store.dump("nq")


@pytest.fixture
def loaded_store() -> Store:
    store = open_store("memory")
    write_sources(store, [parse_file(resources.example_file("cloud-three-tier"))])
    return store


def test_a_failed_import_changes_nothing_even_when_other_files_are_clean(
    loaded_store: Store, tmp_path: Path
) -> None:
    good = resources.examples_dir() / "campus" / "campus.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML, encoding="utf-8")
    before = snapshot(loaded_store)
    with pytest.raises(ImportValidationError) as caught:
        import_files(loaded_store, [good, bad])
    assert {p.where.file for p in caught.value.problems} == {str(bad)}
    assert snapshot(loaded_store) == before


def test_a_clean_import_replaces_its_own_source_graph(loaded_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "eco.yaml"
    path.write_bytes(render(VALID, "yaml"))
    (first,) = import_files(loaded_store, [path])
    assert first.graph == source_graph("eco.yaml")
    assert first.triples == 15
    smaller = TabularDocument(VALID.base, tables={"organisations": [{"id": "IT"}]})
    path.write_bytes(render(smaller, "yaml"))
    import_files(loaded_store, [path])
    data = Graph().parse(data=loaded_store.dump("nt", graph=first.graph), format="nt")
    assert {(s, p, o) for s, p, o in data if s != URIRef(first.graph)} == {
        (EX.IT, RDF.type, URIRef("http://www.w3.org/ns/org#Organization"))
    }


# -- fuzzing: bad input never changes data ---------------------------------------------------------

SEED_YAML = (resources.examples_dir() / "cloud-three-tier" / "cloud-three-tier.yaml").read_text(
    encoding="utf-8"
)
FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
WORDS = st.sampled_from(
    ["IT", "", "-", "x: y", "[", "]", "{", "&a", "*a", "!!python/object:os.system", "'", '"',
     "srkb:Nope", "https://x.org/a b", "ex:IaaSCo", "IaaSCo", "PaaSCo", "accountable", "null",
     "\t", "\n", "  - id: z", "provider:", "base:", "~", ",", "<urn:x>", "\x00", "é"]
)  # fmt: skip


def try_import(store: Store, data: bytes, fmt: str) -> None:
    """Import, or fail with the typed error leaving the store exactly as it was."""
    before = snapshot(store)
    try:
        source = parse_tabular(data, fmt, name=f"fuzz.{fmt}")
    except ImportValidationError as error:
        problems = error.problems
    else:
        write_sources(store, [source])
        assert source.graph in store.graphs() or len(source) == 0
        return
    assert problems
    assert all(p.where.file == f"fuzz.{fmt}" and p.message for p in problems)
    assert snapshot(store) == before


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(["replace", "insert", "delete_line", "dup_line"]),
                  st.integers(min_value=0), WORDS | st.text(max_size=8)),
        min_size=1, max_size=6,
    )
)  # fmt: skip
def test_mutated_yaml_imports_or_raises_the_typed_error_and_changes_nothing(
    edits: list[tuple[str, int, str]],
) -> None:
    text = SEED_YAML
    for op, position, word in edits:
        lines = text.splitlines(keepends=True)
        if op in ("delete_line", "dup_line") and lines:
            index = position % len(lines)
            lines[index : index + 1] = [] if op == "delete_line" else [lines[index]] * 2
            text = "".join(lines)
        elif op == "replace" and text:
            at = position % len(text)
            text = text[:at] + word + text[at + len(word) :]
        else:
            at = position % (len(text) + 1)
            text = text[:at] + word + text[at:]
    store = open_store("memory")
    write_sources(store, [parse_file(resources.example_file("broken-p2-missing-practice"))])
    try_import(store, text.encode("utf-8", "surrogatepass"), "yaml")


SEED_XLSX = render(
    document_from_graph(Graph().parse(resources.example_file("cloud-three-tier"))), "xlsx"
)


@FUZZ
@given(
    cells=st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(KINDS)), st.integers(1, 8),
                  st.integers(1, 9), WORDS | st.none() | st.integers(-5, 5)),
        max_size=5,
    ),
    rename=st.none() | st.tuples(st.integers(0, len(KINDS)), WORDS),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=3),
)  # fmt: skip
def test_mutated_workbooks_import_or_raise_the_typed_error_and_change_nothing(
    cells: list[tuple[int, int, int, object]],
    rename: tuple[int, str] | None,
    flips: list[tuple[int, int]],
) -> None:
    workbook = load_workbook(io.BytesIO(SEED_XLSX))
    sheets = workbook.worksheets
    for sheet_index, row, column, value in cells:
        text = value if not isinstance(value, str) else re.sub(r"[\x00-\x08\x0b-\x1f]", "", value)
        sheets[sheet_index % len(sheets)].cell(row=row, column=column, value=text)
    if rename is not None and rename[1].strip() and not re.search(r"[\[\]:*?/\\']", rename[1]):
        title = rename[1].strip()[:31]
        if title not in workbook.sheetnames:
            sheets[rename[0] % len(sheets)].title = title
    out = io.BytesIO()
    workbook.save(out)
    data = bytearray(out.getvalue())
    for position, byte in flips:
        data[position % len(data)] = byte
    store = open_store("memory")
    write_sources(store, [parse_file(resources.example_file("broken-p2-missing-practice"))])
    try_import(store, bytes(data), "xlsx")


# -- the command line ------------------------------------------------------------------------------


def srkb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", "--store", str(cwd / "store"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def test_cli_import_export_and_template(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML, encoding="utf-8")
    good = resources.examples_dir() / "campus" / "campus.yaml"
    failed = srkb("import", "--no-infer", str(good), str(bad), cwd=tmp_path)
    assert failed.returncode == 2, failed.stderr
    assert "12 problems found; nothing was imported" in failed.stderr
    assert f"{bad}: line 15, relationships item 1, key 'consumer': there is no organisation" in (
        failed.stderr
    )
    done = srkb("import", str(good), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "705 triples" in done.stderr
    out = tmp_path / "campus.xlsx"
    graph = source_graph("campus.yaml")
    exported = srkb("export", "--format", "xlsx", "--graph", graph, "--out", str(out), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert_same_graph(turtle_graph("campus"), graph_of(parse_tabular_file(out)))
    template = srkb("template", "--out", str(tmp_path / "start"), cwd=tmp_path)
    assert template.returncode == 0, template.stderr
    assert (tmp_path / "start" / "srkb-ecosystem.yaml").exists()
