"""The update guard: srkb's own graphs are beyond /update; ALL and NAMED mean the user's."""

from __future__ import annotations

import pytest

from kb.errors import InputError, WriteRefusedError
from kb.namespaces import GRAPH_BASE, HISTORY_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH, source_graph
from kb.protocol.update_guard import guard_update

USER = "http://example.org/g"


@pytest.mark.parametrize(
    "update",
    [
        f"DROP GRAPH <{SHAPES_GRAPH}>",
        f"PREFIX g: <{GRAPH_BASE}> DROP SILENT GRAPH g:shapes",
        f"CLEAR GRAPH <{HISTORY_GRAPH}>",
        f'INSERT DATA {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <http://e/a> <http://e/b> "<script>" }} }}',
        f"DELETE DATA {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <http://e/a> <http://e/b> <http://e/c> }} }}",
        f"DELETE WHERE {{ GRAPH <{GRAPH_BASE}inferred> {{ ?s ?p ?o }} }}",
        f"WITH <{GRAPH_BASE}validation> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
        f"INSERT {{ GRAPH <{GRAPH_BASE}provenance> {{ ?s ?p 1 }} }} WHERE {{ ?s ?p ?o }}",
        f"CREATE GRAPH <{GRAPH_BASE}new>",
        f"ADD <{USER}> TO <{SHAPES_GRAPH}>",
        f"COPY DEFAULT TO <{SHAPES_GRAPH}>",
        f"MOVE <{SHAPES_GRAPH}> TO <{USER}>",
        f"INSERT DATA {{ GRAPH <{USER}> {{ <http://e/a> <http://e/b> 1 }} }} ; "
        f"DROP GRAPH <{SHAPES_GRAPH}>",
    ],
)
def test_an_update_that_writes_srkbs_graphs_is_refused_naming_the_graph(update: str) -> None:
    with pytest.raises(WriteRefusedError, match=r"<https://w3id\.org/srkb/graph/[\w-]+>"):
        guard_update(update)


def test_a_template_with_a_graph_variable_is_refused() -> None:
    with pytest.raises(WriteRefusedError, match=r"GRAPH \?g"):
        guard_update("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }")


def test_reading_srkbs_graphs_is_allowed() -> None:
    guarded = guard_update(
        f"INSERT {{ GRAPH <{USER}> {{ ?c a <http://e/C> }} }} "
        f"USING <{ONTOLOGY_GRAPH}> WHERE {{ ?c a ?t }} ; ADD <{SHAPES_GRAPH}> TO <{USER}>"
    )
    assert guarded.targets == {USER}


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ("DROP SILENT ALL", f"DROP SILENT GRAPH <{USER}> ;\nDROP SILENT DEFAULT"),
        ("clear all", f"CLEAR SILENT GRAPH <{USER}> ;\nCLEAR SILENT DEFAULT"),
        ("CLEAR NAMED", f"CLEAR SILENT GRAPH <{USER}>"),
        ("DROP NAMED", f"DROP SILENT GRAPH <{USER}>"),
    ],
)
def test_all_and_named_mean_the_users_graphs(update: str, expected: str) -> None:
    graphs = [USER, SHAPES_GRAPH, ONTOLOGY_GRAPH, HISTORY_GRAPH]
    assert guard_update(update).text_for(graphs) == expected


def test_all_includes_graphs_the_request_itself_writes_and_source_graphs() -> None:
    text = guard_update(
        "INSERT DATA { GRAPH <http://e/new> { <http://e/a> <http://e/b> 1 } } ; "
        "# DROP ALL in a comment is not an operation\nCLEAR NAMED"
    ).text_for([source_graph("campus.ttl"), SHAPES_GRAPH])
    assert text.endswith(
        f"CLEAR SILENT GRAPH <http://e/new> ;\nCLEAR SILENT GRAPH <{source_graph('campus.ttl')}>"
    )
    assert "# DROP ALL in a comment" in text


def test_named_with_no_user_graph_is_an_update_that_changes_nothing() -> None:
    assert guard_update("CLEAR NAMED").text_for([SHAPES_GRAPH]) == "INSERT DATA { }"


def test_using_graph_uri_becomes_using_clauses_of_every_where() -> None:
    guarded = guard_update(
        "INSERT { GRAPH <http://e/o> { ?s a 1 } } WHERE { ?s a ?t } ;\n"
        "DELETE { ?a ?b ?c } WHERE { { SELECT * WHERE { ?a ?b ?c } } }",
        using_graphs=["http://e/d"],
        using_named_graphs=["http://e/n"],
    )
    using = "USING <http://e/d> USING NAMED <http://e/n> WHERE"
    assert guarded.text_for([]).count(using) == 2


@pytest.mark.parametrize(
    "update",
    [
        "WITH <http://e/w> DELETE { ?s ?p 1 } WHERE { ?s ?p 2 }",
        "DELETE { ?s ?p 1 } USING <http://e/u> WHERE { ?s ?p 2 }",
        "DELETE WHERE { ?s ?p 1 }",
    ],
)
def test_using_graph_uri_with_the_requests_own_dataset_is_refused(update: str) -> None:
    with pytest.raises(InputError):
        guard_update(update, using_named_graphs=["http://e/people"])


def test_relative_graph_iris_are_resolved_against_the_base_before_the_check() -> None:
    with pytest.raises(WriteRefusedError):
        guard_update("DROP GRAPH <shapes>", base=GRAPH_BASE + "x")
