"""dask's collection protocol on :class:`ChunkedArray`, so dask treats our arrays as its own.

``dask.compute(x, y)``, ``dask.persist(x)``, ``dask.delayed(f)(x)``, ``client.compute(x)`` and
``client.persist(x)`` work on chunked arrays. The graph dask gets is the one our executors run:
fused, culled to the array's blocks, lowered to dask's format; dask is told it is already optimized.

dask stays optional: nothing here imports it until dask itself asks for a scheduler.

>>> import dask, numpy as np, chunkarray as ca
>>> x = ca.from_array(np.arange(6), chunks=2)
>>> dask.compute(x.sum(), x * 2)
(np.int64(15), array([ 0,  2,  4,  6,  8, 10]))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, _assemble, _read_only
from chunkarray.array_methods import provide
from chunkarray.core.chunks import Chunks
from chunkarray.core.graph import Key, Node, is_task
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels.blocks import is_future
from chunkarray.optimize.lowering import lower_optimized
from chunkarray.primitives.sources import Persisted, Remote

__all__ = ["dask_graph", "dask_keys"]


def dask_graph(x: ChunkedArray) -> dict[Key, Any]:
    """The fused task graph of every block of ``x``, as a plain dict (``__dask_graph__``).

    >>> import chunkarray as ca
    >>> g = ca.arange(4, chunks=2).__dask_graph__()
    >>> sorted(k[1:] for k in g if k[0].startswith("arange"))
    [(0,), (1,)]
    """
    return lower_optimized([x._node])[0].tasks


def dask_keys(x: ChunkedArray) -> list[Any]:
    """The block keys, nested one list per axis as in dask.array (``__dask_keys__``).

    >>> import chunkarray as ca
    >>> x = ca.ones((3, 4), chunks=2)
    >>> [[k[1:] for k in row] for row in x.__dask_keys__()]
    [[(0, 0), (0, 1)], [(1, 0), (1, 1)]]
    >>> len(ca.ones((), chunks=()).__dask_keys__())
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


def _flatten(nested: Any) -> Iterator[Any]:
    if isinstance(nested, list):
        for item in nested:
            yield from _flatten(item)
    else:
        yield nested


def finalize(results: Any, name: str, chunks: Chunks, dtype: np.dtype) -> Any:
    """Assemble computed blocks, nested as ``__dask_keys__``, into NumPy, as ``compute()`` does.

    Only metadata travels with it (it may run on a distributed worker), never the graph.

    >>> import numpy as np
    >>> finalize([np.arange(2), np.arange(2, 3)], "x", ((2, 1),), np.dtype(int))
    array([0, 1, 2])
    """
    stub = ChunkedArray(Node(name, chunks, dtype))
    blocks = dict(zip(stub._node.keys(), _flatten(results)))
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
    >>> rebuild(x.__dask_graph__(), x._node).name == x.name
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
        new: Node = Remote(new_name, chunks, dtype, values)
    else:
        held = {(new_name, *k[1:]): _read_only(v) for k, v in zip(old, values)}
        new = Persisted(new_name, chunks, dtype, held)
    return ChunkedArray(new)


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


def _scheduler() -> Any:
    """``__dask_scheduler__``: dask's threaded ``get``, imported only when dask asks for it."""
    import dask.threaded

    return dask.threaded.get


def _postcompute(self: ChunkedArray) -> tuple[Any, tuple[Any, ...]]:
    return finalize, (self.name, self.chunks, self.dtype)


def _postpersist(self: ChunkedArray) -> tuple[Any, tuple[Any, ...]]:
    return rebuild, (self._node,)  # runs in the caller, never on a worker: the node may go


def _tokenize(self: ChunkedArray) -> str:
    return self.name


def _optimize(dsk: Any, keys: Any, **kwargs: Any) -> Any:
    return dsk  # fused and culled when it was lowered


# The array layer declares the protocol (ChunkedArray.__dask_graph__ and the rest); this is what it
# does, provided when this module is imported.
provide("__dask_graph__")(dask_graph)
provide("__dask_keys__")(dask_keys)
provide("__dask_postcompute__")(_postcompute)
provide("__dask_postpersist__")(_postpersist)
provide("__dask_tokenize__")(_tokenize)
provide("__dask_optimize__")(_optimize)
provide("__dask_scheduler__")(_scheduler)
