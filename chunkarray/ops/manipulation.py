"""Every shape-manipulation function, gathered for the tables that map NumPy's names to them.

The functions live in :mod:`~chunkarray.ops.shape`, :mod:`~chunkarray.ops.join` and
:mod:`~chunkarray.ops.rearrange` and :mod:`~chunkarray.ops.padding`.
"""

from chunkarray.ops.join import array_split, block, concatenate, split, stack
from chunkarray.ops.padding import pad
from chunkarray.ops.rearrange import flip, repeat, roll, tile
from chunkarray.ops.shape import (
    broadcast_arrays,
    broadcast_to,
    expand_dims,
    moveaxis,
    ravel,
    reshape,
    squeeze,
    swapaxes,
)

__all__ = [
    "array_split", "block", "broadcast_arrays", "broadcast_to", "concatenate", "expand_dims",
    "flip", "moveaxis", "pad", "ravel", "repeat", "reshape", "roll", "split", "squeeze", "stack",
    "swapaxes", "tile",
]
