"""Tests of chunkarray.ops.gufunc: apply_gufunc, gufunc, as_gufunc, apply_along_axis,
apply_over_axes, frompyfunc and piecewise, against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import FLOAT_DTYPES, arrays, assert_eq, chunkings, shapes, values

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


@fixture_ok
@given(data=st.data())
def test_apply_gufunc_reduces_and_keeps_core_axes(executor, data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    a = data.draw(values(data.draw(st.sampled_from(FLOAT_DTYPES)), shape))
    x = ca.from_array(a, chunks=data.draw(chunkings(shape)))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    keepdims = data.draw(st.booleans())
    got = ca.apply_gufunc(lambda v: v.max(axis=-1), "(i)->()", x, axis=axis, keepdims=keepdims,
                          allow_rechunk=True)
    assert_eq(got.compute(), a.max(axis=axis, keepdims=keepdims))
    # A core dimension kept in place: the cumulative sum along ``axis``.
    cum = ca.apply_gufunc(lambda v: np.cumsum(v, axis=-1), "(i)->(i)", x, axes=[(axis,), (axis,)],
                          allow_rechunk=True, output_dtypes=a.dtype)
    assert_eq(cum.compute(), np.cumsum(a, axis=axis))


@fixture_ok
@given(data=st.data())
def test_several_outputs_new_dimensions_and_broadcast_loops(executor, data):
    a, x = data.draw(arrays(dtypes=[np.float64], shape=(data.draw(st.integers(1, 4)), 3)))
    b, y = data.draw(arrays(dtypes=[np.float64], shape=(3,)))

    def stats(u, v):
        return (u * v).sum(-1), np.stack([u.min(-1), u.max(-1)], axis=-1)

    dot, lims = ca.apply_gufunc(stats, "(i),(i)->(),(k)", x, y, output_sizes={"k": 2},
                                output_dtypes=[float, float], allow_rechunk=True)
    assert_eq(dot.compute(), (a * b).sum(-1), exact=False)
    assert_eq(lims.compute(), np.stack([a.min(-1), a.max(-1)], axis=-1))


def test_vectorize_gufunc_class_and_decorator():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ca.from_array(a, chunks=(1, 2, 4))
    outer = ca.apply_gufunc(np.outer, "(i),(j)->(i,j)", x, x, vectorize=True,
                            output_dtypes=float)
    assert outer.shape == (2, 3, 4, 4)
    assert_eq(outer.compute(), np.einsum("abi,abj->abij", a, a))

    @ca.as_gufunc("(i)->()", output_dtypes=float, vectorize=True)
    def spread(v):
        return v.max() - v.min()

    assert_eq(spread(x).compute(), np.ptp(a, axis=-1))
    g = ca.gufunc(lambda v: v.mean(-1), signature="(i)->()", axis=1, output_dtypes=float)
    assert_eq(g(x, allow_rechunk=True).compute(), a.mean(axis=1))


def test_apply_gufunc_bad_input_fails_at_the_call():
    x = ca.ones((4, 6), chunks=2)
    with pytest.raises(ValueError, match="not a valid gufunc signature"):
        ca.apply_gufunc(np.sum, "(i)->)", x)
    with pytest.raises(ValueError, match=r"takes 2 arguments, got 1"):
        ca.apply_gufunc(np.add, "(i),(i)->(i)", x)
    with pytest.raises(ValueError, match="core dimension 'i' of argument 0 is split"):
        ca.apply_gufunc(lambda v: v.sum(-1), "(i)->()", x)
    with pytest.raises(ValueError, match="core dimension 'i' has lengths 6 and 3"):
        ca.apply_gufunc(np.add, "(i),(i)->(i)", x, ca.ones(3), allow_rechunk=True)
    with pytest.raises(ValueError, match="output dimension 'k' is in no input"):
        ca.apply_gufunc(lambda v: v, "(i)->(k)", x, output_dtypes=float, allow_rechunk=True)
    with pytest.raises(ValueError, match="fewer than its core dimensions"):
        ca.apply_gufunc(lambda v: v, "(i,j,k)->()", x, output_dtypes=float)
    with pytest.raises(ValueError, match="keepdims=True needs outputs without core"):
        ca.apply_gufunc(lambda v: v, "(i)->(i)", x, keepdims=True, output_dtypes=float)
    with pytest.raises(TypeError, match="signature= is required"):
        ca.as_gufunc()


@fixture_ok
@given(data=st.data())
def test_apply_along_axis_matches_numpy(executor, data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    a = data.draw(values(np.int32, shape))
    x = ca.from_array(a, chunks=data.draw(chunkings(shape)))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    for func in (np.sum, np.cumsum, lambda v: np.stack([v.min(), v.max()]),
                 lambda v: np.outer(v, v)):
        expected = np.apply_along_axis(func, axis, a)
        assert_eq(ca.apply_along_axis(func, axis, x).compute(), expected)
        assert_eq(np.apply_along_axis(func, axis, x).compute(), expected)


def test_apply_over_axes_frompyfunc_piecewise(executor):
    a = np.arange(24).reshape(2, 3, 4)
    x = ca.from_array(a, chunks=(1, 2, 3))
    assert_eq(ca.apply_over_axes(ca.sum, x, [0, 2]).compute(), np.apply_over_axes(np.sum, a,
                                                                                   [0, 2]))
    assert_eq(np.apply_over_axes(ca.sum, x, -1).compute(), np.apply_over_axes(np.sum, a, -1))
    with pytest.raises(ValueError, match="correct shape"):
        ca.apply_over_axes(lambda v, ax: v.sum(), x, 0)
    pair = ca.frompyfunc(divmod, 2, 2)
    q, r = pair(x, 5)
    eq, er = np.frompyfunc(divmod, 2, 2)(a, 5)
    assert_eq(q.compute(), eq)
    assert_eq(r.compute(), er)
    with pytest.raises(TypeError, match="takes 2 arguments"):
        pair(x)
    f = np.linspace(-2.5, 2.5, 11)
    y = ca.from_array(f, chunks=3)
    funcs = [lambda v: -v, lambda v: v ** 2, 7.0]
    assert_eq(ca.piecewise(y, [y < 0, y > 1], funcs).compute(),
              np.piecewise(f, [f < 0, f > 1], funcs))
    assert_eq(np.piecewise(y, [y < 0], [lambda v: v * 2]).compute(),
              np.piecewise(f, [f < 0], [lambda v: v * 2]))
    with pytest.raises(ValueError, match="with 2 condition"):
        ca.piecewise(y, [y < 0, y > 1], [1.0])
