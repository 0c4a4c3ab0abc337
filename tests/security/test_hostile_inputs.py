"""Issue 12's reproductions, one test each, at the door where each broke (CLI, kb).

Each was checked to fail before its fix: a signal (rc -11, SIGSEGV), a traceback, or a wrong
answer. The HTTP doors are in ``test_hostile_requests.py``; the whole corpus in
``test_hostile_corpus.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.errors import InputError, QuerySyntaxError
from kb.interchange.guards import MAX_DOCUMENT_NESTING, check_document
from kb.sparql.guard import MAX_SPARQL_NESTING, MAX_SPARQL_OPERATORS, scan_sparql
from tests.support.hostile_corpus import DOCUMENTS, QUERIES

REPOSITORY = Path(__file__).resolve().parents[2]


def srkb(
    *args: str | Path, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``srkb ARGS`` as a user runs it, in its own process (a crash is a signal, not a hang)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRKB_")} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "kb", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        env=env,
        timeout=timeout,
        check=False,
    )


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Refused by srkb itself: exit 2, one ``error:`` line, no traceback, no signal."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0], lines[0]


# -- 1. SPARQL nesting and operator chains ---------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["plus-chain-15k", "and-chain-15k", "not-chain-30k", "parentheses-10k", "braces-10k"],
)
def test_the_sparql_guard_refuses_what_would_overflow_the_engine(name: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        scan_sparql(QUERIES[name])
    limit = str(MAX_SPARQL_OPERATORS) if "chain" in name else str(MAX_SPARQL_NESTING)
    assert limit in str(caught.value)
    assert caught.value.line == 1
    assert caught.value.column is not None


def test_the_sparql_guard_measures_outside_strings_iris_and_comments() -> None:
    """Brackets and operators inside literals, IRIs and comments are not structure."""
    hidden = "(" * 5_000 + "+" * 5_000
    text = f"SELECT * WHERE {{ ?s <urn:a{'+' * 3_000}> '{hidden}' }} # {hidden}\n"
    assert scan_sparql(text).kind == "select"
    assert scan_sparql('ASK { ?s ?p """a "quoted" ((( +++ """ }').kind == "ask"


def test_the_sparql_guard_lets_long_flat_queries_through() -> None:
    """Data-heavy but flat texts pass: long VALUES, IN lists and INSERT DATA with negatives."""
    values = " ".join(f"<urn:x{i}>" for i in range(20_000))
    assert scan_sparql(f"SELECT * {{ VALUES ?x {{ {values} }} }}").kind == "select"
    numbers = ", ".join(str(-i) for i in range(20_000))
    assert scan_sparql(f"SELECT * {{ ?s ?p ?o FILTER(?o IN ({numbers})) }}").kind == "select"
    data = " ".join(f"<urn:s{i}> <urn:p> -{i} ." for i in range(20_000))
    assert scan_sparql(f"INSERT DATA {{ {data} }}").kind == "update"


@pytest.mark.parametrize(
    ("text", "service", "load"),
    [
        ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", True, False),
        ("select * { service silent <http://x/> { } }", True, False),
        ("PREFIX s: <urn:s#> SELECT * { ?service s:SERVICE 'SERVICE' } # SERVICE", False, False),
        ("LOAD <http://x/> INTO GRAPH <urn:g>", False, True),
        ("INSERT DATA { <urn:a> <urn:load> 'LOAD' }", False, False),
    ],
)
def test_the_sparql_guard_finds_service_and_load_as_keywords_only(
    text: str, service: bool, load: bool
) -> None:
    shape = scan_sparql(text)
    assert (shape.uses_service, shape.loads_url) == (service, load)


def test_srkb_query_refuses_an_operator_chain_instead_of_crashing(tmp_path: Path) -> None:
    """Issue 12 item 1: ``srkb query`` of a 30 KB ``1+1+...`` ended with SIGSEGV (rc 139)."""
    query = tmp_path / "chain.rq"
    query.write_text(QUERIES["plus-chain-15k"], encoding="utf-8")
    result = srkb("--store", "memory", "query", query)
    assert_one_line_refusal(result, str(MAX_SPARQL_OPERATORS), "operators")


# -- 2. Document nesting and token sizes -----------------------------------------------------------


def test_the_document_guard_does_not_need_python_to_accept_the_json() -> None:
    """A 4,301-digit number made the old guard (json.loads) give up and let 5,000 levels by."""
    fmt, data = DOCUMENTS["jsonld-number-then-5k-objects"]
    with pytest.raises(InputError) as caught:
        check_document(data, fmt, name="bomb.jsonld")
    assert str(MAX_DOCUMENT_NESTING) in str(caught.value)
    assert caught.value.source == "bomb.jsonld"
    assert caught.value.line == 1


@pytest.mark.parametrize(
    "name", ["jsonld-5k-objects", "jsonld-10k-arrays", "ttl-100k-brackets", "trig-10k-graphs-deep"]
)
def test_the_document_guard_refuses_deep_nesting_in_every_format(name: str) -> None:
    fmt, data = DOCUMENTS[name]
    with pytest.raises(InputError, match="levels deep"):
        check_document(data, fmt, name=name)


def test_the_document_guard_ignores_brackets_inside_strings() -> None:
    data = b'{"@id": "urn:a", "urn:p": "' + b"{[" * 10_000 + b'"}'
    check_document(data, "jsonld", name="x.jsonld")
    check_document(b'<urn:a> <urn:p> """' + b"[(" * 10_000 + b'""" .', "ttl", name="x.ttl")


def test_srkb_load_refuses_the_number_then_nesting_bomb(tmp_path: Path) -> None:
    """Issue 12 item 2: ``srkb load`` of this document ended with SIGSEGV (rc 139)."""
    path = tmp_path / "bomb.jsonld"
    path.write_bytes(DOCUMENTS["jsonld-number-then-5k-objects"][1])
    result = srkb("--store", "memory", "load", path)
    assert_one_line_refusal(result, "bomb.jsonld", "levels deep")


# -- 8. Located errors, never a traceback ----------------------------------------------------------


def test_srkb_load_refuses_a_literal_over_the_parsers_buffer_in_one_line(tmp_path: Path) -> None:
    """Issue 12 item 8: a 17 MB literal gave a MemoryError traceback and rc 1."""
    path = tmp_path / "big.nt"
    path.write_bytes(DOCUMENTS["nt-giant-literal-17mb"][1])
    result = srkb("--store", "memory", "load", path)
    assert_one_line_refusal(result, "big.nt")


# -- 5. srkb query has the service's limits --------------------------------------------------------

VALUES_1000 = " ".join(str(i) for i in range(1_000))
ENDLESS = (
    f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {VALUES_1000} }} "
    f"VALUES ?b {{ {VALUES_1000} }} VALUES ?c {{ {VALUES_1000} }} }}"
)


def test_srkb_query_gives_up_at_the_query_timeout(tmp_path: Path) -> None:
    """Item 5: ``srkb query`` applied no timeout to the embedded store (1e9 rows ran on)."""
    query = tmp_path / "endless.rq"
    query.write_text(ENDLESS, encoding="utf-8")
    env = {"SRKB_QUERY_TIMEOUT": "2"}
    started = time.monotonic()
    result = srkb("--store", "memory", "query", query, env=env, timeout=60)
    assert time.monotonic() - started < 30
    assert_one_line_refusal(result, "2 s")


@pytest.mark.extended  # the mechanism is tested over HTTP in test_hostile_requests.py
def test_srkb_query_on_a_disk_store_meets_the_memory_cap(tmp_path: Path) -> None:
    """Item 5: the CLI honours SRKB_QUERY_MEMORY as the service does (a worker process)."""
    store = tmp_path / "store"
    assert srkb("--store", store, "demo").returncode == 0
    query = tmp_path / "growing.rq"
    query.write_text(
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?b ?c ?d ?e ?f ?g ?h ?i",
        encoding="utf-8",
    )
    env = {"SRKB_QUERY_MEMORY": "256", "SRKB_QUERY_TIMEOUT": "60"}
    result = srkb("--store", store, "query", query, env=env, timeout=120)
    assert_one_line_refusal(result, "SRKB_QUERY_MEMORY")


# -- 9. error lists are capped -----------------------------------------------------------------


def test_an_import_with_thousands_of_problems_lists_the_first_hundred() -> None:
    """Item 9: 400k duplicate ids gave a 179 MB error; the list is capped, the count is not."""
    from kb.interchange.importing import parse_tabular
    from kb.interchange.tabular_reading import MAX_LISTED, ImportValidationError

    rows = "".join(f"  - {{id: Same, label: Org {i}}}\n" for i in range(2_000))
    text = "base: https://example.org/eco#\norganisations:\n" + rows
    with pytest.raises(ImportValidationError) as caught:
        parse_tabular(text.encode(), "yaml", name="dupes.yaml")
    error = caught.value
    assert error.total >= 1_999
    assert len(error.problems) == MAX_LISTED == 100
    assert f"the first 100 of {error.total:,} problems" in str(error)
    assert len(str(error)) < 100 * 400


# -- 10. redaction of any percent-encoding ----------------------------------------------------


@pytest.mark.parametrize(
    "logged",
    [
        "GET /sparql?token=tok%2DSECRET%20x HTTP/1.1",  # the issue's: %2D for "-"
        "GET /sparql?token=tok%2dSECRET+x HTTP/1.1",  # lower-case hex, "+" for the space
        "GET /sparql?token=%74%6F%6B-%53ECRET%20x HTTP/1.1",  # letters encoded too
        "GET /sparql?token=tok-SECRET x HTTP/1.1",
    ],
)
def test_a_token_is_redacted_however_it_was_percent_encoded(logged: str) -> None:
    """Item 10: the access log's redaction missed ``?token=tok%2DSECRET...``."""
    from api.log_redaction import REDACTED, SecretRedactor

    redacted = SecretRedactor(["tok-SECRET x"]).redact(logged)
    assert REDACTED in redacted
    assert "SECRET" not in redacted


# -- 12. source graphs and void:triples -------------------------------------------------------


def test_two_files_of_one_name_never_share_a_graph(tmp_path: Path) -> None:
    """Item 12: ``srkb load d1/same.nt d2/same.nt`` put both into ``source/same.nt``."""
    from kb.interchange.loading import load_files
    from kb.store import open_store

    for folder, triple in (
        ("d1", "<urn:a> <urn:p> <urn:b> ."),
        ("d2", "<urn:c> <urn:p> <urn:d> ."),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.nt").write_text(triple + "\n", encoding="utf-8")
    store = open_store("memory")
    with pytest.raises(InputError, match=r"both named 'same\.nt'"):
        load_files(store, [tmp_path / "d1" / "same.nt", tmp_path / "d2" / "same.nt"])
    assert store.count() == 0  # refused whole
    result = srkb(
        "--store", tmp_path / "store", "load", tmp_path / "d1/same.nt", tmp_path / "d2/same.nt"
    )
    assert_one_line_refusal(result, "same.nt")


@pytest.mark.parametrize("bulk", [False, True])
def test_void_triples_counts_the_distinct_triples_of_the_graph(tmp_path: Path, bulk: bool) -> None:
    """A triple stated twice is counted once; one in another graph of the file counts too."""
    from kb.interchange.loading import load_files
    from kb.namespaces import source_graph
    from kb.store import open_store

    path = tmp_path / "twice.trig"
    path.write_text(
        "<urn:a> <urn:p> <urn:b> . <urn:a> <urn:p> <urn:b> . <urn:c> <urn:p> <urn:d> .\n"
        "<urn:other> { <urn:x> <urn:p> <urn:y> . }\n",
        encoding="utf-8",
    )
    store = open_store(tmp_path / "store" if bulk else "memory")
    try:
        load_files(store, [path], bulk_threshold=1 if bulk else None)
        graph = source_graph("twice.trig")
        void = "<http://rdfs.org/ns/void#triples>"
        result = store.query(f"SELECT ?n WHERE {{ GRAPH <{graph}> {{ <{graph}> {void} ?n }} }}")
        assert [int(row[0]) for row in result.rows] == [3]  # type: ignore[arg-type]
    finally:
        store.close()


# -- 11. history retention -------------------------------------------------------------------


def test_the_history_keeps_the_newest_runs_only() -> None:
    """Item 11: every run was kept for ever (190k triples a run at 1M triples)."""
    from datetime import UTC, datetime, timedelta

    from kb.interchange.loading import install_model
    from kb.store import open_store
    from kb.validation.history import Run, record, runs
    from kb.validation.readiness import readiness
    from kb.validation.shacl import validate

    store = open_store("memory")
    install_model(store)
    report = validate(store)
    scores = readiness(store, report)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    recorded = []
    for day in range(7):
        first = Run.of(report, scores)
        run = Run(start + timedelta(days=day), first.conforms, first.findings, first.scores)
        recorded.append(record(store, run, keep=3).iri)
    kept = runs(store)
    assert [r.iri for r in kept] == recorded[-3:]
    leftovers = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/srkb/graph/validation-history> "
        "{ ?s ?p ?o } FILTER(STRSTARTS(STR(?s), STR(<" + recorded[0] + ">))) }"
    )
    assert int(leftovers.rows[0][0]) == 0  # type: ignore[arg-type]


# -- 3. classifying a request takes no shared lock --------------------------------------------


def test_the_query_policy_does_not_wait_for_rdflibs_parser_lock() -> None:
    """Item 3: requests were classified by rdflib under one process-wide lock (55 s for one).

    With the lock held elsewhere (as a 250 KB request being parsed held it), a 250 KB query is
    still classified: the guard needs no parser and no lock.
    """
    import threading

    from kb.protocol.sparql_endpoint import check_query
    from kb.sparql.text import RDFLIB_PARSER_LOCK

    values = " ".join(f"<urn:x{i}>" for i in range(18_000))
    text = f"SELECT * WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?o }}"
    done = threading.Event()
    with RDFLIB_PARSER_LOCK:
        worker = threading.Thread(target=lambda: (check_query(text), done.set()), daemon=True)
        worker.start()
        finished = done.wait(timeout=20)
    assert finished, "check_query waited for rdflib's parser lock"
