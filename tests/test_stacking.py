"""Tests of chunkarray.ops.stacking against NumPy: atleast_nd, hstack/vstack/dstack/column_stack,
append, rot90, fliplr/flipud, rollaxis, on random shapes (0-d and empty included), chunkings and
dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import ALL_DTYPES, arrays, assert_eq, chunkings, values

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


def _chunked(a: np.ndarray, draw: Any) -> ca.ChunkedArray:
    return ca.from_array(a, chunks=draw(chunkings(a.shape)))


@fixture_ok
@given(case=arrays(max_dims=4))
def test_atleast_like_numpy(executor: str, case: Any) -> None:
    a, x = case
    for func in ("atleast_1d", "atleast_2d", "atleast_3d"):
        assert_eq(getattr(ca, func)(x).compute(), getattr(np, func)(a))
        assert_eq(getattr(np, func)(x).compute(), getattr(np, func)(a))  # dispatch
    pair = ca.atleast_2d(x, a)
    assert isinstance(pair, tuple) and len(pair) == 2
    assert_eq(pair[1].compute(), np.atleast_2d(a))


@st.composite
def stackable(draw: st.DrawFn, ndim: int, axis: int) -> tuple[list[np.ndarray], list[Any]]:
    """Two to three arrays of ``ndim`` axes that differ only along ``axis`` (and in dtype)."""
    base = list(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
    arrs, xs = [], []
    for _ in range(draw(st.integers(1, 3))):
        shape = list(base)
        if ndim:
            shape[axis] = draw(st.integers(0, 4))
        a = draw(values(draw(st.sampled_from(ALL_DTYPES[:6] + [np.float64])), tuple(shape)))
        arrs.append(a)
        xs.append(ca.from_array(a, chunks=draw(chunkings(a.shape))) if draw(st.booleans())
                  else a)
    return arrs, xs


@fixture_ok
@given(data=st.data(), ndim=st.integers(0, 3))
def test_hstack_vstack_dstack_column_stack(executor: str, data: Any, ndim: int) -> None:
    for name, axis in [("hstack", 0 if ndim <= 1 else 1), ("vstack", 0), ("dstack", 2),
                       ("column_stack", 1 if ndim >= 2 else 0)]:
        arrs, xs = data.draw(stackable(ndim, min(axis, ndim - 1) if ndim else 0))
        try:
            expected = getattr(np, name)(arrs)
        except ValueError:
            with pytest.raises(ValueError):
                getattr(ca, name)(xs)
            continue
        assert_eq(getattr(ca, name)(xs).compute(), expected)


def test_stack_family_dtype_and_casting_keywords() -> None:
    x = ca.arange(3, chunks=2)
    assert_eq(ca.hstack([x, x], dtype="f4").compute(), np.hstack([np.arange(3)] * 2, dtype="f4"))
    with pytest.raises(TypeError, match="same_kind"):
        ca.vstack([ca.ones(2, chunks=1)], dtype=int)
    with pytest.raises(TypeError, match="sequence"):
        ca.hstack(x for x in [x, x])
    assert_eq(np.vstack([x, x]).compute(), np.vstack([np.arange(3)] * 2))


@fixture_ok
@given(case=arrays(max_dims=3), extra=st.data(), axis=st.sampled_from([None, 0, -1]))
def test_append(executor: str, case: Any, extra: Any, axis: Any) -> None:
    a, x = case
    v = extra.draw(values(np.int16, a.shape))
    if axis is not None and a.ndim == 0:
        with pytest.raises(ValueError, match="zero-dimensional"):
            np.append(a, v, axis=axis)
        with pytest.raises(ValueError):
            ca.append(x, v, axis=axis)
        return
    assert_eq(ca.append(x, v, axis=axis).compute(), np.append(a, v, axis=axis))
    assert_eq(np.append(x, ca.asarray(v), axis=axis).compute(), np.append(a, v, axis=axis))


@fixture_ok
@given(case=arrays(min_dims=2, max_dims=4), k=st.integers(-5, 5), data=st.data())
def test_rot90(executor: str, case: Any, k: int, data: Any) -> None:
    a, x = case
    axes = tuple(data.draw(st.lists(st.integers(-a.ndim, a.ndim - 1), min_size=2, max_size=2,
                                    unique_by=lambda i: i % a.ndim)))
    assert_eq(ca.rot90(x, k, axes).compute(), np.rot90(a, k, axes))
    assert_eq(np.rot90(x, k, axes).compute(), np.rot90(a, k, axes))


@fixture_ok
@given(case=arrays(max_dims=4))
def test_flips(executor: str, case: Any) -> None:
    a, x = case
    for name, need in (("fliplr", 2), ("flipud", 1)):
        if a.ndim < need:
            with pytest.raises(ValueError, match=f"{name}: input must be"):
                getattr(ca, name)(x)
        else:
            assert_eq(getattr(np, name)(x).compute(), getattr(np, name)(a))


@fixture_ok
@given(case=arrays(min_dims=1, max_dims=4), data=st.data())
def test_rollaxis(executor: str, case: Any, data: Any) -> None:
    a, x = case
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    start = data.draw(st.integers(-a.ndim, a.ndim))
    assert_eq(ca.rollaxis(x, axis, start).compute(), np.rollaxis(a, axis, start))


def test_bad_input() -> None:
    x = ca.ones((2, 3), chunks=1)
    with pytest.raises(ValueError, match="axes=.*must be different"):
        ca.rot90(x, 1, (0, 0))
    with pytest.raises(ValueError, match="two axes"):
        ca.rot90(x, 1, (0,))
    with pytest.raises(ValueError, match="out of range"):
        ca.rot90(x, 1, (0, 5))
    with pytest.raises(np.exceptions.AxisError, match="start"):
        ca.rollaxis(x, 0, 5)
    with pytest.raises(np.exceptions.AxisError):
        ca.rollaxis(x, 3)
    with pytest.raises(ValueError, match="dimension"):
        ca.append(x, ca.ones(3, chunks=1), axis=0)
