"""Nodes that make blocks from outside the graph: array-likes, block functions, held blocks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from operator import getitem, itemgetter
from typing import Any

import numpy as np

from chunkarray.core.chunks import Chunks
from chunkarray.core.graph import Key, Node
from chunkarray.core.grid import ChunkGrid, pick
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as kernels
from chunkarray.kernels import loaders

__all__ = ["BlockCalls", "BlockFunction", "BlockSelect", "Data", "FromArray", "Persisted",
           "Relabel", "Remote"]


class Data(Node):
    """A single literal value in the graph, such as the array a :class:`FromArray` reads from.

    Its one key is ``(name,)``; the executors hand the value to its readers as is, and a
    distributed scheduler ships it to the workers once rather than once per task.
    """

    __slots__ = ("value",)

    def __init__(self, name: str, value: Any) -> None:
        super().__init__(name, (), np.dtype(object))
        self.value = value
        # Only reads that know masks (FromArray) may take slices of a masked array.
        self.masked = isinstance(value, np.ma.MaskedArray)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        return self.value, ()


class FromArray(Node):
    """Blocks read by slicing an array-like: NumPy arrays give views, storage reads just a block."""

    __slots__ = ("data", "getter", "region", "_slices")

    def __init__(
        self,
        name: str,
        source: Any,
        chunks: Chunks,
        dtype: Any,
        getter: Callable[..., Any] = kernels.block_from_source,
        region: tuple[int | tuple[int, int], ...] | None = None,
        data: Data | None = None,
    ) -> None:
        super().__init__(name, chunks, dtype)
        # The same source read again (after slicing) shares its Data node: it is shipped once.
        self.data = data if data is not None else Data(f"array-{name}", source)
        # Blocks of a NumPy masked array are masked slices of it (see block_from_source).
        self.masked = isinstance(self.data.value, np.ma.MaskedArray)
        self.getter = getter
        # Which part of the source this array is, per source axis: an int (an axis indexing has
        # dropped) or (start, step) of a strided range; None is the whole source.
        self.region = region
        # Per axis, the slice of each block: made on first lowering (see ``Node._cache``), as
        # slicing makes new reads often and most are never lowered.
        self._slices: tuple[list[slice], ...] | None = None

    @property
    def source(self) -> Any:
        return self.data.value

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.data,)

    def block_slices(self, index: tuple[int, ...]) -> tuple[slice | int, ...]:
        """The index into the source that reads block ``index``."""
        slices = self._slices
        if slices is None:
            slices = self._cache("_slices", tuple(
                [slice(lo, hi) for lo, hi in zip(b[:-1], b[1:])]
                for b in (a.boundaries for a in ChunkGrid.from_chunks(self.chunks).axes)
            ))
        if self.region is None:
            return tuple(map(getitem, slices, index))  # per block: kept lean
        local = [s[i] for s, i in zip(slices, index)]
        parts: list[slice | int] = []
        axes = iter(local)
        for entry in self.region:
            if isinstance(entry, int):
                parts.append(entry)
                continue
            (start, step), within = entry, next(axes)
            stop = start + within.stop * step
            parts.append(slice(start + within.start * step, None if stop < 0 else stop, step))
        return tuple(parts)

    def block_readers(self, indices: Sequence[tuple[int, ...]]) -> list[Callable[[Any], Any]]:
        """:meth:`block_reader` of each of ``indices``, in one loop."""
        if self.region is None and self.getter is kernels.block_from_source and self.chunks \
                and type(self.data.value) is np.ndarray:
            if indices:
                self.block_slices(indices[0])  # fills the table of slices
            assert self._slices is not None or not indices
            return list(map(itemgetter, pick(self._slices or (), indices)))
        return list(map(self.block_reader, indices))

    def block_reader(self, index: tuple[int, ...]) -> Callable[[Any], Any]:
        """The function of the source that reads block ``index``.

        Slicing a NumPy array gives the block as a view, so there the reader is the bare slicing
        (``operator.itemgetter``, in C): it runs once per block, and on small blocks the Python
        layer of a getter would cost more than the read.
        """
        where = self.block_slices(index)
        if self.getter is kernels.block_from_source and self.chunks \
                and type(self.data.value) is np.ndarray:
            return itemgetter(where)
        return partial(self.getter, index=where)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        key = (self.data.name,)
        return (self.block_reader(index), key), (key,)

    def block_tasks(self, indices: Sequence[tuple[int, ...]]) -> list[tuple[Any, Sequence[Key]]]:
        key = (self.data.name,)
        keys = (key,)
        return [((reader, key), keys) for reader in self.block_readers(indices)]


class BlockFunction(Node):
    """Blocks made by ``func(shape=..., offset=..., **kwargs)``: creation functions like ``zeros``.

    ``offset`` is the global position of the block's first element, so ``arange`` or ``eye`` can
    make any block on its own.
    """

    __slots__ = ("func", "kwargs", "_grid", "_axes")

    def __init__(
        self, name: str, func: Callable[..., Any], chunks: Chunks, dtype: Any,
        kwargs: Mapping[str, Any],
    ) -> None:
        super().__init__(name, chunks, dtype)
        self.func = func
        self.kwargs = dict(kwargs)
        self._grid = ChunkGrid.from_chunks(chunks)
        self._axes: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] | None = None

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        return self.block_tasks((index,))[0]

    def block_tasks(self, indices: Sequence[tuple[int, ...]]) -> list[tuple[Any, Sequence[Key]]]:
        return [((f,), ()) for f in self.block_funcs(indices)]

    def block_funcs(self, indices: Sequence[tuple[int, ...]]) -> list[Callable[..., Any]]:
        """The functions that make blocks ``indices`` (no arguments)."""
        axes = self._axes
        if axes is None:  # per axis, the size and offset of each block: made on first lowering
            axes = self._cache("_axes", tuple(
                (a.sizes, a.boundaries) for a in self._grid.axes))
        # A negative block index is an error, not a wrap-around (one too large fails the look-up).
        if axes and indices and min(map(min, indices)) < 0:
            raise IndexError(f"block indices {min(indices)}... out of range for blocks "
                             f"{self.numblocks}")
        func, kwargs = self.func, self.kwargs
        shapes = pick([s for s, _ in axes], indices)
        offsets = pick([o for _, o in axes], indices)
        return [partial(func, shape=s, offset=o, **kwargs) for s, o in zip(shapes, offsets)]


class Persisted(Node):
    """Blocks already computed and held in memory (``masked``: they are masked arrays)."""

    __slots__ = ("blocks",)

    def __init__(self, name: str, chunks: Chunks, dtype: Any, blocks: Mapping[Key, Any],
                 masked: bool = False) -> None:
        super().__init__(name, chunks, dtype)
        self.blocks = dict(blocks)
        self.masked = masked

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        return self.blocks[(self.name, *index)], ()


class BlockSelect(Node):
    """A subset of another node's blocks: block ``i`` on an axis is input block ``maps[i]``."""

    __slots__ = ("source", "maps")
    keeps_masks = True

    def __init__(self, name: str, source: Node, maps: Sequence[Sequence[int]]) -> None:
        chunks = tuple(tuple(c[b] for b in m) for c, m in zip(source.chunks, maps))
        super().__init__(name, chunks, source.dtype)
        self.source = source
        self.maps = tuple(tuple(m) for m in maps)

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        key: Key = (self.source.name, *(m[i] for m, i in zip(self.maps, index)))
        return (kernels.identity, key), (key,)


class Relabel(Node):
    """The blocks of ``source`` unchanged, described by new chunks (its sizes, once measured).

    >>> node = Relabel(Node("x", ((float("nan"),) * 2,), int), ((3, 1),))
    >>> node.shape, node.block_task((1,))[1]
    ((4,), (('x', 1),))
    """

    __slots__ = ("source",)
    keeps_masks = True

    def __init__(self, source: Node, chunks: Chunks) -> None:
        super().__init__("known-" + tokenize(source.name, chunks), chunks, source.dtype)
        self.source = source

    @property
    def dependencies(self) -> tuple[Node, ...]:
        return (self.source,)

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        key: Key = (self.source.name, *index)
        return (kernels.identity, key), (key,)


class Remote(Node):
    """Blocks held on a distributed cluster as futures (an array made by ``client.persist``).

    Each block's task is ``(fetch, future)``: distributed resolves the future in place, and an
    in-process executor waits for its result, so the array computes anywhere.

    >>> Remote("r", ((1, 1),), int, [5, 6]).block_task((1,))[0][1]
    6
    """

    __slots__ = ("futures",)

    def __init__(self, name: str, chunks: Chunks, dtype: Any, futures: Sequence[Any],
                 masked: bool = False) -> None:
        super().__init__(name, chunks, dtype)
        self.futures = dict(zip(self.keys(), futures))
        self.masked = masked

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        return (kernels.fetch, self.futures[(self.name, *index)]), []


class BlockCalls(Node):
    """Blocks made by calling the user's zero-argument functions, one per block (``from_blocks``).

    Each block's task calls its function and checks the block it returns against the chunks.

    >>> node = BlockCalls("b", ((2,),), float, [lambda: [1.0, 2.0]], "from_blocks")
    >>> task, deps = node.block_task((0,))
    >>> task[0](), deps
    (array([1., 2.]), ())
    """

    __slots__ = ("funcs", "label")

    def __init__(self, name: str, chunks: Chunks, dtype: Any, funcs: Sequence[Callable[..., Any]],
                 label: str) -> None:
        super().__init__(name, chunks, dtype)
        self.funcs = dict(zip(self.keys(), funcs))
        self.label = label

    def block_task(self, index: tuple[int, ...]) -> tuple[Any, Sequence[Key]]:
        shape = tuple(c[i] for c, i in zip(self.chunks, index))
        func = self.funcs[(self.name, *index)]
        where = f"{self.label}: the function for block {index}"
        return (partial(loaders.call_block, func, shape=shape, dtype=self.dtype, where=where),), ()
