"""Servers for the W3C suites (one per backend, shared by its tests); scores: scores.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.w3c.player import Target
from tests.w3c.servers import srkb_target


@pytest.fixture(scope="session", params=["embedded", "remote"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """``srkb serve`` on the embedded store, then on a remote ``oxigraph serve``."""
    with srkb_target(request.param, tmp_path_factory.mktemp(f"w3c-{request.param}")) as started:
        yield started
