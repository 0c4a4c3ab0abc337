"""Loading RDF files: every format, all-or-nothing batches, located errors, no network, reloads.

The fixture graph is in ``tests/kb/data/services.*``, once per format: seven triples with a blank
node, language-tagged and plain labels, an integer and a date. TriG and N-Quads keep it in a named
graph of their own; the other formats have no graph names, so it lands in the file's source graph.
Tests that write take the ``store`` fixture and so run on memory, disk and remote.
"""

from __future__ import annotations

import socket
import time
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from kb.errors import InputError, NetworkAccessRefusedError
from kb.interchange.loading import install_model, load_files, parse_file
from kb.namespaces import (
    DCTERMS,
    ONTOLOGY_GRAPH,
    PROV,
    SHAPES_GRAPH,
    SOURCE_GRAPH_PREFIX,
    source_graph,
)
from kb.store import RDF_FORMATS, Store, open_store
from tests.support.listener import Listener, listening

DATA = Path(__file__).parent / "data"
FIXTURE_GRAPH = "https://example.org/fixture/graph"
VOID = "http://rdfs.org/ns/void#"

#: The fixture file of each format.
FILES = {
    "ttl": DATA / "services.ttl",
    "trig": DATA / "services.trig",
    "nt": DATA / "services.nt",
    "nq": DATA / "services.nq",
    "jsonld": DATA / "services.jsonld",
    "rdfxml": DATA / "services.rdf",
}


def expected_triples() -> Graph:
    return Graph().parse(FILES["ttl"], format="turtle")


def data_triples(store: Store) -> Graph:
    """Every triple in the store except the provenance that loading adds about source graphs."""
    result = store.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(isBlank(?s) || !STRSTARTS(STR(?s), "{SOURCE_GRAPH_PREFIX}")) }}'
    )
    graph = Graph()
    for triple in result.triples:
        graph.add(triple)
    return graph


def snapshot(store: Store) -> set[bytes]:
    return set(store.dump("nq").splitlines())


# -- every format ---------------------------------------------------------------------------------
def test_there_is_a_fixture_for_every_format() -> None:
    assert set(FILES) == set(RDF_FORMATS)


@pytest.mark.parametrize("fmt", list(FILES))
def test_every_format_loads_the_same_triples(store: Store, fmt: str) -> None:
    path = FILES[fmt]
    (loaded,) = load_files(store, [path])
    assert loaded.fmt == fmt
    assert loaded.triples == 7
    assert loaded.graph == source_graph(path.name)
    assert isomorphic(data_triples(store), expected_triples())
    if fmt in ("trig", "nq"):
        # quads keep the graph they name; the source graph holds only the provenance
        assert store.graphs() == sorted([FIXTURE_GRAPH, loaded.graph])
        assert store.count(FIXTURE_GRAPH) == 7
    else:
        assert store.graphs() == [loaded.graph]


# -- all or nothing, with the place of the error --------------------------------------------------
BROKEN_TURTLE = """@prefix ex: <https://example.org/fixture#> .

ex:Finance ex:name "Finance" .
ex:Café ex:name "Café" ex:oops .
"""


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(BROKEN_TURTLE, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_file(broken)
    err = caught.value
    # line 4, column 24 counted in characters (1-based): 'é' is one column, not two bytes
    assert (err.source, err.line, err.column) == (str(broken), 4, 24)
    assert str(err).startswith(f"{broken}:4:24: ttl syntax error")


@pytest.mark.parametrize(
    ("suffix", "text", "line", "column"),
    [
        (
            "nq",
            "<https://e.org/a> <https://e.org/b> <https://e.org/c> <https://e.org/g> .\n"
            "<https://e.org/a> <https://e.org/b> <https://e.org/c> <https://e.org/g> <x> .\n",
            2,
            73,
        ),
        ("jsonld", '{"@id": "https://e.org/a",\n  "https://e.org/b": [}', 2, 23),
    ],
)
def test_syntax_errors_of_other_formats_are_located(
    tmp_path: Path, suffix: str, text: str, line: int, column: int
) -> None:
    broken = tmp_path / f"broken.{suffix}"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_file(broken)
    assert (caught.value.source, caught.value.line, caught.value.column) == (
        str(broken),
        line,
        column,
    )


def test_batch_whose_second_file_is_broken_changes_nothing(store: Store, tmp_path: Path) -> None:
    first = tmp_path / "v1" / "services.ttl"
    first.parent.mkdir()
    first.write_bytes(FILES["ttl"].read_bytes())
    load_files(store, [first])
    before = snapshot(store)
    graphs = store.graphs()

    # The batch would replace services.ttl's graph and add another; its second file is broken.
    second = tmp_path / "v2" / "services.ttl"
    second.parent.mkdir()
    second.write_text('<https://example.org/fixture#New> <https://example.org/p> "new" .\n')
    broken = tmp_path / "broken.ttl"
    broken.write_text(BROKEN_TURTLE, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_files(store, [second, broken, FILES["nt"]])
    assert (caught.value.source, caught.value.line, caught.value.column) == (str(broken), 4, 24)
    assert snapshot(store) == before
    assert store.graphs() == graphs
    assert isomorphic(data_triples(store), expected_triples())


def test_invalid_utf8_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.ttl"
    bad.write_bytes(
        b'@prefix ex: <https://example.org/fixture#> .\nex:Finance ex:name "Caf\xe9" .\n'
    )
    with pytest.raises(InputError, match="UTF-8") as caught:
        parse_file(bad)
    assert (caught.value.source, caught.value.line) == (str(bad), 2)


def test_unknown_suffix_names_the_formats(tmp_path: Path) -> None:
    odd = tmp_path / "services.yaml"
    odd.write_text("a: b\n")
    with pytest.raises(InputError) as caught:
        load_files(open_store("memory"), [odd])
    message = str(caught.value)
    assert str(odd) in message
    assert "'.yaml'" in message
    for name in RDF_FORMATS:
        assert name in message


def test_blank_node_graph_names_are_refused(tmp_path: Path) -> None:
    """SPARQL Update cannot name a graph by a blank node, so no backend could store it."""
    trig = tmp_path / "anonymous.trig"
    trig.write_text("_:g { <https://e.org/a> <https://e.org/b> <https://e.org/c> . }\n")
    with pytest.raises(InputError, match="blank node"):
        parse_file(trig)


# -- no network -----------------------------------------------------------------------------------
def listener() -> AbstractContextManager[Listener]:
    """The shared recording listener (tests/support/listener.py)."""
    return listening()


def test_the_listener_sees_connections() -> None:
    """The no-connection tests below would prove nothing if the listener missed connections."""
    with listener() as recorded, socket.create_connection(("127.0.0.1", recorded.port), 1):
        deadline = time.monotonic() + 2
        while not recorded.connections and time.monotonic() < deadline:
            time.sleep(0.01)
    assert len(recorded.connections) == 1


def test_remote_jsonld_context_is_refused_without_connecting(tmp_path: Path) -> None:
    store = open_store("memory")
    with listener() as recorded:
        doc = tmp_path / "remote-context.jsonld"
        doc.write_text(
            f'{{"@context": "{recorded.url}/context.jsonld",\n'
            ' "@id": "https://example.org/fixture#Finance", "name": "Finance"}\n'
        )
        with pytest.raises(NetworkAccessRefusedError) as caught:
            load_files(store, [FILES["ttl"], doc])
    assert caught.value.source == str(doc)
    assert "@context" in str(caught.value)
    assert recorded.connections == []
    assert store.graphs() == []


@pytest.mark.parametrize(
    "context",
    [
        '{"@vocab": "https://e.org/", "knows": {"@id": "https://e.org/knows", '
        '"@context": "URL/scoped.jsonld"}}',
        '{"@version": 1.1, "@import": "URL/import.jsonld"}',
        '["URL/first.jsonld", {"@vocab": "https://e.org/"}]',
    ],
    ids=["scoped", "import", "list"],
)
def test_every_kind_of_remote_context_is_refused_without_connecting(
    tmp_path: Path, context: str
) -> None:
    with listener() as recorded:
        doc = tmp_path / "context.jsonld"
        doc.write_text(
            f'{{"@context": {context.replace("URL", recorded.url)},\n'
            ' "@id": "https://e.org/a", "knows": {"https://e.org/name": "x"}}\n'
        )
        with pytest.raises(NetworkAccessRefusedError):
            parse_file(doc)
    assert recorded.connections == []


def test_rdfxml_external_entity_is_refused_without_connecting(tmp_path: Path) -> None:
    store = open_store("memory")
    with listener() as recorded:
        doc = tmp_path / "entity.rdf"
        doc.write_text(
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "{recorded.url}/secret.txt"> ]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
            '         xmlns:ex="https://example.org/fixture#">\n'
            '  <rdf:Description rdf:about="https://example.org/fixture#Finance">\n'
            "    <ex:name>&secret;</ex:name>\n"
            "  </rdf:Description>\n"
            "</rdf:RDF>\n"
        )
        with pytest.raises(NetworkAccessRefusedError) as caught:
            load_files(store, [doc])
    assert caught.value.source == str(doc)
    assert "DOCTYPE" in str(caught.value)
    assert recorded.connections == []
    assert store.graphs() == []


def test_rdfxml_external_dtd_is_not_fetched(tmp_path: Path) -> None:
    """A DOCTYPE naming an external DTD parses, without fetching the DTD."""
    with listener() as recorded:
        doc = tmp_path / "dtd.rdf"
        doc.write_text(
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE rdf:RDF SYSTEM "{recorded.url}/rdf.dtd">\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
            '         xmlns:ex="https://example.org/fixture#">\n'
            '  <rdf:Description rdf:about="https://example.org/fixture#Finance">\n'
            "    <ex:name>Finance</ex:name>\n"
            "  </rdf:Description>\n"
            "</rdf:RDF>\n"
        )
        assert len(parse_file(doc)) == 1
    assert recorded.connections == []


# -- loading again --------------------------------------------------------------------------------
def provenance(store: Store, graph: str) -> list[tuple[object, ...]]:
    result = store.query(
        f"""SELECT ?when ?triples ?source WHERE {{ GRAPH <{graph}> {{
            <{graph}> <{PROV}generatedAtTime> ?when ; <{VOID}triples> ?triples ;
                <{DCTERMS}source> ?source .
        }} }}""",
        union_default_graph=False,
    )
    return list(result.rows)


@pytest.mark.parametrize("fmt", ["ttl", "trig"])
def test_loading_a_file_again_replaces_its_graphs(store: Store, fmt: str) -> None:
    path = FILES[fmt]
    graph = source_graph(path.name)
    (first,) = load_files(store, [path])
    ((when1, triples1, source1),) = provenance(store, graph)
    counts = {g: store.count(g) for g in store.graphs()}

    (second,) = load_files(store, [path])
    assert second == first
    # the same triples once, blank node included, not twice
    assert {g: store.count(g) for g in store.graphs()} == counts
    assert isomorphic(data_triples(store), expected_triples())
    # exactly one provenance record, and a newer one
    ((when2, triples2, source2),) = provenance(store, graph)
    assert isinstance(when1, Literal)
    assert isinstance(when2, Literal)
    assert when2.datatype == XSD.dateTime
    assert isinstance(when2.toPython(), datetime)
    assert when2.toPython() > when1.toPython()
    assert triples2 == triples1 == Literal("7", datatype=XSD.integer)
    # only the file name: provenance must not reveal where the file lay on the server
    assert source2 == source1 == Literal(path.name)


def test_install_model_is_idempotent(store: Store) -> None:
    install_model(store)
    graphs = store.graphs()
    counts = {g: store.count(g) for g in graphs}
    assert ONTOLOGY_GRAPH in graphs
    assert SHAPES_GRAPH in graphs
    assert counts[ONTOLOGY_GRAPH] > 0
    assert counts[SHAPES_GRAPH] > 0
    model = store.dump("nq", graph=None)

    install_model(store)
    assert store.graphs() == graphs
    assert {g: store.count(g) for g in graphs} == counts
    ontology = URIRef("https://w3id.org/srkb")
    assert store.query(f"ASK {{ <{ontology}> ?p ?o }}").boolean is True
    assert len(store.dump("nq", graph=None).splitlines()) == len(model.splitlines())
