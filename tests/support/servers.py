"""A real Oxigraph server process on 127.0.0.1, for the remote backend's tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_executable() -> str:
    candidate = Path(sys.executable).with_name("oxigraph")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the oxigraph server (PyPI package 'oxigraph') is not installed")
    return found


@dataclass
class OxigraphServer:
    process: subprocess.Popen[bytes]
    port: int
    location: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()


def start_oxigraph(
    location: Path, *, port: int | None = None, attempts: int = 100
) -> OxigraphServer:
    """Start ``oxigraph serve`` on ``port`` (default: a free loopback port); wait until it answers.

    A given port lets a test bring a stopped server back where its clients expect it.
    """
    port = free_port() if port is None else port
    process = subprocess.Popen(
        [
            oxigraph_executable(),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = OxigraphServer(process, port, location)
    for _ in range(attempts):
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            server.stop()
            raise RuntimeError(f"oxigraph serve exited: {err}")
        try:
            with urllib.request.urlopen(f"{server.query_url}?query=ASK%7B%7D", timeout=1):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"oxigraph serve did not answer on port {port} within {attempts} attempts")
