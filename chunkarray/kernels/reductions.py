"""Per-block NumPy functions of the reductions: the chunk, combine and aggregate steps.

Every step keeps the reduced axes (``keepdims=True``) until the aggregate, so partial results of
neighbouring blocks concatenate along those axes. A partial result is an array or a tuple of
arrays (the *state*), e.g. ``(count, mean, m2)`` for variance.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from typing import Any, cast

import numpy as np

from chunkarray.kernels.blocks import concatenate_nested

Axes = tuple[int, ...]


def merge(nested: Any, *, step: Callable[..., Any], axes: Axes, **kwargs: Any) -> Any:
    """One level of a reduction tree: ``step`` (a combine or the aggregate) of the partial
    results of a group of blocks, joined along the reduced ``axes``.

    >>> merge([np.array([1]), np.array([2])], step=np.sum, axes=(0,), keepdims=True)
    array([3])
    """
    return step(concatenate_nested(nested, axes), axis=axes, **kwargs)


def merge_pieces(pieces: list[Any], *, combine: Callable[..., Any], axes: Axes,
                 **kwargs: Any) -> Any:
    """The chunk results of row pieces of one block merged into that block's (a fused program
    runs large blocks in pieces, see :mod:`chunkarray.kernels.program`).

    Pieces split axis 0: reduced along it, they are combined; kept, they are just joined.

    >>> merge_pieces([np.array([1]), np.array([2])], combine=np.sum, axes=(0,), keepdims=True)
    array([3])
    """
    state = concatenate_nested(pieces, (0,))
    return combine(state, axis=axes, **kwargs) if 0 in axes else state


# NumPy's reduction functions add a Python layer over the ufunc's own reduce; on small blocks
# that layer costs more than the arithmetic, so go to the ufunc directly (same loops, same result).
_DIRECT = {
    np.sum: np.add.reduce, np.prod: np.multiply.reduce, np.min: np.minimum.reduce,
    np.max: np.maximum.reduce, np.any: np.logical_or.reduce, np.all: np.logical_and.reduce,
}


# Reductions that warn about all-NaN slices: a block that is all NaN is normal mid-way through a
# reduction, so only the final answer may warn. Silencing costs microseconds, so only these pay it.
_NAN_WARNING = frozenset({np.nanmin, np.nanmax})


def _quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    if func not in _NAN_WARNING:
        return _DIRECT.get(func, func)(*args, **kwargs)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(*args, **kwargs)


# --- sums, products, extrema, logic: one NumPy reduction at every step ----------------------------


# Reductions without an identity fail on an empty block; the array as a whole was checked to be
# non-empty along the reduced axes when the reduction was built, so an empty block (after boolean
# masking, say) just has nothing to say: it gives an empty partial result that concatenation skips.
_NO_IDENTITY = frozenset({np.min, np.max, np.nanmin, np.nanmax})


def reduce_chunk(x: np.ndarray, *, func: Any, axis: Axes, dtype: Any = None) -> np.ndarray:
    if func in _NO_IDENTITY and any(x.shape[a] == 0 for a in axis):
        return x[tuple(slice(0, 0) if a in axis else slice(None) for a in range(x.ndim))]
    kwargs = {} if dtype is None else {"dtype": dtype}
    return _quiet(func, x, axis=axis, keepdims=True, **kwargs)


def direct_chunk(step: Any) -> Any:
    """``partial(reduce_chunk, func=..., ...)`` as the bare ufunc reduction it amounts to, if any.

    The chunk step runs once per block, so on small blocks its Python layers are most of its
    cost; sums, products and logic reduce through the ufunc itself (same loops, same result).
    """
    if isinstance(step, partial) and step.func is reduce_chunk:
        func = step.keywords["func"]
        ufunc = _DIRECT.get(func)
        if ufunc is not None and func not in _NO_IDENTITY:
            kwargs = {k: v for k, v in step.keywords.items() if k != "func"}
            return partial(ufunc, keepdims=True, **kwargs)
    return step


def reduce_combine(x: np.ndarray, *, func: Any, axis: Axes, keepdims: bool = True,
                   dtype: Any = None) -> np.ndarray:
    # Every step of sum(x, dtype=int8) must stay int8: np.sum of int8 partials would widen them
    # to int64, and the next operation would see unwrapped values (and bool sums count).
    if dtype is None:
        return _quiet(func, x, axis=axis, keepdims=keepdims)
    return _quiet(func, x, axis=axis, keepdims=keepdims, dtype=dtype)


def reduce_aggregate(x: np.ndarray, *, func: Any, axis: Axes, keepdims: bool,
                     dtype: Any = None) -> np.ndarray:
    kwargs = {} if dtype is None else {"dtype": dtype}
    return func(x, axis=axis, keepdims=keepdims, **kwargs)


def count_nonzero_chunk(x: np.ndarray, *, axis: Axes) -> np.ndarray:
    return np.asarray(np.count_nonzero(x, axis=axis, keepdims=True), dtype=np.intp)


# --- mean and moments: merge counts, means and sums of squared deviations -------------------------


def _count(x: np.ndarray, axis: Axes, skipna: bool) -> np.ndarray:
    if skipna and x.dtype.kind in "fc":
        # keepdims=True: always an array, which NumPy's overloads do not say.
        return cast(np.ndarray, np.sum(~np.isnan(x), axis=axis, keepdims=True, dtype=np.intp))
    n = int(np.prod([x.shape[a] for a in axis], dtype=np.intp))
    shape = tuple(1 if a in axis else s for a, s in enumerate(x.shape))
    return np.full(shape, n, dtype=np.intp)


def _sum(x: np.ndarray, axis: Axes, dtype: Any, skipna: bool) -> np.ndarray:
    sum_ = np.nansum if skipna and x.dtype.kind in "fc" else np.sum
    return sum_(x, axis=axis, dtype=dtype, keepdims=True)


def mean_chunk(x: np.ndarray, *, axis: Axes, dtype: Any, skipna: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
    return _count(x, axis, skipna), _sum(x, axis, dtype, skipna)


def mean_combine(state: tuple[np.ndarray, np.ndarray], *, axis: Axes, keepdims: bool = True
                 ) -> tuple[np.ndarray, np.ndarray]:
    n, total = state
    return np.sum(n, axis=axis, keepdims=keepdims), np.sum(total, axis=axis, keepdims=keepdims)


def mean_aggregate(state: tuple[np.ndarray, np.ndarray], *, axis: Axes, keepdims: bool,
                   dtype: Any) -> np.ndarray:
    # Combined with their axes kept, so an object array's total stays an array, not the object.
    n, total = mean_combine(state, axis=axis, keepdims=True)
    # As numpy.mean: divide in the accumulator's dtype, then cast to the result dtype.
    with np.errstate(invalid="ignore", divide="ignore"):
        if n.size and np.any(n == 0):
            warnings.warn("Mean of empty slice.", RuntimeWarning, stacklevel=2)
        out = np.true_divide(total, n, dtype=_divide_dtype(total), casting="unsafe")
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return out.astype(dtype, copy=False)


def _divide_dtype(total: np.ndarray) -> np.dtype:
    # Divide in the accumulator's dtype, as NumPy does (float32 stays float32, where ``total / n``
    # would promote it by the int64 count to float64); an integer accumulator (mean(x, dtype=int))
    # has no true_divide loop: NumPy divides in float64, then truncates.
    # Objects divide as themselves (a Fraction's mean is a Fraction, as in NumPy).
    return total.dtype if total.dtype.kind in "fcO" else np.dtype(np.float64)


def _abs2(x: np.ndarray) -> np.ndarray:
    return (x.real * x.real + x.imag * x.imag) if x.dtype.kind == "c" else x * x


def moment_chunk(x: np.ndarray, *, axis: Axes, dtype: Any, skipna: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(count, mean, sum of squared deviations from the mean) of one block: two passes over it."""
    n = _count(x, axis, skipna)
    total = _sum(x, axis, dtype, skipna)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.true_divide(total, np.maximum(n, 1), dtype=_divide_dtype(total),
                              casting="unsafe")
        # A complex block with a real dtype= (NumPy: the mean of the real parts, then every
        # element's distance from it, imaginary part included) keeps its imaginary parts.
        dev = _abs2((x if x.dtype.kind == "c" else np.asarray(x, dtype=mean.dtype)) - mean)
    m2 = (np.nansum if skipna else np.sum)(dev, axis=axis, keepdims=True)
    return n, mean, m2


def moment_combine(state: tuple[np.ndarray, np.ndarray, np.ndarray], *, axis: Axes,
                   keepdims: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge block moments (Chan, Golub and LeVeque): no sum of squares, no cancellation."""
    n, mean, m2 = state
    total = np.sum(n, axis=axis, keepdims=True)
    weights = n.astype(mean.real.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        merged = np.sum(weights * mean, axis=axis, keepdims=True) / np.maximum(total, 1)
    merged = merged.astype(mean.dtype, copy=False)
    spread = np.sum(m2, axis=axis, keepdims=True) + np.sum(
        weights * _abs2(mean - merged), axis=axis, keepdims=True
    )
    if not keepdims:
        total, merged, spread = (np.squeeze(a, axis=axis) for a in (total, merged, spread))
    return total, merged, spread.astype(m2.dtype, copy=False)


def var_aggregate(state: tuple[np.ndarray, np.ndarray, np.ndarray], *, axis: Axes,
                  keepdims: bool, ddof: float, dtype: Any, sqrt: bool = False,
                  nan_if_no_dof: bool = False) -> np.ndarray:
    # Combined with their axes kept, so an object array's result stays an array, not the object.
    n, _, m2 = moment_combine(state, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        if n.size and np.any(n - ddof <= 0):
            warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        out = np.true_divide(m2, np.maximum(n - ddof, 0), dtype=m2.dtype, casting="unsafe")
    if nan_if_no_dof:
        # numpy.nanvar (on floats) gives NaN where n <= ddof; numpy.var gives m2 / 0, i.e. inf.
        out = np.where(n - ddof <= 0, np.nan, out).astype(out.dtype, copy=False)
    if sqrt:
        # Objects (Python floats, Fractions) have no ``sqrt`` method for the ufunc to call.
        out = out ** 0.5 if out.dtype.hasobject else np.sqrt(out)
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return out.astype(dtype, copy=False)


# --- argmin / argmax: (value, global index) pairs -------------------------------------------------
#
# ``flat=True`` is ``axis=None``: indices are positions in the flattened whole array. Ties go to the
# smallest index and a NaN wins (unless ``skipna``), as in NumPy. An all-NaN slice has index -1
# until the aggregate, which raises as ``numpy.nanargmin`` does.


def arg_chunk(x: np.ndarray, *, axis: Axes, offset: tuple[int, ...], shape: tuple[int, ...],
              func: Any, flat: bool, skipna: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The extreme value and its index in the whole array, for one block."""
    if flat:
        values = x.reshape(-1)
        local = int(_arg_pick(values, 0, func, skipna)[0])
        keep = (1,) * x.ndim
        if local < 0:  # empty, or all NaN with skipna: only the index -1 matters
            return np.full(keep, _never_wins(x.dtype, func)), np.full(keep, -1, dtype=np.intp)
        coords = np.unravel_index(local, x.shape) if x.ndim else ()
        index = np.ravel_multi_index(tuple(c + o for c, o in zip(coords, offset)), shape) \
            if x.ndim else 0
        # A slice, not an element: an object array's element would be the bare object.
        return values[local:local + 1].reshape(keep), np.full(keep, index, dtype=np.intp)
    (a,) = axis
    if x.shape[a] == 0:  # an empty block (after a boolean mask): a value that never wins
        shape = x.shape[:a] + (1,) + x.shape[a + 1:]
        return np.full(shape, _never_wins(x.dtype, func)), np.full(shape, -1, dtype=np.intp)
    pick = _arg_pick(x, a, func, skipna)
    value = np.take_along_axis(x, np.maximum(pick, 0), axis=a)
    return value, np.where(pick >= 0, pick + offset[a], -1).astype(np.intp)


def _never_wins(dtype: np.dtype, func: Any) -> Any:
    """A value that argmin (or argmax) never picks over a real one, except on a tie."""
    smallest = func is np.argmax
    if dtype.kind in "fc":
        return np.array(-np.inf if smallest else np.inf).astype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.array(info.min if smallest else info.max, dtype=dtype)
    return np.array(not smallest, dtype=dtype)


def arg_combine(state: tuple[np.ndarray, np.ndarray], *, axis: Axes, func: Any, flat: bool,
                skipna: bool = False, keepdims: bool = True) -> tuple[np.ndarray, np.ndarray]:
    values, indices = state
    if flat:
        keep = (1,) * values.ndim
        value, position = _pick_flat(values.reshape(-1), indices.reshape(-1), func, skipna)
        value, index = np.reshape(value, keep), np.full(keep, position, dtype=np.intp)
    else:
        (a,) = axis
        if not skipna:  # partial results of empty blocks must not win
            values = np.where(indices < 0, _never_wins(values.dtype, func), values)
        pick = _arg_pick(values, a, func, skipna)
        value = np.take_along_axis(values, np.maximum(pick, 0), axis=a)
        index = np.where(pick >= 0, np.take_along_axis(indices, np.maximum(pick, 0), axis=a), -1)
    if not keepdims:
        value, index = np.squeeze(value, axis=axis), np.squeeze(index, axis=axis)
    return value, index


def arg_aggregate(state: tuple[np.ndarray, np.ndarray], *, axis: Axes, func: Any, flat: bool,
                  keepdims: bool, skipna: bool = False) -> np.ndarray:
    _, index = arg_combine(state, axis=axis, func=func, flat=flat, skipna=skipna,
                           keepdims=keepdims)
    if skipna and np.any(index < 0):
        raise ValueError("All-NaN slice encountered")
    return index.astype(np.intp, copy=False)


def _pick_flat(values: np.ndarray, indices: np.ndarray, func: Any, skipna: bool
               ) -> tuple[Any, int]:
    # Block results are not in flat order, so ties are broken by the smallest global index.
    valid = indices >= 0
    if not valid.any():
        return values[0], -1
    nan = (np.isnan(values) & valid) if values.dtype.kind in "fc" \
        else np.zeros(values.shape, bool)
    if skipna:
        valid &= ~nan
        nan = np.zeros(values.shape, bool)
    if nan.any():
        candidates = nan
    else:
        extreme = (np.min if func is np.argmin else np.max)(values[valid])
        candidates = valid & (values == extreme)
    index = int(np.min(indices[candidates]))
    return values[candidates][np.argmin(indices[candidates])], index


def _arg_pick(x: np.ndarray, axis: int, func: Any, skipna: bool) -> np.ndarray:
    """Position of the extreme along ``axis`` (keepdims); -1 where a slice is all NaN."""
    if x.shape[axis] == 0:
        return np.full(x.shape[:axis] + (1,) + x.shape[axis + 1:], -1, dtype=np.intp)
    if not (skipna and x.dtype.kind in "fc"):
        return func(x, axis=axis, keepdims=True)
    allnan = np.all(np.isnan(x), axis=axis, keepdims=True)
    filled = np.where(allnan, 0, x)
    nanfunc = np.nanargmin if func is np.argmin else np.nanargmax
    return np.where(allnan, -1, nanfunc(filled, axis=axis, keepdims=True))
