"""``insert`` and ``delete`` along an axis, as NumPy does them.

The positions are worked out by NumPy itself on the indices of the axis (a small 1-D array),
so every form of ``obj`` (ints, negative ints, slices, boolean masks, duplicates) and every
error is NumPy's; the data is then joined and taken lazily, one node per step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import astype
from chunkarray.ops.indexing import getitem
from chunkarray.ops.join import concatenate
from chunkarray.ops.shape import _as_chunked, broadcast_to, moveaxis, ravel, reshape

__all__ = ["delete", "insert"]


def _along(x: ChunkedArray, axis: int, entry: Any) -> ChunkedArray:
    return getitem(x, (slice(None),) * axis + (entry,))


def _flat_axis(arr: Any, axis: Any) -> tuple[ChunkedArray, int]:
    x = _as_chunked(arr)
    if axis is None:
        return (x if x.ndim == 1 else ravel(x)), 0
    if x.ndim == 0:
        raise np.exceptions.AxisError(axis, 0)
    return x, normalize_axis_index(axis, x.ndim)


@implements(np.delete)
def delete(arr: Any, obj: Any, /, axis: int | None = None) -> ChunkedArray:
    """``arr`` without the entries ``obj`` along ``axis`` (flattened when None), like
    ``numpy.delete``.

    >>> import chunkarray as ca
    >>> delete(ca.arange(6, chunks=4), [0, -1]).compute()
    array([1, 2, 3, 4])
    """
    x, axis, n = _edited_axis(arr, obj, axis, "delete")
    kept = np.delete(np.arange(n), obj)
    if len(kept) == n:
        return x
    return _along(x, axis, kept)


def _edited_axis(arr: Any, obj: Any, axis: int | None, label: str
                 ) -> tuple[ChunkedArray, int, int]:
    """The array (flattened when ``axis`` is None), the axis and its length; ``obj`` checked."""
    x, axis = _flat_axis(arr, axis)
    require_known_chunks(x, label)
    if isinstance(obj, ChunkedArray):
        raise TypeError(f"{label}: obj must be a NumPy array, list, slice or int; compute a "
                        "chunked index first")
    return x, axis, x.shape[axis]


def _values(values: Any, dtype: np.dtype, ndmin: int) -> ChunkedArray:
    if isinstance(values, ChunkedArray):
        v = astype(values, dtype)
        return reshape(v, (1,) * (ndmin - v.ndim) + v.shape) if v.ndim < ndmin else v
    return _as_chunked(np.array(values, dtype=dtype, ndmin=ndmin))


@implements(np.insert)
def insert(arr: Any, obj: Any, values: Any, /, axis: int | None = None) -> ChunkedArray:
    """``values`` inserted before the entries ``obj`` along ``axis`` (flattened when None),
    like ``numpy.insert``.

    >>> import chunkarray as ca
    >>> insert(ca.arange(4, chunks=3), [1, 3], [-1, -3]).compute()
    array([ 0, -1,  1,  2, -3,  3])
    >>> insert(ca.ones((2, 2), dtype=int, chunks=1), 1, 5, axis=1).compute()
    array([[1, 5, 1],
           [1, 5, 1]])
    """
    x, axis, n = _edited_axis(arr, obj, axis, "insert")
    indices = np.arange(*obj.indices(n)) if isinstance(obj, slice) else np.asarray(obj)
    if indices.dtype == bool:
        indices = np.flatnonzero(indices)  # as NumPy: a mask stands for its true positions
    if indices.ndim > 1:
        raise ValueError("insert: index array argument obj to insert must be one dimensional "
                         "or scalar")
    if indices.size == 1:
        if indices.dtype.kind not in "iu":
            raise IndexError(f"insert: index {obj!r} must be an integer")
        index = int(indices.item())
        if not -n <= index <= n:
            raise IndexError(f"index {obj} is out of bounds for axis {axis} with size {n}")
        if index < 0:
            index += n
        v = _values(values, x.dtype, x.ndim)
        if indices.ndim == 0:
            v = moveaxis(v, 0, axis)  # NumPy inserts a scalar position's values along ``axis``
        shape = list(x.shape)
        shape[axis] = v.shape[axis]
        v = broadcast_to(v, tuple(shape))
        return concatenate([_along(x, axis, slice(None, index)), v,
                            _along(x, axis, slice(index, None))], axis)
    # NumPy's own positions: the new entries carry the numbers n, n + 1, ... in obj's order.
    numnew = np.insert(np.arange(n), obj, -1).size - n
    order = np.insert(np.arange(n), obj, np.arange(n, n + numnew))
    shape = list(x.shape)
    shape[axis] = numnew
    v = broadcast_to(_values(values, x.dtype, 0), tuple(shape))
    return _along(concatenate([x, v], axis), axis, order)
