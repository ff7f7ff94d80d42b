"""chunkarray.random: values keyed by position, NumPy's own for random/integers (Philox)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.kernels import random_exact as exact_kernels
from chunkarray.kernels.random import TILE, flat_runs
from chunkarray.ops import random_exact as exact_ops
from chunkarray.ops.random import DISTRIBUTIONS
from tests.strategies import chunkings, shapes


def numpy_rng(seed):
    return np.random.Generator(np.random.Philox(seed))


INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


# --- exact methods: NumPy's own values for Generator(Philox(seed)) ---

@given(shape=shapes(max_side=9), data=st.data(), seed=st.integers(0, 2**70))
def test_random_equals_numpy_for_every_chunking(shape, data, seed):
    chunks = data.draw(chunkings(shape))
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    got = ca.random.default_rng(seed).random(shape, dtype=dtype, chunks=chunks).compute()
    want = numpy_rng(seed).random(shape, dtype=dtype)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_random_equals_numpy_on_every_executor(executor):
    got = ca.random.default_rng(11).random((37, 23), chunks=(5, 7)).compute()
    np.testing.assert_array_equal(got, numpy_rng(11).random((37, 23)))


@pytest.mark.parametrize("dtype", [*INT_DTYPES, np.bool_])
@given(shape=shapes(max_side=9), data=st.data())
def test_integers_power_of_two_ranges_equal_numpy(dtype, shape, data):
    # Ranges of 2**k values never reject a draw: NumPy's stream, jumped into exactly.
    chunks = data.draw(chunkings(shape))
    if dtype is np.bool_:
        low, high, endpoint = 0, 2, False
    else:
        info = np.iinfo(dtype)
        width = data.draw(st.integers(0, info.bits))
        low = data.draw(st.integers(int(info.min), int(info.max) - 2**width + 1))
        high, endpoint = low + 2**width - 1, True
    got = ca.random.default_rng(5).integers(low, high, size=shape, dtype=dtype,
                                            endpoint=endpoint, chunks=chunks).compute()
    want = numpy_rng(5).integers(low, high, size=shape, dtype=dtype, endpoint=endpoint)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


# Ranges where NumPy's Lemire method rejects draws often (up to about one in two), per dtype.
REJECTING = [
    (np.int64, 0, 3 * 2**30, False), (np.int64, 0, 10**9, False), (np.int64, -5, 1000, False),
    (np.int64, 0, 2**40 + 3, False), (np.int64, -2**62, 2**62 + 12345, True),
    (np.uint64, 0, 2**63 + 2**62, False), (np.int32, -7, 2**31 - 100, False),
    (np.uint32, 5, 2**31 + 7, False), (np.int16, 0, 1000, True), (np.uint16, 3, 2**15 + 9, False),
    (np.int8, -3, 100, True), (np.uint8, 0, 9, False), (np.uint8, 0, 130, False),
]


@pytest.mark.parametrize("dtype, low, high, endpoint", REJECTING)
@given(shape=shapes(max_side=9), data=st.data())
def test_integers_with_rejections_equal_numpy_for_every_chunking(dtype, low, high, endpoint,
                                                                 shape, data):
    chunks = data.draw(chunkings(shape))
    kw = {"size": shape, "dtype": dtype, "endpoint": endpoint}
    got = ca.random.default_rng(3).integers(low, high, **kw, chunks=chunks).compute()
    want = numpy_rng(3).integers(low, high, **kw)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype, low, high", [(np.int64, 0, 3 * 2**30), (np.uint8, 0, 9),
                                              (np.int64, 0, 2**62 + 1), (np.int16, -9, 20000)])
def test_integers_with_rejections_over_many_segments(dtype, low, high, executor):
    # Over many segments of counted draws, in blocks that straddle them.
    size = (700, 211)
    got = ca.random.default_rng(5).integers(low, high, size=size, dtype=dtype, chunks=(90, 60))
    np.testing.assert_array_equal(got.compute(), numpy_rng(5).integers(low, high, size=size,
                                                                       dtype=dtype))


def test_integers_with_small_segments_and_count_tasks(monkeypatch, executor):
    # Tiny segments: many count tasks, blocks far from their segment's start.
    monkeypatch.setattr(exact_kernels, "SEGMENT", 64)
    monkeypatch.setattr(exact_ops, "_SEGMENTS_PER_TASK", 3)
    rng = ca.random.default_rng(9)
    x = rng.integers(0, 2**31 + 1, size=(61, 53), chunks=(7, 50))
    # Narrow blocks: one run of values per row, far apart, each walked to from the last.
    z = rng.integers(-9, 2**15, size=(40, 900), dtype=np.int16, chunks=(40, 7))
    y = rng.random(100, chunks=30)
    want = numpy_rng(9)
    np.testing.assert_array_equal(x.compute(), want.integers(0, 2**31 + 1, size=(61, 53)))
    np.testing.assert_array_equal(z.compute(), want.integers(-9, 2**15, size=(40, 900),
                                                             dtype=np.int16))
    np.testing.assert_array_equal(y.compute(), want.random(100))


def test_successive_calls_continue_numpy_s_stream(executor):
    # After a call that rejects draws, where the next starts depends on values: every later
    # call reads it from a small state array computed with them.
    ours, theirs = ca.random.default_rng(8), numpy_rng(8)
    calls = [("random", (3,), {"dtype": np.float32}), ("integers", (0, 9, 77), {"dtype": np.uint8}),
             ("random", (5,), {}), ("random", (3,), {"dtype": np.float32}),
             ("integers", (0, 10**9, 50), {}), ("integers", (0, 16, 5), {}),
             ("integers", (0, 1000, 33), {"dtype": np.int16}),
             ("random", (2,), {"dtype": np.float32}), ("integers", (0, 3 * 2**61, 20), {}),
             ("random", (4,), {}), ("integers", (0, 7, 0), {}), ("integers", (5, 6, 3), {}),
             ("random", (1,), {"dtype": np.float32}),
             ("integers", (0, 3, 9), {"dtype": np.uint16}), ("random", (3,), {}),
             ("integers", (0, 256, 3), {"dtype": np.int16}),
             ("integers", (0, 2**32, 3), {"dtype": np.uint32}), ("integers", (0, 2**50, 3), {})]
    got, want = [], []
    for method, args, kwargs in calls:
        got.append(getattr(ours, method)(*args, **kwargs, chunks=2))
        want.append(getattr(theirs, method)(*args, **kwargs))
    for g, w in zip(ca.compute(*got), want):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)
    # Each on its own, and in reverse order of computing: nothing depends on what ran before.
    for g, w in list(zip(got, want))[::-1]:
        np.testing.assert_array_equal(g.compute(), w)


def test_seed_forms_match_numpy():
    sequence = np.random.SeedSequence([1, 2, 3])
    np.testing.assert_array_equal(ca.random.default_rng(sequence).random(4).compute(),
                                  numpy_rng(np.random.SeedSequence([1, 2, 3])).random(4))
    bits = np.random.Philox(9)
    bits.advance(5)
    want = np.random.Generator(np.random.Philox(9).advance(5)).random(6)
    np.testing.assert_array_equal(ca.random.default_rng(bits).random(6, chunks=4).compute(),
                                  want)
    rng = ca.random.default_rng(1)
    assert ca.random.default_rng(rng) is rng


def test_bytes_and_choice_with_replacement_equal_numpy():
    assert ca.random.default_rng(4).bytes(13) == numpy_rng(4).bytes(13)
    got = ca.random.default_rng(4).choice(7, size=(50, 30), chunks=7).compute()
    np.testing.assert_array_equal(got, numpy_rng(4).choice(7, size=(50, 30)))
    p = np.array([0.1, 0.2, 0.3, 0.4])
    got = ca.random.default_rng(4).choice(np.arange(4) * 10, size=9, p=p, chunks=4).compute()
    np.testing.assert_array_equal(got, numpy_rng(4).choice(np.arange(4) * 10, size=9, p=p))


# --- tiled methods: the same values for every chunking and executor ---

@pytest.mark.parametrize("method", sorted(DISTRIBUTIONS))
def test_distribution_is_independent_of_chunking(method, executor):
    args = DISTRIBUTIONS[method]
    size = (70, 1000)  # a little over one tile
    whole = getattr(ca.random.default_rng(1), method)(*args, size=size, chunks=size).compute()
    for chunks in [(1, 1000), (17, 300), (70, 400)]:
        got = getattr(ca.random.default_rng(1), method)(*args, size=size, chunks=chunks)
        np.testing.assert_array_equal(got.compute(), whole)
    want = getattr(np.random.default_rng(0), method)(*args, size=size)
    assert whole.dtype == want.dtype and whole.shape == want.shape


@given(shape=shapes(max_side=9), data=st.data())
def test_normal_is_independent_of_chunking(shape, data):
    chunks = data.draw(chunkings(shape))
    got = ca.random.default_rng(2).normal(1.0, 2.0, size=shape, chunks=chunks).compute()
    want = ca.random.default_rng(2).normal(1.0, 2.0, size=shape, chunks=-1).compute()
    np.testing.assert_array_equal(got, want)


def test_processes_executor_gives_the_same_values():
    rng = ca.random.default_rng(6)
    gamma, ints, floats = (rng.gamma(2.0, size=(300,), chunks=70),
                           rng.integers(0, 10**9, size=500, chunks=90), rng.random(7, chunks=3))
    with ca.config.set(scheduler="processes"):
        got = ca.compute(gamma, ints, floats)
    np.testing.assert_array_equal(got[0], ca.random.default_rng(6).gamma(2.0, size=300).compute())
    want = numpy_rng(6)
    np.testing.assert_array_equal(got[1], want.integers(0, 10**9, size=500))
    np.testing.assert_array_equal(got[2], want.random(7))


def test_array_parameters_broadcast_chunked_or_numpy(executor):
    loc = np.arange(6.0).reshape(2, 3)
    rng = ca.random.default_rng
    a = rng(4).normal(loc, 0.5, size=(5, 2, 3), chunks=(2, 1, 2)).compute()
    b = rng(4).normal(ca.from_array(loc, chunks=1), 0.5, size=(5, 2, 3), chunks=-1).compute()
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - loc).max() < 4
    lam = np.array([1.0, 50.0, 1000.0])
    counts = rng(4).poisson(ca.from_array(np.tile(lam, (3000, 1)), chunks=(700, 2))).compute()
    assert counts.dtype == np.int64 and counts.shape == (3000, 3)
    np.testing.assert_allclose(counts.mean(axis=0), lam, rtol=0.05)
    bounded = rng(4).integers(np.array([0, 10]), 20, size=(30, 2), chunks=7).compute()
    assert (bounded[:, 0] >= 0).all() and (bounded[:, 1] >= 10).all() and bounded.max() < 20


def test_successive_tiled_calls_differ():
    rng = ca.random.default_rng(0)
    a, b = rng.standard_normal(100).compute(), rng.standard_normal(100).compute()
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("method, args, mean, var", [
    ("standard_normal", (), 0.0, 1.0), ("normal", (3.0, 2.0), 3.0, 4.0),
    ("uniform", (-1.0, 3.0), 1.0, 16 / 12), ("exponential", (2.0,), 2.0, 4.0),
    ("poisson", (4.0,), 4.0, 4.0), ("binomial", (10, 0.3), 3.0, 2.1),
    ("gamma", (2.0, 3.0), 6.0, 18.0), ("beta", (2.0, 3.0), 0.4, 0.04),
    ("chisquare", (4.0,), 4.0, 8.0), ("geometric", (0.25,), 4.0, 12.0),
    ("laplace", (1.0, 2.0), 1.0, 8.0), ("logistic", (0.0, 1.0), 0.0, np.pi**2 / 3),
    ("rayleigh", (2.0,), 2.0 * np.sqrt(np.pi / 2), (4 - np.pi) / 2 * 4),
    ("negative_binomial", (5, 0.5), 5.0, 10.0), ("triangular", (0.0, 1.0, 2.0), 1.0, 1 / 6),
    ("wald", (1.0, 2.0), 1.0, 0.5), ("standard_t", (10.0,), 0.0, 1.25),
])
def test_distribution_moments(method, args, mean, var):
    # A fixed seed and 200k draws: the bounds (well over 6 standard errors) never flake.
    x = getattr(ca.random.default_rng(123), method)(*args, size=200_000, chunks=70_000)
    values = x.compute()
    assert abs(values.mean() - mean) < 6 * np.sqrt(var / values.size) + 1e-3
    assert abs(values.var() / var - 1) < 0.05


def test_vector_draws():
    rng = ca.random.default_rng(9)
    counts = rng.multinomial(20, [0.2, 0.3, 0.5], size=(40, 5), chunks=(7, 2)).compute()
    assert counts.shape == (40, 5, 3) and (counts.sum(axis=-1) == 20).all()
    again = ca.random.default_rng(9).multinomial(20, [0.2, 0.3, 0.5], size=(40, 5)).compute()
    np.testing.assert_array_equal(counts, again)
    shares = rng.dirichlet([1.0, 2.0], size=30, chunks=4).compute()
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    draws = rng.multivariate_normal([0.0, 5.0], np.eye(2), size=(3, 4), chunks=1)
    assert draws.shape == (3, 4, 2) and draws.chunks[-1] == (2,)


# --- choice, permutations ---

def test_choice_without_replacement_and_permutations(executor):
    rng = ca.random.default_rng(2)
    picked = rng.choice(20, size=10, replace=False, chunks=3).compute()
    assert len(set(picked.tolist())) == 10 and picked.max() < 20
    x = ca.from_array(np.arange(24).reshape(6, 4), chunks=(4, 3))
    rows = rng.permutation(x).compute()
    assert sorted(rows[:, 0].tolist()) == [0, 4, 8, 12, 16, 20]
    np.testing.assert_array_equal(rows % 4, np.tile(np.arange(4), (6, 1)))
    cols = rng.permutation(x, axis=1).compute()
    np.testing.assert_array_equal(np.sort(cols, axis=1), np.arange(24).reshape(6, 4))
    whole = rng.permuted(x).compute()
    assert sorted(whole.reshape(-1).tolist()) == list(range(24))
    assert sorted(rng.permutation(5).compute().tolist()) == [0, 1, 2, 3, 4]


def test_permuted_lanes_are_independent_of_chunking():
    a = np.arange(60).reshape(6, 10)
    one = ca.random.default_rng(3).permuted(ca.from_array(a, chunks=(6, 10)), axis=1).compute()
    many = ca.random.default_rng(3).permuted(ca.from_array(a, chunks=(1, 3)), axis=1).compute()
    np.testing.assert_array_equal(one, many)
    np.testing.assert_array_equal(np.sort(one, axis=1), a)


def test_shuffle_rebinds_a_chunked_array_and_shuffles_numpy_in_place():
    x = ca.arange(10, chunks=3)
    ca.random.default_rng(0).shuffle(x)
    assert sorted(x.compute().tolist()) == list(range(10))
    assert x.compute().tolist() != list(range(10))
    y = np.arange(10)
    ca.random.default_rng(0).shuffle(y)
    assert sorted(y.tolist()) == list(range(10))


# --- legacy interface and module functions ---

def test_random_state_and_module_functions_are_reproducible():
    a = ca.random.RandomState(5).normal(2.0, 1.0, size=(50, 3), chunks=(7, 2)).compute()
    b = ca.random.RandomState(5).normal(2.0, 1.0, size=(50, 3), chunks=-1).compute()
    np.testing.assert_array_equal(a, b)
    ca.random.seed(12)
    first = ca.random.random_sample((4, 5), chunks=2).compute()
    ca.random.seed(12)
    np.testing.assert_array_equal(ca.random.random((4, 5), chunks=3).compute(), first)
    ints = ca.random.RandomState(1).randint(3, 9, size=100, chunks=30).compute()
    assert ints.min() >= 3 and ints.max() < 9
    ints = ca.random.RandomState(1).random_integers(4, size=100).compute()
    assert ints.min() >= 1 and ints.max() <= 4
    assert ca.random.randn(3, 2).shape == (3, 2) and ca.random.rand(2).shape == (2,)


# --- bad input ---

@pytest.mark.parametrize("call, error, match", [
    (lambda r: r.normal(0, -1, size=3), ValueError, "scale < 0"),
    (lambda r: r.integers(5, 3), ValueError, "low"),
    (lambda r: r.integers(0, 300, dtype=np.uint8), ValueError, "high is out of bounds"),
    (lambda r: r.binomial(5, 1.5, size=2), ValueError, "p"),
    (lambda r: r.uniform(size=(2, -1)), ValueError, r"size=\(2, -1\)"),
    (lambda r: r.random(3, dtype=np.int64), TypeError, "dtype=int64"),
    (lambda r: r.normal(np.zeros(3), 1, size=(2, 4)), ValueError, "does not broadcast"),
    (lambda r: r.choice(3, size=2, p=[0.5, 0.6, 0.1]), ValueError, "sum to 1"),
    (lambda r: r.choice(3, size=5, replace=False), ValueError, "larger sample"),
    (lambda r: r.poisson(np.array([1.0, -1.0])), ValueError, "lam < 0"),
])
def test_bad_parameters_raise_at_the_call(call, error, match):
    with pytest.raises(error, match=match):
        call(ca.random.default_rng(0))


def test_a_chunked_bad_parameter_raises_in_compute():
    lam = ca.from_array(np.array([1.0, -1.0]), chunks=1)
    x = ca.random.default_rng(0).poisson(lam)
    with pytest.raises(ValueError, match="lam < 0"):
        x.compute()


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError),
                                         (np.random.PCG64(0), TypeError)])
def test_bad_seeds(seed, error):
    with pytest.raises(error):
        ca.random.default_rng(seed)
    if not isinstance(seed, np.random.BitGenerator):
        with pytest.raises(error):
            ca.random.RandomState(seed)


# --- kernels ---

def test_flat_runs():
    starts, length = flat_runs((2, 3), (1, 1), (4, 5))
    assert starts.tolist() == [6, 11] and length == 3
    starts, length = flat_runs((2, 5), (2, 0), (4, 5))
    assert starts.tolist() == [10] and length == 10
    assert TILE == 2**16


def test_graph_is_one_node_and_deterministic():
    a = ca.random.default_rng(0).standard_normal((1000, 1000), chunks=10)
    b = ca.random.default_rng(0).standard_normal((1000, 1000), chunks=10)
    assert a.name == b.name and a.numblocks == (100, 100)
    assert ca.random.default_rng(1).standard_normal(3).name != a.name


def _numpy_raw_spec(seed, bits, rng):
    key = tuple(int(k) for k in np.random.SeedSequence(seed).generate_state(2, np.uint64))
    return {"key": key, "start": 0, "pending": -1, "bits": bits, "rng": rng, "low": 0,
            "dtype": "int64"}


def test_walker_past_the_counted_segments_walks_on():
    # Counts that stop early (a run of rejections beyond the margin): values stay NumPy's.
    spec = _numpy_raw_spec(4, 32, 2**31)  # about one draw in two rejected
    n = 3 * exact_kernels.SEGMENT
    counts = exact_kernels.count_block(shape=(4,), offset=(0,), spec=spec)
    want = numpy_rng(4).integers(0, 2**31 + 1, size=n)
    for kept in (4, 1, 0):
        got = exact_kernels.integers_block(counts[:kept], shape=(n,), offset=(0,),
                                           dtype=np.int64, full=(n,), spec=spec)
        np.testing.assert_array_equal(got, want)
        tail = exact_kernels.integers_block(counts[:kept], shape=(10,), offset=(n - 10,),
                                            dtype=np.int64, full=(n,), spec=spec)
        np.testing.assert_array_equal(tail, want[-10:])


def test_state_after_a_rejecting_call_is_numpy_s():
    spec = _numpy_raw_spec(2, 32, 10**9)
    counts = exact_kernels.count_block(shape=(1,), offset=(0,), spec=spec)
    delta = exact_kernels.state_after(counts, spec=spec, n=1000)
    bits = numpy_rng(2).bit_generator
    np.random.Generator(bits).integers(0, 10**9 + 1, size=1000)
    state = bits.state
    words = 4 * int(state["state"]["counter"][0]) - (4 - state["buffer_pos"])
    assert delta.tolist() == [words, state["has_uint32"], words - 1 if state["has_uint32"] else 0]


def test_consume32_and_lemire():
    assert exact_kernels.consume32(0, -1, 0) == (0, -1)
    assert exact_kernels.consume32(0, -1, 1) == (1, 0)
    assert exact_kernels.consume32(1, 0, 1) == (1, -1)
    assert exact_kernels.consume32(1, 0, 4) == (3, 2)
    values, rejected = exact_kernels.lemire(np.array([0, 2**64 - 1], np.uint64), 2**64 - 1, 64)
    assert values.tolist() == [0, 2**64 - 1] and not rejected.any()
    assert exact_kernels.threshold(9, 8) == (256 - 10) % 10
    assert exact_ops.integer_bits(np.dtype(np.int64), 2**32) == 64
