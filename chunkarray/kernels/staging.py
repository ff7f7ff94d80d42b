"""Kernels of a rechunk staged through temporary files (see :mod:`chunkarray.primitives.staged`):
the directory of staged blocks, and the tasks that write and read them."""

from __future__ import annotations

import mmap
import os
import shutil
import tempfile
import weakref
from itertools import product
from typing import Any

import numpy as np

from chunkarray.core.chunks import Chunks, Piece

__all__ = ["StagingArray", "can_stage", "read_block", "write_block"]


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
        shutil.rmtree(path, ignore_errors=True)


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
        """A new, empty directory under ``directory`` (None: the system's), removed with it."""
        path = tempfile.mkdtemp(prefix="chunkarray-rechunk-", dir=directory)
        staging = cls(path, dtype, chunks)
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
