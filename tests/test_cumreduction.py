"""cumreduction: a scan from the user's block scan and carry operator (dask's contract)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import arrays, assert_eq


@given(arrays(dtypes=[np.float64, np.int64], min_dims=1, nan=True), st.data())
def test_cumsum_and_cummax_match_numpy(data: tuple[np.ndarray, ca.ChunkedArray],
                                       draw: st.DataObject) -> None:
    a, x = data
    axis = draw.draw(st.integers(-a.ndim, a.ndim - 1))
    got = ca.cumreduction(np.cumsum, np.add, 0, x, axis=axis, dtype=a.dtype)
    assert_eq(got.compute(), np.cumsum(a, axis=axis))
    lowest = -np.inf if a.dtype.kind == "f" else np.iinfo(a.dtype).min
    cummax = ca.cumreduction(np.maximum.accumulate, np.maximum, lowest, x, axis=axis,
                             dtype=a.dtype)
    assert_eq(cummax.compute(), np.maximum.accumulate(a, axis=axis), exact=True)


def test_preop_gives_the_carry(executor: str) -> None:
    a = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0])
    x = ca.from_array(a, chunks=3)
    got = ca.cumreduction(np.cumsum, np.add, 0.0, x, axis=0, preop=np.sum)
    np.testing.assert_array_equal(got.compute(), np.cumsum(a))


def test_axis_none_flattens(executor: str) -> None:
    a = np.arange(12).reshape(3, 4)
    got = ca.cumreduction(np.cumsum, np.add, 0, ca.from_array(a, chunks=2), axis=None)
    np.testing.assert_array_equal(got.compute(), np.cumsum(a))


def test_bad_input() -> None:
    x = ca.arange(4, chunks=2)
    with pytest.raises(ValueError, match="method='parallel': must be one of"):
        ca.cumreduction(np.cumsum, np.add, 0, x, axis=0, method="parallel")
    with pytest.raises(TypeError, match="out= is not supported"):
        ca.cumreduction(np.cumsum, np.add, 0, x, axis=0, out=np.empty(4))
    with pytest.raises(np.exceptions.AxisError):
        ca.cumreduction(np.cumsum, np.add, 0, x, axis=1)
