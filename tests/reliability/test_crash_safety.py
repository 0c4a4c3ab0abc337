"""Nothing lost: a write killed at any moment leaves the store as before or as after, never half.

The writes: ``srkb load`` of a big file (Oxigraph's bulk loader, into a new graph), ``srkb load`` of
a big file that replaces a graph (one transaction), what ``POST /update`` does
(``KnowledgeBase.write(run_update)``: the update, then inference, validation and the history), and
what ``PUT /store`` does (replace a graph, then incremental inference around the change). Each
starts from the same store (model, the campus, triples in the ``?default`` source graph, inferred).

After a kill the store is opened again the way srkb opens it (``OxigraphStore``, then
:func:`kb.recovery.recover`, which every ``srkb`` command and ``KnowledgeBase.open`` run) and must
hold exactly the data graphs of before or of after (same graphs, same sizes, nothing in the store's
own default graph), and an inferred graph equal to a fresh recompute from that data: a kill between
the data's commit and the inferred graph's swap must not leave stale inferences behind.

Kills come two ways: deterministically just before the k-th write (:class:`DyingStore`), at every
commit boundary outside the middle of the inference passes; and as real SIGKILLs of ``python -m kb
load`` and of a driver process, at random (seeded) moments.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

import kb.cli.application
import kb.cli.data
from kb import resources
from kb.config import Settings
from kb.interchange.loading import BULK_LOAD_THRESHOLD, install_model, load_files
from kb.knowledge_base import KnowledgeBase
from kb.namespaces import source_graph
from kb.protocol import graph_store
from kb.protocol.sparql_endpoint import run_update
from kb.reasoning.inference import infer
from kb.recovery import recover
from kb.store import open_store
from kb.store.oxigraph import OxigraphStore
from tests.support.crash import (
    Contents,
    contents,
    inference_is_fresh,
    open_dying,
    run_until_killed,
    write_big_ntriples,
)

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[2]
CAMPUS = "https://example.org/campus#"

#: Triples an earlier ``POST /update`` put in the ``?default`` source graph.
EARLIER_UPDATE = """INSERT DATA {
  <urn:crash:earlier> <urn:crash:note> "written through /update" .
  <urn:crash:earlier> <urn:crash:note> "to the default graph" .
}"""


#: A new consumer of IT's workplace service (so that the inferences change too).
LIBRARY = """
ex:Library a org:Organization .
ex:rel-it-library a srkb:ServiceRelationship ; srkb:hasProvider ex:IT ;
    srkb:hasConsumer ex:Library ; srkb:concernsService ex:WorkplaceIT .
"""


def big_update(padding: int) -> str:
    """An update of the default graph: removes a triple, adds an organisation and ``padding``."""
    notes = "\n".join(f'  <urn:crash:n{i}> <urn:crash:note> "note {i}" .' for i in range(padding))
    return f"""PREFIX ex: <{CAMPUS}>
PREFIX srkb: <https://w3id.org/srkb#>
PREFIX org: <http://www.w3.org/ns/org#>
DELETE DATA {{ <urn:crash:earlier> <urn:crash:note> "to the default graph" }} ;
INSERT DATA {{
{LIBRARY}
{notes}
}}"""


@dataclass(frozen=True)
class Inputs:
    template: Path
    big: Path  # a new graph, > 1 MiB: the bulk loader
    reload: Path  # campus.ttl again, bigger: replaces its graph in one transaction
    update: Path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    root = tmp_path_factory.mktemp("crash")
    template = root / "template"
    store = open_store(template)
    install_model(store)
    load_files(store, [resources.example_file("campus")])
    run_update(store, EARLIER_UPDATE)
    infer(store)
    store.close()
    big = root / "synthetic-big.nt"
    write_big_ntriples(big, orgs=2, padding=3000)
    assert big.stat().st_size > BULK_LOAD_THRESHOLD
    reload = root / "v2" / "campus.ttl"
    reload.parent.mkdir()
    notes = "".join(f'ex:note{i} ex:says "note {i} of the new version" .\n' for i in range(1000))
    reload.write_text(
        resources.example_file("campus").read_text(encoding="utf-8") + LIBRARY + notes,
        encoding="utf-8",
    )
    update = root / "update.ru"
    update.write_text(big_update(1000), encoding="utf-8")
    return Inputs(template, big, reload, update)


def copy_of(template: Path, directory: Path) -> Path:
    target = directory / f"store-{time.monotonic_ns()}"
    shutil.copytree(template, target)
    return target


def state_after_restart(path: Path, before: Contents, after: Contents) -> str:
    """Open the store as srkb does; check it holds before or after, with fresh inferences."""
    store = OxigraphStore(path)
    try:
        recovered = recover(store)
        now = contents(store)
        if now not in (before, after):
            pytest.fail(
                "the store is neither as before nor as after the write:\n"
                f"now:\n{now.describe()}\nbefore:\n{before.describe()}\nafter:\n{after.describe()}"
            )
        fresh, why = inference_is_fresh(store)
        assert fresh, f"the inferred graph is not what the data entails: {why}"
        return ("before" if now == before else "after") + (" (recovered)" if recovered else "")
    finally:
        store.close()


def contents_of(path: Path) -> Contents:
    store = OxigraphStore(path)
    try:
        return contents(store)
    finally:
        store.close()


# -- deterministic: killed just before the k-th write -------------------------------------------

Scenario = Callable[[Path, int | None], list[str]]


@contextmanager
def cli_store(
    path: Path, die_at: int | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """Make ``kb.cli`` open ``path`` as a store that dies at its ``die_at``-th write."""
    writes: list[str] = []

    def opener(spec: str, **_options: object) -> OxigraphStore:
        store, dying = open_dying(Path(spec), die_at)
        dying.writes = writes  # one record of writes, whichever store the command opens
        return store

    with monkeypatch.context() as patch:
        patch.setattr(kb.cli.application, "open_store", opener)
        patch.setattr(kb.cli.application.state, "overrides", {"store": str(path)})
        yield writes


def srkb_load(file: Callable[[Inputs], Path]) -> Callable[[Inputs, pytest.MonkeyPatch], Scenario]:
    def scenario(inputs: Inputs, monkeypatch: pytest.MonkeyPatch) -> Scenario:
        def run(path: Path, die_at: int | None) -> list[str]:
            with cli_store(path, die_at, monkeypatch) as writes:
                run_until_killed(
                    lambda: kb.cli.data.load(
                        files=[file(inputs)], fmt=None, allow_network=False, infer_after=True
                    )
                )
            return writes

        return run

    return scenario


def api_update(inputs: Inputs, _monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """What ``POST /update`` does on a running service."""
    text = inputs.update.read_text(encoding="utf-8")

    def run(path: Path, die_at: int | None) -> list[str]:
        store, dying = open_dying(path, die_at)

        def write() -> None:
            service = KnowledgeBase(store, Settings(store=str(path)))
            try:
                service.write(lambda: run_update(store, text))
            finally:
                store.close()

        run_until_killed(write)
        return dying.writes

    return run


def api_put(inputs: Inputs, _monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """What ``PUT /store?graph=<campus>`` does: replace a graph, re-infer around the change."""
    campus = resources.example_file("campus").read_text(encoding="utf-8")
    body = (campus + LIBRARY).encode()

    def run(path: Path, die_at: int | None) -> list[str]:
        store, dying = open_dying(path, die_at)

        def write() -> None:
            service = KnowledgeBase(store, Settings(store=str(path)))
            try:
                graph_store.put(service, source_graph("campus.ttl"), body, "ttl")
            finally:
                store.close()

        run_until_killed(write)
        return dying.writes

    return run


SCENARIOS = {
    "srkb-load-bulk": srkb_load(lambda i: i.big),
    "srkb-load-replacing": srkb_load(lambda i: i.reload),
    "api-update": api_update,
    "api-put": api_put,
}


def boundaries(writes: list[str]) -> list[int]:
    """Kill points: before every write but the inference passes' rules, and mid-way through those.

    A rule only adds to the staging graph, which nobody reads: one kill among them stands for all.
    """
    rules = [k for k, write in enumerate(writes, 1) if "# Rule:" in write]
    others = [k for k, write in enumerate(writes, 1) if "# Rule:" not in write]
    return sorted({*others[:12], *rules[len(rules) // 2 :][:1]})


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_kill_between_any_two_commits_leaves_before_or_after(
    name: str, inputs: Inputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = SCENARIOS[name](inputs, monkeypatch)
    before = contents_of(inputs.template)
    dry = copy_of(inputs.template, tmp_path)
    writes = run(dry, None)
    after = contents_of(dry)
    assert after != before
    assert state_after_restart(dry, before, after) == "after", "an uninterrupted write is done"
    outcomes: dict[int, str] = {}
    for k in boundaries(writes):
        path = copy_of(inputs.template, tmp_path)
        run(path, k)
        try:
            outcomes[k] = state_after_restart(path, before, after)
        except (AssertionError, pytest.fail.Exception) as error:
            raise AssertionError(
                f"killed just before write {k}: {writes[k - 1]}\n{error}"
            ) from None
        shutil.rmtree(path)
    assert {o.split()[0] for o in outcomes.values()} == {"before", "after"}, outcomes
    assert any("recovered" in o for o in outcomes.values()), outcomes


# -- real SIGKILLs at random moments -------------------------------------------------------------

KILL_SEED = 20_251_124


def driver_command(inputs: Inputs, path: Path) -> list[str]:
    return [sys.executable, "-m", "tests.support.crash_driver", str(path), str(inputs.update)]


def srkb_command(file: Callable[[Inputs], Path]) -> Callable[[Inputs, Path], list[str]]:
    return lambda inputs, path: [
        sys.executable,
        "-m",
        "kb",
        "--store",
        str(path),
        "load",
        str(file(inputs)),
    ]


COMMANDS = {
    "srkb-load-bulk": (srkb_command(lambda i: i.big), 7),
    "srkb-load-replacing": (srkb_command(lambda i: i.reload), 6),
    "api-update": (driver_command, 7),
}


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SRKB_")}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_sigkill_at_random_moments_leaves_before_or_after(
    name: str, inputs: Inputs, tmp_path: Path
) -> None:
    command, kills = COMMANDS[name]
    before = contents_of(inputs.template)
    reference = copy_of(inputs.template, tmp_path)
    started = time.monotonic()
    done = subprocess.run(
        command(inputs, reference),
        capture_output=True,
        cwd=REPOSITORY,
        env=environment(),
        timeout=120,
        check=False,
    )
    duration = time.monotonic() - started
    assert done.returncode == 0, done.stderr.decode()
    after = contents_of(reference)
    rng = random.Random(f"{KILL_SEED}/{name}")  # noqa: S311 - seeded: a failure replays
    outcomes: Counter[str] = Counter()
    for attempt in range(kills):
        path = copy_of(inputs.template, tmp_path)
        process = subprocess.Popen(
            command(inputs, path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPOSITORY,
            env=environment(),
        )
        delay = rng.uniform(0.1, duration)
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        killed = process.returncode == -signal.SIGKILL
        try:
            outcome = state_after_restart(path, before, after)
        except (AssertionError, pytest.fail.Exception) as error:
            raise AssertionError(f"kill {attempt} after {delay:.2f} s:\n{error}") from None
        outcomes[f"{'killed' if killed else 'finished'}, {outcome}"] += 1
        shutil.rmtree(path)
    print(f"{name}: {dict(outcomes)} (uninterrupted run {duration:.2f} s)")
