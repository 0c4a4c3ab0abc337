"""Linked data (/id, /data, /page), exports and the model over real HTTP against the campus demo.

Every RDF answer is parsed back with rdflib: a body that only looks right does not pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from rdflib import OWL, RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.term import BNode, Node

from kb.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH, source_graph
from tests.support.app_server_ecosystem import demo_client

EX = Namespace("https://example.org/campus#")
SRKB = Namespace("https://w3id.org/srkb#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SOURCE = source_graph("campus.ttl")
IT = EX.IT
CTP = (IT, RDF.type, SRKB.ConsumerTurnedProvider)

#: short format -> (media type, rdflib parser name, keeps graph names)
FORMATS = {
    "ttl": ("text/turtle", "turtle", False),
    "trig": ("application/trig", "trig", True),
    "nt": ("application/n-triples", "nt", False),
    "nq": ("application/n-quads", "nquads", True),
    "jsonld": ("application/ld+json", "json-ld", True),
    "rdfxml": ("application/rdf+xml", "xml", False),
}
TRIPLE_FORMATS = ("ttl", "jsonld", "nt", "rdfxml")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with demo_client(tmp_path_factory.mktemp("linked-data-app")) as http:
        yield http


def parse_graph(body: bytes, fmt: str) -> Graph:
    graph = Graph()
    graph.parse(data=body, format=FORMATS[fmt][1])
    return graph


def parse_dataset(body: bytes, fmt: str) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=body, format=FORMATS[fmt][1])
    return dataset


def ground(triples: Iterator[tuple[Node, Node, Node]]) -> set[tuple[Node, Node, Node]]:
    """Triples without blank nodes (blank node labels differ between serialisations)."""
    return {t for t in triples if not any(isinstance(term, BNode) for term in t)}


def named_graphs(dataset: Dataset) -> dict[str, set[tuple[Node, Node, Node]]]:
    """Each non-empty named graph's ground triples, by graph name."""
    found = {}
    for graph in dataset.graphs():
        name = str(graph.identifier)
        if len(graph) and name != str(Dataset().default_graph.identifier):
            found[name] = ground(graph.triples((None, None, None)))
    return found


def export(client: httpx.Client, fmt: str, **params: object) -> bytes:
    response = client.get("/export", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == FORMATS[fmt][0]
    return response.content


# -- /id ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
        "*/*",
        "",
    ],
)
def test_id_sends_rdf_clients_to_data(client: httpx.Client, accept: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id", params={"iri": IT}, headers=headers)
    assert response.status_code == 303
    assert "accept" in response.headers["vary"].lower()
    location = urlsplit(response.headers["location"])
    assert location.path == "/data"
    assert parse_qs(location.query) == {"iri": [str(IT)]}


@pytest.mark.parametrize(
    "accept", ["text/html", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]
)
def test_id_sends_browsers_to_the_page(client: httpx.Client, accept: str) -> None:
    response = client.get("/id", params={"iri": IT}, headers={"Accept": accept})
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/page"
    assert parse_qs(location.query) == {"iri": [str(IT)]}
    followed = client.get(response.headers["location"], headers={"Accept": accept})
    assert followed.status_code == 200
    assert followed.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("fmt", TRIPLE_FORMATS)
def test_id_followed_gives_the_resource_in_the_accepted_format(
    client: httpx.Client, fmt: str
) -> None:
    media = FORMATS[fmt][0]
    response = client.get(
        "/id", params={"iri": IT}, headers={"Accept": media}, follow_redirects=True
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert CTP in parse_graph(response.content, fmt)


# -- /data --------------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["accept", "format"])
@pytest.mark.parametrize("fmt", TRIPLE_FORMATS)
def test_data_describes_the_resource_with_its_inferred_type(
    client: httpx.Client, fmt: str, by: str
) -> None:
    media = FORMATS[fmt][0]
    if by == "accept":
        response = client.get("/data", params={"iri": IT}, headers={"Accept": media})
    else:
        response = client.get("/data", params={"iri": IT, "format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    graph = parse_graph(response.content, fmt)
    assert CTP in graph, "the inferred role is part of the description"
    assert (IT, RDF.type, URIRef("http://www.w3.org/ns/org#Organization")) in graph
    assert (IT, RDFS.label, None) in graph
    # incoming links too: the relationships in which IT is the consumer
    assert (EX["rel-facility-it-space"], SRKB.hasConsumer, IT) in graph
    assert all(IT in (s, o) for s, _, o in graph), "only triples about the resource"


def test_data_of_an_unknown_iri_is_404(client: httpx.Client) -> None:
    response = client.get("/data", params={"iri": "https://example.org/campus#Nobody"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("route", ["/id", "/data", "/page"])
@pytest.mark.parametrize("value", ["IT", "ex:IT", "https://example.org/campus#a b", "<urn:x>"])
def test_text_that_is_not_an_iri_is_400(client: httpx.Client, route: str, value: str) -> None:
    response = client.get(route, params={"iri": value})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("route", ["/id", "/data", "/page"])
def test_missing_iri_is_422(client: httpx.Client, route: str) -> None:
    assert client.get(route).status_code == 422


def test_data_in_an_unknown_format_is_400_and_unacceptable_media_is_406(
    client: httpx.Client,
) -> None:
    assert client.get("/data", params={"iri": IT, "format": "trig"}).status_code == 400
    response = client.get("/data", params={"iri": IT}, headers={"Accept": "image/png"})
    assert response.status_code == 406


# -- /page --------------------------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def page_iris(hrefs: list[str]) -> set[str]:
    return {parse_qs(urlsplit(h).query)["iri"][0] for h in hrefs if urlsplit(h).path == "/page"}


def test_page_is_html_with_links_to_related_resources_and_the_data(client: httpx.Client) -> None:
    response = client.get("/page", params={"iri": IT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<h1>IT Department</h1>" in html, "the page is titled with the resource's label"
    assert str(IT) in html
    hrefs = links(html)
    linked = page_iris(hrefs)
    assert str(SRKB.ConsumerTurnedProvider) in linked
    assert str(EX["rel-facility-it-space"]) in linked, "incoming links are linked too"
    data_links = [h for h in hrefs if urlsplit(h).path == "/data"]
    assert {parse_qs(urlsplit(h).query)["format"][0] for h in data_links} >= {"ttl", "jsonld"}
    for href in data_links:
        assert parse_qs(urlsplit(href).query)["iri"] == [str(IT)]
    # the links lead somewhere
    for iri in sorted(linked)[:5]:
        assert client.get("/page", params={"iri": iri}).status_code == 200, iri
    assert client.get(data_links[0]).status_code == 200


def test_page_of_an_unknown_iri_is_404(client: httpx.Client) -> None:
    assert (
        client.get("/page", params={"iri": "https://example.org/campus#Nobody"}).status_code == 404
    )


# -- /export ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quads(client: httpx.Client) -> dict[str, set[tuple[Node, Node, Node]]]:
    """The full export in N-Quads, by graph: the reference the other formats are compared with."""
    return named_graphs(parse_dataset(export(client, "nq"), "nq"))


def test_export_keeps_the_knowledge_graphs_and_the_inferred_graph(
    quads: dict[str, set[tuple[Node, Node, Node]]],
) -> None:
    assert set(quads) == {ONTOLOGY_GRAPH, SOURCE, INFERRED_GRAPH}
    assert CTP in quads[INFERRED_GRAPH]
    assert (IT, RDF.type, URIRef("http://www.w3.org/ns/org#Organization")) in quads[SOURCE]
    assert (URIRef("https://w3id.org/srkb"), RDF.type, OWL.Ontology) in quads[ONTOLOGY_GRAPH]


@pytest.mark.parametrize("fmt", ["trig", "jsonld"])
def test_quad_formats_keep_graph_names(
    client: httpx.Client, fmt: str, quads: dict[str, set[tuple[Node, Node, Node]]]
) -> None:
    assert named_graphs(parse_dataset(export(client, fmt), fmt)) == quads


@pytest.mark.parametrize("fmt", ["ttl", "nt", "rdfxml"])
def test_triple_formats_merge_the_graphs(
    client: httpx.Client, fmt: str, quads: dict[str, set[tuple[Node, Node, Node]]]
) -> None:
    merged = set().union(*quads.values())
    assert ground(parse_graph(export(client, fmt), fmt).triples((None, None, None))) == merged


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_is_negotiated_by_accept(client: httpx.Client, fmt: str) -> None:
    response = client.get("/export", headers={"Accept": FORMATS[fmt][0]})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == FORMATS[fmt][0]


@pytest.mark.parametrize("fmt", ["nq", "trig", "nt", "ttl"])
def test_export_of_one_named_graph(
    client: httpx.Client, fmt: str, quads: dict[str, set[tuple[Node, Node, Node]]]
) -> None:
    body = export(client, fmt, graph=SOURCE)
    if FORMATS[fmt][2]:
        assert named_graphs(parse_dataset(body, fmt)) == {SOURCE: quads[SOURCE]}
    else:
        assert ground(parse_graph(body, fmt).triples((None, None, None))) == quads[SOURCE]


@pytest.mark.parametrize("fmt", ["nq", "ttl"])
def test_export_without_inferences_lacks_the_inferred_triples(
    client: httpx.Client, fmt: str, quads: dict[str, set[tuple[Node, Node, Node]]]
) -> None:
    body = export(client, fmt, inferred="false")
    if FORMATS[fmt][2]:
        graphs = named_graphs(parse_dataset(body, fmt))
        assert set(graphs) == {ONTOLOGY_GRAPH, SOURCE}
        triples = set().union(*graphs.values())
    else:
        triples = ground(parse_graph(body, fmt).triples((None, None, None)))
    assert CTP not in triples
    assert triples == quads[ONTOLOGY_GRAPH] | quads[SOURCE]


def test_export_of_an_unknown_graph_is_404(client: httpx.Client) -> None:
    response = client.get("/export", params={"graph": "https://example.org/no-such-graph"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_export_in_an_unknown_format_is_400(client: httpx.Client) -> None:
    response = client.get("/export", params={"format": "docx"})
    assert response.status_code == 400
    assert "ttl" in response.json()["detail"]


# -- the model ----------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["accept", "format"])
@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_ontology_is_the_srkb_owl_ontology(client: httpx.Client, fmt: str, by: str) -> None:
    media = FORMATS[fmt][0]
    if by == "accept":
        response = client.get("/ontology", headers={"Accept": media})
    else:
        response = client.get("/ontology", params={"format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    graph = parse_graph(response.content, fmt)
    assert (URIRef("https://w3id.org/srkb"), RDF.type, OWL.Ontology) in graph
    assert (SRKB.ConsumerTurnedProvider, RDF.type, OWL.Class) in graph
    assert not list(graph.subjects(RDF.type, SH.NodeShape)), "shapes are not in the ontology"


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_shapes_are_the_precondition_shapes(
    client: httpx.Client, fmt: str, quads: dict[str, set[tuple[Node, Node, Node]]]
) -> None:
    response = client.get("/shapes", params={"format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == FORMATS[fmt][0]
    graph = parse_graph(response.content, fmt)
    preconditions = {
        int(p)
        for shape in graph.subjects(RDF.type, SH.NodeShape)
        for p in graph.objects(shape, SRKB.precondition)
        if isinstance(p, Literal)
    }
    assert {1, 2, 3} <= preconditions
    assert SHAPES_GRAPH not in quads, "the shapes are not part of the knowledge export"


@pytest.mark.parametrize("route", ["/ontology", "/shapes"])
def test_model_in_a_quad_format_is_400(client: httpx.Client, route: str) -> None:
    assert client.get(route, params={"format": "nq"}).status_code == 400


# -- home and icon ------------------------------------------------------------------------------


def test_home_page_links_the_organisations_and_the_report(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    hrefs = links(response.text)
    assert str(IT) in page_iris(hrefs)
    assert any(urlsplit(h).path == "/validation" for h in hrefs)


def test_favicon_is_served(client: httpx.Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/")
    assert b"<svg" in response.content
