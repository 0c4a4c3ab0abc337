"""``srkb serve`` in a subprocess on 127.0.0.1, for the SPARQL protocol and Graph Store tests.

The server runs exactly as a user starts it (``python -m kb --store STORE serve --port PORT``),
configured only through ``SRKB_*`` environment variables; SRKB_* variables of the calling process
are dropped so that no token or store leaks in. Output goes to a log file rather than a pipe (an
unread pipe fills up and stalls a busy server); the log is shown when the server does not come up.
Every wait is bounded, and stopping is terminate, wait, kill.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from tests.support.servers import free_port

REPOSITORY = Path(__file__).resolve().parents[2]
API_TOKEN = "test-token"  # noqa: S105 - a test fixture, not a secret
STARTUP_SECONDS = 60.0
STOP_SECONDS = 15.0


@dataclass
class AppServer:
    """A running ``srkb serve`` process and where to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    log: IO[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def client(self, token: str | None = None, timeout: float = 30.0) -> httpx.Client:
        """An httpx client on this server, sending ``token`` as a bearer token if given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=timeout)

    def log_text(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Terminate, wait (bounded), kill if needed; close the log file."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_SECONDS)
        if not self.log.closed:
            self.log.close()


def server_env(settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without SRKB_* variables, no refusal delay, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRKB_")}
    # The suites send hundreds of refused requests on purpose; the delay has tests of its own.
    env["SRKB_REFUSAL_DELAY"] = "0"
    env.update(settings)
    return env


def start_app(
    log_dir: Path,
    *,
    store: str = "memory",
    demo: bool = True,
    settings: Mapping[str, str] | None = None,
    any_answer: bool = False,
    global_args: Sequence[str] = (),
) -> AppServer:
    """Start ``srkb --store STORE serve [--demo]`` on a free loopback port; wait for /health.

    Ready means /health answers 200, or with ``any_answer`` any status (a server whose remote
    store is down answers 503 and is still up).
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "kb",
        "--store",
        store,
        *global_args,
        "serve",
        "--port",
        str(port),
    ]
    if demo:
        command.append("--demo")
    log_path = log_dir / f"srkb-serve-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=server_env({"SRKB_HOST": "127.0.0.1", **(settings or {})}),
        cwd=REPOSITORY,
    )
    server = AppServer(process, port, log_path, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = server.log_text()
            server.stop()
            raise RuntimeError(f"srkb serve exited with {process.returncode}:\n{text}")
        try:
            answer = httpx.get(server.url("/health"), timeout=5 if any_answer else 2)
            if any_answer or answer.status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    text = server.log_text()
    server.stop()
    raise RuntimeError(f"srkb serve did not answer /health within {STARTUP_SECONDS:g} s:\n{text}")


#: ``start_server(demo=True, SRKB_NAME="value", ...)``, the tests' factory of servers.
StartServer = Callable[..., AppServer]


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 problem response with ``status`` and a detail; return its JSON."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["detail"]
    return problem
