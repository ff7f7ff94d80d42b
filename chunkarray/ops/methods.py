"""Binds the operations to :class:`ChunkedArray`: Python operators, NumPy-style methods, and the
``__array_ufunc__`` / ``__array_function__`` protocols.

Operations depend on the array, not the other way round, so they are attached here, from tables.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chunkarray import io
from chunkarray.array import ChunkedArray
from chunkarray.diagnostics import html_repr as _repr
from chunkarray.interop import dask as _dask_protocol
from chunkarray.ops import (
    creation,
    elementwise,
    indexing,
    linalg,
    manipulation,
    masking,
    reductions,
    routines,
    setitem,
    vindex,
)
from chunkarray.ops import rechunk as rechunking
from chunkarray.ops.dispatch import HANDLED_FUNCTIONS
from chunkarray.ops.elementwise import astype, elemwise, inplace, is_operand, ufunc_call

__all__ = ["HANDLED_FUNCTIONS"]

# --- operators ------------------------------------------------------------------------------------

_BINARY: dict[str, np.ufunc] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.true_divide,
    "floordiv": np.floor_divide, "mod": np.remainder, "pow": np.power,
    "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor,
    "lshift": np.left_shift, "rshift": np.right_shift,
}
_COMPARISONS = {
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
    "gt": np.greater, "ge": np.greater_equal,
}
_UNARY = {"neg": np.negative, "pos": np.positive, "abs": np.absolute, "invert": np.invert}


def _binary(ufunc: Any) -> Callable[..., Any]:
    def op(self: ChunkedArray, other: Any) -> Any:
        return elemwise(ufunc, self, other) if is_operand(other) else NotImplemented

    return op


def _reflected(ufunc: Any) -> Callable[..., Any]:
    def op(self: ChunkedArray, other: Any) -> Any:
        return elemwise(ufunc, other, self) if is_operand(other) else NotImplemented

    return op


def _inplace(ufunc: Any) -> Callable[..., Any]:
    def op(self: ChunkedArray, other: Any) -> Any:
        return inplace(ufunc, self, other) if is_operand(other) else NotImplemented

    return op


def _unary(ufunc: Any) -> Callable[..., Any]:
    def op(self: ChunkedArray) -> ChunkedArray:
        return elemwise(ufunc, self)

    return op


def _pow(self: ChunkedArray, other: Any) -> Any:
    """``x ** other``, as ``ndarray.__pow__``: a Python int 2 squares (``numpy.square``).

    The values are the same as ``numpy.power``'s, but the dtype need not be: booleans square to
    int8, where ``numpy.power`` with a weak 2 gives int64.

    >>> import numpy as np, chunkarray as ca
    >>> (ca.from_array(np.array([True, False]), chunks=1) ** 2).dtype
    dtype('int8')
    """
    if type(other) is int and other == 2:
        return elemwise(np.square, self)
    return elemwise(np.power, self, other) if is_operand(other) else NotImplemented


def _bind_operators() -> None:
    for name, ufunc in _BINARY.items():
        setattr(ChunkedArray, f"__{name}__", _binary(ufunc))
        setattr(ChunkedArray, f"__r{name}__", _reflected(ufunc))
        setattr(ChunkedArray, f"__i{name}__", _inplace(ufunc))
    for name, ufunc in _COMPARISONS.items():
        setattr(ChunkedArray, f"__{name}__", _binary(ufunc))
    for name, ufunc in _UNARY.items():
        setattr(ChunkedArray, f"__{name}__", _unary(ufunc))
    # mypy reads ``Class.__op__ = f`` as the operator applied to the class object itself.
    ChunkedArray.__pow__ = _pow  # type: ignore[operator]
    ChunkedArray.__divmod__ = _binary(np.divmod)  # type: ignore[operator]
    ChunkedArray.__rdivmod__ = _reflected(np.divmod)  # type: ignore[attr-defined]
    ChunkedArray.__matmul__ = lambda self, other: (  # type: ignore[operator]
        linalg.matmul(self, other) if is_operand(other) else NotImplemented)
    ChunkedArray.__rmatmul__ = lambda self, other: (  # type: ignore[attr-defined]
        linalg.matmul(other, self) if is_operand(other) else NotImplemented)


# --- methods --------------------------------------------------------------------------------------



def _round(self: ChunkedArray, decimals: int = 0) -> ChunkedArray:
    return elemwise(np.round, self, decimals=decimals, label="round")


def _clip(self: ChunkedArray, min: Any = None, max: Any = None) -> ChunkedArray:  # noqa: A002
    return elementwise.clip(self, min, max)


def _transpose(self: ChunkedArray, *axes: Any) -> ChunkedArray:
    order: Sequence[Any] | None = axes
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        order = axes[0]
    return routines.transpose(self, order or None)


def _T(self: ChunkedArray) -> ChunkedArray:
    """The array with its axes reversed.

    >>> import chunkarray as ca
    >>> ca.ones((2, 3), chunks=2).T.shape
    (3, 2)
    """
    return routines.transpose(self)


def _conj(self: ChunkedArray) -> ChunkedArray:
    """The complex conjugate; other dtypes are returned unchanged, as ``ndarray.conj`` does
    (the ``numpy.conjugate`` ufunc would turn booleans into int8).

    >>> import numpy as np, chunkarray as ca
    >>> ca.from_array(np.array([1 + 2j]), chunks=1).conj().compute()
    array([1.-2.j])
    >>> ca.from_array(np.array([True]), chunks=1).conj().dtype
    dtype('bool')
    """
    return elemwise(np.conjugate, self) if self.dtype.kind == "c" else self


def _map_blocks(self: ChunkedArray, func: Callable[..., Any], *args: Any, **kwargs: Any
                ) -> ChunkedArray:
    return routines.map_blocks(func, self, *args, **kwargs)


def _to_hdf5(self: ChunkedArray, path: Any, dataset: str, **kwargs: Any) -> None:
    """Write the array to ``dataset`` of the HDF5 file at ``path`` (see :func:`chunkarray.to_hdf5`).

    >>> import os, tempfile, chunkarray as ca
    >>> path = os.path.join(tempfile.mkdtemp(), "out.h5")
    >>> ca.ones(4, chunks=2).to_hdf5(path, "x")
    >>> ca.from_hdf5(path, "x").sum().compute()
    np.float64(4.0)
    """
    io.to_hdf5(path, dataset, self, **kwargs)


def _reshape(self: ChunkedArray, *shape: Any, order: str = "C", copy: Any = None
             ) -> ChunkedArray:
    # ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``, as ndarray.reshape takes both.
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = shape[0]
    return manipulation.reshape(self, shape, order, copy=copy)


def _squeeze(self: ChunkedArray, axis: Any = None) -> ChunkedArray:
    return manipulation.squeeze(self, axis)


def _repeat(self: ChunkedArray, repeats: Any, axis: Any = None) -> ChunkedArray:
    return manipulation.repeat(self, repeats, axis)


def _bind_methods() -> None:
    for name, func in _METHODS.items():
        setattr(ChunkedArray, name, func)
    ChunkedArray.astype = astype  # type: ignore[attr-defined]
    ChunkedArray.round = _round  # type: ignore[attr-defined]
    ChunkedArray.dot = linalg.dot  # type: ignore[attr-defined]
    # mypy reads ``Class.__getitem__`` as indexing the class object itself.
    ChunkedArray.__getitem__ = indexing.getitem  # type: ignore[misc]
    ChunkedArray.__setitem__ = setitem.setitem  # type: ignore[index]
    ChunkedArray.vindex = property(vindex.VIndexer)  # type: ignore[attr-defined]
    ChunkedArray.compute_chunk_sizes = masking.compute_chunk_sizes  # type: ignore[attr-defined]
    ChunkedArray.rechunk = rechunking.rechunk  # type: ignore[attr-defined]
    ChunkedArray.clip = _clip  # type: ignore[attr-defined]
    ChunkedArray.transpose = _transpose  # type: ignore[attr-defined]
    ChunkedArray.map_blocks = _map_blocks  # type: ignore[attr-defined]
    ChunkedArray.to_zarr = io.to_zarr  # type: ignore[attr-defined]
    ChunkedArray.to_hdf5 = _to_hdf5  # type: ignore[attr-defined]
    ChunkedArray.T = property(_T)  # type: ignore[attr-defined]
    ChunkedArray.conj = ChunkedArray.conjugate = _conj  # type: ignore[attr-defined]
    ChunkedArray.real = property(  # type: ignore[attr-defined]
        lambda self: elemwise(np.real, self, label="real"))
    ChunkedArray.imag = property(  # type: ignore[attr-defined]
        lambda self: elemwise(np.imag, self, label="imag"))
    ChunkedArray.reshape = _reshape  # type: ignore[attr-defined]
    ChunkedArray.ravel = ChunkedArray.flatten = manipulation.ravel  # type: ignore[attr-defined]
    ChunkedArray.squeeze = _squeeze  # type: ignore[attr-defined]
    ChunkedArray.swapaxes = manipulation.swapaxes  # type: ignore[attr-defined]
    ChunkedArray.repeat = _repeat  # type: ignore[attr-defined]


# --- __array_ufunc__ ------------------------------------------------------------------------------

_UFUNC_REDUCTIONS: dict[Any, tuple[Callable[..., Any], bool]] = {
    np.add: (reductions.sum, True),
    np.multiply: (reductions.prod, True),
    np.minimum: (reductions.min, False),
    np.maximum: (reductions.max, False),
    np.logical_and: (reductions.all, False),
    np.logical_or: (reductions.any, False),
}


def _array_ufunc(self: ChunkedArray, ufunc: np.ufunc, method: str, *inputs: Any,
                 **kwargs: Any) -> Any:
    out = kwargs.pop("out", None)
    if not all(is_operand(x) for x in inputs):
        return NotImplemented
    if out is not None and not all(isinstance(o, ChunkedArray) for o in out):
        return NotImplemented  # NumPy then says no operand could handle ``out``
    if kwargs.get("where", True) is not True:
        raise TypeError(f"{ufunc.__name__}: where= is not supported on chunked arrays; "
                        f"use chunkarray.where")
    kwargs.pop("where", None)
    if method == "__call__" and ufunc.signature is None:
        result = ufunc_call(ufunc, *inputs, **kwargs)
    elif method == "__call__" and ufunc is np.matmul and not kwargs:
        result = linalg.matmul(*inputs)
    elif method == "reduce" and ufunc in _UFUNC_REDUCTIONS and len(inputs) == 1:
        func, typed = _UFUNC_REDUCTIONS[ufunc]
        axis = kwargs.pop("axis", 0)
        x, dtype = inputs[0], kwargs.pop("dtype", None)
        if typed:
            kwargs["dtype"] = dtype
        elif dtype is not None:
            x = _untyped_reduce_input(ufunc, x, dtype)
        result = func(x, axis, **kwargs)
    else:
        return NotImplemented
    if out is None:
        return result
    results = result if isinstance(result, tuple) else (result,)
    for target, value in zip(out, results):
        target._node = _cast_into(target, value, ufunc)._node
    return out[0] if len(out) == 1 else out


def _untyped_reduce_input(ufunc: np.ufunc, x: Any, dtype: Any) -> Any:
    # min, max, all and any take no dtype=, but ``np.maximum.reduce(x, dtype=...)`` reduces in that
    # dtype: NumPy's own reduce of a one-element stand-in refuses what NumPy refuses (a float
    # dtype for logical_and) and names the dtype to cast the input to.
    stand_in = ufunc.reduce(np.ones((1,), dtype=x.dtype), dtype=dtype)
    return astype(x, np.asarray(stand_in).dtype)


def _cast_into(target: ChunkedArray, value: ChunkedArray, ufunc: np.ufunc) -> ChunkedArray:
    if target.shape != value.shape:
        raise ValueError(f"{ufunc.__name__}: out has shape {target.shape}, the result has "
                         f"shape {value.shape}")
    if not np.can_cast(value.dtype, target.dtype, casting="same_kind"):
        raise TypeError(f"Cannot cast ufunc {ufunc.__name__!r} output from {value.dtype!r} to "
                        f"{target.dtype!r} with casting rule 'same_kind'")
    return astype(value, target.dtype)


# --- __array_function__ ---------------------------------------------------------------------------

_NOT_GIVEN = (np._NoValue, None)  # type: ignore[attr-defined]
_RENAMES = {"a_min": "min", "a_max": "max", "correction": "ddof"}
_IGNORED_DEFAULTS = {"out": (None,), "where": (True, np._NoValue),  # type: ignore[attr-defined]
                     "initial": (np._NoValue,), "mean": (np._NoValue, None)}  # type: ignore


def _numpy_signature(np_func: Callable[..., Any], impl: Callable[..., Any],
                     extra: tuple[str, ...] = ()) -> Callable[..., Any]:
    """Accept arguments the way ``np_func`` does and call ``impl(first, **options)``.

    ``extra`` names chunkarray-only keyword options (such as ``split_every``) passed through.
    """
    sig = inspect.signature(np_func)
    first = next(iter(sig.parameters))

    def adapter(*args: Any, **kwargs: Any) -> Any:
        passed = {k: kwargs.pop(k) for k in extra if k in kwargs}
        params = dict(sig.bind(*args, **kwargs).arguments)
        x = params.pop(first)
        correction = params.get("correction", np._NoValue)  # type: ignore[attr-defined]
        if "ddof" in params and correction is not np._NoValue:  # type: ignore[attr-defined]
            # Both would become ``ddof``: refuse, as NumPy does, rather than drop one silently.
            raise ValueError(f"numpy.{np_func.__name__}: ddof and correction can't be provided "
                             f"simultaneously")
        options = {}
        for name, value in params.items():
            if name in _IGNORED_DEFAULTS:
                if not any(value is d for d in _IGNORED_DEFAULTS[name]):
                    raise TypeError(f"numpy.{np_func.__name__}: {name}= is not supported on "
                                    f"chunked arrays")
                continue
            if value is np._NoValue:  # type: ignore[attr-defined]
                continue
            options[_RENAMES.get(name, name)] = value
        return impl(x, **options, **passed)

    adapter.__name__ = np_func.__name__
    adapter.__doc__ = impl.__doc__
    return adapter


# Methods take their arguments as NumPy's methods do (``x.sum(0, np.float32)``): the same order
# as the NumPy functions after the array, plus chunkarray's own ``split_every``.
_METHODS: dict[str, Callable[..., Any]] = {
    name: _numpy_signature(getattr(np, name), getattr(reductions, name), ("split_every",))
    for name in ("sum", "prod", "mean", "var", "std", "min", "max", "any", "all",
                 "argmin", "argmax")
}


def _handled() -> dict[Any, Callable[..., Any]]:
    table: dict[Any, Callable[..., Any]] = {}
    same_name = [
        "sum", "prod", "mean", "var", "std", "min", "max", "any", "all", "argmin", "argmax",
        "count_nonzero", "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmin", "nanmax",
        "nanargmin", "nanargmax",
    ]
    for name in same_name:
        table[getattr(np, name)] = _numpy_signature(getattr(np, name), getattr(reductions, name))
    table[np.amin] = table[np.min]
    table[np.amax] = table[np.max]
    for name in ("zeros_like", "ones_like", "empty_like", "full_like"):
        table[getattr(np, name)] = _like(getattr(np, name), getattr(creation, name))
    table[np.clip] = _numpy_signature(np.clip, _clip_any)
    table[np.transpose] = _numpy_signature(np.transpose, routines.transpose)
    if np.permute_dims is not np.transpose:  # an alias in NumPy 2: don't lose axes=None
        table[np.permute_dims] = _numpy_signature(np.permute_dims, routines.permute_dims)
    table[np.round] = _numpy_signature(np.round, _round)
    table[np.around] = table[np.round]
    table[np.where] = elementwise.where
    table[np.dot] = linalg.dot
    table[np.astype] = _np_astype
    table[np.real] = lambda x: x.real
    table[np.imag] = lambda x: x.imag
    table[np.shape] = lambda x: x.shape
    table[np.ndim] = lambda x: x.ndim
    table[np.size] = _size
    for name in ("reshape", "ravel", "moveaxis", "swapaxes", "squeeze", "expand_dims",
                 "broadcast_to", "concatenate", "stack", "block", "flip", "roll", "repeat",
                 "tile", "split", "array_split"):
        table[getattr(np, name)] = _numpy_signature(getattr(np, name),
                                                    getattr(manipulation, name))
    # Their NumPy signatures take ``*args`` / ``**kwargs``, which the adapter cannot rebind.
    table[np.broadcast_arrays] = manipulation.broadcast_arrays
    table[np.pad] = manipulation.pad
    return table


def _np_astype(x: ChunkedArray, /, dtype: Any, *, copy: bool = True, device: Any = None
               ) -> ChunkedArray:
    # numpy.astype takes ``dtype`` by keyword too, and has no ``casting=``: it always casts
    # unsafely.
    if device not in (None, "cpu"):
        raise ValueError(f"numpy.astype: device={device!r} is not supported; only 'cpu'")
    return astype(x, dtype, copy=copy)


def _size(x: ChunkedArray, axis: int | None = None) -> int:
    return x.size if axis is None else x.shape[axis]


def _clip_any(x: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002
    return elementwise.clip(x, min, max)


def _like(np_func: Callable[..., Any], impl: Callable[..., Any]) -> Callable[..., Any]:
    def adapter(a: Any, *args: Any, **kwargs: Any) -> Any:
        for name in ("order", "subok", "device"):
            kwargs.pop(name, None)
        return impl(a, *args, **kwargs)

    adapter.__name__ = np_func.__name__
    return adapter


HANDLED_FUNCTIONS.update(_handled())


def _array_function(self: ChunkedArray, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    impl = HANDLED_FUNCTIONS.get(func)
    if impl is None:
        return NotImplemented
    if not all(issubclass(t, (ChunkedArray, np.ndarray)) for t in types):
        return NotImplemented
    return impl(*args, **kwargs)


def bind() -> None:
    """Attach operators, methods and NumPy protocols to :class:`ChunkedArray`."""
    _bind_operators()
    _bind_methods()
    ChunkedArray.__array_ufunc__ = _array_ufunc  # type: ignore[attr-defined]
    ChunkedArray.__array_function__ = _array_function  # type: ignore[attr-defined]
    _dask_protocol.bind()
    _repr.bind()
