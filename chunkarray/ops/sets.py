"""Set operations: ``unique`` (and the array API's ``unique_*``), ``isin``, ``union1d``,
``intersect1d``, ``setdiff1d``.

Distinct values are found without sorting the array: every block is reduced to its sorted
distinct values (with counts and first positions when asked), and these are merged by a tree
(:mod:`chunkarray.ops.summary`). Results whose length depends on the data are one block of unknown
(NaN) size; :func:`~chunkarray.ops.masking.compute_chunk_sizes` learns it. Results always come out
sorted, also where NumPy leaves the order unspecified (``unique_values``, ``sorted=False``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from functools import partial
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.graph import Node
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import sets as ks
from chunkarray.ops.creation import asarray
from chunkarray.ops.dispatch import implements
from chunkarray.ops.masking import mask_getitem
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.shape import ravel
from chunkarray.ops.sorting import lane_chunks
from chunkarray.ops.summary import (
    UNKNOWN,
    combine_states,
    field_array,
    flat_offsets,
    merge_states,
    summarize,
)
from chunkarray.primitives.blockwise import blockwise_node

__all__ = [
    "UniqueAllResult", "UniqueCountsResult", "UniqueInverseResult", "in1d", "intersect1d", "isin",
    "setdiff1d", "union1d", "unique", "unique_all", "unique_counts", "unique_inverse",
    "unique_values",
]


class UniqueAllResult(NamedTuple):
    values: ChunkedArray
    indices: ChunkedArray
    inverse_indices: ChunkedArray
    counts: ChunkedArray


class UniqueCountsResult(NamedTuple):
    values: ChunkedArray
    counts: ChunkedArray


class UniqueInverseResult(NamedTuple):
    values: ChunkedArray
    inverse_indices: ChunkedArray


def _check_flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r}: must be True or False")
    return bool(value)


# Merging by value ranges costs every range a look at every block: up to this many blocks.
_MAX_RANGE_BLOCKS = 256


def unique_state(x: ChunkedArray, *, counts: bool = False, index: bool = False,
                 equal_nan: bool = True, split_every: Any = None) -> Node:
    """The 0-d node holding the unique state of ``x`` (see :mod:`chunkarray.kernels.sets`).

    Block states are merged by value ranges in parallel (one merge task per block, each over
    a slice of every block's distinct values), or, with ``split_every`` given or very many
    blocks, by a tree of ``split_every`` states at a time.
    """
    block_kwargs = flat_offsets(x, "unique(return_index=True)") if index else None
    chunk = partial(ks.unique_chunk, counts=counts, index=index, equal_nan=equal_nan)
    nblocks = math.prod(x.numblocks)
    if split_every is None and 2 <= nblocks <= _MAX_RANGE_BLOCKS:
        # Blocks of mostly distinct values are merged as sorted runs, not counted twice.
        chunk = partial(chunk, runs=True)
        return _merge_by_ranges(x, chunk, block_kwargs, nblocks, equal_nan, counts)
    merge = partial(merge_states, merge=partial(ks.unique_merge, equal_nan=equal_nan))
    return summarize(x, chunk, merge, label="unique", block_kwargs=block_kwargs,
                     split_every=split_every)


def _merge_by_ranges(x: ChunkedArray, chunk: Any, block_kwargs: Any, parts: int,
                     equal_nan: bool, counts: bool) -> Node:
    ind = tuple(range(x.ndim))
    token = tokenize(x.name, chunk, parts)
    states = blockwise_node(chunk, ind, x._node, ind, dtype=np.dtype(object),
                            adjust_chunks=dict.fromkeys(ind, 1), block_kwargs=block_kwargs,
                            name=f"unique-chunk-{token}")
    splitters = blockwise_node(partial(ks.range_splitters, parts=parts), (), states, ind,
                               dtype=np.dtype(object), name=f"unique-splitters-{token}")
    ranges = blockwise_node(partial(ks.range_merge, equal_nan=equal_nan, counts=counts), ("r",),
                            states, ind,
                            splitters, (), dtype=np.dtype(object), new_axes={"r": (1,) * parts},
                            block_kwargs=lambda i: {"r": i[0]}, name=f"unique-range-{token}")
    return blockwise_node(ks.join_ranges, (), ranges, ("r",), dtype=np.dtype(object),
                          name=f"unique-merged-{token}")


def _field(state: Node, i: int, dtype: Any, label: str) -> ChunkedArray:
    return field_array(state, partial(ks.state_field, i=i), dtype, label=label)


@implements(np.unique)
def unique(ar: Any, /, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: Any = None, *, equal_nan: bool = True,
           sorted: bool = True, split_every: Any = None) -> Any:  # noqa: A002 - NumPy's name
    """The sorted distinct elements of the flattened array, like ``numpy.unique``.

    With ``return_index``, ``return_inverse`` and ``return_counts``, also the position of each
    value's first occurrence, each element's position among the values (shaped like ``ar``, as
    in NumPy 2) and each value's count. Values, indices and counts have one block of unknown size.

    With ``axis``, the unique subarrays along it, as NumPy finds them: each row (the other axes,
    flattened) is one element of a structured dtype, compared field by field, so rows come out
    in lexicographic order, and rows with a NaN are each unique (``equal_nan`` does not apply);
    the inverse is then 1-d, along ``axis``. Among rows with a NaN that look alike, the inverse
    follows their positions (NumPy's order there depends on its unstable sort, unless
    ``return_index`` is given). The array is rechunked so that blocks hold whole rows.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.array([3, 1, 3, 2, 1, 3]), chunks=2)
    >>> values, counts = ca.unique(x, return_counts=True)
    >>> values.compute(), counts.compute()
    (array([1, 2, 3]), array([2, 1, 3]))
    >>> ca.unique(ca.from_array(np.array([[1, 2], [0, 5], [1, 2]]), chunks=1), axis=0).compute()
    array([[0, 5],
           [1, 2]])
    """
    x = asarray(ar)
    flags = [_check_flag(n, v) for n, v in (("return_index", return_index),
                                             ("return_inverse", return_inverse),
                                             ("return_counts", return_counts))]
    equal_nan = _check_flag("equal_nan", equal_nan)
    _check_flag("sorted", sorted)
    if axis is not None:
        if x.ndim != 1:  # a 1-d array along its axis is NumPy's flattened case
            return _unique_rows(x, axis, *flags, equal_nan=equal_nan, split_every=split_every)
        normalize_axis_index(_check_axis(axis), 1)
    index, inverse, counts = flags
    # Distinct NaNs take their place in the inverse by position: the state must know them.
    # (Rows with a NaN are always distinct: NumPy compares them field by field.)
    positions = index or (inverse and ks.unequal_to_itself(x.dtype)
                          and (not equal_nan or x.dtype.kind == "V"))
    state = unique_state(x, counts=counts, index=positions, equal_nan=equal_nan,
                         split_every=split_every)
    state = combine_states(partial(ks.unique_finish, equal_nan=equal_nan), state,
                           label="unique-finish")
    out = [_field(state, 0, x.dtype, "unique-values")]
    if index:
        out.append(_field(state, 2, np.intp, "unique-index"))
    if inverse:
        ind = tuple(range(x.ndim))
        kwargs = flat_offsets(x, "unique(return_inverse=True)") if positions else None
        out.append(ChunkedArray(blockwise_node(
            partial(ks.unique_inverse, equal_nan=equal_nan), ind, x._node, ind, state, (),
            dtype=np.intp, block_kwargs=kwargs, token="unique-inverse",
        )))
    if counts:
        out.append(_field(state, 1, np.intp, "unique-counts"))
    return out[0] if len(out) == 1 else tuple(out)


def _check_axis(axis: Any) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"unique: axis={axis!r} must be None or an int")
    return int(axis)


def _unique_rows(x: ChunkedArray, axis: Any, index: bool, inverse: bool, counts: bool, *,
                 equal_nan: bool, split_every: Any) -> Any:
    """``unique`` of the subarrays along ``axis`` of an array of 0 or at least 2 dimensions."""
    if x.ndim == 0:
        raise np.exceptions.AxisError(_check_axis(axis), 0)
    axis = normalize_axis_index(_check_axis(axis), x.ndim)
    if x.dtype.hasobject:
        raise TypeError(f"unique: the axis argument to unique is not supported for dtype "
                        f"{x.dtype} (rows of Python objects cannot be compared as NumPy's "
                        f"structured rows); use axis=None")
    require_known_chunks(x, "unique(axis=...)")
    rest = tuple(n for a, n in enumerate(x.shape) if a != axis)
    rows_dtype = ks.row_dtype(x.dtype, math.prod(rest))
    others = tuple(a for a in range(x.ndim) if a != axis)
    if any(x.numblocks[a] > 1 for a in others):
        # Blocks of whole rows, about the chunk size each (one row a block if rows are larger).
        whole = lane_chunks(x.shape, others, x.dtype.itemsize)
        x = rechunk(x, whole if whole is not None else
                    tuple(((1,) * x.shape[a] or (0,)) if a == axis else (n,)
                          for a, n in enumerate(x.shape)))
    ind = tuple(range(x.ndim))
    rows = ChunkedArray(blockwise_node(
        partial(ks.to_rows, axis=axis, dtype=rows_dtype), (axis,), x._node, ind,
        concatenate=True, dtype=rows_dtype, token="unique-rows"))
    found = unique(rows, index, inverse, counts, equal_nan=equal_nan, split_every=split_every)
    out = list(found) if isinstance(found, tuple) else [found]
    back = partial(ks.from_rows, axis=axis, dtype=x.dtype, rest=rest)
    new: dict[Hashable, int] = {("rest", a): n for a, n in zip(others, rest)}
    out_ind = tuple(0 if a == axis else ("rest", a) for a in range(x.ndim))
    out[0] = ChunkedArray(blockwise_node(back, out_ind, out[0]._node, (0,), dtype=x.dtype,
                                         new_axes=new, token="unique-values"))
    return out[0] if len(out) == 1 else tuple(out)


@implements(np.unique_all)
def unique_all(x: Any, /) -> UniqueAllResult:
    """Values, first indices, inverse indices and counts, NaNs distinct (``numpy.unique_all``).

    >>> import numpy as np, chunkarray as ca
    >>> r = ca.unique_all(ca.from_array(np.array([2, 1, 2]), chunks=2))
    >>> r.values.compute(), r.indices.compute(), r.inverse_indices.compute(), r.counts.compute()
    (array([1, 2]), array([1, 0]), array([1, 0, 1]), array([1, 2]))
    """
    return UniqueAllResult(*unique(x, True, True, True, equal_nan=False))


@implements(np.unique_counts)
def unique_counts(x: Any, /) -> UniqueCountsResult:
    """Values and their counts, NaNs distinct (``numpy.unique_counts``).

    >>> import numpy as np, chunkarray as ca
    >>> ca.unique_counts(ca.from_array(np.array([2, 1, 2]), chunks=2)).counts.compute()
    array([1, 2])
    """
    return UniqueCountsResult(*unique(x, return_counts=True, equal_nan=False))


@implements(np.unique_inverse)
def unique_inverse(x: Any, /) -> UniqueInverseResult:
    """Values and each element's position among them, NaNs distinct (``numpy.unique_inverse``).

    >>> import numpy as np, chunkarray as ca
    >>> ca.unique_inverse(ca.from_array(np.array([2, 1, 2]), chunks=2)).inverse_indices.compute()
    array([1, 0, 1])
    """
    return UniqueInverseResult(*unique(x, return_inverse=True, equal_nan=False))


@implements(np.unique_values)
def unique_values(x: Any, /) -> ChunkedArray:
    """The distinct values, NaNs distinct (``numpy.unique_values``); sorted here, where NumPy
    leaves the order unspecified.

    >>> import numpy as np, chunkarray as ca
    >>> ca.unique_values(ca.from_array(np.array([2, 1, 2]), chunks=2)).compute()
    array([1, 2])
    """
    return unique(x, equal_nan=False)  # type: ignore[no-any-return]


# --- membership -----------------------------------------------------------------------------------


_KINDS = (None, "sort", "table")


def _check_kind(kind: Any, *dtypes: np.dtype) -> None:
    if kind not in _KINDS:
        raise ValueError(f"kind={kind!r}: must be None, 'sort' or 'table'")
    if kind == "table" and any(d.kind not in "biu" for d in dtypes):
        raise ValueError(f"kind='table' works on boolean or integer arrays only, got dtypes "
                         f"{', '.join(str(d) for d in dtypes)}; choose kind='sort' or None")


def _test_set(test_elements: Any) -> tuple[Any, Any, np.dtype]:
    """``(value, index)`` for blockwise: a unique state node of a chunked array, else the array."""
    if isinstance(test_elements, ChunkedArray):
        return unique_state(test_elements), (), test_elements.dtype
    test = np.asarray(test_elements)
    return test, None, test.dtype


@implements(np.isin)
def isin(element: Any, test_elements: Any, /, assume_unique: bool = False, invert: bool = False,
         *, kind: str | None = None) -> ChunkedArray:
    """Whether each element is in ``test_elements``, like ``numpy.isin`` (shaped like ``element``).

    ``test_elements`` may be chunked: its distinct values are found first (a tree over its
    blocks), so no task holds more than those.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.array([1, 5, 2, 7]), chunks=2)
    >>> ca.isin(x, ca.from_array(np.array([7, 1, 1]), chunks=1)).compute()
    array([ True, False, False,  True])
    """
    x = asarray(element)
    assume_unique = _check_flag("assume_unique", assume_unique)
    invert = _check_flag("invert", invert)
    test, test_ind, test_dtype = _test_set(test_elements)
    _check_kind(kind, x.dtype, test_dtype)
    ind = tuple(range(x.ndim))
    func = partial(ks.isin_block, invert=invert, kind=kind, assume_unique=assume_unique)
    return ChunkedArray(blockwise_node(func, ind, x._node, ind, test, test_ind, dtype=bool,
                                       token="isin"))


def in1d(ar1: Any, ar2: Any, /, assume_unique: bool = False, invert: bool = False, *,
         kind: str | None = None) -> ChunkedArray:
    """Whether each element of the flattened ``ar1`` is in ``ar2`` (NumPy's removed ``in1d``).

    >>> import numpy as np, chunkarray as ca
    >>> ca.in1d(ca.from_array(np.array([[1, 2], [3, 4]]), chunks=1), [2, 3]).compute()
    array([False,  True,  True, False])
    """
    return isin(ravel(asarray(ar1)), ar2, assume_unique, invert, kind=kind)


def _common(ar1: Any, ar2: Any) -> tuple[ChunkedArray, ChunkedArray]:
    """Both inputs chunked, in the dtype NumPy's concatenation of them has."""
    x1, x2 = asarray(ar1), asarray(ar2)
    dtype = np.result_type(x1.dtype, x2.dtype)
    return asarray(x1, dtype), asarray(x2, dtype)


@implements(np.union1d)
def union1d(ar1: Any, ar2: Any, /) -> ChunkedArray:
    """The sorted distinct values in either array, like ``numpy.union1d``.

    >>> import numpy as np, chunkarray as ca
    >>> ca.union1d(ca.from_array(np.array([3, 1]), chunks=1), np.array([2, 3])).compute()
    array([1, 2, 3])
    """
    x1, x2 = _common(ar1, ar2)
    state = combine_states(partial(ks.unique_union, equal_nan=True), unique_state(x1),
                           unique_state(x2), label="union1d")
    return _field(state, 0, x1.dtype, "union1d-values")


@implements(np.intersect1d)
def intersect1d(ar1: Any, ar2: Any, /, assume_unique: bool = False,
                return_indices: bool = False) -> Any:
    """The sorted values in both arrays, like ``numpy.intersect1d``.

    With ``return_indices``, also the position of each value's first occurrence in either
    flattened array. (``assume_unique`` is accepted; the values are made unique regardless, which
    is NumPy's answer whenever the inputs are indeed unique.)

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.array([4, 1, 3, 1]), chunks=2)
    >>> values, i, j = ca.intersect1d(x, np.array([1, 4, 9]), return_indices=True)
    >>> values.compute(), i.compute(), j.compute()
    (array([1, 4]), array([1, 0]), array([0, 1]))
    """
    _check_flag("assume_unique", assume_unique)
    indices = _check_flag("return_indices", return_indices)
    x1, x2 = _common(ar1, ar2)
    state = combine_states(
        partial(ks.intersect_states, indices=indices), unique_state(x1, index=indices),
        unique_state(x2, index=indices), label="intersect1d",
    )
    values = field_array(state, partial(ks.take_output, i=0), x1.dtype, label="intersect1d")
    if not indices:
        return values
    return values, *(field_array(state, partial(ks.take_output, i=i), np.intp,
                                 label="intersect1d-indices") for i in (1, 2))


@implements(np.setdiff1d)
def setdiff1d(ar1: Any, ar2: Any, /, assume_unique: bool = False) -> ChunkedArray:
    """The sorted distinct values of ``ar1`` not in ``ar2``, like ``numpy.setdiff1d``.

    With ``assume_unique``, the elements of the flattened ``ar1`` not in ``ar2``, in their order.

    >>> import numpy as np, chunkarray as ca
    >>> ca.setdiff1d(ca.from_array(np.array([5, 1, 3, 1]), chunks=2), [3]).compute()
    array([1, 5])
    """
    x1 = asarray(ar1)
    if _check_flag("assume_unique", assume_unique):
        flat = ravel(x1)
        return mask_getitem(flat, isin(flat, ar2, True, True))
    test, test_ind, _ = _test_set(ar2)
    node = blockwise_node(ks.values_not_in, ("n",), unique_state(x1), (), test, test_ind,
                          dtype=x1.dtype, new_axes={"n": UNKNOWN}, token="setdiff1d")
    return ChunkedArray(node)

