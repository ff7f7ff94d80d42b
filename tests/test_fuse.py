"""Blockwise fusion: results equal unfused ones and NumPy's; chains lower to one task a block."""

from __future__ import annotations

import threading
import weakref

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core.graph import lower
from chunkarray.executors import sync
from chunkarray.kernels import program
from chunkarray.optimize.fuse import fuse
from chunkarray.primitives.fused import Fused, PartlyHeld
from chunkarray.primitives.sinks import into
from tests.strategies import arrays, assert_eq

# One table of steps: name -> (chunked op, NumPy op). Both sides get the same operands.
STEPS = {
    "mul2": lambda v: v * 2,
    "add1": lambda v: v + 1,
    "neg": lambda v: -v,
    "square": lambda v: v * v,
    "sin": np.sin,
    "abs": abs,
    "sub": lambda v: v - 0.5,
    "where": lambda v: np.where(v > 0, v, 0.25),  # chunked arrays dispatch to ca.where
    "clip": lambda v: np.clip(v, -1, 1),
    "astype32": lambda v: v.astype(np.float32),
}
FINALS = {
    "none": lambda v: v,
    "sum": lambda v: v.sum(),
    "sum0": lambda v: v.sum(axis=0),
    "mean_last": lambda v: v.mean(axis=-1),
    "max": lambda v: v.max(),
    "var0": lambda v: v.var(axis=0),
}


def _apply(chain, final, v):
    for name in chain:
        v = STEPS[name](v)
    return FINALS[final](v)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    arrays(dtypes=[np.float64], min_dims=1, min_side=1),
    st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=5),
    st.sampled_from(sorted(FINALS)),
)
def test_fused_equals_unfused_and_numpy(executor, pair, chain, final):
    a, x = pair
    with np.errstate(all="ignore"):
        expected = _apply(chain, final, a)
        fused = _apply(chain, final, x).compute()
        with ca.config.set(fuse=False):
            unfused = _apply(chain, final, x).compute()
    assert_eq(fused, expected)
    assert_eq(fused, unfused)


def test_chain_lowers_to_one_task_per_block():
    a = np.arange(24.0).reshape(4, 6)
    x = ca.from_array(a, chunks=(2, 3))
    y = (x * 2 + 1) ** 2
    nodes = fuse([y._node])
    assert isinstance(nodes[y.name], Fused)
    lowered = lower([y._node], list(y._node.keys()), nodes)
    block_tasks = [k for k in lowered.tasks if k[0] == y.name]
    assert len(block_tasks) == 4
    # Besides the 4 fused tasks, only the source array itself is in the graph.
    assert len(lowered.tasks) == 5
    assert_eq(y.compute(), (a * 2 + 1) ** 2)


def test_reduction_chunk_step_is_fused_with_its_inputs():
    x = ca.from_array(np.ones((8, 8)), chunks=4)
    total = (x * 2 + 1).sum()
    nodes = fuse([total._node])
    fused = [n for n in nodes.values() if isinstance(n, Fused)]
    assert len(fused) == 1 and len(fused[0].members) == 4  # read, *2, +1, chunk-sum
    assert total.compute() == 192.0


def test_shared_intermediate_is_not_computed_twice():
    calls = []

    def record(block):
        calls.append(block.shape)
        return block + 1

    x = ca.from_array(np.arange(8.0), chunks=4)
    y = x.map_blocks(record, dtype=float)
    z = y * 2 + y.sum()  # y feeds two consumers: it must stay a task of its own
    calls.clear()
    assert_eq(z.compute(scheduler="sync"), (np.arange(8.0) + 1) * 2 + 36.0)
    assert len(calls) == 2  # once per block of y


def test_outputs_requested_together_are_not_fused_away():
    x = ca.from_array(np.arange(6.0), chunks=2)
    y = x + 1
    z = y * 2
    ry, rz = ca.compute(y, z)
    assert_eq(ry, np.arange(6.0) + 1)
    assert_eq(rz, (np.arange(6.0) + 1) * 2)


def test_large_blocks_run_in_pieces_with_the_same_result(executor, monkeypatch):
    monkeypatch.setattr(program, "PIECE_BYTES", 1024)  # force many pieces on a small block
    rng = np.random.default_rng(1)
    a = rng.normal(size=(301, 17))
    x = ca.from_array(a, chunks=(150, 17))
    for got, want in [
        ((x * 2 + 1).sum(), (a * 2 + 1).sum()),
        ((x * 2 + 1).sum(axis=1), (a * 2 + 1).sum(axis=1)),
        ((x - 1).var(axis=0), (a - 1).var(axis=0)),
        (np.sin(x) * x, np.sin(a) * a),
        ((x > 0) & (x < 1), (a > 0) & (a < 1)),
    ]:
        assert_eq(got.compute(), want)


def test_fused_program_never_writes_into_the_input():
    a = np.arange(10.0)
    before = a.copy()
    x = ca.from_array(a, chunks=5)
    ((x + 1) * 3 - 2).compute()
    np.testing.assert_array_equal(a, before)


@pytest.mark.parametrize("scheduler", ["threads", "sync"])
def test_fusion_can_be_switched_off(scheduler):
    x = ca.from_array(np.arange(4.0), chunks=2)
    with ca.config.set(fuse=False):
        assert_eq((x + 1).compute(scheduler=scheduler), np.arange(4.0) + 1)


def test_cheap_input_larger_than_the_limit_is_recomputed_not_held(executor):
    x = ca.ones((64, 16), chunks=(8, 16)) * 3  # 8 KiB: larger than the limit below
    anomaly = (x - x.mean(axis=0)).std(axis=0)
    with ca.config.set(memory_limit="1 KiB"):
        nodes = fuse([anomaly._node])
        lowered = lower([anomaly._node], list(anomaly._node.keys()), nodes)
        result = anomaly.compute()
    # x is made inside each of its two consumers' fused tasks; none of its blocks is a task.
    assert not any(k[0] == x.name for k in lowered.tasks)
    assert_eq(result, np.zeros(16))


def test_input_within_the_limit_is_held_and_read_once():
    reads = []

    class Source:
        shape, dtype, ndim = (8, 4), np.dtype(float), 2

        def __getitem__(self, index):
            reads.append(index)
            return np.ones((8, 4))[index]

    x = ca.from_array(Source(), chunks=(2, 4))
    anomaly = x - x.mean(axis=0)
    assert_eq(anomaly.compute(scheduler="sync"), np.zeros((8, 4)))
    assert len(reads) == 4  # each block read once and held: it fits the memory limit


class _Counted:
    """An array-like that counts its reads and how many of the blocks it gave out are alive."""

    def __init__(self, a: np.ndarray) -> None:
        self.a, self.shape, self.dtype, self.ndim = a, a.shape, a.dtype, a.ndim
        self.reads = 0
        self.alive = self.most_alive = 0
        self._lock = threading.Lock()

    def _gone(self) -> None:
        with self._lock:
            self.alive -= 1

    def __getitem__(self, index):
        block = self.a[index].copy()
        with self._lock:
            self.reads += 1
            self.alive += 1
            self.most_alive = max(self.most_alive, self.alive)
        weakref.finalize(block, self._gone)
        return block


def _anomaly_reads(limit: str, workers: int = 1, scheduler: str = "sync"):
    a = np.random.default_rng(0).random((64, 16))  # 8 blocks of 1 KiB
    source = _Counted(a)
    x = ca.from_array(source, chunks=(8, 16))
    with ca.config.set(memory_limit=limit, num_workers=workers):
        got = (x - x.mean(axis=0)).std(axis=0).compute(scheduler=scheduler)
    assert_eq(got, (a - a.mean(axis=0)).std(axis=0))
    return source


@pytest.mark.parametrize("limit, reads", [
    ("4 KiB", 16),  # no room beside the blocks being made: every block read twice
    ("6 KiB", 14),  # 2 KiB left for held blocks: two held, six read again
    ("9 KiB", 11),
    ("12 KiB", 8),  # the whole input fits beside the blocks being made: read once
])
def test_a_shared_input_is_held_as_far_as_the_limit_allows(limit, reads):
    source = _anomaly_reads(limit)
    assert source.reads == reads
    # Held blocks, and the one being made: the budget is the limit less room for the blocks of
    # the task running.
    assert source.most_alive * 1024 <= ca.core.bytesize.parse_bytes(limit)


def test_reads_fall_steadily_as_the_limit_grows(executor):
    counts = [_anomaly_reads(f"{k} KiB", workers=2, scheduler=executor).reads
              for k in range(8, 17)]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == 16 and counts[-1] == 8
    assert len(set(counts)) == 9  # one more block held per KiB, from 0 to all 8


def test_the_threaded_executor_frees_held_blocks_after_their_last_use():
    source = _anomaly_reads("11 KiB", workers=2, scheduler="threads")
    assert source.reads == 13  # 11 KiB less room for 2 x 4 blocks: three held
    assert source.most_alive <= 3 + 2 * 4


def test_the_blocks_needed_again_soonest_are_held():
    x = ca.ones((64, 16), chunks=(8, 16)) * 3
    anomaly = (x - x.mean(axis=0)).std(axis=0)
    with ca.config.set(memory_limit="8 KiB", num_workers=1):
        nodes = fuse([anomaly._node])
        lowered = lower([anomaly._node], list(anomaly._node.keys()), nodes)
        assert_eq(anomaly.compute(), np.zeros(16))
    assert any(isinstance(n, PartlyHeld) for n in nodes.values())
    held = sorted(k for k in lowered.tasks if k[0] == x.name)
    assert held == [(x.name, i, 0) for i in range(4)]  # the subtraction takes blocks in order


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arrays(dtypes=[np.float64], min_dims=1, min_side=1), st.integers(1, 4096),
       st.integers(1, 3))
def test_partly_held_results_equal_numpy(executor, pair, limit, workers):
    a, x = pair
    y = x * 2 + 1  # shared, elementwise over a read: made again whole where not held
    with ca.config.set(memory_limit=limit, num_workers=workers), np.errstate(all="ignore"):
        assert_eq((y - y.mean(axis=0)).std(axis=0).compute(),
                  ((a * 2 + 1) - (a * 2 + 1).mean(axis=0)).std(axis=0))
        assert_eq((y - x.sum(axis=0)) * x, ((a * 2 + 1) - a.sum(axis=0)) * a)


def _fill(y: ca.ChunkedArray) -> tuple[np.ndarray, list]:
    """Run ``y`` into a preallocated result as ``compute`` does: the result and block values."""
    out = np.full(y.shape, -1, dtype=y.dtype)
    root = into(y._node, out)
    lowered = lower([root], list(root.keys()), fuse([root]))
    return out, sync.execute(lowered, list(root.keys()))


def test_compute_copies_blocks_into_the_result_inside_the_fused_task():
    a = np.arange(24.0).reshape(4, 6)
    y = (ca.from_array(a, chunks=(2, 3)) * 2 + 1) ** 2
    root = into(y._node, np.empty(y.shape))
    lowered = lower([root], list(root.keys()), fuse([root]))
    assert len(lowered.tasks) == 5  # still one task per block, and the source array
    out, values = _fill(y)
    assert_eq(out, (a * 2 + 1) ** 2)
    assert all(np.shares_memory(v, out) for v in values)  # block values are views of the result


@pytest.mark.parametrize("small, piece", [(2**16, 2**21), (0, 2**21), (0, 256)])
def test_every_program_path_fills_the_result_exactly(monkeypatch, small, piece):
    # Small blocks call straight through, larger ones run whole or in pieces; each path must put
    # every element in place, with the result's dtype, whether or not its last step is a ufunc.
    monkeypatch.setattr(program, "SMALL_BYTES", small)
    monkeypatch.setattr(program, "PIECE_BYTES", piece)
    a = np.random.default_rng(2).normal(size=(203, 37))
    x = ca.from_array(a, chunks=(64, 20))
    for got, want in [
        (x * 2 + 1, a * 2 + 1),
        (x, a),
        (x[::2, 3:], a[::2, 3:]),
        (np.sin(x).astype(np.float32), np.sin(a).astype(np.float32)),
        (ca.where(x > 0, x, 0.0), np.where(a > 0, a, 0.0)),
        (x + x.T[:37, :].T.sum(axis=0), a + a.sum(axis=0)),
        (np.logical_not(x > 0.1), np.logical_not(a > 0.1)),  # the chain changes dtype
        (np.sqrt(np.abs(x) * 2 + 1).sum(axis=0), np.sqrt(np.abs(a) * 2 + 1).sum(axis=0)),
        ((x * 3 > 1).sum(axis=1), (a * 3 > 1).sum(axis=1)),
        (((x - 1) ** 2).mean(axis=0), ((a - 1) ** 2).mean(axis=0)),
    ]:
        out, _ = _fill(got)
        assert_eq(out, want)
        assert_eq(got.compute(), want)


@pytest.mark.parametrize("make, expect", [
    (lambda x: x.sum(axis=0), lambda a: a.sum(axis=0)),  # the last level of a reduction
    (lambda x: x[np.array([3, 0, 2, 2])], lambda a: a[[3, 0, 2, 2]]),  # a take from the source
    (lambda x: x.rechunk((1, 3)), lambda a: a),  # a move of blocks
    (lambda x: x.persist(), lambda a: a),  # blocks held in memory: literals in the graph
])
def test_a_sink_runs_in_the_task_that_makes_its_block(make, expect):
    a = np.arange(24.0).reshape(4, 6)
    y = make(ca.from_array(a, chunks=(2, 3)))
    root = into(y._node, np.empty(y.shape, dtype=y.dtype))
    plain = lower([y._node], list(y._node.keys()), fuse([y._node]))
    sunk = lower([root], list(root.keys()), fuse([root]))
    # The copy costs no task of its own (a take's even runs several blocks in one task).
    assert len(sunk.tasks) <= len(plain.tasks)
    out, values = _fill(y)
    assert_eq(out, expect(a))
    assert_eq(y.compute(), expect(a))
    assert all(np.shares_memory(v, out) for v in values)
