"""Messy data over real HTTP (issue 15, item 2): a blank-node organisation written by PUT.

Before, validation after the write failed on the blank node (the saved report wrote it as ``<o>``),
so the PUT answered 400 although the data was written, and /validation kept the old report.
"""

from __future__ import annotations

from kb.namespaces import source_graph
from tests.support.app_server import API_TOKEN, StartServer

GRAPH = source_graph("blank-consumer.ttl")
DATA = b"""
@prefix ex: <https://example.org/campus#> .
@prefix srkb: <https://w3id.org/srkb#> .
ex:rel-blank srkb:hasProvider ex:IT ; srkb:hasConsumer _:o ; srkb:concernsService ex:WorkplaceIT .
_:o srkb:registersComponent ex:blank-component .
"""


def test_put_of_a_blank_node_organisation_is_validated_and_reported(
    start_server: StartServer,
) -> None:
    with start_server(SRKB_API_TOKEN=API_TOKEN).client(API_TOKEN) as client:
        put = client.put(
            "/store", params={"graph": GRAPH}, content=DATA, headers={"Content-Type": "text/turtle"}
        )
        assert put.status_code in (200, 201, 204), put.text
        response = client.get("/validation", params={"format": "json"})
        assert response.status_code == 200, response.text
        body = response.json()
        blank = [
            f
            for f in body["findings"]
            if f["focus"] == "https://example.org/campus#blank-component"
        ]
        assert blank, body
        assert all(f["organisation"].startswith("_:") for f in blank)
