"""The array API standard (version 2024.12) in the ``chunkarray`` namespace.

``chunkarray`` itself is the namespace: ``x.__array_namespace__()`` returns it, so libraries
written against the standard (``xp = array_namespace(x)``) run on chunked arrays. Most of the
standard is NumPy's own functions, which the operations already provide; this module holds what
differs: the data type objects and constants, ``device=``/``copy=`` on creation functions,
``descending=`` on sorting, ``correction=`` (in the reductions), the standard's names
(``concat``, ``unstack``, ``take``), the data type functions, and the array's own protocol
(``device``, ``to_device``, ``mT``, ``__dlpack__``, ``__iter__``). Each function here accepts
NumPy's arguments too, so ``chunkarray.f`` serves both; ``np.f(x)`` keeps NumPy's behaviour.

>>> import chunkarray as ca
>>> x = ca.asarray([[1.0, 2.0], [3.0, 4.0]], device=ca.CPU_DEVICE)
>>> xp = x.__array_namespace__()
>>> xp is ca, xp.__array_api_version__
(True, '2024.12')
>>> xp.sum(xp.matrix_transpose(x) * xp.pi, axis=0).dtype == xp.float64
True
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.array_methods import provide
from chunkarray.interop.array_api_info import CPU_DEVICE, Device, check_device
from chunkarray.kernels.creation_like import filled_like
from chunkarray.ops import construct, creation
from chunkarray.ops.diagonals import matrix_transpose
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import astype as _astype
from chunkarray.ops.elementwise import clip as _clip
from chunkarray.ops.linalg import matmul
from chunkarray.ops.manipulation import broadcast_to, concatenate, flip, reshape
from chunkarray.ops.manipulation import expand_dims as _expand_dims
from chunkarray.ops.manipulation import repeat as _repeat
from chunkarray.ops.methods import cast_into
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.routines import blockwise, map_blocks
from chunkarray.ops.scans import diff as _diff
from chunkarray.ops.sorting import argsort as _argsort
from chunkarray.ops.sorting import sort as _sort

__all__ = [
    "SUPPORTED_VERSIONS", "__array_api_version__", "argsort", "arange", "asarray", "astype",
    "broadcast_shapes", "can_cast", "clip", "concat", "diff", "empty", "empty_like",
    "expand_dims", "eye", "finfo", "from_dlpack", "full", "full_like", "iinfo", "imag",
    "isdtype", "linspace", "meshgrid", "ones", "ones_like", "real", "repeat", "result_type",
    "round", "sort", "take", "take_along_axis", "unstack", "zeros", "zeros_like",
]

#: The version of the standard ``chunkarray`` implements.
__array_api_version__ = "2024.12"
#: Every version ``x.__array_namespace__(api_version=...)`` accepts (later ones add functions).
SUPPORTED_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12")

def _namespace() -> ModuleType:
    # The namespace is the package this module belongs to; it is fully imported by the time an
    # array exists to ask for it.
    return sys.modules[__name__.split(".")[0]]


# --- creation functions: ``device=`` on each -----------------------------------------------------

def _on_device(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with a keyword-only ``device=`` that must name the CPU."""
    @functools.wraps(func)
    def create(*args: Any, device: Any = None, **kwargs: Any) -> Any:
        check_device(device)
        return func(*args, **kwargs)

    params = list(inspect.signature(func).parameters.values())
    at = next((i for i, p in enumerate(params) if p.kind is p.VAR_KEYWORD), len(params))
    params.insert(at, inspect.Parameter("device", inspect.Parameter.KEYWORD_ONLY, default=None))
    create.__signature__ = inspect.signature(func).replace(parameters=params)  # type: ignore
    return create


arange = _on_device(creation.arange)
empty = _on_device(creation.empty)
eye = _on_device(creation.eye)
full = _on_device(creation.full)
linspace = _on_device(creation.linspace)
ones = _on_device(creation.ones)
zeros = _on_device(creation.zeros)


def _like(func: Callable[..., Any], fill_value: Any) -> Callable[..., Any]:
    """``func`` (``ones_like``...) with ``device=``, and block by block for an array whose
    block sizes are unknown (the result of a boolean mask or ``unique``)."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def create(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs).arguments
        x = bound.get("a")
        if (isinstance(x, ChunkedArray) and any(n != n for n in x.shape)
                and bound.get("shape") is None and bound.get("chunks") is None):
            dtype = x.dtype if bound.get("dtype") is None else np.dtype(bound["dtype"])
            return map_blocks(filled_like, x, dtype=dtype, out_dtype=dtype,
                              fill_value=bound.get("fill_value", fill_value))
        return func(*args, **kwargs)

    return _on_device(create)


empty_like = _like(creation.empty_like, None)
full_like = _like(creation.full_like, None)
ones_like = _like(creation.ones_like, 1)
zeros_like = _like(creation.zeros_like, 0)


def _is_storage(obj: Any) -> Any:
    """An array-like read lazily (zarr, h5py): it has a shape, a dtype and ``__getitem__``."""
    return not isinstance(obj, np.ndarray) and all(
        hasattr(obj, a) for a in ("shape", "dtype", "__getitem__"))


def asarray(obj: Any, /, dtype: Any = None, order: Any = None, *, device: Any = None,
            copy: Any = None, like: Any = None, chunks: Any = "auto") -> ChunkedArray:
    """Convert ``obj`` to a chunked array, as the standard's ``asarray``.

    NumPy's ``order=`` and ``like=`` are taken too (see :func:`chunkarray.ops.creation.asarray`).
    ``copy=True`` takes a snapshot of a NumPy array or sequence (later changes to it are not
    seen); ``copy=False`` refuses a conversion that would need a copy. Chunked arrays are
    immutable, so they never need one.

    >>> import numpy as np
    >>> a = np.arange(3)
    >>> x = asarray(a, copy=True)
    >>> a[0] = 9
    >>> x.compute()
    array([0, 1, 2])
    >>> asarray(np.arange(3), dtype="float32", copy=False)
    Traceback (most recent call last):
    ...
    ValueError: copy=False: converting int64 to float32 needs a copy
    """
    check_device(device)
    if copy not in (None, True, False):
        raise ValueError(f"copy={copy!r}: must be True, False or None")
    if isinstance(obj, ChunkedArray):
        if copy is False and dtype is not None and np.dtype(dtype) != obj.dtype:
            raise ValueError(f"copy=False: converting {obj.dtype} to {np.dtype(dtype)} "
                             f"needs a copy")
        return creation.asarray(obj, dtype, order, like=like, chunks=chunks)
    if copy is False and dtype is not None and hasattr(obj, "dtype") and (
            np.dtype(dtype) != np.dtype(obj.dtype)):
        raise ValueError(f"copy=False: converting {np.dtype(obj.dtype)} to {np.dtype(dtype)} "
                         f"needs a copy")
    if copy is True and _is_storage(obj):
        raise ValueError(f"copy=True: a {type(obj).__name__} would be read whole into memory; "
                         f"pass copy=None to read it block by block")
    if copy is not None and not _is_storage(obj):
        try:
            obj = np.asarray(obj, dtype=dtype, copy=copy)
        except ValueError as err:  # NumPy's copy=False refusal, e.g. for a Python list
            raise ValueError(f"copy=False: {err}") from None
    return creation.asarray(obj, dtype, order, like=like, chunks=chunks)


def from_dlpack(x: Any, /, *, device: Any = None, copy: Any = None,
                chunks: Any = "auto") -> ChunkedArray:
    """A chunked array over an object exporting DLPack (a NumPy array, a torch CPU tensor).

    >>> import numpy as np
    >>> from_dlpack(np.arange(4.0)).sum().compute()
    np.float64(6.0)
    """
    check_device(device)
    if isinstance(x, ChunkedArray):
        return x
    return creation.from_array(np.from_dlpack(x, copy=copy), chunks=chunks)


def astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None,
           casting: str = "unsafe") -> ChunkedArray:
    """Cast ``x`` to ``dtype`` (the standard's ``astype``; NumPy's ``casting=`` too).

    >>> astype(ones(3, chunks=2), np.int8).dtype
    dtype('int8')
    """
    check_device(device)
    return _astype(asarray(x), dtype, casting=casting, copy=copy)


# --- data type functions ---------------------------------------------------------------------

def _dtype_of(value: Any) -> Any:
    return value.dtype if isinstance(value, ChunkedArray) else value


def can_cast(from_: Any, to: Any, /) -> Any:
    """Whether ``from_`` (a dtype or an array) casts to ``to`` under the safe rule.

    >>> can_cast(np.int8, np.float32), can_cast(ones(2, chunks=1), np.int64)
    (True, False)
    """
    return np.can_cast(_dtype_of(from_), to)


def finfo(type: Any, /) -> np.finfo:  # noqa: A002 (the standard's name)
    """Machine limits of a floating dtype (or of an array's dtype).

    >>> finfo(np.float32).bits
    32
    """
    return np.finfo(_dtype_of(type))


def iinfo(type: Any, /) -> np.iinfo:  # noqa: A002 (the standard's name)
    """Machine limits of an integer dtype (or of an array's dtype).

    >>> int(iinfo(np.int8).max)
    127
    """
    return np.iinfo(_dtype_of(type))


def isdtype(dtype: Any, kind: Any) -> Any:
    """Whether ``dtype`` is of ``kind`` (``"real floating"``, a dtype, or a tuple of them).

    >>> isdtype(np.float32, "real floating"), isdtype(np.int8, ("bool", "unsigned integer"))
    (True, False)
    """
    return np.isdtype(np.dtype(dtype), kind)


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """The dtype type promotion gives for these arrays, dtypes and Python scalars.

    >>> result_type(ones(2, dtype=np.int8, chunks=1), np.int16, 1)
    dtype('int16')
    """
    if not arrays_and_dtypes:
        raise ValueError("result_type: at least one array or dtype is required")
    return np.result_type(*(_dtype_of(a) for a in arrays_and_dtypes))


# --- elementwise functions the standard names differently from NumPy --------------------------

def real(x: Any, /) -> ChunkedArray:
    """The real part of each element.

    >>> real(asarray([1 + 2j])).compute()
    array([1.])
    """
    return asarray(x).real


def imag(x: Any, /) -> ChunkedArray:
    """The imaginary part of each element.

    >>> imag(asarray([1 + 2j])).compute()
    array([2.])
    """
    return asarray(x).imag


def round(x: Any, /, decimals: int = 0) -> ChunkedArray:  # noqa: A001 (the standard's name)
    """Round to the nearest integer (half to even), or to ``decimals`` places as NumPy's.

    >>> round(asarray([0.5, 1.5, -2.5])).compute()
    array([ 0.,  2., -2.])
    """
    return asarray(x).round(decimals)


def clip(x: Any, /, min: Any = None, max: Any = None) -> ChunkedArray:  # noqa: A002
    """Limit the values of ``x`` to ``[min, max]`` (scalars or arrays); the result has the dtype
    of ``x``, as the standard asks (NumPy would promote to the bounds' dtype).

    >>> clip(asarray([1, 5, 9], dtype=np.int8), asarray([2, 2, 2], dtype=np.int16), 6).compute()
    array([2, 5, 6], dtype=int8)
    """
    x = asarray(x)
    out = _clip(x, min, max)
    return out if out.dtype == x.dtype else _astype(out, x.dtype)


def diff(x: Any, /, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None
         ) -> ChunkedArray:
    """The ``n``-th differences along ``axis``; ``prepend``/``append`` of ``None`` add nothing.

    >>> diff(asarray([1, 4, 9]), prepend=asarray([0])).compute()
    array([1, 3, 5])
    """
    options = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    return _diff(x, n=n, axis=axis, **options)


# --- manipulation ----------------------------------------------------------------------------

def concat(arrays: Sequence[Any], /, *, axis: int | None = 0) -> ChunkedArray:
    """Join arrays along ``axis`` (flattened first if ``axis=None``): the standard's name for
    ``concatenate``.

    >>> concat([ones(2, chunks=1), zeros(1)]).compute()
    array([1., 1., 0.])
    """
    return concatenate(tuple(arrays), axis=axis)


def expand_dims(x: Any, /, axis: Any = 0) -> ChunkedArray:
    """Insert a length-one axis at ``axis`` (0 by default, as the standard's).

    >>> expand_dims(ones(3, chunks=2)).shape
    (1, 3)
    """
    return _expand_dims(x, axis)


def unstack(x: Any, /, *, axis: int = 0) -> tuple[ChunkedArray, ...]:
    """Split ``x`` along ``axis`` into a tuple of arrays with that axis removed.

    >>> [a.compute().tolist() for a in unstack(asarray([[1, 2], [3, 4]]), axis=1)]
    [[1, 3], [2, 4]]
    """
    x = asarray(x)
    if x.ndim == 0:
        raise ValueError("unstack: x is 0-d; it needs at least one axis to split along")
    axis = _check_axis(axis, x.ndim, "axis")
    n = x.shape[axis]
    if n != n:  # NaN: unknown size
        raise ValueError(f"unstack: the size of axis {axis} is unknown; call "
                         f"x.compute_chunk_sizes() first")
    before = (slice(None),) * axis
    return tuple(x[before + (i,)] for i in range(int(n)))


implements(np.unstack)(unstack)


def _check_axis(axis: Any, ndim: int, name: str) -> int:
    if isinstance(axis, (np.bool_, bool)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}={axis!r}: must be an integer")
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"{name}={axis}: out of bounds for an array of "
                                      f"dimension {ndim}")
    return int(axis) % ndim


def meshgrid(*arrays: Any, indexing: str = "xy", sparse: bool = False, copy: bool = True
             ) -> list[ChunkedArray]:
    """Coordinate grids from 1-d coordinate vectors (a list, as the standard's; ``np.meshgrid``
    on chunked arrays returns NumPy's tuple).

    >>> gx, gy = meshgrid(asarray([1, 2, 3]), asarray([4, 5]))
    >>> gx.compute()
    array([[1, 2, 3],
           [1, 2, 3]])
    """
    return list(construct.meshgrid(*arrays, indexing=indexing, sparse=sparse, copy=copy))


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The shape arrays of ``shapes`` broadcast to.

    >>> broadcast_shapes((3, 1), (4,))
    (3, 4)
    """
    return np.broadcast_shapes(*shapes)


def repeat(x: Any, repeats: Any, /, axis: int | None = None) -> ChunkedArray:
    """Repeat each element of ``x`` along ``axis`` (flattened first if ``None``); ``repeats``
    an int, a sequence or a chunked integer array (then the result's block sizes are unknown
    until computed, as the standard's data-dependent shapes).

    >>> repeat(asarray([1, 2, 3], chunks=2), asarray([2, 0, 1], chunks=2)).compute()
    array([1, 1, 3])
    """
    if not isinstance(repeats, ChunkedArray):
        return _repeat(x, repeats, axis)
    x = asarray(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis = _check_axis(axis, x.ndim, "axis")
    if repeats.ndim > 1:
        raise ValueError(f"repeats: a chunked array of repeats must be 0-d or 1-d, got "
                         f"{repeats.ndim}-d")
    if not np.can_cast(repeats.dtype, np.intp):
        raise TypeError(f"repeats: Cannot cast array data from {repeats.dtype!r} to "
                        f"{np.dtype(np.intp)!r} according to the rule 'safe'")
    n = x.shape[axis]
    if repeats.ndim == 0 or repeats.shape[0] == 1:
        repeats = broadcast_to(reshape(repeats, (1,)), (n,))
    elif repeats.shape[0] != n:
        raise ValueError(f"repeats: {repeats.shape[0]} counts for axis {axis} of length {n}")
    repeats = rechunk(repeats, (x.chunks[axis],))
    ind = "".join(chr(ord("a") + d) for d in range(x.ndim))
    unknown = (float("nan"),) * len(x.chunks[axis])
    return blockwise(np.repeat, ind, x, ind, repeats, ind[axis], dtype=x.dtype,
                     adjust_chunks={ind[axis]: unknown}, axis=axis)


# --- indexing functions ----------------------------------------------------------------------

def take(x: Any, indices: Any, /, axis: int | None = None, out: None = None,
         mode: str = "raise") -> ChunkedArray:
    """The elements of ``x`` at ``indices`` along ``axis`` (flattened first if ``axis=None``
    and ``x`` is not 1-d, as NumPy's).

    ``indices`` may be a NumPy array or list (its bounds are checked now) or a chunked integer
    array (checked when computed).

    >>> take(asarray([[1, 2], [3, 4]]), [1, 0, 1], axis=1).compute()
    array([[2, 1, 2],
           [4, 3, 4]])
    """
    x = asarray(x)
    if out is not None:
        raise TypeError("take: out= is not supported on chunked arrays; use the result")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"mode={mode!r}: must be 'raise', 'wrap' or 'clip'")
    if axis is None:
        x, axis = (x, 0) if x.ndim == 1 else (reshape(x, (-1,)), 0)
    axis = _check_axis(axis, x.ndim, "axis")
    if isinstance(indices, ChunkedArray):
        return _take_chunked(x, indices, axis, mode)
    positions = np.asarray(indices)
    if positions.dtype.kind not in "iu":
        raise IndexError(f"take: indices must be integers, got dtype {positions.dtype}")
    n = x.shape[axis]
    if mode == "wrap" and n:
        positions = positions % n
    elif mode == "clip" and n:
        positions = np.clip(positions, 0, n - 1)
    if positions.ndim == 0:
        return x[(slice(None),) * axis + (int(positions),)]
    flat = x[(slice(None),) * axis + (positions.reshape(-1),)]
    return reshape(flat, x.shape[:axis] + positions.shape + x.shape[axis + 1:])


def _take_chunked(x: ChunkedArray, indices: ChunkedArray, axis: int, mode: str
                  ) -> ChunkedArray:
    if indices.dtype.kind not in "iu":
        raise IndexError(f"take: indices must be integers, got dtype {indices.dtype}")
    # Every block of indices may point anywhere along the axis: each task sees the whole axis
    # (one block of ``x`` along it), and the result's blocks follow those of ``indices``.
    whole = rechunk(x, {axis: -1})
    x_ind = "".join(chr(ord("a") + d) for d in range(x.ndim))
    i_ind = "".join(chr(ord("A") + d) for d in range(indices.ndim))
    out_ind = x_ind[:axis] + i_ind + x_ind[axis + 1:]
    return blockwise(np.take, out_ind, whole, x_ind, indices, i_ind, dtype=x.dtype,
                     concatenate=True, axis=axis, mode=mode)


def take_along_axis(x: Any, indices: Any, /, axis: int | None = -1) -> ChunkedArray:
    """Pick elements of ``x`` along ``axis`` by the matching entries of ``indices``.

    ``indices`` has the dimensions of ``x``; the other axes broadcast. Each task holds one
    block of ``x`` spanning the whole of ``axis``.

    >>> x = asarray([[10, 30, 20], [60, 40, 50]])
    >>> take_along_axis(x, argsort(x, axis=1), axis=1).compute()
    array([[10, 20, 30],
           [40, 50, 60]])
    """
    x = asarray(x)
    idx = indices if isinstance(indices, ChunkedArray) else asarray(np.asarray(indices))
    if idx.dtype.kind not in "iu":
        raise IndexError(f"take_along_axis: indices must be integers, got dtype {idx.dtype}")
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
        if idx.ndim != 1:
            raise ValueError(f"take_along_axis: with axis=None indices must be 1-d, got "
                             f"{idx.ndim}-d")
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices ({idx.ndim}-d) and x ({x.ndim}-d) must have "
                         f"the same number of dimensions")
    axis = _check_axis(axis, x.ndim, "axis")
    others = [d for d in range(x.ndim) if d != axis]
    try:
        shape = np.broadcast_shapes(*[tuple(a.shape[d] for d in others) for a in (x, idx)])
    except ValueError:
        raise ValueError(f"take_along_axis: x of shape {x.shape} and indices of shape "
                         f"{idx.shape} do not broadcast outside axis {axis}") from None
    x_shape, i_shape = list(shape), list(shape)
    x_shape.insert(axis, x.shape[axis])
    i_shape.insert(axis, idx.shape[axis])
    x = rechunk(broadcast_to(x, tuple(x_shape)), {axis: -1})
    idx = broadcast_to(idx, tuple(i_shape))
    idx = rechunk(idx, {d: x.chunks[d] for d in others})
    ind = "".join(chr(ord("a") + d) for d in range(x.ndim))
    x_ind = ind[:axis] + "z" + ind[axis + 1:]
    return blockwise(np.take_along_axis, ind, x, x_ind, idx, ind, dtype=x.dtype,
                     concatenate=True, axis=axis)


implements(np.take)(take)
implements(np.take_along_axis)(take_along_axis)


# --- sorting: ``descending=`` --------------------------------------------------------------------

def sort(x: Any, /, axis: int | None = -1, kind: str | None = None, order: Any = None, *,
         descending: bool = False, stable: bool | None = None) -> ChunkedArray:
    """A sorted copy along ``axis`` (stable unless ``kind=`` or ``stable=False`` says otherwise);
    ``descending=True`` keeps equal elements in their order.

    >>> sort(asarray([3, 1, 2]), descending=True).compute()
    array([3, 2, 1])
    """
    stable = _stable(kind, stable)
    if not descending:
        return _sort(x, axis, kind, order, stable=stable)
    x, axis = _sort_axis(x, axis)
    return flip(_sort(flip(x, axis), axis, kind, order, stable=stable), axis)


def argsort(x: Any, /, axis: int | None = -1, kind: str | None = None, order: Any = None, *,
            descending: bool = False, stable: bool | None = None) -> ChunkedArray:
    """The positions that sort ``x`` along ``axis``, stably (equal elements in the order they
    come) unless ``kind=`` or ``stable=False`` asks otherwise; ``descending=True`` too.

    >>> argsort(asarray([1, 3, 1, 3]), descending=True).compute()
    array([1, 3, 0, 2])
    """
    stable = _stable(kind, stable)
    if not descending:
        return _argsort(x, axis, kind, order, stable=stable)
    x, axis = _sort_axis(x, axis)
    # A stable ascending sort of the reversed axis, read backwards, is a stable descending
    # sort; positions in the reversed axis map back as n - 1 - i.
    n = x.shape[axis]
    return (n - 1) - flip(_argsort(flip(x, axis), axis, kind, order, stable=stable), axis)


def _stable(kind: str | None, stable: bool | None) -> bool | None:
    # The standard sorts stably unless told otherwise; NumPy's ``kind=`` still chooses if given.
    return True if kind is None and stable is None else stable


def _sort_axis(x: Any, axis: int | None) -> tuple[ChunkedArray, int]:
    x = asarray(x)
    if axis is None:
        return reshape(x, (-1,)), 0
    if x.ndim == 0:
        raise np.exceptions.AxisError(f"axis={axis}: out of bounds for a 0-d array")
    return x, _check_axis(axis, x.ndim, "axis")


# --- the array object ------------------------------------------------------------------------

@provide("__array_namespace__")
def _array_namespace(x: ChunkedArray, api_version: str | None = None) -> ModuleType:
    if api_version is not None and api_version not in SUPPORTED_VERSIONS:
        raise ValueError(f"api_version={api_version!r}: chunkarray supports the array API "
                         f"standard versions {', '.join(SUPPORTED_VERSIONS)}")
    return _namespace()


@provide("device")
def _device(x: ChunkedArray) -> Device:
    return CPU_DEVICE


@provide("to_device")
def _to_device(x: ChunkedArray, device: Any, stream: Any = None) -> ChunkedArray:
    check_device(device)
    if stream is not None:
        raise ValueError(f"stream={stream!r}: the CPU has no streams; pass None")
    return x


@provide("mT")
def _mT(x: ChunkedArray) -> ChunkedArray:
    return matrix_transpose(x)


@provide("__imatmul__")
def _imatmul(x: ChunkedArray, other: Any) -> ChunkedArray:
    return cast_into(x, matmul(x, other), "x @= other")


@provide("__iter__")
def _iter(x: ChunkedArray) -> Iterator[ChunkedArray]:
    if x.ndim == 0:
        raise TypeError("iteration over a 0-d array")
    n = x.shape[0]
    if n != n:
        raise TypeError("iteration over an array whose first axis has unknown size; call "
                        "x.compute_chunk_sizes() first")
    return (x[i] for i in range(int(n)))


@provide("__dlpack__")
def _dlpack(x: ChunkedArray, stream: Any = None, max_version: Any = None, dl_device: Any = None,
            copy: Any = None) -> Any:
    if stream is not None:
        raise BufferError(f"stream={stream!r}: the CPU has no streams; pass None")
    # Computed here: DLPack hands over memory, so the values must exist first.
    kwargs = {k: v for k, v in (("max_version", max_version), ("dl_device", dl_device),
                                ("copy", copy)) if v is not None}
    return np.asarray(x).__dlpack__(**kwargs)


@provide("__dlpack_device__")
def _dlpack_device(x: ChunkedArray) -> tuple[int, int]:
    return (1, 0)  # DLPack's kDLCPU, device 0
