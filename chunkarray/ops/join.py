"""Joining and splitting arrays: concatenate, stack, block, split, array_split.

Joins lay blocks of several arrays end to end
(:class:`~chunkarray.primitives.stacking.Concatenate`); splits are basic indexing. Graph building
is O(blocks per axis).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.chunks import chunk_boundaries, common_refinement
from chunkarray.kernels import masked as mk
from chunkarray.ops.elementwise import astype
from chunkarray.ops.indexing import getitem
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.shape import _along, _as_chunked, expand_dims, ravel
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.stacking import Concatenate

__all__ = ["array_split", "block", "concatenate", "split", "stack"]


# --- joining -------------------------------------------------------------------------------------


def _arrays(arrays: Any, func: str) -> list[ChunkedArray]:
    if isinstance(arrays, (ChunkedArray, np.ndarray)):  # a sequence of its subarrays, as NumPy
        arrays = [arrays[i] for i in range(len(arrays))] if arrays.ndim else [arrays]  # type: ignore[index]
    try:
        items = list(arrays)
    except TypeError:
        raise TypeError(f"{func}: arrays must be a sequence of arrays, got "
                        f"{type(arrays).__name__}") from None
    if not items:
        raise ValueError(f"need at least one array to {func}")
    return [_as_chunked(a) for a in items]


def _result_dtype(xs: list[ChunkedArray], dtype: Any, casting: str) -> np.dtype:
    result = np.result_type(*(x.dtype for x in xs)) if dtype is None else np.dtype(dtype)
    for x in xs:
        if not np.can_cast(x.dtype, result, casting=casting):  # type: ignore[arg-type]
            raise TypeError(f"Cannot cast array data from {x.dtype!r} to {result!r} according "
                            f"to the rule {casting!r}")
    return result


def _check_joinable(xs: list[ChunkedArray], axis: int) -> None:
    first = xs[0]
    for i, x in enumerate(xs[1:], start=1):
        if x.ndim != first.ndim:
            raise ValueError(
                f"all the input arrays must have same number of dimensions, but the array at "
                f"index 0 has {first.ndim} dimension(s) and the array at index {i} has "
                f"{x.ndim} dimension(s)")
        for d, (m, n) in enumerate(zip(first.shape, x.shape)):
            if d != axis and m != n:
                raise ValueError(
                    f"all the input array dimensions except for the concatenation axis must "
                    f"match exactly, but along dimension {d}, the array at index 0 has size {m} "
                    f"and the array at index {i} has size {n}")


def _default_fill(x: ChunkedArray) -> ChunkedArray:
    """``x`` masked, with its dtype's default fill value, as numpy.ma's joins give."""
    ind = tuple(range(x.ndim))
    return ChunkedArray(blockwise_node(mk.default_fill, ind, x._node, ind, dtype=x.dtype,
                                       token="default_fill", masked=True))


def concatenate(arrays: Any, /, axis: int | None = 0, out: Any = None, *, dtype: Any = None,
                casting: str = "same_kind") -> ChunkedArray:
    """Join arrays along an existing axis (flattened first with ``axis=None``), like
    ``numpy.concatenate``; the dtype is NumPy's promotion of theirs unless ``dtype`` is given.

    Blocks are laid end to end, not copied; the other axes are aligned to common blocks.

    >>> import chunkarray as ca
    >>> x = concatenate([ca.arange(3, chunks=2), ca.ones(2, chunks=2)])
    >>> x.chunks, x.dtype
    (((2, 1, 2),), dtype('float64'))
    >>> x.compute()
    array([0., 1., 2., 1., 1.])
    """
    if out is not None:
        raise TypeError("concatenate: out= is not supported on chunked arrays; got an out array")
    xs = _arrays(arrays, "concatenate")
    if axis is None:
        xs, axis = [ravel(x) for x in xs], 0
    if any(x.ndim == 0 for x in xs):
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis_index(axis, xs[0].ndim)
    _check_joinable(xs, axis)
    result = _result_dtype(xs, dtype, casting)
    for x in xs:
        require_known_chunks(x, "concatenate")
    common = [() if d == axis else common_refinement(*(x.chunks[d] for x in xs))
              for d in range(xs[0].ndim)]
    kept = [x for x in xs if x.shape[axis]] or xs[:1]  # empty pieces add no blocks
    if any(x._node.masked for x in xs):
        kept = [_default_fill(x) for x in kept]
    nodes = []
    for x in kept:
        x = x if x.dtype == result else astype(x, result)
        nodes.append(rechunk(x, tuple(x.chunks[d] if d == axis else c
                                      for d, c in enumerate(common)))._node)
    if len(nodes) == 1:
        return ChunkedArray(nodes[0])
    return ChunkedArray(Concatenate(nodes, axis, result))


def stack(arrays: Any, /, axis: int = 0, out: Any = None, *, dtype: Any = None,
          casting: str = "same_kind") -> ChunkedArray:
    """Join arrays of one shape along a new axis, like ``numpy.stack``.

    >>> import chunkarray as ca
    >>> stack([ca.ones(3, chunks=2), ca.zeros(3, chunks=2)], axis=1).shape
    (3, 2)
    """
    if out is not None:
        raise TypeError("stack: out= is not supported on chunked arrays; got an out array")
    xs = _arrays(arrays, "stack")
    if len({x.shape for x in xs}) != 1:
        raise ValueError(f"all input arrays must have the same shape, got shapes "
                         f"{[x.shape for x in xs]}")
    axis = normalize_axis_index(axis, xs[0].ndim + 1)
    return concatenate([expand_dims(x, axis) for x in xs], axis, dtype=dtype, casting=casting)


def _block_depth(item: Any, where: str) -> int:
    """Nesting depth of a list of lists of arrays, checked as ``numpy.block`` checks it."""
    if type(item) is tuple:
        raise TypeError(f"{where} is a tuple. Only lists can be used to arrange blocks, and "
                        f"np.block does not allow implicit conversion from tuple to ndarray.")
    if type(item) is not list:
        return 0
    if not item:
        raise ValueError(f"List at {where} cannot be empty")
    depths = [_block_depth(sub, f"{where}[{i}]") for i, sub in enumerate(item)]
    if len(set(depths)) != 1:
        raise ValueError(f"List depths are mismatched. First element was at depth "
                         f"{depths[0] + 1}, but there is an element at depth "
                         f"{min(depths) + 1} ({where})")
    return depths[0] + 1


def block(arrays: Any, /) -> ChunkedArray:
    """Assemble an array from nested lists of blocks, like ``numpy.block``.

    The innermost lists are joined along the last axis, the next along the one before, and so
    on; arrays with fewer axes get leading length-one axes.

    >>> import chunkarray as ca
    >>> a = ca.ones((2, 2), chunks=1)
    >>> block([[a, ca.zeros((2, 1), chunks=1)], [ca.zeros((1, 3), chunks=1)]]).compute()
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 0.]])
    """
    depth = _block_depth(arrays, "arrays")

    def leaves(item: Any, level: int) -> Any:
        if level == depth:
            return _as_chunked(item)
        return [leaves(sub, level + 1) for sub in item]

    tree = leaves(arrays, 0)
    flat: list[ChunkedArray] = []

    def collect(item: Any, level: int) -> None:
        if level == depth:
            flat.append(item)
        else:
            for sub in item:
                collect(sub, level + 1)

    collect(tree, 0)
    ndim = max(depth, *(x.ndim for x in flat))

    def build(item: Any, level: int) -> ChunkedArray:
        if level == depth:
            return getitem(item, (None,) * (ndim - item.ndim)) if item.ndim < ndim else item
        return concatenate([build(sub, level + 1) for sub in item], axis=level - depth)

    return build(tree, 0)


# --- splitting -----------------------------------------------------------------------------------


def _split(x: ChunkedArray, bounds: Sequence[int], axis: int) -> list[ChunkedArray]:
    return [getitem(x, _along(x.ndim, axis, slice(lo, hi))) for lo, hi in zip(bounds[:-1],
                                                                               bounds[1:])]


def array_split(ary: Any, /, indices_or_sections: Any, axis: int = 0) -> list[ChunkedArray]:
    """Split into ``n`` nearly equal parts (the first ones one longer), or at the given indices,
    like ``numpy.array_split``.

    >>> import chunkarray as ca
    >>> [p.shape for p in array_split(ca.arange(7, chunks=3), 3)]
    [(3,), (2,), (2,)]
    """
    x = _as_chunked(ary)
    axis = normalize_axis_index(axis, x.ndim)
    n = x.shape[axis]
    try:
        indices = [operator.index(i) for i in indices_or_sections]
    except TypeError:
        sections = operator.index(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"number sections must be larger than 0., got "
                             f"indices_or_sections={sections}") from None
        each, extra = divmod(n, sections)  # NumPy's: the first ``extra`` parts one longer
        sizes = [each + 1] * extra + [each] * (sections - extra)
        return _split(x, list(chunk_boundaries(sizes)), axis)
    return _split(x, [0, *indices, n], axis)


def split(ary: Any, /, indices_or_sections: Any, axis: int = 0) -> list[ChunkedArray]:
    """Split into ``n`` equal parts, or at the given indices, like ``numpy.split``.

    >>> import chunkarray as ca
    >>> [p.compute().tolist() for p in split(ca.arange(6, chunks=4), [2, 3])]
    [[0, 1], [2], [3, 4, 5]]
    """
    x = _as_chunked(ary)
    if not hasattr(indices_or_sections, "__len__"):
        sections = operator.index(indices_or_sections)
        n = x.shape[normalize_axis_index(axis, x.ndim)]
        if sections <= 0:
            raise ValueError(f"number sections must be larger than 0., got "
                             f"indices_or_sections={sections}")
        if n % sections:
            raise ValueError(f"array split does not result in an equal division: an axis of "
                             f"length {n} into {sections} sections")
    return array_split(x, indices_or_sections, axis)
