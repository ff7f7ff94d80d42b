"""Kernels of a rechunk staged through temporary files (see :mod:`chunkarray.primitives.staged`):
the directory of staged blocks, and the tasks that write and read them."""

from __future__ import annotations

import hashlib
import math
import mmap
import os
import shutil
import signal
import socket
import tempfile
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import product
from typing import Any, NamedTuple

import numpy as np

from chunkarray.core.chunks import Chunks, Piece

__all__ = ["StagingArray", "can_stage", "in_use", "is_stale", "read_block", "readers_per_group",
           "sweep", "write_block"]


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


# --- the files: groups of whole old blocks, one after another -------------------------------------
#
# A file holds a group of neighbouring old blocks (``factors[k]`` of them along axis k, fewer at
# the end), each block's raw C-order bytes one after another in the C order of the blocks, then
# one byte per block, set once that block is written. Each write task puts its block at its own
# offset (no merge in memory, no copy: the block's buffer goes to the file as it is), so writes
# are sequential runs of whole blocks, and the tasks that write one file never wait on each
# other. A read first checks the written-bytes of the blocks it takes: a block that was never
# written (on a cluster whose workers see different directories) is an error, not zeros.


def _pwrite(fd: int, data: memoryview, offset: int) -> None:
    while data:  # a write may be short (past 2 GiB on Linux, or on a signal)
        done = os.pwrite(fd, data, offset)
        data, offset = data[done:], offset + done


#: A piece is read as one run of bytes when that run is at most twice the piece and this much.
_RUN_SLACK = 64 * 2**10


@lru_cache(maxsize=4096)
def _run(shape: tuple[int, ...], bounds: tuple[tuple[int | None, int | None], ...],
         itemsize: int) -> tuple[int, int, tuple[int, ...], tuple[int, ...]] | None:
    """How to read the piece ``bounds`` (start and stop per axis) of a stored block of
    ``shape`` with one ``pread`` of the bytes from its first element to its last: the offset
    and length of those bytes, and the piece's shape and strides in them. None when that run
    is much more than the piece: those pieces are copied out of a map of the file instead.

    Reading maps no pages of the file into the process: mapped, a touched page brings in its
    whole folio of the page cache, up to megabytes, for as long as the map lives.

    >>> _run((4, 6), ((1, 3), (0, 6)), 8)  # two whole rows: 96 bytes from byte 48
    (48, 96, (2, 6), (48, 8))
    >>> _run((400, 600), ((0, 400), (0, 2)), 8) is None  # a column of 2 from 240,000 items
    True
    """
    strides = [math.prod(shape[axis + 1:]) for axis in range(len(shape))]
    ranges = [slice(*b).indices(n)[:2] for b, n in zip(bounds, shape)]
    lengths = tuple(stop - start for start, stop in ranges)
    start = sum(r[0] * st for r, st in zip(ranges, strides))
    span = sum((n - 1) * st for n, st in zip(lengths, strides)) + 1
    if (span - 2 * math.prod(lengths)) * itemsize > _RUN_SLACK:
        return None
    return start * itemsize, span * itemsize, lengths, tuple(st * itemsize for st in strides)


def _pread(fd: int, into: memoryview, offset: int) -> None:
    while into:
        done = os.preadv(fd, [into], offset)
        if not done:
            raise EOFError(f"rechunk: a staged file ends at byte {offset}, before the block")
        into, offset = into[done:], offset + done


def _copy_mapped(fd: int, dtype: np.dtype,
                 parts: list[tuple[_Place, tuple[slice, ...], tuple[slice, ...]]],
                 out: np.ndarray) -> None:
    """``out[dst] = block[src]`` for pieces scattered across their blocks, through a map of the
    file (which a group's size bounds), dropped once they are copied."""
    mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    try:
        for place, src, dst in parts:
            stored = np.frombuffer(mapped, dtype=dtype, count=math.prod(place.shape),
                                   offset=place.offset).reshape(place.shape)
            out[dst] = stored[src]
            del stored
    finally:
        try:
            mapped.close()
        except BufferError:  # a view is still held by a failure's traceback
            pass


class _Place(NamedTuple):
    """Where a staged block is: its file (and the group of blocks it holds), its byte offset
    there, where the file's written-bytes start, how many blocks the file holds, which of them
    it is, and its shape."""

    name: str
    group: tuple[int, ...]
    offset: int
    trailer: int
    members: int
    member: int
    shape: tuple[int, ...]


class StagingArray:
    """The staged blocks in files of a directory of their own (see the comment above).

    The directory exists while a compute that uses it runs (see :func:`in_use`), and is removed
    when the last of those ends, successfully or not, and with the object itself. Pickled
    copies (sent to worker processes) refer to the same directory but never remove it or make
    it again: only the object the rechunk made, in the process that made it, owns the files.
    """

    __slots__ = ("path", "dtype", "chunks", "factors", "owner", "readers", "_places", "_left",
                 "_spare", "_armed", "__weakref__")

    def __init__(self, path: str, dtype: np.dtype, chunks: Chunks,
                 factors: tuple[int, ...] | None = None, owner: int | None = None,
                 readers: tuple[tuple[int, ...], ...] | None = None) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.chunks = chunks  # the old blocks' sizes
        self.factors = factors if factors is not None else (1,) * len(chunks)
        self.owner = owner  # the process that made the directory (None: a copy)
        # Per axis, per group of old blocks along it: how many new blocks read that group.
        self.readers = readers
        self._places: dict[tuple[int, ...], _Place] = {}
        self._left: dict[str, int] = {}  # file -> readers yet to read it, in this compute
        self._spare: list[str] = []  # files every reader has read, to be written again
        self._armed = False  # whether files are recycled once their last reader has read them

    @classmethod
    def create(cls, directory: str | None, dtype: np.dtype, chunks: Chunks,
               factors: tuple[int, ...] | None = None,
               readers: tuple[tuple[int, ...], ...] | None = None) -> StagingArray:
        """A new, empty directory under ``directory`` (None: the system's), removed with it,
        or when this process is stopped by SIGTERM or SIGHUP; directories that dead processes
        left under ``directory`` are removed first (see :func:`sweep`).

        ``readers`` (see :func:`readers_per_group`) lets a compute write the next old blocks
        into a file as soon as every new block that reads it has been made (see
        :func:`in_use`)."""
        if directory is not None and not os.fspath(directory):
            raise ValueError("rechunk: temporary_directory='' would stage into the working "
                             "directory; give a directory, or None for the system's")
        sweep(directory)
        _install_handlers()
        path = tempfile.mkdtemp(prefix=_owner_prefix(), dir=directory)
        staging = cls(path, dtype, chunks, factors, os.getpid(), readers)
        _owned[path] = os.getpid()
        weakref.finalize(staging, _remove, path, os.getpid())  # also runs at interpreter exit
        return staging

    def __reduce__(self) -> tuple[Any, ...]:
        return (StagingArray, (self.path, self.dtype, self.chunks, self.factors))

    # --- where a block goes -------------------------------------------------------------------

    def _place(self, index: tuple[int, ...]) -> _Place:
        """Where block ``index`` is stored (worked out once per block)."""
        place = self._places.get(index)
        if place is None:
            place = self._places[index] = self._locate(index)
        return place

    def _locate(self, index: tuple[int, ...]) -> _Place:
        group = tuple(i // f for i, f in zip(index, self.factors))
        members = [(sizes[g * f:(g + 1) * f], i - g * f)  # the group's blocks, this one's place
                   for sizes, f, g, i in zip(self.chunks, self.factors, group, index)]
        extents = [sum(mine) for mine, _ in members]
        # In C order, the blocks before this one are, per axis, those with a smaller place
        # there and the same place in the axes before: that many whole rows of the axes after.
        offset, member, before = 0, 0, 1
        for axis, (mine, m) in enumerate(members):
            offset += before * sum(mine[:m]) * math.prod(extents[axis + 1:])
            before *= mine[m]
            member = member * len(mine) + m
        itemsize = self.dtype.itemsize
        return _Place(
            name=f"{self.path}{os.sep}group-{'-'.join(map(str, group))}.bin", group=group,
            offset=offset * itemsize, trailer=math.prod(extents) * itemsize,
            members=math.prod(len(mine) for mine, _ in members), member=member,
            shape=tuple(mine[m] for mine, m in members),
        )

    def group_path(self, index: tuple[int, ...]) -> str:
        """The file that holds block ``index``."""
        return self._place(index).name

    # --- writing and reading ------------------------------------------------------------------

    def write(self, index: tuple[int, ...], block: np.ndarray) -> None:
        """Write old block ``index`` into its group's file, then mark it written."""
        data = np.ascontiguousarray(np.asarray(block, dtype=self.dtype))  # C order, whatever
        place = self._place(index)
        if data.shape != place.shape:
            raise ValueError(f"rechunk: staged block {index} has shape {data.shape}, "
                             f"expected {place.shape}")
        fd = self._open_for_writing(place)
        try:
            _pwrite(fd, data.reshape(-1).view(np.uint8).data, place.offset)
            _pwrite(fd, memoryview(b"\x01"), place.trailer + place.member)
        finally:
            os.close(fd)

    def prepare(self) -> bool:
        """Make the directory again if a compute removed it; only its owner can (whether it
        did).

        For computes that chunkarray's own ``compute`` does not run (the dask collection
        protocol): their graph's directory must exist before workers write into it.
        """
        if self.owner != os.getpid() or self.path not in _owned:
            return False
        os.makedirs(self.path, exist_ok=True)
        return True

    def _open_for_writing(self, place: _Place) -> int:
        try:
            return os.open(place.name, os.O_WRONLY)
        except FileNotFoundError:
            pass
        if self._armed:
            self._recycle(place)
        try:
            return os.open(place.name, os.O_WRONLY | os.O_CREAT, 0o600)
        except FileNotFoundError:
            if not self.prepare():
                raise _missing("the staging directory", self.path) from None
        return os.open(place.name, os.O_WRONLY | os.O_CREAT, 0o600)

    def _recycle(self, place: _Place) -> None:
        """Give ``place``'s file, not yet made, the pages of a file every reader has read.

        Overwriting pages the page cache already holds costs a copy; new pages cost the
        kernel's allocation (and, in a virtual machine, often the host's), which was most of a
        staged rechunk's system time, measured. The spare's written-bytes are cleared where
        this file's will be before it takes the name, so no writer sees its old marks.
        """
        with _using_lock:
            if not self._armed or not self._spare or os.path.exists(place.name):
                return
            spare = self._spare.pop()
            fd = os.open(spare, os.O_WRONLY)
            try:
                _pwrite(fd, memoryview(bytes(place.members)), place.trailer)
            finally:
                os.close(fd)
            os.rename(spare, place.name)

    def read_pieces(self, out: np.ndarray,
                    pieces: list[tuple[tuple[int, ...], tuple[slice, ...], tuple[slice, ...]]]
                    ) -> None:
        """Copy ``out[dst] = block[src]`` for every ``(block index, src, dst)``, a file at a
        time, after checking that each of its blocks was written."""
        by_file: dict[str, list[tuple[_Place, tuple[slice, ...], tuple[slice, ...]]]] = {}
        for index, src, dst in pieces:
            place = self._place(index)
            by_file.setdefault(place.name, []).append((place, src, dst))
        for name, parts in by_file.items():
            try:
                fd = os.open(name, os.O_RDONLY)
            except FileNotFoundError:
                raise _missing(f"the staged file {os.path.basename(name)}", self.path) from None
            try:
                self._read_file(fd, name, parts, out)
            finally:
                os.close(fd)
        if self._armed:
            self._release([parts[0][0] for parts in by_file.values()])

    def _release(self, places: list[_Place]) -> None:
        """Count one reader of each of these files done; those that every reader of this
        compute has now read become spares, whose pages the next files take (see
        :meth:`_recycle`), so the staging holds about what the blocks being made still need."""
        with _using_lock:
            if not self._armed or self.readers is None:
                return
            for place in places:
                left = self._left.get(place.name)
                if left is None:
                    left = math.prod(r[g] for r, g in zip(self.readers, place.group))
                self._left[place.name] = left - 1
                if left == 1:
                    self._spare.append(place.name)

    def _arm(self, armed: bool) -> None:
        """Called by :func:`in_use`, under its lock: recycle files once read (``armed``) while
        this process's one compute using the directory runs; two computes at once share the
        files, so then no file is written again until the directory is removed."""
        self._armed = armed and self.readers is not None
        self._left = {}
        self._spare = []

    def _read_file(self, fd: int, name: str,
                   parts: list[tuple[_Place, tuple[slice, ...], tuple[slice, ...]]],
                   out: np.ndarray) -> None:
        first = parts[0][0]
        written = os.pread(fd, first.members, first.trailer)
        for place, _, _ in parts:
            if place.member >= len(written) or written[place.member] != 1:
                raise _missing(f"the staged block at byte {place.offset} of "
                               f"{os.path.basename(name)}", self.path)
        scattered = []
        itemsize = self.dtype.itemsize
        scratch = np.empty(0, dtype=np.uint8)  # one buffer for every run of this file
        for place, src, dst in parts:
            run = _run(place.shape, tuple((s.start, s.stop) for s in src), itemsize)
            if run is None:
                scattered.append((place, src, dst))
                continue
            start, nbytes, shape, strides = run
            if scratch.nbytes < nbytes:
                scratch = np.empty(nbytes, dtype=np.uint8)
            _pread(fd, scratch[:nbytes].data, place.offset + start)
            out[dst] = np.ndarray(shape, self.dtype, buffer=scratch, strides=strides)
        if scattered:
            _copy_mapped(fd, self.dtype, scattered, out)

    def __repr__(self) -> str:
        return f"StagingArray({self.path!r}, {self.dtype}, {self.chunks}, {self.factors})"


# --- the directory exists while computes use it ---------------------------------------------------

#: How many computes of this process are using each staging directory now.
_using: dict[str, int] = {}
_using_lock = threading.Lock()


@contextmanager
def in_use(stagings: list[StagingArray]) -> Iterator[None]:
    """The directories of ``stagings`` exist inside the block, and are removed when the last
    compute using each ends, however it ends: staged files are only needed while the tasks
    that write and read them run, and the next compute writes them again. Only the owner of a
    directory makes and removes it.

    >>> staging = StagingArray.create(None, np.dtype("f8"), ((2,),))
    >>> with in_use([staging]):
    ...     os.path.isdir(staging.path)
    True
    >>> os.path.exists(staging.path)
    False
    """
    mine = [s for s in stagings if s.owner == os.getpid()]
    with _using_lock:
        for s in mine:
            if not _using.get(s.path):
                os.makedirs(s.path, exist_ok=True)
            _using[s.path] = _using.get(s.path, 0) + 1
            s._arm(_using[s.path] == 1)
    try:
        yield
    finally:
        with _using_lock:
            for s in mine:
                _using[s.path] -= 1
                s._arm(False)
                if not _using[s.path]:
                    del _using[s.path]
                    shutil.rmtree(s.path, ignore_errors=True)


def readers_per_group(reads: list[tuple[Piece, ...]], factor: int) -> tuple[int, ...]:
    """Along one axis: for each group of ``factor`` old blocks (a file's extent along it), how
    many new blocks read some of it; ``reads`` is :func:`~chunkarray.core.chunks.staged_reads`.

    >>> readers_per_group([((0, slice(0, 2), slice(0, 2)),), ((0, slice(2, 4), slice(0, 2)),
    ...                    (1, slice(0, 1), slice(2, 3)))], factor=1)
    (2, 1)
    """
    counts = [0] * (max((b for pieces in reads for b, _, _ in pieces), default=-1) // factor + 1)
    for pieces in reads:
        for g in {b // factor for b, _, _ in pieces}:
            counts[g] += 1
    return tuple(counts)


def write_block(block: np.ndarray, staging: StagingArray, *, index: tuple[int, ...]
                ) -> np.ndarray:
    """Write one old block to its file; the tiny result orders the reads after it."""
    staging.write(index, block)
    return np.ones((1,) * len(index), dtype=bool)


def read_block(staging: StagingArray, written: list[Any], *,
               pieces: tuple[tuple[Piece, ...], ...], shape: tuple[int, ...]) -> np.ndarray:
    """Make one new block from its pieces of the staged blocks, one mapped file at a time."""
    out = np.empty(shape, dtype=staging.dtype)
    blocks = [[b for b, _, _ in axis] for axis in pieces]
    srcs = [[src for _, src, _ in axis] for axis in pieces]
    dsts = [[dst for _, _, dst in axis] for axis in pieces]
    staging.read_pieces(out, list(zip(product(*blocks), product(*srcs), product(*dsts))))
    return out
