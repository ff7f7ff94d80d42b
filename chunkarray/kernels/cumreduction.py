"""Per-block kernels of a user's scan (dask's ``cumreduction`` contract, xarray's ``scan``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["apply_carry", "block_last", "combine_carry"]


def block_last(block: np.ndarray, *, axis: int) -> np.ndarray:
    """The last slice of a scanned block along ``axis``, kept as an axis of length one.

    >>> block_last(np.arange(6).reshape(2, 3), axis=1)
    array([[2],
           [5]])
    """
    return block[(slice(None),) * axis + (slice(-1, None),)]


def combine_carry(carry: Any, total: np.ndarray, *, binop: Callable[..., Any], ident: Any
                  ) -> np.ndarray:
    """The carry into the next block: ``binop`` of the carry so far (``ident`` at first) and
    this block's total.

    >>> combine_carry(None, np.array([3]), binop=np.add, ident=0)
    array([3])
    """
    if carry is None:
        carry = np.full_like(total, ident)
    return binop(carry, total)


def apply_carry(scanned: np.ndarray, carry: Any, *, binop: Callable[..., Any]) -> np.ndarray:
    """A scanned block continued from the blocks before it (the first block as it is).

    >>> apply_carry(np.array([1, 3]), np.array([10]), binop=np.add)
    array([11, 13])
    """
    return scanned if carry is None else binop(carry, scanned)
