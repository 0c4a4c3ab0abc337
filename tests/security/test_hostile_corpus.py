"""Every door of srkb over a corpus of pathological inputs: no signal, no 500, no traceback.

Issue 12's promise: no request, file or query crashes srkb, stalls it, or changes its graphs
without saying so. The corpus (:mod:`tests.support.hostile_corpus`) holds the inputs that broke it
and more of the same kind. The doors are

* the command line, every verb that reads a file or a value from the user (``load``, ``import``,
  ``query``, ``ask``, ``explain``, ``export``), run by a child process that drives the Typer app
  in-process (one interpreter start for the whole corpus) and reports each input as a JSON line
  before and after it, so a child killed by a signal names the input that killed it;
* the HTTP service, a real ``srkb serve`` on a memory store with queries in threads
  (``SRKB_QUERY_WORKERS=0``, where a crash takes the whole server), every SPARQL text through
  ``/sparql`` (GET and both POSTs) and ``/update``, every document through ``PUT`` and ``POST
  /store``, every import through ``/import``, and every GET route in the OpenAPI description with
  each hostile parameter value in each of its parameters.

A failure is: a process ended by a signal, a 500 (or any status the route does not describe), a
traceback in any output, or a server that stops answering ``/health``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.support.app_server import API_TOKEN, AppServer, start_app
from tests.support.hostile_corpus import DOCUMENTS, IMPORTS, PARAMETERS, QUERIES, UPDATES

REPOSITORY = Path(__file__).resolve().parents[2]
SUFFIX = {"ttl": "ttl", "trig": "trig", "nt": "nt", "nq": "nq", "jsonld": "jsonld", "rdfxml": "rdf"}
MEDIA = {
    "ttl": "text/turtle",
    "trig": "application/trig",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
IMPORT_MEDIA = {
    "yaml": "application/yaml",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# The child: runs each CLI invocation in-process and reports it. Exit codes 0 (done) and those
# of srkb's own errors (1, 2, 3...) are fine; an exception that is not srkb's is a traceback.
DRIVER = r"""
import json, logging, sys, traceback
from typer.testing import CliRunner
from kb.cli import app

runner = CliRunner()
for line in sys.stdin:
    name, args = json.loads(line)
    print(json.dumps({"begin": name}), flush=True)
    logging.root.handlers.clear()  # as in a fresh process: srkb's logging writes to this run
    result = runner.invoke(app, args, catch_exceptions=True)
    problem = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        problem = "".join(traceback.format_exception(result.exception))
    print(json.dumps({"end": name, "code": result.exit_code, "problem": problem,
                      "output": result.output[:300] + result.output[-300:]}), flush=True)
"""


def _invocations(
    folder: Path, store: str = "memory", *, everything: bool = True
) -> list[tuple[str, list[str]]]:
    """The CLI invocations of the corpus, on ``store`` (a fresh memory store each by default).

    Without ``everything``, the doors that crashed (``load`` and ``query``) only.
    """
    calls: list[tuple[str, list[str]]] = []
    base = ["--store", store]
    for name, (fmt, data) in DOCUMENTS.items():
        path = folder / f"{name}.{SUFFIX[fmt]}"
        path.write_bytes(data)
        calls.append((f"load {name}", [*base, "load", "--no-infer", str(path)]))
    for name, text in {**QUERIES, **UPDATES}.items():
        path = folder / f"{name}.rq"
        path.write_text(text, encoding="utf-8")
        calls.append((f"query {name}", [*base, "query", str(path)]))
    if not everything:
        return calls
    for name, (suffix, data) in IMPORTS.items():
        path = folder / f"{name}.{suffix}"
        path.write_bytes(data)
        calls.append((f"import {name}", [*base, "import", "--no-infer", str(path)]))
    for name, value in PARAMETERS.items():
        if "\x00" in value:
            continue  # not an argument an operating system can pass
        calls.append((f"explain {name}", [*base, "explain", value]))
        calls.append((f"ask {name}", [*base, "ask", "dependents-of", "-p", f"provider={value}"]))
        calls.append((f"export {name}", [*base, "export", "--graph", value]))
    return calls


def test_the_cli_doors_that_crashed_survive_the_corpus(tmp_path: Path) -> None:
    """No ``srkb load`` or ``srkb query`` of the corpus ends by a signal or with a traceback."""
    _drive_the_cli(_invocations(tmp_path, everything=False))


@pytest.mark.extended
def test_every_cli_door_survives_the_corpus(tmp_path: Path) -> None:
    """Every verb that reads a file or a value: ``import``, ``explain``, ``ask``, ``export`` too."""
    _drive_the_cli(_invocations(tmp_path))


@pytest.mark.extended
def test_every_cli_door_survives_the_corpus_on_a_disk_store(tmp_path: Path) -> None:
    """The same on an on-disk store: big files take the bulk loader's streaming check, and
    queries run in a worker process with the memory cap."""
    _drive_the_cli(_invocations(tmp_path, str(tmp_path / "store")))


def _drive_the_cli(calls: list[tuple[str, list[str]]]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRKB_")}
    child = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input="".join(json.dumps(call) + "\n" for call in calls),
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        env=env,
        timeout=600,
        check=False,
    )
    reports = [json.loads(line) for line in child.stdout.splitlines() if line.startswith("{")]
    begun = [r["begin"] for r in reports if "begin" in r]
    assert child.returncode == 0, (
        f"the CLI died (exit {child.returncode}) on {begun[-1] if begun else '?'}:\n"
        f"{child.stderr[-2000:]}"
    )
    ended = {r["end"]: r for r in reports if "end" in r}
    assert len(ended) == len(calls)
    problems = {name: r["problem"] for name, r in ended.items() if r["problem"]}
    assert not problems, "\n\n".join(f"{n}:\n{p}" for n, p in problems.items())
    tracebacks = [n for n, r in ended.items() if "Traceback" in r["output"]]
    assert not tracebacks, tracebacks
    assert "Traceback" not in child.stderr, child.stderr[-4000:]
    # Every refusal is one of srkb's exit codes, never Python's "uncaught" 1 with no message.
    silent = [n for n, r in ended.items() if r["code"] != 0 and "error" not in r["output"]]
    assert not silent, {n: ended[n] for n in silent}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The campus demo on a memory store, queries in the server's own threads."""
    started = start_app(
        tmp_path_factory.mktemp("hostile"),
        settings={"SRKB_API_TOKEN": API_TOKEN, "SRKB_QUERY_WORKERS": "0"},
    )
    yield started
    started.stop()


def _check(server: AppServer, what: str, response: httpx.Response | None) -> None:
    alive = server.process.poll() is None
    assert alive, f"the server died (exit {server.process.returncode}) on {what}"
    assert response is not None
    assert response.status_code != 500, f"{what}: {response.text[:500]}"
    assert response.status_code < 500 or response.status_code == 503, f"{what}: {response.text}"


def _send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
    try:
        return client.request(method, url, **kwargs)
    except httpx.TransportError:
        return None


def test_every_http_door_survives_the_corpus(server: AppServer) -> None:
    """SPARQL, Graph Store and import routes answer every corpus entry without a 5xx."""
    with server.client(timeout=60) as reader, server.client(API_TOKEN, timeout=60) as writer:
        _send_corpus(server, reader, writer)
    assert "Traceback" not in server.log_text()


def _send_corpus(server: AppServer, reader: httpx.Client, writer: httpx.Client) -> None:
    for name, text in QUERIES.items():
        if len(text) < 6000:
            _check(
                server,
                f"GET /sparql {name}",
                _send(reader, "GET", "/sparql", params={"query": text}),
            )
        _check(
            server,
            f"POST /sparql form {name}",
            _send(reader, "POST", "/sparql", data={"query": text}),
        )
        _check(
            server,
            f"POST /sparql direct {name}",
            _send(
                reader,
                "POST",
                "/sparql",
                content=text.encode(),
                headers={"Content-Type": "application/sparql-query"},
            ),
        )
    for name, text in {**UPDATES, **QUERIES}.items():
        _check(
            server,
            f"POST /update {name}",
            _send(
                writer,
                "POST",
                "/update",
                content=text.encode(),
                headers={"Content-Type": "application/sparql-update"},
            ),
        )
    for name, (fmt, data) in DOCUMENTS.items():
        for method, params in (("PUT", {"graph": "urn:hostile"}), ("POST", {"default": ""})):
            _check(
                server,
                f"{method} /store {name}",
                _send(
                    writer,
                    method,
                    "/store",
                    params=params,
                    content=data,
                    headers={"Content-Type": MEDIA[fmt]},
                ),
            )
    for label, value in PARAMETERS.items():  # hostile graph names on the writing routes
        for method in ("PUT", "POST", "DELETE"):
            _check(
                server,
                f"{method} /store?graph= ({label})",
                _send(
                    writer,
                    method,
                    "/store",
                    params={"graph": value},
                    content=b"<urn:a> <urn:b> <urn:c> .",
                    headers={"Content-Type": "application/n-triples"},
                ),
            )
    for label, value in PARAMETERS.items():  # hostile graph names on the writing routes
        for method in ("PUT", "POST", "DELETE"):
            _check(
                server,
                f"{method} /store?graph= ({label})",
                _send(
                    writer,
                    method,
                    "/store",
                    params={"graph": value},
                    content=b"<urn:a> <urn:b> <urn:c> .",
                    headers={"Content-Type": "application/n-triples"},
                ),
            )
    for name, (suffix, data) in IMPORTS.items():
        _check(
            server,
            f"POST /import {name}",
            _send(
                writer,
                "POST",
                "/import",
                files={"files": (f"{name}.{suffix}", data, IMPORT_MEDIA[suffix])},
            ),
        )


def _get_routes(server: AppServer) -> list[tuple[str, list[str], list[str]]]:
    """(path, path parameters, query parameters) of every GET route the service describes."""
    spec = httpx.get(server.url("/openapi.json"), timeout=30).json()
    routes = []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        parameters = get.get("parameters", [])
        routes.append(
            (
                path,
                [p["name"] for p in parameters if p["in"] == "path"],
                [p["name"] for p in parameters if p["in"] == "query"],
            )
        )
    return routes


def test_every_get_route_survives_hostile_parameters(server: AppServer) -> None:
    """Each GET route, each of its parameters set to each hostile value: never a 5xx."""
    routes = _get_routes(server)
    assert len(routes) > 20  # the description lists the routes; an empty list would prove nothing
    with server.client(timeout=60) as client:
        _get_every_route(server, client, routes)
    assert "Traceback" not in server.log_text()


def _get_every_route(
    server: AppServer, client: httpx.Client, routes: list[tuple[str, list[str], list[str]]]
) -> None:
    for path, path_parameters, query_parameters in routes:
        for label, value in PARAMETERS.items():
            url = path
            for parameter in path_parameters:
                url = url.replace("{" + parameter + "}", quote(value, safe="") or "x")
            if path_parameters:
                _check(server, f"GET {url[:80]} ({label})", _send(client, "GET", url))
            for parameter in query_parameters:
                _check(
                    server,
                    f"GET {path}?{parameter}= ({label})",
                    _send(client, "GET", url, params={parameter: value}),
                )
