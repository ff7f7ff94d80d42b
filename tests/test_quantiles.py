"""Order statistics against NumPy: every method, split or whole axes, NaNs, weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.ops.quantiles import _METHODS
from tests.strategies import FLOAT_DTYPES, arrays, assert_eq

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])
REAL = [np.int8, np.int64, np.uint16, *FLOAT_DTYPES]
PAIRS = [(ca.quantile, np.quantile, 1), (ca.nanquantile, np.nanquantile, 1),
         (ca.percentile, np.percentile, 100), (ca.nanpercentile, np.nanpercentile, 100)]


def _numpy(func, *args, **kwargs):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def _axes(data: st.DataObject, ndim: int):
    if ndim == 0:
        return None
    return data.draw(st.none() | st.integers(-ndim, ndim - 1)
                     | st.lists(st.integers(0, ndim - 1), min_size=1, unique=True).map(tuple))


@pytest.mark.parametrize("method", _METHODS)
@fixture_ok
@given(data=st.data())
def test_every_method_on_split_axes(executor: str, method: str, data: st.DataObject) -> None:
    ours, theirs, scale = data.draw(st.sampled_from(PAIRS))
    a, x = data.draw(arrays(REAL, nan=True, min_side=1, max_side=9, max_dims=2))
    axis = _axes(data, a.ndim)
    q = data.draw(st.sampled_from([0.5, 0.0, 1.0, [0.1, 0.5, 0.9], np.array([0.25, 0.75])]))
    q = q * scale if not isinstance(q, list) else [v * scale for v in q]
    keepdims = data.draw(st.booleans())
    expected = _numpy(theirs, a, q, axis=axis, method=method, keepdims=keepdims)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ours(x, q, axis=axis, method=method, keepdims=keepdims).compute()
    _assert_nan_eq(result, expected)


def _assert_nan_eq(result, expected) -> None:
    """NumPy's nan-functions give an all-NaN lane the input's dtype, not the dtype their
    arithmetic gives every other lane (float32 data and float64 q: a float32 NaN, else float64),
    and along an axis the first lane's dtype becomes the whole result's: a dtype that depends on
    the data cannot be known before computing it. Where NumPy's result has NaNs and another
    dtype, ours must have the other lanes' dtype and NumPy's values."""
    expected = np.asarray(expected)
    if result.dtype != expected.dtype and expected.size and np.isnan(expected).any():
        assert_eq(result.astype(expected.dtype), expected)
    else:
        assert_eq(result, expected)


@fixture_ok
@given(data=st.data())
def test_median(executor: str, data: st.DataObject) -> None:
    a, x = data.draw(arrays([np.int32, np.bool_, *FLOAT_DTYPES], nan=True, min_side=1,
                            max_side=9))
    axis = _axes(data, a.ndim)
    keepdims = data.draw(st.booleans())
    for ours, theirs in ((ca.median, np.median), (ca.nanmedian, np.nanmedian)):
        expected = _numpy(theirs, a, axis=axis, keepdims=keepdims)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _assert_nan_eq(ours(x, axis=axis, keepdims=keepdims).compute(), expected)


@fixture_ok
@given(data=st.data())
def test_long_lanes_selected_lane_by_lane(executor: str, data: st.DataObject) -> None:
    a, x = data.draw(arrays([np.int16, np.float64], nan=True, shape=(3, 11)))
    method = data.draw(st.sampled_from(_METHODS))
    with ca.config.set(chunk_size=40):  # a lane of 11 is more than one block's target
        result = ca.nanquantile(x, [0.3, 0.6], axis=1, method=method).compute()
    _assert_nan_eq(result, _numpy(np.nanquantile, a, [0.3, 0.6], axis=1, method=method))


@fixture_ok
@given(data=st.data())
def test_weighted_inverted_cdf(executor: str, data: st.DataObject) -> None:
    a, x = data.draw(arrays(FLOAT_DTYPES, min_dims=1, max_dims=2, min_side=1))
    axis = data.draw(st.integers(0, a.ndim - 1))
    w = data.draw(st.lists(st.integers(1, 5), min_size=a.shape[axis], max_size=a.shape[axis]))
    w = np.array(w, dtype=float)
    expected = np.quantile(a, [0.2, 0.8], axis=axis, method="inverted_cdf", weights=w)
    result = ca.quantile(x, [0.2, 0.8], axis=axis, method="inverted_cdf", weights=w)
    assert_eq(result.compute(), expected)


def test_duplicates_and_infinities_in_many_blocks() -> None:
    a = np.array([np.inf, 1, 1, 1, -np.inf, 2, 2, np.nan, 1, 1, 3, 1] * 5)
    x = ca.from_array(a, chunks=4)
    for method in _METHODS:
        q = [0, 0.1, 0.37, 0.5, 0.99, 1]
        assert_eq(ca.nanquantile(x, q, method=method).compute(),
                  _numpy(np.nanquantile, a, q, method=method))
        assert_eq(ca.quantile(x, q, method=method).compute(),
                  _numpy(np.quantile, a, q, method=method))


def test_chunk_independence() -> None:
    a = np.random.default_rng(3).normal(size=(40, 6))
    expected = np.percentile(a, [5, 50, 95], axis=0)
    for chunks in [(40, 6), (7, 6), (1, 2), (13, 1)]:
        x = ca.from_array(a, chunks=chunks)
        assert_eq(ca.percentile(x, [5, 50, 95], axis=0).compute(), expected)
        assert_eq(ca.median(x).compute(), np.median(a))


def test_dispatch() -> None:
    a = np.arange(20.0)
    x = ca.from_array(a, chunks=6)
    for f in (np.median, np.nanmedian):
        assert isinstance(f(x), ca.ChunkedArray)
        assert_eq(f(x).compute(), f(a))
    for f in (np.quantile, np.nanquantile):
        assert_eq(f(x, 0.3).compute(), f(a, 0.3))
    for f in (np.percentile, np.nanpercentile):
        assert_eq(f(x, 30).compute(), f(a, 30))


@pytest.mark.parametrize("call,error,match", [
    (lambda x: ca.percentile(x, 120), ValueError, r"q=\[120\]: percentiles must be in \[0, 100\]"),
    (lambda x: ca.quantile(x, [0.5, -0.1]), ValueError, r"q=\[-0.1\]: quantiles"),
    (lambda x: ca.quantile(x, 0.5, method="bogus"), ValueError, "method='bogus'"),
    (lambda x: ca.quantile(x, 0.5, axis=2), np.exceptions.AxisError, "axis 2"),
    (lambda x: ca.quantile(x, 0.5, axis=[0]), TypeError, "axis"),
    (lambda x: ca.quantile(x, 0.5, weights=np.ones(3), axis=1), ValueError, "inverted_cdf"),
    (lambda x: ca.quantile(x, 0.5, method="inverted_cdf", weights=np.ones(4), axis=1),
     ValueError, "weights"),
    (lambda x: ca.quantile(x, 0.5, method="inverted_cdf", weights=-np.ones(3), axis=1),
     ValueError, "non-negative"),
    (lambda x: ca.quantile(x.astype(complex), 0.5), TypeError, "real numbers"),
    (lambda x: ca.quantile(x, np.ones((1, 1, 1)) / 2), ValueError, "scalar or 1-d"),
    (lambda x: ca.median(ca.ones((0, 3), chunks=1), axis=1), Exception, ""),
    (lambda x: ca.quantile(ca.ones((0, 3), chunks=1), 0.5, axis=0), IndexError, ""),
])
def test_bad_input(call, error, match) -> None:
    x = ca.ones((2, 3), chunks=1)
    with pytest.raises(error, match=match):
        call(x)


def test_unknown_chunks_name_compute_chunk_sizes() -> None:
    x = ca.arange(10, chunks=3)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        ca.median(x[x > 3])
