"""Tests of chunkarray.ops.overlap against a NumPy oracle built block by block, and dask.

The oracle pads the whole array with ``numpy.pad`` (one axis after another, as dask applies
boundaries) and cuts each block's enlarged window out of it; map_overlap must give the function
of every window, trimmed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from chunkarray.core.chunks import chunk_boundaries
from chunkarray.primitives.overlap import BOUNDARY_KINDS, halo_plan
from tests.strategies import FLOAT_DTYPES, INTEGER_DTYPES, assert_eq, chunkings, shapes, values

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])
_MODES = {"reflect": "symmetric", "periodic": "wrap", "nearest": "edge"}
BOUNDARIES = ["reflect", "periodic", "nearest", "none", 0, 7]


def padded(a: np.ndarray, depths: list[tuple[int, int]], kinds: list) -> np.ndarray:
    for axis, ((lo, hi), kind) in enumerate(zip(depths, kinds)):
        if kind == "none" or not (lo or hi):
            continue
        width = [(0, 0)] * a.ndim
        width[axis] = (lo, hi)
        if kind in _MODES:
            a = np.pad(a, width, _MODES[kind])
        else:
            a = np.pad(a, width, "constant", constant_values=np.array(kind).astype(a.dtype))
    return a


def windows(a: np.ndarray, chunks, depths, kinds) -> dict[tuple[int, ...], tuple]:
    """Each block's enlarged window of ``a`` and how much was added before and after it."""
    p = padded(a, depths, kinds)
    out = {}
    for index in np.ndindex(*[len(c) for c in chunks]):
        where, added = [], []
        for axis, (b, c) in enumerate(zip(index, chunks)):
            bounds = chunk_boundaries(c)
            s, e = bounds[b], bounds[b + 1]
            lo, hi = depths[axis]
            shift = 0 if kinds[axis] == "none" else lo
            start, stop = s - lo, e + hi
            if kinds[axis] == "none":
                start, stop = max(start, 0), min(stop, a.shape[axis])
            where.append(slice(start + shift, stop + shift))
            added.append((s - start, stop - e))
        out[index] = (p[tuple(where)], added)
    return out


def assemble(blocks: dict, numblocks: tuple[int, ...]) -> np.ndarray:
    nested = np.empty(numblocks, dtype=object)
    for index, block in blocks.items():
        nested[index] = block
    return np.block(nested.tolist()) if numblocks else blocks[()]


@st.composite
def cases(draw, max_dims=3, dtypes=(np.float64, np.int32)):
    shape = draw(shapes(min_dims=1, max_dims=max_dims, min_side=1, max_side=7))
    dtype = draw(st.sampled_from(list(dtypes)))
    a = draw(values(dtype, shape))
    chunks = draw(chunkings(shape))
    depths = [draw(st.tuples(st.integers(0, n), st.integers(0, n))) for n in shape]
    kinds = [draw(st.sampled_from(BOUNDARIES)) for _ in shape]
    return a, chunks, depths, kinds


def _symmetric(depths):
    return [(max(d), max(d)) for d in depths]


@fixture_ok
@given(case=cases())
def test_overlap_matches_oracle(executor, case):
    a, chunks, depths, kinds = case
    x = ca.from_array(a, chunks=chunks)
    got = ca.overlap(x, depth=dict(enumerate(depths)), boundary=dict(enumerate(kinds)))
    wins = windows(a, chunks, depths, kinds)
    expected = assemble({i: w for i, (w, _) in wins.items()}, x.numblocks)
    assert got.chunks == tuple(
        tuple(wins[tuple(b if a == axis else 0 for a in range(x.ndim))][0].shape[axis]
              for b in range(x.numblocks[axis])) for axis in range(x.ndim))
    assert_eq(got.compute(), expected)


def _blockwise_func(b):
    # Depends on every element of the window (its sum) and on each position: a wrong window shows.
    return b * 3 - b.sum(dtype=b.dtype) + np.arange(b.size, dtype=b.dtype).reshape(b.shape)


@fixture_ok
@given(case=cases())
def test_map_overlap_matches_oracle(executor, case):
    a, chunks, depths, kinds = case
    depths = _symmetric(depths)
    x = ca.from_array(a, chunks=chunks)
    got = ca.map_overlap(_blockwise_func, x, depth=tuple(d for d, _ in depths),
                         boundary=tuple(kinds))
    wins = windows(a, chunks, depths, kinds)
    expected = {}
    for index, (w, added) in wins.items():
        out = _blockwise_func(w)
        expected[index] = out[tuple(slice(lo, out.shape[i] - hi)
                                    for i, (lo, hi) in enumerate(added))]
    assert got.chunks == x.chunks
    assert_eq(got.compute(), assemble(expected, x.numblocks))


@given(case=cases(max_dims=2, dtypes=FLOAT_DTYPES))
def test_stencil_is_independent_of_chunking(case):
    # A neighbourhood function whose result does not depend on where blocks are cut.
    a, chunks, depths, kinds = case
    depths = _symmetric(depths)
    kinds = ["periodic" if k == "none" else k for k in kinds]

    def local_sum(b):
        out = np.zeros_like(b)
        for axis, (d, _) in enumerate(depths):
            for s in range(-d, d + 1):
                out += np.roll(b, s, axis)
        return out

    whole = ca.map_overlap(local_sum, ca.from_array(a, chunks=-1), depth=[d for d, _ in depths][0]
                           if a.ndim == 1 else tuple(d for d, _ in depths), boundary=tuple(kinds))
    split = ca.map_overlap(local_sum, ca.from_array(a, chunks=chunks),
                           depth=tuple(d for d, _ in depths), boundary=tuple(kinds))
    assert_eq(split.compute(), whole.compute())


@pytest.mark.parametrize("boundary", ["reflect", "periodic", "nearest", "none", -1])
def test_map_overlap_matches_dask(boundary):
    da = pytest.importorskip("dask.array")
    a = np.arange(144.0).reshape(12, 12) ** 1.5
    func = lambda b: b - b.mean()  # noqa: E731
    for depth in (1, {0: 2, 1: 1}, (3, 0)):
        ours = ca.map_overlap(func, ca.from_array(a, chunks=(4, 3)), depth=depth,
                              boundary=boundary)
        theirs = da.map_overlap(func, da.from_array(a, chunks=(4, 3)), depth=depth,
                                boundary=boundary)
        np.testing.assert_allclose(ours.compute(), theirs.compute())
        g_ours = ca.overlap(ca.from_array(a, chunks=(4, 3)), depth, boundary)
        g_theirs = da.overlap.overlap(da.from_array(a, chunks=(4, 3)), depth, boundary)
        assert g_ours.chunks == g_theirs.chunks
        np.testing.assert_array_equal(g_ours.compute(), g_theirs.compute())


def test_depth_beyond_neighbouring_blocks_reads_further_blocks():
    a = np.arange(10)
    x = ca.from_array(a, chunks=((1, 1, 3, 5),))
    got = ca.overlap(x, depth=4, boundary="periodic")
    assert got.chunks == ((9, 9, 11, 13),)
    np.testing.assert_array_equal(got.blocks[1].compute(), np.roll(a, 4 - 1)[:9])
    out = ca.map_overlap(lambda b: b * 2, x, depth=4, boundary="none")
    assert out.chunks == x.chunks
    np.testing.assert_array_equal(out.compute(), a * 2)
    # One task per block: the enlarged blocks are never separate tasks.
    assert len(list(out._node.keys())) == 4


def test_map_overlap_several_arrays_block_id_and_kwargs(executor):
    a, b = np.arange(12.0).reshape(3, 4), np.arange(4.0)
    x, y = ca.from_array(a, chunks=(2, 2)), ca.from_array(b, chunks=1)
    seen = []

    def func(p, q, *, scale, block_id=None):
        seen.append(block_id)
        return p * scale + q

    got = ca.map_overlap(func, x, y, depth=[{0: 1, 1: 1}, 1], boundary="nearest", scale=2.0)
    np.testing.assert_array_equal(got.compute(), a * 2 + b)
    assert got.chunks == ((2, 1), (1, 1, 1, 1))  # aligned with y's blocks
    assert set(seen) - {None} == {(i, j) for i in range(2) for j in range(4)}  # None: dtype probe


def test_map_overlap_trim_false_and_dtype():
    x = ca.arange(8, chunks=4)
    got = ca.map_overlap(lambda b: b[1:-1].astype(np.float32), x, depth=1, boundary=0,
                         trim=False)
    assert got.dtype == np.float32 and got.chunks == x.chunks
    np.testing.assert_array_equal(got.compute(), np.arange(8, dtype=np.float32))
    grown = ca.map_overlap(lambda b: b, x, depth=1, boundary=0, trim=False, chunks=(6,),
                           dtype=x.dtype)
    np.testing.assert_array_equal(grown.compute(), [0, 0, 1, 2, 3, 4, 3, 4, 5, 6, 7, 0])


def test_trim_internal_and_trim_overlap():
    a = np.arange(20).reshape(4, 5)
    x = ca.from_array(a, chunks=(2, 3))
    for boundary in ("none", "reflect", 5):
        g = ca.overlap(x, {0: 1, 1: 2}, boundary)
        np.testing.assert_array_equal(ca.trim_internal(g, {0: 1, 1: 2}, boundary).compute(), a)
        np.testing.assert_array_equal(ca.trim_overlap(g, {0: 1, 1: 2}, boundary).compute(), a)


def test_method_style_numpy_dispatch_and_sliding_window():
    a = np.arange(30.0).reshape(5, 6)
    x = ca.from_array(a, chunks=(2, 4))
    for shape, axis in [((2, 3), None), (3, 1), ((2, 2), (0, 0)), (6, -1), ((1,), 0)]:
        expected = np.lib.stride_tricks.sliding_window_view(a, shape, axis)
        assert_eq(ca.sliding_window_view(x, shape, axis).compute(), expected)
        assert_eq(np.lib.stride_tricks.sliding_window_view(x, shape, axis).compute(), expected)


@given(data=st.data())
def test_sliding_window_view_matches_numpy(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=7))
    a = data.draw(values(data.draw(st.sampled_from([np.float32, *INTEGER_DTYPES[:2]])), shape))
    x = ca.from_array(a, chunks=data.draw(chunkings(shape)))
    axes = data.draw(st.lists(st.integers(0, a.ndim - 1), min_size=1, max_size=3))
    window = [data.draw(st.integers(1, a.shape[ax])) for ax in axes]
    try:
        expected = np.lib.stride_tricks.sliding_window_view(a, window, axes)
    except ValueError:
        with pytest.raises(ValueError):
            ca.sliding_window_view(x, window, axes)
        return
    assert_eq(ca.sliding_window_view(x, window, axes).compute(), expected)


def test_bad_input_fails_at_the_call():
    x = ca.ones((4, 5), chunks=2)
    with pytest.raises(ValueError, match=r"depth 6 for axis 0 is larger .*\(length 4"):
        ca.overlap(x, depth=6, boundary="reflect")
    with pytest.raises(ValueError, match=r"boundary='mirror' for axis 0 .*allowed: 'reflect'"):
        ca.map_overlap(lambda b: b, x, depth=1, boundary="mirror")
    with pytest.raises(ValueError, match=r"depth=\(1, 2, 3\) has 3 entries .* 2 axes"):
        ca.overlap(x, depth=(1, 2, 3))
    with pytest.raises(ValueError, match="non-negative"):
        ca.overlap(x, depth=-1)
    with pytest.raises(TypeError, match="depths must be non-negative ints"):
        ca.overlap(x, depth=1.5)
    with pytest.raises(ValueError, match="cannot be stored"):
        ca.overlap(ca.ones(4, chunks=2, dtype=int), depth=1, boundary=np.nan)
    with pytest.raises(ValueError, match="allow_rechunk=False"):
        ca.overlap(ca.arange(6, chunks=5), 2, "reflect", allow_rechunk=False)
    ca.overlap(ca.arange(6, chunks=4), 2, "reflect", allow_rechunk=False)
    with pytest.raises(TypeError, match="must be a function"):
        ca.map_overlap(x, lambda b: b, depth=1)
    with pytest.raises(TypeError, match="must be a ChunkedArray"):
        ca.map_overlap(lambda b: b, np.ones(3), depth=1)
    with pytest.raises(ValueError, match="pass dtype="):
        ca.map_overlap(lambda b: b.undefined, x, depth=1)
    with pytest.raises(np.exceptions.AxisError, match="drop_axis"):
        ca.map_overlap(lambda b: b.sum(0), x, depth=1, drop_axis=2)
    with pytest.raises(np.exceptions.AxisError, match="new_axis"):
        ca.map_overlap(lambda b: b[None], x, depth=1, new_axis=3)
    with pytest.raises(ValueError, match=r"chunks=\(1, 1\) .* leave nothing after trimming"):
        ca.map_overlap(lambda b: b, x, depth=1, boundary=0, chunks=(1, 1))
    with pytest.raises(ValueError, match=r"chunked \(4,\) in one array and \(2, 2\)"):
        ca.map_overlap(np.add, ca.ones(4, chunks=4), ca.ones(4, chunks=2), depth=1,
                       align_arrays=False)
    assert ca.map_overlap(lambda b: b, x, depth=1, meta=np.empty(0, np.int8)).dtype == np.int8
    with pytest.raises(ValueError, match="cannot be larger than input array shape"):
        ca.sliding_window_view(x, (5, 1))


def test_map_overlap_method_is_the_function(executor):
    a = np.arange(30.0).reshape(5, 6)
    x = ca.from_array(a, chunks=(2, 4))
    method = x.map_overlap(lambda b: b * 2, depth=1, boundary="reflect")
    function = ca.map_overlap(lambda b: b * 2, x, depth=1, boundary="reflect")
    np.testing.assert_array_equal(method.compute(), function.compute())
    np.testing.assert_array_equal(method.compute(), a * 2)


@pytest.mark.parametrize("kind", [*BOUNDARY_KINDS, "constant"])
@pytest.mark.parametrize("sizes", [(3, 0), (0, 3), (3, 0, 2), (0, 0), (0,), (2, 2)])
def test_halo_plan_reads_only_blocks_of_the_axis(sizes, kind):
    # Empty blocks (possible in chunk tuples, e.g. after rechunking) read an empty part of a
    # block that exists, never one past the end of the axis.
    n = sum(sizes)
    for before in range(n + 1):
        for after in range(n + 1):
            plans = halo_plan(sizes, before, after, kind, fill=0)
            assert len(plans) == len(sizes)
            for size, (length, pieces, _, _) in zip(sizes, plans):
                assert sum(p[2].stop - p[2].start for p in pieces) == length
                assert length >= size
                assert all(p[0] is None or 0 <= p[0] < len(sizes) for p in pieces)


# --- dask's map_blocks options: drop_axis, new_axis, block_info, chunks, several arrays ----------

slow_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])


def _both(build):
    """``build(module)`` for chunkarray and dask.array."""
    da = pytest.importorskip("dask.array")
    return build(ca), build(da)


@pytest.mark.parametrize("drop_axis", [(0,), (1,), (2,), (0, 1), (1, 2), (2, 0), 1, (-3,), -2,
                                       (-1, -3)])
def test_map_overlap_drop_axis_matches_dask(executor, drop_axis):
    a = np.random.default_rng(0).standard_normal((5, 10, 8))
    dropped = [d % 3 for d in np.atleast_1d(drop_axis)]
    depth = tuple(0 if i in dropped else d for i, d in enumerate((1, 3, 2)))

    def build(m):
        return m.map_overlap(lambda b: b.mean(axis=drop_axis), m.from_array(a, chunks=(2, 5, 4)),
                             depth=depth, boundary=(0, "reflect", "nearest"),
                             drop_axis=drop_axis, dtype=float)

    ours, theirs = _both(build)
    assert ours.chunks == theirs.chunks
    np.testing.assert_allclose(ours.compute(), a.mean(axis=drop_axis))
    np.testing.assert_allclose(ours.compute(), theirs.compute())


def test_map_overlap_dropped_axis_arrives_concatenated(executor):
    # As in dask: the enlarged blocks along a dropped axis are joined, halos and all.
    def build(m):
        return m.map_overlap(lambda b: b.sum(axis=0), m.ones((6, 4), chunks=(3, 2)), depth=1,
                             boundary="reflect", dtype=float, drop_axis=0)

    ours, theirs = _both(build)
    assert ours.chunks == theirs.chunks == ((2, 2),)
    np.testing.assert_array_equal(ours.compute(), theirs.compute())
    np.testing.assert_array_equal(ours.compute(), np.full(4, 10.0))


def test_map_overlap_new_axis(executor):
    a = np.arange(6.0)
    x = ca.from_array(a, chunks=2)
    got = x.map_overlap(lambda b: np.stack([b, b + 0.5]), depth=1, new_axis=[0],
                        chunks=(2, (3, 4, 3)))
    assert got.chunks == ((2,), (2, 2, 2))
    np.testing.assert_array_equal(got.compute(), np.stack([a, a + 0.5]))
    last = ca.map_overlap(lambda b: b[..., None] * [1, 2, 3], x, depth=2, boundary="periodic",
                          new_axis=-1, chunks=(6, 3))
    assert last.chunks == ((2, 2, 2), (3,))
    np.testing.assert_array_equal(last.compute(), a[:, None] * [1, 2, 3])
    # Without chunks= the new axis has length one, as in map_blocks; a function returning more
    # fails on the block, naming the shapes.
    wrong = x.map_overlap(lambda b: np.stack([b, b]), depth=1, new_axis=0)
    assert wrong.chunks == ((1,), (2, 2, 2))
    with pytest.raises(ValueError, match=r"trimmed, has shape \(2, 2\) .* \(1, 2\)"):
        wrong.compute()


def _info_table(info):
    return {k: {f: (tuple(map(tuple, v)) if f == "array-location" else v)
                for f, v in d.items()} for k, d in info.items()}


@pytest.mark.parametrize("options", [
    {"depth": 1, "boundary": "none"},
    {"depth": {0: 1, 1: 2}, "boundary": "reflect"},
    {"depth": {1: 1}, "boundary": 0, "drop_axis": 0, "chunks": ((5, 5, 4),)},
    {"depth": 1, "boundary": "periodic", "trim": False},
])
def test_map_overlap_block_info_and_block_id_match_dask(options):
    a = np.arange(48.0).reshape(6, 8)
    seen: dict = {"ca": {}, "da": {}}

    def record(which):
        def func(b, block_info=None, block_id=None):
            if block_info is not None:
                seen[which][block_id] = _info_table(block_info)
                assert block_info[None]["chunk-location"] == block_id
            if "drop_axis" in options:
                return b.sum(axis=0)
            return b if options.get("trim", True) else b[1:-1, 1:-1]
        return func

    def build(m):
        which = "ca" if m is ca else "da"
        return m.map_overlap(record(which), m.from_array(a, chunks=(2, 3)), dtype=float,
                             **options)

    ours, theirs = _both(build)
    assert ours.chunks == theirs.chunks
    np.testing.assert_array_equal(ours.compute(scheduler="sync"),
                                  theirs.compute(scheduler="sync"))
    assert seen["ca"] == seen["da"]
    assert len(seen["ca"]) == len(list(np.ndindex(ours.numblocks)))


def test_map_overlap_several_arrays_match_dask(executor):
    xs = [np.ones((12, 1, 1)), np.ones((12, 8, 1)), np.arange(384.0).reshape(12, 8, 4)]
    cs = [((12,), 1, 1), ((8, 4), 8, 1), ((4, 8), 8, 4)]

    def sizes(m):
        return m.map_overlap(lambda *bs: np.array([sum(b.size for b in bs)]),
                             *[m.from_array(x, chunks=c) for x, c in zip(xs, cs)], chunks=(1,),
                             depth=1, trim=False, drop_axis=[1, 2], boundary="reflect")

    ours, theirs = _both(sizes)
    assert ours.shape == theirs.shape == (3,)
    np.testing.assert_array_equal(ours.compute(), theirs.compute())

    def broadcast(m):
        return m.map_overlap(lambda x, y: np.ones((3, 3)) * (x.size + y.size),
                             m.ones((12,), chunks=12), m.ones((16, 12), chunks=(8, 6)),
                             chunks=(3, 3), depth=1, boundary="reflect")

    ours, theirs = _both(broadcast)
    assert ours.chunks == theirs.chunks
    np.testing.assert_array_equal(ours.compute(), theirs.compute())

    for cx, cy in [((2, 3, 5), (5, 3, 2)), ((10,), (4, 4, 2))]:
        def add(m, cx=cx, cy=cy):
            return m.map_overlap(lambda p, q: p + q, m.arange(10, chunks=cx),
                                 m.arange(10, chunks=cy), depth=1, boundary="none")

        ours, theirs = _both(add)
        assert ours.chunks == theirs.chunks
        np.testing.assert_array_equal(ours.compute(), 2 * np.arange(10))


def test_map_overlap_different_depths_per_array(executor):
    def run(depth):
        return ca.map_overlap(lambda x, y: x.sum() + y.sum(), ca.ones(5, dtype=int),
                              ca.ones(5, dtype=int), depth=depth, chunks=(), drop_axis=0,
                              trim=False, boundary="reflect").compute()

    assert [run(d) for d in ([0, 0], [0, 1], [1, 1], [1, 2], [0, 5], [5, 5])] == \
        [10, 12, 14, 16, 20, 30]
    with pytest.raises(ValueError, match="larger than the array"):
        run([0, 6])
    # dask's test passes chunks=(0,) for the scalar: a block that is not what the chunks say is
    # refused when made (as map_blocks does), never handed on as if it were.
    lie = ca.map_overlap(lambda x: x.sum(), ca.ones(5), depth=1, chunks=(0,), trim=False,
                         boundary="reflect")
    with pytest.raises(ValueError, match=r"has shape \(\) where the output's chunks say \(0,\)"):
        lie.compute()


@st.composite
def dask_cases(draw):
    # Blocks at least as long as the depth, so dask does not rechunk.
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=6))
    chunks = draw(chunkings(shape))
    depth = tuple(draw(st.integers(0, min(c))) for c in chunks)
    boundary = tuple(draw(st.sampled_from(BOUNDARIES)) for _ in shape)
    drop = draw(st.sets(st.integers(0, len(shape) - 1), max_size=len(shape) - 1))
    a = draw(values(draw(st.sampled_from([np.float64, np.int32])), shape))
    return a, chunks, depth, boundary, tuple(sorted(drop))


@slow_ok
@given(case=dask_cases())
def test_map_overlap_with_drop_axis_matches_dask(executor, case):
    a, chunks, depth, boundary, drop = case
    depth = tuple(0 if i in drop else d for i, d in enumerate(depth))

    def func(b):
        return _blockwise_func(b).sum(axis=drop, dtype=b.dtype) if drop else _blockwise_func(b)

    def build(m):
        return m.map_overlap(func, m.from_array(a, chunks=chunks), depth=depth,
                             boundary=boundary, drop_axis=drop or None, dtype=a.dtype)

    ours, theirs = _both(build)
    assert ours.chunks == theirs.chunks
    assert_eq(ours.compute(), theirs.compute())
