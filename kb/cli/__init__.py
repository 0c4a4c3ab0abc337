"""The ``srkb`` command line, one module per group of verbs.

:mod:`~kb.cli.application` holds the application, its global options (overrides of
:class:`kb.config.Settings`: one configuration path for every verb), exit codes and shared
helpers; the verbs live in :mod:`~kb.cli.data` (load, import, template, export, stats, demo,
generate), :mod:`~kb.cli.reasoning` (infer, explain, reason), :mod:`~kb.cli.checks` (validate,
report, map), :mod:`~kb.cli.questions` (query, ask, questions) and :mod:`~kb.cli.serve`.

May import: everything in :mod:`kb`, and :mod:`api` (for ``srkb serve`` only).
"""

from __future__ import annotations

import os

# Verbs register in this order, which is the order of their panels in ``srkb --help``.
# isort: off
from kb.cli import data, reasoning, checks, questions, serve

# isort: on
from kb.cli.application import EXIT_NOT_CONFORMANT, EXIT_OK, EXIT_USAGE, app, state

__all__ = [
    "EXIT_NOT_CONFORMANT",
    "EXIT_OK",
    "EXIT_USAGE",
    "app",
    "checks",
    "data",
    "main",
    "questions",
    "reasoning",
    "serve",
    "state",
]


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()
