"""Tests of chunkarray.ops.sets: unique and its array API forms, isin, union1d, intersect1d and
setdiff1d, against NumPy on random shapes, chunkings, dtypes, duplicates and NaNs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray as ca
from tests.strategies import assert_eq, chunkings, shapes

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

NAN = float("nan")
# Few distinct values, so duplicates are the rule; extremes, signed zeros, NaN and infinities.
POOLS: dict[Any, list[Any]] = {
    np.bool_: [False, True],
    np.int8: [-128, -1, 0, 3, 127],
    np.int32: [-(2**31), 0, 7, 2**31 - 1, 12345],
    np.uint64: [0, 1, 2**63 + 5, 2**64 - 1],
    np.float32: [0.0, -0.0, 1.5, -2.0, NAN, np.inf],
    np.float64: [0.0, -0.0, 1.5, -2.0, NAN, np.inf, -np.inf, 1e300],
    np.complex128: [0j, 1 + 1j, 1 - 1j, complex(NAN, 0), complex(1, NAN), complex(NAN, NAN)],
}
DTYPES = list(POOLS)


@st.composite
def cases(draw: st.DrawFn, dtypes: list[Any] = DTYPES, max_dims: int = 3, min_dims: int = 0
          ) -> tuple[np.ndarray, ca.ChunkedArray]:
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
    a = draw(hnp.arrays(dtype, shape, elements=st.sampled_from(POOLS[dtype])))
    return a, ca.from_array(a, chunks=draw(chunkings(a.shape)))


def _check_inverse(values: np.ndarray, inverse: np.ndarray, a: np.ndarray,
                   expected: np.ndarray) -> None:
    assert inverse.dtype == expected.dtype and inverse.shape == expected.shape
    np.testing.assert_array_equal(values[inverse], a)  # NaNs compare equal here
    if a.dtype.kind in "fc":
        # NumPy's order among distinct NaNs follows an unstable sort: compare the others only.
        plain = ~np.isnan(a)
        np.testing.assert_array_equal(inverse[plain], expected[plain])
    else:
        np.testing.assert_array_equal(inverse, expected)


@fixture_ok
@given(case=cases(), flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
       equal_nan=st.booleans())
def test_unique_like_numpy(executor: str, case: Any, flags: Any, equal_nan: bool) -> None:
    a, x = case
    index, inverse, counts = flags
    kwargs = dict(return_index=index, return_inverse=inverse, return_counts=counts,
                  equal_nan=equal_nan)
    result = ca.unique(x, **kwargs)
    expected = np.unique(a, **kwargs)
    if not isinstance(expected, tuple):
        result, expected = (result,), (expected,)
    computed = ca.compute(*result)
    assert len(computed) == len(expected)
    assert_eq(computed[0], expected[0], exact=True)
    rest = list(zip(computed[1:], expected[1:]))
    if index:
        assert_eq(*rest.pop(0))
    if inverse:
        got_inverse, want_inverse = rest.pop(0)
        _check_inverse(computed[0], got_inverse, a, want_inverse)
    if counts:
        assert_eq(*rest.pop(0))


@fixture_ok
@given(case=cases())
def test_unique_array_api_forms(executor: str, case: Any) -> None:
    a, x = case
    got = ca.compute(*ca.unique_all(x))
    want = np.unique_all(a)
    assert type(ca.unique_all(x)).__name__ == "UniqueAllResult"
    assert_eq(got[0], want.values, exact=True)
    assert_eq(got[1], want.indices)
    _check_inverse(got[0], got[2], a, want.inverse_indices)
    assert_eq(got[3], want.counts)
    counts = ca.unique_counts(x)
    assert_eq(counts.values.compute(), np.unique_counts(a).values, exact=True)
    assert_eq(counts.counts.compute(), np.unique_counts(a).counts)
    inv = ca.unique_inverse(x)
    _check_inverse(inv.values.compute(), inv.inverse_indices.compute(), a,
                   np.unique_inverse(a).inverse_indices)
    # NumPy leaves the order of unique_values unspecified; chunkarray sorts.
    assert_eq(ca.unique_values(x).compute(), np.unique(a, equal_nan=False), exact=True)


@settings(max_examples=10, deadline=None)
@given(case=cases(dtypes=[np.int32, np.float64]), data=st.data())
def test_unique_does_not_depend_on_chunks(case: Any, data: st.DataObject) -> None:
    a, x = case
    y = ca.from_array(a, chunks=data.draw(chunkings(a.shape)))
    for r, s in zip(ca.unique(x, True, True, True), ca.unique(y, True, True, True)):
        np.testing.assert_array_equal(r.compute(), s.compute())


def test_unique_counts_of_wide_and_narrow_integers() -> None:
    # Blocks over a narrow range are counted by a table, wide ones sorted; both merge exactly.
    rng = np.random.default_rng(0)
    narrow = rng.integers(-50, 50, 10_000).astype(np.int16)
    wide = rng.integers(-(2**62), 2**62, 3_000)
    mixed = np.concatenate([narrow.astype(np.int64), wide])
    for a in (narrow, wide, mixed):
        values, counts = ca.unique(ca.from_array(a, chunks=977), return_counts=True)
        expected = np.unique(a, return_counts=True)
        assert_eq(values.compute(), expected[0])
        assert_eq(counts.compute(), expected[1])


def test_unique_results_have_unknown_size_until_learned() -> None:
    x = ca.from_array(np.array([3, 1, 3, 2]), chunks=2)
    values = ca.unique(x)
    assert np.isnan(values.chunks[0][0])
    assert ca.unique(x).name == values.name  # the same expression, the same name
    known = values.compute_chunk_sizes()
    assert known is values and known.chunks == ((3,),)  # learned in place, as in dask
    np.testing.assert_array_equal(known[1:].compute(), [2, 3])
    assert isinstance(np.unique(x), ca.ChunkedArray)  # through __array_function__


@fixture_ok
@given(case=cases(), flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
       equal_nan=st.booleans(), data=st.data())
def test_unique_of_mostly_distinct_values_like_numpy(executor: str, case: Any, flags: Any,
                                                     equal_nan: bool, data: st.DataObject
                                                     ) -> None:
    # Blocks of mostly distinct values reach the merge as sorted runs, blocks of repeats as
    # counted states: mix both in one array (distinct values spread over a repeated pool).
    a0, _ = case
    spread = np.arange(a0.size).reshape(a0.shape).astype(a0.dtype) if a0.dtype != bool else a0
    a = np.where(np.arange(a0.size).reshape(a0.shape) % 3 == 0, a0, spread)
    x = ca.from_array(a, chunks=data.draw(chunkings(a.shape)))
    index, inverse, counts = flags
    kwargs = dict(return_index=index, return_inverse=inverse, return_counts=counts,
                  equal_nan=equal_nan)
    got = ca.unique(x, **kwargs)
    want = np.unique(a, **kwargs)
    got, want = (got, want) if isinstance(want, tuple) else ((got,), (want,))
    computed = ca.compute(*got)
    assert_eq(computed[0], want[0], exact=True)
    for i, (g, w) in enumerate(zip(computed[1:], want[1:])):
        if inverse and i == int(index):
            _check_inverse(computed[0], g, a, w)
        else:
            assert_eq(g, w)


def _has_nan_rows(a: np.ndarray, axis: int) -> np.ndarray:
    """Per position along ``axis``: whether that subarray holds a NaN."""
    if a.dtype.kind not in "fc":
        return np.zeros(a.shape[axis], dtype=bool)
    nan = np.moveaxis(np.isnan(a), axis, 0)
    return nan.reshape(nan.shape[0], int(np.prod(nan.shape[1:]))).any(axis=1)


@fixture_ok
@given(case=cases(min_dims=1), flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
       equal_nan=st.booleans(), data=st.data())
def test_unique_along_an_axis_like_numpy(executor: str, case: Any, flags: Any, equal_nan: bool,
                                         data: st.DataObject) -> None:
    a, x = case
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    index, inverse, counts = flags
    kwargs = dict(return_index=index, return_inverse=inverse, return_counts=counts,
                  equal_nan=equal_nan, axis=axis)
    result = ca.unique(x, **kwargs)
    expected = np.unique(a, **kwargs)
    if not isinstance(expected, tuple):
        result, expected = (result,), (expected,)
    assert np.isnan(result[0].chunks[axis % a.ndim][0])  # as many rows as the data says
    computed = ca.compute(*result)
    assert len(computed) == len(expected)
    assert_eq(computed[0], expected[0], exact=True)
    rest = list(zip(computed[1:], expected[1:]))
    if index:
        assert_eq(*rest.pop(0))
    if inverse:
        got_inverse, want_inverse = rest.pop(0)
        if a.ndim == 1:
            _check_inverse(computed[0], got_inverse, a, want_inverse)
        else:
            assert got_inverse.dtype == want_inverse.dtype
            rebuilt = np.take(computed[0], got_inverse, axis=axis)
            np.testing.assert_array_equal(rebuilt, a)  # NaNs compare equal here
            # Rows with a NaN are each unique; NumPy orders look-alikes by an unstable sort.
            plain = ~_has_nan_rows(a, axis % a.ndim)
            np.testing.assert_array_equal(got_inverse[plain], want_inverse[plain])
            assert got_inverse.shape == want_inverse.shape
    if counts:
        assert_eq(*rest.pop(0))


def test_unique_along_an_axis_examples() -> None:
    a = np.array([[1, 0, 0], [1, 0, 0], [2, 3, 4], [0, 9, 9], [2, 3, 4]], dtype=np.int16)
    for chunks in ((2, 1), (1, 3), (5, 3), (3, 2)):
        x = ca.from_array(a, chunks=chunks)
        for axis in (0, 1, -2):
            got = ca.compute(*ca.unique(x, True, True, True, axis=axis))
            for g, w in zip(got, np.unique(a, True, True, True, axis=axis)):
                assert_eq(g, w)
    # Rows with a NaN are each unique, whatever equal_nan says, as in NumPy.
    f = np.array([[1.0, np.nan], [1.0, np.nan], [0.0, 2.0], [-0.0, 2.0]])
    got = ca.compute(*ca.unique(ca.from_array(f, chunks=1), axis=0, return_counts=True,
                                return_inverse=True, equal_nan=True))
    want = np.unique(f, axis=0, return_counts=True, return_inverse=True, equal_nan=True)
    assert_eq(got[0], want[0], exact=True)
    assert_eq(got[1], np.array([1, 2, 0, 0]))  # look-alikes by position
    assert_eq(got[2], want[2])
    # Empty rows are all equal; an empty axis has no rows.
    for shape, axis in (((3, 0), 0), ((0, 3), 0), ((0, 3), 1), ((2, 3, 0), 1)):
        e = np.empty(shape)
        got = ca.compute(*ca.unique(ca.from_array(e, chunks=1), axis=axis, return_counts=True))
        for g, w in zip(got, np.unique(e, axis=axis, return_counts=True)):
            assert_eq(g, w)


def test_unique_along_an_axis_keeps_whole_rows_in_blocks() -> None:
    a = np.random.default_rng(0).integers(0, 3, (40, 6))
    x = ca.from_array(a, chunks=(7, 2))  # rows split across blocks: rechunked to whole rows
    values = ca.unique(x, axis=0)
    assert values.chunks[1] == (6,)
    assert_eq(values.compute(), np.unique(a, axis=0))
    values, counts = ca.unique(np.asarray(a.T), axis=1, return_counts=True)
    assert_eq(values.compute(), np.unique(a.T, axis=1))
    assert_eq(np.unique(x, axis=0).compute(), np.unique(a, axis=0))  # through dispatch


def test_unique_bad_input() -> None:
    x = ca.from_array(np.arange(6).reshape(2, 3), chunks=1)
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds"):
        ca.unique(x, axis=2)
    with pytest.raises(np.exceptions.AxisError, match="axis 1 is out of bounds"):
        ca.unique(ca.arange(3, chunks=2), axis=1)
    with pytest.raises(np.exceptions.AxisError, match="dimension 0"):
        ca.unique(ca.from_array(np.array(1.0)), axis=0)
    with pytest.raises(TypeError, match="axis=1.0 must be None or an int"):
        ca.unique(x, axis=1.0)
    with pytest.raises(TypeError, match="not supported for dtype object"):
        ca.unique(ca.from_array(np.array([[1, "a"]], dtype=object), chunks=1), axis=0)
    with pytest.raises(TypeError, match="return_counts='yes'"):
        ca.unique(x, return_counts="yes")
    masked = x[x > 2]
    ca.unique(masked, return_counts=True)  # sizes are not needed for counts
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        ca.unique(masked, return_index=True)


# --- membership -----------------------------------------------------------------------------------


@fixture_ok
@given(case=cases(), test=cases(max_dims=2), chunked=st.booleans(), invert=st.booleans(),
       kind=st.sampled_from([None, "sort"]))
def test_isin_like_numpy(executor: str, case: Any, test: Any, chunked: bool, invert: bool,
                         kind: Any) -> None:
    (a, x), (t, tx) = case, test
    result = ca.isin(x, tx if chunked else t, invert=invert, kind=kind)
    assert_eq(result.compute(), np.isin(a, t, invert=invert, kind=kind))
    assert_eq(np.isin(x, t, invert=invert).compute(), np.isin(a, t, invert=invert))
    assert_eq(ca.in1d(x, t).compute(), np.isin(a.ravel(), t))


@fixture_ok
@given(data=st.data(), chunked=st.booleans())
def test_isin_table_like_numpy(executor: str, data: st.DataObject, chunked: bool) -> None:
    # kind='table' counts through a table of the test values' range: small integer ranges.
    small = st.integers(-5, 5)
    a = data.draw(hnp.arrays(np.int16, shapes(max_dims=2), elements=small))
    t = data.draw(hnp.arrays(np.int16, shapes(min_dims=1, max_dims=1, min_side=1),
                             elements=small))
    x = ca.from_array(a, chunks=data.draw(chunkings(a.shape)))
    tx = ca.from_array(t, chunks=data.draw(chunkings(t.shape)))
    assert_eq(ca.isin(x, tx if chunked else t, kind="table").compute(),
              np.isin(a, t, kind="table"))


def test_isin_bad_input() -> None:
    x = ca.from_array(np.array([1.5, 2.0]), chunks=1)
    with pytest.raises(ValueError, match="kind='bad'"):
        ca.isin(x, [1], kind="bad")
    with pytest.raises(ValueError, match="kind='table' works on boolean or integer"):
        ca.isin(x, [1], kind="table")
    with pytest.raises(TypeError, match="invert=None"):
        ca.isin(x, [1], invert=None)


@fixture_ok
@given(left=cases(max_dims=2), right=cases(max_dims=2), chunked=st.booleans())
def test_set_operations_like_numpy(executor: str, left: Any, right: Any, chunked: bool) -> None:
    (a, x), (b, y) = left, right
    other = y if chunked else b
    assert_eq(ca.union1d(x, other).compute(), np.union1d(a, b), exact=True)
    assert_eq(ca.intersect1d(x, other).compute(), np.intersect1d(a, b), exact=True)
    got = ca.compute(*ca.intersect1d(x, other, return_indices=True))
    for r, e in zip(got, np.intersect1d(a, b, return_indices=True)):
        assert_eq(r, e, exact=True)
    assert_eq(ca.setdiff1d(x, other).compute(), np.setdiff1d(a, b), exact=True)
    # assume_unique promises distinct elements: NumPy's answer is undefined otherwise.
    au, bu = np.unique(a), np.unique(b)
    xu = ca.from_array(au, chunks=max(1, au.size // 2))
    assert_eq(ca.setdiff1d(xu, bu, assume_unique=True).compute(),
              np.setdiff1d(au, bu, assume_unique=True), exact=True)
    assert_eq(ca.isin(xu, bu, assume_unique=True).compute(), np.isin(au, bu, assume_unique=True))
    assert isinstance(np.setdiff1d(x, b), ca.ChunkedArray)


def test_set_operations_take_numpy_names() -> None:
    x = ca.from_array(np.array([5, 1, 5]), chunks=1)
    for func in (np.union1d, np.intersect1d, np.setdiff1d):
        assert isinstance(func(x, np.array([1, 2])), ca.ChunkedArray)
    r = ca.intersect1d(x, x, return_indices=True)
    assert [a.dtype for a in r] == [np.dtype(np.int64), np.dtype(np.intp), np.dtype(np.intp)]


@fixture_ok
@given(data=st.data(), dtype=st.sampled_from([np.float64, np.int32, np.complex64, np.uint8]),
       equal_nan=st.booleans(), high=st.sampled_from([2, 40, 100000]))
def test_unique_merged_by_value_ranges(executor: str, data: st.DataObject, dtype: Any,
                                       equal_nan: bool, high: int) -> None:
    # Several blocks and no split_every: block states are merged by value ranges in parallel;
    # with split_every, by a tree. Both must be NumPy's unique, NaNs and ties included.
    shape = data.draw(shapes(min_dims=1, max_dims=2, min_side=1, max_side=12))
    a = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(0, high))).astype(dtype)
    if a.dtype.kind in "fc":
        a[data.draw(hnp.arrays(bool, shape))] = np.nan
    x = ca.from_array(a, chunks=data.draw(chunkings(shape)))
    expected = np.unique(a, return_index=True, return_inverse=True, return_counts=True,
                         equal_nan=equal_nan)
    for split_every in (None, 2):
        got = ca.compute(*ca.unique(x, return_index=True, return_inverse=True,
                                    return_counts=True, equal_nan=equal_nan,
                                    split_every=split_every))
        for g, e in zip(got, expected):
            assert_eq(g, e, exact=True)
    values, counts = ca.compute(*ca.unique(x, return_counts=True))
    assert_eq(values, np.unique(a), exact=True)
    assert_eq(counts, np.unique(a, return_counts=True)[1], exact=True)


def test_unique_range_merge_graph() -> None:
    x = ca.from_array(np.arange(100) % 7, chunks=10)
    graph = ca.unique(x).to_dask().__dask_graph__()
    assert sum(key[0].startswith("unique-range") for key in graph) == 10
    assert not any(key[0].startswith("unique-range") for key in
                   ca.unique(x, split_every=4).to_dask().__dask_graph__())
    assert_eq(ca.unique(x).compute(), np.arange(7), exact=True)
