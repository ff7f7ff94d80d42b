"""Per-block kernels of the scans (cumulative sums and products): plain NumPy, no graphs.

A scan along a split axis is three steps: each block scanned on its own (``scan_block``), the
last slice of each scanned block taken as its total (``block_total``), and the running total of
the blocks before added back (``add_carry``). The carries themselves are a chain of
``combine_carry`` calls, one per block (see :class:`chunkarray.primitives.scan.PrefixScan`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["add_carry", "block_total", "combine_carry", "scan_after", "scan_block"]


def scan_block(block: np.ndarray, *, func: Callable[..., Any], axis: int, dtype: np.dtype
               ) -> np.ndarray:
    """``func`` (``np.cumsum``, ``np.nancumprod``...) of one block along ``axis`` in ``dtype``.

    >>> scan_block(np.array([1, 2, 3]), func=np.cumsum, axis=0, dtype=np.dtype("i8"))
    array([1, 3, 6])
    """
    return func(block, axis=axis, dtype=dtype)


def block_total(scanned: np.ndarray, *, axis: int, identity: Any) -> np.ndarray:
    """The last slice of a scanned block along ``axis`` (kept as size one): its total.

    An empty block adds nothing: its total is the identity.

    >>> block_total(np.array([[1, 3], [4, 9]]), axis=1, identity=0)
    array([[3],
           [9]])
    """
    n = scanned.shape[axis]
    if n == 0:
        shape = scanned.shape[:axis] + (1,) + scanned.shape[axis + 1:]
        return np.full(shape, identity, dtype=scanned.dtype)
    # A copy: the scanned block is updated in place by ``add_carry`` afterwards.
    return scanned.take([n - 1], axis=axis)


def combine_carry(carry: np.ndarray | None, total: np.ndarray, *, op: np.ufunc) -> np.ndarray:
    """The carry into the next block: this block's carry combined with its total.

    >>> combine_carry(np.array([3]), np.array([4]), op=np.add)
    array([7])
    """
    if carry is None:
        return total.copy()
    return op(carry, total)


def add_carry(scanned: np.ndarray, total: Any, carry: np.ndarray | None, *, op: np.ufunc,
              initial: Any = None, axis: int = 0) -> np.ndarray:
    """The scanned block with the carry of the blocks before it combined in, in place.

    ``total`` is not used: taking it as an argument makes every executor take the block's total
    before the block is changed. ``initial`` (the identity) is put before the first block, for
    ``include_initial``. The first block has no carry (``None``): adding an identity would not be
    a no-op for ``-0.0``.

    >>> add_carry(np.array([1, 3]), None, np.array([10]), op=np.add)
    array([11, 13])
    """
    if carry is not None:
        # The carry goes first: object elements (strings, say) need not commute.
        op(carry, scanned, out=scanned)
    if initial is not None:
        shape = scanned.shape[:axis] + (1,) + scanned.shape[axis + 1:]
        head = np.full(shape, initial, dtype=scanned.dtype)
        scanned = np.concatenate([head, scanned], axis=axis)
    return scanned


def scan_after(block: np.ndarray, before: np.ndarray | None = None, *, func: Callable[..., Any],
               axis: int, dtype: np.dtype) -> np.ndarray:
    """``func`` of one block continued from the last slice of the scanned block ``before``.

    The running value enters the block's scan as its first element, so every step is the one
    NumPy takes over the whole axis, in the same order: the result is NumPy's to the bit.

    >>> scan_after(np.array([2.0, 3.0]), np.array([1.0, 4.0]), func=np.cumprod, axis=0,
    ...            dtype=np.dtype("f8"))
    array([ 8., 24.])
    """
    if before is None or before.shape[axis] == 0:
        return func(block, axis=axis, dtype=dtype)
    n = before.shape[axis]
    head = before.take([n - 1], axis=axis)
    joined = np.concatenate([head, block.astype(dtype, copy=False)], axis=axis)
    out = func(joined, axis=axis, dtype=dtype)
    return out[tuple(slice(1, None) if d == axis else slice(None) for d in range(out.ndim))]
