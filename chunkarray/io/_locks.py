"""One lock per file, keyed by its resolved path: libhdf5 is not thread-safe.

Locks live in the process that uses them, so an array source that is pickled to another process
(a distributed worker) finds that process's lock for the same file by its path.
"""

from __future__ import annotations

import os
import threading

__all__ = ["file_lock", "resolve"]

_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def resolve(path: str | os.PathLike[str]) -> str:
    """The absolute path with symlinks resolved, so every spelling of a file is one key.

    >>> resolve("a/../b") == resolve("b")
    True
    """
    return os.path.realpath(os.fspath(path))


def file_lock(path: str | os.PathLike[str]) -> threading.Lock:
    """The lock every read and write of the file at ``path`` holds, one per file and process.

    >>> file_lock("data.h5") is file_lock("./data.h5")
    True
    """
    key = resolve(path)
    with _guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = threading.Lock()
        return lock
