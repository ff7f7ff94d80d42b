"""Block geometry: where each block of a chunked array lies, and which block holds an index.

Along one axis the blocks are either **regular** (:class:`RegularAxis`: every block ``block``
long but a shorter last one, stored as two ints whatever the number of blocks) or **varying**
(:class:`VaryingAxis`: explicit sizes, zero-size blocks allowed, with their boundaries cached).
Both keep the one contract of :class:`AxisGrid`; :func:`axis_grid` picks the right one for a
tuple of block sizes, and :class:`ChunkGrid` holds one per axis of an array.

An axis always has at least one block: an empty axis is one block of size 0, as in the chunk
tuples ``((0,),)``. Sizes must be known: chunk tuples with NaN (after boolean masking) have no
geometry until ``compute_chunk_sizes()``.

Nothing here knows about graphs or arrays; every class is frozen and validated when made.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import accumulate, product
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "MAX_BLOCKS",
    "MAX_BLOCK_SIZES",
    "MAX_NBYTES",
    "AxisGrid",
    "ChunkGrid",
    "RegularAxis",
    "VaryingAxis",
    "axis_grid",
    "check_addressable",
    "check_block_counts",
    "pick",
    "regular_sizes",
]

#: No machine addresses more bytes than a signed 64-bit size holds (NumPy's limit too).
MAX_NBYTES = 2**63 - 1
#: The most block sizes an array's chunk tuples may hold together. Every operation handles each
#: entry (names, slicing plans): 2**22 blocks along one axis measured 1.6 s to create, 2.5 s
#: more to slice and 460 MB resident, so 2**24 is past any useful chunking already.
MAX_BLOCK_SIZES = 2**24
#: The most blocks an array may have: one task each would be terabytes of graph.
MAX_BLOCKS = 2**40


def _check_int(value: Any, name: str, least: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < least:
        raise ValueError(f"{name} must be at least {least}, got {value}")
    return int(value)


@runtime_checkable
class AxisGrid(Protocol):
    """The blocks along one axis: one contract, two implementations.

    Blocks are numbered ``0 .. nblocks - 1`` and lie end to end from 0 to ``length``; block
    ``i`` covers ``offset(i) .. offset(i) + size(i)``. Positions are indices into the axis,
    ``0 <= p < length``; a block index or position out of range raises ``IndexError``.
    ``locate`` answers "which block holds each index, and where in it" for a whole array of
    indices at once; ``block_at`` is the same for one position.
    """

    @property
    def length(self) -> int: ...
    @property
    def nblocks(self) -> int: ...
    @property
    def sizes(self) -> tuple[int, ...]: ...
    @property
    def boundaries(self) -> tuple[int, ...]: ...
    @property
    def largest(self) -> int: ...
    def size(self, i: int) -> int: ...
    def offset(self, i: int) -> int: ...
    def slice(self, i: int) -> slice: ...
    def block_at(self, position: int) -> int: ...
    def blocks_between(self, start: int, stop: int) -> range: ...
    def locate(self, indices: Any) -> tuple[np.ndarray, np.ndarray]: ...
    def blocks_at(self, indices: np.ndarray) -> np.ndarray: ...


def _check_block(i: int, nblocks: int) -> None:
    if not 0 <= i < nblocks:
        raise IndexError(f"block {i} is out of range for an axis of {nblocks} blocks")


def _check_position(p: int, length: int) -> None:
    if not 0 <= p < length:
        raise IndexError(f"index {p} is out of bounds for an axis of length {length}")


def _check_interval(start: int, stop: int, length: int) -> None:
    if not 0 <= start <= stop <= length:
        raise IndexError(f"interval {start}:{stop} is not within an axis of length {length}")


def _indices(indices: Any, length: int) -> np.ndarray:
    """``indices`` as an integer array, every one checked to be within ``0 .. length - 1``."""
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu":
        if idx.size or idx.dtype.kind not in "fb":
            raise TypeError(f"indices must be integers, got an array of dtype {idx.dtype}")
        idx = idx.astype(np.intp)
    if idx.size:
        lo, hi = idx.min(), idx.max()
        if lo < 0 or hi >= length:
            bad = lo if lo < 0 else hi
            raise IndexError(f"index {bad} is out of bounds for an axis of length {length}")
    return idx.astype(np.intp, copy=False)


@dataclass(frozen=True)
class RegularAxis:
    """Blocks of ``block`` elements along an axis of ``length``, the last one shorter if need be.

    Two ints, whatever the number of blocks: a huge regular axis costs nothing to describe.

    >>> g = RegularAxis(10, 4)
    >>> g.nblocks, g.sizes, g.boundaries
    (3, (4, 4, 2), (0, 4, 8, 10))
    >>> g.size(2), g.offset(2), g.slice(2), g.block_at(9)
    (2, 8, slice(8, 10, None), 2)
    >>> g.locate([0, 5, 9])
    (array([0, 1, 2]), array([0, 1, 1]))
    >>> RegularAxis(0, 4).sizes  # an empty axis is one empty block
    (0,)
    """

    length: int
    block: int

    def __post_init__(self) -> None:
        length, block = self.length, self.block
        if type(length) is int and type(block) is int and length >= 0 and block >= 1:
            return  # the common case, checked in one line: chunk arithmetic makes many of these
        object.__setattr__(self, "length", _check_int(length, "RegularAxis length", 0))
        object.__setattr__(self, "block", _check_int(block, "RegularAxis block", 1))

    @property
    def nblocks(self) -> int:
        return max(-(-self.length // self.block), 1)

    @property
    def sizes(self) -> tuple[int, ...]:
        if self.length == 0:
            return (0,)
        full, rest = divmod(self.length, self.block)
        return (self.block,) * full + ((rest,) if rest else ())

    @property
    def boundaries(self) -> tuple[int, ...]:
        return (*range(0, self.length, self.block), self.length) if self.length else (0, 0)

    @property
    def largest(self) -> int:
        return min(self.block, self.length)

    def size(self, i: int) -> int:
        _check_block(i, self.nblocks)
        return min(self.block, self.length - i * self.block)

    def offset(self, i: int) -> int:
        _check_block(i, self.nblocks)
        return i * self.block

    def slice(self, i: int) -> slice:
        start = self.offset(i)
        return slice(start, min(start + self.block, self.length))

    def block_at(self, position: int) -> int:
        _check_position(position, self.length)
        return position // self.block

    def blocks_between(self, start: int, stop: int) -> range:
        _check_interval(start, stop, self.length)
        if stop == start:
            return range(0)
        return range(start // self.block, (stop - 1) // self.block + 1)

    def locate(self, indices: Any) -> tuple[np.ndarray, np.ndarray]:
        blocks, within = np.divmod(_indices(indices, self.length), self.block)
        return blocks, within

    def blocks_at(self, indices: np.ndarray) -> np.ndarray:
        """The block holding each of ``indices``, an integer array already known to be in
        range (unchecked: a million-element index is checked once, where it is given).

        >>> RegularAxis(10, 4).blocks_at(np.array([9, 0, 4]))
        array([2, 0, 1])
        """
        return indices // self.block


@dataclass(frozen=True)
class VaryingAxis:
    """Blocks of explicit ``sizes``, zero-size blocks included, with their boundaries cached.

    A position belongs to the block that holds it, never to an empty block at the same offset.

    >>> g = VaryingAxis((3, 0, 5))
    >>> g.length, g.nblocks, g.boundaries
    (8, 3, (0, 3, 3, 8))
    >>> g.offset(2), g.slice(1), g.block_at(3)
    (3, slice(3, 3, None), 2)
    >>> g.locate([0, 2, 3, 7])
    (array([0, 0, 2, 2]), array([0, 2, 0, 4]))
    """

    sizes: tuple[int, ...]
    boundaries: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sizes = tuple(self.sizes)
        if not sizes:
            raise ValueError("VaryingAxis sizes must have at least one block, got ()")
        if all(type(s) is int for s in sizes) and min(sizes) >= 0:  # the common case, in C
            object.__setattr__(self, "sizes", sizes)
            object.__setattr__(self, "boundaries", (0, *accumulate(sizes)))
            return
        for s in sizes:
            if isinstance(s, float) and math.isnan(s):
                raise ValueError(
                    f"VaryingAxis sizes {sizes} include unknown (NaN) sizes, which have no "
                    f"geometry; call x.compute_chunk_sizes() first"
                )
            _check_int(s, f"VaryingAxis sizes {sizes}: a block size", 0)
        sizes = tuple(int(s) for s in sizes)
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "boundaries", (0, *accumulate(sizes)))

    @cached_property
    def _bounds(self) -> np.ndarray:
        # For np.searchsorted; made on the first vectorized look-up only.
        return np.asarray(self.boundaries, dtype=np.intp)

    @property
    def length(self) -> int:
        return self.boundaries[-1]

    @property
    def nblocks(self) -> int:
        return len(self.sizes)

    @property
    def largest(self) -> int:
        return max(self.sizes)

    def size(self, i: int) -> int:
        _check_block(i, self.nblocks)
        return self.sizes[i]

    def offset(self, i: int) -> int:
        _check_block(i, self.nblocks)
        return self.boundaries[i]

    def slice(self, i: int) -> slice:
        _check_block(i, self.nblocks)
        return slice(self.boundaries[i], self.boundaries[i + 1])

    def block_at(self, position: int) -> int:
        _check_position(position, self.length)
        # The last block starting at or before the position: never an empty one, which shares
        # its start with the next block.
        return bisect_right(self.boundaries, position) - 1

    def blocks_between(self, start: int, stop: int) -> range:
        _check_interval(start, stop, self.length)
        if stop == start:
            return range(0)
        return range(self.block_at(start), self.block_at(stop - 1) + 1)

    def locate(self, indices: Any) -> tuple[np.ndarray, np.ndarray]:
        idx = _indices(indices, self.length)
        blocks = self.blocks_at(idx)
        return blocks, idx - self._bounds[blocks]

    def blocks_at(self, indices: np.ndarray) -> np.ndarray:
        """The block holding each of ``indices``, an integer array already known to be in
        range (unchecked).

        >>> VaryingAxis((3, 0, 5)).blocks_at(np.array([7, 3, 2]))
        array([2, 2, 0])
        """
        return np.searchsorted(self._bounds, indices, side="right") - 1


def _is_regular(sizes: tuple[int, ...]) -> bool:
    """Whether ``sizes`` are equal positive blocks but a shorter, non-empty last one."""
    first, last = sizes[0], sizes[-1]
    if first <= 0 or not 0 < last <= first:
        return False
    return sizes.count(first) == len(sizes) - (last != first)


@lru_cache(maxsize=4096)
def _axis_grid(sizes: tuple[int, ...]) -> AxisGrid:
    if len(sizes) == 1 and not isinstance(sizes[0], float):
        return RegularAxis(sizes[0], max(sizes[0], 1))
    if all(isinstance(s, int) for s in sizes) and _is_regular(sizes):
        return RegularAxis(sum(sizes), sizes[0])
    return VaryingAxis(sizes)


def axis_grid(sizes: Sequence[int]) -> AxisGrid:
    """The grid of one axis from its block sizes: regular where it can be, varying otherwise.

    Grids are cached by their sizes, so asking again for the same axis is cheap.

    >>> axis_grid((4, 4, 2))
    RegularAxis(length=10, block=4)
    >>> axis_grid((2, 4, 4))
    VaryingAxis(sizes=(2, 4, 4))
    """
    return _axis_grid(tuple(sizes))


def pick(tables: Sequence[Sequence[Any]], indices: Sequence[tuple[int, ...]]
         ) -> list[tuple[Any, ...]]:
    """Per block index, the entries of the per-axis ``tables`` it selects:
    ``tuple(t[i] for t, i in zip(tables, index))``, for many indices in one pass (in C).

    Negative indices are not checked: callers pass block indices they made.

    >>> pick([(4, 4, 2), (3, 2)], [(0, 1), (2, 0)])
    [(4, 2), (2, 3)]
    >>> pick([], [(), ()])
    [(), ()]
    """
    if not tables:
        return [()] * len(indices)
    columns = zip(*indices)
    return list(zip(*[map(t.__getitem__, c) for t, c in zip(tables, columns)]))


def regular_sizes(length: int, block: int) -> tuple[int, ...]:
    """Block sizes of ``block`` along ``length``, the last one shorter; ``(0,)`` when empty.

    >>> regular_sizes(10, 4), regular_sizes(0, 4)
    ((4, 4, 2), (0,))
    """
    return RegularAxis(length, block).sizes


def _said(what: str | Callable[[], str]) -> str:
    # Callers on hot paths pass a function: the message is only built when there is an error.
    return what() if callable(what) else what


def check_addressable(shape: Sequence[int], itemsize: int, *, what: str | Callable[[], str]
                      ) -> None:
    """Refuse a ``shape`` of ``itemsize``-byte elements more bytes than any machine addresses.

    ``what`` starts the message (e.g. ``"shape=(…) of float64"``), or makes it when called.
    Costs a product of ints.

    >>> check_addressable((2**62,), 8, what="shape=(4611686018427387904,) of float64")
    Traceback (most recent call last):
    ...
    ValueError: shape=(4611686018427387904,) of float64: 4,611,686,018,427,387,904 elements of 8 \
bytes are 36,893,488,147,419,103,232 bytes, more than any machine can address (2**63 - 1 bytes)
    """
    size = math.prod(shape)
    if size > MAX_NBYTES:
        raise ValueError(f"{_said(what)}: {size:,} elements are more than any machine can "
                         f"address (2**63 - 1)")
    if size * itemsize > MAX_NBYTES:
        raise ValueError(
            f"{_said(what)}: {size:,} elements of {itemsize} bytes are {size * itemsize:,} "
            f"bytes, more than any machine can address (2**63 - 1 bytes)"
        )


@dataclass(frozen=True)
class ChunkGrid:
    """The blocks of an array: one :class:`AxisGrid` per axis.

    >>> g = ChunkGrid.from_chunks(((4, 4, 2), (3, 2)))
    >>> g.shape, g.numblocks, g.nblocks
    ((10, 5), (3, 2), 6)
    >>> g.block_shape((2, 1)), g.block_offset((2, 1)), g.block_slices((2, 1))
    ((2, 2), (8, 3), (slice(8, 10, None), slice(3, 5, None)))
    >>> ChunkGrid.regular((10**12, 10**12), (1000, 1000)).numblocks  # nothing per block is held
    (1000000000, 1000000000)
    """

    axes: tuple[AxisGrid, ...]

    def __post_init__(self) -> None:
        axes = tuple(self.axes)
        bad = [a for a in axes if not isinstance(a, (RegularAxis, VaryingAxis))]
        if bad:
            raise TypeError(f"ChunkGrid axes must be RegularAxis or VaryingAxis, got {bad[0]!r}")
        object.__setattr__(self, "axes", axes)

    @classmethod
    def from_chunks(cls, chunks: Sequence[Sequence[int]]) -> ChunkGrid:
        """The grid of a chunk tuple such as ``((4, 4, 2), (5, 5))``."""
        return cls(tuple(axis_grid(c) for c in chunks))

    @classmethod
    def regular(cls, shape: Sequence[int], blockshape: Sequence[int]) -> ChunkGrid:
        """Blocks of ``blockshape`` over ``shape``, ragged at the end of each axis."""
        if len(shape) != len(blockshape):
            raise ValueError(f"blockshape={tuple(blockshape)} needs one entry per axis of "
                             f"shape={tuple(shape)}")
        return cls(tuple(RegularAxis(n, b) for n, b in zip(shape, blockshape)))

    @property
    def ndim(self) -> int:
        return len(self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.length for a in self.axes)

    @property
    def numblocks(self) -> tuple[int, ...]:
        return tuple(a.nblocks for a in self.axes)

    @property
    def nblocks(self) -> int:
        """The number of blocks in all."""
        return math.prod(self.numblocks)

    @property
    def chunks(self) -> tuple[tuple[int, ...], ...]:
        """The chunk tuple: one entry per block along each axis (built on demand)."""
        return tuple(a.sizes for a in self.axes)

    def _index(self, index: Sequence[int]) -> Sequence[int]:
        if len(index) != len(self.axes):
            raise IndexError(f"block index {tuple(index)} needs {len(self.axes)} entries")
        return index

    def block_shape(self, index: Sequence[int]) -> tuple[int, ...]:
        return tuple(a.size(i) for a, i in zip(self.axes, self._index(index)))

    def block_offset(self, index: Sequence[int]) -> tuple[int, ...]:
        return tuple(a.offset(i) for a, i in zip(self.axes, self._index(index)))

    def block_slices(self, index: Sequence[int]) -> tuple[slice, ...]:
        return tuple(a.slice(i) for a, i in zip(self.axes, self._index(index)))

    def all_block_slices(self) -> list[tuple[slice, ...]]:
        """The slices of every block, in C order of block index."""
        per_axis = [[slice(lo, hi) for lo, hi in zip(b[:-1], b[1:])]
                    for b in (a.boundaries for a in self.axes)]
        return list(product(*per_axis))

    def locate(self, indices: Sequence[Any]) -> tuple[tuple[np.ndarray, ...],
                                                       tuple[np.ndarray, ...]]:
        """Per axis, the block holding each index and the index within that block.

        ``indices`` has one integer array per leading axis (fewer than ``ndim`` is allowed).

        >>> blocks, within = ChunkGrid.from_chunks(((2, 2), (3,))).locate([[0, 3], [2, 1]])
        >>> [b.tolist() for b in blocks], [w.tolist() for w in within]
        ([[0, 1], [0, 0]], [[0, 1], [2, 1]])
        """
        if len(indices) > len(self.axes):
            raise IndexError(f"{len(indices)} index arrays for a grid of {len(self.axes)} axes")
        found = [a.locate(idx) for a, idx in zip(self.axes, indices)]
        return tuple(b for b, _ in found), tuple(w for _, w in found)

    def check_holdable(self, *, what: str | Callable[[], str]) -> None:
        """Refuse a grid whose chunk tuples or number of blocks no machine could hold.

        Costs a few operations per axis: regular axes are never expanded.

        >>> ChunkGrid.regular((10**6,) * 3, (10,) * 3).check_holdable(what="chunks=10")
        Traceback (most recent call last):
        ...
        ValueError: chunks=10: 1,000,000,000,000,000 blocks (100000 x 100000 x 100000) are more \
than the 1,099,511,627,776 (2**40) one array may have; use larger blocks
        """
        check_block_counts(self.numblocks, what=what)


def check_block_counts(numblocks: Sequence[int], *, what: str | Callable[[], str]) -> None:
    """Refuse ``numblocks`` blocks per axis when no machine could hold their chunk tuples or graph.

    ``what`` starts the message, e.g. ``"chunks=1 for shape=(10**12,)"``, or makes it when called.

    >>> check_block_counts((10**12,), what="chunks=1")
    Traceback (most recent call last):
    ...
    ValueError: chunks=1: 1,000,000,000,000 blocks along the axes (1000000000000,) need as many \
block sizes in the chunk tuples, more than the 16,777,216 an array may hold; use larger blocks
    """
    numblocks = tuple(numblocks)
    if sum(numblocks) > MAX_BLOCK_SIZES:
        raise ValueError(
            f"{_said(what)}: {sum(numblocks):,} blocks along the axes {numblocks} need as many "
            f"block sizes in the chunk tuples, more than the {MAX_BLOCK_SIZES:,} an array may "
            f"hold; use larger blocks"
        )
    if math.prod(numblocks) > MAX_BLOCKS:
        raise ValueError(
            f"{_said(what)}: {math.prod(numblocks):,} blocks ({' x '.join(map(str, numblocks))}) "
            f"are more than the {MAX_BLOCKS:,} (2**40) one array may have; use larger blocks"
        )
