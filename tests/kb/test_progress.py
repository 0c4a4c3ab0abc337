"""Progress of long steps: counts and rates on a terminal, nothing anywhere else."""

from __future__ import annotations

import io
import time

from rich.console import Console

from kb.progress import Stage, terminal_progress


def test_on_a_terminal_a_stage_shows_its_count_and_rate() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    with terminal_progress(console) as show:
        assert show is not None
        show(Stage("parsing campus.ttl", 0, 5000))
        time.sleep(0.05)  # rich computes a rate from at least two samples apart in time
        show(Stage("parsing campus.ttl", 2500, 5000))
        show(Stage("parsing campus.ttl", 5000, 5000, finished=True))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "parsing campus.ttl" in text
    assert "of 5,000 triples" in text
    assert "triples/s" in text


def test_a_stage_without_a_total_shows_its_count() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    with terminal_progress(console) as show:
        assert show is not None
        show(Stage("inference pass 2", 1234, unit="triples"))
    assert "1,234 triples" in console.file.getvalue()  # type: ignore[attr-defined]


def test_not_on_a_terminal_nothing_is_shown() -> None:
    console = Console(file=io.StringIO())
    with terminal_progress(console) as show:
        assert show is None
    assert console.file.getvalue() == ""  # type: ignore[attr-defined]
