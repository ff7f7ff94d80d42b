"""What :class:`ChunkedArray`'s operators, NumPy-style methods and NumPy protocols
(``__array_ufunc__``, ``__array_function__``) do, provided to the array layer.

The array layer declares each of them (:class:`~chunkarray.array_methods.ArrayMethods`); this
module registers the operations behind them with :func:`~chunkarray.array_methods.provide` when
it is imported. The operators come from the one elementwise table,
:data:`~chunkarray.kernels.elementwise.ELEMENTWISE`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.array_methods import provide
from chunkarray.kernels.choosing import masked_result
from chunkarray.kernels.elementwise import ELEMENTWISE, Elementwise
from chunkarray.ops import (
    creation,
    elementwise,
    fancy,
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
from chunkarray.ops.signatures import numpy_signature

__all__ = ["HANDLED_FUNCTIONS"]

# --- operators, from the elementwise table --------------------------------------------------------

# The table's entries that are Python operators, by the operator's name ("add" for ``+``).
_OPERATORS = {e.operator: e for e in ELEMENTWISE.values() if e.operator is not None}
#: ``x + y``, ``y + x`` and ``x += y``.
_BINARY: dict[str, Any] = {op: e.func for op, e in _OPERATORS.items() if e.nin == 2 and e.inplace}
#: ``x == y`` etc.: Python reflects them itself.
_COMPARISONS: dict[str, Any] = {
    op: e.func for op, e in _OPERATORS.items() if e.nin == 2 and not e.reflected
}
_UNARY: dict[str, Any] = {op: e.func for op, e in _OPERATORS.items() if e.nin == 1}


# MaskedArray's own operators: numpy.ma's functions, which also mask results outside the domain
# or not finite, and promote Python scalars as arrays (``int8 + 1`` is int64); its comparisons
# (their fill value is a bool). Its other operators are ndarray's, i.e. the ufuncs.
_MASKED_OPERATORS: dict[Any, Any] = {
    np.add: np.ma.add, np.subtract: np.ma.subtract, np.multiply: np.ma.multiply,
    np.true_divide: np.ma.true_divide, np.floor_divide: np.ma.floor_divide,
    np.equal: operator.eq, np.not_equal: operator.ne, np.less: operator.lt,
    np.less_equal: operator.le, np.greater: operator.gt, np.greater_equal: operator.ge,
}


def _operator(ufunc: Any, *operands: Any) -> Any:
    func = _MASKED_OPERATORS.get(ufunc) if _any_masked(*operands) else None
    if func is None:
        return elemwise(ufunc, *operands)
    return elemwise(func, *operands, label=ufunc.__name__, makes_masks=True)


def _binary(ufunc: Any) -> Callable[..., Any]:
    def op(self: ChunkedArray, other: Any) -> Any:
        return _operator(ufunc, self, other) if is_operand(other) else NotImplemented

    return op


def _reflected(ufunc: Any) -> Callable[..., Any]:
    def op(self: ChunkedArray, other: Any) -> Any:
        return _operator(ufunc, other, self) if is_operand(other) else NotImplemented

    return op


def _inplace(ufunc: Any) -> Callable[..., Any]:
    def op(self: ChunkedArray, other: Any) -> Any:
        return inplace(ufunc, self, other) if is_operand(other) else NotImplemented

    return op


def _unary(ufunc: Any) -> Callable[..., Any]:
    def op(self: ChunkedArray) -> ChunkedArray:
        return elemwise(ufunc, self)

    return op


def _operator_methods(entry: Elementwise) -> dict[str, Callable[..., Any]]:
    """The methods that apply one table entry: ``__add__``, ``__radd__``, ``__iadd__``."""
    op, func = entry.operator, entry.func
    if entry.nin == 1:
        return {f"__{op}__": _unary(func)}
    methods = {f"__{op}__": _binary(func)}
    if entry.reflected:
        methods[f"__r{op}__"] = _reflected(func)
    if entry.inplace:
        methods[f"__i{op}__"] = _inplace(func)
    return methods


for _entry in _OPERATORS.values():
    for _dunder, _method in _operator_methods(_entry).items():
        provide(_dunder)(_method)
# ``x ** 2`` squares, as NumPy's does; ``@`` is the matrix product, not an elementwise ufunc.


@provide("__pow__")
def _pow(self: ChunkedArray, other: Any) -> Any:
    """``x ** other``, as ``ndarray.__pow__``: a Python int 2 squares (``numpy.square``).

    The values are the same as ``numpy.power``'s, but the dtype need not be: booleans square to
    int8, where ``numpy.power`` with a weak 2 gives int64.

    >>> import numpy as np, chunkarray as ca
    >>> (ca.from_array(np.array([True, False]), chunks=1) ** 2).dtype
    dtype('int8')
    """
    if not is_operand(other):
        return NotImplemented
    if _any_masked(self, other):
        # As MaskedArray.__pow__: numpy.ma's power also masks results that are not finite.
        return elemwise(np.ma.power, self, other, label="power")
    if type(other) is int and other == 2:
        return elemwise(np.square, self)
    return elemwise(np.power, self, other)


@provide("__rpow__")
def _rpow(self: ChunkedArray, other: Any) -> Any:
    """``other ** x``; on masked arrays numpy.ma's power, as ``MaskedArray.__rpow__``."""
    if not is_operand(other):
        return NotImplemented
    power = np.ma.power if _any_masked(self, other) else np.power
    return elemwise(power, other, self, label="power")


def _any_masked(*args: Any) -> bool:
    return any(isinstance(a, np.ma.MaskedArray) or (isinstance(a, ChunkedArray) and a._node.masked)
               for a in args)


@provide("__matmul__")
def _matmul(self: ChunkedArray, other: Any) -> Any:
    return linalg.matmul(self, other) if is_operand(other) else NotImplemented


@provide("__rmatmul__")
def _rmatmul(self: ChunkedArray, other: Any) -> Any:
    return linalg.matmul(other, self) if is_operand(other) else NotImplemented


# --- methods --------------------------------------------------------------------------------------

# Methods take their arguments as NumPy's methods do (``x.sum(0, np.float32)``): the same order
# as the NumPy functions after the array, plus chunkarray's own ``split_every``.
for _name in ("sum", "prod", "mean", "var", "std", "min", "max", "any", "all", "argmin",
              "argmax"):
    provide(_name)(numpy_signature(getattr(np, _name), getattr(reductions, _name),
                                   ("split_every",)))

provide("astype")(astype)
provide("dot")(linalg.dot)
provide("__getitem__")(fancy.fancy_getitem)
provide("__setitem__")(setitem.setitem)
provide("vindex")(vindex.VIndexer)
provide("compute_chunk_sizes")(masking.compute_chunk_sizes)
provide("rechunk")(rechunking.rechunk)
provide("ravel", "flatten")(manipulation.ravel)
provide("squeeze")(manipulation.squeeze)
provide("swapaxes")(manipulation.swapaxes)
provide("repeat")(manipulation.repeat)


@provide("round")
def _round(self: ChunkedArray, decimals: int = 0) -> ChunkedArray:
    return elemwise(np.round, self, decimals=decimals, label="round")


@provide("clip")
def _clip(self: ChunkedArray, min: Any = None, max: Any = None) -> ChunkedArray:  # noqa: A002
    return elementwise.clip(self, min, max)


@provide("transpose")
def _transpose(self: ChunkedArray, *axes: Any) -> ChunkedArray:
    order: Sequence[Any] | None = axes
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        order = axes[0]
    return routines.transpose(self, order or None)


@provide("T")
def _T(self: ChunkedArray) -> ChunkedArray:
    """The array with its axes reversed.

    >>> import chunkarray as ca
    >>> ca.ones((2, 3), chunks=2).T.shape
    (3, 2)
    """
    return routines.transpose(self)


@provide("conj", "conjugate")
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


@provide("real")
def _real(self: ChunkedArray) -> ChunkedArray:
    return elemwise(np.real, self, label="real")


@provide("imag")
def _imag(self: ChunkedArray) -> ChunkedArray:
    return elemwise(np.imag, self, label="imag")


@provide("map_blocks")
def _map_blocks(self: ChunkedArray, func: Callable[..., Any], *args: Any, **kwargs: Any
                ) -> ChunkedArray:
    return routines.map_blocks(func, self, *args, **kwargs)


@provide("reshape")
def _reshape(self: ChunkedArray, *shape: Any, order: str = "C", copy: Any = None
             ) -> ChunkedArray:
    # ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``, as ndarray.reshape takes both.
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = shape[0]
    return manipulation.reshape(self, shape, order, copy=copy)


# --- __array_ufunc__ ------------------------------------------------------------------------------

_UFUNC_REDUCTIONS: dict[Any, tuple[Callable[..., Any], bool]] = {
    np.add: (reductions.sum, True),
    np.multiply: (reductions.prod, True),
    np.minimum: (reductions.min, False),
    np.maximum: (reductions.max, False),
    np.logical_and: (reductions.all, False),
    np.logical_or: (reductions.any, False),
}


@provide("__array_ufunc__")
def _array_ufunc(self: ChunkedArray, ufunc: np.ufunc, method: str, *inputs: Any,
                 **kwargs: Any) -> Any:
    out = kwargs.pop("out", None)
    if not all(is_operand(x) for x in inputs):
        return NotImplemented
    if out is not None and not all(isinstance(o, ChunkedArray) for o in out):
        return NotImplemented  # NumPy then says no operand could handle ``out``
    where = kwargs.pop("where", True)
    if where is not True and (method != "__call__" or ufunc.signature is not None):
        raise TypeError(f"{ufunc.__name__}.{method}: where= is supported on elementwise calls "
                        f"only on chunked arrays; use chunkarray.where")
    if method == "__call__" and ufunc.signature is None:
        result = ufunc_call(ufunc, *inputs, **kwargs)
        if where is not True:
            return _ufunc_where(ufunc, result, where, out)
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


def _ufunc_where(ufunc: np.ufunc, result: Any, where: Any, out: Any) -> Any:
    """NumPy's ``where=``: the result where the mask holds, else what ``out`` held (or, with no
    ``out``, unspecified values: NumPy leaves that memory uninitialized; here it is zero)."""
    mask_dtype = where.dtype if isinstance(where, (ChunkedArray, np.ndarray)) else \
        np.asarray(where).dtype
    if mask_dtype != np.dtype(bool):
        raise TypeError(f"{ufunc.__name__}: where= must be a boolean mask, got dtype {mask_dtype}; "
                        f"cannot cast it to bool according to the rule 'safe'")
    results = result if isinstance(result, tuple) else (result,)
    if out is None:
        masked = tuple(elemwise(masked_result, where, r, 0, dtype=r.dtype, label="ufunc-where")
                       for r in results)
        return masked if isinstance(result, tuple) else masked[0]
    for target, value in zip(out, results):
        try:
            shape = np.broadcast_shapes(value.shape, np.shape(where), target.shape)
        except ValueError:
            shape = None
        if shape != target.shape:
            raise ValueError(f"{ufunc.__name__}: where= of shape {np.shape(where)} and a result "
                             f"of shape {value.shape} do not broadcast to the output shape "
                             f"{target.shape}")
        cast = _cast_into(target, manipulation.broadcast_to(value, shape), ufunc)
        chosen = elemwise(masked_result, where, cast, target, dtype=target.dtype,
                          label="ufunc-where")
        target._node = chosen._node
    return out[0] if len(out) == 1 else out


def _untyped_reduce_input(ufunc: np.ufunc, x: Any, dtype: Any) -> Any:
    # min, max, all and any take no dtype=, but ``np.maximum.reduce(x, dtype=...)`` reduces in that
    # dtype: NumPy's own reduce of a one-element stand-in refuses what NumPy refuses (a float
    # dtype for logical_and) and names the dtype to cast the input to.
    stand_in = ufunc.reduce(np.ones((1,), dtype=x.dtype), dtype=dtype)
    return astype(x, np.asarray(stand_in).dtype)


def _cast_into(target: ChunkedArray, value: ChunkedArray, ufunc: np.ufunc) -> ChunkedArray:
    return cast_into(target, value, f"ufunc {ufunc.__name__!r}")


def cast_into(target: ChunkedArray, value: ChunkedArray, what: str) -> ChunkedArray:
    """``value`` as what may be stored in ``target`` in place (same shape, ``same_kind`` cast)."""
    if target.shape != value.shape:
        raise ValueError(f"{what}: the target has shape {target.shape}, the result has "
                         f"shape {value.shape}")
    if not np.can_cast(value.dtype, target.dtype, casting="same_kind"):
        raise TypeError(f"Cannot cast {what} output from {value.dtype!r} to "
                        f"{target.dtype!r} with casting rule 'same_kind'")
    return astype(value, target.dtype)


# --- __array_function__ ---------------------------------------------------------------------------


def _handled() -> dict[Any, Callable[..., Any]]:
    table: dict[Any, Callable[..., Any]] = {}
    same_name = [
        "sum", "prod", "mean", "var", "std", "min", "max", "any", "all", "argmin", "argmax",
        "count_nonzero", "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmin", "nanmax",
        "nanargmin", "nanargmax",
    ]
    for name in same_name:
        table[getattr(np, name)] = numpy_signature(getattr(np, name), getattr(reductions, name))
    table[np.amin] = table[np.min]
    table[np.amax] = table[np.max]
    for name in ("zeros_like", "ones_like", "empty_like", "full_like"):
        table[getattr(np, name)] = _like(getattr(np, name), getattr(creation, name))
    table[np.clip] = numpy_signature(np.clip, _clip_any)
    table[np.transpose] = numpy_signature(np.transpose, routines.transpose)
    if np.permute_dims is not np.transpose:  # an alias in NumPy 2: don't lose axes=None
        table[np.permute_dims] = numpy_signature(np.permute_dims, routines.permute_dims)
    table[np.round] = numpy_signature(np.round, _round)
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
        table[getattr(np, name)] = numpy_signature(getattr(np, name),
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


@provide("__array_function__")
def _array_function(self: ChunkedArray, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    impl = HANDLED_FUNCTIONS.get(func)
    if impl is None:
        return NotImplemented
    if not all(issubclass(t, (ChunkedArray, np.ndarray)) for t in types):
        return NotImplemented
    return impl(*args, **kwargs)
