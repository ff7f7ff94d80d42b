"""Factorizations and solves: checked by reconstruction and against NumPy (up to signs)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray import linalg
from tests.strategies import chunkings

FIXTURE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])
DTYPES = [np.float32, np.float64, np.complex64, np.complex128, np.int64]


def _tol(dtype):
    return 2e-3 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-8


def _matrix(data, shape, dtype, seed_name="seed"):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label=seed_name))
    a = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    if np.dtype(dtype).kind == "i":
        a = np.round(a * 4)
    return a.astype(dtype)


def _chunked(data, a):
    return ca.from_array(a, chunks=data.draw(chunkings(a.shape)))


def _linalg_dtype(dtype):
    return np.linalg.inv(np.eye(1, dtype=dtype)).dtype


@FIXTURE
@given(st.integers(1, 40), st.integers(1, 6), st.sampled_from(DTYPES), st.data())
def test_qr_reconstructs_and_is_orthonormal(executor, m, n, dtype, data):
    a = _matrix(data, (m, n), dtype)
    x = _chunked(data, a)
    tol = _tol(dtype)
    k = min(m, n)
    q, r = linalg.qr(x, split_every=data.draw(st.integers(2, 4)))
    assert q.dtype == r.dtype == _linalg_dtype(dtype)
    qn, rn = q.compute(), r.compute()
    assert qn.shape == (m, k) and rn.shape == (k, n)
    np.testing.assert_allclose(qn @ rn, a, atol=tol * 10, rtol=tol)
    np.testing.assert_allclose(qn.conj().T @ qn, np.eye(k), atol=tol * 10)
    np.testing.assert_allclose(np.abs(np.diagonal(rn)), np.abs(np.diagonal(np.linalg.qr(a)[1])),
                               atol=tol * 10, rtol=tol * 10)
    np.testing.assert_allclose(np.triu(rn), rn)
    r_only = linalg.qr(x, mode="r").compute()
    np.testing.assert_allclose(np.abs(r_only), np.abs(rn), atol=tol * 10, rtol=tol * 10)


def test_qr_many_row_blocks_and_modes():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((200, 5))
    x = ca.from_array(a, chunks=(3, 5))  # 67 row blocks: a tree of several levels
    q, r = linalg.qr(x, split_every=3)
    np.testing.assert_allclose(q.compute() @ r.compute(), a, atol=1e-10)
    qc, rc = linalg.qr(x, mode="complete")
    qn, rn = qc.compute(), rc.compute()
    assert qn.shape == (200, 200) and rn.shape == (200, 5)
    np.testing.assert_allclose(qn @ rn, a, atol=1e-10)
    np.testing.assert_allclose(qn.T @ qn, np.eye(200), atol=1e-10)
    h, tau = linalg.qr(x, mode="raw")  # one task: within the memory limit
    expected = np.linalg.qr(a, mode="raw")
    np.testing.assert_allclose(h.compute(), expected[0], atol=1e-12)
    np.testing.assert_allclose(tau.compute(), expected[1], atol=1e-12)
    with ca.config.set(memory_limit="16 KiB"):
        with pytest.raises(ValueError, match=r"mode='raw' .* \(200, 5\) float64 .* 24000 bytes"):
            linalg.qr(x, mode="raw")
        with pytest.raises(ValueError, match=r"stacks 200 rows of R factors .* memory_limit"):
            linalg.qr(x, mode="complete")
        with pytest.raises(ValueError, match=r"stacks 200 rows of R factors"):
            linalg.svd(x)
    with pytest.raises(ValueError, match="mode="):
        linalg.qr(x, mode="bogus")
    q, r = linalg.qr(ca.from_array(a[:6], chunks=6), mode="complete")
    assert q.shape == (6, 6)
    stack = rng.standard_normal((3, 4, 2))
    qs, rs = np.linalg.qr(ca.from_array(stack, chunks=(1, 2, 1)))
    np.testing.assert_allclose(qs.compute() @ rs.compute(), stack, atol=1e-12)


@FIXTURE
@given(st.integers(1, 30), st.integers(1, 5), st.booleans(), st.sampled_from(DTYPES), st.data())
def test_svd_reconstructs_and_matches_singular_values(executor, m, n, wide, dtype, data):
    shape = (n, m) if wide else (m, n)
    a = _matrix(data, shape, dtype)
    x = _chunked(data, a)
    tol = _tol(dtype)
    u, s, vh = linalg.svd(x, full_matrices=False)
    np.testing.assert_allclose(s.compute(), np.linalg.svd(a, compute_uv=False),
                               atol=tol * 10, rtol=tol * 10)
    assert s.dtype == np.linalg.svd(a, compute_uv=False).dtype
    un, sn, vn = u.compute(), s.compute(), vh.compute()
    np.testing.assert_allclose((un * sn) @ vn, a, atol=tol * 20, rtol=tol * 10)
    np.testing.assert_allclose(linalg.svdvals(x).compute(), sn, atol=tol * 10, rtol=tol * 10)


def test_svd_full_matrices_of_blocked_rectangles():
    a = np.arange(30.0).reshape(10, 3) ** 1.5
    for x in (ca.from_array(a, chunks=(4, 3)), ca.from_array(a.T, chunks=(2, 3))):
        u, s, vh = linalg.svd(x)
        expected = np.linalg.svd(x.compute())
        assert (u.shape, s.shape, vh.shape) == tuple(e.shape for e in expected)
        un, sn, vn = u.compute(), s.compute(), vh.compute()
        np.testing.assert_allclose(sn, expected[1], rtol=1e-10)
        np.testing.assert_allclose((un[:, :3] * sn) @ vn[:3], x.compute(), atol=1e-9)
        np.testing.assert_allclose(un.T @ un, np.eye(len(un)), atol=1e-12)
        np.testing.assert_allclose(vn @ vn.T, np.eye(len(vn)), atol=1e-12)
    u, s, vh = linalg.svd(ca.ones((4, 4), chunks=2))  # square: full is reduced
    assert u.shape == (4, 4)


def _unitary(q, tol):
    np.testing.assert_allclose(q.conj().T @ q, np.eye(q.shape[1]), atol=tol * 10)


@FIXTURE
@given(st.integers(1, 30), st.integers(1, 5), st.sampled_from(DTYPES), st.data())
def test_qr_complete_and_raw_match_numpy(executor, m, n, dtype, data):
    a = _matrix(data, (m, n), dtype)
    x = _chunked(data, a)
    tol = _tol(dtype)
    q, r = linalg.qr(x, mode="complete")
    eq, er = np.linalg.qr(a, mode="complete")
    assert (q.shape, r.shape, q.dtype, r.dtype) == (eq.shape, er.shape, eq.dtype, er.dtype)
    qn, rn = q.compute(), r.compute()
    np.testing.assert_allclose(qn @ rn, a, atol=tol * 10, rtol=tol)
    _unitary(qn, tol)
    np.testing.assert_allclose(np.triu(rn), rn)
    np.testing.assert_allclose(np.abs(np.diagonal(rn)), np.abs(np.diagonal(er)),
                               atol=tol * 10, rtol=tol * 10)
    h, tau = linalg.qr(x, mode="raw")
    eh, etau = np.linalg.qr(a, mode="raw")
    assert (h.shape, tau.shape, h.dtype, tau.dtype) == (eh.shape, etau.shape, eh.dtype,
                                                        etau.dtype)
    np.testing.assert_allclose(h.compute(), eh, atol=tol, rtol=tol)
    np.testing.assert_allclose(tau.compute(), etau, atol=tol, rtol=tol)


@FIXTURE
@given(st.integers(1, 30), st.integers(1, 5), st.booleans(), st.sampled_from(DTYPES), st.data())
def test_svd_full_matrices_reconstructs(executor, m, n, wide, dtype, data):
    shape = (n, m) if wide else (m, n)
    a = _matrix(data, shape, dtype)
    x = _chunked(data, a)
    tol = _tol(dtype)
    u, s, vh = linalg.svd(x, full_matrices=True)
    expected = np.linalg.svd(a, full_matrices=True)
    assert [(t.shape, t.dtype) for t in (u, s, vh)] == [(e.shape, e.dtype) for e in expected]
    un, sn, vn = u.compute(), s.compute(), vh.compute()
    np.testing.assert_allclose(sn, expected[1], atol=tol * 10, rtol=tol * 10)
    k = min(shape)
    np.testing.assert_allclose((un[:, :k] * sn) @ vn[:k], a, atol=tol * 20, rtol=tol * 10)
    _unitary(un, tol)
    _unitary(vn.conj().T, tol)


@FIXTURE
@given(st.integers(1, 14), st.integers(1, 14), st.sampled_from(DTYPES), st.data())
def test_lu_of_rectangles_matches_scipy(executor, m, n, dtype, data):
    sla = pytest.importorskip("scipy.linalg")
    a = _matrix(data, (m, n), dtype)
    x = _chunked(data, a)
    tol = _tol(dtype)
    p, lo, up = linalg.lu(x)
    expected = sla.lu(a.astype(_linalg_dtype(dtype)))
    assert [(t.shape, t.dtype) for t in (p, lo, up)] == [(e.shape, e.dtype) for e in expected]
    pn, ln, un = p.compute(), lo.compute(), up.compute()
    np.testing.assert_allclose(pn @ ln @ un, a, atol=tol * 20, rtol=tol * 10)
    np.testing.assert_array_equal(pn.T @ pn, np.eye(m))
    np.testing.assert_allclose(np.tril(ln), ln)
    np.testing.assert_allclose(np.diagonal(ln), 1)
    np.testing.assert_allclose(np.triu(un), un)
    assert np.all(np.abs(ln) <= (np.sqrt(2) if a.dtype.kind == "c" else 1) + tol)
    if np.dtype(dtype) in (np.float64, np.complex128):  # no ties: the same pivots as LAPACK
        np.testing.assert_array_equal(pn, expected[0])
        np.testing.assert_allclose(ln, expected[1], atol=1e-8)
        np.testing.assert_allclose(un, expected[2], atol=1e-8)


@FIXTURE
@given(st.integers(1, 12), st.sampled_from(DTYPES), st.data())
def test_lu_solve_inv_det_against_numpy(executor, n, dtype, data):
    a = _matrix(data, (n, n), dtype) + (n * np.eye(n) if data.draw(st.booleans()) else 0)
    x = _chunked(data, a)
    tol = _tol(dtype)
    p, lo, up = linalg.lu(x)
    pn, ln, un = p.compute(), lo.compute(), up.compute()
    np.testing.assert_allclose(pn @ ln @ un, a, atol=tol * 20, rtol=tol * 10)
    np.testing.assert_allclose(np.tril(ln), ln)
    np.testing.assert_allclose(np.diagonal(ln), 1)
    np.testing.assert_allclose(np.triu(un), un)
    # Partial pivoting; complex pivots are chosen by |re| + |im| as LAPACK does, so |l| <= sqrt 2.
    assert np.all(np.abs(ln) <= (np.sqrt(2) if a.dtype.kind == "c" else 1) + tol)
    cond = np.linalg.cond(a.astype(np.complex128))
    if cond > 1e3:
        return
    b = _matrix(data, (n, 2), dtype, "rhs")
    y = _chunked(data, b)
    for got, expected in [(linalg.solve(x, y), np.linalg.solve(a, b)),
                          (linalg.solve(x, b[:, 0]), np.linalg.solve(a, b[:, 0])),
                          (linalg.inv(x), np.linalg.inv(a)),
                          (linalg.det(x), np.linalg.det(a))]:
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_allclose(got.compute(), expected, atol=tol * 100, rtol=tol * 100)
    sign, logdet = linalg.slogdet(x)
    esign, elogdet = np.linalg.slogdet(a)
    np.testing.assert_allclose(sign.compute(), esign, atol=tol * 100)
    np.testing.assert_allclose(logdet.compute(), elogdet, atol=tol * 100)


@FIXTURE
@given(st.integers(1, 12), st.sampled_from(DTYPES), st.booleans(), st.data())
def test_cholesky_reconstructs_and_matches_numpy(executor, n, dtype, upper, data):
    g = _matrix(data, (n, n), dtype)
    a = (g @ g.conj().T + n * np.eye(n)).astype(dtype)
    x = _chunked(data, a)
    tol = _tol(dtype)
    c = linalg.cholesky(x, upper=upper)
    expected = np.linalg.cholesky(a, upper=upper)
    assert c.dtype == expected.dtype
    cn = c.compute()
    np.testing.assert_allclose(cn, expected, atol=tol * 100, rtol=tol * 100)
    rebuilt = cn.conj().T @ cn if upper else cn @ cn.conj().T
    np.testing.assert_allclose(rebuilt, a, atol=tol * 100, rtol=tol * 10)


@FIXTURE
@given(st.integers(1, 12), st.booleans(), st.sampled_from(DTYPES), st.data())
def test_solve_triangular_against_numpy(executor, n, lower, dtype, data):
    a = _matrix(data, (n, n), dtype)
    a[np.arange(n), np.arange(n)] = np.abs(np.diagonal(a)) + 2 * n  # never singular
    b = _matrix(data, (n, 3), dtype, "rhs")
    tri = np.tril(a) if lower else np.triu(a)
    x = linalg.solve_triangular(_chunked(data, a), _chunked(data, b), lower=lower)
    tol = _tol(dtype)
    np.testing.assert_allclose(x.compute(), np.linalg.solve(tri, b), atol=tol * 10, rtol=tol * 10)


@FIXTURE
@given(st.integers(1, 8), st.sampled_from(DTYPES), st.data())
def test_stacks_of_small_matrices_map_over_the_batch(executor, n, dtype, data):
    a = _matrix(data, (3, n, n), dtype)
    a[:, np.arange(n), np.arange(n)] = np.abs(np.diagonal(a, 0, 1, 2)) + 3 * n  # never singular
    x = _chunked(data, a)
    tol = _tol(dtype)
    for ours, theirs in [(linalg.inv, np.linalg.inv), (linalg.det, np.linalg.det),
                         (linalg.eigvalsh, np.linalg.eigvalsh), (linalg.pinv, np.linalg.pinv)]:
        got, expected = ours(x), theirs(a)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got.compute(), expected, atol=tol * 100, rtol=tol * 100)
    b = _matrix(data, (n,), dtype, "rhs")
    np.testing.assert_allclose(linalg.solve(x, b).compute(), np.linalg.solve(a, b),
                               atol=tol * 100, rtol=tol * 100)
    w, v = linalg.eigh(x)
    wn, vn = w.compute(), v.compute()
    # What eigh reads: the lower triangle, mirrored, with the real part of the diagonal.
    strict = np.tril(a, -1)
    hermitian = strict + np.swapaxes(strict.conj(), -1, -2) + \
        np.eye(n) * np.diagonal(a, 0, -2, -1).real[..., None]
    np.testing.assert_allclose(vn @ (wn[..., None] * np.swapaxes(vn.conj(), -1, -2)),
                               hermitian, atol=tol * 100, rtol=tol * 100)
    np.testing.assert_allclose(wn, np.linalg.eigvalsh(a), atol=tol * 100, rtol=tol * 100)


def test_blocked_factorizations_of_a_larger_matrix(executor):
    rng = np.random.default_rng(3)
    n = 150
    a = rng.standard_normal((n, n))
    x = ca.from_array(a, chunks=((40, 60, 50), (70, 80)))
    b = rng.standard_normal((n, 4))
    np.testing.assert_allclose(linalg.solve(x, b).compute(), np.linalg.solve(a, b), atol=1e-9)
    np.testing.assert_allclose(linalg.det(x / 4).compute(), np.linalg.det(a / 4), rtol=1e-8)
    spd = a @ a.T + n * np.eye(n)
    c = linalg.cholesky(ca.from_array(spd, chunks=45)).compute()
    np.testing.assert_allclose(c, np.linalg.cholesky(spd), atol=1e-9)
    singular = np.ones((6, 6))
    assert float(linalg.det(ca.from_array(singular, chunks=4)).compute()) == 0.0
    with pytest.raises(np.linalg.LinAlgError):
        linalg.solve(ca.from_array(singular, chunks=4), np.ones(6)).compute()
    with pytest.raises(np.linalg.LinAlgError):
        linalg.cholesky(ca.from_array(-np.eye(6), chunks=4)).compute()


@pytest.mark.parametrize("func", [linalg.inv, linalg.det, linalg.slogdet, linalg.cholesky,
                                  linalg.eigh, linalg.eigvalsh])
def test_square_only_functions_refuse_other_shapes(func):
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        func(ca.ones((3, 4), chunks=2))
    with pytest.raises(np.linalg.LinAlgError, match="at least 2"):
        func(ca.ones(3, chunks=2))


def test_solve_triangular_refuses_a_zero_on_the_diagonal_when_computed():
    with pytest.raises(np.linalg.LinAlgError, match="diagonal 1"):
        linalg.solve_triangular(ca.from_array(np.eye(3) - np.diag([0, 1, 0]), chunks=2),
                                np.ones(3), lower=True).compute()


def test_bad_input_is_refused_at_the_call():
    with pytest.raises(ValueError, match="does not match"):
        linalg.solve(ca.ones((3, 3), chunks=2), ca.ones(4, chunks=2))
    with pytest.raises(ValueError, match="square 2-D"):
        linalg.solve_triangular(ca.ones((3, 4), chunks=2), ca.ones(3, chunks=2))
    with pytest.raises(TypeError, match="unsupported"):
        linalg.inv(ca.ones((2, 2), chunks=1, dtype=np.float16))
    with pytest.raises(ValueError, match="UPLO"):
        linalg.eigh(ca.ones((2, 2), chunks=1), UPLO="X")
    with pytest.raises(ValueError, match="2-D"):
        linalg.lu(ca.ones((2, 2, 2), chunks=1))


@FIXTURE
@given(st.integers(1, 20), st.integers(1, 5), st.sampled_from([np.float64, np.complex128]),
       st.data())
def test_lstsq_pinv_matrix_rank_against_numpy(executor, m, n, dtype, data):
    a = _matrix(data, (m, n), dtype)
    if data.draw(st.booleans()) and n > 1:
        a[:, -1] = a[:, 0]  # rank deficient
    b = _matrix(data, (m, 2), dtype, "rhs")
    x = _chunked(data, a)
    sol, res, rank, s = linalg.lstsq(x, _chunked(data, b))
    e_sol, e_res, e_rank, e_s = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(sol.compute(), e_sol, atol=1e-6, rtol=1e-6)
    np.testing.assert_allclose(res.compute(), e_res, atol=1e-6, rtol=1e-6)
    assert res.compute().shape == e_res.shape
    assert rank.compute() == e_rank and rank.dtype == np.asarray(e_rank).dtype
    np.testing.assert_allclose(s.compute(), e_s, atol=1e-8)
    np.testing.assert_allclose(linalg.pinv(x).compute(), np.linalg.pinv(a), atol=1e-6)
    assert int(linalg.matrix_rank(x).compute()) == np.linalg.matrix_rank(a)


def test_svd_compressed_finds_a_low_rank_matrix():
    rng = np.random.default_rng(7)
    a = rng.standard_normal((120, 4)) @ rng.standard_normal((4, 30))
    expected = np.linalg.svd(a, compute_uv=False)[:4]
    results = []
    for chunks in [(30, 10), (17, 30), ((60, 60), (7, 23))]:
        u, s, v = linalg.svd_compressed(ca.from_array(a, chunks=chunks), 4, n_power_iter=2,
                                        seed=42)
        un, sn, vn = u.compute(), s.compute(), v.compute()
        np.testing.assert_allclose(sn, expected, rtol=1e-8)
        np.testing.assert_allclose((un * sn) @ vn, a, atol=1e-8)
        results.append(un)
    np.testing.assert_allclose(results[0], results[1], atol=1e-8)  # same projection: same u
    with pytest.raises(ValueError, match="k="):
        linalg.svd_compressed(ca.from_array(a, chunks=30), 0)
