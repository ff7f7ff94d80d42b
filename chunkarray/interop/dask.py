"""dask's collection protocol, on request: ``x.to_dask()`` is a view of ``x`` that dask treats as
one of its own collections.

A :class:`~chunkarray.array.ChunkedArray` does not carry dask's protocol itself: if it did, every
library that asks "is this a dask collection?" (xarray, first of all) would take it for a dask
array and hand it to dask's machinery. The view carries it instead, so
``dask.compute(x.to_dask())``, ``dask.persist``, ``dask.delayed(f)(x.to_dask())``,
``client.compute(x.to_dask())`` and ``client.persist(x.to_dask())`` work. The graph dask gets is
the one our executors run: fused, culled to the array's blocks, lowered to dask's format, once
per array (the view is cached on the array and keeps its lowered graph); dask is told it is
already optimized. ``x.compute(scheduler=client)`` runs the same graph without the view.

dask stays optional: nothing here imports it until dask itself asks for a scheduler.

>>> import dask, numpy as np, chunkarray as ca
>>> x = ca.from_array(np.arange(6), chunks=2)
>>> dask.compute(x.sum().to_dask(), (x * 2).to_dask())
(np.int64(15), array([ 0,  2,  4,  6,  8, 10]))
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, _assemble, _read_only
from chunkarray.array_methods import provide
from chunkarray.core.chunks import Chunks
from chunkarray.core.graph import Key, Node, collect_nodes, is_task
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels.blocks import flatten_nested, is_future
from chunkarray.optimize.lowering import lower_optimized
from chunkarray.primitives.sources import Persisted, Remote
from chunkarray.primitives.staged import stagings

__all__ = ["DaskView", "dask_graph", "dask_keys", "to_dask"]


class _ThreadedGet:
    """``__dask_scheduler__``: dask's threaded ``get``, imported only when dask reads it.

    dask reads it from the class and from an instance alike.
    """

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        import dask.threaded

        return dask.threaded.get


class DaskView:
    """A chunked array seen as a dask collection (made by ``x.to_dask()``).

    ``view.array`` is the array; dask's ``compute`` gives NumPy, its ``persist`` gives another
    view over the held blocks (on a cluster, over futures that stay on the workers).

    >>> import dask, chunkarray as ca
    >>> v = ca.arange(4, chunks=2).to_dask()
    >>> v
    DaskView<chunkarray.ChunkedArray<shape=(4,), dtype=int64, chunksize=(2,), numblocks=(2,)>>
    >>> (held,) = dask.persist(v)
    >>> held.array.sum().compute()
    np.int64(6)
    """

    __slots__ = ("array", "_graph")

    def __init__(self, array: ChunkedArray) -> None:
        if not isinstance(array, ChunkedArray):
            raise TypeError(f"DaskView wraps a ChunkedArray, got {type(array).__name__}")
        self.array = array
        self._graph: dict[Key, Any] | None = None

    @property
    def name(self) -> str:
        return self.array.name

    @property
    def chunks(self) -> Chunks:
        return self.array.chunks

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    def __repr__(self) -> str:
        return f"DaskView<{self.array!r}>"

    def __dask_graph__(self) -> dict[Key, Any]:
        if self._graph is None:  # lowered once: dask asks again and again during one compute
            self._graph = _cached_graph(self.array)
        # Disk rechunks: their directory exists only while a compute of ours runs (and since it
        # was made); dask's computes run these tasks without us, so it is made again here.
        for staging in stagings(collect_nodes([self.array._node]).values()):
            staging.prepare()
        return self._graph

    def __dask_keys__(self) -> list[Any]:
        return dask_keys(self.array)

    def __dask_postcompute__(self) -> tuple[Any, tuple[Any, ...]]:
        return finalize, (self.name, self.chunks, self.dtype, self.array._node.masked)

    def __dask_postpersist__(self) -> tuple[Any, tuple[Any, ...]]:
        return _rebuild_view, (self.array._node,)  # runs in the caller, never on a worker

    def __dask_tokenize__(self) -> str:
        return self.name

    @staticmethod
    def __dask_optimize__(dsk: Any, keys: Any, **kwargs: Any) -> Any:
        return dsk  # fused and culled when it was lowered

    __dask_scheduler__ = _ThreadedGet()


# The lowered graph of each array that was asked for one, kept while the array lives, so it is
# lowered once however often dask (or the user) asks. Arrays are unhashable (``==`` is
# elementwise), so the table is by id, its entry dropped when the array goes. Only the graph is
# kept, never the array or its view, which would keep the array alive.
_GRAPHS: dict[int, dict[Key, Any]] = {}


def _cached_graph(x: ChunkedArray) -> dict[Key, Any]:
    graph = _GRAPHS.get(id(x))
    if graph is None:
        graph = _GRAPHS[id(x)] = dask_graph(x)
        weakref.finalize(x, _GRAPHS.pop, id(x), None)
    return graph


def to_dask(x: ChunkedArray) -> DaskView:
    """``x.to_dask()``: ``x`` as a dask collection (its graph lowered once per array).

    >>> import dask, chunkarray as ca
    >>> x = ca.ones((2, 3), chunks=2)
    >>> x.to_dask().__dask_graph__() is x.to_dask().__dask_graph__()
    True
    >>> dask.compute(x.to_dask())[0].sum()
    np.float64(6.0)
    """
    return DaskView(x)


provide("to_dask")(to_dask)


def dask_graph(x: ChunkedArray) -> dict[Key, Any]:
    """The fused task graph of every block of ``x``, as a plain dict (``__dask_graph__``).

    >>> import chunkarray as ca
    >>> g = dask_graph(ca.arange(4, chunks=2))
    >>> sorted(k[1:] for k in g if k[0].startswith("arange"))
    [(0,), (1,)]
    """
    return lower_optimized([x._node])[0].tasks


def dask_keys(x: ChunkedArray) -> list[Any]:
    """The block keys, nested one list per axis as in dask.array (``__dask_keys__``).

    >>> import chunkarray as ca
    >>> x = ca.ones((3, 4), chunks=2)
    >>> [[k[1:] for k in row] for row in dask_keys(x)]
    [[(0, 0), (0, 1)], [(1, 0), (1, 1)]]
    >>> len(dask_keys(ca.ones((), chunks=())))
    1
    """
    name, numblocks = x.name, x.numblocks
    if not numblocks:
        return [(name,)]

    def nest(prefix: tuple[int, ...]) -> list[Any]:
        axis = len(prefix)
        if axis + 1 == len(numblocks):
            return [(name, *prefix, i) for i in range(numblocks[axis])]
        return [nest((*prefix, i)) for i in range(numblocks[axis])]

    return nest(())


def finalize(results: Any, name: str, chunks: Chunks, dtype: np.dtype, masked: bool = False
             ) -> Any:
    """Assemble computed blocks, nested as ``__dask_keys__``, into NumPy, as ``compute()`` does.

    Only metadata travels with it (it may run on a distributed worker), never the graph.

    >>> import numpy as np
    >>> finalize([np.arange(2), np.arange(2, 3)], "x", ((2, 1),), np.dtype(int))
    array([0, 1, 2])
    """
    # (A node of no blocks that says whether they are masked, as a plain Node cannot.)
    stub = ChunkedArray(Persisted(name, chunks, dtype, {}, masked))
    blocks = dict(zip(stub._node.keys(), flatten_nested(results)))
    return _assemble(stub, blocks, set())


def rebuild(dsk: Mapping[Key, Any], node: Node, rename: Mapping[str, str] | None = None
            ) -> ChunkedArray:
    """The array after ``dask.persist`` or ``dask.optimize`` (``__dask_postpersist__``).

    After a persist ``dsk`` maps each block key to its value (or to a future on a cluster), and the
    array is rebuilt over those blocks. After ``dask.optimize`` it is a whole task graph, which
    gives nothing new: our graph was optimized when it was lowered, so the array is ``node``'s.

    >>> import numpy as np, chunkarray as ca
    >>> x = ca.arange(2, chunks=2)
    >>> y = rebuild({(x.name, 0): np.array([5, 6])}, x._node)
    >>> y.compute()
    array([5, 6])
    >>> rebuild(dask_graph(x), x._node).name == x.name
    True
    """
    name, chunks, dtype = node.name, node.chunks, node.dtype
    if rename:
        name = rename.get(name, name)
    old = _renamed(list(Node(name, chunks, dtype).keys()), dsk)
    if old is None or any(is_task(dsk[k]) for k in old):
        return ChunkedArray(node)
    values = [dsk[k] for k in old]
    new_name = "persist-" + tokenize(name)
    if any(is_future(v) for v in values):
        new: Node = Remote(new_name, chunks, dtype, values, node.masked)
    else:
        held = {(new_name, *k[1:]): _read_only(v) for k, v in zip(old, values)}
        new = Persisted(new_name, chunks, dtype, held, node.masked)
    return ChunkedArray(new)


def _rebuild_view(dsk: Mapping[Key, Any], node: Node, rename: Mapping[str, str] | None = None
                  ) -> DaskView:
    return to_dask(rebuild(dsk, node, rename))


def _renamed(keys: list[Key], dsk: Mapping[Key, Any]) -> list[Key] | None:
    # The block keys as ``dsk`` files them (after a rename, under either name); ``None`` when
    # ``dsk`` holds more than the blocks, i.e. it is a whole graph.
    if len(dsk) != len(keys):
        return None
    if keys[0] not in dsk:
        names = {k[0] for k in dsk}
        if len(names) != 1:
            return None
        keys = [(names.pop(), *k[1:]) for k in keys]
    return keys if all(k in dsk for k in keys) else None
