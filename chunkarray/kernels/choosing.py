"""Per-block kernels of the choosing, index-arithmetic and dtype-view operations.

Plain NumPy functions of blocks; they know nothing of graphs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["choose_block", "fromfunction_block", "index_grid_block", "masked_result",
           "ravel_block", "select_block", "take_block", "unravel_block", "view_block"]


def choose_block(a: np.ndarray, *choices: np.ndarray, mode: str) -> np.ndarray:
    return np.choose(a, choices, mode=mode)  # type: ignore[call-overload]


def select_block(*arrays: Any, n: int) -> np.ndarray:
    # conditions first, then the choices, then the default: one flat argument list, so every
    # operand is broadcast against the others by the blockwise step.
    return np.select(list(arrays[:n]), list(arrays[n:2 * n]), default=arrays[2 * n])


def ravel_block(*coords: np.ndarray, dims: tuple[int, ...], mode: Any, order: str) -> np.ndarray:
    return np.asarray(np.ravel_multi_index(  # type: ignore[call-overload]
        coords, dims, mode=mode, order=order))


def unravel_block(indices: np.ndarray, *, shape: tuple[int, ...], order: str
                  ) -> tuple[np.ndarray, ...]:
    coords = np.unravel_index(indices, shape, order=order)  # type: ignore[call-overload]
    return tuple(np.asarray(i) for i in coords)


def view_block(block: np.ndarray, *, dtype: np.dtype) -> np.ndarray:
    # Same itemsize only: the block's shape is kept, so any block layout views alike.
    return block.view(dtype)


def take_block(x: np.ndarray, idx: np.ndarray, *, axis: int, n: int) -> np.ndarray:
    """``x`` (the whole axis) taken at ``idx`` along ``axis``, NumPy's bounds check included."""
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"index {int(idx[bad].flat[0])} is out of bounds for axis {axis} with "
                         f"size {n}")
    return np.take(x, idx, axis=axis)


def fromfunction_block(shape: tuple[int, ...], offset: tuple[int, ...], *,
                       function: Callable[..., Any], dtype: np.dtype, index_dtype: np.dtype,
                       kwargs: dict[str, Any]) -> np.ndarray:
    """``function`` called on the coordinates of the block's elements, as ``numpy.fromfunction``
    calls it on the coordinates of the whole array."""
    grids = np.indices(shape, dtype=index_dtype)
    coords = [g + np.asarray(o, dtype=index_dtype) for g, o in zip(grids, offset)]
    out = np.asarray(function(*coords, **kwargs))
    return np.broadcast_to(out, shape).astype(dtype, copy=False)


def masked_result(mask: np.ndarray, value: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``value`` where ``mask``, else ``fallback``: a ufunc's ``where=`` with ``out=``."""
    return np.where(mask, value, fallback)


def index_grid_block(shape: tuple[int, ...], offset: tuple[int, ...], *, axis: int,
                     dtype: np.dtype) -> np.ndarray:
    """The block of ``numpy.indices(...)[axis]`` at ``offset`` (or of a sparse grid)."""
    start = offset[axis]
    line = np.arange(start, start + shape[axis], dtype=dtype)
    along = [1] * len(shape)
    along[axis] = shape[axis]
    return np.broadcast_to(line.reshape(along), shape).copy()
