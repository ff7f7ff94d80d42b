"""Planning a rechunk: pure functions over chunk tuples, no graphs.

A single-stage rechunk makes each new block from the old blocks it overlaps, so one task holds
those whole old blocks plus the new one. From tall-skinny to short-wide blocks that is the whole
array. :func:`plan_rechunk` then goes through an intermediate chunking, grown as large as the memory
limit allows (fewer, bigger tasks), so that every task of every stage fits.
"""

from __future__ import annotations

import math
from bisect import bisect_right

from chunkarray._chunks import (
    Chunks,
    blockdims_from_blockshape,
    chunk_boundaries,
    common_refinement,
)

__all__ = ["plan_rechunk", "stage_task_bytes"]


def _max_span(old: tuple[int, ...], new: tuple[int, ...]) -> int:
    """Along one axis: the largest total length of old blocks that one new block overlaps."""
    old_bounds = chunk_boundaries(old)
    widest = 0
    lo = 0
    for size in new:
        hi = lo + size
        if size:
            first = bisect_right(old_bounds, lo) - 1
            last = bisect_right(old_bounds, hi - 1) - 1
            widest = max(widest, old_bounds[last + 1] - old_bounds[first])
        lo = hi
    return widest


def stage_task_bytes(old: Chunks, new: Chunks, itemsize: int) -> int:
    """An upper bound on what one task of the single-stage rechunk ``old -> new`` holds.

    >>> stage_task_bytes(((4, 4),), ((2, 2, 2, 2),), 8)  # a new block reads one old block
    48
    >>> stage_task_bytes(((2,) * 4,), ((8,),), 8)  # the new block reads all four old ones
    128
    """
    span = math.prod(_max_span(o, n) for o, n in zip(old, new))
    out = math.prod(max(n) for n in new)
    return itemsize * (span + out)


def _ntasks(chunks: Chunks) -> int:
    return math.prod(len(c) for c in chunks)


def plan_rechunk(old: Chunks, new: Chunks, itemsize: int, limit: int) -> list[Chunks]:
    """The chunkings to pass through from ``old`` to ``new``, ending with ``new``.

    Every task of every stage holds at most ``limit`` bytes. Raises ``ValueError`` when no plan
    can: a block on its own (old or new, with what it must be assembled from) is too big.

    >>> plan_rechunk(((4, 4),), ((8,),), 8, 1000)
    [((8,),)]
    >>> old, new = ((64,) * 4, (256,)), ((256,), (64,) * 4)
    >>> plan_rechunk(old, new, 8, 400_000)
    [((128, 128), (128, 128)), ((256,), (64, 64, 64, 64))]
    """
    old, new = tuple(map(tuple, old)), tuple(map(tuple, new))
    if old == new:
        return []
    if stage_task_bytes(old, new, itemsize) <= limit:
        return [new]
    shape = tuple(sum(c) for c in old)
    refined = tuple(common_refinement(o, n) for o, n in zip(old, new))
    first, last = stage_task_bytes(old, refined, itemsize), stage_task_bytes(refined, new, itemsize)
    if first > limit or last > limit:
        worst = "the old blocks" if first > limit else "the new blocks"
        raise ValueError(
            f"cannot rechunk within memory_limit={limit:,} bytes: {worst} are too large "
            f"(one task needs {max(first, last):,} bytes); use a larger memory_limit or "
            f"rechunk to blocks of at most {max(limit // (2 * itemsize), 1):,} elements"
        )
    middle = _grow(old, new, shape, itemsize, limit) or refined
    return [middle, new]


def _grow(old: Chunks, new: Chunks, shape: tuple[int, ...], itemsize: int, limit: int
          ) -> Chunks | None:
    """The coarsest regular intermediate chunking whose two stages both fit ``limit``."""

    def fits(block: list[int]) -> bool:
        middle = blockdims_from_blockshape(shape, block)
        return max(stage_task_bytes(old, middle, itemsize),
                   stage_task_bytes(middle, new, itemsize)) <= limit

    block = [max(min(max(o), max(n)), 1) for o, n in zip(old, new)]
    if not fits(block):
        return None
    ceiling = [max(max(o), max(n), 1) for o, n in zip(old, new)]
    grown = True
    while grown:
        grown = False
        # Double the axis that removes the most tasks, as long as both stages still fit.
        options = []
        for axis in range(len(block)):
            if block[axis] < ceiling[axis]:
                trial = list(block)
                trial[axis] = min(block[axis] * 2, ceiling[axis])
                if fits(trial):
                    options.append((_ntasks(blockdims_from_blockshape(shape, trial)), axis, trial))
        if options:
            block = min(options)[2]
            grown = True
    return blockdims_from_blockshape(shape, block)
