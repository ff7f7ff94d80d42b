"""Kernels that select elements of blocks: takes, gathers of points, masks and writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "gather_points", "join", "points_from_pieces", "select_mask", "take_from_pieces",
    "take_from_source", "take_into", "write",
]


def join(blocks: list[np.ndarray], axis: int) -> np.ndarray:
    """The blocks laid end to end along ``axis`` (one block is returned as it is).

    >>> join([np.arange(2), np.arange(1)], axis=0)
    array([0, 1, 0])
    """
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=axis)


def take_from_pieces(pieces: list[np.ndarray], positions: np.ndarray, axis: int) -> np.ndarray:
    """The elements at ``positions`` of the pieces joined along ``axis``.

    >>> take_from_pieces([np.array([5, 6]), np.array([7])], np.array([2, 0]), axis=0)
    array([7, 5])
    """
    return np.take(join(pieces, axis), positions, axis=axis)


def take_from_source(source: Any, *, getter: Callable[..., Any], index: tuple[Any, ...],
                     positions: np.ndarray, axis: int, out: np.ndarray | None = None
                     ) -> np.ndarray:
    """``getter(source, index)`` (a view for NumPy, one range read for storage) taken at
    ``positions`` along ``axis``; written into ``out`` when given (see :func:`take_into`).

    >>> take_from_source(np.arange(10), getter=lambda s, index: s[index],
    ...                  index=(slice(2, 8),), positions=np.array([3, 0, 3]), axis=0)
    array([5, 2, 5])
    """
    return take_into(np.asarray(getter(source, index=index)), positions, axis=axis, out=out)


def take_into(block: np.ndarray, positions: np.ndarray, *, axis: int,
              out: np.ndarray | None = None) -> np.ndarray:
    """``block`` taken at ``positions`` along ``axis``, into ``out`` (a view of the result a
    compute returns) when given, with no block made in between; ``out`` is returned.

    >>> out = np.zeros(4, int)
    >>> take_into(np.array([5, 6, 7]), np.array([2, 0]), axis=0, out=out[1:3]), out
    (array([7, 5]), array([0, 7, 5, 0]))
    """
    # The method, not np.take: a thousand small takes spend a third of their time in the wrapper.
    # The positions were checked when the index was given, so NumPy need not check them again
    # ("clip" is the mode that does not).
    if out is None:
        return block.take(positions, axis=axis, mode="clip")
    expected = block.shape[:axis] + positions.shape + block.shape[axis + 1:]
    if out.shape != expected:
        raise ValueError(f"a take makes shape {expected} but its place in the result has "
                         f"shape {out.shape}")
    if block.dtype == out.dtype:
        block.take(positions, axis=axis, mode="clip", out=out)
    else:  # NumPy's take would cast unsafely; a copy casts as any other block's does
        out[...] = block.take(positions, axis=axis, mode="clip")
    return out


def gather_points(block: np.ndarray, locals: tuple[np.ndarray, ...]) -> np.ndarray:
    """The points of ``block`` at the block-local coordinates ``locals`` (one array per axis).

    >>> gather_points(np.arange(6).reshape(2, 3), (np.array([1, 0]), np.array([2, 0])))
    array([5, 0])
    """
    return block[locals]


def points_from_pieces(pieces: list[np.ndarray], positions: np.ndarray, shape: tuple[int, ...]
                       ) -> np.ndarray:
    """The gathered points at ``positions`` of the pieces joined, their axis shaped ``shape``.

    >>> points_from_pieces([np.array([5, 6]), np.array([7, 8])], np.array([3, 0]), (1, 2))
    array([[8, 5]])
    """
    taken = np.take(join(pieces, 0), positions, axis=0)
    return taken.reshape(shape + taken.shape[1:])


def write(block: np.ndarray, value: Any, index: tuple[Any, ...]) -> np.ndarray:
    """A copy of ``block`` with ``value`` written at ``index``.

    Never into ``block`` itself: it may be a view of the caller's array or a persisted block.

    >>> a = np.zeros(3, int)
    >>> write(a, 7, (slice(1, 2),)), a
    (array([0, 7, 0]), array([0, 0, 0]))
    """
    # A 0-d block may arrive as a NumPy scalar (``block[3]`` of a 1-d block), which is immutable.
    out = np.array(block, copy=True, subok=True)
    out[index] = value
    return out


def select_mask(block: np.ndarray, mask: np.ndarray, axis: int) -> np.ndarray:
    """The elements of ``block`` where ``mask`` (over axes ``axis``...) is true.

    >>> select_mask(np.arange(6).reshape(2, 3), np.array([True, False, True]), axis=1)
    array([[0, 2],
           [3, 5]])
    """
    return block[(slice(None),) * axis + (mask,)]
