"""Reductions of object arrays and of complex arrays with a real ``dtype=``, against NumPy."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest

import chunkarray as ca

OBJECTS = [
    np.array([1.5, 1.0, 0.25], dtype=object),
    np.array([Fraction(1, 3), Fraction(1, 2), Fraction(1, 7), Fraction(2)], dtype=object),
    np.array([[1, 2], [3, 4], [5, 7]], dtype=object),
]


@pytest.mark.parametrize("a", OBJECTS, ids=["floats", "fractions", "ints-2d"])
@pytest.mark.parametrize("name", ["sum", "prod", "mean", "min", "max", "argmin", "argmax",
                                  "nansum", "nanmean", "var", "nanvar"])
@pytest.mark.parametrize("chunks", [1, 2])
@pytest.mark.parametrize("axis", [None, 0])
def test_object_reductions_keep_the_values(executor, a, name, chunks, axis):
    expected = getattr(np, name)(a, axis=axis)
    result = getattr(ca, name)(ca.from_array(a, chunks=chunks), axis=axis).compute()
    assert np.all(result == expected)
    if name in ("argmin", "argmax"):
        assert np.asarray(result).dtype == np.intp
    else:
        assert np.asarray(result, dtype=object).dtype == object
        # Exact arithmetic stays exact: Fractions are never turned into floats.
        if isinstance(np.ravel(a)[0], Fraction):
            assert isinstance(np.ravel(result)[0], Fraction)


def test_object_sum_over_all_axes_is_not_truncated():
    x = ca.from_array(np.array([1.5, 1.0, 0.25], dtype=object), chunks=2)
    assert x.sum().dtype == object
    assert x.sum().compute() == 2.75
    assert x.mean().compute() == pytest.approx(2.75 / 3)


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("chunks", [1, 2, 4])
def test_complex_moments_with_a_real_dtype(executor, name, dtype, chunks):
    c = np.array([1 + 1j, 3 - 1j, 2j, -2 + 0.5j])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        expected = getattr(np, name)(c, dtype=dtype)
        result = getattr(ca, name)(ca.from_array(c, chunks=chunks), dtype=dtype).compute()
    assert result.dtype == expected.dtype
    np.testing.assert_allclose(result, expected, rtol=1e-6)
