"""Tests of chunkarray.ops.numeric against NumPy: around, fix, angle, sinc, i0, isreal,
iscomplex, isneginf, isposinf over every dtype NumPy accepts, NaNs and infinities included."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import ALL_DTYPES, arrays, assert_eq

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

FUNCS = ["fix", "angle", "sinc", "i0", "isreal", "iscomplex", "isneginf", "isposinf"]


def _numpy(name: str, a: np.ndarray, **kw: Any) -> Any:
    try:
        return getattr(np, name)(a, **kw), None
    except (TypeError, ValueError) as e:
        return None, type(e)


@fixture_ok
@given(case=arrays(max_dims=3, nan=True), name=st.sampled_from(FUNCS))
def test_like_numpy(executor: str, case: Any, name: str) -> None:
    a, x = case
    expected, error = _numpy(name, a)
    if error is not None:
        with pytest.raises(error):
            getattr(ca, name)(x)
        return
    assert_eq(getattr(ca, name)(x).compute(), expected)
    assert_eq(getattr(np, name)(x).compute(), expected)


@fixture_ok
@given(case=arrays(dtypes=ALL_DTYPES[1:], max_dims=3), decimals=st.integers(-2, 3))
def test_around_and_angle_options(executor: str, case: Any, decimals: int) -> None:
    a, x = case
    assert_eq(ca.around(x, decimals).compute(), np.around(a, decimals))
    assert_eq(np.around(x, decimals).compute(), np.around(a, decimals))
    assert_eq(ca.angle(x, deg=True).compute(), np.angle(a, deg=True))


def test_out_is_refused() -> None:
    x = ca.asarray([1.5])
    for func in (ca.fix, ca.isneginf, ca.isposinf):
        with pytest.raises(TypeError, match="out="):
            func(x, out=np.empty(1))
    with pytest.raises(TypeError, match="out="):
        ca.around(x, 0, np.empty(1))
    with pytest.raises(TypeError, match="complex"):
        ca.i0(ca.asarray([1j]))
