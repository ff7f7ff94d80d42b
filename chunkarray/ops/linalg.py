"""Matrix products: ``matmul`` (``@``) and ``dot`` as one blockwise contraction.

Output block ``(i, k)`` is the sum over ``j`` of ``x[i, j] @ y[j, k]``: one task per output block
reading a row panel of ``x`` and a column panel of ``y``, as long as those panels fit the memory
limit together. Where they do not (``x.T @ x`` of a tall array: each panel is the whole array),
each block product is a task of its own and the products are summed in a tree whose fan-in keeps
every task within the limit; a single block product that cannot fit is refused at the call. Each
block product runs with one BLAS
thread when the executor has several workers (the workers are the parallelism; BLAS threads on
top of them would oversubscribe the cores), and with all of them for a single-block product.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core import config
from chunkarray.core.tokenize import tokenize
from chunkarray.ops import reductions
from chunkarray.ops.creation import asarray
from chunkarray.primitives.blockwise import blockwise_node

__all__ = ["matmul", "dot"]


@contextlib.contextmanager
def _blas_threads(limit: int | None) -> Iterator[None]:
    """Limit BLAS to ``limit`` threads inside the block, when threadpoolctl is there to do it."""
    if limit is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits  # optional: installed with chunkarray[bench]
    except ImportError:
        yield
        return
    with threadpool_limits(limits=limit, user_api="blas"):
        yield


def _panel_product(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], *, dtype: np.dtype,
                   blas_threads: int | None) -> np.ndarray:
    """Sum over the contracted blocks of the block products, in the result dtype."""
    with _blas_threads(blas_threads):
        out = np.matmul(xs[0], ys[0])
        for a, b in zip(xs[1:], ys[1:]):
            out += np.matmul(a, b)
    # 1-d object operands give a bare Python object, not an array.
    return np.asarray(out).astype(dtype, copy=False)


def _block_product(a: np.ndarray, b: np.ndarray, *, dtype: np.dtype, blas_threads: int | None
                   ) -> np.ndarray:
    """One block product, with a trailing axis of length one for the tree sum over ``j``."""
    with _blas_threads(blas_threads):
        return np.matmul(a, b).astype(dtype, copy=False)[..., np.newaxis]


def _largest(x: ChunkedArray, axes: Sequence[int]) -> int:
    """Elements of the largest block of ``x`` when ``axes`` are taken whole."""
    n = 1
    for a, c in enumerate(x.chunks):
        n *= x.shape[a] if a in axes else max(c, default=0)
    return n


def _task_bytes(x: ChunkedArray, y: ChunkedArray, dtype: np.dtype, panels: bool) -> int:
    """What one task of the product holds: its blocks of ``x`` and ``y`` (whole panels along
    the contracted axis when ``panels``), the product and the running sum."""
    x_axes, y_axes = ([x.ndim - 1], [max(y.ndim - 2, 0)]) if panels else ([], [])
    out = max(_largest(x, [x.ndim - 1]) // max(x.shape[-1], 1), 1) * (
        max(y.chunks[-1], default=0) if y.ndim > 1 else 1)
    return (_largest(x, x_axes) * x.dtype.itemsize + _largest(y, y_axes) * y.dtype.itemsize
            + 2 * out * dtype.itemsize)


def matmul(x1: Any, x2: Any, /) -> ChunkedArray:
    """Matrix product with NumPy's ``matmul`` rules (1-D operands, stacks of matrices).

    >>> import chunkarray as ca, numpy as np
    >>> a = np.arange(12.0).reshape(3, 4)
    >>> bool(np.allclose(matmul(ca.from_array(a, chunks=2), a.T).compute(), a @ a.T))
    True

    Tasks hold whole panels of blocks along the contracted axis only while those fit the
    ``memory_limit`` setting; beyond it, each block product is a task and a tree sums them.
    """
    x, y = asarray(x1), asarray(x2)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("matmul: input operands must have at least one dimension, got a 0-d array")
    if x.dtype.hasobject or y.dtype.hasobject:
        dtype = np.dtype(object)  # 1-d stand-ins would give a bare Python object, of no dtype
    else:
        dtype = np.matmul(np.ones((1,) * x.ndim, x.dtype), np.ones((1,) * y.ndim, y.dtype)).dtype
    k_x, k_y = x.shape[-1], y.shape[-2] if y.ndim > 1 else y.shape[0]
    if k_x != k_y:
        raise ValueError(
            f"matmul: the last axis of x1 (length {k_x}) does not match the "
            f"{'second-to-last' if y.ndim > 1 else 'only'} axis of x2 (length {k_y}); "
            f"shapes {x.shape} and {y.shape}"
        )
    batch = np.broadcast_shapes(x.shape[:-2], y.shape[:-2])  # raises naming the shapes
    nb = len(batch)
    batch_letters = tuple(f"b{i}" for i in range(nb))
    x_ind = batch_letters[nb - max(x.ndim - 2, 0):] + (("i", "j") if x.ndim > 1 else ("j",))
    y_ind = batch_letters[nb - max(y.ndim - 2, 0):] + (("j", "k") if y.ndim > 1 else ("j",))
    out_ind = batch_letters + (("i",) if x.ndim > 1 else ()) + (("k",) if y.ndim > 1 else ())
    one_block = x.npartitions == 1 and y.npartitions == 1
    threads = None if one_block else 1
    limit = config.memory_limit_bytes()
    if _task_bytes(x, y, dtype, panels=True) <= limit or len(x.chunks[-1]) == 1:
        kernel = partial(_panel_product, dtype=dtype, blas_threads=threads)
        node = blockwise_node(kernel, out_ind, x._node, x_ind, y._node, y_ind, dtype=dtype,
                              name="matmul-" + tokenize(x.name, y.name, out_ind))
        return ChunkedArray(node)
    return _tree_matmul(x, y, x_ind, y_ind, out_ind, dtype, threads, limit)


def _tree_matmul(x: ChunkedArray, y: ChunkedArray, x_ind: tuple[str, ...], y_ind: tuple[str, ...],
                 out_ind: tuple[str, ...], dtype: np.dtype, threads: int | None, limit: int
                 ) -> ChunkedArray:
    """Each block product a task, summed over ``j`` in a tree that keeps tasks under ``limit``."""
    one = _task_bytes(x, y, dtype, panels=False)
    if one > limit:
        raise ValueError(
            f"matmul: one block product of blocks {x.chunksize} and {y.chunksize} holds "
            f"{one:,} bytes, more than memory_limit={limit:,}; use smaller chunks or a larger "
            f"memory_limit"
        )
    kernel = partial(_block_product, dtype=dtype, blas_threads=threads)
    node = blockwise_node(kernel, out_ind + ("j",), x._node, x_ind, y._node, y_ind, dtype=dtype,
                          adjust_chunks={"j": 1},
                          name="matmul-products-" + tokenize(x.name, y.name, out_ind))
    # A combine holds ``split_every`` partial sums of an output block and their sum.
    out_block = one - _largest(x, []) * x.dtype.itemsize - _largest(y, []) * y.dtype.itemsize
    split_every = max(2, min(16, limit // max(out_block // 2, 1) - 1))
    return reductions.sum(ChunkedArray(node), axis=-1, dtype=dtype, split_every=split_every)


def dot(a: Any, b: Any, /) -> ChunkedArray:
    """``numpy.dot`` for 1-D and 2-D operands (the matrix product; inner product of vectors).

    >>> import chunkarray as ca
    >>> dot(ca.arange(3, chunks=2), ca.arange(3, chunks=1)).compute()
    np.int64(5)
    """
    x, y = asarray(a), asarray(b)
    if x.ndim > 2 or y.ndim > 2:
        raise ValueError(f"dot supports 1-D and 2-D operands, got shapes {x.shape} and {y.shape};"
                         f" use matmul for stacks of matrices")
    if x.ndim == 0 or y.ndim == 0:
        return x * y  # type: ignore[operator]  # ``*`` is bound by chunkarray.ops.methods
    return matmul(x, y)


