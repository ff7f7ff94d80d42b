"""Per-block NumPy functions of the contractions and of the blocked factorizations.

Everything here is plain NumPy (no SciPy): NumPy has no LU and no triangular solve, so both are
written here as recursive blocked algorithms whose work is matrix products (BLAS 3), with a small
base case. Block products run with one BLAS thread when the caller asks (``blas_threads=1``): the
executor's workers are the parallelism, and BLAS threads on top of them oversubscribe the cores.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

_CONTROLLER: list[Any] = []  # threadpoolctl's controller, found once (finding it costs ~0.2 ms)


@contextlib.contextmanager
def blas_threads(limit: int | None) -> Iterator[None]:
    """Limit BLAS to ``limit`` threads inside the block, when threadpoolctl is there to do it."""
    if limit is None:
        yield
        return
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController  # optional dependency
        except ImportError:
            _CONTROLLER.append(None)
        else:
            _CONTROLLER.append(ThreadpoolController())
    controller = _CONTROLLER[0]
    if controller is None:
        yield
        return
    with controller.limit(limits=limit, user_api="blas"):
        yield


# --- contractions ---------------------------------------------------------------------------------


def einsum_block(*blocks: np.ndarray, subscripts: str, dtype: np.dtype, extra_axes: int,
                 options: dict[str, Any], blas: int | None) -> np.ndarray:
    """``np.einsum`` of one combination of blocks, with ``extra_axes`` trailing axes of length 1.

    The extra axes stand for the contracted block indices, summed afterwards by a tree.
    """
    with blas_threads(blas):
        out = np.asarray(np.einsum(subscripts, *blocks, **options))
    if out.dtype != dtype:
        out = out.astype(dtype)
    return out.reshape(out.shape + (1,) * extra_axes) if extra_axes else out


def kron_block(a: np.ndarray, b: np.ndarray, *, dtype: np.dtype) -> np.ndarray:
    return np.asarray(np.kron(a, b)).astype(dtype, copy=False)


def cross_block(a: np.ndarray, b: np.ndarray, *, dtype: np.dtype) -> np.ndarray:
    return np.cross(a, b).astype(dtype, copy=False)


# --- triangles and diagonals ----------------------------------------------------------------------


def diagonal_block(block: np.ndarray, *, offset: int, axis1: int, axis2: int) -> np.ndarray:
    return np.diagonal(block, offset, axis1, axis2)


def tri_mask_block(block: np.ndarray, *, k: int, lower: bool) -> np.ndarray:
    """``np.tril``/``np.triu`` of a block, ``k`` already shifted by the block's position."""
    return np.tril(block, k) if lower else np.triu(block, k)


def tri_block(shape: tuple[int, ...], offset: tuple[int, ...], k: int,
              dtype: np.dtype) -> np.ndarray:
    (rows, cols), (r0, c0) = shape, offset
    return np.tri(rows, cols, k + r0 - c0, dtype=dtype)


def diag_from_vector(shape: tuple[int, ...], offset: tuple[int, ...], *parts: np.ndarray,
                     k: int, start: int, dtype: np.dtype) -> np.ndarray:
    """Block of ``np.diag(v, k)`` at ``offset``: ``parts`` concatenated are ``v[start:...]``."""
    (rows, cols), (r0, c0) = shape, offset
    out = np.zeros((rows, cols), dtype=dtype)
    if not parts:
        return out
    v = np.concatenate(parts)
    # Element t of v sits at row t + max(0, -k), column t + max(0, k).
    t = np.arange(start, start + len(v))
    r, c = t + max(0, -k) - r0, t + max(0, k) - c0
    inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    out[r[inside], c[inside]] = v[inside]
    return out


def tri_indices_block(shape: tuple[int, ...], offset: tuple[int, ...], n: int, m: int, k: int,
                      lower: bool, which: int) -> np.ndarray:
    """Positions ``offset .. offset + len`` of ``np.tril_indices(n, k, m)[which]`` (or triu)."""
    (length,), (start,) = shape, offset
    rows = np.arange(n)
    if lower:
        counts = np.clip(rows + k + 1, 0, m)
        first = np.zeros(n, dtype=np.intp)
    else:
        first = np.clip(rows + k, 0, m)
        counts = m - first
    ends = np.cumsum(counts)
    pos = np.arange(start, start + length)
    row = np.searchsorted(ends, pos, side="right")
    if which == 0:
        return row.astype(np.intp)
    col = pos - (ends[row] - counts[row]) + first[row]
    return col.astype(np.intp)


# --- LU with partial pivoting and triangular solves -----------------------------------------------

_BASE = 32  # columns below which the LU runs column by column


def getrf(a: np.ndarray) -> np.ndarray:
    """LU with partial pivoting of ``a`` in place (L unit lower below the diagonal, U on and above).

    Returns ``perm`` with ``a_original[perm] == L @ U``. Recursive on the columns, so the bulk of
    the work is matrix products. A zero pivot leaves its column unscaled (as LAPACK does), so a
    singular matrix factors with a zero on U's diagonal.
    """
    m, n = a.shape
    k = min(m, n)
    if n <= _BASE or k <= _BASE:
        return _getrf_columns(a)
    n1 = k // 2
    perm = _getrf(a, n1)
    return perm


def _getrf(a: np.ndarray, n1: int) -> np.ndarray:
    left, right = a[:, :n1], a[:, n1:]
    p1 = getrf(left)
    right[...] = right[p1]
    l11, l21 = left[:n1], left[n1:]
    right[:n1] = solve_triangular(l11, right[:n1], lower=True, unit=True)
    right[n1:] -= l21 @ right[:n1]
    p2 = getrf(right[n1:])
    l21[...] = l21[p2]
    perm = p1.copy()
    perm[n1:] = p1[n1:][p2]
    return perm


def _getrf_columns(a: np.ndarray) -> np.ndarray:
    m, n = a.shape
    perm = np.arange(m)
    for j in range(min(m, n)):
        col = a[j:, j]
        # LAPACK's pivot (i?amax): the largest |re| + |im| for complex, so pivots match NumPy's.
        size = np.abs(col.real) + np.abs(col.imag) if col.dtype.kind == "c" else np.abs(col)
        p = j + int(np.argmax(size))
        if p != j:
            a[[j, p]] = a[[p, j]]
            perm[[j, p]] = perm[[p, j]]
        pivot = a[j, j]
        if pivot != 0:
            a[j + 1:, j] /= pivot
        a[j + 1:, j + 1:] -= np.multiply.outer(a[j + 1:, j], a[j, j + 1:])
    return perm


def solve_triangular(t: np.ndarray, b: np.ndarray, *, lower: bool, unit: bool = False,
                     check: bool = False) -> np.ndarray:
    """``x`` with ``T x = b`` for the lower (or upper) triangle of ``t``; the other is ignored.

    Recursive halving: two half-size solves and one matrix product. ``unit`` takes the diagonal
    as ones; ``check`` refuses a zero on the diagonal with ``LinAlgError``, as LAPACK's
    ``trtrs`` does.
    """
    if check and not unit:
        d = np.diagonal(t)
        zero = np.flatnonzero(d == 0)
        if zero.size:
            raise np.linalg.LinAlgError(
                f"singular matrix: resolution failed at diagonal {int(zero[0])}")
    vector = b.ndim == 1
    x = _trsm(t, b[:, None] if vector else b, lower, unit)
    return x[:, 0] if vector else x


def _trsm(t: np.ndarray, b: np.ndarray, lower: bool, unit: bool) -> np.ndarray:
    n = t.shape[0]
    dtype = np.result_type(t.dtype, b.dtype)
    if n <= 64:
        tri = np.tril(t) if lower else np.triu(t)
        if unit:
            np.fill_diagonal(tri, 1)
        if n == 0 or b.shape[1] == 0:
            return np.zeros(b.shape, dtype=dtype)
        with np.errstate(all="ignore"):
            return _substitute(tri.astype(dtype, copy=False), b.astype(dtype), lower)
    h = n // 2
    if lower:
        x1 = _trsm(t[:h, :h], b[:h], lower, unit)
        x2 = _trsm(t[h:, h:], b[h:] - t[h:, :h] @ x1, lower, unit)
    else:
        x2 = _trsm(t[h:, h:], b[h:], lower, unit)
        x1 = _trsm(t[:h, :h], b[:h] - t[:h, h:] @ x2, lower, unit)
    return np.concatenate([x1, x2])


def _substitute(tri: np.ndarray, b: np.ndarray, lower: bool) -> np.ndarray:
    """Forward or back substitution, row by row (the base case: at most 64 rows)."""
    n = tri.shape[0]
    x = b
    rows = range(n) if lower else range(n - 1, -1, -1)
    for i in rows:
        if lower:
            x[i] -= tri[i, :i] @ x[:i]
        else:
            x[i] -= tri[i, i + 1:] @ x[i + 1:]
        x[i] /= tri[i, i]
    return x


# --- kernels of the blocked algorithms ------------------------------------------------------------


def lu_block(a: np.ndarray, *, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SciPy's ``p, l, u = lu(a)`` of one block: ``a == p @ l @ u``."""
    work = np.array(a, dtype=dtype)
    m, n = work.shape
    perm = getrf(work)
    k = min(m, n)
    low = np.tril(work[:, :k], -1)
    low[np.arange(k), np.arange(k)] = 1
    up = np.triu(work[:k])
    p = np.zeros((m, m), dtype=np.finfo(dtype).dtype)  # SciPy's P is real
    p[perm, np.arange(m)] = 1
    return p, low, up


def column_state(state: Any) -> np.ndarray:
    """The rows still to factor of one block column: blocks to stack, or an update's remainder."""
    if isinstance(state, list):
        return np.concatenate(state, axis=0)
    return state[1]


def panel_factor(state: Any, *, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Factor the panel of block column ``k`` (rows of blocks ``k..``): ``(perm, packed LU)``."""
    panel = np.array(column_state(state), dtype=dtype)
    with blas_threads(1):
        perm = getrf(panel)
    return perm, panel


def column_update(panel: tuple[np.ndarray, np.ndarray], state: Any, *, dtype: np.dtype
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Apply step ``k`` to block column ``j > k``: ``(U_kj, the rows left for later steps)``."""
    perm, lu = panel
    col = np.asarray(column_state(state), dtype=dtype)[perm]
    b = lu.shape[1]
    with blas_threads(1):
        u = solve_triangular(lu[:b], col[:b], lower=True, unit=True)
        rest = col[b:] - lu[b:] @ u
    return u, rest


def lu_upper_block(step: tuple[np.ndarray, ...], *, diagonal: bool) -> np.ndarray:
    if diagonal:
        lu = step[1]
        return np.triu(lu[:lu.shape[1]])
    return step[0]


def lu_lower_block(panel: tuple[np.ndarray, np.ndarray], *later: tuple[np.ndarray, np.ndarray],
                   starts: Sequence[int], lo: int, hi: int) -> np.ndarray:
    """Rows ``lo:hi`` (relative to the panel) of column ``k``'s L, with later pivots applied.

    ``starts[i]`` is where the rows of later step ``i`` begin, relative to the panel.
    """
    lu = panel[1].copy()
    for (perm, _), s in zip(later, starts):
        lu[s:] = lu[s:][perm]
    b = lu.shape[1]
    out = lu[lo:hi]
    if lo == 0:
        out = np.tril(out, -1)
        out[np.arange(b), np.arange(b)] = 1
    return out


def global_perm(*panels: tuple[np.ndarray, np.ndarray], starts: Sequence[int]) -> np.ndarray:
    """The row order ``g`` with ``a[g] == L @ U``, from each step's pivots."""
    n = starts[-1] + len(panels[-1][0]) if panels else 0
    g = np.arange(n)
    for (perm, _), s in zip(panels, starts):
        g[s:] = g[s:][perm]
    return g


def perm_matrix_block(g: np.ndarray, *, rows: tuple[int, int], cols: tuple[int, int],
                      dtype: np.dtype) -> np.ndarray:
    """Block of ``P`` with ``P[g[r], r] = 1``."""
    (r0, r1), (c0, c1) = rows, cols
    out = np.zeros((r1 - r0, c1 - c0), dtype=dtype)
    r = np.arange(c0, c1)
    target = g[c0:c1]
    inside = (target >= r0) & (target < r1)
    out[target[inside] - r0, r[inside] - c0] = 1
    return out


def take_rows(g: np.ndarray, *blocks: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Rows ``g[lo:hi]`` of the blocks stacked: a block of ``b[g]``."""
    return np.concatenate(blocks, axis=0)[g[lo:hi]]


def perm_parity(g: np.ndarray) -> int:
    """+1 for an even permutation, -1 for an odd one."""
    seen = np.zeros(len(g), dtype=bool)
    sign = 1
    for start in range(len(g)):
        if seen[start]:
            continue
        length, i = 0, start
        while not seen[i]:
            seen[i] = True
            i = g[i]
            length += 1
        if length % 2 == 0:
            sign = -sign
    return sign


def block_tri_solve(t_diag: np.ndarray, b: np.ndarray, ts: list[np.ndarray],
                    xs: list[np.ndarray], *, lower: bool, unit: bool, dtype: np.dtype
                    ) -> np.ndarray:
    """Block ``i`` of a blocked triangular solve: ``T_ii x_i = b_i - sum_m T_im x_m``."""
    with blas_threads(1):
        rhs = np.array(b, dtype=dtype)
        for t, x in zip(ts, xs):
            rhs -= t @ x
        return solve_triangular(t_diag, rhs, lower=lower, unit=unit, check=not unit)


def cholesky_block(a: np.ndarray, l_diag: np.ndarray | None, li: list[np.ndarray],
                   lj: list[np.ndarray], *, diagonal: bool, dtype: np.dtype) -> np.ndarray:
    """Block ``(i, j)`` of the Cholesky factor, from the blocks to its left in rows i and j."""
    with blas_threads(1):
        c = np.array(a, dtype=dtype)
        for x, y in zip(li, lj):
            c -= x @ y.conj().T
        if diagonal:
            return np.linalg.cholesky(np.tril(c) + np.tril(c, -1).conj().T)
        assert l_diag is not None
        return solve_triangular(l_diag, c.conj().T, lower=True).conj().T


def zeros_block(shape: tuple[int, ...], offset: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


def det_from_lu(g: np.ndarray, *panels: tuple[np.ndarray, np.ndarray], log: bool,
                dtype: np.dtype, real: np.dtype) -> Any:
    """``det`` (or ``(sign, logabsdet)``) from U's diagonal and the pivots' parity."""
    d = np.concatenate([np.diagonal(lu) for _, lu in panels]) if panels else np.ones(0, dtype)
    parity = perm_parity(g)
    if not log:
        return np.asarray(parity * np.prod(d), dtype=dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        absd = np.abs(d)
        sign: Any
        logdet: Any
        if dtype.kind == "c":
            sign = parity * np.prod(d / np.where(absd == 0, 1, absd))
        else:
            sign = parity * np.prod(np.sign(d))
        logdet = np.sum(np.log(absd))
    if np.any(absd == 0):
        sign, logdet = 0, -np.inf
    return np.asarray(sign, dtype=dtype), np.asarray(logdet, dtype=real)


# --- TSQR -----------------------------------------------------------------------------------------


def qr_leaf(block: np.ndarray, *, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    with blas_threads(1):
        q, r = np.linalg.qr(np.asarray(block, dtype=dtype))
    return q, r


def qr_stack(*children: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """QR of the children's R factors stacked: one node of the TSQR tree."""
    with blas_threads(1):
        return np.linalg.qr(np.concatenate([r for _, r in children], axis=0))


def tsqr_q_block(leaf: tuple[np.ndarray, np.ndarray], *levels: tuple[np.ndarray, np.ndarray],
                 spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Block ``i`` of Q: the leaf's Q times the rows of each tree level's Q above it."""
    with blas_threads(1):
        m = None
        for (q, _), (lo, hi) in zip(reversed(levels), reversed(spans)):
            rows = q[lo:hi]
            m = rows if m is None else rows @ m
        return leaf[0] if m is None else leaf[0] @ m


def tsqr_r(top: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return top[1]


def qr_leaf_raw(block: np.ndarray, *, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK's Householder form ``(h, tau)`` of one row block (``h`` transposed, as NumPy's)."""
    with blas_threads(1):
        h, tau = np.linalg.qr(np.asarray(block, dtype=dtype), mode="raw")
    return h, tau


def qr_stack_complete(*leaves: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Complete QR of the leaves' R factors stacked: the K x K Q and the R on top (n x n)."""
    rs = [np.triu(h.T[:len(tau)]) for h, tau in leaves]
    with blas_threads(1):
        q, r = np.linalg.qr(np.concatenate(rs, axis=0), mode="complete")
    return q, r[:r.shape[1]]


def apply_householder(h: np.ndarray, tau: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``Q @ c`` in place, ``Q = H_1 ... H_k`` the reflectors of NumPy's raw QR ``(h, tau)``.

    >>> a = np.array([[3.0, 1.0], [4.0, 2.0], [0.0, 5.0]])
    >>> h, tau = np.linalg.qr(a, mode="raw")
    >>> q = np.linalg.qr(a, mode="complete").Q
    >>> bool(np.allclose(apply_householder(h, tau, np.eye(3)), q))
    True
    """
    v_all = h.T
    for j in range(len(tau) - 1, -1, -1):
        if tau[j] == 0:
            continue
        v = v_all[j:, j].copy()
        v[0] = 1
        c[j:] -= np.multiply.outer(tau[j] * v, v.conj() @ c[j:])
    return c


def qr_complete_block(leaf: tuple[np.ndarray, np.ndarray], top: tuple[np.ndarray, np.ndarray],
                      *, slot: int, perp: int, cols: tuple[int, int], dtype: np.dtype
                      ) -> np.ndarray:
    """Columns ``cols`` of the rows of one leaf in the complete Q of a TSQR.

    The complete Q is ``blockdiag(Q_i) @ W`` with ``Q_i`` each leaf's full Householder Q. Its
    first K columns (K the rows of the stacked R factors) are the leaves' reduced Q times the
    stack's complete Q (rows ``slot..`` for this leaf); the leaf's other ``m_i - k_i`` columns
    of ``Q_i``, orthogonal to everything else, follow from column ``perp``.
    """
    (h, tau), (q_top, _) = leaf, top
    m_i, k = h.shape[1], len(tau)
    c0, c1 = cols
    total = q_top.shape[0]
    w = np.zeros((m_i, c1 - c0), dtype=dtype)
    lo, hi = max(c0, 0), min(c1, total)
    if lo < hi:
        w[:k, lo - c0:hi - c0] = q_top[slot:slot + k, lo:hi]
    lo, hi = max(c0, perp), min(c1, perp + m_i - k)
    if lo < hi:
        t = np.arange(lo, hi)
        w[k + t - perp, t - c0] = 1
    with blas_threads(1):
        return apply_householder(h, tau, w)


def svd_small(r: np.ndarray, *, compute_uv: bool) -> Any:
    if compute_uv:
        return tuple(np.linalg.svd(r, full_matrices=False))
    return np.linalg.svd(r, compute_uv=False)


def uniform_block(shape: tuple[int, ...], offset: tuple[int, ...], seed: int, ncols: int,
                  dtype: np.dtype) -> np.ndarray:
    """Rows ``offset[0]..`` of a uniform(-1, 1) matrix of ``ncols`` columns drawn by Philox.

    Philox is counter-based: advanced to the block's first element, the values depend on the
    position only, never on how the rows are chunked.
    """
    (rows, cols), (r0, _) = shape, offset
    first = r0 * ncols
    bits = np.random.Philox(key=seed)
    bits.advance(first // 4)  # four 64-bit outputs per counter step
    gen = np.random.Generator(bits)
    draws = gen.random(first % 4 + rows * ncols)[first % 4:]
    return (2 * draws - 1).reshape(rows, ncols).astype(dtype)[:, :cols]
