"""Every command block of the README and ``docs/`` runs as written, against the demo.

A newcomer pastes the blocks in order into a shell in a fresh directory: so do these tests, one
directory per document (with the repository's ``examples/`` beside it), every block in document
order, each transcript's output compared with what the document shows (see
:mod:`tests.support.doc_blocks` for what is ignored). ``curl`` examples go to a real
``srkb serve --demo`` on a free 127.0.0.1 port (``127.0.0.1:8000`` in a block stands for it, in
commands and in the output shown),
with ``--fail-with-body``, so an answer of 4xx or 5xx fails the block. Blocks marked
``<!-- illustration: why -->`` are not run; which blocks are found is decided on disk, so a new
section of the README is run without touching this file.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.app_server import API_TOKEN, AppServer, start_app
from tests.support.doc_blocks import Block, blocks, normalise, output_matches

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINKED = ("examples", "ontology", "shapes", "queries")
DEMO_URL = "http://127.0.0.1:8000"
COMMAND_SECONDS = 180
#: Shell set-up before every block: curl fails on an HTTP error and says why, quietly otherwise.
PRELUDE = 'set -o pipefail\ncurl() { command curl --fail-with-body -sS "$@"; }\n'

ALL_BLOCKS = [block for document in DOCUMENTS for block in blocks(document)]


@dataclass
class Outcome:
    """What one command printed (stdout and stderr, as a terminal interleaves them) and its code."""

    command: str
    output: str
    status: int


@dataclass
class DocumentRun:
    """One document's blocks run in order in one directory, as a reader pastes them."""

    document: Path
    directory: Path
    logs: Path
    server: AppServer | None = None
    done: dict[int, list[Outcome]] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SRKB_")}
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            COLUMNS="80",
            NO_COLOR="1",
            PYTHONUNBUFFERED="1",
            SRKB_API_TOKEN=API_TOKEN,
        )
        env.pop("FORCE_COLOR", None)
        return env

    def shell(self, text: str, *, strict: bool) -> Outcome:
        if DEMO_URL in text:
            text = text.replace(DEMO_URL, self.demo_server().base)
        script = PRELUDE + ("set -eu\n" if strict else "") + text + "\n"
        base = self.server.base if self.server is not None else None
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.directory,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=COMMAND_SECONDS,
            check=False,
        )
        output = done.stdout if base is None else done.stdout.replace(base, DEMO_URL)
        return Outcome(text, output, done.returncode)

    def demo_server(self) -> AppServer:
        """What ``make run`` starts: the demo on an embedded disk store, here on a free port."""
        if self.server is None:
            store = self.directory / "data" / "demo-store"
            self.server = start_app(
                self.logs, store=str(store), demo=True, settings={"SRKB_API_TOKEN": API_TOKEN}
            )
        return self.server

    def run(self, block: Block) -> list[Outcome]:
        """Run every block of the document up to ``block`` not run yet; return its outcomes."""
        for earlier in blocks(self.document):
            if earlier.line in self.done or earlier.illustration is not None:
                continue
            if DEMO_URL in earlier.body:  # in a command, or in what a command prints
                self.demo_server()
            if earlier.transcript:
                self.done[earlier.line] = [
                    self.shell(command.text, strict=False) for command in earlier.commands
                ]
            else:
                self.done[earlier.line] = [self.shell(earlier.body, strict=True)]
            if earlier.line == block.line:
                break
        return self.done[block.line]

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Path, DocumentRun]]:
    """One fresh directory (and at most one demo server) per document, shared by its blocks."""
    made: dict[Path, DocumentRun] = {}

    class Runs(dict[Path, DocumentRun]):
        def __missing__(self, document: Path) -> DocumentRun:
            directory = tmp_path_factory.mktemp(document.stem)
            for name in LINKED:
                (directory / name).symlink_to(ROOT / name, target_is_directory=True)
            logs = tmp_path_factory.mktemp(document.stem + "-logs")
            made[document] = self[document] = DocumentRun(document, directory, logs)
            return self[document]

    yield Runs()
    for run in made.values():
        run.close()


def _diff(expected: str, actual: str) -> str:
    lines = difflib.unified_diff(
        normalise(expected).splitlines(),
        normalise(actual).splitlines(),
        "document",
        "real output",
        lineterm="",
    )
    return "\n".join(lines)


@pytest.mark.parametrize(
    "block", [pytest.param(b, id=b.label(ROOT)) for b in ALL_BLOCKS if b.illustration is None]
)
def test_block_runs_as_written(block: Block, runs: dict[Path, DocumentRun]) -> None:
    """A transcript prints what it shows; a script succeeds (curl: no HTTP error)."""
    outcomes = runs[block.document].run(block)
    if not block.transcript:
        outcome = outcomes[0]
        assert outcome.status == 0, (
            f"{block.label(ROOT)} failed with status {outcome.status}:\n{outcome.output}"
        )
        return
    for command, outcome in zip(block.commands, outcomes, strict=True):
        where = f"{block.document.relative_to(ROOT)}:{command.line}: $ {command.text}"
        if outcome.status >= 2:
            assert "error:" in command.expected, (
                f"{where} failed with status {outcome.status} (the document shows no error):\n"
                f"{outcome.output}"
            )
        assert output_matches(command.expected, outcome.output), (
            f"{where} printed something else:\n{_diff(command.expected, outcome.output)}"
        )


def test_every_document_has_blocks_that_run() -> None:
    """The finder finds the README's transcripts (a broken finder would pass everything)."""
    readme = [b for b in ALL_BLOCKS if b.document.name == "README.md" and b.illustration is None]
    assert sum(b.transcript for b in readme) >= 3
    assert any("curl" in b.body for b in readme)


def test_illustrations_say_why() -> None:
    """An illustration that is not run carries its reason in the source."""
    for block in ALL_BLOCKS:
        if block.illustration is not None:
            assert block.illustration.strip() not in ("", "an illustration"), block.label(ROOT)


def test_curl_is_available() -> None:
    """The README's HTTP examples use curl: it is among the system packages make test checks."""
    assert shutil.which("curl"), "curl is missing: run `make system-deps` (apt-get install curl)"
