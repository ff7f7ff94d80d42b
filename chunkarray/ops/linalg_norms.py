"""Norms and products of ``numpy.linalg``: ``norm``, ``vector_norm``, ``matrix_norm``, ``vecdot``,
``cross``, ``multi_dot``, ``matrix_power`` and the array API's ``tensordot``/``outer``/
``diagonal``/``trace``.

Norms are reductions (sums, maxima) of absolute values, in NumPy's formulas; the 2-norm and
nuclear norm of matrices take singular values from :mod:`chunkarray.ops.linalg_qr`.
"""

from __future__ import annotations

import operator
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array import ChunkedArray
from chunkarray.kernels import linalg as lk
from chunkarray.ops import reductions
from chunkarray.ops.contractions import einsum
from chunkarray.ops.contractions import outer as np_outer
from chunkarray.ops.contractions import tensordot as np_tensordot
from chunkarray.ops.creation import asarray, eye
from chunkarray.ops.diagonals import diagonal as np_diagonal
from chunkarray.ops.diagonals import trace as np_trace
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import astype, ufunc_call
from chunkarray.ops.linalg import matmul
from chunkarray.ops.linalg_common import square
from chunkarray.ops.linalg_lu import inv
from chunkarray.ops.linalg_qr import svd
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.shape import broadcast_arrays, broadcast_to, moveaxis, reshape
from chunkarray.primitives.blockwise import blockwise_node

__all__ = [
    "cross", "diagonal", "linalg_cross", "matrix_norm", "matrix_power", "multi_dot", "norm",
    "outer", "tensordot", "trace", "vecdot", "vector_norm",
]

_INF = float("inf")


def _float(x: ChunkedArray) -> ChunkedArray:
    """NumPy's norm works in float64 for integers and booleans."""
    return x if x.dtype.kind in "fc" else astype(x, np.float64)


def _abs(x: ChunkedArray) -> ChunkedArray:
    return ufunc_call(np.abs, x)  # type: ignore[no-any-return]


def _max_from_zero(a: ChunkedArray, axis: Any, keepdims: bool = False) -> ChunkedArray:
    """``max(a, initial=0)`` of non-negative ``a``, as NumPy's norms take it: 0 where empty."""
    axes = range(a.ndim) if axis is None else normalize_axis_tuple(axis, a.ndim)
    if any(a.shape[i] == 0 for i in axes):
        return reductions.sum(a, axis=axis, keepdims=keepdims)  # zeros, of the right shape
    return reductions.max(a, axis=axis, keepdims=keepdims)


def _vector(x: ChunkedArray, ord: Any, axis: Any, keepdims: bool) -> ChunkedArray:  # noqa: A002
    if ord == _INF:
        return _max_from_zero(_abs(x), axis, keepdims)
    if ord == -_INF:
        return reductions.min(_abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        nonzero = astype(ufunc_call(np.not_equal, x, 0), np.finfo(x.dtype).dtype)
        return reductions.sum(nonzero, axis=axis, keepdims=keepdims)
    if ord == 1:
        return reductions.sum(_abs(x), axis=axis, keepdims=keepdims)
    if ord is None or ord == 2:
        sq = ufunc_call(np.multiply, ufunc_call(np.conjugate, x), x)
        sq = sq.real if x.dtype.kind == "c" else sq  # type: ignore[attr-defined]
        return ufunc_call(np.sqrt, reductions.sum(sq, axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is invalid for vectors")
    try:
        p = float(ord)
    except (TypeError, ValueError):
        raise ValueError(f"norm: ord={ord!r} is invalid for vectors; use a number, inf or "
                         f"-inf") from None
    absx = _abs(x)
    powered = ufunc_call(np.power, absx, np.asarray(p, dtype=absx.dtype))
    total = reductions.sum(powered, axis=axis, keepdims=keepdims)
    return ufunc_call(np.power, total, np.reciprocal(np.asarray(p, dtype=total.dtype)))


def _singular(x: ChunkedArray, row: int, col: int) -> ChunkedArray:
    return svd(moveaxis(x, (row, col), (-2, -1)), compute_uv=False)  # type: ignore[no-any-return]


def _matrix(x: ChunkedArray, ord: Any, row: int, col: int, keepdims: bool  # noqa: A002
            ) -> ChunkedArray:
    if row == col:
        raise ValueError(f"norm: axis=({row}, {col}) names the same axis twice")
    if ord == 2 or ord == -2:
        s = _singular(x, row, col)
        ret = reductions.max(s, axis=-1) if ord == 2 else reductions.min(s, axis=-1)
    elif ord == "nuc":
        ret = reductions.sum(_singular(x, row, col), axis=-1)
    elif ord in (1, -1):
        col_ = col - 1 if col > row else col
        sums = reductions.sum(_abs(x), axis=row)
        ret = _max_from_zero(sums, col_) if ord == 1 else reductions.min(sums, axis=col_)
    elif ord in (_INF, -_INF):
        row_ = row - 1 if row > col else row
        sums = reductions.sum(_abs(x), axis=col)
        ret = _max_from_zero(sums, row_) if ord == _INF else reductions.min(sums, axis=row_)
    elif ord in (None, "fro", "f"):
        return _vector(x, 2, (row, col), keepdims)
    else:
        raise ValueError(f"norm: ord={ord!r} is invalid for matrices; use 'fro', 'nuc', inf, "
                         f"-inf, 1, -1, 2 or -2")
    if keepdims:
        shape = list(x.shape)
        shape[row] = shape[col] = 1
        ret = reshape(ret, tuple(shape))
    return ret


@implements(np.linalg.norm)
def norm(x: Any, /, ord: Any = None, axis: Any = None, keepdims: bool = False  # noqa: A002
         ) -> ChunkedArray:
    """Vector or matrix norm with every ``ord`` of ``numpy.linalg.norm``, over ``axis``.

    >>> import chunkarray as ca, numpy as np
    >>> a = ca.from_array(np.array([[3.0, 0.0], [0.0, 4.0]]), chunks=1)
    >>> float(norm(a).compute()), float(norm(a, 1).compute()), float(norm(a, 2).compute())
    (5.0, 4.0, 4.0)
    """
    x = _float(asarray(x))
    if axis is None:
        if ord is None:
            return _vector(x, 2, None, keepdims) if not keepdims else \
                reshape(_vector(x, 2, None, False), (1,) * x.ndim)
        if x.ndim not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} with axis=None needs a 1-D or 2-D x, got "
                             f"shape {x.shape}")
        axis = tuple(range(x.ndim))
    elif not isinstance(axis, tuple):
        try:
            axis = (operator.index(axis),)
        except TypeError:
            raise TypeError(f"norm: axis={axis!r} must be None, an int or a tuple of "
                            f"ints") from None
    axes = normalize_axis_tuple(axis, x.ndim, "axis", allow_duplicate=True)
    if len(axes) == 1:
        return _vector(x, ord, axes, keepdims)
    if len(axes) == 2:
        return _matrix(x, ord, axes[0], axes[1], keepdims)
    raise ValueError(f"norm: axis={axis!r}: give one axis (vectors) or two (matrices)")


@implements(np.linalg.vector_norm)
def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2  # noqa: A002
                ) -> ChunkedArray:
    """The array API's vector norm: over all axes (``axis=None``), one, or several.

    >>> import chunkarray as ca
    >>> float(vector_norm(ca.ones((2, 2), chunks=1), ord=1).compute())
    4.0
    """
    x = _float(asarray(x))
    if isinstance(ord, str):
        raise ValueError(f"vector_norm: ord={ord!r} is invalid for vectors")
    axes = tuple(range(x.ndim)) if axis is None else \
        normalize_axis_tuple(axis, x.ndim, "axis")
    return _vector(x, ord, axes, keepdims)


@implements(np.linalg.matrix_norm)
def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro"  # noqa: A002
                ) -> ChunkedArray:
    """The array API's matrix norm over the last two axes.

    >>> import chunkarray as ca
    >>> float(matrix_norm(ca.eye(3, chunks=2), ord="nuc").compute())
    3.0
    """
    x = _float(asarray(x))
    if x.ndim < 2:
        raise ValueError(f"matrix_norm: x must have at least 2 dimensions, got shape {x.shape}")
    return _matrix(x, ord, x.ndim - 2, x.ndim - 1, keepdims)


@implements(np.linalg.vecdot)
def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> ChunkedArray:
    """Dot products of vectors along ``axis`` (the first conjugated), broadcasting the rest.

    >>> import chunkarray as ca
    >>> vecdot(ca.ones((2, 3), chunks=2), ca.arange(3, chunks=2)).compute()
    array([3., 3.])
    """
    a, b = asarray(x1), asarray(x2)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("vecdot: x1 and x2 must have at least one dimension")
    shape = np.broadcast_shapes(a.shape, b.shape)
    ax = normalize_axis_index(axis, len(shape), "axis")
    a, b = broadcast_arrays(broadcast_to(a, shape) if a.ndim < len(shape) else a,
                            broadcast_to(b, shape) if b.ndim < len(shape) else b)
    if a.dtype.kind == "c":
        a = ufunc_call(np.conjugate, a)
    return einsum("...i,...i->...", moveaxis(a, ax, -1), moveaxis(b, ax, -1))


def tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> ChunkedArray:
    """The array API's ``tensordot`` (``axes`` keyword-only).

    >>> import chunkarray as ca
    >>> tensordot(ca.ones((2, 3), chunks=1), ca.ones((3,), chunks=2), axes=1).compute()
    array([3., 3.])
    """
    return np_tensordot(x1, x2, axes=axes)


def outer(x1: Any, x2: Any, /) -> ChunkedArray:
    """Outer product of two vectors, like ``numpy.linalg.outer`` (1-D operands only).

    >>> import chunkarray as ca
    >>> outer(ca.arange(2, chunks=1), ca.arange(2, chunks=1)).compute()
    array([[0, 0],
           [0, 1]])
    """
    a, b = asarray(x1), asarray(x2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: x1 and x2 must be 1-D, got shapes {a.shape} and {b.shape}")
    return np_outer(a, b)


def diagonal(x: Any, /, *, offset: int = 0) -> ChunkedArray:
    """Diagonals of the matrices in the last two axes, like ``numpy.linalg.diagonal``.

    >>> import chunkarray as ca
    >>> diagonal(ca.eye(3, chunks=2)).compute()
    array([1., 1., 1.])
    """
    return np_diagonal(x, offset, -2, -1)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> ChunkedArray:
    """Traces of the matrices in the last two axes, like ``numpy.linalg.trace``.

    >>> import chunkarray as ca
    >>> trace(ca.eye(3, chunks=2)).compute()
    np.float64(3.0)
    """
    return np_trace(x, offset, -2, -1, dtype)


implements(np.linalg.tensordot)(tensordot)
implements(np.linalg.outer)(outer)
implements(np.linalg.diagonal)(diagonal)
implements(np.linalg.trace)(trace)


@implements(np.cross)
def cross(a: Any, b: Any, /, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> ChunkedArray:
    """Cross product of 2- or 3-vectors along the given axes, like ``numpy.cross``.

    >>> import chunkarray as ca, numpy as np
    >>> cross(ca.from_array(np.eye(3), chunks=1), np.array([0.0, 0.0, 1.0])).compute()
    array([[ 0., -1.,  0.],
           [ 1.,  0.,  0.],
           [ 0.,  0.,  0.]])
    """
    x, y = asarray(a), asarray(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("cross: a and b must have at least one dimension")
    x = moveaxis(x, normalize_axis_index(axisa, x.ndim, "axisa"), -1)
    y = moveaxis(y, normalize_axis_index(axisb, y.ndim, "axisb"), -1)
    if x.shape[-1] not in (2, 3) or y.shape[-1] not in (2, 3):
        raise ValueError(f"cross: incompatible dimensions for cross product (dimension must "
                         f"be 2 or 3), got {x.shape[-1]} and {y.shape[-1]}")
    meta = np.cross(np.ones((1,) * (x.ndim - 1) + x.shape[-1:], x.dtype),
                    np.ones((1,) * (y.ndim - 1) + y.shape[-1:], y.dtype))
    batch = np.broadcast_shapes(x.shape[:-1], y.shape[:-1])
    nb = len(batch)
    x = rechunk(x, {x.ndim - 1: -1})
    y = rechunk(y, {y.ndim - 1: -1})
    bx = tuple(range(nb - (x.ndim - 1), nb))
    by = tuple(range(nb - (y.ndim - 1), nb))
    out_ind: tuple[Any, ...] = tuple(range(nb))
    new_axes: dict[Any, Any] = {}
    if meta.ndim > nb:
        out_ind += ("v",)
        new_axes["v"] = meta.shape[-1]
    node = blockwise_node(_cross_kernel(meta.dtype), out_ind, x._node, (*bx, "x"), y._node,
                          (*by, "y"), dtype=meta.dtype, concatenate=True, new_axes=new_axes)
    out = ChunkedArray(node)
    if meta.ndim > nb and nb:
        out = moveaxis(out, -1, normalize_axis_index(axisc, out.ndim, "axisc"))
    return out


@implements(np.linalg.cross)
def linalg_cross(x1: Any, x2: Any, /, *, axis: int = -1) -> ChunkedArray:
    """Cross product of 3-vectors along ``axis``, like ``numpy.linalg.cross`` (and the array
    API's): unlike ``numpy.cross``, only 3-vectors, and one axis for both arguments.

    >>> import chunkarray as ca, numpy as np
    >>> linalg_cross(ca.from_array(np.eye(3), chunks=2), np.array([0.0, 0.0, 1.0])).compute()
    array([[ 0., -1.,  0.],
           [ 1.,  0.,  0.],
           [ 0.,  0.,  0.]])
    """
    x, y = asarray(x1), asarray(x2)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("linalg.cross: x1 and x2 must have at least one dimension")
    na = x.shape[normalize_axis_index(axis, x.ndim, "axis")]
    nb = y.shape[normalize_axis_index(axis, y.ndim, "axis")]
    if na != 3 or nb != 3:
        raise ValueError(f"Both input arrays must be (arrays of) 3-dimensional vectors, but they "
                         f"are {na} and {nb} dimensional instead.")
    return cross(x, y, axis=axis)


implements(np.linalg.matmul)(matmul)


def _cross_kernel(dtype: np.dtype) -> Any:
    return partial(lk.cross_block, dtype=dtype)


def matrix_power(a: Any, n: int, /) -> ChunkedArray:
    """``a`` to the integer power ``n`` by repeated squaring (``n < 0``: of its inverse).

    >>> import chunkarray as ca, numpy as np
    >>> matrix_power(ca.from_array(np.array([[1, 1], [0, 1]]), chunks=1), 3).compute()
    array([[1, 3],
           [0, 1]])
    """
    x = asarray(a)
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"matrix_power: n={n!r} must be an integer") from None
    square(x, "matrix_power")
    if n == 0:
        ident = eye(x.shape[-1], chunks=(x.chunks[-2], x.chunks[-1]), dtype=x.dtype)
        return broadcast_to(ident, x.shape) if x.ndim > 2 else ident
    if n < 0:
        x, n = inv(x), -n
    result: ChunkedArray | None = None
    power = x
    while n:
        if n & 1:
            result = power if result is None else matmul(result, power)
        n >>= 1
        if n:
            power = matmul(power, power)
    assert result is not None
    return result


implements(np.linalg.matrix_power)(matrix_power)


def _chain_order(dims: list[int]) -> list[list[int]]:
    """The split points of the cheapest parenthesization (NumPy's dynamic programme)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(arrays: list[ChunkedArray], split: list[list[int]], i: int, j: int) -> ChunkedArray:
    if i == j:
        return arrays[i]
    k = split[i][j]
    return matmul(_chain(arrays, split, i, k), _chain(arrays, split, k + 1, j))


@implements(np.linalg.multi_dot)
def multi_dot(arrays: Any, /, *, out: Any = None) -> ChunkedArray:
    """Product of several matrices in the cheapest order; the first and last may be 1-D.

    >>> import chunkarray as ca
    >>> multi_dot([ca.ones(2, chunks=1), ca.ones((2, 3), chunks=2), ca.ones(3, chunks=2)]
    ...           ).compute()
    np.float64(6.0)
    """
    if out is not None:
        raise TypeError("multi_dot: out= is not supported on chunked arrays")
    xs = [asarray(a) for a in arrays]
    if len(xs) < 2:
        raise ValueError(f"multi_dot: expecting at least two arrays, got {len(xs)}")
    first, last = xs[0].ndim == 1, xs[-1].ndim == 1
    if first:
        xs[0] = xs[0][None, :]  # type: ignore[index]
    if last:
        xs[-1] = xs[-1][:, None]  # type: ignore[index]
    for i, x in enumerate(xs):
        if x.ndim != 2:
            raise ValueError(f"multi_dot: array {i} has shape {x.shape}; only the first and "
                             f"last may be 1-D, the others must be 2-D")
    dims = [xs[0].shape[0]] + [x.shape[1] for x in xs]
    result = _chain(xs, _chain_order(dims), 0, len(xs) - 1)
    if first and last:
        return result[0, 0]  # type: ignore[index,no-any-return]
    if first:
        return result[0]  # type: ignore[index,no-any-return]
    if last:
        return result[:, 0]  # type: ignore[index,no-any-return]
    return result
