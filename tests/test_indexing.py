"""Indexing against NumPy: basic indices, one index array, pushdown into sources."""

from __future__ import annotations

import pathlib
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chunkarray as ca
from chunkarray.core.graph import collect_nodes, lower
from chunkarray.executors import get_executor
from chunkarray.kernels.selection import take_into
from chunkarray.optimize.fuse import fuse
from chunkarray.primitives.sinks import into
from chunkarray.primitives.take import FILL_BYTES
from tests.strategies import arrays, assert_eq, chunkings


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
def indices(draw, shape, allow_array=True, require_array=False):
    """An index NumPy accepts for ``shape``: basic entries and at most one index array (exactly
    one with ``require_array``)."""
    if not require_array and draw(st.booleans()):
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


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arrays(max_dims=3, max_side=6), st.data())
def test_getitem_matches_numpy(executor, pair, data):
    a, x = pair
    index = data.draw(indices(a.shape))
    expected = a[index]
    result = x[index]
    assert result.shape == expected.shape and result.dtype == expected.dtype
    assert_eq(result.compute(), expected, exact=True)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
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
        (([0, 1], [1, 2, 3]), IndexError, "shape mismatch"),
    ],
)
def test_bad_indices_raise_at_the_call(index, error, match):
    x = ca.ones((4, 5), chunks=2)
    with pytest.raises(error, match=match):
        x[index]


# --- take: an index array, pushed into the source where it can be --------------------------------


def _node_types(y):
    return {type(node).__name__ for node in collect_nodes([y._node]).values()}


def _task_count(y):
    return len(lower([y._node], list(y._node.keys()), fuse([y._node])).tasks)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arrays(min_dims=1, max_dims=3, max_side=6), st.data())
def test_take_from_a_numpy_source_matches_numpy(executor, pair, data):
    a, x = pair
    index = data.draw(indices(a.shape, require_array=True))
    expected = a[index]
    result = x[index]
    assert result.shape == expected.shape and result.dtype == expected.dtype
    assert_eq(result.compute(), expected, exact=True)
    assert "_Gather" not in _node_types(result)  # taken straight from the source


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arrays(dtypes=[np.float64, np.int32], min_dims=1, max_dims=3, max_side=6), st.data())
def test_take_through_elementwise_steps_matches_numpy(executor, pair, data):
    a, x = pair
    index = data.draw(indices(a.shape, require_array=True))
    row = np.arange(a.shape[-1], dtype=np.int8)  # broadcast along every axis but the last
    y = (x * 2 + ca.from_array(row, chunks=(x.chunks[-1],)) - 1)[index]
    assert_eq(y.compute(), (a * 2 + row - 1)[index], exact=True)
    assert "_Gather" not in _node_types(y)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arrays(min_dims=1, max_dims=2, max_side=6), st.data())
def test_take_from_a_computed_array_matches_numpy(executor, pair, data):
    a, x = pair
    index = data.draw(indices(a.shape, require_array=True))
    # The limit decides whether the touched blocks are joined whole, or gathered block by block
    # and put in order from one join of the pieces, or from just the pieces each block needs.
    limit = data.draw(st.sampled_from(["1 GiB", "64 B", "1 B"]))
    with ca.config.set(memory_limit=limit):
        y = x.map_blocks(lambda b: b[...], dtype=x.dtype)[index]  # not a read: gathered
    assert_eq(y.compute(), a[index], exact=True)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arrays(dtypes=[np.int16, np.float64, np.complex128], min_dims=1, max_dims=2, max_side=6),
       st.data())
def test_take_from_zarr_matches_numpy(executor, pair, data):
    zarr = pytest.importorskip("zarr")
    a, _ = pair
    storage = data.draw(st.tuples(*[st.integers(1, 4)] * a.ndim))
    with tempfile.TemporaryDirectory() as tmp:
        z = zarr.create_array(pathlib.Path(tmp) / "a.zarr", shape=a.shape, dtype=a.dtype,
                              chunks=storage)
        z[...] = a
        x = ca.from_array(z, chunks=data.draw(chunkings(a.shape)))
        index = data.draw(indices(a.shape, require_array=True))
        assert_eq(x[index].compute(), a[index], exact=True)
        assert_eq((x + 1)[index].compute(), (a + 1)[index], exact=True)


@pytest.mark.parametrize(("limit", "route"), [
    ("1 GiB", {"_JoinedBlocks", "_TakeJoined"}),  # the touched blocks joined, then taken from
    ("100 B", {"_Gather", "_JoinedBlocks", "_Reorder"}),  # gathered per block, the pieces joined
    ("16 B", {"_Gather", "_Reorder"}),  # each output block reads just the pieces it needs
])
def test_take_from_computed_blocks_stays_within_the_memory_limit(executor, limit, route):
    a = np.arange(40.0)
    x = ca.from_array(a, chunks=10).map_blocks(lambda b: b[...], dtype=float)
    with ca.config.set(memory_limit=limit):
        y = x[[35, 0, 17, 0, 2]]
    assert route <= _node_types(y)
    assert_eq(y.compute(), a[[35, 0, 17, 0, 2]], exact=True)


def test_take_through_an_elementwise_step_whose_inputs_were_rechunked():
    a = np.arange(24.0).reshape(4, 6)
    row = np.arange(6.0)
    x = ca.from_array(a, chunks=(3, 4))
    y = (x + ca.from_array(row, chunks=1))[[3, 0, 2, 0]]  # the inputs' blocks are unified
    assert_eq(y.compute(), (a + row)[[3, 0, 2, 0]], exact=True)
    assert not {"_Gather", "Rechunk"} & _node_types(y)


def test_take_from_storage_reads_only_what_it_needs():
    a = np.arange(1000.0).reshape(100, 10)
    src = CountingSource(a)
    x = ca.from_array(src, chunks=(10, 5))
    y = (x + 1)[[3, 4, 5, 95, 97], 2:]
    assert_eq(y.compute(scheduler="sync"), (a + 1)[[3, 4, 5, 95, 97], 2:])
    rows = sum(np.arange(100)[r[0]].size for r in src.reads)
    assert rows == 2 * (3 + 3)  # rows 3..5 and 95..97, once per block of columns
    src.reads.clear()
    assert_eq(x[[97, 3, 5]].compute(scheduler="sync"), a[[97, 3, 5]])
    rows = sum(np.arange(100)[r[0]].size for r in src.reads)
    assert rows <= 2 * (10 + 10)  # at most the two blocks of rows that hold them


def test_take_of_a_spread_index_from_storage_reads_each_block_once():
    a = np.arange(1000.0)
    src = CountingSource(a)
    x = ca.from_array(src, chunks=100)
    perm = np.random.default_rng(0).permutation(1000)
    assert_eq(x[perm].compute(scheduler="sync"), a[perm], exact=True)
    assert sum(np.arange(1000)[r[0]].size for r in src.reads) == 1000


def test_take_from_a_source_has_one_task_per_output_block():
    n, nblocks = 2**14, 64
    a = np.random.default_rng(0).random(n)
    perm = np.random.default_rng(1).permutation(n)
    x = ca.from_array(a, chunks=n // nblocks)
    y = (x * 2)[perm]
    assert y.numblocks == (nblocks,)
    assert _task_count(x[perm]) <= nblocks + 1  # the blocks and the source itself
    assert _task_count(y) <= 2 * nblocks + 1
    assert_eq(y.compute(), a[perm] * 2, exact=True)


def test_take_from_a_strided_or_dropped_region():
    a = np.arange(60).reshape(3, 4, 5)
    x = ca.from_array(a, chunks=(2, 3, 2))
    for index in [(1, slice(None, None, -1), [4, 0, 4]), (slice(None, None, 2), [3, -1], 2),
                  ([2, 0], slice(1, None, 2), slice(None, None, -2)), (..., [])]:
        assert_eq(x[index].compute(), a[index], exact=True)


def test_take_after_a_mask_of_unknown_length():
    a = np.arange(20).reshape(5, 4)
    x = ca.from_array(a, chunks=2)
    y = x[x[:, 0] > 4]  # rows of unknown (NaN) count
    assert_eq(y[:, [3, 0, 3]].compute(), a[a[:, 0] > 4][:, [3, 0, 3]], exact=True)
    with pytest.raises(ValueError, match="unknown"):
        y[[0, 1]]


@pytest.mark.parametrize("index", [np.array([1, -9], dtype=np.int8), np.array([2**40]),
                                   np.array([3], dtype=np.uint64) + 2**63])
def test_take_out_of_range_raises_at_the_call(index):
    x = ca.from_array(np.arange(8), chunks=3)
    with pytest.raises(IndexError, match="out of bounds for axis 0 with size 8"):
        x[index]


# --- NumPy boolean masks of any number of dimensions ---------------------------------------------


@st.composite
def mask_indices(draw, shape):
    """An index with one NumPy boolean mask over ``k`` consecutive axes (``k`` may be 0: a 0-d
    mask), beside ints, slices, ``None`` and ``...`` as NumPy allows."""
    start = draw(st.integers(0, len(shape)))
    k = draw(st.integers(0, len(shape) - start))
    mask = draw(hnp.arrays(bool, shape[start:start + k]))
    def basic(n):
        return draw(st.integers(-n, n - 1)) if n and draw(st.booleans()) else draw(st.slices(n))

    entries: list = [basic(n) for n in shape[:start]]
    entries.append(mask)
    rest = shape[start + k:]
    if rest and draw(st.booleans()):
        entries.append(Ellipsis)
    else:
        entries.extend(basic(n) for n in rest)
    if draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), None)
    return tuple(entries)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arrays(max_dims=3, max_side=5), st.data())
def test_numpy_masks_of_any_dimension_match_numpy(executor, pair, data):
    a, x = pair
    index = data.draw(mask_indices(a.shape))
    expected = a[index]
    result = x[index]
    assert result.shape == expected.shape and result.dtype == expected.dtype
    assert_eq(result.compute(), expected, exact=True)


def test_a_2d_numpy_mask(executor):
    a = np.random.default_rng(0).standard_normal((37, 37))
    x = ca.from_array(a, chunks=10)
    assert_eq(x[a > 0], a[a > 0])
    assert_eq((x + 1)[a > 0], a[a > 0] + 1)
    b = np.arange(60).reshape(3, 4, 5)
    y = ca.from_array(b, chunks=2)
    for index in [b > 7, (b[..., 0] > 7, ...), (slice(None), b[0] > 7), (b[..., 0] % 3 == 0, 2),
                  (1, b[0] > 7), np.True_, (0, False), [[True, False, True, True]] * 3]:
        assert_eq(y[index], b[index])


@pytest.mark.parametrize("index, match", [
    (np.ones((3, 5), bool), "along axis 1; size of axis is 4 but size of corresponding boolean "
                            "axis is 5"),
    (np.ones((2, 4), bool), "along axis 0; size of axis is 3 but size of corresponding boolean "
                            "axis is 2"),
    ((np.ones((3, 4), bool), 0, 0), "too many indices"),
    ((np.ones((3, 4), bool), [0, 1]), "shape mismatch"),  # NumPy's own message
    ((np.ones((3, 4), bool), 5), "index 5 is out of bounds for axis 2 with size 5"),
    ((np.True_, 0, np.ones(5, bool)), "along axis 1; size of axis is 4"),
])
def test_numpy_masks_that_do_not_fit_raise_at_the_call(index, match):
    x = ca.ones((3, 4, 5), chunks=2)
    with pytest.raises(IndexError, match=match):
        x[index]


def _fill_tasks(y):
    """The tasks a compute of ``y`` runs, with its result filled in place, and that result."""
    out = np.empty(y.shape, y.dtype)
    node = into(y._node, out)
    lowered = lower([node], list(node.keys()), fuse([node]))
    return lowered, node, out


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("computed", [False, True])
def test_a_compute_of_a_take_fills_its_result_in_runs_of_blocks(executor, axis, computed):
    a = np.random.default_rng(0).random((8, 3000)) if axis else np.random.default_rng(0).random(
        (3000, 8))
    perm = np.random.default_rng(1).permutation(3000)
    x = ca.from_array(a, chunks=(4, 100) if axis else (100, 4))
    if computed:
        x = x.map_blocks(lambda b: -b, dtype=x.dtype)  # not elementwise to chunkarray: joined
        a = -a
    index = (slice(None), perm) if axis else perm
    y = x[index]
    lowered, node, out = _fill_tasks(y)
    assert type(node).__name__ == "TakeInto"
    fills = [k for k in lowered.order if k[0] == node.name]
    # 30 blocks of 3.2 KiB along the axis: one run each, on each of the 2 blocks across.
    assert len(fills) == 2 and node.numblocks[axis] == 1
    assert_eq(y.compute(), a[index], exact=True)
    ca.compute(y)  # a second compute fills its own result
    get_executor(executor)(lowered, list(node.keys()), 2)
    np.testing.assert_array_equal(out, a[index])


def test_runs_of_blocks_hold_about_the_fill_size():
    n = 4 * FILL_BYTES // 8
    x = ca.from_array(np.arange(n, dtype=np.float64), chunks=n // 64)
    _, node, _ = _fill_tasks(x[np.arange(n)[::-1]])
    assert node.numblocks == (4,)  # 64 blocks of 1/16 of the fill size, 16 to a task


def test_a_take_from_storage_is_not_run_together():
    # A storage read covers one output block's range of the source: runs would read more.
    a = np.arange(1000.0)
    x = ca.from_array(CountingSource(a), chunks=100)
    y = x[np.arange(1000)[::-1]]
    _, node, _ = _fill_tasks(y)
    assert type(node).__name__ != "TakeInto"
    assert_eq(y.compute(), a[::-1], exact=True)


def test_a_take_fills_a_result_of_another_dtype_by_casting_as_a_copy_would():
    out = np.zeros(3, np.int16)
    take_into(np.array([1.5, 2.5, 3.5]), np.array([2, 0, 1]), axis=0, out=out)
    np.testing.assert_array_equal(out, np.array([3.5, 1.5, 2.5]).astype(np.int16))
    with pytest.raises(ValueError, match=r"makes shape \(2,\) but its place .* shape \(3,\)"):
        take_into(np.arange(3), np.array([0, 1]), axis=0, out=out)
