"""Norms, cross, multi_dot and matrix_power against NumPy: every ``ord``, ``axis``, ``keepdims``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray import linalg
from tests.strategies import assert_eq, chunkings, values

FIXTURE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])
DTYPES = [np.int32, np.float32, np.float64, np.complex64, np.complex128]
VECTOR_ORDS = [None, 0, 1, 2, 3, 0.5, -1, -2, np.inf, -np.inf]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


def _close(got, expected, dtype):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    tol = 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def _chunked(data, a):
    return ca.from_array(a, chunks=data.draw(chunkings(a.shape)))


@FIXTURE
@given(st.sampled_from(VECTOR_ORDS), st.sampled_from(DTYPES), st.booleans(), st.data())
def test_vector_norms_match_numpy(executor, ord, dtype, keepdims, data):
    a = data.draw(values(dtype, (4, 5)))
    x = _chunked(data, a)
    axis = data.draw(st.sampled_from([0, 1, -1]))
    with np.errstate(all="ignore"):
        expected = np.linalg.norm(a, ord, axis, keepdims)
        _close(linalg.norm(x, ord, axis, keepdims).compute(), expected, dtype)
        vec_ord = 2 if ord is None else ord
        _close(linalg.vector_norm(x, axis=(0, 1), ord=vec_ord, keepdims=keepdims).compute(),
               np.linalg.vector_norm(a, axis=(0, 1), ord=vec_ord, keepdims=keepdims), dtype)


@FIXTURE
@given(st.sampled_from(MATRIX_ORDS), st.sampled_from(DTYPES), st.booleans(), st.data())
def test_matrix_norms_match_numpy(executor, ord, dtype, keepdims, data):
    a = data.draw(values(dtype, (3, 4, 5)))
    x = _chunked(data, a)
    axis = data.draw(st.sampled_from([(1, 2), (2, 0), (0, 1), (-1, -2)]))
    expected = np.linalg.norm(a, ord, axis, keepdims)
    _close(linalg.norm(x, ord, axis, keepdims).compute(), expected, dtype)
    _close(np.linalg.norm(x, ord, axis, keepdims).compute(), expected, dtype)
    mat_ord = "fro" if ord is None else ord
    _close(linalg.matrix_norm(x, ord=mat_ord, keepdims=keepdims).compute(),
           np.linalg.matrix_norm(a, ord=mat_ord, keepdims=keepdims), dtype)


def test_norm_of_a_tall_matrix_in_row_blocks():
    a = np.random.default_rng(0).standard_normal((60, 4))
    x = ca.from_array(a, chunks=(7, 2))
    for ord in MATRIX_ORDS:
        _close(linalg.norm(x, ord).compute(), np.linalg.norm(a, ord), np.float64)
    _close(linalg.norm(ca.from_array(np.arange(8.0).reshape(2, 2, 2), chunks=1)).compute(),
           np.linalg.norm(np.arange(8.0).reshape(2, 2, 2)), np.float64)


def test_norm_refuses_bad_orders_and_axes():
    x = ca.ones((3, 3), chunks=2)
    with pytest.raises(ValueError, match="invalid for vectors"):
        linalg.norm(x, "fro", axis=0)
    with pytest.raises(ValueError, match="invalid for matrices"):
        linalg.norm(x, 3)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        linalg.norm(ca.ones((2, 2, 2), chunks=1), 1)
    with pytest.raises(ValueError, match="one axis"):
        linalg.norm(ca.ones((2, 2, 2), chunks=1), axis=(0, 1, 2))
    with pytest.raises(ValueError, match="at least 2"):
        linalg.matrix_norm(ca.ones(3, chunks=1))


@FIXTURE
@given(st.sampled_from([(3, 3), (2, 3), (2, 2), (3, 2)]), st.sampled_from(DTYPES), st.data())
def test_cross_matches_numpy(executor, sizes, dtype, data):
    a = data.draw(values(dtype, (4, sizes[0])))
    b = data.draw(values(dtype, (sizes[1],)))
    with np.errstate(all="ignore"):
        expected = np.cross(a, b)
        _close(ca.cross(_chunked(data, a), _chunked(data, b)).compute(), expected, dtype) \
            if dtype != np.int32 else np.testing.assert_array_equal(
                ca.cross(_chunked(data, a), _chunked(data, b)).compute(), expected)
    t = data.draw(values(dtype, (3, 4)))
    np.testing.assert_allclose(np.cross(_chunked(data, t), t, axisa=0, axisb=0).compute(),
                               np.cross(t, t, axisa=0, axisb=0))
    with pytest.raises(ValueError, match="2 or 3"):
        ca.cross(ca.ones((2, 4), chunks=1), ca.ones(4, chunks=1))


@FIXTURE
@given(st.sampled_from(DTYPES), st.integers(0, 1), st.data())
def test_linalg_cross_is_numpy_linalg_cross(executor, dtype, axis, data):
    a = data.draw(values(dtype, (3, 3)))
    b = data.draw(values(dtype, (3,) if axis else (3, 1)))
    with np.errstate(all="ignore"):
        expected = np.linalg.cross(a, b, axis=-1 if axis else 0)
        got = np.linalg.cross(_chunked(data, a), _chunked(data, b), axis=-1 if axis else 0)
        assert isinstance(got, ca.ChunkedArray) and got.dtype == expected.dtype
        _close(got.compute(), expected, dtype)
    with pytest.raises(ValueError, match="3-dimensional vectors, but they are 2 and 3"):
        linalg.cross(ca.ones((4, 2), chunks=1), ca.ones(3, chunks=1))


def test_numpy_linalg_names_stay_lazy():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ca.from_array(a, chunks=(1, 2, 3))
    for got, expected in [(np.linalg.matrix_transpose(x), np.linalg.matrix_transpose(a)),
                          (np.matrix_transpose(x), np.matrix_transpose(a)),
                          (np.linalg.matmul(x, a.mT), np.linalg.matmul(a, a.mT))]:
        assert isinstance(got, ca.ChunkedArray)
        np.testing.assert_allclose(got.compute(), expected)


@FIXTURE
@given(st.lists(st.integers(1, 5), min_size=3, max_size=6), st.booleans(), st.booleans(),
       st.data())
def test_multi_dot_matches_numpy(executor, dims, first_1d, last_1d, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    arrays = [rng.standard_normal((dims[i], dims[i + 1])) for i in range(len(dims) - 1)]
    if first_1d:
        arrays[0] = arrays[0][0]
    if last_1d:
        arrays[-1] = arrays[-1][:, 0]
    expected = np.linalg.multi_dot(arrays)
    got = linalg.multi_dot([_chunked(data, a) for a in arrays])
    _close(got.compute(), expected, np.float64)


@FIXTURE
@given(st.integers(-3, 5), st.sampled_from([np.int64, np.float64, np.complex128]), st.data())
def test_matrix_power_matches_numpy(executor, n, dtype, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    a = (rng.standard_normal((2, 4, 4)) * 2 + 4 * np.eye(4)).round().astype(dtype)
    expected = np.linalg.matrix_power(a, n)
    got = linalg.matrix_power(_chunked(data, a), n)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got.compute(), expected, rtol=1e-8)
    with pytest.raises(TypeError, match="integer"):
        linalg.matrix_power(_chunked(data, a), 1.5)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 3)])
def test_max_norms_of_empty_arrays_are_zero(shape, executor):
    # NumPy takes max(..., initial=0) for ord=inf (vectors) and ord=1/inf (matrices).
    a = np.zeros(shape)
    x = ca.asarray(a, chunks=2)
    assert_eq(ca.linalg.vector_norm(x, ord=np.inf).compute(),
              np.linalg.vector_norm(a, ord=np.inf))
    assert_eq(ca.linalg.vector_norm(x, ord=np.inf, axis=-1).compute(),
              np.linalg.vector_norm(a, ord=np.inf, axis=-1))
    if len(shape) >= 2:
        for order in (1, np.inf):
            assert_eq(ca.linalg.matrix_norm(x, ord=order).compute(),
                      np.linalg.matrix_norm(a, ord=order))
