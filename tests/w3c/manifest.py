"""Read the W3C protocol manifests (``../shared/w3c/``) into plain request/response records.

The manifests describe each test as HTTP exchanges in RDF (the W3C HTTP vocabulary): a list of
requests, each with a method, a path, headers and a body, and what the response must be (status
codes, a result format, an ASK answer, a Content-Type, a graph, a Location to remember). The
records below carry exactly that, so that the player (:mod:`tests.w3c.player`) never reads RDF.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")


def _suites() -> Path:
    """``SRKB_W3C_SUITES``, else the first ``shared/w3c`` beside the repository or an ancestor.

    The manifests live in the team's shared folder (``../shared/w3c`` from the main clone), not in
    the repository; a missing folder fails the tests rather than skipping them.
    """
    if "SRKB_W3C_SUITES" in os.environ:
        return Path(os.environ["SRKB_W3C_SUITES"])
    repository = Path(__file__).resolve().parents[2]
    for folder in repository.parents:
        if (folder / "shared" / "w3c" / "protocol" / "manifest.ttl").is_file():
            return folder / "shared" / "w3c"
    return repository.parent / "shared" / "w3c"


#: Where the manifests are.
SUITES = _suites()

#: The status codes the manifests name, by local name (``hts:Created``); classes are ranges.
STATUS_NAMES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
STATUS_CLASSES = {"StatusCode2xx": 2, "StatusCode3xx": 3, "StatusCode4xx": 4, "StatusCode5xx": 5}


@dataclass(frozen=True)
class Expected:
    """What one response must be; ``None`` fields are not checked."""

    statuses: frozenset[int]  # exact codes
    status_classes: frozenset[int]  # first digits: 2 for any 2xx
    result_format: str | None = None  # "boolean", "tabular" or "RDF"
    boolean: bool | None = None
    content_type: str | None = None
    body: str | None = None  # a Turtle graph the response's graph must be isomorphic to
    location_variable: str | None = None  # remember the Location header under this name

    def accepts(self, status: int) -> bool:
        return status in self.statuses or status // 100 in self.status_classes

    def describe(self) -> str:
        codes = sorted(self.statuses) + [f"{c}xx" for c in sorted(self.status_classes)]
        return " or ".join(str(c) for c in codes)


@dataclass(frozen=True)
class Request:
    """One HTTP request of a test, with its path still under the suite's prefix."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    encoding: str
    expected: Expected

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass(frozen=True)
class SuiteTest:
    """One test: its id (the manifest's local name), its requests, the graphs it starts with."""

    suite: str  # "protocol" or "graph-store"
    id: str
    name: str
    requests: tuple[Request, ...]
    graph_data: tuple[tuple[Path, str], ...]  # (N-Triples file, graph IRI)


def _one(graph: Graph, subject: Node, predicate: URIRef) -> Node | None:
    return next(iter(graph.objects(subject, predicate)), None)


def _text(graph: Graph, subject: Node, predicate: URIRef) -> str | None:
    value = _one(graph, subject, predicate)
    return None if value is None else str(value)


def _headers(graph: Graph, node: Node) -> tuple[tuple[str, str], ...]:
    headers = _one(graph, node, HT.headers)
    if headers is None:
        return ()
    return tuple(
        (str(_one(graph, h, HT.fieldName)), str(_one(graph, h, HT.fieldValue)))
        for h in Collection(graph, headers)
    )


def _expected(graph: Graph, response: Node) -> Expected:
    statuses: set[int] = set()
    classes: set[int] = set()
    for status in graph.objects(response, MF.expectedStatus):
        local = str(status).rsplit("#", 1)[-1]
        if local in STATUS_NAMES:
            statuses.add(STATUS_NAMES[local])
        elif local in STATUS_CLASSES:
            classes.add(STATUS_CLASSES[local])
        else:
            raise ValueError(f"unknown status {status} in the manifest")
    boolean = _one(graph, response, MF.expectedBoolean)
    content_type = next(
        (value for name, value in _headers(graph, response) if name.lower() == "content-type"),
        None,
    )
    body = _one(graph, response, HT.body)
    return Expected(
        statuses=frozenset(statuses),
        status_classes=frozenset(classes),
        result_format=_text(graph, response, MF.expectedFormat),
        boolean=None if boolean is None else bool(boolean.toPython()),  # type: ignore[attr-defined]
        content_type=content_type,
        body=None if body is None else _text(graph, body, CNT.chars),
        location_variable=_text(graph, response, MF.expectedLocation),
    )


def _request(graph: Graph, node: Node) -> Request:
    body = _one(graph, node, HT.body)
    return Request(
        method=str(_one(graph, node, HT.methodName)),
        path=str(_one(graph, node, HT.absolutePath)),
        headers=_headers(graph, node),
        body=None if body is None else _text(graph, body, CNT.chars),
        encoding="utf-8" if body is None else str(_one(graph, body, CNT.characterEncoding)),
        expected=_expected(graph, _one(graph, node, HT.resp)),  # type: ignore[arg-type]
    )


def _entries(path: Path, suite: str) -> list[SuiteTest]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    entries = _one(graph, manifest, MF.entries)
    tests = []
    for entry in Collection(graph, entries) if entries is not None else []:
        action = _one(graph, entry, MF.action)
        requests = _one(graph, action, HT.requests)  # type: ignore[arg-type]
        graph_data = tuple(
            (
                Path(str(_one(graph, data, UT.graph)).removeprefix("file://")),
                str(_one(graph, data, RDFS.label)),
            )
            for data in graph.objects(entry, UT.graphData)
        )
        tests.append(
            SuiteTest(
                suite=suite,
                id=str(entry).rsplit("#", 1)[-1],
                name=str(_one(graph, entry, MF.name)),
                requests=tuple(_request(graph, r) for r in Collection(graph, requests)),  # type: ignore[arg-type]
                graph_data=graph_data,
            )
        )
    return tests


def protocol_tests(root: Path = SUITES) -> list[SuiteTest]:
    """The 34 tests of the SPARQL 1.1 Protocol manifest, in manifest order."""
    return _entries(root / "protocol" / "manifest.ttl", "protocol")


def graph_store_tests(root: Path = SUITES) -> list[SuiteTest]:
    """The 13 tests the Graph Store Protocol manifest includes (direct, then indirect)."""
    folder = root / "graph-store-protocol"
    return [
        *_entries(folder / "manifest-direct.ttl", "graph-store"),
        *_entries(folder / "manifest-indirect.ttl", "graph-store"),
    ]
