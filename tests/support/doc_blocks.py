"""The command blocks of the project's Markdown documents, as a newcomer would paste them.

A fenced block whose language is ``console`` is a transcript: lines starting with ``$ `` are
commands (a line ending in ``\\`` continues on the next), the lines after a command up to the next
one are what it prints. A block in ``sh``, ``bash`` or ``shell`` is a script pasted whole; it
shows no output, so only its success is checked. Any other language (``text``, ``yaml``,
``mermaid``...) is not a command block.

A block preceded by an HTML comment ``<!-- illustration: why -->`` (blank lines between are
allowed) is shown but not run: ``make test`` inside the tests, a file the reader brings, a server
of their own. The comment must say why, so a reader of the source sees the reason too.

Comparison ignores what changes from run to run: durations (``0.34 s``), dates and times, the
ids of recorded validation runs, trailing spaces and trailing blank lines. ``...`` in an expected
output stands for any text, as in doctest's ELLIPSIS (several lines, or the rest of a line).
"""

from __future__ import annotations

import doctest
import re
from dataclasses import dataclass, field
from pathlib import Path

COMMAND_LANGUAGES = frozenset({"console", "sh", "bash", "shell"})
ILLUSTRATION = re.compile(r"^<!--\s*illustration\b\s*:?\s*(?P<why>.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<fence>```+|~~~+)\s*(?P<language>[\w+-]*)")


@dataclass(frozen=True)
class Command:
    """One ``$`` command of a transcript and the output the document shows for it."""

    text: str
    expected: str
    line: int


@dataclass(frozen=True)
class Block:
    """A fenced command block: where it is, how it is run, and why not if it is an illustration."""

    document: Path
    line: int
    language: str
    body: str
    illustration: str | None = None
    commands: tuple[Command, ...] = field(default=())

    @property
    def transcript(self) -> bool:
        return self.language == "console"

    def label(self, root: Path) -> str:
        return f"{self.document.relative_to(root)}:{self.line}"


def blocks(document: Path) -> list[Block]:
    """Every command block of ``document``, in order, with its line number (1-based)."""
    lines = document.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    illustration: str | None = None
    while index < len(lines):
        line = lines[index]
        marker = ILLUSTRATION.match(line.strip())
        if marker:
            illustration = marker.group("why") or "an illustration"
            index += 1
            continue
        opening = FENCE.match(line)
        if not opening:
            if line.strip():
                illustration = None
            index += 1
            continue
        fence, language = opening.group("fence"), opening.group("language").lower()
        start = index + 1
        end = start
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        body = "\n".join(lines[start:end])
        if language in COMMAND_LANGUAGES:
            commands = _commands(lines[start:end], start + 1) if language == "console" else ()
            found.append(Block(document, index + 1, language, body, illustration, commands))
        illustration = None
        index = end + 1
    return found


def _commands(lines: list[str], first_line: int) -> tuple[Command, ...]:
    commands: list[Command] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("$ "):
            raise ValueError(
                f"line {first_line + index}: transcript output before any '$ ' command"
            )
        number = first_line + index
        text = [line[2:]]
        while text[-1].endswith("\\") and index + 1 < len(lines):
            index += 1
            text.append(lines[index])
        index += 1
        output: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            output.append(lines[index])
            index += 1
        commands.append(Command("\n".join(text), "\n".join(output), number))
    return tuple(commands)


_VARYING = [
    (re.compile(r"https://w3id\.org/srkb/graph/validation-history/run/[^\s>)\"]+"), "RUN"),
    (re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?( UTC)?)?"), "DATE"),
    (re.compile(r"\b\d+(\.\d+)? ?(s|ms|min)\b"), "DURATION"),
    (re.compile(r"\b\d[\d,]*(\.\d+)? (triples|rows)/s\b"), "RATE"),
]


def normalise(text: str) -> str:
    """Replace what varies between runs; drop trailing spaces and trailing blank lines."""
    for pattern, replacement in _VARYING:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def output_matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is what the document shows, ``...`` standing for any text."""
    want, got = normalise(expected), normalise(actual)
    if want == got:
        return True
    checker = doctest.OutputChecker()
    return checker.check_output(want + "\n", got + "\n", doctest.ELLIPSIS)
