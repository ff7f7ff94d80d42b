"""NumPy's stacking and axis-turning conveniences, composed of ``concatenate``, ``reshape``,
``flip`` and ``transpose``: ``atleast_1d/2d/3d``, ``hstack``, ``vstack``, ``dstack``,
``column_stack``, ``append``, ``rot90``, ``fliplr``, ``flipud``, ``rollaxis``.

Each builds O(1) nodes whatever the number of blocks, and follows NumPy's shapes, dtypes (NumPy 2
promotion, through ``concatenate``) and errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array import ChunkedArray
from chunkarray.ops.dispatch import implements
from chunkarray.ops.join import concatenate
from chunkarray.ops.rearrange import flip
from chunkarray.ops.routines import transpose
from chunkarray.ops.shape import _as_chunked, ravel, reshape

__all__ = ["append", "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "dstack",
           "fliplr", "flipud", "hstack", "rollaxis", "rot90", "vstack"]


def _atleast(arys: tuple[Any, ...], shape_of: Any) -> Any:
    out = []
    for a in arys:
        x = _as_chunked(a)
        new = shape_of(x.shape)
        out.append(x if new == x.shape else reshape(x, new))
    return out[0] if len(out) == 1 else tuple(out)


@implements(np.atleast_1d)
def atleast_1d(*arys: Any) -> Any:
    """Views with at least one axis; one array for one input, else a tuple (NumPy 2).

    >>> import chunkarray as ca
    >>> atleast_1d(ca.asarray(5)).shape
    (1,)
    """
    return _atleast(arys, lambda s: s if len(s) >= 1 else (1,))


@implements(np.atleast_2d)
def atleast_2d(*arys: Any) -> Any:
    """Views with at least two axes: a 1-D array of length ``n`` becomes ``(1, n)``.

    >>> import chunkarray as ca
    >>> atleast_2d(ca.arange(3, chunks=2)).shape
    (1, 3)
    """
    return _atleast(arys, lambda s: s if len(s) >= 2 else (1,) * (2 - len(s)) + s)


def _three(s: tuple[int, ...]) -> tuple[int, ...]:
    if len(s) == 0:
        return (1, 1, 1)
    if len(s) == 1:
        return (1, s[0], 1)
    if len(s) == 2:
        return (*s, 1)
    return s


@implements(np.atleast_3d)
def atleast_3d(*arys: Any) -> Any:
    """Views with at least three axes: ``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` ``(m, n, 1)``.

    >>> import chunkarray as ca
    >>> atleast_3d(ca.ones((2, 3), chunks=1)).shape
    (2, 3, 1)
    """
    return _atleast(arys, _three)


def _sequence(tup: Any, func: str) -> list[Any]:
    if not isinstance(tup, (Sequence, ChunkedArray, np.ndarray)) or isinstance(tup, (str, bytes)):
        # NumPy refuses generators too: they would be consumed by its dispatcher.
        raise TypeError(f"{func}: arrays to stack must be passed as a sequence type such as "
                        f"list or tuple, got {type(tup).__name__}")
    if isinstance(tup, (ChunkedArray, np.ndarray)):
        x = _as_chunked(tup)
        return [x[i] for i in range(len(x))] if x.ndim else [x]
    return list(tup)


def _as_list(result: Any) -> list[ChunkedArray]:
    return list(result) if isinstance(result, tuple) else [result]


@implements(np.hstack)
def hstack(tup: Any, /, *, dtype: Any = None, casting: str = "same_kind") -> ChunkedArray:
    """Join along the second axis (the first for 1-D arrays), like ``numpy.hstack``.

    >>> import chunkarray as ca
    >>> hstack([ca.arange(2, chunks=1), ca.arange(3, chunks=2)]).compute()
    array([0, 1, 0, 1, 2])
    """
    arrs = _as_list(atleast_1d(*_sequence(tup, "hstack")))
    axis = 0 if arrs and arrs[0].ndim == 1 else 1
    return concatenate(arrs, axis, dtype=dtype, casting=casting)


@implements(np.vstack)
def vstack(tup: Any, /, *, dtype: Any = None, casting: str = "same_kind") -> ChunkedArray:
    """Join along the first axis after making inputs at least 2-D, like ``numpy.vstack``.

    >>> import chunkarray as ca
    >>> vstack([ca.arange(2, chunks=1), ca.arange(2, chunks=2)]).compute()
    array([[0, 1],
           [0, 1]])
    """
    arrs = _as_list(atleast_2d(*_sequence(tup, "vstack")))
    return concatenate(arrs, 0, dtype=dtype, casting=casting)


@implements(np.dstack)
def dstack(tup: Any, /) -> ChunkedArray:
    """Join along the third axis after making inputs at least 3-D, like ``numpy.dstack``.

    >>> import chunkarray as ca
    >>> dstack([ca.arange(2, chunks=1), ca.arange(2, chunks=2)]).shape
    (1, 2, 2)
    """
    return concatenate(_as_list(atleast_3d(*_sequence(tup, "dstack"))), 2)


@implements(np.column_stack)
def column_stack(tup: Any, /) -> ChunkedArray:
    """1-D arrays as the columns of a 2-D array; 2-D arrays joined as they are.

    >>> import chunkarray as ca
    >>> column_stack([ca.arange(3, chunks=2), ca.arange(3, chunks=1) * 10]).compute()
    array([[ 0,  0],
           [ 1, 10],
           [ 2, 20]])
    """
    arrays = []
    for v in _sequence(tup, "column_stack"):
        x = _as_chunked(v)
        if x.ndim < 2:
            x = transpose(reshape(x, (1, -1)) if x.ndim else reshape(x, (1, 1)))
        arrays.append(x)
    return concatenate(arrays, 1)


@implements(np.append)
def append(arr: Any, values: Any, /, axis: int | None = None) -> ChunkedArray:
    """``values`` joined after ``arr``; both flattened when ``axis`` is None, like ``numpy.append``.

    >>> import chunkarray as ca
    >>> append(ca.ones((2, 2), chunks=1), [5, 6]).compute()
    array([1., 1., 1., 1., 5., 6.])
    """
    x, v = _as_chunked(arr), _as_chunked(values)
    if axis is None:
        return concatenate([x if x.ndim == 1 else ravel(x), ravel(v)], 0)
    return concatenate([x, v], axis)


@implements(np.fliplr)
def fliplr(m: Any, /) -> ChunkedArray:
    """Reverse the second axis, like ``numpy.fliplr``.

    >>> import chunkarray as ca
    >>> fliplr(ca.arange(4, chunks=3).reshape(2, 2)).compute()
    array([[1, 0],
           [3, 2]])
    """
    x = _as_chunked(m)
    if x.ndim < 2:
        raise ValueError(f"fliplr: input must be >= 2-d, got {x.ndim}-d")
    return flip(x, 1)


@implements(np.flipud)
def flipud(m: Any, /) -> ChunkedArray:
    """Reverse the first axis, like ``numpy.flipud``.

    >>> import chunkarray as ca
    >>> flipud(ca.arange(3, chunks=2)).compute()
    array([2, 1, 0])
    """
    x = _as_chunked(m)
    if x.ndim < 1:
        raise ValueError("flipud: input must be >= 1-d, got 0-d")
    return flip(x, 0)


@implements(np.rot90)
def rot90(m: Any, /, k: int = 1, axes: Any = (0, 1)) -> ChunkedArray:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``, like ``numpy.rot90``.

    >>> import chunkarray as ca
    >>> rot90(ca.arange(4, chunks=3).reshape(2, 2)).compute()
    array([[1, 3],
           [0, 2]])
    """
    x = _as_chunked(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes={axes} must be two axes")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == x.ndim:
        raise ValueError(f"rot90: axes={axes} must be different")
    if not (-x.ndim <= axes[0] < x.ndim and -x.ndim <= axes[1] < x.ndim):
        raise ValueError(f"rot90: axes={axes} out of range for an array of dimension {x.ndim}")
    k = int(k) % 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, axes[0]), axes[1])
    order = list(range(x.ndim))
    a0, a1 = normalize_axis_tuple(axes, x.ndim)
    order[a0], order[a1] = order[a1], order[a0]
    if k == 1:
        return transpose(flip(x, axes[1]), order)
    return flip(transpose(x, order), axes[1])


@implements(np.rollaxis)
def rollaxis(a: Any, /, axis: int, start: int = 0) -> ChunkedArray:
    """Move ``axis`` to just before position ``start``, like ``numpy.rollaxis``.

    >>> import chunkarray as ca
    >>> rollaxis(ca.ones((2, 3, 4), chunks=2), 2).shape
    (4, 2, 3)
    """
    x = _as_chunked(a)
    n = x.ndim
    axis = normalize_axis_index(axis, n)
    if not -n <= start <= n:
        raise np.exceptions.AxisError(f"rollaxis: 'start' arg requires {-n} <= start < {n + 1}, "
                                      f"but {start} was passed in")
    if start < 0:
        start += n
    if axis < start:
        start -= 1
    if axis == start:
        return x
    axes = list(range(n))
    axes.remove(axis)
    axes.insert(start, axis)
    return transpose(x, axes)
