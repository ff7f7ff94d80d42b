"""Order statistics: ``median``, ``percentile``, ``quantile`` and their nan-forms, exact.

Three ways, by where the reduced axes lie:

- In one block each: NumPy's own function, block by block.
- Split, with lanes (the reduced axes of one position of the others) of at most the
  ``chunk_size`` setting, on an N-d array: rechunked so each block holds whole lanes (the other
  axes split to keep blocks at that size), then NumPy's function block by block. This is the
  only rechunk, and only of lanes known to be small: a lane longer than ``chunk_size`` is never
  put in one block.
- Otherwise (a 1-d array or a flattened one, or lanes larger than a block): an exact distributed
  selection per lane. Every block is sorted, sampled, and counted against bounds chosen from the
  samples; just the order statistics the quantiles need are selected (see
  :mod:`chunkarray.kernels.order`) and interpolated by NumPy's own helpers
  (:mod:`chunkarray.kernels.quantile`). Nothing rechunks such an axis into one block.

Every ``method=`` NumPy has is supported, with ``weights=`` for ``inverted_cdf`` as in NumPy
(weights need lanes of at most a block's size when the reduced axes are split).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from functools import partial
from itertools import product
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import order as ok
from chunkarray.kernels import quantile as qk
from chunkarray.ops.creation import asarray
from chunkarray.ops.dispatch import implements
from chunkarray.ops.indexing import getitem
from chunkarray.ops.join import stack
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.routines import transpose
from chunkarray.ops.shape import ravel, reshape
from chunkarray.ops.sorting import lane_chunks
from chunkarray.primitives.blockwise import blockwise_node

__all__ = ["median", "nanmedian", "nanpercentile", "nanquantile", "percentile", "quantile"]

_METHODS = tuple(qk._fb._QuantileMethods)


def _numpy_func(skipna: bool, median: bool) -> Callable[..., Any]:
    if median:
        return np.nanmedian if skipna else np.median
    return np.nanquantile if skipna else np.quantile


def _prepare_q(q: Any, percent: bool, label: str) -> tuple[np.ndarray, bool]:
    """``q`` as NumPy's quantile takes it (in [0, 1]) and NumPy's weak-promotion flag."""
    if isinstance(q, ChunkedArray):
        q = q.compute()  # a few numbers: needed now to check them and shape the result
    weak_q = type(q) in (int, float)
    qa = np.true_divide(q, 100) if percent else np.asanyarray(q)
    qa = np.asanyarray(qa)
    if qa.ndim > 2:
        raise ValueError(f"{label}: q must be a scalar or 1-d (NumPy takes up to 2-d), got "
                         f"q of shape {qa.shape}")
    if qa.dtype.kind not in "biuf":
        raise TypeError(f"{label}: q must be real numbers, got dtype {qa.dtype}")
    if qa.size and not (np.all(qa >= 0) and np.all(qa <= 1)):
        bad = np.asarray(q).ravel()[~((qa.ravel() >= 0) & (qa.ravel() <= 1))]
        what, top = ("percentiles", 100) if percent else ("quantiles", 1)
        raise ValueError(f"{label}: q={bad.tolist()}: {what} must be in [0, {top}]")
    return qa, weak_q


def _out_dtype(func: Callable[..., Any], x: ChunkedArray, q: Any, axes: tuple[int, ...],
               kwargs: dict[str, Any], weights: Any) -> np.dtype:
    """NumPy's result dtype, from its own function on a stand-in; it raises what NumPy raises
    for this dtype, method and empty axes."""
    meta = np.ones(tuple(0 if n == 0 else 1 for n in x.shape), dtype=x.dtype)
    extra = dict(kwargs)
    if weights is not None:
        extra["weights"] = np.ones(tuple(min(n, 1) for n in np.shape(weights)))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(func(meta, *([] if q is None else [q]), axis=axes, **extra)).dtype


def _blockwise(x: ChunkedArray, func: Callable[..., Any], q: Any, axes: tuple[int, ...],
               keepdims: bool, kwargs: dict[str, Any], weights: ChunkedArray | None,
               dtype: np.dtype, label: str) -> ChunkedArray:
    """NumPy's function block by block: every reduced axis is in one block."""
    qshape = () if q is None else np.shape(q)
    qletters = tuple(f"q{d}" for d in range(len(qshape)))
    kept = tuple(d for d in range(x.ndim) if keepdims or d not in axes)
    out_ind = qletters + kept
    adjust: dict[Any, Any] = {a: 1 for a in axes} if keepdims else {}
    args: list[Any] = [x._node, tuple(range(x.ndim))]
    if weights is not None:
        wind = tuple(range(x.ndim)) if weights.ndim == x.ndim else axes
        args += [weights._node, wind]
    kernel = partial(_np_block, func=func, q=q, axis=axes, keepdims=keepdims, **kwargs)
    node = blockwise_node(kernel, out_ind, *args, dtype=dtype, concatenate=True,
                          new_axes={letter: n for letter, n in zip(qletters, qshape)},
                          adjust_chunks=adjust, token=label)
    return ChunkedArray(node)


def _np_block(block: np.ndarray, weights: np.ndarray | None = None, *, func: Callable[..., Any],
              q: Any, axis: Any, keepdims: bool, **kwargs: Any) -> np.ndarray:
    if weights is not None:
        kwargs["weights"] = weights
        axis = axis[0] if len(axis) == 1 else axis  # NumPy takes 1-d weights with an int axis
    qs = [] if q is None else [q]
    return np.asarray(func(block, *qs, axis=axis, keepdims=keepdims, **kwargs))


def _select_lane(y: ChunkedArray, spec: qk.QuantileSpec, dtype: np.dtype) -> ChunkedArray:
    """The exact quantiles of one 1-d lane, by distributed selection: an array of q's shape."""
    ind = (0,)
    token = tokenize(y.name, spec.q, spec.weak_q, spec.method, spec.skipna, spec.median)
    srt = blockwise_node(ok.sort_block, ind, y._node, ind, dtype=y.dtype,
                         name=f"quantile-sort-{token}")
    step = ok.sample_step(y.chunks[0])
    samples = blockwise_node(partial(ok.regular_sample, step=step), ind, srt, ind,
                             dtype=y.dtype, adjust_chunks={0: lambda n: -(-n // step)},
                             name=f"quantile-sample-{token}")
    nans = blockwise_node(qk.nan_count, ind, srt, ind, dtype=np.int64,
                          adjust_chunks={0: 1}, name=f"quantile-nans-{token}")
    info = blockwise_node(partial(qk.lane_bounds, size=y.shape[0], step=step, spec=spec), (),
                          samples, ("m",), nans, ("n",), dtype=object,
                          name=f"quantile-bounds-{token}")
    counts = blockwise_node(qk.count_lane_block, ind, srt, ind, info, (), dtype=object,
                            name=f"quantile-counts-{token}")
    slots = 2 if spec.median else 2 * max(spec.q.size, 1)
    selected = blockwise_node(qk.select_slot, ("r",), counts, ("m",), info, (), dtype=object,
                              new_axes={"r": (1,) * slots}, block_kwargs=lambda i: {"i": i[0]},
                              name=f"quantile-select-{token}")
    shape = () if spec.median else spec.q.shape
    letters = tuple(f"q{d}" for d in range(len(shape)))
    finish = partial(qk.finish_lane, spec=spec, out_dtype=dtype, shape=shape)
    out = blockwise_node(finish, letters, selected, ("r",), info, (), dtype=dtype,
                         new_axes=dict(zip(letters, shape)), name=f"quantile-{token}")
    return ChunkedArray(out)


def _selected(x: ChunkedArray, axes: tuple[int, ...], keepdims: bool, spec: qk.QuantileSpec,
              dtype: np.dtype) -> ChunkedArray:
    """Distributed selection on every lane, the results put in NumPy's output shape."""
    kept = [d for d in range(x.ndim) if d not in axes]
    order = kept + list(axes)
    moved = x if order == list(range(x.ndim)) else transpose(x, tuple(order))
    kept_shape = tuple(x.shape[d] for d in kept)
    lanes = [_select_lane(ravel(getitem(moved, idx)), spec, dtype)
             for idx in product(*map(range, kept_shape))]
    qshape = () if spec.median else spec.q.shape
    if len(lanes) == 1 and not kept_shape:
        out = lanes[0]
    else:
        out = stack(lanes, axis=-1) if lanes[0].ndim else stack(lanes)
    full = qshape + tuple(1 if keepdims and d in axes else x.shape[d]
                          for d in range(x.ndim) if keepdims or d not in axes)
    return reshape(out, full) if out.shape != full else out


def _order_statistic(a: Any, q: Any, axis: Any, method: str, keepdims: bool, weights: Any,
                     out: Any, *, skipna: bool, percent: bool, median: bool, label: str
                     ) -> ChunkedArray:
    if out is not None:
        raise TypeError(f"{label}: out= is not supported on chunked arrays; got an out array")
    x = asarray(a)
    if x.dtype.kind == "c" and not median:
        raise TypeError(f"{label}: a must be an array of real numbers, got dtype {x.dtype}")
    if method not in _METHODS:
        raise ValueError(f"{label}: method={method!r} is not a valid method; allowed: "
                         f"{', '.join(_METHODS)}")
    qa, weak_q = (None, False) if median else _prepare_q(q, percent, label)
    # NumPy promotes a Python float q weakly (float32 data keeps float32): pass it on as one.
    q_call: Any = float(qa) if weak_q and qa is not None else qa
    if axis is not None and isinstance(axis, list):
        raise TypeError(f"{label}: axis must be None, an int or a tuple of ints, got {axis!r}")
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim, "axis")
    func = _numpy_func(skipna, median)
    kwargs = {} if median else {"method": method}
    w = _check_weights(weights, x, axes, method, label)
    require_known_chunks(x, label, axes)
    dtype = _out_dtype(func, x, q_call, axes, kwargs, w)
    if all(x.numblocks[d] == 1 for d in axes):
        return _blockwise(x, func, q_call, axes, keepdims, kwargs, w, dtype, label)
    kept_lanes = math.prod(x.shape[d] for d in range(x.ndim) if d not in axes)
    whole = lane_chunks(x.shape, axes, x.dtype.itemsize)
    if w is not None or (kept_lanes > 1 and whole is not None):
        if whole is None:
            raise NotImplementedError(
                f"{label}: weights= with the reduced axes split and lanes of "
                f"{x.dtype.itemsize * math.prod(x.shape[d] for d in axes)} bytes, more than "
                f"the chunk_size setting, are not supported; raise chunk_size")
        x = rechunk(x, whole)
        if w is not None:
            w = rechunk(w, whole if w.ndim == x.ndim else tuple(whole[d] for d in axes))
        return _blockwise(x, func, q_call, axes, keepdims, kwargs, w, dtype, label)
    spec = qk.QuantileSpec(qa if qa is not None else np.empty(0), weak_q, method, x.dtype,
                           skipna, median)
    return _selected(x, axes, keepdims, spec, dtype)


def _check_weights(weights: Any, x: ChunkedArray, axes: tuple[int, ...], method: str,
                   label: str) -> ChunkedArray | None:
    if weights is None:
        return None
    if method != "inverted_cdf":
        raise ValueError(f"{label}: weights= are supported by method='inverted_cdf' only, got "
                         f"method={method!r}")
    w = weights if isinstance(weights, ChunkedArray) else np.asanyarray(weights)
    if w.shape != x.shape:
        if len(axes) != 1 or w.ndim != 1 or w.shape[0] != x.shape[axes[0]]:
            raise ValueError(f"{label}: weights of shape {w.shape} must have the shape of a "
                             f"{x.shape}, or be 1-d of the length of the one reduced axis")
    if isinstance(w, np.ndarray):
        if np.any(w < 0):
            raise ValueError(f"{label}: weights must be non-negative")
        chunks = x.chunks if w.shape == x.shape else (x.chunks[axes[0]],)
        w = asarray(w, chunks=chunks)
    return w


@implements(np.quantile)
def quantile(a: Any, /, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False, *, weights: Any = None
             ) -> ChunkedArray:
    """The ``q``-th quantiles along ``axis``, exactly as ``numpy.quantile`` (every ``method``).

    Exact whether or not the reduced axes are split: lanes of at most the ``chunk_size`` setting
    are gathered into blocks and NumPy runs on them; longer lanes (and 1-d or flattened
    arrays) are never rechunked into one block but reduced by a distributed selection over
    sorted, sampled blocks (see the module). The other order statistics here do the same.

    >>> import chunkarray as ca, numpy as np
    >>> quantile(ca.from_array(np.array([7, 1, 5, 3]), chunks=2), [0.25, 0.5]).compute()
    array([2.5, 4. ])
    """
    return _order_statistic(a, q, axis, method, keepdims, weights, out, skipna=False,
                            percent=False, median=False, label="quantile")


@implements(np.nanquantile)
def nanquantile(a: Any, /, q: Any, axis: Any = None, out: Any = None,
                overwrite_input: bool = False, method: str = "linear", keepdims: bool = False,
                *, weights: Any = None) -> ChunkedArray:
    """Quantiles ignoring NaNs, like ``numpy.nanquantile``.

    >>> import chunkarray as ca, numpy as np
    >>> nanquantile(ca.from_array(np.array([7, np.nan, 5, 3]), chunks=2), 0.5).compute()
    np.float64(5.0)
    """
    return _order_statistic(a, q, axis, method, keepdims, weights, out, skipna=True,
                            percent=False, median=False, label="nanquantile")


@implements(np.percentile)
def percentile(a: Any, /, q: Any, axis: Any = None, out: Any = None,
               overwrite_input: bool = False, method: str = "linear", keepdims: bool = False,
               *, weights: Any = None) -> ChunkedArray:
    """The ``q``-th percentiles along ``axis``, like ``numpy.percentile``.

    >>> import chunkarray as ca, numpy as np
    >>> percentile(ca.arange(11, chunks=4), 30, method="lower").compute()
    np.int64(3)
    """
    return _order_statistic(a, q, axis, method, keepdims, weights, out, skipna=False,
                            percent=True, median=False, label="percentile")


@implements(np.nanpercentile)
def nanpercentile(a: Any, /, q: Any, axis: Any = None, out: Any = None,
                  overwrite_input: bool = False, method: str = "linear", keepdims: bool = False,
                  *, weights: Any = None) -> ChunkedArray:
    """Percentiles ignoring NaNs, like ``numpy.nanpercentile``.

    >>> import chunkarray as ca, numpy as np
    >>> nanpercentile(ca.from_array(np.array([1.0, np.nan, 3.0]), chunks=2), 50).compute()
    np.float64(2.0)
    """
    return _order_statistic(a, q, axis, method, keepdims, weights, out, skipna=True,
                            percent=True, median=False, label="nanpercentile")


@implements(np.median)
def median(a: Any, /, axis: Any = None, out: Any = None, overwrite_input: bool = False,
           keepdims: bool = False) -> ChunkedArray:
    """The median along ``axis``, like ``numpy.median``.

    Exact on split axes without putting a long lane in one block (see :func:`quantile`).

    >>> import chunkarray as ca
    >>> median(ca.arange(10, chunks=3)).compute()
    np.float64(4.5)
    """
    return _order_statistic(a, None, axis, "linear", keepdims, None, out, skipna=False,
                            percent=False, median=True, label="median")


@implements(np.nanmedian)
def nanmedian(a: Any, /, axis: Any = None, out: Any = None, overwrite_input: bool = False,
              keepdims: bool = False) -> ChunkedArray:
    """The median ignoring NaNs, like ``numpy.nanmedian``.

    >>> import chunkarray as ca, numpy as np
    >>> nanmedian(ca.from_array(np.array([1.0, np.nan, 4.0, 2.0]), chunks=2)).compute()
    np.float64(2.0)
    """
    return _order_statistic(a, None, axis, "linear", keepdims, None, out, skipna=True,
                            percent=False, median=True, label="nanmedian")
