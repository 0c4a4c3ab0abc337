"""A note an embedded store's last user leaves beside it, valid while nobody opens the store.

Checking that the knowledge graphs did not change behind srkb's back means counting their
triples, a pass over every quad (about half a second at a million triples): too much for a
command that finds nothing to do. But an on-disk store is a RocksDB directory, and nothing writes
it without opening it, which rewrites files there (a new write-ahead log, manifest and options
file at every open, appended logs and new tables at every write). So a process that closes the
store can leave a *seal* beside it (``<store>.srkb-seal``): a note, with a fingerprint of every
file of the directory after the close (name, inode, size, modification and change times). The
next process reads the note only if the directory still has that fingerprint, that is, if no
process has opened the store since (a change time cannot be set back, not even by copying a
backup in). Otherwise, or when the seal is missing or unreadable, there is no note.

Not covered: a process that opens, writes and closes the store in the milliseconds between the
last user's close and its fingerprint (or between the next user's check and its own open);
opening a store another process holds fails, so it would have to start in that window.

What the note means is the caller's (:mod:`kb.reasoning.stamp` keeps the knowledge graphs'
digest in it, vouched for by the last srkb process). Memory and remote stores have no seal.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def seal_path(store: Path) -> Path:
    """Where the seal of the store directory ``store`` is kept: beside it."""
    return store.with_name(store.name + ".srkb-seal")


def fingerprint(store: Path) -> str | None:
    """A digest of every file under ``store`` as the file system describes it (None: unreadable)."""
    entries: list[str] = []
    try:
        for folder, folders, files in os.walk(store):
            folders.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                info = os.stat(path, follow_symlinks=False)
                entries.append(
                    f"{os.path.relpath(path, store)}\0{info.st_ino}\0{info.st_size}\0"
                    f"{info.st_mtime_ns}\0{info.st_ctime_ns}"
                )
    except OSError:
        return None
    if not entries:
        return None
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


def read_seal(store: Path) -> str | None:
    """The note left beside ``store`` if nothing opened it since it was sealed; else None.

    Read before the store is opened: opening it changes its files.
    """
    try:
        saved = json.loads(seal_path(store).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or not isinstance(saved.get("note"), str):
        return None
    if saved.get("fingerprint") != fingerprint(store):
        return None
    return str(saved["note"])


def write_seal(store: Path, note: str | None) -> None:
    """After the store is closed: leave ``note`` beside it, or remove any seal (``None``).

    A seal that cannot be written is no seal (the next process counts): never an error.
    """
    path = seal_path(store)
    try:
        if note is None:
            path.unlink(missing_ok=True)
            return
        print_ = fingerprint(store)
        if print_ is None:
            path.unlink(missing_ok=True)
            return
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps({"fingerprint": print_, "note": note}), encoding="utf-8")
        partial.replace(path)
    except OSError:
        return
