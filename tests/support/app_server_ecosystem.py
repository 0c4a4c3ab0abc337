"""Helpers of the ecosystem route tests: a demo server and the ``srkb`` CLI, on 127.0.0.1.

The server itself is :func:`tests.support.app_server.start_app` (one implementation for every HTTP
test): ``srkb serve`` as a user starts it, output to a log file, every wait bounded.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.app_server import AppServer, server_env
from tests.support.app_server import start_app as start_server


def srkb(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run one ``srkb`` CLI command to completion (e.g. ``load`` into a disk store)."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=server_env({}),
        check=True,
    )


def start_app(store: str, log_dir: Path, *, demo: bool) -> AppServer:
    """Start ``srkb --store STORE serve [--demo]`` on a free port; wait until /health answers."""
    return start_server(log_dir, store=store, demo=demo)


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
