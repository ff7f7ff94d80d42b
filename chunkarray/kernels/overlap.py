"""Kernels of neighbourhood operations: assemble a block enlarged by slices of its neighbours.

A *place* says where one piece of an enlarged block comes from and where it goes:
``(argument position, index into that block, destination slices)``, or ``(-1, fill value,
destination slices)`` for a constant boundary. Pieces may be reversed (a reflecting boundary) or
of length one along an axis and broadcast over the destination (a ``nearest`` boundary).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["assemble", "overlap_apply"]

Place = tuple[int, Any, tuple[slice, ...]]


def assemble(blocks: Sequence[Any], shape: tuple[int, ...], dtype: np.dtype,
             places: Sequence[Place]) -> np.ndarray:
    """The enlarged block of ``shape``, made of pieces of ``blocks`` and fill values.

    >>> a, b = np.arange(3), np.arange(3, 6)
    >>> places = [(0, (slice(1, 3),), (slice(0, 2),)), (1, (slice(0, 1),), (slice(2, 3),)),
    ...           (-1, 9, (slice(3, 4),))]
    >>> assemble([a, b], (4,), np.dtype(int), places)
    array([1, 2, 3, 9])
    """
    if len(places) == 1 and places[0][0] >= 0:
        pos, index, _ = places[0]
        piece = blocks[pos][index]
        if piece.shape == shape:  # the block itself (no halo): a view, no copy
            return piece
    out = np.empty(shape, dtype=dtype)
    for pos, index, dest in places:
        # Assignment broadcasts a length-one piece (``nearest``) and casts a fill value.
        out[dest] = index if pos < 0 else blocks[pos][index]
    return out


def overlap_apply(*blocks: Any, parts: Sequence[tuple[tuple[int, ...], np.dtype, list[Place]]],
                  func: Callable[..., Any] | None = None, trim: tuple[slice, ...] | None = None,
                  expected: tuple[int | None, ...] | None = None, **kwargs: Any) -> Any:
    """Assemble each enlarged input block, apply ``func`` to them, and trim its result.

    With no ``func`` the (single) enlarged block is the result. With ``expected``, the trimmed
    result must have that shape (None: any length): a block of another shape would be used as
    if it were right.

    >>> parts = [((3,), np.dtype(int), [(0, (slice(0, 3),), (slice(0, 3),))])]
    >>> overlap_apply(np.arange(3), parts=parts, func=np.cumsum, trim=(slice(1, 2),),
    ...               expected=(1,))
    array([1])
    """
    enlarged = [assemble(blocks, shape, dtype, places) for shape, dtype, places in parts]
    if func is None:
        return enlarged[0]
    out = func(*enlarged, **kwargs)
    if trim is not None:
        if np.ndim(out) != len(trim):
            raise ValueError(f"map_overlap: the function returned a block of shape "
                             f"{np.shape(out)}; trimming needs {len(trim)} axes (give "
                             f"drop_axis=/new_axis=, or trim=False)")
        out = out[trim]
    if expected is not None:
        shape = np.shape(out)
        if len(shape) != len(expected) or any(e is not None and s != e
                                              for s, e in zip(shape, expected)):
            raise ValueError(f"map_overlap: the function's block, trimmed, has shape {shape} "
                             f"where the output's chunks say {expected}; give map_overlap the "
                             f"chunks= (before trimming) and drop_axis=/new_axis= of the "
                             f"blocks it returns")
    return out
