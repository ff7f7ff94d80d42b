"""Sorting against NumPy: sample sort across blocks, stability, partitions, top-k."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core.graph import collect_nodes, lower
from tests.strategies import ALL_DTYPES, FLOAT_DTYPES, arrays, assert_eq

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])
# Few distinct values: many ties across blocks.
TIES = [np.bool_, np.int8, np.uint8]


@fixture_ok
@given(data=st.data())
def test_sort_matches_numpy(executor: str, data: st.DataObject) -> None:
    a, x = data.draw(arrays(ALL_DTYPES, nan=True, max_side=8))
    axis = data.draw(st.none() | st.integers(-max(a.ndim, 1), max(a.ndim, 1) - 1)) \
        if a.ndim else None
    result = ca.sort(x, axis=axis)
    if axis is not None:
        assert result.chunks == x.chunks
    assert_eq(result.compute(), np.sort(a, axis=axis))


@fixture_ok
@given(data=st.data())
def test_sort_1d_many_blocks(executor: str, data: st.DataObject) -> None:
    a, x = data.draw(arrays([*TIES, *FLOAT_DTYPES, np.complex64], nan=True, min_dims=1,
                            max_dims=1, min_side=1, max_side=40))
    result = ca.sort(x)
    assert result.chunks == x.chunks  # balanced: the input's blocks
    assert_eq(result.compute(), np.sort(a))


@fixture_ok
@given(data=st.data(), stable=st.sampled_from(["kind", "flag"]))
def test_stable_argsort_matches_numpy_with_ties(executor: str, data: st.DataObject,
                                               stable: str) -> None:
    a, x = data.draw(arrays([*TIES, *FLOAT_DTYPES], nan=True, max_side=12))
    axis = data.draw(st.none() | st.integers(-max(a.ndim, 1), max(a.ndim, 1) - 1)) \
        if a.ndim else None
    kwargs = {"kind": "stable"} if stable == "kind" else {"stable": True}
    assert_eq(ca.argsort(x, axis=axis, **kwargs).compute(), np.argsort(a, axis=axis, **kwargs))


@fixture_ok
@given(data=st.data())
def test_argsort_without_ties_matches_default_kind(executor: str, data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 40))
    a = np.random.default_rng(data.draw(st.integers(0, 2**16))).permutation(n).astype(float)
    chunks = data.draw(st.integers(1, n))
    assert_eq(ca.argsort(ca.from_array(a, chunks=chunks)).compute(), np.argsort(a))


def test_argsort_nd_split_axis_sorted_whole_or_per_lane() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 4, (9, 7)).astype(float)
    x = ca.from_array(a, chunks=(2, 3))
    for axis in (0, 1):
        assert_eq(ca.argsort(x, axis=axis, kind="stable").compute(),
                  np.argsort(a, axis=axis, kind="stable"))
        with ca.config.set(chunk_size=16):  # one lane is more than a block: lane by lane
            assert_eq(ca.sort(x, axis=axis).compute(), np.sort(a, axis=axis))
            assert_eq(ca.argsort(x, axis=axis, stable=True).compute(),
                      np.argsort(a, axis=axis, stable=True))


@fixture_ok
@given(data=st.data(), arg=st.booleans(),
       chunk_size=st.sampled_from([8, 48, 2**27]))
def test_nd_sort_along_a_split_axis(executor: str, data: st.DataObject, arg: bool,
                                    chunk_size: int) -> None:
    # Whole lanes in blocks of about ``chunk_size`` (48 bytes: a few lanes a block), or, when
    # a lane is longer than that (8 bytes: always), each lane sample-sorted on its own.
    a, x = data.draw(arrays([np.int16, np.float64], nan=True, min_dims=2, max_dims=3,
                            min_side=1, max_side=6))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    with ca.config.set(chunk_size=chunk_size):
        if arg:
            result = ca.argsort(x, axis=axis, stable=True)
            expected = np.argsort(a, axis=axis, stable=True)
        else:
            result, expected = ca.sort(x, axis=axis), np.sort(a, axis=axis)
        assert result.chunks == x.chunks
        assert_eq(result.compute(), expected)


def test_nd_sort_of_whole_lanes_holds_blocks_of_the_chunk_size() -> None:
    # 64 lanes of 64 float64 (512 bytes each), in 8 x 8 blocks: sorted 4 lanes (2 KiB) a block,
    # and no step on the way (the rechunks both ways) makes a larger block.
    a = np.random.default_rng(2).random((64, 64))
    x = ca.from_array(a, chunks=8)
    with ca.config.set(chunk_size=2048):
        y = ca.sort(x, axis=0)
        nodes = collect_nodes([y._node])
        assert_eq(y.compute(), np.sort(a, axis=0))
    largest = max(math.prod(max(c) for c in n.chunks) * n.dtype.itemsize
                  for n in nodes.values() if n.dtype != object and n.chunks)
    assert largest == 2048


def _check_partition(part: np.ndarray, a: np.ndarray, kth: list[int], axis: int) -> None:
    srt = np.sort(a, axis=axis)
    moved, ref = np.moveaxis(part, axis, -1), np.moveaxis(srt, axis, -1)
    for k in kth:
        k = k % a.shape[axis]
        np.testing.assert_array_equal(moved[..., k], ref[..., k])
        kv = moved[..., k:k + 1]
        with np.errstate(invalid="ignore"):
            assert np.all((moved[..., :k] <= kv) | np.isnan(kv))
            assert np.all((moved[..., k + 1:] >= kv) | np.isnan(moved[..., k + 1:]))


@fixture_ok
@given(data=st.data())
def test_partition_and_argpartition(executor: str, data: st.DataObject) -> None:
    a, x = data.draw(arrays([np.int16, *FLOAT_DTYPES], nan=True, min_dims=1, min_side=1))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    n = a.shape[axis]
    kth = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=3))
    part = ca.partition(x, kth, axis=axis).compute()
    assert part.dtype == a.dtype
    _check_partition(part, a, kth, axis)
    idx = ca.argpartition(x, kth, axis=axis).compute()
    assert idx.dtype == np.intp
    _check_partition(np.take_along_axis(a, idx, axis=axis), a, kth, axis)


@fixture_ok
@given(data=st.data())
def test_topk(executor: str, data: st.DataObject) -> None:
    a, x = data.draw(arrays([np.int32, np.float64], min_dims=1, min_side=1))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    n = a.shape[axis]
    k = data.draw(st.integers(-n, n))
    srt = np.sort(a, axis=axis)
    if k >= 0:
        expected = np.flip(np.take(srt, np.arange(n - k, n), axis=axis), axis=axis)
    else:
        expected = np.take(srt, np.arange(-k), axis=axis)
    assert_eq(ca.topk(x, k, axis=axis).compute(), expected)
    positions = ca.argtopk(x, k, axis=axis).compute()
    assert_eq(np.take_along_axis(a, positions, axis=axis), expected)


@fixture_ok
@given(data=st.data())
def test_topk_tree_ties_and_split_every(executor: str, data: st.DataObject) -> None:
    # Few distinct values and NaNs: the partial selections must break ties as a stable sort.
    a, x = data.draw(arrays([*TIES, np.float32, np.complex64], nan=True, min_dims=1,
                            min_side=1, max_side=12))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    n = a.shape[axis]
    k = data.draw(st.integers(-n, n))
    split_every = data.draw(st.none() | st.integers(2, 4))
    order = np.argsort(a, axis=axis, kind="stable")
    take = np.arange(n - k, n)[::-1] if k >= 0 else np.arange(-k)
    positions = np.take(order, take, axis=axis)
    values = np.take_along_axis(a, positions, axis=axis)
    got = ca.topk(x, k, axis=axis, split_every=split_every)
    assert got.shape == values.shape
    assert_eq(got.compute(), values)
    got_positions = ca.argtopk(x, k, axis=axis, split_every=split_every).compute()
    assert got_positions.dtype == np.intp
    np.testing.assert_array_equal(got_positions, positions)


def test_topk_is_a_tree_of_partial_selections() -> None:
    a = np.random.default_rng(0).permutation(1000).astype(np.float64)
    x = ca.from_array(a, chunks=10)
    graph = ca.topk(x, 3, split_every=4).to_dask().__dask_graph__()
    assert not any("sort" in key[0] for key in graph)  # no sort of the blocks
    combines = [key for key in graph if key[0].startswith("topk-combine")]
    assert len(combines) == 25 + 7 + 2  # 100 blocks by 4, then 25 by 4, then 7 by 4
    assert_eq(ca.topk(x, 3, split_every=4).compute(), np.array([999.0, 998.0, 997.0]))
    assert_eq(ca.argtopk(x, -2, split_every=3).compute(), np.argsort(a)[:2])


def test_topk_matches_dask() -> None:
    da = pytest.importorskip("dask.array")
    a = np.array([5, 1, 9, 3, 6, 2.5, 7])
    for k in (3, -2):
        assert_eq(ca.topk(ca.from_array(a, chunks=3), k).compute(),
                  da.topk(da.from_array(a, chunks=3), k).compute())


def _sort_tasks(nblocks: int, arg: bool) -> int:
    x = ca.from_array(np.random.default_rng(0).random(100 * nblocks), chunks=100)
    y = (ca.argsort if arg else ca.sort)(x)
    assert y.chunks == x.chunks
    assert_eq(y.compute(), (np.argsort(x.compute(), kind="stable") if arg
                            else np.sort(x.compute())))
    return len(lower([y._node], list(y._node.keys())))


@pytest.mark.parametrize("arg", [False, True])
def test_sample_sort_graph_is_linear_in_blocks(arg) -> None:
    # Pieces are cut per group of output blocks (a fixed number of groups), not per output
    # block: twice the blocks, twice the tasks, not four times.
    small, large = _sort_tasks(40, arg), _sort_tasks(80, arg)
    assert large <= 2 * small + 10
    assert small < 16 * 40


def test_sample_sort_cuts_every_block_before_merging() -> None:
    # The lowering order cuts each sorted block whole (its pieces one after another) before
    # any merge, so each sorted block is freed early; the merges then run group by group.
    x = ca.from_array(np.random.default_rng(0).random(1600), chunks=100)
    y = ca.sort(x)
    order = [k[0].rsplit("-", 1)[0] for k in lower([y._node], list(y._node.keys())).order]
    kinds = [k for k in order if k in ("sort-pieces", "sort-merge", "sort-all-cut")]
    assert kinds == ["sort-pieces"] * 16 * 8 + ["sort-all-cut"] + ["sort-merge"] * 16
    keys = [k for k in lower([y._node], list(y._node.keys())).order
            if k[0].startswith("sort-pieces")]
    assert [k[1:] for k in keys] == [(m, g) for m in range(16) for g in range(8)]


def test_dispatch() -> None:
    a = np.array([3, 1, 2, 5, 4])
    x = ca.from_array(a, chunks=2)
    assert_eq(np.sort(x).compute(), np.sort(a))
    assert_eq(np.argsort(x).compute(), np.argsort(a))
    assert np.partition(x, 2).compute()[2] == 3
    assert a[np.argpartition(x, 2).compute()[2]] == 3


@pytest.mark.parametrize("call,error,match", [
    (lambda x: ca.sort(x, axis=2), np.exceptions.AxisError, "axis 2"),
    (lambda x: ca.sort(x, kind="bogo"), ValueError, "kind='bogo'"),
    (lambda x: ca.sort(x, kind="stable", stable=True), ValueError, "not both"),
    (lambda x: ca.sort(x, order="f"), ValueError, "order="),
    (lambda x: ca.argsort(ca.ones(())), np.exceptions.AxisError, "0-d"),
    (lambda x: ca.partition(x, 3), ValueError, "kth=3"),
    (lambda x: ca.partition(x, -4), ValueError, "kth=-4"),
    (lambda x: ca.argpartition(x, 1.5), TypeError, "kth"),
    (lambda x: ca.partition(x, 1, kind="quick"), ValueError, "introselect"),
    (lambda x: ca.topk(x, 4), ValueError, "k=4"),
    (lambda x: ca.topk(x, 1.0), TypeError, "k must be an int"),
])
def test_bad_input(call, error, match) -> None:
    x = ca.ones((2, 3), chunks=1)
    with pytest.raises(error, match=match):
        call(x)


def test_unknown_chunks_name_compute_chunk_sizes() -> None:
    x = ca.arange(10, chunks=3)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        ca.sort(x[x > 3])


def test_sorting_methods_follow_ndarray(executor):
    a = np.array([[3.0, np.nan, 2.0, 0.5], [0.0, 5.0, 4.0, -1.0], [2.0, 2.0, 1.0, 9.0]])
    x = ca.from_array(a, chunks=(2, 3))
    np.testing.assert_array_equal(x.argsort(axis=0, kind="stable").compute(),
                                  a.argsort(axis=0, kind="stable"))
    np.testing.assert_array_equal(x.argpartition(1, axis=1).compute()[:, 1],
                                  a.argpartition(1, axis=1)[:, 1])
    np.testing.assert_array_equal(x.topk(2).compute(), ca.topk(x, 2).compute())
    np.testing.assert_array_equal(x.argtopk(-1).compute(), ca.argtopk(x, -1).compute())
    kept = x + 0  # made before the in-place sort: unchanged by it
    assert x.sort(axis=0) is None  # as ndarray.sort: in place
    expected = a.copy()
    expected.sort(axis=0)
    np.testing.assert_array_equal(x.compute(), expected)
    np.testing.assert_array_equal(kept.compute(), a)
    y = ca.from_array(a[0], chunks=2)
    assert y.partition(2) is None
    assert y.compute()[2] == np.partition(a[0], 2)[2]
