"""Progress of long steps (parse, load, inference passes, validation, import rows, export).

The engine only *reports*: a long step calls a :data:`ProgressReport` with a :class:`Stage`
(what, how many done, of how many if known, in which unit) as often as it likes. It never prints,
so the library stays quiet and the HTTP service pays nothing (``None``, the default everywhere,
reports nowhere).

The CLI turns reports into one live line per stage on stderr, with the count, the rate and, when
the total is known, a bar and the time left (:func:`terminal_progress`); on anything that is not
a terminal (a pipe, a log file, the tests) it shows nothing, so transcripts and logs stay clean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


@dataclass(frozen=True)
class Stage:
    """Where a long step is: ``done`` of ``total`` (None: not known in advance) ``unit``."""

    name: str
    done: int
    total: int | None = None
    unit: str = "triples"
    finished: bool = False
    #: Where inside the stage, shown after the count (``pass 3``).
    detail: str = ""


#: What a long step calls to say how far it is; None means nobody is watching.
ProgressReport = Callable[[Stage], None]


def report(to: ProgressReport | None, stage: Stage) -> None:
    """Send ``stage`` to ``to`` if someone is watching."""
    if to is not None:
        to(stage)


class RateColumn(ProgressColumn):
    """Items per second, in the stage's unit (rich's own speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        """The rate, once there is one."""
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", "")
        return Text("" if not speed else f"{speed:,.0f} {unit}/s")


class CountColumn(ProgressColumn):
    """``1,234 of 5,000 triples`` or ``1,234 triples``."""

    def render(self, task: Task) -> Text:
        """The count so far."""
        unit = task.fields.get("unit", "")
        detail = task.fields.get("detail", "")
        done = f"{task.completed:,.0f}"
        text = f"{done} {unit}" if task.total is None else f"{done} of {task.total:,.0f} {unit}"
        return Text(f"{text}, {detail}" if detail else text)


@contextmanager
def terminal_progress(console: Console) -> Iterator[ProgressReport | None]:
    """A report that draws on ``console`` while the block runs; None when it is no terminal."""
    if not console.is_terminal:
        yield None
        return
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        CountColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def show(stage: Stage) -> None:
        task = tasks.get(stage.name)
        if task is None:
            task = tasks[stage.name] = bars.add_task(
                stage.name, total=stage.total, unit=stage.unit, detail=stage.detail
            )
        bars.update(task, completed=stage.done, total=stage.total, detail=stage.detail)
        if stage.finished:
            bars.stop_task(task)

    with bars:
        yield show
