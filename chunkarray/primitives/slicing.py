"""Basic indexing as a node: each output block is an index into exactly one input block.

Planning is a pure function over block sizes (:func:`slice_axis`); the node only looks the plan up.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from chunkarray.core.graph import Key, Node
from chunkarray.core.grid import axis_grid
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as kernels

__all__ = ["Slice", "slice_axis"]

# One output block along an axis: (input block, index into that block). An int index drops the axis.
Piece = tuple[int, "slice | int"]


def slice_axis(sizes: Sequence[int], start: int, stop: int, step: int
               ) -> tuple[tuple[int, ...], list[Piece]]:
    """Output block sizes and pieces for ``range(start, stop, step)`` over blocks of ``sizes``.

    ``start``/``stop``/``step`` are as ``slice.indices`` returns them. Output blocks follow the
    input blocks (each output block comes from one input block), in the order the slice visits
    them; blocks the slice skips give no output block.

    >>> slice_axis((4, 4, 2), 1, 9, 3)
    ((1, 2), [(0, slice(1, 4, 3)), (1, slice(0, 6, 3))])
    >>> slice_axis((4, 4, 2), 9, -1, -4)[0]
    (1, 1, 1)
    """
    n = len(range(start, stop, step))
    if n == 0:  # an empty result still has one (empty) block
        return (0,), [(0, slice(0, 0, 1))]
    grid = axis_grid(sizes)
    last = start + (n - 1) * step
    # Only the blocks between the first and last element visited, in the order visited.
    blocks = grid.blocks_between(*((start, last + 1) if step > 0 else (last, start + 1)))
    if step < 0:
        blocks = blocks[::-1]
    bounds = grid.boundaries  # cached on a varying axis; made in C on a regular one
    sizes_out: list[int] = []
    pieces: list[Piece] = []
    for b in blocks:
        lo, hi = bounds[b], bounds[b + 1]
        if step > 0:
            first = start if start >= lo else start + -(-(lo - start) // step) * step
            if first >= hi or first >= stop:
                continue
            last = min(hi, stop)
            count = -(-(last - first) // step)
            pieces.append((b, slice(first - lo, first - lo + count * step, step)))
        else:
            first = start if start < hi else start - -(-(start - (hi - 1)) // -step) * -step
            if first < lo or first <= stop:
                continue
            last = max(lo - 1, stop)
            count = -(-(first - last) // -step)
            end = first - lo + count * step
            pieces.append((b, slice(first - lo, end if end >= 0 else None, step)))
        sizes_out.append(count)
    return tuple(sizes_out), pieces


def _piece_numbers(entry: list[Piece] | tuple[int, int]) -> tuple[int, ...]:
    """An axis's pieces as a flat tuple of ints, exact and cheap to name (a stop of None, only
    ever met with a negative step, becomes -1, which a piece's stop never is).

    >>> _piece_numbers([(0, slice(1, 4, 3)), (1, slice(2, None, -1))])
    (0, 1, 4, 3, 1, 2, -1, -1)
    """
    if isinstance(entry, tuple):
        return entry
    numbers: list[int] = []
    for b, i in entry:
        assert isinstance(i, slice)
        numbers += (b, i.start, -1 if i.stop is None else i.stop, i.step)
    return tuple(numbers)


class Slice(Node):
    """Basic indexing of ``source``: per input axis a list of pieces, or an int that drops it."""

    __slots__ = ("source", "axes")
    keeps_masks = True  # basic indexing of a masked block is masked (see kernels.getitem)

    def __init__(self, source: Node, axes: Sequence[list[Piece] | tuple[int, int]],
                 chunks: tuple[tuple[int, ...], ...]) -> None:
        # ``axes[a]`` is the list of pieces of input axis ``a``, or (block, local int) for an
        # axis an integer index drops.
        name = "getitem-" + tokenize(source.name, [_piece_numbers(a) for a in axes])
        super().__init__(name, chunks, source.dtype)
        self.source = source
        self.axes = tuple(axes)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        blocks, local = [], []
        i: slice | int  # a local index: a slice, or an int that drops the axis
        out = iter(index)
        for entry in self.axes:
            if isinstance(entry, tuple):
                b, i = entry
            else:
                b, i = entry[next(out)]
            blocks.append(b)
            local.append(i)
        key: Key = (self.source.name, *blocks)
        return (partial(kernels.getitem, index=tuple(local)), key), (key,)
