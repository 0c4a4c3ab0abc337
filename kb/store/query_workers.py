"""Protocol queries in worker processes that can be killed: how srkb stops a runaway query.

Oxigraph cannot interrupt a query, and a thread cannot be killed, so a query that outlives its
timeout would keep a thread and a CPU busy until it ends (hours, for a cartesian product). On an
embedded on-disk store :class:`QueryWorkers` runs ``/sparql`` queries in child processes instead:
at the timeout the child is killed (SIGKILL) and a fresh one started in the background.

**What a worker reads.** Not the live store: pyoxigraph documents opening a store that another
process writes (``Store.read_only``) as undefined behaviour, and such a reader never sees later
writes anyway. A worker reads a *checkpoint* (:class:`Snapshots`): the server's own store makes
it with ``Store.backup``, RocksDB's online checkpoint (immutable table files hard-linked; 10 to
50 ms measured, mostly the flush of recent writes), into a directory next to the store; the
worker opens it with ``Store.read_only``. A new checkpoint is taken when a query arrives and the
store's files have changed since the last one (:func:`fingerprint`: RocksDB appends every
committed write to its write-ahead log, or to its manifest for an ingested file, before the write
returns), so a query sees every write that was answered before the query was sent, and queries
between writes reuse one checkpoint.

**The worker process** runs this file as a script (``python -P kb/store/query_workers.py``), so it
imports pyoxigraph and the standard library only (no rdflib: its imports take some 20 ms instead
of 200). Messages are length-prefixed pickles of plain tuples of strings, read with an unpickler
that refuses every class; terms travel as tuples and become rdflib terms in the server exactly
as :func:`kb.store.oxigraph.to_rdflib` makes them. A worker exits when its input closes (the
server went) and, should that not happen, when its parent process changes.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import queue
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

if TYPE_CHECKING:
    from kb.sparql.results import QueryResult

log = logging.getLogger(__name__)

#: How long a new worker may take to say it is ready.
SPAWN_SECONDS = 30.0
#: How much a worker defers to the server's threads for CPU (``nice``): see :func:`_limit_self`.
WORKER_NICENESS = 10
#: How long to wait for a killed or closed worker to be reaped.
REAP_SECONDS = 5.0
_HEADER = struct.Struct("!Q")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


# -- messages (both sides) ----------------------------------------------------------------------


class WorkerGoneError(Exception):
    """The other side closed its pipe or sent something that is not a message."""


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles builtins only: a message that names any class or function is refused."""

    def find_class(self, module: str, name: str) -> Any:
        """Refuse: no message needs a class."""
        raise pickle.UnpicklingError(f"messages carry no objects of {module}.{name}")


def _encode_message(message: object) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _decode_message(data: bytes) -> Any:
    try:
        return _PlainUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as err:
        raise WorkerGoneError(f"not a message: {err}") from err


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except (BrokenPipeError, OSError) as err:
            raise WorkerGoneError(f"the pipe is closed: {err}") from err
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    """Read ``size`` bytes; TimeoutError at ``deadline`` (monotonic), WorkerGoneError at EOF."""
    chunks: list[bytes] = []
    while size > 0:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise WorkerGoneError("the pipe was closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_message(fd: int, deadline: float | None) -> Any:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    return _decode_message(_read_exact(fd, size, deadline))


# -- the worker process (pyoxigraph and the standard library only) ------------------------------


def _encode_term(term: object) -> tuple[str, ...] | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("i", term.value)
    if isinstance(term, ox.BlankNode):
        return ("b", term.value)
    if isinstance(term, ox.Literal):
        return ("l", term.value, term.language or "", term.datatype.value)
    return ("x", repr(term))


def _answer(
    store: ox.Store, sparql: str, dataset: dict[str, Any], limit: int | None
) -> tuple[Any, ...]:
    """Run one query; its answer (or error) as a message of plain tuples."""
    try:
        result = store.query(sparql, **dataset)
        if isinstance(result, ox.QueryBoolean):
            return ("ask", bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = tuple(v.value for v in result.variables)
            rows: list[tuple[Any, ...]] = []
            for solution in result:
                if limit is not None and len(rows) >= limit:
                    return (
                        "error",
                        "limit",
                        f"the query returns more than {limit} rows",
                        None,
                        None,
                    )
                rows.append(tuple(_encode_term(solution[i]) for i in range(len(variables))))
            return ("select", variables, rows)
        triples: list[tuple[Any, ...]] = []
        for t in result:
            if limit is not None and len(triples) >= limit:
                return (
                    "error",
                    "limit",
                    f"the query returns more than {limit} triples",
                    None,
                    None,
                )
            triples.append(
                (_encode_term(t.subject), _encode_term(t.predicate), _encode_term(t.object))
            )
        return ("graph", triples)
    except SyntaxError as err:
        return (
            "error",
            "syntax",
            str(err.msg if hasattr(err, "msg") else err),
            err.lineno,
            err.offset,
        )
    except (ValueError, OSError) as err:
        return ("error", "input", f"the query failed: {err}", None, None)
    except MemoryError:  # Python's share of the cap ran out (Oxigraph's own aborts the process)
        return ("error", "memory", "the query needed more memory than its cap", None, None)


def _dataset(default_graphs: list[str] | None, named_graphs: list[str] | None) -> dict[str, Any]:
    """The dataset arguments of a query, as :class:`kb.store.oxigraph.OxigraphStore` sets them."""
    dataset: dict[str, Any] = {}
    if default_graphs is not None or named_graphs is not None:
        dataset["default_graph"] = [ox.NamedNode(g) for g in default_graphs or []]
        if named_graphs is not None:
            dataset["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    else:
        dataset["use_default_graph_as_union"] = True
    return dataset


def _watch_parent(parent: int) -> None:
    """Exit when the server is gone, even in the middle of a query (the GIL is free then)."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def _limit_self(memory_bytes: int) -> None:
    """Cap this process's data memory, and yield the CPU to the server's own threads.

    ``RLIMIT_DATA`` bounds the heap and private mappings (not the store's memory-mapped files):
    an allocation beyond it fails, which ends a query that grows without bound (Oxigraph aborts
    the process; the server answers 503 and starts another worker). The nice value lets anyone's
    query use an idle CPU without slowing the service's other answers on a busy one.
    """
    import resource

    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def _serve(memory_bytes: int = 0) -> None:
    """The worker's loop: answer queries read from stdin on stdout until stdin closes."""
    _limit_self(memory_bytes)
    reply_fd = os.dup(1)
    os.dup2(2, 1)  # a stray print must not corrupt the replies
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    store: ox.Store | None = None
    opened = ""
    _write_all(reply_fd, _encode_message(("ready",)))
    while True:
        try:
            _, snapshot, sparql, default_graphs, named_graphs, limit = _read_message(0, None)
        except WorkerGoneError:
            return
        reply: tuple[Any, ...]
        try:
            if snapshot != opened:
                store = None  # let go of the old checkpoint before opening the new one
                store = ox.Store.read_only(snapshot)
                opened = snapshot
        except OSError as err:
            reply = (
                "error",
                "unavailable",
                f"cannot open the store's checkpoint: {err}",
                None,
                None,
            )
        else:
            assert store is not None  # noqa: S101 - opened above
            reply = _answer(store, sparql, _dataset(default_graphs, named_graphs), limit)
        _write_all(reply_fd, _encode_message(reply))


# -- the server side ------------------------------------------------------------------------------


def fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of a RocksDB directory's files (not its info logs).

    Every committed write changes it: a transaction appends to the write-ahead log, an ingested
    file is recorded in the manifest, and RocksDB numbers new files upwards, never reusing a name.
    Background compactions change it too, which only costs a checkpoint that was not needed.
    """
    entries = []
    with os.scandir(directory) as found:
        for entry in found:
            if entry.name.startswith("LOG") or not entry.is_file():
                continue
            stat = entry.stat()
            entries.append((entry.name, stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(entries))


class Snapshots:
    """Checkpoints of the live store for the workers: one per state of the store's files.

    A checkpoint is removed once no worker has it open and a newer one exists, and all of them
    when the server stops (or at the next start, after a kill).
    """

    def __init__(self, store: ox.Store, directory: Path) -> None:
        self._store = store
        self._directory = directory
        self.root = directory.parent / f".{directory.name}.query-snapshots"
        shutil.rmtree(self.root, ignore_errors=True)  # left by a server that was killed
        self.root.mkdir()
        self._lock = threading.Lock()
        self._taken = 0
        self._current: Path | None = None
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._held: Counter[Path] = Counter()

    def acquire(self) -> Path:
        """The checkpoint of the store as it is now, held until :meth:`release`.

        That is the last one, or a new one if the store's files changed since it was taken.
        """
        with self._lock:
            # Read before the checkpoint is taken: a write in between makes the next call take
            # another one, rather than being missed.
            seen = fingerprint(self._directory)
            if self._current is None or seen != self._seen:
                self._taken += 1
                target = self.root / str(self._taken)
                self._store.backup(str(target))
                self._current, self._seen = target, seen
                self._collect()
            self._held[self._current] += 1
            return self._current

    def release(self, path: Path | None) -> None:
        """Let go of a checkpoint from :meth:`acquire`; remove those nobody holds but the last."""
        if path is None:
            return
        with self._lock:
            self._held[path] -= 1
            self._collect()

    def _collect(self) -> None:
        for path in list(self.root.iterdir()):
            if path != self._current and self._held[path] <= 0:
                shutil.rmtree(path, ignore_errors=True)
                self._held.pop(path, None)

    @property
    def taken(self) -> int:
        """How many checkpoints were taken (for tests and measurements)."""
        return self._taken

    def close(self) -> None:
        """Remove every checkpoint."""
        with self._lock:
            shutil.rmtree(self.root, ignore_errors=True)
            self._current = None


class _Worker:
    """One worker process and the checkpoint it has open."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.opened: Path | None = None
        assert process.stdin is not None  # noqa: S101 - opened with PIPE
        assert process.stdout is not None  # noqa: S101 - opened with PIPE
        self._input = process.stdin.fileno()
        self._output = process.stdout.fileno()

    @classmethod
    def spawn(cls, memory_bytes: int = 0) -> _Worker:
        """Start a worker (its data memory capped if ``memory_bytes``); wait until it is ready."""
        process = subprocess.Popen(  # noqa: S603 - this file, run by this interpreter
            [sys.executable, "-P", str(Path(__file__).resolve()), str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its failures come back as replies, or as its exit status (an allocation over the
            # memory cap makes Oxigraph print a line and abort): nothing for the server's log.
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        worker = cls(process)
        try:
            ready = _read_message(worker._output, time.monotonic() + SPAWN_SECONDS)
        except (TimeoutError, WorkerGoneError) as err:
            worker.kill()
            raise WorkerGoneError(f"a query worker did not start: {err!r}") from err
        if ready != ("ready",):
            worker.kill()
            raise WorkerGoneError(f"a query worker said {ready!r} instead of being ready")
        return worker

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, request: tuple[Any, ...], deadline: float) -> Any:
        """Send a request; its reply, or TimeoutError at ``deadline``, or WorkerGoneError."""
        _write_all(self._input, _encode_message(request))
        return _read_message(self._output, deadline)

    def kill(self) -> None:
        """Stop the process now (it may be in the middle of a query) and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=REAP_SECONDS)
        except subprocess.TimeoutExpired:
            log.error("query worker %d did not exit after SIGKILL", self.process.pid)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


class QueryWorkers:
    """A pool of ``size`` worker processes answering protocol queries on checkpoints of a store.

    At most ``size`` queries run at once; a query waits for a free worker within its own
    timeout. A worker whose query reaches the timeout is killed and replaced in the background,
    so the next query finds a fresh one.
    """

    def __init__(self, store: ox.Store, directory: Path, size: int, memory_bytes: int = 0) -> None:
        self.size = size
        self.memory_bytes = memory_bytes
        self.snapshots = Snapshots(store, directory)
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._closed = False
        self._lock = threading.Lock()
        self._spawning: list[threading.Thread] = []
        self._starting = 0  # workers being started in the background

    def start(self) -> None:
        """Start the workers in the background (the server answers meanwhile)."""
        for _ in range(self.size):
            self._replace_later()

    def _replace_later(self) -> None:
        thread = threading.Thread(target=self._replace, name="srkb-query-spawn", daemon=True)
        with self._lock:
            self._spawning = [t for t in self._spawning if t.is_alive()]
            self._spawning.append(thread)
            self._starting += 1
        thread.start()

    def _replace(self) -> None:
        try:
            worker = _Worker.spawn(self.memory_bytes)
        except (WorkerGoneError, OSError) as err:
            log.error("could not start a query worker: %s", err)
        else:
            self._give_back(worker)
        finally:
            with self._lock:
                self._starting -= 1

    def _give_back(self, worker: _Worker) -> None:
        if self._closed or not worker.alive or self._idle.qsize() >= self.size:
            self._retire(worker)
        else:
            self._idle.put(worker)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        self.snapshots.release(worker.opened)
        worker.opened = None

    def _take(self, deadline: float) -> _Worker:
        """An idle live worker; one being started if none is idle; else a new one.

        Waiting for a worker that is being started (rather than starting another) keeps the
        pool at its size. Raises TimeoutError at ``deadline``.
        """
        while True:
            try:
                # Waiting for one being started, in short steps: its start may fail.
                worker = self._idle.get(block=self._starting > 0, timeout=0.05)
            except queue.Empty:
                if time.monotonic() >= deadline:
                    raise TimeoutError from None
                if self._starting:
                    continue
                return _Worker.spawn(self.memory_bytes)
            if worker.alive:
                return worker
            self._retire(worker)

    def query(
        self,
        text: str,
        *,
        default_graphs: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        limit: int | None,
        timeout: float,
    ) -> QueryResult:
        """Answer a query in a worker; kill the worker if the answer takes over ``timeout``."""
        from kb.errors import QueryMemoryError, QueryTimeoutError, StoreUnavailableError

        deadline = time.monotonic() + timeout
        if self._closed:
            raise StoreUnavailableError("the server is shutting down")
        if not self._slots.acquire(timeout=timeout):
            raise QueryTimeoutError(
                f"all {self.size} query workers stayed busy for the {timeout:g} s limit"
            )
        try:
            try:
                worker = self._take(deadline)
            except TimeoutError:
                raise QueryTimeoutError(
                    f"no query worker was ready within the {timeout:g} s limit"
                ) from None
            except (WorkerGoneError, OSError) as err:
                raise StoreUnavailableError(f"no query worker could be started: {err}") from err
            try:
                snapshot = self.snapshots.acquire()
            except OSError as err:
                self._give_back(worker)
                raise StoreUnavailableError(f"cannot checkpoint the store: {err}") from err
            request = (
                "query",
                str(snapshot),
                text,
                None if default_graphs is None else list(default_graphs),
                None if named_graphs is None else list(named_graphs),
                limit,
            )
            try:
                reply = worker.ask(request, deadline)
            except (TimeoutError, WorkerGoneError) as err:
                self._retire(worker)
                self.snapshots.release(snapshot)
                self._replace_later()
                if isinstance(err, TimeoutError):
                    raise QueryTimeoutError(
                        f"the query took longer than the {timeout:g} s limit and was stopped"
                    ) from None
                if self.memory_bytes and worker.process.returncode == -signal.SIGABRT:
                    raise QueryMemoryError(self._memory_message()) from None
                raise StoreUnavailableError(f"the query worker failed: {err}") from err
            # The worker has ``snapshot`` open now, and no other: it keeps the hold on it.
            self.snapshots.release(worker.opened)
            worker.opened = snapshot
            self._give_back(worker)
        finally:
            self._slots.release()
        return _result(reply)

    def _memory_message(self) -> str:
        return (
            f"the query needed more than the {self.memory_bytes // (1024 * 1024)} MiB a query "
            "may use (SRKB_QUERY_MEMORY) and was stopped"
        )

    def close(self) -> None:
        """Stop every worker and remove the checkpoints."""
        self._closed = True
        with self._lock:
            spawning = list(self._spawning)
        for thread in spawning:
            thread.join(timeout=SPAWN_SECONDS)
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            self._retire(worker)
        self.snapshots.close()


def _result(reply: tuple[Any, ...]) -> QueryResult:
    """A worker's reply as the :class:`~kb.store.QueryResult` the store itself would give.

    Terms become rdflib's by the rules of :func:`kb.store.oxigraph.to_rdflib`; errors become the
    errors :class:`~kb.store.oxigraph.OxigraphStore` raises.
    """
    from rdflib import BNode, Literal, URIRef

    from kb.errors import InputError, QueryMemoryError, ResultLimitError, StoreUnavailableError
    from kb.sparql.results import QueryResult
    from kb.store.terms import syntax_error

    def term(encoded: tuple[str, ...] | None) -> Any:
        if encoded is None:
            return None
        kind = encoded[0]
        if kind == "i":
            return URIRef(encoded[1])
        if kind == "b":
            return BNode(encoded[1])
        if kind == "l":
            _, value, language, datatype = encoded
            if language:
                return Literal(value, lang=language)
            if datatype == _XSD_STRING:
                return Literal(value)
            return Literal(value, datatype=URIRef(datatype))
        raise InputError(f"unsupported RDF term {encoded[1]} (quoted triples are not used by srkb)")

    kind = reply[0]
    if kind == "ask":
        return QueryResult(kind="ask", boolean=reply[1])
    if kind == "select":
        rows = tuple(tuple(term(t) for t in row) for row in reply[2])
        return QueryResult(kind="select", variables=tuple(reply[1]), rows=rows)
    if kind == "graph":
        triples = tuple((term(s), term(p), term(o)) for s, p, o in reply[1])
        return QueryResult(kind="graph", triples=triples)
    _, what, message, line, column = reply
    if what == "limit":
        raise ResultLimitError(message)
    if what == "syntax":
        error = SyntaxError(message)
        error.lineno, error.offset = line, column
        raise syntax_error(error, "query")
    if what == "unavailable":
        raise StoreUnavailableError(message)
    if what == "memory":
        raise QueryMemoryError(message)
    raise InputError(message, source="query")


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
