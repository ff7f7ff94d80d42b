"""Square factorizations and solves: ``lu``, ``solve``, ``inv``, ``det``, ``slogdet``, ``cholesky``,
``solve_triangular``, ``eigh``/``eigvalsh``.

A matrix in several blocks is factored by blocked algorithms in NumPy alone:

- LU with partial pivoting, right-looking by block columns: step ``k`` factors the panel of
  block column ``k`` (its rows from block ``k`` down, pivoting over all of them), then each later
  block column applies the pivots, solves for its block of U and updates its remaining rows, one
  task per column. Pivots of later steps are applied to earlier columns of L when L is read.
- Cholesky, left-looking by blocks: block ``(i, j)`` of L reads rows ``i`` and ``j`` of L to its
  left; no pivoting, so every block is a task of its own.
- Triangular solves by block substitution: block ``i`` of the solution reads the blocks solved
  before it.

Stacks of small matrices (leading batch axes, each matrix in one block) map NumPy's own
function over the batch.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from chunkarray.array import ChunkedArray, require_known_chunks
from chunkarray.core.chunks import chunk_boundaries, common_refinement
from chunkarray.core.tokenize import tokenize
from chunkarray.kernels import linalg as lk
from chunkarray.ops.creation import asarray, eye
from chunkarray.ops.diagonals import matrix_transpose
from chunkarray.ops.dispatch import implements
from chunkarray.ops.elementwise import astype, ufunc_call
from chunkarray.ops.linalg_common import (
    EighResult,
    SlogdetResult,
    as_inexact,
    batch_letters,
    map_matrices,
    one_block_matrices,
    pick,
    real_dtype,
    square,
    square_chunks,
    to_matrices,
)
from chunkarray.ops.rechunk import rechunk
from chunkarray.primitives.tasks import TaskGrid

__all__ = ["cholesky", "det", "eigh", "eigvalsh", "inv", "lu", "slogdet", "solve",
           "solve_triangular"]

_OBJECT = np.dtype(object)


# --- blocked LU -----------------------------------------------------------------------------------


class _BlockLU:
    """The steps of a blocked LU of an M x N ``x`` chunked ``(rows, cols)``, whose first
    ``min(len(rows), len(cols))`` row and column blocks are alike (square diagonal blocks).

    Step ``k`` factors block column ``k`` from block row ``k`` down; a tall matrix's extra row
    blocks are only ever below the panels, a wide matrix's extra column blocks only updated.
    """

    def __init__(self, x: ChunkedArray, rows: tuple[int, ...],
                 cols: tuple[int, ...] | None = None) -> None:
        cols = rows if cols is None else cols
        self.x, self.rows, self.cols = x, rows, cols
        self.s = s = min(len(rows), len(cols))  # the number of steps
        self.c = rows[:s]  # the shared blocks of the diagonal
        self.bounds = chunk_boundaries(rows)
        dtype, src, nrow = x.dtype, x.name, len(rows)
        name = "lu-steps-" + tokenize(x.name)

        def plan(idx: tuple[int, ...]) -> tuple[Any, list[Any]]:
            k, j = idx
            state: Any = [(src, i, j) for i in range(nrow)] if k == 0 else (name, k - 1, j)
            if j == k:
                return partial(lk.panel_factor, dtype=dtype), [state]
            return partial(lk.column_update, dtype=dtype), [(name, k, k), state]

        self.steps = TaskGrid(name, ((1,) * s, (1,) * len(cols)), _OBJECT, [x._node], plan)
        self.perm = TaskGrid(
            "lu-perm-" + tokenize(name), ((self.bounds[-1],),), np.dtype(np.intp), [self.steps],
            lambda idx: (partial(lk.global_perm, starts=self.bounds[:s]),
                         [(name, k, k) for k in range(s)]))

    def lower(self) -> ChunkedArray:
        """L, M x min(M, N): unit lower triangular (trapezoidal when tall)."""
        steps, b, s = self.steps.name, self.bounds, self.s

        def plan(idx: tuple[int, ...]) -> tuple[Any, list[Any]]:
            i, j = idx
            if i < j:
                return partial(lk.zeros_block, (self.rows[i], self.c[j]), (0, 0),
                               self.x.dtype), []
            later = [(steps, k, k) for k in range(j + 1, s)]
            starts = [b[k] - b[j] for k in range(j + 1, s)]
            return partial(lk.lu_lower_block, starts=starts, lo=b[i] - b[j],
                           hi=b[i + 1] - b[j]), [(steps, j, j), *later]

        return ChunkedArray(TaskGrid("lu-l-" + tokenize(steps), (self.rows, self.c),
                                     self.x.dtype, [self.steps], plan))

    def upper(self) -> ChunkedArray:
        """U, min(M, N) x N: upper triangular (trapezoidal when wide)."""
        steps = self.steps.name

        def plan(idx: tuple[int, ...]) -> tuple[Any, list[Any]]:
            i, j = idx
            if i > j:
                return partial(lk.zeros_block, (self.c[i], self.cols[j]), (0, 0),
                               self.x.dtype), []
            return partial(lk.lu_upper_block, diagonal=i == j), [(steps, i, j)]

        return ChunkedArray(TaskGrid("lu-u-" + tokenize(steps), (self.c, self.cols),
                                     self.x.dtype, [self.steps], plan))

    def permutation_matrix(self) -> ChunkedArray:
        perm, b = self.perm.name, self.bounds

        def plan(idx: tuple[int, ...]) -> tuple[Any, list[Any]]:
            i, j = idx
            return partial(lk.perm_matrix_block, rows=(b[i], b[i + 1]), cols=(b[j], b[j + 1]),
                           dtype=real), [(perm, 0)]

        real = real_dtype(self.x.dtype)  # SciPy's P is real
        return ChunkedArray(TaskGrid("lu-p-" + tokenize(perm), (self.rows, self.rows),
                                     real, [self.perm], plan))

    def permuted_rows(self, y: ChunkedArray) -> ChunkedArray:
        """``y[g]``: the rows of ``y`` (chunked as the matrix) in pivot order."""
        perm, b, src = self.perm.name, self.bounds, y.name
        nrow = len(y.chunks[0])

        def plan(idx: tuple[int, ...]) -> tuple[Any, list[Any]]:
            i, col = idx
            return partial(lk.take_rows, lo=b[i], hi=b[i + 1]), \
                [(perm, 0), *[(src, r, col) for r in range(nrow)]]

        return ChunkedArray(TaskGrid("lu-rows-" + tokenize(perm, src), y.chunks, y.dtype,
                                     [self.perm, y._node], plan))

    def determinant(self, log: bool) -> ChunkedArray:
        steps, n = self.steps.name, self.s
        dtype = self.x.dtype
        kernel = partial(lk.det_from_lu, log=log, dtype=dtype, real=real_dtype(dtype))
        node = TaskGrid(("slogdet-" if log else "det-") + tokenize(steps), (), _OBJECT if log
                        else dtype, [self.perm, self.steps],
                        lambda idx: (kernel, [(self.perm.name, 0),
                                              *[(steps, k, k) for k in range(n)]]))
        return ChunkedArray(node)


def _lu_chunks(x: ChunkedArray) -> tuple[ChunkedArray, tuple[int, ...], tuple[int, ...]]:
    """``x`` rechunked so its first min(M, N) rows and columns share one chunking; the rest of
    the longer axis keeps its own blocks (cut where the square part ends)."""
    require_known_chunks(x, "lu")
    k = min(x.shape)
    r, c = (_cut(cs, k) for cs in x.chunks)
    diagonal = common_refinement(r[0], c[0])
    rows, cols = diagonal + r[1], diagonal + c[1]
    return (x if x.chunks == (rows, cols) else rechunk(x, (rows, cols))), rows, cols


def _cut(chunks: tuple[int, ...], at: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The block sizes of ``chunks`` before position ``at`` and after it."""
    bounds = chunk_boundaries(chunks)
    inner = sorted({min(b, at) for b in bounds} | {at})
    outer = sorted({max(b, at) for b in bounds})
    return tuple(np.diff(inner).tolist()), tuple(np.diff(outer).tolist())


def _block_triangular(t: ChunkedArray, y: ChunkedArray, *, lower: bool, unit: bool
                      ) -> ChunkedArray:
    """Solve ``T X = Y`` block by block; ``t`` square with chunks ``(c, c)``, ``y`` rows ``c``."""
    n, tn, yn = t.numblocks[0], t.name, y.name
    dtype = np.result_type(t.dtype, y.dtype)
    name = "solve-triangular-" + tokenize(tn, yn, lower, unit)
    kernel = partial(lk.block_tri_solve, lower=lower, unit=unit, dtype=dtype)

    def plan(idx: tuple[int, ...]) -> tuple[Any, list[Any]]:
        i, col = idx
        before = range(i) if lower else range(i + 1, n)
        return kernel, [(tn, i, i), (yn, i, col), [(tn, i, m) for m in before],
                        [(name, m, col) for m in before]]

    return ChunkedArray(TaskGrid(name, y.chunks, dtype, [t._node, y._node], plan))


def _rows_like(y: ChunkedArray, c: tuple[int, ...]) -> ChunkedArray:
    return y if y.chunks[0] == c else rechunk(y, {0: c})


# --- public functions -----------------------------------------------------------------------------


def lu(a: Any, /) -> tuple[ChunkedArray, ChunkedArray, ChunkedArray]:
    """LU with partial pivoting, returned as SciPy's ``p, l, u = scipy.linalg.lu(a)``.

    ``a == p @ l @ u`` with ``p`` a permutation matrix (real, as SciPy's), ``l`` unit lower
    triangular and ``u`` upper triangular; for an M x N ``a``, ``p`` is M x M, ``l`` M x K and
    ``u`` K x N with K = min(M, N), as SciPy's. A matrix in several blocks is factored by the
    blocked algorithm (row and column blocks of its leading square part made alike).

    >>> import chunkarray as ca, numpy as np
    >>> a = np.array([[1.0, 2.0, 0.0], [4.0, 1.0, 2.0], [2.0, 0.0, 5.0]])
    >>> p, l, u = lu(ca.from_array(a, chunks=2))
    >>> bool(np.allclose(p.compute() @ l.compute() @ u.compute(), a))
    True
    """
    x, dtype = as_inexact(a, "lu")
    if x.ndim != 2:
        raise ValueError(f"lu: a must be 2-D, got shape {x.shape}")
    if one_block_matrices(x) or 0 in x.shape:
        x = to_matrices(x)
        m, n = x.shape
        k = min(m, n)
        xs = x.name
        both = ChunkedArray(TaskGrid("lu-" + tokenize(xs), ((1,), (1,)), _OBJECT, [x._node],
                                     lambda idx: (partial(lk.lu_block, dtype=dtype),
                                                  [(xs, 0, 0)])))
        return (pick(both, 0, real_dtype(dtype), ((m,), (m,))), pick(both, 1, dtype, ((m,), (k,))),
                pick(both, 2, dtype, ((k,), (n,))))
    x, rows, cols = _lu_chunks(x)
    f = _BlockLU(x, rows, cols)
    return f.permutation_matrix(), f.lower(), f.upper()


def _batched(np_func: Any, x: ChunkedArray, out_core: tuple[str, ...], dtype: Any, label: str,
             **kwargs: Any) -> ChunkedArray:
    x = to_matrices(x)
    b = batch_letters(x, 2, x.ndim - 2)
    func = partial(np_func, **kwargs) if kwargs else np_func
    return map_matrices(func, [(x, (*b, "i", "j"))], (*b, *out_core), dtype, label)


@implements(np.linalg.solve)
def solve(a: Any, b: Any, /) -> ChunkedArray:
    """Solve ``a x = b`` with NumPy 2's rules (``b`` is a vector only when it is 1-D).

    A 2-D ``a`` in several blocks is solved by blocked LU with partial pivoting (``b`` 1-D or
    2-D); stacks of matrices each in one block are solved one matrix per task.

    >>> import chunkarray as ca, numpy as np
    >>> a = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 4.0]])
    >>> solve(ca.from_array(a, chunks=2), np.array([4.0, 4.0, 5.0])).compute()
    array([1., 1., 1.])
    """
    x, y = asarray(a), asarray(b)
    x, dtype = as_inexact(x, "solve", y.dtype)
    y = astype(y, dtype) if y.dtype != dtype else y
    square(x, "solve")
    m = x.shape[-1]
    vector = y.ndim == 1
    rows = y.shape[0] if vector else (y.shape[-2] if y.ndim >= 2 else None)
    if y.ndim == 0 or rows != m:
        raise ValueError(f"solve: b of shape {y.shape} does not match a of shape {x.shape}: "
                         f"b must be (..., {m}) for one vector or (..., {m}, K)")
    if x.ndim == 2 and not one_block_matrices(x):
        if y.ndim > 2:
            raise ValueError(f"solve: a 2-D a in blocks {x.numblocks} is solved by blocked LU "
                             f"for a 1-D or 2-D b, got b of shape {y.shape}")
        x, c = square_chunks(x)
        f = _BlockLU(x, c)
        y2 = _rows_like(y if not vector else y[:, None], c)  # type: ignore[index]
        z = _block_triangular(f.lower(), f.permuted_rows(y2), lower=True, unit=True)
        out = _block_triangular(f.upper(), z, lower=False, unit=False)
        return out[:, 0] if vector else out  # type: ignore[index,no-any-return]
    x = to_matrices(x)
    nb = max(x.ndim - 2, y.ndim - (1 if vector else 2))
    bx = batch_letters(x, 2, nb)
    if vector:
        y = to_matrices(y, 1)
        return map_matrices(np.linalg.solve, [(x, (*bx, "i", "j")), (y, ("i",))],
                            (*bx, "j"), dtype, "solve")
    y = to_matrices(y)
    by = batch_letters(y, 2, nb)
    letters = tuple(f"b{i}" for i in range(nb))
    return map_matrices(np.linalg.solve, [(x, (*bx, "i", "j")), (y, (*by, "i", "k"))],
                        (*letters, "j", "k"), dtype, "solve")


@implements(np.linalg.inv)
def inv(a: Any, /) -> ChunkedArray:
    """Inverse of a (stack of) square matrices; one in several blocks by blocked LU.

    >>> import chunkarray as ca, numpy as np
    >>> inv(ca.from_array(np.array([[2.0, 0.0], [0.0, 4.0]]), chunks=1)).compute()
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    x, dtype = as_inexact(a, "inv")
    square(x, "inv")
    if x.ndim == 2 and not one_block_matrices(x):
        x, c = square_chunks(x)
        return solve(x, eye(x.shape[0], chunks=(c, c), dtype=dtype))
    return _batched(np.linalg.inv, x, ("j", "i"), dtype, "inv")


@implements(np.linalg.det)
def det(a: Any, /) -> ChunkedArray:
    """Determinant of a (stack of) square matrices, from an LU as NumPy's.

    >>> import chunkarray as ca, numpy as np
    >>> det(ca.from_array(np.array([[1.0, 2.0], [3.0, 4.0]]), chunks=1)).compute().round(9)
    np.float64(-2.0)
    """
    x, dtype = as_inexact(a, "det")
    square(x, "det")
    if x.ndim == 2 and not one_block_matrices(x):
        x, c = square_chunks(x)
        return _BlockLU(x, c).determinant(log=False)
    return _batched(np.linalg.det, x, (), dtype, "det")


@implements(np.linalg.slogdet)
def slogdet(a: Any, /) -> SlogdetResult:
    """Sign and natural log of the absolute determinant, like ``numpy.linalg.slogdet``.

    >>> import chunkarray as ca
    >>> sign, logdet = slogdet(ca.eye(3, chunks=2) * 2)
    >>> float(sign.compute()), round(float(logdet.compute()), 6)
    (1.0, 2.079442)
    """
    x, dtype = as_inexact(a, "slogdet")
    square(x, "slogdet")
    real = real_dtype(dtype)
    if x.ndim == 2 and not one_block_matrices(x):
        x, c = square_chunks(x)
        both = _BlockLU(x, c).determinant(log=True)
    else:
        both = _batched(np.linalg.slogdet, x, (), _OBJECT, "slogdet")
    return SlogdetResult(pick(both, 0, dtype), pick(both, 1, real))


@implements(np.linalg.cholesky)
def cholesky(a: Any, /, *, upper: bool = False) -> ChunkedArray:
    """Cholesky factor L (``a = L Lᴴ``), or U (``a = Uᴴ U``) with ``upper=True``, as NumPy's.

    Only the lower (with ``upper=True``, the upper) triangle of ``a`` is read. A matrix in several
    blocks is factored by blocks; a matrix that is not positive definite raises ``LinAlgError``
    when computed.

    >>> import chunkarray as ca, numpy as np
    >>> cholesky(ca.from_array(np.array([[4.0, 2.0], [2.0, 5.0]]), chunks=1)).compute()
    array([[2., 0.],
           [1., 2.]])
    """
    x, dtype = as_inexact(a, "cholesky")
    square(x, "cholesky")
    if x.ndim > 2 or one_block_matrices(x):
        return _batched(np.linalg.cholesky, x, ("i", "j"), dtype, "cholesky", upper=upper)
    if upper:
        return _conj_t(cholesky(_conj_t(x)))
    x, c = square_chunks(x)
    src = x.name
    name = "cholesky-" + tokenize(src)

    def plan(idx: tuple[int, ...]) -> tuple[Any, list[Any]]:
        i, j = idx
        if i < j:
            return partial(lk.zeros_block, (c[i], c[j]), (0, 0), dtype), []
        left_i = [(name, i, m) for m in range(j)]
        left_j = [(name, j, m) for m in range(j)]
        kernel = partial(lk.cholesky_block, diagonal=i == j, dtype=dtype)
        return kernel, [(src, i, j), None if i == j else (name, j, j), left_i, left_j]

    return ChunkedArray(TaskGrid(name, (c, c), dtype, [x._node], plan))


def _conj_t(x: ChunkedArray) -> ChunkedArray:
    t = matrix_transpose(x)
    return ufunc_call(np.conjugate, t) if x.dtype.kind == "c" else t  # type: ignore[no-any-return]


def solve_triangular(a: Any, b: Any, /, *, lower: bool = False) -> ChunkedArray:
    """Solve ``a x = b`` for triangular ``a`` (its other triangle is ignored), like dask's.

    ``b`` is 1-D or 2-D. A zero on the diagonal raises ``LinAlgError`` when computed.

    >>> import chunkarray as ca, numpy as np
    >>> t = np.array([[2.0, 0.0], [1.0, 1.0]])
    >>> solve_triangular(ca.from_array(t, chunks=1), np.array([2.0, 3.0]), lower=True).compute()
    array([1., 2.])
    """
    x, y = asarray(a), asarray(b)
    x, dtype = as_inexact(x, "solve_triangular", y.dtype)
    y = astype(y, dtype) if y.dtype != dtype else y
    if x.ndim != 2 or x.shape[0] != x.shape[1]:
        raise ValueError(f"solve_triangular: a must be a square 2-D matrix, got shape {x.shape}")
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise ValueError(f"solve_triangular: b must be 1-D or 2-D with {x.shape[0]} rows to "
                         f"match a of shape {x.shape}, got shape {y.shape}")
    x, c = square_chunks(x)
    vector = y.ndim == 1
    y2 = _rows_like(y[:, None] if vector else y, c)  # type: ignore[index]
    out = _block_triangular(x, y2, lower=lower, unit=False)
    return out[:, 0] if vector else out  # type: ignore[index,no-any-return]


def _check_uplo(uplo: str, label: str) -> None:
    if uplo not in ("L", "U"):
        raise ValueError(f"{label}: UPLO={uplo!r}: must be 'L' or 'U'")


@implements(np.linalg.eigh)
def eigh(a: Any, /, UPLO: str = "L") -> EighResult:  # noqa: N803 - NumPy's name
    """Eigenvalues and eigenvectors of (stacks of) Hermitian matrices, like ``numpy.linalg.eigh``.

    Each matrix is factored whole: its axes are rechunked to one block (refused when that
    exceeds the memory limit). Eigenvector signs may differ from NumPy's.

    >>> import chunkarray as ca, numpy as np
    >>> w, v = eigh(ca.from_array(np.array([[2.0, 1.0], [1.0, 2.0]]), chunks=1))
    >>> w.compute()
    array([1., 3.])
    """
    _check_uplo(UPLO, "eigh")
    x, dtype = as_inexact(a, "eigh")
    square(x, "eigh")
    both = _batched(partial(np.linalg.eigh, UPLO=UPLO), x, ("i",), _OBJECT, "eigh")
    x = to_matrices(x)
    batch, m = x.chunks[:-2], x.chunks[-1]
    return EighResult(pick(both, 0, real_dtype(dtype), (*batch, m)),
                      pick(both, 1, dtype, (*batch, m, m)))


@implements(np.linalg.eigvalsh)
def eigvalsh(a: Any, /, UPLO: str = "L") -> ChunkedArray:  # noqa: N803 - NumPy's name
    """Eigenvalues of (stacks of) Hermitian matrices, ascending, like ``numpy.linalg.eigvalsh``.

    >>> import chunkarray as ca
    >>> eigvalsh(ca.eye(2, chunks=1) * 3).compute()
    array([3., 3.])
    """
    _check_uplo(UPLO, "eigvalsh")
    x, dtype = as_inexact(a, "eigvalsh")
    square(x, "eigvalsh")
    return _batched(partial(np.linalg.eigvalsh, UPLO=UPLO), x, ("i",), real_dtype(dtype),
                    "eigvalsh")
