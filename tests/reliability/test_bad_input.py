"""Bad input never changes data: it is refused with a located error, and the store is as before.

One battery of bad documents (every RDF format srkb reads: syntax errors, invalid UTF-8, wrong
formats, JSON-LD and RDF/XML nested thousands of levels deep, a "billion laughs" entity bomb, a
truncated RDF/XML document, quoted triples, 10 MB literals) goes through ``kb.interchange.loading``
(an :class:`InputError`, the store's N-Quads dump unchanged), ``srkb load`` (exit 2, one line on
stderr) and the HTTP service (``PUT``/``POST /store``: 400 problem JSON; wrong media types: 415).
Bad SPARQL (invalid UTF-8, nesting too deep for rdflib's recursive parser, a 10 MB literal) goes to
``/update``, ``/sparql`` and ``srkb query``. Deeply nested documents are parsed in a child process
first: if a parser overflows its stack, the child dies, not the test session.

Hypothesis then mutates valid documents of each format (bytes inserted, deleted, replaced,
repeated thousands of times, invalid UTF-8, documents of another format):
``kb.interchange.loading`` either
loads one (and the store holds exactly its triples and their provenance) or raises
:class:`InputError`, never another exception, and never writes a part; ``PUT /store`` answers
201/204 or a 4xx problem, never a 5xx, and a refused body changes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import kb.cli
from kb import resources
from kb.errors import InputError
from kb.interchange.loading import install_model, load_files, parse_stream, write_sources
from kb.namespaces import HISTORY_GRAPH, INFERRED_GRAPH, VALIDATION_GRAPH, source_graph
from kb.prefixes import declaration_literals
from kb.reasoning.inference import infer
from kb.store import Store, open_store
from kb.store.oxigraph import OxigraphStore
from tests.support.app_server import API_TOKEN, AppServer, assert_problem, start_app

REPOSITORY = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parents[1] / "kb" / "data"
FIXTURES = {
    "ttl": DATA / "services.ttl",
    "trig": DATA / "services.trig",
    "nt": DATA / "services.nt",
    "nq": DATA / "services.nq",
    "jsonld": DATA / "services.jsonld",
    "rdfxml": DATA / "services.rdf",
}
SUFFIX = {"ttl": "ttl", "trig": "trig", "nt": "nt", "nq": "nq", "jsonld": "jsonld", "rdfxml": "rdf"}
MEDIA = {
    "ttl": "text/turtle",
    "trig": "application/trig",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="urn:e#"'
MB10 = 10 * 1024 * 1024


def deep_jsonld(levels: int) -> bytes:
    return ('{"@id": "urn:a", "urn:p": ' * levels + '"x"' + "}" * levels).encode()


def deep_jsonld_arrays(levels: int) -> bytes:
    return ('{"@id": "urn:a", "urn:p": ' + "[" * levels + '"x"' + "]" * levels + "}").encode()


def deep_rdfxml(levels: int) -> bytes:
    nested = "<rdf:Description><e:p>" * levels + "x" + "</e:p></rdf:Description>" * levels
    return f"<rdf:RDF {RDF}>{nested}</rdf:RDF>".encode()


def billion_laughs(levels: int = 9) -> bytes:
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><rdf:RDF {RDF}>'
        f'<rdf:Description rdf:about="urn:a"><e:p>&l{levels};</e:p></rdf:Description></rdf:RDF>'
    ).encode()


#: Documents that must be refused, by name: (format, bytes).
BAD: dict[str, tuple[str, bytes]] = {
    "ttl-syntax": ("ttl", b'<urn:a> <urn:b> "unterminated .\n'),
    "ttl-undefined-prefix": ("ttl", b"ex:a ex:b ex:c .\n"),
    "ttl-invalid-utf8": ("ttl", b'<urn:a> <urn:b> "caf\xe9" .\n'),
    "ttl-byte-order-mark": ("ttl", b"\xef\xbb\xbf<urn:a> <urn:b> <urn:c> .\n"),
    "ttl-binary": ("ttl", bytes(range(256)) * 8),
    "ttl-huge-unterminated-literal": ("ttl", b'<urn:a> <urn:b> "' + b"x" * MB10),
    "ttl-quoted-triple": ("ttl", b"<< <urn:a> <urn:b> <urn:c> >> <urn:p> <urn:o> .\n"),
    "ttl-triple-term": ("ttl", b"<urn:x> <urn:y> <<( <urn:a> <urn:b> <urn:c> )>> .\n"),
    "ttl-is-jsonld": ("ttl", FIXTURES["jsonld"].read_bytes()),
    "nt-missing-dot": ("nt", b"<urn:a> <urn:b> <urn:c>\n"),
    "nt-invalid-utf8": ("nt", b'<urn:a> <urn:b> "\xff" .\n'),
    "nt-is-turtle": ("nt", FIXTURES["ttl"].read_bytes()),
    "nq-blank-node-graph": ("nq", b"<urn:a> <urn:b> <urn:c> _:g .\n"),
    "nq-five-terms": ("nq", b"<urn:a> <urn:b> <urn:c> <urn:g> <urn:x> .\n"),
    "trig-unclosed-graph": ("trig", b"<urn:g> { <urn:a> <urn:b> <urn:c> .\n"),
    "trig-invalid-utf8": ("trig", b'<urn:g> { <urn:a> <urn:b> "\xc3\x28" . }\n'),
    "jsonld-not-json": ("jsonld", b"not json"),
    "jsonld-truncated": ("jsonld", b'{"@id": "urn:a", "urn:b": ['),
    "jsonld-empty": ("jsonld", b""),
    "jsonld-invalid-utf8": ("jsonld", b'{"@id": "urn:a", "urn:b": "\xff"}'),
    "jsonld-context-is-a-number": ("jsonld", b'{"@context": 5, "@id": "urn:a"}'),
    "jsonld-id-twice": ("jsonld", b'{"@id": "urn:a", "@id": "urn:b", "urn:p": "x"}'),
    "jsonld-blank-node-graph": (
        "jsonld",
        b'{"@id": "_:g", "@graph": [{"@id": "urn:a", "urn:b": 1}]}',
    ),
    "jsonld-is-turtle": ("jsonld", FIXTURES["ttl"].read_bytes()),
    "jsonld-10k-levels": ("jsonld", deep_jsonld(10_000)),
    "jsonld-10k-arrays": ("jsonld", deep_jsonld_arrays(10_000)),
    "rdfxml-not-xml": ("rdfxml", b"hello"),
    "rdfxml-truncated": (
        "rdfxml",
        f'<rdf:RDF {RDF}><rdf:Description rdf:about="urn:a"><e:p>x</e:p>'.encode(),
    ),
    "rdfxml-invalid-utf8": (
        "rdfxml",
        f'<rdf:RDF {RDF}><rdf:Description rdf:about="urn:a"><e:p>\xff</e:p>'.encode("latin-1")
        + b"</rdf:Description></rdf:RDF>",
    ),
    "rdfxml-undeclared-prefix": (
        "rdfxml",
        f'<rdf:RDF {RDF}><rdf:Description rdf:about="urn:a"><x:p>1</x:p>'
        "</rdf:Description></rdf:RDF>".encode(),
    ),
    "rdfxml-billion-laughs": ("rdfxml", billion_laughs()),
    "rdfxml-100k-levels": ("rdfxml", deep_rdfxml(100_000)),
    "rdfxml-is-turtle": ("rdfxml", FIXTURES["ttl"].read_bytes()),
}
#: Documents a parser might die on (stack overflow): tried in a child process first.
CRASH_PRONE = {"jsonld-10k-levels", "jsonld-10k-arrays", "rdfxml-100k-levels"}
SECONDS = 10.0  # the most any refusal may take


def dump(store: Store) -> list[bytes]:
    """Every quad, sorted: the store's content as queries see it (blank nodes keep their ids)."""
    return sorted(store.dump("nq").splitlines())


@pytest.fixture(scope="module")
def campus_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(tmp_path_factory.mktemp("bad-input") / "store")
    install_model(store)
    load_files(store, [resources.example_file("campus")])
    infer(store)
    yield store
    store.close()


PARSE_IN_A_CHILD = """
import sys
from kb.errors import InputError
from kb.interchange.loading import parse_stream
try:
    parse_stream(open(sys.argv[1], "rb").read(), fmt=sys.argv[2], name="upload")
except InputError as error:
    print("InputError", error)
"""


def survives_in_a_child(fmt: str, data: bytes, tmp_path: Path) -> None:
    """Parse in a child process: a parser that overflows its stack kills the child only."""
    path = tmp_path / f"child.{SUFFIX[fmt]}"
    path.write_bytes(data)
    child = subprocess.run(
        [sys.executable, "-c", PARSE_IN_A_CHILD, str(path), fmt],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPOSITORY,
        check=False,
    )
    assert child.returncode == 0, f"the parser killed its process ({child.returncode})"
    assert child.stdout.startswith("InputError"), child.stdout + child.stderr


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_refused_and_changes_nothing(
    name: str, campus_store: Store, tmp_path: Path
) -> None:
    fmt, data = BAD[name]
    if name in CRASH_PRONE:
        survives_in_a_child(fmt, data, tmp_path)
    started = time.monotonic()
    with pytest.raises(InputError):
        parse_stream(data, fmt=fmt, name=f"upload.{fmt}")
    assert time.monotonic() - started < SECONDS
    before = dump(campus_store)
    path = tmp_path / f"bad.{SUFFIX[fmt]}"
    path.write_bytes(data)
    with pytest.raises(InputError) as refused:
        load_files(campus_store, [resources.example_file("cloud-three-tier"), path])
    assert str(path) in str(refused.value)
    assert dump(campus_store) == before


def test_a_10_mb_literal_loads_whole(tmp_path: Path) -> None:
    literal = "x" * MB10
    store = open_store("memory")
    parsed = parse_stream(
        f'<urn:a> <urn:b> "{literal}" .'.encode(), fmt="ttl", name="big-literal.ttl"
    )
    write_sources(store, [parsed])
    (row,) = store.query("SELECT ?o WHERE { <urn:a> <urn:b> ?o }").rows
    assert str(row[0]) == literal


def test_a_syntax_error_after_a_10_mb_literal_is_located() -> None:
    data = b'<urn:a> <urn:b> "' + b"x" * MB10 + b'" .\n<urn:a> <urn:b> .\n'
    with pytest.raises(InputError) as refused:
        parse_stream(data, fmt="ttl", name="upload.ttl")
    assert refused.value.line == 2


# -- the command line -----------------------------------------------------------------------------


def cli(store: Path, *args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(kb.cli.app, ["--store", str(store), *map(str, args)])
    return result.exit_code, result.stderr


def assert_one_line_error(code: int, stderr: str) -> None:
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-bad-input") / "store"
    code, stderr = cli(path, "load", resources.example_file("campus"))
    assert code == 0, stderr
    return path


def dump_of(path: Path) -> list[str]:
    """The store's quads with blank nodes canonicalised (RDFC-1.0), sorted.

    ``srkb load`` installs the model again before it reads the files (same triples, new blank
    nodes), so stores are compared as RDF datasets, not by blank node labels.
    """
    store = OxigraphStore(path)
    try:
        dataset = ox.Dataset(store.native.quads_for_pattern(None, None, None, None))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        return sorted(str(quad) for quad in dataset)
    finally:
        store.close()


@pytest.mark.parametrize("name", sorted(set(BAD) - CRASH_PRONE))
def test_srkb_load_refuses_bad_input_in_one_line_and_changes_nothing(
    name: str, cli_store: Path, tmp_path: Path
) -> None:
    fmt, data = BAD[name]
    path = tmp_path / f"bad.{SUFFIX[fmt]}"
    path.write_bytes(data)
    before = dump_of(cli_store)
    assert_one_line_error(*cli(cli_store, "load", path))
    assert dump_of(cli_store) == before


@pytest.mark.parametrize("name", sorted(CRASH_PRONE | {"rdfxml-billion-laughs"}))
def test_srkb_load_refuses_bombs_in_one_line_as_a_process(
    name: str, cli_store: Path, tmp_path: Path
) -> None:
    fmt, data = BAD[name]
    path = tmp_path / f"bad.{SUFFIX[fmt]}"
    path.write_bytes(data)
    before = dump_of(cli_store)
    result = subprocess.run(
        [sys.executable, "-m", "kb", "--store", str(cli_store), "load", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPOSITORY,
        check=False,
    )
    assert_one_line_error(result.returncode, result.stderr)
    assert dump_of(cli_store) == before


@pytest.mark.parametrize(
    ("what", "content"),
    [
        ("a missing file", None),
        ("a directory", "dir"),
        ("an unknown suffix", b"a: b\n"),
    ],
)
def test_srkb_load_refuses_what_is_not_a_file_of_rdf(
    what: str, content: bytes | str | None, cli_store: Path, tmp_path: Path
) -> None:
    path = tmp_path / ("thing.yaml" if what == "an unknown suffix" else "thing.ttl")
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    before = dump_of(cli_store)
    assert_one_line_error(*cli(cli_store, "load", path))
    assert dump_of(cli_store) == before


@pytest.mark.parametrize(
    ("what", "text"),
    [
        ("invalid UTF-8", b"SELECT * WHERE { ?s ?p 'caf\xe9' }"),
        ("too deep for the parser", b"ASK { FILTER(" + b"(" * 200 + b"1" + b")" * 200 + b") }"),
        ("an update", b"CLEAR ALL"),
        ("not SPARQL", b"\x00\x01\x02"),
    ],
)
def test_srkb_query_refuses_bad_queries_in_one_line(
    what: str, text: bytes, cli_store: Path, tmp_path: Path
) -> None:
    query = tmp_path / "bad.rq"
    query.write_bytes(text)
    before = dump_of(cli_store)
    assert_one_line_error(*cli(cli_store, "query", query))
    assert dump_of(cli_store) == before


# -- the HTTP service -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    started = start_app(
        tmp_path_factory.mktemp("bad-input-api"),
        demo=True,
        settings={"SRKB_API_TOKEN": API_TOKEN},
    )
    yield started
    started.stop()


@pytest.fixture
def http(server: AppServer) -> Iterator[httpx.Client]:
    with server.client(API_TOKEN, timeout=120) as client:
        yield client


#: The inferred graph's statements about itself: the stamp of the run that made it (a run id that
#: every run changes), bookkeeping rather than knowledge.
STAMP = f"<{INFERRED_GRAPH}> ".encode()


def snapshot(http: httpx.Client, *, history: bool = True) -> tuple[list[bytes], dict[str, int]]:
    """The knowledge and inferred graphs as sorted N-Quads, and every graph's size (no stamps).

    The stamps are what srkb says about its inferred and validation graphs themselves: the run,
    the shapes, and the digests of a full validation's results, which a save of only the results
    a write can affect drops.
    """
    export = http.get("/export", params={"format": "nq"})
    assert export.status_code == 200, export.text
    count = (
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(?s NOT IN (<{INFERRED_GRAPH}>, <{VALIDATION_GRAPH}>)) }} GROUP BY ?g"
    )
    counts = http.get(
        "/sparql",
        params={"query": count},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert counts.status_code == 200, counts.text
    sizes = {
        b["g"]["value"]: int(b["n"]["value"])
        for b in counts.json()["results"]["bindings"]
        if history or b["g"]["value"] != HISTORY_GRAPH
    }
    lines = [line for line in export.content.splitlines() if not line.startswith(STAMP)]
    return sorted(lines), sizes


def test_the_graph_store_refuses_bad_bodies_and_changes_nothing(http: httpx.Client) -> None:
    before = snapshot(http)
    graph = {"graph": source_graph("bad-input")}
    for name, (fmt, data) in BAD.items():
        for method in ("PUT", "POST"):
            response = http.request(
                method, "/store", params=graph, content=data, headers={"Content-Type": MEDIA[fmt]}
            )
            assert response.status_code == 400, (name, method, response.text)
            assert_problem(response, 400)
    assert snapshot(http) == before


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/json", "image/png", ""],
)
def test_the_graph_store_refuses_media_types_it_does_not_read(
    http: httpx.Client, content_type: str | None
) -> None:
    before = snapshot(http)
    headers = {} if content_type is None else {"Content-Type": content_type}
    for method in ("PUT", "POST"):
        response = http.request(
            method,
            "/store",
            params={"graph": source_graph("bad-input")},
            content=FIXTURES["ttl"].read_bytes(),
            headers=headers,
        )
        assert_problem(response, 415)
    assert snapshot(http) == before


def test_a_multipart_body_is_posted_only_and_must_hold_parts(http: httpx.Client) -> None:
    """multipart/form-data is for POST (one RDF document per part); a PUT of it is 415."""
    before = snapshot(http)
    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    for method, status in (("PUT", 415), ("POST", 400)):
        response = http.request(
            method,
            "/store",
            params={"graph": source_graph("bad-input")},
            content=FIXTURES["ttl"].read_bytes(),
            headers=headers,
        )
        assert_problem(response, status)
    assert snapshot(http) == before


def test_the_graph_store_takes_a_10_mb_literal_whole(http: httpx.Client) -> None:
    graph = {"graph": source_graph("big-literal")}
    before = snapshot(http, history=False)
    literal = "y" * MB10
    put = http.put(
        "/store",
        params=graph,
        content=f'<urn:big> <urn:text> "{literal}" .'.encode(),
        headers={"Content-Type": "text/turtle"},
    )
    assert put.status_code == 201, put.text
    answer = http.get(
        "/sparql",
        params={"query": "SELECT (STRLEN(?t) AS ?n) WHERE { <urn:big> <urn:text> ?t }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.json()["results"]["bindings"][0]["n"]["value"] == str(MB10)
    assert http.delete("/store", params=graph).status_code == 204
    assert snapshot(http, history=False) == before


UPDATE = {"Content-Type": "application/sparql-update"}
QUERY = {"Content-Type": "application/sparql-query"}


def test_update_and_sparql_refuse_bad_requests_and_change_nothing(http: httpx.Client) -> None:
    before = snapshot(http)
    deep = b"INSERT DATA { <urn:a> <urn:p> " + b"[ <urn:p> " * 5000 + b"1" + b" ]" * 5000 + b" }"
    bad_updates = {
        "invalid UTF-8": b'INSERT DATA { <urn:a> <urn:b> "caf\xe9" }',
        "too deep": deep,
        "quoted triple": b"INSERT DATA { << <urn:a> <urn:b> <urn:c> >> <urn:p> <urn:o> }",
        "unterminated 10 MB literal": b'INSERT DATA { <urn:a> <urn:b> "' + b"x" * MB10 + b" }",
        "NUL bytes": b"\x00" * 100,
        "a query": b"SELECT * WHERE { ?s ?p ?o }",
        "fails half-way": b"INSERT DATA { <urn:a> <urn:b> <urn:c> } ; DROP GRAPH <urn:none>",
    }
    for name, body in bad_updates.items():
        response = http.post("/update", content=body, headers=UPDATE)
        # Longer than SRKB_MAX_QUERY_BYTES: refused before any parsing (413), else the parser's 400.
        status = 413 if len(body) > 256 * 1024 else 400
        assert response.status_code == status, (name, response.text)
        assert_problem(response, status)
    form = http.post(
        "/update",
        content=b"update=INSERT+DATA+%7B+%3Curn%3Aa%3E+%3Curn%3Ab%3E+%22%FF%22+%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(form, 400)
    for body in (b"SELECT * WHERE { ?s ?p '\xff' }", deep.replace(b"INSERT DATA", b"ASK")):
        assert_problem(http.post("/sparql", content=body, headers=QUERY), 400)
    too_deep = "ASK { FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }"
    assert_problem(http.get("/sparql", params={"query": too_deep}), 400)
    assert snapshot(http) == before


# -- hypothesis: mutated documents ----------------------------------------------------------------

INTERESTING = [
    b"\xff",
    b"\xc3\x28",
    b"\x00",
    b"{",
    b"}",
    b"[",
    b"]",
    b"<",
    b">",
    b'"',
    b"\\u",
    b"@",
    b":",
    b".",
    b";",
    b",",
    b"_:",
    b"<<",
    b"&",
    b"<!ENTITY x 'y'>",
    b'"@context": "urn:x",',
    b"\n",
]


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> bytes:
    """A valid document of ``fmt`` with a few mutations, or a valid document of another format."""
    if draw(st.integers(0, 9)) == 0:
        return FIXTURES[draw(st.sampled_from(sorted(FIXTURES)))].read_bytes()
    data = FIXTURES[fmt].read_bytes()
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 40)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "repeat", "truncate"]))
        if action == "insert":
            data = data[:start] + draw(st.sampled_from(INTERESTING)) + data[start:]
        elif action == "delete":
            data = data[:start] + data[end:]
        elif action == "replace":
            data = data[:start] + draw(st.binary(min_size=1, max_size=4)) + data[end:]
        elif action == "repeat":
            times = draw(st.sampled_from([2, 10, 3000]))
            data = data[:start] + data[start:end] * times + data[end:]
        else:
            data = data[:start]
    return data


FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("fmt", sorted(FIXTURES))
def test_mutated_documents_load_whole_or_raise_input_error(fmt: str) -> None:
    @FUZZ
    @given(data=mutated(fmt))
    def loads_whole_or_not_at_all(data: bytes) -> None:
        store = open_store("memory")
        try:
            parsed = parse_stream(data, fmt=fmt, name=f"fuzz.{fmt}")
            loaded = write_sources(store, [parsed])
        except InputError:
            assert store.count() == 0, "a refused document left triples behind"
            return
        # six PROV/VoID triples per source, and one per prefix it declares (kb.prefixes)
        provenance = 6 * len({s.graph for s in loaded}) + len(declaration_literals(parsed.prefixes))
        assert store.count() == len(parsed) + provenance

    loads_whole_or_not_at_all()


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """No demo, so that a successful write's inference run is quick."""
    started = start_app(
        tmp_path_factory.mktemp("fuzz-api"), demo=False, settings={"SRKB_API_TOKEN": API_TOKEN}
    )
    yield started
    started.stop()


def test_mutated_bodies_never_fail_the_graph_store(empty_server: AppServer) -> None:
    graph = {"graph": source_graph("fuzz")}
    with empty_server.client(API_TOKEN, timeout=60) as http:

        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(fmt=st.sampled_from(sorted(FIXTURES)), data=st.data())
        def answers_and_keeps_the_store(fmt: str, data: st.DataObject) -> None:
            body = data.draw(mutated(fmt))
            before = snapshot(http, history=False)
            response = http.put(
                "/store", params=graph, content=body, headers={"Content-Type": MEDIA[fmt]}
            )
            assert response.status_code in (201, 204, 400), (response.status_code, response.text)
            if response.status_code == 400:
                assert json.loads(response.text)["detail"]
                assert snapshot(http, history=False) == before
            else:
                assert http.delete("/store", params=graph).status_code == 204

        answers_and_keeps_the_store()
