"""The ChunkedArray: array metadata in front of a node of the lazy expression graph.

This module holds what an array *is* (shape, dtype, chunks, the node that makes its blocks) and how
it becomes NumPy (``compute``, ``persist``, the conversion protocols). Operations live in their own
modules and are bound to the class as methods by :mod:`chunkarray._methods`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from chunkarray import config
from chunkarray._chunks import Chunks, block_slices
from chunkarray._tokenize import tokenize
from chunkarray.executors import get_executor
from chunkarray.graph import Key, Node, lower
from chunkarray.primitives.sources import BlockSelect, Persisted

__all__ = ["ChunkedArray", "compute", "persist"]


class ChunkedArray:
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
        return self.shape[0]

    def __repr__(self) -> str:
        return (
            f"chunkarray.ChunkedArray<shape={self.shape}, dtype={self.dtype}, "
            f"chunksize={self.chunksize}, numblocks={self.numblocks}>"
        )

    # --- computing -------------------------------------------------------------------------------

    def compute(self, *, scheduler: Any = None, num_workers: int | None = None) -> Any:
        """Run the graph and return a NumPy array (a NumPy scalar for a 0-d array)."""
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
        return out if dtype is None else out.astype(dtype, copy=False)

    def _scalar(self, convert: Any) -> Any:
        if self.size != 1:
            raise TypeError(
                f"only arrays of size 1 can be converted to Python scalars, got shape {self.shape}"
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
        if self.ndim or self.dtype.kind not in "iub":
            raise TypeError("only 0-d integer arrays can be used as an index")
        return self._scalar(operator.index)

    __hash__ = None  # type: ignore[assignment]  # == is elementwise


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
        return [m for i in index for m in _block_map(int(i), n, axis)]
    raise TypeError(f"block indices must be ints, slices or lists of ints, got {index!r}")


# --- compute / persist -------------------------------------------------------------------------------


def _run(arrays: Sequence[ChunkedArray], scheduler: Any, num_workers: int | None) -> dict[Key, Any]:
    execute = get_executor(scheduler)  # an unknown scheduler fails here, before any work
    keys = [k for a in arrays for k in a._node.keys()]
    lowered = lower([a._node for a in arrays], keys)
    values = execute(lowered, keys, num_workers or config.num_workers())
    return dict(zip(keys, values))


def _assemble(x: ChunkedArray, results: dict[Key, Any]) -> Any:
    """Put the blocks of ``x`` together as one NumPy array (a NumPy scalar when 0-d)."""
    keys = list(x._node.keys())
    if len(keys) == 1:
        out = np.asarray(results[keys[0]])
        if out.base is not None:  # a view, maybe of the caller's own input: never hand it out
            out = out.copy()
    else:
        out = np.empty(x.shape, dtype=x.dtype)
        for key, slices in zip(keys, block_slices(x.chunks)):
            out[slices] = results[key]
    return out[()] if out.ndim == 0 else out


def compute(*args: Any, scheduler: Any = None, num_workers: int | None = None) -> tuple[Any, ...]:
    """Compute several arrays at once, sharing the work they have in common.

    Arguments that are not chunked arrays are returned unchanged.

    >>> import chunkarray as ca
    >>> x = ca.arange(6, chunks=2)
    >>> compute(x.sum(), x.max(), 7)
    (np.int64(15), np.int64(5), 7)
    """
    arrays = [a for a in args if isinstance(a, ChunkedArray)]
    results = _run(arrays, scheduler, num_workers) if arrays else {}
    return tuple(_assemble(a, results) if isinstance(a, ChunkedArray) else a for a in args)


def persist(*args: Any, scheduler: Any = None, num_workers: int | None = None) -> tuple[Any, ...]:
    """Compute the blocks of several arrays and keep them, returning arrays over the held blocks."""
    arrays = [a for a in args if isinstance(a, ChunkedArray)]
    results = _run(arrays, scheduler, num_workers) if arrays else {}
    return tuple(_hold(a, results) if isinstance(a, ChunkedArray) else a for a in args)


def _hold(x: ChunkedArray, results: dict[Key, Any]) -> ChunkedArray:
    name = "persist-" + tokenize(x.name)
    blocks = {(name, *k[1:]): results[k] for k in x._node.keys()}
    return ChunkedArray(Persisted(name, x.chunks, x.dtype, blocks))


def unwrap(arrays: Iterable[ChunkedArray]) -> list[Node]:
    """The graph nodes behind arrays."""
    return [a._node for a in arrays]
