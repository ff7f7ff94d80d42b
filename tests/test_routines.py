"""Block-level routines against NumPy: ``map_blocks``, the public ``blockwise``, ``transpose``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import ALL_DTYPES, arrays, assert_eq, chunkings, shapes, values

fixture_ok = settings(suppress_health_check=[*settings.default.suppress_health_check,
                                             HealthCheck.function_scoped_fixture])


def chunked(a: np.ndarray, chunks: tuple[tuple[int, ...], ...]) -> ca.ChunkedArray:
    return ca.from_array(a, chunks=chunks)


# --- map_blocks ---------------------------------------------------------------------------------


@fixture_ok
@given(pair=arrays(dtypes=[np.int16, np.float32, np.float64], max_dims=3))
def test_map_blocks_infers_dtype(executor, pair):
    a, x = pair
    result = ca.map_blocks(lambda b: b * 2 + 1, x)
    assert result.chunks == x.chunks
    assert_eq(result.compute(), a * 2 + 1)
    result = abs(x.astype(np.float64)).map_blocks(np.sqrt)  # (abs of int16 -32768 is negative)
    assert_eq(result.compute(), np.sqrt(abs(a.astype(np.float64))))


def test_map_blocks_explicit_dtype(executor):
    a = np.arange(10)
    x = ca.from_array(a, chunks=3)
    result = ca.map_blocks(lambda b: (b / 2).astype(np.float32), x, dtype=np.float32)
    assert result.dtype == np.float32
    assert_eq(result.compute(), (a / 2).astype(np.float32))


def test_map_blocks_with_extra_arguments(executor):
    a = np.arange(12.0).reshape(3, 4)
    b = np.arange(4.0)
    x, y = ca.from_array(a, chunks=(2, 3)), ca.from_array(b, chunks=2)
    result = ca.map_blocks(lambda p, q, scale, shift=0: p * q * scale + shift, x, y, 3, shift=1)
    assert_eq(result.compute(), a * b * 3 + 1)


@fixture_ok
@given(data=st.data())
def test_map_blocks_aligns_and_broadcasts(executor, data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=1))
    a = data.draw(values(np.float64, shape))
    b = data.draw(values(np.float64, shape[1:]))
    x = chunked(a, data.draw(chunkings(a.shape)))
    y = chunked(b, data.draw(chunkings(b.shape)))
    assert_eq(ca.map_blocks(np.add, x, y).compute(), a + b)


def test_map_blocks_chunks_for_new_block_shapes(executor):
    a = np.arange(24).reshape(4, 6)
    x = ca.from_array(a, chunks=(2, 3))
    # Every block becomes its first row: a block shape given as ints.
    result = ca.map_blocks(lambda b: b[:1], x, chunks=(1, 3))
    assert result.chunks == ((1, 1), (3, 3))
    assert_eq(result.compute(), a[[0, 2]])
    # Explicit chunks for every block.
    result = ca.map_blocks(lambda b: np.repeat(b, 2, axis=1), x, chunks=((2, 2), (6, 6)))
    assert result.shape == (4, 12)
    assert_eq(result.compute(), np.repeat(a, 2, axis=1))


def test_map_blocks_drop_axis(executor):
    a = np.arange(24.0).reshape(4, 6)
    x = ca.from_array(a, chunks=(3, 4))
    # The dropped axis arrives whole (its blocks concatenated).
    result = ca.map_blocks(lambda b: b.sum(axis=0), x, drop_axis=0)
    assert result.chunks == ((4, 2),)
    assert_eq(result.compute(), a.sum(axis=0))
    result = ca.map_blocks(lambda b: b.max(axis=1), x, drop_axis=1, dtype=float)
    assert_eq(result.compute(), a.max(axis=1))


def test_map_blocks_new_axis(executor):
    a = np.arange(6.0)
    x = ca.from_array(a, chunks=4)
    result = ca.map_blocks(lambda b: b[None, :], x, new_axis=0)
    assert result.chunks == ((1,), (4, 2))
    assert_eq(result.compute(), a[None, :])
    result = ca.map_blocks(lambda b: np.stack([b, -b], axis=1), x, new_axis=1,
                           chunks=((4, 2), (2,)))
    assert result.chunks == ((4, 2), (2,))
    assert_eq(result.compute(), np.stack([a, -a], axis=1))


def test_map_blocks_block_id(executor):
    a = np.zeros((5, 4), dtype=int)
    x = ca.from_array(a, chunks=(2, 3))

    def label(block, block_id=None):
        return np.full(block.shape, 10 * block_id[0] + block_id[1])

    result = ca.map_blocks(label, x, dtype=int)
    expected = np.array([[0, 0, 0, 1]] * 2 + [[10, 10, 10, 11]] * 2 + [[20, 20, 20, 21]])
    assert_eq(result.compute(), expected)


@fixture_ok
@given(data=st.data())
def test_map_blocks_block_info_locates_every_block(executor, data):
    """``block_info[0]['array-location']`` is where the block sits: reading the input there gives
    the block itself, as in dask."""
    a, x = data.draw(arrays(dtypes=[np.float64], min_dims=1, max_dims=3, min_side=1))
    seen = []

    def check(block, block_info=None):
        info = block_info[0]
        where = tuple(slice(lo, hi) for lo, hi in info["array-location"])
        np.testing.assert_array_equal(block, a[where])
        assert info["shape"] == a.shape and info["num-chunks"] == x.numblocks
        out = block_info[None]
        assert out["chunk-location"] == info["chunk-location"]
        assert out["chunk-shape"] == block.shape and out["dtype"] == np.float64
        assert out["array-location"] == info["array-location"]
        seen.append(info["chunk-location"])
        return block

    assert_eq(ca.map_blocks(check, x, dtype=x.dtype).compute(), a)
    assert sorted(seen) == sorted(np.ndindex(*x.numblocks))


def test_map_blocks_block_info_with_broadcasting_and_literals(executor):
    a = np.arange(12.0).reshape(3, 4)
    b = np.arange(3.0).reshape(3, 1)
    x, y = ca.from_array(a, chunks=(2, 3)), ca.from_array(b, chunks=3)
    infos = {}

    def f(scale, p, q, block_info=None):
        infos[block_info[None]["chunk-location"]] = block_info
        return p * q * scale

    assert_eq(ca.map_blocks(f, 2.0, x, y, dtype=float).compute(), a * b * 2.0)
    info = infos[(1, 1)]
    assert 0 not in info  # keys are argument positions; only arrays have one
    assert info[1]["chunk-location"] == (1, 1)
    assert info[1]["array-location"] == [(2, 3), (3, 4)]
    # y is cut like x along axis 0, and its length-1 axis 1 is one block broadcast to every block.
    assert info[2]["chunk-location"] == (1, 0)
    assert info[2]["array-location"] == [(2, 3), (0, 1)]
    assert info[None]["shape"] == (3, 4) and info[None]["num-chunks"] == (2, 2)


def test_map_blocks_block_info_with_drop_and_new_axes(executor):
    a = np.arange(24.0).reshape(4, 6)
    x = ca.from_array(a, chunks=(3, 4))
    infos = []

    def col_sums(block, block_info=None):
        infos.append(block_info)
        return block.sum(axis=0)

    assert_eq(ca.map_blocks(col_sums, x, drop_axis=0, dtype=float).compute(), a.sum(axis=0))
    info = [i for i in infos if i[None]["chunk-location"] == (1,)][0]
    assert info[0]["array-location"] == [(0, 4), (4, 6)]  # the dropped axis comes whole
    assert info[0]["num-chunks"] == (1, 2)

    infos.clear()

    def expand(block, block_info=None):
        infos.append(block_info)
        return block[:, None, :]

    result = ca.map_blocks(expand, x, new_axis=1, dtype=float)
    assert_eq(result.compute(), a[:, None, :])
    info = [i for i in infos if i[None]["chunk-location"] == (1, 0, 1)][0]
    assert info[0]["chunk-location"] == (1, 1)
    assert info[0]["array-location"] == [(3, 4), (4, 6)]
    assert info[None]["array-location"] == [(3, 4), (0, 1), (4, 6)]


def test_map_blocks_kwargs_functions_get_no_block_id(executor):
    a = np.linspace(0, 1, 7)
    x = ca.from_array(a, chunks=3)
    result = ca.map_blocks(lambda b, **kw: np.round(b, **kw), x, decimals=1)
    assert_eq(result.compute(), np.round(a, 1))


def test_map_blocks_needs_dtype_when_empty_blocks_fail():
    x = ca.from_array(np.arange(6.0), chunks=2)
    with pytest.raises(ValueError, match="dtype="):
        ca.map_blocks(lambda b: b[0] * np.ones_like(b), x)
    # With the dtype given the function is never called on an empty block.
    assert ca.map_blocks(lambda b: b[0] * np.ones_like(b), x, dtype=float).dtype == float


def test_map_blocks_errors():
    x = ca.from_array(np.arange(6.0), chunks=2)
    with pytest.raises(TypeError, match="ChunkedArray"):
        ca.map_blocks(np.sin, np.arange(3.0))
    with pytest.raises(ValueError, match="chunks="):
        ca.map_blocks(lambda b: b, x, chunks=(2, 2))


# --- blockwise ------------------------------------------------------------------------------------


def test_blockwise_elementwise_and_transpose(executor):
    a = np.arange(12.0).reshape(3, 4)
    b = np.arange(4.0)
    x, y = ca.from_array(a, chunks=(2, 3)), ca.from_array(b, chunks=2)
    result = ca.blockwise(np.add, "ij", x, "ij", y, "j", dtype=float)
    assert_eq(result.compute(), a + b)
    result = ca.blockwise(np.transpose, "ji", x, "ij", dtype=float)
    assert_eq(result.compute(), a.T)
    result = ca.blockwise(lambda p, s: p * s, "ij", x, "ij", 10.0, None, dtype=float)
    assert_eq(result.compute(), a * 10.0)


def _dot_panels(a, b):
    return np.dot(a, b)


@fixture_ok
@given(data=st.data(), n=st.integers(1, 6), m=st.integers(1, 6), k=st.integers(1, 6))
def test_blockwise_contraction_is_a_matrix_product(executor, data, n, m, k):
    """``"ik", x, "ij", y, "jk"`` with concatenate=True: each call gets whole panels along j."""
    a = data.draw(values(np.int64, (n, m)))
    b = data.draw(values(np.int64, (m, k)))
    a, b = a % 100, b % 100  # keep the products exact
    x = chunked(a, data.draw(chunkings(a.shape)))
    y = chunked(b, data.draw(chunkings(b.shape)))  # j chunked differently: unified
    result = ca.blockwise(_dot_panels, "ik", x, "ij", y, "jk", dtype=np.int64, concatenate=True)
    assert result.chunks == (x.chunks[0], y.chunks[1])
    assert_eq(result.compute(), a @ b)


def test_blockwise_contraction_without_concatenate_gets_lists(executor):
    a = np.arange(12.0).reshape(3, 4)
    x = ca.from_array(a, chunks=(2, 2))

    def row_sums(blocks):
        assert isinstance(blocks, list) and len(blocks) == 2
        return sum(b.sum(axis=1) for b in blocks)

    result = ca.blockwise(row_sums, "i", x, "ij", dtype=float)
    assert_eq(result.compute(), a.sum(axis=1))


def test_blockwise_new_axes_and_adjust_chunks(executor):
    a = np.arange(6.0)
    x = ca.from_array(a, chunks=4)
    result = ca.blockwise(lambda b: np.stack([b] * 3, axis=1), "ij", x, "i", new_axes={"j": 3},
                          dtype=float)
    assert result.chunks == ((4, 2), (3,))
    assert_eq(result.compute(), np.stack([a] * 3, axis=1))
    result = ca.blockwise(lambda b: b[:1], "i", x, "i", adjust_chunks={"i": 1}, dtype=float)
    assert_eq(result.compute(), a[[0, 4]])


def test_blockwise_errors():
    x = ca.ones((4, 4), chunks=2)
    with pytest.raises(ValueError, match="pairs"):
        ca.blockwise(np.add, "ij", x, "ij", x, dtype=float)
    with pytest.raises(TypeError, match="ChunkedArray"):
        ca.blockwise(np.add, "ij", x, "ij", np.ones((4, 4)), "ij", dtype=float)
    with pytest.raises(ValueError, match="letters"):
        ca.blockwise(np.sin, "ij", x, "i", dtype=float)
    with pytest.raises(ValueError, match="new_axes"):
        ca.blockwise(np.sin, "ijk", x, "ij", dtype=float)


# --- transpose ------------------------------------------------------------------------------------


@st.composite
def permutations_of(draw: st.DrawFn, ndim: int) -> tuple[int, ...]:
    perm = draw(st.permutations(range(ndim)))
    return tuple(p - ndim if draw(st.booleans()) else p for p in perm)  # negative axes too


@fixture_ok
@given(data=st.data())
def test_transpose_like_numpy(executor, data):
    a, x = data.draw(arrays(dtypes=ALL_DTYPES, max_dims=4, max_side=5))
    axes = data.draw(permutations_of(a.ndim))
    expected = np.transpose(a, axes)
    for result in (ca.transpose(x, axes), ca.permute_dims(x, axes), np.transpose(x, axes),
                   x.transpose(axes), x.transpose(*axes), np.permute_dims(x, axes)):
        assert isinstance(result, ca.ChunkedArray)
        assert result.chunks == tuple(x.chunks[p] for p in axes)
        assert_eq(result.compute(), expected)
    for result in (x.T, ca.transpose(x), np.transpose(x), x.transpose()):
        assert_eq(result.compute(), a.T)


@fixture_ok
@given(data=st.data())
def test_transpose_composes(executor, data):
    a, x = data.draw(arrays(dtypes=[np.float32], min_dims=2, max_dims=3))
    p, q = data.draw(permutations_of(a.ndim)), data.draw(permutations_of(a.ndim))
    assert_eq(x.transpose(p).transpose(q).compute(), a.transpose(p).transpose(q))
    assert_eq((x.T + 1).T.compute(), a + 1)


@pytest.mark.parametrize("axes", [(0,), (0, 0, 1), (0, 1, 3), (0, 1, -4), (0, 1, 2, 3)])
def test_transpose_bad_axes_raise_at_the_call(axes):
    a = np.zeros((2, 3, 4))
    x = ca.from_array(a, chunks=2)
    with pytest.raises((ValueError, np.exceptions.AxisError)) as expected:
        np.transpose(a, axes)
    for call in (lambda: ca.transpose(x, axes), lambda: np.transpose(x, axes),
                 lambda: x.transpose(axes), lambda: ca.permute_dims(x, axes)):
        with pytest.raises(type(expected.value)):
            call()


# --- map_blocks: blocks of the wrong shape fail where they are made ------------------------------


def _first_three(block):
    return block[:3]


@pytest.mark.parametrize("consume", [
    lambda y: y.sum(), lambda y: (y + 1).sum(), lambda y: y * 2, lambda y: y[:4],
    lambda y: y.mean(), lambda y: y.rechunk(10), lambda y: y,
])
def test_map_blocks_of_the_wrong_shape_fail_whatever_consumes_them(executor, consume):
    x = ca.from_array(np.arange(10.0), chunks=5)
    y = x.map_blocks(_first_three)  # says nothing of the shape: the blocks should be (5,)
    with pytest.raises(ValueError, match=r"returned a block of shape \(3,\) where the output's "
                                         r"chunks say \(5,\)"):
        consume(y).compute()


def test_map_blocks_with_the_right_chunks_or_unknown_ones_pass(executor):
    a = np.arange(10.0)
    x = ca.from_array(a, chunks=5)
    assert_eq(x.map_blocks(_first_three, chunks=(3,)).sum(), a[[0, 1, 2, 5, 6, 7]].sum())
    unknown = x.map_blocks(_first_three, chunks=((np.nan, np.nan),))
    assert_eq((unknown * 2).sum(), 2 * a[[0, 1, 2, 5, 6, 7]].sum())
    assert_eq(x.map_blocks(lambda b, block_id=None: b + block_id[0], dtype=float).sum(),
              a.sum() + 5)
    with pytest.raises(ValueError, match="returned a block of shape"):
        x.map_blocks(lambda b, block_id=None: b[:2], dtype=float).sum().compute()
