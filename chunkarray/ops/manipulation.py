"""Shape manipulation with NumPy's names and semantics: reshape, join, split, pad, tile, ...

Everything is built from the existing primitives: basic indexing (``squeeze``, ``expand_dims``,
``flip``, ``split``, the pieces of ``roll`` and ``pad``), blockwise (``reshape``, ``broadcast_to``,
``repeat``), rechunk, and one node that lays blocks of several arrays end to end
(:class:`~chunkarray.primitives.stacking.Concatenate`). Graph building is O(blocks per axis).
"""

from __future__ import annotations

import hashlib
import math
import operator
from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.chunks import Chunks, chunk_boundaries, common_refinement
from chunkarray.core.tokenize import tokenize
from chunkarray.ops.creation import asarray, empty, full
from chunkarray.ops.elementwise import astype
from chunkarray.ops.indexing import getitem
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.routines import transpose
from chunkarray.primitives.blockwise import Blockwise, blockwise_node
from chunkarray.primitives.stacking import Concatenate

__all__ = [
    "array_split", "block", "broadcast_arrays", "broadcast_to", "concatenate", "expand_dims",
    "flip", "moveaxis", "pad", "ravel", "repeat", "reshape", "roll", "split", "squeeze", "stack",
    "swapaxes", "tile",
]


def _as_chunked(a: Any) -> ChunkedArray:
    """Chunked arrays pass; anything else NumPy accepts becomes one block."""
    return a if isinstance(a, ChunkedArray) else asarray(a, chunks=-1)


def _along(ndim: int, axis: int, entry: Any) -> tuple[Any, ...]:
    """An index that applies ``entry`` to ``axis`` and takes everything elsewhere."""
    return (slice(None),) * axis + (entry,) + (slice(None),) * (ndim - axis - 1)


def _with_block_shapes(node: Blockwise) -> ChunkedArray:
    # Each block's kernel gets its own output shape, known from the node's chunks.
    chunks = node.chunks
    node.block_kwargs = lambda index: {"shape": tuple(c[i] for c, i in zip(chunks, index))}
    return ChunkedArray(node)


# --- kernels -------------------------------------------------------------------------------------


def _reshape_block(block: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return np.reshape(block, shape)


def _broadcast_block(block: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(block, shape)


# --- reshape -------------------------------------------------------------------------------------


def _new_shape(shape: Any, size: int) -> tuple[int, ...]:
    """``shape`` with its unknown (negative) dimension filled in, checked against ``size``."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"reshape: shape={shape!r} must be an int or a sequence of ints") from None
    unknown = [a for a, n in enumerate(dims) if n < 0]
    if len(unknown) > 1:
        raise ValueError(f"reshape: shape={dims}: can only specify one unknown dimension")
    known = math.prod(n for n in dims if n >= 0)
    text = "(" + ",".join("newaxis" if n < 0 else str(n) for n in dims) + ("," if len(dims) == 1
                                                                            else "") + ")"
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {text}")
        dims = tuple(size // known if n < 0 else n for n in dims)
    elif known != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {text}")
    return dims


def _groups(ins: Sequence[int], outs: Sequence[int]) -> list[tuple[list[int], list[int]]]:
    """The smallest runs of input and output axes (all longer than 1) with equal products.

    >>> _groups([6, 4, 5], [2, 3, 20])
    [([0], [0, 1]), ([1, 2], [2])]
    """
    groups, i, o = [], 0, 0
    while i < len(ins):
        run_in, run_out, p_in, p_out = [i], [o], ins[i], outs[o]
        i, o = i + 1, o + 1
        while p_in != p_out:
            if p_in < p_out:
                run_in.append(i)
                p_in, i = p_in * ins[i], i + 1
            else:
                run_out.append(o)
                p_out, o = p_out * outs[o], o + 1
        groups.append((run_in, run_out))
    return groups


def _leading_chunks(sizes: tuple[int, ...], multiple: int) -> tuple[int, ...]:
    """``sizes`` with every boundary moved to the nearest multiple of ``multiple``.

    >>> _leading_chunks((3, 3, 4), 2)
    (4, 2, 4)
    """
    cuts = sorted({(b + multiple // 2) // multiple * multiple for b in chunk_boundaries(sizes)})
    return tuple(hi - lo for lo, hi in zip(cuts[:-1], cuts[1:]))


def _regular(n: int, size: int) -> tuple[int, ...]:
    return (size,) * (n // size) + ((n % size,) if n % size else ())


def _reshape_plan(chunks: Chunks, shape: tuple[int, ...], new: tuple[int, ...]) -> Any:
    """Input chunks, and per axis the index letters and output chunks, of a C-order reshape.

    Axes are matched in groups with equal products. A group of one axis to one axis keeps its
    chunks. Otherwise only the leading axis of the group stays chunked (the others become one
    block), at boundaries that are whole rows of both the input and the output group, so each
    block is a contiguous run of the group in C order and reshapes on its own. The leading
    blocks keep their boundaries (moved to the nearest whole rows) when the other axes already
    are one block; otherwise they shrink so blocks hold about as many elements as before.
    """
    ins = [a for a, n in enumerate(shape) if n != 1]
    outs = [o for o, n in enumerate(new) if n != 1]
    target: list[tuple[int, ...]] = [(n,) for n in shape]
    out_chunks: list[tuple[int, ...]] = [(n,) for n in new]
    in_ind: list[Any] = [("in", a) for a in range(len(shape))]
    out_ind: list[Any] = [("out", o) for o in range(len(new))]
    for g, (run_in, run_out) in enumerate(_groups([shape[a] for a in ins],
                                                   [new[o] for o in outs])):
        axes_in, axes_out = [ins[i] for i in run_in], [outs[o] for o in run_out]
        lead = chunks[axes_in[0]]
        if len(axes_in) == 1 and len(axes_out) == 1:
            target[axes_in[0]] = out_chunks[axes_out[0]] = lead
        else:
            rows_in = math.prod(shape[a] for a in axes_in[1:])
            rows_out = math.prod(new[o] for o in axes_out[1:])
            multiple = math.lcm(rows_in, rows_out) // rows_in
            if any(len(chunks[a]) > 1 for a in axes_in[1:]):
                # Trailing axes are merged into whole blocks: make the leading blocks shorter so
                # that blocks hold about as many elements as before.
                per_block = math.prod(max(chunks[a]) for a in axes_in) // rows_in
                lead = _regular(shape[axes_in[0]], max(1, per_block // multiple) * multiple)
            else:
                lead = _leading_chunks(lead, multiple)
            target[axes_in[0]] = lead
            out_chunks[axes_out[0]] = tuple(s * rows_in // rows_out for s in lead)
        in_ind[axes_in[0]] = out_ind[axes_out[0]] = ("group", g)
    return tuple(target), in_ind, out_ind, out_chunks


def reshape(a: Any, /, shape: Any = None, order: str = "C", *, copy: bool | None = None
            ) -> ChunkedArray:
    """The same elements in a new shape, read and written in C order, like ``numpy.reshape``.

    One dimension may be ``-1`` (inferred). Only the axes whose lengths change are rechunked, and
    only when their blocks are not already whole rows of the new shape.

    >>> import chunkarray as ca
    >>> x = ca.arange(12, chunks=4)
    >>> y = reshape(x, (3, -1))
    >>> y.chunks
    ((1, 1, 1), (4,))
    >>> y.compute()
    array([[ 0,  1,  2,  3],
           [ 4,  5,  6,  7],
           [ 8,  9, 10, 11]])
    """
    x = _as_chunked(a)
    if order != "C":
        raise ValueError(f"reshape: order={order!r} is not supported; only 'C'")
    if shape is None:
        raise TypeError("reshape: shape is required, got None")
    require_known_chunks(x, "reshape")
    new = _new_shape(shape, x.size)
    if new == x.shape:
        return x
    if x.size == 0:  # no values to move: any chunking of the new shape will do
        return empty(new, x.dtype, chunks=-1)
    target, in_ind, out_ind, out_chunks = _reshape_plan(x.chunks, x.shape, new)
    y = rechunk(x, target)
    node = blockwise_node(
        _reshape_block, tuple(out_ind), y._node, tuple(in_ind), dtype=x.dtype,
        new_axes={letter: new[o] for o, letter in enumerate(out_ind) if letter[0] == "out"},
        adjust_chunks={letter: out_chunks[o] for o, letter in enumerate(out_ind)
                       if letter[0] == "group"},
        concatenate=True, name="reshape-" + tokenize(y.name, new),
    )
    return _with_block_shapes(node)


def ravel(a: Any, /, order: str = "C") -> ChunkedArray:
    """The elements as a 1-d array in C order, like ``numpy.ravel``.

    >>> import chunkarray as ca
    >>> ravel(ca.ones((2, 3), chunks=(1, 3))).chunks
    ((3, 3),)
    """
    return reshape(a, (-1,), order)


# --- axes ----------------------------------------------------------------------------------------


def moveaxis(a: Any, /, source: Any, destination: Any) -> ChunkedArray:
    """Move axes to new positions, the others keeping their order, like ``numpy.moveaxis``.

    >>> import chunkarray as ca
    >>> moveaxis(ca.ones((2, 3, 4), chunks=2), 0, -1).shape
    (3, 4, 2)
    """
    x = _as_chunked(a)
    source = normalize_axis_tuple(source, x.ndim, "source")
    destination = normalize_axis_tuple(destination, x.ndim, "destination")
    if len(source) != len(destination):
        raise ValueError(f"moveaxis: source={source} and destination={destination} must have "
                         f"the same number of elements")
    order = [n for n in range(x.ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose(x, order)


def swapaxes(a: Any, /, axis1: int, axis2: int) -> ChunkedArray:
    """Interchange two axes, like ``numpy.swapaxes``.

    >>> import chunkarray as ca
    >>> swapaxes(ca.ones((2, 3, 4), chunks=2), 0, 2).shape
    (4, 3, 2)
    """
    x = _as_chunked(a)
    axis1, axis2 = normalize_axis_index(axis1, x.ndim), normalize_axis_index(axis2, x.ndim)
    perm = list(range(x.ndim))
    perm[axis1], perm[axis2] = axis2, axis1
    return transpose(x, perm)


def squeeze(a: Any, /, axis: Any = None) -> ChunkedArray:
    """Remove length-one axes (all of them, or those in ``axis``), like ``numpy.squeeze``.

    >>> import chunkarray as ca
    >>> squeeze(ca.ones((1, 3, 1), chunks=2)).shape
    (3,)
    >>> squeeze(ca.ones((1, 3, 1), chunks=2), axis=0).shape
    (3, 1)
    """
    x = _as_chunked(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = normalize_axis_tuple(axis, x.ndim)
        wrong = [i for i in axes if x.shape[i] != 1]
        if wrong:
            raise ValueError(
                f"cannot select an axis to squeeze out which has size not equal to one: "
                f"squeeze axis={axis!r} of an array of shape {x.shape}; axis {wrong[0]} has length "
                f"{x.shape[wrong[0]]}, only axes of length one are allowed")
    if not axes:
        return x
    return getitem(x, tuple(0 if i in axes else slice(None) for i in range(x.ndim)))


def expand_dims(a: Any, /, axis: Any) -> ChunkedArray:
    """Insert length-one axes at the positions ``axis`` of the result, like ``numpy.expand_dims``.

    >>> import chunkarray as ca
    >>> expand_dims(ca.ones((2, 3), chunks=2), (0, -1)).shape
    (1, 2, 3, 1)
    """
    x = _as_chunked(a)
    count = len(axis) if isinstance(axis, (tuple, list)) else 1
    axes = normalize_axis_tuple(axis, x.ndim + count)
    return getitem(x, tuple(None if i in axes else slice(None) for i in range(x.ndim + count)))


# --- broadcasting --------------------------------------------------------------------------------


def broadcast_to(array: Any, /, shape: Any, subok: bool = False) -> ChunkedArray:
    """A read-only view of the array broadcast to ``shape``, like ``numpy.broadcast_to``.

    Stretched and new axes are one block each.

    >>> import chunkarray as ca
    >>> broadcast_to(ca.arange(3, chunks=2), (2, 3)).compute()
    array([[0, 1, 2],
           [0, 1, 2]])
    """
    x = _as_chunked(array)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    # NumPy's own check and message, on a stand-in of x's shape that holds one byte.
    stand_in = np.broadcast_to(np.empty((), np.int8), x.shape)
    shape = np.broadcast_to(stand_in, shape).shape
    if shape == x.shape:
        return x
    lead = len(shape) - x.ndim
    in_ind = tuple(lead + a if n == shape[lead + a] else ("in", a) for a, n in enumerate(x.shape))
    out_ind = tuple(o if o in in_ind else ("new", o) for o in range(len(shape)))
    node = blockwise_node(
        _broadcast_block, out_ind, x._node, in_ind, dtype=x.dtype, concatenate=True,
        new_axes={letter: shape[o] for o, letter in enumerate(out_ind) if letter not in in_ind},
        name="broadcast_to-" + tokenize(x.name, shape),
    )
    return _with_block_shapes(node)


def broadcast_arrays(*args: Any, subok: bool = False) -> tuple[ChunkedArray, ...]:
    """The arrays broadcast against each other, like ``numpy.broadcast_arrays``.

    >>> import chunkarray as ca
    >>> [x.shape for x in broadcast_arrays(ca.ones((2, 1), chunks=1), ca.ones(3, chunks=2))]
    [(2, 3), (2, 3)]
    """
    arrays = [_as_chunked(a) for a in args]
    shape = np.broadcast_shapes(*(x.shape for x in arrays))
    return tuple(broadcast_to(x, shape) for x in arrays)


# --- joining -------------------------------------------------------------------------------------


def _arrays(arrays: Any, func: str) -> list[ChunkedArray]:
    if isinstance(arrays, (ChunkedArray, np.ndarray)):  # a sequence of its subarrays, as NumPy
        arrays = [arrays[i] for i in range(len(arrays))] if arrays.ndim else [arrays]  # type: ignore[index]
    try:
        items = list(arrays)
    except TypeError:
        raise TypeError(f"{func}: arrays must be a sequence of arrays, got "
                        f"{type(arrays).__name__}") from None
    if not items:
        raise ValueError(f"need at least one array to {func}")
    return [_as_chunked(a) for a in items]


def _result_dtype(xs: list[ChunkedArray], dtype: Any, casting: str) -> np.dtype:
    result = np.result_type(*(x.dtype for x in xs)) if dtype is None else np.dtype(dtype)
    for x in xs:
        if not np.can_cast(x.dtype, result, casting=casting):  # type: ignore[arg-type]
            raise TypeError(f"Cannot cast array data from {x.dtype!r} to {result!r} according "
                            f"to the rule {casting!r}")
    return result


def _check_joinable(xs: list[ChunkedArray], axis: int) -> None:
    first = xs[0]
    for i, x in enumerate(xs[1:], start=1):
        if x.ndim != first.ndim:
            raise ValueError(
                f"all the input arrays must have same number of dimensions, but the array at "
                f"index 0 has {first.ndim} dimension(s) and the array at index {i} has "
                f"{x.ndim} dimension(s)")
        for d, (m, n) in enumerate(zip(first.shape, x.shape)):
            if d != axis and m != n:
                raise ValueError(
                    f"all the input array dimensions except for the concatenation axis must "
                    f"match exactly, but along dimension {d}, the array at index 0 has size {m} "
                    f"and the array at index {i} has size {n}")


def concatenate(arrays: Any, /, axis: int | None = 0, out: Any = None, *, dtype: Any = None,
                casting: str = "same_kind") -> ChunkedArray:
    """Join arrays along an existing axis (flattened first with ``axis=None``), like
    ``numpy.concatenate``; the dtype is NumPy's promotion of theirs unless ``dtype`` is given.

    Blocks are laid end to end, not copied; the other axes are aligned to common blocks.

    >>> import chunkarray as ca
    >>> x = concatenate([ca.arange(3, chunks=2), ca.ones(2, chunks=2)])
    >>> x.chunks, x.dtype
    (((2, 1, 2),), dtype('float64'))
    >>> x.compute()
    array([0., 1., 2., 1., 1.])
    """
    if out is not None:
        raise TypeError("concatenate: out= is not supported on chunked arrays; got an out array")
    xs = _arrays(arrays, "concatenate")
    if axis is None:
        xs, axis = [ravel(x) for x in xs], 0
    if any(x.ndim == 0 for x in xs):
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis_index(axis, xs[0].ndim)
    _check_joinable(xs, axis)
    result = _result_dtype(xs, dtype, casting)
    for x in xs:
        require_known_chunks(x, "concatenate")
    common = [() if d == axis else common_refinement(*(x.chunks[d] for x in xs))
              for d in range(xs[0].ndim)]
    kept = [x for x in xs if x.shape[axis]] or xs[:1]  # empty pieces add no blocks
    nodes = []
    for x in kept:
        x = x if x.dtype == result else astype(x, result)
        nodes.append(rechunk(x, tuple(x.chunks[d] if d == axis else c
                                      for d, c in enumerate(common)))._node)
    if len(nodes) == 1:
        return ChunkedArray(nodes[0])
    return ChunkedArray(Concatenate(nodes, axis, result))


def stack(arrays: Any, /, axis: int = 0, out: Any = None, *, dtype: Any = None,
          casting: str = "same_kind") -> ChunkedArray:
    """Join arrays of one shape along a new axis, like ``numpy.stack``.

    >>> import chunkarray as ca
    >>> stack([ca.ones(3, chunks=2), ca.zeros(3, chunks=2)], axis=1).shape
    (3, 2)
    """
    if out is not None:
        raise TypeError("stack: out= is not supported on chunked arrays; got an out array")
    xs = _arrays(arrays, "stack")
    if len({x.shape for x in xs}) != 1:
        raise ValueError(f"all input arrays must have the same shape, got shapes "
                         f"{[x.shape for x in xs]}")
    axis = normalize_axis_index(axis, xs[0].ndim + 1)
    return concatenate([expand_dims(x, axis) for x in xs], axis, dtype=dtype, casting=casting)


def _block_depth(item: Any, where: str) -> int:
    """Nesting depth of a list of lists of arrays, checked as ``numpy.block`` checks it."""
    if type(item) is tuple:
        raise TypeError(f"{where} is a tuple. Only lists can be used to arrange blocks, and "
                        f"np.block does not allow implicit conversion from tuple to ndarray.")
    if type(item) is not list:
        return 0
    if not item:
        raise ValueError(f"List at {where} cannot be empty")
    depths = [_block_depth(sub, f"{where}[{i}]") for i, sub in enumerate(item)]
    if len(set(depths)) != 1:
        raise ValueError(f"List depths are mismatched. First element was at depth "
                         f"{depths[0] + 1}, but there is an element at depth "
                         f"{min(depths) + 1} ({where})")
    return depths[0] + 1


def block(arrays: Any, /) -> ChunkedArray:
    """Assemble an array from nested lists of blocks, like ``numpy.block``.

    The innermost lists are joined along the last axis, the next along the one before, and so
    on; arrays with fewer axes get leading length-one axes.

    >>> import chunkarray as ca
    >>> a = ca.ones((2, 2), chunks=1)
    >>> block([[a, ca.zeros((2, 1), chunks=1)], [ca.zeros((1, 3), chunks=1)]]).compute()
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 0.]])
    """
    depth = _block_depth(arrays, "arrays")

    def leaves(item: Any, level: int) -> Any:
        if level == depth:
            return _as_chunked(item)
        return [leaves(sub, level + 1) for sub in item]

    tree = leaves(arrays, 0)
    flat: list[ChunkedArray] = []

    def collect(item: Any, level: int) -> None:
        if level == depth:
            flat.append(item)
        else:
            for sub in item:
                collect(sub, level + 1)

    collect(tree, 0)
    ndim = max(depth, *(x.ndim for x in flat))

    def build(item: Any, level: int) -> ChunkedArray:
        if level == depth:
            return getitem(item, (None,) * (ndim - item.ndim)) if item.ndim < ndim else item
        return concatenate([build(sub, level + 1) for sub in item], axis=level - depth)

    return build(tree, 0)


# --- reordering ----------------------------------------------------------------------------------


def flip(m: Any, /, axis: Any = None) -> ChunkedArray:
    """Reverse the order of elements along ``axis`` (all axes by default), like ``numpy.flip``.

    >>> import chunkarray as ca
    >>> flip(ca.arange(5, chunks=2)).compute()
    array([4, 3, 2, 1, 0])
    """
    x = _as_chunked(m)
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim)
    if not axes:
        return x
    return getitem(x, tuple(slice(None, None, -1) if i in axes else slice(None)
                            for i in range(x.ndim)))


def roll(a: Any, /, shift: Any, axis: Any = None) -> ChunkedArray:
    """Shift elements along axes, those leaving one end re-entering at the other, like
    ``numpy.roll``; with ``axis=None`` the array is rolled flattened and its shape restored.

    >>> import chunkarray as ca
    >>> roll(ca.arange(5, chunks=2), 2).compute()
    array([3, 4, 0, 1, 2])
    """
    x = _as_chunked(a)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), x.shape)
    axes = normalize_axis_tuple(axis, x.ndim, allow_duplicate=True)
    pairs = np.broadcast(shift, axes if isinstance(axis, (tuple, list)) else axes[0])
    if pairs.ndim > 1:
        raise ValueError(f"roll: shift={shift!r} and axis={axis!r} should be scalars or 1D "
                         f"sequences")
    total: dict[int, int] = defaultdict(int)
    for s, ax in pairs:
        total[int(ax)] += operator.index(s)
    for ax, s in total.items():
        n = x.shape[ax]
        if n == 0 or s % n == 0:
            continue
        cut = n - s % n
        x = concatenate([getitem(x, _along(x.ndim, ax, slice(cut, None))),
                         getitem(x, _along(x.ndim, ax, slice(None, cut)))], axis=ax)
    return x


# --- padding -------------------------------------------------------------------------------------

_PAD_OPTIONS = {"constant": {"constant_values"}, "edge": set(), "reflect": {"reflect_type"},
                "wrap": set()}


def _runs(lo: int, hi: int, n: int, mode: str) -> list[slice]:
    """Slices of an axis of length ``n`` that give positions ``lo..hi`` of its reflected or
    wrapped extension, in order: one slice per pass over the axis.

    >>> _runs(-2, 0, 3, "reflect"), _runs(3, 5, 3, "wrap")
    ([slice(2, 0, -1)], [slice(0, 2, 1)])
    """
    out, j = [], lo
    while j < hi:
        if mode == "wrap":
            m = j % n
            length = min(hi - j, n - m)
            out.append(slice(m, m + length, 1))
        else:
            period = 2 * (n - 1)
            m = j % period
            if m < n - 1:  # going up from index m
                length = min(hi - j, n - 1 - m)
                out.append(slice(m, m + length, 1))
            else:  # coming down from index period - m
                length = min(hi - j, period - m)
                start = period - m
                out.append(slice(start, start - length if start - length >= 0 else None, -1))
        j += length
    return out


def _pad_side(x: ChunkedArray, axis: int, width: int, side: int, mode: str, value: Any
              ) -> list[ChunkedArray]:
    """The pieces that pad ``axis`` by ``width`` before (``side`` 0) or after (1) the array."""
    n = x.shape[axis]
    shape = tuple(width if d == axis else s for d, s in enumerate(x.shape))
    if not width:
        return []
    if mode == "constant":
        chunks = tuple((width,) if d == axis else c for d, c in enumerate(x.chunks))
        return [full(shape, value[side], x.dtype, chunks=chunks)]
    if mode == "edge" or n == 1:  # reflecting a single element repeats it
        edge = slice(0, 1) if side == 0 else slice(n - 1, n)
        return [broadcast_to(getitem(x, _along(x.ndim, axis, edge)), shape)]
    lo, hi = (-width, 0) if side == 0 else (n, n + width)
    return [getitem(x, _along(x.ndim, axis, s)) for s in _runs(lo, hi, n, mode)]


def _pad_axis(x: ChunkedArray, axis: int, before: int, after: int, mode: str, value: Any
              ) -> ChunkedArray:
    parts = [*_pad_side(x, axis, before, 0, mode, value), x,
             *_pad_side(x, axis, after, 1, mode, value)]
    return concatenate(parts, axis) if len(parts) > 1 else x


def _pairs(value: Any, ndim: int, name: str) -> np.ndarray:
    try:
        return np.broadcast_to(np.asarray(value), (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: {name}={value!r} cannot be read as (before, after) pairs for "
                         f"{ndim} axes; give a scalar, a pair, or one pair per axis") from None


def pad(array: Any, /, pad_width: Any, mode: str = "constant", **kwargs: Any) -> ChunkedArray:
    """Pad an array, like ``numpy.pad``, in modes ``constant``, ``edge``, ``reflect`` and ``wrap``.

    ``pad_width`` is an int, a ``(before, after)`` pair, one pair per axis, or a dict from axis
    to an int or a pair.

    >>> import chunkarray as ca
    >>> pad(ca.arange(4, chunks=2), (2, 1), mode="reflect").compute()
    array([2, 1, 0, 1, 2, 3, 2])
    """
    x = _as_chunked(array)
    if mode not in _PAD_OPTIONS:
        raise ValueError(f"pad: mode={mode!r} is not supported; allowed: "
                         f"{', '.join(map(repr, _PAD_OPTIONS))}")
    unsupported = set(kwargs) - _PAD_OPTIONS[mode]
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode {mode!r}: {unsupported}")
    if kwargs.get("reflect_type", "even") != "even":
        raise ValueError(f"pad: reflect_type={kwargs['reflect_type']!r} is not supported; "
                         f"only 'even'")
    if isinstance(pad_width, dict):  # {axis: width or (before, after)}, as NumPy 2.3 takes
        per_axis = [(0, 0)] * x.ndim
        for axis, width in pad_width.items():
            per_axis[normalize_axis_index(axis, x.ndim)] = (
                (width, width) if isinstance(width, (int, np.integer)) else tuple(width))
        pad_width = per_axis
    widths = np.asarray(pad_width)
    if widths.dtype.kind != "i":
        raise TypeError("`pad_width` must be of integral type.")
    if (widths < 0).any():
        raise ValueError(f"index can't contain negative values: pad_width={pad_width!r}")
    values = _pairs(kwargs.get("constant_values", 0), x.ndim, "constant_values")
    if x.ndim == 0:  # nothing to pad, whatever the widths (as NumPy)
        return x
    widths = _pairs(widths.astype(np.int64), x.ndim, "pad_width")
    for axis, (before, after) in enumerate(widths.tolist()):
        if mode != "constant" and x.shape[axis] == 0 and (before or after):
            raise ValueError(f"can't extend empty axis {axis} using modes other than "
                             f"'constant' or 'empty'")
        if before or after:
            x = _pad_axis(x, axis, before, after, mode, values[axis])
    return x


# --- repeating -----------------------------------------------------------------------------------


def repeat(a: Any, /, repeats: Any, axis: int | None = None) -> ChunkedArray:
    """Repeat each element along ``axis`` (the flattened array by default), like ``numpy.repeat``.

    ``repeats`` is one count for every element, or a 1-D sequence or NumPy array of counts, one per
    element along the axis (a single count broadcasts). The counts are known when the graph is
    built, so the output's chunks are too: output block ``j`` has as many elements along the
    axis as the counts of input block ``j`` add up to.

    >>> import chunkarray as ca
    >>> repeat(ca.arange(3, chunks=2), 2).compute()
    array([0, 0, 1, 1, 2, 2])
    >>> repeat(ca.arange(3, chunks=2), [1, 0, 3]).compute()
    array([0, 2, 2, 2])
    """
    x = _as_chunked(a)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis_index(axis, x.ndim)
    counts = _repeat_counts(repeats, x, axis)
    if counts.ndim == 1 and counts.size and (counts == counts[0]).all():
        counts = counts[0]  # one count for all: the cheaper, fusable path
    if counts.ndim == 0:
        return _repeat_each(x, int(counts), axis)
    return _repeat_per_element(x, counts, axis)


def _repeat_counts(repeats: Any, x: ChunkedArray, axis: int) -> np.ndarray:
    """``repeats`` as 0-d or 1-D intp counts, checked in NumPy's order and with NumPy's errors."""
    if isinstance(repeats, ChunkedArray):
        # The output's chunk sizes depend on the counts' values, which a lazy array does not have.
        raise TypeError(f"repeat: repeats must be an int or a NumPy array of counts, got a "
                        f"chunked array {repeats!r}; pass repeats.compute() instead")
    counts = np.asarray(repeats)
    if counts.ndim > 1:
        raise ValueError(f"repeat: repeats must be an int or a 1-D sequence of counts, got "
                         f"{counts.ndim} dimensions (shape {counts.shape})")
    if counts.ndim == 1 and counts.size != 1:
        require_known_chunks(x, "repeat with one count per element", [axis])
        if counts.size != x.shape[axis]:
            raise ValueError(f"operands could not be broadcast together with shape "
                             f"({x.shape[axis]},) ({counts.size},)")
    if not _integral_counts(repeats, counts):
        raise TypeError(f"Cannot cast array data from {counts.dtype!r} to "
                        f"{np.dtype(np.intp)!r} according to the rule 'safe'")
    counts = counts.astype(np.intp)
    if (counts < 0).any():
        raise ValueError(f"repeats may not contain negative values, got repeats={repeats!r}")
    return counts.reshape(()) if counts.size == 1 else counts


def _integral_counts(repeats: Any, counts: np.ndarray) -> bool:
    """Whether ``counts`` may be used as intp counts.

    A NumPy array must cast safely, as in NumPy. NumPy truncates Python floats (``1.5`` counts
    as 1); here a Python int, float or list is accepted only when its values are whole numbers,
    so ``[1.0, 2.0]`` and ``[]`` work as in NumPy but ``1.5`` is refused rather than truncated.
    """
    if np.can_cast(counts.dtype, np.intp, casting="safe"):
        return True
    if isinstance(repeats, np.ndarray):
        return False
    if counts.dtype.kind in "iu":  # e.g. np.uint64(2): NumPy takes integer scalars by value
        return True
    return counts.dtype.kind == "f" and bool(np.all(np.isfinite(counts) & (counts % 1 == 0)))


def _repeat_each(x: ChunkedArray, r: int, axis: int) -> ChunkedArray:
    """Every element ``r`` times: each block's length along the axis is multiplied by ``r``."""
    if r == 0:
        return getitem(x, _along(x.ndim, axis, slice(0, 0)))
    if r == 1:
        return x
    ind = tuple(range(x.ndim))
    return ChunkedArray(blockwise_node(
        partial(np.repeat, repeats=r, axis=axis), ind, x._node, ind, dtype=x.dtype,
        adjust_chunks={axis: partial(operator.mul, r)}, name="repeat-" + tokenize(x.name, r, axis),
    ))


def _repeat_per_element(x: ChunkedArray, counts: np.ndarray, axis: int) -> ChunkedArray:
    """One count per element: block ``j`` repeats its elements by its own slice of ``counts``."""
    bounds = chunk_boundaries(x.chunks[axis])
    per_block = tuple(counts[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:]))
    ind = tuple(range(x.ndim))
    # Hash the counts themselves (tokenize names large arrays by address): the same repeat built
    # twice is the same node.
    digest = hashlib.blake2b(counts.tobytes(), digest_size=12).hexdigest()
    node = blockwise_node(
        partial(np.repeat, axis=axis), ind, x._node, ind, dtype=x.dtype,
        adjust_chunks={axis: tuple(int(c.sum()) for c in per_block)},
        name="repeat-" + tokenize(x.name, digest, axis),
        block_kwargs=lambda index: {"repeats": per_block[index[axis]]},
    )
    return ChunkedArray(node)


def tile(A: Any, /, reps: Any) -> ChunkedArray:  # noqa: N803 - NumPy's name
    """The array repeated ``reps`` times along each axis, like ``numpy.tile``.

    >>> import chunkarray as ca
    >>> tile(ca.arange(3, chunks=2), (2, 2)).compute()
    array([[0, 1, 2, 0, 1, 2],
           [0, 1, 2, 0, 1, 2]])
    """
    x = _as_chunked(A)
    try:
        counts = tuple(operator.index(r) for r in reps)
    except TypeError:
        counts = (operator.index(reps),)
    if any(r < 0 for r in counts):
        raise ValueError(f"negative dimensions are not allowed: reps={reps!r}")
    counts = (1,) * (x.ndim - len(counts)) + counts
    if len(counts) > x.ndim:
        x = getitem(x, (None,) * (len(counts) - x.ndim))
    for axis, r in enumerate(counts):
        if r == 0:
            x = getitem(x, _along(x.ndim, axis, slice(0, 0)))
        elif r > 1:
            x = concatenate([x] * r, axis=axis)
    return x


# --- splitting -----------------------------------------------------------------------------------


def _split(x: ChunkedArray, bounds: Sequence[int], axis: int) -> list[ChunkedArray]:
    return [getitem(x, _along(x.ndim, axis, slice(lo, hi))) for lo, hi in zip(bounds[:-1],
                                                                               bounds[1:])]


def array_split(ary: Any, /, indices_or_sections: Any, axis: int = 0) -> list[ChunkedArray]:
    """Split into ``n`` nearly equal parts (the first ones one longer), or at the given indices,
    like ``numpy.array_split``.

    >>> import chunkarray as ca
    >>> [p.shape for p in array_split(ca.arange(7, chunks=3), 3)]
    [(3,), (2,), (2,)]
    """
    x = _as_chunked(ary)
    axis = normalize_axis_index(axis, x.ndim)
    n = x.shape[axis]
    try:
        indices = [operator.index(i) for i in indices_or_sections]
    except TypeError:
        sections = operator.index(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"number sections must be larger than 0., got "
                             f"indices_or_sections={sections}") from None
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = [0, *np.cumsum(sizes).tolist()]
        return _split(x, [int(b) for b in bounds], axis)
    return _split(x, [0, *indices, n], axis)


def split(ary: Any, /, indices_or_sections: Any, axis: int = 0) -> list[ChunkedArray]:
    """Split into ``n`` equal parts, or at the given indices, like ``numpy.split``.

    >>> import chunkarray as ca
    >>> [p.compute().tolist() for p in split(ca.arange(6, chunks=4), [2, 3])]
    [[0, 1], [2], [3, 4, 5]]
    """
    x = _as_chunked(ary)
    if not hasattr(indices_or_sections, "__len__"):
        sections = operator.index(indices_or_sections)
        n = x.shape[normalize_axis_index(axis, x.ndim)]
        if sections <= 0:
            raise ValueError(f"number sections must be larger than 0., got "
                             f"indices_or_sections={sections}")
        if n % sections:
            raise ValueError(f"array split does not result in an equal division: an axis of "
                             f"length {n} into {sections} sections")
    return array_split(x, indices_or_sections, axis)

