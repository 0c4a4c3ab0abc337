"""Nobody in: every write needs the write token, private reads need a token, tokens stay secret.

The routes are listed from the app itself (``create_app().routes``, walked through included
routers), so a route added later without the token dependency fails these tests: every route
whose method is not GET (except ``POST /sparql``, a read) is a write and must answer 401 with a
``WWW-Authenticate: Bearer`` challenge without a valid write token (no token, a wrong one, the
read token, the token in a wrong place) and 403 when no ``SRKB_API_TOKEN`` is configured; with
``SRKB_READ_TOKEN`` set, every GET route but ``/health``, the favicon, the static files and the
API docs answers 401 without a token. Tokens are compared with :func:`hmac.compare_digest`
(recorded in process), and never appear in the server's output, however they are sent, with
uvicorn's access log on and at debug level.
"""

from __future__ import annotations

import base64
import logging
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import HTTPException
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials
from starlette.routing import BaseRoute, Mount

import api.deps
from api.log_redaction import SecretRedactor
from api.main import create_app
from kb.config import Settings
from kb.namespaces import source_graph
from tests.support.app_server import AppServer, assert_problem, server_env, start_app
from tests.support.coroutines import run
from tests.support.servers import free_port

REPOSITORY = Path(__file__).resolve().parents[2]
WRITE_TOKEN = f"w-{uuid.uuid4().hex}"
READ_TOKEN = f"r-{uuid.uuid4().hex}"

#: Routes that are not writes although their method is not GET.
READ_ONLY_POSTS = {("POST", "/sparql")}
#: GET routes that stay public when reads are private.
PUBLIC = {"/health", "/favicon.ico", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
#: Values for path parameters, by name (anything else gets "x").
PATH_VALUES = {"name": "dependents-of", "precondition": "1"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with path parameters filled in

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def routes(app_routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route of an app, through included routers and mounts."""
    for route in app_routes:
        included = getattr(route, "original_router", None)  # FastAPI's _IncludedRouter
        if included is not None:
            yield from routes(included.routes)
        else:
            yield route


def endpoints() -> tuple[list[Endpoint], list[Endpoint], list[str]]:
    """(writes, private reads, mounts) of the app as it is now."""
    app = create_app(Settings(store="memory"))
    writes: list[Endpoint] = []
    reads: list[Endpoint] = []
    mounts: list[str] = []
    for route in routes(app.routes):
        if isinstance(route, Mount):
            mounts.append(route.path)
            continue
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None) or set()
        assert path is not None, route
        filled = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)
        for method in sorted(methods - {"HEAD"}):
            endpoint = Endpoint(method, filled)
            if method != "GET" and (method, path) not in READ_ONLY_POSTS:
                writes.append(endpoint)
            elif path not in PUBLIC:
                reads.append(endpoint)
    return writes, reads, mounts


WRITES, READS, MOUNTS = endpoints()


def test_the_route_list_is_complete() -> None:
    """The walk finds the routes everyone knows of (else the tests below would check nothing)."""
    assert {"POST /update", "PUT /store", "POST /store", "DELETE /store"} <= set(map(str, WRITES))
    assert {"GET /sparql", "POST /sparql", "GET /store", "GET /"} <= set(map(str, READS))
    assert len(READS) > 20
    assert MOUNTS == ["/static"]  # public: the map's script and a vendored library, no data


def test_every_write_route_depends_on_the_write_token() -> None:
    app = create_app(Settings(store="memory"))
    for route in routes(app.routes):
        if not isinstance(route, APIRoute):
            continue
        calls = {d.call for d in route.dependant.dependencies}
        for method in route.methods - {"HEAD", "GET"}:
            if (method, route.path) not in READ_ONLY_POSTS:
                assert api.deps.require_writer in calls, f"{method} {route.path}"


# -- over HTTP --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """Writes with WRITE_TOKEN, reads with READ_TOKEN (or WRITE_TOKEN)."""
    server = start_app(
        tmp_path_factory.mktemp("auth"),
        demo=True,
        settings={"SRKB_API_TOKEN": WRITE_TOKEN, "SRKB_READ_TOKEN": READ_TOKEN},
    )
    yield server
    server.stop()


def triples(client: httpx.Client) -> int:
    response = client.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def basic(token: str) -> str:
    return "Basic " + base64.b64encode(f"srkb:{token}".encode()).decode()


#: Ways of sending a write request without a valid write token: (headers, query parameters).
NOT_A_WRITER: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "no token": ({}, {}),
    "wrong token": ({"Authorization": "Bearer wrong-token"}, {}),
    "the token plus one character": ({"Authorization": f"Bearer {WRITE_TOKEN}x"}, {}),
    "the read token": ({"Authorization": f"Bearer {READ_TOKEN}"}, {}),
    "no scheme": ({"Authorization": WRITE_TOKEN}, {}),
    "basic": ({"Authorization": basic(WRITE_TOKEN)}, {}),
    "query parameter": ({}, {"access_token": WRITE_TOKEN, "token": WRITE_TOKEN}),
    "other header": ({"X-API-Token": WRITE_TOKEN, "X-Auth-Token": WRITE_TOKEN}, {}),
    "cookie": ({"Cookie": f"token={WRITE_TOKEN}; srkb_token={WRITE_TOKEN}"}, {}),
}


@pytest.mark.parametrize("endpoint", WRITES, ids=str)
def test_every_write_route_refuses_without_the_write_token(
    private: AppServer, endpoint: Endpoint
) -> None:
    with private.client(READ_TOKEN) as reader:
        before = triples(reader)
    with private.client() as client:
        for way, (headers, params) in NOT_A_WRITER.items():
            response = client.request(
                endpoint.method,
                endpoint.path,
                params={"graph": source_graph("auth"), **params},
                headers={"Content-Type": "text/turtle", **headers},
                content=b"<urn:a> <urn:b> <urn:c> .",
            )
            assert_problem(response, 401)
            assert response.headers["www-authenticate"].startswith("Bearer"), way
    with private.client(READ_TOKEN) as reader:
        assert triples(reader) == before


@pytest.mark.parametrize("endpoint", READS, ids=str)
def test_every_read_route_is_private_with_a_read_token(
    private: AppServer, endpoint: Endpoint
) -> None:
    with private.client() as anonymous:
        for way, (headers, params) in NOT_A_WRITER.items():
            if way == "the read token":
                continue
            response = anonymous.request(
                endpoint.method, endpoint.path, params=params, headers=headers
            )
            assert_problem(response, 401)
            assert response.headers["www-authenticate"].startswith("Bearer"), way
    for token in (READ_TOKEN, WRITE_TOKEN):
        with private.client(token) as client:
            response = client.request(endpoint.method, endpoint.path, follow_redirects=False)
            assert response.status_code not in (401, 403), (token == READ_TOKEN, response.text)


def test_public_routes_stay_public_with_a_read_token(private: AppServer) -> None:
    with private.client() as anonymous:
        for path in ("/health", "/favicon.ico", "/openapi.json", "/docs", "/static/map.js"):
            assert anonymous.get(path).status_code == 200, path


@pytest.fixture(scope="module")
def no_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """No SRKB_API_TOKEN: writes are off."""
    server = start_app(tmp_path_factory.mktemp("no-token"), demo=False)
    yield server
    server.stop()


def test_without_a_configured_token_every_write_route_is_403(no_token: AppServer) -> None:
    with no_token.client() as anonymous, no_token.client("any-token") as bearer:
        before = triples(anonymous)
        for endpoint in WRITES:
            for client in (anonymous, bearer):
                response = client.request(
                    endpoint.method,
                    endpoint.path,
                    params={"graph": source_graph("auth")},
                    headers={"Content-Type": "text/turtle"},
                    content=b"<urn:a> <urn:b> <urn:c> .",
                )
                assert "SRKB_API_TOKEN" in assert_problem(response, 403)["detail"], endpoint
        assert triples(anonymous) == before


# -- constant-time comparison ------------------------------------------------------------------


def test_tokens_are_compared_with_hmac_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dependencies every protected route has, called as FastAPI calls them."""
    compared: list[tuple[bytes, bytes]] = []
    real = api.deps.hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api.deps.hmac, "compare_digest", recording)
    settings = Settings(store="memory", api_token=WRITE_TOKEN, read_token=READ_TOKEN)
    for given in ("wrong", WRITE_TOKEN[:-1], WRITE_TOKEN + "x", READ_TOKEN):
        compared.clear()
        with pytest.raises(HTTPException) as refused:
            run(api.deps.require_writer(settings, bearer(given)))
        assert refused.value.status_code == 401
        assert compared == [(given.encode(), WRITE_TOKEN.encode())]
    compared.clear()
    run(api.deps.require_writer(settings, bearer(WRITE_TOKEN)))
    assert compared == [(WRITE_TOKEN.encode(), WRITE_TOKEN.encode())]
    compared.clear()
    with pytest.raises(HTTPException):
        run(api.deps.require_reader(settings, bearer("wrong")))
    assert set(compared) == {(b"wrong", READ_TOKEN.encode()), (b"wrong", WRITE_TOKEN.encode())}
    compared.clear()
    run(api.deps.require_reader(settings, bearer(READ_TOKEN)))
    assert (READ_TOKEN.encode(), READ_TOKEN.encode()) in compared


def bearer(token: str) -> HTTPAuthorizationCredentials:
    return HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)


# -- tokens never logged -----------------------------------------------------------------------


def send_tokens_everywhere(base: str) -> None:
    """Requests that carry the tokens properly and in every wrong place we can think of."""
    with httpx.Client(base_url=base, timeout=30) as client:
        good = {"Authorization": f"Bearer {WRITE_TOKEN}"}
        for token in (WRITE_TOKEN, READ_TOKEN):
            bearer = {"Authorization": f"Bearer {token}"}
            client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=bearer)
            client.get("/sparql", params={"query": f'ASK {{ ?s ?p "{token}" }}'})
            client.get("/void", params={"access_token": token, "token": token})
            client.get(f"/store/{token}")  # 404
            client.get("/store", headers={"Authorization": token})
            client.get("/export", headers={"Authorization": basic(token), "X-API-Token": token})
            client.get("/validation", headers={"Cookie": f"token={token}"})
            client.post("/update", data={"update": "CLEAR SILENT GRAPH <urn:x>", "token": token})
            client.post(
                "/update",
                content=b"CLEAR SILENT GRAPH <urn:x>",
                headers={**bearer, "Content-Type": "application/sparql-update"},
            )
            client.post(
                "/update",
                content=f"INSERT DATA {{ <urn:a> <urn:b> {token} }}".encode(),  # malformed
                headers={**good, "Content-Type": "application/sparql-update"},
            )
            client.put(
                "/store",
                params={"graph": source_graph("tokens"), "token": token},
                content=f"<urn:a> <urn:b> {token} .".encode(),  # malformed
                headers={**good, "Content-Type": "text/turtle"},
            )
            client.put(
                "/store",
                params={"graph": source_graph("tokens")},
                content=b"x" * 3000,  # over the limit
                headers={**good, "Content-Type": "text/turtle"},
            )
            client.post("/sparql", data={"query": "ASK {}", "access_token": token})


def assert_never_logged(log: str) -> None:
    assert " 401" in log or "401 Unauthorized" in log, "the access log was not on:\n" + log[-2000:]
    assert "[redacted]" in log, "no request line carried a token: the test sent none?"
    for name, token in (("write", WRITE_TOKEN), ("read", READ_TOKEN)):
        hits = [line for line in log.splitlines() if token in line]
        assert hits == [], f"the {name} token is in the server's output:\n" + "\n".join(hits[:10])


def test_tokens_never_appear_in_the_output_of_srkb_serve(tmp_path: Path) -> None:
    server = start_app(
        tmp_path,
        demo=False,
        settings={
            "SRKB_API_TOKEN": WRITE_TOKEN,
            "SRKB_READ_TOKEN": READ_TOKEN,
            "SRKB_MAX_UPLOAD_BYTES": "2000",
        },
    )
    try:
        send_tokens_everywhere(server.base)
    finally:
        server.stop()
    assert_never_logged(server.log_text())


@pytest.mark.parametrize("level", ["debug", "trace"])
def test_tokens_never_appear_in_uvicorns_debug_output(tmp_path: Path, level: str) -> None:
    port = free_port()
    log_path = tmp_path / "uvicorn.log"
    env = server_env(
        {
            "SRKB_STORE": "memory",
            "SRKB_API_TOKEN": WRITE_TOKEN,
            "SRKB_READ_TOKEN": READ_TOKEN,
            "SRKB_MAX_UPLOAD_BYTES": "2000",
        }
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "api.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                level,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPOSITORY,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/health", process)
            send_tokens_everywhere(f"http://127.0.0.1:{port}")
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
    assert_never_logged(log_path.read_text(encoding="utf-8", errors="replace"))


def wait_for(url: str, process: subprocess.Popen[Any], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds:g} s")


def test_the_redactor_blanks_secrets_in_messages_arguments_and_tracebacks() -> None:
    secret = "s3cret/" + uuid.uuid4().hex
    redactor = SecretRedactor([secret])
    try:
        raise ValueError(f"bad {secret}")
    except ValueError:
        arguments = (secret.replace("/", "%2F"), secret.encode())
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "%s %s", arguments, None)
        record.exc_info = sys.exc_info()
    assert redactor.filter(record)
    text = logging.Formatter().format(record)
    assert "s3cret" not in text
    assert text.count("[redacted]") == 3, text
