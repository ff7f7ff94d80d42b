"""Rearranging and extending along axes: flip, roll, repeat, tile (``pad`` is in
:mod:`~chunkarray.ops.padding`).

Built from basic indexing (``flip``, the pieces of ``roll``), blockwise (``repeat``) and joins.
Graph building is O(blocks per axis).
"""

from __future__ import annotations

import hashlib
import operator
from collections import defaultdict
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.grid import MAX_NBYTES, axis_grid, check_addressable, check_block_counts
from chunkarray.core.tokenize import tokenize
from chunkarray.ops.indexing import getitem
from chunkarray.ops.join import concatenate
from chunkarray.ops.shape import (
    _along,
    _as_chunked,
    ravel,
    reshape,
)
from chunkarray.primitives.blockwise import blockwise_node

__all__ = ["flip", "repeat", "roll", "tile"]


# --- reordering ----------------------------------------------------------------------------------


def flip(m: Any, /, axis: Any = None) -> ChunkedArray:
    """Reverse the order of elements along ``axis`` (all axes by default), like ``numpy.flip``.

    >>> import chunkarray as ca
    >>> flip(ca.arange(5, chunks=2)).compute()
    array([4, 3, 2, 1, 0])
    """
    x = _as_chunked(m)
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim)
    if not axes:
        return x
    return getitem(x, tuple(slice(None, None, -1) if i in axes else slice(None)
                            for i in range(x.ndim)))


def roll(a: Any, /, shift: Any, axis: Any = None) -> ChunkedArray:
    """Shift elements along axes, those leaving one end re-entering at the other, like
    ``numpy.roll``; with ``axis=None`` the array is rolled flattened and its shape restored.

    >>> import chunkarray as ca
    >>> roll(ca.arange(5, chunks=2), 2).compute()
    array([3, 4, 0, 1, 2])
    """
    x = _as_chunked(a)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), x.shape)
    axes = normalize_axis_tuple(axis, x.ndim, allow_duplicate=True)
    pairs = np.broadcast(shift, axes if isinstance(axis, (tuple, list)) else axes[0])
    if pairs.ndim > 1:
        raise ValueError(f"roll: shift={shift!r} and axis={axis!r} should be scalars or 1D "
                         f"sequences")
    total: dict[int, int] = defaultdict(int)
    for s, ax in pairs:
        total[int(ax)] += operator.index(s)
    for ax, s in total.items():
        n = x.shape[ax]
        if n == 0 or s % n == 0:
            continue
        cut = n - s % n
        x = concatenate([getitem(x, _along(x.ndim, ax, slice(cut, None))),
                         getitem(x, _along(x.ndim, ax, slice(None, cut)))], axis=ax)
    return x


# --- repeating -----------------------------------------------------------------------------------


def repeat(a: Any, /, repeats: Any, axis: int | None = None) -> ChunkedArray:
    """Repeat each element along ``axis`` (the flattened array by default), like ``numpy.repeat``.

    ``repeats`` is one count for every element, or a 1-D sequence or NumPy array of counts, one per
    element along the axis (a single count broadcasts). The counts are known when the graph is
    built, so the output's chunks are too: output block ``j`` has as many elements along the
    axis as the counts of input block ``j`` add up to.

    >>> import chunkarray as ca
    >>> repeat(ca.arange(3, chunks=2), 2).compute()
    array([0, 0, 1, 1, 2, 2])
    >>> repeat(ca.arange(3, chunks=2), [1, 0, 3]).compute()
    array([0, 2, 2, 2])
    """
    x = _as_chunked(a)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis_index(axis, x.ndim)
    counts = _repeat_counts(repeats, x, axis)
    if counts.ndim == 1 and counts.size and (counts == counts[0]).all():
        counts = counts[0]  # one count for all: the cheaper, fusable path
    what = f"repeat: repeats={repeats!r} along axis {axis} of an array of shape {x.shape}"
    if counts.ndim == 0:
        check_addressable((*x.shape[:axis], x.shape[axis] * int(counts), *x.shape[axis + 1:]),
                          x.dtype.itemsize, what=what)
        return _repeat_each(x, int(counts), axis)
    if counts.size and int(counts.max()) * counts.size * x.size > MAX_NBYTES:
        # Only then can the count overflow: add it up exactly, in Python ints.
        length = sum(int(c) for c in counts)
        check_addressable((*x.shape[:axis], length, *x.shape[axis + 1:]), x.dtype.itemsize,
                          what=what)
    return _repeat_per_element(x, counts, axis)


def _repeat_counts(repeats: Any, x: ChunkedArray, axis: int) -> np.ndarray:
    """``repeats`` as 0-d or 1-D intp counts, checked in NumPy's order and with NumPy's errors."""
    if isinstance(repeats, ChunkedArray):
        # The output's chunk sizes depend on the counts' values, which a lazy array does not have.
        raise TypeError(f"repeat: repeats must be an int or a NumPy array of counts, got a "
                        f"chunked array {repeats!r}; pass repeats.compute() instead")
    counts = np.asarray(repeats)
    if counts.ndim > 1:
        raise ValueError(f"repeat: repeats must be an int or a 1-D sequence of counts, got "
                         f"{counts.ndim} dimensions (shape {counts.shape})")
    if counts.ndim == 1 and counts.size != 1:
        require_known_chunks(x, "repeat with one count per element", [axis])
        if counts.size != x.shape[axis]:
            raise ValueError(f"operands could not be broadcast together with shape "
                             f"({x.shape[axis]},) ({counts.size},)")
    if not _integral_counts(repeats, counts):
        raise TypeError(f"Cannot cast array data from {counts.dtype!r} to "
                        f"{np.dtype(np.intp)!r} according to the rule 'safe'")
    counts = counts.astype(np.intp)
    if (counts < 0).any():
        raise ValueError(f"repeats may not contain negative values, got repeats={repeats!r}")
    return counts.reshape(()) if counts.size == 1 else counts


def _integral_counts(repeats: Any, counts: np.ndarray) -> bool:
    """Whether ``counts`` may be used as intp counts.

    A NumPy array must cast safely, as in NumPy. NumPy truncates Python floats (``1.5`` counts
    as 1); here a Python int, float or list is accepted only when its values are whole numbers,
    so ``[1.0, 2.0]`` and ``[]`` work as in NumPy but ``1.5`` is refused rather than truncated.
    """
    if np.can_cast(counts.dtype, np.intp, casting="safe"):
        return True
    if isinstance(repeats, np.ndarray):
        return False
    if counts.dtype.kind in "iu":  # e.g. np.uint64(2): NumPy takes integer scalars by value
        return True
    return counts.dtype.kind == "f" and bool(np.all(np.isfinite(counts) & (counts % 1 == 0)))


def _repeat_each(x: ChunkedArray, r: int, axis: int) -> ChunkedArray:
    """Every element ``r`` times: each block's length along the axis is multiplied by ``r``."""
    if r == 0:
        return getitem(x, _along(x.ndim, axis, slice(0, 0)))
    if r == 1:
        return x
    ind = tuple(range(x.ndim))
    return ChunkedArray(blockwise_node(
        partial(np.repeat, repeats=r, axis=axis), ind, x._node, ind, dtype=x.dtype,
        adjust_chunks={axis: partial(operator.mul, r)}, name="repeat-" + tokenize(x.name, r, axis),
    ))


def _repeat_per_element(x: ChunkedArray, counts: np.ndarray, axis: int) -> ChunkedArray:
    """One count per element: block ``j`` repeats its elements by its own slice of ``counts``."""
    grid = axis_grid(x.chunks[axis])
    per_block = tuple(counts[grid.slice(b)] for b in range(grid.nblocks))
    ind = tuple(range(x.ndim))
    # Hash the counts themselves (tokenize names large arrays by address): the same repeat built
    # twice is the same node.
    digest = hashlib.blake2b(counts.tobytes(), digest_size=12).hexdigest()
    node = blockwise_node(
        partial(np.repeat, axis=axis), ind, x._node, ind, dtype=x.dtype,
        adjust_chunks={axis: tuple(int(c.sum()) for c in per_block)},
        name="repeat-" + tokenize(x.name, digest, axis),
        block_kwargs=lambda index: {"repeats": per_block[index[axis]]},
    )
    return ChunkedArray(node)


def tile(A: Any, /, reps: Any) -> ChunkedArray:  # noqa: N803 - NumPy's name
    """The array repeated ``reps`` times along each axis, like ``numpy.tile``.

    >>> import chunkarray as ca
    >>> tile(ca.arange(3, chunks=2), (2, 2)).compute()
    array([[0, 1, 2, 0, 1, 2],
           [0, 1, 2, 0, 1, 2]])
    """
    x = _as_chunked(A)
    try:
        counts = tuple(operator.index(r) for r in reps)
    except TypeError:
        counts = (operator.index(reps),)
    if any(r < 0 for r in counts):
        raise ValueError(f"negative dimensions are not allowed: reps={reps!r}")
    counts = (1,) * (x.ndim - len(counts)) + counts
    if len(counts) > x.ndim:
        x = getitem(x, (None,) * (len(counts) - x.ndim))
    # Refuse what no machine holds before making a list of ``r`` copies per axis.
    what = f"tile: reps={reps!r} of an array of shape {x.shape}"
    check_addressable([n * r for n, r in zip(x.shape, counts)], x.dtype.itemsize, what=what)
    check_block_counts([b * r if r > 1 else b for b, r in zip(x.numblocks, counts)], what=what)
    for axis, r in enumerate(counts):
        if r == 0:
            x = getitem(x, _along(x.ndim, axis, slice(0, 0)))
        elif r > 1:
            x = concatenate([x] * r, axis=axis)
    return x
