"""Tests of chunkarray.ops.histograms and chunkarray.ops.statistics against NumPy."""

from __future__ import annotations

import warnings
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

REAL = [np.int8, np.int64, np.uint16, np.float32, np.float64]


def _chunked(data: st.DataObject, a: np.ndarray) -> ca.ChunkedArray:
    return ca.from_array(a, chunks=data.draw(chunkings(a.shape)))


def _close(result: Any, expected: Any, scale: float = 1.0) -> None:
    """Same dtype and shape; values within rounding of sums of magnitude ``scale``."""
    r, e = np.asarray(result), np.asarray(expected)
    assert r.dtype == e.dtype and r.shape == e.shape, (r.dtype, e.dtype, r.shape, e.shape)
    if e.dtype.kind in "fc":
        eps = np.finfo(e.dtype).eps
        np.testing.assert_allclose(r, e, rtol=eps * 64, atol=eps * 64 * scale, equal_nan=True)
    else:
        np.testing.assert_array_equal(r, e)


# --- histograms -----------------------------------------------------------------------------------

RULES = ["auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt"]
BINS = st.sampled_from([1, 3, 10, *RULES, [-5.0, 0.0, 0.5, 100.0]])


@fixture_ok
@given(case=arrays(dtypes=REAL), bins=BINS, ranged=st.booleans(), weighted=st.booleans(),
       density=st.booleans(), data=st.data())
def test_histogram_like_numpy(executor: str, case: Any, bins: Any, ranged: bool,
                              weighted: bool, density: bool, data: st.DataObject) -> None:
    a, x = case
    kwargs: dict[str, Any] = {"bins": bins, "density": density}
    if ranged:
        kwargs["range"] = (-3, 7.5)
    if weighted and not isinstance(bins, str):
        w = data.draw(hnp.arrays(np.float64, a.shape, elements=st.floats(0, 10)))
        kwargs["weights"] = w
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # density of an empty histogram
        if "weights" in kwargs:
            kwargs["weights"] = _chunked(data, kwargs["weights"])
        hist, edges = ca.histogram(x, **kwargs)
        try:
            expected = np.histogram(a, **{**kwargs, "weights": w} if "weights" in kwargs
                                    else kwargs)
        except ValueError:  # a rule's bins too many for the data's range: known from the data
            with pytest.raises(ValueError):
                ca.compute(hist, edges)
            return
        got = ca.compute(hist, edges)
    scale = float(np.sum(kwargs["weights"].compute())) if "weights" in kwargs else 1.0
    _close(got[0], expected[0], scale if not density else 1.0)
    assert_eq(got[1], expected[1], exact=True)
    assert_eq(np.histogram_bin_edges(x, bins, range=kwargs.get("range")).__array__(),
              np.histogram_bin_edges(a, bins, range=kwargs.get("range")), exact=True)


@pytest.mark.parametrize("rule", RULES)
def test_histogram_rules_like_numpy(executor: str, rule: str) -> None:
    # Skewed data with ties and outliers, ragged blocks, with and without a range that trims.
    rng = np.random.default_rng(7)
    a = np.concatenate([rng.gamma(2.0, 3.0, 5000), np.full(300, 4.0), [80.0, -20.0]])
    x = ca.from_array(a, chunks=(977,))
    for kwargs in ({}, {"range": (0.5, 30.0)}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # 'stone': maybe suboptimal
            expected = np.histogram(a, bins=rule, **kwargs)
            hist, edges = ca.compute(*ca.histogram(x, bins=rule, **kwargs))
        assert_eq(hist, expected[0], exact=True)
        np.testing.assert_allclose(edges, expected[1], rtol=1e-12)
        assert edges.dtype == expected[1].dtype
    ints = rng.integers(-50, 50, 3001).astype(np.int16)
    expected_edges = np.histogram_bin_edges(ints, bins=rule)
    got = ca.histogram_bin_edges(ca.from_array(ints, chunks=500), bins=rule).compute()
    assert_eq(got, expected_edges, exact=True)


def test_histogram_edges_known_now_or_lazy() -> None:
    x = ca.from_array(np.array([1.0, 2.0, 6.0]), chunks=2)
    assert isinstance(ca.histogram(x, bins=3, range=(0, 6))[1], np.ndarray)
    assert isinstance(ca.histogram(x, bins=[0, 1, 9])[1], np.ndarray)
    hist, edges = ca.histogram(x, bins=4)  # the range is the data's: computed lazily
    assert isinstance(edges, ca.ChunkedArray) and edges.shape == (5,) and hist.shape == (4,)
    hist, edges = ca.histogram(x, bins="sqrt")  # so is the number of bins
    assert np.isnan(hist.shape[0]) and np.isnan(edges.shape[0])
    with pytest.warns(RuntimeWarning, match="Converting input from bool"):
        ca.histogram(ca.from_array(np.array([True, False])))


def test_histogram_bad_input() -> None:
    x = ca.from_array(np.array([1.0, np.nan, 3.0]), chunks=2)
    with pytest.raises(ValueError, match="must increase monotonically"):
        ca.histogram(x, bins=[2, 1, 3])
    with pytest.raises(ValueError, match="bins=0: `bins` must be positive"):
        ca.histogram(x, bins=0)
    with pytest.raises(TypeError, match="bins=2.5"):
        ca.histogram(x, bins=2.5)
    with pytest.raises(ValueError, match="'foo' is not a valid estimator"):
        ca.histogram(x, bins="foo")
    with pytest.raises(ValueError, match="bins='stone' on 134217728 elements"):
        ca.histogram(ca.zeros(2**27, chunks=2**24), bins="stone")
    with pytest.raises(ValueError, match="max must be larger than min"):
        ca.histogram(x, range=(2, 1))
    with pytest.raises(ValueError, match="weights should have the same shape"):
        ca.histogram(x, weights=np.ones(2))
    with pytest.raises(TypeError, match="not supported for weighted data"):
        ca.histogram(x, bins="sqrt", weights=np.ones(3))
    hist, _ = ca.histogram(x)  # NaN makes the range not finite: known only from the data
    with pytest.raises(ValueError, match=r"autodetected range of \[nan, nan\] is not finite"):
        hist.compute()


@fixture_ok
@given(data=st.data(), dims=st.integers(1, 3), weighted=st.booleans(), density=st.booleans())
def test_histogramdd_like_numpy(executor: str, data: st.DataObject, dims: int, weighted: bool,
                                density: bool) -> None:
    dtype = data.draw(st.sampled_from([np.int16, np.float32, np.float64]))
    n = data.draw(st.integers(0, 12))
    sample = data.draw(hnp.arrays(dtype, (n, dims), elements=st.integers(-20, 20)))
    per_dim = st.sampled_from([1, 4, [-10.0, 0.0, 2.5, 30.0]])
    bins = data.draw(st.one_of(st.just(3), st.lists(per_dim, min_size=dims, max_size=dims)))
    ranges = data.draw(st.none() | st.lists(st.none() | st.just((-5.0, 5.0)), min_size=dims,
                                            max_size=dims))
    kwargs: dict[str, Any] = {"bins": bins, "range": ranges, "density": density}
    if weighted:
        kwargs["weights"] = data.draw(hnp.arrays(np.float64, (n,), elements=st.floats(0, 5)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.histogramdd(sample, **kwargs)
        hist, edges = ca.histogramdd(_chunked(data, sample), **kwargs)
        got = ca.compute(hist, *edges)
    _close(got[0], expected[0], float(np.sum(kwargs.get("weights", [1.0]))))
    for r, e in zip(got[1:], expected[1], strict=True):
        assert_eq(r, e, exact=True)
    if dims == 2:
        x, y = _chunked(data, sample[:, 0].copy()), sample[:, 1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got2 = ca.compute(*ca.histogram2d(x, y, bins, ranges, density, kwargs.get("weights")))
            exp2 = np.histogram2d(sample[:, 0], y, bins, ranges, density, kwargs.get("weights"))
        for r, e in zip(got2, exp2, strict=True):
            _close(r, e, float(np.sum(kwargs.get("weights", [1.0]))))


def test_histogramdd_bad_input() -> None:
    s = ca.from_array(np.ones((4, 2)), chunks=2)
    with pytest.raises(ValueError, match="dimension of bins must be equal"):
        ca.histogramdd(s, bins=[2, 2, 2])
    with pytest.raises(ValueError, match="range argument must have one entry per dimension"):
        ca.histogramdd(s, range=[(0, 1)])
    with pytest.raises(ValueError, match=r"`bins\[1\]` must be monotonically increasing"):
        ca.histogramdd(s, bins=[2, [3, 1]])
    with pytest.raises(ValueError, match=r"`bins\[0\]` must be positive"):
        ca.histogramdd(s, bins=[0, 2])


@fixture_ok
@given(data=st.data(), weighted=st.booleans(), minlength=st.integers(0, 12),
       dtype=st.sampled_from([np.bool_, np.uint8, np.int32, np.int64]))
def test_bincount_like_numpy(executor: str, data: st.DataObject, weighted: bool,
                             minlength: int, dtype: Any) -> None:
    top = 1 if dtype == np.bool_ else 9
    a = data.draw(hnp.arrays(dtype, shapes(1, 1, max_side=20), elements=st.integers(0, top)))
    w = data.draw(hnp.arrays(np.float64, a.shape, elements=st.floats(-5, 5)))
    x = _chunked(data, a)
    weights = _chunked(data, w) if weighted else None
    _close(ca.bincount(x, weights=weights, minlength=minlength).compute(),
           np.bincount(a, w if weighted else None, minlength), 50.0)
    assert_eq(np.bincount(x).compute(), np.bincount(a))


def test_bincount_bad_input() -> None:
    x = ca.from_array(np.array([1, 3, 0]), chunks=2)
    with pytest.raises(ValueError, match="x must be 1-d"):
        ca.bincount(x.reshape(1, 3))
    with pytest.raises(TypeError, match="according to the rule 'safe'"):
        ca.bincount(x.astype(np.float64))
    with pytest.raises(TypeError, match="according to the rule 'safe'"):
        ca.bincount(x.astype(np.uint64))
    with pytest.raises(ValueError, match="'minlength' must not be negative"):
        ca.bincount(x, minlength=-1)
    with pytest.raises(ValueError, match="don't have the same length"):
        ca.bincount(x, weights=np.ones(2))
    with pytest.raises(ValueError, match="must have no negative elements"):
        ca.bincount(x - 2).compute()  # known only from the data


# --- averages, moments, covariances ---------------------------------------------------------------


@fixture_ok
@given(case=arrays(dtypes=[np.int16, np.float32, np.float64], min_dims=1), data=st.data(),
       returned=st.booleans(), keepdims=st.booleans())
def test_average_like_numpy(executor: str, case: Any, data: st.DataObject, returned: bool,
                            keepdims: bool) -> None:
    a, x = case
    axis = data.draw(st.none() | st.integers(0, a.ndim - 1))
    full = data.draw(st.booleans())
    shape = a.shape if axis is None or full else (a.shape[axis],)
    w = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.5, 2)))
    for weights in (None, w, _chunked(data, w)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            np_w = w if weights is not None else None
            try:
                expected = np.average(a, axis, np_w, returned, keepdims=keepdims)
            except ZeroDivisionError:  # empty: weights sum to zero, or nothing to divide by
                with pytest.raises(ZeroDivisionError):
                    out = ca.average(x, axis, weights, returned, keepdims=keepdims)
                    ca.compute(*out) if returned else out.compute()
                continue
            got = ca.average(x, axis, weights, returned, keepdims=keepdims)
            got = ca.compute(*got) if returned else (got.compute(),)
        for r, e in zip(got, expected if returned else (expected,), strict=True):
            _close(r, e, float(np.abs(a).max(initial=1.0)) * 4)


def test_average_bad_input() -> None:
    x = ca.from_array(np.ones((2, 3)), chunks=1)
    with pytest.raises(TypeError, match="Axis must be specified"):
        ca.average(x, weights=np.ones(3))
    with pytest.raises(ValueError, match=r"must have the shape \(3,\)"):
        ca.average(x, axis=1, weights=np.ones(2))
    with pytest.raises(ZeroDivisionError, match="Weights sum to zero"):
        ca.average(x, axis=1, weights=np.zeros(3)).compute()


@fixture_ok
@given(data=st.data(), rowvar=st.booleans(), with_y=st.booleans(), weighted=st.booleans(),
       bias=st.booleans())
def test_cov_and_corrcoef_like_numpy(executor: str, data: st.DataObject, rowvar: bool,
                                     with_y: bool, weighted: bool, bias: bool) -> None:
    dtype = data.draw(st.sampled_from([np.int32, np.float32, np.float64, np.complex128]))
    shape = data.draw(st.sampled_from([(3, 6), (1, 5), (5,), (4, 1)]))
    m = data.draw(hnp.arrays(dtype, shape, elements=st.integers(-9, 9)))
    y = data.draw(hnp.arrays(dtype, shape, elements=st.integers(-9, 9))) if with_y else None
    rows = np.atleast_2d(m).T if not rowvar and m.ndim != 1 else np.atleast_2d(m)
    n = rows.shape[1]
    fw = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(1, 3))) if weighted else None
    yx = None if y is None else _chunked(data, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            expected = np.cov(m, y, rowvar, bias, fweights=fw)
        except ValueError:  # m and y of different numbers of observations
            with pytest.raises(ValueError):
                ca.cov(_chunked(data, m), yx, rowvar, bias, fweights=fw)
            return
        got = ca.cov(_chunked(data, m), yx, rowvar, bias, fweights=fw).compute()
        _close(got, expected, 200.0)
        expected = np.corrcoef(m, y, rowvar)
        got = ca.corrcoef(_chunked(data, m), yx, rowvar).compute()
    _close(got, expected, 4.0)


def test_cov_bad_input() -> None:
    with pytest.raises(ValueError, match="m has more than 2 dimensions"):
        ca.cov(ca.ones((2, 2, 2), chunks=1))
    with pytest.raises(TypeError, match="fweights must be integer"):
        ca.cov(ca.ones((2, 3), chunks=1), fweights=[1.5, 1, 1])
    with pytest.raises(ValueError, match="aweights cannot be negative"):
        ca.cov(ca.ones((2, 3), chunks=1), aweights=[-1, 1, 1])
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        ca.cov(ca.ones((2, 1), chunks=1))


@fixture_ok
@given(case=arrays(dtypes=[np.int8, np.uint16, np.float32, np.float64], nan=True),
       keepdims=st.booleans(), data=st.data())
def test_ptp_like_numpy(executor: str, case: Any, keepdims: bool, data: st.DataObject) -> None:
    a, x = case
    axis = data.draw(st.none() | st.integers(0, max(a.ndim - 1, 0))) if a.ndim else None
    if a.size == 0 and (axis is None or a.shape[axis] == 0):
        with pytest.raises(ValueError):
            ca.ptp(x, axis=axis)
        return
    assert_eq(np.ptp(x, axis=axis, keepdims=keepdims).compute(),
              np.ptp(a, axis=axis, keepdims=keepdims))


@fixture_ok
@given(case=arrays(dtypes=[np.int16, np.float64], min_dims=1, min_side=1),
       order=st.integers(0, 4), ddof=st.integers(0, 1), data=st.data())
def test_moment_against_its_definition(executor: str, case: Any, order: int, ddof: int,
                                       data: st.DataObject) -> None:
    a, x = case
    axis = data.draw(st.none() | st.integers(0, a.ndim - 1))
    n = a.size if axis is None else a.shape[axis]
    with np.errstate(all="ignore"):
        work = a.astype(np.float64)
        expected = np.sum((work - work.mean(axis=axis, keepdims=True)) ** order,
                          axis=axis) / (n - ddof)
        if order < 2:
            expected = np.full(np.shape(expected), 1.0 - order)
        got = ca.moment(x, order, axis, ddof=ddof).compute()
    _close(got, expected, float(np.abs(work).max() ** max(order, 1)) * n)


def test_moment_bad_input() -> None:
    x = ca.ones(3, chunks=2)
    with pytest.raises(ValueError, match=r"order=-1 must be an integer >= 0"):
        ca.moment(x, -1)
    with pytest.raises(ValueError, match="order=2.5"):
        ca.moment(x, 2.5)  # type: ignore[arg-type]


# --- comparisons ----------------------------------------------------------------------------------


@fixture_ok
@given(data=st.data(), equal_nan=st.booleans())
def test_comparisons_like_numpy(executor: str, data: st.DataObject, equal_nan: bool) -> None:
    a, x = data.draw(arrays(dtypes=[np.float64, np.complex128], nan=True))
    shift = data.draw(st.sampled_from([0.0, 1e-9, 1e-3]))
    b = a + shift
    bx = _chunked(data, b)
    assert_eq(ca.isclose(x, bx, equal_nan=equal_nan).compute(),
              np.isclose(a, b, equal_nan=equal_nan))
    assert bool(ca.allclose(x, b, equal_nan=equal_nan)) == np.allclose(a, b, equal_nan=equal_nan)
    assert bool(ca.array_equal(x, bx, equal_nan=equal_nan)) == np.array_equal(
        a, b, equal_nan=equal_nan)
    other = a.reshape(-1)[:0]  # another shape: never equal
    assert bool(np.array_equal(x, other)) == np.array_equal(a, other)
    kwargs = {"nan": data.draw(st.sampled_from([0.0, -1.0])), "posinf": 9.0}
    assert_eq(ca.nan_to_num(x + np.inf, **kwargs).compute(), np.nan_to_num(a + np.inf, **kwargs))


def test_statistics_dispatch_through_numpy() -> None:
    x = ca.from_array(np.array([1.0, 2.0, 4.0]), chunks=2)
    for func in (np.average, np.ptp, np.cov, np.corrcoef, np.nan_to_num):
        assert isinstance(func(x), ca.ChunkedArray)
    assert isinstance(np.isclose(x, x), ca.ChunkedArray)
    assert isinstance(np.histogram(x)[0], ca.ChunkedArray)
    assert isinstance(np.bincount(x.astype(int)), ca.ChunkedArray)
