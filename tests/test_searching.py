"""Tests of chunkarray.ops.searching against NumPy: searchsorted, digitize, nonzero, argwhere,
flatnonzero, one-argument where, compress, extract (and count_nonzero on any axis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray as ca
from tests.strategies import arrays, assert_eq, chunkings, shapes

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

NAN = float("nan")
SORTED_POOL = [-np.inf, -2.0, 0.0, 0.5, 0.5, 3.0, np.inf, NAN]


def _chunked(data: st.DataObject, a: np.ndarray) -> ca.ChunkedArray:
    return ca.from_array(a, chunks=data.draw(chunkings(a.shape)))


@fixture_ok
@given(data=st.data(), side=st.sampled_from(["left", "right"]),
       dtype=st.sampled_from([np.int32, np.float64]))
def test_searchsorted_like_numpy(executor: str, data: st.DataObject, side: str,
                                 dtype: Any) -> None:
    pool = SORTED_POOL if dtype == np.float64 else [-2, 0, 1, 1, 3]
    a = np.sort(data.draw(hnp.arrays(dtype, shapes(1, 1), elements=st.sampled_from(pool))))
    v = data.draw(hnp.arrays(np.float64, shapes(0, 2), elements=st.sampled_from(SORTED_POOL)))
    x, vx = _chunked(data, a), _chunked(data, v)
    expected = np.searchsorted(a, v, side=side)
    assert_eq(ca.searchsorted(x, vx, side=side).compute(), expected)
    assert_eq(ca.searchsorted(x, v, side=side).compute(), expected)
    assert_eq(np.searchsorted(a, vx, side=side).compute(), expected)  # NumPy a, chunked v
    sorter = np.argsort(a[::-1], kind="stable")
    assert_eq(ca.searchsorted(_chunked(data, a[::-1].copy()), vx, side=side,
                              sorter=sorter).compute(),
              np.searchsorted(a[::-1], v, side=side, sorter=sorter))


def test_searchsorted_bad_input() -> None:
    x = ca.from_array(np.arange(4), chunks=2)
    with pytest.raises(ValueError, match="side='middle': must be 'left' or 'right'"):
        ca.searchsorted(x, 1, side="middle")
    with pytest.raises(ValueError, match=r"a must be 1-d, got shape \(2, 2\)"):
        ca.searchsorted(x.reshape(2, 2), 1)
    with pytest.raises(ValueError, match="sorter.size=3 must equal a.size=4"):
        ca.searchsorted(x, 1, sorter=np.arange(3))
    with pytest.raises(TypeError, match="compute it first"):
        ca.searchsorted(x, 1, sorter=x)


@fixture_ok
@given(case=arrays(dtypes=[np.int16, np.float32, np.float64], nan=True),
       right=st.booleans(), increasing=st.booleans())
def test_digitize_like_numpy(executor: str, case: Any, right: bool, increasing: bool) -> None:
    a, x = case
    bins = np.array([-100.0, -1.0, 0.0, 0.0, 2.5, 300.0])
    bins = bins if increasing else bins[::-1]
    assert_eq(ca.digitize(x, bins, right=right).compute(), np.digitize(a, bins, right=right))
    assert_eq(np.digitize(x, bins).compute(), np.digitize(a, bins))


def test_digitize_bad_input() -> None:
    x = ca.from_array(np.arange(4.0), chunks=2)
    with pytest.raises(ValueError, match="monotonically"):
        ca.digitize(x, [3, 1, 2])
    with pytest.raises(TypeError, match="complex"):
        ca.digitize(x + 1j, [1, 2])
    with pytest.raises(TypeError, match="compute it first"):
        ca.digitize(x, x)


# --- positions of true elements -------------------------------------------------------------------


@fixture_ok
@given(case=arrays(dtypes=[np.bool_, np.int8, np.float64], nan=True))
def test_nonzero_family_like_numpy(executor: str, case: Any) -> None:
    a, x = case
    assert_eq(ca.argwhere(x).compute(), np.argwhere(a))
    assert_eq(np.flatnonzero(x).compute(), np.flatnonzero(a))
    if a.ndim == 0:
        with pytest.raises(ValueError, match="0-d"):
            ca.nonzero(x)
        return
    found = ca.compute(*np.nonzero(x))
    for r, e in zip(found, np.nonzero(a), strict=True):
        assert_eq(r, e)
    for r, e in zip(ca.compute(*ca.where(x)), np.where(a), strict=True):
        assert_eq(r, e)


def test_nonzero_sizes_are_learned() -> None:
    x = ca.from_array(np.array([[0, 2, 0], [1, 1, 0]]), chunks=1)
    rows, cols = ca.nonzero(x)
    assert np.isnan(rows.chunks[0][0])
    assert rows.compute_chunk_sizes().chunks == ((1, 2),)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        ca.argwhere(x[x > 0])


@fixture_ok
@given(case=arrays(dtypes=[np.int32, np.float64], min_dims=1), data=st.data(),
       chunked=st.booleans())
def test_compress_and_extract_like_numpy(executor: str, case: Any, data: st.DataObject,
                                         chunked: bool) -> None:
    a, x = case
    axis = data.draw(st.sampled_from([None, *range(-a.ndim, a.ndim)]))
    n = a.size if axis is None else a.shape[axis]
    cond = data.draw(hnp.arrays(np.bool_, st.integers(0, n)))
    c = _chunked(data, cond) if chunked else cond
    assert_eq(ca.compress(c, x, axis=axis).compute(), np.compress(cond, a, axis=axis))
    assert_eq(np.compress(c, x, axis=axis).compute(), np.compress(cond, a, axis=axis))
    mask = data.draw(hnp.arrays(np.int8, a.shape, elements=st.integers(-1, 1)))
    m = _chunked(data, mask) if chunked else mask
    assert_eq(ca.extract(m, x).compute(), np.extract(mask, a))
    assert_eq(np.extract(m, x).compute(), np.extract(mask, a))


def test_compress_bad_input() -> None:
    x = ca.from_array(np.arange(6).reshape(2, 3), chunks=1)
    with pytest.raises(ValueError, match="condition must be a 1-d array"):
        ca.compress([[True]], x)
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 1 with size 3"):
        ca.compress([False, False, False, True], x, axis=1)
    np.testing.assert_array_equal(ca.compress([True, False, False, False], x, axis=1).compute(),
                                  [[0], [3]])  # past the end, false is allowed
    with pytest.raises(ValueError, match="longer than axis 1"):
        ca.compress(ca.from_array(np.ones(4, bool), chunks=2), x, axis=1)
    with pytest.raises(np.exceptions.AxisError):
        ca.compress([True], x, axis=2)
    with pytest.raises(TypeError, match="out="):
        ca.compress([True], x, out=np.empty(1))


@fixture_ok
@given(case=arrays(dtypes=[np.bool_, np.int16, np.float64], nan=True), data=st.data(),
       keepdims=st.booleans())
def test_count_nonzero_on_any_axis(executor: str, case: Any, data: st.DataObject,
                                   keepdims: bool) -> None:
    a, x = case
    axis = data.draw(st.none() | st.lists(st.integers(0, max(a.ndim - 1, 0)), unique=True,
                                          max_size=a.ndim).map(tuple))
    assert_eq(np.count_nonzero(x, axis=axis, keepdims=keepdims).compute(),
              np.count_nonzero(a, axis=axis, keepdims=keepdims))


def test_searching_methods_follow_ndarray(executor):
    a = np.array([[0, 3, 0], [1, 0, 2]])
    x = ca.from_array(a, chunks=(1, 2))
    for got, want in zip(x.nonzero(), a.nonzero()):
        np.testing.assert_array_equal(got.compute_chunk_sizes().compute(), want)
    s = np.array([1.0, 2.0, 2.0, 5.0, 9.0])
    y = ca.from_array(s, chunks=2)
    np.testing.assert_array_equal(y.searchsorted([2.0, 6.0], side="right").compute(),
                                  s.searchsorted([2.0, 6.0], side="right"))
    cond = [True, False, True]
    np.testing.assert_array_equal(x.compress(cond, axis=1).compute(), a.compress(cond, axis=1))
