"""Tests of chunkarray.reduction (user-defined chunk / combine / aggregate) against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import arrays, assert_eq

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


def _axis(draw, ndim):
    if draw(st.booleans()):
        return None
    return tuple(draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))) \
        if ndim else ()


@fixture_ok
@given(data=st.data())
def test_sum_and_max_as_user_reductions(executor, data):
    a, x = data.draw(arrays(dtypes=[np.int32, np.int64, np.uint8], max_dims=3, max_side=6))
    axis = _axis(data.draw, a.ndim)
    keepdims = data.draw(st.booleans())
    split_every = data.draw(st.integers(2, 4))
    concatenate = data.draw(st.booleans())

    def merge(parts, axis, keepdims):
        if not concatenate:  # nested lists, one level per reduced axis
            parts = _concat(parts, axis)
        return np.sum(parts, axis=axis, keepdims=keepdims, dtype=np.int64)

    got = ca.reduction(x, partial_sum, merge, axis=axis, keepdims=keepdims, dtype=np.int64,
                       split_every=split_every, concatenate=concatenate)
    assert_eq(got.compute(), np.sum(a, axis=axis, keepdims=keepdims, dtype=np.int64))
    if a.size:
        top = ca.reduction(x, np.max, np.max, combine=np.max, axis=axis, keepdims=keepdims,
                           dtype=a.dtype, split_every=split_every)
        assert_eq(top.compute(), np.max(a, axis=axis, keepdims=keepdims))


def partial_sum(block, axis, keepdims):
    assert keepdims is True and isinstance(axis, tuple)
    return np.sum(block, axis=axis, keepdims=True, dtype=np.int64)


def _concat(nested, axes):
    if not axes:
        return nested
    inner = [_concat(n, axes[1:]) for n in nested]
    return np.concatenate(inner, axis=axes[0])


@given(data=st.data())
def test_output_size_keeps_k_largest(data):
    a, x = data.draw(arrays(dtypes=[np.float64], shape=(data.draw(st.integers(2, 12)),)))

    def top2(b, axis, keepdims):
        return np.sort(b, axis=axis[0])[-2:]

    got = ca.reduction(x, top2, top2, axis=0, keepdims=True, output_size=2, dtype=a.dtype,
                       split_every=2)
    assert got.chunks == ((2,),)
    assert_eq(got.compute(), np.sort(a)[-2:])


def test_weights_dtype_argument_and_meta():
    a = np.arange(12.0).reshape(3, 4)
    w = np.array([1.0, 0.0, 2.0, 1.0])
    x = ca.from_array(a, chunks=(2, 3))

    def chunk(b, weights=None, axis=None, keepdims=None):
        return np.sum(b * weights, axis=axis, keepdims=True)

    def aggregate(b, axis, keepdims, dtype):
        return np.sum(b, axis=axis, keepdims=keepdims).astype(dtype)

    got = ca.reduction(x, chunk, aggregate, axis=1, dtype=np.float32, weights=w)
    assert_eq(got.compute(), (a * w).sum(axis=1).astype(np.float32))
    by_meta = ca.reduction(x, np.sum, np.sum, meta=np.empty(0, np.float64))
    assert by_meta.dtype == np.float64 and by_meta.compute() == a.sum()


def test_combine_runs_only_with_more_blocks_than_split_every():
    calls = []

    def combine(b, axis, keepdims):
        calls.append(b.shape)
        return np.sum(b, axis=axis, keepdims=keepdims)

    x = ca.arange(16, chunks=2)
    assert ca.reduction(x, np.sum, np.sum, combine=combine, dtype=x.dtype,
                        split_every=2).compute() == 120
    assert calls and all(s == (2,) for s in calls)
    calls.clear()
    assert ca.reduction(x, np.sum, np.sum, combine=combine, dtype=x.dtype,
                        split_every=8).compute() == 120
    assert not calls


def test_bad_input_fails_at_the_call():
    x = ca.ones((4, 4), chunks=2)
    with pytest.raises(ValueError, match="dtype= is required"):
        ca.reduction(x, np.sum, np.sum)
    with pytest.raises(ValueError, match="output_size=0"):
        ca.reduction(x, np.sum, np.sum, dtype=float, output_size=0)
    with pytest.raises(np.exceptions.AxisError):
        ca.reduction(x, np.sum, np.sum, dtype=float, axis=2)
    with pytest.raises(ValueError, match="split_every"):
        ca.reduction(x, np.sum, np.sum, dtype=float, split_every=1)
    with pytest.raises(ValueError, match="do not broadcast"):
        ca.reduction(x, np.sum, np.sum, dtype=float, weights=np.ones(3))
    with pytest.raises(TypeError, match="must be a function"):
        ca.reduction(x, "sum", np.sum, dtype=float)
