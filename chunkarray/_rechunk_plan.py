"""Planning a rechunk: pure functions over chunk tuples, no graphs.

A single-stage rechunk makes each new block from the old blocks it overlaps, so one task holds
those whole old blocks plus the new one. From tall-skinny to short-wide blocks that is the whole
array. :func:`plan_rechunk` then goes through an intermediate chunking, grown as large as the memory
limit allows (fewer, bigger tasks), so that every task of every stage fits.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from chunkarray._chunks import (
    Chunks,
    blockdims_from_blockshape,
    chunk_boundaries,
    common_refinement,
)

__all__ = [
    "StagingLayout", "plan_rechunk", "plan_staging", "source_span_bytes", "stage_task_bytes",
    "staged_reads", "staging_write_chunks",
]


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


# --- staging through storage ----------------------------------------------------------------------


def source_span_bytes(old: Chunks, new: Chunks, itemsize: int) -> int:
    """The most bytes of ``old`` blocks that one ``new`` block overlaps.

    Those blocks must all exist before that new block can be made. When they cannot be made
    again, an in-memory rechunk holds them all at once, however it is staged; above the memory
    limit, :func:`chunkarray.rechunking.rechunk` stages through storage instead.

    >>> source_span_bytes(((4, 4),), ((2, 2, 2, 2),), 8)
    32
    >>> source_span_bytes(((1,) * 4, (4,)), ((4,), (1,) * 4), 8)  # all to all: the whole array
    128
    """
    return itemsize * math.prod(_max_span(o, n) for o, n in zip(old, new))


def staging_write_chunks(old: Chunks, new: Chunks, itemsize: int, budget: int) -> Chunks:
    """``old`` with neighbouring blocks merged, so that each write of a staged rechunk is larger.

    Every new block reads a piece of every staged block it overlaps, and each piece costs a
    storage read of its own (zarr reads the shard's index, then the piece): an all-to-all rechunk
    of ``k`` by ``k`` blocks makes ``k * k`` of them. Merging old blocks into writes of up to
    ``budget`` bytes, along the axes where new blocks span several of them (the axis spanned by
    the most first, doubling), divides that count, as rechunker does with its read chunks.

    >>> staging_write_chunks(((8,), (2,) * 4), ((2,) * 4, (8,)), 8, 8 * 8 * 4)
    ((8,), (4, 4))
    >>> staging_write_chunks(((8,), (2,) * 4), ((2,) * 4, (8,)), 8, 100)  # one block is 128 bytes
    ((8,), (2, 2, 2, 2))
    """
    factors = [1] * len(old)
    spans = [_max_blocks(o, n) for o, n in zip(old, new)]
    while True:
        options = []
        for axis, (k, span) in enumerate(zip(factors, spans)):
            if k < span:
                trial = factors[:axis] + [min(2 * k, span)] + factors[axis + 1:]
                merged = tuple(_merge(o, f) for o, f in zip(old, trial))
                if itemsize * math.prod(max(c) for c in merged) <= budget:
                    options.append((-span / k, axis, trial))
        if not options:
            return tuple(_merge(o, f) for o, f in zip(old, factors))
        factors = min(options)[2]


def _max_blocks(old: tuple[int, ...], new: tuple[int, ...]) -> int:
    """Along one axis: the most old blocks one new block overlaps."""
    bounds = chunk_boundaries(old)
    most, lo = 1, 0
    for size in new:
        if size:
            most = max(most, bisect_right(bounds, lo + size - 1) - bisect_right(bounds, lo) + 1)
        lo += size
    return most


def _merge(sizes: tuple[int, ...], k: int) -> tuple[int, ...]:
    """Every ``k`` neighbouring blocks as one."""
    return tuple(sum(sizes[i:i + k]) for i in range(0, len(sizes), k))


#: Inner chunks of a staged array are coarsened towards this size (see :func:`plan_staging`).
MIN_INNER_BYTES = 2**20

Run = tuple[slice, slice]  # (where in the staged array, where in the new block) along one axis


@dataclass(frozen=True)
class StagingLayout:
    """How a rechunk lays its old blocks out in a temporary zarr array.

    Old block ``b`` of an axis starts at ``b * shards[axis]`` (the largest old block), so every
    old block is exactly one shard, or the start of one: no two writes touch one storage object,
    however ragged the blocks. With regular blocks this is the array itself (only the last block
    is short). ``chunks`` are the shards' inner chunks.
    """

    shape: tuple[int, ...]
    shards: tuple[int, ...]
    chunks: tuple[int, ...]


def plan_staging(old: Chunks, new: Chunks, itemsize: int,
                 min_inner_bytes: int = MIN_INNER_BYTES) -> StagingLayout:
    """The staged array for ``old -> new``: shards are old blocks, inner chunks fit new ones.

    Inner chunks start as the largest ones on whose edges every new block edge falls (the common
    refinement, made regular), so reading a new block decodes nothing outside it. Only when those
    are smaller than ``min_inner_bytes`` (many tiny chunks cost more per byte than the bytes) are
    axes coarsened, never beyond the largest new block along them: a new block then decodes at
    most one extra inner chunk at each end of each axis.

    >>> plan_staging(((16, 16, 16, 16), (64,)), ((64,), (16, 16, 16, 16)), 8, 0)
    StagingLayout(shape=(64, 64), shards=(16, 64), chunks=(16, 16))
    >>> plan_staging(((3, 7),), ((5, 5),), 1, 0)  # ragged: the shorter block is padded
    StagingLayout(shape=(14,), shards=(7,), chunks=(1,))
    >>> plan_staging(((8, 8),), ((5, 5, 6),), 1, 0).chunks  # edges at 5 and 8 + 2
    (1,)
    >>> plan_staging(((8, 8),), ((5, 5, 6),), 1, 4).chunks  # coarsened to 4 bytes
    (4,)
    """
    shards = tuple(max(max(o), 1) for o in old)
    shape = tuple((len(o) - 1) * s + o[-1] for o, s in zip(old, shards))
    aligned = tuple(_aligned_inner(o, n, s) for o, n, s in zip(old, new, shards))
    chunks = _coarsen(aligned, shards, tuple(max(n) for n in new), itemsize, min_inner_bytes)
    return StagingLayout(shape, shards, chunks)


def _aligned_inner(old: tuple[int, ...], new: tuple[int, ...], shard: int) -> int:
    """Along one axis: the largest divisor of ``shard`` on whose multiples every new edge falls,
    counted from the start of the old block it cuts."""
    bounds = chunk_boundaries(old)
    size = shard
    for edge in chunk_boundaries(new)[1:-1]:
        size = math.gcd(size, edge - bounds[bisect_right(bounds, edge) - 1])
    return size


def _coarsen(inner: tuple[int, ...], shards: tuple[int, ...], largest_new: tuple[int, ...],
             itemsize: int, min_bytes: int) -> tuple[int, ...]:
    """Grow inner chunks (to divisors of the shards, no larger than the largest new block) until
    they hold ``min_bytes``, the axis that is smallest against its new blocks first."""
    sizes = list(inner)
    while itemsize * math.prod(sizes) < min_bytes:
        options = []
        for axis, (size, shard, limit) in enumerate(zip(sizes, shards, largest_new)):
            bigger = [d for d in range(size + 1, min(shard, limit) + 1)
                      if shard % d == 0 and d % inner[axis] == 0]
            if bigger:
                options.append((size / limit, axis, bigger[0]))
        if not options:
            break
        _, axis, size = min(options)
        sizes[axis] = size
    return tuple(sizes)


def staged_reads(old: tuple[int, ...], new: tuple[int, ...]
                 ) -> list[tuple[range, tuple[Run, ...]]]:
    """Along one axis, per new block: the old blocks it needs and its reads of the staged array.

    Pieces of neighbouring old blocks that are contiguous in the staged array (an old block of
    full shard length, then the next) are read at once, so with regular blocks a new block is
    one read.

    >>> staged_reads((4, 4, 2), (6, 4))
    [(range(0, 2), ((slice(0, 6, None), slice(0, 6, None)),)), \
(range(1, 3), ((slice(6, 10, None), slice(0, 4, None)),))]
    >>> staged_reads((3, 5), (4, 4))[0]  # block 0 is padded to the shard length 5
    (range(0, 2), ((slice(0, 3, None), slice(0, 3, None)), (slice(5, 6, None), slice(3, 4, None))))
    """
    shard = max(max(old), 1)
    bounds = chunk_boundaries(old)
    out = []
    lo = 0
    for size in new:
        hi = lo + size
        first, last = bisect_right(bounds, lo) - 1, bisect_right(bounds, hi - 1) - 1
        runs: list[list[int]] = []
        for b in range(first, last + 1):
            start, stop = max(lo, bounds[b]), min(hi, bounds[b + 1])
            src = b * shard + start - bounds[b]
            if runs and runs[-1][1] == src:  # contiguous in the staged array: one read
                runs[-1][1] += stop - start
                runs[-1][3] += stop - start
            else:
                runs.append([src, src + stop - start, start - lo, stop - lo])
        out.append((range(first, last + 1),
                    tuple((slice(a, b), slice(c, d)) for a, b, c, d in runs)))
        lo = hi
    return out
