"""The interface of :class:`~chunkarray.array.ChunkedArray`: its operators, methods and protocols.

Operations depend on the array, not the other way round, so the array layer *declares* every
method here, with NumPy's signature, and the layers above *provide* what it does: each body calls
the implementation registered under its own name in :data:`IMPLEMENTATIONS`, with
:func:`provide`. :mod:`chunkarray.ops.methods` provides the operators (from the elementwise table
:mod:`chunkarray.kernels.elementwise`), the NumPy methods and the NumPy protocols;
:mod:`chunkarray.io` provides ``to_zarr``/``to_hdf5``/``to_npy_stack``/``to_delayed``,
:mod:`chunkarray.interop.dask` ``to_dask`` (dask's collection protocol, on request),
:mod:`chunkarray.diagnostics.html_repr` ``_repr_html_`` and ``visualize``.
A type checker and an editor see every method; calling one that nothing provided raises, and
``import chunkarray`` fails if a declared method has no implementation.

Adding a method (``x.cumsum``): declare it in :class:`ArrayMethods` with NumPy's method signature,
annotations and a one-line docstring, its body ``return _I["cumsum"](self, axis, dtype, out)``;
in the family's module (``chunkarray/ops/scans.py``) register what it does with
``provide("cumsum")(numpy_signature(np.cumsum, cumsum))`` (or ``@provide("cumsum")`` on a function
taking the array and then the method's arguments).

>>> import chunkarray as ca
>>> x = ca.arange(6, chunks=4)
>>> (x + 1).sum(0, "float32").compute()
np.float32(21.0)
>>> sorted(missing_implementations())
[]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from types import FunctionType, ModuleType
from typing import TYPE_CHECKING, Any, Literal, Protocol, SupportsIndex, TypeVar

import numpy as np

if TYPE_CHECKING:  # names in annotations only (ChunkedArray inherits from the class below)
    from numpy._globals import _NoValueType
    from numpy.typing import ArrayLike, DTypeLike

    from chunkarray.array import ChunkedArray

__all__ = ["IMPLEMENTATIONS", "ArrayMethods", "missing_implementations", "provide"]

F = TypeVar("F", bound=Callable[..., Any])

#: An axis argument: one axis, several, or ``None`` for all of them.
Axis = SupportsIndex | Sequence[SupportsIndex] | None
#: What a reduction's ``split_every`` takes: a fan-in, per axis or for all.
SplitEvery = int | Mapping[int, int] | None
#: NumPy's casting rules.
Casting = Literal["no", "equiv", "safe", "same_kind", "unsafe"]

_NoValue: Any = np._NoValue  # NumPy's "not given", so options NumPy ignores by default stay unset


class _Implementations(dict[str, Callable[..., Any]]):
    def __missing__(self, name: str) -> Callable[..., Any]:
        raise NotImplementedError(
            f"ChunkedArray.{name} has no implementation: the layer that provides it registers "
            f"one with chunkarray.array_methods.provide({name!r}) when it is imported "
            f"(import chunkarray does)"
        )


#: Method name → the function that runs it (called with the array first, then the method's
#: arguments as the method received them).
IMPLEMENTATIONS: dict[str, Callable[..., Any]] = _Implementations()


def provide(*names: str) -> Callable[[F], F]:
    """Register the decorated function as the implementation of ``ChunkedArray.<name>``.

    >>> @provide("__example__")
    ... def example(x):
    ...     return x.ndim
    >>> IMPLEMENTATIONS["__example__"] is example
    True
    >>> del IMPLEMENTATIONS["__example__"]
    """
    def register(func: F) -> F:
        for name in names:
            IMPLEMENTATIONS[name] = func
        return func

    return register


def declared() -> list[str]:
    """The names of every method, property and attribute :class:`ArrayMethods` declares.

    >>> "sum" in declared() and "__add__" in declared() and "T" in declared()
    True
    """
    kinds = (FunctionType, property, staticmethod)
    return [name for name, value in vars(ArrayMethods).items() if isinstance(value, kinds)]


def missing_implementations() -> list[str]:
    """The declared methods nothing has provided yet (none, once ``chunkarray`` is imported).

    >>> missing_implementations()
    []
    """
    return [name for name in declared() if name not in IMPLEMENTATIONS]


class VIndex(Protocol):
    """What ``x.vindex`` is: index it for pointwise (NumPy-style fancy) indexing."""

    def __getitem__(self, index: Any, /) -> ChunkedArray: ...


_I = IMPLEMENTATIONS  # short, and one global lookup per call


class ArrayMethods:
    """The operators, NumPy methods and protocols of :class:`~chunkarray.array.ChunkedArray`."""

    __slots__ = ()

    # --- arithmetic operators (NumPy's ufuncs: see chunkarray.kernels.elementwise) -------------

    def __add__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self + other`` (``numpy.add``)."""
        return _I["__add__"](self, other)

    def __radd__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other + self`` (``numpy.add``)."""
        return _I["__radd__"](self, other)

    def __iadd__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self += other``: a new array with the dtype of ``self`` (``numpy.add``)."""
        return _I["__iadd__"](self, other)

    def __sub__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self - other`` (``numpy.subtract``)."""
        return _I["__sub__"](self, other)

    def __rsub__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other - self`` (``numpy.subtract``)."""
        return _I["__rsub__"](self, other)

    def __isub__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self -= other``: a new array with the dtype of ``self`` (``numpy.subtract``)."""
        return _I["__isub__"](self, other)

    def __mul__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self * other`` (``numpy.multiply``)."""
        return _I["__mul__"](self, other)

    def __rmul__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other * self`` (``numpy.multiply``)."""
        return _I["__rmul__"](self, other)

    def __imul__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self *= other``: a new array with the dtype of ``self`` (``numpy.multiply``)."""
        return _I["__imul__"](self, other)

    def __truediv__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self / other`` (``numpy.divide``)."""
        return _I["__truediv__"](self, other)

    def __rtruediv__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other / self`` (``numpy.divide``)."""
        return _I["__rtruediv__"](self, other)

    def __itruediv__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self /= other``: a new array with the dtype of ``self`` (``numpy.divide``)."""
        return _I["__itruediv__"](self, other)

    def __floordiv__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self // other`` (``numpy.floor_divide``)."""
        return _I["__floordiv__"](self, other)

    def __rfloordiv__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other // self`` (``numpy.floor_divide``)."""
        return _I["__rfloordiv__"](self, other)

    def __ifloordiv__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self //= other``: a new array with the dtype of ``self`` (``numpy.floor_divide``)."""
        return _I["__ifloordiv__"](self, other)

    def __mod__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self % other`` (``numpy.remainder``)."""
        return _I["__mod__"](self, other)

    def __rmod__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other % self`` (``numpy.remainder``)."""
        return _I["__rmod__"](self, other)

    def __imod__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self %= other``: a new array with the dtype of ``self`` (``numpy.remainder``)."""
        return _I["__imod__"](self, other)

    def __pow__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self ** other`` (``numpy.power``; ``numpy.square`` for a Python int 2, as NumPy)."""
        return _I["__pow__"](self, other)

    def __rpow__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other ** self`` (``numpy.power``)."""
        return _I["__rpow__"](self, other)

    def __ipow__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self **= other``: a new array with the dtype of ``self`` (``numpy.power``)."""
        return _I["__ipow__"](self, other)

    def __divmod__(self, other: ArrayLike, /) -> tuple[ChunkedArray, ChunkedArray]:
        """``divmod(self, other)`` (``numpy.divmod``)."""
        return _I["__divmod__"](self, other)

    def __rdivmod__(self, other: ArrayLike, /) -> tuple[ChunkedArray, ChunkedArray]:
        """``divmod(other, self)`` (``numpy.divmod``)."""
        return _I["__rdivmod__"](self, other)

    def __matmul__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self @ other`` (:func:`chunkarray.matmul`)."""
        return _I["__matmul__"](self, other)

    def __rmatmul__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other @ self`` (:func:`chunkarray.matmul`)."""
        return _I["__rmatmul__"](self, other)

    # --- bitwise operators ---------------------------------------------------------------------

    def __and__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self & other`` (``numpy.bitwise_and``)."""
        return _I["__and__"](self, other)

    def __rand__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other & self`` (``numpy.bitwise_and``)."""
        return _I["__rand__"](self, other)

    def __iand__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self &= other``: a new array with the dtype of ``self`` (``numpy.bitwise_and``)."""
        return _I["__iand__"](self, other)

    def __or__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self | other`` (``numpy.bitwise_or``)."""
        return _I["__or__"](self, other)

    def __ror__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other | self`` (``numpy.bitwise_or``)."""
        return _I["__ror__"](self, other)

    def __ior__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self |= other``: a new array with the dtype of ``self`` (``numpy.bitwise_or``)."""
        return _I["__ior__"](self, other)

    def __xor__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self ^ other`` (``numpy.bitwise_xor``)."""
        return _I["__xor__"](self, other)

    def __rxor__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other ^ self`` (``numpy.bitwise_xor``)."""
        return _I["__rxor__"](self, other)

    def __ixor__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self ^= other``: a new array with the dtype of ``self`` (``numpy.bitwise_xor``)."""
        return _I["__ixor__"](self, other)

    def __lshift__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self << other`` (``numpy.left_shift``)."""
        return _I["__lshift__"](self, other)

    def __rlshift__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other << self`` (``numpy.left_shift``)."""
        return _I["__rlshift__"](self, other)

    def __ilshift__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self <<= other``: a new array with the dtype of ``self`` (``numpy.left_shift``)."""
        return _I["__ilshift__"](self, other)

    def __rshift__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self >> other`` (``numpy.right_shift``)."""
        return _I["__rshift__"](self, other)

    def __rrshift__(self, other: ArrayLike, /) -> ChunkedArray:
        """``other >> self`` (``numpy.right_shift``)."""
        return _I["__rrshift__"](self, other)

    def __irshift__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self >>= other``: a new array with the dtype of ``self`` (``numpy.right_shift``)."""
        return _I["__irshift__"](self, other)

    # --- comparisons and unary operators -------------------------------------------------------

    # ``Any``, as in NumPy's own stubs: ``object.__eq__`` is declared to return ``bool``.
    def __eq__(self, other: object, /) -> Any:
        """``self == other``, a boolean array (``numpy.equal``)."""
        return _I["__eq__"](self, other)

    def __ne__(self, other: object, /) -> Any:
        """``self != other``, a boolean array (``numpy.not_equal``)."""
        return _I["__ne__"](self, other)

    def __lt__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self < other`` (``numpy.less``)."""
        return _I["__lt__"](self, other)

    def __le__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self <= other`` (``numpy.less_equal``)."""
        return _I["__le__"](self, other)

    def __gt__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self > other`` (``numpy.greater``)."""
        return _I["__gt__"](self, other)

    def __ge__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self >= other`` (``numpy.greater_equal``)."""
        return _I["__ge__"](self, other)

    def __neg__(self) -> ChunkedArray:
        """``-self`` (``numpy.negative``)."""
        return _I["__neg__"](self)

    def __pos__(self) -> ChunkedArray:
        """``+self`` (``numpy.positive``)."""
        return _I["__pos__"](self)

    def __abs__(self) -> ChunkedArray:
        """``abs(self)`` (``numpy.absolute``)."""
        return _I["__abs__"](self)

    def __invert__(self) -> ChunkedArray:
        """``~self`` (``numpy.invert``)."""
        return _I["__invert__"](self)

    # --- indexing ------------------------------------------------------------------------------

    def __getitem__(self, index: Any, /) -> ChunkedArray:
        """``self[index]``, lazily (:mod:`chunkarray.ops.indexing`)."""
        return _I["__getitem__"](self, index)

    def __setitem__(self, index: Any, value: ArrayLike, /) -> None:
        """``self[index] = value``: ``self`` now stands for the array with the value written in."""
        _I["__setitem__"](self, index, value)

    @property
    def vindex(self) -> VIndex:
        """Pointwise indexing: ``x.vindex[[0, 2], [1, 3]]`` is elements (0, 1) and (2, 3)."""
        return _I["vindex"](self)

    # --- reductions (NumPy's signatures, plus chunkarray's ``split_every``) --------------------

    def sum(self, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
            keepdims: bool | _NoValueType = _NoValue, initial: _NoValueType = _NoValue,
            where: _NoValueType | bool = _NoValue, *, split_every: SplitEvery = None
            ) -> ChunkedArray:
        """Sum over ``axis`` (:func:`chunkarray.sum`)."""
        return _I["sum"](self, axis, dtype, out, keepdims, initial, where,
                         split_every=split_every)

    def prod(self, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
             keepdims: bool | _NoValueType = _NoValue, initial: _NoValueType = _NoValue,
             where: _NoValueType | bool = _NoValue, *, split_every: SplitEvery = None
             ) -> ChunkedArray:
        """Product over ``axis`` (:func:`chunkarray.prod`)."""
        return _I["prod"](self, axis, dtype, out, keepdims, initial, where,
                          split_every=split_every)

    def mean(self, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
             keepdims: bool | _NoValueType = _NoValue, *, where: _NoValueType | bool = _NoValue,
             split_every: SplitEvery = None) -> ChunkedArray:
        """Arithmetic mean over ``axis`` (:func:`chunkarray.mean`)."""
        return _I["mean"](self, axis, dtype, out, keepdims, where=where, split_every=split_every)

    # ``ddof`` is 0 when not given; unset, so that it may be given as ``correction`` instead.
    def var(self, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
            ddof: float | _NoValueType = _NoValue, keepdims: bool | _NoValueType = _NoValue, *,
            where: _NoValueType | bool = _NoValue, mean: _NoValueType | None = _NoValue,
            correction: float | _NoValueType = _NoValue, split_every: SplitEvery = None
            ) -> ChunkedArray:
        """Variance over ``axis`` with ``ddof`` delta degrees of freedom (chunkarray.var)."""
        return _I["var"](self, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                         correction=correction, split_every=split_every)

    def std(self, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
            ddof: float | _NoValueType = _NoValue, keepdims: bool | _NoValueType = _NoValue, *,
            where: _NoValueType | bool = _NoValue, mean: _NoValueType | None = _NoValue,
            correction: float | _NoValueType = _NoValue, split_every: SplitEvery = None
            ) -> ChunkedArray:
        """Standard deviation over ``axis`` (:func:`chunkarray.std`)."""
        return _I["std"](self, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                         correction=correction, split_every=split_every)

    def min(self, axis: Axis = None, out: None = None, keepdims: bool | _NoValueType = _NoValue,
            initial: _NoValueType = _NoValue, where: _NoValueType | bool = _NoValue, *,
            split_every: SplitEvery = None) -> ChunkedArray:
        """Minimum over ``axis``; NaN propagates (:func:`chunkarray.min`)."""
        return _I["min"](self, axis, out, keepdims, initial, where, split_every=split_every)

    def max(self, axis: Axis = None, out: None = None, keepdims: bool | _NoValueType = _NoValue,
            initial: _NoValueType = _NoValue, where: _NoValueType | bool = _NoValue, *,
            split_every: SplitEvery = None) -> ChunkedArray:
        """Maximum over ``axis``; NaN propagates (:func:`chunkarray.max`)."""
        return _I["max"](self, axis, out, keepdims, initial, where, split_every=split_every)

    def any(self, axis: Axis = None, out: None = None, keepdims: bool | _NoValueType = _NoValue,
            *, where: _NoValueType | bool = _NoValue, split_every: SplitEvery = None
            ) -> ChunkedArray:
        """Whether any element along ``axis`` is true (:func:`chunkarray.any`)."""
        return _I["any"](self, axis, out, keepdims, where=where, split_every=split_every)

    def all(self, axis: Axis = None, out: None = None, keepdims: bool | _NoValueType = _NoValue,
            *, where: _NoValueType | bool = _NoValue, split_every: SplitEvery = None
            ) -> ChunkedArray:
        """Whether every element along ``axis`` is true (:func:`chunkarray.all`)."""
        return _I["all"](self, axis, out, keepdims, where=where, split_every=split_every)

    def argmin(self, axis: SupportsIndex | None = None, out: None = None, *,
               keepdims: bool | _NoValueType = _NoValue, split_every: SplitEvery = None
               ) -> ChunkedArray:
        """Index of the minimum along ``axis`` (:func:`chunkarray.argmin`)."""
        return _I["argmin"](self, axis, out, keepdims=keepdims, split_every=split_every)

    def argmax(self, axis: SupportsIndex | None = None, out: None = None, *,
               keepdims: bool | _NoValueType = _NoValue, split_every: SplitEvery = None
               ) -> ChunkedArray:
        """Index of the maximum along ``axis`` (:func:`chunkarray.argmax`)."""
        return _I["argmax"](self, axis, out, keepdims=keepdims, split_every=split_every)

    # --- elementwise methods -------------------------------------------------------------------

    def astype(self, dtype: DTypeLike, /, *, casting: Casting = "unsafe",
               copy: bool = True) -> ChunkedArray:
        """Cast to ``dtype``; ``casting`` is checked now (:func:`chunkarray.astype`)."""
        return _I["astype"](self, dtype, casting=casting, copy=copy)

    def round(self, decimals: int = 0) -> ChunkedArray:
        """Round to ``decimals`` decimal places (``numpy.round``)."""
        return _I["round"](self, decimals)

    def clip(self, min: ArrayLike | None = None, max: ArrayLike | None = None
             ) -> ChunkedArray:
        """Limit the values to ``[min, max]`` (:func:`chunkarray.clip`)."""
        return _I["clip"](self, min, max)

    def conj(self) -> ChunkedArray:
        """The complex conjugate; other dtypes are returned unchanged, as ``ndarray.conj``."""
        return _I["conj"](self)

    def conjugate(self) -> ChunkedArray:
        """The complex conjugate; other dtypes are returned unchanged, as ``ndarray.conjugate``."""
        return _I["conjugate"](self)

    @property
    def real(self) -> ChunkedArray:
        """The real part (``numpy.real``)."""
        return _I["real"](self)

    @property
    def imag(self) -> ChunkedArray:
        """The imaginary part (``numpy.imag``)."""
        return _I["imag"](self)

    # --- shape ---------------------------------------------------------------------------------

    @property
    def T(self) -> ChunkedArray:
        """The array with its axes reversed."""
        return _I["T"](self)

    def transpose(self, *axes: SupportsIndex | Sequence[SupportsIndex] | None) -> ChunkedArray:
        """Permute the axes: ``x.transpose(1, 0)`` or ``x.transpose((1, 0))``, reversed if none."""
        return _I["transpose"](self, *axes)

    def reshape(self, *shape: SupportsIndex | Sequence[SupportsIndex], order: str = "C",
                copy: bool | None = None) -> ChunkedArray:
        """The same elements in a new shape: ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
        return _I["reshape"](self, *shape, order=order, copy=copy)

    def ravel(self, order: str = "C") -> ChunkedArray:
        """The elements as a 1-d array in C order (:func:`chunkarray.ravel`)."""
        return _I["ravel"](self, order)

    def flatten(self, order: str = "C") -> ChunkedArray:
        """The elements as a 1-d array in C order (:func:`chunkarray.ravel`)."""
        return _I["flatten"](self, order)

    def squeeze(self, axis: Axis = None) -> ChunkedArray:
        """Remove length-one axes (:func:`chunkarray.squeeze`)."""
        return _I["squeeze"](self, axis)

    def swapaxes(self, axis1: SupportsIndex, axis2: SupportsIndex) -> ChunkedArray:
        """Interchange two axes (:func:`chunkarray.swapaxes`)."""
        return _I["swapaxes"](self, axis1, axis2)

    def repeat(self, repeats: ArrayLike, axis: SupportsIndex | None = None) -> ChunkedArray:
        """Repeat each element along ``axis`` (:func:`chunkarray.repeat`)."""
        return _I["repeat"](self, repeats, axis)

    # --- linear algebra, blocks, chunks --------------------------------------------------------

    def dot(self, b: ArrayLike, /) -> ChunkedArray:
        """``numpy.dot`` of this array and ``b`` (:func:`chunkarray.dot`)."""
        return _I["dot"](self, b)

    def rechunk(self, chunks: Any = "auto", *, memory_limit: int | str | None = None,
                method: str | None = None) -> ChunkedArray:
        """The same values in new blocks (:func:`chunkarray.rechunk`)."""
        return _I["rechunk"](self, chunks, memory_limit=memory_limit, method=method)

    def compute_chunk_sizes(self) -> ChunkedArray:
        """Learn the block sizes (computes the array once); updates the array and returns it."""
        return _I["compute_chunk_sizes"](self)

    def map_blocks(self, func: Callable[..., Any], *args: Any, dtype: DTypeLike | None = None,
                   chunks: Any = None, drop_axis: Axis = None, new_axis: Axis = None,
                   name: str | None = None, **kwargs: Any) -> ChunkedArray:
        """Apply ``func`` to every block, this array first (:func:`chunkarray.map_blocks`)."""
        return _I["map_blocks"](self, func, *args, dtype=dtype, chunks=chunks,
                                drop_axis=drop_axis, new_axis=new_axis, name=name, **kwargs)

    def cumsum(self, axis: SupportsIndex | None = None, dtype: DTypeLike | None = None,
               out: None = None) -> ChunkedArray:
        """The cumulative sum along ``axis`` (:func:`chunkarray.cumsum`)."""
        return _I["cumsum"](self, axis, dtype, out)

    def cumprod(self, axis: SupportsIndex | None = None, dtype: DTypeLike | None = None,
                out: None = None) -> ChunkedArray:
        """The cumulative product along ``axis`` (:func:`chunkarray.cumprod`)."""
        return _I["cumprod"](self, axis, dtype, out)

    def sort(self, axis: SupportsIndex | None = -1, kind: str | None = None, order: Any = None,
             *, stable: bool | None = None) -> None:
        """Sort in place along ``axis``, as ``ndarray.sort`` (this array becomes the sorted one).

        >>> import numpy as np, chunkarray as ca
        >>> x = ca.from_array(np.array([3, 1, 2, 0]), chunks=2)
        >>> x.sort()
        >>> x.compute()
        array([0, 1, 2, 3])
        """
        _I["sort"](self, axis, kind, order, stable=stable)

    def argsort(self, axis: SupportsIndex | None = -1, kind: str | None = None,
                order: Any = None, *, stable: bool | None = None) -> ChunkedArray:
        """The positions that sort the array along ``axis`` (:func:`chunkarray.argsort`)."""
        return _I["argsort"](self, axis, kind, order, stable=stable)

    def partition(self, kth: Any, axis: SupportsIndex = -1, kind: str = "introselect",
                  order: Any = None) -> None:
        """Partition in place around ``kth``, as ``ndarray.partition``
        (:func:`chunkarray.partition`)."""
        _I["partition"](self, kth, axis, kind, order)

    def argpartition(self, kth: Any, axis: SupportsIndex = -1, kind: str = "introselect",
                     order: Any = None) -> ChunkedArray:
        """The positions that partition the array around ``kth`` (:func:`chunkarray.argpartition`).
        """
        return _I["argpartition"](self, kth, axis, kind, order)

    def topk(self, k: int, axis: int = -1, split_every: Any = None) -> ChunkedArray:
        """The ``k`` largest elements along ``axis``, as dask's (:func:`chunkarray.topk`)."""
        return _I["topk"](self, k, axis, split_every)

    def argtopk(self, k: int, axis: int = -1, split_every: Any = None) -> ChunkedArray:
        """The positions of the ``k`` largest elements (:func:`chunkarray.argtopk`)."""
        return _I["argtopk"](self, k, axis, split_every)

    def nonzero(self) -> tuple[ChunkedArray, ...]:
        """The indices of the non-zero elements, one array per axis (:func:`chunkarray.nonzero`)."""
        return _I["nonzero"](self)

    def searchsorted(self, v: Any, side: Literal["left", "right"] = "left", sorter: Any = None
                     ) -> ChunkedArray:
        """Where ``v`` would go in this sorted 1-d array (:func:`chunkarray.searchsorted`)."""
        return _I["searchsorted"](self, v, side, sorter)

    def compress(self, condition: Any, axis: SupportsIndex | None = None, out: None = None
                 ) -> ChunkedArray:
        """The slices along ``axis`` where ``condition`` is true (:func:`chunkarray.compress`)."""
        return _I["compress"](self, condition, axis, out)

    def trace(self, offset: SupportsIndex = 0, axis1: SupportsIndex = 0, axis2: SupportsIndex = 1,
              dtype: DTypeLike | None = None, out: None = None) -> ChunkedArray:
        """The sum along a diagonal (:func:`chunkarray.trace`)."""
        return _I["trace"](self, offset, axis1, axis2, dtype, out)

    def diagonal(self, offset: SupportsIndex = 0, axis1: SupportsIndex = 0,
                 axis2: SupportsIndex = 1) -> ChunkedArray:
        """The diagonal of the axis1/axis2 planes, as a last axis (:func:`chunkarray.diagonal`)."""
        return _I["diagonal"](self, offset, axis1, axis2)

    def map_overlap(self, func: Callable[..., Any], depth: Any, boundary: Any = None,
                    trim: bool = True, **kwargs: Any) -> ChunkedArray:
        """Apply ``func`` to blocks grown by their neighbours (:func:`chunkarray.map_overlap`)."""
        return _I["map_overlap"](self, func, depth, boundary, trim, **kwargs)

    # --- copies and conversions (chunkarray.ops.conversion) ------------------------------------

    def copy(self, order: str = "C") -> ChunkedArray:
        """A new array object with the same values (:func:`chunkarray.ops.conversion.copy`)."""
        return _I["copy"](self, order)

    def item(self, *args: Any) -> Any:
        """One element as a Python scalar; only that element is computed."""
        return _I["item"](self, *args)

    def tolist(self) -> Any:
        """The computed values as nested Python lists."""
        return _I["tolist"](self)

    def view(self, dtype: DTypeLike | None = None, type: Any = None) -> ChunkedArray:  # noqa: A002
        """The same bytes as another dtype of the same item size."""
        return _I["view"](self, dtype, type)

    def fill(self, value: Any) -> None:
        """Set every element to a scalar, in place (as ``x[...] = value``)."""
        _I["fill"](self, value)

    def store(self, target: Any, /, *, region: Any = None) -> None:
        """Write the array into ``target`` (:func:`chunkarray.store`)."""
        _I["store"](self, target, region=region)

    # --- storage -------------------------------------------------------------------------------

    def to_zarr(self, url: Any, component: str | None = None, *, overwrite: bool = False,
                region: Any = None, compressors: Any = "default", zarr_chunks: Any = None,
                resume: bool = False) -> None:
        """Write the array to a zarr array (:func:`chunkarray.to_zarr`)."""
        _I["to_zarr"](self, url, component, overwrite=overwrite, region=region,
                      compressors=compressors, zarr_chunks=zarr_chunks, resume=resume)

    def to_hdf5(self, path: Any, dataset: str, *, chunks: Any = True, compression: Any = None,
                compression_opts: Any = None, shuffle: bool = False,
                overwrite: bool = False) -> None:
        """Write the array to ``dataset`` of an HDF5 file (:func:`chunkarray.to_hdf5`).

        >>> import os, tempfile, chunkarray as ca
        >>> path = os.path.join(tempfile.mkdtemp(), "out.h5")
        >>> ca.ones(4, chunks=2).to_hdf5(path, "x")
        >>> ca.from_hdf5(path, "x").sum().compute()
        np.float64(4.0)
        """
        _I["to_hdf5"](self, path, dataset, chunks=chunks, compression=compression,
                      compression_opts=compression_opts, shuffle=shuffle, overwrite=overwrite)

    # --- NumPy's protocols ---------------------------------------------------------------------

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, /, *inputs: Any, **kwargs: Any
                        ) -> Any:
        """NumPy ufuncs (``np.sin(x)``, ``np.add.reduce(x)``) on chunked arrays, lazily."""
        return _I["__array_ufunc__"](self, ufunc, method, *inputs, **kwargs)

    def __array_function__(self, func: Callable[..., Any], types: Sequence[type],
                           args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        """NumPy functions (``np.mean(x)``) on chunked arrays, where chunkarray implements them."""
        return _I["__array_function__"](self, func, types, args, kwargs)

    # --- the array API standard (chunkarray.interop.array_api) --------------------------------

    def __array_namespace__(self, /, *, api_version: str | None = None) -> ModuleType:
        """The array API namespace of this array: ``chunkarray`` (refuses unknown versions)."""
        return _I["__array_namespace__"](self, api_version)

    @property
    def device(self) -> Any:
        """The device the array lives on: ``chunkarray.CPU_DEVICE``, the only one."""
        return _I["device"](self)

    def to_device(self, device: Any, /, *, stream: Any = None) -> ChunkedArray:
        """The array on ``device``: itself, as the CPU is the only device."""
        return _I["to_device"](self, device, stream)

    @property
    def mT(self) -> ChunkedArray:
        """The array with its last two axes swapped (:func:`chunkarray.matrix_transpose`)."""
        return _I["mT"](self)

    def __imatmul__(self, other: ArrayLike, /) -> ChunkedArray:
        """``self @= other``: a new array of the shape and dtype of ``self``."""
        return _I["__imatmul__"](self, other)

    def __iter__(self) -> Iterator[ChunkedArray]:
        """Iterate over the first axis, lazily: yields ``self[0]``, ``self[1]``, ..."""
        return _I["__iter__"](self)

    def __dlpack__(self, /, *, stream: Any = None, max_version: tuple[int, int] | None = None,
                   dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
        """A DLPack capsule of the computed values (computes the array)."""
        return _I["__dlpack__"](self, stream, max_version, dl_device, copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        """DLPack's device of the array: the CPU, ``(1, 0)``."""
        return _I["__dlpack_device__"](self)

    # --- dask and dask.delayed (chunkarray.interop.dask, chunkarray.io.delayed) --------------

    def to_dask(self) -> Any:
        """This array as a dask collection, for ``dask.compute`` and ``client.persist``."""
        return _I["to_dask"](self)

    def to_delayed(self, optimize_graph: bool = True) -> np.ndarray:
        """The blocks as dask Delayed objects, in an object array shaped like the block grid."""
        return _I["to_delayed"](self, optimize_graph)

    def to_npy_stack(self, dirname: Any, axis: int = 0) -> None:
        """Write the array as one ``.npy`` file per block along ``axis``, as dask does."""
        _I["to_npy_stack"](self, dirname, axis)

    # --- pictures (chunkarray.diagnostics.html_repr) -------------------------------------------

    def _repr_html_(self) -> str:
        """The notebook repr: a table of sizes beside a picture of the chunks."""
        return _I["_repr_html_"](self)

    def visualize(self, filename: str | None = "graph.svg", *, format: str | None = None
                  ) -> Any:
        """Draw the task graph with graphviz; write it to ``filename`` unless ``None``."""
        return _I["visualize"](self, filename, format=format)
