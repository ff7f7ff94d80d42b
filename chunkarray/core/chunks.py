"""Chunk arithmetic: pure functions over tuples of block sizes.

A *chunking* of an array is a tuple with one entry per axis, each entry the tuple of block sizes
along that axis, e.g. ``((4, 4, 2), (5, 5))`` for a 10 x 10 array. Nothing here knows about graphs
or arrays, nor reads settings: what automatic chunking aims for is an argument. Every function
takes and returns plain tuples; where blocks lie is :mod:`chunkarray.core.grid`'s business.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from itertools import accumulate
from numbers import Number
from typing import Any

import numpy as np

from chunkarray.core.bytesize import BYTE_UNITS, BYTES_RE, parse_bytes
from chunkarray.core.grid import (
    AxisGrid,
    ChunkGrid,
    RegularAxis,
    axis_grid,
    check_addressable,
    check_block_counts,
)

Chunks = tuple[tuple[int, ...], ...]
Shape = tuple[int, ...]

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "Chunks",
    "Shape",
    "blockdims_from_blockshape",
    "block_offsets",
    "block_slices",
    "broadcast_chunk_axis",
    "chunk_boundaries",
    "common_refinement",
    "has_unknown",
    "normalize_chunks",
    "parse_bytes",
    "shape_from_chunks",
    "staged_reads",
]

#: What ``chunks="auto"`` aims for when no ``limit`` is given (the ``chunk_size`` setting's default;
#: operations pass the setting itself).
DEFAULT_CHUNK_SIZE = "128 MiB"


def _is_byte_string(spec: object) -> bool:
    # The unit must be one we know, so "5 foo" is reported as an unknown chunk string that names
    # the ``chunks`` argument rather than failing later in ``parse_bytes``.
    if not isinstance(spec, str) or spec == "auto":
        return False
    match = BYTES_RE.match(spec)
    return match is not None and match.group(2).lower() in BYTE_UNITS


def largest_block_nbytes(chunks: Chunks, itemsize: int) -> int:
    """The bytes of the largest block ``chunks`` can make: what one task holding a block holds.

    >>> largest_block_nbytes(((2, 3), (4,)), 8)
    96
    """
    return itemsize * math.prod(max(c) for c in chunks)


def shape_from_chunks(chunks: Chunks) -> Shape:
    """The array shape a chunking describes.

    >>> shape_from_chunks(((4, 4, 2), (5, 5)))
    (10, 10)
    """
    return tuple(sum(c) for c in chunks)


def has_unknown(sizes: Sequence[Any]) -> bool:
    """Whether a tuple of block sizes has unknown (NaN) entries, as after boolean masking.

    >>> has_unknown((4, float("nan"))), has_unknown((4, 2))
    (True, False)
    """
    total = sum(sizes)  # NaN if any size is; summed in C, as this runs on every array made
    return isinstance(total, float) and math.isnan(total)


def blockdims_from_blockshape(shape: Shape, blockshape: Sequence[int]) -> Chunks:
    """Regular blocks of ``blockshape``, the last block on each axis ragged.

    >>> blockdims_from_blockshape((10, 7), (4, 7))
    ((4, 4, 2), (7,))
    """
    return ChunkGrid.regular(shape, blockshape).chunks


def chunk_boundaries(sizes: Sequence[int]) -> tuple[int, ...]:
    """Offsets of block starts plus the end: ``(4, 4, 2)`` -> ``(0, 4, 8, 10)``.

    >>> chunk_boundaries((4, 4, 2))
    (0, 4, 8, 10)
    """
    return (0, *accumulate(sizes))


def block_offsets(chunks: Chunks) -> tuple[tuple[int, ...], ...]:
    """Per axis, the start offset of every block.

    >>> block_offsets(((4, 4, 2), (5, 5)))
    ((0, 4, 8), (0, 5))
    """
    return tuple(chunk_boundaries(c)[:-1] for c in chunks)


def block_slices(chunks: Chunks) -> list[tuple[slice, ...]]:
    """The slice of every block, in C order of block index.

    >>> block_slices(((2, 1), (3,)))
    [(slice(0, 2, None), slice(0, 3, None)), (slice(2, 3, None), slice(0, 3, None))]
    """
    return ChunkGrid.from_chunks(chunks).all_block_slices()


def common_refinement(*axes: tuple[int, ...]) -> tuple[int, ...]:
    """The coarsest chunking of one axis that refines every chunking given.

    >>> common_refinement((4, 4, 2), (5, 5))
    (4, 1, 3, 2)
    """
    if any(map(has_unknown, axes)):
        # Unknown sizes line up only with the very same unknown sizes (the same masked blocks).
        if len(set(axes)) == 1:
            return axes[0]
        raise ValueError(
            f"chunkings with unknown (NaN) sizes cannot be aligned: {axes}; "
            f"call x.compute_chunk_sizes() first"
        )
    totals = {sum(a) for a in axes}
    if len(totals) != 1:
        raise ValueError(f"chunkings of different lengths cannot be refined: {axes}")
    if len(set(axes)) == 1:
        return axes[0]
    cuts = sorted(set().union(*(chunk_boundaries(a) for a in axes)))
    sizes = tuple(hi - lo for lo, hi in zip(cuts[:-1], cuts[1:]))
    return sizes or (0,)


def broadcast_chunk_axis(*axes: tuple[int, ...]) -> tuple[int, ...]:
    """Chunks of one output axis under NumPy broadcasting.

    Length-1 axes stretch to any length; the remaining chunkings must have the same length and are
    refined to their common refinement.

    >>> broadcast_chunk_axis((1,), (2, 3), (5,))
    (2, 3)
    """
    stretching = [a for a in axes if sum(a) != 1]
    if not stretching:
        return axes[0]
    return common_refinement(*stretching)


# --- normalization -------------------------------------------------------------------------------


def normalize_chunks(
    chunks: Any,
    shape: Shape,
    *,
    dtype: np.dtype | None = None,
    previous_chunks: Sequence[int] | None = None,
    limit: int | str | None = None,
) -> Chunks:
    """Turn every form of chunks users write into explicit tuples of block sizes.

    Accepted forms: an int (that block size on every axis), ``-1`` or ``None`` (whole axes),
    ``"auto"`` or a byte size such as ``"64 MiB"`` (blocks near that many bytes, multiples of
    ``previous_chunks`` where given), a tuple with one entry per axis (each an int, ``-1``,
    ``None``, ``"auto"`` or explicit block sizes), explicit tuples of tuples (ragged allowed) and
    a dict ``{axis: spec}`` (axes not named are whole). ``limit`` is what automatic blocks aim
    for (default :data:`DEFAULT_CHUNK_SIZE`; operations pass the ``chunk_size`` setting).
    As in dask, a flat tuple of several numbers for a 1-d array is its block sizes (``(5, 5)``
    for length 10), blocks may have size 0, and a 0-d array takes ``()``. Unknown (NaN) sizes
    are refused: the shape is known, so they could only fail inside compute.

    A shape of more bytes than any machine addresses, or chunks of more blocks than an array may
    hold, is refused before any chunk tuple is built (regular axes are counted, not expanded).

    >>> normalize_chunks((4, -1), (10, 7))
    ((4, 4, 2), (7,))
    >>> normalize_chunks({0: 5}, (10, 7))
    ((5, 5), (7,))
    >>> normalize_chunks(((3, 7), 4), (10, 7))
    ((3, 7), (4, 3))
    >>> normalize_chunks((5, 5), (10,)), normalize_chunks(((5, 0, 5),), (10,))
    (((5, 5),), ((5, 0, 5),))
    """
    shape = _check_shape(shape)
    ndim = len(shape)
    itemsize = np.dtype(dtype).itemsize if dtype is not None else 1
    check_addressable(shape, itemsize, what=lambda: _described(shape, dtype))
    specs = _per_axis_specs(chunks, shape)
    if previous_chunks is not None:
        previous_chunks = _check_previous(previous_chunks, shape)
    auto_limit = limit
    if isinstance(chunks, str) and chunks != "auto":
        auto_limit = chunks
    auto_axes = [i for i, s in enumerate(specs) if s == "auto" or _is_byte_string(s)]
    byte_specs = {s for s in (specs[i] for i in auto_axes) if s != "auto"}
    if len(byte_specs) > 1:
        raise ValueError(f"chunks={chunks!r}: at most one byte size may be given, got {byte_specs}")
    if byte_specs:
        auto_limit = byte_specs.pop()
    out: list[AxisGrid | tuple[int, ...] | None] = []
    for axis, spec in enumerate(specs):
        out.append(None if axis in auto_axes else _normalize_axis(spec, shape[axis], axis, chunks))
    if auto_axes:
        sizes = _auto_blocksizes(shape, out, auto_axes, dtype, previous_chunks, auto_limit, chunks)
        for axis, size in zip(auto_axes, sizes):
            out[axis] = RegularAxis(shape[axis], size)
    axes = [c for c in out if c is not None]
    assert len(axes) == ndim
    # Count the blocks before building any tuple: a regular axis of 10**12 blocks is two ints
    # until its sizes are asked for.
    check_block_counts([len(c) if isinstance(c, tuple) else c.nblocks for c in axes],
                       what=lambda: f"chunks={chunks!r} for {_described(shape, dtype)}")
    return tuple(c if isinstance(c, tuple) else c.sizes for c in axes)


def _described(shape: Shape, dtype: Any) -> str:
    return f"shape={shape}" + (f" of {np.dtype(dtype)}" if dtype is not None else "")


def _check_shape(shape: Any) -> Shape:
    try:
        dims = tuple(operator.index(n) for n in shape)
    except TypeError:
        dims = None
    if dims is None or any(isinstance(n, bool) for n in shape):
        raise TypeError(f"shape must be a tuple of ints, got {shape!r}")
    if any(n < 0 for n in dims):
        raise ValueError(f"shape={shape!r}: dimensions must be non-negative")
    return dims


def _check_previous(previous: Any, shape: Shape) -> tuple[int, ...]:
    sizes = tuple(previous)
    if len(sizes) != len(shape) or not all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in sizes
    ):
        raise ValueError(
            f"previous_chunks={previous!r}: expected one positive int per axis of shape {shape}"
        )
    return tuple(int(s) for s in sizes)


def _per_axis_specs(chunks: Any, shape: Shape) -> list[Any]:
    ndim = len(shape)
    if isinstance(chunks, Mapping):
        bad = [
            k for k in chunks
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not -ndim <= k < ndim
        ]
        if bad:
            raise ValueError(
                f"chunks={chunks!r}: dict keys must be axes in range({-ndim}, {ndim}), got {bad}"
            )
        axes = [int(k) % ndim for k in chunks]
        if len(set(axes)) != len(axes):
            raise ValueError(f"chunks={chunks!r}: the dict names the same axis more than once")
        specs: list[Any] = [-1] * ndim
        for axis, spec in zip(axes, chunks.values()):
            specs[axis] = spec
        return specs
    scalar = isinstance(chunks, (str, int, np.integer)) and not isinstance(chunks, bool)
    if chunks is None or scalar:
        if ndim == 0 and not (chunks == "auto" or _is_byte_string(chunks)):
            _normalize_axis(chunks, 1, 0, chunks)  # no axis will check it: a bad spec fails here
        return [chunks] * ndim
    if isinstance(chunks, (tuple, list)):
        if ndim == 1 and len(chunks) > 1 and all(isinstance(c, (Number, str)) for c in chunks):
            # dask's rule: a flat sequence of several numbers for a 1-d array is its block sizes.
            return [tuple(chunks)]
        if len(chunks) != ndim:
            raise ValueError(
                f"chunks={chunks!r} has {len(chunks)} entries but the array has {ndim} "
                f"dimension{'s' if ndim != 1 else ''} (shape {shape}); give one entry per axis"
            )
        return list(chunks)
    raise TypeError(
        f"chunks must be an int, a tuple, a dict, 'auto', a byte size or None, got {chunks!r}"
    )


def _normalize_axis(spec: Any, n: int, axis: int, chunks: Any) -> AxisGrid | tuple[int, ...]:
    """A regular axis for the int forms, the validated sizes for an explicit tuple."""
    where = f"chunks={chunks!r} for axis {axis}"
    if spec is None or (isinstance(spec, (int, np.integer)) and spec == -1):
        return RegularAxis(n, max(n, 1))
    if isinstance(spec, bool):
        raise TypeError(f"{where}: block sizes must be integers, got {spec!r}")
    if isinstance(spec, (int, np.integer)):
        if spec <= 0:
            raise ValueError(f"{where}: chunk sizes must be positive (or -1 for the whole axis), "
                             f"got {spec}")
        return RegularAxis(n, int(spec))
    if isinstance(spec, (tuple, list)):
        return _explicit_axis(spec, n, where)
    if isinstance(spec, str):
        raise ValueError(f"{where}: unknown chunk string {spec!r}; use 'auto' or a byte size "
                         f"such as '64 MiB'")
    raise TypeError(f"{where}: expected an int, -1, None, 'auto' or a tuple of block sizes, "
                    f"got {spec!r}")


def _explicit_axis(spec: Sequence[Any], n: int, where: str) -> tuple[int, ...]:
    sizes: list[int] = []
    for s in spec:
        if isinstance(s, float) and math.isnan(s):
            # Unknown (NaN) sizes arise from operations such as boolean masking; given for an
            # array of known shape they would only fail inside compute.
            raise ValueError(f"{where} gives unknown (NaN) block sizes, but the axis has length "
                             f"{n}; give integer block sizes")
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{where}: block sizes must be integers, got {s!r}")
        if s < 0:
            raise ValueError(f"{where}: chunk sizes must be non-negative, got {s}")
        sizes.append(int(s))
    if sum(sizes) != n:
        raise ValueError(f"{where}: block sizes sum to {sum(sizes)} but the axis has length {n}")
    # Zero-size blocks are allowed anywhere, as in dask: ((5, 0, 5),) is three blocks.
    return tuple(sizes) or (0,)


def _auto_blocksizes(
    shape: Shape,
    fixed: Sequence[AxisGrid | tuple[int, ...] | None],
    auto_axes: list[int],
    dtype: np.dtype | None,
    previous_chunks: Sequence[int] | None,
    limit: int | str | None,
    chunks: Any,
) -> list[int]:
    """Block sizes for the 'auto' axes so that one block holds about ``limit`` bytes."""
    itemsize = _itemsize(dtype, chunks)
    target = parse_bytes(limit if limit is not None else DEFAULT_CHUNK_SIZE)
    if 0 in shape:  # an empty array holds nothing: one block per axis whatever the limit
        return [max(shape[a], 1) for a in auto_axes]
    largest = [_largest(c) for c in fixed if c is not None]
    fixed_elems = math.prod(b if b > 0 else 1 for b in largest)
    budget = max(target // (itemsize * fixed_elems), 1)
    if previous_chunks is not None:
        return _auto_from_previous(shape, auto_axes, previous_chunks, budget)
    sizes = {a: shape[a] for a in auto_axes}
    pending = [a for a in auto_axes if shape[a] > 0]
    for a in auto_axes:
        if shape[a] == 0:
            sizes[a] = 1
    # Axes that fit whole take their length; the budget left over is shared evenly by the rest.
    # Compare in integers: a float root such as 125 ** (1 / 3) == 4.999... would split a (5, 5, 5)
    # array that fits the budget exactly.
    while pending:
        small = [a for a in pending if shape[a] ** len(pending) <= budget]
        if not small:
            for a in pending:
                sizes[a] = _iroot(budget, len(pending))
            break
        for a in small:
            budget = max(budget // shape[a], 1)
            pending.remove(a)
    return [_even_size(shape[a], sizes[a]) for a in auto_axes]


def _largest(axis: AxisGrid | tuple[int, ...]) -> int:
    if isinstance(axis, tuple):
        return max(axis) if axis else 0  # NaN (unknown) sizes compare False: as given
    return axis.largest


def _auto_from_previous(
    shape: Shape, auto_axes: list[int], previous: Sequence[int], budget: int
) -> list[int]:
    # Grow whole multiples of the storage chunks, the smallest axis first, until the budget is used.
    sizes = {a: max(min(int(previous[a]), shape[a]), 1) for a in auto_axes}
    total = budget
    budget = max(budget // math.prod(sizes.values()), 1)
    for a in sorted(auto_axes, key=lambda a: sizes[a]):
        remaining = len([b for b in auto_axes if sizes[b] == min(int(previous[b]), shape[b])])
        factor = _iroot(budget, max(remaining, 1))
        most = max(math.ceil(shape[a] / sizes[a]), 1)
        factor = min(factor, most)
        sizes[a] *= factor
        budget = max(budget // factor, 1)
    sizes = {a: min(sizes[a], max(shape[a], 1)) for a in auto_axes}
    # A whole axis is aligned with any storage chunking: take it wherever it fits, so an array
    # that fits the budget is one block rather than the largest multiple of the storage chunks.
    for a in auto_axes:
        others = math.prod(sizes[b] for b in auto_axes if b != a)
        if shape[a] * others <= total:
            sizes[a] = max(shape[a], 1)
    return [sizes[a] for a in auto_axes]


def _iroot(n: int, k: int) -> int:
    """The largest integer ``s >= 1`` with ``s ** k <= n`` (or 1), exact where floats round.

    >>> _iroot(125, 3), _iroot(124, 3), _iroot(0, 2)
    (5, 4, 1)
    """
    s = max(int(round(n ** (1 / k))), 1)
    while s > 1 and s**k > n:
        s -= 1
    while (s + 1) ** k <= n:
        s += 1
    return s


def _even_size(n: int, size: int) -> int:
    """Spread an axis into equal blocks no larger than ``size``, so the last block is not tiny."""
    if n == 0:
        return 1
    size = min(size, n)
    nblocks = math.ceil(n / size)
    return math.ceil(n / nblocks)


def _itemsize(dtype: np.dtype | None, chunks: Any) -> int:
    if dtype is None:
        raise ValueError(f"chunks={chunks!r}: automatic chunking needs the array's dtype")
    dtype = np.dtype(dtype)
    if dtype.hasobject or dtype.itemsize == 0:
        raise ValueError(
            f"chunks={chunks!r}: automatic chunking needs a fixed-size dtype, got {dtype}; "
            f"give explicit chunks"
        )
    return dtype.itemsize


#: Along one axis: (staged block, where in it, where in the new block).
Piece = tuple[int, slice, slice]


def staged_reads(old: tuple[int, ...], new: tuple[int, ...]) -> list[tuple[Piece, ...]]:
    """Along one axis, per new block: the pieces of the staged (old) blocks it is made of.

    Each staged block is a file of its own, so a new block reads one piece of every staged
    block it overlaps: the product of these pieces over the axes.

    >>> [[block for block, _, _ in pieces] for pieces in staged_reads((4, 4, 2), (6, 4))]
    [[0, 1], [1, 2]]
    >>> staged_reads((4, 4, 2), (6, 4))[1]  # rows 2:4 of block 1, then 0:2 of block 2
    ((1, slice(2, 4, None), slice(0, 2, None)), (2, slice(0, 2, None), slice(2, 4, None)))
    """
    grid = axis_grid(old)
    out = []
    lo = 0
    for size in new:
        hi = lo + size
        pieces = []
        for b in grid.blocks_between(lo, hi):  # none for an empty new block
            start, stop = max(lo, grid.offset(b)), min(hi, grid.offset(b) + grid.size(b))
            if stop > start:  # an empty old block inside the span gives nothing
                pieces.append((b, slice(start - grid.offset(b), stop - grid.offset(b)),
                               slice(start - lo, stop - lo)))
        out.append(tuple(pieces))
        lo = hi
    return out
