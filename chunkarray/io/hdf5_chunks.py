"""Writing whole HDF5 chunks: encode on the worker, store the bytes under the file's lock.

``dataset[region] = block`` runs HDF5's filter pipeline (shuffle, deflate) inside libhdf5, which
is not thread-safe: under the file's lock, so with compression only one core works. When a block
covers whole storage chunks of a dataset whose pipeline chunkarray reproduces exactly (no filter,
deflate at any level, the byte shuffle, in any order), each chunk is encoded by the worker with
:func:`chunkarray.kernels.hdf5_filters.encode_chunk` outside the lock, and the lock is taken only
to hand HDF5 the encoded bytes (``write_direct_chunk``). Edge chunks are padded to the whole chunk
shape with the dataset's fill value, as HDF5 stores them.

The chunks a block covers only in part (its blocks cut across the storage chunks) go through
``dataset[part] = values`` under the same lock, as does everything else: a block that covers no
chunk whole, a block of another dtype than the dataset's (HDF5's conversions are not NumPy's), other
filters (fletcher32, scale-offset, szip, lzf, plugins), contiguous or compact datasets, and types
whose bytes in memory are not exactly those in the file (other byte orders, compound, variable
length, long double).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from chunkarray.io._hdf5_source import HDF5Array
from chunkarray.io._optional import require
from chunkarray.kernels.blocks import storage_chunks
from chunkarray.kernels.hdf5_filters import DEFLATE, SHUFFLE, encode_chunk

__all__ = ["ChunkLayout", "HDF5ChunkWriter", "chunk_layout", "chunk_writer", "margins",
           "whole_chunks"]

Pipeline = tuple[tuple[int, tuple[int, ...]], ...]


@dataclass(frozen=True)
class ChunkLayout:
    """How a dataset stores its chunks: their shape, its filters in order, and the bytes of its
    fill value (bytes, so that a NaN fill compares equal to itself)."""

    chunks: tuple[int, ...]
    pipeline: Pipeline
    fill: bytes


def chunk_layout(dataset: Any) -> ChunkLayout | None:
    """The layout of an open h5py dataset when chunkarray can encode its chunks exactly, else None.

    >>> import os, tempfile, h5py
    >>> path = os.path.join(tempfile.mkdtemp(), "f.h5")
    >>> with h5py.File(path, "w") as f:
    ...     d = f.create_dataset("x", shape=(9,), chunks=(4,), dtype="f8", compression="gzip",
    ...                          compression_opts=1, shuffle=True)
    ...     chunk_layout(d)
    ChunkLayout(chunks=(4,), pipeline=((2, (8,)), (1, (1,))), fill=b'\\x00\\x00...')
    >>> with h5py.File(path, "a") as f:
    ...     chunk_layout(f.create_dataset("y", shape=(9,), chunks=(4,), fletcher32=True)) is None
    True
    """
    h5py = require("h5py", "hdf5")
    plist = dataset.id.get_create_plist()
    dtype = np.dtype(dataset.dtype)
    if plist.get_layout() != h5py.h5d.CHUNKED or not _plain(dtype, dataset, h5py):
        return None
    pipeline = []
    for i in range(plist.get_nfilters()):
        code, _flags, cd_values, _name = plist.get_filter(i)
        cd_values = tuple(int(v) for v in cd_values)
        if code == SHUFFLE and cd_values == (dtype.itemsize,):
            pipeline.append((SHUFFLE, cd_values))
        elif code == DEFLATE and len(cd_values) == 1 and 0 <= cd_values[0] <= 9:
            pipeline.append((DEFLATE, cd_values))
        else:
            return None
    fill = np.asarray(dataset.fillvalue, dtype=dtype).tobytes()
    return ChunkLayout(tuple(int(c) for c in dataset.chunks), tuple(pipeline), fill)


def _plain(dtype: np.dtype, dataset: Any, h5py: Any) -> bool:
    """Whether the dataset's elements are stored as NumPy holds ``dtype`` in memory, byte for byte:
    HDF5 converts nothing between h5py's memory type for it and the file's type."""
    if dtype.kind not in "biufcS" or dtype.fields is not None or dtype.subdtype is not None:
        return False
    if not dtype.isnative:
        return False  # other byte orders: kept on HDF5's own path
    if dtype.itemsize > {"f": 8, "c": 16}.get(dtype.kind, dtype.itemsize):
        return False  # x86's long double: 10 bytes of number in 16, the rest padding
    return bool(dataset.id.get_type() == h5py.h5t.py_create(dtype))


def whole_chunks(region: tuple[slice, ...], chunks: tuple[int, ...], shape: tuple[int, ...]
                 ) -> tuple[slice, ...] | None:
    """The part of ``region`` (of an array of ``shape`` stored in ``chunks``) made of the chunks
    it covers whole, a chunk at the array's end counting whole; None when there is none.

    >>> whole_chunks((slice(2, 10), slice(0, 3)), (4, 3), (10, 3))
    (slice(4, 10, None), slice(0, 3, None))
    >>> whole_chunks((slice(1, 7),), (4,), (10,)) is None
    True
    """
    if len(region) != len(chunks):
        return None
    core = []
    for s, u, n in zip(region, chunks, shape):
        start = -(-s.start // u) * u
        stop = s.stop if s.stop == n else s.stop // u * u
        if stop <= start:
            return None
        core.append(slice(start, stop))
    return tuple(core)


def margins(region: tuple[slice, ...], core: tuple[slice, ...]) -> list[tuple[slice, ...]]:
    """Boxes that cover ``region`` less the box ``core`` inside it, without overlapping: on each
    axis in turn, the slabs before and after the core, within the core on the axes before it.

    >>> margins((slice(0, 10), slice(0, 6)), (slice(4, 10), slice(3, 6)))
    [(slice(0, 4, None), slice(0, 6, None)), (slice(4, 10, None), slice(0, 3, None))]
    """
    out = []
    for axis, (s, c) in enumerate(zip(region, core)):
        for piece in (slice(s.start, c.start), slice(c.stop, s.stop)):
            if piece.stop > piece.start:
                out.append(core[:axis] + (piece,) + region[axis + 1:])
    return out


def _within(part: tuple[slice, ...], region: tuple[slice, ...]) -> tuple[slice, ...]:
    """``part`` of the array as slices of the block that holds ``region``."""
    return tuple(slice(p.start - r.start, p.stop - r.start) for p, r in zip(part, region))


def chunk_writer(target: Any) -> Any:
    """``target`` as the writer of whole chunks when it is an :class:`HDF5Array` of a dataset whose
    chunks chunkarray can encode, else ``target`` itself.

    >>> import numpy as np
    >>> a = np.zeros(3)
    >>> chunk_writer(a) is a
    True
    """
    if not isinstance(target, HDF5Array):
        return target
    with target.reading() as dataset:
        layout = chunk_layout(dataset)
    return target if layout is None else HDF5ChunkWriter(target, layout)


class HDF5ChunkWriter:
    """Writes blocks into an HDF5 dataset: whole chunks encoded here, stored under the lock."""

    def __init__(self, array: HDF5Array, layout: ChunkLayout) -> None:
        self.array = array
        self.layout = layout
        self.shape = array.shape
        self.dtype = array.dtype

    def __repr__(self) -> str:
        return f"HDF5ChunkWriter({self.array!r}, {self.layout!r})"

    def __setitem__(self, region: tuple[slice, ...], block: Any) -> None:
        core = None
        if type(block) is np.ndarray and block.dtype == self.dtype and block.size:
            core = whole_chunks(region, self.layout.chunks, self.shape)
        if core is None:
            self.array[region] = block
            return
        # The work of the pipeline, outside the lock: other workers store meanwhile.
        inner = _within(core, region)
        encoded = [(offsets, encode_chunk(values, self.layout.pipeline))
                   for offsets, values in self._chunks(core, block[inner])]
        with self.array.writing() as dataset:
            if chunk_layout(dataset) != self.layout:  # the dataset was replaced since planning
                dataset[region] = block
                return
            for offsets, data in encoded:
                dataset.id.write_direct_chunk(offsets, data, 0)  # 0: every filter applied
            # Chunks this block covers in part (other blocks write the rest): HDF5 reads,
            # changes and rewrites them, under the lock.
            for part in margins(region, core):
                dataset[part] = block[_within(part, region)]

    def _chunks(self, region: tuple[slice, ...], block: np.ndarray
                ) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
        """(the chunk's first element, its values padded to the chunk shape) of each chunk."""
        unit = self.layout.chunks
        fill = np.frombuffer(self.layout.fill, dtype=self.dtype)[0]
        for coords, values in storage_chunks(block, region, unit, fill):
            yield tuple(c * u for c, u in zip(coords, unit)), values
