"""``pad`` in every mode of ``numpy.pad``, one axis after the other as NumPy pads.

Padding an axis joins pieces before and after the array along it: basic-indexing slices
(``edge``, ``reflect``, ``symmetric``, ``wrap``: pushed down into reads), constant or empty
blocks, statistics of the array's ends (small reductions, broadcast), and linear ramps (one
blockwise step over the edge). Graph building is O(blocks per axis).
"""

from __future__ import annotations

import operator
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray
from chunkarray.core.tokenize import tokenize
from chunkarray.ops.creation import empty, full
from chunkarray.ops.elementwise import astype, elemwise
from chunkarray.ops.indexing import getitem
from chunkarray.ops.join import concatenate
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.reductions import max as max_
from chunkarray.ops.reductions import mean
from chunkarray.ops.reductions import min as min_
from chunkarray.ops.shape import _along, _as_chunked, broadcast_to
from chunkarray.primitives.blockwise import blockwise_node

__all__ = ["pad"]

_PAD_OPTIONS: dict[str, set[str]] = {
    "constant": {"constant_values"}, "edge": set(), "reflect": {"reflect_type"},
    "symmetric": {"reflect_type"}, "wrap": set(), "linear_ramp": {"end_values"},
    "maximum": {"stat_length"}, "mean": {"stat_length"}, "median": {"stat_length"},
    "minimum": {"stat_length"}, "empty": set(),
}
_STATS = ("maximum", "mean", "median", "minimum")


def _runs(lo: int, hi: int, n: int, mode: str) -> list[slice]:
    """Slices of an axis of length ``n`` that give positions ``lo..hi`` of its wrapped, reflected
    (edge not repeated) or symmetric (edge repeated) extension, in order.

    >>> _runs(-2, 0, 3, "reflect"), _runs(3, 5, 3, "wrap"), _runs(-2, 0, 3, "symmetric")
    ([slice(2, 0, -1)], [slice(0, 2, 1)], [slice(1, None, -1)])
    """
    out, j = [], lo
    period = {"wrap": n, "reflect": 2 * (n - 1), "symmetric": 2 * n}[mode]
    rise = n if mode != "reflect" else n - 1  # positions of a period read upwards
    while j < hi:
        m = j % period
        if m < rise:  # going up from index m
            length = min(hi - j, rise - m)
            out.append(slice(m, m + length, 1))
        else:  # coming down
            start = period - m if mode == "reflect" else period - 1 - m
            length = min(hi - j, start + 1 if mode == "symmetric" else period - m)
            out.append(slice(start, start - length if start - length >= 0 else None, -1))
        j += length
    return out


def _shape_with(x: ChunkedArray, axis: int, width: int) -> tuple[int, ...]:
    return tuple(width if d == axis else s for d, s in enumerate(x.shape))


def _chunks_with(x: ChunkedArray, axis: int, width: int) -> tuple[tuple[int, ...], ...]:
    return tuple((width,) if d == axis else c for d, c in enumerate(x.chunks))


def _edge(x: ChunkedArray, axis: int, side: int) -> ChunkedArray:
    n = x.shape[axis]
    return getitem(x, _along(x.ndim, axis, slice(0, 1) if side == 0 else slice(n - 1, n)))


def _stat(x: ChunkedArray, axis: int, side: int, length: Any, mode: str) -> ChunkedArray:
    """NumPy's statistic of the first (``side`` 0) or last ``length`` elements along ``axis``."""
    n = x.shape[axis]
    length = n if length is None or length > n else int(length)
    if length == 0 and mode in ("maximum", "minimum"):
        raise ValueError("stat_length of 0 yields no value for padding")
    part = getitem(x, _along(x.ndim, axis, slice(0, length) if side == 0 else
                             slice(n - length, n)))
    if mode == "mean":
        value = mean(part, axis=axis, keepdims=True)
    elif mode == "maximum":
        value = max_(part, axis=axis, keepdims=True)
    elif mode == "minimum":
        value = min_(part, axis=axis, keepdims=True)
    else:  # exact: the whole stretch in one block per task, as NumPy takes it
        part = rechunk(part, {axis: -1})
        probe = np.median(np.ones((1,) * x.ndim, x.dtype), axis=axis, keepdims=True)
        value = ChunkedArray(blockwise_node(
            partial(_median, axis=axis), tuple(range(x.ndim)), part._node, tuple(range(x.ndim)),
            dtype=probe.dtype, adjust_chunks={axis: 1},
            name="pad-median-" + tokenize(part.name, axis)))
    if np.issubdtype(x.dtype, np.integer) and value.dtype.kind in "fc":
        value = ChunkedArray(blockwise_node(
            np.round, tuple(range(x.ndim)), value._node, tuple(range(x.ndim)),
            dtype=value.dtype, name="round-" + tokenize(value.name)))
    return value


def _median(block: np.ndarray, *, axis: int) -> Any:
    return np.median(block, axis=axis, keepdims=True)


def _ramp_block(edge: np.ndarray, *, end: Any, width: int, axis: int, dtype: np.dtype,
                reverse: bool) -> np.ndarray:
    """NumPy's linear ramp from ``end`` to the edge values (excluded), ``width`` long."""
    ramp = np.linspace(end, edge.squeeze(axis), width, endpoint=False, dtype=dtype, axis=axis)
    return np.flip(ramp, axis) if reverse else ramp


def _ramp(x: ChunkedArray, axis: int, side: int, width: int, end: Any) -> ChunkedArray:
    edge = _edge(x, axis, side)
    ind = tuple(range(x.ndim))
    kernel = partial(_ramp_block, end=end, width=width, axis=axis, dtype=x.dtype,
                     reverse=side == 1)
    return ChunkedArray(blockwise_node(
        kernel, ind, edge._node, ind, dtype=x.dtype, adjust_chunks={axis: width},
        name="pad-ramp-" + tokenize(edge.name, repr(end), width, axis, side)))


def _pad_side(x: ChunkedArray, axis: int, width: int, side: int, mode: str, option: Any
              ) -> list[ChunkedArray]:
    """The pieces that pad ``axis`` by ``width`` before (``side`` 0) or after (1) the array."""
    if not width:
        return []
    n = x.shape[axis]
    shape = _shape_with(x, axis, width)
    if mode == "constant":
        return [full(shape, option[side], x.dtype, chunks=_chunks_with(x, axis, width))]
    if mode == "empty":
        return [empty(shape, x.dtype, chunks=_chunks_with(x, axis, width))]
    if mode == "linear_ramp":
        return [_ramp(x, axis, side, width, option[side])]
    if mode in _STATS:
        return [broadcast_to(astype(_stat(x, axis, side, option[side], mode), x.dtype), shape)]
    if mode == "edge" or n == 1:  # reflecting a single element repeats it (NumPy's legacy)
        return [broadcast_to(_edge(x, axis, side), shape)]
    lo, hi = (-width, 0) if side == 0 else (n, n + width)
    return [getitem(x, _along(x.ndim, axis, s)) for s in _runs(lo, hi, n, mode)]


def _odd(edge: ChunkedArray, mirrored: ChunkedArray, dtype: np.dtype) -> ChunkedArray:
    """``2 * edge - mirrored`` in the array's dtype, as NumPy writes it into the padded array."""
    return astype(elemwise(np.subtract, elemwise(np.multiply, 2, edge), mirrored), dtype)


def _pad_odd(x: ChunkedArray, axis: int, before: int, after: int, include_edge: bool
             ) -> ChunkedArray:
    """``reflect_type="odd"``: NumPy's passes, each mirroring what is padded so far about its edge
    (``2 * edge - mirrored``), so values keep growing past one period rather than repeating."""
    n = x.shape[axis]
    out = x
    while before > 0 or after > 0:
        m = out.shape[axis]
        if include_edge:
            span, shift = m // n * n, 1
        else:
            span, shift = (m - 1) // (n - 1) * (n - 1), 0
        parts = []
        if before > 0:
            k = min(span, before)
            stop = None if shift else 0  # down to element 0 (symmetric) or 1 (reflect)
            mirrored = getitem(out, _along(x.ndim, axis, slice(k - shift, stop, -1)))
            parts.append(_odd(_edge(out, axis, 0), mirrored, x.dtype))
            before -= k
        parts.append(out)
        if after > 0:
            k = min(span, after)
            first = m - 2 + shift
            mirrored = getitem(out, _along(x.ndim, axis, slice(first, first - k if first - k >= 0
                                                               else None, -1)))
            parts.append(_odd(_edge(out, axis, 1), mirrored, x.dtype))
            after -= k
        out = concatenate(parts, axis)
    return out


def _pairs(value: Any, ndim: int, name: str) -> np.ndarray:
    try:
        return np.broadcast_to(np.asarray(value), (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: {name}={value!r} cannot be read as (before, after) pairs for "
                         f"{ndim} axes; give a scalar, a pair, or one pair per axis") from None


def _stat_lengths(value: Any, ndim: int) -> list[tuple[Any, Any]]:
    """``stat_length`` as NumPy reads it: None (the whole axis), or rounded non-negative ints."""
    if value is None:
        return [(None, None)] * ndim
    lengths = np.round(np.asarray(value)).astype(np.intp)
    if lengths.size and lengths.min() < 0:
        raise ValueError(f"index can't contain negative values: stat_length={value!r}")
    return [tuple(p) for p in _pairs(lengths, ndim, "stat_length").tolist()]


def _options(mode: str, kwargs: dict[str, Any], ndim: int) -> Any:
    if mode == "constant":
        return _pairs(kwargs.get("constant_values", 0), ndim, "constant_values")
    if mode == "linear_ramp":
        return _pairs(kwargs.get("end_values", 0), ndim, "end_values")
    if mode in _STATS:
        return _stat_lengths(kwargs.get("stat_length"), ndim)
    return [None] * ndim


def _widths(pad_width: Any, ndim: int) -> list[tuple[int, int]]:
    if isinstance(pad_width, dict):  # {axis: width or (before, after)}, as NumPy 2.3 takes
        per_axis = [(0, 0)] * ndim
        for axis, width in pad_width.items():
            per_axis[normalize_axis_index(axis, ndim)] = (
                (width, width) if isinstance(width, (int, np.integer)) else tuple(width))
        pad_width = per_axis
    widths = np.asarray(pad_width)
    if widths.dtype.kind != "i":
        raise TypeError("`pad_width` must be of integral type.")
    if (widths < 0).any():
        raise ValueError(f"index can't contain negative values: pad_width={pad_width!r}")
    return [(int(b), int(a)) for b, a in _pairs(widths.astype(np.int64), ndim, "pad_width")]


def pad(array: Any, /, pad_width: Any, mode: str = "constant", **kwargs: Any) -> ChunkedArray:
    """Pad an array, like ``numpy.pad``, in every mode of NumPy's but a function.

    Modes ``constant`` (``constant_values``), ``edge``, ``linear_ramp`` (``end_values``),
    ``maximum``, ``mean``, ``median``, ``minimum`` (``stat_length``), ``reflect``,
    ``symmetric`` (``reflect_type`` ``"even"`` or ``"odd"``), ``wrap`` and ``empty``.
    ``pad_width`` is an int, a ``(before, after)`` pair, one pair per axis, or a dict from axis
    to an int or a pair.

    >>> import chunkarray as ca
    >>> pad(ca.arange(4, chunks=2), (2, 1), mode="reflect").compute()
    array([2, 1, 0, 1, 2, 3, 2])
    >>> pad(ca.arange(4, chunks=2), 2, mode="linear_ramp", end_values=9).compute()
    array([9, 4, 0, 1, 2, 3, 6, 9])
    """
    x = _as_chunked(array)
    if callable(mode):
        raise TypeError("pad: a function as mode is not supported on chunked arrays; "
                        f"use one of {', '.join(map(repr, _PAD_OPTIONS))}")
    if mode not in _PAD_OPTIONS:
        raise ValueError(f"pad: mode={mode!r} is not supported; allowed: "
                         f"{', '.join(map(repr, _PAD_OPTIONS))}")
    unsupported = set(kwargs) - _PAD_OPTIONS[mode]
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode {mode!r}: {unsupported}")
    reflect_type = kwargs.get("reflect_type", "even")
    if reflect_type not in ("even", "odd"):
        raise ValueError(f"pad: reflect_type={reflect_type!r} is not one of 'even', 'odd'")
    widths = _widths(pad_width, x.ndim)
    options = _options(mode, kwargs, x.ndim)
    if x.ndim == 0:  # nothing to pad, whatever the widths (as NumPy)
        return x
    for axis, (before, after) in enumerate(widths):
        if mode not in ("constant", "empty") and x.shape[axis] == 0 and (before or after):
            raise ValueError(f"can't extend empty axis {axis} using modes other than "
                             f"'constant' or 'empty'")
    if x.size == 0 and mode not in ("constant", "empty"):  # nothing to read: an empty result
        mode = "empty"
    for axis, (before, after) in enumerate(widths):
        if not (before or after):
            continue
        if reflect_type == "odd" and mode in ("reflect", "symmetric") and x.shape[axis] > 1:
            x = _pad_odd(x, axis, before, after, mode == "symmetric")
            continue
        parts = [*_pad_side(x, axis, before, 0, mode, options[axis]), x,
                 *_pad_side(x, axis, after, 1, mode, options[axis])]
        x = concatenate(parts, axis)
    return x


def _index(value: Any) -> int:
    return operator.index(value)
