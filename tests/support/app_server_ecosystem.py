"""The srkb HTTP service under uvicorn in a subprocess on 127.0.0.1, for the HTTP route tests.

``srkb serve`` runs exactly as a user starts it; the tests talk to it over real HTTP. Output goes to
a log file (not a pipe: a busy server would fill an unread pipe and stall), which is shown when the
server does not come up. Every wait is bounded; stopping is terminate, wait, then kill.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from tests.support.servers import free_port

STARTUP_SECONDS = 60.0


@dataclass
class AppServer:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    log: IO[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def _clean_env() -> dict[str, str]:
    """The environment without SRKB_* settings, so no token or store leaks in from outside."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SRKB_")}


def srkb(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run one ``srkb`` CLI command to completion (e.g. ``load`` into a disk store)."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_clean_env(),
        check=True,
    )


def start_app(store: str, log_dir: Path, *, demo: bool) -> AppServer:
    """Start ``srkb --store STORE serve [--demo]`` on a free port; wait until /health answers."""
    port = free_port()
    command = [sys.executable, "-m", "kb", "--store", store, "serve", "--port", str(port)]
    if demo:
        command.append("--demo")
    log_path = log_dir / f"srkb-serve-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=_clean_env()
    )
    server = AppServer(process, port, log_path, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = server.log_text()
            server.stop()
            raise RuntimeError(f"srkb serve exited with {process.returncode}:\n{text}")
        try:
            if httpx.get(f"{server.base}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    text = server.log_text()
    server.stop()
    raise RuntimeError(f"srkb serve did not answer /health within {STARTUP_SECONDS} s:\n{text}")


@contextmanager
def running_app(store: str, log_dir: Path, *, demo: bool) -> Iterator[AppServer]:
    """A started server, stopped however the block ends."""
    server = start_app(store, log_dir, demo=demo)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def demo_client(log_dir: Path) -> Iterator[httpx.Client]:
    """An httpx client on a fresh in-memory demo server (the campus ecosystem)."""
    with (
        running_app("memory", log_dir, demo=True) as server,
        httpx.Client(base_url=server.base, timeout=30) as client,
    ):
        yield client
