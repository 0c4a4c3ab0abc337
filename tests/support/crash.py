"""Tools of the crash tests: what a store answers, a store that dies at its k-th write, big inputs.

A write is safe if a process killed at any moment leaves the store answering as *before* the write
or as *after* it. "Answering" is judged by :func:`contents` (every data graph and its size, and the
store's own default graph, where srkb keeps nothing) and, for the derived graphs, by
:func:`inference_is_fresh`: once the store has been opened again and recovered, its inferred graph
must be exactly what inference computes from its data now.

:class:`DyingStore` stands in for a pyoxigraph store and "kills the process" just before its k-th
write: the real store is let go (RocksDB keeps what was committed, exactly as after a SIGKILL) and
every later call raises :class:`Crash`, so no ``finally`` or ``except`` clause can write anything
more. That puts a kill deterministically between any two commits; the SIGKILL tests add kills at
random moments, inside commits too.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kb.generate import generate_file
from kb.namespaces import (
    HISTORY_GRAPH,
    INFERRED_GRAPH,
    INFERRED_STAGING_GRAPH,
    VALIDATION_GRAPH,
)
from kb.reasoning.inference import infer
from kb.store.oxigraph import OxigraphStore

#: Graphs srkb derives from the data (recomputed, not compared as data).
DERIVED = frozenset({INFERRED_GRAPH, INFERRED_STAGING_GRAPH, VALIDATION_GRAPH, HISTORY_GRAPH})

#: pyoxigraph ``Store`` methods that write.
WRITES = frozenset(
    {
        "add",
        "add_graph",
        "bulk_extend",
        "bulk_load",
        "clear",
        "clear_graph",
        "extend",
        "load",
        "remove",
        "remove_graph",
        "update",
    }
)


@dataclass(frozen=True)
class Contents:
    """What a store answers, as far as data goes: each data graph with its size, and the rest."""

    graphs: tuple[tuple[str, int], ...]
    default_graph: int

    def describe(self) -> str:
        lines = [f"  {graph}: {count}" for graph, count in self.graphs]
        return "\n".join([*lines, f"  (default graph): {self.default_graph}"])


def contents(store: OxigraphStore) -> Contents:
    """Every graph but the derived ones with its triple count, and the default graph's size."""
    native = store.native
    counts = {
        g.value: sum(1 for _ in native.quads_for_pattern(None, None, None, g))
        for g in native.named_graphs()
    }
    data = tuple(sorted((g, n) for g, n in counts.items() if g not in DERIVED and n))
    default = sum(1 for _ in native.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return Contents(data, default)


def inferred_lines(store: OxigraphStore) -> set[str]:
    """The inferred graph's lines but its stamp (a new run id every run; a stale mark stays)."""
    stamps = tuple(f"<{INFERRED_GRAPH}> <{INFERRED_GRAPH}#{name}> " for name in STAMP_FIELDS)
    lines = store.dump("nt", graph=INFERRED_GRAPH).decode("utf-8").splitlines()
    return {line for line in lines if not line.startswith(stamps)}


#: The fields of the inferred graph's stamp (kb.reasoning.stamp).
STAMP_FIELDS = ("model", "run", "data", "triples")


def inference_is_fresh(store: OxigraphStore) -> tuple[bool, str]:
    """Whether the inferred graph is exactly what inference computes from the data now.

    The data graphs are copied quad by quad (blank nodes keep their identity) into a memory store,
    inference runs there, and the two inferred graphs are compared line by line.
    """
    fresh = OxigraphStore(None)
    fresh.native.extend(
        q
        for g in store.native.named_graphs()
        if g.value not in DERIVED
        for q in store.native.quads_for_pattern(None, None, None, g)
    )
    infer(fresh)
    ours, theirs = inferred_lines(store), inferred_lines(fresh)
    if ours == theirs:
        return True, ""
    missing, extra = sorted(theirs - ours)[:5], sorted(ours - theirs)[:5]
    return (
        False,
        f"{len(theirs - ours)} missing, e.g. {missing}; {len(ours - theirs)} extra {extra}",
    )


class Crash(BaseException):
    """The simulated death of the process (a BaseException, so that no ``except`` handles it)."""


class DyingStore:
    """A pyoxigraph store that dies just before its ``die_at``-th write (never, if None).

    Every write is recorded in :attr:`writes` as ``method: first words``, so that a dry run shows
    where each commit of a command falls.
    """

    def __init__(self, real: ox.Store, die_at: int | None) -> None:
        self._real: ox.Store | None = real
        self.die_at = die_at
        self.writes: list[str] = []

    def _alive(self) -> ox.Store:
        if self._real is None:
            raise Crash("the process was killed")
        return self._real

    def __len__(self) -> int:
        return len(self._alive())

    def __contains__(self, quad: object) -> bool:
        return quad in self._alive()

    def __getattr__(self, name: str) -> Any:
        if name not in WRITES:
            return getattr(self._alive(), name)

        def write(*args: Any, **kwargs: Any) -> Any:
            self._alive()
            self.writes.append(f"{name}: {_label(args, kwargs)}")
            if self.die_at is not None and len(self.writes) == self.die_at:
                self._real = None  # let go: RocksDB keeps exactly what was committed
                raise Crash(f"killed before write {self.die_at} ({self.writes[-1]})")
            return getattr(self._alive(), name)(*args, **kwargs)

        return write


def _label(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    if args and isinstance(args[0], str):
        return " ".join(args[0].split()[:6])[:80]
    if "to_graph" in kwargs:
        return f"into {kwargs['to_graph']}"
    return type(args[0]).__name__ if args else ""


def open_dying(path: Path, die_at: int | None) -> tuple[OxigraphStore, DyingStore]:
    """Open a disk store whose pyoxigraph store dies at its ``die_at``-th write."""
    store = OxigraphStore(path)
    dying = DyingStore(store.native, die_at)
    store._store = dying  # type: ignore[assignment]
    return store, dying


def run_until_killed(action: Callable[[], object]) -> bool:
    """Run ``action``; True if it was killed. Frees what the dead process held."""
    try:
        action()
    except Crash:
        killed = True
    else:
        killed = False
    gc.collect()  # the traceback's frames may hold the store; RocksDB's lock goes with it
    return killed


def write_big_ntriples(path: Path, *, orgs: int, padding: int, seed: int = 7) -> None:
    """A generated ecosystem of ``orgs`` organisations plus ``padding`` plain triples.

    The padding (notes with literals of some 350 bytes) makes the file big, for the bulk loader
    and for long writes, without making inference slow: no rule reads its predicate.
    """
    generate_file(orgs, seed, path)
    rng = random.Random(seed)  # noqa: S311 - filler words, not secrets
    with path.open("a", encoding="utf-8") as stream:
        for i in range(padding):
            text = " ".join(f"w{rng.randrange(10_000)}" for _ in range(60))
            stream.write(
                f"<https://example.org/crash#note-{i}> <https://example.org/crash#text> "
                f'"{text}" .\n'
            )
