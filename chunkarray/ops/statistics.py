"""Statistics built on reductions and elementwise steps: ``average``, ``cov``, ``corrcoef``,
``ptp``, ``moment``, and the comparisons ``isclose``, ``allclose``, ``array_equal``, with
``nan_to_num``.

``allclose`` and ``array_equal`` return 0-d chunked booleans (NumPy returns a Python bool): the
answer needs the data, and stays lazy until computed or converted with ``bool()``.
"""

from __future__ import annotations

import builtins
import math
import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from chunkarray.array import ChunkedArray
from chunkarray.kernels import statistics as kst
from chunkarray.ops import reductions as red
from chunkarray.ops.creation import asarray, from_array, full
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import astype, elemwise, ufunc_call
from chunkarray.ops.join import concatenate
from chunkarray.ops.linalg import dot
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.routines import transpose
from chunkarray.ops.shape import broadcast_to, reshape, squeeze
from chunkarray.primitives.blockwise import blockwise_node

__all__ = [
    "allclose", "array_equal", "average", "corrcoef", "cov", "isclose", "moment", "nan_to_num",
    "ptp",
]


def _blockwise(func: Any, x: ChunkedArray, dtype: Any, label: str) -> ChunkedArray:
    ind = tuple(range(x.ndim))
    return ChunkedArray(blockwise_node(func, ind, x._node, ind, dtype=dtype, token=label))


@implements(np.average)
def average(a: Any, /, axis: Any = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """The (weighted) mean over ``axis``, like ``numpy.average``.

    With ``returned``, also the sum of the weights (broadcast to the result's shape). Weights
    summing to zero raise NumPy's ``ZeroDivisionError`` when computed.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.array([1.0, 2.0, 4.0]), chunks=2)
    >>> ca.average(x, weights=np.array([3, 1, 0])).compute()
    np.float64(1.25)
    """
    x = asarray(a)
    axes = None if axis is None else normalize_axis_tuple(axis, x.ndim, "axis")
    if weights is None:
        avg = red.mean(x, axes, keepdims=keepdims)
        if avg.size == 0:  # NumPy divides by the result's size, and fails the same way
            raise ZeroDivisionError(f"average: division by zero (the result of averaging shape "
                                    f"{x.shape} over axis={axis} is empty)")
        scale = avg.dtype.type(x.size / avg.size)
        return (avg, full(avg.shape, scale, avg.dtype, chunks=avg.chunks)) if returned else avg
    w = asarray(weights)
    if x.dtype.kind in "biu":
        dtype = np.result_type(x.dtype, w.dtype, "f8")
    else:
        dtype = np.result_type(x.dtype, w.dtype)
    if w.shape != x.shape:
        if axes is None:
            raise TypeError(f"average: weights of shape {w.shape} differ from a's {x.shape}: "
                            f"Axis must be specified when shapes of a and weights differ.")
        along = tuple(x.shape[ax] for ax in axes)
        if w.shape != along:
            raise ValueError(f"average: weights of shape {w.shape} must have the shape {along} "
                             f"of a along axis={axis}")
        w = transpose(w, tuple(int(i) for i in np.argsort(axes)))
        w = reshape(w, tuple(s if ax in axes else 1 for ax, s in enumerate(x.shape)))
    scale = red.sum(w, axes, dtype=dtype, keepdims=keepdims)
    scale = _blockwise(kst.check_nonzero_weights, scale, scale.dtype, "average-weights")
    total = red.sum(ufunc_call(np.multiply, x, w, dtype=dtype), axes, keepdims=keepdims)
    avg = elemwise(np.true_divide, total, scale)
    if not returned:
        return avg
    if scale.shape != avg.shape:
        scale = broadcast_to(scale, avg.shape)
    return avg, scale


@implements(np.ptp)
def ptp(a: Any, /, axis: Any = None, out: Any = None, keepdims: bool = False) -> ChunkedArray:
    """Range of values (maximum minus minimum) over ``axis``, like ``numpy.ptp``.

    >>> import numpy as np, chunkarray as ca
    >>> ca.ptp(ca.from_array(np.array([[4, 9], [1, 3]]), chunks=1), axis=0).compute()
    array([3, 6])
    """
    if out is not None:
        raise TypeError("ptp: out= is not supported on chunked arrays")
    x = asarray(a)
    return elemwise(np.subtract, red.max(x, axis, keepdims=keepdims),
                    red.min(x, axis, keepdims=keepdims), label="ptp")


def moment(a: Any, order: int, /, axis: Any = None, *, dtype: Any = None,
           keepdims: bool = False, ddof: int = 0, split_every: Any = None) -> ChunkedArray:
    """The ``order``-th central moment ``sum((a - mean)**order) / (n - ddof)``, like dask's.

    Two passes (the mean, then the powers of the deviations), so no cancellation. Orders 0 and 1
    are 1 and 0 by definition (float64, as in dask).

    >>> import numpy as np, chunkarray as ca
    >>> ca.moment(ca.from_array(np.array([1.0, 2.0, 3.0, 6.0]), chunks=2), 3).compute()
    np.float64(4.5)
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise ValueError(f"moment: order={order!r} must be an integer >= 0")
    x = asarray(a)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"moment: dtype {x.dtype} is not supported; booleans, integers and "
                        f"floats are")
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim, "axis")
    if order < 2:
        shape = red.sum(x, axes, keepdims=keepdims)
        return full(shape.shape, 1.0 if order == 0 else 0.0, np.float64, chunks=shape.chunks)
    out_dtype = np.dtype(dtype) if dtype is not None else np.var(np.ones(1, x.dtype)).dtype
    work = np.result_type(out_dtype, np.float32 if x.dtype.itemsize < 4 else x.dtype)
    if work.kind not in "fc":
        work = np.dtype(np.float64)
    x = astype(x, work)
    mean = red.mean(x, axes, keepdims=True, split_every=split_every)
    power = elemwise(np.power, elemwise(np.subtract, x, mean), int(order))
    total = red.sum(power, axes, keepdims=keepdims, split_every=split_every)
    n = math.prod(x.shape[ax] for ax in axes)
    return astype(elemwise(np.true_divide, total, work.type(n - ddof)), out_dtype)


# --- covariance and correlation -------------------------------------------------------------------


def _rows(m: Any, name: str, dtype: np.dtype, rowvar: bool) -> ChunkedArray:
    x = astype(asarray(m), dtype)
    if x.ndim > 2:
        raise ValueError(f"cov: {name} has more than 2 dimensions (shape {x.shape})")
    ndim = x.ndim
    if x.ndim < 2:
        x = reshape(x, (1, x.size))
    # As NumPy: m is transposed unless it was 1-d, y unless it has one row once 2-d.
    if not rowvar and (ndim != 1 if name == "m" else x.shape[0] != 1):
        x = transpose(x)
    return x


def _check_weights(weights: Any, name: str, n: int, integer: bool) -> np.ndarray:
    if isinstance(weights, ChunkedArray):
        raise TypeError(f"cov: {name} must be a NumPy array (its values are checked on the call); "
                        f"compute it first")
    w = np.asarray(weights, dtype=float)
    if integer and not np.all(w == np.around(w)):
        raise TypeError(f"cov: {name} must be integer")
    if w.ndim > 1:
        raise RuntimeError(f"cov: cannot handle multidimensional {name} (shape {w.shape})")
    if w.shape[0] != n:
        raise RuntimeError(f"cov: incompatible numbers of samples ({n}) and {name} "
                           f"({w.shape[0]})")
    if np.any(w < 0):
        raise ValueError(f"cov: {name} cannot be negative")
    return w


def _normalization(x_dtype: np.dtype, n: int, ddof: int, w: np.ndarray | None,
                   aweights: np.ndarray | None) -> Any:
    """NumPy's divisor of the covariance (its ``fact``), from the weights known now."""
    if w is None:
        fact: Any = n - ddof
    else:
        # As numpy.average sums them: in the result dtype, over a (1, n) array.
        w_sum = np.sum(w.reshape(1, n), axis=1, dtype=np.result_type(x_dtype, w.dtype))[0]
        if w_sum == 0.0:
            raise ZeroDivisionError("cov: Weights sum to zero, can't be normalized")
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * builtins.sum(w * aweights) / w_sum
    if fact <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
        fact = 0.0
    return fact


@implements(np.cov)
def cov(m: Any, /, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: Any = None,
        fweights: Any = None, aweights: Any = None, *, dtype: Any = None) -> ChunkedArray:
    """The covariance matrix of the variables in the rows of ``m`` (and ``y``), like
    ``numpy.cov``; ``fweights`` and ``aweights`` are NumPy arrays.

    >>> import numpy as np, chunkarray as ca
    >>> m = ca.from_array(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]), chunks=(1, 2))
    >>> ca.cov(m).compute()
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    if ddof is not None and ddof != int(ddof):
        raise ValueError(f"cov: ddof={ddof!r} must be integer")
    dtypes = [asarray(m).dtype] + ([] if y is None else [asarray(y).dtype])
    dtype = np.result_type(*dtypes, np.float64) if dtype is None else np.dtype(dtype)
    x = _rows(m, "m", dtype, rowvar)
    if x.shape[0] == 0:
        return from_array(np.array([]).reshape(0, 0))
    if y is not None:
        x = concatenate((x, _rows(y, "y", dtype, rowvar)), axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = _check_weights(fweights, "fweights", n, True)
    aw = None if aweights is None else _check_weights(aweights, "aweights", n, False)
    if aw is not None:
        w = aw if w is None else w * aw
    fact = _normalization(x.dtype, n, int(ddof), w, aw)
    # NumPy subtracts the mean in place: the deviations keep the dtype of the data.
    centred = elemwise(np.subtract, x, reshape(average(x, 1, weights=w), (x.shape[0], 1)))
    centred = astype(centred, x.dtype)
    other = centred if w is None else elemwise(np.multiply, centred, w)
    if other.dtype.kind == "c":
        other = elemwise(np.conjugate, other)
    c = dot(centred, transpose(other))
    c = astype(elemwise(np.multiply, c, np.true_divide(1, fact)), c.dtype)
    return squeeze(c)


@implements(np.corrcoef)
def corrcoef(x: Any, /, y: Any = None, rowvar: bool = True, *, dtype: Any = None
             ) -> ChunkedArray:
    """Pearson correlation coefficients, like ``numpy.corrcoef`` (from :func:`cov`).

    >>> import numpy as np, chunkarray as ca
    >>> m = ca.from_array(np.array([[0.0, 1.0, 2.0], [2.0, 1.5, 0.0]]), chunks=(1, 2))
    >>> ca.corrcoef(m).compute().round(4)
    array([[ 1.    , -0.9608],
           [-0.9608,  1.    ]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    c = rechunk(c, {a: -1 for a in range(c.ndim)})  # a variables x variables matrix
    return _blockwise(kst.corrcoef_block, c, c.dtype, "corrcoef")


# --- comparisons ----------------------------------------------------------------------------------


@implements(np.isclose)
def isclose(a: Any, b: Any, /, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False
            ) -> ChunkedArray:
    """Elementwise ``|a - b| <= atol + rtol * |b|``, like ``numpy.isclose``.

    >>> import numpy as np, chunkarray as ca
    >>> ca.isclose(ca.from_array(np.array([1.0, 2.0]), chunks=1), [1.0 + 1e-9, 2.1]).compute()
    array([ True, False])
    """
    return elemwise(np.isclose, a, b, rtol=rtol, atol=atol, equal_nan=bool(equal_nan),
                    label="isclose")


@implements(np.allclose)
def allclose(a: Any, b: Any, /, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False
             ) -> ChunkedArray:
    """Whether every element is close, like ``numpy.allclose``: a 0-d chunked boolean.

    >>> import numpy as np, chunkarray as ca
    >>> bool(ca.allclose(ca.from_array(np.array([1.0, 2.0]), chunks=1), [1.0, 2.0]))
    True
    """
    return red.all(isclose(a, b, rtol, atol, equal_nan))


@implements(np.array_equal)
def array_equal(a1: Any, a2: Any, /, equal_nan: bool = False) -> ChunkedArray:
    """Whether both have the same shape and elements, like ``numpy.array_equal``: a 0-d chunked
    boolean. With ``equal_nan``, NaNs in the same places compare equal.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.array([1.0, np.nan]), chunks=1)
    >>> bool(ca.array_equal(x, x)), bool(ca.array_equal(x, x, equal_nan=True))
    (False, True)
    """
    x1, x2 = asarray(a1), asarray(a2)
    if x1.shape != x2.shape:
        return from_array(np.False_)
    equal = elemwise(np.equal, x1, x2)
    if equal_nan and (x1.dtype.kind in "fc" or x2.dtype.kind in "fc"):
        both = elemwise(np.logical_and, elemwise(np.isnan, x1), elemwise(np.isnan, x2))
        equal = elemwise(np.logical_or, equal, both)
    return red.all(equal)


@implements(np.nan_to_num)
def nan_to_num(x: Any, /, copy: bool = True, nan: Any = 0.0, posinf: Any = None,
               neginf: Any = None) -> ChunkedArray:
    """NaN and infinities replaced by finite numbers, like ``numpy.nan_to_num``.

    Always a new array: ``copy=False`` cannot write into chunked blocks and is accepted as
    ``True``.

    >>> import numpy as np, chunkarray as ca
    >>> ca.nan_to_num(ca.from_array(np.array([np.nan, 1.0, -np.inf]), chunks=2)).compute()
    array([ 0.00000000e+000,  1.00000000e+000, -1.79769313e+308])
    """
    return elemwise(np.nan_to_num, x, nan=nan, posinf=posinf, neginf=neginf, label="nan_to_num")
