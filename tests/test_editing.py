"""Tests of chunkarray.ops.editing against NumPy: insert and delete with every form of ``obj``
(ints, negative ints, slices, lists, boolean masks, duplicates) along every axis."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import arrays, assert_eq

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


@st.composite
def objs(draw: st.DrawFn, n: int, insert: bool) -> Any:
    high = n if insert else max(n - 1, 0)
    kind = draw(st.sampled_from(["int", "list", "slice", "mask", "array1"]))
    if kind == "int":
        return draw(st.integers(-n - 1, high + 1))
    if kind == "list":
        return draw(st.lists(st.integers(-n, high), max_size=4))
    if kind == "slice":
        return slice(draw(st.integers(-n - 2, n + 2) | st.none()),
                     draw(st.integers(-n - 2, n + 2) | st.none()),
                     draw(st.sampled_from([None, 1, 2, -1, -3])))
    if kind == "mask":
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    return np.array([draw(st.integers(-n, high))]) if n or insert else np.array([0])


def _axis_and_length(a: np.ndarray, axis: Any) -> tuple[Any, int]:
    if axis is None:
        return None, a.size
    return axis, a.shape[axis]


def _same(np_call: Any, ca_call: Any) -> None:
    try:
        expected = np_call()
    except (IndexError, ValueError, TypeError) as e:
        with pytest.raises(type(e)):
            ca_call().compute()
        return
    assert_eq(ca_call().compute(), expected)


@fixture_ok
@given(case=arrays(max_dims=3), data=st.data())
def test_delete_like_numpy(executor: str, case: Any, data: Any) -> None:
    a, x = case
    axis = data.draw(st.sampled_from([None, *range(-a.ndim, a.ndim)]))
    axis, n = _axis_and_length(a, axis)
    obj = data.draw(objs(n, insert=False))
    _same(lambda: np.delete(a, obj, axis=axis), lambda: ca.delete(x, obj, axis=axis))
    _same(lambda: np.delete(a, obj, axis=axis), lambda: np.delete(x, obj, axis=axis))


@fixture_ok
@given(case=arrays(max_dims=3), data=st.data())
def test_insert_like_numpy(executor: str, case: Any, data: Any) -> None:
    a, x = case
    axis = data.draw(st.sampled_from([None, *range(-a.ndim, a.ndim)]))
    axis, n = _axis_and_length(a, axis)
    obj = data.draw(objs(n, insert=True))
    vshape = data.draw(st.sampled_from([(), (1,), (2,), (3,), (2, 1)]))
    values = np.arange(int(np.prod(vshape)), dtype=np.int16).reshape(vshape) - 1
    for v in (values, ca.asarray(values)):
        _same(lambda: np.insert(a, obj, values, axis=axis),
              lambda: ca.insert(x, obj, v, axis=axis))  # noqa: B023


def test_insert_examples_from_numpy_docs(executor: str) -> None:
    a = np.arange(6).reshape(3, 2)
    x = ca.from_array(a, chunks=(2, 1))
    for obj, values, axis in [(1, 5, None), (1, [1, 2, 3], 1), ([1], [[1], [2], [3]], 1),
                              (slice(2, 4), [5, 6], None), ([2, 2], [7.13, False], None),
                              (np.array([1, 1]), [[9, 8]], 1)]:
        assert_eq(ca.insert(x, obj, values, axis=axis).compute(),
                  np.insert(a, obj, values, axis=axis))


def test_bad_input() -> None:
    x = ca.arange(4, chunks=3)
    with pytest.raises(IndexError, match="out of bounds"):
        ca.insert(x, 9, 1)
    with pytest.raises(ValueError, match="one dimensional"):
        ca.insert(x, [[1]], 1)
    with pytest.raises(IndexError):
        ca.delete(x, 7)
    with pytest.raises(TypeError, match="chunked index"):
        ca.delete(x, ca.asarray([1]))
    with pytest.raises(np.exceptions.AxisError):
        ca.delete(x, 0, axis=1)
