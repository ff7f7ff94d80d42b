"""What reading blocks from storage costs: whole storage chunks, decompressed for any part of one.

A zarr or HDF5 array is stored in chunks (zarr: shards), and reading any element of a chunk
decompresses all of it. A block that cuts across storage chunks therefore reads more than it
holds, and a chunking whose blocks are much narrower than the storage chunks along some axis reads
every storage chunk many times over: a rechunk of a read from (16384, 64) storage chunks to
(64, 8192) blocks, made by reading each new block from storage, decompresses the whole array 256
times. :func:`remake_reads_fit` says when making new blocks from storage is bounded; otherwise
:func:`chunkarray.ops.rechunk.rechunk` moves the blocks already read.

Pure functions over chunk tuples, plus a walk down a node's inputs to its reads.
"""

from __future__ import annotations

import numbers
from typing import Any

from chunkarray.core.chunks import Chunks, chunk_boundaries
from chunkarray.core.graph import Node
from chunkarray.primitives.sources import FromArray

__all__ = ["REREAD_FACTOR", "axis_reads", "crossing_axes", "remake_reads_fit",
           "source_storage_chunks", "storage_reads"]

#: Making new blocks from storage is chosen while it decompresses at most this many times what
#: reading the current blocks does: staging instead reads them once, then writes and reads back
#: every byte through temporary files, about as much work again.
REREAD_FACTOR = 2


def source_storage_chunks(source: Any) -> tuple[int, ...] | None:
    """The chunks an array-like is stored in (zarr: its shards), or None when it has none.

    Recognised by their attributes, as zarr arrays, h5py datasets and chunkarray's HDF5 arrays
    have them: ``shards`` or ``chunks``, one positive int per axis. NumPy arrays have neither, and
    chunked arrays' ``chunks`` (tuples of block sizes) are not storage.

    >>> import numpy as np
    >>> class Stored:
    ...     shape, chunks = (10, 4), (5, 4)
    >>> source_storage_chunks(Stored()), source_storage_chunks(np.ones(3))
    ((5, 4), None)
    """
    ndim = len(getattr(source, "shape", ()))
    for attr in ("shards", "chunks"):
        value = getattr(source, attr, None)
        if (isinstance(value, tuple) and len(value) == ndim
                and all(isinstance(c, numbers.Integral) and not isinstance(c, bool) and int(c) > 0
                        for c in value)):
            return tuple(int(c) for c in value)
    return None


def axis_reads(sizes: tuple[int, ...], storage: int, start: int = 0, step: int = 1
               ) -> tuple[int, int]:
    """Along one axis: the elements of whole storage chunks that blocks of ``sizes`` read, in
    total and at most for one block. Block element ``i`` is source element ``start + i * step``.

    >>> axis_reads((4, 4), 4)  # aligned: every element once
    (8, 4)
    >>> axis_reads((2, 2, 2, 2), 4)  # half chunks: each chunk read twice
    (16, 4)
    >>> axis_reads((3, 3, 2), 4)  # the middle block crosses a boundary: two chunks
    (16, 8)
    """
    bounds = chunk_boundaries(sizes)
    total = widest = 0
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi <= lo:
            continue
        first, last = start + lo * step, start + (hi - 1) * step
        if abs(step) >= storage:
            count = hi - lo  # every element in a chunk of its own
        else:
            count = max(first, last) // storage - min(first, last) // storage + 1
        total += count * storage
        widest = max(widest, count * storage)
    return total, widest


def _read_cost(node: FromArray) -> tuple[int, int] | None:
    """Bytes of storage chunks ``node`` decompresses, in total and at most for one block."""
    storage = source_storage_chunks(node.source)
    if storage is None:
        return None
    itemsize = max(node.dtype.itemsize, 1)
    region = node.region if node.region is not None else ((0, 1),) * len(storage)
    axes = iter(node.chunks)
    total = widest = itemsize
    for entry, chunk in zip(region, storage):
        if isinstance(entry, int):  # an axis indexed away: one storage chunk deep
            total, widest = total * chunk, widest * chunk
            continue
        axis_total, axis_widest = axis_reads(tuple(next(axes)), chunk, *entry)
        total, widest = total * axis_total, widest * axis_widest
    return total, widest


def _reads(node: Node, seen: set[str]) -> list[FromArray]:
    if node.name in seen:
        return []
    seen.add(node.name)
    if isinstance(node, FromArray):
        return [node]
    return [r for d in node.dependencies for r in _reads(d, seen)]


def storage_reads(node: Node) -> tuple[int, int]:
    """Bytes of storage chunks the reads under ``node`` decompress to make every block once,
    in total and at most for one block of one read (0 where nothing is read from storage).

    >>> import numpy as np, chunkarray as ca
    >>> storage_reads(ca.from_array(np.ones(8), chunks=4)._node)  # NumPy: no storage chunks
    (0, 0)
    """
    total = widest = 0
    for read in _reads(node, set()):
        cost = _read_cost(read)
        if cost is not None:
            total, widest = total + cost[0], max(widest, cost[1])
    return total, widest


def remake_reads_fit(old: Node, new: Node, limit: int) -> bool:
    """Whether ``new`` (``old`` with its blocks made anew by its reads, see
    :func:`chunkarray.optimize.pushdown.remake`) reads a bounded amount of storage.

    Each new block must decompress at most ``limit`` bytes, and all of them together at most
    :data:`REREAD_FACTOR` times what ``old``'s blocks do.
    """
    new_total, new_widest = storage_reads(new)
    if new_total == 0:
        return True
    old_total, _ = storage_reads(old)
    return new_widest <= limit and new_total <= REREAD_FACTOR * old_total


def crossing_axes(chunks: Chunks, storage: tuple[int, ...]) -> list[int]:
    """The axes along which blocks of ``chunks`` start inside a storage chunk.

    >>> crossing_axes(((4, 4, 2), (3, 3)), (2, 3))
    []
    >>> crossing_axes(((3, 3, 2), (6,)), (2, 3))
    [0]
    """
    return [a for a, (sizes, chunk) in enumerate(zip(chunks, storage))
            if any(b % chunk for b in chunk_boundaries(tuple(sizes))[1:-1])]

