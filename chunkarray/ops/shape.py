"""Shape manipulation that keeps the elements in order: reshape, ravel, moving and adding axes,
broadcasting.

Built from blockwise (``reshape``, ``broadcast_to``), rechunk and basic indexing (``squeeze``,
``expand_dims``). Graph building is O(blocks per axis).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.chunks import Chunks, chunk_boundaries, has_unknown
from chunkarray.core.grid import regular_sizes
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels.shape import broadcast_block, reshape_block
from chunkarray.ops.creation import asarray, empty
from chunkarray.ops.indexing import getitem
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.routines import transpose
from chunkarray.primitives.blockwise import Blockwise, blockwise_node, with_block_kwargs

__all__ = [
    "broadcast_arrays", "broadcast_to", "expand_dims", "moveaxis", "ravel", "reshape", "squeeze",
    "swapaxes",
]


def _as_chunked(a: Any) -> ChunkedArray:
    """Chunked arrays pass; anything else NumPy accepts becomes one block."""
    return a if isinstance(a, ChunkedArray) else asarray(a, chunks=-1)


def _along(ndim: int, axis: int, entry: Any) -> tuple[Any, ...]:
    """An index that applies ``entry`` to ``axis`` and takes everything elsewhere."""
    return (slice(None),) * axis + (entry,) + (slice(None),) * (ndim - axis - 1)


def _with_block_shapes(node: Blockwise) -> ChunkedArray:
    # Each block's kernel gets its own output shape, known from the node's chunks.
    return ChunkedArray(with_block_kwargs(node, _block_shapes))


def _block_shapes(node: Blockwise) -> Callable[[tuple[int, ...]], dict[str, Any]]:
    chunks = node.chunks
    return lambda index: {"shape": tuple(c[i] for c, i in zip(chunks, index))}


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
                lead = regular_sizes(shape[axes_in[0]], max(1, per_block // multiple) * multiple)
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
    if x.size == 0 and x._node.masked:
        return _reshape_empty_masked(x, new)
    if x.size == 0:  # no values to move: any chunking of the new shape will do
        return empty(new, x.dtype, chunks=-1)
    target, in_ind, out_ind, out_chunks = _reshape_plan(x.chunks, x.shape, new)
    y = rechunk(x, target)
    node = blockwise_node(
        reshape_block, tuple(out_ind), y._node, tuple(in_ind), dtype=x.dtype,
        new_axes={letter: new[o] for o, letter in enumerate(out_ind) if letter[0] == "out"},
        adjust_chunks={letter: out_chunks[o] for o, letter in enumerate(out_ind)
                       if letter[0] == "group"},
        concatenate=True, name="reshape-" + tokenize(y.name, new), masked=x._node.masked,
    )
    return _with_block_shapes(node)


def _reshape_empty_masked(x: ChunkedArray, new: tuple[int, ...]) -> ChunkedArray:
    """An empty masked array reshaped as one block: numpy.ma's (its fill value is kept)."""
    y = rechunk(x, -1)
    in_ind = tuple(("in", a) for a in range(x.ndim))
    out_ind = tuple(("out", a) for a in range(len(new)))
    return ChunkedArray(blockwise_node(
        partial(reshape_block, shape=new), out_ind, y._node, in_ind, dtype=x.dtype,
        new_axes=dict(zip(out_ind, new)), concatenate=True, masked=True,
        name="reshape-" + tokenize(y.name, new)))


def ravel(a: Any, /, order: str = "C") -> ChunkedArray:
    """The elements as a 1-d array in C order, like ``numpy.ravel``.

    >>> import chunkarray as ca
    >>> ravel(ca.ones((2, 3), chunks=(1, 3))).chunks
    ((3, 3),)
    """
    x = _as_chunked(a)
    if order == "C" and any(map(has_unknown, x.chunks)):
        return _ravel_unknown(x)
    return reshape(x, (-1,), order)


def _ravel_unknown(x: ChunkedArray) -> ChunkedArray:
    """The C-order ravel of an array whose unknown (NaN) sizes are all on its first axis: with
    the other axes one block each, the blocks' ravels follow each other in C order, as in dask.
    """
    require_known_chunks(x, "ravel", range(1, x.ndim))
    if x.ndim == 1:
        return x
    y = rechunk(x, {a: -1 for a in range(1, x.ndim)})
    node = blockwise_node(np.ravel, (0,), y._node, tuple(range(x.ndim)), dtype=x.dtype,
                          adjust_chunks={0: (math.nan,) * y.numblocks[0]}, concatenate=True,
                          name="ravel-" + tokenize(y.name), masked=x._node.masked)
    return ChunkedArray(node)


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
        broadcast_block, out_ind, x._node, in_ind, dtype=x.dtype, concatenate=True,
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
