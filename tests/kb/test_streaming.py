"""Serialisations stream under a deadline (:mod:`kb.store.streaming`), on a real Oxigraph store.

The first bytes leave before the whole is made; an error or the deadline before them raises as
from any call; the deadline after them ends the stream unfinished and stops the writer; a reader
that stops stops it too. The streamed N-Quads of several graphs equal the graphs.
"""

from __future__ import annotations

import threading
import time
from typing import IO

import pyoxigraph as ox
import pytest

from kb.errors import NotFoundError, QueryTimeoutError
from kb.store import open_store
from kb.store.oxigraph import OxigraphStore
from kb.store.streaming import CHUNK, StreamExpiredError, stream

GRAPHS = ["https://example.org/g/a", "https://example.org/g/b"]


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    """30,000 triples in two graphs, literals with spaces, dots and escaped newlines."""
    opened = open_store("memory")
    assert isinstance(opened, OxigraphStore)
    opened._store.extend(
        ox.Quad(
            ox.NamedNode(f"https://example.org/s{i}"),
            ox.NamedNode("https://example.org/p"),
            ox.Literal(f"value {i} .\nnext line ."),
            ox.NamedNode(GRAPHS[i % 2]),
        )
        for i in range(30_000)
    )
    return opened


def test_streamed_n_quads_of_several_graphs_are_the_graphs(store: OxigraphStore) -> None:
    streamed = b"".join(stream(lambda out: store.dump_graphs_to(out, "nq", GRAPHS), timeout=30))
    quads = set(ox.parse(streamed, format=ox.RdfFormat.N_QUADS))
    assert quads == set(store._store.quads_for_pattern(None, None, None, None))
    for fmt in ("trig", "jsonld", "ttl"):
        assert b"".join(
            stream(lambda out, f=fmt: store.dump_graphs_to(out, f, GRAPHS), timeout=30)
        ) == store.dump_graphs(fmt, GRAPHS)


def test_the_first_chunk_leaves_before_the_writer_ends(store: OxigraphStore) -> None:
    ended = threading.Event()

    def write(out: IO[bytes]) -> None:
        store.dump_to(out, "nq")
        ended.set()

    chunks = stream(write, timeout=30)
    first = next(chunks)
    assert len(first) >= CHUNK
    assert not ended.is_set(), "the writer waits for a slow reader, a few chunks ahead"
    rest = b"".join(chunks)
    assert ended.wait(5)
    assert first + rest == store.dump("nq")


def test_an_error_before_the_first_bytes_raises_as_from_any_call() -> None:
    def missing(_out: IO[bytes]) -> None:
        raise NotFoundError("the store has no graph <urn:x>")

    with pytest.raises(NotFoundError, match="urn:x"):
        stream(missing, timeout=5)

    def slow(_out: IO[bytes]) -> None:
        time.sleep(2)

    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match=r"0\.3 s limit"):
        stream(slow, timeout=0.3, what="the export")
    assert time.monotonic() - started < 1.5


def test_the_deadline_after_the_first_bytes_closes_the_stream_and_stops_the_writer(
    store: OxigraphStore,
) -> None:
    stopped = threading.Event()

    def write(out: IO[bytes]) -> None:
        try:
            store.dump_to(out, "nq")
        finally:
            stopped.set()

    chunks = stream(write, timeout=0.5)
    received = next(chunks)
    time.sleep(0.7)  # a reader slower than the deadline
    with pytest.raises(StreamExpiredError, match="closed unfinished"):
        received += b"".join(chunks)
    assert stopped.wait(5), "the writer stops at its next write"
    assert len(received) < len(store.dump("nq"))


def test_a_reader_that_stops_reading_stops_the_writer(store: OxigraphStore) -> None:
    stopped = threading.Event()

    def write(out: IO[bytes]) -> None:
        try:
            store.dump_to(out, "nq")
        finally:
            stopped.set()

    chunks = stream(write, timeout=30)
    next(chunks)
    chunks.close()  # type: ignore[attr-defined]  # a client gone
    assert stopped.wait(5)
