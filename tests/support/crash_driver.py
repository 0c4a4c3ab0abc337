"""``python -m tests.support.crash_driver STORE UPDATE``: what ``POST /update`` does, in a process.

The crash tests kill this process at random moments: it opens the store as the service holds it
and applies the update through ``KnowledgeBase.write`` (the update, then inference, validation and
the history), exactly as the ``/update`` route does, without the HTTP server's start-up time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kb.config import Settings
from kb.knowledge_base import KnowledgeBase
from kb.protocol.sparql_endpoint import run_update
from kb.store import open_store


def main(store_path: str, update_file: str) -> None:
    text = Path(update_file).read_text(encoding="utf-8")
    store = open_store(store_path)
    try:
        service = KnowledgeBase(store, Settings(store=store_path))
        service.write(lambda: run_update(store, text))
    finally:
        store.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
