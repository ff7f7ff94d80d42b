"""NumPy's constructors beyond the basic creation functions: ``array`` (``copy=``, ``ndmin=``),
``asanyarray``, ``fromfunction``, ``indices``, ``meshgrid``; and ``like=`` dispatch, so
``np.zeros(3, like=x)`` for a chunked ``x`` makes a chunked array.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core import config
from chunkarray.core.chunks import normalize_chunks
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels.choosing import fromfunction_block, index_grid_block
from chunkarray.ops import creation
from chunkarray.ops.creation import asarray, check_like, check_order, from_array
from chunkarray.ops.dispatch import HANDLED_FUNCTIONS, implements
from chunkarray.ops.elementwise import astype
from chunkarray.ops.join import stack
from chunkarray.ops.shape import _as_chunked, broadcast_arrays, reshape
from chunkarray.primitives.sources import BlockFunction

__all__ = ["array", "asanyarray", "fromfunction", "indices", "meshgrid"]


def _is_storage(x: Any) -> bool:
    # h5py datasets, zarr arrays...: read block by block, never whole into memory.
    return not isinstance(x, np.ndarray) and all(
        hasattr(x, attr) for attr in ("shape", "dtype", "__getitem__"))


def array(object: Any, /, dtype: Any = None, *, copy: bool | None = True,  # noqa: A002
          order: str = "K", subok: bool = False, ndmin: int = 0, like: Any = None,
          chunks: Any = "auto") -> ChunkedArray:
    """A chunked array of ``object``, like ``numpy.array``.

    ``copy=True`` gives a new array object: chunked arrays never share data that can change (an
    assignment ``y[...] = v`` rebinds ``y`` only), so no data is duplicated. ``copy=False`` refuses
    a dtype change, as NumPy does; ``ndmin`` prepends length-1 axes.

    >>> import chunkarray as ca
    >>> array([1, 2], dtype="f4", ndmin=2).compute()
    array([[1., 2.]], dtype=float32)
    >>> x = ca.arange(3, chunks=2)
    >>> array(x) is x, array(x, copy=None) is x
    (False, True)
    """
    check_order("array", order, "KAC")
    check_like("array", like)
    if isinstance(ndmin, bool) or not isinstance(ndmin, (int, np.integer)) or ndmin < 0:
        raise ValueError(f"array: ndmin={ndmin!r} must be a non-negative integer")
    if isinstance(object, ChunkedArray) or _is_storage(object):
        x = asarray(object, chunks=chunks)
        if dtype is not None and np.dtype(dtype) != x.dtype:
            if copy is False:
                raise ValueError(f"array: unable to avoid copy while creating an array as "
                                 f"requested: copy=False with dtype {np.dtype(dtype)} from "
                                 f"{x.dtype}")
            x = astype(x, dtype)
        elif copy:
            x = ChunkedArray(x._node)  # a new object: assignments to it leave ``object`` alone
    else:
        # NumPy converts (and copies with copy=True), so later changes to ``object`` are not seen.
        x = from_array(np.array(object, dtype=dtype, copy=copy), chunks=chunks)
    if x.ndim < ndmin:
        x = reshape(x, (1,) * (ndmin - x.ndim) + x.shape)
    return x


def asanyarray(a: Any, /, dtype: Any = None, order: Any = None, *, like: Any = None,
               chunks: Any = "auto") -> ChunkedArray:
    """:func:`~chunkarray.asarray` (there are no chunked subclasses to pass through).

    >>> asanyarray([1.5, 2]).dtype
    dtype('float64')
    """
    check_order("asanyarray", order, "KAC")
    return asarray(a, dtype, like=like, chunks=chunks)


def _check_dims(dimensions: Any, func: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(n) for n in dimensions)
    except TypeError:
        raise TypeError(f"{func}: shape must be a sequence of integers, "
                        f"got {dimensions!r}") from None
    if any(n < 0 for n in dims):
        raise ValueError(f"{func}: shape={dims}: dimensions must be non-negative")
    return dims


def _grid(dims: tuple[int, ...], axis: int, dtype: np.dtype, chunks: Any) -> ChunkedArray:
    name = "indices-" + tokenize(chunks, axis, dtype)
    return ChunkedArray(BlockFunction(name, index_grid_block, chunks, dtype,
                                      {"axis": axis, "dtype": dtype}))


@implements(np.indices)
def indices(dimensions: Any, /, dtype: Any = int, sparse: bool = False, *,
            chunks: Any = "auto") -> Any:
    """The index of every element of a grid of shape ``dimensions``, like ``numpy.indices``.

    >>> indices((2, 3), chunks=2)[1].compute()
    array([[0, 1, 2],
           [0, 1, 2]])
    >>> [g.shape for g in indices((2, 3), sparse=True)]
    [(2, 1), (1, 3)]
    """
    dims = _check_dims(dimensions, "indices")
    dtype = np.dtype(dtype)
    np.indices((1,) * len(dims), dtype=dtype)  # what NumPy refuses (bool, str) fails now
    normalized = normalize_chunks(chunks, dims, dtype=dtype, limit=config.get("chunk_size"))
    if sparse:
        return tuple(_grid(tuple(n if a == i else 1 for a, n in enumerate(dims)), i, dtype,
                           tuple(c if a == i else (1,) for a, c in enumerate(normalized)))
                     for i in range(len(dims)))
    if not dims:
        return creation.empty((0,), dtype=dtype, chunks=1)
    return stack([_grid(dims, i, dtype, normalized) for i in range(len(dims))], 0)


def fromfunction(function: Callable[..., Any], shape: Any, *, dtype: Any = float,
                 like: Any = None, chunks: Any = "auto", **kwargs: Any) -> ChunkedArray:
    """``function`` of the coordinates of each element, like ``numpy.fromfunction``.

    ``function`` is called block by block with the coordinates of the block's elements (arrays
    of ``dtype``), so it must work elementwise, as NumPy's ufuncs do; one that does not (it
    returns a scalar, or another shape) is refused now.

    >>> fromfunction(lambda i, j: i * 10 + j, (2, 3), dtype=int, chunks=2).compute()
    array([[ 0,  1,  2],
           [10, 11, 12]])
    """
    check_like("fromfunction", like)
    dims = _check_dims(shape, "fromfunction")
    index_dtype = np.dtype(dtype)
    small = tuple(min(n, 2) for n in dims)
    probe = np.asarray(function(*np.indices(small, dtype=index_dtype), **kwargs))
    if probe.shape != small:
        raise ValueError(
            f"fromfunction: function must work elementwise on its coordinate arrays; given "
            f"coordinates of shape {small} it returned shape {probe.shape}")
    normalized = normalize_chunks(chunks, dims, dtype=probe.dtype,
                                  limit=config.get("chunk_size"))
    options = {"function": function, "index_dtype": index_dtype, "kwargs": kwargs,
               "dtype": probe.dtype}
    name = "fromfunction-" + tokenize(function, normalized, index_dtype, kwargs)
    return ChunkedArray(BlockFunction(name, fromfunction_block, normalized, probe.dtype,
                                      options))


@implements(np.meshgrid)
def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy"
             ) -> tuple[ChunkedArray, ...]:
    """Coordinate arrays from coordinate vectors, like ``numpy.meshgrid`` (a tuple, as NumPy 2).

    ``copy`` is accepted for NumPy's signature: the lazy results never share writable memory.

    >>> import chunkarray as ca
    >>> xx, yy = meshgrid(ca.arange(3, chunks=2), ca.arange(2, chunks=1))
    >>> xx.compute()
    array([[0, 1, 2],
           [0, 1, 2]])
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing={indexing!r}; valid values are 'xy' and 'ij'")
    ndim = len(xi)
    ones = (1,) * ndim
    out = [reshape(_as_chunked(x), ones[:i] + (-1,) + ones[i + 1:]) for i, x in enumerate(xi)]
    if indexing == "xy" and ndim > 1:
        out[0] = reshape(out[0], (1, -1) + ones[2:])
        out[1] = reshape(out[1], (-1, 1) + ones[2:])
    if not sparse:
        out = list(broadcast_arrays(*out))
    return tuple(out)


# --- like=: NumPy hands ``np.zeros(3, like=x)`` to x's __array_function__ without ``like`` ----


def _like_dispatch(impl: Callable[..., Any]) -> Callable[..., Any]:
    def adapter(*args: Any, **kwargs: Any) -> Any:
        device = kwargs.pop("device", None)
        if device not in (None, "cpu"):
            raise ValueError(f"{impl.__name__}: device={device!r} is not supported; only 'cpu'")
        return impl(*args, **kwargs)

    adapter.__name__ = impl.__name__
    adapter.__doc__ = impl.__doc__
    return adapter


def _np_arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> ChunkedArray:
    return creation.arange(start, stop, step, dtype=dtype)


def _np_eye(N: int, M: int | None = None, k: int = 0, dtype: Any = float,  # noqa: N803
            order: str = "C") -> ChunkedArray:
    return creation.eye(N, M, k, dtype=dtype, order=order)


def _np_fromfunction(function: Callable[..., Any], shape: Any, *, dtype: Any = float,
                     **kwargs: Any) -> ChunkedArray:
    return fromfunction(function, shape, dtype=dtype, **kwargs)


_LIKE: list[tuple[Any, Callable[..., Any]]] = [
    (np.zeros, creation.zeros), (np.ones, creation.ones), (np.empty, creation.empty),
    (np.full, creation.full), (np.asarray, asarray), (np.asanyarray, asanyarray),
    (np.array, array), (np.arange, _np_arange), (np.eye, _np_eye),
    (np.fromfunction, _np_fromfunction),
]
for _np_func, _impl in _LIKE:
    HANDLED_FUNCTIONS[_np_func] = _like_dispatch(_impl)
