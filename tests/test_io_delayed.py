"""from_blocks (the user's own loaders), from_delayed and to_delayed (dask.delayed)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chunkarray as ca
from tests.strategies import arrays, assert_eq


def _loaders(a: np.ndarray, chunks: tuple[tuple[int, ...], ...]) -> object:
    """Nested lists of functions, one per block of ``a`` cut by ``chunks``."""
    starts = [np.cumsum((0, *c)) for c in chunks]

    def nest(prefix: tuple[int, ...]) -> object:
        axis = len(prefix)
        if axis == a.ndim:
            where = tuple(slice(s[i], s[i + 1]) for s, i in zip(starts, prefix))
            return lambda: a[where].copy()
        return [nest((*prefix, i)) for i in range(len(chunks[axis]))]

    return nest(())


@given(arrays(nan=True))
def test_from_blocks_matches_the_blocks(data: tuple[np.ndarray, ca.ChunkedArray]) -> None:
    a, x = data
    y = ca.from_blocks(_loaders(a, x.chunks), chunks=x.chunks, dtype=a.dtype)
    assert y.chunks == x.chunks and y.dtype == a.dtype
    np.testing.assert_array_equal(y.compute(), a)
    axis = 0 if a.ndim else None
    assert_eq((y * 2).sum(axis=axis).compute(), (a * 2).sum(axis=axis))


def test_from_blocks_on_every_executor(executor: str) -> None:
    a = np.arange(12.0).reshape(3, 4)
    y = ca.from_blocks(_loaders(a, ((2, 1), (3, 1))), chunks=((2, 1), (3, 1)), dtype=float)
    np.testing.assert_array_equal(y.compute(), a)


def test_from_blocks_casts_safely_and_refuses_otherwise() -> None:
    y = ca.from_blocks([lambda: np.array([1, 2], dtype=np.int32)], chunks=((2,),), dtype=float)
    got = y.compute()
    assert got.dtype == np.float64 and got.tolist() == [1.0, 2.0]
    z = ca.from_blocks([lambda: np.array([1.5, 2.5])], chunks=((2,),), dtype=np.int64)
    with pytest.raises(TypeError, match=r"block \(0,\) returned an array of dtype float64"):
        z.compute()


def test_from_blocks_refuses_a_block_of_the_wrong_shape() -> None:
    y = ca.from_blocks([lambda: np.zeros(2), lambda: np.zeros(5)], chunks=((2, 3),), dtype=float)
    with pytest.raises(ValueError, match=r"from_blocks: the function for block \(1,\) returned "
                                         r"an array of shape \(5,\), but the chunks say \(3,\)"):
        y.compute()


def test_from_blocks_bad_arguments() -> None:
    f = lambda: np.zeros(2)  # noqa: E731
    with pytest.raises(ValueError, match=r"grid of shape \(1,\), but chunks=\(\(2, 2\),\) has "
                                         r"\(2,\) blocks"):
        ca.from_blocks([f], chunks=((2, 2),), dtype=float)
    with pytest.raises(ValueError, match="chunks=4: from_blocks needs explicit block sizes"):
        ca.from_blocks([f], chunks=4, dtype=float)
    with pytest.raises(TypeError, match="zero-argument callable, got int"):
        ca.from_blocks([f, 3], chunks=((2, 2),), dtype=float)


def test_from_blocks_zero_d() -> None:
    y = ca.from_blocks(lambda: np.float32(3), chunks=(), dtype=np.float32)
    assert y.shape == () and y.compute() == np.float32(3)


# --- dask.delayed ------------------------------------------------------------------------------

dask = pytest.importorskip("dask")


def test_to_delayed_gives_one_delayed_per_block() -> None:
    a = np.arange(20.0).reshape(4, 5)
    x = ca.from_array(a, chunks=(3, 2)) + 1
    parts = x.to_delayed()
    assert parts.shape == x.numblocks and parts.dtype == object
    blocks = dask.compute(*parts.ravel())
    np.testing.assert_array_equal(blocks[0], a[:3, :2] + 1)
    np.testing.assert_array_equal(blocks[-1], a[3:, 4:] + 1)
    d = dask.delayed(np.sum)(parts[1, 2])
    assert d.compute() == (a[3:, 4:] + 1).sum()


def test_from_delayed_round_trip(executor: str) -> None:
    a = np.arange(10.0)
    parts = ca.from_array(a, chunks=4).to_delayed()
    y = ca.concatenate([ca.from_delayed(p, shape=(n,), dtype=float)
                        for p, n in zip(parts, (4, 4, 2))])
    np.testing.assert_array_equal(y.compute(), a)
    z = ca.from_delayed(dask.delayed(np.ones)((2, 3)), (2, 3), meta=np.empty(0, dtype=float))
    assert z.dtype == np.float64 and z.sum().compute() == 6


def test_from_delayed_with_a_wrong_shape_says_so() -> None:
    y = ca.from_delayed(dask.delayed(np.ones)(3), shape=(4,), dtype=float)
    with pytest.raises(ValueError, match=r"from_delayed: the function for block \(0,\) returned "
                                         r"an array of shape \(3,\), but the chunks say \(4,\)"):
        y.compute()


def test_from_delayed_bad_arguments() -> None:
    with pytest.raises(TypeError, match="value must be a dask Delayed, got ndarray"):
        ca.from_delayed(np.ones(3), shape=(3,), dtype=float)
    with pytest.raises(TypeError, match="give dtype="):
        ca.from_delayed(dask.delayed(np.ones)(3), shape=(3,))
    with pytest.raises(ValueError, match=r"shape=\(-1,\): sizes must be non-negative"):
        ca.from_delayed(dask.delayed(np.ones)(3), shape=(-1,), dtype=float)


@given(st.integers(1, 4))
def test_from_delayed_names_follow_the_value(n: int) -> None:
    v = dask.delayed(np.ones)(n)
    assert ca.from_delayed(v, (n,), float).name == ca.from_delayed(v, (n,), float).name
    assert ca.from_delayed(v, (n,), float).name != ca.from_delayed(v, (n,), np.float32).name
