"""Play a W3C protocol test's HTTP requests against a server and check each response.

Requests are sent with :mod:`http.client`, exactly as the manifest writes them: no Content-Type,
Accept or other header is added (several negative tests are about a missing Content-Type), except
the bearer token srkb needs for writes, which the target adds to every request so that a refusal
can only come from the protocol handling. The suite's ``/sparql/`` paths go to the target's query
or update URL (a request with an ``update=`` parameter or an update body goes to the update URL,
everything else to the query URL), and its ``/gsp`` paths to the target's Graph Store URL.

Every test starts from an empty user dataset: ``DROP SILENT ALL`` (on srkb, that drops the user's
graphs and leaves its model alone), then ``INSERT DATA`` of the test's ``ut:graphData``.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from xml.sax import SAXException

from rdflib import Graph
from rdflib.compare import isomorphic

from tests.w3c.manifest import Request, SuiteTest

TIMEOUT = 30.0
RESULT_TYPES = {"application/sparql-results+xml", "application/sparql-results+json"}
TABULAR_TYPES = RESULT_TYPES | {"text/csv", "text/tab-separated-values"}
#: The graph syntaxes the suite names ("RDF/XML, Turtle, N-Triples, RDFa"), to rdflib's parsers.
RDF_TYPES = {
    "application/rdf+xml": "xml",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    # N-Quads without graph names is N-Triples (Oxigraph's default for a graph result).
    "application/n-quads": "nquads",
}
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"


@dataclass(frozen=True)
class Target:
    """A server under test: where its protocol URLs are, and what each request carries."""

    name: str
    base: str  # http://127.0.0.1:PORT
    query_path: str
    update_path: str
    store_path: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def authority(self) -> tuple[str, int]:
        parts = urlsplit(self.base)
        return parts.hostname or "127.0.0.1", parts.port or 80


@dataclass
class Outcome:
    """Whether a test passed, and why not."""

    test: SuiteTest
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def media_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()


def send(
    target: Target, method: str, path: str, headers: Sequence[tuple[str, str]], body: bytes | None
) -> Answer:
    """One request on a fresh connection; only the target's own headers are added."""
    host, port = target.authority
    connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in [*headers, *target.headers]:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def _is_update(request: Request, path: str) -> bool:
    """Whether a request invokes the update operation: an ``update=`` parameter or update body."""
    if re.search(r"[?&]update=", path):
        return True
    if request.method != "POST":
        return False
    kind = (request.header("content-type") or "").split(";")[0].strip().lower()
    if kind == "application/sparql-update":
        return True
    return kind in ("", "application/x-www-form-urlencoded") and bool(
        re.search(r"(^|&)update=", request.body or "")
    )


def target_path(target: Target, request: Request, path: str) -> str:
    """The suite's path on the target: ``/sparql/`` to its query or update URL, ``/gsp`` to its
    Graph Store URL."""
    if path.startswith("/sparql/"):
        base = target.update_path if _is_update(request, path) else target.query_path
        return base + path.removeprefix("/sparql/")
    if path.startswith("/gsp"):
        return target.store_path + path.removeprefix("/gsp")
    raise ValueError(f"a path outside the suites' prefixes: {path}")


def reset(target: Target, test: SuiteTest) -> str | None:
    """Empty the user dataset and load the test's graphs; the failure, if the set-up failed."""
    update = "DROP SILENT ALL"
    if test.graph_data:
        graphs = " ".join(
            f"GRAPH <{iri}> {{ {path.read_text(encoding='utf-8')} }}"
            for path, iri in test.graph_data
        )
        update += f" ;\nINSERT DATA {{ {graphs} }}"
    answer = send(
        target,
        "POST",
        target.update_path,
        [("Content-Type", "application/sparql-update")],
        update.encode("utf-8"),
    )
    if answer.status // 100 != 2:
        return f"set-up update answered {answer.status}: {answer.body[:300]!r}"
    return None


def _boolean(answer: Answer) -> bool | None:
    try:
        if answer.media_type == "application/sparql-results+json":
            value = json.loads(answer.body).get("boolean")
            return value if isinstance(value, bool) else None
        root = ET.fromstring(answer.body)  # noqa: S314 - our own test server's answer
        node = root.find(f"{SPARQL_RESULTS}boolean")
        return None if node is None else (node.text or "").strip() == "true"
    except (ValueError, ET.ParseError):
        return None


def _graph(answer: Answer) -> Graph | None:
    parser = RDF_TYPES.get(answer.media_type) or (
        "json-ld" if answer.media_type == "application/ld+json" else None
    )
    if parser is None:
        return None
    try:
        return Graph().parse(io.BytesIO(answer.body), format=parser)
    except (ValueError, SyntaxError, SAXException):  # rdflib's parsers: not that graph
        return None


def _content_type(value: str) -> str:
    """The media type of a Content-Type value, lower case.

    Parameters are not compared: the suite's ``charset=utf-8`` is the only charset Turtle has.
    """
    return value.split(";")[0].strip().lower()


def check(request: Request, answer: Answer) -> list[str]:
    """What is wrong with ``answer`` for ``request`` (nothing: an empty list)."""
    expected = request.expected
    problems = []
    if not expected.accepts(answer.status):
        problems.append(
            f"status {answer.status}, expected {expected.describe()}: {answer.body[:300]!r}"
        )
        return problems
    fmt = expected.result_format
    if fmt == "boolean":
        if answer.media_type not in RESULT_TYPES:
            problems.append(f"boolean result as {answer.media_type!r}")
        elif (value := _boolean(answer)) is None:
            problems.append(f"no boolean in the answer: {answer.body[:300]!r}")
        elif expected.boolean is not None and value != expected.boolean:
            problems.append(f"answered {value}, expected {expected.boolean}")
    elif fmt == "tabular" and answer.media_type not in TABULAR_TYPES:
        problems.append(f"tabular result as {answer.media_type!r}")
    elif fmt == "RDF" and (answer.media_type not in RDF_TYPES or _graph(answer) is None):
        problems.append(f"graph result as {answer.media_type!r}: {answer.body[:200]!r}")
    if expected.content_type is not None:
        got = answer.headers.get("content-type") or ""
        if _content_type(got) != _content_type(expected.content_type):
            problems.append(f"Content-Type {got!r}, expected {expected.content_type!r}")
    if expected.body is not None:
        graph = _graph(answer)
        want = Graph().parse(data=expected.body, format="turtle")
        if graph is None:
            problems.append(f"no graph in the answer ({answer.media_type!r})")
        elif not isomorphic(graph, want):
            problems.append(
                f"graph of {len(graph)} triples, not isomorphic to the expected {len(want)}:\n"
                + graph.serialize(format="nt")
            )
    if expected.location_variable is not None and not answer.headers.get("location"):
        problems.append("no Location header")
    return problems


def play(target: Target, test: SuiteTest) -> Outcome:
    """Set up, then send each request in order, stopping at the first response that is wrong."""
    outcome = Outcome(test)
    failure = reset(target, test)
    if failure is not None:
        outcome.failures.append(failure)
        return outcome
    variables: dict[str, str] = {}
    for number, request in enumerate(test.requests, start=1):
        path, body = request.path, request.body
        for name, value in variables.items():
            path = path.replace(name, value)
            body = None if body is None else body.replace(name, value)
        answer = send(
            target,
            request.method,
            target_path(target, request, path),
            request.headers,
            None if body is None else body.encode(request.encoding),
        )
        problems = check(request, answer)
        if problems:
            outcome.failures.extend(
                f"request {number} ({request.method} {path[:80]}): {p}" for p in problems
            )
            return outcome
        if request.expected.location_variable is not None:
            variables[request.expected.location_variable] = answer.headers["location"]
    return outcome


def score(outcomes: Sequence[Outcome]) -> str:
    """``passed/total`` and the failed test ids."""
    return score_of([o.test.id for o in outcomes if not o.passed], len(outcomes))


def score_of(failed: Sequence[str], total: int) -> str:
    """``passed/total`` and the ``failed`` test ids."""
    text = f"{total - len(failed)}/{total}"
    return text + (f" (failed: {', '.join(failed)})" if failed else "")
