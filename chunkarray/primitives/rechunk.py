"""The rechunk node: each output block cut and glued from the input blocks that overlap it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from itertools import product
from typing import Any

from chunkarray.core.chunks import Chunks
from chunkarray.core.graph import Key, Node
from chunkarray.core.grid import AxisGrid, axis_grid
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as kernels

__all__ = ["Moved", "Rechunk", "rechunk_node", "rechunk_source", "same_sizes"]


def same_sizes(a: Chunks, b: Chunks) -> bool:
    """Whether two chunkings are equal, unknown (NaN) sizes equal to each other.

    >>> nan = float("nan")
    >>> same_sizes(((nan, nan), (2,)), ((float("nan"), nan), (2,)))
    True
    >>> same_sizes(((nan,), (2,)), ((nan, nan), (2,)))
    False
    """
    if a == b:  # the usual case, in C (NaN sizes are never equal, so they go on below)
        return True
    return len(a) == len(b) and all(
        len(x) == len(y) and all(s == t or (s != s and t != t) for s, t in zip(x, y))
        for x, y in zip(a, b)
    )


class Moved(Node):
    """A node whose blocks are the values of ``source`` moved into other chunks, nothing else:
    the stages of a rechunk, in memory (:class:`Rechunk`) or through storage
    (:class:`~chunkarray.primitives.staged.StagedRechunk`)."""

    __slots__ = ("source",)

    def __init__(self, name: str, source: Node, chunks: Chunks) -> None:
        super().__init__(name, chunks, source.dtype)
        self.source = source

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)


def rechunk_source(node: Node) -> Node:
    """The node whose blocks a chain of rechunks moves (``node`` when it is no rechunk).

    A rechunk of a rechunk is one rechunk: whatever moves the blocks again starts from here.

    >>> x = Node("x", ((4,),), float)
    >>> rechunk_source(Rechunk(Rechunk(x, ((2, 2),)), ((1, 3),))) is x
    True
    """
    while isinstance(node, Moved):
        node = node.source
    return node


class Rechunk(Moved):
    """One stage of a rechunk: every output block reads the input blocks it overlaps.

    Axes whose blocks do not change (the only ones allowed unknown, NaN, sizes) pass each
    block through whole.
    """

    __slots__ = ("_in_grids", "_out_grids")
    keeps_masks = True  # cuts with basic slices and joins with numpy.ma.concatenate

    def __init__(self, source: Node, chunks: Chunks) -> None:
        super().__init__("rechunk-" + tokenize(source.name, chunks), source, chunks)
        kept = [same_sizes((o,), (n,)) for o, n in zip(source.chunks, chunks)]
        self._in_grids = tuple(None if k else axis_grid(c) for k, c in zip(kept, source.chunks))
        self._out_grids = tuple(None if k else axis_grid(c) for k, c in zip(kept, chunks))

    def _pieces(self, axis: int, i: int) -> list[tuple[int, slice]]:
        """Input blocks along ``axis`` that output block ``i`` overlaps, with the part it takes."""
        grid, out = self._in_grids[axis], self._out_grids[axis]
        if grid is None or out is None:  # the axis keeps its blocks
            return [(i, slice(None))]
        span = out.slice(i)
        lo, hi = span.start, span.stop
        if lo == hi:  # an empty block: an empty part of the input block there (or the last)
            return [(grid.block_at(lo) if lo < grid.length else grid.nblocks - 1, slice(0, 0))]
        pieces = []
        for b in grid.blocks_between(lo, hi):
            part = grid.slice(b)
            start = part.start
            pieces.append((b, slice(max(lo, start) - start, min(hi, part.stop) - start)))
        return pieces

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        per_axis = [self._pieces(a, i) for a, i in enumerate(index)]
        name = self.source.name
        if all(len(p) == 1 for p in per_axis):
            (b, s) = zip(*(p[0] for p in per_axis)) if per_axis else ((), ())
            key = (name, *b)
            whole = all(_whole(sl, self._in_grids[a], bi)
                        for a, (bi, sl) in enumerate(zip(b, s)))
            if whole:
                return (kernels.identity, key), (key,)
            return (partial(kernels.getitem, index=tuple(s)), key), (key,)
        keys: list[Key] = []
        nested = _nest(per_axis, name, keys)
        return (partial(kernels.cut_and_concatenate, ndim=len(index)), nested), keys


def _whole(piece: slice, grid: AxisGrid | None, block: int) -> bool:
    """Whether ``piece`` of input ``block`` along an axis is all of it."""
    if grid is None:
        return True
    return piece.start == 0 and piece.stop == grid.size(block)


def _nest(per_axis: list[list[tuple[int, slice]]], name: str, keys: list[Key]) -> Any:
    """Nested lists (one level per axis) of ``[key, slices]`` pairs for the pieces of one block."""
    shape = [len(p) for p in per_axis]
    flat = []
    for combo in product(*per_axis):
        key: Key = (name, *(b for b, _ in combo))
        keys.append(key)
        flat.append([key, kernels.Slices(tuple(s for _, s in combo))])
    return kernels.nest(flat, shape)


def rechunk_node(source: Node, chunks: Chunks) -> Node:
    """A node with ``chunks`` holding the same values as ``source`` (``source`` if unchanged).

    One stage, unplanned (it aligns blocks, e.g. for blockwise steps): when ``source`` is itself
    one stage in memory, that stage is replaced, but no earlier one. Those were planned to keep
    tasks within the memory limit (see :func:`chunkarray.ops.rechunk.rechunk`), which a single
    stage from :func:`rechunk_source` might not.
    """
    if same_sizes(source.chunks, chunks):
        return source
    if isinstance(source, Rechunk):
        source = source.source
        if same_sizes(source.chunks, chunks):
            return source
    return Rechunk(source, chunks)
