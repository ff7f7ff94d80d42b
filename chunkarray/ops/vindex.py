"""``x.vindex[i, j]``: pointwise indexing with several integer arrays, as dask's ``vindex``.

The index arrays are broadcast together to the *points*; the result has the broadcast shape of the
index followed by the axes the index leaves (sliced or untouched), whatever the positions of the
arrays. Like `indexing._take`, the points are grouped by the block they fall in,
each touched block gives up its points in one task, and a second stage puts them in order, so the
number of tasks grows with the blocks touched, not with the number of points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.chunks import chunk_boundaries
from chunkarray.core.graph import Key, Node
from chunkarray.core.tokenize import tokenize
from chunkarray.ops.indexing import getitem
from chunkarray.ops.routines import transpose

__all__ = ["VIndexer", "vindex"]


class VIndexer:
    """``x.vindex``: index it with ``[...]`` for pointwise indexing."""

    __slots__ = ("array",)

    def __init__(self, array: ChunkedArray) -> None:
        self.array = array

    def __getitem__(self, index: Any) -> ChunkedArray:
        return vindex(self.array, index)


def vindex(x: ChunkedArray, index: Any) -> ChunkedArray:
    """The points ``x[idx0[k], idx1[k], ...]`` for every ``k`` of the broadcast index arrays.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.arange(20).reshape(4, 5), chunks=2)
    >>> vindex(x, ([0, 3, 1], [4, 0, 1])).compute()
    array([ 4, 15,  6])
    >>> vindex(x, (slice(None), [[0, 4]])).shape  # the points' shape comes first
    (1, 2, 4)
    """
    entries = _expand(index, x.ndim)
    points = {a: e for a, e in enumerate(entries) if not isinstance(e, slice)}
    if not points:
        raise IndexError(f"vindex needs at least one integer array, got {index!r}; use x[...]")
    require_known_chunks(x, "vindex")
    x = getitem(x, tuple(slice(None) if a in points else e for a, e in enumerate(entries)))
    try:
        arrays = np.broadcast_arrays(*points.values())
    except ValueError:
        raise IndexError(
            f"vindex: shape mismatch: index arrays could not be broadcast together with shapes "
            f"{' '.join(str(np.shape(p)) for p in points.values())}"
        ) from None
    shape = arrays[0].shape if arrays else ()
    flat = [_in_bounds(p.ravel(), x.shape[a], a) for a, p in zip(points, arrays)]
    axes = list(points)
    rest = [a for a in range(x.ndim) if a not in points]
    x = transpose(x, axes + rest)
    gathered = _PointGather(x, flat)
    # Output blocks of about as many points as an input block has positions on the indexed axes,
    # so they hold about as many bytes as the input blocks.
    target = math.prod(max(max(c), 1) for c in x.chunks[:len(axes)])
    return ChunkedArray(_PointOrder(gathered, shape, target))


def _expand(index: Any, ndim: int) -> list[Any]:
    """One entry per axis: a slice or an integer NumPy array."""
    items = list(index) if isinstance(index, tuple) else [index]
    if sum(1 for i in items if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    ellipsis = [p for p, i in enumerate(items) if i is Ellipsis]  # identity: arrays don't ==
    if ellipsis:
        at = ellipsis[0]
        items[at:at + 1] = [slice(None)] * (ndim - len(items) + 1)
    if len(items) > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but "
                         f"{len(items)} were indexed")
    items += [slice(None)] * (ndim - len(items))
    entries: list[Any] = []
    for axis, item in enumerate(items):
        if isinstance(item, slice):
            entries.append(item)
            continue
        if item is None or isinstance(item, ChunkedArray):
            raise IndexError(f"vindex takes integer arrays and slices, got {item!r} for axis "
                             f"{axis}")
        idx = np.asarray(item)
        if idx.size == 0 and idx.dtype.kind not in "iu":
            idx = idx.astype(np.intp)
        if idx.dtype.kind not in "iu":
            raise IndexError(f"vindex index arrays must be integers, got dtype {idx.dtype} for "
                             f"axis {axis}")
        entries.append(idx)
    return entries


def _in_bounds(idx: np.ndarray, n: int, axis: int) -> np.ndarray:
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"index {int(idx[bad][0])} is out of bounds for axis {axis} with size {n}")
    return np.where(idx < 0, idx + n, idx).astype(np.intp)


class _PointGather(Node):
    """Per touched block of the leading (indexed) axes, its points, in block order.

    Axis 0 holds the points (one block per touched block); the other axes are those of ``x``
    after the indexed ones.
    """

    __slots__ = ("source", "touched", "locals", "order")

    def __init__(self, x: ChunkedArray, points: list[np.ndarray]) -> None:
        k = len(points)
        numblocks = x.numblocks[:k]
        bounds = [np.asarray(chunk_boundaries(c)) for c in x.chunks[:k]]
        coords = [np.searchsorted(b, p, side="right") - 1 for b, p in zip(bounds, points)]
        flat = np.ravel_multi_index(coords, numblocks) if len(points[0]) else np.zeros(0, np.intp)
        self.order = np.argsort(flat, kind="stable")
        grouped = flat[self.order]
        touched, starts = np.unique(grouped, return_index=True)
        ends = [*starts[1:], len(grouped)]
        self.touched = [tuple(int(c) for c in np.unravel_index(t, numblocks)) for t in touched]
        self.locals = []
        for block, s, e in zip(self.touched, starts, ends):
            chosen = self.order[s:e]
            self.locals.append(tuple(p[chosen] - b[i] for p, b, i in zip(points, bounds, block)))
        counts = tuple(len(loc[0]) for loc in self.locals)
        if not counts:  # no points: one empty block
            self.touched, self.locals, counts = [(0,) * k], [(np.zeros(0, np.intp),) * k], (0,)
        name = "vindex-gather-" + tokenize(x.name, points)
        super().__init__(name, (counts, *x.chunks[k:]), x.dtype)
        self.source = x._node

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        key: Key = (self.source.name, *self.touched[index[0]], *index[1:])
        return (partial(_gather_points, locals=self.locals[index[0]]), key), (key,)


def _gather_points(block: np.ndarray, locals: tuple[np.ndarray, ...]) -> np.ndarray:
    return block[locals]


class _PointOrder(Node):
    """The gathered points back in the index's order, with their axis shaped as the index.

    Output blocks split the first axis of the index's shape (the other index axes whole); each
    reads only the gathered pieces holding its points.
    """

    __slots__ = ("source", "rows", "pieces", "positions")

    def __init__(self, gathered: _PointGather, shape: tuple[int, ...], target: int) -> None:
        n = len(gathered.order)
        inner = math.prod(shape[1:])
        rows = max(1, target // max(inner, 1))
        if shape:
            split = tuple(min(rows, shape[0] - s) for s in range(0, shape[0], rows)) or (0,)
            chunks = (split, *((s,) for s in shape[1:]), *gathered.chunks[1:])
        else:
            split, chunks = (1,), gathered.chunks[1:]
        super().__init__("vindex-" + gathered.name, chunks, gathered.dtype)
        self.source = gathered
        self.rows = len(shape)  # the number of index axes in the output
        where = np.empty(n, dtype=np.intp)
        where[gathered.order] = np.arange(n)  # output point p is gathered point where[p]
        bounds = np.asarray(chunk_boundaries(gathered.chunks[0]))
        self.pieces: list[list[int]] = []
        self.positions: list[tuple[np.ndarray, tuple[int, ...]]] = []
        for lo, size in zip(chunk_boundaries(split), split):
            wanted = where[lo * inner:(lo + size) * inner]
            which = np.searchsorted(bounds, wanted, side="right") - 1
            needed = np.unique(which) if len(wanted) else np.zeros(1, np.intp)
            lengths = bounds[needed + 1] - bounds[needed]
            start = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.intp)
            shift = np.zeros(len(bounds), dtype=np.intp)
            shift[needed] = bounds[needed] - start
            self.pieces.append(needed.tolist())
            self.positions.append((wanted - shift[which], (size, *shape[1:]) if shape else ()))

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        j = index[0] if self.rows else 0
        rest = index[self.rows:]
        keys: list[Key] = [(self.source.name, p, *rest) for p in self.pieces[j]]
        positions, shape = self.positions[j]
        return (partial(_points_from_pieces, positions=positions, shape=shape), keys), keys


def _points_from_pieces(pieces: list[np.ndarray], positions: np.ndarray, shape: tuple[int, ...]
                        ) -> np.ndarray:
    joined = pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=0)
    taken = np.take(joined, positions, axis=0)
    return taken.reshape(shape + taken.shape[1:])
