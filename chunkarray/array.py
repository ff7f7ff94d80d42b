"""The ChunkedArray: array metadata in front of a node of the lazy expression graph.

This module holds what an array *is* (shape, dtype, chunks, the node that makes its blocks) and how
it becomes NumPy (``compute``, ``persist``, the conversion protocols). Its operators and NumPy
methods are declared by :class:`~chunkarray.array_methods.ArrayMethods`, which it inherits; the
operations behind them live in the layers above and are provided to it
(:mod:`chunkarray.ops.methods`).
"""

from __future__ import annotations

import gc
import math
import operator
import sys
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from chunkarray.array_methods import ArrayMethods
from chunkarray.core import config
from chunkarray.core.chunks import Chunks, block_slices, has_unknown
from chunkarray.core.graph import Key, Node, ordered_keys
from chunkarray.core.tokenize import tokenize
from chunkarray.executors import get_executor, shares_memory
from chunkarray.kernels import blocks as kernels
from chunkarray.kernels.staging import in_use
from chunkarray.optimize.lowering import lower_optimized
from chunkarray.primitives.sinks import into
from chunkarray.primitives.sources import BlockSelect, Persisted
from chunkarray.primitives.staged import stagings

__all__ = ["ChunkedArray", "compute", "persist", "require_known_chunks"]


class ChunkedArray(ArrayMethods):
    """A lazy N-dimensional array made of NumPy blocks.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.arange(10), chunks=4)
    >>> x
    chunkarray.ChunkedArray<shape=(10,), dtype=int64, chunksize=(4,), numblocks=(3,)>
    >>> x.chunks
    ((4, 4, 2),)
    >>> (x * 2).sum().compute()
    np.int64(90)
    """

    __slots__ = ("_node", "__weakref__")
    __array_priority__ = 11  # above NumPy's, so ``ndarray + ChunkedArray`` defers to us

    def __init__(self, node: Node) -> None:
        self._node = node

    # --- metadata --------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._node.name

    @property
    def chunks(self) -> Chunks:
        return self._node.chunks

    @property
    def dtype(self) -> np.dtype:
        return self._node.dtype

    @property
    def shape(self) -> tuple[int, ...]:
        return self._node.shape

    @property
    def ndim(self) -> int:
        return len(self._node.chunks)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def numblocks(self) -> tuple[int, ...]:
        return self._node.numblocks

    @property
    def npartitions(self) -> int:
        return math.prod(self.numblocks)

    @property
    def chunksize(self) -> tuple[int, ...]:
        """The largest block size on each axis."""
        return tuple(max(c) for c in self.chunks)

    @property
    def blocks(self) -> _BlockIndexer:
        """Index by block: ``x.blocks[0, 1:3]`` is an array of those blocks (axes are kept)."""
        return _BlockIndexer(self)

    def __len__(self) -> int:
        if not self.ndim:
            raise TypeError("len() of a 0-d array")
        require_known_chunks(self, "len()", (0,))
        return self.shape[0]

    def __repr__(self) -> str:
        return (
            f"chunkarray.ChunkedArray<shape={self.shape}, dtype={self.dtype}, "
            f"chunksize={self.chunksize}, numblocks={self.numblocks}>"
        )

    # --- computing -------------------------------------------------------------------------------

    def compute(self, *, scheduler: Any = None, num_workers: int | None = None) -> Any:
        """Run the graph and return a NumPy array (a NumPy scalar for a 0-d array).

        A masked array (see :mod:`chunkarray.ma`) gives a ``numpy.ma.MaskedArray``, or when 0-d
        a NumPy scalar or ``numpy.ma.masked``.
        """
        (result,) = compute(self, scheduler=scheduler, num_workers=num_workers)
        return result

    def persist(self, *, scheduler: Any = None, num_workers: int | None = None) -> ChunkedArray:
        """Compute every block and keep them in memory, as an array with the same chunks."""
        (result,) = persist(self, scheduler=scheduler, num_workers=num_workers)
        return result

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if copy is False:
            raise ValueError("a ChunkedArray cannot be converted to NumPy without computing it")
        out = np.asarray(self.compute())
        # (A masked 0-d array computes to numpy.ma.masked, a float64 whatever the array's dtype.)
        return out.astype(self.dtype if dtype is None else dtype, copy=False)

    def _scalar(self, convert: Any) -> Any:
        # NumPy 2.4 converts only 0-d arrays to Python numbers (``int(np.array([5]))`` raises);
        # ``bool`` is the exception and accepts any array of size 1.
        if self.ndim and (convert is not bool or self.size != 1):
            raise TypeError(
                f"only 0-dimensional arrays can be converted to Python scalars, got shape "
                f"{self.shape}"
            )
        return convert(np.asarray(self.compute()).reshape(()))

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(
                f"the truth value of an array of shape {self.shape} is ambiguous; "
                f"use .any() or .all()"
            )
        return self._scalar(bool)

    def __int__(self) -> int:
        return self._scalar(int)

    def __float__(self) -> float:
        return self._scalar(float)

    def __complex__(self) -> complex:
        return self._scalar(complex)

    def __index__(self) -> int:
        if self.ndim or self.dtype.kind not in "iu":  # NumPy refuses booleans as indices too
            raise TypeError("only 0-d integer arrays can be used as an index")
        return self._scalar(operator.index)

    __hash__ = None  # type: ignore[assignment]  # == is elementwise


def require_known_chunks(x: ChunkedArray, operation: str, axes: Iterable[int] | None = None
                         ) -> None:
    """Raise a ValueError naming ``operation`` if ``x`` has unknown (NaN) block sizes on ``axes``.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.from_array(np.arange(4), chunks=2)
    >>> require_known_chunks(x[x > 1], "reshape")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: reshape needs known chunk sizes, but axis 0 ... call x.compute_chunk_sizes() first
    """
    for axis in range(x.ndim) if axes is None else axes:
        if has_unknown(x.chunks[axis]):
            raise ValueError(
                f"{operation} needs known chunk sizes, but axis {axis} of the array has unknown "
                f"(NaN) block sizes (chunks={x.chunks}); call x.compute_chunk_sizes() first"
            )


class _BlockIndexer:
    __slots__ = ("array",)

    def __init__(self, array: ChunkedArray) -> None:
        self.array = array

    def __getitem__(self, index: Any) -> ChunkedArray:
        x = self.array
        if not isinstance(index, tuple):
            index = (index,)
        if len(index) > x.ndim:
            raise IndexError(
                f"too many block indices: the array has {x.ndim} axes, got {len(index)}"
            )
        index = index + (slice(None),) * (x.ndim - len(index))
        maps = [_block_map(i, n, axis) for axis, (i, n) in enumerate(zip(index, x.numblocks))]
        empty = [axis for axis, m in enumerate(maps) if not m]
        if empty:  # an axis with no blocks has no chunks to describe it, not even (0,)
            raise IndexError(
                f"blocks[{index!r}] selects no blocks on axis {empty[0]} "
                f"(which has {x.numblocks[empty[0]]} blocks)"
            )
        name = "blocks-" + tokenize(x.name, maps)
        return ChunkedArray(BlockSelect(name, x._node, maps))


def _block_map(index: Any, n: int, axis: int) -> list[int]:
    if isinstance(index, slice):
        return list(range(n))[index]
    if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
        if not -n <= index < n:
            raise IndexError(f"block index {index} is out of range for axis {axis} with {n} blocks")
        return [int(index) % n]
    if isinstance(index, (list, np.ndarray)):
        if any(isinstance(i, (bool, np.bool_)) for i in index):  # a mask, not positions
            raise TypeError(f"block indices must be ints, slices or lists of ints, got {index!r}")
        return [m for i in index for m in _block_map(int(i), n, axis)]
    raise TypeError(f"block indices must be ints, slices or lists of ints, got {index!r}")


# --- compute / persist ----------------------------------------------------------------------------


def _run(arrays: Sequence[ChunkedArray], scheduler: Any, num_workers: int | None,
         fill: bool = False) -> tuple[dict[Key, Any], dict[str, np.ndarray]]:
    """Compute the blocks of ``arrays``: their values by key, and the results filled in place.

    With ``fill`` (a ``compute``), each array of several blocks gets its result allocated first
    and every block is copied into it as soon as it is made, when the executor runs in this
    process (see :func:`~chunkarray.primitives.sinks.into`); those results come back by name.
    """
    execute = get_executor(scheduler)  # an unknown scheduler fails here, before any work
    if num_workers is not None and (
        isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1
    ):
        raise ValueError(f"num_workers must be a positive int or None, got {num_workers!r}")
    filled: dict[str, np.ndarray] = {}
    roots: list[Node] = []
    for a in arrays:
        node = a._node
        if fill and shares_memory(execute) and _fills_in_place(a):
            out = filled.setdefault(a.name, np.empty(a.shape, dtype=a.dtype))
            node = into(node, out)
        roots.append(node)
    keys = [k for node in roots for k in ordered_keys(node)]
    lowered, nodes = lower_optimized(roots, keys)
    if config.get("warn_small_chunks"):
        _warn_if_tiny_blocks(lowered, nodes)
    # The graph is a few containers per task, alive for the whole run and then freed at once,
    # never in cycles: Python's cycle collector would scan all of them, again and again, while
    # the tasks run (a third of the time of a run of tiny tasks, measured). Set them aside
    # (``gc.freeze``) for the run; what the tasks themselves allocate is still collected.
    #
    # Staging directories (disk rechunks) exist only while computes use them: removed when this
    # one ends, failed or not, whatever still refers to the arrays (a kept exception's frames).
    gc.freeze()
    try:
        with in_use(stagings(nodes.values())):
            values = execute(lowered, keys, num_workers or config.num_workers())
    finally:
        del lowered, nodes
        gc.unfreeze()
    return dict(zip(keys, values)), filled


def _fills_in_place(x: ChunkedArray) -> bool:
    # One block is handed out as it is (no copy to save); unknown sizes are joined at the end;
    # masked blocks are joined with their masks at the end (a plain result would drop them).
    return x.ndim > 0 and math.prod(x.numblocks) > 1 and not any(map(has_unknown, x.chunks)) \
        and not x._node.masked


class PerformanceWarning(UserWarning):
    """A computation that will run, but far slower than it could."""


_TINY_TASKS = 10_000  # at ~10 us of scheduling each, this many tasks take a tenth of a second
_TINY_BLOCK = 2**20  # blocks smaller than this spend more time scheduled than computed
_warned_tiny = False


def _warn_if_tiny_blocks(lowered: Any, nodes: dict[str, Node]) -> None:
    """Warn once per process when a graph has very many tasks over very small blocks."""
    global _warned_tiny
    if _warned_tiny or len(lowered.tasks) < _TINY_TASKS:
        return
    sized = [n for n in nodes.values() if n.chunks and math.prod(n.numblocks) >= _TINY_TASKS // 2]
    if not sized:
        return
    node = max(sized, key=lambda n: math.prod(n.numblocks))
    block = node.dtype.itemsize * math.prod(node.shape) / math.prod(node.numblocks)
    if block >= _TINY_BLOCK:
        return
    _warned_tiny = True
    warnings.warn(
        f"this computation has {len(lowered.tasks):,} tasks over blocks of about "
        f"{block / 1024:.3g} KiB (an array of {math.prod(node.numblocks):,} blocks); "
        f"scheduling will cost more than the arithmetic. Use larger blocks: chunks='auto' "
        f"(about {config.get('chunk_size')}) or x.rechunk('auto'). "
        f"Silence with chunkarray.core.config.set(warn_small_chunks=False).",
        PerformanceWarning,
        stacklevel=_caller_stacklevel(),
    )


def _caller_stacklevel() -> int:
    """The stack level of the first frame outside chunkarray: where the user called us."""
    frame, level = sys._getframe(1), 2
    package = __name__.rsplit(".", 1)[0]
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _assemble(x: ChunkedArray, results: dict[Key, Any], handed: set[int],
              filled: np.ndarray | None = None) -> Any:
    """Put the blocks of ``x`` together as one NumPy array (a NumPy scalar when 0-d).

    ``handed`` holds the ids of arrays already returned by this ``compute`` call, so that
    ``compute(x, x)`` gives two arrays rather than one array twice. ``filled`` is the result
    when the blocks were copied into it as they were made.
    """
    if filled is not None:
        out = filled.copy() if id(filled) in handed else filled
        handed.add(id(out))
        return out
    keys = list(x._node.keys())
    if x._node.masked:
        return _assemble_masked(x, [results[k] for k in keys])
    if any(map(has_unknown, x.chunks)):
        out = _concatenate_blocks(x, [results[k] for k in keys])
        handed.add(id(out))
        return out
    slices = block_slices(x.chunks)
    for key, where in zip(keys, slices):
        _check_block(x, key, where, results[key])
    if len(keys) == 1:
        out = np.asarray(results[keys[0]], dtype=x.dtype)
        # A view may be of the caller's own input and a read-only block is a persisted one: never
        # hand either out, or writing to the result would change what the graph holds.
        if out.base is not None or not out.flags.writeable or id(out) in handed:
            out = out.copy()
    else:
        out = np.empty(x.shape, dtype=x.dtype)
        for key, where in zip(keys, slices):
            out[where] = results[key]
    handed.add(id(out))
    return out[()] if out.ndim == 0 else out


def _assemble_masked(x: ChunkedArray, blocks: list[Any]) -> Any:
    """Join masked blocks into a new ``numpy.ma.MaskedArray``; 0-d: a NumPy scalar, or
    ``numpy.ma.masked`` when masked, as numpy.ma's reductions give."""
    if not any(map(has_unknown, x.chunks)):
        for key, where, block in zip(x._node.keys(), block_slices(x.chunks), blocks):
            _check_block(x, key, where, block)
    # (numpy.ma.asarray of a masked array would cast its stored fill value to its dtype.)
    parts = [b if isinstance(b, np.ma.MaskedArray) and b.dtype == x.dtype
             else np.ma.asarray(b).astype(x.dtype, copy=False) for b in blocks]
    if len(parts) == 1:
        out = parts[0].copy()  # never the caller's own input, nor a block the graph holds
    else:
        out = kernels.concatenate_nested(kernels.nest(parts, x.numblocks), tuple(range(x.ndim)))
        if np.ma.getmask(out) is np.ma.nomask and out.dtype.names is None \
                and any(np.ma.getmask(p) is not np.ma.nomask for p in parts):
            # numpy.ma's concatenate drops a mask of all False: the blocks had one, so keep it.
            out.mask = np.zeros(out.shape, dtype=bool)
    return out[()] if out.ndim == 0 else out


def _concatenate_blocks(x: ChunkedArray, blocks: list[Any]) -> np.ndarray:
    """Join blocks of unknown sizes: their sizes are only known now, so concatenate rather than
    fill a preallocated array."""
    for block in blocks:
        if np.ndim(block) != x.ndim:
            raise ValueError(f"a block of {x.name!r} has {np.ndim(block)} axes, the array {x.ndim}")
    parts = [np.asarray(b, dtype=x.dtype) for b in blocks]
    return kernels.concatenate_nested(kernels.nest(parts, x.numblocks), tuple(range(x.ndim)))


def _check_block(x: ChunkedArray, key: Key, slices: tuple[slice, ...], block: Any) -> None:
    # A block of the wrong shape would be broadcast into place without a word (or returned as is
    # when it is the only block): say which block broke its array's chunks instead.
    expected = tuple(s.stop - s.start for s in slices)
    if np.shape(block) != expected:
        raise ValueError(
            f"block {key!r} has shape {np.shape(block)} but the chunks {x.chunks} of "
            f"{x.name!r} say {expected}"
        )


def compute(*args: Any, scheduler: Any = None, num_workers: int | None = None) -> tuple[Any, ...]:
    """Compute several arrays at once, sharing the work they have in common.

    Arguments that are not chunked arrays are returned unchanged.

    >>> import chunkarray as ca
    >>> x = ca.arange(6, chunks=2)
    >>> compute(x.sum(), x.max(), 7)
    (np.int64(15), np.int64(5), 7)
    """
    arrays = [a for a in args if isinstance(a, ChunkedArray)]
    results, filled = _run(arrays, scheduler, num_workers, fill=True) if arrays else ({}, {})
    handed: set[int] = set()
    return tuple(
        _assemble(a, results, handed, filled.get(a.name)) if isinstance(a, ChunkedArray) else a
        for a in args
    )


def persist(*args: Any, scheduler: Any = None, num_workers: int | None = None) -> tuple[Any, ...]:
    """Compute the blocks of several arrays and keep them, returning arrays over the held blocks."""
    arrays = [a for a in args if isinstance(a, ChunkedArray)]
    results = _run(arrays, scheduler, num_workers)[0] if arrays else {}
    return tuple(_hold(a, results) if isinstance(a, ChunkedArray) else a for a in args)


def _hold(x: ChunkedArray, results: dict[Key, Any]) -> ChunkedArray:
    name = "persist-" + tokenize(x.name)
    blocks = {(name, *k[1:]): _read_only(results[k]) for k in x._node.keys()}
    return ChunkedArray(Persisted(name, x.chunks, x.dtype, blocks, x._node.masked))


def _read_only(block: Any) -> Any:
    # Held blocks are shared by every later computation: a task (or a caller handed the block by
    # a one-block compute) that wrote into one would change the persisted array.
    if isinstance(block, np.ndarray) and block.flags.writeable:
        block = block.view()
        block.flags.writeable = False
    return block
