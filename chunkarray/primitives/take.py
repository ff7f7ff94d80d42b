"""Nodes of a take (an integer index along one axis) over blocks that cannot be read again.

Two ways, chosen by :func:`chunkarray.ops.indexing.getitem` by the memory limit:

- join: the blocks the index touches joined along the axis (:func:`join_blocks`), each output
  block taken from the join (:func:`take_joined`);
- gather: each touched block gives up the elements asked of it, grouped by block
  (:func:`gather`), and the output blocks put them back in the index's order (:func:`reorder`).

Takes from a read straight from its source are :mod:`chunkarray.primitives.gather`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import numpy as np

from chunkarray.core.chunks import has_unknown
from chunkarray.core.graph import SINK_PREFIX, Key, Node
from chunkarray.core.grid import AxisGrid, ChunkGrid, RegularAxis, axis_grid
from chunkarray.core.tokenize import content_token, tokenize
from chunkarray.kernels import selection

__all__ = ["FILL_BYTES", "Take", "TakeInto", "gather", "join_blocks", "reorder", "take_into",
           "take_joined"]


class _JoinedBlocks(Node):
    """The blocks ``touched`` of ``source`` joined along ``axis``: one block there."""

    __slots__ = ("source", "axis", "touched")

    def __init__(self, source: Node, axis: int, touched: list[int]) -> None:
        length = sum(source.chunks[axis][b] for b in touched)
        chunks = tuple((length,) if a == axis else c for a, c in enumerate(source.chunks))
        super().__init__("joined-" + tokenize(source.name, axis, touched), chunks, source.dtype)
        self.source = source
        self.axis = axis
        self.touched = tuple(touched)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        keys: list[Key] = [(self.source.name, *index[:self.axis], b, *index[self.axis + 1:])
                           for b in self.touched]
        return (partial(selection.join, axis=self.axis), keys), keys


def join_blocks(source: Node, axis: int, touched: Iterable[int]) -> Node:
    """The blocks ``touched`` of ``source`` (in that order) joined into one along ``axis``.

    >>> node = join_blocks(Node("x", ((2, 3, 4), (5,)), float), 0, [0, 2])
    >>> node.chunks
    ((6,), (5,))
    """
    return _JoinedBlocks(source, axis, [int(b) for b in touched])


class Take(Node):
    """A take along :attr:`axis` whose blocks a compute may have written straight into its result,
    several blocks per task (see :class:`TakeInto`)."""

    __slots__ = ()

    @property
    def axis(self) -> int:
        raise NotImplementedError

    @property
    def fills(self) -> bool:
        """Whether :meth:`fill_task` may be asked for."""
        return True

    def fill_task(self, index: tuple[int, ...], span: slice, out: np.ndarray
                  ) -> tuple[Any, Sequence[Key]]:
        """The task that writes the elements at output positions ``span`` along the axis (any
        run of whole blocks), at block ``index`` on the other axes, into ``out``."""
        raise NotImplementedError


# A task that fills the result of a compute makes about this much of it: tasks of small blocks
# cost more to schedule than to take, and a few tasks per worker still share the work out.
FILL_BYTES = 2**20


class TakeInto(Node):
    """The blocks of the take ``source`` written into ``out`` (the result of a compute), runs of
    blocks along the take's axis in one task each, with no block made in between.

    The sink of a compute for a take (see :func:`chunkarray.primitives.sinks.into`): its blocks
    are runs of ``group`` blocks of ``source`` along the axis, so its keys are fewer.

    >>> node = take_joined(Node("x", ((2, 2),), int), 0, [0, 1], np.array([3, 0, 1]), (1, 1, 1))
    >>> TakeInto(node, np.empty(3, int), group=2).chunks
    ((2, 1),)
    """

    __slots__ = ("source", "out", "_grid", "_slices")

    def __init__(self, source: Take, out: np.ndarray, *, group: int) -> None:
        axis = source.axis
        sizes = source.chunks[axis]
        runs = tuple(sum(sizes[i:i + group]) for i in range(0, len(sizes), group))
        chunks = tuple(runs if a == axis else c for a, c in enumerate(source.chunks))
        if out.shape != source.shape:
            raise ValueError(f"out has shape {out.shape}, the take {source.shape}")
        super().__init__(SINK_PREFIX + source.name, chunks, source.dtype)
        self.source = source
        self.out = out
        self._grid = ChunkGrid.from_chunks(chunks)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return self.source.dependencies

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        where = self._grid.block_slices(index)
        source = self.source
        assert isinstance(source, Take)
        return source.fill_task(index, where[source.axis], self.out[where])


def take_into(source: Node, out: np.ndarray) -> Node | None:
    """A :class:`TakeInto` of ``source`` into ``out`` when ``source`` is a take that can fill
    (else None), with runs of about :data:`FILL_BYTES` per task.

    >>> node = take_joined(Node("x", ((2, 2),), int), 0, [0, 1], np.array([3, 0, 1]), (1, 1, 1))
    >>> take_into(node, np.empty(3, int)).chunks
    ((3,),)
    """
    if not isinstance(source, Take) or not source.fills or any(map(has_unknown, source.chunks)):
        return None
    block = source.dtype.itemsize * math.prod(max(c, default=0) for c in source.chunks)
    return TakeInto(source, out, group=max(1, FILL_BYTES // max(block, 1)))


class _TakeJoined(Take):
    """Output blocks of sizes ``axis_chunks``, each taken at its ``positions`` from the join."""

    __slots__ = ("joined", "positions", "_grid")

    def __init__(self, joined: _JoinedBlocks, positions: np.ndarray,
                 axis_chunks: tuple[int, ...]) -> None:
        axis = joined.axis
        chunks = tuple(axis_chunks if a == axis else c for a, c in enumerate(joined.chunks))
        name = "take-" + tokenize(joined.name, content_token(positions), axis_chunks)
        super().__init__(name, chunks, joined.dtype)
        self.joined = joined
        self.positions = positions
        self._grid = axis_grid(axis_chunks)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.joined,)

    @property
    def axis(self) -> int:
        return self.joined.axis

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        return self.fill_task(index, self._grid.slice(index[self.axis]), None)

    def fill_task(self, index: tuple[int, ...], span: slice, out: np.ndarray | None
                  ) -> tuple[Any, Sequence[Key]]:
        axis = self.axis
        key: Key = (self.joined.name, *index[:axis], 0, *index[axis + 1:])
        # Positions checked at the call: "clip" skips NumPy's check of every one of them.
        func = partial(selection.take_into, positions=self.positions[span], axis=axis, out=out)
        return (func, key), (key,)


def take_joined(source: Node, axis: int, touched: Iterable[int], positions: np.ndarray,
                axis_chunks: tuple[int, ...]) -> Node:
    """The blocks ``touched`` of ``source`` joined along ``axis``, then taken at ``positions``
    (in the join) in output blocks of ``axis_chunks``.

    >>> node = take_joined(Node("x", ((2, 2),), int), 0, [1], np.array([1, 0, 1]), (2, 1))
    >>> node.chunks, type(node.joined).__name__
    (((2, 1),), '_JoinedBlocks')
    """
    joined = _JoinedBlocks(source, axis, [int(b) for b in touched])
    return _TakeJoined(joined, positions, axis_chunks)


class _Gather(Node):
    """Per touched input block, the elements the index asks of it, grouped by block."""

    __slots__ = ("source", "axis", "touched", "locals")

    def __init__(self, name: str, source: Node, axis: int, touched: np.ndarray,
                 starts: np.ndarray, ends: np.ndarray, grouped: np.ndarray) -> None:
        counts = tuple(int(e - s) for s, e in zip(starts, ends)) or (0,)
        chunks = tuple(counts if a == axis else c for a, c in enumerate(source.chunks))
        super().__init__(name, chunks, source.dtype)
        self.source = source
        self.axis = axis
        self.touched = tuple(int(b) for b in touched) or (0,)
        grid = axis_grid(source.chunks[axis])
        self.locals = tuple(grouped[s:e] - grid.offset(b) for b, s, e in zip(touched, starts, ends)
                            ) or (np.zeros(0, np.intp),)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        j = index[self.axis]
        coords = list(index)
        coords[self.axis] = self.touched[j]
        key: Key = (self.source.name, *coords)
        return (partial(np.take, indices=self.locals[j], axis=self.axis), key), (key,)


def gather(name: str, source: Node, axis: int, grouped: np.ndarray, counts: np.ndarray) -> Node:
    """Per input block along ``axis``, the elements of ``grouped`` (positions sorted by the
    block they fall in, ``counts[b]`` of them in block ``b`` of ``source``) taken from it: one
    output block per touched block.

    >>> node = gather("g", Node("x", ((2, 2),), int), 0, np.array([0, 3, 2]), np.array([1, 2]))
    >>> node.chunks, [loc.tolist() for loc in node.locals]
    (((1, 2),), [[0], [1, 0]])
    """
    touched = np.flatnonzero(counts)
    ends = np.cumsum(counts)[touched]
    starts = ends - counts[touched]
    return _Gather(name, source, axis, touched, starts, ends, grouped)


class _Reorder(Node):
    """Output blocks in the index's own order, taken from the gathered pieces.

    With ``whole`` the gathered values are joined once and every output block takes from that;
    otherwise each output block reads just the pieces it needs.
    """

    __slots__ = ("source", "axis", "positions", "pieces", "whole")

    def __init__(self, gathered: Node, order: np.ndarray, axis: int, target: int,
                 whole: bool) -> None:
        n = len(order)
        out = RegularAxis(n, target)
        sizes = out.sizes
        chunks = tuple(sizes if a == axis else c for a, c in enumerate(gathered.chunks))
        super().__init__("reorder-" + gathered.name, chunks, gathered.dtype)
        self.axis = axis
        self.whole = whole
        where = np.empty(n, dtype=np.intp)
        where[order] = np.arange(n)  # output element k is gathered element where[k]
        self.source: Node = (_JoinedBlocks(gathered, axis, list(range(gathered.numblocks[axis])))
                             if whole else gathered)
        grid = axis_grid(gathered.chunks[axis])
        plans = [_pieces_of(where[out.slice(j)], grid, whole) for j in range(out.nblocks)]
        self.pieces = tuple(p for p, _ in plans)
        self.positions = tuple(q for _, q in plans)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        j = index[self.axis]
        keys: list[Key] = []
        for p in self.pieces[j]:
            coords = list(index)
            coords[self.axis] = p
            keys.append((self.source.name, *coords))
        func = partial(selection.take_from_pieces, positions=self.positions[j], axis=self.axis)
        return (func, keys), keys


def _pieces_of(wanted: np.ndarray, grid: AxisGrid, whole: bool
               ) -> tuple[list[int], np.ndarray]:
    """The gathered pieces one output block reads, and its positions in their join."""
    if whole:
        return [0], wanted
    if not len(wanted):
        return [], wanted
    which, within = grid.locate(wanted)
    needed = np.unique(which)
    # Where each needed piece starts in the join of just the needed pieces.
    joined = axis_grid(tuple(grid.size(b) for b in needed.tolist()))
    start = np.zeros(grid.nblocks, dtype=np.intp)
    start[needed] = joined.boundaries[:-1]
    return needed.tolist(), within + start[which]


def reorder(gathered: Node, order: np.ndarray, axis: int, target: int, *, whole: bool) -> Node:
    """The gathered elements put back in the index's order: gathered element ``k`` is element
    ``order[k]`` of the result, in output blocks of ``target`` along ``axis``.

    ``whole``: join all gathered values once (they fit in memory) rather than have each output
    block read just the pieces it needs.

    >>> g = Node("g", ((2, 1),), int)
    >>> node = reorder(g, np.array([2, 0, 1]), 0, 2, whole=False)
    >>> node.chunks, node.pieces
    (((2, 1),), ([0, 1], [0]))
    """
    return _Reorder(gathered, order, axis, target, whole)

