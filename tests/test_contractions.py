"""Contractions, diagonals and triangles against NumPy: every subscript and ``axes`` form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import assert_eq, chunkings, values

DTYPES = [np.bool_, np.int8, np.int64, np.float32, np.float64, np.complex128]
FIXTURE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])


def _close(got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(got, expected)
    else:
        tol = 1e-3 if expected.dtype in (np.float32, np.complex64) else 1e-9
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * 1e3)


def _chunked(data, a):
    return ca.from_array(a, chunks=data.draw(chunkings(a.shape)))


# Subscripts with the shapes of their operands, by letter: every NumPy form.
SUBSCRIPTS = [
    "ij,jk->ik", "ij,jk", "ij,ij->j", "ij,ij->", "ij,ji", "i,i", "i,j->ij", "ii", "ii->i",
    "iij->j", "ij->", "ij->ji", "ijk,kj->i", "...ij,...jk->...ik", "i...,i...->...", "...i",
    "i,i,i->i", "ij,jk,kl->il", "Ba,aB", "bA", "...,...", "ab,b...->a...",
]
SIZES = {"i": 4, "j": 3, "k": 5, "l": 2, "a": 3, "b": 2, "A": 2, "B": 3}


def _shapes(subscripts, ell):
    lhs = subscripts.split("->")[0]
    return [tuple(n for c in term.replace("...", "") for n in ([SIZES[c]]
                                                              if c != "E" else []))
            if "..." not in term else _with_ellipsis(term, ell) for term in lhs.split(",")]


def _with_ellipsis(term, ell):
    before, after = term.split("...")
    return tuple(SIZES[c] for c in before) + ell + tuple(SIZES[c] for c in after)


@FIXTURE
@given(st.sampled_from(SUBSCRIPTS), st.sampled_from(DTYPES), st.sampled_from(DTYPES),
       st.data())
def test_einsum_matches_numpy(executor, subscripts, dt1, dt2, data):
    ell = data.draw(st.sampled_from([(), (2,), (3, 1), (1, 2)]))
    arrays = [data.draw(values(dt1 if i == 0 else dt2, s))
              for i, s in enumerate(_shapes(subscripts, ell))]
    expected = np.einsum(subscripts, *arrays)
    result = ca.einsum(subscripts, *[_chunked(data, a) for a in arrays])
    assert result.shape == expected.shape and result.dtype == expected.dtype
    _close(result.compute(), expected)


def test_einsum_sublist_form_and_dispatch():
    a = np.arange(12.0).reshape(3, 4)
    x = ca.from_array(a, chunks=2)
    _close(ca.einsum(x, [0, 1], x, [2, 1], [0, 2]).compute(), np.einsum(a, [0, 1], a, [2, 1],
                                                                         [0, 2]))
    _close(ca.einsum(x, [Ellipsis, 1]).compute(), np.einsum(a, [Ellipsis, 1]))
    result = np.einsum("ij,ij->j", x, x, optimize=True)
    assert isinstance(result, ca.ChunkedArray)
    _close(result.compute(), np.einsum("ij,ij->j", a, a))


def test_einsum_dtype_option_and_chunk_independence():
    a = np.arange(30, dtype=np.int8).reshape(5, 6)
    expected = np.einsum("ij,ij->i", a, a)  # int8 wraps as NumPy's
    for chunks in [1, 2, (5, 6), ((1, 4), (2, 1, 3))]:
        x = ca.from_array(a, chunks=chunks)
        _close(ca.einsum("ij,ij->i", x, x).compute(), expected)
        _close(ca.einsum("ij->", x, dtype=np.float32).compute(),
               np.einsum("ij->", a, dtype=np.float32))


def test_einsum_contracts_with_a_tree_of_sums():
    x = ca.ones((4, 64), chunks=(4, 2))  # 32 blocks along the contracted axis
    y = ca.einsum("ij,ij->i", x, x, split_every=4)
    _close(y.compute(), np.full(4, 64.0))


@pytest.mark.parametrize(("subscripts", "shapes", "match"), [
    ("ij,jk", [(2, 3), (4, 5)], "length"),
    ("ij", [(2, 3, 4)], "dimensions"),
    ("ij,jk", [(2, 3)], "operands"),
    ("i->ii", [(3,)], "more than once"),
    ("i->j", [(3,)], "appears in no operand"),
    ("i1", [(3, 3)], "not a valid subscript"),
    ("ii", [(2, 3)], "collapsing index"),
    ("...i->i", [(2, 3)], "ellipsis"),
    ("i->->i", [(3,)], "'->'"),
])
def test_einsum_refuses_bad_subscripts_at_the_call(subscripts, shapes, match):
    arrays = [ca.ones(s, chunks=2) for s in shapes]
    with pytest.raises(ValueError, match=match):
        ca.einsum(subscripts, *arrays)


AXES = [0, 1, 2, ([1], [0]), ((0, 1), (1, 0)), ([-1], [0]), (1, 0), ([], [])]


@FIXTURE
@given(st.sampled_from(AXES), st.sampled_from(DTYPES), st.data())
def test_tensordot_matches_numpy(executor, axes, dtype, data):
    a = data.draw(values(dtype, (3, 4)))
    b = data.draw(values(dtype, (4, 3)))
    if axes == 2:
        b = data.draw(values(dtype, (3, 4, 2)))
    expected = np.tensordot(a, b, axes)
    result = ca.tensordot(_chunked(data, a), _chunked(data, b), axes)
    _close(result.compute(), expected)
    _close(np.tensordot(_chunked(data, a), b, axes).compute(), expected)


def test_tensordot_refuses_mismatched_axes():
    with pytest.raises(ValueError, match="shape-mismatch"):
        ca.tensordot(ca.ones((2, 3), chunks=1), ca.ones((2, 3), chunks=1), axes=1)
    with pytest.raises(ValueError, match="same length"):
        ca.tensordot(ca.ones((2, 3), chunks=1), ca.ones((2, 3), chunks=1), axes=([0], [0, 1]))


@FIXTURE
@given(st.sampled_from(DTYPES), st.data())
def test_inner_outer_vdot_kron(executor, dtype, data):
    a = data.draw(values(dtype, data.draw(st.sampled_from([(3,), (2, 3), ()]))))
    b = data.draw(values(dtype, data.draw(st.sampled_from([(3,), (4, 3)]))))
    x, y = _chunked(data, a), _chunked(data, b)
    _close(ca.inner(x, y).compute(), np.inner(a, b))
    _close(ca.outer(x, y).compute(), np.outer(a, b))
    _close(ca.kron(x, y).compute(), np.kron(a, b))
    if a.size == b.size:
        _close(ca.vdot(x, y).compute(), np.vdot(a, b))


def test_vdot_and_inner_refuse_mismatched_sizes():
    with pytest.raises(ValueError, match="same number"):
        ca.vdot(ca.ones(3, chunks=1), ca.ones(4, chunks=1))
    with pytest.raises(ValueError, match="same length"):
        ca.inner(ca.ones(3, chunks=1), ca.ones(4, chunks=1))


@FIXTURE
@given(st.integers(-4, 4), st.sampled_from([(0, 1), (1, 0), (0, 2), (-1, -2)]),
       st.sampled_from(DTYPES), st.data())
def test_diagonal_trace_match_numpy(executor, offset, axes, dtype, data):
    a = data.draw(values(dtype, (4, 5, 3)))
    x = _chunked(data, a)
    assert_eq(ca.diagonal(x, offset, *axes).compute(), np.diagonal(a, offset, *axes))
    _close(ca.trace(x, offset, *axes).compute(), np.trace(a, offset, *axes))
    _close(np.trace(x, offset, *axes).compute(), np.trace(a, offset, *axes))


@FIXTURE
@given(st.integers(-5, 5), st.sampled_from(DTYPES), st.data())
def test_diag_tril_triu_match_numpy(executor, k, dtype, data):
    v = data.draw(values(dtype, (data.draw(st.integers(0, 5)),)))
    assert_eq(ca.diag(_chunked(data, v), k).compute(), np.diag(v, k))
    m = data.draw(values(dtype, data.draw(st.sampled_from([(4, 5), (2, 3, 4), (5,)]))))
    x = _chunked(data, m)
    assert_eq(ca.tril(x, k).compute(), np.tril(m, k))
    assert_eq(ca.triu(x, k).compute(), np.triu(m, k))
    if m.ndim == 2:
        assert_eq(ca.diag(x, k).compute(), np.diag(m, k))


@given(st.integers(0, 6), st.integers(-3, 3), st.one_of(st.none(), st.integers(0, 6)),
       st.integers(1, 4))
def test_tri_and_triangle_indices(n, k, m, chunk):
    assert_eq(ca.tri(n, m, k, chunks=chunk).compute(), np.tri(n, m, k))
    for ours, theirs in [(ca.tril_indices, np.tril_indices), (ca.triu_indices, np.triu_indices)]:
        got = ours(n, k, m, chunks=chunk)
        for g, e in zip(got, theirs(n, k, m)):
            assert_eq(g.compute(), e)
    a = np.ones((n, m if m is not None else n))
    for g, e in zip(ca.tril_indices_from(a, k), np.tril_indices_from(a, k)):
        assert_eq(g.compute(), e)


def test_diagonal_refuses_bad_axes():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        ca.diagonal(ca.ones(3, chunks=1))
    with pytest.raises(ValueError, match="same axis"):
        ca.diagonal(ca.ones((3, 3), chunks=1), 0, 1, 1)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        ca.diag(ca.ones((2, 2, 2), chunks=1))
    with pytest.raises(ValueError, match="2-D"):
        ca.tril_indices_from(np.ones(3))


def test_linalg_namespace_products():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ca.from_array(a, chunks=2)
    _close(ca.linalg.matrix_transpose(x).compute(), np.linalg.matrix_transpose(a))
    _close(ca.linalg.vecdot(x, a[0]).compute(), np.linalg.vecdot(a, a[0]))
    _close(np.linalg.vecdot(x, a, axis=1).compute(), np.linalg.vecdot(a, a, axis=1))
    _close(ca.linalg.tensordot(x, a, axes=([1, 2], [1, 2])).compute(),
           np.linalg.tensordot(a, a, axes=([1, 2], [1, 2])))
    v = np.arange(3.0) + 1j
    _close(ca.linalg.outer(ca.from_array(v, chunks=2), v).compute(), np.linalg.outer(v, v))
    _close(ca.linalg.diagonal(x, offset=1).compute(), np.linalg.diagonal(a, offset=1))
    _close(ca.linalg.trace(x).compute(), np.linalg.trace(a))
    with pytest.raises(ValueError, match="1-D"):
        ca.linalg.outer(x, v)


def test_trace_and_diagonal_methods(executor):
    a = np.arange(30.0).reshape(5, 6)
    x = ca.from_array(a, chunks=(2, 4))
    np.testing.assert_array_equal(x.trace(1).compute(), a.trace(1))
    assert x.trace(dtype=np.float32).dtype == a.trace(dtype=np.float32).dtype
    np.testing.assert_array_equal(x.diagonal(-1).compute(), a.diagonal(-1))
