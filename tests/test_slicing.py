"""Tests of chunkarray.primitives.slicing: the per-axis slicing plan, with NumPy as the oracle."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from chunkarray.core.grid import axis_grid
from chunkarray.primitives.slicing import slice_axis
from tests.strategies import axis_chunks


@st.composite
def sizes_with_empty_blocks(draw: st.DrawFn) -> tuple[int, ...]:
    """Block sizes of an axis, with zero-size blocks put in anywhere."""
    sizes = list(draw(axis_chunks(draw(st.integers(0, 30)))))
    for _ in range(draw(st.integers(0, 2))):
        sizes.insert(draw(st.integers(0, len(sizes))), 0)
    return tuple(sizes)


def _check_plan(sizes: tuple[int, ...], key: slice) -> None:
    n = sum(sizes)
    start, stop, step = key.indices(n)
    out, pieces = slice_axis(sizes, start, stop, step)
    values = np.arange(n)
    grid = axis_grid(sizes)
    parts = [values[grid.slice(b)][local] for b, local in pieces]
    expected = values[key]
    np.testing.assert_array_equal(np.concatenate(parts), expected)
    assert out == (tuple(len(p) for p in parts) if len(expected) else (0,))
    if len(expected):  # each output block comes from a block the slice visits
        assert all(len(p) > 0 for p in parts)
        assert [b for b, _ in pieces] == sorted({b for b, _ in pieces}, reverse=step < 0)


@given(sizes_with_empty_blocks(), st.integers(-35, 35) | st.none(),
       st.integers(-35, 35) | st.none(), st.sampled_from([1, 2, 3, 7, -1, -2, -5]))
def test_slice_axis_matches_numpy(sizes, start, stop, step):
    _check_plan(sizes, slice(start, stop, step))


def test_slice_axis_examples():
    assert slice_axis((4, 4, 2), 1, 9, 3) == ((1, 2), [(0, slice(1, 4, 3)), (1, slice(0, 6, 3))])
    assert slice_axis((4, 4, 2), 9, -1, -4)[0] == (1, 1, 1)
    assert slice_axis((4, 4, 2), 5, 5, 1) == ((0,), [(0, slice(0, 0, 1))])
    assert slice_axis((0,), 0, 0, 1) == ((0,), [(0, slice(0, 0, 1))])
    # Empty blocks inside the sliced range give no output block.
    assert slice_axis((3, 0, 5), 1, 6, 1) == ((2, 3), [(0, slice(1, 3, 1)), (2, slice(0, 3, 1))])


def test_slice_axis_plans_only_the_blocks_it_touches():
    # A million blocks, a slice within three of them: the plan visits just those three.
    sizes = (10,) * 10**6
    out, pieces = slice_axis(sizes, 4_999_995, 5_000_015, 1)
    assert out == (5, 10, 5)
    assert [b for b, _ in pieces] == [499_999, 500_000, 500_001]
    _check_plan((10,) * 100, slice(995, 3, -7))
