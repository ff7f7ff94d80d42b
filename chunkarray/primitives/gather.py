"""An integer index along one axis taken straight from the source a read slices.

``x[perm]`` on an array read from a NumPy array (or elementwise steps over such reads) needs no
intermediate blocks at all: each output block is one task that takes its elements from the
source, as NumPy's ``a[perm]`` would. A storage source (zarr, h5py...) reads, per output block,
only the contiguous range its elements lie in: those libraries read ranges well and integer lists
badly or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from chunkarray.core.chunks import Chunks
from chunkarray.core.graph import Key, Node
from chunkarray.core.grid import axis_grid
from chunkarray.core.tokenize import content_token, tokenize
from chunkarray.kernels import selection
from chunkarray.primitives.sources import FromArray
from chunkarray.primitives.take import Take

__all__ = ["SourceTake"]


class SourceTake(Take):
    """``read`` taken at ``index`` (positions along ``axis``) from its source, in blocks of
    ``chunks`` (any chunks: the source is read, never the blocks of ``read``).

    With ``narrow`` (storage sources) a task reads only the range from the smallest to the
    largest position it needs; otherwise (NumPy sources, where the whole axis is a free view)
    it takes from the whole axis.
    """

    __slots__ = ("data", "getter", "take_axis", "index", "narrow", "_frame", "_grid",
                 "_source_axis", "_parts")

    def __init__(self, read: FromArray, axis: int, index: np.ndarray, chunks: Chunks, *,
                 narrow: bool) -> None:
        name = "take-" + tokenize(read.name, content_token(index), axis, chunks, narrow)
        super().__init__(name, chunks, read.dtype)
        self.data = read.data
        self.getter = read.getter
        self.take_axis = axis
        self.index = index
        self.narrow = narrow
        # A read of the same region with the whole axis in one block: its block slices are the
        # source index of an output block, the indexed axis taken whole.
        frame_chunks = tuple((n,) if a == axis else c
                             for a, (c, n) in enumerate(zip(chunks, read.shape)))
        self._frame = FromArray(name + "-frame", read.source, frame_chunks,
                                read.dtype, read.getter, read.region, data=read.data)
        self._grid = axis_grid(chunks[axis])
        kept = [i for i, r in enumerate(read.region or [(0, 1)] * len(chunks))
                if not isinstance(r, int)]
        self._source_axis = kept[axis]
        # By the block on the other axes: a cache filled at lowering, not a change of the node.
        self._parts: dict[tuple[int, ...], tuple[Any, ...]] = {}

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.data,)

    @property
    def axis(self) -> int:
        return self.take_axis

    @property
    def fills(self) -> bool:
        # A storage read covers one output block's range; a run of blocks would read more.
        return not self.narrow

    def fill_task(self, index: tuple[int, ...], span: slice, out: np.ndarray
                  ) -> tuple[Any, Sequence[Key]]:
        assert not self.narrow
        parts = self._whole_axis_slices((*index[:self.axis], 0, *index[self.axis + 1:]))
        key = (self.data.name,)
        func = partial(selection.take_from_source, getter=self.getter, index=parts,
                       positions=self.index[span], axis=self.axis, out=out)
        return (func, key), (key,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        j = index[self.axis]
        positions = self.index[self._grid.slice(j)]
        parts = self._whole_axis_slices((*index[:self.axis], 0, *index[self.axis + 1:]))
        if self.narrow:
            # An empty block reads an empty range, not the whole axis.
            lo, hi = (int(positions.min()), int(positions.max()) + 1) if positions.size else (0, 0)
            whole = parts[self._source_axis]
            assert isinstance(whole, slice) and whole.step in (None, 1)
            narrowed = list(parts)
            narrowed[self._source_axis] = slice(whole.start + lo, whole.start + hi)
            parts, positions = tuple(narrowed), positions - lo
        key = (self.data.name,)
        func = partial(selection.take_from_source, getter=self.getter, index=parts,
                       positions=positions, axis=self.axis)
        return (func, key), (key,)

    def _whole_axis_slices(self, index: tuple[int, ...]) -> tuple[Any, ...]:
        # Every output block along the axis reads the same slices on the other axes: make them
        # once, not once per block (a million-element index has a thousand blocks or more).
        parts = self._parts.get(index)
        if parts is None:
            parts = self._parts[index] = self._frame.block_slices(index)
        return parts

