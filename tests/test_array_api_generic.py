"""Acceptance: code written only against the array API standard runs on chunkarray arrays end to
end (array_api_compat finds the namespace; array_api_extra's functions and hand-written generic
functions compute lazily and give NumPy's answers)."""

from __future__ import annotations

import warnings
from typing import Any

import array_api_compat
import array_api_extra as xpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import FLOAT_DTYPES, arrays, assert_eq

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


def chunked(a: Any, chunks: Any = 2) -> ca.ChunkedArray:
    return ca.asarray(np.asarray(a), chunks=chunks)


# --- hand-written generic functions: only ``xp = array_namespace(x)`` ------------------------

def standardize(x: Any, /, *, axis: int = 0) -> Any:
    xp = array_api_compat.array_namespace(x)
    mean = xp.mean(x, axis=axis, keepdims=True)
    std = xp.std(x, axis=axis, keepdims=True, correction=1)
    return (x - mean) / xp.where(std == 0, xp.asarray(1, dtype=x.dtype), std)


def softmax(x: Any, /, *, axis: int = -1) -> Any:
    xp = array_api_compat.array_namespace(x)
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    e = xp.exp(shifted)
    return e / xp.sum(e, axis=axis, keepdims=True)


def least_squares(a: Any, b: Any, /) -> Any:
    """Solve the normal equations with the standard's linalg extension."""
    xp = array_api_compat.array_namespace(a, b)
    return xp.linalg.solve(xp.matmul(a.mT, a), xp.vecdot(a.mT, b[xp.newaxis, :], axis=-1))


def ranks(x: Any, /) -> Any:
    """Ranks along the last axis, ties in order of position (a stable double argsort)."""
    xp = array_api_compat.array_namespace(x)
    return xp.argsort(xp.argsort(x, axis=-1, stable=True), axis=-1)


def test_array_namespace_is_chunkarray():
    x = chunked([1.0, 2.0])
    assert array_api_compat.array_namespace(x) is ca
    assert array_api_compat.array_namespace(x, chunked([1])) is ca
    assert array_api_compat.is_array_api_obj(x)
    assert array_api_compat.device(x) == ca.CPU_DEVICE
    assert array_api_compat.to_device(x, "cpu") is x
    assert array_api_compat.size(x) == 2
    assert array_api_compat.size(ca.unique_values(x)) is None


@fixture_ok
@given(data=st.data())
def test_standardize_and_softmax(executor, data):
    a, x = data.draw(arrays(FLOAT_DTYPES, min_dims=1, max_dims=2, min_side=2))
    result = standardize(x)
    assert isinstance(result, ca.ChunkedArray)
    mean = a.mean(axis=0, keepdims=True)
    std = a.std(axis=0, keepdims=True, ddof=1)
    expected = (a - mean) / np.where(std == 0, np.asarray(1, dtype=a.dtype), std)
    computed = result.compute()
    assert computed.dtype == expected.dtype
    np.testing.assert_allclose(computed, expected, rtol=1e-3, atol=1e-3)
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    assert_eq(softmax(x).compute(), e / e.sum(axis=-1, keepdims=True))


def test_least_squares_and_ranks(executor):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((40, 3)), rng.standard_normal(40)
    result = least_squares(chunked(a, (10, 3)), chunked(b, 10))
    np.testing.assert_allclose(result.compute(), np.linalg.lstsq(a, b, rcond=None)[0])
    v = np.array([[3, 1, 3, 2], [0, 0, 1, 0]])
    assert_eq(ranks(chunked(v, 1)).compute(), np.argsort(np.argsort(v, kind="stable"),
                                                         kind="stable"))


# --- array_api_extra -------------------------------------------------------------------------

A = np.arange(12.0).reshape(3, 4) ** 1.5


def test_xpx_shape_functions(executor):
    assert_eq(xpx.atleast_nd(chunked([1.0, 2.0]), ndim=3).compute(),
              np.array([1.0, 2.0])[None, None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # moved into the standard's 2025.12
        assert_eq(xpx.expand_dims(chunked(A), axis=(0, 2)).compute(),
                  np.expand_dims(A, (0, 2)))
        assert xpx.broadcast_shapes((3, 1), (4,)) == (3, 4)
    assert_eq(xpx.create_diagonal(chunked([1.0, 2.0, 3.0])).compute(), np.diag([1.0, 2, 3]))
    assert_eq(xpx.pad(chunked(A), 1).compute(), np.pad(A, 1))
    assert_eq(xpx.kron(chunked(A), chunked(A[:2, :2])).compute(), np.kron(A, A[:2, :2]))


def test_xpx_statistics(executor):
    assert_eq(xpx.cov(chunked(A)).compute(), np.cov(A))
    assert_eq(xpx.nunique(chunked([1, 2, 2, 3, 3, 3], 4)).compute(), np.asarray(3))
    assert_eq(xpx.sinc(chunked(A / 7)).compute(), np.sinc(A / 7))
    assert_eq(xpx.nan_to_num(chunked([np.nan, np.inf, 1.0])).compute(),
              np.nan_to_num(np.array([np.nan, np.inf, 1.0])))
    assert_eq(xpx.nanmean(chunked([np.nan, 1.0, 3.0])).compute(), np.asarray(2.0))
    assert_eq(xpx.deg2rad(chunked(A)).compute(), np.deg2rad(A))


def test_xpx_indexing_and_sets(executor):
    assert_eq(xpx.one_hot(chunked([0, 2, 1]), 3).compute(), np.eye(3)[[0, 2, 1]])
    updated = xpx.at(chunked(A), (0, 1)).set(100.0, copy=True)
    expected = A.copy()
    expected[0, 1] = 100.0
    assert_eq(updated.compute(), expected)
    assert_eq(xpx.searchsorted(chunked(np.arange(5)), chunked([2, 3])).compute(),
              np.array([2, 3]))
    assert_eq(xpx.union1d(chunked([1, 2]), chunked([2, 5])).compute(), np.array([1, 2, 5]))
    part = xpx.partition(chunked([5, 1, 4, 2, 3]), 2).compute()
    assert part[2] == 3 and set(part[:2]) == {1, 2} and set(part[3:]) == {4, 5}
    assert xpx.default_dtype(ca) == np.float64


def test_xpx_refuses_what_needs_an_unknown_length():
    # setdiff1d needs the length of a data-dependent result; array_api_extra refuses it for
    # every lazy library (dask too) rather than computing.
    with pytest.raises(TypeError, match="lazy shape"):
        xpx.setdiff1d(chunked([1, 2, 3, 4]), chunked([2, 4]))
