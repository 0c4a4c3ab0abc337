"""Parsing an upload in a helper process, so that one large upload does not stall the service.

Reading a 2 MB workbook of 20,000 rows is a couple of seconds of pure-Python work (YAML nodes,
rows, checks, problems). Done in the server's process it holds the interpreter that every other
request needs, and while such uploads repeat the one-organisation routes' p99 went from 50 ms to
over a second (``bench/attack_load.py``). Here one helper process, started on first use and niced
like the query workers, parses instead; the parsed source or the located problems come back
pickled (:class:`kb.errors.SrkbError` keeps its fields across). The CLI parses in its own process:
nothing else waits there.

The helper is started with ``spawn``, never ``fork``: the server's process has threads and an open
RocksDB store that a forked child must not inherit.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, TypeVar

from kb.errors import InputError

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

#: How much the helper defers to the server's threads for CPU (``nice``), as the query workers do.
NICENESS = 10

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


#: How often the helper looks whether the server that started it is still there (seconds).
PARENT_CHECK_SECONDS = 0.5


def _defer(parent: int) -> None:
    """Set the helper up: niced, and gone when the server that started it is."""
    # A platform without nice parses at normal priority.
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """End the helper once its server has gone (killed, or stopped without :func:`shutdown`).

    A helper whose server is gone would wait for work forever: it holds both ends of its own
    pipe, so it never sees the server's end close.
    """
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_defer,
                initargs=(os.getpid(),),
            )
        return _pool


def in_helper(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``function(*args, **kwargs)`` run in the helper process; its errors are raised here.

    ``function`` must be importable at module level (it is pickled by name). A helper that dies
    (killed, out of memory) answers an :class:`~kb.errors.InputError` and is started again for
    the next upload.
    """
    try:
        return _executor().submit(function, *args, **kwargs).result()
    except BrokenProcessPool as err:
        log.warning("the parsing process stopped; a new one starts with the next upload")
        shutdown()
        raise InputError(
            "the upload could not be parsed: the parsing process stopped",
            source="upload",
            hint="send it again; if it fails again, it is too large to parse here",
        ) from err


def shutdown() -> None:
    """Stop the helper process, if one was started (a new one starts when needed)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def helper_pid() -> int | None:
    """The helper process's id, for tests (None before the first upload)."""
    return in_helper(os.getpid) if _pool is not None else None
