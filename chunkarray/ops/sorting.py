"""Sorting: ``sort``, ``argsort``, ``partition``, ``argpartition``, ``topk``, ``argtopk``.

Along an axis in one block, each block is sorted by NumPy. Along a 1-d axis split in several
blocks it is a distributed sample sort with exact cuts (see :mod:`chunkarray.kernels.order`):
every block sorted, a regular sample of each, the bounds of each output block's first rank chosen
from the samples (one small task), each block counted against those bounds, the exact cut of every
block found per output block, every sorted block cut into pieces (one per group of output
blocks, so it can be freed at once), and each output block merged from its runs in the pieces.
The output blocks have the input's sizes, so the result's chunks are known when the graph is
built; no task holds more than its block, its pieces and about one block of candidates, and the
whole sort about one copy of the data besides its result.

An axis of an N-d array is sorted whole inside blocks of about the ``chunk_size`` setting (the
other axes split to fit), and put back in the input's chunks; when a single lane along the axis
is larger than that, each lane is sorted on its own by the sample sort.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from itertools import product
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.array_methods import provide
from chunkarray.core import config
from chunkarray.core.bytesize import parse_bytes
from chunkarray.core.chunks import block_offsets, chunk_boundaries
from chunkarray.core.graph import Node
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import order as ok
from chunkarray.ops.creation import asarray
from chunkarray.ops.dispatch import implements
from chunkarray.ops.indexing import getitem
from chunkarray.ops.join import stack
from chunkarray.ops.rechunk import rechunk
from chunkarray.ops.reductions import _split_factors
from chunkarray.ops.shape import moveaxis, ravel, reshape
from chunkarray.primitives.blockwise import Blockwise, blockwise_node
from chunkarray.primitives.reduce import PartialReduce
from chunkarray.primitives.tasks import TaskGrid

__all__ = ["argpartition", "argsort", "argtopk", "partition", "sort", "topk"]

_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def lane_chunks(shape: tuple[int, ...], whole: tuple[int, ...], itemsize: int
                ) -> tuple[tuple[int, ...], ...] | None:
    """Chunks with the axes ``whole`` in one block and the others split so a block is about the
    ``chunk_size`` setting; None when one lane (the ``whole`` axes alone) is larger than that.

    >>> lane_chunks((10, 4), (0,), 8)
    ((10,), (4,))
    """
    target = parse_bytes(config.get("chunk_size"))
    lane = itemsize * math.prod(shape[a] for a in whole)
    if lane > target:
        return None
    budget = max(1, target // max(lane, 1))
    chunks: list[tuple[int, ...]] = [()] * len(shape)
    for a in reversed(range(len(shape))):
        if a in whole:
            chunks[a] = (shape[a],)
            continue
        size = max(1, min(shape[a], budget))
        budget = max(1, budget // size)
        full, rest = divmod(shape[a], size)
        chunks[a] = (size,) * full + ((rest,) if rest else ()) or (0,)
    return tuple(chunks)


def _check_kind(kind: Any, stable: Any, label: str) -> str | None:
    if kind not in _KINDS:
        raise ValueError(f"{label}: kind={kind!r}; allowed: {', '.join(map(str, _KINDS[1:]))}")
    if stable is not None:
        if kind is not None:
            raise ValueError(f"{label}: give kind= or stable=, not both (kind={kind!r}, "
                             f"stable={stable!r})")
        return "stable" if stable else None
    return kind


def _no_order(order: Any, label: str) -> None:
    if order is not None:
        raise ValueError(f"{label}: order= (sorting by structured fields) is not supported, "
                         f"got order={order!r}")


def _sample_sort(x: ChunkedArray, *, arg: bool) -> ChunkedArray:
    """Sort (or argsort, stably) a 1-d array of several blocks: the result has its chunks."""
    sizes = x.chunks[0]
    offsets = block_offsets(x.chunks)[0]
    ind = (0,)
    token = tokenize(x.name, arg)
    orders = None
    if arg:
        orders = blockwise_node(ok.argsort_block, ind, x._node, ind, dtype=np.intp,
                                block_kwargs=lambda i: {"offset": offsets[i[0]]},
                                name=f"argsort-block-{token}")
        name = f"argsort-values-{token}"
        srt = Blockwise(name, x.chunks, x.dtype, ok.sorted_values, ind, (x._node, orders),
                        (ind, ind), lambda i: {"offset": offsets[i[0]]})
    else:
        srt = blockwise_node(ok.sort_block, ind, x._node, ind, dtype=x.dtype,
                             name=f"sort-block-{token}")
    step = ok.sample_step(sizes)
    samples = blockwise_node(partial(ok.regular_sample, step=step), ind, srt, ind,
                             dtype=x.dtype, adjust_chunks={0: lambda n: -(-n // step)},
                             name=f"sort-sample-{token}")
    ranks = np.array(chunk_boundaries(sizes)[1:-1], dtype=np.int64)
    bounds = blockwise_node(partial(ok.choose_bounds, ranks=ranks, step=step), (), samples, ind,
                            dtype=object, name=f"sort-bounds-{token}")
    counts = blockwise_node(ok.count_block, ind, srt, ind, bounds, (), dtype=object,
                            name=f"sort-counts-{token}")
    selected = blockwise_node(ok.select_rank, ("r",), counts, ("m",), bounds, (), dtype=object,
                              new_axes={"r": (1,) * len(ranks)},
                              block_kwargs=lambda i: {"i": i[0]}, name=f"sort-cuts-{token}")
    table = blockwise_node(partial(ok.cut_table, sizes=sizes), (), selected, ("r",),
                           dtype=object, name=f"sort-table-{token}")
    return ChunkedArray(_cut_and_merge(srt, orders, table, token))


# Output blocks are merged in this many groups: each sorted block is cut into one piece per group.
_GROUPS = 8


def _cut_and_merge(srt: Node, orders: Node | None, table: Node, token: str) -> Node:
    """The output blocks, from the sorted blocks (and their orders) and the table of cuts.

    Every sorted block is cut into one piece per group of consecutive output blocks, and each
    output block merges its runs from the pieces of its group. The pieces are all cut before
    the first merge (the merges take ``all_cut``, whose lowering emits them block by block), so
    each sorted block is freed as soon as it is cut, and a group's pieces once the group is
    merged: the sort holds about one copy of the data, and a group, besides its result. Groups
    keep the tasks linear in the blocks (``_GROUPS`` pieces per block).
    """
    sizes = srt.chunks[0]
    nblocks = len(sizes)
    groups = min(nblocks, _GROUPS)
    first = [g * nblocks // groups for g in range(groups + 1)]  # output blocks of group g
    group_of = np.repeat(np.arange(groups), np.diff(first))
    cut_args: list[Any] = [srt, ("m",)]
    if orders is not None:
        cut_args += [orders, ("m",)]
    pieces = blockwise_node(
        ok.cut_arg_piece if orders is not None else ok.cut_piece, ("m", "g"), *cut_args,
        table, (), dtype=object, new_axes={"g": (1,) * groups},
        block_kwargs=lambda i: {"m": i[0], "lo": first[i[1]], "hi": first[i[1] + 1]},
        name=f"sort-pieces-{token}")
    cut = blockwise_node(ok.all_cut, (), pieces, ("m", "g"), dtype=object,
                         name=f"sort-all-cut-{token}")
    merge = ok.merge_argsort if orders is not None else ok.merge_sort

    def plan(index: tuple[int, ...]) -> tuple[Callable[..., Any], list[Any]]:
        j = index[0]
        g = int(group_of[j])
        keys = [(pieces.name, m, g) for m in range(nblocks)]
        return partial(merge, j=j, lo=first[g]), [(cut.name,), (table.name,), keys]

    label = "argsort" if orders is not None else "sort"
    return TaskGrid(f"{label}-merge-{token}", (sizes,), np.intp if orders is not None
                    else srt.dtype, [cut, table, pieces], plan)


def _blockwise_sort(x: ChunkedArray, axis: int, func: Callable[..., Any], dtype: Any,
                    label: str, **kwargs: Any) -> ChunkedArray:
    ind = tuple(range(x.ndim))
    return ChunkedArray(blockwise_node(partial(func, axis=axis, **kwargs), ind, x._node, ind,
                                       dtype=dtype, token=label))


def _per_lane(x: ChunkedArray, axis: int, one: Callable[[ChunkedArray], ChunkedArray]
              ) -> ChunkedArray:
    """``one`` applied to every 1-d lane along ``axis``, stacked back (lanes larger than a
    block's target size are few: the array is at least their number times that size)."""
    moved = moveaxis(x, axis, -1)
    others = moved.shape[:-1]
    lanes = [one(getitem(moved, idx)) for idx in product(*map(range, others))]
    out = reshape(stack(lanes), (*others, moved.shape[-1]))
    return rechunk(moveaxis(out, -1, axis), x.chunks)  # lanes joined back into the input's blocks


def _sort_along(x: ChunkedArray, axis: Any, kind: str | None, *, arg: bool, label: str
                ) -> ChunkedArray:
    if axis is None:
        x, axis = ravel(x), 0
    if x.ndim == 0:
        raise np.exceptions.AxisError(f"{label}: axis {axis} is out of bounds for a 0-d array")
    axis = normalize_axis_index(axis, x.ndim, "axis")
    require_known_chunks(x, label, (axis,))
    func = np.argsort if arg else np.sort
    dtype = np.dtype(np.intp) if arg else x.dtype
    if x.numblocks[axis] == 1:
        return _blockwise_sort(x, axis, func, dtype, label, kind=kind)
    if x.ndim == 1:
        return _sample_sort(x, arg=arg)
    require_known_chunks(x, label)
    whole = lane_chunks(x.shape, (axis,), x.dtype.itemsize)
    if whole is None:
        return _per_lane(x, axis, partial(_sample_sort, arg=arg))
    # Ties in one lane are ordered as NumPy's own kind orders them: the lane is sorted whole.
    out = _blockwise_sort(rechunk(x, whole), axis, func, dtype, label, kind=kind)
    return rechunk(out, x.chunks)


@implements(np.sort)
def sort(a: Any, /, axis: Any = -1, kind: str | None = None, order: Any = None, *,
         stable: bool | None = None) -> ChunkedArray:
    """A sorted copy along ``axis`` (the flattened array when None), like ``numpy.sort``:
    NaNs last, complex numbers by real then imaginary part.

    The result has the input's chunks. Along an axis in one block, each block is sorted by
    NumPy. Along a split axis: a 1-d array is sample-sorted across its blocks; for an N-d array,
    when one lane (the axis alone) is at most the ``chunk_size`` setting, blocks of whole lanes
    are sorted by NumPy (a small rechunk each way); a longer lane is never put in one block but
    sample-sorted on its own, lane by lane, so memory stays a few blocks per lane.

    >>> import chunkarray as ca, numpy as np
    >>> sort(ca.from_array(np.array([3.0, np.nan, 1.0, 2.0]), chunks=2)).compute()
    array([ 1.,  2.,  3., nan])
    """
    kind = _check_kind(kind, stable, "sort")
    _no_order(order, "sort")
    return _sort_along(asarray(a), axis, kind, arg=False, label="sort")


@implements(np.argsort)
def argsort(a: Any, /, axis: Any = -1, kind: str | None = None, order: Any = None, *,
            stable: bool | None = None) -> ChunkedArray:
    """Positions that sort the array along ``axis``, like ``numpy.argsort``.

    Across blocks the order is always stable (ties by position), which is NumPy's with
    ``kind="stable"``; within one block NumPy's own ``kind`` is used. Split axes are handled as
    in :func:`sort` (whole small lanes in blocks, longer lanes sample-sorted one by one).

    >>> import chunkarray as ca, numpy as np
    >>> argsort(ca.from_array(np.array([3, 1, 2, 1]), chunks=2), stable=True).compute()
    array([1, 3, 2, 0])
    """
    kind = _check_kind(kind, stable, "argsort")
    _no_order(order, "argsort")
    return _sort_along(asarray(a), axis, kind, arg=True, label="argsort")


def _check_kth(kth: Any, n: int, label: str) -> np.ndarray:
    k = np.asarray(kth)
    if k.dtype.kind not in "iu" or k.ndim > 1:
        raise TypeError(f"{label}: kth must be an int or a 1-d sequence of ints, got {kth!r}")
    bad = k[(k < -n) | (k >= n)]
    if bad.size:
        raise ValueError(f"{label}: kth={int(bad[0])} is out of bounds for an axis of length "
                         f"{n}; allowed: -{n} <= kth < {n}")
    return k


def _partition(a: Any, kth: Any, axis: Any, kind: str, order: Any, *, arg: bool
               ) -> ChunkedArray:
    # Along a split axis the sort is used: a sorted lane is partitioned around every kth at
    # once, and the sample sort costs about one sort of the data spread over the workers (a
    # distributed selection would need the same block sorts to count ranks exactly).
    label = "argpartition" if arg else "partition"
    if kind != "introselect":
        raise ValueError(f"{label}: kind={kind!r}; allowed: 'introselect'")
    _no_order(order, label)
    x = asarray(a)
    if axis is None:
        x, axis = ravel(x), 0
    if x.ndim == 0:
        raise np.exceptions.AxisError(f"{label}: axis {axis} is out of bounds for a 0-d array")
    axis = normalize_axis_index(axis, x.ndim, "axis")
    require_known_chunks(x, label, (axis,))
    k = _check_kth(kth, x.shape[axis], label)
    if x.numblocks[axis] == 1:
        func = np.argpartition if arg else np.partition
        dtype = np.dtype(np.intp) if arg else x.dtype
        ind = tuple(range(x.ndim))
        kernel = partial(func, kth=k, axis=axis)
        return ChunkedArray(blockwise_node(kernel, ind, x._node, ind, dtype=dtype, token=label))
    # A sorted lane is a partition around every kth at once.
    return _sort_along(x, axis, "stable", arg=arg, label=label)


@implements(np.partition)
def partition(a: Any, /, kth: Any, axis: Any = -1, kind: str = "introselect",
              order: Any = None) -> ChunkedArray:
    """The element of sorted position ``kth`` in place, smaller ones before, larger after, like
    ``numpy.partition`` (the order on each side is unspecified).

    >>> import chunkarray as ca, numpy as np
    >>> int(partition(ca.from_array(np.array([5, 1, 4, 2, 3]), chunks=2), 2)[2].compute())
    3
    """
    return _partition(a, kth, axis, kind, order, arg=False)


@implements(np.argpartition)
def argpartition(a: Any, /, kth: Any, axis: Any = -1, kind: str = "introselect",
                 order: Any = None) -> ChunkedArray:
    """Positions that partition the array around ``kth``, like ``numpy.argpartition``.

    >>> import chunkarray as ca, numpy as np
    >>> int(argpartition(ca.from_array(np.array([5, 1, 4, 2, 3]), chunks=2), 0)[0].compute())
    1
    """
    return _partition(a, kth, axis, kind, order, arg=True)


# --- topk -----------------------------------------------------------------------------------------


def _check_k(k: Any, n: int, label: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{label}: k must be an int, got {k!r}")
    if abs(int(k)) > n:
        raise ValueError(f"{label}: k={int(k)} asks for more elements than the {n} along the "
                         f"axis; allowed: -{n} <= k <= {n}")
    return int(k)


def _topk_tree(x: ChunkedArray, k: int, axis: int, split_every: Any, *, arg: bool
               ) -> ChunkedArray:
    """dask's top-k: each block's ``|k|`` by ``np.partition``, groups of ``split_every`` of those
    merged level by level, the last ``|k|`` sorted. Every block must hold at least ``|k|``."""
    m = abs(k)
    ind = tuple(range(x.ndim))
    label = "argtopk" if arg else "topk"
    offsets = block_offsets(x.chunks)[axis]
    kw: dict[str, Any] = {"k": k, "axis": axis, "arg": arg}
    node: Node = blockwise_node(
        partial(ok.topk_chunk, **kw), ind, x._node, ind, dtype=np.intp if arg else x.dtype,
        adjust_chunks={axis: m}, token=(label, "chunk", k),
        block_kwargs=(lambda i: {"offset": offsets[i[axis]]}) if arg else None)
    split = _split_factors(split_every, (axis,), x.ndim)
    combine = partial(ok.topk_combine, **kw)
    while node.numblocks[axis] > split[axis]:
        node = PartialReduce(node, combine, (axis,), split, dtype=node.dtype,
                             label=f"{label}-combine", size=m)
    node = PartialReduce(node, partial(ok.topk_aggregate, **kw), (axis,), split,
                         dtype=node.dtype, label=f"{label}-aggregate", size=m)
    return ChunkedArray(node)


def _topk(a: Any, k: Any, axis: Any, split_every: Any, *, arg: bool) -> ChunkedArray:
    label = "argtopk" if arg else "topk"
    x = asarray(a)
    if x.ndim == 0:
        raise np.exceptions.AxisError(f"{label}: axis {axis} is out of bounds for a 0-d array")
    axis = normalize_axis_index(axis, x.ndim, "axis")
    require_known_chunks(x, label, (axis,))
    k = _check_k(k, x.shape[axis], label)
    if k != 0 and min(x.chunks[axis]) >= abs(k):
        return _topk_tree(x, k, axis, split_every, arg=arg)
    # k is 0, or as large as some block: a partial top-k would keep about every element, so
    # take the ends of the exact sort. The k largest in NumPy's order (NaN largest) are the last
    # k of a stable sort, largest first; the -k smallest its first -k.
    _split_factors(split_every, (axis,), x.ndim)  # validated all the same
    srt = _sort_along(x, axis, "stable", arg=arg, label=label)
    n = x.shape[axis]
    if k >= 0:
        picked = getitem(srt, tuple(slice(n - 1, n - 1 - k if n - 1 - k >= 0 else None, -1)
                                    if d == axis else slice(None) for d in range(x.ndim)))
    else:
        picked = getitem(srt, tuple(slice(0, -k) if d == axis else slice(None)
                                    for d in range(x.ndim)))
    return picked


def topk(a: Any, /, k: int, axis: int = -1, split_every: Any = None) -> ChunkedArray:
    """The ``k`` largest elements along ``axis``, largest first; negative ``k``: the ``-k``
    smallest, smallest first (``dask.array.topk``'s signature and order).

    As dask does it: each block keeps its own ``|k|`` by ``np.partition`` (O(block)), groups of
    ``split_every`` (default: the ``split_every`` setting) are merged level by level, and only
    the last ``|k|`` are sorted. When ``|k|`` exceeds a block along ``axis``, the ends of the
    exact sort are taken instead.

    >>> import chunkarray as ca, numpy as np
    >>> topk(ca.from_array(np.array([5, 1, 4, 2, 3]), chunks=2), 2).compute()
    array([5, 4])
    """
    return _topk(a, k, axis, split_every, arg=False)


def argtopk(a: Any, /, k: int, axis: int = -1, split_every: Any = None) -> ChunkedArray:
    """Positions of the ``k`` largest elements along ``axis`` (see :func:`topk`). Ties are
    ordered as by ``argsort(kind="stable")`` (the largest-first order reverses it), whatever
    the chunking.

    >>> import chunkarray as ca, numpy as np
    >>> argtopk(ca.from_array(np.array([5, 1, 4, 2, 3]), chunks=2), -2).compute()
    array([1, 3])
    """
    return _topk(a, k, axis, split_every, arg=True)


provide("argsort")(argsort)
provide("argpartition")(argpartition)
provide("topk")(topk)
provide("argtopk")(argtopk)


@provide("sort")
def _sort_in_place(x: ChunkedArray, axis: Any = -1, kind: str | None = None, order: Any = None,
                   *, stable: bool | None = None) -> None:
    # ``ndarray.sort`` sorts in place and returns None: the array now stands for its sorted
    # values (as ``x[i] = v`` rebinds it); other arrays made from it are unchanged.
    x._node = sort(x, axis, kind, order, stable=stable)._node


@provide("partition")
def _partition_in_place(x: ChunkedArray, kth: Any, axis: Any = -1, kind: str = "introselect",
                        order: Any = None) -> None:
    x._node = partition(x, kth, axis, kind, order)._node
