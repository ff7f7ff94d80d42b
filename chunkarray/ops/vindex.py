"""``x.vindex[i, j]``: pointwise indexing with several integer arrays, as dask's ``vindex``.

The index arrays are broadcast together to the *points*; the result has the broadcast shape of the
index followed by the axes the index leaves (sliced or untouched), whatever the positions of the
arrays. Like `indexing._take`, the points are grouped by the block they fall in,
each touched block gives up its points in one task, and a second stage puts them in order, so the
number of tasks grows with the blocks touched, not with the number of points.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.ops.indexing import getitem
from chunkarray.ops.routines import transpose
from chunkarray.primitives.points import gather_points, order_points

__all__ = ["VIndexer", "vindex"]


class VIndexer:
    """``x.vindex``: index it with ``[...]`` for pointwise indexing."""

    __slots__ = ("array",)

    def __init__(self, array: ChunkedArray) -> None:
        self.array = array

    def __getitem__(self, index: Any) -> ChunkedArray:
        return vindex(self.array, index)


def vindex(x: ChunkedArray, index: Any) -> ChunkedArray:
    """The points ``x[idx0[k], idx1[k], ...]`` for every ``k`` of the broadcast index arrays.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.arange(20).reshape(4, 5), chunks=2)
    >>> vindex(x, ([0, 3, 1], [4, 0, 1])).compute()
    array([ 4, 15,  6])
    >>> vindex(x, (slice(None), [[0, 4]])).shape  # the points' shape comes first
    (1, 2, 4)
    """
    entries = _expand(index, x.ndim)
    points = {a: e for a, e in enumerate(entries) if not isinstance(e, slice)}
    if not points:
        raise IndexError(f"vindex needs at least one integer array, got {index!r}; use x[...]")
    require_known_chunks(x, "vindex")
    x = getitem(x, tuple(slice(None) if a in points else e for a, e in enumerate(entries)))
    try:
        arrays = np.broadcast_arrays(*points.values())
    except ValueError:
        raise IndexError(
            f"vindex: shape mismatch: index arrays could not be broadcast together with shapes "
            f"{' '.join(str(np.shape(p)) for p in points.values())}"
        ) from None
    shape = arrays[0].shape if arrays else ()
    flat = [_in_bounds(p.ravel(), x.shape[a], a) for a, p in zip(points, arrays)]
    axes = list(points)
    rest = [a for a in range(x.ndim) if a not in points]
    x = transpose(x, axes + rest)
    gathered = gather_points(x._node, flat)
    # Output blocks of about as many points as an input block has positions on the indexed axes,
    # so they hold about as many bytes as the input blocks.
    target = math.prod(max(max(c), 1) for c in x.chunks[:len(axes)])
    return ChunkedArray(order_points(gathered, shape, target))


def _expand(index: Any, ndim: int) -> list[Any]:
    """One entry per axis: a slice or an integer NumPy array."""
    items = list(index) if isinstance(index, tuple) else [index]
    if sum(1 for i in items if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    ellipsis = [p for p, i in enumerate(items) if i is Ellipsis]  # identity: arrays don't ==
    if ellipsis:
        at = ellipsis[0]
        items[at:at + 1] = [slice(None)] * (ndim - len(items) + 1)
    if len(items) > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but "
                         f"{len(items)} were indexed")
    items += [slice(None)] * (ndim - len(items))
    entries: list[Any] = []
    for axis, item in enumerate(items):
        if isinstance(item, slice):
            entries.append(item)
            continue
        if item is None or isinstance(item, ChunkedArray):
            raise IndexError(f"vindex takes integer arrays and slices, got {item!r} for axis "
                             f"{axis}")
        idx = np.asarray(item)
        if idx.size == 0 and idx.dtype.kind not in "iu":
            idx = idx.astype(np.intp)
        if idx.dtype.kind not in "iu":
            raise IndexError(f"vindex index arrays must be integers, got dtype {idx.dtype} for "
                             f"axis {axis}")
        entries.append(idx)
    return entries


def _in_bounds(idx: np.ndarray, n: int, axis: int) -> np.ndarray:
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"index {int(idx[bad][0])} is out of bounds for axis {axis} with size {n}")
    return np.where(idx < 0, idx + n, idx).astype(np.intp)
