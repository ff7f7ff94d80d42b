"""Matrix products: ``matmul`` (``@``) and ``dot`` as one blockwise contraction.

Output block ``(i, k)`` is the sum over ``j`` of ``x[i, j] @ y[j, k]``: one task per output block
reading a row panel of ``x`` and a column panel of ``y``. Each block product runs with one BLAS
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
from chunkarray.core.tokenize import tokenize
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


def matmul(x1: Any, x2: Any, /) -> ChunkedArray:
    """Matrix product with NumPy's ``matmul`` rules (1-D operands, stacks of matrices).

    >>> import chunkarray as ca, numpy as np
    >>> a = np.arange(12.0).reshape(3, 4)
    >>> bool(np.allclose(matmul(ca.from_array(a, chunks=2), a.T).compute(), a @ a.T))
    True
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
    kernel = partial(_panel_product, dtype=dtype, blas_threads=None if one_block else 1)
    node = blockwise_node(kernel, out_ind, x._node, x_ind, y._node, y_ind, dtype=dtype,
                          name="matmul-" + tokenize(x.name, y.name, out_ind))
    return ChunkedArray(node)


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


