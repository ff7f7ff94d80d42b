"""Indexing against NumPy: basic indices, one index array, pushdown into sources."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray as ca
from chunkarray.fuse import fuse
from chunkarray.graph import lower
from tests.strategies import arrays, assert_eq


@st.composite
def index_array(draw, n):
    if draw(st.booleans()):
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    values = st.integers(-n, n - 1)
    as_list = draw(st.booleans())
    items = draw(st.lists(values, max_size=8))
    return items if as_list else np.array(items, dtype=np.int64)


@st.composite
def indices(draw, shape, allow_array=True):
    """An index NumPy accepts for ``shape``: basic entries and at most one index array."""
    if draw(st.booleans()):
        basic = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
        return basic
    entries = []
    array_axis = draw(st.integers(0, len(shape) - 1)) if allow_array and shape else None
    for axis, n in enumerate(shape):
        if axis == array_axis:
            entries.append(draw(index_array(n)))
        elif n and draw(st.booleans()):
            entries.append(draw(st.integers(-n, n - 1)))
        else:
            entries.append(draw(st.slices(n)))
        if draw(st.integers(0, 5)) == 0:
            entries.append(None)
    return tuple(entries)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrays(max_dims=3, max_side=6), st.data())
def test_getitem_matches_numpy(executor, pair, data):
    a, x = pair
    index = data.draw(indices(a.shape))
    expected = a[index]
    result = x[index]
    assert result.shape == expected.shape and result.dtype == expected.dtype
    assert_eq(result.compute(), expected, exact=True)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrays(dtypes=[np.float64], min_dims=1, max_dims=3, max_side=6), st.data())
def test_indexing_through_elementwise_matches_numpy(executor, pair, data):
    a, x = pair
    index = data.draw(indices(a.shape, allow_array=False))
    assert_eq(((x * 2 + 1)[index]).compute(), (a * 2 + 1)[index])


class CountingSource:
    """An array-like that records every index it is read with."""

    def __init__(self, a):
        self.a, self.shape, self.dtype, self.reads = a, a.shape, a.dtype, []

    def __getitem__(self, index):
        self.reads.append(index)
        return self.a[index]


def test_slicing_is_pushed_through_elementwise_into_the_source():
    a = np.arange(1000.0).reshape(100, 10)
    src = CountingSource(a)
    x = ca.from_array(src, chunks=(10, 10))
    y = (x + 1)[:15]
    assert_eq(y.compute(scheduler="sync"), a[:15] + 1)
    rows = sum(np.arange(100)[r[0]].size for r in src.reads)
    assert rows == 15  # only the rows asked for were read


def test_integer_index_takes_as_many_tasks_as_blocks_not_elements():
    n, nblocks = 2**14, 16
    a = np.arange(n, dtype=float)
    perm = np.random.default_rng(0).permutation(n)
    x = ca.from_array(a, chunks=n // nblocks)
    y = x[perm]
    nodes = fuse([y._node])
    tasks = lower([y._node], list(y._node.keys()), nodes).tasks
    assert len(tasks) <= 4 * nblocks + 2
    assert_eq(y.compute(), a[perm], exact=True)


def test_sorted_index_needs_no_reorder_stage():
    a = np.arange(40)
    x = ca.from_array(a, chunks=10)
    y = x[[1, 2, 15, 39]]
    assert y.chunks == ((2, 1, 1),)
    assert_eq(y.compute(), a[[1, 2, 15, 39]])


@pytest.mark.parametrize(
    ("index", "error", "match"),
    [
        ((0, 0, 0), IndexError, "too many indices"),
        ((5,), IndexError, "out of bounds"),
        ((slice(None), -6), IndexError, "out of bounds"),
        (([0, 9],), IndexError, "out of bounds"),
        ((np.array([True, False]),), IndexError, "boolean index did not match"),
        ((slice(None, None, 0),), ValueError, "step cannot be zero"),
        ((..., ...), IndexError, "single ellipsis"),
        (("a",), IndexError, "valid indices"),
        (([0.5],), IndexError, "integer"),
        (([0], [1]), IndexError, "one index array"),
    ],
)
def test_bad_indices_raise_at_the_call(index, error, match):
    x = ca.ones((4, 5), chunks=2)
    with pytest.raises(error, match=match):
        x[index]
