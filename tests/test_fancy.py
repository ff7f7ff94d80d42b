"""Tests of chunkarray.ops.fancy: NumPy's advanced indexing with several index arrays (slices,
ints, None and ... between and around them), np.ix_, n-d index arrays and boolean arrays among
them, and chunked integer arrays as indices; NumPy is the oracle for every combination."""

from __future__ import annotations

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


@st.composite
def advanced_indices(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """An index with at least one integer array, arrays broadcasting together, and slices,
    ints, None and at most one ``...`` anywhere."""
    bshape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
    items: list[Any] = []
    n_arrays = 0
    for n in shape:
        kind = draw(st.sampled_from(["array", "array", "slice", "int"] if n else ["slice"]))
        if kind == "array":
            sub = bshape[draw(st.integers(0, len(bshape))):]
            items.append(draw(hnp.arrays(np.int64, sub, elements=st.integers(-n, n - 1))))
            n_arrays += 1
        elif kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        else:
            items.append(slice(draw(st.integers(-n - 1, n + 1) | st.none()),
                               draw(st.integers(-n - 1, n + 1) | st.none()),
                               draw(st.sampled_from([None, 1, 2, -1]))))
    if n_arrays < 2 and any(shape):
        axis = next(a for a, n in enumerate(shape) if n)
        items[axis] = draw(hnp.arrays(np.int64, bshape, elements=st.integers(0, shape[axis] - 1)))
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    if draw(st.booleans()):
        # Replace a run of trailing full slices by ``...``.
        cut = len(items)
        while cut and isinstance(items[cut - 1], slice) and items[cut - 1] == slice(None):
            cut -= 1
        start = draw(st.integers(0, len(items)))
        if all(isinstance(i, slice) and i == slice(None) for i in items[start:]):
            items = items[:start] + [Ellipsis]
    return tuple(items)


@fixture_ok
@given(case=arrays(min_dims=1, max_dims=4, min_side=1, max_side=5), data=st.data())
def test_advanced_indexing_like_numpy(executor: str, case: Any, data: Any) -> None:
    a, x = case
    index = data.draw(advanced_indices(a.shape))
    expected = a[index]
    got = x[index]
    assert got.shape == expected.shape, (index, got.shape, expected.shape)
    assert_eq(got.compute(), expected, exact=True)


CASES = [
    ([0, 1], [2, 3]),
    (slice(None), [0, 1], [2, 3]),
    ([0, 1], slice(None), [2, 3]),          # separated by a slice: broadcast axes go first
    ([[0], [1]], [2, 3]),
    (None, [0, 1], None, [2, 3]),
    ([1, 2], 1),
    (1, slice(None), [1, 2]),               # an int counts as advanced: separated, go first
    (Ellipsis, [1, 2], [0, 0]),
    ([0, 1], [2, 3], None),
    (np.array([[1, 2], [0, 3]]),),          # one 2-D index array
    (np.array([True, False, True, False]), [1, 1]),
    (slice(1, 3), [[0], [2]], slice(None, None, -2)),
    ([], []),
    (np.zeros((5, 0), int),),
    (np.array([[True, False, True, False, True]] * 4), [3]),  # a 2-D mask with an array
]


@pytest.mark.parametrize("index", CASES, ids=[str(i) for i in range(len(CASES))])
def test_numpy_advanced_indexing_rules(executor: str, index: Any) -> None:
    a = np.arange(4 * 5 * 6).reshape(4, 5, 6)
    x = ca.from_array(a, chunks=(3, 2, 4))
    assert_eq(x[index].compute(), a[index], exact=True)


@fixture_ok
@given(case=arrays(min_dims=1, max_dims=3, min_side=1, max_side=5), data=st.data())
def test_ix_like_numpy(executor: str, case: Any, data: Any) -> None:
    a, x = case
    seqs = [data.draw(st.lists(st.integers(-n, n - 1), max_size=4)) for n in a.shape]
    index = np.ix_(*seqs)
    assert_eq(x[index].compute(), a[index], exact=True)


@fixture_ok
@given(case=arrays(min_dims=1, max_dims=3, min_side=1, max_side=6), data=st.data())
def test_chunked_integer_index(executor: str, case: Any, data: Any) -> None:
    a, x = case
    axis = data.draw(st.integers(0, a.ndim - 1))
    n = a.shape[axis]
    idx = data.draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0,
                                                         max_side=4),
                               elements=st.integers(-n, n - 1)))
    ci = ca.from_array(idx, chunks=data.draw(chunkings(idx.shape)))
    form = data.draw(st.sampled_from(["slices", "ellipsis"]))
    if form == "slices":
        index = (slice(None),) * axis + (ci,)
        np_index = (slice(None),) * axis + (idx,)
    else:
        index = (Ellipsis, ci) + (slice(None),) * (a.ndim - axis - 1)
        np_index = (Ellipsis, idx) + (slice(None),) * (a.ndim - axis - 1)
    got = x[index]
    expected = a[np_index]
    assert got.shape == expected.shape
    assert_eq(got.compute(), expected, exact=True)


def test_chunked_index_bad_input() -> None:
    x = ca.from_array(np.arange(12).reshape(3, 4), chunks=2)
    ci = ca.asarray([0, 2])
    with pytest.raises(IndexError, match="only be combined with slices"):
        x[ci, 1]
    with pytest.raises(IndexError, match="out of bounds"):
        x[ca.asarray([5])].compute()  # the values of a chunked index are only known then


def test_bad_advanced_indices() -> None:
    x = ca.ones((3, 4), chunks=2)
    with pytest.raises(IndexError, match="shape mismatch"):
        x[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexError, match="out of bounds"):
        x[[0, 3], [0, 1]]
    with pytest.raises(IndexError, match="integer"):
        x[[0.5, 1], [0, 1]]
    with pytest.raises(IndexError, match="too many indices"):
        x[[0], [0], [0]]
