"""Chunked boolean masks (results of unknown size), ``compute_chunk_sizes`` and ``vindex``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray as ca
from chunkarray.core.graph import lower
from tests.strategies import arrays, assert_eq, chunkings

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])
NUMBERS = [np.int32, np.uint8, np.float64, np.complex64, np.bool_]


@fixture_ok
@given(arrays(min_dims=1, max_dims=3, max_side=6, dtypes=NUMBERS), st.data())
def test_full_mask_matches_numpy(executor, pair, data):
    a, x = pair
    m = data.draw(hnp.arrays(bool, a.shape))
    mask = ca.from_array(m, chunks=data.draw(chunkings(a.shape)))
    y = x[mask]
    assert y.ndim == 1 and all(math.isnan(c) for c in y.chunks[0])
    assert math.isnan(y.shape[0]) and math.isnan(y.size)
    repr(y)
    assert_eq(y.compute(), a[m])
    known = y.compute_chunk_sizes()
    assert known.shape == a[m].shape and sum(known.chunks[0]) == m.sum()
    assert_eq(known.compute(), a[m])
    assert_eq(y.sum().compute(), a[m].sum())
    assert_eq((y * 2).compute(), a[m] * 2)


@fixture_ok
@given(arrays(min_dims=1, max_dims=3, max_side=6, dtypes=NUMBERS), st.data())
def test_mask_along_one_axis(executor, pair, data):
    a, x = pair
    axis = data.draw(st.integers(0, a.ndim - 1))
    m = data.draw(hnp.arrays(bool, (a.shape[axis],)))
    mask = ca.from_array(m, chunks=data.draw(chunkings(m.shape)))
    if data.draw(st.booleans()):
        index = (slice(None),) * axis + (mask,)
        expected = a[(slice(None),) * axis + (m,)]
    else:
        index = (Ellipsis, mask) + (slice(None),) * (a.ndim - axis - 1)
        expected = a[(Ellipsis, m) + (slice(None),) * (a.ndim - axis - 1)]
    y = x[index]
    assert math.isnan(y.shape[axis])
    assert_eq(y.compute(), expected)
    assert_eq(y.compute_chunk_sizes()[..., :2].compute(), expected[..., :2])
    # (sum, not max: min/max of a block that kept nothing fails, see the report on empty blocks)
    assert_eq(y.sum(axis=axis).compute(), expected.sum(axis=axis))


def test_unknown_sizes_need_compute_chunk_sizes():
    x = ca.from_array(np.arange(10), chunks=3)
    y = x[x > 4]
    for operation in (lambda: len(y), lambda: y[1:], lambda: y[[0]], lambda: y.rechunk(2),
                      lambda: y + ca.arange(5, chunks=2)):
        with pytest.raises(ValueError, match="compute_chunk_sizes"):
            operation()
    if hasattr(y, "reshape"):
        with pytest.raises(ValueError, match="compute_chunk_sizes"):
            y.reshape(5)
    assert_eq(y[:].compute(), np.arange(5, 10))
    assert_eq((y + y).compute(), 2 * np.arange(5, 10))
    assert_eq(y.compute_chunk_sizes()[1:3].compute(), np.array([6, 7]))
    assert y.compute_chunk_sizes().chunks == ((0, 1, 3, 1),)


def test_mask_errors():
    x = ca.from_array(np.arange(12).reshape(3, 4), chunks=2)
    with pytest.raises(IndexError, match="did not match"):
        x[ca.ones(4, chunks=2, dtype=bool)]
    with pytest.raises(IndexError, match="boolean"):
        x[ca.arange(3, chunks=2, dtype=float)]  # ints index (tests/test_fancy.py)
    with pytest.raises(IndexError):
        x[ca.ones(3, chunks=2, dtype=bool), 0]


# --- vindex ---------------------------------------------------------------------------------------


@st.composite
def pointwise(draw, shape):
    """An index for vindex (some axes integer arrays broadcasting together, others slices) and the
    NumPy reference: arrays' axes moved first, then indexed."""
    axes = draw(st.sets(st.sampled_from(range(len(shape))), min_size=1)) if all(shape) else set()
    if not axes:
        return None
    bshape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4))
    index = []
    for axis, n in enumerate(shape):
        if axis in axes:
            sub = tuple(s if draw(st.booleans()) else 1 for s in bshape)
            index.append(draw(hnp.arrays(np.int64, sub, elements=st.integers(-n, n - 1))))
        else:
            index.append(draw(st.slices(n)))
    return tuple(index)


def reference(a, index):
    axes = [i for i, e in enumerate(index) if not isinstance(e, slice)]
    sliced = a[tuple(slice(None) if i in axes else e for i, e in enumerate(index))]
    moved = np.moveaxis(sliced, axes, range(len(axes)))
    return moved[tuple(index[i] for i in axes)]


@fixture_ok
@given(arrays(min_dims=1, max_dims=3, max_side=6, dtypes=NUMBERS), st.data())
def test_vindex_matches_numpy(executor, pair, data):
    a, x = pair
    index = data.draw(pointwise(a.shape))
    if index is None:
        return
    expected = reference(a, index)
    result = x.vindex[index]
    assert result.shape == expected.shape
    assert_eq(result.compute(), expected)


def test_vindex_like_numpy_for_adjacent_arrays(executor):
    a = np.arange(60).reshape(3, 4, 5)
    x = ca.from_array(a, chunks=2)
    i, j = np.array([[0, 2], [1, 1]]), np.array([3, -1])
    assert_eq(x.vindex[i, j].compute(), a[i, j])
    assert_eq(x.vindex[..., j].compute(), np.moveaxis(a[..., j], -1, 0))


def test_vindex_tasks_grow_with_blocks_not_points():
    x = ca.from_array(np.arange(100 * 100).reshape(100, 100), chunks=50)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, 100, 100_000), rng.integers(0, 100, 100_000)
    y = x.vindex[i, j]
    tasks = lower([y._node], list(y._node.keys())).tasks
    assert len(tasks) < 100
    assert_eq(y.compute(), np.arange(100 * 100).reshape(100, 100)[i, j])


@pytest.mark.parametrize("index, error", [
    (([0, 5], [0, 0]), IndexError),
    (([0, 1], [0, 1, 2]), IndexError),
    (([0.5], [0]), IndexError),
    ((slice(None), slice(None)), IndexError),
    (([0], [0], [0]), IndexError),
])
def test_vindex_errors(index, error):
    x = ca.from_array(np.arange(20).reshape(4, 5), chunks=2)
    with pytest.raises(error):
        x.vindex[index]


def test_assign_through_a_mask_of_unknown_size(executor):
    a = np.arange(10)
    x = ca.from_array(a, chunks=3)
    y = x[x > 4]
    y[y > 7] = 0
    assert_eq(y.compute(), np.array([5, 6, 7, 0, 0]))
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        y[0] = 1


def test_compute_chunk_sizes_updates_the_array_in_place(executor):
    # The dask idiom: call it for its effect, then use the same array.
    x = ca.from_array(np.arange(10), chunks=3)
    y = x[x > 4]
    name = y.name
    assert y.compute_chunk_sizes() is y
    assert y.chunks == ((0, 1, 3, 1),) and y.shape == (5,)
    assert y.name != name
    assert_eq(y[:3], np.array([5, 6, 7]))
    assert y.compute_chunk_sizes() is y  # known sizes: nothing to do


@pytest.mark.parametrize("func", ["argmin", "argmax", "nanargmin", "nanargmax"])
def test_arg_reductions_along_a_known_axis_of_an_array_with_unknown_sizes(executor, func):
    a = np.arange(48.0).reshape(8, 6)
    a[3, 1], a[5, 4], a[6, 2] = 99, -5, np.nan
    x = ca.from_array(a, chunks=(3, 4))
    keep = (np.arange(8) % 3) != 1
    y = x[ca.from_array(keep, chunks=3)]
    assert math.isnan(y.shape[0])
    assert_eq(getattr(ca, func)(y, axis=1), getattr(np, func)(a[keep], axis=1))
    assert_eq(getattr(ca, func)(y.T, axis=0), getattr(np, func)(a[keep].T, axis=0))
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        getattr(ca, func)(y, axis=0)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        getattr(ca, func)(y)


def test_ravel_of_an_array_with_unknown_sizes_on_its_first_axis(executor):
    a = np.arange(48.0).reshape(8, 3, 2)
    x = ca.from_array(a, chunks=(3, 2, 1))
    keep = (np.arange(8) % 3) != 1
    y = x[ca.from_array(keep, chunks=3)]
    assert_eq(y.ravel(), a[keep].ravel())
    assert_eq(ca.ravel(y[:, 0, 0]), a[keep][:, 0, 0])
    with pytest.raises(ValueError, match="axis 1 .* unknown"):
        ca.ravel(y.transpose(1, 0, 2))
