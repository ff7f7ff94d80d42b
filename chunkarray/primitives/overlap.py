"""The neighbourhood node: every block enlarged by slices of its neighbours, or a boundary rule.

Planning is pure, over block sizes: :func:`halo_plan` says, for each block along one axis, which
pieces of which neighbouring blocks (as many as the depth reaches, not only the adjacent ones)
and which boundary values make its enlarged version. The node then emits one task per block that
reads those neighbours, assembles the enlarged block, and (for ``map_overlap``) applies the user's
function and trims its result, so no enlarged block is ever handed between tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from itertools import product
from typing import Any

import numpy as np

from chunkarray.core.chunks import Chunks
from chunkarray.core.graph import Key, Node
from chunkarray.core.grid import AxisGrid, axis_grid
from chunkarray.kernels.overlap import overlap_apply

__all__ = ["BOUNDARY_KINDS", "AxisSpec", "Overlap", "halo_plan"]

#: Boundary rules by name (any other value is a constant to fill with).
BOUNDARY_KINDS = ("reflect", "periodic", "nearest", "none")

# One axis of one input: (depth before, depth after, boundary kind or "constant", fill value).
AxisSpec = tuple[int, int, str, Any]
# One piece of an enlarged block along an axis: (source block or None for a fill, index within
# that block (or the fill value), destination slice in the enlarged block).
Piece = tuple[int | None, Any, slice]
# Per block along an axis: (enlarged length, pieces, elements added before, elements after).
BlockPlan = tuple[int, list[Piece], int, int]


def _outside(a: int, b: int, n: int, kind: str) -> tuple[Any, ...]:
    """The source of positions ``a..b-1`` of the extended axis, all before 0 or all past ``n``.

    A region is ``("range", start, stop, reversed)``, ``("repeat", position, count)`` or
    ``("fill", count)``. Depths never exceed ``n``, so one pass over the axis suffices.
    """
    if kind == "periodic":
        start = a % n
        return ("range", start, start + b - a, False)
    if kind == "reflect":  # dask's 'reflect' repeats the edge, NumPy's 'symmetric'
        return ("range", -b, -a, True) if a < 0 else ("range", 2 * n - b, 2 * n - a, True)
    if kind == "nearest":
        return ("repeat", 0 if a < 0 else n - 1, b - a)
    return ("fill", b - a)


def _regions(start: int, stop: int, n: int, kind: str) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if start < 0:
        out.append(_outside(start, min(stop, 0), n, kind))
    lo, hi = max(start, 0), min(stop, n)
    if lo < hi:
        out.append(("range", lo, hi, False))
    if stop > n:
        out.append(_outside(max(start, n), stop, n, kind))
    return out


def _pieces(region: tuple[Any, ...], grid: AxisGrid, fill: Any
            ) -> list[tuple[int | None, Any, int]]:
    """``(block, index within it, length)`` for one region; a fill has block None."""
    if region[0] == "fill":
        return [(None, fill, region[1])]
    if region[0] == "repeat":
        _, p, count = region
        b = grid.block_at(p)
        at = p - grid.offset(b)
        return [(b, slice(at, at + 1), count)]
    _, s, e, backwards = region
    out: list[tuple[int | None, Any, int]] = []
    for b in grid.blocks_between(s, e):
        part = grid.slice(b)
        lo, hi = max(s, part.start) - part.start, min(e, part.stop) - part.start
        if lo >= hi:  # an empty block
            continue
        if backwards:
            out.append((b, slice(hi - 1, lo - 1 if lo else None, -1), hi - lo))
        else:
            out.append((b, slice(lo, hi), hi - lo))
    return out[::-1] if backwards else out


def halo_plan(sizes: tuple[int, ...], before: int, after: int, kind: str, fill: Any = None
              ) -> list[BlockPlan]:
    """For each block along an axis of ``sizes``: how to make it enlarged by the given depths.

    ``kind`` is a boundary rule of :data:`BOUNDARY_KINDS` or ``"constant"`` (with ``fill``).
    With ``"none"`` a block is not enlarged past the array's ends.

    >>> [p[0] for p in halo_plan((2, 3), 1, 1, "periodic")]
    [4, 5]
    >>> halo_plan((2, 3), 3, 0, "none")[1][1]  # the whole block 0, then block 1
    [(0, slice(0, 2, None), slice(0, 2, None)), (1, slice(0, 3, None), slice(2, 5, None))]
    """
    if not sizes:
        return []
    grid = axis_grid(sizes)
    n, bounds = grid.length, grid.boundaries
    plans: list[BlockPlan] = []
    for i, (s, e) in enumerate(zip(bounds[:-1], bounds[1:])):
        start, stop = s - before, e + after
        if kind == "none":
            start, stop = max(start, 0), min(stop, n)
        pieces: list[Piece] = []
        at = 0
        for region in _regions(start, stop, n, kind):
            for block, index, length in _pieces(region, grid, fill):
                pieces.append((block, index, slice(at, at + length)))
                at += length
        if not pieces:  # an empty block: an empty part of the block there (or of itself)
            pieces.append((grid.block_at(s) if s < n else i, slice(0, 0), slice(0, 0)))
        plans.append((stop - start, pieces, s - start, stop - e))
    return plans


class Overlap(Node):
    """Blocks of ``inputs`` enlarged by their neighbours, optionally through a function.

    ``plans[k][a]`` is the :func:`halo_plan` of axis ``a`` of input ``k``; inputs are aligned to
    the output's trailing axes (or to the output axes ``in_axes[k]``) and broadcast along axes
    where they have one block. An input axis whose ``in_axes`` entry is None is not in the
    output: every block along it is enlarged and the enlarged blocks are concatenated (as
    ``map_blocks`` hands a dropped axis). Without ``func`` the output is the enlarged first
    input. With it, block ``i`` is ``func(*enlarged blocks)[trims[i]]``, checked to have the
    output's block shape; ``block_kwargs(i)`` adds per-block keyword arguments.
    """

    __slots__ = ("inputs", "plans", "func", "trims", "block_kwargs", "in_axes")

    def __init__(self, name: str, chunks: Chunks, dtype: Any, inputs: Sequence[Node],
                 plans: Sequence[Sequence[list[BlockPlan]]],
                 func: Callable[..., Any] | None = None,
                 trims: Sequence[Sequence[slice]] | None = None,
                 block_kwargs: Callable[[tuple[int, ...]], dict[str, Any]] | None = None,
                 in_axes: Sequence[tuple[int | None, ...]] | None = None) -> None:
        super().__init__(name, chunks, dtype)
        ndim = len(chunks)
        self.in_axes = tuple(in_axes) if in_axes is not None else tuple(
            tuple(range(ndim - len(n.chunks), ndim)) for n in inputs)
        self.inputs = tuple(inputs)
        self.plans = tuple(tuple(p) for p in plans)
        self.func = func
        self.trims = None if trims is None else tuple(tuple(t) for t in trims)
        self.block_kwargs = block_kwargs

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return self.inputs

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        deps: list[Key] = []
        positions: dict[Key, int] = {}
        parts = []
        for node, plans, axes in zip(self.inputs, self.plans, self.in_axes):
            shape, per_axis = [], []
            for a, plan in enumerate(plans):
                length, pieces = _axis_pieces(plan, axes[a], index, node.numblocks[a])
                shape.append(length)
                per_axis.append(pieces)
            places: list[tuple[int, Any, tuple[slice, ...]]] = []
            for combo in product(*per_axis):
                dest = tuple(p[2] for p in combo)
                fills = [p[1] for p in combo if p[0] is None]
                if fills:  # axes are padded in order, so the last constant axis wins a corner
                    places.append((-1, fills[-1], dest))
                    continue
                key: Key = (node.name, *(p[0] for p in combo))  # type: ignore[misc, arg-type]
                if key not in positions:
                    positions[key] = len(deps)
                    deps.append(key)
                places.append((positions[key], tuple(p[1] for p in combo), dest))
            parts.append((tuple(shape), node.dtype, places))
        func = self.func
        if func is not None and self.block_kwargs is not None:
            func = partial(func, **self.block_kwargs(index))
        trim = None if self.trims is None else tuple(t[i] for t, i in zip(self.trims, index))
        expected = None
        if func is not None:  # NaN (unknown) lengths are not checked
            expected = tuple(None if c[i] != c[i] else c[i] for c, i in zip(self.chunks, index))
        kernel = partial(overlap_apply, parts=parts, func=func, trim=trim, expected=expected)
        return (kernel, *deps), deps


def _axis_pieces(plan: list[BlockPlan], out_axis: int | None, index: tuple[int, ...],
                 numblocks: int) -> tuple[int, list[Piece]]:
    """The enlarged length and the pieces along one input axis for output block ``index``."""
    if out_axis is not None:
        p = plan[index[out_axis] if numblocks > 1 else 0]
        return p[0], p[1]
    # A dropped axis: every enlarged block along it, one after another.
    pieces: list[Piece] = []
    at = 0
    for length, block_pieces, _, _ in plan:
        pieces += [(b, i, slice(d.start + at, d.stop + at)) for b, i, d in block_pieces]
        at += length
    return at, pieces


def fill_value(value: Any, dtype: np.dtype) -> Any:
    """``value`` as a scalar of ``dtype``, as a constant boundary writes it."""
    return np.asarray(value).astype(dtype)[()]
