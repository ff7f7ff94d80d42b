"""Writing whole zarr chunks: encode with the array's own codecs, hand the store the bytes.

``z[region] = block`` is zarr's general path: per chunk it checks whether the chunk equals the
fill value (comparing every element, bit by bit, for a float fill of zero), merges the value into
a chunk buffer, encodes it and stores it. When a block covers whole chunks (the blocks of a write
are aligned to the storage chunks, see :func:`chunkarray.io.store.plan_write`), most of that is
not needed: each chunk is a slice of the block, encoded by the array's codec pipeline and set in
the store, and only a chunk whose first element is the fill value is checked further. The codecs
release the GIL, so the executor's workers encode blocks in parallel; the chunks of one block are
encoded concurrently by zarr's own pipeline.

A region that covers chunks only in part (read, change, write back) goes through ``z[region]``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import numpy as np

from chunkarray.io._optional import require
from chunkarray.kernels.blocks import storage_chunks

__all__ = ["ChunkWriter", "chunk_writer"]


def chunk_writer(target: Any) -> Any:
    """``target`` as the writer of whole chunks when it is a zarr 3 array that has one, else
    ``target`` itself.

    >>> import numpy as np
    >>> a = np.zeros(3)
    >>> chunk_writer(a) is a
    True
    """
    if type(target).__module__.split(".")[0] != "zarr" or not hasattr(target, "_async_array"):
        return target
    metadata = target._async_array.metadata
    if getattr(metadata, "zarr_format", None) != 3 or target._async_array.config.order != "C":
        return target  # zarr 2 metadata, or chunks stored in Fortran order: zarr's own path
    return ChunkWriter(target)


class ChunkWriter:
    """Writes blocks into a zarr 3 array, chunk by chunk, with the array's codec pipeline."""

    def __init__(self, array: Any) -> None:
        self.array = array
        self.shape = tuple(array.shape)
        self.dtype = np.dtype(array.dtype)

    def __getstate__(self) -> dict[str, Any]:
        return {"array": self.array}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["array"])  # type: ignore[misc]

    def __setitem__(self, region: tuple[slice, ...], block: Any) -> None:
        unit = tuple(self.array._async_array.metadata.chunk_grid.chunk_shape)
        if not (type(block) is np.ndarray and block.size and self._whole_chunks(region, unit)):
            self.array[region] = block
            return
        block = np.asarray(block, dtype=self.dtype)
        sync = require("zarr.core.sync", "zarr").sync
        sync(self._put(list(self._chunks(region, block, unit))))

    def _whole_chunks(self, region: tuple[slice, ...], unit: tuple[int, ...]) -> bool:
        # Every chunk the region touches is covered whole (up to the array's end).
        return len(region) == len(unit) and all(
            s.start % u == 0 and (s.stop % u == 0 or s.stop == n) and s.stop > s.start
            for s, u, n in zip(region, unit, self.shape))

    def _chunks(self, region: tuple[slice, ...], block: np.ndarray, unit: tuple[int, ...]
                ) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
        """(chunk coordinates, the chunk's values padded to the chunk shape) of each chunk."""
        fill = self.array._async_array.metadata.fill_value
        return storage_chunks(block, region, unit, fill)

    async def _put(self, chunks: list[tuple[tuple[int, ...], np.ndarray]]) -> None:
        arr = self.array._async_array
        metadata = arr.metadata
        prototype = require("zarr.core.buffer", "zarr").default_buffer_prototype()
        keep_empty = arr.config.write_empty_chunks
        fill = metadata.fill_value
        todo, empty = [], []
        for coords, values in chunks:
            nd = prototype.nd_buffer.from_ndarray_like(values)
            spec = metadata.get_chunk_spec(coords, arr.config, prototype)
            # zarr stores no chunk that is all fill value: checked only when the first element
            # is the fill value, as zarr's full comparison costs a pass over the chunk.
            first = prototype.nd_buffer.from_ndarray_like(values.reshape(-1)[:1])
            if not keep_empty and first.all_equal(fill) and nd.all_equal(fill):
                empty.append(coords)
            else:
                todo.append((coords, nd, spec))
        encoded = await arr.codec_pipeline.encode([(nd, spec) for _, nd, spec in todo])
        stores = [(coords, data) for (coords, _, _), data in zip(todo, encoded)]
        stores += [(coords, None) for coords in empty]
        await asyncio.gather(*[
            path.delete() if data is None else path.set(data)
            for path, data in ((arr.store_path / metadata.encode_chunk_key(c), d)
                               for c, d in stores)
        ])
