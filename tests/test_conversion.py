"""Tests of the ChunkedArray methods copy, item, tolist, view, fill and store against NumPy."""

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

SAME_SIZE = {1: [np.int8, np.uint8], 2: [np.int16, np.uint16, np.float16],
             4: [np.int32, np.uint32, np.float32], 8: [np.int64, np.uint64, np.float64],
             16: [np.complex128]}


@fixture_ok
@given(case=arrays(max_dims=3), data=st.data())
def test_item_and_tolist(executor: str, case: Any, data: Any) -> None:
    a, x = case
    assert x.tolist() == a.tolist()
    if a.size == 1:
        assert x.item() == a.item()
    else:
        with pytest.raises(ValueError, match="size 1"):
            x.item()
    if a.size:
        flat = data.draw(st.integers(-a.size, a.size - 1))
        assert x.item(flat) == a.item(flat)
        where = tuple(data.draw(st.integers(0, n - 1)) for n in a.shape)
        if a.ndim > 1:
            assert x.item(*where) == a.item(*where)
            assert x.item(where) == a.item(where)
    with pytest.raises(IndexError):
        x.item(a.size)


@fixture_ok
@given(case=arrays(max_dims=3), data=st.data())
def test_view_same_itemsize(executor: str, case: Any, data: Any) -> None:
    a, x = case
    options = SAME_SIZE.get(a.dtype.itemsize, []) + [a.dtype]
    dtype = data.draw(st.sampled_from(options))
    got, expected = x.view(dtype).compute(), a.view(dtype)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tobytes() == expected.tobytes()  # bit for bit: NaN payloads included


def test_view_other_itemsize_refused() -> None:
    x = ca.ones(4, dtype=np.float64, chunks=2)
    with pytest.raises(ValueError, match="same item size"):
        x.view(np.int32)
    with pytest.raises(ValueError, match="dtype=bool"):
        ca.ones(2, dtype=np.int8, chunks=1).view(bool)
    with pytest.raises(TypeError, match="type="):
        x.view(type=np.matrix)
    assert x.view() is not x and x.view().name == x.name


@fixture_ok
@given(case=arrays(dtypes=ALL_DTYPES, max_dims=3), value=st.sampled_from([0, 1, True, 2.5]))
def test_fill_in_place(executor: str, case: Any, value: Any) -> None:
    a, x = case
    other = x.copy()
    expected = a.copy()
    expected.fill(value)
    assert x.fill(value) is None
    assert_eq(x.compute(), expected)
    assert_eq(other.compute(), a)
    assert x.chunks == other.chunks


def test_fill_bad_values() -> None:
    x = ca.zeros(3, dtype=np.int8, chunks=2)
    with pytest.raises(OverflowError):
        x.fill(300)
    with pytest.raises(ValueError, match="scalar"):
        x.fill([1, 2, 3])


def test_copy_is_a_new_object_with_the_same_values(executor: str) -> None:
    x = ca.arange(5, chunks=2)
    y = x.copy()
    assert y is not x
    y[0] = 10
    assert_eq(x.compute(), np.arange(5))
    assert_eq(y.compute(), np.array([10, 1, 2, 3, 4]))
    with pytest.raises(ValueError, match="order='F'"):
        x.copy("F")
    z = np.copy(x)
    assert isinstance(z, ca.ChunkedArray) and z is not x
    assert_eq(z.compute(), np.arange(5))


def test_store_method(executor: str) -> None:
    x = ca.arange(6, chunks=4) * 2
    target = np.zeros(8, dtype=int)
    assert x.store(target, region=(slice(2, 8),)) is None
    assert_eq(target, np.array([0, 0, 0, 2, 4, 6, 8, 10]))
    with pytest.raises(ValueError):
        x.store(np.zeros(3, dtype=int))
