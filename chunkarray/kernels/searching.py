"""Per-block NumPy functions of the searching operations: positions of true elements, counts of
sorted elements below values."""

from __future__ import annotations

from typing import Any

import numpy as np


def argwhere_block(block: np.ndarray, *, offset: int = 0) -> np.ndarray:
    """``numpy.argwhere`` of a block, its rows moved by ``offset`` along the first axis."""
    out = np.argwhere(block)
    if offset and out.shape[1]:
        out[:, 0] += offset
    return out


def column(block: np.ndarray, *, i: int) -> np.ndarray:
    return block[:, i]


def count_below(a_block: np.ndarray, v_block: Any, *, side: Any) -> np.ndarray:
    """How many elements of a sorted block lie before each value, on a new first axis of one.

    Summed over the blocks of a sorted array, these are the positions in the whole array.
    """
    return np.asarray(np.searchsorted(a_block, v_block, side=side), dtype=np.intp)[np.newaxis]


def searchsorted_block(v_block: Any, a: np.ndarray, *, side: Any, sorter: Any) -> np.ndarray:
    return np.asarray(np.searchsorted(a, v_block, side=side, sorter=sorter), dtype=np.intp)


def digitize_block(block: np.ndarray, *, bins: np.ndarray, right: bool) -> np.ndarray:
    return np.asarray(np.digitize(block, bins, right=right), dtype=np.intp)


def nonzero_mask(block: np.ndarray) -> np.ndarray:
    return block.astype(bool, copy=False)
