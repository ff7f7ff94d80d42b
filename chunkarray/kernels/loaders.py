"""Block tasks that load data the user's way: their own functions, dask Delayed values, .npy files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["call_block", "compute_delayed", "load_npy", "save_npy", "save_stack_block"]


def call_block(func: Callable[[], Any], *, shape: tuple[int, ...], dtype: np.dtype,
               where: str) -> np.ndarray:
    """``func()`` as a block of ``shape`` and ``dtype``; a block of another shape, or of a dtype
    that does not cast safely, is refused naming ``where`` it came from.

    >>> call_block(lambda: [1, 2], shape=(2,), dtype=np.dtype(float), where="f")
    array([1., 2.])
    >>> call_block(lambda: [1, 2], shape=(3,), dtype=np.dtype(float), where="f")
    Traceback (most recent call last):
    ...
    ValueError: f returned an array of shape (2,), but the chunks say (3,)
    """
    block = np.asarray(func())
    if block.shape != shape:
        raise ValueError(f"{where} returned an array of shape {block.shape}, but the chunks say "
                         f"{shape}")
    if block.dtype != dtype:
        if not np.can_cast(block.dtype, dtype, "safe"):
            raise TypeError(f"{where} returned an array of dtype {block.dtype}, which does not "
                            f"cast safely to the declared dtype {dtype}")
        block = block.astype(dtype)
    return block


def compute_delayed(value: Any) -> Any:
    """The value of a dask Delayed, computed inside this task (its own graph, one thread)."""
    return value.compute(scheduler="sync")


def load_npy(path: str, mmap_mode: Any) -> np.ndarray:
    """One block of an npy stack (a memory map when ``mmap_mode`` is ``"r"``)."""
    return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)


def save_npy(block: np.ndarray, path: str) -> None:
    """Write one block of an npy stack."""
    np.save(path, np.ascontiguousarray(block), allow_pickle=False)


def save_stack_block(block: np.ndarray, *, paths: list[str], axis: int,
                     block_id: tuple[int, ...]) -> np.ndarray:
    """Write block ``block_id`` of an npy stack to its file; a one-element flag as its result."""
    save_npy(block, paths[block_id[axis]])
    return np.ones((1,) * block.ndim, dtype=bool)
