"""Elementwise operations: every NumPy ufunc, the Python operators, ``where``, ``clip``, ``astype``.

All of them are one function, :func:`elemwise`, over the blockwise primitive. Result dtypes are
NumPy's own: the function is called once on empty stand-ins of the inputs (Python scalars passed
as they are, so NumPy 2's weak-scalar promotion applies) and its result dtype is kept.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any, cast

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core.chunks import broadcast_chunk_axis, has_unknown
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as kernels
from chunkarray.kernels.elementwise import ELEMENTWISE
from chunkarray.ops import searching
from chunkarray.ops.creation import from_array
from chunkarray.primitives.blockwise import Blockwise, blockwise_node

__all__ = ["UFUNCS", "astype", "clip", "elemwise", "where"]

#: Every elementwise NumPy ufunc by its NumPy name (from the one elementwise table,
#: :data:`~chunkarray.kernels.elementwise.ELEMENTWISE`); each becomes ``chunkarray.<name>``.
UFUNCS: dict[str, np.ufunc] = {
    name: entry.func for name, entry in ELEMENTWISE.items() if isinstance(entry.func, np.ufunc)
}

_SCALARS = (numbers.Number, np.generic, str, bytes)


def is_operand(x: Any) -> bool:
    """Whether ``x`` is something elementwise operations accept beside chunked arrays."""
    return isinstance(x, (ChunkedArray, np.ndarray, list, tuple, *_SCALARS)) or x is None


def _meta(x: Any) -> Any:
    """A tiny stand-in with the dtype of ``x``; Python scalars stand for themselves.

    A non-empty array stands in as one element equal to one, an empty one as an empty array: so
    the call raises now what NumPy raises for the scalars given whatever the data (``x ** -2`` on
    integers), and raises nothing on an empty result, as NumPy does. An object array stands in
    as an empty one: what its elements do depends on the elements (``np.sqrt`` of ``Decimal``s
    works, of ints it does not), and only the errors of the dtypes may be raised at the call.
    """
    if isinstance(x, (ChunkedArray, np.ndarray)) and x.dtype.hasobject:
        return np.empty((0,) * max(x.ndim, 1), dtype=x.dtype)
    if isinstance(x, (ChunkedArray, np.ndarray)) and x.ndim:
        return np.full((1 if x.size else 0,) * x.ndim, 1, dtype=x.dtype)
    if isinstance(x, ChunkedArray):
        return np.ones((), dtype=x.dtype)
    return x


def infer_dtype(func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    """The dtype (a tuple of dtypes for several outputs) ``func`` gives on these operands."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = func(*[_meta(a) for a in args], **kwargs)
    if isinstance(out, tuple):
        return tuple(np.asarray(o).dtype for o in out)
    return np.asarray(out).dtype


def _broadcast_shape(args: list[Any], label: str) -> tuple[int, ...]:
    shapes = [np.shape(a) if not isinstance(a, ChunkedArray) else a.shape for a in args]
    try:
        # Unknown (NaN) lengths, after boolean masking, are checked when the chunks are aligned.
        return np.broadcast_shapes(*[tuple(1 if n != n else n for n in s) for s in shapes])
    except ValueError:
        raise ValueError(
            f"{label}: operands could not be broadcast together with shapes "
            f"{' '.join(str(s) for s in shapes)}"
        ) from None


def _as_operands(args: list[Any], out_ndim: int) -> list[Any]:
    """Chunked arrays stay; NumPy arrays with axes become chunked arrays aligned with them."""
    arrays = [a for a in args if isinstance(a, ChunkedArray)]
    per_axis: dict[int, list[tuple[int, ...]]] = {}
    for x in arrays:
        for axis, c in enumerate(x.chunks, start=out_ndim - x.ndim):
            per_axis.setdefault(axis, []).append(c)
    out: list[Any] = []
    for a in args:
        if isinstance(a, (list, tuple)):
            a = np.asarray(a)
        if isinstance(a, np.ndarray) and (a.ndim or isinstance(a, np.ma.MaskedArray)):
            # (A 0-d masked operand too: passed as a literal, its mask would go unnoticed.)
            chunks = []
            for axis, n in enumerate(a.shape, start=out_ndim - a.ndim):
                known = broadcast_chunk_axis(*per_axis[axis]) if axis in per_axis else (n,)
                chunks.append(known if sum(known) == n else (n,))
            a = from_array(a, chunks=tuple(chunks))
        out.append(a)
    return out


def elemwise(func: Callable[..., Any], *args: Any, dtype: Any = None, label: str | None = None,
             makes_masks: bool = False, **kwargs: Any) -> Any:
    """Apply ``func`` elementwise with NumPy broadcasting; a tuple of arrays for several outputs.

    ``makes_masks``: ``func`` makes masked blocks (``numpy.ma.MaskedArray``) whatever its inputs.

    >>> import chunkarray as ca
    >>> elemwise(np.add, ca.arange(4, chunks=2), 1.5).compute()
    array([1.5, 2.5, 3.5, 4.5])
    """
    label = label or cast(str, getattr(func, "__name__", "elemwise"))
    shape = _broadcast_shape(list(args), label)
    operands = _as_operands(list(args), len(shape))
    if dtype is None:
        dtype = infer_dtype(func, operands, kwargs)
    ndim = len(shape)
    pairs: list[Any] = []
    for a in operands:
        if isinstance(a, ChunkedArray):
            pairs += [a._node, tuple(range(ndim - a.ndim, ndim))]
        else:
            pairs += [a, None]
    kernel = partial(func, **kwargs) if kwargs else func
    paired = _unknown_pairs(operands, ndim)
    if paired:  # the graph cannot check that these blocks line up: each task checks its own
        kernel = partial(kernels.call_paired, func=kernel, pairs=paired)
    outputs = dtype if isinstance(dtype, tuple) else None
    node = blockwise_node(kernel, tuple(range(ndim)), *pairs,
                          dtype=outputs[0] if outputs else dtype, token=label,
                          masked=True if makes_masks else _masked_result(func, operands))
    if outputs is None:
        return ChunkedArray(node)
    return tuple(_output(node, i, dt) for i, dt in enumerate(outputs))


def keeps_masks(func: Callable[..., Any]) -> bool:
    """Whether ``func`` on masked blocks gives the masked result numpy.ma gives: ufuncs (their
    results are masked where an input is, and outside their domain), ``np.clip`` (which calls
    ``MaskedArray.clip``), numpy.ma's own functions, and functions that say so
    (``func.keeps_masks``).

    >>> keeps_masks(np.add), keeps_masks(np.ma.power), keeps_masks(np.where)
    (True, True, False)
    """
    base = kernels.base_func(func)
    return isinstance(base, (np.ufunc, np.ma.core._MaskedUFunc)) or base is np.clip \
        or getattr(base, "__module__", "") == "numpy.ma.core" \
        or getattr(base, "keeps_masks", False)


def _masked_result(func: Callable[..., Any], operands: list[Any]) -> bool | None:
    """``masked=`` of an elementwise node: True when an operand is masked and ``func`` keeps
    masks, None (refused, see :class:`~chunkarray.core.graph.Node`) when it does not."""
    if not any(isinstance(a, ChunkedArray) and a._node.masked for a in operands):
        return False
    return True if keeps_masks(func) else None


def _unknown_pairs(operands: list[Any], ndim: int
                   ) -> tuple[tuple[int, tuple[tuple[int, int], ...]], ...]:
    """Per output axis where different arrays of unknown (NaN) block sizes meet, the (operand,
    axis) of each: their blocks are paired by number, and only the blocks can say whether their
    lengths agree."""
    out = []
    for axis in range(ndim):
        members, names = [], set()
        for p, a in enumerate(operands):
            own = axis - (ndim - a.ndim) if isinstance(a, ChunkedArray) else -1
            if own >= 0 and has_unknown(a.chunks[own]):
                members.append((p, own))
                names.add(a.name)
        if len(names) > 1:
            out.append((axis, tuple(members)))
    return tuple(out)


def _output(node: Blockwise, i: int, dtype: np.dtype) -> ChunkedArray:
    ind = tuple(range(len(node.chunks)))
    name = f"{node.name}-out{i}"
    getter = partial(kernels.index_output, i=i)
    return ChunkedArray(blockwise_node(getter, ind, node, ind, dtype=dtype, name=name,
                                       masked=node.masked))


def ufunc_call(ufunc: np.ufunc, *args: Any, **kwargs: Any) -> Any:
    """``ufunc(*args, **kwargs)`` elementwise on chunked arrays (``out=`` and ``where=`` aside).

    The ufunc's own ``dtype=`` is an option of the ufunc, the output dtype of the loop it picks and
    checked against ``casting=``: it travels to every block with the other options, rather than
    being taken as :func:`elemwise`'s result dtype while the blocks are computed without it.

    >>> import chunkarray as ca
    >>> ufunc_call(np.add, ca.arange(3, chunks=2), 1, dtype=np.float32).compute()
    array([1., 2., 3.], dtype=float32)
    """
    if kwargs.get("dtype") is not None:
        func: Callable[..., Any] = partial(ufunc, dtype=kwargs.pop("dtype"))
        return elemwise(func, *args, label=ufunc.__name__, **kwargs)
    kwargs.pop("dtype", None)
    return elemwise(ufunc, *args, **kwargs)


def ufunc_function(ufunc: np.ufunc) -> Callable[..., Any]:
    """The chunkarray function for one NumPy ufunc: ``chunkarray.sin`` for ``numpy.sin``."""

    def apply_ufunc(*args: Any, **kwargs: Any) -> Any:
        if len(args) != ufunc.nin:
            raise TypeError(f"{ufunc.__name__} takes {ufunc.nin} array arguments, got {len(args)}")
        if "out" in kwargs or "where" in kwargs:
            return ufunc(*args, **kwargs)  # NumPy's protocol: out= written, where= refused
        return ufunc_call(ufunc, *args, **kwargs)

    apply_ufunc.__name__ = apply_ufunc.__qualname__ = ufunc.__name__
    apply_ufunc.__doc__ = f"``numpy.{ufunc.__name__}`` elementwise on chunked arrays."
    return apply_ufunc


def where(condition: Any, x: Any = None, y: Any = None, /) -> ChunkedArray:
    """Elements of ``x`` where ``condition`` holds, else of ``y``, like ``numpy.where``.

    With ``condition`` alone, its ``nonzero`` indices (see :mod:`chunkarray.ops.searching`).

    >>> import chunkarray as ca
    >>> a = ca.arange(5, chunks=2)
    >>> where(a > 2, a, -1).compute()
    array([-1, -1, -1,  3,  4])
    """
    if x is None and y is None:  # the indices of true elements, of unknown count
        return searching.where_true(condition)  # type: ignore[return-value]
    if x is None or y is None:
        raise ValueError("where: either both or neither of x and y should be given")
    return elemwise(np.where, condition, x, y, label="where")


def clip(x: Any, /, min: Any = None, max: Any = None) -> ChunkedArray:  # noqa: A002 - NumPy's names
    """Limit the values to ``[min, max]``, like ``numpy.clip``.

    >>> import chunkarray as ca
    >>> clip(ca.arange(5, chunks=2), 1, 3).compute()
    array([1, 1, 2, 3, 3])
    """
    return elemwise(np.clip, x, min, max, label="clip")


def astype(x: ChunkedArray, dtype: Any, /, *, casting: str = "unsafe", copy: bool = True
           ) -> ChunkedArray:
    """Cast to ``dtype``; ``casting`` is checked now, as NumPy's ``ndarray.astype`` checks it.

    >>> import chunkarray as ca
    >>> ca.arange(3, chunks=2).astype("float32").dtype
    dtype('float32')
    """
    dtype = _sized(x.dtype, np.dtype(dtype))
    if not np.can_cast(x.dtype, dtype, casting=casting):  # type: ignore[arg-type]
        raise TypeError(f"cannot cast array from {x.dtype} to {dtype} with casting={casting!r}")
    if dtype == x.dtype:
        return x
    ind = tuple(range(x.ndim))
    kernel = partial(_astype_block, dtype=dtype)
    return ChunkedArray(blockwise_node(kernel, ind, x._node, ind, dtype=dtype,
                                       name="astype-" + tokenize(x.name, dtype),
                                       masked=x._node.masked))


def _sized(source: np.dtype, dtype: np.dtype) -> np.dtype:
    """``dtype`` with the size (strings) or unit (datetimes) NumPy gives a cast from ``source``.

    An unsized ``"U"``, ``"S"`` or ``"V"``, or a datetime without a unit, is sized by NumPy from
    the source's dtype, or, from objects (and strings, for datetimes), from every value: every
    block would have its own, and the blocks could not be put together.
    """
    unsized = dtype.kind in "USV" and dtype.itemsize == 0 and dtype.names is None
    no_unit = dtype.kind in "mM" and np.datetime_data(dtype)[0] == "generic"
    if not (unsized or no_unit):
        return dtype
    if source.hasobject or (no_unit and source.kind in "US"):
        what, example = ("size", f"{dtype.char}10") if unsized else ("unit", f"{dtype.char}8[s]")
        raise TypeError(
            f"astype: a cast from {source} to {dtype.char!r} with no {what} takes the {what} from "
            f"the values, which each block would choose for itself; give the {what}, e.g. "
            f"dtype={example!r}")
    return np.empty(0, source).astype(dtype).dtype


def _astype_block(block: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return block.astype(dtype)


def inplace(op: np.ufunc, x: ChunkedArray, other: Any) -> ChunkedArray:
    """``x op= other``: a new array with the dtype of ``x``, under NumPy's same-kind rule."""
    # NumPy's own in-place call on stand-ins raises what NumPy would, in NumPy's order: the cast to
    # the dtype of ``x`` before the values (``x **= -2`` on booleans is a TypeError).
    # (Shapes are checked below, with the real shapes in the message.)
    stand_in = _meta(other)
    target = np.ones(np.broadcast_shapes(np.shape(_meta(x)), np.shape(stand_in)), dtype=x.dtype)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        op(target, stand_in, out=target)
    result = elemwise(op, x, other)
    # NumPy checks the cast before the shapes: an operation wrong on both counts is a TypeError.
    if not np.can_cast(result.dtype, x.dtype, casting="same_kind"):
        raise TypeError(
            f"Cannot cast ufunc {op.__name__!r} output from {result.dtype!r} to {x.dtype!r} "
            f"with casting rule 'same_kind'"
        )
    if result.shape != x.shape:
        raise ValueError(
            f"non-broadcastable output operand with shape {x.shape} doesn't match the "
            f"broadcast shape {result.shape}"
        )
    return astype(result, x.dtype)
