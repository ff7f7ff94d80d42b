"""Tests of chunkarray.ops.construct and the order=/like= keywords of the creation functions:
array (copy, ndmin), asanyarray, fromfunction, indices, meshgrid, against NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import arrays, assert_eq, chunkings, shapes

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


@fixture_ok
@given(case=arrays(max_dims=3), ndmin=st.integers(0, 5),
       dtype=st.sampled_from([None, np.float32, np.int64, np.complex128]))
def test_array_like_numpy(executor: str, case: Any, ndmin: int, dtype: Any) -> None:
    a, x = case
    expected = np.array(a, dtype=dtype, ndmin=ndmin)
    assert_eq(ca.array(a, dtype=dtype, ndmin=ndmin).compute(), expected)
    assert_eq(ca.array(x, dtype=dtype, ndmin=ndmin).compute(), expected)
    assert_eq(ca.asanyarray(a, dtype).compute(), np.asanyarray(a, dtype))


def test_array_copy_semantics() -> None:
    a = np.arange(4)
    x = ca.array(a)
    a[0] = 99  # copy=True: later changes to the source are not seen
    assert x.compute()[0] == 0
    y = ca.array(x)
    y[1] = -1
    assert x.compute()[1] == 1 and y.compute()[1] == -1
    assert ca.array(x, copy=None) is x
    assert ca.array(x, copy=False) is x
    with pytest.raises(ValueError, match="copy=False"):
        ca.array(x, dtype=np.float32, copy=False)
    with pytest.raises(ValueError, match="ndmin"):
        ca.array(a, ndmin=-1)
    assert_eq(ca.array([[1, 2], [3, 4]], chunks=1).compute(), np.array([[1, 2], [3, 4]]))


@fixture_ok
@given(shape=shapes(max_dims=3), dtype=st.sampled_from([int, np.int32, np.float64, np.uint8]),
       sparse=st.booleans(), data=st.data())
def test_indices_like_numpy(executor: str, shape: Any, dtype: Any, sparse: bool,
                            data: Any) -> None:
    chunks = data.draw(chunkings(shape))
    got = ca.indices(shape, dtype, sparse, chunks=chunks)
    expected = np.indices(shape, dtype, sparse)
    if sparse:
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_eq(g.compute(), e)
    else:
        assert_eq(got.compute(), expected)


@fixture_ok
@given(shape=shapes(max_dims=3), dtype=st.sampled_from([float, int, np.float32]),
       data=st.data())
def test_fromfunction_like_numpy(executor: str, shape: Any, dtype: Any, data: Any) -> None:
    chunks = data.draw(chunkings(shape))
    funcs = [lambda *c: sum(ci * (k + 1) for k, ci in enumerate(c)) + 0 * np.ones(shape[:0]),
             lambda *c: c[0] == c[-1] if c else np.bool_(True)]
    for f in funcs:
        if not shape:
            continue  # NumPy calls f() with no coordinates, giving a scalar, not an array
        assert_eq(ca.fromfunction(f, shape, dtype=dtype, chunks=chunks).compute(),
                  np.fromfunction(f, shape, dtype=dtype))


def test_fromfunction_refuses_non_elementwise_functions() -> None:
    with pytest.raises(ValueError, match="elementwise"):
        ca.fromfunction(lambda i, j: 1, (2, 3))
    assert_eq(ca.fromfunction(lambda i, j, k: i + k, (2, 3), k=5).compute(),
              np.fromfunction(lambda i, j, k: i + k, (2, 3), k=5))


@fixture_ok
@given(lengths=st.lists(st.integers(0, 4), max_size=4), sparse=st.booleans(),
       indexing=st.sampled_from(["xy", "ij"]), data=st.data())
def test_meshgrid_like_numpy(executor: str, lengths: list[int], sparse: bool, indexing: str,
                             data: Any) -> None:
    vecs = [np.arange(n) * (i + 1.5) for i, n in enumerate(lengths)]
    xs = [ca.from_array(v, chunks=data.draw(chunkings(v.shape))) for v in vecs]
    got = ca.meshgrid(*xs, sparse=sparse, indexing=indexing)
    expected = np.meshgrid(*vecs, sparse=sparse, indexing=indexing)
    # chunkarray is the array API namespace: its meshgrid returns a list, as the standard's does;
    # np.meshgrid on chunked arrays keeps NumPy's tuple.
    assert isinstance(got, list) and len(got) == len(expected)
    for g, e in zip(got, expected):
        assert_eq(g.compute(), e)
    if xs:
        dispatched = np.meshgrid(*xs, indexing=indexing)
        assert isinstance(dispatched, tuple)
        for g, e in zip(dispatched, np.meshgrid(*vecs, indexing=indexing)):
            assert_eq(g.compute(), e)


def test_meshgrid_bad_indexing() -> None:
    with pytest.raises(ValueError, match="indexing='yx'"):
        ca.meshgrid(ca.arange(2, chunks=1), indexing="yx")


def test_order_is_c_only_and_refused_clearly() -> None:
    for make in (lambda o: ca.zeros(3, order=o), lambda o: ca.ones(3, order=o),
                 lambda o: ca.empty(3, order=o), lambda o: ca.full(3, 1, order=o),
                 lambda o: ca.eye(2, order=o), lambda o: ca.asarray([1], order=o),
                 lambda o: ca.array([1], order=o), lambda o: ca.asanyarray([1], order=o)):
        assert make("C").shape
        with pytest.raises(ValueError, match="order='F' is not supported"):
            make("F")
        with pytest.raises(ValueError, match="order='Q'"):
            make("Q")
    assert_eq(ca.asarray([1, 2], order="K").compute(), np.array([1, 2]))
    assert_eq(ca.zeros(2, float, "C").compute(), np.zeros(2))


def test_like_protocol(executor: str) -> None:
    ref = ca.arange(3, chunks=2)
    for func, args in [(np.zeros, (3,)), (np.ones, ((2, 2),)), (np.full, (2, 7)),
                       (np.arange, (1, 7, 2)), (np.asarray, ([1, 2],)), (np.array, ([1.5],)),
                       (np.asanyarray, ([1],)), (np.eye, (3,))]:
        got = func(*args, like=ref)
        assert isinstance(got, ca.ChunkedArray)
        assert_eq(got.compute(), func(*args))
    got = np.fromfunction(lambda i, j: i - j, (2, 3), like=ref)
    assert_eq(got.compute(), np.fromfunction(lambda i, j: i - j, (2, 3)))
    assert np.empty(4, like=ref).shape == (4,)
    assert ca.zeros(2, like=ref).shape == (2,)
    with pytest.raises(TypeError, match="like= must be None or a ChunkedArray"):
        ca.zeros(2, like=np.ones(2))
    with pytest.raises(TypeError, match="like="):
        ca.arange(3, like=[1])
