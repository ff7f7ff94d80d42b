"""A rechunk staged through a temporary zarr array: out of core, like dask's P2P rechunk.

When every new block needs pieces of very many old blocks that cannot be made again (an
all-to-all rechunk of a computed array), any in-memory plan ends up holding the whole array.
Staging bounds that: one task per (merged) old block writes it to a temporary zarr array, one task
per new block reads its region back. Each task holds one block plus zarr's buffers.

- Writes (see :func:`chunkarray._rechunk_plan.staging_write_chunks`): neighbouring old blocks
  are merged, up to a quarter of the memory limit, along the axes new blocks span: every
  (new block, staged block) pair costs a storage read, so fewer, larger staged blocks are faster.
- Layout (see :func:`chunkarray._rechunk_plan.plan_staging`): each staged block is its own shard,
  so no two writes touch one file, and inner chunks line up with the new blocks, so a read
  decodes little beyond what it needs. Nothing is compressed: the data lives for one compute.
- Order: a read task takes the (tiny) results of the writes it reads from as arguments, so every
  executor runs those writes first.
- Lifetime: the directory is made when the rechunk is built, under the ``temporary_directory``
  setting, and removed when the :class:`StagingArray` is garbage collected in the process that
  made it (it lives as long as the array and any graph lowered from it) or when that process
  exits. Each compute rewrites the same array; files are replaced atomically (zarr >= 3.1), so
  two computes of one array at once read whole, identical files.
- Clusters: every worker must see the directory, so on a multi-machine dask.distributed cluster
  ``temporary_directory`` must be on a shared filesystem. A read that finds a block missing
  says so instead of returning zarr's fill value.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from functools import partial
from itertools import product
from typing import Any

import numpy as np

from chunkarray._chunks import Chunks
from chunkarray._rechunk_plan import Run, StagingLayout, staged_reads
from chunkarray._tokenize import tokenize
from chunkarray.graph import Key, Node
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.rechunk import rechunk_node
from chunkarray.primitives.sources import Data

__all__ = ["StagedRechunk", "StagingArray", "can_stage", "staged_rechunk"]

# Zarr's own data types: bool, integers, floats, complex and (zarr >= 3.1) datetime64 and
# timedelta64. Strings, bytes and structured dtypes are stored through extensions that warn.
_KINDS = "biufcmM"


@functools.cache
def can_stage(dtype: np.dtype) -> bool:
    """Whether zarr is installed and stores ``dtype`` and gives it back unchanged.

    >>> can_stage(np.dtype("f8")), can_stage(np.dtype(object))
    (True, False)
    """
    if dtype.kind not in _KINDS:
        return False
    try:
        import zarr  # optional: only this method needs it
        from zarr.storage import MemoryStore

        z = zarr.create_array(MemoryStore(), shape=(1,), dtype=dtype, compressors=None)
        z[...] = np.zeros(1, dtype)
        return bool(z[...].dtype == dtype)
    except Exception:  # noqa: BLE001 - any refusal means: not this dtype
        return False


def _remove(path: str, owner: int) -> None:
    if os.getpid() == owner:  # a forked child holding a copy must not remove the parent's files
        shutil.rmtree(path, ignore_errors=True)


class StagingArray:
    """A temporary zarr array: made in its own directory, removed with its last reference.

    Pickled copies (sent to worker processes) refer to the same directory but never remove it:
    only the object the rechunk made, in the process that made it, owns the files.
    """

    __slots__ = ("path", "dtype", "layout", "_array", "_strict", "__weakref__")

    def __init__(self, path: str, dtype: np.dtype, layout: StagingLayout) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.layout = layout
        self._array: Any = None
        self._strict = False  # whether every written shard is on disk (see array())

    @classmethod
    def create(cls, directory: str | None, dtype: np.dtype, layout: StagingLayout
               ) -> StagingArray:
        """A new, empty directory under ``directory`` (None: the system's), removed with it."""
        path = tempfile.mkdtemp(prefix="chunkarray-rechunk-", dir=directory)
        staging = cls(path, dtype, layout)
        weakref.finalize(staging, _remove, path, os.getpid())  # also runs at interpreter exit
        return staging

    def __reduce__(self) -> tuple[Any, ...]:
        return (StagingArray, (self.path, self.dtype, self.layout))

    def array(self) -> Any:
        """The zarr array, opened once per process and created by the first write."""
        if self._array is None:
            import zarr

            if not os.path.exists(os.path.join(self.path, "zarr.json")):
                self._create()
            arr = zarr.open_array(self.path, mode="r+")
            # Write shards even when all zeros, so a missing file always means a missing write.
            self._strict = hasattr(arr, "with_config")
            self._array = arr.with_config({"write_empty_chunks": True}) if self._strict else arr
        return self._array

    def _create(self) -> None:
        """Write the array's metadata; atomic, as several processes may do it at once."""
        import zarr

        os.makedirs(self.path, exist_ok=True)  # a worker on another machine, sharing the path
        scratch = tempfile.mkdtemp(prefix=".metadata-", dir=self.path)
        try:
            zarr.create_array(
                scratch, shape=self.layout.shape, dtype=self.dtype, chunks=self.layout.chunks,
                shards=self.layout.shards, compressors=None, filters=None,
                chunk_key_encoding={"name": "default", "separator": "/"},
            )
            os.replace(os.path.join(scratch, "zarr.json"), os.path.join(self.path, "zarr.json"))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def check_written(self, shards: Sequence[tuple[int, ...]]) -> None:
        """Raise if a shard a read needs is not on disk (zarr would return its fill value)."""
        self.array()
        if not self._strict:
            return
        for shard in shards:
            if not os.path.exists(os.path.join(self.path, "c", *map(str, shard))):
                raise FileNotFoundError(
                    f"rechunk: the staged block {shard} is missing from {self.path}; on a "
                    f"multi-machine cluster, set chunkarray's temporary_directory to a "
                    f"filesystem every worker shares"
                )

    def __repr__(self) -> str:
        return f"StagingArray({self.path!r}, {self.dtype}, {self.layout})"


def _write_block(block: np.ndarray, staging: StagingArray, *, region: tuple[slice, ...]
                 ) -> np.ndarray:
    """Write one old block into its shard; the tiny result orders the reads after it."""
    staging.array()[region] = block
    return np.ones((1,) * len(region), dtype=bool)


def _block_region(index: tuple[int, ...], *, shards: tuple[int, ...],
                  chunks: Chunks) -> dict[str, Any]:
    return {"region": tuple(slice(i * s, i * s + c[i]) for i, s, c in zip(index, shards, chunks))}


def _read_block(staging: StagingArray, written: list[Any], *, runs: tuple[tuple[Run, ...], ...],
                shards: list[tuple[int, ...]], shape: tuple[int, ...]) -> np.ndarray:
    """Read one new block back: one zarr read per run of contiguous pieces."""
    staging.check_written(shards)
    arr = staging.array()
    pieces = list(product(*runs))
    if len(pieces) == 1:
        return np.asarray(arr[tuple(src for src, _ in pieces[0])])
    out = np.empty(shape, dtype=staging.dtype)
    for piece in pieces:
        out[tuple(dst for _, dst in piece)] = arr[tuple(src for src, _ in piece)]
    return out


class StagedRechunk(Node):
    """The new blocks, each read back from the staged array once the writes it reads are done.

    ``source`` is the array rechunked; ``writes`` has one block per staged block (blocks of
    ``source``, or several of them merged).
    """

    __slots__ = ("source", "writes", "data", "staged_chunks", "_reads")

    def __init__(self, name: str, source: Node, chunks: Chunks, writes: Node, data: Data,
                 staged_chunks: Chunks) -> None:
        super().__init__(name, chunks, source.dtype)
        self.source = source
        self.writes = writes
        self.data = data
        self.staged_chunks = staged_chunks  # the blocks as written
        self._reads: list[list[tuple[range, tuple[Run, ...]]]] | None = None

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.writes, self.data)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        if self._reads is None:  # per axis, made on first lowering
            self._reads = [staged_reads(o, n) for o, n in zip(self.staged_chunks, self.chunks)]
        per_axis = [reads[i] for reads, i in zip(self._reads, index)]
        blocks = list(product(*(b for b, _ in per_axis)))
        written: list[Key] = [(self.writes.name, *b) for b in blocks]
        shape = tuple(c[i] for c, i in zip(self.chunks, index))
        func = partial(_read_block, runs=tuple(r for _, r in per_axis), shards=blocks,
                       shape=shape)
        data_key = (self.data.name,)
        return (func, data_key, written), [data_key, *written]


def staged_rechunk(source: Node, chunks: Chunks, write_chunks: Chunks, layout: StagingLayout,
                   directory: str | None) -> StagedRechunk:
    """``source`` in ``chunks``, moved through a new temporary zarr array under ``directory``.

    ``write_chunks`` merge neighbouring blocks of ``source`` (in memory) into larger writes; the
    ``layout`` is planned for them. Names depend on the source and the chunks only, never on the
    temporary path: the same rechunk built twice is the same node (and its second directory
    stays empty).
    """
    token = tokenize(source.name, chunks, write_chunks, layout.chunks)
    staging = StagingArray.create(directory, source.dtype, layout)
    data = Data(f"rechunk-staging-{token}", staging)
    ind = tuple(range(len(chunks)))
    writes = blockwise_node(
        _write_block, ind, rechunk_node(source, write_chunks), ind, data, (), dtype=bool,
        adjust_chunks=dict.fromkeys(ind, 1), name=f"rechunk-stage-{token}",
        block_kwargs=partial(_block_region, shards=layout.shards, chunks=write_chunks),
    )
    return StagedRechunk(f"rechunk-disk-{token}", source, chunks, writes, data, write_chunks)

