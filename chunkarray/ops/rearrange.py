"""Rearranging and extending along axes: flip, roll, pad, repeat, tile.

Built from basic indexing (``flip``, the pieces of ``roll`` and ``pad``), blockwise (``repeat``)
and joins. Graph building is O(blocks per axis).
"""

from __future__ import annotations

import hashlib
import operator
from collections import defaultdict
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.grid import MAX_NBYTES, axis_grid, check_addressable, check_block_counts
from chunkarray.core.tokenize import tokenize
from chunkarray.ops.creation import full
from chunkarray.ops.indexing import getitem
from chunkarray.ops.join import concatenate
from chunkarray.ops.shape import (
    _along,
    _as_chunked,
    broadcast_to,
    ravel,
    reshape,
)
from chunkarray.primitives.blockwise import blockwise_node

__all__ = ["flip", "pad", "repeat", "roll", "tile"]


# --- reordering ----------------------------------------------------------------------------------


def flip(m: Any, /, axis: Any = None) -> ChunkedArray:
    """Reverse the order of elements along ``axis`` (all axes by default), like ``numpy.flip``.

    >>> import chunkarray as ca
    >>> flip(ca.arange(5, chunks=2)).compute()
    array([4, 3, 2, 1, 0])
    """
    x = _as_chunked(m)
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim)
    if not axes:
        return x
    return getitem(x, tuple(slice(None, None, -1) if i in axes else slice(None)
                            for i in range(x.ndim)))


def roll(a: Any, /, shift: Any, axis: Any = None) -> ChunkedArray:
    """Shift elements along axes, those leaving one end re-entering at the other, like
    ``numpy.roll``; with ``axis=None`` the array is rolled flattened and its shape restored.

    >>> import chunkarray as ca
    >>> roll(ca.arange(5, chunks=2), 2).compute()
    array([3, 4, 0, 1, 2])
    """
    x = _as_chunked(a)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), x.shape)
    axes = normalize_axis_tuple(axis, x.ndim, allow_duplicate=True)
    pairs = np.broadcast(shift, axes if isinstance(axis, (tuple, list)) else axes[0])
    if pairs.ndim > 1:
        raise ValueError(f"roll: shift={shift!r} and axis={axis!r} should be scalars or 1D "
                         f"sequences")
    total: dict[int, int] = defaultdict(int)
    for s, ax in pairs:
        total[int(ax)] += operator.index(s)
    for ax, s in total.items():
        n = x.shape[ax]
        if n == 0 or s % n == 0:
            continue
        cut = n - s % n
        x = concatenate([getitem(x, _along(x.ndim, ax, slice(cut, None))),
                         getitem(x, _along(x.ndim, ax, slice(None, cut)))], axis=ax)
    return x


# --- padding -------------------------------------------------------------------------------------

_PAD_OPTIONS = {"constant": {"constant_values"}, "edge": set(), "reflect": {"reflect_type"},
                "wrap": set()}


def _runs(lo: int, hi: int, n: int, mode: str) -> list[slice]:
    """Slices of an axis of length ``n`` that give positions ``lo..hi`` of its reflected or
    wrapped extension, in order: one slice per pass over the axis.

    >>> _runs(-2, 0, 3, "reflect"), _runs(3, 5, 3, "wrap")
    ([slice(2, 0, -1)], [slice(0, 2, 1)])
    """
    out, j = [], lo
    while j < hi:
        if mode == "wrap":
            m = j % n
            length = min(hi - j, n - m)
            out.append(slice(m, m + length, 1))
        else:
            period = 2 * (n - 1)
            m = j % period
            if m < n - 1:  # going up from index m
                length = min(hi - j, n - 1 - m)
                out.append(slice(m, m + length, 1))
            else:  # coming down from index period - m
                length = min(hi - j, period - m)
                start = period - m
                out.append(slice(start, start - length if start - length >= 0 else None, -1))
        j += length
    return out


def _pad_side(x: ChunkedArray, axis: int, width: int, side: int, mode: str, value: Any
              ) -> list[ChunkedArray]:
    """The pieces that pad ``axis`` by ``width`` before (``side`` 0) or after (1) the array."""
    n = x.shape[axis]
    shape = tuple(width if d == axis else s for d, s in enumerate(x.shape))
    if not width:
        return []
    if mode == "constant":
        chunks = tuple((width,) if d == axis else c for d, c in enumerate(x.chunks))
        return [full(shape, value[side], x.dtype, chunks=chunks)]
    if mode == "edge" or n == 1:  # reflecting a single element repeats it
        edge = slice(0, 1) if side == 0 else slice(n - 1, n)
        return [broadcast_to(getitem(x, _along(x.ndim, axis, edge)), shape)]
    lo, hi = (-width, 0) if side == 0 else (n, n + width)
    return [getitem(x, _along(x.ndim, axis, s)) for s in _runs(lo, hi, n, mode)]


def _pad_axis(x: ChunkedArray, axis: int, before: int, after: int, mode: str, value: Any
              ) -> ChunkedArray:
    parts = [*_pad_side(x, axis, before, 0, mode, value), x,
             *_pad_side(x, axis, after, 1, mode, value)]
    return concatenate(parts, axis) if len(parts) > 1 else x


def _pairs(value: Any, ndim: int, name: str) -> np.ndarray:
    try:
        return np.broadcast_to(np.asarray(value), (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: {name}={value!r} cannot be read as (before, after) pairs for "
                         f"{ndim} axes; give a scalar, a pair, or one pair per axis") from None


def pad(array: Any, /, pad_width: Any, mode: str = "constant", **kwargs: Any) -> ChunkedArray:
    """Pad an array, like ``numpy.pad``, in modes ``constant``, ``edge``, ``reflect`` and ``wrap``.

    ``pad_width`` is an int, a ``(before, after)`` pair, one pair per axis, or a dict from axis
    to an int or a pair.

    >>> import chunkarray as ca
    >>> pad(ca.arange(4, chunks=2), (2, 1), mode="reflect").compute()
    array([2, 1, 0, 1, 2, 3, 2])
    """
    x = _as_chunked(array)
    if mode not in _PAD_OPTIONS:
        raise ValueError(f"pad: mode={mode!r} is not supported; allowed: "
                         f"{', '.join(map(repr, _PAD_OPTIONS))}")
    unsupported = set(kwargs) - _PAD_OPTIONS[mode]
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode {mode!r}: {unsupported}")
    if kwargs.get("reflect_type", "even") != "even":
        raise ValueError(f"pad: reflect_type={kwargs['reflect_type']!r} is not supported; "
                         f"only 'even'")
    if isinstance(pad_width, dict):  # {axis: width or (before, after)}, as NumPy 2.3 takes
        per_axis = [(0, 0)] * x.ndim
        for axis, width in pad_width.items():
            per_axis[normalize_axis_index(axis, x.ndim)] = (
                (width, width) if isinstance(width, (int, np.integer)) else tuple(width))
        pad_width = per_axis
    widths = np.asarray(pad_width)
    if widths.dtype.kind != "i":
        raise TypeError("`pad_width` must be of integral type.")
    if (widths < 0).any():
        raise ValueError(f"index can't contain negative values: pad_width={pad_width!r}")
    values = _pairs(kwargs.get("constant_values", 0), x.ndim, "constant_values")
    if x.ndim == 0:  # nothing to pad, whatever the widths (as NumPy)
        return x
    widths = _pairs(widths.astype(np.int64), x.ndim, "pad_width")
    for axis, (before, after) in enumerate(widths.tolist()):
        if mode != "constant" and x.shape[axis] == 0 and (before or after):
            raise ValueError(f"can't extend empty axis {axis} using modes other than "
                             f"'constant' or 'empty'")
        if before or after:
            x = _pad_axis(x, axis, before, after, mode, values[axis])
    return x


# --- repeating -----------------------------------------------------------------------------------


def repeat(a: Any, /, repeats: Any, axis: int | None = None) -> ChunkedArray:
    """Repeat each element along ``axis`` (the flattened array by default), like ``numpy.repeat``.

    ``repeats`` is one count for every element, or a 1-D sequence or NumPy array of counts, one per
    element along the axis (a single count broadcasts). The counts are known when the graph is
    built, so the output's chunks are too: output block ``j`` has as many elements along the
    axis as the counts of input block ``j`` add up to.

    >>> import chunkarray as ca
    >>> repeat(ca.arange(3, chunks=2), 2).compute()
    array([0, 0, 1, 1, 2, 2])
    >>> repeat(ca.arange(3, chunks=2), [1, 0, 3]).compute()
    array([0, 2, 2, 2])
    """
    x = _as_chunked(a)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis_index(axis, x.ndim)
    counts = _repeat_counts(repeats, x, axis)
    if counts.ndim == 1 and counts.size and (counts == counts[0]).all():
        counts = counts[0]  # one count for all: the cheaper, fusable path
    what = f"repeat: repeats={repeats!r} along axis {axis} of an array of shape {x.shape}"
    if counts.ndim == 0:
        check_addressable((*x.shape[:axis], x.shape[axis] * int(counts), *x.shape[axis + 1:]),
                          x.dtype.itemsize, what=what)
        return _repeat_each(x, int(counts), axis)
    if counts.size and int(counts.max()) * counts.size * x.size > MAX_NBYTES:
        # Only then can the count overflow: add it up exactly, in Python ints.
        length = sum(int(c) for c in counts)
        check_addressable((*x.shape[:axis], length, *x.shape[axis + 1:]), x.dtype.itemsize,
                          what=what)
    return _repeat_per_element(x, counts, axis)


def _repeat_counts(repeats: Any, x: ChunkedArray, axis: int) -> np.ndarray:
    """``repeats`` as 0-d or 1-D intp counts, checked in NumPy's order and with NumPy's errors."""
    if isinstance(repeats, ChunkedArray):
        # The output's chunk sizes depend on the counts' values, which a lazy array does not have.
        raise TypeError(f"repeat: repeats must be an int or a NumPy array of counts, got a "
                        f"chunked array {repeats!r}; pass repeats.compute() instead")
    counts = np.asarray(repeats)
    if counts.ndim > 1:
        raise ValueError(f"repeat: repeats must be an int or a 1-D sequence of counts, got "
                         f"{counts.ndim} dimensions (shape {counts.shape})")
    if counts.ndim == 1 and counts.size != 1:
        require_known_chunks(x, "repeat with one count per element", [axis])
        if counts.size != x.shape[axis]:
            raise ValueError(f"operands could not be broadcast together with shape "
                             f"({x.shape[axis]},) ({counts.size},)")
    if not _integral_counts(repeats, counts):
        raise TypeError(f"Cannot cast array data from {counts.dtype!r} to "
                        f"{np.dtype(np.intp)!r} according to the rule 'safe'")
    counts = counts.astype(np.intp)
    if (counts < 0).any():
        raise ValueError(f"repeats may not contain negative values, got repeats={repeats!r}")
    return counts.reshape(()) if counts.size == 1 else counts


def _integral_counts(repeats: Any, counts: np.ndarray) -> bool:
    """Whether ``counts`` may be used as intp counts.

    A NumPy array must cast safely, as in NumPy. NumPy truncates Python floats (``1.5`` counts
    as 1); here a Python int, float or list is accepted only when its values are whole numbers,
    so ``[1.0, 2.0]`` and ``[]`` work as in NumPy but ``1.5`` is refused rather than truncated.
    """
    if np.can_cast(counts.dtype, np.intp, casting="safe"):
        return True
    if isinstance(repeats, np.ndarray):
        return False
    if counts.dtype.kind in "iu":  # e.g. np.uint64(2): NumPy takes integer scalars by value
        return True
    return counts.dtype.kind == "f" and bool(np.all(np.isfinite(counts) & (counts % 1 == 0)))


def _repeat_each(x: ChunkedArray, r: int, axis: int) -> ChunkedArray:
    """Every element ``r`` times: each block's length along the axis is multiplied by ``r``."""
    if r == 0:
        return getitem(x, _along(x.ndim, axis, slice(0, 0)))
    if r == 1:
        return x
    ind = tuple(range(x.ndim))
    return ChunkedArray(blockwise_node(
        partial(np.repeat, repeats=r, axis=axis), ind, x._node, ind, dtype=x.dtype,
        adjust_chunks={axis: partial(operator.mul, r)}, name="repeat-" + tokenize(x.name, r, axis),
    ))


def _repeat_per_element(x: ChunkedArray, counts: np.ndarray, axis: int) -> ChunkedArray:
    """One count per element: block ``j`` repeats its elements by its own slice of ``counts``."""
    grid = axis_grid(x.chunks[axis])
    per_block = tuple(counts[grid.slice(b)] for b in range(grid.nblocks))
    ind = tuple(range(x.ndim))
    # Hash the counts themselves (tokenize names large arrays by address): the same repeat built
    # twice is the same node.
    digest = hashlib.blake2b(counts.tobytes(), digest_size=12).hexdigest()
    node = blockwise_node(
        partial(np.repeat, axis=axis), ind, x._node, ind, dtype=x.dtype,
        adjust_chunks={axis: tuple(int(c.sum()) for c in per_block)},
        name="repeat-" + tokenize(x.name, digest, axis),
        block_kwargs=lambda index: {"repeats": per_block[index[axis]]},
    )
    return ChunkedArray(node)


def tile(A: Any, /, reps: Any) -> ChunkedArray:  # noqa: N803 - NumPy's name
    """The array repeated ``reps`` times along each axis, like ``numpy.tile``.

    >>> import chunkarray as ca
    >>> tile(ca.arange(3, chunks=2), (2, 2)).compute()
    array([[0, 1, 2, 0, 1, 2],
           [0, 1, 2, 0, 1, 2]])
    """
    x = _as_chunked(A)
    try:
        counts = tuple(operator.index(r) for r in reps)
    except TypeError:
        counts = (operator.index(reps),)
    if any(r < 0 for r in counts):
        raise ValueError(f"negative dimensions are not allowed: reps={reps!r}")
    counts = (1,) * (x.ndim - len(counts)) + counts
    if len(counts) > x.ndim:
        x = getitem(x, (None,) * (len(counts) - x.ndim))
    # Refuse what no machine holds before making a list of ``r`` copies per axis.
    what = f"tile: reps={reps!r} of an array of shape {x.shape}"
    check_addressable([n * r for n, r in zip(x.shape, counts)], x.dtype.itemsize, what=what)
    check_block_counts([b * r if r > 1 else b for b, r in zip(x.numblocks, counts)], what=what)
    for axis, r in enumerate(counts):
        if r == 0:
            x = getitem(x, _along(x.ndim, axis, slice(0, 0)))
        elif r > 1:
            x = concatenate([x] * r, axis=axis)
    return x
