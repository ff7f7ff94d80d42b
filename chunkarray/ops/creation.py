"""Making chunked arrays: from existing array-likes, and the NumPy creation functions.

``order=``: blocks are always computed in C order. ``order="C"`` (and ``"K"``/``"A"`` where NumPy
takes them) is accepted; ``order="F"`` is refused with a ``ValueError`` rather than silently
ignored, since a computed result would not have the Fortran layout NumPy promises.
``like=``: NumPy's protocol: ``None`` or a chunked array (the result is a chunked array either
way); any other reference object is refused.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core import config
from chunkarray.core.chunks import normalize_chunks
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as kernels
from chunkarray.primitives.rechunk import rechunk_node
from chunkarray.primitives.sources import BlockFunction, FromArray

__all__ = [
    "arange",
    "check_like",
    "check_order",
    "asarray",
    "empty",
    "empty_like",
    "eye",
    "from_array",
    "full",
    "full_like",
    "linspace",
    "ones",
    "ones_like",
    "zeros",
    "zeros_like",
]


# Array-likes that from_array must wrap before reading them: the io package registers one for h5py
# datasets, whose reads need their file's lock (libhdf5 is not thread-safe). Each adapter returns
# the wrapped source, or None for an input it does not handle.
_SOURCE_ADAPTERS: list[Callable[[Any], Any]] = []


def register_source_adapter(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Have :func:`from_array` read an input through ``adapt(x)`` whenever that is not None."""
    if adapt not in _SOURCE_ADAPTERS:
        _SOURCE_ADAPTERS.append(adapt)
    return adapt


def _adapt(x: Any) -> Any:
    for adapt in _SOURCE_ADAPTERS:
        adapted = adapt(x)
        if adapted is not None:
            return adapted
    return x


def _storage_chunks(x: Any) -> tuple[int, ...] | None:
    """The block shape an h5py dataset or zarr array is stored in, if it says."""
    chunks = getattr(x, "chunks", None)
    if isinstance(chunks, tuple) and all(isinstance(c, (int, np.integer)) for c in chunks):
        return tuple(int(c) for c in chunks)
    return None


def from_array(x: Any, /, chunks: Any = "auto", *, name: str | None = None) -> ChunkedArray:
    """A chunked array reading its blocks from ``x``.

    ``x`` is a NumPy array or any object with ``shape``, ``dtype`` and ``__getitem__`` (h5py
    datasets and zarr arrays included); its blocks are read when computed, one at a time. A NumPy
    input is neither copied nor hashed: blocks are views of it. ``chunks="auto"`` prefers whole
    multiples of the input's own storage chunks.

    >>> import numpy as np
    >>> from_array(np.ones((4, 6)), chunks=(2, 3)).numblocks
    (2, 2)
    """
    if isinstance(x, ChunkedArray):
        return ChunkedArray(rechunk_node(x._node, normalize_chunks(chunks, x.shape, dtype=x.dtype,
                                                             limit=config.get("chunk_size"))))
    _refuse_masked(x)
    x = _adapt(x)
    if not all(hasattr(x, attr) for attr in ("shape", "dtype", "__getitem__")):
        if hasattr(x, "__array__") or isinstance(x, (list, tuple, int, float, complex, bool)):
            x = np.asarray(x)
        else:
            raise TypeError(
                "from_array needs an array-like with shape, dtype and __getitem__ "
                f"(a NumPy array, h5py dataset, zarr array...), got {type(x).__name__}"
            )
    shape = tuple(int(n) for n in x.shape)
    dtype = np.dtype(x.dtype)
    normalized = normalize_chunks(chunks, shape, dtype=dtype, previous_chunks=_storage_chunks(x),
                                  limit=config.get("chunk_size"))
    if name is None:
        name = "array-" + tokenize(x, normalized)
    return ChunkedArray(FromArray(name, x, normalized, dtype))


def _refuse_masked(x: Any) -> None:
    # Blocks of a masked array would be read as plain arrays: the mask would be lost and every
    # masked value counted. Until masked blocks are supported, say so rather than answer wrongly.
    # Only if numpy.ma was imported (no masked array exists otherwise): importing it just to
    # ask would cost a fresh process's first from_array tens of milliseconds.
    ma = sys.modules.get("numpy.ma")
    if ma is not None and isinstance(x, ma.MaskedArray):
        raise TypeError(
            "masked arrays (numpy.ma.MaskedArray) are not supported yet: their masks would be "
            "lost; pass x.filled(value) to replace the masked values, or np.asarray(x) to ignore "
            "the mask")


def check_order(func: str, order: Any, allowed: str = "C") -> None:
    """Refuse an ``order=`` other than those in ``allowed`` (``"F"`` always: blocks are C order).

    >>> check_order("zeros", "F")
    Traceback (most recent call last):
    ...
    ValueError: zeros: order='F' is not supported (blocks are computed in C order); use 'C'
    """
    if order is None or (isinstance(order, str) and order.upper() in allowed):
        return
    if isinstance(order, str) and order.upper() == "F":
        raise ValueError(f"{func}: order='F' is not supported (blocks are computed in C "
                         f"order); use 'C'")
    raise ValueError(f"{func}: order={order!r}; allowed: {', '.join(repr(o) for o in allowed)}")


def check_like(func: str, like: Any) -> None:
    """Accept NumPy's ``like=`` reference object when it is None or a chunked array.

    >>> check_like("zeros", [1])
    Traceback (most recent call last):
    ...
    TypeError: zeros: like= must be None or a ChunkedArray, got list
    """
    if like is not None and not isinstance(like, ChunkedArray):
        raise TypeError(f"{func}: like= must be None or a ChunkedArray, got "
                        f"{type(like).__name__}")


def asarray(x: Any, /, dtype: Any = None, order: Any = None, *, like: Any = None,
            chunks: Any = "auto") -> ChunkedArray:
    """Convert to a chunked array; chunked arrays pass through (cast if ``dtype`` is given).

    >>> asarray([1, 2, 3]).dtype
    dtype('int64')
    """
    check_order("asarray", order, "KAC")
    check_like("asarray", like)
    # The ``type: ignore``s: ``astype`` is bound to ChunkedArray by chunkarray.ops.methods.
    if isinstance(x, ChunkedArray):
        if dtype is None or np.dtype(dtype) == x.dtype:
            return x
        return x.astype(dtype)  # type: ignore[attr-defined]
    _refuse_masked(x)
    if not all(hasattr(x, attr) for attr in ("shape", "dtype", "__getitem__")):
        x = np.asarray(x, dtype=dtype)
    elif dtype is not None and np.dtype(dtype) != x.dtype:
        # Cast block by block: np.asarray would read a whole h5py or zarr array into memory
        # (and fails outright on array-likes without __array__).
        return from_array(x, chunks=chunks).astype(dtype)  # type: ignore[attr-defined]
    return from_array(x, chunks=chunks)


def _check_shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(operator.index(n) for n in shape)
    except TypeError:
        dims = None
    if dims is None or any(isinstance(n, (bool, np.bool_)) for n in shape):  # as NumPy refuses
        raise TypeError(f"shape must be an int or a tuple of ints, got {shape!r}")
    if any(n < 0 for n in dims):
        raise ValueError(f"shape={dims}: dimensions must be non-negative")
    return dims


def _blocks(func: Any, label: str, shape: Any, dtype: Any, chunks: Any, **kwargs: Any
            ) -> ChunkedArray:
    shape = _check_shape(shape)
    dtype = np.dtype(dtype)
    normalized = normalize_chunks(chunks, shape, dtype=dtype, limit=config.get("chunk_size"))
    name = f"{label}-" + tokenize(label, normalized, dtype, kwargs)
    return ChunkedArray(BlockFunction(name, func, normalized, dtype, {**kwargs, "dtype": dtype}))


def zeros(shape: Any, dtype: Any = float, order: str = "C", *, like: Any = None,
          chunks: Any = "auto") -> ChunkedArray:
    """An array of zeros.

    >>> zeros((2, 3), chunks=2).compute()
    array([[0., 0., 0.],
           [0., 0., 0.]])
    """
    check_order("zeros", order)
    check_like("zeros", like)
    return _blocks(kernels.zeros_block, "zeros", shape, dtype, chunks)


def ones(shape: Any, dtype: Any = float, order: str = "C", *, like: Any = None,
          chunks: Any = "auto") -> ChunkedArray:
    """An array of ones.

    >>> ones(3, dtype=int).compute()
    array([1, 1, 1])
    """
    check_order("ones", order)
    check_like("ones", like)
    return _blocks(kernels.full_block, "ones", shape, dtype, chunks, fill_value=1)


def empty(shape: Any, dtype: Any = float, order: str = "C", *, like: Any = None,
          chunks: Any = "auto") -> ChunkedArray:
    """An array whose values are whatever the memory held (like ``numpy.empty``).

    >>> empty((2, 2)).shape
    (2, 2)
    """
    check_order("empty", order)
    check_like("empty", like)
    return _blocks(kernels.empty_block, "empty", shape, dtype, chunks)


def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C", *, like: Any = None,
         chunks: Any = "auto") -> ChunkedArray:
    """An array filled with ``fill_value`` (a scalar); the dtype is the fill value's by default.

    >>> full(3, 7).compute()
    array([7, 7, 7])
    """
    check_order("full", order)
    check_like("full", like)
    if np.ndim(fill_value) != 0:
        raise ValueError(
            f"fill_value must be a scalar, got an array of shape {np.shape(fill_value)}")
    if dtype is None:
        dtype = np.asarray(fill_value).dtype
    # A value that cannot become the dtype fails now, not in compute: np.full of a 0-d array
    # converts exactly as the blocks will (np.asarray(300).astype(np.int8) would wrap silently).
    # Its dtype is the blocks' own: an unsized "U" or "S" gets NumPy's size for the value.
    dtype = np.full((), fill_value, dtype=dtype).dtype
    return _blocks(kernels.full_block, "full", shape, dtype, chunks, fill_value=fill_value)


def _like(a: Any, shape: Any, dtype: Any, chunks: Any) -> tuple[Any, Any, Any]:
    like_shape = np.shape(a) if not isinstance(a, ChunkedArray) else a.shape
    like_dtype = a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype
    if chunks is None:
        chunks = a.chunks if isinstance(a, ChunkedArray) and shape is None else "auto"
    shape = like_shape if shape is None else shape
    return shape, (like_dtype if dtype is None else dtype), chunks


def zeros_like(a: Any, /, dtype: Any = None, *, shape: Any = None, chunks: Any = None
               ) -> ChunkedArray:
    """Zeros with the shape, dtype and (by default) chunks of ``a``.

    >>> zeros_like(ones((2, 2), chunks=1)).chunks
    ((1, 1), (1, 1))
    """
    shape, dtype, chunks = _like(a, shape, dtype, chunks)
    return zeros(shape, dtype, chunks=chunks)


def ones_like(a: Any, /, dtype: Any = None, *, shape: Any = None, chunks: Any = None
              ) -> ChunkedArray:
    """Ones with the shape, dtype and (by default) chunks of ``a``."""
    shape, dtype, chunks = _like(a, shape, dtype, chunks)
    return ones(shape, dtype, chunks=chunks)


def empty_like(a: Any, /, dtype: Any = None, *, shape: Any = None, chunks: Any = None
               ) -> ChunkedArray:
    """An uninitialized array with the shape, dtype and (by default) chunks of ``a``."""
    shape, dtype, chunks = _like(a, shape, dtype, chunks)
    return empty(shape, dtype, chunks=chunks)


def full_like(a: Any, /, fill_value: Any, dtype: Any = None, *, shape: Any = None,
              chunks: Any = None) -> ChunkedArray:
    """``fill_value`` with the shape, dtype and (by default) chunks of ``a``."""
    shape, dtype, chunks = _like(a, shape, dtype, chunks)
    return full(shape, fill_value, dtype, chunks=chunks)


def _arange_dtype(start: Any, stop: Any, step: Any) -> np.dtype:
    # NumPy infers arange's dtype from the types of its arguments, not from promotion of values:
    # ask it with zero-valued stand-ins of the same types.
    return np.arange(np.zeros_like(start), np.zeros_like(stop), np.ones_like(step)).dtype


def arange(start: Any, /, stop: Any = None, step: Any = None, *, dtype: Any = None,
           like: Any = None, chunks: Any = "auto") -> ChunkedArray:
    """Evenly spaced values in ``[start, stop)``, like ``numpy.arange``.

    >>> arange(5, chunks=2).compute()
    array([0, 1, 2, 3, 4])
    >>> arange(1, 2, 0.25, chunks=2).compute()
    array([1.  , 1.25, 1.5 , 1.75])
    """
    check_like("arange", like)
    if stop is None:
        start, stop = 0, start
    inferred = _arange_dtype(start, stop, 1 if step is None else step)
    step = 1 if step is None else step
    if step == 0:
        raise ValueError("arange: step must not be zero")
    dtype = inferred if dtype is None else np.dtype(dtype)
    if dtype.kind not in "iufc":
        raise TypeError(f"arange supports numeric dtypes, got {dtype}")
    if all(type(v) is int for v in (start, stop, step)):
        length = max(-((start - stop) // step), 0)  # exact for Python ints of any size
    else:
        # As NumPy does, from the arguments themselves: ``ceil((stop - start) / step)`` under
        # NumPy's scalar rules, wrapping included (``np.arange(-1, np.int8(127))`` is empty).
        length = max(math.ceil(float((stop - start) / step)), 0)
    return _blocks(kernels.arange_block, "arange", (length,), dtype, chunks,
                   start=start, step=step)


def linspace(start: Any, stop: Any, /, num: int = 50, *, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, chunks: Any = "auto") -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop``, like ``numpy.linspace``.

    >>> linspace(0, 1, 5, chunks=2).compute()
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    if np.ndim(start) or np.ndim(stop):
        raise TypeError("linspace: start and stop must be scalars")
    num = _integer("linspace", "num", num)
    if num < 0:
        raise ValueError(f"linspace: num must be non-negative, got {num}")
    # NumPy computes in the inexact type of start and stop, keeping float32 for float32 inputs.
    work = np.result_type(start, stop, 1.0)
    dtype = work if dtype is None else np.dtype(dtype)
    out = _blocks(kernels.linspace_block, "linspace", (num,), dtype, chunks, start=start,
                  stop=stop, num=num, endpoint=endpoint, work_dtype=work)
    if retstep:
        div = num - 1 if endpoint else num
        step = (np.asarray(stop, work) - np.asarray(start, work)) / div if div > 0 else np.nan
        return out, step
    return out


def eye(N: int, /, M: int | None = None, k: int = 0, *, dtype: Any = float, order: str = "C",
        like: Any = None, chunks: Any = "auto") -> ChunkedArray:
    """A 2-D array with ones on the ``k``-th diagonal, like ``numpy.eye``.

    >>> eye(3, chunks=2, dtype=int).compute()
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 0, 1]])
    """
    check_order("eye", order)
    check_like("eye", like)
    M = N if M is None else M
    return _blocks(kernels.eye_block, "eye", (N, M), dtype, chunks, k=_integer("eye", "k", k))


def _integer(func: str, arg: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{func}: {arg} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{func}: {arg} must be an integer, got {value!r}") from None

