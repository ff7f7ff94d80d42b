"""Planning a rechunk: pure functions over chunk tuples, no graphs.

A single-stage rechunk makes each new block from the old blocks it overlaps, so one task holds
those whole old blocks plus the new one. From tall-skinny to short-wide blocks that is the whole
array. :func:`plan_rechunk` then goes through an intermediate chunking, grown as large as the memory
limit allows (fewer, bigger tasks), so that every task of every stage fits.
"""

from __future__ import annotations

import math

from chunkarray.core.chunks import (
    Chunks,
    blockdims_from_blockshape,
    chunk_boundaries,
    common_refinement,
    largest_block_nbytes,
)
from chunkarray.core.grid import axis_grid

__all__ = [
    "plan_rechunk", "source_span_bytes", "stage_task_bytes", "stages_on_disk", "staging_groups",
    "staging_groups_within",
]


def _max_span(old: tuple[int, ...], new: tuple[int, ...]) -> int:
    """Along one axis: the largest total length of old blocks that one new block overlaps."""
    grid = axis_grid(old)
    widest = 0
    for lo, hi in _intervals(new):
        span = grid.blocks_between(lo, hi)
        if span:
            widest = max(widest, grid.offset(span[-1]) + grid.size(span[-1]) - grid.offset(span[0]))
    return widest


def _intervals(sizes: tuple[int, ...]) -> zip[tuple[int, int]]:
    """``(start, stop)`` of every block of ``sizes``."""
    bounds = chunk_boundaries(sizes)
    return zip(bounds[:-1], bounds[1:])


def stage_task_bytes(old: Chunks, new: Chunks, itemsize: int) -> int:
    """An upper bound on what one task of the single-stage rechunk ``old -> new`` holds.

    The old blocks a new block overlaps (pieces cut from them are views, which keep them whole),
    the new block, and, with more than one axis, the concatenations along the inner axes, which
    together are as large as the new block again: the task concatenates one axis at a time.

    >>> stage_task_bytes(((4, 4),), ((2, 2, 2, 2),), 8)  # a new block reads one old block
    48
    >>> stage_task_bytes(((2,) * 4,), ((8,),), 8)  # the new block reads all four old ones
    128
    >>> stage_task_bytes(((2, 2), (2, 2)), ((4,), (4,)), 8)  # 4 old blocks, 2 rows, the result
    384
    """
    span = math.prod(_max_span(o, n) for o, n in zip(old, new))
    out = math.prod(max(n) for n in new)
    split = sum(_max_blocks(o, n) > 1 for o, n in zip(old, new))
    return itemsize * (span + (2 if split > 1 else 1) * out)


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


# --- staging through storage ----------------------------------------------------------------------


def source_span_bytes(old: Chunks, new: Chunks, itemsize: int) -> int:
    """The most bytes of ``old`` blocks that one ``new`` block overlaps.

    Those blocks must all exist before that new block can be made. When they cannot be made
    again, an in-memory rechunk holds them all at once, however it is staged; above the memory
    limit, :func:`chunkarray.ops.rechunk.rechunk` stages through storage instead.

    >>> source_span_bytes(((4, 4),), ((2, 2, 2, 2),), 8)
    32
    >>> source_span_bytes(((1,) * 4, (4,)), ((4,), (1,) * 4), 8)  # all to all: the whole array
    128
    """
    return itemsize * math.prod(_max_span(o, n) for o, n in zip(old, new))


def stages_on_disk(old: Chunks, new: Chunks, itemsize: int, limit: int, method: str | None,
                   stageable: bool) -> bool:
    """Whether a rechunk ``old -> new`` should move its blocks through temporary storage.

    ``method`` is the caller's choice (None: choose, "tasks" or "disk"); ``stageable`` whether
    the values are bytes at all. Chosen when the old blocks one new block overlaps hold more than
    ``limit`` together (see :func:`source_span_bytes`).

    >>> stages_on_disk(((1,) * 4, (4,)), ((4,), (1,) * 4), 8, 100, None, True)
    True
    >>> stages_on_disk(((1,) * 4, (4,)), ((4,), (1,) * 4), 8, 100, "tasks", True)
    False
    """
    if method == "tasks" or not all(map(sum, old)) or not stageable:
        return False  # no elements (nothing to hold) or Python objects (no bytes to write)
    if method == "disk":
        return True
    return source_span_bytes(old, new, max(itemsize, 1)) > limit


def staging_groups_within(old: Chunks, new: Chunks, itemsize: int, limit: int
                          ) -> tuple[int, ...]:
    """How many neighbouring old blocks share a file, per axis, in a staged rechunk
    ``old -> new`` whose tasks fit ``limit`` (see :func:`staging_groups`); raises
    ``ValueError`` when an old and a new block together do not fit.

    >>> staging_groups_within(((8,), (2,) * 4), ((2,) * 4, (8,)), 8, 1024)  # files of 256 bytes
    (1, 2)
    >>> staging_groups_within(((8,), (8,)), ((8,), (8,)), 8, 100)
    Traceback (most recent call last):
    ...
    ValueError: cannot rechunk through storage within memory_limit=100 bytes: ...
    """
    itemsize = max(itemsize, 1)
    old_block = largest_block_nbytes(old, itemsize)
    new_block = largest_block_nbytes(new, itemsize)
    # A write holds its old block; a read holds its new block and, while it copies its pieces
    # of a file, a run of bytes at most twice a piece or, for pieces scattered across their
    # blocks, the file mapped, and every page it touches brings in its whole folio of the page
    # cache (with whole maps of files of 128 MiB, reads of a 2 GiB rechunk peaked 100 MiB
    # higher). So files stay at a quarter of the limit (two readers and their new blocks fit
    # it) and at most eight old blocks, as many as merged writes took before files held blocks
    # as they are.
    if old_block + new_block > limit:
        raise ValueError(
            f"cannot rechunk through storage within memory_limit={limit:,} bytes: a task may "
            f"hold an old block ({old_block:,} bytes) and a new one ({new_block:,} bytes); use "
            f"a larger memory_limit or blocks of at most {max(limit // (2 * itemsize), 1):,} "
            f"elements"
        )
    return staging_groups(old, new, itemsize, min(limit // 4, limit - new_block, 8 * old_block))


def staging_groups(old: Chunks, new: Chunks, itemsize: int, budget: int) -> tuple[int, ...]:
    """How many neighbouring old blocks share a file of a staged rechunk, per axis, so that
    each file holds at most ``budget`` bytes.

    Every new block reads a piece of every file it overlaps, and each costs a file opened,
    mapped and unmapped: an all-to-all rechunk of ``k`` by ``k`` blocks in a file each makes
    ``k * k`` of them. Grouping old blocks along the axes where new blocks span several of them
    (the axis spanned by the most first, doubling) divides that count, as rechunker does with its
    read chunks. Blocks are written into their file as they are, so a group costs no memory.

    >>> staging_groups(((8,), (2,) * 4), ((2,) * 4, (8,)), 8, 8 * 8 * 4)  # two blocks of 128
    (1, 2)
    >>> staging_groups(((8,), (2,) * 4), ((2,) * 4, (8,)), 8, 100)  # one block is 128 bytes
    (1, 1)
    """
    factors = [1] * len(old)
    spans = [_max_blocks(o, n) for o, n in zip(old, new)]
    while True:
        options = []
        for axis, (k, span) in enumerate(zip(factors, spans)):
            if k < span:
                trial = factors[:axis] + [min(2 * k, span)] + factors[axis + 1:]
                merged = tuple(_merge(o, f) for o, f in zip(old, trial))
                if largest_block_nbytes(merged, itemsize) <= budget:
                    options.append((-span / k, axis, trial))
        if not options:
            return tuple(factors)
        factors = min(options)[2]


def _max_blocks(old: tuple[int, ...], new: tuple[int, ...]) -> int:
    """Along one axis: the most old blocks one new block overlaps."""
    grid = axis_grid(old)
    return max([1, *(len(grid.blocks_between(lo, hi)) for lo, hi in _intervals(new))])


def _merge(sizes: tuple[int, ...], k: int) -> tuple[int, ...]:
    """Every ``k`` neighbouring blocks as one."""
    return tuple(sum(sizes[i:i + k]) for i in range(0, len(sizes), k))
