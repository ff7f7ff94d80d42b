"""The concatenate node: the blocks of several nodes laid end to end along one axis."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chunkarray.core.graph import Key, Node
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as kernels

__all__ = ["Concatenate"]


class Concatenate(Node):
    """Output block ``k`` along ``axis`` is a block of one source; no data moves.

    The sources have the same dtype and the same chunks on every other axis; the table from
    output block to (source, block) has one entry per block along ``axis``.
    """

    __slots__ = ("sources", "axis", "_where")
    keeps_masks = True  # blocks are handed on whole

    def __init__(self, sources: Sequence[Node], axis: int, dtype: Any) -> None:
        sources = tuple(sources)
        first = sources[0].chunks
        along = tuple(size for s in sources for size in s.chunks[axis])
        chunks = (*first[:axis], along, *first[axis + 1:])
        name = "concatenate-" + tokenize([s.name for s in sources], axis, np.dtype(dtype))
        super().__init__(name, chunks, dtype)
        self.sources = sources
        self.axis = axis
        self._where = tuple((i, b) for i, s in enumerate(sources) for b in range(s.numblocks[axis]))

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return self.sources

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        i, b = self._where[index[self.axis]]
        key: Key = (self.sources[i].name, *index[:self.axis], b, *index[self.axis + 1:])
        return (kernels.identity, key), (key,)
