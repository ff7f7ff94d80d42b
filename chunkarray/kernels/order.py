"""Per-block kernels of the distributed sort and of exact selection: plain NumPy, no graphs.

Every block (1-d) is sorted on its own first. Exact selection of the elements of given global
ranks then takes three small steps:

1. ``regular_sample``: every ``step``-th element of each sorted block.
2. ``choose_bounds``: for each wanted rank ``r``, two sample values ``lo <= hi`` such that at
   most ``r`` elements are below ``lo`` and more than ``r`` are at most ``hi``. Block ``m`` has at
   most ``step * a`` elements below a value that ``a`` of its samples are below, and at least
   ``step * (b - 1) + 1`` at most a value ``b`` of its samples are at most, which bounds the
   global counts from the samples alone (see ``_bound_positions``).
3. ``count_block``: each block's counts below and up to ``lo`` and ``hi`` (``searchsorted``, in
   NumPy's sort order: NaN last, complex lexicographic) and the slice strictly between them,
   a view of the sorted block. ``select_rank`` merges those few slices and picks the element.

The order is NumPy's with ties broken by block, then position: the order of a stable sort. So
the selection also says how many elements of each block come before the rank (``positions``),
which is what the sort needs to cut every block into the pieces of each output block.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from typing import Any, NamedTuple

import numpy as np

# About this many samples in all (a few MiB) when blocks are few; never fewer than 2 a block.
_SAMPLES = 2**20

__all__ = [
    "Bounds", "all_cut", "argsort_block", "choose_bounds", "count_block", "cut_arg_piece",
    "cut_piece", "cut_table", "merge_argsort", "merge_sort", "regular_sample", "sample_step",
    "select_rank", "sort_block", "topk_aggregate", "topk_chunk", "topk_combine",
]


def sort_block(block: np.ndarray, *, axis: int = -1, kind: Any = None) -> np.ndarray:
    """``np.sort`` of one block.

    >>> sort_block(np.array([3, 1, 2]))
    array([1, 2, 3])
    """
    return np.sort(block, axis=axis, kind=kind)


def argsort_block(block: np.ndarray, *, offset: int) -> np.ndarray:
    """Stable argsort of a 1-d block, as global positions (``offset`` is the block's start).

    >>> argsort_block(np.array([3, 1, 1]), offset=10)
    array([11, 12, 10])
    """
    order = np.argsort(block, kind="stable").astype(np.intp, copy=False)
    order += offset
    return order


def sorted_values(block: np.ndarray, order: np.ndarray, *, offset: int) -> np.ndarray:
    """The block's values in the order of ``argsort_block``.

    >>> sorted_values(np.array([3, 1, 1]), np.array([11, 12, 10]), offset=10)
    array([1, 1, 3])
    """
    return block[order - offset]


def sample_step(sizes: tuple[int, ...]) -> int:
    """The sampling step: at least ``2 * nblocks`` samples per block of the largest size, so the
    elements left between the two bounds of one rank total at most about half a block, and more
    (up to 4096 a block) while the samples of all blocks stay few: the candidates for one rank
    number about ``(nblocks + 1) * step``, so denser samples make every selection cheaper.

    >>> sample_step((1000, 1000, 500)), sample_step((2**20,) * 64)
    (1, 256)
    """
    per_block = max(2 * len(sizes), min(4096, _SAMPLES // len(sizes)))
    return max(1, math.ceil(max(sizes) / per_block))


def regular_sample(sorted_block: np.ndarray, *, step: int) -> np.ndarray:
    """Every ``step``-th element of a sorted block, from the first.

    >>> regular_sample(np.arange(10), step=4)
    array([0, 4, 8])
    """
    return sorted_block[::step].copy()


class Bounds(NamedTuple):
    """Per wanted rank: the rank, and the bounding values ``lo``/``hi`` (``None``: unbounded)."""

    ranks: np.ndarray
    lo: list[Any]
    hi: list[Any]


def _bound_positions(ranks: np.ndarray, step: int, nblocks: int, nsamples: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Positions in the merged sorted samples of the bounds of each rank (``nsamples``: none).

    Below sample ``t`` lie at most ``t`` samples, so at most ``step * t`` elements: ``t = r //
    step`` keeps at most ``r`` elements below ``lo``. Up to sample ``t`` lie at least ``t + 1``
    samples, so at least ``step * (t + 1 - nblocks)`` elements: ``hi`` is taken where that
    reaches ``r + 1``.
    """
    lo = ranks // step
    hi = -(-(ranks + 1) // step) + nblocks - 1
    return lo, np.minimum(hi, nsamples)


def choose_bounds(samples: list[np.ndarray], ranks: np.ndarray, *, step: int) -> Bounds:
    """The bounds of every rank, from the regular samples of all blocks.

    >>> b = choose_bounds([np.array([0, 4, 8]), np.array([1, 5])], np.array([4]), step=4)
    >>> b.lo, b.hi
    ([np.int64(1)], [np.int64(5)])
    """
    ranks = np.asarray(ranks, dtype=np.int64)
    merged = np.sort(np.concatenate(samples)) if samples else np.empty(0)
    lo_at, hi_at = _bound_positions(ranks, step, len(samples), len(merged))
    lo = [merged[t] if t < len(merged) else None for t in lo_at]
    hi = [merged[t] if t < len(merged) else None for t in hi_at]
    return Bounds(ranks, lo, hi)


def count_block(sorted_block: np.ndarray, bounds: Bounds) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per rank: counts below and up to ``lo`` and ``hi``, and the slice strictly between.

    The slices are views of the sorted block: nothing is copied here.

    >>> counts, mids = count_block(np.array([1, 2, 2, 3, 5]), Bounds(np.array([2]), [2], [5]))
    >>> counts[:, 0], mids[0]
    (array([1, 3, 4, 5]), array([3]))
    """
    n = len(sorted_block)
    counts = np.empty((4, len(bounds.ranks)), dtype=np.int64)
    mids = []
    for i, (lo, hi) in enumerate(zip(bounds.lo, bounds.hi)):
        if lo is None:
            lt_lo = le_lo = 0
        else:
            lt_lo = int(np.searchsorted(sorted_block, lo, "left"))
            le_lo = int(np.searchsorted(sorted_block, lo, "right"))
        if hi is None:
            lt_hi = le_hi = n
        else:
            lt_hi = int(np.searchsorted(sorted_block, hi, "left"))
            le_hi = int(np.searchsorted(sorted_block, hi, "right"))
        counts[:, i] = (lt_lo, le_lo, lt_hi, le_hi)
        mids.append(sorted_block[le_lo:max(le_lo, lt_hi)])
    return counts, mids


class Selected(NamedTuple):
    """One selected rank: its value and, per block, how many of its elements come before it."""

    value: Any
    positions: np.ndarray


def select_rank(parts: list[tuple[np.ndarray, list[np.ndarray]]], bounds: Bounds, *, i: int
                ) -> Selected:
    """The element of rank ``bounds.ranks[i]`` and each block's count of elements before it.

    >>> blocks = [np.array([1, 4, 4]), np.array([2, 4, 9])]
    >>> b = Bounds(np.array([3]), [None], [None])
    >>> select_rank([count_block(x, b) for x in blocks], b, i=0)
    Selected(value=np.int64(4), positions=array([2, 1]))
    """
    r = int(bounds.ranks[i])
    c = np.stack([counts[:, i] for counts, _ in parts])  # (blocks, 4)
    lt_lo, le_lo, lt_hi, le_hi = c.T
    if r < le_lo.sum():
        value = bounds.lo[i]
        below, equal = lt_lo, le_lo - lt_lo
    elif r < lt_hi.sum():
        mids = [m[i] for _, m in parts]
        merged = np.concatenate(mids)
        # The (r - before)-th smallest between the bounds; a stable argsort keeps block order.
        k = r - int(le_lo.sum())
        # Selection, not a sort: ``np.partition`` orders as ``np.sort`` does (NaN last,
        # complex lexicographic), and ties are equal values, counted below by ``searchsorted``.
        value = np.partition(merged, k)[k]
        before = np.array([np.searchsorted(m, value, "left") for m in mids], dtype=np.int64)
        upto = np.array([np.searchsorted(m, value, "right") for m in mids], dtype=np.int64)
        below, equal = le_lo + before, upto - before
    else:
        value = bounds.hi[i]
        below, equal = lt_hi, le_hi - lt_hi
    need = r - int(below.sum())
    taken = np.clip(need - (np.cumsum(equal) - equal), 0, equal)
    return Selected(value, below + taken)


def cut_table(selected: list[Selected], *, sizes: tuple[int, ...]) -> np.ndarray:
    """Where every output block starts in every sorted block: row ``j`` of the table is output
    block ``j``'s start in each block, and its last row the blocks' sizes.

    >>> cut_table([Selected(4, np.array([2, 1]))], sizes=(3, 3))
    array([[0, 0],
           [2, 1],
           [3, 3]])
    """
    rows = [np.zeros(len(sizes), dtype=np.int64)]
    rows += [np.asarray(s.positions, dtype=np.int64) for s in selected]
    rows.append(np.asarray(sizes, dtype=np.int64))
    return np.stack(rows)


def cut_piece(sorted_block: np.ndarray, table: np.ndarray, *, m: int, lo: int, hi: int
              ) -> np.ndarray:
    """Block ``m``'s piece of output blocks ``lo`` to ``hi - 1``, as an array of its own.

    A copy, not a view: a view would keep the whole sorted block alive until the last output
    block is merged, and the pieces are what lets each sorted block go once it is cut.

    >>> cut_piece(np.array([1, 4, 4]), np.array([[0], [2], [3]]), m=0, lo=1, hi=2)
    array([4])
    """
    return sorted_block[table[lo, m]:table[hi, m]].copy()


def cut_arg_piece(sorted_block: np.ndarray, order: np.ndarray, table: np.ndarray, *, m: int,
                  lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Block ``m``'s piece of output blocks ``lo`` to ``hi - 1`` of an argsort: its values and
    their positions.

    >>> cut_arg_piece(np.array([1, 4, 4]), np.array([5, 3, 4]), np.array([[0], [2], [3]]),
    ...               m=0, lo=0, hi=1)
    (array([1, 4]), array([5, 3]))
    """
    start, stop = table[lo, m], table[hi, m]
    return sorted_block[start:stop].copy(), order[start:stop].copy()


def _find_malloc_trim() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim, nothing to do
        return None


_MALLOC_TRIM = _find_malloc_trim()


def give_back_freed_memory() -> None:
    """Return the freed parts of the C heap to the operating system (glibc's ``malloc_trim``).

    The pieces of a sort are smaller than its sorted blocks, and once glibc has seen a block
    that large freed, it serves the pieces from its heap rather than from pages of their own;
    freed pieces in the middle of the heap then stay in the process. dask.distributed trims
    its workers' heaps the same way. Pages given back are faulted in again when reused, so
    the merges trim once per group, not once per block.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def all_cut(pieces: Any) -> None:
    """Nothing: a task that runs once every piece is cut (see ``merge_sort``)."""
    return None


def _runs(table: np.ndarray, pieces: list[Any], j: int, lo: int) -> list[Any]:
    """Output block ``j``'s part of each piece (pieces start at output block ``lo``)."""
    start = table[j] - table[lo]
    stop = table[j + 1] - table[lo]
    return [p[a:b] for p, a, b in zip(pieces, start, stop)]


def merge_sort(cut: None, table: np.ndarray, pieces: list[np.ndarray], *, j: int, lo: int,
               out: np.ndarray | None = None) -> np.ndarray:
    """Output block ``j`` of the sort: its runs, one in each block's piece, merged (into
    ``out`` when given: the block's place in the result of a ``compute``).

    ``cut`` is the result of :func:`all_cut`: taking it makes every piece be cut before the
    first merge, so each sorted block is cut whole and freed at once, rather than held until
    the last output block takes its piece.

    >>> table = np.array([[0, 0], [2, 1], [3, 3]])
    >>> merge_sort(None, table, [np.array([1, 4, 4]), np.array([2, 4, 9])], j=1, lo=0)
    array([4, 4, 9])
    """
    if j == lo:  # the first of its group: the pieces of the group before are merged, and freed
        give_back_freed_memory()
    runs = _runs(table, pieces, j, lo)
    if out is None:
        out = np.concatenate(runs)
    else:
        np.concatenate(runs, out=out)
    # The runs are sorted: NumPy's stable sort (timsort) finds them and only merges, about
    # half the work of sorting them again.
    out.sort(kind="stable")
    return out


merge_sort.writes_out = True  # type: ignore[attr-defined]


def merge_argsort(cut: None, table: np.ndarray, pieces: list[tuple[np.ndarray, np.ndarray]],
                  *, j: int, lo: int) -> np.ndarray:
    """Output block ``j`` of the argsort: the global positions of its runs in stable order
    (within a run, equal values are in order of position, and runs are in block order).

    >>> table = np.array([[0, 0], [2, 1], [3, 3]])
    >>> pieces = [(np.array([1, 4, 4]), np.array([0, 1, 2])),
    ...           (np.array([2, 4, 9]), np.array([3, 4, 5]))]
    >>> merge_argsort(None, table, pieces, j=0, lo=0)
    array([0, 3, 1])
    """
    if j == lo:
        give_back_freed_memory()
    values = np.concatenate(_runs(table, [v for v, _ in pieces], j, lo))
    positions = np.concatenate(_runs(table, [p for _, p in pieces], j, lo))
    return positions[np.argsort(values, kind="stable")]


# --- top-k: a tree of partial selections --------------------------------------------------------
#
# A block's share of the ``|k|`` largest (``k > 0``) or smallest (``k < 0``) elements of its lane
# is its own top-k: each tree step keeps ``|k|`` per lane by ``np.partition`` (O(block), not a
# sort), and only the last step sorts its ``|k|``. For positions, elements are ordered by
# (value, position), the order of a stable sort, so ties are broken exactly as ``argsort`` with
# ``kind="stable"`` breaks them whatever the chunking; positions stay increasing along each lane
# (selection keeps order and groups join in block order), which is what lets a stable sort of
# values alone order ties by position.


def _beyond_and_ties(vals: np.ndarray, t: np.ndarray, largest: bool
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the elements strictly beyond the threshold ``t`` (in NumPy's order, NaN
    largest) and of those equal to it."""
    beyond = vals > t if largest else vals < t
    eq = vals == t
    if vals.dtype.kind == "f":
        nan_v, nan_t = np.isnan(vals), np.isnan(t)
        beyond |= (nan_v & ~nan_t) if largest else (~nan_v & nan_t)
        eq |= nan_v & nan_t
    return beyond, eq


def _select_top(vals: np.ndarray, pos: np.ndarray | None, k: int
                ) -> tuple[np.ndarray, np.ndarray | None]:
    """The ``|k|`` first (by value, then position) of every lane along the last axis, in
    position order; ``pos`` None: values only, in no particular order."""
    n, m = vals.shape[-1], abs(k)
    if m >= n:
        return vals, pos
    kth = n - m if k > 0 else m - 1
    if pos is None:
        part = np.partition(vals, kth, axis=-1)
        return (part[..., kth:] if k > 0 else part[..., :m]), None
    if vals.dtype.kind not in "biuf":
        # Complex and other kinds: a stable sort (ties by position, as positions increase).
        idx = np.argsort(vals, axis=-1, kind="stable")
        idx = np.sort(idx[..., n - m:] if k > 0 else idx[..., :m], axis=-1)
        return np.take_along_axis(vals, idx, -1), np.take_along_axis(pos, idx, -1)
    t = np.partition(vals, kth, axis=-1)[..., kth:kth + 1]
    beyond, eq = _beyond_and_ties(vals, t, k > 0)
    need = m - beyond.sum(axis=-1, keepdims=True)
    # Of the ties, the last ones by position are the largest (k > 0), the first the smallest.
    seen = np.cumsum(eq[..., ::-1], axis=-1)[..., ::-1] if k > 0 else np.cumsum(eq, axis=-1)
    mask = beyond | (eq & (seen <= need))
    shape = (*vals.shape[:-1], m)
    return vals[mask].reshape(shape), pos[mask].reshape(shape)


def topk_chunk(block: np.ndarray, *, k: int, axis: int, arg: bool, offset: int = 0) -> Any:
    """One block's partial top-k: its values (``arg`` False) or ``(values, positions)``, the
    selection along ``axis`` with ``|k|`` elements a lane (fewer when the block is shorter).

    >>> topk_chunk(np.array([3, 1, 4, 1, 5]), k=2, axis=0, arg=False)
    array([4, 5])
    >>> topk_chunk(np.array([3, 1, 4, 1, 5]), k=-2, axis=0, arg=True, offset=10)
    (array([1, 1]), array([11, 13]))
    """
    vals = np.moveaxis(block, axis, -1)
    pos = None
    if arg:
        pos = np.broadcast_to(np.arange(offset, offset + vals.shape[-1], dtype=np.intp),
                              vals.shape)
    vals, pos = _select_top(vals, pos, k)
    if pos is None:
        return np.moveaxis(vals, -1, axis)
    return np.moveaxis(vals, -1, axis), np.moveaxis(pos, -1, axis)


def _join(parts: list[Any], axis: int, arg: bool) -> tuple[np.ndarray, np.ndarray | None]:
    if not arg:
        return np.moveaxis(np.concatenate(parts, axis=axis), axis, -1), None
    vals = np.concatenate([v for v, _ in parts], axis=axis)
    pos = np.concatenate([p for _, p in parts], axis=axis)
    return np.moveaxis(vals, axis, -1), np.moveaxis(pos, axis, -1)


def topk_combine(parts: list[Any], *, k: int, axis: int, arg: bool) -> Any:
    """A group of partial top-k's (in block order) merged into one.

    >>> topk_combine([np.array([4, 5]), np.array([9, 0])], k=2, axis=0, arg=False)
    array([5, 9])
    """
    vals, pos = _select_top(*_join(parts, axis, arg), k)
    if pos is None:
        return np.moveaxis(vals, -1, axis)
    return np.moveaxis(vals, -1, axis), np.moveaxis(pos, -1, axis)


def topk_aggregate(parts: list[Any], *, k: int, axis: int, arg: bool) -> np.ndarray:
    """The top-k from the last group of partials, largest first (``k > 0``) or smallest first
    (``k < 0``): values, or with ``arg`` their positions, ties as a stable sort orders them.

    >>> topk_aggregate([np.array([4, 5]), np.array([9, 0])], k=2, axis=0, arg=False)
    array([9, 5])
    """
    vals, pos = _select_top(*_join(parts, axis, arg), k)
    order = np.argsort(vals, axis=-1, kind="stable")
    if k > 0:
        order = order[..., ::-1]
    out = np.take_along_axis(vals if pos is None else pos, order, -1)
    return np.moveaxis(out, -1, axis)
