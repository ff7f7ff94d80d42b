"""Scans and differences: cumulative sums and products, ``diff``, ``gradient``, ``trapezoid``.

A scan along an axis split in several blocks is three blockwise steps and one chain: each block
scanned on its own, each scanned block's last slice taken as its total, the totals of the blocks
before each block combined (:class:`~chunkarray.primitives.scan.PrefixScan`, one tiny task per
block) and added back into the scanned block in place. Each block is read once and O(blocks)
tasks are made. Differences are slices and elementwise steps, as in NumPy's own code, rechunked
back to blocks of the input's size.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.array_methods import provide
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import scans as sk
from chunkarray.ops.creation import asarray, full
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import astype, ufunc_call
from chunkarray.ops.indexing import getitem
from chunkarray.ops.join import concatenate
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.shape import ravel
from chunkarray.primitives.blockwise import Blockwise, blockwise_node
from chunkarray.primitives.scan import PrefixScan, SequentialScan

__all__ = [
    "cumprod", "cumsum", "cumulative_prod", "cumulative_sum", "diff", "ediff1d", "gradient",
    "nancumprod", "nancumsum", "trapezoid",
]


def _scan_dtype(func: Callable[..., Any], dtype: np.dtype, requested: Any) -> np.dtype:
    """The dtype NumPy's scan gives (``int32`` sums to ``int64``, ``bool`` to ``int64``...)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(np.ones(1, dtype=dtype), dtype=requested).dtype


def _no_out(out: Any, label: str) -> None:
    if out is not None:
        raise TypeError(f"{label}: out= is not supported on chunked arrays; got an out array")


def _scan(x: Any, axis: Any, dtype: Any, *, func: Callable[..., Any], op: np.ufunc,
          identity: int, label: str, include_initial: bool = False) -> ChunkedArray:
    x = asarray(x)
    if axis is None or x.ndim == 0:
        if x.ndim == 0 and axis is not None:
            normalize_axis_index(axis, 1, "axis")  # a 0-d array scans as one element
        x, axis = ravel(x), 0
    axis = normalize_axis_index(axis, x.ndim, "axis")
    out_dtype = _scan_dtype(func, x.dtype, dtype)
    require_known_chunks(x, label, (axis,))
    ind = tuple(range(x.ndim))
    scan = partial(sk.scan_block, func=func, axis=axis, dtype=out_dtype)
    scanned = blockwise_node(scan, ind, x._node, ind, dtype=out_dtype, token=(label, "block"))
    if x.numblocks[axis] == 1 and not include_initial:
        return ChunkedArray(scanned)
    if op is np.multiply and out_dtype.kind in "fc":
        # Floating products taken out of order overflow (or reach 0 * inf) where NumPy's, in
        # order, do not: continue each block from the one before instead (exact, serial along
        # the axis, parallel across the other axes).
        after = partial(sk.scan_after, func=func, axis=axis, dtype=out_dtype)
        seq = ChunkedArray(SequentialScan(x._node, axis, after, out_dtype, label=label))
        if not include_initial:
            return seq
        head_shape = tuple(1 if d == axis else n for d, n in enumerate(x.shape))
        head_chunks = tuple((1,) if d == axis else c for d, c in enumerate(x.chunks))
        head = full(head_shape, identity, dtype=out_dtype, chunks=head_chunks)
        return concatenate([head, seq], axis=axis)
    totals = blockwise_node(partial(sk.block_total, axis=axis, identity=identity), ind,
                            scanned, ind, dtype=out_dtype, adjust_chunks={axis: 1},
                            token=(label, "total"))
    carries = PrefixScan(totals, axis, partial(sk.combine_carry, op=op), label=f"{label}-carry")
    chunks = None
    block_kwargs = None
    if include_initial:
        sizes = x.chunks[axis]
        chunks = {axis: (sizes[0] + 1, *sizes[1:])}

        def block_kwargs(index: tuple[int, ...]) -> dict[str, Any]:
            return {"initial": identity if index[axis] == 0 else None}

    add = partial(sk.add_carry, op=op, axis=axis)
    # Built directly, not by blockwise_node: the totals and carries have one block per block of
    # the scan (of size one along the axis), matched block for block, never broadcast.
    out_chunks = tuple(chunks[axis] if chunks and d == axis else c
                       for d, c in enumerate(scanned.chunks))
    name = f"{label}-" + tokenize(scanned.name, carries.name, include_initial)
    out = Blockwise(name, out_chunks, out_dtype, add, ind, (scanned, totals, carries),
                    (ind, ind, ind), block_kwargs)
    return ChunkedArray(out)


@implements(np.cumsum)
def cumsum(a: Any, /, axis: Any = None, dtype: Any = None, out: Any = None) -> ChunkedArray:
    """Cumulative sum along ``axis`` (the flattened array when None), like ``numpy.cumsum``.

    >>> import chunkarray as ca
    >>> cumsum(ca.arange(1, 7, chunks=2)).compute()
    array([ 1,  3,  6, 10, 15, 21])
    """
    _no_out(out, "cumsum")
    return _scan(a, axis, dtype, func=np.cumsum, op=np.add, identity=0, label="cumsum")


@implements(np.cumprod)
def cumprod(a: Any, /, axis: Any = None, dtype: Any = None, out: Any = None) -> ChunkedArray:
    """Cumulative product along ``axis``, like ``numpy.cumprod``.

    >>> import chunkarray as ca
    >>> cumprod(ca.arange(1, 6, chunks=2)).compute()
    array([  1,   2,   6,  24, 120])
    """
    _no_out(out, "cumprod")
    return _scan(a, axis, dtype, func=np.cumprod, op=np.multiply, identity=1, label="cumprod")


@implements(np.nancumsum)
def nancumsum(a: Any, /, axis: Any = None, dtype: Any = None, out: Any = None) -> ChunkedArray:
    """Cumulative sum treating NaN as zero, like ``numpy.nancumsum``.

    >>> import chunkarray as ca, numpy as np
    >>> nancumsum(ca.from_array(np.array([1.0, np.nan, 2.0]), chunks=2)).compute()
    array([1., 1., 3.])
    """
    _no_out(out, "nancumsum")
    return _scan(a, axis, dtype, func=np.nancumsum, op=np.add, identity=0, label="nancumsum")


@implements(np.nancumprod)
def nancumprod(a: Any, /, axis: Any = None, dtype: Any = None, out: Any = None) -> ChunkedArray:
    """Cumulative product treating NaN as one, like ``numpy.nancumprod``.

    >>> import chunkarray as ca, numpy as np
    >>> nancumprod(ca.from_array(np.array([2.0, np.nan, 3.0]), chunks=2)).compute()
    array([2., 2., 6.])
    """
    _no_out(out, "nancumprod")
    return _scan(a, axis, dtype, func=np.nancumprod, op=np.multiply, identity=1,
                 label="nancumprod")


def _cumulative(x: Any, axis: Any, dtype: Any, include_initial: bool, label: str,
                **kwargs: Any) -> ChunkedArray:
    x = asarray(x)
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{label}: axis=None is allowed only for arrays of at most one "
                             f"dimension, got an array of shape {x.shape}; give axis=")
        axis = 0
    if not isinstance(include_initial, (bool, np.bool_)):
        raise TypeError(f"{label}: include_initial must be a bool, got {include_initial!r}")
    return _scan(x, axis, dtype, label=label, include_initial=bool(include_initial), **kwargs)


@implements(np.cumulative_sum)
def cumulative_sum(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                   include_initial: bool = False) -> ChunkedArray:
    """The array API's cumulative sum: ``cumsum`` with ``include_initial`` (a leading zero).

    >>> import chunkarray as ca
    >>> cumulative_sum(ca.arange(1, 4, chunks=2), include_initial=True).compute()
    array([0, 1, 3, 6])
    """
    _no_out(out, "cumulative_sum")
    return _cumulative(x, axis, dtype, include_initial, "cumulative_sum", func=np.cumsum,
                       op=np.add, identity=0)


@implements(np.cumulative_prod)
def cumulative_prod(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                    include_initial: bool = False) -> ChunkedArray:
    """The array API's cumulative product, with ``include_initial`` (a leading one).

    >>> import chunkarray as ca
    >>> cumulative_prod(ca.arange(1, 4, chunks=2), include_initial=True).compute()
    array([1, 1, 2, 6])
    """
    _no_out(out, "cumulative_prod")
    return _cumulative(x, axis, dtype, include_initial, "cumulative_prod", func=np.cumprod,
                       op=np.multiply, identity=1)


# --- differences ----------------------------------------------------------------------------------


def _along(ndim: int, axis: int, entry: Any) -> tuple[Any, ...]:
    return tuple(entry if d == axis else slice(None) for d in range(ndim))


def _shortened(sizes: tuple[int, ...], by: int) -> tuple[int, ...]:
    """Block sizes of an axis ``by`` elements shorter: taken off the last blocks, empty dropped.

    >>> _shortened((3, 3, 1), 2)
    (3, 2)
    """
    out = list(sizes)
    while by and out:
        take = min(by, out[-1])
        out[-1] -= take
        by -= take
        if not out[-1]:
            out.pop()
    return tuple(out) or (0,)


def _first_difference(a: ChunkedArray, axis: int) -> ChunkedArray:
    # NumPy's own step: booleans differ by "not equal", everything else by subtraction.
    op = np.not_equal if a.dtype == np.bool_ else np.subtract
    d = ufunc_call(op, getitem(a, _along(a.ndim, axis, slice(1, None))),
                   getitem(a, _along(a.ndim, axis, slice(None, -1))))
    # The two slices are shifted by one, so their blocks meet in twice as many pieces: merge
    # them back to the input's block sizes.
    target = tuple(_shortened(c, 1) if i == axis else c for i, c in enumerate(a.chunks))
    return rechunk(d, target)


def _edge(value: Any, a: ChunkedArray, axis: int, name: str) -> ChunkedArray:
    value = value if isinstance(value, ChunkedArray) else np.asanyarray(value)
    if value.ndim == 0:
        shape = tuple(1 if d == axis else n for d, n in enumerate(a.shape))
        value = np.broadcast_to(value, shape)
    if not isinstance(value, ChunkedArray):
        chunks = tuple(value.shape[d] if d == axis else c for d, c in enumerate(a.chunks))
        value = asarray(np.asarray(value), chunks=chunks)
    if value.ndim != a.ndim:
        raise ValueError(f"diff: {name} has {value.ndim} dimensions but the array has {a.ndim}; "
                         f"give a scalar or an array of the same number of dimensions")
    return value


_NOVALUE: Any = np._NoValue  # type: ignore[attr-defined]


@implements(np.diff)
def diff(a: Any, /, n: int = 1, axis: int = -1, prepend: Any = _NOVALUE, append: Any = _NOVALUE
         ) -> ChunkedArray:
    """The ``n``-th discrete difference along ``axis``, like ``numpy.diff``.

    >>> import chunkarray as ca, numpy as np
    >>> diff(ca.from_array(np.array([1, 4, 9, 16]), chunks=2)).compute()
    array([3, 5, 7])
    >>> diff(ca.from_array(np.array([1, 4, 9, 16]), chunks=2), n=2, prepend=0).compute()
    array([2, 2, 2])
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"diff: n must be an int, got {n!r}")
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got n={n}")
    a = asarray(a)
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional, got a 0-d array")
    axis = normalize_axis_index(axis, a.ndim, "axis")
    if n == 0:
        return a
    parts = []
    if prepend is not _NOVALUE:
        parts.append(_edge(prepend, a, axis, "prepend"))
    parts.append(a)
    if append is not _NOVALUE:
        parts.append(_edge(append, a, axis, "append"))
    if len(parts) > 1:
        a = concatenate(parts, axis=axis)
    require_known_chunks(a, "diff", (axis,))
    for _ in range(n):
        if a.shape[axis] == 0:  # an empty axis stays empty, whatever the order left
            break
        a = _first_difference(a, axis)
    return a


@implements(np.ediff1d)
def ediff1d(ary: Any, /, to_end: Any = None, to_begin: Any = None) -> ChunkedArray:
    """Differences of consecutive elements of the flattened array, with optional values put
    before and after, like ``numpy.ediff1d`` (which keeps the input's dtype).

    >>> import chunkarray as ca
    >>> ediff1d(ca.arange(5, chunks=2) ** 2, to_begin=-1).compute()
    array([-1,  1,  3,  5,  7])
    """
    x = ravel(asarray(ary))
    d = ufunc_call(np.subtract, getitem(x, slice(1, None)), getitem(x, slice(None, -1)))
    d = rechunk(d, (_shortened(x.chunks[0], 1),)) if x.shape[0] > 1 else d
    if d.dtype != x.dtype:
        d = astype(d, x.dtype)
    parts = []
    for name, value in (("to_begin", to_begin), ("to_end", to_end)):
        if value is None:
            continue
        v = np.asanyarray(value.compute() if isinstance(value, ChunkedArray) else value)
        if not np.can_cast(v, x.dtype, casting="same_kind"):
            raise TypeError(f"ediff1d: dtype {v.dtype} of {name} must be compatible with the "
                            f"input's {x.dtype} under the same_kind rule")
        parts.append((name, asarray(v.ravel().astype(x.dtype), chunks=-1)))
    begin = [p for name, p in parts if name == "to_begin"]
    end = [p for name, p in parts if name == "to_end"]
    if begin or end:
        return concatenate([*begin, d, *end])
    return d


# --- gradient and trapezoid ---------------------------------------------------------------------


def _spacings(varargs: tuple[Any, ...], f: ChunkedArray, axes: tuple[int, ...]) -> list[Any]:
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        return [varargs[0]] * len(axes)
    if len(varargs) != len(axes):
        raise TypeError(f"gradient: give one spacing, or one per axis ({len(axes)}), "
                        f"got {len(varargs)}")
    out: list[Any] = []
    for axis, d in zip(axes, varargs):
        d = np.asanyarray(d.compute() if isinstance(d, ChunkedArray) else d)
        if d.ndim == 0:
            out.append(d[()])
            continue
        if d.ndim != 1:
            raise ValueError(f"gradient: spacings must be scalars or 1-d, got an array of "
                             f"shape {d.shape} for axis {axis}")
        if len(d) != f.shape[axis]:
            raise ValueError(f"gradient: 1-d coordinates for axis {axis} must have its length "
                             f"{f.shape[axis]}, got {len(d)}")
        if np.issubdtype(d.dtype, np.integer):
            d = d.astype(np.float64)
        dx = np.diff(d)
        out.append(dx[0] if (dx == dx[0]).all() else dx)
    return out


def _coefficient(c: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    shape = [1] * ndim
    shape[axis] = -1
    return c.reshape(shape)


def _gradient_axis(f: ChunkedArray, axis: int, dx: Any, edge_order: int) -> ChunkedArray:
    """NumPy's formulas for one axis: the interior, then the two edges, joined."""
    nd = f.ndim

    def at(s: Any) -> Any:  # Any: the arithmetic operators are bound to the class at import
        return getitem(f, _along(nd, axis, s))

    uniform = np.ndim(dx) == 0
    if uniform:
        inner = (at(slice(2, None)) - at(slice(None, -2))) / (2. * dx)
    else:
        dx1, dx2 = dx[0:-1], dx[1:]
        a = _coefficient(-(dx2) / (dx1 * (dx1 + dx2)), nd, axis)
        b = _coefficient((dx2 - dx1) / (dx1 * dx2), nd, axis)
        c = _coefficient(dx1 / (dx2 * (dx1 + dx2)), nd, axis)
        inner = a * at(slice(None, -2)) + b * at(slice(1, -1)) + c * at(slice(2, None))
    if edge_order == 1:
        first = (at(slice(1, 2)) - at(slice(0, 1))) / (dx if uniform else dx[0])
        last = (at(slice(-1, None)) - at(slice(-2, -1))) / (dx if uniform else dx[-1])
    else:
        if uniform:
            a0, b0, c0 = -1.5 / dx, 2. / dx, -0.5 / dx
            a1, b1, c1 = 0.5 / dx, -2. / dx, 1.5 / dx
        else:
            d1, d2 = dx[0], dx[1]
            a0, b0 = -(2. * d1 + d2) / (d1 * (d1 + d2)), (d1 + d2) / (d1 * d2)
            c0 = - d1 / (d2 * (d1 + d2))
            d1, d2 = dx[-2], dx[-1]
            a1, b1 = (d2) / (d1 * (d1 + d2)), - (d2 + d1) / (d1 * d2)
            c1 = (2. * d2 + d1) / (d2 * (d1 + d2))
        first = a0 * at(slice(0, 1)) + b0 * at(slice(1, 2)) + c0 * at(slice(2, 3))
        last = a1 * at(slice(-3, -2)) + b1 * at(slice(-2, -1)) + c1 * at(slice(-1, None))
    out = concatenate([first, inner, last], axis=axis)
    if out.dtype != f.dtype:  # NumPy writes every part into an array of f's dtype
        out = astype(out, f.dtype)
    return rechunk(out, f.chunks)


@implements(np.gradient)
def gradient(f: Any, /, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """The gradient by second-order central differences inside and one- or two-sided
    differences at the edges, like ``numpy.gradient`` (one array per axis, a tuple for several).

    >>> import chunkarray as ca, numpy as np
    >>> gradient(ca.from_array(np.array([1.0, 2.0, 4.0, 7.0, 11.0]), chunks=2)).compute()
    array([1. , 1.5, 2.5, 3.5, 4. ])
    """
    f = asarray(f)
    axes = tuple(range(f.ndim)) if axis is None else normalize_axis_tuple(axis, f.ndim, "axis")
    if edge_order not in (1, 2) or isinstance(edge_order, bool):
        raise ValueError(f"gradient: edge_order={edge_order!r}; allowed: 1 or 2")
    if f.dtype.kind in "mM":
        raise TypeError(f"gradient: datetime and timedelta arrays are not supported, got "
                        f"{f.dtype}")
    if f.dtype.kind not in "fc":
        f = astype(f, np.float64)  # NumPy computes integers and booleans in float64
    dxs = _spacings(varargs, f, axes)
    require_known_chunks(f, "gradient", axes)
    outs = []
    for ax, dx in zip(axes, dxs):
        if f.shape[ax] < edge_order + 1:
            raise ValueError(f"gradient: axis {ax} has {f.shape[ax]} elements; at least "
                             f"edge_order + 1 = {edge_order + 1} are required")
        outs.append(_gradient_axis(f, ax, dx, edge_order))
    return outs[0] if len(outs) == 1 else tuple(outs)


@implements(np.trapezoid)
def trapezoid(y: Any, /, x: Any = None, dx: Any = 1.0, axis: int = -1) -> ChunkedArray:
    """Integral along ``axis`` by the composite trapezoidal rule, like ``numpy.trapezoid``.

    >>> import chunkarray as ca
    >>> trapezoid(ca.arange(5, chunks=2) ** 2).compute()
    np.float64(22.0)
    """
    y = asarray(y)
    axis = normalize_axis_index(axis, y.ndim, "axis")
    if x is None:
        d: Any = dx
    else:
        xa = x if isinstance(x, ChunkedArray) else np.asanyarray(x)
        if xa.ndim == 1:
            if xa.shape[0] != y.shape[axis]:
                raise ValueError(f"trapezoid: x has {xa.shape[0]} points but axis {axis} of y "
                                 f"has {y.shape[axis]}")
            d = diff(asarray(xa))
            shape = [1] * y.ndim
            shape[axis] = d.shape[0]
            d = d.reshape(tuple(shape))
        else:
            d = diff(asarray(xa), axis=axis)
    upper: Any = getitem(y, _along(y.ndim, axis, slice(1, None)))
    lower: Any = getitem(y, _along(y.ndim, axis, slice(None, -1)))
    return (d * (upper + lower) / 2.0).sum(axis=axis)


provide("cumsum")(cumsum)
provide("cumprod")(cumprod)
