"""Writing chunked arrays into anything with ``__setitem__``, one task per block.

A write is planned before anything runs: the region is checked against the target's shape and
dtype, and the blocks are aligned to the target's storage chunks (a task writing part of a storage
chunk reads, changes and rewrites the whole chunk, so two tasks sharing one would race). Then each
block becomes one task ``target[slices] = block``, fused with the work that makes the block, and
every write of one call runs in a single :func:`chunkarray.compute`, so common inputs are read once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, compute
from chunkarray.core import config
from chunkarray.core.chunks import Chunks, chunk_boundaries, largest_block_nbytes
from chunkarray.core.grid import ChunkGrid, RegularAxis
from chunkarray.core.tokenize import tokenize
from chunkarray.io import hdf5_chunks, zarr_chunks
from chunkarray.io._hdf5_source import HDF5Array, is_h5py_dataset
from chunkarray.ops.creation import asarray
from chunkarray.ops.rechunk import rechunk
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.sources import Data

__all__ = ["Write", "aligned_chunks", "plan_write", "refuse_masked", "run_writes", "store",
           "write_unit"]


@dataclass(frozen=True)
class Write:
    """A checked write: ``source`` (blocks aligned to the target) goes to ``starts`` in it."""

    source: ChunkedArray
    starts: tuple[int, ...]


def store(sources: Any, targets: Any, /, *, regions: Any = None) -> None:
    """Write each source array into its target, in one pass over their shared inputs.

    ``targets`` are anything with ``__setitem__`` (NumPy arrays, zarr arrays, h5py datasets...);
    ``regions`` gives, per target, a tuple of slices to write into (``None``: all of it). Shapes and
    dtypes are checked, and blocks aligned to zarr storage chunks, before anything is written.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.arange(6, chunks=2)
    >>> a, b = np.zeros(6, dtype=int), np.zeros(8, dtype=int)
    >>> store([x, x * 10], [a, b], regions=[None, (slice(2, 8),)])
    >>> a, b
    (array([0, 1, 2, 3, 4, 5]), array([ 0,  0,  0, 10, 20, 30, 40, 50]))
    """
    single = not isinstance(sources, (list, tuple))
    sources = [sources] if single else list(sources)
    targets = [targets] if single and not isinstance(targets, (list, tuple)) else list(targets)
    if len(sources) != len(targets):
        raise ValueError(f"store: got {len(sources)} sources but {len(targets)} targets; give one "
                         f"target per source")
    if regions is None or (single and isinstance(regions, (tuple, slice))):
        regions = [regions] * len(sources)
    regions = list(regions)
    if len(regions) != len(sources):
        raise ValueError(f"store: got {len(regions)} regions for {len(sources)} sources; give one "
                         f"region (or None) per source")
    for i, x in enumerate(sources):
        if not isinstance(x, ChunkedArray):
            raise TypeError(f"store: sources[{i}] must be a ChunkedArray, got {type(x).__name__}")
    writes = []
    for i, (x, target, region) in enumerate(zip(sources, targets, regions)):
        target = adapt_target(target, f"targets[{i}]")
        writes.append((plan_write(x, target, region, func="store"), target))
    _check_no_shared_chunks(writes)
    run_writes(writes)


def _check_no_shared_chunks(writes: Sequence[tuple[Write, Any]]) -> None:
    """Refuse two writes into one target whose regions touch the same storage chunk."""
    seen: dict[str, list[tuple[int, tuple[range, ...]]]] = {}
    for i, (w, target) in enumerate(writes):
        unit = write_unit(target)
        if unit is None or not w.source.ndim or 0 in w.source.shape:
            continue
        where = str(getattr(target, "store_path", "")) or f"id-{id(target)}"
        chunks = tuple(range(s // u, (s + n - 1) // u + 1)
                       for s, n, u in zip(w.starts, w.source.shape, unit))
        for j, other in seen.get(where, []):
            if all(a.start < b.stop and b.start < a.stop for a, b in zip(chunks, other)):
                raise ValueError(f"store: targets[{j}] and targets[{i}] are the same array and "
                                 f"their regions share storage chunks (of shape {unit}), which "
                                 f"two tasks would write at once; store them in separate calls")
        seen.setdefault(where, []).append((i, chunks))


def adapt_target(target: Any, where: str) -> Any:
    """``target`` ready to be written from worker threads: h5py datasets get their file's lock."""
    if not hasattr(target, "__setitem__"):
        raise TypeError(f"store: {where} must support item assignment (target[slices] = block), "
                        f"got {type(target).__name__}")
    if is_h5py_dataset(target):
        if target.file.mode == "r":
            raise ValueError(f"store: {where} is the dataset {target.name!r} of "
                             f"{target.file.filename!r}, opened read-only; open it with 'r+' or "
                             f"'a'")
        return HDF5Array.of(target)
    if getattr(target, "read_only", False) is True:  # zarr arrays opened with mode="r"
        raise ValueError(f"store: {where} is read-only; open it for writing (mode='r+' or 'a')")
    return target


def write_unit(target: Any) -> tuple[int, ...] | None:
    """The blocks of ``target`` that only one task may write to, or None when any split is safe.

    Zarr writes whole shards (or chunks when unsharded); a target may say otherwise with a
    ``__chunkarray_write_unit__`` attribute (HDF5 targets serialise writes under a file lock).
    """
    if hasattr(target, "__chunkarray_write_unit__"):
        return target.__chunkarray_write_unit__  # type: ignore[no-any-return]
    if isinstance(target, np.ndarray):
        return None
    for attr in ("shards", "chunks"):
        unit = getattr(target, attr, None)
        if isinstance(unit, tuple) and unit and all(isinstance(s, (int, np.integer)) for s in unit):
            return tuple(int(s) for s in unit)
    return None


_FROM_TARGET: Any = object()


def refuse_masked(x: ChunkedArray, func: str) -> None:
    """Refuse to write a masked array: storage keeps values, not masks, so the masked values
    would be written as if they were data.

    >>> import numpy as np, chunkarray as ca
    >>> refuse_masked(ca.from_array(np.ma.array([1, 2], mask=[0, 1])), "to_zarr")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: to_zarr: cannot write a masked array ...; write chunkarray.ma.filled(x, ...
    """
    if x._node.masked:
        raise TypeError(
            f"{func}: cannot write a masked array (its mask would be lost and the masked values "
            f"written as data); write chunkarray.ma.filled(x, fill_value) instead, and "
            f"chunkarray.ma.getmaskarray(x) to another array if the mask is needed")


def plan_write(x: Any, target: Any, region: Any, *, func: str, shape: Any = None,
               dtype: Any = None, unit: Any = _FROM_TARGET) -> Write:
    """Check a write of ``x`` into ``region`` of ``target`` and align its blocks, before any work.

    ``shape``, ``dtype`` and ``unit`` describe a target that does not exist yet (default: read
    them from ``target``).
    """
    x = x if isinstance(x, ChunkedArray) else asarray(x)
    refuse_masked(x, func)
    shape = tuple(getattr(target, "shape", x.shape) if shape is None else shape)
    dtype = getattr(target, "dtype", None) if dtype is None else dtype
    region = normalize_region(region, shape, func)
    starts = tuple(s.start for s in region)
    region_shape = tuple(s.stop - s.start for s in region)
    if region_shape != x.shape:
        whole = all((r.start, r.stop) == (0, n) for r, n in zip(region, shape))
        where = "the target" if whole else f"region {_show(region)} of the target"
        raise ValueError(f"{func}: cannot write an array of shape {x.shape} into {where} "
                         f"(target shape {shape}, region shape {region_shape}); the shapes must "
                         f"be equal")
    if dtype is not None and not np.can_cast(x.dtype, dtype, casting="same_kind"):
        raise TypeError(f"{func}: cannot write dtype {x.dtype} into a target of dtype "
                        f"{np.dtype(dtype)} (casting='same_kind' refuses it); cast with "
                        f"x.astype({np.dtype(dtype).name!r}) first")
    unit = write_unit(target) if unit is _FROM_TARGET else unit
    if unit is not None and x.ndim:
        x = _align(x, tuple(unit), starts, func)
    return Write(x, starts)


def normalize_region(region: Any, shape: tuple[int, ...], func: str) -> tuple[slice, ...]:
    """``region`` as one ``slice(start, stop)`` per axis of ``shape``, bounds resolved.

    >>> normalize_region((slice(2, None),), (10, 4), "store")
    (slice(2, 10, None), slice(0, 4, None))
    """
    if region is None:
        region = ()
    if isinstance(region, slice):
        region = (region,)
    if not isinstance(region, tuple) or not all(isinstance(s, slice) for s in region):
        raise TypeError(f"{func}: region={region!r} must be a tuple of slices, one per axis")
    if len(region) > len(shape):
        raise ValueError(f"{func}: region={_show(region)} has {len(region)} slices but the target "
                         f"has {len(shape)} axes (shape {shape})")
    out = []
    for axis, (s, n) in enumerate(zip(region + (slice(None),) * (len(shape) - len(region)), shape)):
        start, stop, step = s.indices(n)
        if step != 1:
            raise ValueError(f"{func}: region={_show(region)} has step {s.step} on axis {axis}; "
                             f"only contiguous slices (step 1) can be written")
        out.append(slice(start, max(start, stop)))
    return tuple(out)


def _show(region: tuple[slice, ...]) -> str:
    def one(s: slice) -> str:
        return f"{'' if s.start is None else s.start}:{'' if s.stop is None else s.stop}" + (
            "" if s.step is None else f":{s.step}")

    return "[" + ", ".join(one(s) for s in region) + "]"


def aligned_chunks(chunks: Chunks, unit: tuple[int, ...], starts: tuple[int, ...]) -> Chunks:
    """Chunks whose block edges, placed at ``starts`` in the target, fall on multiples of ``unit``.

    Axes already aligned keep their blocks; the others get blocks of the largest multiple of the
    unit no larger than their largest block (one unit at least), cut where the target's own
    multiples fall, so the first and last blocks may be partial.

    >>> aligned_chunks(((3, 3, 3), (4, 4)), (4, 4), (0, 0))
    ((4, 4, 1), (4, 4))
    >>> aligned_chunks(((8, 8),), (4,), (2,))
    ((6, 8, 2),)
    """
    return tuple(_align_axis(c, u, s) for c, u, s in zip(chunks, unit, starts))


def _align_axis(sizes: tuple[int, ...], unit: int, start: int) -> tuple[int, ...]:
    inner = chunk_boundaries(sizes)[1:-1]
    if all((start + b) % unit == 0 for b in inner):
        return sizes
    # The target's own regular blocks of ``step``, clipped to where this array lands in it.
    end = start + sum(sizes)
    target = RegularAxis(end, unit * max(max(sizes) // unit, 1))
    return tuple(min(end, target.offset(b) + target.size(b)) - max(start, target.offset(b))
                 for b in target.blocks_between(start, end))


def _align(x: ChunkedArray, unit: tuple[int, ...], starts: tuple[int, ...], func: str
           ) -> ChunkedArray:
    if len(unit) != x.ndim or any(u < 1 for u in unit):
        raise ValueError(f"{func}: the target's storage chunks {unit} don't fit an array of "
                         f"{x.ndim} axes")
    new = aligned_chunks(x.chunks, unit, starts)
    if new == x.chunks:
        return x
    limit = config.memory_limit_bytes()
    block = largest_block_nbytes(new, x.dtype.itemsize)
    if block > limit:
        raise ValueError(
            f"{func}: the blocks of x (chunks {x.chunksize}) don't line up with the target's "
            f"storage chunks {unit}, so two tasks would write into the same storage chunk; "
            f"blocks aligned to them (chunks {tuple(max(c) for c in new)}) would hold "
            f"{block:,} bytes, more than memory_limit={limit:,}. Rechunk x to whole multiples "
            f"of {unit}, store with smaller storage chunks, or raise memory_limit"
        )
    return rechunk(x, new)


def _block_region(index: tuple[int, ...], *, grid: ChunkGrid, starts: tuple[int, ...]
                  ) -> dict[str, Any]:
    region = tuple(slice(s + b.start, s + b.stop) for b, s in zip(grid.block_slices(index), starts))
    return {"region": region, "index": index}


def write_block(block: Any, target: Any, *, region: tuple[slice, ...], index: tuple[int, ...],
                record: Callable[[tuple[int, ...]], None] | None = None) -> np.ndarray:
    """Write one block into its place, then ``record`` that it landed; the small result is all
    the executor keeps."""
    target[region] = block
    if record is not None:
        record(index)
    return np.ones((1,) * len(region), dtype=bool)


def write_array(write: Write, target: Any,
                record: Callable[[tuple[int, ...]], None] | None = None) -> ChunkedArray:
    """An array of one flag per block whose computation writes ``write.source`` into ``target``.

    ``record(index)`` is called by each block's task once that block is written.
    """
    x = write.source
    ind = tuple(range(x.ndim))
    # The target travels as one graph value, not inside every task: shipped to a worker once.
    # Named by identity, never by contents: two equal NumPy targets are still two targets.
    data = Data(f"target-{type(target).__name__}-{id(target):x}", _chunk_writer(target))
    kwargs = partial(_block_region, grid=ChunkGrid.from_chunks(x.chunks), starts=write.starts)
    func = write_block if record is None else partial(write_block, record=record)
    return ChunkedArray(blockwise_node(
        func, ind, x._node, ind, data, (), dtype=bool,
        adjust_chunks=dict.fromkeys(ind, 1), block_kwargs=kwargs,
        name="store-" + tokenize(x.name, data.name, write.starts, record),
    ))


def _chunk_writer(target: Any) -> Any:
    """The writer that hands the target's storage whole encoded chunks, when it has one: the
    workers encode, the storage only stores (see :mod:`~chunkarray.io.zarr_chunks` and
    :mod:`~chunkarray.io.hdf5_chunks`)."""
    if isinstance(target, HDF5Array):
        return hdf5_chunks.chunk_writer(target)
    return zarr_chunks.chunk_writer(target)


def run_writes(writes: Sequence[tuple[Write, Any]]) -> None:
    """Run every write in one computation, sharing the inputs the sources have in common."""
    compute(*[write_array(w, target) for w, target in writes])
