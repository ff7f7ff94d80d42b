"""Writing whole HDF5 chunks: encode on the worker, store the bytes under the file's lock.

``dataset[region] = block`` runs HDF5's filter pipeline (shuffle, deflate) inside libhdf5, which
is not thread-safe: under the file's lock, so with compression only one core works. When a block
covers whole storage chunks of a dataset whose pipeline chunkarray reproduces exactly (no filter,
deflate at any level, the byte shuffle, in any order), each chunk is encoded by the worker with
:func:`chunkarray.kernels.hdf5_filters.encode_chunk` outside the lock, and the lock is taken only
to hand HDF5 the encoded bytes (``write_direct_chunk``). Edge chunks are padded to the whole chunk
shape with the dataset's fill value, as HDF5 stores them.

Everything else goes through ``dataset[region] = block``: a region that covers chunks only in
part, a block of another dtype than the dataset's (HDF5's conversions are not NumPy's), other
filters (fletcher32, scale-offset, szip, lzf, plugins), contiguous or compact datasets, and types
whose bytes in memory are not exactly those in the file (other byte orders, compound, variable
length, long double).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from chunkarray.io._hdf5_source import HDF5Array
from chunkarray.io._optional import require
from chunkarray.kernels.hdf5_filters import DEFLATE, SHUFFLE, encode_chunk

__all__ = ["ChunkLayout", "HDF5ChunkWriter", "chunk_layout", "chunk_writer"]

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
    if not dtype.isnative or dtype in (np.dtype(np.longdouble), np.dtype(np.clongdouble)):
        return False  # long double: padding bytes; other byte orders: kept on HDF5's own path
    return bool(dataset.id.get_type() == h5py.h5t.py_create(dtype))


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
        if not (type(block) is np.ndarray and block.dtype == self.dtype and block.size
                and self._whole_chunks(region)):
            self.array[region] = block
            return
        # The work of the pipeline, outside the lock: other workers store meanwhile.
        encoded = [(offsets, encode_chunk(values, self.layout.pipeline))
                   for offsets, values in self._chunks(region, block)]
        with self.array.writing() as dataset:
            if chunk_layout(dataset) != self.layout:  # the dataset was replaced since planning
                dataset[region] = block
                return
            for offsets, data in encoded:
                dataset.id.write_direct_chunk(offsets, data, 0)  # 0: every filter applied

    def _whole_chunks(self, region: tuple[slice, ...]) -> bool:
        # Every chunk the region touches is covered whole (up to the dataset's end).
        unit = self.layout.chunks
        return len(region) == len(unit) and all(
            s.start % u == 0 and (s.stop % u == 0 or s.stop == n) and s.stop > s.start
            for s, u, n in zip(region, unit, self.shape))

    def _chunks(self, region: tuple[slice, ...], block: np.ndarray
                ) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
        """(the chunk's first element, its values padded to the chunk shape) of each chunk."""
        unit = self.layout.chunks
        ranges = [range(s.start // u, -(-s.stop // u)) for s, u in zip(region, unit)]
        for coords in product(*ranges):
            inner = tuple(slice(c * u - s.start, min((c + 1) * u, s.stop) - s.start)
                          for c, u, s in zip(coords, unit, region))
            values = block[inner]
            if values.shape != unit:  # an edge chunk: HDF5 stores it whole
                fill = np.frombuffer(self.layout.fill, dtype=self.dtype)[0]
                whole = np.full(unit, fill, dtype=self.dtype)
                whole[tuple(slice(0, n) for n in values.shape)] = values
                values = whole
            yield tuple(c * u for c, u in zip(coords, unit)), np.ascontiguousarray(values)
