"""Run a coroutine to completion from a synchronous test, whatever loop the test's thread has.

``asyncio.run`` refuses to start while a loop runs in the calling thread, and one does for the
rest of the session once Playwright's sync API has started (the browser tests' session fixture):
so the coroutine gets a thread and a loop of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    """The coroutine's result (or its exception), run in a fresh thread and event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=timeout)
