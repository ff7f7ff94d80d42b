"""Tests of chunkarray.ops.padding: ``pad`` in every NumPy mode against ``numpy.pad``.

(The original modes are also covered in test_manipulation.py.)
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import ALL_DTYPES, arrays, assert_eq

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])
MODES = ["constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "maximum", "mean",
         "median", "minimum"]


@st.composite
def widths(draw, ndim):
    width = st.integers(0, 11)
    form = draw(st.sampled_from(["int", "pair", "per-axis"]))
    if form == "int":
        return draw(width)
    if form == "pair":
        return (draw(width), draw(width))
    return tuple((draw(width), draw(width)) for _ in range(ndim))


def _options(draw, mode, ndim):
    if mode in ("reflect", "symmetric"):
        return {"reflect_type": draw(st.sampled_from(["even", "odd"]))}
    if mode == "linear_ramp" and draw(st.booleans()):
        return {"end_values": draw(st.sampled_from([5, (1, -3), ((2, 9),) * ndim]))}
    if mode in ("maximum", "mean", "median", "minimum") and draw(st.booleans()):
        length = st.integers(0 if mode in ("mean", "median") else 1, 8)
        return {"stat_length": draw(st.sampled_from([None, draw(length),
                                                     (draw(length), draw(length))]))}
    return {}


@fixture_ok
@given(data=st.data())
def test_pad_every_mode_matches_numpy(executor, data):
    mode = data.draw(st.sampled_from(MODES))
    dtypes = [d for d in ALL_DTYPES if mode not in ("mean", "median", "linear_ramp")
              or np.dtype(d).kind in "iuf"]
    a, x = data.draw(arrays(dtypes=dtypes, max_dims=3, max_side=5, min_side=0))
    w = data.draw(widths(a.ndim))
    kwargs = _options(data.draw, mode, a.ndim)
    # Means of empty stretches warn in NumPy and in chunkarray alike; the values are compared.
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = np.pad(a, w, mode, **kwargs)
        except Exception as exc:  # such as extending an empty axis: refused at the call too
            with pytest.raises(type(exc)):
                ca.pad(x, w, mode, **kwargs)
            return
        got = ca.pad(x, w, mode, **kwargs)
        assert got.shape == expected.shape
        result = got.compute()
    if mode == "mean" and a.dtype.kind == "f":
        assert_eq(result, expected, exact=False)
    else:
        assert_eq(result, expected, exact=True)


def test_empty_mode_keeps_the_array_and_shape():
    a = np.arange(12.0).reshape(3, 4)
    got = ca.pad(ca.from_array(a, chunks=2), ((1, 2), (3, 0)), mode="empty").compute()
    assert got.shape == (6, 7)
    np.testing.assert_array_equal(got[1:4, 3:], a)
    assert ca.pad(ca.ones((0, 2), chunks=1), 2, mode="empty").shape == (4, 6)


def test_odd_reflection_over_many_periods_and_dispatch():
    a = np.array([1, 3, 4, 8], dtype=np.int16)
    x = ca.from_array(a, chunks=3)
    for mode in ("reflect", "symmetric"):
        assert_eq(np.pad(x, (13, 11), mode, reflect_type="odd").compute(),
                  np.pad(a, (13, 11), mode, reflect_type="odd"))


def test_bad_input_fails_at_the_call():
    x = ca.ones((3, 4), chunks=2)
    with pytest.raises(ValueError, match="stat_length of 0 yields no value"):
        ca.pad(x, 1, mode="maximum", stat_length=0)
    with pytest.raises(ValueError, match="negative"):
        ca.pad(x, 1, mode="mean", stat_length=-1)
    with pytest.raises(ValueError, match="reflect_type='sideways'"):
        ca.pad(x, 1, mode="symmetric", reflect_type="sideways")
    with pytest.raises(ValueError, match="unsupported keyword arguments for mode 'median'"):
        ca.pad(x, 1, mode="median", end_values=1)
    with pytest.raises(TypeError, match="a function as mode"):
        ca.pad(x, 1, mode=lambda v, w, i, k: None)
