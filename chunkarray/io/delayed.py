"""Arrays from the user's own loaders and from dask Delayed values, and arrays as Delayed blocks.

``from_blocks`` builds an array from a nested list of zero-argument functions, one per block: the
way to read files of your own format without dask. ``from_delayed`` and ``x.to_delayed()`` speak
``dask.delayed`` (dask is imported only by them).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.array_methods import provide
from chunkarray.core.chunks import Chunks
from chunkarray.core.tokenize import tokenize
from chunkarray.interop.dask import dask_keys, to_dask
from chunkarray.io._optional import require
from chunkarray.kernels import loaders
from chunkarray.kernels.blocks import flatten_nested
from chunkarray.primitives.sources import BlockCalls

__all__ = ["from_blocks", "from_delayed", "to_delayed"]


def _explicit_chunks(chunks: Any) -> Chunks:
    if not isinstance(chunks, (tuple, list)) or not all(
            isinstance(c, (tuple, list)) and all(isinstance(n, (int, np.integer))
                                                 and not isinstance(n, bool) and n >= 0
                                                 for n in c)
            for c in chunks):
        raise ValueError(f"chunks={chunks!r}: from_blocks needs explicit block sizes, one tuple "
                         f"of non-negative ints per axis, e.g. ((2, 2), (3,))")
    return tuple(tuple(int(n) for n in c) for c in chunks)


def from_blocks(funcs: Any, /, chunks: Any, dtype: Any, *, name: str | None = None
                ) -> ChunkedArray:
    """An array whose block ``(i, j, ...)`` is ``funcs[i][j]...()``, called when computed.

    ``funcs`` is nested one list per axis (a single function for a 0-d array), shaped like the
    block grid of ``chunks`` (explicit block sizes per axis). A function that returns an array of
    another shape than its block's, or of a dtype that does not cast safely to ``dtype``, fails
    the computation naming its block.

    >>> import numpy as np, chunkarray as ca
    >>> loaders = [lambda: np.zeros(2), lambda: np.arange(3.0)]
    >>> x = ca.from_blocks(loaders, chunks=((2, 3),), dtype=float)
    >>> x.compute()
    array([0., 0., 0., 1., 2.])
    """
    normalized = _explicit_chunks(chunks)
    grid = tuple(len(c) for c in normalized)
    nested = np.empty((), dtype=object)
    nested[()] = funcs
    flat = np.array(funcs, dtype=object) if grid else nested
    if flat.shape != grid:
        raise ValueError(f"from_blocks: funcs is nested as a grid of shape {flat.shape}, but "
                         f"chunks={normalized} has {grid} blocks; give one function per block")
    bad = [f for f in flat.flat if not callable(f)]
    if bad:
        raise TypeError(f"from_blocks: every entry of funcs must be a zero-argument callable, got "
                        f"{type(bad[0]).__name__}")
    dtype = np.dtype(dtype)
    name = name or "from-blocks-" + tokenize(normalized, dtype, [id(f) for f in flat.flat])
    return ChunkedArray(BlockCalls(name, normalized, dtype, list(flat.flat), "from_blocks"))


def from_delayed(value: Any, /, shape: tuple[int, ...], dtype: Any = None, *, meta: Any = None,
                 name: str | None = None) -> ChunkedArray:
    """A one-block array whose block is the value of the dask Delayed ``value``.

    As ``dask.array.from_delayed``: ``shape`` and ``dtype`` (or ``meta``) are what the value will
    be. A value of another shape fails the computation, saying so.

    >>> import dask, numpy as np, chunkarray as ca
    >>> x = ca.from_delayed(dask.delayed(np.ones)(3), shape=(3,), dtype=float)
    >>> (x + 1).compute()
    array([2., 2., 2.])
    """
    dask_delayed = require("dask.delayed", "distributed")
    if not isinstance(value, dask_delayed.Delayed):
        raise TypeError(f"from_delayed: value must be a dask Delayed, got {type(value).__name__}")
    if dtype is None:
        if meta is None:
            raise TypeError("from_delayed: give dtype= (or meta=): the value's dtype is not known "
                            "until it is computed")
        dtype = np.asarray(meta).dtype
    try:
        shape = tuple(int(n) for n in shape)
    except TypeError:
        raise TypeError(f"from_delayed: shape={shape!r} must be a tuple of ints") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"from_delayed: shape={shape}: sizes must be non-negative")
    chunks = tuple((n,) for n in shape)
    name = name or "from-value-" + tokenize(str(value.key), shape, np.dtype(dtype))
    return ChunkedArray(BlockCalls(name, chunks, np.dtype(dtype),
                                   [partial(loaders.compute_delayed, value)], "from_delayed"))


@provide("to_delayed")
def to_delayed(x: ChunkedArray, optimize_graph: bool = True) -> np.ndarray:
    """The blocks of ``x`` as dask Delayed objects, in an object array shaped like its block grid.

    They share one graph (fused and lowered once); ``optimize_graph`` is accepted for dask's
    signature, the graph being optimized either way.

    >>> import dask, chunkarray as ca
    >>> parts = ca.arange(5, chunks=2).to_delayed()
    >>> parts.shape, [p.compute().tolist() for p in parts]
    ((3,), [[0, 1], [2, 3], [4]])
    """
    dask_delayed = require("dask.delayed", "distributed")
    graph = to_dask(x).__dask_graph__()
    out = np.empty(x.numblocks, dtype=object)
    keys = np.empty(x.numblocks, dtype=object)
    for key in flatten_nested(dask_keys(x)):
        keys[key[1:]] = key
    for index, key in np.ndenumerate(keys):
        out[index] = dask_delayed.Delayed(key, graph)
    return out



