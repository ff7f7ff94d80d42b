"""The ChunkedArray (``chunkarray.array``), compute/persist, the executors and graph lowering."""

from __future__ import annotations

import operator
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core import config
from chunkarray.core.chunks import chunk_boundaries
from chunkarray.core.graph import Lowered, Node, lower
from chunkarray.executors import get_executor, sync, threads
from tests.strategies import ALL_DTYPES, arrays, assert_eq, chunkings, values

with_fixture = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                               HealthCheck.too_slow])


class CountingArray:
    """An array-like that counts its reads, to see which work a computation repeats."""

    def __init__(self, data: np.ndarray) -> None:
        self._data = data
        self.shape = data.shape
        self.dtype = data.dtype
        self.reads: list[tuple[slice, ...]] = []
        self._lock = threading.Lock()

    def __getitem__(self, index):
        with self._lock:
            self.reads.append(index)
        return self._data[index].copy()


# --- metadata -------------------------------------------------------------------------------------


@given(arrays())
def test_metadata_matches_numpy(pair):
    a, x = pair
    assert x.shape == a.shape and x.dtype == a.dtype and x.ndim == a.ndim
    assert x.size == a.size and x.nbytes == a.nbytes and x.itemsize == a.itemsize
    assert tuple(map(sum, x.chunks)) == a.shape
    assert x.numblocks == tuple(len(c) for c in x.chunks)
    assert x.npartitions == int(np.prod(x.numblocks))
    assert x.chunksize == tuple(max(c) for c in x.chunks)
    if a.ndim:
        assert len(x) == len(a)


def test_metadata_example():
    x = ca.from_array(np.zeros((10, 7), dtype=np.float32), chunks=(4, (3, 4)))
    assert x.chunks == ((4, 4, 2), (3, 4))
    assert x.numblocks == (3, 2) and x.npartitions == 6 and x.chunksize == (4, 4)
    assert x.nbytes == 280 and x.size == 70 and x.itemsize == 4 and len(x) == 10
    assert repr(x) == ("chunkarray.ChunkedArray<shape=(10, 7), dtype=float32, chunksize=(4, 4), "
                       "numblocks=(3, 2)>")
    assert repr(ca.zeros(())) == ("chunkarray.ChunkedArray<shape=(), dtype=float64, chunksize=(), "
                                  "numblocks=()>")
    assert ca.zeros((0, 3)).chunks == ((0,), (3,))
    assert ca.zeros((0, 3)).npartitions == 1


def test_len_of_0d_array():
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d array"):
        len(ca.zeros(()))
    assert len(ca.zeros((0, 3))) == 0


def test_arrays_are_unhashable_and_names_are_deterministic():
    with pytest.raises(TypeError, match="unhashable"):
        hash(ca.zeros(3))
    assert ca.zeros(3, chunks=2).name == ca.zeros(3, chunks=2).name
    assert ca.zeros(3, chunks=2).name != ca.ones(3, chunks=2).name


# --- blocks ---------------------------------------------------------------------------------------


def _block_positions(chunks, maps):
    """For each axis, the element positions covered by the chosen blocks, in order."""
    out = []
    for c, m in zip(chunks, maps):
        bounds = chunk_boundaries(c)
        out.append([p for b in m for p in range(bounds[b], bounds[b + 1])])
    return out


@st.composite
def block_index(draw, n):
    """One axis's block index, with the block numbers it selects."""
    kind = draw(st.sampled_from(["int", "slice", "list"]))
    if kind == "int":
        i = draw(st.integers(-n, n - 1))
        return i, [i % n]
    if kind == "slice":
        s = slice(draw(st.none() | st.integers(-n - 1, n + 1)),
                  draw(st.none() | st.integers(-n - 1, n + 1)),
                  draw(st.none() | st.integers(1, 3) | st.integers(-3, -1)))
        return s, list(range(n))[s]
    picks = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))
    return picks, [p % n for p in picks]


@with_fixture
@given(data=st.data())
def test_blocks_select_the_right_blocks(executor, data):
    a, x = data.draw(arrays(min_dims=1, max_dims=3))
    chosen = [data.draw(block_index(n)) for n in x.numblocks]
    index = tuple(i for i, _ in chosen)
    maps = [m for _, m in chosen]
    if not all(maps):
        with pytest.raises(IndexError, match="selects no blocks on axis"):
            x.blocks[index]
        return
    y = x.blocks[index]
    assert y.chunks == tuple(tuple(c[b] for b in m) for c, m in zip(x.chunks, maps))
    expected = a[np.ix_(*_block_positions(x.chunks, maps))]
    assert_eq(y.compute(), expected, exact=True)


def test_blocks_forms(executor):
    a = np.arange(30).reshape(6, 5)
    x = ca.from_array(a, chunks=(2, (2, 3)))
    assert_eq(x.blocks[0].compute(), a[:2])  # missing axes are whole
    assert_eq(x.blocks[-1, -1].compute(), a[4:, 2:])
    assert_eq(x.blocks[np.int64(1), 0].compute(), a[2:4, :2])
    assert_eq(x.blocks[[2, 0]].compute(), np.concatenate([a[4:], a[:2]]))
    assert_eq(x.blocks[np.array([1]), ::-1].compute(), np.concatenate([a[2:4, 2:], a[2:4, :2]],
                                                                       axis=1))
    assert x.blocks[1:, 1].chunks == ((2, 2), (3,))
    assert x.blocks[:].name == x.blocks[:, :].name


def test_blocks_errors():
    x = ca.ones((6, 5), chunks=(2, 3))
    with pytest.raises(IndexError, match="block index 3 is out of range for axis 0 with 3 blocks"):
        x.blocks[3]
    with pytest.raises(IndexError, match="block index -3 is out of range for axis 1 with 2 blocks"):
        x.blocks[0, -3]
    with pytest.raises(IndexError, match="block index 5 is out of range for axis 0"):
        x.blocks[[0, 5]]
    with pytest.raises(IndexError, match="too many block indices: the array has 2 axes, got 3"):
        x.blocks[0, 0, 0]
    with pytest.raises(IndexError, match="selects no blocks on axis 0 \\(which has 3 blocks\\)"):
        x.blocks[5:]
    with pytest.raises(IndexError, match="selects no blocks on axis 1"):
        x.blocks[:, []]
    with pytest.raises(TypeError, match="block indices must be ints, slices or lists of ints, "
                                        "got 1.5"):
        x.blocks[1.5]
    with pytest.raises(TypeError, match="got \\[True, False, True\\]"):
        x.blocks[[True, False, True]]
    with pytest.raises(TypeError, match="block indices must be ints"):
        x.blocks[None]


# --- compute and persist --------------------------------------------------------------------------


def test_compute_returns_numpy(executor):
    a = np.arange(12.0).reshape(3, 4)
    x = ca.from_array(a, chunks=2)
    out = x.compute()
    assert type(out) is np.ndarray
    assert_eq(out, a)
    zero_d = ca.from_array(np.float32(3)).compute()
    assert type(zero_d) is np.float32 and zero_d == 3
    assert_eq(ca.zeros((0, 3), chunks=2).compute(), np.zeros((0, 3)))


def test_compute_several_and_other_values(executor):
    x = ca.arange(6, chunks=4)
    a, b, c = ca.compute(x, 7, x + 1)
    assert_eq(a, np.arange(6))
    assert c is not None and b == 7
    assert_eq(c, np.arange(6) + 1)
    assert ca.compute() == ()
    assert ca.compute("a", None) == ("a", None)


def test_compute_results_are_independent(executor):
    x = ca.arange(4, chunks=-1) + 1
    a, b = ca.compute(x, x)
    a[0] = 99
    assert b[0] == 1
    c, d = ca.compute(x, x.blocks[0])
    assert not np.shares_memory(c, d)


def test_compute_shares_common_work(executor):
    source = CountingArray(np.arange(24.0).reshape(4, 6))
    x = ca.from_array(source, chunks=(2, 3))
    a, b, total = ca.compute(x + 1, x * 2, x.sum())
    expected = np.arange(24.0).reshape(4, 6)
    assert_eq(a, expected + 1)
    assert_eq(b, expected * 2)
    assert_eq(total, expected.sum())
    assert sorted(map(repr, source.reads)) == sorted(set(map(repr, source.reads)))
    assert len(source.reads) == x.npartitions  # each block read once for all three results


@with_fixture
@given(pair=arrays(dtypes=[np.int32, np.float64, np.complex64]))
def test_persist_holds_blocks(executor, pair):
    a, _ = pair
    source = CountingArray(a)
    x = ca.from_array(source, chunks=pair[1].chunks)
    y = (x + 1).persist()
    reads = len(source.reads)
    assert reads == x.npartitions
    assert y.chunks == x.chunks and y.dtype == (a + 1).dtype and y.shape == a.shape
    assert_eq(y.compute(), a + 1)
    assert_eq((y * 2).compute(), (a + 1) * 2)
    assert_eq(y.compute(), a + 1)  # again: the same values ...
    assert len(source.reads) == reads  # ... and the source is not read again


def test_persisted_blocks_cannot_be_changed_through_results(executor):
    x = ca.arange(10, chunks=-1).persist()
    out = x.compute()
    out[0] = 99
    assert x.compute()[0] == 0
    y = ca.arange(10, chunks=3).persist()
    first = y.blocks[0].compute()
    first[:] = -1
    assert_eq(y.compute(), np.arange(10))


def test_persist_several(executor):
    x = ca.arange(6, chunks=2)
    p, q, other = ca.persist(x, x * 3, "other")
    assert other == "other"
    assert_eq(p.compute(), np.arange(6))
    assert_eq(q.compute(), np.arange(6) * 3)
    assert p.name != x.name and p.name.startswith("persist-")
    assert ca.persist() == ()


def test_compute_rejects_bad_num_workers():
    x = ca.ones(4, chunks=2)
    with pytest.raises(ValueError, match="num_workers must be a positive int or None, got 0"):
        x.compute(num_workers=0)
    with pytest.raises(ValueError, match="got 1.5"):
        ca.compute(x, num_workers=1.5)
    assert_eq(x.compute(num_workers=3), np.ones(4))


# --- conversions ----------------------------------------------------------------------------------


def test_array_protocol(executor):
    a = np.arange(12).reshape(3, 4)
    x = ca.from_array(a, chunks=(2, 3))
    assert_eq(np.asarray(x), a)
    assert_eq(np.asarray(x, dtype=np.float32), a.astype(np.float32))
    assert_eq(np.array(x), a)
    assert_eq(np.asarray(ca.from_array(np.int16(4))), np.asarray(np.int16(4)))
    with pytest.raises(ValueError, match="cannot be converted to NumPy without computing"):
        np.array(x, copy=False)


def _same_as_numpy(convert, a, x):
    """``convert(x)`` behaves as ``convert(a)``: equal results, or the same exception type."""
    try:
        expected = convert(a)
    except Exception as exc:  # noqa: BLE001 - any error NumPy gives must be ours too
        with pytest.raises(type(exc)):
            convert(x)
        return
    result = convert(x)
    assert type(result) is type(expected) and result == expected


@with_fixture
@given(dtype=st.sampled_from(ALL_DTYPES),
       shape=st.sampled_from([(), (1,), (1, 1), (2,), (0,), (3, 2)]), data=st.data())
def test_scalar_conversions_follow_numpy(executor, dtype, shape, data):
    a = data.draw(values(dtype, shape))
    x = ca.from_array(a, chunks=data.draw(chunkings(shape)))
    for convert in (bool, int, float, complex, operator.index):
        _same_as_numpy(convert, a, x)


def test_scalar_conversion_messages():
    with pytest.raises(TypeError, match=r"only 0-dimensional arrays can be converted to Python "
                                        r"scalars, got shape \(1,\)"):
        int(ca.ones(1))
    with pytest.raises(TypeError, match=r"got shape \(2, 2\)"):
        float(ca.ones((2, 2)))
    with pytest.raises(ValueError, match=r"the truth value of an array of shape \(2,\) is "
                                         r"ambiguous"):
        bool(ca.ones(2))
    with pytest.raises(ValueError, match=r"shape \(0,\) is ambiguous"):
        bool(ca.ones(0))
    with pytest.raises(TypeError, match="only 0-d integer arrays can be used as an index"):
        operator.index(ca.from_array(np.array(True)))
    with pytest.raises(TypeError, match="only 0-d integer arrays"):
        [1, 2, 3][ca.ones(())]
    assert [1, 2, 3][ca.from_array(np.int8(2))] == 3
    assert bool(ca.ones((1, 1))) is True
    assert int(ca.full((), 7.9)) == 7 and complex(ca.full((), 2)) == 2 + 0j


@with_fixture
@given(pair=arrays(), dtype=st.sampled_from(ALL_DTYPES))
def test_astype(executor, pair, dtype):
    a, x = pair
    with np.errstate(all="ignore"):
        expected = a.astype(dtype)
        y = x.astype(dtype)
        assert y.chunks == x.chunks
        assert_eq(y.compute(), expected, exact=True)


def test_astype_checks_casting_at_the_call():
    with pytest.raises(TypeError, match="cannot cast array from float64 to int32 with "
                                        "casting='safe'"):
        ca.ones(3).astype(np.int32, casting="safe")
    x = ca.ones(3)
    assert x.astype(x.dtype) is x


@with_fixture
@given(pair=arrays())
def test_transpose_property(executor, pair):
    a, x = pair
    assert x.T.chunks == x.chunks[::-1]
    assert_eq(x.T.compute(), a.T, exact=True)
    assert_eq(x.T.T.compute(), a, exact=True)


# --- executors: errors ----------------------------------------------------------------------------


class BlockError(RuntimeError):
    pass


def _fail_at(bad, calls, block, block_id=None):
    calls.append(block_id)
    if block_id == bad:
        raise BlockError(f"bad block {block_id}")
    return block


def test_task_errors_reach_the_caller_with_the_block(executor):
    x = ca.from_array(np.arange(20), chunks=4)
    calls: list = []
    y = x.map_blocks(partial(_fail_at, (2,), calls), dtype=x.dtype)
    with pytest.raises(BlockError, match=r"bad block \(2,\)") as info:
        y.compute()
    notes = info.value.__notes__
    assert any(f"'{y.name}', 2)" in note and "raised while computing block" in note
               for note in notes), notes


def test_sync_executor_stops_at_the_failing_block():
    x = ca.from_array(np.arange(40), chunks=4)
    calls: list = []
    y = x.map_blocks(partial(_fail_at, (3,), calls), dtype=x.dtype)
    with pytest.raises(BlockError):
        y.compute(scheduler="sync")
    assert calls == [(0,), (1,), (2,), (3,)]  # nothing after the failure ran


# The threaded executor's cancellation after a failure: tests/test_executors.py.


@pytest.mark.parametrize("execute", [sync.execute, threads.execute], ids=["sync", "threads"])
def test_executor_error_keeps_type_message_and_traceback(execute):
    def boom(value):
        raise KeyError(f"missing {value}")

    lowered = lower_by_hand({("a", 0): 5, ("b", 0): (boom, ("a", 0))})
    with pytest.raises(KeyError, match="missing 5") as info:
        execute(lowered, [("b", 0)], 2)
    assert info.value.__notes__ == ["chunkarray: raised while computing block ('b', 0)"]
    assert "boom" in "".join(str(tb.name) for tb in info.traceback)


def test_unknown_schedulers():
    x = ca.ones(3)
    with pytest.raises(ValueError, match=r"scheduler='fork' is not a known scheduler; choose "
                                         r"one of \['dask', 'multiprocessing', 'processes', "
                                         r"'single-threaded', 'sync'"):
        x.compute(scheduler="fork")
    with pytest.raises(ValueError, match="scheduler=3 is not a known scheduler"):
        ca.compute(x, scheduler=3)
    with pytest.raises(ValueError, match="scheduler='nope' is not a known scheduler"):
        config.set(scheduler="nope")
    with pytest.raises(TypeError, match="scheduler must be a string naming a scheduler or a "
                                        "distributed.Client, got None"):
        config.set(scheduler=None)
    assert config.get("scheduler") == "threads"
    for alias, name in [("threading", "threads"), ("synchronous", "sync"),
                        ("single-threaded", "sync")]:
        assert get_executor(alias) is get_executor(name)
        assert_eq(x.compute(scheduler=alias), np.ones(3))


# --- config ---------------------------------------------------------------------------------------


def test_config_set_is_a_context_manager_that_restores():
    before = {k: config.get(k) for k in ("scheduler", "num_workers", "chunk_size")}
    with config.set(scheduler="sync", num_workers=2) as cm:
        assert isinstance(cm, config.set)
        assert config.get("scheduler") == "sync" and config.get("num_workers") == 2
        with config.set(scheduler="threading", chunk_size="1 MiB"):
            assert config.get("scheduler") == "threads" and config.get("chunk_size") == "1 MiB"
        assert config.get("scheduler") == "sync" and config.get("chunk_size") == "128 MiB"
    assert {k: config.get(k) for k in before} == before
    with pytest.raises(ZeroDivisionError):
        with config.set(num_workers=3):
            1 / 0  # noqa: B018 - the error is the point
    assert config.get("num_workers") is None


def test_config_set_without_with_and_bad_values():
    setting = config.set(split_every=4)
    try:
        assert config.get("split_every") == 4
    finally:
        setting.__exit__(None, None, None)
    assert config.get("split_every") == 16
    with pytest.raises(ValueError, match=r"chunk_size='lots': could not parse byte size"):
        config.set(chunk_size="lots")
    with pytest.raises(ValueError, match=r"memory_limit=0: byte size must be positive"):
        config.set(memory_limit=0)
    with pytest.raises(ValueError, match=r"num_workers must be a positive int or None, got 0"):
        config.set(num_workers=0)
    with pytest.raises(ValueError, match=r"split_every must be an int >= 2, got 1"):
        config.set(split_every=1)
    with pytest.raises(TypeError, match=r"unknown setting\(s\) \['colour'\]"):
        config.set(colour="blue")
    with pytest.raises(KeyError, match="unknown setting 'colour'"):
        config.get("colour")
    # A bad value leaves every setting as it was, the good ones given with it included.
    with pytest.raises(ValueError):
        config.set(scheduler="sync", num_workers=-1)
    assert config.get("scheduler") == "threads"


def test_config_scheduler_is_used_by_compute():
    seen = []

    def record(block):
        seen.append(threading.current_thread().name)
        return block

    x = ca.ones(8, chunks=1).map_blocks(record, dtype=float)
    with config.set(scheduler="sync"):
        x.compute()
    assert set(seen) == {threading.current_thread().name}


# --- executors: concurrency and memory ------------------------------------------------------------


def test_two_threads_compute_at_once(executor):
    a = np.arange(600.0).reshape(20, 30)
    x = ca.from_array(a, chunks=(3, 7))
    exprs = [(x + 1, a + 1), (x * x, a * a), (x.sum(axis=0), a.sum(axis=0)), (x.T - 2, a.T - 2)]

    def run(i):
        ours, expected = exprs[i % len(exprs)]
        return ours.compute(num_workers=3), expected

    with ThreadPoolExecutor(4) as pool:
        for result, expected in pool.map(run, range(16)):
            assert_eq(result, expected)


class Big:
    """A stand-in for a large block that counts how many are alive."""

    live = 0
    peak = 0
    lock = threading.Lock()

    def __init__(self, value):
        self.value = value
        with Big.lock:
            Big.live += 1
            Big.peak = max(Big.peak, Big.live)

    def __del__(self):
        with Big.lock:
            Big.live -= 1


def _make_big(i, delay):
    time.sleep(delay)
    return Big(i)


def _small(big):
    return big.value


def _total(values):
    return sum(values)


def lower_by_hand(tasks):
    """A :class:`Lowered` from a plain dict, through :func:`lower` over a one-off node."""

    class Literal(Node):
        __slots__ = ()

        def block_task(self, index):
            key = (self.name, *index)
            task = tasks[key]
            args = task[1:] if type(task) is tuple else ()
            deps = [a for a in args if type(a) is tuple]
            deps += [k for a in args if type(a) is list for k in a]
            return task, deps

    names = {k[0] for k in tasks}
    nodes = {name: Literal(name, (), np.dtype(object)) for name in names}
    return lower(nodes.values(), list(tasks), nodes)


def _fan_in_graph(n, delay):
    tasks = {}
    for i in range(n):
        tasks[("load", i)] = (partial(_make_big, i, delay),)
        tasks[("small", i)] = (_small, ("load", i))
    tasks[("total", 0)] = (_total, [("small", i) for i in range(n)])
    return lower_by_hand(tasks)


def test_sync_executor_frees_each_block_after_its_last_use():
    lowered = _fan_in_graph(50, 0)
    Big.live = Big.peak = 0
    assert sync.execute(lowered, [("total", 0)]) == [sum(range(50))]
    assert Big.peak == 1 and Big.live == 0


def test_threaded_executor_frees_results_early():
    lowered = _fan_in_graph(120, 0.002)
    Big.live = Big.peak = 0
    assert threads.execute(lowered, [("total", 0)], 2) == [sum(range(120))]
    assert Big.live == 0
    assert Big.peak <= 8  # a few per worker, never all 120 inputs at once


def test_requested_dependencies_are_kept():
    lowered = _fan_in_graph(5, 0)
    for execute in (sync.execute, threads.execute):
        Big.live = 0
        out = execute(lowered, [("load", 2), ("total", 0)], 2)
        assert out[0].value == 2 and out[1] == 10
        del out


# --- graph.lower ----------------------------------------------------------------------------------


class Leaf(Node):
    __slots__ = ()

    def block_task(self, index):
        return (partial(np.full, 2, index[0]),), ()


class Pairs(Node):
    """Block ``i`` concatenates source blocks ``2i`` and ``2i + 1``: a step of a reduction tree."""

    __slots__ = ("source",)

    def __init__(self, name, source):
        n = len(source.chunks[0]) // 2
        super().__init__(name, ((2 * source.chunks[0][0],) * n,), source.dtype)
        self.source = source

    @property
    def dependencies(self):
        return (self.source,)

    def block_task(self, index):
        keys = [(self.source.name, 2 * index[0]), (self.source.name, 2 * index[0] + 1)]
        return (np.concatenate, keys), keys


def _tree(nleaves):
    leaf = Leaf("leaf", ((2,) * nleaves,), np.int64)
    level1 = Pairs("pairs", leaf)
    return leaf, level1, Pairs("top", level1)


def test_lower_is_depth_first_post_order():
    leaf, level1, top = _tree(4)
    lowered = lower([top], list(top.keys()))
    assert lowered.order == [
        ("leaf", 0), ("leaf", 1), ("pairs", 0), ("leaf", 2), ("leaf", 3), ("pairs", 1), ("top", 0),
    ]
    assert lowered.dependencies[("pairs", 1)] == (("leaf", 2), ("leaf", 3))
    assert lowered.dependencies[("leaf", 0)] == ()
    assert set(lowered.tasks) == set(lowered.order)
    assert_eq(sync.execute(lowered, [("top", 0)])[0], np.repeat(np.arange(4), 2))


def test_lower_culls_to_the_keys_asked_for():
    leaf, level1, top = _tree(8)
    lowered = lower([level1], [("pairs", 3)])
    assert lowered.order == [("leaf", 6), ("leaf", 7), ("pairs", 3)]
    assert set(lowered.tasks) == {("leaf", 6), ("leaf", 7), ("pairs", 3)}


@given(nleaves=st.sampled_from([2, 4, 8, 16]), data=st.data())
def test_lower_order_is_topological(nleaves, data):
    leaf, level1, top = _tree(nleaves)
    wanted = data.draw(st.lists(st.sampled_from(list(level1.keys()) + list(top.keys())),
                                min_size=1, unique=True))
    lowered = lower([top], wanted)
    position = {k: i for i, k in enumerate(lowered.order)}
    assert len(position) == len(lowered.order) == len(lowered.tasks)
    for key, deps in lowered.dependencies.items():
        assert all(position[d] < position[key] for d in deps)
    for key in wanted:
        assert key in position
    # Depth first: each Pairs block comes straight after the last leaf it reads.
    for key in lowered.order:
        if key[0] == "pairs":
            assert lowered.order[position[key] - 1] == lowered.dependencies[key][-1]


def test_lowered_shares_common_work():
    leaf, level1, top = _tree(4)
    lowered = lower([top, level1], [("top", 0), *level1.keys()])
    assert len(lowered.order) == 7  # the pairs blocks are not emitted twice
    assert isinstance(lowered, Lowered)


def test_many_tiny_blocks_warn_once_and_can_be_silenced(monkeypatch):
    # ``chunkarray.array`` is NumPy's ``array`` constructor; the module is in sys.modules.
    array_module = sys.modules["chunkarray.array"]

    monkeypatch.setattr(array_module, "_warned_tiny", False)
    x = ca.from_array(np.ones(12_000), chunks=1)
    with ca.config.set(warn_small_chunks=False), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.sum().compute() == 12_000
    with pytest.warns(array_module.PerformanceWarning, match="larger blocks"):
        x.sum().compute()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process: no second warning
        x.sum().compute()
    big = ca.from_array(np.ones(12_000), chunks=6_000)
    monkeypatch.setattr(array_module, "_warned_tiny", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # few tasks: no warning
        big.sum().compute()
