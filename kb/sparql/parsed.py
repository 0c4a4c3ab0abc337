"""What srkb reads out of a SPARQL text, kept on disk between processes.

rdflib's SPARQL parser takes some 15-35 ms a query. A write reads every rule's and every shape's
query into triple patterns (:mod:`kb.sparql.reach`, :mod:`kb.reasoning.rule_dependencies`): about
two seconds, paid again by the first write of every process. What comes out depends only on the
query's text and on the code that reads it, so it is kept in the user's cache directory under a
digest of both, and read back in milliseconds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


@cache
def code_key(source_file: str) -> bytes:
    """A digest of a module's source and of rdflib's version: a change to either renews entries."""
    import rdflib

    try:
        source = Path(source_file).read_bytes()
    except OSError:
        source = b""
    return hashlib.sha256(source + rdflib.__version__.encode()).digest()


def cache_file(kind: str, text: str, code: bytes) -> Path | None:
    """Where what ``code`` reads out of ``text`` is kept, or ``None`` (``SRKB_CACHE_DIR=off``).

    ``$SRKB_CACHE_DIR``, else ``$XDG_CACHE_HOME/srkb`` or ``~/.cache/srkb``; in ``kind/``.
    """
    setting = os.environ.get("SRKB_CACHE_DIR")
    if setting == "off":
        return None
    if setting:
        root = Path(setting)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(base) / "srkb"
    digest = hashlib.sha256(code + text.encode()).hexdigest()
    return root / kind / f"{digest}.pickle"


def kept(kind: str, text: str, reader: str, read: Callable[[str], T], expected: type) -> T:
    """``read(text)``, from the cache when an earlier process kept it (of type ``expected``).

    ``reader`` is the source file of the module whose code ``read`` is (:func:`code_key`). A
    cache that cannot be read or written is no cache: the text is read again.
    """
    path = cache_file(kind, text, code_key(reader))
    if path is not None:
        try:
            with path.open("rb") as stream:
                known = pickle.load(stream)  # noqa: S301 - srkb's own file, keyed by a digest
            if isinstance(known, expected):
                return known  # type: ignore[return-value]
        except Exception as err:  # no cache, or an unreadable one: read again
            log.debug("nothing kept for a %s query (%s)", kind, err)
    found = read(text)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(pickle.dumps(found))
            partial.replace(path)  # atomic: another process reads the old file or the new
        except Exception as err:  # a cache that cannot be written is no cache
            log.debug("%s not kept (%s)", kind, err)
    return found
