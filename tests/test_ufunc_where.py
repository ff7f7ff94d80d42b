"""Tests of ufunc ``where=`` on chunked arrays (chunkarray.ops.methods.__array_ufunc__): the
result where the mask holds, ``out``'s values elsewhere, with chunked and NumPy masks, broadcast
masks, several outputs and every executor; NumPy is the oracle."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray as ca
from tests.strategies import arrays, assert_eq, chunkings

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

UFUNCS = [np.add, np.multiply, np.sqrt, np.negative, np.maximum, np.logical_and, np.sin]


@fixture_ok
@given(case=arrays(dtypes=[np.int32, np.float32, np.float64], max_dims=3), data=st.data(),
       ufunc=st.sampled_from(UFUNCS))
def test_where_with_out_like_numpy(executor: str, case: Any, data: Any, ufunc: Any) -> None:
    a, x = case
    mshape = a.shape[data.draw(st.integers(0, a.ndim)):]  # a mask broadcast over leading axes
    mask = data.draw(hnp.arrays(np.bool_, mshape))
    chunked_mask = data.draw(st.booleans())
    m = ca.from_array(mask, chunks=data.draw(chunkings(mask.shape))) if chunked_mask else mask
    args = (a,) * ufunc.nin
    with np.errstate(all="ignore"):
        result_dtype = ufunc(*args).dtype
        start = np.full(a.shape, 7, dtype=result_dtype)
        expected = start.copy()
        ufunc(*args, where=mask, out=expected)
        out = ca.from_array(start.copy(), chunks=x.chunks)
        got = ufunc(*((x,) * ufunc.nin), where=m, out=out)
    assert got is out
    assert_eq(out.compute(), expected)


@fixture_ok
@given(case=arrays(dtypes=[np.float64], max_dims=2), data=st.data())
def test_where_without_out_keeps_masked_positions(executor: str, case: Any, data: Any) -> None:
    a, x = case
    mask = data.draw(hnp.arrays(np.bool_, a.shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy warns of uninitialized memory
        got = np.add(x, 1, where=mask).compute()
        expected = np.add(a, 1, where=mask)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    # Where the mask is false NumPy leaves memory uninitialized: compare where it holds.
    np.testing.assert_array_equal(got[mask], expected[mask])


def test_where_broadcasts_like_an_operand(executor: str) -> None:
    a = np.arange(3.0)
    mask = np.array([[True, False, True], [False, True, True]])
    out = ca.zeros((2, 3), chunks=1)
    expected = np.zeros((2, 3))
    np.multiply(a, 2, where=mask, out=expected)
    np.multiply(ca.from_array(a, chunks=2), 2, where=mask, out=(out,))
    assert_eq(out.compute(), expected)


def test_where_with_several_outputs(executor: str) -> None:
    a = np.arange(6.0)
    mask = a % 2 == 0
    q, r = ca.full(6, -1.0, chunks=4), ca.full(6, -1.0, chunks=4)
    eq, er = np.full(6, -1.0), np.full(6, -1.0)
    np.divmod(a, 4, where=mask, out=(eq, er))
    np.divmod(ca.from_array(a, chunks=3), 4, where=mask, out=(q, r))
    assert_eq(q.compute(), eq)
    assert_eq(r.compute(), er)


def test_where_bad_input() -> None:
    x = ca.arange(3.0, chunks=2)
    with pytest.raises(TypeError, match="boolean mask"):
        np.add(x, 1, where=np.array([1, 0, 1]))
    with pytest.raises(TypeError, match="where="):
        np.add.reduce(x, where=np.array([True, False, True]))
    with pytest.raises(ValueError, match="do not broadcast"):
        np.add(x, 1, where=np.ones((2, 3), bool), out=(ca.zeros(3, chunks=1),))
    with pytest.raises(TypeError, match="same_kind"):
        np.add(x, 1.5, where=np.ones(3, bool), out=(ca.zeros(3, dtype=int, chunks=1),))
