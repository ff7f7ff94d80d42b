"""Kernels of a rechunk staged through temporary files (see :mod:`chunkarray.primitives.staged`):
the directory of staged blocks, and the tasks that write and read them."""

from __future__ import annotations

import hashlib
import mmap
import os
import shutil
import signal
import socket
import tempfile
import threading
import weakref
from itertools import product
from typing import Any

import numpy as np

from chunkarray.core.chunks import Chunks, Piece

__all__ = ["StagingArray", "can_stage", "is_stale", "read_block", "sweep", "write_block"]


def can_stage(dtype: np.dtype) -> bool:
    """Whether arrays of ``dtype`` can be staged: their values are bytes, not Python objects.

    Zero-byte items (``np.dtype([])``) are left out too: there is nothing to stage, and no file
    of zero bytes can be mapped.

    >>> can_stage(np.dtype("f8")), can_stage(np.dtype("U3")), can_stage(np.dtype(object))
    (True, True, False)
    >>> can_stage(np.dtype([("a", "i4"), ("b", object)]))
    False
    """
    return not dtype.hasobject and dtype.itemsize > 0


def _remove(path: str, owner: int) -> None:
    if os.getpid() == owner:  # a forked child holding a copy must not remove the parent's files
        _owned.pop(path, None)
        shutil.rmtree(path, ignore_errors=True)


# --- who owns a staging directory, and sweeping those of dead processes ---------------------------
#
# A directory is named ``chunkarray-rechunk-<pid>-<machine>-<boot>-<start>-<random>``: the owning
# process, a hash of the host name and PID namespace it runs in, a hash of the boot it runs in and
# the time it started (in clock ticks since boot, from /proc). A process that is killed (SIGKILL,
# a crash, a power cut) leaves its directory behind; the next staging directory made under the
# same parent removes it once its owner is known dead: same machine and namespace, and either
# another boot, no such process, or a process of that number that started at another time (the
# number was reused). Directories of other machines (a shared filesystem) or namespaces, or where
# /proc says nothing, are left alone: their owner cannot be checked.

_PREFIX = "chunkarray-rechunk-"

#: Staging directories this process owns (path -> owning pid), removed on SIGTERM and SIGHUP.
_owned: dict[str, int] = {}


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def _short(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def _machine() -> str:
    return _short(f"{socket.gethostname()}:{_read_link('/proc/self/ns/pid')}")


def _read_link(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def _boot() -> str:
    boot = _read("/proc/sys/kernel/random/boot_id")
    return _short(boot) if boot else "0"


def _started(pid: int) -> str:
    """When process ``pid`` started, in clock ticks since boot ("" when /proc cannot say)."""
    stat = _read(f"/proc/{pid}/stat")
    fields = stat.rpartition(")")[2].split()  # the name, in parentheses, may hold spaces
    return fields[19] if len(fields) > 19 else ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, run by another user
        return True
    return True


def _owner_prefix() -> str:
    pid = os.getpid()
    return f"{_PREFIX}{pid}-{_machine()}-{_boot()}-{_started(pid) or 'x'}-"


def is_stale(name: str) -> bool:
    """Whether the staging directory ``name`` (a base name) belongs to a process known dead.

    >>> is_stale(_owner_prefix() + "abc")  # this process's own
    False
    >>> is_stale("chunkarray-rechunk-abc")  # no owner recorded: left alone
    False
    """
    parts = name[len(_PREFIX):].split("-")
    if not name.startswith(_PREFIX) or len(parts) < 5 or not parts[0].isdigit():
        return False
    pid, machine, boot, started = int(parts[0]), parts[1], parts[2], parts[3]
    if machine != _machine():
        return False  # another machine or PID namespace: its processes cannot be checked here
    if boot != _boot():
        return True  # made before this machine last started
    if not _alive(pid):
        return True
    now = _started(pid)
    return started != "x" and now != "" and now != started


def sweep(directory: str | None) -> list[str]:
    """Remove the staging directories under ``directory`` (None: the system's temporary
    directory) whose owning process is dead; the paths removed."""
    parent = directory if directory is not None else tempfile.gettempdir()
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    gone = []
    for name in names:
        if name.startswith(_PREFIX) and is_stale(name):
            path = os.path.join(parent, name)
            shutil.rmtree(path, ignore_errors=True)
            gone.append(path)
    return gone


# --- removing this process's directories when it is told to stop ----------------------------------

_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))
_installed: set[int] = set()
_install_lock = threading.Lock()


def _on_signal(signum: int, frame: Any) -> None:
    """Remove this process's staging directories, then die of the signal as it would have."""
    for path, owner in list(_owned.items()):
        _remove(path, owner)
    signal.signal(signum, signal.SIG_DFL)  # the handler that was there before ours
    os.kill(os.getpid(), signum)


def _install_handlers() -> None:
    """Clean up on SIGTERM and SIGHUP, for processes that leave those signals to the default
    action (death): a handler of the process's own, or an ignored signal, is left as it is.
    Signal handlers can only be set from the main thread; elsewhere nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        return
    with _install_lock:
        for sig in _SIGNALS:
            if sig not in _installed and signal.getsignal(sig) == signal.SIG_DFL:
                signal.signal(sig, _on_signal)
                _installed.add(sig)


def _missing(what: str, path: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"rechunk: {what} is missing from {path}; on a multi-machine cluster, set chunkarray's "
        f"temporary_directory to a filesystem every worker shares"
    )


class StagingArray:
    """The staged blocks, a file each in a directory of their own, removed with the last reference.

    Pickled copies (sent to worker processes) refer to the same directory but never remove it:
    only the object the rechunk made, in the process that made it, owns the files.
    """

    __slots__ = ("path", "dtype", "chunks", "__weakref__")

    def __init__(self, path: str, dtype: np.dtype, chunks: Chunks) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.chunks = chunks  # the staged blocks' sizes

    @classmethod
    def create(cls, directory: str | None, dtype: np.dtype, chunks: Chunks) -> StagingArray:
        """A new, empty directory under ``directory`` (None: the system's), removed with it,
        or when this process is stopped by SIGTERM or SIGHUP; directories that dead processes
        left under ``directory`` are removed first (see :func:`sweep`)."""
        if directory is not None and not os.fspath(directory):
            raise ValueError("rechunk: temporary_directory='' would stage into the working "
                             "directory; give a directory, or None for the system's")
        sweep(directory)
        _install_handlers()
        path = tempfile.mkdtemp(prefix=_owner_prefix(), dir=directory)
        staging = cls(path, dtype, chunks)
        _owned[path] = os.getpid()
        weakref.finalize(staging, _remove, path, os.getpid())  # also runs at interpreter exit
        return staging

    def __reduce__(self) -> tuple[Any, ...]:
        return (StagingArray, (self.path, self.dtype, self.chunks))

    def block_path(self, index: tuple[int, ...]) -> str:
        return f"{self.path}{os.sep}block-{'-'.join(map(str, index))}.bin"

    def write(self, index: tuple[int, ...], block: np.ndarray) -> None:
        """Write staged block ``index``: to a temporary file, then renamed, so it is whole."""
        try:
            fd, scratch = tempfile.mkstemp(prefix=".block-", suffix=".tmp", dir=self.path)
        except FileNotFoundError:
            raise _missing("the staging directory", self.path) from None
        try:
            with os.fdopen(fd, "wb") as f:
                np.asarray(block, dtype=self.dtype).tofile(f)  # C order, whatever the layout
            os.replace(scratch, self.block_path(index))
        except BaseException:
            os.unlink(scratch)
            raise

    def read(self, index: tuple[int, ...]) -> np.ndarray:
        """Staged block ``index``, mapped read-only: its pages are read only when touched, and
        the map goes when the array does (with no other reference, at once)."""
        shape = tuple(c[i] for c, i in zip(self.chunks, index))
        try:
            fd = os.open(self.block_path(index), os.O_RDONLY)  # cheaper than open(): no buffer
        except FileNotFoundError:
            raise _missing(f"the staged block {index}", self.path) from None
        try:
            mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)  # the map keeps the file
        return np.frombuffer(mapped, dtype=self.dtype).reshape(shape)

    def __repr__(self) -> str:
        return f"StagingArray({self.path!r}, {self.dtype}, {self.chunks})"


def write_block(block: np.ndarray, staging: StagingArray, *, index: tuple[int, ...]
                 ) -> np.ndarray:
    """Write one (merged) old block to its file; the tiny result orders the reads after it."""
    staging.write(index, block)
    return np.ones((1,) * len(index), dtype=bool)


def read_block(staging: StagingArray, written: list[Any], *,
                pieces: tuple[tuple[Piece, ...], ...], shape: tuple[int, ...]) -> np.ndarray:
    """Make one new block from its pieces of the staged blocks, one mapped file at a time."""
    out = np.empty(shape, dtype=staging.dtype)
    for piece in product(*pieces):
        stored = staging.read(tuple(b for b, _, _ in piece))
        out[tuple(dst for _, _, dst in piece)] = stored[tuple(src for _, src, _ in piece)]
        del stored  # unmaps the file before the next one is mapped
    return out
