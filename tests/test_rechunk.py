"""Rechunking: planning within a memory limit, and values that round-trip exactly."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core.chunks import blockdims_from_blockshape, staged_reads
from chunkarray.core.graph import collect_nodes, ordered_keys
from chunkarray.kernels import staging as staging_kernels
from chunkarray.kernels.staging import StagingArray, _copy_mapped, can_stage
from chunkarray.optimize.rechunk_plan import (
    plan_rechunk,
    stage_task_bytes,
    staging_groups,
)
from chunkarray.primitives.rechunk import Rechunk
from chunkarray.primitives.staged import StagedRechunk
from tests.strategies import arrays, assert_eq, chunkings, shapes


@st.composite
def two_chunkings(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=12))
    return shape, draw(chunkings(shape)), draw(chunkings(shape))


@given(two_chunkings(), st.integers(1, 8), st.integers(64, 4096))
def test_every_stage_of_a_plan_fits_the_limit(case, itemsize, limit):
    shape, old, new = case
    try:
        plan = plan_rechunk(old, new, itemsize, limit)
    except ValueError as exc:
        assert "memory_limit" in str(exc)
        return
    assert (plan[-1] if plan else old) == new
    previous = old
    for stage in plan:
        assert tuple(sum(c) for c in stage) == shape
        assert stage_task_bytes(previous, stage, itemsize) <= limit
        previous = stage


def test_tall_skinny_to_short_wide_goes_through_square_blocks():
    old = blockdims_from_blockshape((16384, 16384), (16384, 64))
    new = blockdims_from_blockshape((16384, 16384), (64, 16384))
    limit = 256 * 2**20
    assert stage_task_bytes(old, new, 8) > limit  # a single stage would hold everything
    plan = plan_rechunk(old, new, 8, limit)
    assert len(plan) == 2 and plan[-1] == new
    assert stage_task_bytes(old, plan[0], 8) <= limit
    assert stage_task_bytes(plan[0], plan[1], 8) <= limit
    assert len(plan[0][0]) * len(plan[0][1]) <= 1024  # few, large intermediate blocks


def test_plan_refuses_blocks_larger_than_the_limit():
    with pytest.raises(ValueError, match="memory_limit"):
        plan_rechunk(((100,),), ((50, 50),), 8, 100)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arrays(min_dims=1, max_dims=3, max_side=8), st.data())
def test_rechunk_round_trips_exactly(executor, pair, data):
    a, x = pair
    new = data.draw(chunkings(a.shape))
    # Tight enough to force staged plans, loose enough for one old plus one new block per task.
    largest = max(np.prod([max(c) for c in x.chunks]), np.prod([max(c) for c in new]), 1)
    limit = 3 * int(largest) * a.itemsize
    y = ca.rechunk(x, new, memory_limit=limit)
    assert y.chunks == new
    assert_eq(y.compute(), a, exact=True)


def test_rechunk_of_rechunk_is_one_rechunk_and_same_chunks_is_identity():
    x = ca.ones((8, 8), chunks=4).map_blocks(lambda b: -b, dtype=float)  # not cheap to remake
    y = ca.rechunk(ca.rechunk(x, 2), 8)
    assert isinstance(y._node, Rechunk) and y._node.source is x._node
    assert ca.rechunk(x, 4) is x
    assert ca.rechunk(ca.rechunk(x, 2), 4)._node is x._node


def test_rechunk_of_a_read_reads_new_blocks_directly():
    a = np.arange(64.0).reshape(8, 8)
    y = ca.rechunk(ca.from_array(a, chunks=2), (8, 1))
    assert not isinstance(y._node, Rechunk)
    assert_eq(y.compute(), a, exact=True)


def test_rechunk_bad_chunks_raise_at_the_call():
    x = ca.ones((4, 4), chunks=2)
    with pytest.raises(ValueError, match="chunks"):
        ca.rechunk(x, (3, 3, 3))


def test_rechunk_method_is_the_function():
    x = ca.ones((4, 4), chunks=2)
    assert x.rechunk({0: 4}).chunks == ((4,), (2, 2))
    assert_eq(x.rechunk(1, memory_limit="1 KiB").compute(), np.ones((4, 4)))


def test_cheap_sources_make_the_new_blocks_themselves():
    a = np.arange(100.0).reshape(10, 10)
    x = ca.from_array(a, chunks=3)[1:, ::2]  # a sliced read: the new blocks keep the slicing
    for y, expected in [
        (x.rechunk(2), a[1:, ::2]),
        ((x * 2 + 1).rechunk((4, 1)), a[1:, ::2] * 2 + 1),
        (ca.ones((8, 8), chunks=4).rechunk((8, 1)), np.ones((8, 8))),
        ((ca.arange(10, chunks=3) + ca.ones(10, chunks=5)).rechunk(4), np.arange(10) + 1.0),
    ]:
        assert not any(isinstance(n, Rechunk) for n in collect_nodes([y._node]).values())
        assert_eq(y.compute(), expected)


# --- staging through temporary storage (method="disk") --------------------------------------------

STAGED_DTYPES = [np.bool_, np.int16, np.uint64, np.float32, np.float64, np.complex128]


def _staging(y):
    """The staged files of a staged rechunk."""
    assert isinstance(y._node, StagedRechunk), type(y._node)
    return y._node.data.value


def _gone(path: str) -> bool:
    gc.collect()
    return not os.path.exists(path)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow], max_examples=25)
@given(arrays(dtypes=STAGED_DTYPES, min_dims=1, max_dims=3, min_side=1, max_side=8), st.data())
def test_disk_rechunk_round_trips_exactly(executor, tmp_path, pair, data):
    a, x = pair
    new = data.draw(chunkings(a.shape))
    # From the least a staged rechunk accepts (an old and a new block) up: merges of all sizes.
    least = a.itemsize * sum(int(np.prod([max(c) for c in ch])) for ch in (x.chunks, new))
    limit = least * data.draw(st.sampled_from([1, 2, 4, 8, 1000]))
    with ca.config.set(temporary_directory=tmp_path):
        y = ca.rechunk(x, new, method="disk", memory_limit=limit)
    if new == x.chunks:
        assert y is x
        return
    path = _staging(y).path
    assert os.path.dirname(path) == str(tmp_path)
    assert y.chunks == new
    assert_eq(y.compute(), a, exact=True)
    assert_eq(y.compute(), a, exact=True)  # the graph runs again, over the same files
    del y
    assert _gone(path)


def test_disk_rechunk_of_datetimes_and_the_processes_executor(tmp_path):
    a = np.arange(60).reshape(6, 10).astype("M8[s]")
    x = ca.from_array(a, chunks=(6, 1)).map_blocks(lambda b: b, dtype=a.dtype)
    with ca.config.set(temporary_directory=tmp_path):
        y = x.rechunk((1, 10), method="disk")
    _staging(y)
    assert_eq(y.compute(scheduler="processes"), a, exact=True)


_POINT = np.dtype([("x", "f4"), ("tag", "S3"), ("when", "m8[ms]"), ("flags", "?", (2,))])


@pytest.mark.parametrize("a", [
    np.arange(60).reshape(6, 10).astype("m8[D]"),
    np.array([f"s{i}" * (i % 4) for i in range(60)]).reshape(6, 10),  # <U6, some empty
    np.array([b"ab\x00", b"", b"xyz"] * 20).reshape(6, 10),  # bytes, trailing NULs
    np.array([(i / 3, str(i).encode(), i, (i % 2 == 0, i % 3 == 0)) for i in range(60)],
             dtype=_POINT).reshape(6, 10),  # structured, nested subarray
], ids=["timedelta", "unicode", "bytes", "structured"])
def test_disk_rechunk_of_any_dtype_without_objects(executor, tmp_path, a):
    x = ca.from_array(a, chunks=(6, 1)).map_blocks(lambda b: b, dtype=a.dtype)
    with ca.config.set(temporary_directory=tmp_path):
        y = x.rechunk((1, 10), method="disk")
    _staging(y)
    assert_eq(y.compute(), a, exact=True)


@pytest.mark.parametrize("case", ["empty", "objects", "structured objects", "0-d"])
def test_disk_falls_back_to_memory_where_nothing_can_be_staged(case):
    a = {"empty": np.zeros((0, 4)),
         "objects": np.array([{i} for i in range(6)], dtype=object).reshape(2, 3),
         "structured objects": np.array([(i, str(i)) for i in range(6)],
                                        dtype=[("n", "i8"), ("s", object)]).reshape(2, 3),
         "0-d": np.array(3.0)}[case]
    x = ca.from_array(a, chunks=1)
    y = x.rechunk(-1, method="disk")
    assert not isinstance(y._node, StagedRechunk)
    assert_eq(y.compute(), a, exact=True)


def test_can_stage_any_dtype_of_plain_bytes():
    for dtype in ["?", "i1", "u8", "f2", "c16", "M8[ns]", "m8[s]", "S5", "U2", "V8",
                  [("a", "i4"), ("b", "f8", (3,))]]:
        assert can_stage(np.dtype(dtype)), dtype
    for dtype in [object, [("a", "i4"), ("b", object)], []]:
        assert not can_stage(np.dtype(dtype)), dtype


def _boom(block):  # a source that fails after some blocks were written
    if block[0, 0] >= 4:
        raise ZeroDivisionError("bad block")
    return block


def _fail_keeping_the_exception(tmp_path):
    x = ca.from_array(np.arange(64.0).reshape(8, 8), chunks=(8, 1)).map_blocks(_boom, dtype=float)
    with ca.config.set(temporary_directory=tmp_path):
        y = x.rechunk((1, 8), method="disk", memory_limit=400)
    path = _staging(y).path
    try:
        y.compute(scheduler="sync")
    except ZeroDivisionError as e:
        return y, e, path
    raise AssertionError("the compute did not fail")


def test_a_failing_compute_removes_its_staging_while_the_exception_lives(tmp_path):
    y, error, path = _fail_keeping_the_exception(tmp_path)
    assert "bad block" in str(error) and error.__traceback__ is not None
    gc.collect()
    assert not os.path.exists(path) and os.listdir(tmp_path) == []  # the array lives too
    del y
    assert _gone(path) and os.listdir(tmp_path) == [] and error is not None


def test_a_compute_after_a_failure_stages_again(tmp_path):
    a = np.arange(64.0).reshape(8, 8)
    x = ca.from_array(a, chunks=(8, 1)).map_blocks(lambda b: -b, dtype=float)
    with ca.config.set(temporary_directory=tmp_path):
        y = x.rechunk((1, 8), method="disk", memory_limit=400)
    path = _staging(y).path
    bad = y.map_blocks(_boom_late, dtype=float)
    with pytest.raises(ZeroDivisionError):
        bad.compute(scheduler="sync")
    assert not os.path.exists(path)
    assert_eq(y.compute(), -a, exact=True)  # the directory is made again, then removed
    assert not os.path.exists(path)


def _boom_late(block):
    raise ZeroDivisionError("after the staged reads")


def test_auto_stages_an_all_to_all_rechunk_of_a_computed_array():
    a = np.arange(64.0 * 64).reshape(64, 64)
    x = ca.from_array(a, chunks=(64, 4)).map_blocks(lambda b: -b, dtype=float)
    every = x.rechunk((4, 64), memory_limit="20 KiB")  # each new block needs the whole array
    assert isinstance(every._node, StagedRechunk)
    assert_eq(every.compute(), -a, exact=True)
    neighbours = x.rechunk((64, 8), memory_limit="20 KiB")  # two old blocks per new one
    assert isinstance(neighbours._node, Rechunk)
    assert not isinstance(x.rechunk((4, 64), memory_limit="1 MiB")._node, StagedRechunk)
    assert isinstance(x.rechunk((4, 64), memory_limit="1 MiB", method="tasks")._node, Rechunk)
    remade = ca.ones((64, 64), chunks=(64, 4)).rechunk((4, 64), memory_limit="20 KiB")
    assert not any(isinstance(n, (Rechunk, StagedRechunk))
                   for n in collect_nodes([remade._node]).values())


def test_tasks_refuses_what_it_cannot_move_within_the_memory_limit():
    # Every new block needs all 16 old ones: in memory, the whole array (32 KiB) at once.
    x = ca.ones((64, 64), chunks=(64, 4)).map_blocks(lambda b: -b, dtype=float)
    with pytest.raises(ValueError, match=r"holds 32,768 bytes at once, more than "
                       r"memory_limit=20,480.*method='disk' \(or method=None"):
        x.rechunk((4, 64), memory_limit="20 KiB", method="tasks")
    with pytest.raises(ValueError, match="memory_limit=20,480"):
        x.rechunk((4, 64), memory_limit="20 KiB", method="tasks").compute()  # before compute
    # Within the limit (each new block needs 2 old ones), or made again from the source: fine.
    assert_eq(x.rechunk((64, 8), memory_limit="20 KiB", method="tasks").compute(),
              -np.ones((64, 64)), exact=True)
    remade = ca.ones((64, 64), chunks=(64, 4)).rechunk((4, 64), memory_limit="20 KiB",
                                                       method="tasks")
    assert_eq(remade.compute(), np.ones((64, 64)), exact=True)


def test_python_objects_over_the_memory_limit_are_refused():
    a = np.array([{i} for i in range(64)], dtype=object).reshape(8, 8)
    x = ca.from_array(a, chunks=(8, 1)).map_blocks(lambda b: b, dtype=object)
    with pytest.raises(ValueError, match=r"memory_limit=100.*Python objects, which cannot be "
                       r"staged"):
        x.rechunk((1, 8), memory_limit=100)
    assert_eq(x.rechunk((1, 8), memory_limit=1000).compute(), a, exact=True)


def test_disk_rechunk_with_empty_blocks(executor, tmp_path):
    a = np.arange(80.0).reshape(8, 10)
    x = ca.from_array(a, chunks=((4, 0, 4), (5, 0, 5))).map_blocks(lambda b: -b, dtype=float)
    with ca.config.set(temporary_directory=tmp_path):
        y = x.rechunk(((2, 0, 2, 2, 2), (10, 0)), method="disk", memory_limit=400)
    assert isinstance(y._node, StagedRechunk)
    assert_eq(y.compute(), -a, exact=True)
    assert os.listdir(tmp_path) == []  # removed once the compute is done


def _quarters(tmp_path):
    """Old blocks are column pairs, new blocks are rows of a quarter of the columns: the new
    blocks of one quarter read only that quarter's 8 files (of 32)."""
    a = np.arange(64.0 * 64).reshape(64, 64)
    x = ca.from_array(a, chunks=(64, 2)).map_blocks(np.negative, dtype=float)
    with ca.config.set(temporary_directory=tmp_path):
        y = x.rechunk((2, 16), method="disk", memory_limit=4096)
    assert _staging(y).factors == (1, 1)
    return a, y


def _renames(monkeypatch):
    renamed = []
    rename = os.rename
    monkeypatch.setattr(staging_kernels.os, "rename",
                        lambda old, new: (renamed.append(new), rename(old, new))[1])
    return renamed


def test_disk_rechunk_makes_the_readers_of_a_file_together_and_writes_read_files_again(
        executor, tmp_path, monkeypatch):
    a, y = _quarters(tmp_path)
    # Down the rows of one quarter first (every reader of its files), then the next quarter;
    # elementwise steps and transposes above the rechunk keep that order.
    assert [k[1:] for k in ordered_keys(y._node)][:3] == [(0, 0), (1, 0), (2, 0)]
    assert [k[1:] for k in ordered_keys((y + 1).T._node)][:3] == [(0, 0), (0, 1), (0, 2)]
    assert [k[1:] for k in ordered_keys(y.sum(axis=0)._node)][:2] == [(0,), (1,)]  # C order
    renamed = _renames(monkeypatch)
    assert_eq(y.compute(), -a, exact=True)
    if executor == "sync":  # threads may write ahead of the readers, so recycle fewer or none
        # The files of a quarter whose readers have all run take the next quarter's blocks:
        # their pages are written again rather than new ones allocated.
        assert len(renamed) == 24 and len(set(renamed)) == len(renamed)
    assert_eq((y + 1).T.compute(), (1 - a).T, exact=True)
    assert_eq(y[5:40:3, 7:].compute(), -a[5:40:3, 7:], exact=True)  # some readers only


def test_disk_rechunk_to_zarr_writes_in_the_order_that_recycles(tmp_path, monkeypatch):
    zarr = pytest.importorskip("zarr")
    (tmp_path / "staging").mkdir()
    a, y = _quarters(tmp_path / "staging")
    renamed = _renames(monkeypatch)
    with ca.config.set(scheduler="sync"):  # the order of the tasks exactly as lowered
        y.to_zarr(str(tmp_path / "out.zarr"))
    assert len(renamed) == 24
    assert_eq(zarr.open_array(str(tmp_path / "out.zarr"), mode="r")[...], -a, exact=True)


def test_two_computes_at_once_share_the_staged_files_and_recycle_none(tmp_path, monkeypatch):
    a, y = _quarters(tmp_path)
    staging = _staging(y)
    renamed = _renames(monkeypatch)
    with staging_kernels.in_use([staging]):  # another compute is using the files meanwhile
        assert_eq(y.compute(), -a, exact=True)
        assert renamed == []
        assert len(os.listdir(staging.path)) == 32  # every file is there, under its own name
    assert not os.path.exists(staging.path)


def test_disk_names_are_deterministic_and_a_rechunk_of_it_is_one_rechunk(tmp_path):
    x = ca.ones((8, 8), chunks=(8, 1)).map_blocks(lambda b: -b, dtype=float)
    with ca.config.set(temporary_directory=tmp_path):
        y, z = x.rechunk((1, 8), method="disk"), x.rechunk((1, 8), method="disk")
    assert y.name == z.name and _staging(y).path != _staging(z).path
    assert ca.rechunk(y, (8, 1)) is not y and ca.rechunk(y, (8, 1))._node is x._node
    np.testing.assert_array_equal(ca.compute(y, z)[0], -np.ones((8, 8)))


def test_disk_rechunk_errors():
    x = ca.ones((8, 8), chunks=4).map_blocks(lambda b: -b, dtype=float)
    with pytest.raises(ValueError, match=r"method='fast' is not one of \[None, 'tasks', 'disk'\]"):
        x.rechunk(2, method="fast")
    with pytest.raises(ValueError, match="memory_limit"):
        x.rechunk(8, memory_limit=8 * 64, method="disk")  # a new block alone is the limit
    with pytest.raises(TypeError, match="temporary_directory"):
        ca.config.set(temporary_directory=3)


def test_staged_reads_and_file_groups():
    reads = staged_reads((3, 5), (4, 4))
    assert [[b for b, _, _ in pieces] for pieces in reads] == [[0, 1], [1]]
    assert reads[1] == ((1, slice(1, 5), slice(0, 4)),)
    assert staged_reads((4, 4), (0, 8))[0] == ()  # an empty new block reads nothing
    old, new = ((8,), (2,) * 8), ((2,) * 4, (16,))
    assert staging_groups(old, new, 8, 8 * 8 * 4) == (1, 2)  # two blocks of 128 bytes
    assert staging_groups(old, new, 8, 1) == (1, 1)  # a block alone is over the budget


def _blocks(a, chunks):
    """Every block of ``a`` in ``chunks``, by index."""
    bounds = [np.cumsum((0, *c)) for c in chunks]
    return {idx: a[tuple(slice(b[i], b[i + 1]) for b, i in zip(bounds, idx))]
            for idx in np.ndindex(*map(len, chunks))}


@pytest.mark.parametrize("factors", [(1, 1), (2, 1), (1, 3), (2, 2), (3, 3)])
def test_staged_files_hold_whole_blocks_in_groups(tmp_path, factors):
    chunks = ((2, 1, 3), (3, 1, 2))
    a = np.arange(36, dtype="i2").reshape(6, 6)
    staging = StagingArray.create(str(tmp_path), np.dtype("i2"), chunks, factors)
    blocks = _blocks(a, chunks)
    for idx, block in reversed(list(blocks.items())):  # any order, any layout
        staging.write(idx, np.asfortranarray(block))
    groups = {staging.group_path(i) for i in blocks}
    assert sorted(os.listdir(staging.path)) == sorted(os.path.basename(g) for g in groups)
    assert sum(map(os.path.getsize, groups)) == a.nbytes + len(blocks)  # data, one byte each
    out = np.zeros((6, 6), dtype="i2")
    staging.read_pieces(out, [(i, (slice(None),) * 2,
                               tuple(slice(b[k], b[k] + s) for k, s in enumerate(blk.shape)))
                              for i, blk in blocks.items()
                              for b in [[sum(c[:j]) for c, j in zip(chunks, i)]]])
    np.testing.assert_array_equal(out, a)


@pytest.mark.parametrize("take", [
    (slice(1, 3), slice(None)),  # rows: a run of bytes, read at once
    (slice(None), slice(2, 4)),  # columns: scattered across the block, read through a map
    (slice(1, 4), slice(0, 999)),  # nearly a run
])
def test_staged_pieces_read_back_exactly(tmp_path, take, monkeypatch):
    a = np.arange(64 * 2000.0).reshape(64, 2000)
    chunks = ((64,), (1000, 1000))
    mapped = []
    monkeypatch.setattr(staging_kernels, "_copy_mapped",
                        lambda *args: mapped.append(1) or _copy_mapped(*args))
    staging = StagingArray.create(str(tmp_path), a.dtype, chunks, (1, 2))
    for idx, block in _blocks(a, chunks).items():
        staging.write(idx, block)
    out = np.zeros((64, 1000))
    staging.read_pieces(out, [((0, 1), take, take)])
    expected = np.zeros((64, 1000))
    expected[take] = a[:, 1000:][take]
    np.testing.assert_array_equal(out, expected)
    assert bool(mapped) == (take[0] == slice(None))
    whole = (slice(None),) * 2
    staging.read_pieces(out, [((0, 0), whole, whole)])  # the other block of the same file
    np.testing.assert_array_equal(out, a[:, :1000])


def test_a_staged_block_never_written_says_why(tmp_path):
    staging = StagingArray.create(str(tmp_path), np.dtype("i2"), ((2, 1), (3,)), (2, 1))
    block = np.arange(6, dtype="i2").reshape(3, 2).T  # not C-contiguous: written in C order
    staging.write((0, 0), block)
    out = np.zeros((2, 3), dtype="i2")
    staging.read_pieces(out, [((0, 0), (slice(None),) * 2, (slice(None),) * 2)])
    np.testing.assert_array_equal(out, block)
    # Block (1, 0) shares the file but was never written (a worker that wrote elsewhere):
    with pytest.raises(FileNotFoundError, match=r"staged block.*temporary_directory"):
        staging.read_pieces(out[:1], [((1, 0), (slice(None),) * 2, (slice(None),) * 2)])
    with pytest.raises(TypeError):
        staging.write((1, 0), np.array([[object()] * 3]))  # nothing in the directory changes
    assert len(os.listdir(staging.path)) == 1
    other = StagingArray.create(str(tmp_path), np.dtype("i2"), ((2, 1), (3,)))
    with pytest.raises(FileNotFoundError, match=r"staged file.*temporary_directory"):
        other.read_pieces(out, [((0, 0), (slice(None),) * 2, (slice(None),) * 2)])
    path = staging.path
    del staging
    assert _gone(path)
    gone = StagingArray(path, np.dtype("i2"), ((2, 1), (3,)))  # e.g. a worker that cannot see it
    with pytest.raises(FileNotFoundError, match="staging directory.*temporary_directory"):
        gone.write((0, 0), block)


def test_staging_pickles_without_owning_the_files(tmp_path):
    import pickle

    staging = StagingArray.create(str(tmp_path), np.dtype("f8"), ((2,),), (1,))
    copy = pickle.loads(pickle.dumps(staging))
    assert (copy.path, copy.dtype, copy.chunks, copy.factors) == (
        staging.path, staging.dtype, staging.chunks, staging.factors)
    assert copy.owner is None and staging.owner == os.getpid()
    del copy
    assert not _gone(staging.path)  # only the original removes the directory
    path = staging.path
    del staging
    assert _gone(path)


# --- unknown (NaN) block sizes --------------------------------------------------------------------


def _masked():
    a = np.arange(60.0).reshape(12, 5)
    x = ca.from_array(a, chunks=(4, 2))
    return a[a[:, 0] % 10 != 0], x[x[:, 0] % 10 != 0]


@pytest.mark.parametrize("chunks", [{1: 5}, {1: -1}, ((np.nan,) * 3, 5), {0: None, 1: 5}])
def test_rechunk_keeps_unknown_axes(executor, chunks):
    expected, y = _masked()
    z = y.rechunk(chunks)  # None keeps axis 0's blocks, as in dask
    assert z.chunks[1] == (5,) and len(z.chunks[0]) == 3
    assert_eq(z.compute(), expected, exact=True)


def test_rechunk_refuses_one_block_for_an_axis_of_several_unknown_blocks():
    _, y = _masked()
    with pytest.raises(ValueError, match="axis 0 has unknown"):  # -1: the whole axis
        y.rechunk({0: -1, 1: 5})


def test_rechunk_refuses_to_change_unknown_axes():
    _, y = _masked()
    for chunks in [{0: 2}, 4, (4, 5)]:
        with pytest.raises(ValueError, match=r"axis 0 has unknown.*compute_chunk_sizes"):
            y.rechunk(chunks)
    with pytest.raises(ValueError, match="automatic block sizes.*compute_chunk_sizes"):
        y.rechunk({1: "auto"})
    with pytest.raises(ValueError, match="gives unknown"):
        ca.ones(4, chunks=2).rechunk(((np.nan, np.nan),))
    assert y.rechunk({0: y.chunks[0]}) is y


@pytest.mark.parametrize("chunks, expected", [
    ((None, 4), ((2, 2, 2), (4, 4))),
    ([None, 4], ((2, 2, 2), (4, 4))),
    ({0: None, 1: 4}, ((2, 2, 2), (4, 4))),
    ({1: None}, ((2, 2, 2), (3, 3, 2))),
    ((-1, None), ((6,), (3, 3, 2))),
    ((None, -1), ((2, 2, 2), (8,))),
    (None, ((2, 2, 2), (3, 3, 2))),
])
def test_none_keeps_an_axis_blocks_as_in_dask(executor, chunks, expected):
    a = np.arange(48.0).reshape(6, 8)
    x = ca.from_array(a, chunks=(2, 3))
    y = x.rechunk(chunks)
    assert y.chunks == expected
    assert_eq(y, a)


def test_none_keeps_an_axis_of_unknown_sizes(executor):
    a = np.arange(48.0).reshape(6, 8)
    x = ca.from_array(a, chunks=(2, 3))
    m = x[x[:, 0] > 10]
    y = m.rechunk((None, 4))
    assert y.chunks[1] == (4, 4)
    assert_eq(y, a[a[:, 0] > 10])
