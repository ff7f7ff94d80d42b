"""The ``ChunkedArray`` methods that copy, convert or refill: ``copy``, ``item``, ``tolist``,
``view``, ``fill``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.array_methods import provide
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels.choosing import view_block
from chunkarray.ops.creation import check_order, full
from chunkarray.ops.dispatch import implements
from chunkarray.ops.indexing import getitem
from chunkarray.ops.shape import ravel
from chunkarray.primitives.blockwise import blockwise_node

__all__ = ["copy", "fill", "item", "tolist", "view"]


@provide("copy")
def copy(x: ChunkedArray, /, order: str = "C") -> ChunkedArray:
    """A new array object with the same values; later assignments to either leave the other.

    >>> import chunkarray as ca
    >>> x = ca.zeros(3, chunks=2)
    >>> y = x.copy()
    >>> y[0] = 5
    >>> x.compute(), y.compute()
    (array([0., 0., 0.]), array([5., 0., 0.]))
    """
    check_order("copy", order, "KAC")
    return ChunkedArray(x._node)


@implements(np.copy)
def _np_copy(a: ChunkedArray, /, order: str = "K", subok: bool = False) -> ChunkedArray:
    return copy(a, order)


@provide("item")
def item(x: ChunkedArray, /, *args: Any) -> Any:
    """One element as a Python scalar: ``x.item()`` of a one-element array, ``x.item(flat)`` or
    ``x.item(i, j)``; only that element is computed.

    >>> import chunkarray as ca
    >>> ca.arange(6, chunks=4).reshape(2, 3).item(1, 2)
    5
    """
    if len(args) == 1 and isinstance(args[0], tuple):
        args = args[0]
    if not args:
        if x.size != 1:
            raise ValueError(f"item: can only convert an array of size 1 to a Python scalar, got "
                             f"size {x.size}")
        return np.asarray(x).item()
    if len(args) == 1:
        n = x.size
        i = int(args[0])
        if not -n <= i < n:
            raise IndexError(f"item: index {i} is out of bounds for size {n}")
        return np.asarray(getitem(ravel(x), i % n)).item()
    if len(args) != x.ndim:
        raise ValueError(f"item: incorrect number of indices for array: got {len(args)} for a "
                         f"{x.ndim}-d array")
    return np.asarray(getitem(x, tuple(int(a) for a in args))).item()


@provide("tolist")
def tolist(x: ChunkedArray, /) -> Any:
    """The computed values as nested Python lists (a scalar for a 0-d array).

    >>> import chunkarray as ca
    >>> ca.arange(3, chunks=2).tolist()
    [0, 1, 2]
    """
    return np.asarray(x).tolist()


@provide("view")
def view(x: ChunkedArray, /, dtype: Any = None, type: Any = None) -> ChunkedArray:  # noqa: A002
    """The same bytes read as ``dtype`` (of the same item size), like ``ndarray.view``.

    A dtype of another item size would change the last axis's length block by block; it is
    refused rather than guessed.

    >>> import chunkarray as ca, numpy as np
    >>> ca.asarray(np.array([1.0], dtype=np.float32)).view(np.int32).compute()
    array([1065353216], dtype=int32)
    """
    if type is not None or (dtype is not None and isinstance(dtype, builtin_type)
                            and issubclass(dtype, np.ndarray)):
        raise TypeError("view: type= (an ndarray subclass) is not supported on chunked arrays")
    if dtype is None:
        return ChunkedArray(x._node)
    dtype = np.dtype(dtype)
    if dtype.itemsize != x.dtype.itemsize:
        raise ValueError(f"view: dtype={dtype} has item size {dtype.itemsize}, the array's "
                         f"{x.dtype} has {x.dtype.itemsize}; only views with the same item size "
                         f"are supported on chunked arrays")
    if dtype == x.dtype:
        return ChunkedArray(x._node)
    if dtype == np.dtype(bool):
        # Bytes other than 0 and 1 are not valid booleans: NumPy keeps them as they are, while
        # copies of blocks (joins, fused outputs) turn them into 1. Refuse rather than differ.
        raise ValueError(f"view: dtype=bool from {x.dtype} is not supported on chunked arrays; "
                         f"use x != 0 for the truth of each element")
    ind = tuple(range(x.ndim))
    return ChunkedArray(blockwise_node(partial(view_block, dtype=dtype), ind, x._node, ind,
                                       dtype=dtype, name="view-" + tokenize(x.name, dtype)))


builtin_type = type


@provide("fill")
def fill(x: ChunkedArray, /, value: Any) -> None:
    """Set every element to the scalar ``value``, in place (as ``x[...] = value``).

    >>> import chunkarray as ca
    >>> x = ca.zeros(3, dtype=int, chunks=2)
    >>> x.fill(7)
    >>> x.compute()
    array([7, 7, 7])
    """
    if np.ndim(value) != 0:
        raise ValueError(f"fill: value must be a scalar, got shape {np.shape(value)}")
    x._node = full(x.shape, value, x.dtype, chunks=x.chunks)._node
