"""Locks on files: one per file and process, keyed by its resolved path (libhdf5 is not
thread-safe), and one across processes (:func:`process_lock`).

Thread locks live in the process that uses them, so an array source that is pickled to another
process (a distributed worker) finds that process's lock for the same file by its path.
"""

from __future__ import annotations

import fcntl
import os
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["file_lock", "process_lock", "resolve"]

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


# Open-file-description locks (Linux): held by the descriptor we open, so they survive another
# descriptor of the same file being closed in this process (libhdf5 closing its own), unlike
# POSIX record locks; and they are separate from the flock() locks libhdf5 takes itself.
_OFD = sys.platform.startswith("linux") and hasattr(fcntl, "F_OFD_SETLK")


def _try_lock(fd: int, exclusive: bool) -> bool:
    kind = fcntl.F_WRLCK if exclusive else fcntl.F_RDLCK
    try:
        if _OFD:
            # struct flock: l_type, l_whence, l_start, l_len (0: to the end), l_pid (0 for OFD).
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", kind, os.SEEK_SET, 0, 0, 0))
        else:
            fcntl.lockf(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    return True


@contextmanager
def process_lock(path: str | os.PathLike[str], exclusive: bool, timeout: float = 60.0
                 ) -> Iterator[None]:
    """Hold a lock on the file at ``path`` against other processes: shared for readers,
    ``exclusive`` for writers; nothing when the file does not exist (yet).

    For HDF5 files, whose library's own locking leaves a gap: it reads the file's length when it
    opens it, before it takes its lock, so an opener that gets the lock just as a writer lets go
    of it can see the file shorter than the writer left it and fail ("truncated file"). Held
    from before the open until after the close, this lock closes the gap.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "f")
    >>> open(path, "wb").close()
    >>> with process_lock(path, exclusive=True):
    ...     pass
    """
    try:
        fd = os.open(path, os.O_RDWR if exclusive else os.O_RDONLY)
    except FileNotFoundError:
        yield
        return
    try:
        delay, deadline = 0.001, time.monotonic() + timeout
        while not _try_lock(fd, exclusive):
            if time.monotonic() > deadline:
                raise TimeoutError(f"chunkarray: waited {timeout:.0f} s for another process to "
                                   f"release {os.fspath(path)!r}")
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        yield
    finally:
        os.close(fd)  # releases the lock
