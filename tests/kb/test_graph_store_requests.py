"""Graph Store requests: direct and indirect graph identification, new graphs, multipart bodies."""

from __future__ import annotations

import pytest

from kb.errors import InputError
from kb.protocol.graph_store_requests import GraphTarget, documents, identify
from kb.protocol.requests import UnsupportedMediaTypeError

STORE = "http://127.0.0.1:8000/store"


def test_direct_identification_the_request_url_is_the_graph() -> None:
    assert identify(STORE, "/person/1.ttl", [], method="PUT") == GraphTarget(
        STORE + "/person/1.ttl"
    )


def test_indirect_identification_and_the_default_graph() -> None:
    assert identify(STORE, "", [("graph", "http://e/g")], method="GET").graph == "http://e/g"
    assert identify(STORE, "", [("default", "")], method="GET") == GraphTarget(None)


def test_a_post_to_the_store_itself_names_a_new_graph_under_the_store() -> None:
    first = identify(STORE, "", [], method="POST")
    second = identify(STORE, "/", [], method="POST")
    assert first.new
    assert second.new
    assert first.graph is not None
    assert first.graph.startswith(STORE + "/")
    assert first.graph != second.graph


@pytest.mark.parametrize(
    ("path", "params", "method"),
    [
        ("", [("graph", "")], "PUT"),
        ("", [("graph", "notanabsoluteiri")], "PUT"),
        ("", [("graph", "http://e/a b")], "GET"),
        ("", [("graph", "http://e/a"), ("graph", "http://e/b")], "GET"),
        ("", [("graph", "http://e/a"), ("default", "")], "DELETE"),
        ("/x", [("default", "")], "GET"),
        ("", [], "PUT"),
        ("", [], "GET"),
    ],
)
def test_a_graph_named_badly_or_twice_is_refused(
    path: str, params: list[tuple[str, str]], method: str
) -> None:
    with pytest.raises(InputError):
        identify(STORE, path, params, method=method)


def test_a_multipart_body_is_one_document_per_part() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="a.ttl"; filename="a.ttl"\r\n'
        b"Content-Type: text/turtle; charset=utf-8\r\n\r\n<http://e/a> <http://e/p> 1 .\r\n"
        b'--b\r\nContent-Disposition: form-data; name="b"\r\n'
        b"Content-Type: application/n-triples\r\n\r\n<http://e/b> <http://e/p> 2 .\r\n--b--\r\n"
    )
    parts = documents("multipart/form-data; boundary=b", body)
    assert [(name, fmt) for name, fmt, _ in parts] == [("a.ttl", "ttl"), ("b", "nt")]
    assert parts[1][2].strip() == b"<http://e/b> <http://e/p> 2 ."


def test_a_part_in_a_media_type_that_is_not_rdf_is_unsupported() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="x"\r\n'
        b"Content-Type: text/plain\r\n\r\nx\r\n--b--\r\n"
    )
    with pytest.raises(UnsupportedMediaTypeError):
        documents("multipart/form-data; boundary=b", body)
