"""Serialisations streamed to a reader as they are made, under a deadline.

A store writes a serialisation into a file-like object (:meth:`kb.store.Store.dump_to`); a reader
(an HTTP response) wants chunks. :func:`stream` runs the writer in a thread of its own and hands
its output over a small bounded queue, so that the first bytes leave as soon as they are made,
memory holds a few chunks rather than the whole body, and a writer faster than its reader waits.

One deadline bounds the whole: making the serialisation and handing it over. Before the first
chunk, an error or the deadline raises as from any call (:class:`~kb.errors.QueryTimeoutError`),
so a caller can still answer with an error status. After it, the deadline ends the stream with
:class:`StreamExpiredError` (an HTTP server then closes the connection without ending the body,
which is how a streamed response says it is incomplete), and the writer stops at its next write.
A reader that stops reading (a client gone) stops the writer the same way.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, cast

from kb.errors import QueryTimeoutError, SrkbError

log = logging.getLogger(__name__)

#: Bytes per chunk handed over, and chunks that may wait for the reader.
CHUNK = 1 << 16
WAITING = 16
_END = object()


class StreamExpiredError(SrkbError):
    """A streamed serialisation ran past its deadline after its first bytes were sent."""


class _StoppedError(Exception):
    """Raised inside the writer's thread: nobody reads any more, or the deadline passed."""


class _Pipe(io.RawIOBase):
    """The writer's end: collects bytes into chunks and queues them for the reader."""

    def __init__(self, chunks: queue.Queue[object], deadline: float, stop: threading.Event):
        super().__init__()
        self._chunks, self._deadline, self._stop = chunks, deadline, stop
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._buffer += data
        if len(self._buffer) >= CHUNK:
            self.flush_chunk()
        return len(data)

    def flush_chunk(self) -> None:
        """Queue what is buffered, waiting while the reader is behind (never past the deadline)."""
        if not self._buffer:
            return
        chunk, self._buffer = bytes(self._buffer), bytearray()
        self.put(chunk)

    def put(self, item: object) -> None:
        while True:
            if self._stop.is_set() or time.monotonic() >= self._deadline:
                raise _StoppedError
            try:
                self._chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


def stream(
    write: Callable[[IO[bytes]], None], *, timeout: float, what: str = "the answer"
) -> Iterator[bytes]:
    """Chunks of what ``write`` writes, made in a thread, all within ``timeout`` seconds.

    Waits for the first chunk (or the end, or an error) before returning, so that errors before
    any byte is made raise here. ``what`` names the stream in messages.
    """
    deadline = time.monotonic() + timeout
    chunks: queue.Queue[object] = queue.Queue(maxsize=WAITING)
    stop = threading.Event()
    pipe = _Pipe(chunks, deadline, stop)

    def run() -> None:
        try:
            write(cast(IO[bytes], pipe))
            pipe.flush_chunk()
            pipe.put(_END)
        except _StoppedError:
            return
        except BaseException as err:  # handed to the reader, which raises it
            try:
                pipe.put(err)
            except _StoppedError:
                return

    threading.Thread(target=run, name="srkb-stream", daemon=True).start()

    def expired() -> str:
        return f"{what} took longer than the {timeout:g} s limit"

    def next_item() -> object:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise queue.Empty
        return chunks.get(timeout=remaining)

    try:
        first = next_item()
    except queue.Empty:
        stop.set()
        raise QueryTimeoutError(expired() + " and was abandoned") from None
    if isinstance(first, BaseException):
        raise first

    def rest(item: object) -> Iterator[bytes]:
        try:
            while item is not _END:
                if isinstance(item, BaseException):
                    log.error("%s failed after its first bytes were sent: %s", what, item)
                    raise StreamExpiredError(
                        f"{what} failed after its first bytes: {item}"
                    ) from item
                yield cast(bytes, item)
                try:
                    item = next_item()
                except queue.Empty:
                    log.warning("%s: the stream was closed unfinished", expired())
                    raise StreamExpiredError(
                        expired() + "; the stream was closed unfinished"
                    ) from None
        finally:
            stop.set()  # the reader is done, or gone: the writer stops at its next write

    return rest(first)
