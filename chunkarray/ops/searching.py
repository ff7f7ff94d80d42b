"""Searching: ``searchsorted``, ``digitize``, ``nonzero``, ``argwhere``, ``flatnonzero``,
one-argument ``where``, ``compress`` and ``extract``.

Positions of true elements are found block by block and offset by where each block starts, so
their count (and the result's length) is known only when computed: those results have unknown
(NaN) block sizes along their first axis, which ``compute_chunk_sizes()`` learns. ``searchsorted``
of a chunked sorted array sums, over its blocks, how many of each block's elements lie before
each value: no block of the sorted array is ever joined with another.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.array_methods import provide
from chunkarray.core.chunks import block_offsets
from chunkarray.kernels import searching as kk
from chunkarray.ops.creation import asarray
from chunkarray.ops.dispatch import implements
from chunkarray.ops.indexing import getitem
from chunkarray.ops.masking import mask_getitem
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.reductions import sum as sum_
from chunkarray.ops.shape import ravel
from chunkarray.ops.summary import UNKNOWN, unknown_size
from chunkarray.primitives.blockwise import blockwise_node

__all__ = [
    "argwhere", "compress", "digitize", "extract", "flatnonzero", "nonzero", "searchsorted",
    "where_true",
]

_SIDES = ("left", "right")


@implements(np.searchsorted)
def searchsorted(a: Any, v: Any, /, side: str = "left", sorter: Any = None) -> ChunkedArray:
    """Where ``v`` would be inserted into the sorted 1-d ``a`` to keep it sorted.

    Like ``numpy.searchsorted``; ``a`` may be chunked (its blocks need not be joined: the
    positions are sums over its blocks) or a NumPy array, ``v`` chunked or not. ``sorter`` is a
    NumPy array of indices that sort ``a``.

    >>> import numpy as np, chunkarray as ca
    >>> a = ca.from_array(np.array([1, 2, 2, 3, 5, 8]), chunks=2)
    >>> ca.searchsorted(a, np.array([2, 4, 9]), side="right").compute()
    array([3, 4, 6])
    """
    if side not in _SIDES:
        raise ValueError(f"side={side!r}: must be 'left' or 'right'")
    if isinstance(sorter, ChunkedArray):
        raise TypeError("searchsorted: sorter must be a NumPy array of indices; compute it first")
    if not isinstance(a, ChunkedArray):
        return _search_numpy(np.asarray(a), asarray(v), side, sorter)
    if a.ndim != 1:
        raise ValueError(f"searchsorted: a must be 1-d, got shape {a.shape}")
    if sorter is not None:
        order = np.asarray(sorter)
        if order.ndim != 1 or order.dtype.kind not in "iu":
            raise TypeError(f"searchsorted: sorter must be a 1-d array of integers, got "
                            f"{order.dtype} of shape {order.shape}")
        require_known_chunks(a, "searchsorted with sorter")
        if order.size != a.shape[0]:
            raise ValueError(f"searchsorted: sorter.size={order.size} must equal a.size="
                             f"{a.shape[0]}")
        a = getitem(a, order)
    values = asarray(v)
    ind = tuple(range(values.ndim))
    counts = blockwise_node(
        partial(kk.count_below, side=side), ("a", *ind), a._node, ("a",), values._node, ind,
        dtype=np.intp, adjust_chunks={"a": 1}, token="searchsorted-count",
    )
    return sum_(ChunkedArray(counts), axis=0)


def _search_numpy(a: np.ndarray, v: ChunkedArray, side: str, sorter: Any) -> ChunkedArray:
    if a.ndim != 1:
        raise ValueError(f"searchsorted: a must be 1-d, got shape {a.shape}")
    # NumPy checks sorter (length, bounds) on the call: make it on an empty stand-in now.
    np.searchsorted(a, np.empty(0, dtype=v.dtype), side=side, sorter=sorter)  # type: ignore
    ind = tuple(range(v.ndim))
    func = partial(kk.searchsorted_block, a=a, side=side, sorter=sorter)
    return ChunkedArray(blockwise_node(func, ind, v._node, ind, dtype=np.intp,
                                       token="searchsorted"))


@implements(np.digitize)
def digitize(x: Any, bins: Any, /, right: bool = False) -> ChunkedArray:
    """The index of the bin of each element, like ``numpy.digitize``.

    ``bins`` is a 1-d monotonic NumPy array (checked now).

    >>> import numpy as np, chunkarray as ca
    >>> ca.digitize(ca.from_array(np.array([0.5, 1.0, 2.5]), chunks=2), [0, 1, 2]).compute()
    array([1, 2, 3])
    """
    if isinstance(bins, ChunkedArray):
        raise TypeError("digitize: bins must be a NumPy array (its monotony is checked on the "
                        "call); compute it first")
    values = asarray(x)
    edges = np.asarray(bins)
    if not isinstance(right, (bool, np.bool_)):
        raise TypeError(f"digitize: right={right!r}: must be True or False")
    # NumPy's own checks (monotonic 1-d bins, no complex values), on an empty stand-in.
    np.digitize(np.empty(0, dtype=values.dtype), edges, right=bool(right))
    ind = tuple(range(values.ndim))
    func = partial(kk.digitize_block, bins=edges, right=bool(right))
    return ChunkedArray(blockwise_node(func, ind, values._node, ind, dtype=np.intp,
                                       token="digitize"))


# --- positions of true elements -------------------------------------------------------------------


def _argwhere(x: ChunkedArray) -> ChunkedArray:
    if x.ndim == 0:
        return ChunkedArray(blockwise_node(
            kk.argwhere_block, ("n", "d"), x._node, (), dtype=np.intp,
            new_axes={"n": UNKNOWN, "d": 0}, token="argwhere",
        ))
    require_known_chunks(x, "argwhere")
    # Blocks are joined in block order: for that to be C order, the axes after the first must
    # each be one block.
    x = rechunk(x, {a: -1 for a in range(1, x.ndim)})
    offsets = block_offsets(x.chunks)[0]
    ind = tuple(range(x.ndim))

    def offset(index: tuple[int, ...]) -> dict[str, Any]:
        return {"offset": offsets[index[0]]}

    return ChunkedArray(blockwise_node(
        kk.argwhere_block, (0, "d"), x._node, ind, dtype=np.intp, new_axes={"d": x.ndim},
        adjust_chunks={0: unknown_size}, concatenate=True, block_kwargs=offset,
        token="argwhere",
    ))


@implements(np.argwhere)
def argwhere(a: Any, /) -> ChunkedArray:
    """Indices of the non-zero elements, one row each, like ``numpy.argwhere``.

    >>> import numpy as np, chunkarray as ca
    >>> ca.argwhere(ca.from_array(np.array([[0, 3], [4, 0]]), chunks=1)).compute()
    array([[0, 1],
           [1, 0]])
    """
    return _argwhere(asarray(a))


def _columns(positions: ChunkedArray, ndim: int) -> tuple[ChunkedArray, ...]:
    return tuple(
        ChunkedArray(blockwise_node(partial(kk.column, i=i), (0,), positions._node, (0, "d"),
                                    dtype=np.intp, concatenate=True, token="nonzero"))
        for i in range(ndim)
    )


@implements(np.nonzero)
def nonzero(a: Any, /) -> tuple[ChunkedArray, ...]:
    """Indices of the non-zero elements, one array per axis, like ``numpy.nonzero``.

    >>> import numpy as np, chunkarray as ca
    >>> rows, cols = ca.nonzero(ca.from_array(np.array([[0, 3], [4, 0]]), chunks=1))
    >>> rows.compute(), cols.compute()
    (array([0, 1]), array([1, 0]))
    """
    x = asarray(a)
    if x.ndim == 0:
        raise ValueError("nonzero of a 0-d array is not allowed (as in NumPy); use "
                         "atleast_1d(x) first")
    return _columns(_argwhere(x), x.ndim)


@implements(np.flatnonzero)
def flatnonzero(a: Any, /) -> ChunkedArray:
    """Indices of the non-zero elements of the flattened array, like ``numpy.flatnonzero``.

    >>> import numpy as np, chunkarray as ca
    >>> ca.flatnonzero(ca.from_array(np.array([[0, 3], [4, 0]]), chunks=1)).compute()
    array([1, 2])
    """
    flat = ravel(asarray(a))
    return _columns(_argwhere(flat), 1)[0]


def where_true(condition: Any, /) -> tuple[ChunkedArray, ...]:
    """``where(condition)`` with one argument: ``nonzero(condition)``.

    >>> import numpy as np, chunkarray as ca
    >>> ca.where(ca.from_array(np.array([0, 2, 0, 1]), chunks=2))[0].compute()
    array([1, 3])
    """
    return nonzero(condition)


# --- selecting by a condition ---------------------------------------------------------------------


def _as_mask(condition: ChunkedArray) -> ChunkedArray:
    if condition.dtype == bool:
        return condition
    ind = tuple(range(condition.ndim))
    return ChunkedArray(blockwise_node(kk.nonzero_mask, ind, condition._node, ind, dtype=bool,
                                       token="nonzero-mask"))


def _select(x: ChunkedArray, condition: Any, axis: int, name: str) -> ChunkedArray:
    """Elements of ``x`` along ``axis`` where the 1-d ``condition`` is non-zero."""
    n = x.shape[axis]
    before = (slice(None),) * axis
    if isinstance(condition, ChunkedArray):
        if condition.ndim != 1:
            raise ValueError(f"{name}: condition must be a 1-d array, got shape "
                             f"{condition.shape}")
        require_known_chunks(condition, name)
        m = condition.shape[0]
        if m > n:
            raise ValueError(f"{name}: a chunked condition of length {m} is longer than axis "
                             f"{axis} of length {n}; slice it to the axis first")
        if m < n:  # elements past the condition's end are not selected
            x = getitem(x, (*before, slice(0, m)))
        return mask_getitem(x, (*before, _as_mask(condition)))
    cond = np.asarray(condition)
    if cond.ndim != 1:
        raise ValueError(f"{name}: condition must be a 1-d array, got shape {cond.shape}")
    positions = np.flatnonzero(cond)
    if positions.size and positions[-1] >= n:
        raise IndexError(f"index {positions[-1]} is out of bounds for axis {axis} with size {n}")
    return getitem(x, (*before, positions))


@implements(np.compress)
def compress(condition: Any, a: Any, /, axis: Any = None, out: Any = None) -> ChunkedArray:
    """The slices of ``a`` along ``axis`` where ``condition`` is true, like ``numpy.compress``.

    A NumPy ``condition`` gives known sizes; a chunked one gives unknown sizes along ``axis``.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.arange(6).reshape(2, 3), chunks=1)
    >>> ca.compress([True, False, True], x, axis=1).compute()
    array([[0, 2],
           [3, 5]])
    """
    if out is not None:
        raise TypeError("compress: out= is not supported on chunked arrays")
    x = asarray(a)
    if axis is None:
        x, axis = ravel(x), 0
    else:
        axis = normalize_axis_index(axis, x.ndim, "axis")
    return _select(x, condition, axis, "compress")


@implements(np.extract)
def extract(condition: Any, arr: Any, /) -> ChunkedArray:
    """The elements of the flattened ``arr`` where the flattened ``condition`` is non-zero, like
    ``numpy.extract``.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.arange(6).reshape(2, 3), chunks=1)
    >>> ca.extract(x % 2 == 0, x).compute()
    array([0, 2, 4])
    """
    flat = ravel(asarray(arr))
    cond = ravel(condition) if isinstance(condition, ChunkedArray) else np.ravel(condition)
    return _select(flat, cond, 0, "extract")


provide("nonzero")(nonzero)
provide("searchsorted")(searchsorted)


@provide("compress")
def _compress_method(x: ChunkedArray, condition: Any, axis: Any = None, out: Any = None
                     ) -> ChunkedArray:
    return compress(condition, x, axis, out)  # the method takes the array first
