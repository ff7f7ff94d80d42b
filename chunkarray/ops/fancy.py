"""``x[index]`` for NumPy's advanced indexing beyond one index array: several integer (or
boolean) arrays broadcast together (``x[[0, 1], [2, 3]]``, ``x[np.ix_(i, j)]``), index arrays of
any dimension, and a chunked integer array as the index (``x[ci]``).

The points are gathered by :mod:`chunkarray.ops.vindex` (grouped by block, one task per touched
block, then put in order); the result's axes are then placed by NumPy's rule: the broadcast axes
of the advanced indices replace them where they stand when they are next to each other in the
index, and go first when a slice, ``...`` or ``None`` separates them. Everything else goes to
:func:`chunkarray.ops.indexing.getitem`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core import config
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels.choosing import take_block
from chunkarray.ops.indexing import _expand, _insert_axes, getitem
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.routines import transpose
from chunkarray.ops.vindex import vindex
from chunkarray.primitives.blockwise import blockwise_node

__all__ = ["fancy_getitem"]


def _is_array(item: Any) -> bool:
    return isinstance(item, (list, np.ndarray)) and np.ndim(item) > 0 or (
        isinstance(item, np.ndarray) and item.dtype == bool)


def _is_int(item: Any) -> bool:
    return (isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_))) or (
        isinstance(item, np.ndarray) and item.ndim == 0 and item.dtype.kind in "iu")


def _chunked_int(item: Any) -> bool:
    return isinstance(item, ChunkedArray) and item.dtype.kind in "iu"


def fancy_getitem(x: ChunkedArray, index: Any) -> ChunkedArray:
    """``x[index]`` with NumPy's advanced-indexing semantics.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.arange(20).reshape(4, 5), chunks=2)
    >>> x[[0, 3], [1, 4]].compute()
    array([ 1, 19])
    >>> x[np.ix_([0, 3], [1, 4])].compute()
    array([[ 1,  4],
           [16, 19]])
    >>> x[ca.asarray([3, 0]), 1:3].compute()
    array([[16, 17],
           [ 1,  2]])
    """
    items = list(index) if isinstance(index, tuple) else [index]
    chunked = [i for i, item in enumerate(items) if _chunked_int(item)]
    if chunked:
        return _chunked_take(x, items, chunked)
    arrays = [item for item in items if _is_array(item)]
    masks = sum(np.asarray(a).dtype == bool for a in arrays)
    if masks == len(arrays) <= 1:  # one NumPy boolean mask, of any dimension: basic + mask
        return getitem(x, index)
    if len(arrays) > 1 or any(np.ndim(a) != 1 for a in arrays):
        return _pointwise(x, items)
    return getitem(x, index)


def _bool_to_ints(items: list[Any]) -> list[Any]:
    """Boolean arrays as the integer arrays of their true positions (one per axis they span)."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, (list, np.ndarray)) and np.asarray(item).dtype == bool \
                and np.ndim(item) > 0:
            out.extend(np.nonzero(np.asarray(item)))
        else:
            out.append(item)
    return out


def _pointwise(x: ChunkedArray, index_items: list[Any]) -> ChunkedArray:
    items = _expand(tuple(_bool_to_ints(index_items)), x.ndim)
    advanced = [p for p, item in enumerate(items) if _is_array(item) or _is_int(item)]
    for p in advanced:
        a = np.asarray(items[p])
        if a.size == 0 and a.dtype.kind not in "iu":
            items[p] = a.astype(np.intp)
        elif a.dtype.kind not in "iu":
            raise IndexError(f"arrays used as indices must be of integer (or boolean) type, got "
                             f"{a.dtype}")
    require_known_chunks(x, "indexing with several index arrays")
    # Slices first (pushed down to the reads); advanced axes are kept whole for the gather.
    axis_of, axis = {}, 0
    for p, item in enumerate(items):
        if item is not None:
            axis_of[p] = axis
            axis += 1
    basic = tuple(slice(None) if p in advanced else item for p, item in enumerate(items)
                  if item is not None)
    y = getitem(x, basic)
    try:
        shape = np.broadcast_shapes(*(np.shape(items[p]) for p in advanced))
    except ValueError:
        raise IndexError(
            "shape mismatch: indexing arrays could not be broadcast together with shapes "
            + " ".join(str(np.shape(items[p])) for p in advanced)) from None
    points = tuple(np.asarray(items[p]) if p in advanced else slice(None)
                   for p in range(len(items)) if items[p] is not None)
    r = vindex(y, points)  # axes: the broadcast index shape, then the sliced axes in order
    nb = len(shape)
    adjacent = advanced == list(range(advanced[0], advanced[-1] + 1))
    # The result's axes in order: "B" for the broadcast group, an int for a sliced axis of r,
    # None for a new axis.
    layout: list[Any] = ["B"] if not adjacent else []
    sliced = nb
    for p, item in enumerate(items):
        if p in advanced:
            if adjacent and p == advanced[0]:
                layout.append("B")
        elif item is None:
            layout.append(None)
        else:
            layout.append(sliced)
            sliced += 1
    order: list[int] = []
    for a in layout:
        if a == "B":
            order.extend(range(nb))
        elif a is not None:
            order.append(a)
    if order != sorted(order):
        r = transpose(r, order)
    nones, pos = [], 0
    for a in layout:
        if a is None:
            nones.append(pos)
            pos += 1
        else:
            pos += nb if a == "B" else 1
    return _insert_axes(r, nones)


def _chunked_take(x: ChunkedArray, items: list[Any], chunked: list[int]) -> ChunkedArray:
    """``x[..., ci, ...]`` for one chunked integer array ``ci``, the other items slices or
    ``...``: each block of ``ci`` takes its elements from the whole indexed axis of ``x``."""
    if len(chunked) > 1 or any(
            not (isinstance(item, slice) or item is Ellipsis) for p, item in enumerate(items)
            if p not in chunked):
        raise IndexError(
            "a chunked integer index can only be combined with slices and '...'; compute it "
            "(np.asarray(index)) to combine it with other indices")
    position = chunked[0]
    idx: ChunkedArray = items[position]
    stand_in = [slice(None) if p == position else item for p, item in enumerate(items)]
    entries = _expand(tuple(stand_in), x.ndim)
    # The axis the chunked index stands on: after ``...`` expands, the one at its place.
    if any(item is Ellipsis for item in items[:position]):
        axis = x.ndim - sum(1 for item in items[position:] if item is not Ellipsis)
    else:
        axis = position
    entries[axis] = slice(None)
    y = getitem(x, tuple(entries))
    require_known_chunks(y, "indexing with a chunked integer array")
    n = y.shape[axis]
    row = y.dtype.itemsize * n
    for a, c in enumerate(y.chunks):
        if a != axis:
            row *= max(c, default=0)
    if row > config.memory_limit_bytes():
        raise ValueError(
            f"indexing with a chunked integer array holds the whole indexed axis ({n} elements) "
            f"of a block in one task, {row} bytes, over the memory limit; use smaller blocks on "
            f"the other axes or compute the index first")
    y = rechunk(y, {axis: -1})
    ind_x = tuple(range(y.ndim))
    idx_ind = tuple(("i", k) for k in range(idx.ndim))
    out_ind = ind_x[:axis] + idx_ind + ind_x[axis + 1:]
    node = blockwise_node(
        partial(take_block, axis=axis, n=n), out_ind, y._node, ind_x, idx._node, idx_ind,
        dtype=y.dtype, concatenate=True, name="take-chunked-" + tokenize(y.name, idx.name, axis))
    return ChunkedArray(node)


