"""The CLI beside a running ``srkb serve`` that holds the embedded store.

Reading verbs read through the server (found from the file it leaves beside the store, or given
with ``--server``); writing verbs say that the server holds the store and how to write through it;
without a server to ask, the lock is named for what it is. A real server on 127.0.0.1, real CLI
processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb import resources
from tests.support.app_server import AppServer, start_app


def srkb(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SRKB_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "kb", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environment,
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, AppServer]]:
    """The demo on a disk store, held by ``srkb serve``."""
    directory = tmp_path_factory.mktemp("beside")
    store = directory / "demo-store"
    server = start_app(directory, store=str(store), demo=True)
    try:
        yield store, server
    finally:
        server.stop()


def test_the_server_announces_itself_beside_the_store(served: tuple[Path, AppServer]) -> None:
    store, server = served
    announcement = store.with_name(store.name + ".srkb-serve")
    url, pid = announcement.read_text(encoding="utf-8").split()
    assert url == server.base
    assert int(pid) == server.process.pid


def test_the_announcement_goes_when_the_server_stops(tmp_path: Path) -> None:
    """SIGTERM (what terminate() sends) still runs the server's cleanup."""
    store = tmp_path / "store"
    server = start_app(tmp_path, store=str(store), demo=False)
    announcement = store.with_name(store.name + ".srkb-serve")
    try:
        assert announcement.exists()
    finally:
        server.stop()
    assert not announcement.exists()


def test_an_announcement_of_a_dead_server_is_ignored(tmp_path: Path) -> None:
    """A server killed outright leaves its note: the lock's real holder is named instead."""
    store = tmp_path / "store"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_STORE, str(store)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        announcement = store.with_name(store.name + ".srkb-serve")
        announcement.write_text(f"http://127.0.0.1:9\n{dead}\n", encoding="utf-8")
        done = srkb("--store", store, "stats")
    finally:
        holder.kill()
        holder.wait(timeout=15)
        if holder.stdout is not None:
            holder.stdout.close()
    assert done.returncode == 2
    assert "is open in another process" in done.stderr
    assert "127.0.0.1:9" not in done.stderr


#: Opens an embedded store and holds it (and its lock) until killed, at most a minute.
HOLD_STORE = (
    "import sys, time, pyoxigraph\n"
    "store = pyoxigraph.Store(sys.argv[1])\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


def test_a_reading_verb_reads_through_the_server(served: tuple[Path, AppServer]) -> None:
    store, server = served
    done = srkb("--store", store, "ask", "dependents-of", "-p", "provider=ex:NetCo")
    assert done.returncode == 0, done.stderr
    assert "ex:Finance (Finance Department)" in done.stdout
    assert f"held by srkb serve at {server.base}: reading through it" in done.stderr


def test_validate_through_the_server_writes_nothing(served: tuple[Path, AppServer]) -> None:
    store, _ = served
    done = srkb("--store", store, "validate", "--format", "md")
    assert done.returncode == 0, done.stderr
    assert "Every organisation meets every precondition." in done.stdout


def test_a_writing_verb_says_how_to_write_through_the_server(
    served: tuple[Path, AppServer],
) -> None:
    store, server = served
    done = srkb("--store", store, "load", resources.example_file("cloud-three-tier"))
    assert done.returncode == 2
    assert f"held by srkb serve at {server.base}" in done.stderr
    assert f"{server.base}/store?graph=" in done.stderr
    assert "Resource temporarily unavailable" not in done.stderr


def test_server_option_and_variable(served: tuple[Path, AppServer], tmp_path: Path) -> None:
    _, server = served
    done = srkb("--server", server.base, "stats", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert "https://w3id.org/srkb/graph/source/campus.ttl" in done.stdout
    env = {"SRKB_SERVER": server.base, "SRKB_STORE": str(tmp_path / "unused")}
    done = srkb("explain", "ex:Canteen", env=env)
    assert done.returncode == 0, done.stderr
    assert "o=ex:Canteen" in done.stdout
    refused = srkb("--server", server.base, "infer")
    assert refused.returncode == 2
    assert "cannot write" in refused.stderr


def test_a_store_locked_by_an_unannounced_process_is_named(
    served: tuple[Path, AppServer],
) -> None:
    store, server = served
    announcement = store.with_name(store.name + ".srkb-serve")
    announcement.rename(announcement.with_suffix(".aside"))
    try:
        done = srkb("--store", store, "stats")
    finally:
        announcement.with_suffix(".aside").rename(announcement)
    assert done.returncode == 2
    assert "is open in another process (a running srkb serve?)" in done.stderr
    assert "--server URL" in done.stderr
    assert server.base not in done.stderr
