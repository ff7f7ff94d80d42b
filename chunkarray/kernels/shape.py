"""Kernels that give blocks a new shape: reshaping, broadcasting, measuring."""

from __future__ import annotations

import numpy as np

__all__ = ["block_shape", "broadcast_block", "merge_axes", "reshape_block"]


def reshape_block(block: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``block`` in the output block's ``shape`` (C order).

    >>> reshape_block(np.arange(4), (2, 2)).tolist()
    [[0, 1], [2, 3]]
    """
    return np.reshape(block, shape)


def merge_axes(block: np.ndarray, axis: int, count: int) -> np.ndarray:
    """``block`` with its ``count`` axes from ``axis`` on merged into one (C order); with
    ``count=0``, a new axis of length 1 there.

    >>> merge_axes(np.zeros((2, 3, 4)), 1, 2).shape, merge_axes(np.zeros((2, 3)), 1, 0).shape
    ((2, 12), (2, 1, 3))
    """
    shape = np.shape(block)
    # The length is given, not -1: NumPy cannot infer it for a block with no elements.
    merged = int(np.prod(shape[axis:axis + count], dtype=np.int64))
    return np.reshape(block, (*shape[:axis], merged, *shape[axis + count:]))


def broadcast_block(block: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``block`` broadcast to the output block's ``shape`` (a read-only view).

    >>> broadcast_block(np.arange(2), (2, 2)).tolist()
    [[0, 1], [0, 1]]
    """
    return np.broadcast_to(block, shape)


def block_shape(block: np.ndarray) -> np.ndarray:
    """The shape of ``block``, as one element per block along every axis and the shape along a
    new last axis (so the shapes of all blocks assemble into one array).

    >>> block_shape(np.zeros((2, 3))).tolist()
    [[[2, 3]]]
    """
    shape = np.asarray(np.shape(block), dtype=np.intp)
    return shape.reshape((1,) * shape.size + (shape.size,))
