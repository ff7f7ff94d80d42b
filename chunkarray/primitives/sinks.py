"""Sinks: nodes that put blocks somewhere, such as into the NumPy array a ``compute`` returns."""

from __future__ import annotations

from typing import Any

import numpy as np

from chunkarray.core.graph import SINK_PREFIX, Node
from chunkarray.core.grid import ChunkGrid
from chunkarray.kernels import blocks as kernels
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.take import take_into

__all__ = ["into"]


def into(source: Node, out: np.ndarray) -> Node:
    """Each block of ``source`` copied into its place in ``out`` as soon as it is made.

    The block can then be freed at once, so a ``compute`` holds its result and a few blocks in
    flight, not every block and then the result, and the copies run in the workers, in parallel.
    It is a blockwise step, so fusion makes it the last step of the chain that makes the block,
    and the chain then writes its last step straight into ``out`` (see
    :mod:`chunkarray.kernels.program`). Block ``i`` of the node is the view of ``out`` it filled.
    """
    filled = take_into(source, out)  # a take writes into ``out`` itself, runs of blocks a task
    if filled is not None:
        return filled
    grid = ChunkGrid.from_chunks(source.chunks)

    def place(index: tuple[int, ...]) -> dict[str, Any]:
        return {"out": out[grid.block_slices(index)]}

    ind = tuple(range(grid.ndim))
    return blockwise_node(kernels.copy_into, ind, source, ind, dtype=source.dtype,
                          name=SINK_PREFIX + source.name, block_kwargs=place)
