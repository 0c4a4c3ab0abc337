"""Reading SPARQL 1.1 Protocol requests: one operation, its dataset, and what must be refused."""

from __future__ import annotations

import pytest

from kb.errors import InputError
from kb.protocol.requests import (
    QueryRequest,
    UnsupportedMediaTypeError,
    UpdateRequest,
    query_request,
    update_request,
)

FORM = "application/x-www-form-urlencoded"


def test_a_get_query_with_its_dataset() -> None:
    url = [
        ("query", "ASK {}"),
        ("default-graph-uri", "http://e/a"),
        ("named-graph-uri", "http://e/b"),
    ]
    assert query_request("GET", url, None, b"") == QueryRequest(
        "ASK {}", ("http://e/a",), ("http://e/b",)
    )


def test_a_get_without_a_query_asks_for_the_service_description() -> None:
    assert query_request("GET", [], None, b"") is None


def test_a_form_post_takes_the_dataset_from_the_url_when_the_form_has_none() -> None:
    request = query_request(
        "POST", [("default-graph-uri", "http://e/a")], FORM, b"query=ASK%20%7B%7D"
    )
    assert request == QueryRequest("ASK {}", ("http://e/a",), ())


@pytest.mark.parametrize(
    ("method", "url", "content_type", "body"),
    [
        ("GET", [("query", "ASK {}"), ("query", "SELECT * {}")], None, b""),
        ("GET", [("update", "CLEAR ALL")], None, b""),
        ("POST", [], FORM, b"query=ASK%20%7B%7D&query=ASK%20%7B%7D"),
        ("POST", [], FORM, b"update=CLEAR%20ALL"),
        ("POST", [], FORM, b"default-graph-uri=http%3A%2F%2Fe%2Fa"),
        ("POST", [("query", "ASK {}")], "application/sparql-query", b"ASK {}"),
        ("POST", [], "application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16")),
        ("POST", [], "application/sparql-query", b"ASK { \xff }"),
    ],
)
def test_malformed_query_requests_are_refused(
    method: str, url: list[tuple[str, str]], content_type: str | None, body: bytes
) -> None:
    with pytest.raises(InputError) as caught:
        query_request(method, url, content_type, body)
    assert not isinstance(caught.value, UnsupportedMediaTypeError)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/sparql-update"])
def test_a_query_post_in_another_media_type_is_unsupported(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaTypeError):
        query_request("POST", [], content_type, b"ASK {}")


def test_an_update_with_its_using_dataset() -> None:
    url = [("using-graph-uri", "http://e/a"), ("using-named-graph-uri", "http://e/b")]
    request = update_request(url, "application/sparql-update", b"CLEAR ALL")
    assert request == UpdateRequest("CLEAR ALL", ("http://e/a",), ("http://e/b",))


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT"),
        (FORM, b"query=ASK%20%7B%7D"),
        ("application/sparql-update; charset=UTF-16", "CLEAR NAMED".encode("utf-16")),
    ],
)
def test_malformed_update_requests_are_refused(content_type: str, body: bytes) -> None:
    with pytest.raises(InputError):
        update_request([], content_type, body)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/sparql-query"])
def test_an_update_post_in_another_media_type_is_unsupported(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaTypeError):
        update_request([], content_type, b"update=CLEAR%20NAMED")
