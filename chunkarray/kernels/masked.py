"""Per-block functions of masked arrays (``numpy.ma.MaskedArray`` blocks): numpy.ma's semantics.

The reductions follow numpy.ma's own: masked values are left out (replaced by a value that changes
nothing, as ``MaskedArray.sum`` fills with 0), and a result is masked where every value it
reduces is masked. Partial results of the moments are plain arrays of counts and sums; only the
aggregate makes a masked result, masked as numpy.ma masks ``mean`` and ``var``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chunkarray.kernels import reductions as rk
from chunkarray.kernels.blocks import store_fill_value

__all__ = [
    "count_chunk", "default_fill", "divide_scalars", "fill_for", "filled", "fix_invalid",
    "getdata", "getmaskarray", "ma_reduce", "masked_array", "masked_weights", "masked_where",
    "mean_aggregate", "mean_chunk", "moment_chunk", "moment_combine", "set_fill_value",
    "var_aggregate",
]

Axes = tuple[int, ...]


def fill_for(kind: str, dtype: np.dtype) -> Any:
    """The value that leaves a reduction unchanged: ``"min"`` / ``"max"`` are numpy.ma's fill
    values for ``min`` and ``max`` (the largest and smallest value of ``dtype``).

    >>> fill_for("min", np.dtype(np.int8)), fill_for("zero", np.dtype(float))
    (127, 0)
    """
    if kind == "min":
        return np.ma.minimum_fill_value(np.empty(0, dtype))
    if kind == "max":
        return np.ma.maximum_fill_value(np.empty(0, dtype))
    return {"zero": 0, "one": 1}[kind]


def ma_reduce(x: Any, *, func: Any, fill: str, axis: Axes, keepdims: bool = True,
              dtype: Any = None) -> np.ma.MaskedArray:
    """``func`` over the unmasked values of ``x`` along ``axis``, masked where all are masked.

    Every step of a masked reduction (chunk, combine, aggregate) is this function. The result is
    always a masked array (NumPy would give a scalar, or ``numpy.ma.masked``, when 0-d).

    >>> x = np.ma.array([[1, 2], [3, 4]], mask=[[1, 1], [0, 1]])
    >>> ma_reduce(x, func=np.sum, fill="zero", axis=(1,), keepdims=False)
    masked_array(data=[--, 3],
                 mask=[ True, False],
           fill_value=999999)
    """
    data = np.ma.getdata(x)
    mask = np.ma.getmaskarray(x)
    if any(data.shape[a] == 0 for a in axis) and fill in ("min", "max"):
        # An empty block of a non-empty array (which was checked): nothing to say, as the
        # plain reductions' empty partial results (see kernels.reductions.reduce_chunk).
        keep = tuple(slice(0, 0) if a in axis else slice(None) for a in range(data.ndim))
        return np.ma.MaskedArray(data[keep], mask=mask[keep])
    kwargs = {} if dtype is None else {"dtype": dtype}
    values = np.where(mask, fill_for(fill, data.dtype), data).astype(data.dtype, copy=False) \
        if mask.any() else data
    out = func(values, axis=axis, keepdims=keepdims, **kwargs)
    return np.ma.MaskedArray(out, mask=mask.all(axis=axis, keepdims=keepdims))


def count_chunk(x: Any, *, axis: Axes, keepdims: bool = True) -> np.ndarray:
    """The number of unmasked values along ``axis`` (``MaskedArray.count``), as intp.

    >>> count_chunk(np.ma.array([1, 2, 3], mask=[0, 1, 0]), axis=(0,))
    array([2])
    """
    return np.asarray(np.sum(~np.ma.getmaskarray(x), axis=axis, keepdims=keepdims,
                             dtype=np.intp))


# --- mean, var, std: plain (count, sum) and (count, mean, m2) states ------------------------------


def mean_chunk(x: Any, *, axis: Axes, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """(count, sum) of the unmasked values of one block, the sum in ``dtype`` as numpy.ma's."""
    return count_chunk(x, axis=axis), np.sum(np.ma.filled(x, 0), axis=axis, keepdims=True,
                                             dtype=dtype)


def mean_aggregate(state: tuple[np.ndarray, np.ndarray], *, axis: Axes, keepdims: bool,
                   dtype: np.dtype) -> np.ma.MaskedArray:
    """As ``MaskedArray.mean``: ``sum * 1. / count``, masked where the count is zero; with axes
    left, also where the result is not finite (numpy.ma's division masks those, but a 0-d mean
    is a division of NumPy scalars)."""
    n, total = state
    n = np.sum(n, axis=axis, keepdims=keepdims)
    total = np.sum(total, axis=axis, keepdims=keepdims)
    with np.errstate(all="ignore"):
        out = np.asarray(total * 1.0 / n).astype(dtype, copy=False)
        mask = (n == 0) | ~np.isfinite(out) if out.ndim else n == 0
    return np.ma.MaskedArray(out, mask=mask)


Moments = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def moment_chunk(x: Any, *, axis: Axes, dtype: Any) -> Moments:
    """(count, mean, sum of squared deviations, fill) of the unmasked values of one block.

    ``fill`` holds (as objects) the fill value the block was given, None if none: numpy.ma's
    ``var`` along axes hands it on to its result.
    """
    mask = np.ma.getmaskarray(x)
    data = np.ma.getdata(x)
    n = count_chunk(x, axis=axis)
    total = np.sum(np.where(mask, 0, data), axis=axis, keepdims=True, dtype=dtype)
    with np.errstate(all="ignore"):
        mean = total / np.maximum(n, 1)
        dev = np.where(mask, 0, data - mean)
    m2 = np.sum(dev.real * dev.real + dev.imag * dev.imag if dev.dtype.kind == "c"
                else dev * dev, axis=axis, keepdims=True)
    return n, mean, m2, _objects(n.shape, getattr(x, "_fill_value", None))


def _objects(shape: tuple[int, ...], value: Any) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out.fill(value)  # the object itself in every element (an array value is not broadcast)
    return out


def moment_combine(state: Moments, *, axis: Axes, keepdims: bool = True) -> Moments:
    """Merge block moments (see :func:`chunkarray.kernels.reductions.moment_combine`)."""
    n, mean, m2, fill = state
    merged = rk.moment_combine((n, mean, m2), axis=axis, keepdims=keepdims)
    first = fill.reshape(-1)[0] if fill.size else None
    return (*merged, _objects(merged[0].shape, first))


def var_aggregate(state: Moments, *, axis: Axes, keepdims: bool, ddof: float, dtype: np.dtype,
                  sqrt: bool = False, empty: bool = False) -> np.ma.MaskedArray:
    """As ``MaskedArray.var`` (and ``std``): ``m2 / (count - ddof)``, masked where that count is
    not positive, with the input's fill value; a 0-d result as numpy.ma's division masks it
    (every value masked, ``count == ddof``, or not finite). ``empty``: the sum of the squared
    deviations is not masked though there are no values (numpy.ma's, for complex arrays)."""
    n, _, m2, fill = moment_combine(state, axis=axis, keepdims=keepdims)
    dof = n - ddof
    with np.errstate(all="ignore"):
        out = np.asarray(m2 / dof).astype(dtype, copy=False)
        if out.ndim:
            mask = dof <= 0
        else:
            mask = ((n == 0) & (not empty)) | (dof == 0) | ~np.isfinite(out)
        if sqrt:  # numpy.ma's sqrt masks negative values (a 0-d count below ddof)
            mask = mask | (out < 0)
            out = np.sqrt(out)
    result = np.ma.MaskedArray(out, mask=mask)
    stored = fill.reshape(-1)[0] if fill.size and out.ndim else None
    if stored is not None:
        store_fill_value(result, np.array(stored, copy=True))
    return result


# --- elementwise ----------------------------------------------------------------------------------


def masked_weights(x: Any, weights: Any) -> np.ma.MaskedArray:
    """The weights of ``x`` as ``numpy.ma.average`` takes them: zero and masked where ``x`` is
    masked.

    >>> masked_weights(np.ma.array([1.0, 2.0], mask=[0, 1]), np.array([3, 4]))
    masked_array(data=[3, --],
                 mask=[False,  True],
           fill_value=999999)
    """
    mask = np.ma.getmaskarray(x)
    out = np.ma.asarray(weights) * ~mask
    return np.ma.MaskedArray(out, mask=np.ma.getmaskarray(out) | mask)


def divide_scalars(a: Any, b: Any) -> np.ma.MaskedArray:
    """``a / b`` of 0-d blocks as NumPy scalars divide (no masking of a zero divisor), masked
    where either is masked."""
    with np.errstate(all="ignore"):
        out = np.true_divide(np.ma.getdata(a), np.ma.getdata(b))
    return np.ma.MaskedArray(out, mask=np.ma.getmaskarray(a) | np.ma.getmaskarray(b))


def filled(x: Any, fill_value: Any = None) -> np.ndarray:
    """``numpy.ma.filled``, always a fresh-enough plain array (never a masked one).

    >>> filled(np.ma.array([1, 2], mask=[0, 1]), 0)
    array([1, 0])
    """
    return np.asarray(np.ma.filled(x, fill_value))


def getdata(x: Any) -> np.ndarray:
    """``numpy.ma.getdata``: the values under the mask too."""
    return np.ma.getdata(x)


def getmaskarray(x: Any) -> np.ndarray:
    """``numpy.ma.getmaskarray``: the mask as a boolean array of the block's shape."""
    return np.ma.getmaskarray(x)


def masked_where(condition: Any, x: Any, fill_value: Any = None) -> np.ma.MaskedArray:
    """``numpy.ma.masked_where`` on one block (the input's own mask is kept), then
    ``fill_value`` set when given.

    >>> masked_where(np.array([True, False]), np.array([1, 2]))
    masked_array(data=[--, 2],
                 mask=[ True, False],
           fill_value=999999)
    """
    out = np.ma.masked_where(condition, x, copy=False)
    if fill_value is not None:
        out.fill_value = fill_value
    return out


def masked_array(data: Any, mask: Any, fill_value: Any = None) -> np.ma.MaskedArray:
    """A masked block of ``data`` with ``mask`` (``numpy.ma.masked_array``)."""
    return np.ma.masked_array(data, mask=mask, fill_value=fill_value)


def set_fill_value(x: Any, fill_value: Any) -> np.ma.MaskedArray:
    """A masked view of the block with ``fill_value`` (the block itself is not changed)."""
    out = np.ma.asarray(x).view()
    store_fill_value(out, None)  # the view shares the input's stored value, which the setter
    # would write into
    out.fill_value = fill_value
    return out


def default_fill(x: Any) -> np.ma.MaskedArray:
    """A masked view of the block whose fill value is its dtype's default, as numpy.ma's joins
    (``concatenate``, ``stack``) give.

    >>> default_fill(np.ma.array([1.0], fill_value=5)).fill_value
    np.float64(1e+20)
    """
    out = np.ma.asarray(x).view()
    store_fill_value(out, None)  # numpy.ma's "never set", not the default set explicitly
    return out


def fix_invalid(x: Any, fill_value: Any = None) -> np.ma.MaskedArray:
    """``numpy.ma.fix_invalid``: NaN and infinities masked and replaced by the fill value."""
    return np.ma.fix_invalid(x, fill_value=fill_value)
