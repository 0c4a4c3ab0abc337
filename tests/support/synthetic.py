"""A store holding a generated ecosystem (:mod:`kb.generate`), as srkb prepares one for a user.

Global vendors, long supply chains and provision cycles, which the examples are too small to
have: the tests that compare backends and engines at that shape load one the same way.
"""

from __future__ import annotations

import io
from functools import cache

from kb.generate import generate
from kb.interchange.loading import install_model, parse_stream, write_sources
from kb.reasoning.inference import infer
from kb.store import Store


@cache
def synthetic_ntriples(orgs: int, seed: int) -> bytes:
    """The generated ecosystem as N-Triples (the same arguments give the same bytes)."""
    buffer = io.BytesIO()
    generate(orgs, seed, buffer, fmt="nt")
    return buffer.getvalue()


def load_synthetic(store: Store, orgs: int, seed: int) -> Store:
    """``store`` with the model, a generated ecosystem and its inferences."""
    return load_inferred(store, synthetic_ntriples(orgs, seed), "nt", "generated.nt")


def load_inferred(store: Store, data: bytes, fmt: str, name: str) -> Store:
    """``store`` with the model, ``data`` (a source named ``name``) and its inferences."""
    install_model(store)
    write_sources(store, [parse_stream(data, fmt=fmt, name=name)])
    infer(store)
    return store
