"""Nodes of pointwise indexing (``x.vindex``): the points gathered per block, then put in order.

The points are grouped by the block of the leading (indexed) axes they fall in, each touched block
gives up its points in one task (:func:`gather_points`), and a second stage puts them in the
index's order and shape (:func:`order_points`): the number of tasks grows with the blocks
touched, not with the number of points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

from chunkarray.core.graph import Key, Node
from chunkarray.core.grid import ChunkGrid, axis_grid, regular_sizes
from chunkarray.core.tokenize import content_token, tokenize
from chunkarray.kernels import selection

__all__ = ["gather_points", "order_points"]


class _PointGather(Node):
    """Per touched block of the leading (indexed) axes, its points, in block order.

    Axis 0 holds the points (one block per touched block); the other axes are those of ``x``
    after the indexed ones.
    """

    __slots__ = ("source", "touched", "locals", "order")

    def __init__(self, x: Node, points: list[np.ndarray]) -> None:
        k = len(points)
        numblocks = x.numblocks[:k]
        coords, within = ChunkGrid.from_chunks(x.chunks[:k]).locate(points)
        flat = np.ravel_multi_index(coords, numblocks) if len(points[0]) else np.zeros(0, np.intp)
        self.order = np.argsort(flat, kind="stable")
        grouped = flat[self.order]
        touched, starts = np.unique(grouped, return_index=True)
        ends = [*starts[1:], len(grouped)]
        touched_blocks = [tuple(int(c) for c in np.unravel_index(t, numblocks)) for t in touched]
        local_points = []
        for s, e in zip(starts, ends):
            chosen = self.order[s:e]
            local_points.append(tuple(w[chosen] for w in within))
        counts = tuple(len(loc[0]) for loc in local_points)
        if not counts:  # no points: one empty block
            touched_blocks, local_points, counts = [(0,) * k], [(np.zeros(0, np.intp),) * k], (0,)
        self.touched = tuple(touched_blocks)
        self.locals = tuple(local_points)
        name = "vindex-gather-" + tokenize(x.name, [content_token(p) for p in points])
        super().__init__(name, (counts, *x.chunks[k:]), x.dtype)
        self.source = x

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        key: Key = (self.source.name, *self.touched[index[0]], *index[1:])
        return (partial(selection.gather_points, locals=self.locals[index[0]]), key), (key,)


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
            split = regular_sizes(shape[0], rows)
            chunks = (split, *((s,) for s in shape[1:]), *gathered.chunks[1:])
        else:
            split, chunks = (1,), gathered.chunks[1:]
        super().__init__("vindex-" + gathered.name, chunks, gathered.dtype)
        self.source = gathered
        self.rows = len(shape)  # the number of index axes in the output
        where = np.empty(n, dtype=np.intp)
        where[gathered.order] = np.arange(n)  # output point p is gathered point where[p]
        grid = axis_grid(gathered.chunks[0])
        pieces: list[list[int]] = []
        positions: list[tuple[np.ndarray, tuple[int, ...]]] = []
        for lo, size in zip(axis_grid(split).boundaries, split):
            wanted = where[lo * inner:(lo + size) * inner]
            which, within = grid.locate(wanted)
            needed = np.unique(which) if len(wanted) else np.zeros(1, np.intp)
            # Where each needed piece starts in the join of just the needed pieces.
            joined = axis_grid(tuple(grid.size(b) for b in needed.tolist()))
            start = np.zeros(grid.nblocks, dtype=np.intp)
            start[needed] = joined.boundaries[:-1]
            pieces.append(needed.tolist())
            positions.append((within + start[which], (size, *shape[1:]) if shape else ()))
        self.pieces = tuple(pieces)
        self.positions = tuple(positions)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        j = index[0] if self.rows else 0
        rest = index[self.rows:]
        keys: list[Key] = [(self.source.name, p, *rest) for p in self.pieces[j]]
        positions, shape = self.positions[j]
        return (partial(selection.points_from_pieces, positions=positions, shape=shape), keys), keys


def gather_points(x: Node, points: list[np.ndarray]) -> Node:
    """The points ``points`` (one array of non-negative positions per leading axis of ``x``),
    grouped by the block they fall in: axis 0 holds them, one block per touched block.

    >>> node = gather_points(Node("x", ((2, 2), (3,)), int), [np.array([3, 0, 2])])
    >>> node.chunks, node.touched
    (((1, 2), (3,)), ((0,), (1,)))
    """
    return _PointGather(x, points)


def order_points(gathered: Node, shape: tuple[int, ...], target: int) -> Node:
    """The points of :func:`gather_points` in the index's order, their axis shaped ``shape``,
    in output blocks of about ``target`` points.

    >>> g = gather_points(Node("x", ((2, 2),), int), [np.array([3, 0, 2])])
    >>> order_points(g, (3,), 2).chunks
    ((2, 1),)
    """
    assert isinstance(gathered, _PointGather)
    return _PointOrder(gathered, shape, target)
