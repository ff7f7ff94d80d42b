"""Scans and differences against NumPy: every axis, dtype, chunking and executor."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import FLOAT_DTYPES, INTEGER_DTYPES, arrays, assert_eq

# The executor fixture only sets a config value, the same for every example.
fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

SCANS = [(ca.cumsum, np.cumsum), (ca.cumprod, np.cumprod), (ca.nancumsum, np.nancumsum),
         (ca.nancumprod, np.nancumprod)]
# Products of many integers overflow (identically, wrapping); of floats only in rounding.
SMALL = [np.bool_, np.int8, np.int32, np.uint16, np.int64, *FLOAT_DTYPES, np.complex128]


@pytest.mark.parametrize("funcs", SCANS, ids=lambda f: f[0].__name__)
@fixture_ok
@given(data=st.data())
def test_scan_matches_numpy(executor: str, funcs: tuple, data: st.DataObject) -> None:
    ours, theirs = funcs
    a, x = data.draw(arrays(SMALL, nan=True, max_side=6))
    axis = data.draw(st.none() | st.integers(-max(a.ndim, 1), max(a.ndim, 1) - 1))
    with np.errstate(all="ignore"):
        expected = theirs(a, axis=axis)
    assert_eq(ours(x, axis=axis).compute(), expected)


@fixture_ok
@given(data=st.data())
def test_cumsum_dtype_and_chunk_independence(executor: str, data: st.DataObject) -> None:
    a, x = data.draw(arrays([np.int32, np.uint8, np.bool_, np.float32], min_dims=1))
    dtype = data.draw(st.sampled_from([None, np.int64, np.float64]))
    axis = data.draw(st.integers(0, a.ndim - 1))
    result = ca.cumsum(x, axis=axis, dtype=dtype)
    assert result.chunks == x.chunks
    assert_eq(result.compute(), np.cumsum(a, axis=axis, dtype=dtype))


@pytest.mark.parametrize("ours,theirs", [(ca.cumulative_sum, np.cumulative_sum),
                                         (ca.cumulative_prod, np.cumulative_prod)])
@fixture_ok
@given(data=st.data(), include_initial=st.booleans())
def test_cumulative(executor: str, ours, theirs, data: st.DataObject,
                    include_initial: bool) -> None:
    a, x = data.draw(arrays(SMALL, min_dims=1, max_side=6))
    axis = data.draw(st.integers(0, a.ndim - 1)) if a.ndim > 1 else None
    with np.errstate(all="ignore"):
        expected = theirs(a, axis=axis, include_initial=include_initial)
    assert_eq(ours(x, axis=axis, include_initial=include_initial).compute(), expected)


@fixture_ok
@given(data=st.data(), n=st.integers(0, 3))
def test_diff(executor: str, data: st.DataObject, n: int) -> None:
    a, x = data.draw(arrays([np.bool_, np.int16, np.uint8, np.float64, np.complex64],
                            min_dims=1))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    kwargs = data.draw(st.sampled_from([{}, {"prepend": 1}, {"append": 0, "prepend": 2}]))
    with np.errstate(all="ignore"):
        expected = np.diff(a, n=n, axis=axis, **kwargs)
    assert_eq(ca.diff(x, n=n, axis=axis, **kwargs).compute(), expected)


@fixture_ok
@given(data=st.data())
def test_ediff1d(executor: str, data: st.DataObject) -> None:
    a, x = data.draw(arrays([np.int32, np.float64]))
    kwargs = data.draw(st.sampled_from([{}, {"to_begin": [1, 2]}, {"to_end": 5, "to_begin": 0}]))
    assert_eq(ca.ediff1d(x, **kwargs).compute(), np.ediff1d(a, **kwargs))


@fixture_ok
@given(data=st.data(), edge_order=st.sampled_from([1, 2]))
def test_gradient(executor: str, data: st.DataObject, edge_order: int) -> None:
    a, x = data.draw(arrays([*INTEGER_DTYPES[:4], *FLOAT_DTYPES], min_dims=1, min_side=3))
    axis = data.draw(st.integers(0, a.ndim - 1))
    spacing = data.draw(st.sampled_from(["none", "scalar", "coords"]))
    args: tuple = ()
    if spacing == "scalar":
        args = (0.5,)
    elif spacing == "coords":
        args = (np.cumsum(np.arange(1, a.shape[axis] + 1) ** 2).astype(float),)
    expected = np.gradient(a, *args, axis=axis, edge_order=edge_order)
    assert_eq(ca.gradient(x, *args, axis=axis, edge_order=edge_order).compute(), expected)


def test_gradient_every_axis() -> None:
    a = np.arange(24.0).reshape(4, 6) ** 2
    for ours, theirs in zip(ca.gradient(ca.from_array(a, chunks=(3, 2))), np.gradient(a)):
        assert_eq(ours.compute(), theirs)


@fixture_ok
@given(data=st.data())
def test_trapezoid(executor: str, data: st.DataObject) -> None:
    a, x = data.draw(arrays([np.int64, *FLOAT_DTYPES], min_dims=1))
    axis = data.draw(st.integers(0, a.ndim - 1))
    coords = np.linspace(0, 3, a.shape[axis]) ** 2
    assert_eq(ca.trapezoid(x, axis=axis).compute(), np.trapezoid(a, axis=axis))
    assert_eq(ca.trapezoid(x, coords, axis=axis).compute(), np.trapezoid(a, coords, axis=axis))


def test_scan_is_lazy_with_few_tasks() -> None:
    x = ca.ones((100, 10), chunks=(10, 10))
    y = ca.cumsum(x, axis=0)
    assert y.chunks == x.chunks and y.dtype == np.float64
    assert_eq(y.compute(), np.cumsum(np.ones((100, 10)), axis=0))
    # Per block: the scan, its total, its carry and the add-back, plus the reads.
    from chunkarray.core.graph import collect_nodes
    assert len(collect_nodes([y._node])) <= 6


def test_negative_zero_survives() -> None:
    a = np.array([-0.0, -0.0, -0.0])
    out = ca.cumsum(ca.from_array(a, chunks=1)).compute()
    assert np.signbit(out).all()


def test_dispatch() -> None:
    a = np.arange(10)
    x = ca.from_array(a, chunks=3)
    for f in (np.cumsum, np.cumprod, np.nancumsum, np.nancumprod, np.diff, np.ediff1d):
        assert isinstance(f(x), ca.ChunkedArray)
        assert_eq(f(x).compute(), f(a))
    assert_eq(np.cumulative_sum(x).compute(), np.cumulative_sum(a))


@pytest.mark.parametrize("call,error,match", [
    (lambda x: ca.cumsum(x, axis=2), np.exceptions.AxisError, "axis 2"),
    (lambda x: ca.cumsum(x, dtype="not-a-dtype"), TypeError, "not-a-dtype"),
    (lambda x: ca.cumulative_sum(x), ValueError, "axis=None"),
    (lambda x: ca.cumulative_sum(x, axis=0, include_initial=1), TypeError, "include_initial"),
    (lambda x: ca.diff(x, n=-1), ValueError, "n=-1"),
    (lambda x: ca.diff(x, n=1.5), TypeError, "n must be an int"),
    (lambda x: ca.diff(ca.ones(())), ValueError, "at least one dimensional"),
    (lambda x: ca.gradient(x, edge_order=3), ValueError, "edge_order=3"),
    (lambda x: ca.gradient(x[:1]), ValueError, "at least"),
    (lambda x: ca.gradient(x, [1, 2, 3], axis=0), ValueError, "length"),
    (lambda x: ca.ediff1d(ca.arange(3, chunks=2), to_end=1.5), TypeError, "same_kind"),
    (lambda x: ca.cumsum(x, out=np.empty(6)), TypeError, "out="),
])
def test_bad_input(call, error, match) -> None:
    x = ca.ones((2, 3), chunks=1)
    with pytest.raises(error, match=match):
        call(x)


def test_unknown_chunks_name_compute_chunk_sizes() -> None:
    x = ca.arange(10, chunks=3)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        ca.cumsum(x[x > 3])



def test_scan_methods_follow_ndarray(executor):
    a = np.arange(1, 13, dtype=np.int32).reshape(3, 4)
    x = ca.from_array(a, chunks=(2, 3))
    for axis in (None, 0, 1):
        np.testing.assert_array_equal(x.cumsum(axis).compute(), a.cumsum(axis))
        np.testing.assert_array_equal(x.cumprod(axis).compute(), a.cumprod(axis))
    assert x.cumsum(dtype=np.float32).dtype == a.cumsum(dtype=np.float32).dtype
    assert x.cumsum().dtype == a.cumsum().dtype


def test_cumsum_of_objects_keeps_their_order(executor):
    # String addition does not commute: each block's carry goes before it.
    s = np.array(["a", "b", "c", "d", "e"], dtype=object)
    assert_eq(ca.cumsum(ca.from_array(s, chunks=2)), np.cumsum(s))
    assert_eq(ca.cumsum(ca.from_array(s, chunks=1)), np.cumsum(s))
