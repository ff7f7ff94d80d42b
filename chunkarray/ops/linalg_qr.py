"""QR and SVD of tall-and-skinny matrices by TSQR, and what is built on them: ``lstsq``, ``pinv``,
``matrix_rank``, ``svd_compressed``.

TSQR: each row block is factored (``Q_i R_i``); the R factors are stacked ``split_every`` at a
time and factored again, level by level, until one R is left. Block ``i`` of Q is the leaf's Q
times the rows of each level's Q that belong to it: one task per row block, reading only the
small factors of the levels above it. Stacks of small matrices (the last two axes one block) are
factored one matrix per task instead.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray
from chunkarray.core import config
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import blocks as bk
from chunkarray.kernels import linalg as lk
from chunkarray.ops import reductions
from chunkarray.ops.creation import asarray, zeros
from chunkarray.ops.diagonals import matrix_transpose
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import astype, ufunc_call, where
from chunkarray.ops.join import concatenate
from chunkarray.ops.linalg import matmul
from chunkarray.ops.linalg_common import (
    QRResult,
    SVDResult,
    as_inexact,
    at_least_2d,
    batch_letters,
    map_matrices,
    one_block_matrices,
    pick,
    real_dtype,
    to_matrices,
)
from chunkarray.ops.rechunk import rechunk
from chunkarray.primitives.sources import BlockFunction
from chunkarray.primitives.tasks import TaskGrid

__all__ = ["lstsq", "matrix_rank", "pinv", "qr", "svd", "svd_compressed", "svdvals", "tsqr",
           "tsqr_complete"]

_OBJECT = np.dtype(object)


def _fan_in(n: int, itemsize: int, split_every: Any, label: str) -> int:
    """How many R factors one tree node stacks: within the memory limit, at least two."""
    s = int(config.get("split_every") if split_every is None else split_every)
    limit = config.memory_limit_bytes()
    per = 3 * n * n * itemsize  # a stacked R, its Q and its R
    if 2 * per > limit:
        raise ValueError(
            f"{label}: TSQR stacks R factors of {n} x {n}; two of them ({2 * per} bytes with "
            f"their Q) exceed memory_limit={config.get('memory_limit')!r}. TSQR is for "
            f"tall-and-skinny matrices: use fewer columns or raise the memory limit")
    return max(2, min(s, limit // per))


def tsqr(x: ChunkedArray, *, split_every: Any = None, label: str = "qr"
         ) -> tuple[ChunkedArray, ChunkedArray]:
    """Q and R of a 2-D inexact ``x`` by a tree of block QRs (columns are made one block).

    >>> import chunkarray as ca, numpy as np
    >>> a = np.random.default_rng(0).random((9, 2))
    >>> q, r = tsqr(ca.from_array(a, chunks=(2, 1)))
    >>> bool(np.allclose(q.compute() @ r.compute(), a))
    True
    """
    x = rechunk(x, {1: -1}) if x.numblocks[1] != 1 else x
    rows, n, dtype = x.chunks[0], x.shape[1], x.dtype
    s = _fan_in(n, dtype.itemsize, split_every, label)
    token = tokenize(x.name, s)
    src = x.name
    leaf = TaskGrid(f"tsqr-leaf-{token}", ((1,) * len(rows),), _OBJECT, [x._node],
                    lambda idx: (partial(lk.qr_leaf, dtype=dtype), [(src, idx[0], 0)]))
    levels = [leaf]
    ks = [[min(m, n) for m in rows]]  # rows of each R factor, per level
    while levels[-1].numblocks[0] > 1:
        below, count = levels[-1], levels[-1].numblocks[0]
        groups = math.ceil(count / s)
        ks.append([min(sum(ks[-1][g * s:(g + 1) * s]), n) for g in range(groups)])
        levels.append(TaskGrid(
            f"tsqr-level{len(levels)}-{token}", ((1,) * groups,), _OBJECT, [below],
            partial(_level_plan, below.name, count, s)))
    starts = [np.concatenate([[0], np.cumsum(k)]) for k in ks]
    k_top = ks[-1][0]

    def q_plan(idx: tuple[int, ...]) -> tuple[Any, list[Any]]:
        i = idx[0]
        keys: list[Any] = [(leaf.name, i)]
        spans = []
        for lvl in range(1, len(levels)):
            child = i // s ** (lvl - 1)
            lo = int(starts[lvl - 1][child] - starts[lvl - 1][child - child % s])
            spans.append((lo, lo + ks[lvl - 1][child]))
            keys.append((levels[lvl].name, child // s))
        return partial(lk.tsqr_q_block, spans=spans), keys

    q = TaskGrid(f"tsqr-q-{token}", (rows, (k_top,)), dtype, levels, q_plan)
    top = levels[-1].name
    r = TaskGrid(f"tsqr-r-{token}", ((k_top,), (n,)), dtype, [levels[-1]],
                 lambda idx: (lk.tsqr_r, [(top, 0)]))
    return ChunkedArray(q), ChunkedArray(r)


def _level_plan(below: str, count: int, s: int, idx: tuple[int, ...]) -> tuple[Any, list[Any]]:
    g = idx[0]
    return lk.qr_stack, [(below, b) for b in range(g * s, min((g + 1) * s, count))]


def _stack_fits(total: int, n: int, itemsize: int, label: str) -> None:
    """Refuse a complete TSQR whose stacked R factors' complete Q does not fit one task."""
    need = (total * total + 2 * total * n) * itemsize
    limit = config.memory_limit_bytes()
    if need > limit:
        raise ValueError(
            f"{label}: the complete factor of a matrix in blocks stacks {total} rows of R "
            f"factors and needs their {total} x {total} Q in one task ({need} bytes), over "
            f"memory_limit={config.get('memory_limit')!r}; use fewer, larger row blocks, "
            f"raise the memory limit, or ask for the reduced factors")


def tsqr_complete(x: ChunkedArray, *, label: str = "qr") -> tuple[ChunkedArray, ChunkedArray]:
    """The complete M x M Q of a tall 2-D inexact ``x`` in row blocks, and the top N x N of R.

    Each row block is factored into Householder reflectors, the stacked R factors once more
    (completely). Q's first N columns are the reduced Q; the others are each block's own
    reflectors' complement, so every block of Q is a product of the small factors with its
    leaf's reflectors, blocked as ``x``'s rows both ways.

    >>> import chunkarray as ca, numpy as np
    >>> a = np.random.default_rng(0).random((7, 2))
    >>> q, r = tsqr_complete(ca.from_array(a, chunks=(3, 2)))
    >>> qn = q.compute()
    >>> bool(np.allclose(qn[:, :2] @ r.compute(), a)), bool(np.allclose(qn.T @ qn, np.eye(7)))
    (True, True)
    """
    x = rechunk(x, {1: -1}) if x.numblocks[1] != 1 else x
    rows, n, dtype = x.chunks[0], x.shape[1], x.dtype
    ks = [min(r, n) for r in rows]
    total = sum(ks)
    _stack_fits(total, n, dtype.itemsize, label)
    token, src = tokenize(x.name, "complete"), x.name
    leaf = TaskGrid(f"tsqr-raw-{token}", ((1,) * len(rows),), _OBJECT, [x._node],
                    lambda idx: (partial(lk.qr_leaf_raw, dtype=dtype), [(src, idx[0], 0)]))
    leaves = [(leaf.name, i) for i in range(len(rows))]
    top = TaskGrid(f"tsqr-top-{token}", ((1,), (1,)), _OBJECT, [leaf],
                   lambda idx: (lk.qr_stack_complete, leaves))
    slots = np.cumsum([0, *ks]).tolist()
    perps = (total + np.cumsum([0, *(r - k for r, k in zip(rows, ks))])).tolist()
    bounds = np.cumsum([0, *rows]).tolist()

    def plan(idx: tuple[int, ...]) -> tuple[Any, list[Any]]:
        i, j = idx
        kernel = partial(lk.qr_complete_block, slot=slots[i], perp=perps[i],
                         cols=(bounds[j], bounds[j + 1]), dtype=dtype)
        return kernel, [(leaf.name, i), (top.name, 0, 0)]

    q = TaskGrid(f"tsqr-qfull-{token}", (rows, rows), dtype, [leaf, top], plan)
    return ChunkedArray(q), pick(ChunkedArray(top), 1, dtype, ((n,), (n,)))


def _raw_qr(x: ChunkedArray) -> tuple[ChunkedArray, ChunkedArray]:
    """NumPy's ``(h, tau)``: LAPACK's reflectors of each whole matrix, one task per matrix."""
    m, n = x.shape[-2:]
    if not one_block_matrices(x):
        need = 3 * m * n * x.dtype.itemsize
        limit = config.memory_limit_bytes()
        if need > limit:
            raise ValueError(
                f"qr: mode='raw' gives LAPACK's Householder reflectors of a whole matrix, which "
                f"a factorization by blocks does not reproduce; a ({m}, {n}) {x.dtype} matrix in "
                f"one task needs {need} bytes, over memory_limit="
                f"{config.get('memory_limit')!r}: use mode='reduced', 'complete' or 'r'")
    x = to_matrices(x)
    b = batch_letters(x, 2, x.ndim - 2)
    both = map_matrices(partial(np.linalg.qr, mode="raw"), [(x, (*b, "i", "j"))],
                        (*b, "j", "i"), _OBJECT, "qr-raw")
    batch = x.chunks[:-2]
    tau = ChunkedArray(TaskGrid(
        f"{both.name}-tau", (*batch, (min(m, n),)), x.dtype, [both._node],
        lambda idx: (partial(bk.index_output, i=1), [(both.name, *idx, 0)])))
    return pick(both, 0, x.dtype, (*batch, (n,), (m,))), tau


def _batched_qr(x: ChunkedArray, mode: str) -> Any:
    x = to_matrices(x)
    m, n = x.shape[-2:]
    k = m if mode == "complete" else min(m, n)
    b = batch_letters(x, 2, x.ndim - 2)
    func = partial(np.linalg.qr, mode=mode)
    if mode == "r":
        return map_matrices(func, [(x, (*b, "i", "j"))], (*b, "k", "j"), x.dtype, "qr",
                            new_axes={"k": k})
    both = map_matrices(func, [(x, (*b, "i", "j"))], (*b, "i", "k"), _OBJECT, "qr",
                        new_axes={"k": k})
    batch = x.chunks[:-2]
    return QRResult(pick(both, 0, x.dtype, (*batch, (m,), (k,))),
                    pick(both, 1, x.dtype, (*batch, (k,), (n,))))


@implements(np.linalg.qr)
def qr(a: Any, /, mode: str = "reduced", *, split_every: Any = None) -> Any:
    """QR factorization with NumPy's modes; a matrix in several row blocks by TSQR.

    ``mode='complete'`` of a tall matrix in several row blocks gives the M x M Q of
    :func:`tsqr_complete` (its first N columns and R as the reduced ones; the others another
    orthonormal basis of the complement than NumPy's, which is not unique). ``mode='raw'``
    (LAPACK's Householder reflectors of the whole matrix, which blocks cannot reproduce)
    factors each matrix in one task, refused when that exceeds the memory limit.

    >>> import chunkarray as ca, numpy as np
    >>> a = np.arange(12.0).reshape(6, 2) ** 2
    >>> q, r = qr(ca.from_array(a, chunks=(2, 2)))
    >>> bool(np.allclose(q.compute() @ r.compute(), a))
    True
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"qr: mode={mode!r}: choose 'reduced', 'complete', 'r' or 'raw'")
    x, _ = as_inexact(a, "qr")
    at_least_2d(x, "qr")
    if mode == "raw":
        return _raw_qr(x)
    if x.ndim > 2 or one_block_matrices(x) or x.numblocks[0] == 1 or 0 in x.shape:
        return _batched_qr(x, mode)
    m, n = x.shape
    if mode == "complete" and m > n:
        q, top = tsqr_complete(x)
        rest = zeros((m - n, n), dtype=x.dtype, chunks=((m - n,), (n,)))
        return QRResult(q, concatenate([top, rest], axis=0))
    q, r = tsqr(x, split_every=split_every)
    return r if mode == "r" else QRResult(q, r)


def _batched_svd(x: ChunkedArray, full_matrices: bool, compute_uv: bool, hermitian: bool
                 ) -> Any:
    x = to_matrices(x)
    m, n = x.shape[-2:]
    k = min(m, n)
    b = batch_letters(x, 2, x.ndim - 2)
    real = real_dtype(x.dtype)
    func = partial(np.linalg.svd, full_matrices=full_matrices, compute_uv=compute_uv,
                   hermitian=hermitian)
    if not compute_uv:
        return map_matrices(func, [(x, (*b, "i", "j"))], (*b, "k"), real, "svdvals",
                            new_axes={"k": k})
    both = map_matrices(func, [(x, (*b, "i", "j"))], (*b, "k"), _OBJECT, "svd",
                        new_axes={"k": k})
    batch = x.chunks[:-2]
    ku, kv = (m, n) if full_matrices else (k, k)
    return SVDResult(pick(both, 0, x.dtype, (*batch, (m,), (ku,))),
                     pick(both, 1, real, (*batch, (k,))),
                     pick(both, 2, x.dtype, (*batch, (kv,), (n,))))


def _tall_svd(x: ChunkedArray, compute_uv: bool, split_every: Any) -> Any:
    """SVD of a tall 2-D matrix: TSQR, then the SVD of the small R."""
    q, r = tsqr(x, split_every=split_every, label="svd")
    if not compute_uv:
        rs = r.name
        node = TaskGrid(f"svdvals-r-{rs}", ((r.shape[0],),), real_dtype(x.dtype), [r._node],
                        lambda idx: (partial(lk.svd_small, compute_uv=False), [(rs, 0, 0)]))
        return ChunkedArray(node)
    u_r, s, vh = _small_svd(r, x.dtype)
    return SVDResult(matmul(q, u_r), s, vh)


def _small_svd(r: ChunkedArray, dtype: np.dtype) -> tuple[ChunkedArray, ...]:
    """The SVD of a small R (one block), as three arrays."""
    k, n, rs = r.shape[0], r.shape[1], r.name
    small = ChunkedArray(TaskGrid(f"svd-r-{rs}", ((1,),), _OBJECT, [r._node],
                                  lambda idx: (partial(lk.svd_small, compute_uv=True),
                                               [(rs, 0, 0)])))
    return (pick(small, 0, dtype, ((k,), (min(k, n),))), pick(small, 1, real_dtype(dtype),
                                                                ((min(k, n),),)),
            pick(small, 2, dtype, ((min(k, n),), (n,))))


def _tall_svd_full(x: ChunkedArray) -> SVDResult:
    """Full SVD of a tall 2-D matrix: U is the complete Q of a TSQR with its first N columns
    turned by the small R's left singular vectors."""
    n = x.shape[1]
    q, r = tsqr_complete(x, label="svd")
    u_r, s, vh = _small_svd(r, x.dtype)
    u = concatenate([matmul(q[:, :n], u_r), q[:, n:]], axis=1)  # type: ignore[index]
    return SVDResult(u, s, vh)


def _conj_t(x: ChunkedArray) -> ChunkedArray:
    t = matrix_transpose(x)
    return ufunc_call(np.conjugate, t) if x.dtype.kind == "c" else t  # type: ignore[no-any-return]


@implements(np.linalg.svd)
def svd(a: Any, /, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False,
        *, split_every: Any = None) -> Any:
    """Singular value decomposition; a matrix in several blocks through TSQR.

    A 2-D matrix in several blocks should be tall-and-skinny (or short-and-wide: then its
    conjugate transpose is). With ``full_matrices=True`` its M x M U comes from the complete Q
    of :func:`tsqr_complete`: the singular vectors past N span the same complement as NumPy's
    but are another basis of it. Signs of singular vectors may differ from NumPy's.

    >>> import chunkarray as ca, numpy as np
    >>> a = np.random.default_rng(1).random((8, 3))
    >>> s = svd(ca.from_array(a, chunks=(3, 3)), compute_uv=False)
    >>> bool(np.allclose(s.compute(), np.linalg.svd(a, compute_uv=False)))
    True
    """
    x, _ = as_inexact(a, "svd")
    at_least_2d(x, "svd")
    if x.ndim > 2 or one_block_matrices(x) or 0 in x.shape:
        return _batched_svd(x, full_matrices, compute_uv, hermitian)
    m, n = x.shape
    if full_matrices and compute_uv and m != n:
        if m > n:
            return _tall_svd_full(x)
        u, s, vh = _tall_svd_full(_conj_t(x))
        return SVDResult(_conj_t(vh), s, _conj_t(u))
    if m >= n:
        return _tall_svd(x, compute_uv, split_every)
    out = _tall_svd(_conj_t(x), compute_uv, split_every)
    if not compute_uv:
        return out
    u, s, vh = out
    return SVDResult(_conj_t(vh), s, _conj_t(u))


@implements(np.linalg.svdvals)
def svdvals(x: Any, /) -> ChunkedArray:
    """Singular values, largest first, like ``numpy.linalg.svdvals``.

    >>> import chunkarray as ca
    >>> svdvals(ca.eye(3, chunks=2) * 2).compute()
    array([2., 2., 2.])
    """
    return svd(x, compute_uv=False)  # type: ignore[no-any-return]


def _largest(s: ChunkedArray) -> ChunkedArray:
    """``s.max(axis=-1, keepdims=True)``, zero for an empty axis (NumPy's ``initial=0``)."""
    if s.shape[-1] == 0:
        return reductions.sum(s, axis=-1, keepdims=True)
    return reductions.max(s, axis=-1, keepdims=True)


def _expand(v: ChunkedArray, axis: int) -> ChunkedArray:
    index: list[Any] = [slice(None)] * v.ndim
    index.insert(axis if axis >= 0 else v.ndim + 1 + axis, None)
    return v[tuple(index)]  # type: ignore[index,no-any-return]


@implements(np.linalg.pinv)
def pinv(a: Any, /, rcond: Any = None, hermitian: bool = False, *, rtol: Any = np._NoValue
         ) -> ChunkedArray:
    """Moore-Penrose pseudo-inverse from the SVD, with NumPy's ``rcond``/``rtol`` cut-off.

    >>> import chunkarray as ca, numpy as np
    >>> a = np.arange(6.0).reshape(3, 2)
    >>> bool(np.allclose(pinv(ca.from_array(a, chunks=1)).compute(), np.linalg.pinv(a)))
    True
    """
    x, dtype = as_inexact(a, "pinv")
    at_least_2d(x, "pinv")
    m, n = x.shape[-2:]
    if rcond is None:
        if rtol is np._NoValue:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(m, n) * np.finfo(dtype).eps
        else:
            rcond = rtol
    elif rtol is not np._NoValue:
        raise ValueError("pinv: rtol and rcond can't both be set")
    if x.ndim > 2 or one_block_matrices(x) or 0 in x.shape:
        x = to_matrices(x)
        b = batch_letters(x, 2, x.ndim - 2)
        func = partial(np.linalg.pinv, rcond=rcond, hermitian=hermitian)
        return map_matrices(func, [(x, (*b, "i", "j"))], (*b, "j", "i"), dtype, "pinv")
    u, s, vh = svd(x, full_matrices=False)
    cutoff = ufunc_call(np.multiply, rcond, _largest(s))
    large = ufunc_call(np.greater, s, cutoff)
    inv_s = where(large, ufunc_call(np.divide, 1, where(large, s, 1)), 0)
    scaled = ufunc_call(np.multiply, _expand(astype(inv_s, s.dtype), -1), _conj_t(u))
    return astype(matmul(_conj_t(vh), scaled), dtype)


def matrix_rank(A: Any, /, tol: Any = None, hermitian: bool = False, *,  # noqa: N803
                rtol: Any = None) -> ChunkedArray:
    """Number of singular values above the tolerance, like ``numpy.linalg.matrix_rank``.

    >>> import chunkarray as ca
    >>> matrix_rank(ca.eye(4, chunks=3)).compute()
    np.int64(4)
    """
    if rtol is not None and tol is not None:
        raise ValueError("matrix_rank: tol and rtol can't both be set")
    x = asarray(A)
    if x.ndim < 2:
        nonzero = reductions.any(ufunc_call(np.not_equal, x, 0))
        return astype(nonzero, np.intp)
    s = svd(x, compute_uv=False, hermitian=hermitian)
    if tol is None:
        if rtol is None:
            rtol = max(x.shape[-2:]) * np.finfo(s.dtype).eps
        else:
            rtol = _expand(asarray(rtol), -1) if np.ndim(rtol) else rtol
        limit = ufunc_call(np.multiply, _largest(s), rtol)
    else:
        limit = _expand(asarray(tol), -1) if np.ndim(tol) else tol
    return reductions.count_nonzero(ufunc_call(np.greater, s, limit), axis=-1)


implements(np.linalg.matrix_rank)(matrix_rank)


@implements(np.linalg.lstsq)
def lstsq(a: Any, b: Any, /, rcond: Any = None) -> tuple[ChunkedArray, ...]:
    """Least-squares solution ``(x, residuals, rank, s)`` through the SVD, like NumPy's ``lstsq``.

    Rank-deficient systems get the minimum-norm solution (singular values at or below
    ``rcond * s.max()`` are dropped). As in NumPy, ``residuals`` is empty unless ``a`` has full
    column rank and more rows than columns: that is known only once computed, so its length is
    unknown (NaN) before.

    >>> import chunkarray as ca, numpy as np
    >>> a = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> x, res, rank, s = lstsq(ca.from_array(a, chunks=1), np.array([1.0, 2.0, 2.0]))
    >>> x.compute().round(6).tolist(), int(rank.compute())
    ([1.166667, 0.5], 2)
    """
    x_a, y = asarray(a), asarray(b)
    x_a, dtype = as_inexact(x_a, "lstsq", y.dtype)
    y = astype(y, dtype) if y.dtype != dtype else y
    if x_a.ndim != 2 or y.ndim not in (1, 2):
        raise np.linalg.LinAlgError(
            f"lstsq: a must be 2-D and b 1-D or 2-D, got shapes {x_a.shape} and {y.shape}")
    m, n = x_a.shape
    if y.shape[0] != m:
        raise np.linalg.LinAlgError(
            f"lstsq: Incompatible dimensions: a has {m} rows and b has {y.shape[0]}")
    real = real_dtype(dtype)
    if rcond is None:
        rcond = np.finfo(dtype).eps * max(n, m)
    u, s, vh = svd(x_a, full_matrices=False)
    large = ufunc_call(np.greater, s, ufunc_call(np.multiply, rcond, _largest(s)))
    rank = astype(reductions.count_nonzero(large), np.int32)
    inv_s = astype(where(large, ufunc_call(np.divide, 1, where(large, s, 1)), 0), real)
    y2 = y if y.ndim == 2 else _expand(y, -1)
    coef = ufunc_call(np.multiply, _expand(inv_s, -1), matmul(_conj_t(u), y2))
    x = astype(matmul(_conj_t(vh), coef), dtype)
    if y.ndim == 1:
        x = x[:, 0]  # type: ignore[index]
    nrhs = y2.shape[1]
    if m <= n or 0 in (m, n):
        return x, zeros((0,), dtype=real, chunks=1), rank, s
    diff = ufunc_call(np.subtract, y2, matmul(x_a, x if y.ndim == 2 else _expand(x, -1)))
    full = reductions.sum(astype(ufunc_call(np.square, ufunc_call(np.abs, diff)), real), axis=0)
    full_rank = ufunc_call(np.equal, _expand(rank, 0), n)
    # ``full_rank`` spread over the right-hand sides, whose number may be unknown (b taken by a
    # lazy mask): a sum of squares is never negative, so ``full < 0`` only adds the shape.
    keep = ufunc_call(np.logical_or, full_rank, ufunc_call(np.less, full, 0))
    residuals = full[keep] if nrhs != 0 else full  # type: ignore[index]
    return x, residuals, rank, s


def svd_compressed(a: Any, k: int, iterator: str = "power", n_power_iter: int = 0,
                   n_oversamples: int = 10, seed: Any = None, compute: bool = False,
                   coerce_signs: bool = True) -> tuple[ChunkedArray, ChunkedArray, ChunkedArray]:
    """Randomized truncated SVD ``(u, s, v)`` of rank ``k``, with dask's signature and meaning.

    A random projection of ``k + n_oversamples`` columns, refined by ``n_power_iter`` power
    iterations (each re-orthonormalized by TSQR), then the SVD of the small projected matrix.
    ``v`` is the k x N matrix of right singular vectors (NumPy's ``Vh``). ``seed`` fixes the
    projection, which depends on positions only, never on the chunking. ``compute`` is accepted
    for dask's sake and ignored: everything is lazy.

    >>> import chunkarray as ca, numpy as np
    >>> a = np.outer(np.arange(1.0, 41), np.arange(1.0, 6))
    >>> u, s, v = svd_compressed(ca.from_array(a, chunks=(10, 5)), 1, seed=0)
    >>> bool(np.allclose(s.compute(), np.linalg.svd(a, compute_uv=False)[:1]))
    True
    """
    x, dtype = as_inexact(a, "svd_compressed")
    if x.ndim != 2:
        raise ValueError(f"svd_compressed: a must be 2-D, got shape {x.shape}")
    if iterator not in ("power", "QR"):
        raise ValueError(f"svd_compressed: iterator={iterator!r}: choose 'power' or 'QR'")
    m, n = x.shape
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= min(m, n):
        raise ValueError(f"svd_compressed: k={k!r} must be an int in [1, {min(m, n)}]")
    if n_power_iter < 0 or n_oversamples < 0:
        raise ValueError(f"svd_compressed: n_power_iter={n_power_iter} and n_oversamples="
                         f"{n_oversamples} must be non-negative")
    width = min(k + n_oversamples, m, n)
    key = int(np.random.SeedSequence(seed).generate_state(1)[0])
    cols = x.chunks[1]
    omega = ChunkedArray(BlockFunction(
        "svd-omega-" + tokenize(key, cols, width), lk.uniform_block, (cols, (width,)),
        real_dtype(dtype), {"seed": key, "ncols": width, "dtype": real_dtype(dtype)}))
    q, _ = tsqr(rechunk(matmul(x, omega), {1: -1}), label="svd_compressed")
    xh = _conj_t(x)
    for _ in range(n_power_iter):
        q, _ = tsqr(rechunk(matmul(xh, q), {1: -1}), label="svd_compressed")
        q, _ = tsqr(rechunk(matmul(x, q), {1: -1}), label="svd_compressed")
    small = matmul(_conj_t(q), x)  # width x N
    u_b, s, v = svd(small, full_matrices=False)
    u = matmul(q, u_b)
    u, s, v = u[:, :k], s[:k], v[:k]  # type: ignore[index]
    if coerce_signs and dtype.kind == "f":
        total = reductions.sum(v, axis=1)
        signs = astype(where(ufunc_call(np.greater_equal, total, 0), 1.0, -1.0), dtype)
        u = ufunc_call(np.multiply, u, signs)
        v = ufunc_call(np.multiply, v, _expand(signs, -1))
    return u, s, v
