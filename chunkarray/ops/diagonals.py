"""Diagonals and triangles: ``diagonal``, ``trace``, ``diag``, ``tril``/``triu``, ``tri`` and the
triangle index functions.

A diagonal lives in the diagonal blocks once both axes share one chunking (their common
refinement), so ``diagonal`` is one blockwise step that reads block ``(i, i)``. Triangles mask
each block by its position; ``tri`` and the index functions make each block from its offset.
"""

from __future__ import annotations

import operator
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.array_methods import provide
from chunkarray.core import config
from chunkarray.core.chunks import normalize_chunks
from chunkarray.core.graph import Key
from chunkarray.core.grid import ChunkGrid, axis_grid
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import linalg as lk
from chunkarray.ops import reductions
from chunkarray.ops.creation import asarray
from chunkarray.ops.dispatch import implements
from chunkarray.ops.shape import broadcast_to, swapaxes
from chunkarray.primitives.blockwise import blockwise_node
from chunkarray.primitives.sources import BlockFunction
from chunkarray.primitives.tasks import TaskGrid

__all__ = [
    "diag", "diagonal", "matrix_transpose", "trace", "tri", "tril", "tril_indices",
    "tril_indices_from", "triu", "triu_indices", "triu_indices_from",
]


def _int(func: str, arg: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{func}: {arg}={value!r} must be an integer")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{func}: {arg}={value!r} must be an integer") from None


@implements(np.diagonal)
def diagonal(a: Any, /, offset: int = 0, axis1: int = 0, axis2: int = 1) -> ChunkedArray:
    """The ``offset`` diagonal of the ``axis1``/``axis2`` planes, as a last axis (``np.diagonal``).

    >>> import chunkarray as ca, numpy as np
    >>> diagonal(ca.from_array(np.arange(9).reshape(3, 3), chunks=2), 1).compute()
    array([1, 5])
    """
    x = asarray(a)
    offset = _int("diagonal", "offset", offset)
    if x.ndim < 2:
        raise ValueError(f"diagonal: a must have at least 2 dimensions, got shape {x.shape}")
    ax1 = normalize_axis_index(axis1, x.ndim, "axis1")
    ax2 = normalize_axis_index(axis2, x.ndim, "axis2")
    if ax1 == ax2:
        raise ValueError(f"diagonal: axis1={axis1} and axis2={axis2} are the same axis")
    require_known_chunks(x, "diagonal", (ax1, ax2))
    r0, c0 = max(0, -offset), max(0, offset)
    d = max(0, min(x.shape[ax1] - r0, x.shape[ax2] - c0))
    index = [slice(None)] * x.ndim
    index[ax1], index[ax2] = slice(r0, r0 + d), slice(c0, c0 + d)
    x = x[tuple(index)]  # type: ignore[index]  # bound by chunkarray.ops.methods
    others = tuple(i for i in range(x.ndim) if i not in (ax1, ax2))
    in_ind = tuple("d" if i in (ax1, ax2) else i for i in range(x.ndim))
    kernel = partial(lk.diagonal_block, offset=0, axis1=ax1, axis2=ax2)
    return ChunkedArray(blockwise_node(kernel, (*others, "d"), x._node, in_ind, dtype=x.dtype,
                                       name="diagonal-" + tokenize(x.name, ax1, ax2)))


@implements(np.trace)
def trace(a: Any, /, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
          out: Any = None) -> ChunkedArray:
    """Sum along a diagonal, like ``numpy.trace`` (its dtype rules are ``numpy.sum``'s).

    >>> import chunkarray as ca
    >>> trace(ca.eye(4, chunks=3, dtype=int)).compute()
    np.int64(4)
    """
    if out is not None:
        raise TypeError("trace: out= is not supported on chunked arrays")
    return reductions.sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


@implements(np.diag)
def diag(v: Any, /, k: int = 0) -> ChunkedArray:
    """A diagonal of a 2-D array, or a 2-D array with ``v`` on its ``k``-th diagonal (``np.diag``).

    >>> import chunkarray as ca
    >>> diag(ca.arange(1, 3, chunks=1), -1).compute()
    array([[0, 0, 0],
           [1, 0, 0],
           [0, 2, 0]])
    """
    x = asarray(v)
    k = _int("diag", "k", k)
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"diag: v must be 1-D or 2-D, got shape {x.shape}")
    require_known_chunks(x, "diag")
    pad = (abs(k),) if k else ()
    rows = (pad + x.chunks[0]) if k < 0 else (x.chunks[0] + pad)
    cols = (x.chunks[0] + pad) if k < 0 else (pad + x.chunks[0])
    rows = tuple(c for c in rows if c) or (0,)
    cols = tuple(c for c in cols if c) or (0,)
    name = "diag-" + tokenize(x.name, k)
    vector, out = axis_grid(x.chunks[0]), ChunkGrid.from_chunks((rows, cols))
    n, source = x.shape[0], x.name

    def plan(index: tuple[int, ...]) -> tuple[Any, list[Any]]:
        (r, c), shape = out.block_slices(index), out.block_shape(index)
        offset = (r.start, c.start)
        lo = max(r.start - max(0, -k), c.start - max(0, k), 0)
        hi = min(r.stop - max(0, -k), c.stop - max(0, k), n)
        if lo >= hi:
            return partial(lk.diag_from_vector, shape, offset, k=k, start=0, dtype=x.dtype), []
        blocks = vector.blocks_between(lo, hi)
        keys: list[Key] = [(source, b) for b in blocks]
        return partial(lk.diag_from_vector, shape, offset, k=k, start=vector.offset(blocks[0]),
                       dtype=x.dtype), keys

    return ChunkedArray(TaskGrid(name, (rows, cols), x.dtype, [x._node], plan))


def _triangle(m: Any, k: Any, lower: bool) -> ChunkedArray:
    label = "tril" if lower else "triu"
    x = asarray(m)
    k = _int(label, "k", k)
    if x.ndim == 0:
        raise ValueError(f"{label}: m must have at least 1 dimension, got a 0-d array")
    if x.ndim == 1:  # NumPy broadcasts a vector to the square matrix of its rows
        x = broadcast_to(x, (x.shape[0], x.shape[0]))
    require_known_chunks(x, label, (x.ndim - 2, x.ndim - 1))
    matrix = ChunkGrid.from_chunks(x.chunks[-2:])

    def shift(index: tuple[int, ...]) -> dict[str, Any]:
        row, col = matrix.block_offset(index[-2:])
        return {"k": k + row - col}

    ind = tuple(range(x.ndim))
    node = blockwise_node(partial(lk.tri_mask_block, lower=lower), ind, x._node, ind,
                          dtype=x.dtype, block_kwargs=shift,
                          name=f"{label}-" + tokenize(x.name, k))
    return ChunkedArray(node)


@implements(np.tril)
def tril(m: Any, /, k: int = 0) -> ChunkedArray:
    """The lower triangle (on and below the ``k``-th diagonal) of the last two axes (``np.tril``).

    >>> import chunkarray as ca
    >>> tril(ca.ones((3, 3), chunks=2, dtype=int)).compute()
    array([[1, 0, 0],
           [1, 1, 0],
           [1, 1, 1]])
    """
    return _triangle(m, k, True)


@implements(np.triu)
def triu(m: Any, /, k: int = 0) -> ChunkedArray:
    """The upper triangle (on and above the ``k``-th diagonal) of the last two axes (``np.triu``).

    >>> import chunkarray as ca
    >>> triu(ca.ones((2, 3), chunks=2, dtype=int), 1).compute()
    array([[0, 1, 1],
           [0, 0, 1]])
    """
    return _triangle(m, k, False)


def tri(N: int, /, M: int | None = None, k: int = 0, dtype: Any = float, *,  # noqa: N803
        chunks: Any = "auto") -> ChunkedArray:
    """Ones at and below the ``k``-th diagonal, zeros elsewhere, like ``numpy.tri``.

    >>> tri(3, 2, chunks=2, dtype=int).compute()
    array([[1, 0],
           [1, 1],
           [1, 1]])
    """
    n = _int("tri", "N", N)
    m = n if M is None else _int("tri", "M", M)
    k = _int("tri", "k", k)
    if n < 0 or m < 0:
        raise ValueError(f"tri: N={n} and M={m} must be non-negative")
    dtype = np.dtype(dtype)
    normalized = normalize_chunks(chunks, (n, m), dtype=dtype, limit=config.get("chunk_size"))
    name = "tri-" + tokenize(normalized, k, dtype)
    return ChunkedArray(BlockFunction(name, lk.tri_block, normalized, dtype,
                                      {"k": k, "dtype": dtype}))


def _indices(n: Any, k: Any, m: Any, lower: bool, chunks: Any) -> tuple[ChunkedArray, ...]:
    label = "tril_indices" if lower else "triu_indices"
    n = _int(label, "n", n)
    k = _int(label, "k", k)
    m = n if m is None else _int(label, "m", m)
    if n < 0 or m < 0:
        raise ValueError(f"{label}: n={n} and m={m} must be non-negative")
    rows = np.arange(n)
    counts = np.clip(rows + k + 1, 0, m) if lower else m - np.clip(rows + k, 0, m)
    length = int(counts.sum())
    normalized = normalize_chunks(chunks, (length,), dtype=np.dtype(np.intp),
                                  limit=config.get("chunk_size"))
    out = []
    for which in (0, 1):
        name = f"{label}-{which}-" + tokenize(n, k, m, normalized)
        kwargs = {"n": n, "m": m, "k": k, "lower": lower, "which": which}
        out.append(ChunkedArray(BlockFunction(name, lk.tri_indices_block, normalized,
                                              np.dtype(np.intp), kwargs)))
    return tuple(out)


def tril_indices(n: int, /, k: int = 0, m: int | None = None, *, chunks: Any = "auto"
                 ) -> tuple[ChunkedArray, ...]:
    """Row and column indices of the lower triangle of an ``(n, m)`` array (``np.tril_indices``).

    >>> [i.compute().tolist() for i in tril_indices(3, chunks=2)]
    [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    """
    return _indices(n, k, m, True, chunks)


def triu_indices(n: int, /, k: int = 0, m: int | None = None, *, chunks: Any = "auto"
                 ) -> tuple[ChunkedArray, ...]:
    """Row and column indices of the upper triangle of an ``(n, m)`` array (``np.triu_indices``).

    >>> [i.compute().tolist() for i in triu_indices(3, 1, chunks=2)]
    [[0, 0, 1], [1, 2, 2]]
    """
    return _indices(n, k, m, False, chunks)


def _from(arr: Any, label: str) -> tuple[int, int]:
    shape = np.shape(arr) if not isinstance(arr, ChunkedArray) else arr.shape
    if len(shape) != 2:
        raise ValueError(f"{label}: arr must be 2-D, got shape {tuple(shape)}")
    return int(shape[0]), int(shape[1])


@implements(np.tril_indices_from)
def tril_indices_from(arr: Any, /, k: int = 0, *, chunks: Any = "auto"
                      ) -> tuple[ChunkedArray, ...]:
    """:func:`tril_indices` for the shape of the 2-D ``arr``.

    >>> import chunkarray as ca
    >>> [i.compute().tolist() for i in tril_indices_from(ca.ones((2, 3), chunks=1))]
    [[0, 1, 1], [0, 0, 1]]
    """
    n, m = _from(arr, "tril_indices_from")
    return _indices(n, k, m, True, chunks)


@implements(np.triu_indices_from)
def triu_indices_from(arr: Any, /, k: int = 0, *, chunks: Any = "auto"
                      ) -> tuple[ChunkedArray, ...]:
    """:func:`triu_indices` for the shape of the 2-D ``arr``.

    >>> import chunkarray as ca
    >>> [i.compute().tolist() for i in triu_indices_from(ca.ones((2, 3), chunks=1))]
    [[0, 0, 0, 1, 1], [0, 1, 2, 1, 2]]
    """
    n, m = _from(arr, "triu_indices_from")
    return _indices(n, k, m, False, chunks)


@implements(np.matrix_transpose, np.linalg.matrix_transpose)
def matrix_transpose(x: Any, /) -> ChunkedArray:
    """Swap the last two axes, like ``numpy.linalg.matrix_transpose``.

    >>> import chunkarray as ca
    >>> matrix_transpose(ca.ones((2, 3, 4), chunks=2)).shape
    (2, 4, 3)
    """
    x = asarray(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: x must have at least 2 dimensions, got shape "
                         f"{x.shape}")
    return swapaxes(x, -1, -2)


provide("trace")(trace)
provide("diagonal")(diagonal)
