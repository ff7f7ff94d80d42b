"""Masked arrays: chunked arrays of ``numpy.ma.MaskedArray`` blocks, with numpy.ma's semantics.

An array is masked when its node says so (:attr:`chunkarray.core.graph.Node.masked`): reading a
NumPy masked array (``from_array``), or one of the functions here, makes one. Elementwise steps,
slicing, rechunking, joining and the reductions keep the masks as numpy.ma does; every other
operation refuses a masked array when it is called (it would drop the mask). The functions are
dask.array.ma's, with numpy.ma's signatures.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from chunkarray.array import ChunkedArray
from chunkarray.kernels import masked as mk
from chunkarray.kernels import reductions as rk
from chunkarray.ops import reductions
from chunkarray.ops.creation import asarray
from chunkarray.ops.elementwise import elemwise, ufunc_call
from chunkarray.ops.searching import nonzero as _nonzero
from chunkarray.ops.shape import reshape
from chunkarray.primitives.blockwise import blockwise_node

__all__ = [
    "average", "count", "empty_like", "filled", "fix_invalid", "getdata", "getmaskarray",
    "is_masked_array", "masked_array", "masked_equal", "masked_greater", "masked_greater_equal",
    "masked_inside", "masked_invalid", "masked_less", "masked_less_equal", "masked_not_equal",
    "masked_outside", "masked_values", "masked_where", "nonzero", "ones_like", "set_fill_value",
    "where", "zeros_like",
]


def is_masked_array(x: Any) -> bool:
    """Whether ``x`` is a masked chunked array (its blocks are ``numpy.ma.MaskedArray``).

    >>> import numpy as np, chunkarray as ca
    >>> is_masked_array(ca.from_array(np.ma.array([1, 2])))
    True
    """
    return isinstance(x, ChunkedArray) and x._node.masked


def _plain_step(kernel: Any, x: ChunkedArray, dtype: Any, label: str) -> ChunkedArray:
    """``kernel`` on each block of ``x``, giving plain (unmasked) blocks."""
    ind = tuple(range(x.ndim))
    return ChunkedArray(blockwise_node(kernel, ind, x._node, ind, dtype=dtype, token=label,
                                       masked=False))


def _check_fill_value(fill_value: Any, dtype: np.dtype, func: str) -> Any:
    """A scalar fill value as numpy.ma takes it for ``dtype``, or a clear error now."""
    if fill_value is None:
        return None
    if np.ndim(fill_value) != 0:
        raise ValueError(f"{func}: fill_value={fill_value!r}: only a scalar fill value is "
                         f"supported on chunked arrays")
    error = None
    if isinstance(fill_value, (str, bytes)) and dtype.kind not in "OSUV":
        error = "a string"
    else:
        try:  # as numpy.ma checks it: the value must convert to the dtype, without overflow
            return np.array(fill_value, dtype=dtype)[()]
        except (TypeError, ValueError, OverflowError) as exc:
            error = str(exc)
    raise TypeError(f"{func}: fill_value={fill_value!r} cannot be a fill value of an array of "
                    f"dtype {dtype} ({error})")


def _same_shape(condition: Any, x: ChunkedArray, func: str) -> None:
    """numpy.ma's check: the condition broadcasts to the shape of ``x`` (and not beyond)."""
    given = condition.shape if isinstance(condition, ChunkedArray) else np.shape(condition)
    try:
        shape = np.broadcast_shapes(given, x.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        raise IndexError(f"{func}: inconsistent shape between the condition and the input "
                         f"(got {given} and {x.shape})")


# --- making masked arrays -------------------------------------------------------------------------


def masked_array(data: Any, /, mask: Any = np.ma.nomask, fill_value: Any = None, *,
                 dtype: Any = None) -> ChunkedArray:
    """A masked array of ``data`` masked where ``mask`` is true (and where ``data`` already is).

    ``mask`` is a scalar, or an array (chunked or not) of the shape of ``data``.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.ma.masked_array(ca.arange(4, chunks=2), mask=[0, 1, 0, 1], fill_value=-1)
    >>> x.compute()
    masked_array(data=[0, --, 2, --],
                 mask=[False,  True, False,  True],
           fill_value=-1)
    """
    x = asarray(data)
    if dtype is not None:
        x = x.astype(dtype)  # type: ignore[attr-defined]
    fill = _check_fill_value(fill_value, x.dtype, "masked_array")
    if isinstance(mask, np.ma.MaskedArray):
        mask = mask.filled(True)  # numpy.ma: a masked mask entry masks
    if mask is np.ma.nomask or np.ndim(mask) == 0:
        kernel = partial(mk.masked_array, mask=bool(mask), fill_value=fill)
        return elemwise(kernel, x, dtype=x.dtype, label="masked_array", makes_masks=True)
    shape = mask.shape if isinstance(mask, ChunkedArray) else np.shape(mask)
    if shape != x.shape:
        raise ValueError(f"masked_array: mask of shape {shape} does not match data of shape "
                         f"{x.shape}; give a scalar mask or one of the data's shape")
    mask = asarray(mask) if isinstance(mask, ChunkedArray) else np.asarray(mask, dtype=bool)
    return elemwise(partial(mk.masked_array, fill_value=fill), x, mask, dtype=x.dtype,
                    label="masked_array", makes_masks=True)


def masked_where(condition: Any, a: Any, /, copy: bool = True) -> ChunkedArray:
    """``a`` masked where ``condition`` is true, its own mask kept, like ``numpy.ma.masked_where``.

    >>> import chunkarray as ca
    >>> x = ca.arange(4, chunks=3)
    >>> ca.ma.masked_where(x > 1, x).compute()
    masked_array(data=[0, 1, --, --],
                 mask=[False, False,  True,  True],
           fill_value=999999)
    """
    x = asarray(a)
    _same_shape(condition, x, "masked_where")
    return elemwise(mk.masked_where, condition, x, dtype=x.dtype, label="masked_where",
                    makes_masks=True)


def _masked_by(np_func: Any, name: str) -> Any:
    def masked_by(x: Any, value: Any, /, copy: bool = True) -> ChunkedArray:
        a = asarray(x)
        _same_shape(value, a, name)
        return elemwise(np_func, a, value, dtype=a.dtype, label=name, makes_masks=True)

    masked_by.__name__ = masked_by.__qualname__ = name
    masked_by.__doc__ = f"""``x`` masked where ``numpy.{np_func.__name__[7:]}(x, value)``, like
    ``numpy.ma.{name}``.

    >>> import chunkarray as ca
    >>> ca.ma.{name}(ca.arange(3, chunks=2), 1).compute().mask
    {np_func(np.arange(3), 1).mask!r}
    """
    return masked_by


masked_greater = _masked_by(np.ma.masked_greater, "masked_greater")
masked_greater_equal = _masked_by(np.ma.masked_greater_equal, "masked_greater_equal")
masked_less = _masked_by(np.ma.masked_less, "masked_less")
masked_less_equal = _masked_by(np.ma.masked_less_equal, "masked_less_equal")
masked_not_equal = _masked_by(np.ma.masked_not_equal, "masked_not_equal")


def masked_equal(x: Any, value: Any, /, copy: bool = True) -> ChunkedArray:
    """``x`` masked where it equals ``value``, which becomes its fill value, like
    ``numpy.ma.masked_equal``.

    >>> import chunkarray as ca
    >>> ca.ma.masked_equal(ca.arange(3, chunks=2), 1).compute()
    masked_array(data=[0, --, 2],
                 mask=[False,  True, False],
           fill_value=1)
    """
    a = asarray(x)
    if np.ndim(value) != 0:
        raise ValueError(f"masked_equal: value must be a scalar (it becomes the fill value), "
                         f"got an array of shape {np.shape(value)}")
    return elemwise(partial(np.ma.masked_equal, value=value), a, dtype=a.dtype,
                    label="masked_equal", makes_masks=True)


def masked_values(x: Any, value: Any, /, rtol: float = 1e-05, atol: float = 1e-08,
                  copy: bool = True, shrink: bool = True) -> ChunkedArray:
    """``x`` masked where it is close to ``value`` (equal, for exact dtypes), which becomes its
    fill value, like ``numpy.ma.masked_values``.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.array([1.0, 1.1, 1.0 + 1e-9]), chunks=2)
    >>> ca.ma.masked_values(x, 1.0).compute().mask
    array([ True, False,  True])
    """
    a = asarray(x)
    if np.ndim(value) != 0:
        raise ValueError(f"masked_values: value must be a scalar (it becomes the fill value), "
                         f"got an array of shape {np.shape(value)}")
    # ``shrink`` only says whether a mask of all False is stored as such: blocks keep theirs.
    kernel = partial(np.ma.masked_values, value=value, rtol=rtol, atol=atol, shrink=False)
    return elemwise(kernel, a, dtype=a.dtype, label="masked_values", makes_masks=True)


def masked_inside(x: Any, v1: Any, v2: Any, /, copy: bool = True) -> ChunkedArray:
    """``x`` masked inside the interval ``[v1, v2]`` (in either order), like
    ``numpy.ma.masked_inside``.

    >>> import chunkarray as ca
    >>> ca.ma.masked_inside(ca.arange(5, chunks=2), 3, 1).compute().mask
    array([False,  True,  True,  True, False])
    """
    return _masked_interval(np.ma.masked_inside, x, v1, v2)


def masked_outside(x: Any, v1: Any, v2: Any, /, copy: bool = True) -> ChunkedArray:
    """``x`` masked outside the interval ``[v1, v2]`` (in either order), like
    ``numpy.ma.masked_outside``.

    >>> import chunkarray as ca
    >>> ca.ma.masked_outside(ca.arange(5, chunks=2), 1, 3).compute().mask
    array([ True, False, False, False,  True])
    """
    return _masked_interval(np.ma.masked_outside, x, v1, v2)


def _masked_interval(func: Any, x: Any, v1: Any, v2: Any) -> ChunkedArray:
    a = asarray(x)
    _check_bounds(v1, v2, func.__name__)
    return elemwise(partial(func, v1=v1, v2=v2), a, dtype=a.dtype, label=func.__name__,
                    makes_masks=True)


def _check_bounds(v1: Any, v2: Any, func: str) -> None:
    if np.ndim(v1) or np.ndim(v2):
        raise ValueError(f"{func}: v1={v1!r} and v2={v2!r} must be scalars")


def masked_invalid(a: Any, /, copy: bool = True) -> ChunkedArray:
    """``a`` masked where it is NaN or infinite, like ``numpy.ma.masked_invalid``.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.array([1.0, np.nan, np.inf]), chunks=2)
    >>> ca.ma.masked_invalid(x).compute().mask
    array([False,  True,  True])
    """
    x = asarray(a)
    return elemwise(np.ma.masked_invalid, x, dtype=x.dtype, label="masked_invalid",
                    makes_masks=True)


def fix_invalid(a: Any, /, mask: Any = np.ma.nomask, copy: bool = True,
                fill_value: Any = None) -> ChunkedArray:
    """``a`` masked where it is NaN or infinite and those values replaced by the fill value, like
    ``numpy.ma.fix_invalid``.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.array([1.0, np.nan]), chunks=1)
    >>> ca.ma.getdata(ca.ma.fix_invalid(x, fill_value=0)).compute()
    array([1., 0.])
    """
    x = asarray(a)
    if mask is not np.ma.nomask:
        x = masked_array(x, mask=mask)
    fill = _check_fill_value(fill_value, x.dtype, "fix_invalid")
    return elemwise(partial(mk.fix_invalid, fill_value=fill), x, dtype=x.dtype,
                    label="fix_invalid", makes_masks=True)


def ones_like(a: Any, /, **kwargs: Any) -> ChunkedArray:
    """Ones with the shape, mask and fill value of ``a``, like ``numpy.ma.ones_like``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.ma.ones_like(ca.from_array(np.ma.array([5, 6], mask=[0, 1]))).compute()
    masked_array(data=[1, --],
                 mask=[False,  True],
           fill_value=999999)
    """
    return _like(np.ma.ones_like, a, kwargs)


def zeros_like(a: Any, /, **kwargs: Any) -> ChunkedArray:
    """Zeros with the shape, mask and fill value of ``a``, like ``numpy.ma.zeros_like``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.ma.zeros_like(ca.from_array(np.ma.array([5, 6], mask=[0, 1]))).compute().mask
    array([False,  True])
    """
    return _like(np.ma.zeros_like, a, kwargs)


def empty_like(a: Any, /, **kwargs: Any) -> ChunkedArray:
    """Uninitialized values with the shape, mask and fill value of ``a``, like
    ``numpy.ma.empty_like``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.ma.empty_like(ca.from_array(np.ma.array([5, 6], mask=[0, 1]))).compute().mask
    array([False,  True])
    """
    return _like(np.ma.empty_like, a, kwargs)


def _like(np_func: Any, a: Any, kwargs: dict[str, Any]) -> ChunkedArray:
    allowed = {"dtype"}
    if set(kwargs) - allowed:
        raise TypeError(f"{np_func.__name__}: unsupported keyword arguments "
                        f"{sorted(set(kwargs) - allowed)}; allowed: dtype")
    x = asarray(a)
    dtype = np.dtype(kwargs["dtype"]) if kwargs.get("dtype") is not None else x.dtype
    return elemwise(partial(_like_block, name=np_func.__name__, dtype=dtype), x, dtype=dtype,
                    label=np_func.__name__, makes_masks=True)


def _like_block(x: Any, name: str, dtype: np.dtype) -> np.ma.MaskedArray:
    # By name: numpy.ma's *_like are instances of a private class, not importable functions.
    out = getattr(np.ma, name)(x, dtype=dtype)
    return out if isinstance(out, np.ma.MaskedArray) else np.ma.asarray(out)


# --- taking masked arrays apart -------------------------------------------------------------------


def filled(a: Any, /, fill_value: Any = None) -> ChunkedArray:
    """A plain array: the masked values of ``a`` replaced by ``fill_value`` (None: the array's fill
    value), like ``numpy.ma.filled``; an array that is not masked is returned as it is.

    >>> import chunkarray as ca, numpy as np
    >>> ca.ma.filled(ca.from_array(np.ma.array([1, 2, 3], mask=[0, 1, 0]), chunks=2), 0).compute()
    array([1, 0, 3])
    """
    x = asarray(a)
    fill = _check_fill_value(fill_value, x.dtype, "filled")
    if not x._node.masked:
        return x
    return _plain_step(partial(mk.filled, fill_value=fill), x, x.dtype, "filled")


def getdata(a: Any, /) -> ChunkedArray:
    """The values of ``a`` as a plain array, masked ones included, like ``numpy.ma.getdata``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.ma.getdata(ca.from_array(np.ma.array([1, 2], mask=[0, 1]))).compute()
    array([1, 2])
    """
    x = asarray(a)
    return _plain_step(mk.getdata, x, x.dtype, "getdata") if x._node.masked else x


def getmaskarray(a: Any, /) -> ChunkedArray:
    """The mask of ``a`` as a boolean array of its shape, like ``numpy.ma.getmaskarray``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.ma.getmaskarray(ca.from_array(np.ma.array([1, 2], mask=[0, 1]))).compute()
    array([False,  True])
    """
    x = asarray(a)
    if not x._node.masked:
        return elemwise(np.ma.getmaskarray, x, dtype=bool, label="getmaskarray")
    return _plain_step(mk.getmaskarray, x, np.dtype(bool), "getmaskarray")


def set_fill_value(a: ChunkedArray, fill_value: Any) -> None:
    """Set the fill value of the masked array ``a`` in place (nothing for an array that is not
    masked), like ``numpy.ma.set_fill_value``.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.ma.array([1, 2], mask=[0, 1]))
    >>> ca.ma.set_fill_value(x, -5)
    >>> x.compute().fill_value
    np.int64(-5)
    """
    if not isinstance(a, ChunkedArray):
        raise TypeError(f"set_fill_value: a must be a chunked array (set in place), got "
                        f"{type(a).__name__}")
    if fill_value is None:
        raise TypeError("set_fill_value: fill_value=None; give a scalar of the array's dtype")
    fill = _check_fill_value(fill_value, a.dtype, "set_fill_value")
    if not a._node.masked:
        return
    ind = tuple(range(a.ndim))
    node = blockwise_node(partial(mk.set_fill_value, fill_value=fill), ind, a._node, ind,
                          dtype=a.dtype, token="set_fill_value", masked=True)
    a._node = node


# --- reductions and searching ---------------------------------------------------------------------

_COUNT = reductions.Reduction(
    chunk=mk.count_chunk,
    combine=partial(rk.reduce_combine, func=np.sum),
    aggregate=partial(rk.reduce_aggregate, func=np.sum, dtype=np.intp),
)
_COUNT = reductions.Reduction(_COUNT.chunk, _COUNT.combine, _COUNT.aggregate, masked=_COUNT)


def count(a: Any, /, axis: Any = None, keepdims: bool = False, split_every: Any = None
          ) -> ChunkedArray:
    """The number of values that are not masked along ``axis``, like ``MaskedArray.count``.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.ma.array([[1, 2], [3, 4]], mask=[[0, 1], [1, 1]]), chunks=1)
    >>> ca.ma.count(x, axis=0).compute()
    array([1, 0])
    """
    x = asarray(a)
    return reductions.reduce(x, _COUNT, axis, dtype=np.dtype(np.intp), keepdims=keepdims,
                             split_every=split_every, label="count")


def average(a: Any, /, axis: Any = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """The weighted average of the values that are not masked, like ``numpy.ma.average``.

    With ``returned``, the pair ``(average, sum of the weights)``.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.ma.array([1.0, 2.0, 4.0], mask=[0, 0, 1]), chunks=2)
    >>> ca.ma.average(x, weights=[3, 1, 1]).compute()
    np.float64(1.25)
    """
    x = asarray(a)
    axes = None if axis is None else normalize_axis_tuple(axis, x.ndim, argname="axis")
    if weights is None:
        avg = reductions.mean(x, axis=axes, keepdims=keepdims)
        if not avg._node.masked:
            avg = masked_array(avg)
        scale = count(x, axis=axes, keepdims=keepdims)
        scale = scale.astype(avg.dtype)  # type: ignore[attr-defined]
    else:
        avg, scale = _weighted(x, axes, weights, keepdims)
    return (avg, scale) if returned else avg


def _weighted(x: ChunkedArray, axes: tuple[int, ...] | None, weights: Any, keepdims: bool
              ) -> tuple[ChunkedArray, ChunkedArray]:
    w = weights if isinstance(weights, ChunkedArray) else np.asarray(weights)
    kinds = (np.integer, np.bool_)
    out_dtype = np.result_type(x.dtype, w.dtype, "f8") if issubclass(x.dtype.type, kinds) \
        else np.result_type(x.dtype, w.dtype)
    if w.shape != x.shape:
        if axes is None:
            raise TypeError("average: axis must be given when the shapes of a and weights "
                            f"differ (got {x.shape} and {w.shape})")
        if w.shape != tuple(x.shape[a] for a in axes):
            raise ValueError(f"average: weights of shape {w.shape} must have the shape of a "
                             f"{x.shape} along axis {axes}")
        order = tuple(int(i) for i in np.argsort(axes))
        w = w.transpose(order)  # type: ignore[union-attr]
        w = reshape(w, tuple(s if a in axes else 1 for a, s in enumerate(x.shape)))
    w = asarray(w)
    # numpy.ma: the weights of masked values count for nothing, and are masked with them.
    wm = elemwise(mk.masked_weights, x, w, dtype=w.dtype, label="average-weights",
                  makes_masks=True)
    scale = reductions.sum(wm, axis=axes, dtype=out_dtype, keepdims=keepdims)
    products = ufunc_call(np.multiply, x, wm, dtype=out_dtype)
    total = reductions.sum(products, axis=axes, keepdims=keepdims)
    # numpy.ma divides masked arrays (masking zero sums of weights and results that are not
    # finite), but a 0-d result is a division of NumPy scalars (or of ``masked``).
    divide = np.ma.true_divide if total.ndim else mk.divide_scalars
    return elemwise(divide, total, scale, label="average", makes_masks=True), scale


def nonzero(a: Any, /) -> tuple[ChunkedArray, ...]:
    """Indices of the values that are neither masked nor zero, one array per axis, like
    ``numpy.ma.nonzero``.

    >>> import chunkarray as ca, numpy as np
    >>> ca.ma.nonzero(ca.from_array(np.ma.array([0, 3, 4], mask=[0, 0, 1])))[0].compute()
    array([1])
    """
    return _nonzero(filled(a, 0) if is_masked_array(a) else asarray(a))


def where(condition: Any, x: Any = None, y: Any = None, /) -> Any:
    """Elements of ``x`` where ``condition`` holds, else of ``y``, masked where ``condition`` is
    and where the element taken is, like ``numpy.ma.where``; with ``condition`` alone,
    :func:`nonzero`.

    >>> import chunkarray as ca, numpy as np
    >>> x = ca.from_array(np.ma.array([1, 2, 3], mask=[0, 1, 0]), chunks=2)
    >>> ca.ma.where(x > 1, x, 0).compute()
    masked_array(data=[0, --, 3],
                 mask=[False,  True, False],
           fill_value=999999)
    """
    if x is None and y is None:
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("where: either both or neither of x and y should be given")
    return elemwise(np.ma.where, condition, x, y, label="where", makes_masks=True)
