"""Tests of chunkarray.ops.choosing against NumPy: choose (every mode), select,
ravel_multi_index and unravel_index, on random shapes, chunkings and dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray as ca
from tests.strategies import assert_eq, chunkings, shapes, values

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

DTYPES = [np.int8, np.int64, np.uint16, np.float32, np.float64, np.complex128, np.bool_]


def _chunk(a: np.ndarray, data: Any) -> ca.ChunkedArray:
    return ca.from_array(a, chunks=data.draw(chunkings(a.shape)))


@fixture_ok
@given(shape=shapes(max_dims=3), k=st.integers(1, 4), mode=st.sampled_from(["wrap", "clip",
                                                                             "raise"]),
       data=st.data())
def test_choose_like_numpy(executor: str, shape: Any, k: int, mode: str, data: Any) -> None:
    low, high = (0, k - 1) if mode == "raise" else (-6, 6)
    a = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(low, high)))
    choices = [data.draw(values(data.draw(st.sampled_from(DTYPES)), shape[i % 2:]))
               for i in range(k)]
    expected = np.choose(a, choices, mode=mode)
    got = ca.choose(_chunk(a, data), [_chunk(c, data) for c in choices], mode=mode)
    assert_eq(got.compute(), expected)
    assert_eq(np.choose(_chunk(a, data), choices, mode=mode).compute(), expected)


def test_choose_bad_input() -> None:
    x = ca.asarray([0, 1])
    with pytest.raises(ValueError, match="mode='bogus'"):
        ca.choose(x, [[1, 2], [3, 4]], mode="bogus")
    with pytest.raises(TypeError):
        ca.choose(ca.asarray([0.5, 1.0]), [[1, 2], [3, 4]])
    with pytest.raises(ValueError):
        ca.choose(x, [[1, 2, 3], [3, 4]])
    with pytest.raises(ValueError, match="invalid entry"):
        ca.choose(ca.asarray([0, 5]), [[1, 2], [3, 4]]).compute()  # only the data can tell


@fixture_ok
@given(shape=shapes(max_dims=3), k=st.integers(1, 3), data=st.data())
def test_select_like_numpy(executor: str, shape: Any, k: int, data: Any) -> None:
    conds = [data.draw(hnp.arrays(np.bool_, shape)) for _ in range(k)]
    choices = [data.draw(values(data.draw(st.sampled_from(DTYPES[:5])), shape))
               for _ in range(k)]
    default = data.draw(st.sampled_from([0, -1.5, np.int8(3)]))
    expected = np.select(conds, choices, default)
    got = ca.select([_chunk(c, data) for c in conds], [_chunk(c, data) for c in choices],
                    default)
    assert_eq(got.compute(), expected)
    assert_eq(np.select([_chunk(c, data) for c in conds], choices, default).compute(), expected)


def test_select_bad_input() -> None:
    x = ca.arange(3, chunks=2)
    with pytest.raises(ValueError, match="same length"):
        ca.select([x > 1], [x, x])
    with pytest.raises(ValueError, match="empty condition list"):
        ca.select([], [])
    with pytest.raises(TypeError, match="invalid entry 0 in condlist"):
        ca.select([x], [x])


@fixture_ok
@given(dims=st.lists(st.integers(1, 5), min_size=1, max_size=3), n=st.integers(0, 8),
       order=st.sampled_from(["C", "F"]), mode=st.sampled_from(["raise", "wrap", "clip"]),
       data=st.data())
def test_ravel_and_unravel_like_numpy(executor: str, dims: list[int], n: int, order: str,
                                      mode: str, data: Any) -> None:
    low, high = (0, 0) if mode == "raise" else (-7, 7)
    coords = [data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(low, high + d - 1)))
              if mode != "raise" else
              data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, d - 1)))
              for d in dims]
    expected = np.ravel_multi_index(tuple(coords), dims, mode=mode, order=order)
    got = ca.ravel_multi_index(tuple(_chunk(c, data) for c in coords), dims, mode=mode,
                               order=order)
    assert_eq(got.compute(), expected)
    flat = expected % int(np.prod(dims))
    for g, e in zip(ca.unravel_index(_chunk(flat, data), dims, order=order),
                    np.unravel_index(flat, dims, order=order)):
        assert_eq(g.compute(), e)
    for g, e in zip(np.unravel_index(_chunk(flat, data), dims),
                    np.unravel_index(flat, dims)):
        assert_eq(g.compute(), e)


def test_index_arithmetic_bad_input() -> None:
    x = ca.asarray([0, 1])
    with pytest.raises(ValueError, match="length 2"):
        ca.ravel_multi_index((x,), (2, 3))
    with pytest.raises(ValueError):
        ca.ravel_multi_index((x, x), (2, 3), order="Q")
    with pytest.raises(TypeError):
        ca.ravel_multi_index((ca.asarray([0.5]), x), (2, 3))
    with pytest.raises(TypeError):
        ca.unravel_index(ca.asarray([0.5]), (2, 3))
    with pytest.raises(ValueError, match="invalid entry"):
        ca.ravel_multi_index((x, ca.asarray([0, 9])), (2, 3)).compute()
    with pytest.raises(ValueError, match="out of bounds"):
        ca.unravel_index(ca.asarray([99]), (2, 3))[0].compute()
