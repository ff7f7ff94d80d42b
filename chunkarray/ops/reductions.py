"""Reductions: chunk, then a tree of combines (``split_every`` blocks at a time), then aggregate.

Each public reduction is a :class:`Reduction` triple of NumPy functions (from
:mod:`chunkarray.kernels.reductions`) beside the function users call. The tree is built from two
node kinds: a blockwise chunk step, then :class:`~chunkarray.primitives.reduce.PartialReduce`
levels until every reduced axis fits in one group.
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core import config
from chunkarray.core.chunks import block_offsets
from chunkarray.core.graph import Node
from chunkarray.kernels import masked as mk
from chunkarray.kernels import reductions as rk
from chunkarray.ops.creation import asarray
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.reduce import PartialReduce

__all__ = [
    "Reduction", "all", "any", "argmax", "argmin", "count_nonzero", "max", "mean", "min",
    "nanargmax", "nanargmin", "nanmax", "nanmean", "nanmin", "nanprod", "nanstd", "nansum",
    "nanvar", "prod", "std", "sum", "var",
]


@dataclass(frozen=True)
class Reduction:
    """A reduction as three block functions, each called with ``axis`` (a tuple) and ``**kwargs``.

    ``chunk(block)`` makes the partial state of one block, ``combine(state)`` merges concatenated
    states (keeping dims) and ``aggregate(state, keepdims=...)`` turns merged states into the
    result.
    ``offsets=True`` passes each block's global ``offset`` and the array's ``shape`` to ``chunk``.

    ``masked`` is the reduction run on masked arrays (numpy.ma's semantics), None when there is
    none (masked inputs are then refused); a masked form says in ``masks`` whether its partial
    states and its result are masked arrays.
    """

    chunk: Callable[..., Any]
    combine: Callable[..., Any]
    aggregate: Callable[..., Any]
    offsets: bool = False
    chunk_kwargs: Mapping[str, Any] = field(default_factory=dict)
    shared_kwargs: Mapping[str, Any] = field(default_factory=dict)
    masked: Reduction | None = None
    masks: tuple[bool, bool] = (False, False)


def _is_fan_in(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) \
        and bool(value >= 2)


def _split_factors(split_every: Any, axes: tuple[int, ...], ndim: int) -> dict[int, int]:
    if split_every is None:
        split_every = config.get("split_every")
    if isinstance(split_every, Mapping):
        # int() would quietly truncate 2.5 or parse "3": every value must be an int already.
        if not builtins.all(_is_fan_in(s) for s in split_every.values()):
            raise ValueError(f"split_every={split_every!r}: each value must be an int >= 2")
        factors = {normalize_axis_index(a, ndim): int(s) for a, s in split_every.items()}
        return {a: factors.get(a, 2) for a in axes}
    if not _is_fan_in(split_every):
        raise ValueError(f"split_every must be an int >= 2 or a dict {{axis: int}}, "
                         f"got {split_every!r}")
    per_axis = builtins.max(int(split_every ** (1 / builtins.max(len(axes), 1)) + 1e-9), 2)
    return dict.fromkeys(axes, per_axis)


def reduce(
    x: ChunkedArray,
    r: Reduction,
    axis: Any,
    *,
    dtype: np.dtype,
    keepdims: bool,
    split_every: Any,
    label: str,
) -> ChunkedArray:
    """Build the reduction tree of ``r`` over ``axis`` of ``x`` (its masked form when ``x`` is
    masked and it has one)."""
    axes = _axes(x, axis)
    ind = tuple(range(x.ndim))
    # None: a reduction with no masked form refuses masked input (see Node.keeps_masks).
    states: bool | None = None
    result: bool | None = None
    if not x._node.masked:
        states = result = False
    elif r.masked is not None:
        r = replace(r.masked, shared_kwargs={**r.masked.shared_kwargs, **r.shared_kwargs})
        states, result = r.masks
    chunk = rk.direct_chunk(partial(r.chunk, axis=axes, **r.chunk_kwargs, **r.shared_kwargs))
    block_kwargs = None
    if r.offsets:
        offsets, shape = block_offsets(x.chunks), x.shape

        def block_kwargs(index: tuple[int, ...]) -> dict[str, Any]:
            return {"offset": tuple(o[i] for o, i in zip(offsets, index)), "shape": shape}

    piece_combine = None
    if not r.offsets and x.ndim:
        piece_combine = partial(rk.merge_pieces, combine=r.combine, axes=axes, **r.shared_kwargs)
    node: Node
    node = blockwise_node(
        chunk, ind, x._node, ind, dtype=dtype, adjust_chunks={a: 1 for a in axes},
        block_kwargs=block_kwargs, piece_combine=piece_combine, token=(label, "chunk"),
        masked=states,
    )
    split = _split_factors(split_every, axes, x.ndim)
    combine = partial(rk.merge, step=r.combine, axes=axes, **r.shared_kwargs)
    while builtins.any(node.numblocks[a] > split[a] for a in axes):
        node = PartialReduce(node, combine, axes, split, dtype=dtype, label=f"{label}-combine",
                             masked=states)
    aggregate = partial(rk.merge, step=r.aggregate, axes=axes, keepdims=keepdims,
                        **r.shared_kwargs)
    node = PartialReduce(node, aggregate, axes, split, dtype=dtype, keepdims=keepdims,
                         label=f"{label}-aggregate", masked=result)
    return ChunkedArray(node)


def _axes(x: ChunkedArray, axis: Any) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(x.ndim))
    if isinstance(axis, list):  # NumPy takes an int or a tuple of ints, never a list
        raise TypeError(f"axis must be None, an int or a tuple of ints, got {axis!r}")
    return normalize_axis_tuple(axis, x.ndim, argname="axis")


def _result_dtype(func: Callable[..., Any], x: ChunkedArray, axes: tuple[int, ...],
                  **kwargs: Any) -> np.dtype:
    """The dtype NumPy's own reduction gives, found on a one-element stand-in."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = func(np.ones((1,) * x.ndim, dtype=x.dtype), axis=axes, **kwargs)
    if not isinstance(out, (np.ndarray, np.generic)):
        # A reduction of an object array over every axis gives the Python object itself (a
        # float, a Fraction, ...), whose type ``asarray`` would take for the dtype: the result
        # is an object, as every partial result is.
        return np.dtype(object)
    return np.asarray(out).dtype


def _keeps_dtype(func: Callable[..., Any], dtype: np.dtype, out_dtype: np.dtype) -> bool:
    """Whether ``func`` gives ``out_dtype`` unasked, on the data and on partial results alike.

    Then the steps need no ``dtype=``: NumPy resolves an explicit dtype at a cost of microseconds
    per call, more than a small block's arithmetic.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return builtins.all(np.asarray(func(np.ones(1, dtype=d))).dtype == out_dtype
                   for d in (dtype, out_dtype))


def _check_nonempty(x: ChunkedArray, axes: tuple[int, ...], name: str) -> None:
    if builtins.any(x.shape[a] == 0 for a in axes) or (not axes and x.size == 0 and x.ndim == 0):
        raise ValueError(
            f"zero-size array to reduction operation {name} which has no identity "
            f"(axis {axes} of shape {x.shape})"
        )


# --- sum, prod, min, max, any, all and their nan forms --------------------------------------------


def _simple(func: Callable[..., Any], combine: Callable[..., Any] | None = None,
            fill: str | None = None) -> Reduction:
    """``func`` at every step; with ``fill``, numpy.ma's form fills masked values with it."""
    combine = combine or func
    masked = None
    if fill is not None:
        step = partial(mk.ma_reduce, func=func, fill=fill)
        masked = Reduction(step, step, step, masks=(True, True))
    return Reduction(
        chunk=rk.reduce_chunk,
        combine=partial(rk.reduce_combine, func=combine),
        aggregate=partial(rk.reduce_aggregate, func=combine),
        chunk_kwargs={"func": func},
        masked=masked,
    )


def _typed_reduction(x: Any, r: Reduction, np_func: Callable[..., Any], label: str, axis: Any,
                     dtype: Any, keepdims: bool, split_every: Any) -> ChunkedArray:
    x = asarray(x)
    axes = _axes(x, axis)
    out_dtype = _result_dtype(np_func, x, axes, dtype=dtype)
    if not _keeps_dtype(np_func, x.dtype, out_dtype):
        r = replace(r, shared_kwargs={**r.shared_kwargs, "dtype": out_dtype})
    return reduce(x, r, axes, dtype=out_dtype, keepdims=keepdims, split_every=split_every,
                  label=label)


def no_out(out: Any, label: str) -> None:
    """Accept NumPy's and dask's ``out=None``; refuse an output array, which no lazy array has."""
    if out is not None:
        raise TypeError(f"{label}: out={type(out).__name__} is not supported (chunked results "
                        "are new lazy arrays); leave out=None and use the returned array")


def _untyped_reduction(x: Any, r: Reduction, np_func: Callable[..., Any], label: str,
                       axis: Any, keepdims: bool, split_every: Any, identity: bool) -> ChunkedArray:
    x = asarray(x)
    axes = _axes(x, axis)
    if not identity:
        _check_nonempty(x, axes, label)
    out_dtype = _result_dtype(np_func, x, axes)
    return reduce(x, r, axes, dtype=out_dtype, keepdims=keepdims, split_every=split_every,
                  label=label)


_SUM = _simple(np.sum, fill="zero")
_NANSUM = _simple(np.nansum, np.sum)
_PROD = _simple(np.prod, fill="one")
_NANPROD = _simple(np.nanprod, np.prod)
_MIN = _simple(np.min, fill="min")
_MAX = _simple(np.max, fill="max")
_NANMIN = _simple(np.nanmin)
_NANMAX = _simple(np.nanmax)
_ANY = _simple(np.any, fill="zero")
_ALL = _simple(np.all, fill="one")
_COUNT_NONZERO = Reduction(
    chunk=rk.count_nonzero_chunk,
    combine=partial(rk.reduce_combine, func=np.sum),
    aggregate=partial(rk.reduce_aggregate, func=np.sum, dtype=np.intp),
)


def sum(x: Any, /, axis: Any = None, *, dtype: Any = None, keepdims: bool = False,
        split_every: Any = None, out: None = None) -> ChunkedArray:
    """Sum over ``axis`` (``None``: all axes), like ``numpy.sum``.

    >>> import chunkarray as ca
    >>> ca.sum(ca.ones((4, 6), chunks=2), axis=0).compute()
    array([4., 4., 4., 4., 4., 4.])
    """
    no_out(out, "sum")
    return _typed_reduction(x, _SUM, np.sum, "sum", axis, dtype, keepdims, split_every)


def nansum(x: Any, /, axis: Any = None, *, dtype: Any = None, keepdims: bool = False,
           split_every: Any = None) -> ChunkedArray:
    """Sum treating NaN as zero, like ``numpy.nansum``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.nansum(ca.from_array(np.array([1.0, np.nan, 2.0]), chunks=2)).compute()
    np.float64(3.0)
    """
    return _typed_reduction(x, _NANSUM, np.nansum, "nansum", axis, dtype, keepdims, split_every)


def prod(x: Any, /, axis: Any = None, *, dtype: Any = None, keepdims: bool = False,
         split_every: Any = None, out: None = None) -> ChunkedArray:
    """Product over ``axis``, like ``numpy.prod``.

    >>> import chunkarray as ca
    >>> ca.prod(ca.arange(1, 6, chunks=2)).compute()
    np.int64(120)
    """
    no_out(out, "prod")
    return _typed_reduction(x, _PROD, np.prod, "prod", axis, dtype, keepdims, split_every)


def nanprod(x: Any, /, axis: Any = None, *, dtype: Any = None, keepdims: bool = False,
            split_every: Any = None) -> ChunkedArray:
    """Product treating NaN as one, like ``numpy.nanprod``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.nanprod(ca.from_array(np.array([2.0, np.nan, 3.0]), chunks=2)).compute()
    np.float64(6.0)
    """
    return _typed_reduction(x, _NANPROD, np.nanprod, "nanprod", axis, dtype, keepdims,
                            split_every)


def min(x: Any, /, axis: Any = None, *, keepdims: bool = False, split_every: Any = None,
        out: None = None) -> ChunkedArray:
    """Minimum over ``axis``; NaN propagates, like ``numpy.min``.

    >>> import chunkarray as ca
    >>> ca.min(ca.arange(5, chunks=2)).compute()
    np.int64(0)
    """
    no_out(out, "min")
    return _untyped_reduction(x, _MIN, np.min, "minimum", axis, keepdims, split_every, False)


def max(x: Any, /, axis: Any = None, *, keepdims: bool = False, split_every: Any = None,
        out: None = None) -> ChunkedArray:
    """Maximum over ``axis``; NaN propagates, like ``numpy.max``.

    >>> import chunkarray as ca
    >>> ca.max(ca.arange(5, chunks=2)).compute()
    np.int64(4)
    """
    no_out(out, "max")
    return _untyped_reduction(x, _MAX, np.max, "maximum", axis, keepdims, split_every, False)


def nanmin(x: Any, /, axis: Any = None, *, keepdims: bool = False, split_every: Any = None
           ) -> ChunkedArray:
    """Minimum ignoring NaN, like ``numpy.nanmin``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.nanmin(ca.from_array(np.array([np.nan, 2.0, 1.0]), chunks=1)).compute()
    np.float64(1.0)
    """
    return _untyped_reduction(x, _NANMIN, np.nanmin, "nanmin", axis, keepdims, split_every,
                              False)


def nanmax(x: Any, /, axis: Any = None, *, keepdims: bool = False, split_every: Any = None
           ) -> ChunkedArray:
    """Maximum ignoring NaN, like ``numpy.nanmax``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.nanmax(ca.from_array(np.array([np.nan, 2.0, 1.0]), chunks=1)).compute()
    np.float64(2.0)
    """
    return _untyped_reduction(x, _NANMAX, np.nanmax, "nanmax", axis, keepdims, split_every,
                              False)


def any(x: Any, /, axis: Any = None, *, keepdims: bool = False, split_every: Any = None,
        out: None = None) -> ChunkedArray:
    """Whether any element along ``axis`` is true, like ``numpy.any``.

    >>> import chunkarray as ca
    >>> ca.any(ca.arange(3, chunks=1) > 1).compute()
    np.True_
    """
    no_out(out, "any")
    return _untyped_reduction(x, _ANY, np.any, "any", axis, keepdims, split_every, True)


def all(x: Any, /, axis: Any = None, *, keepdims: bool = False, split_every: Any = None,
        out: None = None) -> ChunkedArray:
    """Whether every element along ``axis`` is true, like ``numpy.all``.

    >>> import chunkarray as ca
    >>> ca.all(ca.arange(3, chunks=1) > 1).compute()
    np.False_
    """
    no_out(out, "all")
    return _untyped_reduction(x, _ALL, np.all, "all", axis, keepdims, split_every, True)


def count_nonzero(x: Any, /, axis: Any = None, *, keepdims: bool = False,
                  split_every: Any = None) -> ChunkedArray:
    """Number of non-zero elements along ``axis``, like ``numpy.count_nonzero``.

    >>> import chunkarray as ca
    >>> ca.count_nonzero(ca.arange(5, chunks=2)).compute()
    np.int64(4)
    """
    x = asarray(x)
    return reduce(x, _COUNT_NONZERO, axis, dtype=np.dtype(np.intp), keepdims=keepdims,
                  split_every=split_every, label="count_nonzero")


# --- mean, var, std: merged counts, means and squared deviations ----------------------------------


def _work_dtype(x: ChunkedArray, dtype: Any) -> np.dtype:
    """The accumulator dtype NumPy's mean and var use."""
    if dtype is not None:
        return np.dtype(dtype)
    if x.dtype.kind in "biu":
        return np.dtype(np.float64)
    if x.dtype == np.float16:
        return np.dtype(np.float32)
    return x.dtype


def _degrees(ddof: float | None, correction: float | None) -> float:
    """The delta degrees of freedom from NumPy's ``ddof`` or the array API's ``correction``."""
    if ddof is not None and correction is not None:
        raise ValueError(f"ddof={ddof!r} and correction={correction!r}: give one of them, "
                         f"they are the same option")
    if correction is not None:
        return correction
    return 0 if ddof is None else ddof


def _moments(x: Any, np_func: Callable[..., Any], label: str, skipna: bool, axis: Any, dtype: Any,
             keepdims: bool, split_every: Any, ddof: float | None = None, sqrt: bool = False
             ) -> ChunkedArray:
    x = asarray(x)
    axes = _axes(x, axis)
    kwargs = {} if ddof is None else {"ddof": ddof}
    if x._node.masked and not skipna:
        return _masked_moments(x, label, axes, dtype, keepdims, split_every, ddof, sqrt)
    out_dtype = _result_dtype(np_func, x, axes, dtype=dtype, **kwargs)
    if x.dtype.hasobject and dtype is None:
        # NumPy's answer for objects depends on their values (a Fraction's mean is a Fraction,
        # a float's a float64): objects in, objects out, each value as NumPy computes it.
        out_dtype = np.dtype(object)
    work = _work_dtype(x, dtype)
    if ddof is None:
        r = Reduction(rk.mean_chunk, rk.mean_combine,
                      partial(rk.mean_aggregate, dtype=out_dtype),
                      chunk_kwargs={"dtype": work, "skipna": skipna})
    else:
        r = Reduction(rk.moment_chunk, rk.moment_combine,
                      partial(rk.var_aggregate, ddof=ddof, dtype=out_dtype, sqrt=sqrt,
                              nan_if_no_dof=skipna and x.dtype.kind in "fc"),
                      chunk_kwargs={"dtype": work, "skipna": skipna})
    return reduce(x, r, axes, dtype=out_dtype, keepdims=keepdims, split_every=split_every,
                  label=label)


def _masked_moments(x: ChunkedArray, label: str, axes: tuple[int, ...], dtype: Any,
                    keepdims: bool, split_every: Any, ddof: float | None, sqrt: bool
                    ) -> ChunkedArray:
    """numpy.ma's mean, var and std: masked values left out, dtypes as numpy.ma gives them (a
    float32 mean is float64 there: its sum is divided by an int64 count)."""
    stand_in = np.ma.array(np.ones((1,) * x.ndim, dtype=x.dtype),
                           mask=np.zeros((1,) * x.ndim, dtype=bool))
    method = getattr(stand_in, label)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_dtype = np.asarray(method(axis=axes or None, dtype=dtype, **(
            {} if ddof is None else {"ddof": 0}))).dtype
        work = _work_dtype(x, dtype)
        if ddof is not None:  # deviations from numpy.ma's mean, in the mean's dtype
            work = np.asarray(stand_in.mean(axis=axes or None, dtype=dtype)).dtype
    if ddof is None:
        masked = Reduction(mk.mean_chunk, rk.mean_combine,
                           partial(mk.mean_aggregate, dtype=out_dtype),
                           chunk_kwargs={"dtype": work}, masks=(False, True))
    else:
        masked = Reduction(mk.moment_chunk, mk.moment_combine,
                           partial(mk.var_aggregate, ddof=ddof, dtype=out_dtype, sqrt=sqrt,
                                   # numpy.ma's deviations of complex values are a new array
                                   # without the mask, whose sum over nothing is not masked
                                   empty=x.size == 0 and x.dtype.kind == "c"),
                           chunk_kwargs={"dtype": work}, masks=(False, True))
    r = Reduction(rk.mean_chunk, rk.mean_combine, rk.mean_aggregate, masked=masked)
    return reduce(x, r, axes, dtype=out_dtype, keepdims=keepdims, split_every=split_every,
                  label=label)


def mean(x: Any, /, axis: Any = None, *, dtype: Any = None, keepdims: bool = False,
         split_every: Any = None, out: None = None) -> ChunkedArray:
    """Arithmetic mean over ``axis``, like ``numpy.mean``.

    >>> import chunkarray as ca
    >>> ca.mean(ca.arange(10, chunks=3)).compute()
    np.float64(4.5)
    """
    no_out(out, "mean")
    return _moments(x, np.mean, "mean", False, axis, dtype, keepdims, split_every)


def nanmean(x: Any, /, axis: Any = None, *, dtype: Any = None, keepdims: bool = False,
            split_every: Any = None) -> ChunkedArray:
    """Mean ignoring NaN, like ``numpy.nanmean``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.nanmean(ca.from_array(np.array([1.0, np.nan, 3.0]), chunks=2)).compute()
    np.float64(2.0)
    """
    return _moments(x, np.nanmean, "nanmean", True, axis, dtype, keepdims, split_every)


def var(x: Any, /, axis: Any = None, *, dtype: Any = None, ddof: float | None = None,
        correction: float | None = None, keepdims: bool = False,
        split_every: Any = None) -> ChunkedArray:
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom, like ``numpy.var``.

    Block moments are merged pairwise (count, mean, sum of squared deviations), so the result
    is as accurate as NumPy's two-pass variance, never a cancelling sum of squares.

    >>> import chunkarray as ca
    >>> ca.var(ca.arange(10, chunks=3)).compute()
    np.float64(8.25)
    """
    return _moments(x, np.var, "var", False, axis, dtype, keepdims, split_every,
                    _degrees(ddof, correction))


def nanvar(x: Any, /, axis: Any = None, *, dtype: Any = None, ddof: float | None = None,
           correction: float | None = None, keepdims: bool = False,
           split_every: Any = None) -> ChunkedArray:
    """Variance ignoring NaN, like ``numpy.nanvar``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.nanvar(ca.from_array(np.array([1.0, np.nan, 3.0]), chunks=2)).compute()
    np.float64(1.0)
    """
    return _moments(x, np.nanvar, "nanvar", True, axis, dtype, keepdims, split_every,
                    _degrees(ddof, correction))


def std(x: Any, /, axis: Any = None, *, dtype: Any = None, ddof: float | None = None,
        correction: float | None = None, keepdims: bool = False,
        split_every: Any = None) -> ChunkedArray:
    """Standard deviation over ``axis``, like ``numpy.std``.

    >>> import chunkarray as ca
    >>> ca.std(ca.arange(4, chunks=3)).compute()
    np.float64(1.118033988749895)
    """
    return _moments(x, np.std, "std", False, axis, dtype, keepdims, split_every,
                    _degrees(ddof, correction), sqrt=True)


def nanstd(x: Any, /, axis: Any = None, *, dtype: Any = None, ddof: float | None = None,
           correction: float | None = None, keepdims: bool = False,
           split_every: Any = None) -> ChunkedArray:
    """Standard deviation ignoring NaN, like ``numpy.nanstd``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.nanstd(ca.from_array(np.array([1.0, np.nan, 3.0]), chunks=2)).compute()
    np.float64(1.0)
    """
    return _moments(x, np.nanstd, "nanstd", True, axis, dtype, keepdims, split_every,
                    _degrees(ddof, correction),
                    sqrt=True)


# --- argmin, argmax -------------------------------------------------------------------------------


def _arg(x: Any, func: Callable[..., Any], label: str, skipna: bool, axis: Any, keepdims: bool,
         split_every: Any) -> ChunkedArray:
    x = asarray(x)
    flat = axis is None
    if flat:
        require_known_chunks(x, label)  # flat indices need every block's offset
        if x.size == 0:
            raise ValueError(f"attempt to get {label} of an empty sequence")
        axes = tuple(range(x.ndim))
    else:
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
            raise TypeError(f"{label}: axis must be None or an int, got {axis!r}")
        axes = (normalize_axis_index(int(axis), x.ndim, "axis"),)
        # Indices along the axis need the blocks' offsets there; other axes may be unknown.
        require_known_chunks(x, label, axes)
        if x.shape[axes[0]] == 0:
            raise ValueError(f"attempt to get {label} of an empty sequence")
    if x._node.masked and not skipna:
        # As numpy.ma: the index in the data with masked values filled by a value never picked
        # over another (but tied with an equal one), so an all-masked slice gives index 0.
        fill = mk.fill_for("min" if func is np.argmin else "max", x.dtype)
        ind = tuple(range(x.ndim))
        x = ChunkedArray(blockwise_node(partial(mk.filled, fill_value=fill), ind, x._node, ind,
                                        dtype=x.dtype, token="filled", masked=False))
    shared = {"func": func, "flat": flat, "skipna": skipna}
    r = Reduction(rk.arg_chunk, rk.arg_combine, rk.arg_aggregate, offsets=True,
                  shared_kwargs=shared)
    return reduce(x, r, axes, dtype=np.dtype(np.intp), keepdims=keepdims,
                  split_every=split_every, label=label)


def argmin(x: Any, /, axis: Any = None, *, keepdims: bool = False, split_every: Any = None
           ) -> ChunkedArray:
    """Index of the minimum (in the flattened array when ``axis`` is None), like ``numpy.argmin``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.argmin(ca.from_array(np.array([3, 1, 2, 1]), chunks=2)).compute()
    np.int64(1)
    """
    return _arg(x, np.argmin, "argmin", False, axis, keepdims, split_every)


def argmax(x: Any, /, axis: Any = None, *, keepdims: bool = False, split_every: Any = None
           ) -> ChunkedArray:
    """Index of the maximum, like ``numpy.argmax``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.argmax(ca.from_array(np.array([3, 5, 2, 5]), chunks=2)).compute()
    np.int64(1)
    """
    return _arg(x, np.argmax, "argmax", False, axis, keepdims, split_every)


def nanargmin(x: Any, /, axis: Any = None, *, keepdims: bool = False, split_every: Any = None
              ) -> ChunkedArray:
    """Index of the minimum ignoring NaN, like ``numpy.nanargmin``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.nanargmin(ca.from_array(np.array([np.nan, 2.0, 1.0]), chunks=2)).compute()
    np.int64(2)
    """
    return _arg(x, np.argmin, "nanargmin", True, axis, keepdims, split_every)


def nanargmax(x: Any, /, axis: Any = None, *, keepdims: bool = False, split_every: Any = None
              ) -> ChunkedArray:
    """Index of the maximum ignoring NaN, like ``numpy.nanargmax``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.nanargmax(ca.from_array(np.array([np.nan, 2.0, 1.0]), chunks=2)).compute()
    np.int64(1)
    """
    return _arg(x, np.argmax, "nanargmax", True, axis, keepdims, split_every)

