"""A rechunk staged through temporary files: out of core, like dask's P2P rechunk.

When every new block needs pieces of very many old blocks that cannot be made again (an
all-to-all rechunk of a computed array), any in-memory plan ends up holding the whole array.
Staging bounds that: one task per (merged) old block writes it to a file of its own, one task per
new block copies its pieces back out of those files. Each task holds one block, plus, while it
reads, the pages of one mapped file.

- Files: a staged block is its raw C-order bytes, nothing else (the shape and dtype are in the
  graph), in ``block-<i>-<j>.bin``. A write goes to a temporary name in the same directory and is
  then renamed over the final one, so a file that exists is complete: a failed write leaves none,
  and two computes of one array at once each read whole, identical files.
- Reads map a file (read-only), copy the piece they need into the new block, and drop the map at
  once: the pages touched count towards the process's memory only while that copy runs, and the
  operating system's page cache, not the process, holds the data in between.
- Writes (see `staging_write_chunks`): neighbouring old blocks
  may be merged along the axes new blocks span, as every (new block, staged block) pair costs a
  file opened and mapped.
- Order: a read task takes the (tiny) results of the writes it reads from as arguments, so every
  executor runs those writes first.
- Lifetime: the directory is made when the rechunk is built, under the ``temporary_directory``
  setting, and removed when the :class:`StagingArray` is garbage collected in the process that
  made it (it lives as long as the array and any graph lowered from it) or when that process
  exits. Each compute rewrites the same files.
- Clusters: every worker must see the directory, so on a multi-machine dask.distributed cluster
  ``temporary_directory`` must be on a shared filesystem. A write that finds no directory, or a
  read that finds no file, says so.
- Dtypes: any whose values are plain bytes (``dtype.hasobject`` is False). Python objects have
  no byte form to stage, so those arrays are rechunked in memory.
"""

from __future__ import annotations

import mmap
import os
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from functools import partial
from itertools import product
from typing import Any

import numpy as np

from chunkarray.core.chunks import Chunks, Piece, staged_reads
from chunkarray.core.graph import Key, Node
from chunkarray.core.tokenize import tokenize
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.rechunk import Moved, rechunk_node
from chunkarray.primitives.sources import Data

__all__ = ["StagedRechunk", "StagingArray", "can_stage", "staged_rechunk"]


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


def _write_block(block: np.ndarray, staging: StagingArray, *, index: tuple[int, ...]
                 ) -> np.ndarray:
    """Write one (merged) old block to its file; the tiny result orders the reads after it."""
    staging.write(index, block)
    return np.ones((1,) * len(index), dtype=bool)


def _index_kwargs(index: tuple[int, ...]) -> dict[str, Any]:
    return {"index": index}


def _read_block(staging: StagingArray, written: list[Any], *,
                pieces: tuple[tuple[Piece, ...], ...], shape: tuple[int, ...]) -> np.ndarray:
    """Make one new block from its pieces of the staged blocks, one mapped file at a time."""
    out = np.empty(shape, dtype=staging.dtype)
    for piece in product(*pieces):
        stored = staging.read(tuple(b for b, _, _ in piece))
        out[tuple(dst for _, _, dst in piece)] = stored[tuple(src for _, src, _ in piece)]
        del stored  # unmaps the file before the next one is mapped
    return out


class StagedRechunk(Moved):
    """The new blocks, each read back from the staged files once the writes it reads are done.

    ``source`` is the array rechunked; ``writes`` has one block per staged block (blocks of
    ``source``, or several of them merged).
    """

    __slots__ = ("writes", "data", "staged_chunks", "_reads")

    def __init__(self, name: str, source: Node, chunks: Chunks, writes: Node, data: Data,
                 staged_chunks: Chunks) -> None:
        super().__init__(name, source, chunks)
        self.writes = writes
        self.data = data
        self.staged_chunks = staged_chunks  # the blocks as written
        # Per axis, the pieces of staged blocks each new block reads.
        self._reads = [staged_reads(o, n) for o, n in zip(staged_chunks, chunks)]

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.writes, self.data)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        pieces = tuple(reads[i] for reads, i in zip(self._reads, index))
        blocks = product(*([b for b, _, _ in axis] for axis in pieces))
        written: list[Key] = [(self.writes.name, *b) for b in blocks]
        shape = tuple(c[i] for c, i in zip(self.chunks, index))
        func = partial(_read_block, pieces=pieces, shape=shape)
        data_key = (self.data.name,)
        return (func, data_key, written), [data_key, *written]


def staged_rechunk(source: Node, chunks: Chunks, write_chunks: Chunks,
                   directory: str | None) -> StagedRechunk:
    """``source`` in ``chunks``, moved through files in a new temporary directory.

    ``write_chunks`` merge neighbouring blocks of ``source`` (in memory) into larger writes.
    Names depend on the source and the chunks only, never on the temporary path: the same
    rechunk built twice is the same node (and its second directory stays empty).
    """
    token = tokenize(source.name, chunks, write_chunks)
    staging = StagingArray.create(directory, source.dtype, write_chunks)
    data = Data(f"rechunk-staging-{token}", staging)
    ind = tuple(range(len(chunks)))
    writes = blockwise_node(
        _write_block, ind, rechunk_node(source, write_chunks), ind, data, (), dtype=bool,
        adjust_chunks=dict.fromkeys(ind, 1), name=f"rechunk-stage-{token}",
        block_kwargs=_index_kwargs,
    )
    return StagedRechunk(f"rechunk-disk-{token}", source, chunks, writes, data, write_chunks)
