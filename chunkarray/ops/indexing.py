"""``x[index]`` with NumPy's semantics, built as graph rewrites.

- Basic indexing (ints, slices with any step, ``...``, ``None``) is pushed down through
  elementwise steps into the source, so ``(from_array(h5) + 1)[:10]`` reads only those rows.
- An integer (or NumPy boolean) array on one axis is a *take*. Over reads of a source (and
  elementwise steps over such reads) it is pushed into the source like a slice: each output block
  is one task taking its elements from the source (see :mod:`chunkarray.primitives.gather`).
  Over anything else the index is grouped by block, each touched block gives up its elements,
  and the original order is restored in a second stage. Either way the number of tasks grows
  with the blocks, not with the length of the index.
- A NumPy boolean mask over several axes (or a 0-d one, over none) first merges the axes it
  covers into one (:func:`chunkarray.ops.masking.flatten_numpy_masks`), then takes as a 1-d mask.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Hashable, Sequence
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core import config
from chunkarray.core.chunks import Chunks, has_unknown
from chunkarray.core.graph import Node
from chunkarray.core.grid import axis_grid, regular_sizes
from chunkarray.core.tokenize import content_token, tokenize
from chunkarray.ops.masking import flatten_numpy_masks, mask_getitem
from chunkarray.ops.routines import transpose
from chunkarray.optimize.pushdown import Change, push_down
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.gather import SourceTake
from chunkarray.primitives.rechunk import rechunk_source
from chunkarray.primitives.slicing import Slice, slice_axis
from chunkarray.primitives.sources import FromArray
from chunkarray.primitives.take import gather, reorder, take_joined

__all__ = ["getitem"]

Basic = "int | tuple[int, int, int]"  # an int, or (start, stop, step) from slice.indices
_INDEX_HELP = ("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
               "integer or boolean arrays are valid indices")


def getitem(x: ChunkedArray, index: Any) -> ChunkedArray:
    """``x[index]``, lazily.

    >>> import chunkarray as ca, numpy as np
    >>> a = np.arange(20).reshape(4, 5)
    >>> x = ca.from_array(a, chunks=2)
    >>> x[1:, ::-2].compute()
    array([[ 9,  7,  5],
           [14, 12, 10],
           [19, 17, 15]])
    >>> x[[3, 0, 3], 1].compute()
    array([16,  1, 16])
    """
    if isinstance(index, ChunkedArray) or (
            isinstance(index, tuple) and any(isinstance(i, ChunkedArray) for i in index)):
        return mask_getitem(x, index)
    x, index = flatten_numpy_masks(x, index)
    entries, arrays, items = _normalize(index, known_shape(x))
    if len(arrays) > 1:
        raise IndexError(
            "indexing with more than one integer or boolean array is pointwise in NumPy; "
            "chunkarray supports one index array per indexing call"
        )
    basic = [(0, n, 1) if i in arrays else e for i, (e, n) in enumerate(zip(entries, x.shape))]
    out = ChunkedArray(_basic(x._node, basic))
    # Where each axis of the result comes from: an axis of ``out`` (by number) or None (new).
    layout: list[int | None] = []
    for item in items:
        if item is None:
            layout.append(None)
        elif not isinstance(entries[item], int):
            layout.append(sum(1 for e in entries[:item] if not isinstance(e, int)))
    if arrays:
        ((position, idx),) = arrays.items()
        axis = sum(1 for e in entries[:position] if not isinstance(e, int))
        out = _take(out, idx, axis)
        advanced = [i for i, item in enumerate(items)
                    if item is not None and (item == position or isinstance(entries[item], int))]
        if advanced != list(range(advanced[0], advanced[-1] + 1)):
            # NumPy puts the dimension of an index array first when the advanced indices (the
            # array and any ints) are not next to each other.
            layout = [axis, *(a for a in layout if a != axis)]
    order = [a for a in layout if a is not None]
    if order != sorted(order):
        out = transpose(out, order)
    nones = [p for p, a in enumerate(layout) if a is None]
    return _insert_axes(out, nones)


def known_shape(x: ChunkedArray) -> tuple[int | None, ...]:
    """The shape with None for axes of unknown (NaN) length."""
    return tuple(None if has_unknown(c) else n for c, n in zip(x.chunks, x.shape))


def _normalize(index: Any, shape: tuple[int | None, ...]
               ) -> tuple[list[Any], dict[int, np.ndarray], list[int | None]]:
    """Per-axis entries (an int or a ``slice.indices`` triple), the index arrays by axis, and the
    index items in order: an axis number, or None for a new axis.

    An axis of unknown length (None in ``shape``) can only be taken whole (``:``); its entry is
    :data:`_WHOLE`.
    """
    entries: list[Any] = []
    arrays: dict[int, np.ndarray] = {}
    items: list[int | None] = []
    for item in _expand(index, len(shape)):
        if item is None:
            items.append(None)
            continue
        axis = len(entries)
        n = shape[axis]
        items.append(axis)
        if isinstance(item, (list, np.ndarray)) and not _is_scalar_index(item) and n is not None:
            arrays[axis] = _index_array(item, n, axis)
        entries.append(_entry(item, n, axis))
    return entries, arrays, items


def _expand(index: Any, ndim: int) -> list[Any]:
    """The index as a list of one item per axis, plus the ``None`` items: an ellipsis expanded
    and missing trailing axes taken whole."""
    if not isinstance(index, tuple):
        index = (index,)
    if sum(1 for i in index if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 for i in index if i is not None and i is not Ellipsis)
    if used > ndim:
        raise IndexError(
            f"too many indices for array: array is {ndim}-dimensional, but {used} were indexed"
        )
    expanded: list[Any] = []
    for i in index:
        if i is Ellipsis:
            expanded += [slice(None)] * (ndim - used)
        else:
            expanded.append(i)
    return expanded + [slice(None)] * (ndim - sum(1 for i in expanded if i is not None))


def _is_scalar_index(item: Any) -> bool:
    # A 0-d integer array indexes like an int.
    return isinstance(item, np.ndarray) and item.ndim == 0 and item.dtype.kind in "iu"


def _entry(item: Any, n: int | None, axis: int) -> Any:
    """The entry of one index item along an axis of length ``n`` (None: unknown); an index
    array's entry is the whole axis (the array itself is taken apart)."""
    if n is None:
        if not isinstance(item, slice) or item != slice(None):
            raise ValueError(
                f"indexing axis {axis} with {item!r} needs known chunk sizes, but the array "
                f"has unknown (NaN) block sizes on that axis; call x.compute_chunk_sizes() "
                f"first"
            )
        return _WHOLE
    if isinstance(item, slice):
        if item.step == 0:
            raise ValueError("slice step cannot be zero")
        return item.indices(n)
    if isinstance(item, (bool, np.bool_)):
        raise IndexError(f"a bare boolean index is not supported; {_INDEX_HELP}")
    if isinstance(item, (int, np.integer)) or _is_scalar_index(item):
        i = operator.index(item)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
        return i % n
    if isinstance(item, ChunkedArray):
        raise IndexError(
            "indexing with a chunked array needs its values: compute it first "
            "(np.asarray(mask)) and index with the NumPy array"
        )
    if isinstance(item, (list, np.ndarray)):
        return (0, n, 1)
    raise IndexError(f"{_INDEX_HELP}; got {type(item).__name__}")


def _index_array(item: Any, n: int, axis: int) -> np.ndarray:
    """``item`` as an array of non-negative ``intp`` positions, checked against the length ``n``.

    The result is always a copy the caller cannot change later (the take is lazy), and the range
    is checked with ``min``/``max``: whole-array comparisons and ``np.where`` cost ten times
    more on a million-element index.
    """
    idx = np.asarray(item)
    if idx.dtype == bool:
        if idx.ndim != 1 or idx.shape[0] != n:
            raise IndexError(
                f"boolean index did not match indexed array along axis {axis}; size of axis is "
                f"{n} but size of corresponding boolean axis is {idx.shape[0] if idx.ndim else 0}"
            )
        return np.flatnonzero(idx)
    if idx.size == 0:
        idx = idx.astype(np.intp)
    if idx.dtype.kind not in "iu":
        raise IndexError(f"arrays used as indices must be of integer (or boolean) type, "
                         f"got {idx.dtype}")
    if idx.ndim != 1:
        raise IndexError(f"index arrays must be 1-D, got shape {idx.shape}")
    if idx.size == 0:
        return idx.copy()
    low, high = idx.min(), idx.max()
    if low < -n or high >= n:
        bad = low if low < -n else high
        raise IndexError(f"index {int(bad)} is out of bounds for axis {axis} with size {n}")
    out = np.array(idx, dtype=np.intp)  # a copy, and no wider than needed
    if low < 0:
        out[out < 0] += n
    return out


# --- basic indexing ------------------------------------------------------------------------------


# The entry of an axis of unknown length taken whole: the block sizes are not known, so no slice
# triple describes it.
_WHOLE = (0, -1, 0)


def _is_full(entry: Any, n: int) -> bool:
    return entry is _WHOLE or not isinstance(entry, int) and entry == (0, n, 1)


def _basic(node: Node, entries: Sequence[Any]) -> Node:
    """``node`` indexed by ints and slice triples (one per axis), pushed as far down as it goes."""
    pushed = push_down(node, _Select(entries))
    assert pushed is not None  # a selection falls back to slicing the blocks
    return pushed


class _Select(Change):
    """Basic indexing, one entry per axis: an int, or a slice triple (or :data:`_WHOLE`).

    Read from the source where it can be (:func:`_into_source`), else the blocks are sliced.
    """

    def __init__(self, entries: Sequence[Any]) -> None:
        self.entries = entries
        self.dropped = frozenset(a for a, e in enumerate(entries) if isinstance(e, int))

    def leaves(self, node: Node) -> bool:
        return all(_is_full(e, n) for e, n in zip(self.entries, node.shape))

    def for_input(self, ind: tuple[int, ...], broadcast: tuple[bool, ...]) -> Change:
        own = []
        for a, b in zip(ind, broadcast):
            entry = self.entries[a]
            if b:  # a broadcast axis stays so
                entry = 0 if isinstance(entry, int) else (0, 1, 1)
            own.append(entry)
        return _Select(own)

    def at_source(self, node: Node) -> Node:
        if isinstance(node, FromArray):
            pushed = _into_source(node, self.entries)
            if pushed is not None:
                return pushed
        return _slice(node, self.entries)


def _plan(node: Node, entries: Sequence[Any]) -> tuple[list[Any], tuple[tuple[int, ...], ...]]:
    axes: list[Any] = []
    chunks = []
    for entry, sizes in zip(entries, node.chunks):
        if entry is _WHOLE:
            axes.append([(b, slice(None)) for b in range(len(sizes))])
            chunks.append(sizes)
        elif isinstance(entry, int):
            grid = axis_grid(sizes)
            b = grid.block_at(entry)
            axes.append((b, entry - grid.offset(b)))
        else:
            out, pieces = slice_axis(sizes, *entry)
            axes.append(pieces)
            chunks.append(out)
    return axes, tuple(chunks)


def _slice(node: Node, entries: Sequence[Any]) -> Node:
    axes, chunks = _plan(node, entries)
    return Slice(node, axes, chunks)


def _into_source(node: FromArray, entries: Sequence[Any]) -> Node | None:
    """A read of just the indexed part of the source, with blocks that follow the old ones."""
    steps = [e[2] for e in entries if not isinstance(e, int)]
    if not isinstance(node.source, np.ndarray) and any(s != 1 for s in steps):
        return None  # storage libraries read contiguous ranges: slice the blocks after reading
    _, chunks = _plan(node, entries)
    region: list[int | tuple[int, int]] = (
        list(node.region) if node.region is not None else [(0, 1)] * len(node.shape))
    kept = [i for i, r in enumerate(region) if not isinstance(r, int)]
    for axis, entry in zip(kept, entries):
        start, step = region[axis]  # type: ignore[misc]  # a kept axis: a (start, step) pair
        if isinstance(entry, int):
            region[axis] = start + entry * step
        else:
            region[axis] = (start + entry[0] * step, step * entry[2])
    name = "array-" + tokenize(node.name, [repr(e) for e in entries])
    return FromArray(name, node.source, chunks, node.dtype, node.getter, tuple(region),
                     data=node.data)


def _insert_axes(x: ChunkedArray, nones: list[int]) -> ChunkedArray:
    """``x`` with new length-1 axes at positions ``nones`` of the result."""
    if not nones:
        return x
    ndim = x.ndim + len(nones)
    old = [a for a in range(ndim) if a not in nones]
    new_axes: dict[Hashable, int] = {f"new{p}": 1 for p in nones}
    out_ind = tuple(f"new{a}" if a in nones else a for a in range(ndim))
    kernel = partial(np.expand_dims, axis=tuple(nones))
    node = blockwise_node(kernel, out_ind, x._node, tuple(old), dtype=x.dtype, new_axes=new_axes,
                          name="expand-" + tokenize(x.name, nones), masked=x._node.masked)
    return ChunkedArray(node)


# --- take: one index array on one axis ---------------------------------------------------------


def _take(x: ChunkedArray, idx: np.ndarray, axis: int) -> ChunkedArray:
    """``x`` indexed by the integer array ``idx`` along ``axis``.

    A sorted index gives one output block per input block it touches (a mask keeps the blocks
    of ``x``); any other index gives blocks as large as the largest block of ``x``.
    """
    ordered = _is_sorted(idx)
    axis_chunks = _sorted_chunks(idx, x.chunks[axis]) if ordered else \
        regular_sizes(len(idx), max(max(x.chunks[axis]), 1))
    chunks = tuple(axis_chunks if a == axis else c for a, c in enumerate(x.chunks))
    pushed = _take_pushed(x._node, idx, axis, chunks)
    if pushed is not None:
        return ChunkedArray(pushed)
    return _take_gathered(x, idx, axis, ordered)


def _is_sorted(idx: np.ndarray) -> bool:
    """Whether ``idx`` never decreases; a shuffled index is told by its first elements."""
    head = idx[:64]
    if bool(np.any(head[1:] < head[:-1])):
        return False
    return bool(np.all(idx[1:] >= idx[:-1]))


def _sorted_chunks(idx: np.ndarray, sizes: Sequence[int]) -> tuple[int, ...]:
    """How many elements of the sorted ``idx`` fall in each block it touches."""
    counts = np.diff(np.searchsorted(idx, axis_grid(sizes).boundaries))
    return tuple(int(c) for c in counts[counts > 0]) or (0,)


def _take_pushed(node: Node, idx: np.ndarray, axis: int, chunks: Chunks) -> Node | None:
    """``node`` taken at ``idx`` straight from the sources it reads, in blocks of ``chunks``
    (the entry of ``axis`` included), or None where it cannot be (see :class:`_Take`)."""
    return push_down(node, _Take(idx, axis, chunks))


class _Take(Change):
    """``idx`` taken along ``axis``, in blocks of ``chunks``.

    Reads take from their source (:class:`SourceTake`); an elementwise step takes from each
    input instead of its output, so ``(x * 2)[perm]`` reads only the elements it needs and has
    no task that gathers from other tasks. A rechunk that unified an input's blocks is skipped:
    the take makes blocks of any size.
    """

    def __init__(self, idx: np.ndarray, axis: int, chunks: Chunks) -> None:
        self.idx, self.axis, self.chunks = idx, axis, chunks

    def enter(self, node: Node) -> Node:
        return rechunk_source(node)

    def for_input(self, ind: tuple[int, ...], broadcast: tuple[bool, ...]) -> Change | None:
        if self.axis not in ind or broadcast[ind.index(self.axis)]:
            return None  # an input broadcast along the axis is left as it is
        target = tuple((1,) if b else self.chunks[a] for a, b in zip(ind, broadcast))
        return _Take(self.idx, ind.index(self.axis), target)

    def at_source(self, node: Node) -> Node | None:
        if not isinstance(node, FromArray):
            return None
        return _take_from_read(node, self.idx, self.axis, self.chunks)


def _take_from_read(node: FromArray, idx: np.ndarray, axis: int, chunks: Chunks
                    ) -> Node | None:
    """A :class:`SourceTake` of the read ``node``, unless its source is storage and the ranges
    of the output blocks are so spread that reading them would read far more than the blocks
    they touch (then each touched block is read once and gathered from)."""
    if isinstance(node.source, np.ndarray):
        return SourceTake(node, axis, idx, chunks, narrow=False)
    region = node.region[_kept(node.region)[axis]] if node.region is not None else (0, 1)
    if region[1] != 1:  # type: ignore[index]
        return None  # storage reads ranges with step 1 only (see _into_source)
    if len(idx):
        starts = np.asarray(axis_grid(chunks[axis]).boundaries[:-1])
        spans = np.maximum.reduceat(idx, starts) - np.minimum.reduceat(idx, starts) + 1
        row = node.dtype.itemsize * math.prod(
            max(c, default=0) for a, c in enumerate(chunks) if a != axis)
        if int(spans.sum()) > 2 * _touched_length(idx, node.chunks[axis]) + len(idx) \
                or int(spans.max()) * row > config.memory_limit_bytes():
            return None
    return SourceTake(node, axis, idx, chunks, narrow=True)


def _touched_length(idx: np.ndarray, sizes: Sequence[int]) -> int:
    """How much of the axis the blocks holding ``idx`` cover: what gathering block by block
    reads."""
    grid = axis_grid(sizes)
    touched = np.flatnonzero(np.bincount(grid.blocks_at(idx), minlength=grid.nblocks))
    return int(np.asarray(grid.sizes)[touched].sum())


def _kept(region: Sequence[Any]) -> list[int]:
    """The source axes a region keeps (those it does not index with an int)."""
    return [i for i, r in enumerate(region) if not isinstance(r, int)]


def _take_gathered(x: ChunkedArray, idx: np.ndarray, axis: int, ordered: bool) -> ChunkedArray:
    """The take for any node: each touched block gives up its elements, then the original
    order is restored (when ``idx`` is not ``ordered``)."""
    grid = axis_grid(x.chunks[axis])
    blocks = grid.blocks_at(idx)  # on a regular axis, a division rather than a search
    if ordered:
        order, grouped, by_block = None, idx, blocks
    else:
        joined = _join_touched(x, idx, blocks, axis)
        if joined is not None:
            return ChunkedArray(joined)
        # Group the index by block; a stable sort of small block numbers is a radix sort, O(n).
        small = blocks.astype(np.uint16) if grid.nblocks < 2**16 else blocks
        order = np.argsort(small, kind="stable")
        grouped, by_block = idx[order], blocks[order]
    counts = np.bincount(by_block, minlength=grid.nblocks)
    gathered = gather("take-" + tokenize(x.name, content_token(idx), axis), x._node, axis, grouped,
                      counts)
    if order is None:
        return ChunkedArray(gathered)  # already in order: the gathered pieces are the result
    row = math.prod(s for a, s in enumerate(x.shape) if a != axis)
    whole = len(idx) * row * x.dtype.itemsize <= config.memory_limit_bytes()
    target = max(max(x.chunks[axis]), 1)
    return ChunkedArray(reorder(gathered, order, axis, target, whole=whole))


def _join_touched(x: ChunkedArray, idx: np.ndarray, blocks: np.ndarray, axis: int
                  ) -> Node | None:
    """``x`` taken at ``idx`` by joining the blocks it touches and taking each output block
    from the join, when those blocks fit in the memory limit together (else None).

    No sorting or grouping of the index is needed, which on a shuffled index of a million
    elements costs far more than the take itself.
    """
    sizes = np.asarray(x.chunks[axis])
    counts = np.bincount(blocks, minlength=len(sizes))
    touched = np.flatnonzero(counts)
    row = math.prod(max(c, default=0) for a, c in enumerate(x.chunks) if a != axis)
    held = int(sizes[touched].sum()) * row * x.dtype.itemsize
    if not held <= config.memory_limit_bytes():  # NaN sizes: no
        return None
    positions = idx
    if 0 < len(touched) < len(sizes):  # positions in the join of just the touched blocks
        grid = axis_grid(x.chunks[axis])
        joined = axis_grid(tuple(x.chunks[axis][b] for b in touched.tolist()))
        shift = np.zeros(len(sizes), dtype=np.intp)
        shift[touched] = np.asarray(grid.boundaries[:-1])[touched] - joined.boundaries[:-1]
        positions = idx - shift[blocks]
    out = regular_sizes(len(idx), max(max(x.chunks[axis]), 1))
    return take_joined(x._node, axis, touched, positions, out)
